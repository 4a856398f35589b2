"""Source files and spans: where a piece of a spec came from, and how to show it to a person.

There is one reading of a spec's text, and every stage uses it (the lexer, diagnostics, the formatter,
the language server): a byte-order mark at the start is skipped, and a line ends at `\\r\\n`, `\\n` or a
lone `\\r` — the line breaks of the Language Server Protocol, so that an editor and faultline agree on line
numbers. No other character (`\\v`, `\\f`, `\\x85`, `\\u2028`, ...) breaks a line; outside comments none of
them is part of the language either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BOM = "\ufeff"
LINE_BREAK = re.compile(r"\r\n|\n|\r")


def normalize(text: str) -> str:
    """The text a spec is read as: without a leading byte-order mark, every line break a `\\n`."""
    if text.startswith(BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def lines_with_ends(text: str) -> list[str]:
    """The lines of raw (not normalized) text, each with its line break, split as `normalize` splits."""
    out: list[str] = []
    start = 0
    for match in LINE_BREAK.finditer(text):
        out.append(text[start : match.end()])
        start = match.end()
    if start < len(text) or not out:
        out.append(text[start:])
    return out


@dataclass(frozen=True, slots=True)
class SourceFile:
    """The text of one spec (normalized: see `normalize`) and the name it is reported under."""

    uri: str
    text: str
    _lines: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = normalize(self.text)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "_lines", tuple(text.split("\n")))

    def line(self, number: int) -> str:
        """The 1-based line `number`, without its line break ('' past the end)."""
        return self._lines[number - 1] if 1 <= number <= len(self._lines) else ""

    def between(self, line: int, column: int, end_line: int, end_column: int) -> str:
        """The text from one 1-based position up to (not including) another."""
        if line == end_line:
            return self.line(line)[column - 1 : end_column - 1]
        middle = [self.line(n) for n in range(line + 1, end_line)]
        return "\n".join([self.line(line)[column - 1 :], *middle, self.line(end_line)[: end_column - 1]])

    @property
    def line_count(self) -> int:
        """How many lines there are (a final line break does not start another)."""
        return len(self._lines) - 1 if len(self._lines) > 1 and self._lines[-1] == "" else len(self._lines)


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of source: 1-based line and column of its first character, and of the one after its last."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"

    @staticmethod
    def point(line: int, column: int, width: int = 1) -> Span:
        return Span(line, column, line, column + max(width, 1))


NOWHERE = Span(0, 0, 0, 0)


# A snippet shows at most this much of a long line: the stretch around the mistake.
SNIPPET_WIDTH = 160


def _visible(text: str) -> str:
    """Text as a snippet shows it: control and separator characters (which a terminal would act on or
    hide) as one replacement character each, so that the carets stay under the right column."""
    if text.replace("\t", " ").isprintable():
        return text
    return "".join(ch if ch == "\t" or ch.isprintable() else "\ufffd" for ch in text)


def render_snippet(source: SourceFile, span: Span) -> str:
    """The source line of `span` with the offending text underlined by carets (of a long line, the part
    around the mistake, marked with … where it is cut)."""
    if span.line <= 0:
        return ""
    line = source.line(span.line)
    column = span.column
    if span.end_line == span.line:
        width = max(span.end_column - span.column, 1)
    else:
        width = max(len(line) - span.column + 1, 1)
    if len(line) > SNIPPET_WIDTH:
        start = max(0, min(column - 1 - SNIPPET_WIDTH // 3, len(line) - SNIPPET_WIDTH))
        end = start + SNIPPET_WIDTH
        line = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
        column -= start - (1 if start else 0)
        width = min(width, len(line) - column + 1)
    text = _visible(line)
    number = str(span.line)
    gutter = " " * len(number)
    # Keep tabs in the padding so the carets line up under the text as the terminal shows it.
    padding = "".join("\t" if ch == "\t" else " " for ch in text[: column - 1])
    caret_line = padding + "^" * max(width, 1)
    return f"{gutter} |\n{number} | {text}\n{gutter} | {caret_line}"
