"""Where each name of a spec is declared and where it is used, with what it denotes: the position index
behind the language server (editor/lsp.py), built from the AST and the checker's TypeTable.

`analyze(text, uri)` runs the front end once, the way `faultline check` does (parse, check, lower every
model), and never raises for a mistake in the spec: it returns the diagnostics, an Index whenever the text
parses (the checker hands back its tables with its diagnostics, filled in as far as it got, so names
resolve while the spec is being written) and the IR of every model, which hovering then reads. An Index answers: which symbol is at a position (`at`), where it is declared, where
it is used (`references`), what to say about it (`describe`), and the spec's outline (`outline`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from spec import ast, ir
from spec.check import CheckedSpec, check
from spec.diagnostics import Diagnostic, SpecError, raise_errors
from spec.lower import lower
from spec.names import GlobalScope
from spec.parser import parse
from spec.select import model_names
from spec.source import SourceFile, Span
from spec.types import MsgTy, NodeTy, OptionTy, SetTy, Ty, TypeTable

# What a symbol is; `container` names the node type of a var, timer or action, the enum of a member, the
# message of a field.
KINDS = (
    "const",
    "enum",
    "member",
    "message",
    "field",
    "node",
    "var",
    "timer",
    "action",
    "invariant",
    "liveness",
    "def",
    "model",
    "local",
)


# The IR of each model of a spec, or why it does not lower.
Systems = Mapping[str, ir.System | SpecError]


@dataclass(frozen=True, slots=True)
class Symbol:
    kind: str
    name: str
    span: Span  # the name where it is declared
    container: str | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A name in the source: the declaration of `symbol`, or a use of it."""

    span: Span
    symbol: Symbol
    definition: bool


@dataclass(frozen=True, slots=True)
class OutlineItem:
    name: str
    kind: str  # "node", "var", "handler", "invariant", "model", "const", "enum", "member", "message", "field"
    span: Span  # the whole declaration
    name_span: Span
    children: tuple[OutlineItem, ...] = ()


@dataclass
class Analysis:
    source: SourceFile
    diagnostics: list[Diagnostic]  # as `faultline check` reports them, errors first
    index: Index | None  # None when the text does not parse
    checked: CheckedSpec | None  # None when the spec has errors
    # model -> its IR, or why it does not lower (empty when the spec has errors)
    systems: dict[str, ir.System | SpecError] = field(default_factory=dict)

    def describe(self, symbol: Symbol) -> str:
        """What a symbol is, in Markdown, with what each model makes of it."""
        assert self.index is not None
        return self.index.describe(symbol, self.systems)


def analyze(text: str, uri: str = "<spec>") -> Analysis:
    source = SourceFile(uri, text)
    try:
        tree = parse(source)
    except SpecError as error:
        return Analysis(source, list(error.diagnostics), None, None)
    checked, found = check(tree, source)
    index = Index(tree, checked.scope, checked.types, source)
    try:
        raise_errors(found, source)
    except SpecError as error:
        return Analysis(source, [*error.diagnostics, *error.warnings], index, None)
    diagnostics = list(checked.warnings)
    seen: set[tuple[str, Span, str]] = set()
    systems: dict[str, ir.System | SpecError] = {}
    for model in model_names(checked):
        try:
            systems[model] = lower(checked, model)
            found = list(systems[model].warnings)
        except SpecError as error:
            systems[model] = error
            found = [*error.diagnostics, *error.warnings]
        for diagnostic in found:
            key = (diagnostic.code, diagnostic.span, diagnostic.message)
            if key not in seen:
                seen.add(key)
                diagnostics.append(diagnostic)
    diagnostics.sort(key=lambda d: d.severity != "error")
    return Analysis(source, diagnostics, index, checked, systems)


