"""The canonical formatter: spec text in, the same spec laid out one way out (`faultline fmt`).

It prints from the concrete syntax tree (spec/cst.py), so every token the author wrote comes back in its
place, with its comments; only the layout is decided here:

- two-space indents; one declaration, node item, statement or model item per line;
- `;` only where it separates items on one line (`network { reorder; loss <= 1 }`) or where leaving it
  out would change the parse (a model key with nothing after it);
- one space around binary operators and after `,` and `:`; none inside `()`, `[]`, `set<…>`, `{a, b}`,
  around `..` and `.`, or after unary `-`; blocks, settings and enums are `{ a }` when on one line;
- a block the author wrote on one line stays on one line when it holds a single simple statement (or,
  for a model block, items only) and fits in WIDTH columns; otherwise it is opened up, one item a line;
  an if/else chain is laid out all on one line or not at all;
- line breaks inside an expression or a header are the author's (this is no line breaker): a continuation
  line keeps its indentation relative to the start of its statement, and at least two columns more
  (a line that starts with a closing bracket may line up with the statement);
- comments stay where they were: a comment on its own line before the thing it precedes, a comment at the
  end of a line at the end of that line (at the column it had, where the code before it has not moved,
  so that aligned comments stay aligned); blank lines between items are kept, several as one, none after
  `{` or before `}`.

`format_text` checks its own work (black's safe mode): the result must parse to the same syntax tree,
spans aside, and format to itself; otherwise it raises InternalError rather than return a different spec.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass

from spec import cst
from spec.cst import Comment, Token, Tree
from spec.diagnostics import InternalError
from spec.parser import parse, parse_concrete
from spec.source import SourceFile, Span

WIDTH = 110
INDENT = 2

# Braces that make a value, not a block: no spaces inside them.
_EXPR_BRACES = frozenset({"set_lit", "map_lit", "set_comp", "map_comp"})
# Statements that hold blocks: never the one statement of a one-line block.
_COMPOUND = frozenset({"if_stmt", "for_stmt", "choose_stmt"})
_TIGHT_BEFORE = frozenset({",", ";", ")", "]", ".", ":", "?", "..", "["})
_TIGHT_AFTER = frozenset({"(", "[", ".", ".."})
_EOF = -1


def format_text(text: str, uri: str = "<spec>", *, verify: bool = True) -> str:
    """`text` formatted. Raises SpecError if it does not parse (names and types are not checked: a spec
    with a type error is formatted all the same), InternalError if the result would not mean the same."""
    source = SourceFile(uri, text.replace("\r\n", "\n"))
    before = parse(source)  # the parser's own syntax errors, exactly as `faultline check` reports them
    result = _Printer(source.text, parse_concrete(source)).run()
    if verify:
        after = parse(SourceFile(uri, result))
        if not same_syntax(before, after):
            raise InternalError(f"formatting {uri} produced a spec that parses differently")
        if _Printer(result, parse_concrete(SourceFile(uri, result))).run() != result:
            raise InternalError(f"formatting {uri} twice gives two different results")
    return result


def same_syntax(a: object, b: object) -> bool:
    """Whether two syntax trees are equal, wherever they came from (spans and node ids are not compared)."""
    if isinstance(a, Span):
        return isinstance(b, Span)
    if type(a) is not type(b):
        return False
    if is_dataclass(a) and not isinstance(a, type):
        return all(same_syntax(getattr(a, f.name), getattr(b, f.name)) for f in fields(a) if f.name != "id")
    if isinstance(a, tuple | list):
        assert isinstance(b, tuple | list)
        return len(a) == len(b) and all(same_syntax(x, y) for x, y in zip(a, b, strict=True))
    return a == b


# ---------------------------------------------------------------- comments, attached to tokens


@dataclass
class _Attached:
    """The comments that go with one token: own-line comments before it (each with whether a blank line
    precedes it), comments after it on its line (and below those, aligned with them), and whether a blank
    line precedes the token itself."""

    leading: list[tuple[Comment, bool]] = field(default_factory=list)
    trailing: list[Comment] = field(default_factory=list)
    below: list[Comment] = field(default_factory=list)  # own-line comments aligned with the trailing one
    blank_before: bool = False


def _attach(text: str, tokens: list[Token], comments: tuple[Comment, ...]) -> dict[int, _Attached]:
    """Attach each comment to a token (`;` aside: the formatter drops most of them): to the token before it
    when it starts on that token's line, else to the token after it (or to the end of the file)."""
    attached: dict[int, _Attached] = {}
    events: list[Token | Comment] = sorted([*tokens, *comments], key=lambda e: e.start)
    last_token: Token | None = None
    trailing_open = False  # the previous element is a token or a comment after one on its line
    last_comment: Comment | None = None  # the previous element, if it is a comment after a token
    end, end_line = 0, 0
    pending: list[tuple[Comment, bool]] = []
    for event in events:
        blank = text.count("\n", end, event.start) >= 2
        if isinstance(event, Comment):
            if trailing_open and last_token is not None and event.line == end_line and not pending:
                attached.setdefault(last_token.index, _Attached()).trailing.append(event)
            elif (
                trailing_open
                and last_token is not None
                and last_comment is not None
                and not last_comment.is_block
                and not event.is_block
                and event.line == end_line + 1
                and event.column == last_comment.column
            ):
                # a comment on the next line, aligned with the one ending the line above: it goes on
                attached[last_token.index].below.append(event)
            else:
                pending.append((event, blank))
                trailing_open = False
        else:
            entry = attached.setdefault(event.index, _Attached())
            entry.leading, entry.blank_before = pending, blank
            pending = []
            last_token = event
            trailing_open = True
        end, end_line = event.end, event.end_line
        last_comment = event if isinstance(event, Comment) and trailing_open else None
    attached.setdefault(_EOF, _Attached()).leading = pending
    return attached


