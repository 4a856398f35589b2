"""How much room text takes in the charts' font (DejaVu Sans), and text broken into lines that fit.

The widths are DejaVu Sans's advance widths in ems (read from the font's `hmtx` table); a character not
listed counts as a full em, so that an estimate is never narrower than what Graphviz draws. The layout
places every label by these estimates; the tests then check the boxes Graphviz itself measured.
"""

from __future__ import annotations

from dataclasses import dataclass

# fmt: off
_EM: dict[str, float] = {
    " ": 0.318, "!": 0.401, '"': 0.46, "#": 0.838, "$": 0.636, "%": 0.95, "&": 0.78, "'": 0.275,
    "(": 0.39, ")": 0.39, "*": 0.5, "+": 0.838, ",": 0.318, "-": 0.361, ".": 0.318, "/": 0.337,
    "0": 0.636, "1": 0.636, "2": 0.636, "3": 0.636, "4": 0.636, "5": 0.636, "6": 0.636, "7": 0.636,
    "8": 0.636, "9": 0.636, ":": 0.337, ";": 0.337, "<": 0.838, "=": 0.838, ">": 0.838, "?": 0.531,
    "@": 1.0, "A": 0.684, "B": 0.686, "C": 0.698, "D": 0.77, "E": 0.632, "F": 0.575, "G": 0.775,
    "H": 0.752, "I": 0.295, "J": 0.295, "K": 0.656, "L": 0.557, "M": 0.863, "N": 0.748, "O": 0.787,
    "P": 0.603, "Q": 0.787, "R": 0.695, "S": 0.635, "T": 0.611, "U": 0.732, "V": 0.684, "W": 0.989,
    "X": 0.685, "Y": 0.611, "Z": 0.685, "[": 0.39, "\\": 0.337, "]": 0.39, "^": 0.838, "_": 0.5,
    "`": 0.5, "a": 0.613, "b": 0.635, "c": 0.55, "d": 0.635, "e": 0.615, "f": 0.352, "g": 0.635,
    "h": 0.634, "i": 0.278, "j": 0.278, "k": 0.579, "l": 0.278, "m": 0.974, "n": 0.634, "o": 0.612,
    "p": 0.635, "q": 0.635, "r": 0.411, "s": 0.521, "t": 0.392, "u": 0.634, "v": 0.592, "w": 0.818,
    "x": 0.592, "y": 0.592, "z": 0.525, "{": 0.636, "|": 0.337, "}": 0.636, "~": 0.838,
    "→": 0.838, "↛": 0.838, "✕": 0.838, "✗": 0.838, "↻": 0.838, "‖": 0.5, "▶": 0.769, "…": 1.0,
    "⚠": 0.897, "≤": 0.838, "≥": 0.838, "·": 0.318, "—": 1.0, "–": 0.5, "⚡": 0.702,
}
# fmt: on
_NARROWEST = 0.32  # Graphviz rounds each glyph's advance: thin letters take a little more than their width
LINE_HEIGHT = 1.1  # Graphviz's line height, in ems


def _em(ch: str) -> float:
    return max(_EM.get(ch, 1.0), _NARROWEST)


def width(text: str, size: float) -> float:
    """The width of one line of `text` at font size `size`, in points (never less than Graphviz's)."""
    return sum(_em(ch) for ch in text) * size + 1.0


def height(lines: int, size: float) -> float:
    return lines * LINE_HEIGHT * size


def wrap(text: str, size: float, limit: float, indent: str = "  ") -> list[str]:
    """`text` broken into lines of at most `limit` points: at spaces where it can, inside a word where a
    word alone is too long; later lines start with `indent`. Nothing is cut. One pass over the text."""
    budget = (limit - 1.0) / size  # in ems
    space, indent_em = _em(" "), sum(_em(ch) for ch in indent)
    lines: list[str] = []
    current, used, fresh = "", 0.0, True  # the line being filled, its width, whether it has no word yet
    for word in text.split(" "):
        word_em = sum(_em(ch) for ch in word)
        if not fresh and used + space + word_em > budget:
            lines.append(current)
            current, used, fresh = indent, indent_em, True
        if not fresh:
            current, used = current + " ", used + space
        if used + word_em <= budget:
            current, used = current + word, used + word_em
        else:  # a word too long for any line: broken where the line is full
            for ch in word:
                if used + _em(ch) > budget and current.strip():
                    lines.append(current)
                    current, used = indent, indent_em
                current, used = current + ch, used + _em(ch)
        fresh = False
    lines.append(current)
    return lines


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on the page: left, top, width, height (points, y grows downwards)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Box, slack: float = 0.5) -> bool:
        """Whether the two share more than a sliver (`slack` points) of area."""
        return (
            min(self.right, other.right) - max(self.x, other.x) > slack
            and min(self.bottom, other.bottom) - max(self.y, other.y) > slack
        )