def contains(span: Span, line: int, column: int) -> bool:
    """Whether 1-based (line, column) is inside `span`, its end included (a cursor just after a name)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def text_of(source: SourceFile, span: Span) -> str:
    """The source of `span` on one line, runs of whitespace as one space."""
    lines = source.text.split("\n")[span.line - 1 : span.end_line]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0][span.column - 1 : span.end_column - 1]
    lines[-1] = lines[-1][: span.end_column - 1]
    lines[0] = lines[0][span.column - 1 :]
    return " ".join(" ".join(lines).split())


def _name_span(span: Span, name: str) -> Span:
    return Span(span.line, span.column, span.line, span.column + len(name))


class Index:
    def __init__(self, spec: ast.SpecFile, scope: GlobalScope, table: TypeTable, source: SourceFile) -> None:
        self.spec = spec
        self.scope = scope
        self.table = table
        self.source = source
        self.occurrences: list[Occurrence] = []
        self.decls: dict[Symbol, object] = {}
        self.types: dict[Symbol, Ty] = {}  # locals: the checker's type of the value bound
        self.local_kinds: dict[Symbol, str] = {}  # "param", "sender", "let", "for", "choose", "quant", "comp"
        self.vars: dict[tuple[str, str], Symbol] = {}
        self.timers: dict[tuple[str, str], Symbol] = {}
        self.messages: dict[str, Symbol] = {}
        self.fields: dict[tuple[str, str], Symbol] = {}
        self.nodes: dict[str, Symbol] = {}
        self.consts: dict[str, Symbol] = {}
        self.enums: dict[str, Symbol] = {}
        self.members: dict[str, Symbol] = {}
        self.defs: dict[str, Symbol] = {}
        self._build()
        self.occurrences.sort(key=lambda o: (o.span.line, o.span.column))

    # ---- queries

    def at(self, line: int, column: int) -> Occurrence | None:
        """The name at a 1-based position, or just before it (a cursor right after a name)."""
        hits = [o for o in self.occurrences if contains(o.span, line, column)]
        inside = [o for o in hits if (line, column) != (o.span.end_line, o.span.end_column)]
        best = inside or hits
        return best[0] if best else None

    def references(self, symbol: Symbol, include_declaration: bool = True) -> list[Occurrence]:
        return [
            o for o in self.occurrences if o.symbol == symbol and (include_declaration or not o.definition)
        ]

    def symbols(self, kind: str | None = None, container: str | None = None) -> list[Symbol]:
        """Declared symbols in source order, optionally of one kind and container."""
        return [
            o.symbol
            for o in self.occurrences
            if o.definition
            and (kind is None or o.symbol.kind == kind)
            and (container is None or o.symbol.container == container)
        ]

    def type_of(self, symbol: Symbol) -> Ty | None:
        """The checker's type of a variable, field or local, where it has one."""
        decl = self.decls.get(symbol)
        if isinstance(decl, ast.VarDecl | ast.FieldDecl):
            return self.table.declared.get(decl.type.id)
        return self.types.get(symbol)

    def members_of(self, ty: Ty | None) -> list[Symbol | str]:
        """What may follow `x.` for a value of type `ty`: a node's variables, a message's fields (and src, dst)."""
        while isinstance(ty, OptionTy):
            ty = ty.inner
        if isinstance(ty, NodeTy) and ty.node_type is not None:
            return list(self.symbols("var", ty.node_type))
        if isinstance(ty, MsgTy):
            return [*self.symbols("field", ty.name), "src", "dst"]
        return []

    def describe(self, symbol: Symbol, systems: Systems | None = None) -> str:
        """What a symbol is, in Markdown: its declaration and, given the IR of each model (or why it does not
        lower), what each model makes of it."""
        return _describe(self, symbol, systems or {})

    def outline(self) -> list[OutlineItem]:
        return _outline(self.spec)

    # ---- building

    def _define(self, kind: str, name: str, span: Span, decl: object, container: str | None = None) -> Symbol:
        symbol = Symbol(kind, name, span, container)
        self.decls[symbol] = decl
        self.occurrences.append(Occurrence(span, symbol, True))
        return symbol

    def _use(self, symbol: Symbol | None, span: Span) -> None:
        if symbol is not None:
            self.occurrences.append(Occurrence(span, symbol, False))

    def _build(self) -> None:
        self._declare()
        _Uses(self).spec(self.spec)  # now that every declaration has its symbol

    def _declare(self) -> None:
        spec = self.spec
        for const in spec.consts:
            if self.scope.consts.get(const.name) is const:
                self.consts[const.name] = self._define("const", const.name, const.name_span, const)
        for enum in spec.enums:
            symbol = self._define("enum", enum.name, enum.name_span, enum)
            if self.scope.enums.get(enum.name) is enum:
                self.enums[enum.name] = symbol
            for member, span in enum.members:
                self.members.setdefault(member, self._define("member", member, span, enum, enum.name))
        for message in spec.messages:
            symbol = self._define("message", message.name, message.name_span, message)
            if self.scope.messages.get(message.name) is message:
                self.messages[message.name] = symbol
                for fld in message.fields:
                    key = (message.name, fld.name)
                    self.fields.setdefault(
                        key,
                        self._define("field", fld.name, _name_span(fld.span, fld.name), fld, message.name),
                    )
        for definition in spec.defs:
            symbol = self._define("def", definition.name, definition.name_span, definition)
            if self.scope.defs.get(definition.name) is definition:
                self.defs[definition.name] = symbol
            for param in definition.params:
                self._local(param, "param", self.table.declared.get(param.type.id) if param.type else None)
        for node in spec.nodes:
            symbol = self._define("node", node.name, node.name_span, node)
            if self.scope.nodes.get(node.name, None) is not None and self.scope.nodes[node.name].decl is node:
                self.nodes[node.name] = symbol
            for var in node.vars:
                self.vars.setdefault(
                    (node.name, var.name), self._define("var", var.name, var.name_span, var, node.name)
                )
            for handler in node.handlers:
                if handler.kind == "timeout":
                    key = (node.name, handler.name)
                    self.timers.setdefault(
                        key, self._define("timer", handler.name, handler.name_span, handler, node.name)
                    )
                elif handler.kind == "action":
                    self._define("action", handler.name, handler.name_span, handler, node.name)

    def _local(
        self,
        site: ast.Param | ast.DefParam | ast.Stmt | ast.Expr,
        kind: str,
        ty: Ty | None,
        decl: object = None,
    ) -> None:
        """The local bound at `site` (if the checker bound it): its declaration, kind and type."""
        binding = self.table.bindings.get(site.id)
        if binding is None:
            return
        symbol = self._define("local", binding.name, binding.span, binding)
        self.local_kinds[symbol] = kind
        if ty is not None:
            self.types[symbol] = ty
        if decl is not None:
            self.decls[symbol] = decl


