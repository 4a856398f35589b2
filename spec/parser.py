"""Text -> AST. The only module that imports lark: one cached LALR parser and a Transformer."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.lark import PostLex
from lark.tree import Meta

from spec import ast, cst
from spec.diagnostics import Diagnostic, SpecError
from spec.source import SourceFile, Span

GRAMMAR = Path(__file__).with_name("grammar.lark")

# Integers beyond this are surely a typo: every value must be enumerable by the explorer.
MAX_LITERAL = 2**31 - 1

# How deeply constructs may nest (an operand inside an operator, a block inside a statement, a type inside a
# type, parentheses): every later stage walks the syntax tree recursively, and this bound keeps each of them
# far from Python's recursion limit. Far beyond what a person writes; a deeper spec gets FL104.
MAX_NESTING = 100

# How a terminal is named in "expected ..." messages.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "INT": "an integer",
    "$END": "the end of the file",
    "ADDOP": "'+' or '-'",
    "MULOP": "'*', '/' or '%'",
    "COMPARE": "a comparison (==, !=, <, <=, >, >=)",
    "SETOP": "'|' or '&'",
    "ASSIGN_OP": "'=', '+=' or '-='",
}
_EXPRESSION_STARTERS = {"NAME", "INT", "LPAR", "LBRACE", "MINUS", "NOT", "TRUE", "FALSE", "NONE"}


class _GluedWords(Exception):
    """Two tokens with nothing between them that would read as one word: `constN`, `varx`, `3x`."""

    def __init__(self, first: Token, second: Token) -> None:
        super().__init__(f"{first}{second}")
        self.first, self.second = first, second


def _wordy_end(token: Token) -> bool:
    text = str(token)
    return bool(text) and (text[-1].isalnum() or text[-1] == "_") and text[-1].isascii()


def _wordy_start(token: Token) -> bool:
    text = str(token)
    return bool(text) and (text[0].isalnum() or text[0] == "_") and text[0].isascii()


class _SeparateWords(PostLex):
    """Refuse a reserved word or a number run into the word after it. Where a name cannot come, lark's
    contextual lexer would otherwise read `constN` as `const N` and `varx` as `var x`."""

    always_accept = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        previous: Token | None = None
        for token in stream:
            if (
                previous is not None
                and token.start_pos == previous.end_pos
                and _wordy_end(previous)
                and _wordy_start(token)
            ):
                raise _GluedWords(previous, token)
            yield token
            previous = token


@cache
def _lark() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        propagate_positions=True,
        postlex=_SeparateWords(),
        cache=_tables_cache(),
    )


def _tables_cache() -> str | bool:
    """Where lark keeps the LALR tables it built (building them is most of a small check's start-up): a
    file in this user's cache folder, checked by lark against the grammar's digest. False where it cannot be
    made: then the tables are built every time."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "faultline"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return str(folder / "grammar.lalr")


def keywords() -> frozenset[str]:
    """The reserved words of the language (a name cannot be one of them)."""
    words = set()
    for terminal in _lark().terminals:
        pattern = terminal.pattern
        if pattern.type == "str" and pattern.value.isidentifier():
            words.add(pattern.value)
    return frozenset(words)


def parse(source: SourceFile) -> ast.SpecFile:
    """Parse a whole spec, or raise SpecError with a located diagnostic."""
    tree = _parse_tree(_lark(), source)
    try:
        checked: ast.SpecFile = _ToAst(source).transform(tree)
        return checked
    except VisitError as error:
        if isinstance(error.orig_exc, SpecError):
            raise error.orig_exc from None
        raise


def _parse_tree(parser: Lark, source: SourceFile) -> Tree[Token]:
    """The lark tree of a spec that nests no deeper than MAX_NESTING and lexes into separate words; or
    SpecError. Lark's LALR parser uses no recursion, so this is safe at any depth."""
    try:
        tree = parser.parse(source.text)
    except UnexpectedInput as error:
        raise SpecError([_syntax_diagnostic(error, source)], source) from None
    except _GluedWords as glued:
        raise SpecError([_glued_diagnostic(glued)], source) from None
    too_deep = _too_deep(tree)
    if too_deep is not None:
        raise SpecError([too_deep], source)
    return tree


def _too_deep(tree: Tree[Token]) -> Diagnostic | None:
    """FL104 at the first construct nested more than MAX_NESTING levels deep (walked without recursion)."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            meta = node.meta
            span = (
                Span(meta.line, meta.column, meta.end_line, meta.end_column)
                if not meta.empty
                else Span.point(1, 1)
            )
            return Diagnostic(
                "FL104",
                f"this is nested more than {MAX_NESTING} levels deep, which faultline does not accept",
                span,
                (
                    "operators, blocks, types and parentheses all count as levels; name a part with `let` or a "
                    "constant, or split a long chain of `and`/`or`",
                ),
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
    return None


def _glued_diagnostic(glued: _GluedWords) -> Diagnostic:
    first, second = glued.first, glued.second
    line, column = first.line or 1, first.column or 1
    end_line, end_column = second.end_line or line, second.end_column or column + 1
    if first.type == "INT":
        note = (
            f"a number cannot run into a name: write '{first} {second}' or a name that starts with a letter"
        )
    else:
        note = f"'{first}' is a reserved word: put a space after it, or choose a name that is not a reserved word"
    return Diagnostic(
        "FL100", f"unexpected '{first}{second}'", Span(line, column, end_line, end_column), (note,)
    )


def parse_literal(text: str) -> int | bool:
    """A value written as the language writes literals: `true`, `false`, or ASCII digits with an optional
    leading `-`, within MAX_LITERAL. ValueError says what is wrong (for `--const` and trace files)."""
    if text in ("true", "false"):
        return text == "true"
    digits = text[1:] if text.startswith("-") else text
    if not digits or not all("0" <= ch <= "9" for ch in digits):
        raise ValueError(
            f"{text!r} is not an integer literal (digits 0-9, optionally after '-') or true/false"
        )
    if len(digits.lstrip("0")) > len(str(MAX_LITERAL)) or int(digits) > MAX_LITERAL:
        raise ValueError(f"{text} is too large (the largest integer literal is {MAX_LITERAL})")
    return -int(digits) if text.startswith("-") else int(digits)


# ---------------------------------------------------------------- syntax errors


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return name.lower()


def _describe_expected(expected: set[str]) -> str:
    names = set(expected)
    words: list[str] = []
    if {"NAME", "INT", "LPAR"} <= names:
        names -= _EXPRESSION_STARTERS | {"SELF", "NOW", "CLOCK", "MONO", "TT", "ALL", "ANY", "COUNT", "IF"}
        words.append("an expression")
    words.extend(sorted(_describe_terminal(n) for n in names))
    if len(words) > 12:
        words = [*words[:12], "…"]
    return ", ".join(words)


def _token_text(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    return f"'{token.value}'"


def _syntax_diagnostic(error: UnexpectedInput, source: SourceFile) -> Diagnostic:
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        char = source.text[position] if position < len(source.text) else "?"
        return Diagnostic(
            "FL102",
            f"unexpected character {char!r}",
            Span.point(error.line, error.column),
            ("the language has no operator or token that starts with this character",),
        )
    comment = _unclosed_comment(source.text)
    if comment is not None:
        return Diagnostic(
            "FL101",
            "a block comment is not closed",
            Span.point(comment[0], comment[1], 2),
            ("a comment that starts with /* ends at the next */",),
        )
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        expected = set(getattr(error, "expected", ()) or ())
        last_line = max(source.line_count, 1)
        last_text = source.line(last_line)
        span = Span.point(last_line, max(len(last_text), 1))
        open_block = _innermost_open_brace(source.text)
        block_notes = []
        if open_block is not None:
            block_notes.append(
                f"the block opened at line {open_block[0]}, column {open_block[1]} is not closed"
            )
        return Diagnostic(
            "FL101",
            f"the spec ends too early; expected {_describe_expected(expected)}",
            span,
            tuple(block_notes),
        )
    assert isinstance(error, UnexpectedToken)
    token = error.token
    width = len(str(token.value)) or 1
    line, column = token.line or 1, token.column or 1
    span = Span(line, column, line, column + width)
    expected = set(error.expected)
    notes: list[str] = []
    if token.type != "NAME" and str(token.value) in keywords() and "NAME" in expected:
        notes.append(f"'{token.value}' is a reserved word and cannot be used as a name")
    if token.type == "COMPARE":
        notes.append("comparisons do not chain: join two with `and`, or put one side in parentheses")
        notes.extend(_quantifier_hint(source.line(line), column))
    if token.type == "NAME" and expected and expected <= {"RBRACE", "SEMICOLON"} | _closing_terminals():
        notes.append("is a separator or an operator missing before it?")
    return Diagnostic(
        "FL100",
        f"unexpected {_token_text(token)}; expected {_describe_expected(expected)}",
        span,
        tuple(notes),
    )


_QUANTIFIER = re.compile(r"\b(?:count|all|any)\s+[A-Za-z_]\w*\s+in\b[^:]*:")


def _quantifier_hint(line_text: str, column: int) -> list[str]:
    """The corrected text, when the comparison that cannot chain follows a quantifier on its line: a
    quantifier's body runs to the end of the expression, so the comparison was meant for it."""
    before = line_text[: column - 1]
    found = list(_QUANTIFIER.finditer(before))
    if not found:
        return []
    start = found[-1].start()
    quantifier = before[start:].rstrip()
    corrected = f"{before[:start]}({quantifier}) {line_text[column - 1 :]}".strip()
    return [f"a quantifier's body runs to the end of the expression; to compare its result: `{corrected}`"]


def _closing_terminals() -> set[str]:
    return {"RPAR", "RSQB", "COMMA"}


def _unclosed_comment(text: str) -> tuple[int, int] | None:
    """Where a `/*` with no `*/` after it starts (outside line comments), if anywhere."""
    i = 0
    while i < len(text):
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                line = text.count("\n", 0, i) + 1
                column = i - (text.rfind("\n", 0, i) + 1) + 1
                return line, column
            i = end + 2
        else:
            i += 1
    return None


def _innermost_open_brace(text: str) -> tuple[int, int] | None:
    """Where the last unclosed `{` is, skipping comments; for "unterminated block" messages."""
    stack: list[tuple[int, int]] = []
    line, column, i = 1, 1, 0
    while i < len(text):
        ch = text[i]
        if text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end < 0 else end + 2
            for skipped in text[i:end]:
                line, column = (line + 1, 1) if skipped == "\n" else (line, column + 1)
            i = end
            continue
        if ch == "{":
            stack.append((line, column))
        elif ch == "}" and stack:
            stack.pop()
        line, column = (line + 1, 1) if ch == "\n" else (line, column + 1)
        i += 1
    return stack[-1] if stack else None


# ---------------------------------------------------------------- tree -> AST


def _span(meta: Meta) -> Span:
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _tok_span(token: Token) -> Span:
    line, column = token.line or 1, token.column or 1
    return Span(line, column, token.end_line or line, token.end_column or column + 1)


def _present(children: list[Any]) -> list[Any]:
    return [c for c in children if c is not None]


@v_args(meta=True)
class _ToAst(Transformer[Token, Any]):
    def __init__(self, source: SourceFile) -> None:
        super().__init__()
        self.source = source
        self.ids = count()

    def new_id(self) -> int:
        """The id of the next node built: 0, 1, 2, ... in the order the tree is built (children first), so
        that the same text always gets the same ids."""
        return next(self.ids)

    # ---- declarations

    def start(self, meta: Meta, children: list[Any]) -> ast.SpecFile:
        name = None
        decls: dict[type, list[Any]] = {}
        for child in children:
            if isinstance(child, tuple) and child[0] == "spec":
                name = child[1]
            else:
                decls.setdefault(type(child), []).append(child)
        span = _span(meta) if not meta.empty else Span(1, 1, 1, 1)
        return ast.SpecFile(
            self.new_id(),
            span,
            name,
            tuple(decls.get(ast.ConstDecl, [])),
            tuple(decls.get(ast.EnumDecl, [])),
            tuple(decls.get(ast.MessageDecl, [])),
            tuple(decls.get(ast.NodeDecl, [])),
            tuple(decls.get(ast.InvariantDecl, [])),
            tuple(decls.get(ast.ModelDecl, [])),
            tuple(decls.get(ast.DefDecl, [])),
            tuple(decls.get(ast.LivenessDecl, [])),
        )

    def spec_header(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        return ("spec", str(children[0]))

    def const_decl(self, meta: Meta, children: list[Any]) -> ast.ConstDecl:
        name, value = children
        return ast.ConstDecl(self.new_id(), _span(meta), str(name), _tok_span(name), value)

    def enum_decl(self, meta: Meta, children: list[Any]) -> ast.EnumDecl:
        name, *members = children
        return ast.EnumDecl(
            self.new_id(),
            _span(meta),
            str(name),
            _tok_span(name),
            tuple((str(m), _tok_span(m)) for m in members),
        )

    def message_decl(self, meta: Meta, children: list[Any]) -> ast.MessageDecl:
        signed = bool(children) and isinstance(children[0], Token) and children[0].type == "SIGNED"
        rest = children[1:] if signed else children
        name = rest[0]
        fields = tuple(rest[1]) if len(rest) > 1 else ()
        return ast.MessageDecl(self.new_id(), _span(meta), str(name), _tok_span(name), fields, signed)

    def field_list(self, meta: Meta, children: list[Any]) -> list[ast.FieldDecl]:
        return _present(children)

    def field_decl(self, meta: Meta, children: list[Any]) -> ast.FieldDecl:
        name, type_ = children
        return ast.FieldDecl(self.new_id(), _span(meta), str(name), type_)

    def node_decl(self, meta: Meta, children: list[Any]) -> ast.NodeDecl:
        name = children[0]
        count = None
        symmetric = False
        vars_: list[ast.VarDecl] = []
        handlers: list[ast.Handler] = []
        for child in children[1:]:
            if isinstance(child, tuple) and child[0] == "replication":
                count = child[1]
            elif isinstance(child, Token) and child.type == "SYMMETRIC":
                symmetric = True
            elif isinstance(child, ast.VarDecl):
                vars_.append(child)
            elif isinstance(child, ast.Handler):
                handlers.append(child)
        return ast.NodeDecl(
            self.new_id(),
            _span(meta),
            str(name),
            _tok_span(name),
            count,
            symmetric,
            tuple(vars_),
            tuple(handlers),
        )

    def replication(self, meta: Meta, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("replication", children[0])

    def var_decl(self, meta: Meta, children: list[Any]) -> ast.VarDecl:
        kind = "var"
        if isinstance(children[0], Token) and children[0].type in ("DURABLE", "GHOST"):
            kind = str(children[0])
            children = children[1:]
        name, type_, init = children
        return ast.VarDecl(self.new_id(), _span(meta), kind, str(name), _tok_span(name), type_, init)

    def on_handler(self, meta: Meta, children: list[Any]) -> ast.Handler:
        name = children[0]
        params: tuple[ast.Param, ...] = ()
        sender = None
        signer = None
        guard = None
        body = children[-1]
        for child in children[1:-1]:
            if isinstance(child, tuple) and child and child[0] == "params":
                params = child[1]
            elif isinstance(child, tuple) and child and child[0] == "from":
                sender = child[1]
            elif isinstance(child, tuple) and child and child[0] == "signer":
                signer = child[1]
            elif isinstance(child, tuple) and child and child[0] == "guard":
                guard = child[1]
        kind = "receive"
        if (
            str(name) in ("start", "recover")
            and not params
            and sender is None
            and signer is None
            and guard is None
        ):
            kind = str(name)
        return ast.Handler(
            self.new_id(), _span(meta), kind, str(name), _tok_span(name), params, sender, guard, body, signer
        )

    def fair_handler(self, meta: Meta, children: list[Any]) -> ast.Handler:
        word, handler = children
        return dataclasses.replace(handler, span=_span(meta), fairness=str(word))

    def on_timer(self, meta: Meta, children: list[Any]) -> ast.Handler:
        word, name, body = children
        if str(word) != "timeout":
            span = _tok_span(word)
            raise SpecError(
                [
                    Diagnostic(
                        "FL100",
                        f"unexpected '{word}' after 'on'; a handler is `on Message(..)`, `on timeout name`, "
                        "`on start` or `on recover`",
                        span,
                    )
                ],
                self.source,
            )
        return ast.Handler(
            self.new_id(), _span(meta), "timeout", str(name), _tok_span(name), (), None, None, body
        )

    def _param(self, token: Token) -> ast.Param:
        return ast.Param(self.new_id(), _tok_span(token), str(token))

    def param_list(self, meta: Meta, children: list[Any]) -> tuple[str, tuple[ast.Param, ...]]:
        return ("params", tuple(self._param(t) for t in _present(children)))

    def from_clause(self, meta: Meta, children: list[Any]) -> tuple[str, ast.Param]:
        return ("from", self._param(children[0]))

    def signer_clause(self, meta: Meta, children: list[Any]) -> tuple[str, ast.Param]:
        return ("signer", self._param(children[-1]))

    def guard(self, meta: Meta, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("guard", children[0])

    def action_decl(self, meta: Meta, children: list[Any]) -> ast.Handler:
        name = children[0]
        guard = None
        for child in children[1:-1]:
            if isinstance(child, tuple) and child[0] == "guard":
                guard = child[1]
        return ast.Handler(
            self.new_id(), _span(meta), "action", str(name), _tok_span(name), (), None, guard, children[-1]
        )

    def invariant_decl(self, meta: Meta, children: list[Any]) -> ast.InvariantDecl:
        name, expr = children
        return ast.InvariantDecl(self.new_id(), _span(meta), str(name), _tok_span(name), expr)

    def def_decl(self, meta: Meta, children: list[Any]) -> ast.DefDecl:
        name, *params, body = children
        return ast.DefDecl(
            self.new_id(),
            _span(meta),
            str(name),
            _tok_span(name),
            tuple(p for p in params if p is not None),
            body,
        )

    def def_param(self, meta: Meta, children: list[Any]) -> ast.DefParam:
        name = children[0]
        return ast.DefParam(self.new_id(), _span(meta), str(name), children[1] if len(children) > 1 else None)

    def liveness_decl(self, meta: Meta, children: list[Any]) -> ast.LivenessDecl:
        name, (kind, first, second) = children
        return ast.LivenessDecl(self.new_id(), _span(meta), str(name), _tok_span(name), kind, first, second)

    def eventually(self, meta: Meta, children: list[Any]) -> tuple[ast.TemporalKind, ast.Expr, None]:
        return (ast.TemporalKind.EVENTUALLY, children[0], None)

    def always_eventually(self, meta: Meta, children: list[Any]) -> tuple[ast.TemporalKind, ast.Expr, None]:
        return (ast.TemporalKind.ALWAYS_EVENTUALLY, children[0], None)

    def eventually_always(self, meta: Meta, children: list[Any]) -> tuple[ast.TemporalKind, ast.Expr, None]:
        return (ast.TemporalKind.EVENTUALLY_ALWAYS, children[0], None)

    def leads_to(self, meta: Meta, children: list[Any]) -> tuple[ast.TemporalKind, ast.Expr, ast.Expr]:
        return (ast.TemporalKind.LEADS_TO, children[0], children[1])

    def model_decl(self, meta: Meta, children: list[Any]) -> ast.ModelDecl:
        name, *items = children
        return ast.ModelDecl(
            self.new_id(),
            _span(meta),
            str(name),
            _tok_span(name),
            tuple(i for i in items if isinstance(i, ast.ModelItem)),
            tuple(i for i in items if isinstance(i, ast.ConstDecl)),
            tuple(i for i in items if isinstance(i, ast.ModelDurability)),
            tuple(i for i in items if isinstance(i, ast.ModelExpect)),
        )

    def model_durability(self, meta: Meta, children: list[Any]) -> ast.ModelDurability:
        kind, node_name, var = children
        if str(kind) not in ("durable", "volatile"):
            message = f"unexpected '{kind}'; a model item here is `volatile Node.var` or `durable Node.var`"
            raise SpecError([Diagnostic("FL100", message, _tok_span(kind))], self.source)
        return ast.ModelDurability(
            self.new_id(),
            _span(meta),
            str(kind),
            _tok_span(kind),
            str(node_name),
            _tok_span(node_name),
            str(var),
            _tok_span(var),
        )

    def model_item(self, meta: Meta, children: list[Any]) -> ast.ModelItem:
        key = children[0]
        value = None
        settings = None
        for child in children[1:]:
            if isinstance(child, tuple) and child and child[0] == "settings":
                settings = child[1]
            else:
                value = child
        return ast.ModelItem(self.new_id(), _span(meta), str(key), _tok_span(key), value, settings)

    def model_const(self, meta: Meta, children: list[Any]) -> ast.ConstDecl:
        return self.const_decl(meta, children)

    def model_expect(self, meta: Meta, children: list[Any]) -> ast.ModelExpect:
        *targets, verdict = children
        named = None if targets[0].type == "ALL" else tuple((str(t), _tok_span(t)) for t in targets)
        return ast.ModelExpect(self.new_id(), _span(meta), named, str(verdict), _tok_span(verdict))

    def settings(self, meta: Meta, children: list[Any]) -> tuple[str, tuple[ast.Setting, ...]]:
        return ("settings", tuple(children))

    def setting(self, meta: Meta, children: list[Any]) -> ast.Setting:
        name = children[0]
        bound = None
        of = None
        rest = children[1:]
        if rest and not isinstance(rest[-1], Token):
            bound = rest[-1]
        elif rest and len(rest) == 2:
            bound = rest[0]
        if rest and isinstance(rest[-1], Token):
            of = (str(rest[-1]), _tok_span(rest[-1]))
            bound = rest[0] if len(rest) == 2 else None
        return ast.Setting(self.new_id(), _span(meta), str(name), bound, of)

    # ---- statements

    def block(self, meta: Meta, children: list[Any]) -> ast.Block:
        return ast.Block(self.new_id(), _span(meta), tuple(children))

    def assign_stmt(self, meta: Meta, children: list[Any]) -> ast.AssignStmt:
        target, op, value = children
        return ast.AssignStmt(self.new_id(), _span(meta), target, str(op), value)

    def lvalue(self, meta: Meta, children: list[Any]) -> ast.LValue:
        name, *indices = children
        return ast.LValue(self.new_id(), _span(meta), str(name), _tok_span(name), tuple(indices))

    def if_stmt(self, meta: Meta, children: list[Any]) -> ast.IfStmt:
        cond, then, *rest = children
        return ast.IfStmt(self.new_id(), _span(meta), cond, then, rest[0] if rest else None)

    def for_stmt(self, meta: Meta, children: list[Any]) -> ast.ForStmt:
        var, domain, body = children
        return ast.ForStmt(self.new_id(), _span(meta), str(var), _tok_span(var), domain, body)

    def send_stmt(self, meta: Meta, children: list[Any]) -> ast.SendStmt:
        return ast.SendStmt(self.new_id(), _span(meta), children[0], children[1])

    def broadcast_stmt(self, meta: Meta, children: list[Any]) -> ast.BroadcastStmt:
        return ast.BroadcastStmt(self.new_id(), _span(meta), children[0], children[1])

    def message_ctor(self, meta: Meta, children: list[Any]) -> ast.MessageCtor:
        name, *args = children
        return ast.MessageCtor(self.new_id(), _span(meta), str(name), _tok_span(name), tuple(_present(args)))

    def set_timer_stmt(self, meta: Meta, children: list[Any]) -> ast.SetTimerStmt:
        name = children[0]
        return ast.SetTimerStmt(
            self.new_id(), _span(meta), str(name), _tok_span(name), children[1] if len(children) > 1 else None
        )

    def cancel_timer_stmt(self, meta: Meta, children: list[Any]) -> ast.CancelTimerStmt:
        return ast.CancelTimerStmt(self.new_id(), _span(meta), str(children[0]), _tok_span(children[0]))

    def choose_stmt(self, meta: Meta, children: list[Any]) -> ast.ChooseStmt:
        var, domain, body = children
        return ast.ChooseStmt(self.new_id(), _span(meta), str(var), _tok_span(var), domain, body)

    def assert_stmt(self, meta: Meta, children: list[Any]) -> ast.AssertStmt:
        if len(children) == 2:
            return ast.AssertStmt(self.new_id(), _span(meta), str(children[0]), children[1])
        return ast.AssertStmt(self.new_id(), _span(meta), None, children[0])

    def skip_stmt(self, meta: Meta, children: list[Any]) -> ast.SkipStmt:
        return ast.SkipStmt(self.new_id(), _span(meta))

    def reject_stmt(self, meta: Meta, children: list[Any]) -> ast.RejectStmt:
        return ast.RejectStmt(self.new_id(), _span(meta))

    def relay_stmt(self, meta: Meta, children: list[Any]) -> ast.RelayStmt:
        return ast.RelayStmt(self.new_id(), _span(meta), children[0])

    def let_stmt(self, meta: Meta, children: list[Any]) -> ast.LetStmt:
        name, value = children
        return ast.LetStmt(self.new_id(), _span(meta), str(name), _tok_span(name), value)

    # ---- types

    def named_type(self, meta: Meta, children: list[Any]) -> ast.NamedType:
        return ast.NamedType(self.new_id(), _span(meta), str(children[0]))

    def range_type(self, meta: Meta, children: list[Any]) -> ast.RangeType:
        return ast.RangeType(self.new_id(), _span(meta), children[0], children[1])

    def generic_type(self, meta: Meta, children: list[Any]) -> ast.GenericType:
        name, *args = children
        return ast.GenericType(self.new_id(), _span(meta), str(name), tuple(args))

    def tuple_type(self, meta: Meta, children: list[Any]) -> ast.TupleType:
        return ast.TupleType(self.new_id(), _span(meta), tuple(children))

    def paren_type(self, meta: Meta, children: list[Any]) -> ast.TypeExpr:
        inner: ast.TypeExpr = children[0]
        return inner

    def option_type(self, meta: Meta, children: list[Any]) -> ast.OptionType:
        return ast.OptionType(self.new_id(), _span(meta), children[0])

    # ---- expressions

    def int_lit(self, meta: Meta, children: list[Any]) -> ast.IntLit:
        token = children[0]
        # Compare lengths first: int() refuses strings of more than 4,300 digits.
        digits = str(token).lstrip("0") or "0"
        value = int(digits) if len(digits) <= len(str(MAX_LITERAL)) else MAX_LITERAL + 1
        if value > MAX_LITERAL:
            shown = str(token) if len(token) <= 24 else f"{token[:12]}… ({len(token):,} digits)"
            raise SpecError(
                [
                    Diagnostic(
                        "FL103",
                        f"integer literal {shown} is too large (the largest is {MAX_LITERAL})",
                        _tok_span(token),
                        ("every value must come from a finite, explorable range",),
                    )
                ],
                self.source,
            )
        return ast.IntLit(self.new_id(), _span(meta), value)

    def true_lit(self, meta: Meta, children: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(self.new_id(), _span(meta), True)

    def false_lit(self, meta: Meta, children: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(self.new_id(), _span(meta), False)

    def none_lit(self, meta: Meta, children: list[Any]) -> ast.NoneLit:
        return ast.NoneLit(self.new_id(), _span(meta))

    def self_expr(self, meta: Meta, children: list[Any]) -> ast.SelfExpr:
        return ast.SelfExpr(self.new_id(), _span(meta))

    def now_expr(self, meta: Meta, children: list[Any]) -> ast.NowExpr:
        return ast.NowExpr(self.new_id(), _span(meta))

    def clock_expr(self, meta: Meta, children: list[Any]) -> ast.ClockExpr:
        return ast.ClockExpr(self.new_id(), _span(meta), str(children[0]))

    def truetime_expr(self, meta: Meta, children: list[Any]) -> ast.ClockExpr:
        return ast.ClockExpr(self.new_id(), _span(meta), f"tt.{children[0]}")

    def name_expr(self, meta: Meta, children: list[Any]) -> ast.NameExpr:
        return ast.NameExpr(self.new_id(), _span(meta), str(children[0]))

    def call_expr(self, meta: Meta, children: list[Any]) -> ast.CallExpr:
        func, *args = children
        return ast.CallExpr(self.new_id(), _span(meta), str(func), _tok_span(func), tuple(_present(args)))

    def field_expr(self, meta: Meta, children: list[Any]) -> ast.FieldExpr:
        obj, name = children
        return ast.FieldExpr(self.new_id(), _span(meta), obj, str(name), _tok_span(name))

    def index_expr(self, meta: Meta, children: list[Any]) -> ast.IndexExpr:
        return ast.IndexExpr(self.new_id(), _span(meta), children[0], children[1])

    def paren_expr(self, meta: Meta, children: list[Any]) -> ast.Expr:
        expr: ast.Expr = children[0]  # parentheses only group: the AST has no node for them
        return expr

    def neg_expr(self, meta: Meta, children: list[Any]) -> ast.UnaryExpr:
        return ast.UnaryExpr(self.new_id(), _span(meta), "-", children[0])

    def not_expr(self, meta: Meta, children: list[Any]) -> ast.UnaryExpr:
        return ast.UnaryExpr(self.new_id(), _span(meta), "not", children[0])

    def _binary(self, meta: Meta, op: str, left: ast.Expr, right: ast.Expr, op_span: Span) -> ast.BinaryExpr:
        return ast.BinaryExpr(self.new_id(), _span(meta), op, left, right, op_span)

    def arith_op(self, meta: Meta, children: list[Any]) -> ast.BinaryExpr:
        left, op, right = children
        return self._binary(meta, str(op), left, right, _tok_span(op))

    def set_op(self, meta: Meta, children: list[Any]) -> ast.BinaryExpr:
        return self.arith_op(meta, children)

    def compare(self, meta: Meta, children: list[Any]) -> ast.BinaryExpr:
        return self.arith_op(meta, children)

    def _keyword_binary(self, meta: Meta, op: str, children: list[Any]) -> ast.BinaryExpr:
        left, right = children
        op_span = Span(left.span.end_line, left.span.end_column, right.span.line, right.span.column)
        return self._binary(meta, op, left, right, op_span)

    def in_expr(self, meta: Meta, children: list[Any]) -> ast.BinaryExpr:
        return self._keyword_binary(meta, "in", children)

    def not_in_expr(self, meta: Meta, children: list[Any]) -> ast.BinaryExpr:
        return self._keyword_binary(meta, "not in", children)

    def and_expr(self, meta: Meta, children: list[Any]) -> ast.BinaryExpr:
        return self._keyword_binary(meta, "and", children)

    def or_expr(self, meta: Meta, children: list[Any]) -> ast.BinaryExpr:
        return self._keyword_binary(meta, "or", children)

    def implies_expr(self, meta: Meta, children: list[Any]) -> ast.BinaryExpr:
        return self._keyword_binary(meta, "implies", children)

    def range_expr(self, meta: Meta, children: list[Any]) -> ast.RangeExpr:
        return ast.RangeExpr(self.new_id(), _span(meta), children[0], children[1])

    def quant_expr(self, meta: Meta, children: list[Any]) -> ast.QuantExpr:
        kind, var, domain, body = children
        return ast.QuantExpr(self.new_id(), _span(meta), str(kind), str(var), _tok_span(var), domain, body)

    def if_expr(self, meta: Meta, children: list[Any]) -> ast.IfExpr:
        return ast.IfExpr(self.new_id(), _span(meta), *children)

    def tuple_lit(self, meta: Meta, children: list[Any]) -> ast.TupleLit:
        return ast.TupleLit(self.new_id(), _span(meta), tuple(_present(children)))

    def set_lit(self, meta: Meta, children: list[Any]) -> ast.SetLit:
        return ast.SetLit(self.new_id(), _span(meta), tuple(_present(children)))

    def map_lit(self, meta: Meta, children: list[Any]) -> ast.MapLit:
        return ast.MapLit(self.new_id(), _span(meta), tuple(children))

    def map_entry(self, meta: Meta, children: list[Any]) -> tuple[ast.Expr, ast.Expr]:
        return (children[0], children[1])

    def set_comp(self, meta: Meta, children: list[Any]) -> ast.SetComp:
        elem, var, domain, *cond = children
        return ast.SetComp(
            self.new_id(), _span(meta), elem, str(var), _tok_span(var), domain, cond[0] if cond else None
        )

    def map_comp(self, meta: Meta, children: list[Any]) -> ast.MapComp:
        key, value, var, domain, *cond = children
        return ast.MapComp(
            self.new_id(),
            _span(meta),
            key,
            value,
            str(var),
            _tok_span(var),
            domain,
            cond[0] if cond else None,
        )


# ---------------------------------------------------------------- concrete syntax, for the formatter
# A second parser over the same grammar that keeps every token (keywords, braces, `;`), so that spec/printer.py
# can print a spec back without losing anything. `parse` above is unchanged by it.


@cache
def _concrete_lark() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        keep_all_tokens=True,
        maybe_placeholders=False,
        postlex=_SeparateWords(),
    )


def parse_concrete(source: SourceFile) -> cst.Tree:
    """Every token of a spec in the shape of the grammar, or SpecError for a syntax error."""
    tree = _parse_tree(_concrete_lark(), source)
    counter = count()

    def convert(node: Tree[Token]) -> cst.Tree:
        children: list[cst.Tree | cst.Token] = []
        for child in node.children:
            if isinstance(child, Token):
                children.append(
                    cst.Token(
                        child.type,
                        str(child),
                        child.start_pos or 0,
                        child.end_pos or 0,
                        child.line or 1,
                        child.column or 1,
                        child.end_line or 1,
                        child.end_column or 1,
                        next(counter),
                    )
                )
            else:
                children.append(convert(child))
        return cst.Tree(str(node.data), tuple(children))

    return convert(tree)
