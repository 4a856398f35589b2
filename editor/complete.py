"""Completion: what may be typed at a cursor. A spec being typed rarely parses, so where the cursor is
(top level, a node, a handler's body, a model, a settings block, an expression) is read from the text
with a small scanner over braces and keywords; the names offered come from the Index of the last version
of the spec that parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from editor.index import Index, Symbol, analyze
from spec.names import BUILTIN_FUNCTIONS, BUILTIN_TYPES, property_names

TOP_KEYWORDS = ("spec", "const", "enum", "message", "signed", "node", "def", "invariant", "liveness", "model")
NODE_KEYWORDS = ("var", "durable", "ghost", "on", "action")
STATEMENT_KEYWORDS = (
    "if",
    "else",
    "for",
    "choose",
    "send",
    "broadcast",
    "relay",
    "set",
    "cancel",
    "assert",
    "let",
    "skip",
    "reject",
)
EXPRESSION_KEYWORDS = (
    "not",
    "and",
    "or",
    "implies",
    "in",
    "all",
    "any",
    "count",
    "if",
    "then",
    "else",
    "true",
    "false",
    "none",
    "self",
)
HANDLER_EXPRESSIONS = ("clock", "mono", "tt")
PROPERTY_EXPRESSIONS = ("now",)
MODEL_KEYS = ("timing", "network", "faults", "clocks", "horizon", "const", "expect")
EXPECTED_VERDICTS = ("violated", "holds", "hold")
TIMINGS = ("asynchronous", "synchronous", "partially_synchronous")
SETTINGS = {
    "timing": ("delay", "gst"),
    "network": ("fifo", "reorder", "duplicating", "loss", "duplicate", "partition", "asymmetric"),
    "faults": ("crash_stop", "crash_recovery", "pause", "byzantine"),
    "clocks": ("skew", "drift", "ntp"),
}
HANDLER_NAMES = ("start", "recover", "timeout")
PROPERTY_FUNCTIONS = ("crashed", "inflight", "old")

_TOKEN = re.compile(
    r"(?P<comment>//[^\n]*|/\*[\s\S]*?(?:\*/|\Z))|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<int>[0-9]+)"
    r"|(?P<op>\.\.|<=|>=|==|!=|\+=|-=|\S)"
)
_VALUE_END = {"word", "int"}
_BINDERS = {"all", "any", "count", "for", "choose"}
_CLOSERS = {")", "]", "}", "?", ">"}


@dataclass(frozen=True, slots=True)
class Completion:
    label: str
    kind: str  # "keyword", or a symbol kind (editor.index.KINDS), "function", "type", "setting"
    detail: str = ""


@dataclass
class _Tok:
    kind: str
    text: str
    start: int


@dataclass
class _Frame:
    kind: str  # "top", "node", "handler", "block", "model", "settings", "enum", "expr", "paren"
    name: str | None = None  # the node of a node frame; the key of a settings frame
    start: int = 0  # index of the first token of its header


@dataclass
class Context:
    """Where the cursor is, as the scanner sees it."""

    frames: list[_Frame]
    tokens: list[_Tok]  # every token before the cursor (the word being typed left out)
    prefix: str
    line_start: bool = False  # nothing but blanks before the cursor on its line
    column: int = 0
    node: str | None = None
    handler_start: int | None = None  # index into tokens where the enclosing handler (or declaration) starts

    @property
    def structural(self) -> str:
        """The innermost frame that is not an expression or parenthesis."""
        return next(f.kind for f in reversed(self.frames) if f.kind not in ("expr", "paren"))

    @property
    def in_expression(self) -> bool:
        return self.frames[-1].kind in ("expr", "paren")

    def prev(self, back: int = 1) -> str | None:
        return self.tokens[-back].text if len(self.tokens) >= back else None


def context_at(text: str, offset: int) -> Context:
    before = text[:offset]
    match = re.search(r"[A-Za-z_][A-Za-z0-9_]*\Z", before)
    prefix = match.group(0) if match else ""
    tokens: list[_Tok] = []
    for m in _TOKEN.finditer(before, 0, offset - len(prefix)):
        kind = m.lastgroup or "op"
        if kind != "comment":
            tokens.append(_Tok(kind, m.group(0), m.start()))
    frames = [_Frame("top")]
    decl_start = 0
    for i, tok in enumerate(tokens):
        frame = frames[-1]
        if (
            frame.kind == "top"
            and tok.text in TOP_KEYWORDS
            and not (tok.text == "message" and i and tokens[i - 1].text == "signed")
        ):
            decl_start = i
        if tok.text in ("(", "["):
            frames.append(_Frame("paren", start=i))
        elif tok.text in (")", "]"):
            if frame.kind == "paren":
                frames.pop()
        elif tok.text == "{":
            frames.append(_open(frame, tokens, i, decl_start))
        elif tok.text == "}" and len(frames) > 1:
            frames.pop()
    line = before[: offset - len(prefix)].rsplit("\n", 1)[-1]
    context = Context(frames, tokens, prefix, line_start=not line.strip(), column=len(line))
    for frame in frames:
        if frame.kind == "node":
            context.node = frame.name
        if frame.kind == "handler":
            context.handler_start = frame.start
    if context.handler_start is None and context.structural == "top":
        context.handler_start = decl_start
    return context


def _open(frame: _Frame, tokens: list[_Tok], i: int, decl_start: int) -> _Frame:
    """The kind of brace `tokens[i]` opens, from where it is and what comes before it."""
    prev = tokens[i - 1] if i else None
    structural = prev is not None and (
        prev.kind in _VALUE_END or prev.text in _CLOSERS or prev.text == "else"
    )
    if not structural:
        return _Frame("expr", start=i)
    if frame.kind == "top":
        keyword = tokens[decl_start].text if decl_start < len(tokens) else ""
        if keyword == "node":
            name = tokens[decl_start + 1].text if decl_start + 1 < i else None
            return _Frame("node", name, decl_start)
        if keyword in ("model", "enum"):
            return _Frame(keyword, start=decl_start)
        return _Frame("expr", start=i)
    if frame.kind == "node":
        start = next((j for j in range(i - 1, -1, -1) if tokens[j].text in ("on", "action")), i)
        return _Frame("handler", start=start)
    if frame.kind in ("handler", "block"):
        return _Frame("block", start=i)
    if frame.kind == "model":
        key = next((t.text for t in reversed(tokens[:i]) if t.text in SETTINGS), None)
        return _Frame("settings", key, i)
    return _Frame("expr", start=i)


def complete(text: str, offset: int, index: Index | None) -> list[Completion]:
    """What may be typed at `offset` in `text`, filtered by the word being typed. `index` is that of the
    last version of the text that parsed; without one, the text without the line being typed is tried."""
    context = context_at(text, offset)
    if index is None:
        start = text.rfind("\n", 0, offset) + 1
        end = text.find("\n", offset)
        index = analyze(text[:start] + text[end if end >= 0 else len(text) :]).index
    items = _candidates(context, index)
    seen: set[str] = set()
    out = []
    for item in items:
        if item.label.startswith(context.prefix) and item.label not in seen:
            seen.add(item.label)
            out.append(item)
    return out


def _symbols(index: Index | None, kind: str, container: str | None = None) -> list[Completion]:
    if index is None:
        return []
    return [Completion(s.name, s.kind, _detail(index, s)) for s in index.symbols(kind, container)]


def _detail(index: Index, symbol: Symbol) -> str:
    ty = index.type_of(symbol)
    if symbol.kind in ("var", "field", "local") and ty is not None:
        return str(ty)
    return symbol.kind if symbol.container is None else f"{symbol.kind} of {symbol.container}"


def _property_names(index: Index | None) -> list[Completion]:
    """What `expect` may name: every property of the spec, those built in included."""
    if index is None:
        return []
    return [Completion(name, "property") for name in property_names(index.spec, deadlock=True)]


def _keywords(words: tuple[str, ...]) -> list[Completion]:
    return [Completion(w, "keyword") for w in words]


def _candidates(context: Context, index: Index | None) -> list[Completion]:
    prev = context.prev()
    structural = context.structural
    if prev == ".":
        return _members(context, index)
    if prev in ("send", "broadcast"):
        return _symbols(index, "message")
    if prev == "(" and context.prev(2) == "inflight":
        return _symbols(index, "message")
    if structural == "node" and prev == "on":
        return [*_symbols(index, "message"), *_keywords(HANDLER_NAMES)]
    if prev in ("set", "cancel") or (prev == "timeout" and context.prev(2) == "on"):
        return _symbols(index, "timer", context.node) if context.node else []
    if structural == "model" and prev == "timing":
        return _keywords(TIMINGS)
    if structural == "settings" and prev == "of":
        return _symbols(index, "node")
    if prev == ":" and (context.prev(3) in ("var",) or (structural == "top" and context.in_expression)):
        return _types(index)
    if structural == "model" and prev == "expect":
        return [*_keywords(("all",)), *_property_names(index)]
    if structural == "model" and context.prev(2) == "expect":
        return _keywords(EXPECTED_VERDICTS)
    if structural == "model" and not context.in_expression:
        after_key = prev in ("horizon",) or (prev is not None and prev in ("=",))
        return _names(context, index, "const") if after_key else _keywords(MODEL_KEYS)
    if structural == "settings" and not context.in_expression:
        if prev == "<=":
            return _symbols(index, "const")
        key = context.frames[-1].name or ""
        return [Completion(s, "setting", f"{key} setting") for s in SETTINGS.get(key, ())]
    if structural == "enum":
        return []
    at_start = prev is None or prev in ("{", "}", ";")
    if structural == "top":
        # a declaration starts at column 0; an indented line goes on with the one above
        if (at_start or (context.line_start and context.column == 0)) and not context.in_expression:
            return _keywords(TOP_KEYWORDS)
        return [*_names(context, index, "property"), *_keywords(EXPRESSION_KEYWORDS + PROPERTY_EXPRESSIONS)]
    if structural == "node":
        if (at_start or context.line_start) and not context.in_expression:
            return _keywords(NODE_KEYWORDS)
        return [*_names(context, index, "handler"), *_keywords(EXPRESSION_KEYWORDS + HANDLER_EXPRESSIONS)]
    # a handler's body, or a block in it
    names = _names(context, index, "handler")
    if (at_start or context.line_start) and not context.in_expression:
        return [*_keywords(STATEMENT_KEYWORDS), *names]
    return [*names, *_keywords(EXPRESSION_KEYWORDS + HANDLER_EXPRESSIONS)]


def _types(index: Index | None) -> list[Completion]:
    builtin = [Completion(t, "type") for t in (*BUILTIN_TYPES, "set", "map") if t != "int"]
    return [*builtin, *_symbols(index, "enum"), *_symbols(index, "node")]


def _names(context: Context, index: Index | None, where: str) -> list[Completion]:
    """The names an expression may use here: locals, the node's variables, constants, enum members, node
    types and functions."""
    out = [Completion(name, "local") for name in _locals(context)]
    if where == "handler" and context.node:
        out += _symbols(index, "var", context.node)
    out += _symbols(index, "const")
    if where != "const":
        out += _symbols(index, "member") + _symbols(index, "node")
        functions = [f for f in BUILTIN_FUNCTIONS if where == "property" or f not in PROPERTY_FUNCTIONS]
        out += [Completion(f, "function") for f in functions]
        out += _symbols(index, "def")
    return out


def _locals(context: Context) -> list[str]:
    """Names bound between the start of the handler (or declaration) and the cursor."""
    start = context.handler_start
    if start is None:
        return []
    tokens = context.tokens[start:]
    names: list[str] = []
    for i, tok in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if nxt.kind != "word":
            continue
        if tok.text in ("let", "for", "choose", "all", "any", "count", "from"):
            names.append(nxt.text)
    # `on Msg(a, b)`: the parameters
    if len(tokens) > 3 and tokens[0].text == "on" and tokens[2].text == "(":
        for tok in tokens[3:]:
            if tok.text == ")":
                break
            if tok.kind == "word":
                names.append(tok.text)
    return names


def _members(context: Context, index: Index | None) -> list[Completion]:
    """After `x.`: the variables of a node, the fields of a message, `tt.earliest`."""
    tokens = context.tokens[:-1]
    if not tokens:
        return []
    last = tokens[-1]
    if last.text == "tt":
        return [Completion("earliest", "keyword", "TrueTime"), Completion("latest", "keyword", "TrueTime")]
    if index is None:
        return []
    if last.text == "]":  # `Client[1].`
        depth = 0
        for j in range(len(tokens) - 1, -1, -1):
            depth += {"]": 1, "[": -1}.get(tokens[j].text, 0)
            if depth == 0:
                last = tokens[j - 1] if j else last
                break
    name = last.text
    if name == "self" and context.node:
        return _symbols(index, "var", context.node)
    if name in index.nodes:
        return _symbols(index, "var", name)
    # a variable bound here over a node type or the messages in flight: `all c in Client: c.`
    tokens = context.tokens
    for j in range(len(tokens) - 3, -1, -1):
        if tokens[j].text == name and tokens[j + 1].text == "in" and j and tokens[j - 1].text in _BINDERS:
            domain = tokens[j + 2].text
            if domain in index.nodes:
                return _symbols(index, "var", domain)
            if domain == "inflight" and j + 4 < len(tokens) and tokens[j + 4].text in index.messages:
                message = tokens[j + 4].text
                return [
                    *_symbols(index, "field", message),
                    Completion("src", "field"),
                    Completion("dst", "field"),
                ]
            break
    # a local or a variable: by its type in the last version that was checked
    candidates = [s for s in index.symbols("local") if s.name == name]
    if context.node:
        candidates += [s for s in index.symbols("var", context.node) if s.name == name]
    for symbol in candidates:
        members = index.members_of(index.type_of(symbol))
        if members:
            return [
                Completion(m, "field", "message")
                if isinstance(m, str)
                else Completion(m.name, m.kind, _detail(index, m))
                for m in members
            ]
    return []