class _Uses:
    """Records in an Index every use of a declared name (and every local's declaration) in a spec's
    expressions, statements and types: one method per node class, found through tables built once."""

    EXPR_RULES: ClassVar[dict[type, Callable[..., None]]]
    STMT_RULES: ClassVar[dict[type, Callable[..., None]]]
    TYPE_RULES: ClassVar[dict[type, Callable[..., None]]]

    def __init__(self, index: Index) -> None:
        self.index = index
        self.table = index.table
        self.use = index._use
        self.node: ast.NodeDecl | None = None  # whose handler is being read

    def spec(self, spec: ast.SpecFile) -> None:
        index = self.index
        for const in spec.consts:
            self.expr(const.value)
        for message in spec.messages:
            for fld in message.fields:
                self.type(fld.type)
        for node in spec.nodes:
            self.node = node
            if node.count is not None:
                self.expr(node.count)
            for var in node.vars:
                self.type(var.type)
                if var.init is not None:
                    self.expr(var.init)
            for handler in node.handlers:
                self.handler(handler)
        for definition in spec.defs:
            for param in definition.params:
                if param.type is not None:
                    self.type(param.type)
            self.expr(definition.body)
        invariants = {}
        for invariant in spec.invariants:
            invariants[invariant.name] = index._define(
                "invariant", invariant.name, invariant.name_span, invariant
            )
            self.expr(invariant.expr)
        for prop in spec.liveness:
            invariants[prop.name] = index._define("liveness", prop.name, prop.name_span, prop)
            for part in (prop.first, prop.second):
                if part is not None:
                    self.expr(part)
        for model in spec.models:
            index._define("model", model.name, model.name_span, model)
            for item in model.items:
                if item.value is not None and item.key != "timing":
                    self.expr(item.value)
                for setting in item.settings or ():
                    if setting.bound is not None:
                        self.expr(setting.bound)
                    if setting.of is not None:
                        self.use(index.nodes.get(setting.of[0]), setting.of[1])
            for const in model.consts:
                self.use(index.consts.get(const.name), const.name_span)
                self.expr(const.value)
            for durability in model.durability:
                self.use(index.nodes.get(durability.node), durability.node_span)
                self.use(index.vars.get((durability.node, durability.var)), durability.var_span)
            for expect in model.expects:  # `expect no_clobber violated` uses the property it names
                for name, span in expect.properties or ():
                    self.use(invariants.get(name), span)

    def handler(self, handler: ast.Handler) -> None:
        index = self.index
        if handler.kind == "receive":
            self.use(index.messages.get(handler.name), handler.name_span)
            message = index.scope.messages.get(handler.name)
            fields = message.fields if message is not None else ()
            for param, fld in zip(handler.params, fields, strict=False):
                index._local(param, "param", self.table.declared.get(fld.type.id) or NodeTy(None), fld)
            if handler.sender is not None:
                index._local(
                    handler.sender, "sender", self.table.sender_types.get(handler.name, NodeTy(None))
                )
            if handler.signer is not None:
                index._local(handler.signer, "signer", NodeTy(None))
        if handler.guard is not None:
            self.expr(handler.guard)
        self.block(handler.body)

    # ---- statements

    def block(self, block: ast.Block) -> None:
        for stmt in block.stmts:
            self.STMT_RULES[type(stmt)](self, stmt)

    def assign_stmt(self, stmt: ast.AssignStmt) -> None:
        assert self.node is not None
        self.use(self.index.vars.get((self.node.name, stmt.target.name)), stmt.target.name_span)
        for index in stmt.target.indices:
            self.expr(index)
        self.expr(stmt.value)

    def if_stmt(self, stmt: ast.IfStmt) -> None:
        self.expr(stmt.cond)
        self.block(stmt.then)
        if isinstance(stmt.else_, ast.IfStmt):
            self.if_stmt(stmt.else_)
        elif stmt.else_ is not None:
            self.block(stmt.else_)

    def for_stmt(self, stmt: ast.ForStmt | ast.ChooseStmt) -> None:
        self.expr(stmt.domain)
        kind = "for" if isinstance(stmt, ast.ForStmt) else "choose"
        self.index._local(stmt, kind, _element(self.table.of(stmt.domain)))
        self.block(stmt.body)

    choose_stmt = for_stmt

    def send_stmt(self, stmt: ast.SendStmt | ast.BroadcastStmt) -> None:
        self.use(self.index.messages.get(stmt.message.name), stmt.message.name_span)
        for arg in stmt.message.args:
            self.expr(arg)
        self.expr(stmt.to)

    broadcast_stmt = send_stmt

    def relay_stmt(self, stmt: ast.RelayStmt) -> None:
        self.expr(stmt.to)

    def set_timer_stmt(self, stmt: ast.SetTimerStmt | ast.CancelTimerStmt) -> None:
        assert self.node is not None
        self.use(self.index.timers.get((self.node.name, stmt.timer)), stmt.timer_span)
        if isinstance(stmt, ast.SetTimerStmt) and stmt.after is not None:
            self.expr(stmt.after)

    cancel_timer_stmt = set_timer_stmt

    def assert_stmt(self, stmt: ast.AssertStmt) -> None:
        self.expr(stmt.cond)

    def let_stmt(self, stmt: ast.LetStmt) -> None:
        self.expr(stmt.value)
        self.index._local(stmt, "let", self.table.of(stmt.value))

    def skip_stmt(self, stmt: ast.SkipStmt | ast.RejectStmt) -> None:
        pass

    reject_stmt = skip_stmt

    # ---- types

    def type(self, t: ast.TypeExpr) -> None:
        self.TYPE_RULES[type(t)](self, t)

    def named_type(self, t: ast.NamedType) -> None:
        self.use(self.index.enums.get(t.name) or self.index.nodes.get(t.name), t.span)

    def range_type(self, t: ast.RangeType) -> None:
        self.expr(t.lo)
        self.expr(t.hi)

    def generic_type(self, t: ast.GenericType) -> None:
        for arg in t.args:
            self.type(arg)

    def tuple_type(self, t: ast.TupleType) -> None:
        for item in t.items:
            self.type(item)

    def option_type(self, t: ast.OptionType) -> None:
        self.type(t.inner)

    # ---- expressions

    def expr(self, e: ast.Expr) -> None:
        self.EXPR_RULES[type(e)](self, e)

    def children(self, e: ast.Expr) -> None:
        """An expression that names nothing itself: the names inside it."""
        for child in ast.children(e):
            self.expr(child)

    def name_expr(self, e: ast.NameExpr) -> None:
        index = self.index
        resolution = self.table.names.get(e.id)
        if resolution is None:
            return
        if resolution.kind == "const":
            self.use(index.consts.get(e.name), e.span)
        elif resolution.kind == "member":
            self.use(index.members.get(e.name), e.span)
        elif resolution.kind == "node":
            self.use(index.nodes.get(e.name), e.span)
        elif resolution.kind == "var" and resolution.node_type is not None:
            self.use(index.vars.get((resolution.node_type, e.name)), e.span)
        elif resolution.kind == "local" and resolution.binding is not None:
            binding = resolution.binding
            self.use(Symbol("local", binding.name, binding.span), e.span)

    def field_expr(self, e: ast.FieldExpr) -> None:
        index = self.index
        self.expr(e.obj)
        remote = self.table.remote_reads.get(e.id)
        if remote is not None:
            self.use(index.vars.get((remote[0], remote[1].name)), e.name_span)
            return
        obj = self.table.of(e.obj)
        if isinstance(obj, MsgTy):
            self.use(index.fields.get((obj.name, e.name)), e.name_span)
        elif isinstance(obj, NodeTy) and obj.node_type is not None:
            self.use(index.vars.get((obj.node_type, e.name)), e.name_span)

    def call_expr(self, e: ast.CallExpr) -> None:
        if e.func == "inflight" and len(e.args) == 1 and isinstance(e.args[0], ast.NameExpr):
            self.use(self.index.messages.get(e.args[0].name), e.args[0].span)
            return
        self.use(self.index.defs.get(e.func), e.func_span)
        self.children(e)

    def quant_expr(self, e: ast.QuantExpr | ast.SetComp | ast.MapComp) -> None:
        self.expr(e.domain)
        self.index._local(
            e, "quant" if isinstance(e, ast.QuantExpr) else "comp", _element(self.table.of(e.domain))
        )
        for child in ast.children(e):
            if child is not e.domain:
                self.expr(child)

    set_comp = map_comp = quant_expr


