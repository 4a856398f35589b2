"""Where each name of a spec is declared and where it is used, with what it denotes: the position index
behind the language server (explorer/lsp.py), built from the AST and the checker's TypeTable.

`analyze(text, uri)` runs the front end the way `faultline check` does (parse, check, lower every model)
and never raises for a mistake in the spec: it returns the diagnostics, and an Index whenever the text
parses (the checker's tables are filled in even where it finds errors, so names resolve while the spec
is being written). An Index answers: which symbol is at a position (`at`), where it is declared, where
it is used (`references`), what to say about it (`describe`), and the spec's outline (`outline`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from spec import ast, ir
from spec.check import CheckedSpec, check
from spec.diagnostics import Diagnostic, DiagnosticSink, SpecError
from spec.lower import lower, model_names
from spec.names import GlobalScope, collect
from spec.parser import parse
from spec.source import SourceFile, Span
from spec.types import MsgTy, NodeTy, OptionTy, SetTy, Ty, TypeChecker, TypeTable

# What a symbol is; `container` names the node type of a var, timer or action, the enum of a member, the
# message of a field.
KINDS = ("const", "enum", "member", "message", "field", "node", "var", "timer", "action", "invariant", "model", "local")


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


def analyze(text: str, uri: str = "<spec>") -> Analysis:
    source = SourceFile(uri, text)
    try:
        tree = parse(source)
    except SpecError as error:
        return Analysis(source, list(error.diagnostics), None, None)
    try:
        checked = check(tree, source)
    except SpecError as error:
        sink = DiagnosticSink()
        scope = collect(tree, sink)
        table = TypeChecker(scope, sink).check(tree)
        return Analysis(source, [*error.diagnostics, *error.warnings], Index(tree, scope, table, source), None)
    diagnostics = list(checked.warnings)
    seen: set[tuple[str, Span, str]] = set()
    for model in model_names(checked):
        try:
            found = list(lower(checked, model).warnings)
        except SpecError as error:
            found = [*error.diagnostics, *error.warnings]
        for diagnostic in found:
            key = (diagnostic.code, diagnostic.span, diagnostic.message)
            if key not in seen:
                seen.add(key)
                diagnostics.append(diagnostic)
    diagnostics.sort(key=lambda d: d.severity != "error")
    return Analysis(source, diagnostics, Index(tree, checked.scope, checked.types, source), checked)


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
        return [o for o in self.occurrences if o.symbol == symbol and (include_declaration or not o.definition)]

    def symbols(self, kind: str | None = None, container: str | None = None) -> list[Symbol]:
        """Declared symbols in source order, optionally of one kind and container."""
        return [
            o.symbol
            for o in self.occurrences
            if o.definition and (kind is None or o.symbol.kind == kind) and (container is None or o.symbol.container == container)
        ]

    def type_of(self, symbol: Symbol) -> Ty | None:
        """The checker's type of a variable, field or local, where it has one."""
        decl = self.decls.get(symbol)
        if isinstance(decl, ast.VarDecl | ast.FieldDecl):
            return self.table.declared.get(id(decl.type))
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

    def describe(self, symbol: Symbol, checked: CheckedSpec | None = None) -> str:
        """What a symbol is, in Markdown: its declaration and, with a checked spec, what each model makes of it."""
        return _describe(self, symbol, checked)

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
                    self.fields.setdefault(key, self._define("field", fld.name, _name_span(fld.span, fld.name), fld, message.name))
        for node in spec.nodes:
            symbol = self._define("node", node.name, node.name_span, node)
            if self.scope.nodes.get(node.name, None) is not None and self.scope.nodes[node.name].decl is node:
                self.nodes[node.name] = symbol
            for var in node.vars:
                self.vars.setdefault((node.name, var.name), self._define("var", var.name, var.name_span, var, node.name))
            for handler in node.handlers:
                if handler.kind == "timeout":
                    key = (node.name, handler.name)
                    self.timers.setdefault(key, self._define("timer", handler.name, handler.name_span, handler, node.name))
                elif handler.kind == "action":
                    self._define("action", handler.name, handler.name_span, handler, node.name)
        # uses, now that every declaration has its symbol
        for const in spec.consts:
            self._expr(const.value)
        for message in spec.messages:
            for fld in message.fields:
                self._type(fld.type)
        for node in spec.nodes:
            if node.count is not None:
                self._expr(node.count)
            for var in node.vars:
                self._type(var.type)
                if var.init is not None:
                    self._expr(var.init)
            for handler in node.handlers:
                self._handler(node, handler)
        for invariant in spec.invariants:
            self._define("invariant", invariant.name, invariant.name_span, invariant)
            self._expr(invariant.expr)
        for model in spec.models:
            self._define("model", model.name, model.name_span, model)
            for item in model.items:
                if item.value is not None and item.key != "timing":
                    self._expr(item.value)
                for setting in item.settings or ():
                    if setting.bound is not None:
                        self._expr(setting.bound)
                    if setting.of is not None:
                        self._use(self.nodes.get(setting.of[0]), setting.of[1])
            for const in model.consts:
                self._use(self.consts.get(const.name), const.name_span)
                self._expr(const.value)

    def _local(self, site: object, kind: str, ty: Ty | None) -> None:
        binding = self.table.bindings.get(id(site))
        if binding is None:
            return
        symbol = self._define("local", binding.name, binding.span, binding)
        self.local_kinds[symbol] = kind
        if ty is not None:
            self.types[symbol] = ty

    def _handler(self, node: ast.NodeDecl, handler: ast.Handler) -> None:
        if handler.kind == "receive":
            self._use(self.messages.get(handler.name), handler.name_span)
            params, sender = self.table.handler_bindings.get(id(handler), ([], None))
            message = self.scope.messages.get(handler.name)
            fields = message.fields if message is not None else ()
            for binding, fld in zip(params, fields, strict=False):
                symbol = self._define("local", binding.name, binding.span, binding)
                self.local_kinds[symbol] = "param"
                self.types[symbol] = self.table.declared.get(id(fld.type)) or NodeTy(None)
                self.decls[symbol] = fld
            if sender is not None:
                symbol = self._define("local", sender.name, sender.span, sender)
                self.local_kinds[symbol] = "sender"
                self.types[symbol] = self.table.sender_types.get(handler.name, NodeTy(None))
            signer = self.table.signer_bindings.get(id(handler))
            if signer is not None:
                symbol = self._define("local", signer.name, signer.span, signer)
                self.local_kinds[symbol] = "signer"
                self.types[symbol] = NodeTy(None)
        if handler.guard is not None:
            self._expr(handler.guard)
        self._block(node, handler.body)

    def _block(self, node: ast.NodeDecl, block: ast.Block) -> None:
        for stmt in block.stmts:
            self._stmt(node, stmt)

    def _stmt(self, node: ast.NodeDecl, stmt: ast.Stmt) -> None:
        if isinstance(stmt, ast.AssignStmt):
            self._use(self.vars.get((node.name, stmt.target.name)), stmt.target.name_span)
            for index in stmt.target.indices:
                self._expr(index)
            self._expr(stmt.value)
        elif isinstance(stmt, ast.IfStmt):
            self._expr(stmt.cond)
            self._block(node, stmt.then)
            if isinstance(stmt.else_, ast.IfStmt):
                self._stmt(node, stmt.else_)
            elif stmt.else_ is not None:
                self._block(node, stmt.else_)
        elif isinstance(stmt, ast.ForStmt | ast.ChooseStmt):
            self._expr(stmt.domain)
            kind = "for" if isinstance(stmt, ast.ForStmt) else "choose"
            self._local(stmt, kind, _element(self.table.of(stmt.domain)))
            self._block(node, stmt.body)
        elif isinstance(stmt, ast.SendStmt | ast.BroadcastStmt):
            self._use(self.messages.get(stmt.message.name), stmt.message.name_span)
            for arg in stmt.message.args:
                self._expr(arg)
            self._expr(stmt.to)
        elif isinstance(stmt, ast.RelayStmt):
            self._expr(stmt.to)
        elif isinstance(stmt, ast.SetTimerStmt | ast.CancelTimerStmt):
            self._use(self.timers.get((node.name, stmt.timer)), stmt.timer_span)
            if isinstance(stmt, ast.SetTimerStmt) and stmt.after is not None:
                self._expr(stmt.after)
        elif isinstance(stmt, ast.AssertStmt):
            self._expr(stmt.cond)
        elif isinstance(stmt, ast.LetStmt):
            self._expr(stmt.value)
            self._local(stmt, "let", self.table.of(stmt.value))

    def _type(self, t: ast.TypeExpr) -> None:
        if isinstance(t, ast.NamedType):
            self._use(self.enums.get(t.name) or self.nodes.get(t.name), t.span)
        elif isinstance(t, ast.RangeType):
            self._expr(t.lo)
            self._expr(t.hi)
        elif isinstance(t, ast.GenericType | ast.TupleType):
            for arg in t.args if isinstance(t, ast.GenericType) else t.items:
                self._type(arg)
        elif isinstance(t, ast.OptionType):
            self._type(t.inner)

    def _expr(self, e: ast.Expr) -> None:
        if isinstance(e, ast.NameExpr):
            self._name(e)
            return
        if isinstance(e, ast.FieldExpr):
            self._expr(e.obj)
            remote = self.table.remote_reads.get(id(e))
            if remote is not None:
                self._use(self.vars.get((remote[0], remote[1].name)), e.name_span)
                return
            obj = self.table.of(e.obj)
            if isinstance(obj, MsgTy):
                self._use(self.fields.get((obj.name, e.name)), e.name_span)
            elif isinstance(obj, NodeTy) and obj.node_type is not None:
                self._use(self.vars.get((obj.node_type, e.name)), e.name_span)
            return
        if isinstance(e, ast.CallExpr) and e.func == "inflight" and len(e.args) == 1:
            arg = e.args[0]
            if isinstance(arg, ast.NameExpr):
                self._use(self.messages.get(arg.name), arg.span)
                return
        if isinstance(e, ast.QuantExpr | ast.SetComp | ast.MapComp):
            self._expr(e.domain)
            self._local(e, "quant" if isinstance(e, ast.QuantExpr) else "comp", _element(self.table.of(e.domain)))
        for child in _children(e):
            if not (isinstance(e, ast.QuantExpr | ast.SetComp | ast.MapComp) and child is e.domain):
                self._expr(child)

    def _name(self, e: ast.NameExpr) -> None:
        resolution = self.table.names.get(id(e))
        if resolution is None:
            return
        if resolution.kind == "const":
            self._use(self.consts.get(e.name), e.span)
        elif resolution.kind == "member":
            self._use(self.members.get(e.name), e.span)
        elif resolution.kind == "node":
            self._use(self.nodes.get(e.name), e.span)
        elif resolution.kind == "var" and resolution.node_type is not None:
            self._use(self.vars.get((resolution.node_type, e.name)), e.span)
        elif resolution.kind == "local" and resolution.binding is not None:
            binding = resolution.binding
            self._use(Symbol("local", binding.name, binding.span), e.span)


