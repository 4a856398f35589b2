"""The concrete syntax of a spec: every token in source order, in the shape of the grammar, plus the comments
the parser skips. The formatter (spec/printer.py) prints from it, so that nothing the author wrote is lost;
later passes use the AST instead.

`spec.parser.parse_concrete` builds the tree; `comments` finds the comments (the language has no string
literals, so a comment is exactly a `//` or `/*` outside another comment).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Token:
    """One token: `kind` is the grammar's terminal name (NAME, INT, LBRACE, ...), `index` its place among
    the file's tokens; positions are 1-based lines and columns, `start`/`end` offsets into the text."""

    kind: str
    text: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    index: int


@dataclass(frozen=True, slots=True)
class Tree:
    """One grammar rule (named by its alias where it has one, as in spec/grammar.lark) and its children."""

    rule: str
    children: tuple[Tree | Token, ...]

    def tokens(self) -> Iterator[Token]:
        for child in self.children:
            if isinstance(child, Token):
                yield child
            else:
                yield from child.tokens()

    def first(self) -> Token:
        return next(self.tokens())

    def last(self) -> Token:
        for child in reversed(self.children):
            if isinstance(child, Token):
                return child
            if child.children:
                return child.last()
        raise ValueError(f"empty {self.rule}")


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    start: int
    end: int
    line: int
    column: int
    end_line: int

    @property
    def is_block(self) -> bool:
        return self.text.startswith("/*")


def comments(text: str) -> tuple[Comment, ...]:
    """Every comment of a spec that lexes, in order."""
    found: list[Comment] = []
    i = 0
    line, line_start = 1, 0
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            line, line_start = line + 1, i + 1
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            found.append(Comment(text[i:end].rstrip(), i, end, line, i - line_start + 1, line))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end < 0 else end + 2
            body = text[i:end]
            newlines = body.count("\n")
            found.append(Comment(body, i, end, line, i - line_start + 1, line + newlines))
            if newlines:
                line, line_start = line + newlines, i + body.rfind("\n") + 1
            i = end
        else:
            i += 1
    return tuple(found)