_Uses.EXPR_RULES = ast.dispatch(_Uses, ast.EXPRESSIONS, fallback="children")
_Uses.STMT_RULES = ast.dispatch(_Uses, ast.STATEMENTS)
_Uses.TYPE_RULES = ast.dispatch(_Uses, ast.TYPES)


def _element(ty: Ty) -> Ty | None:
    return ty.elem if isinstance(ty, SetTy) else None


# ---------------------------------------------------------------- descriptions (hover)


def _code(text: str) -> str:
    return f"```faultline\n{text}\n```"


def _node_header(index: Index, node: ast.NodeDecl) -> str:
    header = f"node {node.name}"
    if node.count is not None:
        header += f" * {text_of(index.source, node.count.span)}"
    if node.symmetric:
        header += " symmetric"
    return header


def _per_model(systems: Systems, what: str, value: Callable[[ir.System], str]) -> list[str]:
    """One line per model (or one for all, where they agree): `what(system)`, or why the model does not lower."""
    if not systems:
        return []
    results: dict[str, str] = {}
    for model, system in systems.items():
        if isinstance(system, SpecError):
            results[model] = f"does not lower: {system.diagnostics[0].message}"
        else:
            results[model] = value(system)
    if len(set(results.values())) == 1:
        return [next(iter(results.values()))]
    return [f"{what} in model `{model}`: {text}" for model, text in results.items()]