def _element(ty: Ty) -> Ty | None:
    return ty.elem if isinstance(ty, SetTy) else None


def _children(e: ast.Expr) -> Iterator[ast.Expr]:
    for name in e.__slots__:  # type: ignore[union-attr]
        value = getattr(e, name)
        if isinstance(value, tuple):
            for item in value:
                if isinstance(item, tuple):
                    yield from (x for x in item if isinstance(x, ast.Expr))
                elif isinstance(item, ast.Expr):
                    yield item
        elif isinstance(value, ast.Expr):
            yield value


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


def _per_model(checked: CheckedSpec | None, what: str, value: Callable[[ir.System], str]) -> list[str]:
    """One line per model (or one for all, where they agree): `what(system)`, or why the model does not lower."""
    if checked is None:
        return []
    results: dict[str, str] = {}
    for model in model_names(checked):
        try:
            system = lower(checked, model)
        except SpecError as error:
            results[model] = f"does not lower: {error.diagnostics[0].message}"
            continue
        results[model] = value(system)
    if len(set(results.values())) == 1:
        return [next(iter(results.values()))]
    return [f"{what} in model `{model}`: {text}" for model, text in results.items()]


def _describe(index: Index, symbol: Symbol, checked: CheckedSpec | None) -> str:
    decl = index.decls.get(symbol)
    source = index.source
    kind = symbol.kind
    lines: list[str] = []
    if kind == "local":
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
        shown = text_of(source, decl.type.span) if isinstance(decl, ast.FieldDecl) else (str(ty) if ty else "?")
        lines = [_code(f"{symbol.name}: {shown}"), what]
    elif isinstance(decl, ast.VarDecl):
        lines = [_code(text_of(source, decl.span)), f"variable of node `{symbol.container}`"]
        if decl.kind == "durable":
            lines.append("durable: kept across a crash")
        elif decl.kind == "ghost":
            lines.append("ghost: bookkeeping for properties; it may not influence behaviour")
    elif isinstance(decl, ast.FieldDecl):
        lines = [_code(f"{decl.name}: {text_of(source, decl.type.span)}"), f"field of message `{symbol.container}`"]
    elif isinstance(decl, ast.MessageDecl):
        signed = "signed " if decl.signed else ""
        fields = ", ".join(f"{f.name}: {text_of(source, f.type.span)}" for f in decl.fields)
        lines = [_code(f"{signed}message {decl.name}" + (f"({fields})" if decl.fields else ""))]
        if decl.fields:
            lines.append("fields: " + ", ".join(f"`{f.name}`" for f in decl.fields))
        else:
            lines.append("no fields")
        senders = index.scope.senders.get(decl.name, [])
        lines.append(f"sent by {', '.join(f'`{s}`' for s in senders)}" if senders else "never sent")
    elif isinstance(decl, ast.NodeDecl):
        lines = [_code(_node_header(index, decl))]

        def instances(system: ir.System) -> str:
            nt = system.node_type(decl.name)
            names = [i.name for i in system.instances if i.node_type == decl.name]
            return f"{nt.count} instance{'s' if nt.count != 1 else ''}: {', '.join(names)}"

        if decl.count is None:
            lines.append("a single node")
        else:
            lines.extend(_per_model(checked, "instances", instances))
        if decl.vars:
            lines.append("variables: " + ", ".join(f"`{v.name}`" for v in decl.vars))
    elif isinstance(decl, ast.ConstDecl):
        lines = [_code(f"const {decl.name} = {text_of(source, decl.value.span)}")]
        for model in index.spec.models:
            for override in model.consts:
                if override.name == decl.name:
                    lines.append(f"model `{model.name}` sets it to `{text_of(source, override.value.span)}`")
    elif isinstance(decl, ast.EnumDecl) and kind == "enum":
        lines = [_code(f"enum {decl.name} {{ {', '.join(m for m, _ in decl.members)} }}")]
    elif isinstance(decl, ast.EnumDecl):
        lines = [_code(symbol.name), f"member of enum `{decl.name}`"]
    elif isinstance(decl, ast.Handler) and kind == "timer":
        lines = [_code(f"on timeout {decl.name}"), f"timer of node `{symbol.container}`"]
    elif isinstance(decl, ast.Handler):
        lines = [_code(f"action {decl.name}"), f"action of node `{symbol.container}`"]
    elif isinstance(decl, ast.InvariantDecl):
        lines = [_code(f"invariant {decl.name}: {text_of(source, decl.expr.span)}")]
    elif isinstance(decl, ast.ModelDecl):
        lines = [_code(f"model {decl.name}")]
        if checked is not None:
            try:
                lines.append("bounds: " + lower(checked, decl.name).model.bounds())
            except SpecError as error:
                lines.append(f"does not lower: {error.diagnostics[0].message}")
    return "\n\n".join(lines)