# ---------------------------------------------------------------- output lines


class _Writer:
    """Finished lines, and the one being written: its code and the comment at its end."""

    def __init__(self, code: str | None = None) -> None:
        self.lines: list[str] = []
        self.code: str | None = code
        self.comment: tuple[str, int | None] | None = None  # text, and the column to keep it at
        self.more: list[str] = []  # comments on the lines below, aligned with it
        self.blank = False

    @property
    def empty(self) -> bool:
        return self.code is None or not self.code.strip()

    def open(self, indent: int) -> None:
        self.close()
        self.code = " " * indent

    def close(self) -> None:
        if self.code is not None and (self.code.strip() or self.comment):
            if self.blank and self.lines:
                self.lines.append("")
            self.blank = False
            line = self.code.rstrip()
            if self.comment is not None:
                text, column = self.comment
                at = max(column or 0, len(line) + 1)
                line += " " * (at - len(line)) + text
                self.lines.append(line)
                self.lines.extend(" " * at + more for more in self.more)
            else:
                self.lines.append(line)
        self.code, self.comment, self.more = None, None, []

    def write(self, text: str, space: bool) -> None:
        assert self.code is not None
        if space and not self.empty:
            self.code += " "
        self.code += text

    def end_comment(self, text: str, column: int | None) -> None:
        if self.comment is not None:
            self.comment = (f"{self.comment[0]} {text}", self.comment[1])
        else:
            self.comment = (text, column)

    def comment_line(self, indent: int, text: str) -> None:
        self.open(indent)
        self.write(text, False)
        self.close()


# ---------------------------------------------------------------- the printer


def _space(prev: Token, prev_rule: str, tok: Token, rule: str) -> bool:
    """Whether a space separates two tokens printed on one line."""
    before, after = prev.text, tok.text
    if before in _TIGHT_AFTER or after in _TIGHT_BEFORE:
        return False
    if before == "{" and (prev_rule in _EXPR_BRACES or after == "}"):
        return False
    if after == "}" and rule in _EXPR_BRACES:
        return False
    if rule == "generic_type" and after in ("<", ">"):
        return False
    if prev_rule == "generic_type" and before == "<":
        return False
    if prev_rule == "neg_expr" and before == "-":
        return False
    return not (after == "(" and prev.kind == "NAME")  # a call, a message, parameters, fields