def _describe(index: Index, symbol: Symbol, systems: Systems) -> str:
    describe = _DESCRIPTIONS.get(symbol.kind)
    decl = index.decls.get(symbol)
    return "\n\n".join(describe(index, symbol, decl, systems) if describe is not None else [])


def _local_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    ty = index.types.get(symbol)
    what = {
        "param": "message field bound by the handler",
        "sender": "the sender of the message (`from`)",
        "signer": "the node that signed the message (`signed by`)",
        "let": "`let` binding",
        "for": "`for` variable",
        "choose": "`choose` variable",
        "quant": "quantified variable",
        "comp": "comprehension variable",
    }.get(index.local_kinds.get(symbol, ""), "local")
    shown = (
        text_of(index.source, decl.type.span) if isinstance(decl, ast.FieldDecl) else (str(ty) if ty else "?")
    )
    return [_code(f"{symbol.name}: {shown}"), what]


def _var_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.VarDecl)
    lines = [_code(text_of(index.source, decl.span)), f"variable of node `{symbol.container}`"]
    if decl.kind == "durable":
        lines.append("durable: kept across a crash")
    elif decl.kind == "ghost":
        lines.append("ghost: bookkeeping for properties; it may not influence behaviour")
    for model in index.spec.models:
        for item in model.durability:
            if (item.node, item.var) == (symbol.container, decl.name):
                lines.append(f"{item.kind} in model `{model.name}`")
    return lines