# ---------------------------------------------------------------- outline


def _outline(spec: ast.SpecFile) -> list[OutlineItem]:
    items: list[OutlineItem] = []
    for const in spec.consts:
        items.append(OutlineItem(const.name, "const", const.span, const.name_span))
    for enum in spec.enums:
        members = tuple(OutlineItem(m, "member", span, span) for m, span in enum.members)
        items.append(OutlineItem(enum.name, "enum", enum.span, enum.name_span, members))
    for message in spec.messages:
        fields = tuple(OutlineItem(f.name, "field", f.span, _name_span(f.span, f.name)) for f in message.fields)
        items.append(OutlineItem(message.name, "message", message.span, message.name_span, fields))
    for node in spec.nodes:
        children = [OutlineItem(v.name, "var", v.span, v.name_span) for v in node.vars]
        for handler in node.handlers:
            label = {
                "receive": f"on {handler.name}" + (f"({', '.join(p for p, _ in handler.params)})" if handler.params else ""),
                "timeout": f"on timeout {handler.name}",
                "action": f"action {handler.name}",
            }.get(handler.kind, f"on {handler.kind}")
            children.append(OutlineItem(label, "handler", handler.span, handler.name_span))
        items.append(OutlineItem(node.name, "node", node.span, node.name_span, tuple(children)))
    for invariant in spec.invariants:
        items.append(OutlineItem(invariant.name, "invariant", invariant.span, invariant.name_span))
    for model in spec.models:
        items.append(OutlineItem(model.name, "model", model.span, model.name_span))
    items.sort(key=lambda i: (i.span.line, i.span.column))
    return items