class _Printer:
    def __init__(self, text: str, tree: Tree) -> None:
        self.tree = tree
        self.src_lines = text.split("\n")
        tokens = [t for t in tree.tokens() if t.kind != "SEMICOLON"]
        self.comments = cst.comments(text)
        self.comment_starts = [c.start for c in self.comments]
        self.attached = _attach(text, tokens, self.comments)
        self.w = _Writer()
        self.indent = 0
        self.prev: tuple[Token, str] | None = None
        self.line_first: Token | None = None  # the first token of the output line being written
        self.must_break = False  # a comment ends the line: the next token starts another
        self.after_comment = False
        self.inline = False  # inside something printed on one line
        self.quiet = False  # measuring: comments are left out
        self.consumed: set[int] = set()  # tokens whose leading comments are printed
        self.base_src = 0  # the source column, and the output indent, of the current statement's start
        self.base_out = 0

    def run(self) -> str:
        decls = [c for c in self.tree.children if isinstance(c, Tree)]
        for i, decl in enumerate(decls):
            self.begin_unit(decl.first(), i == 0)
            self.layout(decl)
        self.w.close()
        for comment, blank in self.attached[_EOF].leading:
            self.w.blank = self.w.blank or blank
            self.w.comment_line(0, comment.text)
        return "\n".join(self.w.lines) + "\n" if self.w.lines else ""

    # ---- tokens and lines

    def tok(self, t: Token, rule: str, brk: bool = True) -> None:
        """Print one token. `brk`: a line break before it in the source is kept (as a continuation line)."""
        attached = self.attached.get(t.index)
        if attached is not None and attached.leading and not self.quiet and t.index not in self.consumed:
            indent = self.continuation(t) if brk and not self.w.empty else self.indent
            self.w.close()
            for comment, blank in attached.leading:
                self.w.blank = self.w.blank or blank
                self.w.comment_line(indent, comment.text)
            self.new_line(indent)
        elif not self.w.empty and (
            self.must_break
            or (brk and not self.inline and self.prev is not None and t.line > self.prev[0].end_line)
        ):
            self.new_line(self.continuation(t) if brk else self.indent)
        space = not self.w.empty and (
            self.prev is None
            or (self.after_comment and t.text not in _TIGHT_BEFORE)
            or _space(self.prev[0], self.prev[1], t, rule)
        )
        if self.w.empty:
            self.line_first = t
        self.w.write(t.text, space)
        self.prev = (t, rule)
        self.must_break = self.after_comment = False
        if attached is None or self.quiet:
            return
        for comment in attached.trailing:
            if comment.is_block and "\n" not in comment.text:
                self.w.write(comment.text, True)
                self.after_comment = True
            else:
                self.w.end_comment(comment.text, self.kept_column(comment))
                self.must_break = True
        self.w.more.extend(comment.text for comment in attached.below)

    def punct(self, text: str) -> None:
        """A `;` or `,` the source may not have, right after the last token (before a comment ending the line)."""
        self.w.write(text, False)
        self.prev = None

    def new_line(self, indent: int) -> None:
        self.w.open(indent)
        self.line_first = None
        self.must_break = self.after_comment = False

    def continuation(self, t: Token) -> int:
        """The indent of a continuation line: as far right of its statement's start as in the source, and
        at least INDENT (a closing bracket may line up with the start)."""
        line = self.src_lines[t.line - 1]
        least = 0 if t.text in (")", "]", "}") else INDENT
        return self.base_out + max(least, len(line) - len(line.lstrip()) - self.base_src)

    def kept_column(self, comment: Comment) -> int | None:
        """The column of a comment at the end of a line, where the line starts as it did in the source (moved
        with the line if it is indented anew): comments aligned by the author stay aligned."""
        first = self.line_first
        if (
            first is None
            or first.line != comment.line
            or self.src_lines[first.line - 1][: first.column - 1].strip()
        ):
            return None
        code = self.w.code or ""
        moved = (len(code) - len(code.lstrip())) - (first.column - 1)  # the line was indented anew
        return comment.column - 1 + moved

    def begin_unit(self, first: Token, first_in_block: bool) -> None:
        """Start a declaration, node item, statement or model item on a line of its own."""
        self.w.close()
        attached = self.attached.get(first.index, _Attached())
        for i, (comment, blank) in enumerate(attached.leading):
            self.w.blank = self.w.blank or (blank and not (first_in_block and i == 0))
            self.w.comment_line(self.indent, comment.text)
        self.w.blank = self.w.blank or (
            attached.blank_before and not (first_in_block and not attached.leading)
        )
        self.consumed.add(first.index)
        self.new_line(self.indent)
        self.prev = None
        self.base_src, self.base_out = first.column - 1, self.indent

    def close_block(self, rb: Token, rule: str, had_items: bool) -> None:
        """`}` on its own line, after the comments that end the block."""
        self.w.close()
        attached = self.attached.get(rb.index, _Attached())
        for i, (comment, blank) in enumerate(attached.leading):
            self.w.blank = self.w.blank or (blank and (had_items or i > 0))
            self.w.comment_line(self.indent + INDENT, comment.text)
        self.w.blank = False
        self.consumed.add(rb.index)
        self.new_line(self.indent)
        self.prev = None
        self.tok(rb, rule, brk=False)
        self.base_src, self.base_out = rb.column - 1, self.indent

    def comments_inside(self, first: Token, last: Token) -> bool:
        i = bisect.bisect_left(self.comment_starts, first.end)
        return i < len(self.comments) and self.comments[i].end <= last.start

    @contextmanager
    def one_line(self) -> Iterator[None]:
        saved = self.inline
        self.inline = True
        try:
            yield
        finally:
            self.inline = saved

    def fits(self, emit: Callable[[], None]) -> bool:
        """Whether `emit`, printed on the current line, keeps it on one line within WIDTH."""
        saved = (
            self.w,
            self.prev,
            self.line_first,
            self.must_break,
            self.after_comment,
            self.inline,
            self.quiet,
        )
        self.w = _Writer(self.w.code or "")
        self.inline = self.quiet = True
        try:
            emit()
            return not self.w.lines and len(self.w.code or "") <= WIDTH
        finally:
            (
                self.w,
                self.prev,
                self.line_first,
                self.must_break,
                self.after_comment,
                self.inline,
                self.quiet,
            ) = saved

    # ---- the layout of each construct

    def layout(self, tree: Tree) -> None:
        """One construct: laid out as its rule says (_LAYOUTS), or else its tokens in order."""
        _LAYOUTS.get(tree.rule, _Printer.flow)(self, tree)

    def flow(self, tree: Tree) -> None:
        """Tokens in order, with blocks and settings laid out as such; `;` is left out."""
        for child in tree.children:
            if isinstance(child, Token):
                if child.kind != "SEMICOLON":
                    self.tok(child, tree.rule)
            else:
                self.layout(child)

    def items_block(
        self, lb: Token, items: list[Tree], rb: Token, rule: str, emit: Callable[[Tree], None]
    ) -> None:
        """`{`, each item on a line of its own, `}`."""
        self.tok(lb, rule, brk=False)
        self.indent += INDENT
        for i, item in enumerate(items):
            self.begin_unit(item.first(), i == 0)
            emit(item)
        self.indent -= INDENT
        self.close_block(rb, rule, bool(items))

    def empty_braces(self, lb: Token, rb: Token, rule: str) -> None:
        self.tok(lb, rule, brk=False)
        self.tok(rb, rule, brk=False)

    def block(self, tree: Tree, force_open: bool = False) -> None:
        lb, rb = _braces(tree)
        stmts = [c for c in tree.children if isinstance(c, Tree)]
        if not stmts and not self.comments_inside(lb, rb):
            self.empty_braces(lb, rb, "block")
        elif self.inline or (
            not force_open and self.one_line_block(tree) and self.fits(lambda: self.block(tree))
        ):
            with self.one_line():
                self.tok(lb, "block", brk=False)
                for stmt in stmts:
                    self.stmt(stmt)
                self.tok(rb, "block", brk=False)
        else:
            self.items_block(lb, stmts, rb, "block", self.stmt)

    def one_line_block(self, tree: Tree) -> bool:
        lb, rb = _braces(tree)
        stmts = [c for c in tree.children if isinstance(c, Tree)]
        return (
            len(stmts) == 1
            and stmts[0].rule not in _COMPOUND
            and lb.line == rb.line
            and not self.comments_inside(lb, rb)
        )

    def stmt(self, tree: Tree) -> None:
        if tree.rule == "if_stmt":
            self.if_stmt(tree)
        else:
            self.flow(tree)

    def if_stmt(self, tree: Tree) -> None:
        """An if/else chain: all on one line, or every block opened."""
        if self.inline:
            self.if_chain(tree, False)
            return
        chain = list(_if_chain(tree))
        one_line = (
            all(self.one_line_block(b) for b in chain)
            and tree.first().line == tree.last().line
            and not self.comments_inside(tree.first(), tree.last())
        )
        if one_line and self.fits(lambda: self.if_chain(tree, False)):
            with self.one_line():
                self.if_chain(tree, False)
        else:
            self.if_chain(tree, True)

    def if_chain(self, tree: Tree, force_open: bool) -> None:
        for child in tree.children:
            if isinstance(child, Token):
                self.tok(child, tree.rule, brk=child.text != "else")
            elif child.rule == "block":
                self.block(child, force_open)
            elif child.rule == "if_stmt":
                self.if_chain(child, force_open)
            else:
                self.flow(child)

    def node_decl(self, tree: Tree) -> None:
        head, lb, items, rb = _split_braced(tree)
        for child in head:
            self.tok(child, tree.rule) if isinstance(child, Token) else self.flow(child)
        if not items and not self.comments_inside(lb, rb):
            self.empty_braces(lb, rb, tree.rule)
        else:
            self.items_block(lb, items, rb, tree.rule, self.flow)

    def model_decl(self, tree: Tree) -> None:
        head, lb, items, rb = _split_braced(tree)
        for child in head:
            self.tok(child, tree.rule) if isinstance(child, Token) else self.flow(child)
        if not items and not self.comments_inside(lb, rb):
            self.empty_braces(lb, rb, tree.rule)
            return

        def inline() -> None:
            self.tok(lb, tree.rule, brk=False)
            for i, item in enumerate(items):
                if i:
                    self.punct(";")
                self.flow(item)
            self.tok(rb, tree.rule, brk=False)

        if lb.line == rb.line and not self.comments_inside(lb, rb) and self.fits(inline):
            with self.one_line():
                inline()
            return

        def item_line(item: Tree) -> None:
            self.flow(item)
            # `timing` alone, then `network …`, would read as `timing network`: keep the `;` between them.
            position = items.index(item)
            bare = item.rule == "model_item" and len(item.children) == 1
            if bare and position + 1 < len(items) and items[position + 1].rule == "model_item":
                self.punct(";")

        self.items_block(lb, items, rb, tree.rule, item_line)

    def settings(self, tree: Tree) -> None:
        """`{ reorder; loss <= 1 }`: settings the author put on one line stay on one line, with their `;`."""
        lb, rb = _braces(tree)
        entries = [c for c in tree.children if isinstance(c, Tree)]
        if not entries and not self.comments_inside(lb, rb):
            self.empty_braces(lb, rb, tree.rule)
            return
        semicolon_after = []
        for i, child in enumerate(tree.children):
            if isinstance(child, Tree):
                nxt = tree.children[i + 1]
                semicolon_after.append(isinstance(nxt, Token) and nxt.kind == "SEMICOLON")
        if self.inline or (lb.line == rb.line and not self.comments_inside(lb, rb)):
            with self.one_line():
                self.tok(lb, tree.rule, brk=False)
                for i, entry in enumerate(entries):
                    if i and semicolon_after[i - 1]:
                        self.punct(";")
                    self.flow(entry)
                self.tok(rb, tree.rule, brk=False)
            return
        self.tok(lb, tree.rule, brk=False)
        self.indent += INDENT
        for i, entry in enumerate(entries):
            if i and entry.first().line == entries[i - 1].last().line:
                if semicolon_after[i - 1]:
                    self.punct(";")
            else:
                self.begin_unit(entry.first(), i == 0)
            self.flow(entry)
        self.indent -= INDENT
        self.close_block(rb, tree.rule, True)

    def enum_decl(self, tree: Tree) -> None:
        """`enum E { a, b }` on one line, or one member a line, each with its comma."""
        head, lb, _, rb = _split_braced(tree)
        for child in head:
            assert isinstance(child, Token)
            self.tok(child, tree.rule)
        body = tree.children[len(head) + 1 : -1]
        members: list[tuple[Token, Token | None]] = []
        for child in body:
            assert isinstance(child, Token)
            if child.kind == "COMMA":
                members[-1] = (members[-1][0], child)
            else:
                members.append((child, None))

        def inline() -> None:
            self.tok(lb, tree.rule, brk=False)
            for i, (member, comma) in enumerate(members):
                self.tok(member, tree.rule)
                if comma is not None and i + 1 < len(members):
                    self.tok(comma, tree.rule)
            self.tok(rb, tree.rule, brk=False)

        if lb.line == rb.line and not self.comments_inside(lb, rb) and self.fits(inline):
            with self.one_line():
                inline()
            return
        self.tok(lb, tree.rule, brk=False)
        self.indent += INDENT
        for i, (member, comma) in enumerate(members):
            self.begin_unit(member, i == 0)
            self.tok(member, tree.rule)
            if comma is not None:
                self.tok(comma, tree.rule)
            else:
                self.punct(",")
        self.indent -= INDENT
        self.close_block(rb, tree.rule, True)