def _field_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.FieldDecl)
    return [
        _code(f"{decl.name}: {text_of(index.source, decl.type.span)}"),
        f"field of message `{symbol.container}`",
    ]


def _message_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.MessageDecl)
    signed = "signed " if decl.signed else ""
    fields = ", ".join(f"{f.name}: {text_of(index.source, f.type.span)}" for f in decl.fields)
    lines = [_code(f"{signed}message {decl.name}" + (f"({fields})" if decl.fields else ""))]
    if decl.fields:
        lines.append("fields: " + ", ".join(f"`{f.name}`" for f in decl.fields))
    else:
        lines.append("no fields")
    senders = index.scope.senders.get(decl.name, [])
    lines.append(f"sent by {', '.join(f'`{s}`' for s in senders)}" if senders else "never sent")
    return lines


def _node_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.NodeDecl)
    lines = [_code(_node_header(index, decl))]

    def instances(system: ir.System) -> str:
        nt = system.node_type(decl.name)
        names = [i.name for i in system.instances if i.node_type == decl.name]
        return f"{nt.count} instance{'s' if nt.count != 1 else ''}: {', '.join(names)}"

    if decl.count is None:
        lines.append("a single node")
    else:
        lines.extend(_per_model(systems, "instances", instances))
    if decl.vars:
        lines.append("variables: " + ", ".join(f"`{v.name}`" for v in decl.vars))
    return lines


def _const_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.ConstDecl)
    lines = [_code(f"const {decl.name} = {text_of(index.source, decl.value.span)}")]
    for model in index.spec.models:
        for override in model.consts:
            if override.name == decl.name:
                lines.append(
                    f"model `{model.name}` sets it to `{text_of(index.source, override.value.span)}`"
                )
    return lines


def _enum_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.EnumDecl)
    return [_code(f"enum {decl.name} {{ {', '.join(m for m, _ in decl.members)} }}")]


