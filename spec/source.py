"""Source files and spans: where a piece of a spec came from, and how to show it to a person."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceFile:
    """The text of one spec and the name it is reported under."""

    uri: str
    text: str

    def line(self, number: int) -> str:
        """The 1-based line `number`, without its newline ('' past the end)."""
        lines = self.text.splitlines()
        return lines[number - 1] if 1 <= number <= len(lines) else ""


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


def render_snippet(source: SourceFile, span: Span) -> str:
    """The source line of `span` with the offending text underlined by carets."""
    if span.line <= 0:
        return ""
    text = source.line(span.line).rstrip("\n")
    if span.end_line == span.line:
        width = max(span.end_column - span.column, 1)
    else:
        width = max(len(text) - span.column + 1, 1)
    number = str(span.line)
    gutter = " " * len(number)
    # Keep tabs in the padding so the carets line up under the text as the terminal shows it.
    padding = "".join("\t" if ch == "\t" else " " for ch in text[: span.column - 1])
    caret_line = padding + "^" * width
    return f"{gutter} |\n{number} | {text}\n{gutter} | {caret_line}"