# The grammar rules with a layout of their own (a declaration's items, a block's statements, an if/else
# chain, a settings block); every other rule is printed as its tokens in order (`_Printer.flow`).
_LAYOUTS: dict[str, Callable[[_Printer, Tree], None]] = {
    "node_decl": _Printer.node_decl,
    "model_decl": _Printer.model_decl,
    "enum_decl": _Printer.enum_decl,
    "block": _Printer.block,
    "settings": _Printer.settings,
    "if_stmt": _Printer.if_stmt,
}


def _braces(tree: Tree) -> tuple[Token, Token]:
    lb, rb = tree.children[0], tree.children[-1]
    assert isinstance(lb, Token) and isinstance(rb, Token)
    return lb, rb


def _split_braced(tree: Tree) -> tuple[list[Tree | Token], Token, list[Tree], Token]:
    """A declaration's tokens before `{`, the braces, and the trees between them."""
    start = next(i for i, c in enumerate(tree.children) if isinstance(c, Token) and c.text == "{")
    lb, rb = tree.children[start], tree.children[-1]
    assert isinstance(lb, Token) and isinstance(rb, Token)
    items = [c for c in tree.children[start + 1 : -1] if isinstance(c, Tree)]
    return list(tree.children[:start]), lb, items, rb


def _if_chain(tree: Tree) -> Iterator[Tree]:
    """The blocks of an if/else-if/else chain."""
    for child in tree.children:
        if isinstance(child, Tree) and child.rule == "block":
            yield child
        elif isinstance(child, Tree) and child.rule == "if_stmt":
            yield from _if_chain(child)