def _member_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.EnumDecl)
    return [_code(symbol.name), f"member of enum `{decl.name}`"]


def _timer_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.Handler)
    return [_code(f"on timeout {decl.name}"), f"timer of node `{symbol.container}`"]


def _action_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.Handler)
    return [_code(f"action {decl.name}"), f"action of node `{symbol.container}`"]


def _invariant_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.InvariantDecl)
    return [_code(f"invariant {decl.name}: {text_of(index.source, decl.expr.span)}")]


def _liveness_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.LivenessDecl)
    return [
        _code(text_of(index.source, decl.span)),
        "liveness: checked on the fair runs of each model (docs/semantics.md, Liveness)",
    ]


def _def_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.DefDecl)
    lines = [_code(text_of(index.source, decl.span))]
    signature = index.table.defs.get(decl.name)
    if signature is not None:
        lines.append(f"a definition of type {signature.result}, expanded where it is used")
        if signature.impure is not None:
            lines.append(f"only for properties: it {signature.impure}")
    return lines


def _model_lines(index: Index, symbol: Symbol, decl: object, systems: Systems) -> list[str]:
    assert isinstance(decl, ast.ModelDecl)
    lines = [_code(f"model {decl.name}")]
    system = systems.get(decl.name)
    if isinstance(system, SpecError):
        lines.append(f"does not lower: {system.diagnostics[0].message}")
    elif system is not None:
        lines.append("bounds: " + system.model.bounds())
    return lines


# How each kind of symbol is described (KINDS, one function each).
_DESCRIPTIONS: dict[str, Callable[[Index, Symbol, object, Systems], list[str]]] = {
    "const": _const_lines,
    "enum": _enum_lines,
    "member": _member_lines,
    "message": _message_lines,
    "field": _field_lines,
    "node": _node_lines,
    "var": _var_lines,
    "timer": _timer_lines,
    "action": _action_lines,
    "invariant": _invariant_lines,
    "liveness": _liveness_lines,
    "def": _def_lines,
    "model": _model_lines,
    "local": _local_lines,
}


# ---------------------------------------------------------------- outline


def _outline(spec: ast.SpecFile) -> list[OutlineItem]:
    items: list[OutlineItem] = []
    for const in spec.consts:
        items.append(OutlineItem(const.name, "const", const.span, const.name_span))
    for enum in spec.enums:
        members = tuple(OutlineItem(m, "member", span, span) for m, span in enum.members)
        items.append(OutlineItem(enum.name, "enum", enum.span, enum.name_span, members))
    for message in spec.messages:
        fields = tuple(
            OutlineItem(f.name, "field", f.span, _name_span(f.span, f.name)) for f in message.fields
        )
        items.append(OutlineItem(message.name, "message", message.span, message.name_span, fields))
    for node in spec.nodes:
        children = [OutlineItem(v.name, "var", v.span, v.name_span) for v in node.vars]
        for handler in node.handlers:
            label = {
                "receive": f"on {handler.name}"
                + (f"({', '.join(p.name for p in handler.params)})" if handler.params else ""),
                "timeout": f"on timeout {handler.name}",
                "action": f"action {handler.name}",
            }.get(handler.kind, f"on {handler.kind}")
            children.append(OutlineItem(label, "handler", handler.span, handler.name_span))
        items.append(OutlineItem(node.name, "node", node.span, node.name_span, tuple(children)))
    for definition in spec.defs:
        items.append(OutlineItem(definition.name, "def", definition.span, definition.name_span))
    for invariant in spec.invariants:
        items.append(OutlineItem(invariant.name, "invariant", invariant.span, invariant.name_span))
    for prop in spec.liveness:
        items.append(OutlineItem(prop.name, "liveness", prop.span, prop.name_span))
    for model in spec.models:
        items.append(OutlineItem(model.name, "model", model.span, model.name_span))
    items.sort(key=lambda i: (i.span.line, i.span.column))
    return items
