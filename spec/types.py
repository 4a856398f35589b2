"""Type terms of the checker, and the type checker itself (which also resolves local names).

The checker works before any model is chosen, so integer types here carry no bounds: bounds are
constant expressions that lowering evaluates per model. What the checker settles is the shape of every
value, which names denote what, and where a value may need a run-time check (an optional value used
where a plain one is expected).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spec import ast
from spec.diagnostics import DiagnosticSink
from spec.names import BUILTIN_FUNCTIONS, Binding, GlobalScope, NodeScope, did_you_mean
from spec.source import Span

# What `m.src`, `m.dst` and `m.signer` mean for an in-flight message `m`: no field may take these names.
RESERVED_FIELDS = {"src": "sender", "dst": "receiver", "signer": "signer"}

# ---------------------------------------------------------------- type terms


@dataclass(frozen=True, slots=True)
class BoolTy:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntTy:
    def __str__(self) -> str:
        return "int"


@dataclass(frozen=True, slots=True)
class EnumTy:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class NodeTy:
    """A reference to a node instance of the given type; `node_type` None means any node type."""

    node_type: str | None

    def __str__(self) -> str:
        return self.node_type or "node"


@dataclass(frozen=True, slots=True)
class OptionTy:
    inner: Ty

    def __str__(self) -> str:
        return f"{self.inner}?"


@dataclass(frozen=True, slots=True)
class SetTy:
    elem: Ty

    def __str__(self) -> str:
        return f"set<{self.elem}>"


@dataclass(frozen=True, slots=True)
class MapTy:
    key: Ty
    value: Ty

    def __str__(self) -> str:
        return f"map<{self.key}, {self.value}>"


@dataclass(frozen=True, slots=True)
class TupleTy:
    items: tuple[Ty, ...]

    def __str__(self) -> str:
        return "(" + ", ".join(map(str, self.items)) + ")"


@dataclass(frozen=True, slots=True)
class MsgTy:
    """An in-flight message of the given type, as seen by properties through `inflight(M)`."""

    name: str

    def __str__(self) -> str:
        return f"message {self.name}"


@dataclass(frozen=True, slots=True)
class UnknownTy:
    """What nothing is known about yet: the elements of `{}` and the value of `none`; also the type of an
    expression that already had an error, so that one mistake is reported once."""

    def __str__(self) -> str:
        return "?"


@dataclass(frozen=True, slots=True)
class EmptyCollTy:
    """`{}`: an empty set or an empty map, as its context decides."""

    def __str__(self) -> str:
        return "{}"


Ty = BoolTy | IntTy | EnumTy | NodeTy | OptionTy | SetTy | MapTy | TupleTy | MsgTy | UnknownTy | EmptyCollTy

BOOL = BoolTy()
INT = IntTy()
UNKNOWN = UnknownTy()
EMPTY = EmptyCollTy()


def unify(a: Ty, b: Ty) -> Ty | None:
    """The common type of two values that meet (in ==, an if-expression, a set literal), or None."""
    if a == b:
        return a
    if isinstance(a, UnknownTy):
        return b
    if isinstance(b, UnknownTy):
        return a
    if isinstance(a, EmptyCollTy) and isinstance(b, SetTy | MapTy):
        return b
    if isinstance(b, EmptyCollTy) and isinstance(a, SetTy | MapTy):
        return a
    if isinstance(a, OptionTy) or isinstance(b, OptionTy):
        inner = unify(a.inner if isinstance(a, OptionTy) else a, b.inner if isinstance(b, OptionTy) else b)
        return None if inner is None else OptionTy(inner)
    if isinstance(a, NodeTy) and isinstance(b, NodeTy):
        return a if a.node_type == b.node_type else NodeTy(None)
    if isinstance(a, SetTy) and isinstance(b, SetTy):
        elem = unify(a.elem, b.elem)
        return None if elem is None else SetTy(elem)
    if isinstance(a, MapTy) and isinstance(b, MapTy):
        key, value = unify(a.key, b.key), unify(a.value, b.value)
        return None if key is None or value is None else MapTy(key, value)
    if isinstance(a, TupleTy) and isinstance(b, TupleTy) and len(a.items) == len(b.items):
        items = [unify(x, y) for x, y in zip(a.items, b.items, strict=True)]
        if any(i is None for i in items):
            return None
        return TupleTy(tuple(i for i in items if i is not None))
    return None


def assignable(value: Ty, target: Ty) -> bool:
    """Whether a value of type `value` may be stored where `target` is declared. Ranges, node types and
    optional values are checked again at run time, where a value that does not fit is a spec error."""
    if isinstance(target, OptionTy) and not isinstance(value, OptionTy):
        return isinstance(value, UnknownTy) or assignable(value, target.inner)
    if isinstance(value, OptionTy) and not isinstance(target, OptionTy):
        return assignable(value.inner, target)
    return unify(value, target) is not None


def is_int(t: Ty) -> bool:
    return isinstance(t, IntTy | UnknownTy) or (isinstance(t, OptionTy) and is_int(t.inner))


def strip_option(t: Ty) -> Ty:
    return t.inner if isinstance(t, OptionTy) else t


# ---------------------------------------------------------------- what the checker hands to lowering


@dataclass
class Resolution:
    """What a NameExpr denotes."""

    kind: str  # "local", "var", "const", "member", "node", "self"
    binding: Binding | None = None
    var: ast.VarDecl | None = None
    node_type: str | None = None
    const: ast.ConstDecl | None = None
    enum: ast.EnumDecl | None = None
    member_index: int = 0


@dataclass
class TypeTable:
    types: dict[int, Ty] = field(default_factory=dict)  # id(expr) -> type
    names: dict[int, Resolution] = field(default_factory=dict)  # id(NameExpr) -> what it denotes
    bindings: dict[int, Binding] = field(default_factory=dict)  # id(binding site) -> Binding
    declared: dict[int, Ty] = field(default_factory=dict)  # id(TypeExpr) -> type term
    instance_refs: set[int] = field(default_factory=set)  # id(IndexExpr) that is `Client[i]`
    remote_reads: dict[int, tuple[str, ast.VarDecl]] = field(default_factory=dict)  # id(FieldExpr) -> var
    handler_bindings: dict[int, tuple[list[Binding], Binding | None]] = field(default_factory=dict)
    # message name -> the type of the `from` binding of its handlers (the node type that sends it)
    sender_types: dict[str, Ty] = field(default_factory=dict)
    signer_bindings: dict[int, Binding] = field(default_factory=dict)  # id(Handler) -> its `signed by` binding

    def of(self, expr: ast.Expr) -> Ty:
        return self.types.get(id(expr), UNKNOWN)


# ---------------------------------------------------------------- the checker


@dataclass
class _Context:
    """Where an expression is checked: which names it may see and what it may read."""

    kind: str  # "const", "init", "handler", "property"
    node: NodeScope | None = None
    locals: dict[str, Binding] = field(default_factory=dict)
    local_types: dict[int, Ty] = field(default_factory=dict)
    ghost: bool = False  # inside a branch that depends on a ghost variable
    message: str | None = None  # the message a receive handler handles

    def child(self, **changes: object) -> _Context:
        ctx = _Context(self.kind, self.node, dict(self.locals), self.local_types, self.ghost, self.message)
        for key, value in changes.items():
            setattr(ctx, key, value)
        return ctx


class TypeChecker:
    def __init__(self, scope: GlobalScope, sink: DiagnosticSink) -> None:
        self.scope = scope
        self.sink = sink
        self.table = TypeTable()

    # ---- entry points

    def check(self, spec: ast.SpecFile) -> TypeTable:
        const_ctx = _Context("const")
        for const in spec.consts:
            self.expr(const.value, const_ctx)
        for message in spec.messages:
            for fld in message.fields:
                self.declared_type(fld.type)
                if fld.name in RESERVED_FIELDS:
                    self.sink.error(
                        "FL201",
                        f"a message field cannot be named '{fld.name}': `m.{fld.name}` is the "
                        f"{RESERVED_FIELDS[fld.name]} of an in-flight message `m`",
                        fld.span,
                        "choose another name for the field",
                    )
        for name, senders in self.scope.senders.items():
            if len(senders) == 1:
                self.table.sender_types[name] = NodeTy(senders[0])
            else:
                self.table.sender_types[name] = NodeTy(None)
        for node_decl in spec.nodes:
            node_scope = self.scope.nodes.get(node_decl.name)
            if node_scope is None:
                continue
            if node_decl.count is not None:
                self.expect(node_decl.count, const_ctx, INT, "the number of instances")
            for var in node_decl.vars:
                declared = self.declared_type(var.type)
                if var.init is not None:
                    init_ctx = _Context("init", node_scope)
                    got = self.expr(var.init, init_ctx)
                    self.require_assignable(got, declared, var.init.span, f"the initial value of '{var.name}'")
                elif isinstance(strip_option(declared), NodeTy) and not isinstance(declared, OptionTy):
                    self.sink.error(
                        "FL300",
                        f"variable '{var.name}' refers to a node and needs an initial value",
                        var.span,
                        f"write `var {var.name}: ... = <node>`, or make it optional with `?` and `= none`",
                    )
            for handler in node_decl.handlers:
                self.handler(handler, node_scope)
        for invariant in spec.invariants:
            self.expect(invariant.expr, _Context("property"), BOOL, f"invariant '{invariant.name}'")
        for model in spec.models:
            for item in model.items:
                # bounds may name constants: `delay <= DELAY`, `horizon H` (but `timing synchronous` names a
                # timing model, not a value)
                if item.value is not None and item.key != "timing":
                    self.expect(item.value, const_ctx, INT, f"the value of '{item.key}'")
                for setting in item.settings or ():
                    if setting.bound is not None:
                        self.expect(setting.bound, const_ctx, INT, f"the bound of '{setting.name}'")
            for const in model.consts:
                if const.name not in self.scope.consts:
                    self.sink.error(
                        "FL200",
                        f"model '{model.name}' sets '{const.name}', which is not a constant of the spec",
                        const.name_span,
                        *did_you_mean(const.name, list(self.scope.consts)),
                    )
                got = self.expr(const.value, const_ctx)
                spec_const = self.scope.consts.get(const.name)
                if spec_const is not None:
                    want = self.table.types.get(id(spec_const.value), UNKNOWN)
                    if unify(got, want) is None and not isinstance(got, UnknownTy):
                        self.sink.error(
                            "FL300",
                            f"model '{model.name}' sets '{const.name}' to {got}, but the spec declares it {want}",
                            const.value.span,
                        )
        return self.table

    # ---- declared types

    def declared_type(self, t: ast.TypeExpr) -> Ty:
        result = self._declared_type(t)
        self.table.declared[id(t)] = result
        return result

    def _declared_type(self, t: ast.TypeExpr) -> Ty:
        if isinstance(t, ast.NamedType):
            if t.name == "bool":
                return BOOL
            if t.name == "time":
                return INT
            if t.name == "int":
                self.sink.error(
                    "FL304",
                    "`int` has no finite domain; give the range of values instead",
                    t.span,
                    "for example `0..3`, or `0..MAX` with a constant",
                )
                return UNKNOWN
            if t.name in self.scope.enums:
                return EnumTy(t.name)
            if t.name in self.scope.nodes:
                return NodeTy(t.name)
            if t.name == "node":
                return NodeTy(None)
            self.sink.error(
                "FL200",
                f"unknown type '{t.name}'",
                t.span,
                "a type is bool, lo..hi, time, an enum, a node type, set<T>, map<K, V>, a tuple (A, B) or T?",
                *did_you_mean(t.name, [*self.scope.enums, *self.scope.nodes, "bool", "time"]),
            )
            return UNKNOWN
        if isinstance(t, ast.RangeType):
            const_ctx = _Context("const")
            self.expect(t.lo, const_ctx, INT, "the lower bound of a range")
            self.expect(t.hi, const_ctx, INT, "the upper bound of a range")
            return INT
        if isinstance(t, ast.GenericType):
            arity = {"set": 1, "map": 2}.get(t.name)
            if arity is None:
                self.sink.error("FL200", f"unknown type '{t.name}<…>'; the generic types are set<T> and map<K, V>", t.span)
                return UNKNOWN
            if len(t.args) != arity:
                self.sink.error(
                    "FL301", f"{t.name} takes {arity} type argument{'s' if arity > 1 else ''}, not {len(t.args)}",
                    t.span,
                )
                return UNKNOWN
            args = [self.declared_type(a) for a in t.args]
            return SetTy(args[0]) if t.name == "set" else MapTy(args[0], args[1])
        if isinstance(t, ast.TupleType):
            return TupleTy(tuple(self.declared_type(i) for i in t.items))
        if isinstance(t, ast.OptionType):
            inner = self.declared_type(t.inner)
            if isinstance(inner, OptionTy):
                self.sink.error("FL300", "an optional type cannot be optional again", t.span)
            return OptionTy(inner)
        raise AssertionError(t)

    # ---- handlers and statements

    def handler(self, handler: ast.Handler, node: NodeScope) -> None:
        ctx = _Context("handler", node, message=handler.name if handler.kind == "receive" else None)
        params: list[Binding] = []
        sender: Binding | None = None
        if handler.kind == "receive":
            message = self.scope.messages.get(handler.name)
            if message is None:
                self.sink.error(
                    "FL200",
                    f"unknown message '{handler.name}'",
                    handler.name_span,
                    *did_you_mean(handler.name, [*self.scope.messages, "start", "recover"]),
                )
            else:
                if handler.params and len(handler.params) != len(message.fields):
                    self.sink.error(
                        "FL301",
                        f"message {message.name} has {len(message.fields)} field"
                        f"{'' if len(message.fields) == 1 else 's'}, but the handler names {len(handler.params)}",
                        handler.name_span,
                        f"declared as `message {message.name}({', '.join(f.name for f in message.fields)})`",
                    )
                for (name, span), fld in zip(handler.params, message.fields, strict=False):
                    binding = self.bind(ctx, name, span, "param", handler)
                    ctx.local_types[id(binding)] = self.table.declared.get(id(fld.type), UNKNOWN)
                    params.append(binding)
                if message.name not in self.scope.senders:
                    self.sink.warning(
                        "FL200", f"no node ever sends {message.name}, so this handler never runs", handler.name_span
                    )
            if handler.sender is not None:
                name, span = handler.sender
                sender = self.bind(ctx, name, span, "sender", handler)
                ctx.local_types[id(sender)] = self.table.sender_types.get(handler.name, NodeTy(None))
            if handler.signer is not None:
                name, span = handler.signer
                if message is not None and not message.signed:
                    self.sink.error(
                        "FL301", f"message {message.name} is not signed, so it has no signer", span,
                        f"declare it `signed message {message.name}(…)` to know who signed it",
                    )
                signer = self.bind(ctx, name, span, "signer", handler.signer)
                ctx.local_types[id(signer)] = NodeTy(None)
                self.table.signer_bindings[id(handler)] = signer
        if handler.guard is not None:
            self.expect(handler.guard, ctx, BOOL, "a `when` guard")
            ghost = self.reads_ghost(handler.guard, ctx)
            if ghost:
                self.sink.error("FL206", f"a guard may not read {ghost}", handler.guard.span, _ghost_note(ghost))
        self.table.handler_bindings[id(handler)] = (params, sender)
        self.block(handler.body, ctx)

    def bind(self, ctx: _Context, name: str, span: Span, kind: str, site: object) -> Binding:
        if name in ctx.locals:
            self.sink.error("FL201", f"'{name}' is already bound here", span)
        elif ctx.node is not None and name in ctx.node.vars:
            self.sink.error(
                "FL201", f"'{name}' would hide variable '{name}' of node {ctx.node.decl.name}", span,
                "choose another name for the local",
            )
        elif name in self.scope.consts or name in self.scope.members or name in self.scope.nodes:
            self.sink.error("FL201", f"'{name}' would hide a top-level declaration of the same name", span)
        binding = Binding(name, span, kind)
        ctx.locals[name] = binding
        self.table.bindings[id(site)] = binding
        return binding

    def block(self, block: ast.Block, ctx: _Context) -> None:
        inner = ctx.child()
        for stmt in block.stmts:
            self.stmt(stmt, inner)

    def stmt(self, stmt: ast.Stmt, ctx: _Context) -> None:
        node = ctx.node
        assert node is not None
        if ctx.ghost and isinstance(
            stmt, ast.SendStmt | ast.BroadcastStmt | ast.RelayStmt | ast.SetTimerStmt | ast.CancelTimerStmt
            | ast.ChooseStmt | ast.RejectStmt
        ):
            self.sink.error(
                "FL206",
                "this step depends on a ghost variable, so it may only update ghost variables",
                stmt.span,
                "ghost variables are bookkeeping for properties and must not change behaviour",
            )
        if isinstance(stmt, ast.AssignStmt):
            self.assign(stmt, ctx)
        elif isinstance(stmt, ast.IfStmt):
            self.expect(stmt.cond, ctx, BOOL, "an `if` condition")
            branch_ctx = ctx.child(ghost=ctx.ghost or bool(self.reads_ghost(stmt.cond, ctx)))
            self.block(stmt.then, branch_ctx)
            if isinstance(stmt.else_, ast.IfStmt):
                self.stmt(stmt.else_, branch_ctx)
            elif stmt.else_ is not None:
                self.block(stmt.else_, branch_ctx)
        elif isinstance(stmt, ast.ForStmt | ast.ChooseStmt):
            elem = self.domain(stmt.domain, ctx)
            inner = ctx.child(ghost=ctx.ghost or bool(self.reads_ghost(stmt.domain, ctx)))
            binding = self.bind(inner, stmt.var, stmt.var_span, "for" if isinstance(stmt, ast.ForStmt) else "choose", stmt)
            inner.local_types[id(binding)] = elem
            self.block(stmt.body, inner)
        elif isinstance(stmt, ast.SendStmt | ast.BroadcastStmt):
            self.message_ctor(stmt.message, ctx)
            dest = self.expr(stmt.to, ctx)
            if isinstance(stmt, ast.SendStmt):
                ok = isinstance(strip_option(dest), NodeTy | UnknownTy)
                wanted = "a node"
            else:
                ok = isinstance(dest, NodeTy | UnknownTy) or (
                    isinstance(dest, SetTy) and isinstance(dest.elem, NodeTy | UnknownTy)
                )
                wanted = "a node type or a set of nodes"
            if not ok:
                self.sink.error("FL300", f"the destination must be {wanted}, not {dest}", stmt.to.span)
            ghost = self.reads_ghost(stmt.to, ctx)
            if ghost:
                self.sink.error("FL206", f"a message may not be addressed by {ghost}", stmt.to.span, _ghost_note(ghost))
        elif isinstance(stmt, ast.SetTimerStmt | ast.CancelTimerStmt):
            if stmt.timer not in node.timers:
                self.sink.error(
                    "FL204",
                    f"node {node.decl.name} has no timer '{stmt.timer}'",
                    stmt.timer_span,
                    f"a timer exists when the node handles it: `on timeout {stmt.timer} {{ … }}`",
                    *did_you_mean(stmt.timer, list(node.timers)),
                )
            if isinstance(stmt, ast.SetTimerStmt) and stmt.after is not None:
                self.expect(stmt.after, ctx, INT, "a timer duration")
        elif isinstance(stmt, ast.AssertStmt):
            self.expect(stmt.cond, ctx, BOOL, "an assertion")
        elif isinstance(stmt, ast.LetStmt):
            value = self.expr(stmt.value, ctx)
            binding = self.bind(ctx, stmt.name, stmt.name_span, "let", stmt)
            binding.ghost = bool(self.reads_ghost(stmt.value, ctx))
            ctx.local_types[id(binding)] = value
        elif isinstance(stmt, ast.RelayStmt):
            self.relay(stmt, ctx)
        elif isinstance(stmt, ast.SkipStmt | ast.RejectStmt):
            pass
        else:  # pragma: no cover - the parser builds no other statement
            raise AssertionError(stmt)

    def relay(self, stmt: ast.RelayStmt, ctx: _Context) -> None:
        """`relay to n`: only a handler of a signed message has one to pass on."""
        message = self.scope.messages.get(ctx.message) if ctx.message is not None else None
        if message is None or not message.signed:
            what = f"message {message.name} is not signed" if message is not None else "this is not a message handler"
            self.sink.error(
                "FL301", f"`relay` passes on the signed message being handled, but {what}", stmt.span,
                "to send a message of your own, use `send`",
            )
        dest = self.expr(stmt.to, ctx)
        if not isinstance(strip_option(dest), NodeTy | UnknownTy):
            self.sink.error("FL300", f"the destination must be a node, not {dest}", stmt.to.span)
        ghost = self.reads_ghost(stmt.to, ctx)
        if ghost:
            self.sink.error("FL206", f"a message may not be addressed by {ghost}", stmt.to.span, _ghost_note(ghost))

    def assign(self, stmt: ast.AssignStmt, ctx: _Context) -> None:
        node = ctx.node
        assert node is not None
        target = stmt.target
        var = node.vars.get(target.name)
        if var is None:
            if target.name in ctx.locals:
                kind = ctx.locals[target.name].kind
                what = {"param": "a message field", "sender": "the sender", "signer": "the signer",
                        "let": "a `let` binding"}.get(
                    kind, "a loop variable"
                )
                self.sink.error("FL302", f"cannot assign to '{target.name}': it is {what}, not a variable", target.name_span)
            elif target.name in self.scope.consts:
                self.sink.error("FL302", f"cannot assign to constant '{target.name}'", target.name_span)
            elif any(target.name in other.vars for other in self.scope.nodes.values()):
                self.sink.error(
                    "FL202",
                    f"node {node.decl.name} has no variable '{target.name}'; another node's state can only "
                    "be changed by sending it a message",
                    target.name_span,
                )
            else:
                self.sink.error(
                    "FL200", f"unknown variable '{target.name}'", target.name_span,
                    *did_you_mean(target.name, list(node.vars)),
                )
            for index in target.indices:
                self.expr(index, ctx)
            self.expr(stmt.value, ctx)
            return
        declared = self.table.declared.get(id(var.type), UNKNOWN)
        slot_type = declared
        for index in target.indices:
            key = self.expr(index, ctx)
            if isinstance(slot_type, MapTy):
                self.require_assignable(key, slot_type.key, index.span, "the key")
                slot_type = slot_type.value
            elif isinstance(slot_type, UnknownTy):
                pass
            else:
                self.sink.error("FL300", f"'{target.name}' is {slot_type}; only a map can be indexed in an assignment",
                                index.span)
                slot_type = UNKNOWN
        value = self.expr(stmt.value, ctx)
        if stmt.op != "=":
            if isinstance(slot_type, SetTy):
                self.require_assignable(value, slot_type, stmt.value.span, f"'{stmt.op}' on a set")
            elif not is_int(slot_type):
                self.sink.error(
                    "FL300", f"'{stmt.op}' needs an integer or a set, but '{target.name}' is {slot_type}", stmt.span
                )
            elif not is_int(value):
                self.sink.error("FL300", f"'{stmt.op}' on '{target.name}' needs an integer, but this is {value}",
                                stmt.value.span)
        else:
            self.require_assignable(value, slot_type, stmt.value.span, f"'{target.name}'")
        if var.kind != "ghost":
            if ctx.ghost:
                self.sink.error(
                    "FL206",
                    f"'{target.name}' is not a ghost variable, but this assignment depends on one",
                    stmt.span,
                    "ghost variables are bookkeeping for properties and must not change behaviour",
                )
            else:
                ghost = self.reads_ghost(stmt.value, ctx) or next(
                    (g for g in (self.reads_ghost(i, ctx) for i in target.indices) if g), None
                )
                if ghost:
                    self.sink.error(
                        "FL206", f"'{target.name}' is not a ghost variable, but its new value reads {ghost}",
                        stmt.value.span, _ghost_note(ghost),
                    )

    def message_ctor(self, ctor: ast.MessageCtor, ctx: _Context) -> None:
        message = self.scope.messages.get(ctor.name)
        arg_types = [self.expr(a, ctx) for a in ctor.args]
        if message is None:
            self.sink.error(
                "FL200", f"unknown message '{ctor.name}'", ctor.name_span,
                *did_you_mean(ctor.name, list(self.scope.messages)),
            )
            return
        if len(ctor.args) != len(message.fields):
            fields = ", ".join(f"{f.name}" for f in message.fields)
            self.sink.error(
                "FL301",
                f"{message.name} takes {len(message.fields)} argument{'' if len(message.fields) == 1 else 's'}, "
                f"not {len(ctor.args)}",
                ctor.span,
                f"declared as `message {message.name}{f'({fields})' if fields else ''}`",
            )
            return
        for arg, got, fld in zip(ctor.args, arg_types, message.fields, strict=True):
            want = self.table.declared.get(id(fld.type), UNKNOWN)
            self.require_assignable(got, want, arg.span, f"field '{fld.name}' of {message.name}")
            ghost = self.reads_ghost(arg, ctx)
            if ghost:
                self.sink.error("FL206", f"a message may not carry {ghost}", arg.span, _ghost_note(ghost))

    # ---- expressions

    def expect(self, expr: ast.Expr, ctx: _Context, want: Ty, what: str) -> Ty:
        got = self.expr(expr, ctx)
        self.require_assignable(got, want, expr.span, what)
        return got

    def require_assignable(self, got: Ty, want: Ty, span: Span, what: str) -> None:
        if isinstance(got, UnknownTy) or isinstance(want, UnknownTy):
            return
        if not assignable(got, want):
            self.sink.error("FL300", f"{what} must be {want}, but this is {got}", span)

    def domain(self, expr: ast.Expr, ctx: _Context) -> Ty:
        """The element type of something iterated over by for/choose/quantifiers/comprehensions."""
        got = self.expr(expr, ctx)
        if isinstance(got, SetTy):
            return got.elem
        if isinstance(got, UnknownTy | EmptyCollTy):
            return UNKNOWN
        if isinstance(got, MapTy):
            self.sink.error("FL303", f"cannot iterate over a map ({got}); iterate over keys(…)", expr.span)
        else:
            self.sink.error(
                "FL303", f"cannot iterate over {got}: expected a set, a range lo..hi or a node type", expr.span
            )
        return UNKNOWN

    def reads_ghost(self, expr: ast.Expr, ctx: _Context) -> str | None:
        """What ghost state `expr` reads, in words ("ghost variable 'x'", "real time `now`"), or None."""
        for sub in _walk(expr):
            if isinstance(sub, ast.NameExpr):
                res = self.table.names.get(id(sub))
                if res is None:
                    continue
                if res.kind == "var" and res.var is not None and res.var.kind == "ghost":
                    return f"ghost variable '{sub.name}'"
                if res.kind == "local" and res.binding is not None and res.binding.ghost:
                    return f"'{sub.name}', which holds ghost state"
            if isinstance(sub, ast.NowExpr):
                return "real time `now`"
            if isinstance(sub, ast.CallExpr) and sub.func == "byzantine":
                return "`byzantine(…)`, which only an observer can know"
        return None

    def expr(self, expr: ast.Expr, ctx: _Context) -> Ty:
        result = self._expr(expr, ctx)
        self.table.types[id(expr)] = result
        return result

    def _expr(self, e: ast.Expr, ctx: _Context) -> Ty:
        if isinstance(e, ast.IntLit):
            return INT
        if isinstance(e, ast.BoolLit):
            return BOOL
        if isinstance(e, ast.NoneLit):
            return OptionTy(UNKNOWN)
        if isinstance(e, ast.SelfExpr):
            if ctx.node is None:
                self.sink.error("FL207", "`self` is only meaningful inside a node", e.span)
                return UNKNOWN
            return NodeTy(ctx.node.decl.name)
        if isinstance(e, ast.NowExpr):
            if ctx.kind == "const" or ctx.kind == "init":
                self.sink.error("FL207", "`now` is real time; it cannot be used in a constant or initial value", e.span)
            return INT
        if isinstance(e, ast.ClockExpr):
            if ctx.kind != "handler":
                self.sink.error(
                    "FL207",
                    f"`{e.kind}` is a node's clock; it can only be read inside a handler",
                    e.span,
                    "properties may use real time `now`",
                )
            if e.kind not in ("clock", "mono", "tt.earliest", "tt.latest"):
                self.sink.error("FL200", f"unknown clock reading '{e.kind}'; TrueTime has tt.earliest and tt.latest",
                                e.span)
            return INT
        if isinstance(e, ast.NameExpr):
            return self.name(e, ctx)
        if isinstance(e, ast.CallExpr):
            return self.call(e, ctx)
        if isinstance(e, ast.FieldExpr):
            return self.field(e, ctx)
        if isinstance(e, ast.IndexExpr):
            return self.index(e, ctx)
        if isinstance(e, ast.UnaryExpr):
            if e.op == "-":
                return self.int_operand(e.operand, ctx, "'-'")
            self.expect(e.operand, ctx, BOOL, "the operand of 'not'")
            return BOOL
        if isinstance(e, ast.BinaryExpr):
            return self.binary(e, ctx)
        if isinstance(e, ast.RangeExpr):
            self.int_operand(e.lo, ctx, "a range bound")
            self.int_operand(e.hi, ctx, "a range bound")
            return SetTy(INT)
        if isinstance(e, ast.QuantExpr):
            bound_type = self.domain(e.domain, ctx)
            inner = ctx.child()
            binding = self.bind(inner, e.var, e.var_span, "quant", e)
            inner.local_types[id(binding)] = bound_type
            self.expect(e.body, inner, BOOL, f"the body of '{e.kind}'")
            return INT if e.kind == "count" else BOOL
        if isinstance(e, ast.IfExpr):
            self.expect(e.cond, ctx, BOOL, "the condition of an if-expression")
            then, else_ = self.expr(e.then, ctx), self.expr(e.else_, ctx)
            joined = unify(then, else_)
            if joined is None:
                self.sink.error("FL300", f"the branches of an if-expression differ: {then} and {else_}", e.span)
                return UNKNOWN
            return joined
        if isinstance(e, ast.TupleLit):
            return TupleTy(tuple(self.expr(i, ctx) for i in e.items))
        if isinstance(e, ast.SetLit):
            if not e.items:
                return EMPTY
            elem: Ty = UNKNOWN
            for item in e.items:
                got = self.expr(item, ctx)
                joined = unify(elem, got)
                if joined is None:
                    self.sink.error("FL300", f"a set's elements must have one type; this is {got}, not {elem}", item.span)
                else:
                    elem = joined
            return SetTy(elem)
        if isinstance(e, ast.MapLit):
            key_t: Ty = UNKNOWN
            val_t: Ty = UNKNOWN
            for k, v in e.entries:
                kt, vt = self.expr(k, ctx), self.expr(v, ctx)
                jk, jv = unify(key_t, kt), unify(val_t, vt)
                if jk is None or jv is None:
                    self.sink.error("FL300", "a map's keys must have one type, and so must its values", k.span)
                else:
                    key_t, val_t = jk, jv
            return MapTy(key_t, val_t)
        if isinstance(e, ast.SetComp | ast.MapComp):
            elem_t = self.domain(e.domain, ctx)
            inner = ctx.child()
            binding = self.bind(inner, e.var, e.var_span, "comp", e)
            inner.local_types[id(binding)] = elem_t
            if e.cond is not None:
                self.expect(e.cond, inner, BOOL, "the condition of a comprehension")
            if isinstance(e, ast.SetComp):
                return SetTy(self.expr(e.elem, inner))
            return MapTy(self.expr(e.key, inner), self.expr(e.value, inner))
        raise AssertionError(e)

    def int_operand(self, expr: ast.Expr, ctx: _Context, what: str) -> Ty:
        got = self.expr(expr, ctx)
        if not is_int(got) or isinstance(expr, ast.NoneLit):
            self.sink.error("FL300", f"{what} needs an integer, but this is {_shown(expr, got)}", expr.span)
        return INT

    def name(self, e: ast.NameExpr, ctx: _Context) -> Ty:
        table = self.table.names
        if e.name in ctx.locals:
            binding = ctx.locals[e.name]
            table[id(e)] = Resolution("local", binding=binding)
            return ctx.local_types.get(id(binding), UNKNOWN)
        if ctx.node is not None and e.name in ctx.node.vars and ctx.kind == "handler":
            var = ctx.node.vars[e.name]
            table[id(e)] = Resolution("var", var=var, node_type=ctx.node.decl.name)
            return self.table.declared.get(id(var.type), UNKNOWN)
        if e.name in self.scope.consts:
            table[id(e)] = Resolution("const", const=self.scope.consts[e.name])
            const = self.scope.consts[e.name]
            return self.table.types.get(id(const.value), INT)
        if e.name in self.scope.members:
            enum, index = self.scope.members[e.name]
            table[id(e)] = Resolution("member", enum=enum, member_index=index)
            return EnumTy(enum.name)
        if e.name in self.scope.nodes:
            node_scope = self.scope.nodes[e.name]
            table[id(e)] = Resolution("node", node_type=e.name)
            return SetTy(NodeTy(e.name)) if node_scope.replicated else NodeTy(e.name)
        if ctx.kind == "property" and any(e.name in n.vars for n in self.scope.nodes.values()):
            owners = [n.decl.name for n in self.scope.nodes.values() if e.name in n.vars]
            owner = self.scope.nodes[owners[0]]
            example = f"{owner.decl.name}[0].{e.name}" if owner.replicated else f"{owner.decl.name}.{e.name}"
            self.sink.error(
                "FL205", f"'{e.name}' is a node variable; a property must say whose", e.span,
                f"write `{example}`, or quantify: `all n in {owner.decl.name}: n.{e.name} …`",
            )
            return UNKNOWN
        if ctx.kind in ("const", "init") and ctx.node is not None and e.name in ctx.node.vars:
            self.sink.error("FL207", f"an initial value cannot read variable '{e.name}'", e.span)
            return UNKNOWN
        if ctx.node is not None and ctx.kind == "handler" and any(
            e.name in n.vars for n in self.scope.nodes.values()
        ):
            self.sink.error(
                "FL202",
                f"node {ctx.node.decl.name} has no variable '{e.name}'; a node sees only its own state",
                e.span,
                "another node's state can only be learned from a message it sends",
            )
            return UNKNOWN
        candidates = [*ctx.locals, *self.scope.all_names()]
        if ctx.node is not None:
            candidates.extend(ctx.node.vars)
        self.sink.error("FL200", f"unknown name '{e.name}'", e.span, *did_you_mean(e.name, candidates))
        return UNKNOWN

    def call(self, e: ast.CallExpr, ctx: _Context) -> Ty:
        if e.func not in BUILTIN_FUNCTIONS:
            if e.func in self.scope.messages:
                self.sink.error(
                    "FL205", f"{e.func} is a message: it is sent with `send {e.func}(…) to …`, not called", e.func_span
                )
            else:
                self.sink.error(
                    "FL200", f"unknown function '{e.func}'", e.func_span,
                    f"the functions are {', '.join(BUILTIN_FUNCTIONS)}",
                    *did_you_mean(e.func, list(BUILTIN_FUNCTIONS)),
                )
            for arg in e.args:
                self.expr(arg, ctx)
            return UNKNOWN
        if e.func == "inflight":
            if ctx.kind != "property":
                self.sink.error("FL207", "`inflight(…)` sees the network; only properties may use it", e.span)
            if len(e.args) != 1 or not isinstance(e.args[0], ast.NameExpr):
                self.sink.error("FL301", "inflight takes one message name: `inflight(Grant)`", e.span)
                return UNKNOWN
            arg = e.args[0]
            assert isinstance(arg, ast.NameExpr)
            if arg.name not in self.scope.messages:
                self.sink.error("FL200", f"unknown message '{arg.name}'", arg.span,
                                *did_you_mean(arg.name, list(self.scope.messages)))
                return UNKNOWN
            return SetTy(MsgTy(arg.name))
        arg_types = [self.expr(a, ctx) for a in e.args]
        if e.func in ("crashed", "byzantine"):
            if ctx.kind != "property" and not (e.func == "byzantine" and ctx.kind == "handler"):
                self.sink.error("FL207", f"`{e.func}(…)` sees the system from outside; only properties may use it", e.span)
            if len(arg_types) != 1:
                self.sink.error("FL301", f"{e.func} takes one node, not {len(arg_types)} arguments", e.span)
            elif not isinstance(arg_types[0], NodeTy | UnknownTy):
                self.sink.error("FL300", f"{e.func} takes a node, not {arg_types[0]}", e.args[0].span)
            return BOOL
        if e.func in ("len", "keys"):
            if len(arg_types) != 1:
                self.sink.error("FL301", f"{e.func} takes one argument, not {len(arg_types)}", e.span)
                return UNKNOWN
            got = arg_types[0]
            if e.func == "keys":
                if isinstance(got, MapTy):
                    return SetTy(got.key)
                if not isinstance(got, UnknownTy | EmptyCollTy):
                    self.sink.error("FL300", f"keys takes a map, not {got}", e.args[0].span)
                return SetTy(UNKNOWN)
            if not isinstance(got, SetTy | MapTy | UnknownTy | EmptyCollTy):
                self.sink.error("FL300", f"len takes a set or a map, not {got}", e.args[0].span)
            return INT
        # min / max: of two or more integers, or of one non-empty set of integers
        if len(arg_types) == 1:
            got = arg_types[0]
            if not (isinstance(got, SetTy) and is_int(got.elem)) and not isinstance(got, UnknownTy):
                self.sink.error("FL300", f"{e.func} of one argument takes a set of integers, not {got}", e.args[0].span)
            return INT
        if not arg_types:
            self.sink.error("FL301", f"{e.func} needs at least one argument", e.span)
        for arg, got in zip(e.args, arg_types, strict=True):
            if not is_int(got):
                self.sink.error("FL300", f"{e.func} takes integers, not {got}", arg.span)
        return INT

    def field(self, e: ast.FieldExpr, ctx: _Context) -> Ty:
        obj = self.expr(e.obj, ctx)
        if isinstance(obj, UnknownTy):
            return UNKNOWN
        if isinstance(obj, MsgTy):
            message = self.scope.messages[obj.name]
            if e.name in ("src", "dst") or (e.name == "signer" and message.signed):
                return NodeTy(None)
            for fld in message.fields:
                if fld.name == e.name:
                    return self.table.declared.get(id(fld.type), UNKNOWN)
            self.sink.error("FL200", f"message {message.name} has no field '{e.name}'", e.name_span,
                            *did_you_mean(e.name, [f.name for f in message.fields]))
            return UNKNOWN
        node_t = strip_option(obj)
        if isinstance(node_t, NodeTy):
            if node_t.node_type is None:
                self.sink.error(
                    "FL300", f"cannot read '{e.name}' of a node whose type is not known here", e.span,
                    "quantify over one node type: `all c in Client: c.x …`",
                )
                return UNKNOWN
            node_scope = self.scope.nodes[node_t.node_type]
            var = node_scope.vars.get(e.name)
            if var is None:
                self.sink.error("FL200", f"node {node_t.node_type} has no variable '{e.name}'", e.name_span,
                                *did_you_mean(e.name, list(node_scope.vars)))
                return UNKNOWN
            # `self.x`, or `Lock.x` inside the single node Lock: the node's own variable
            is_self = isinstance(e.obj, ast.SelfExpr) or (
                ctx.node is not None
                and not ctx.node.replicated
                and isinstance(e.obj, ast.NameExpr)
                and e.obj.name == ctx.node.decl.name
            )
            if ctx.kind == "handler" and not is_self:
                self.sink.error(
                    "FL202",
                    f"a node cannot read the state of another node ({node_t.node_type}.{e.name})",
                    e.span,
                    "send a message to learn it; only properties see every node's state",
                )
                return UNKNOWN
            if ctx.kind in ("const", "init"):
                self.sink.error("FL207", "an initial value cannot read a node's state", e.span)
                return UNKNOWN
            # in a handler this is `self.x`, the node's own variable; in a property, any node's
            self.table.remote_reads[id(e)] = (node_t.node_type, var)
            return self.table.declared.get(id(var.type), UNKNOWN)
        if isinstance(obj, SetTy) and isinstance(obj.elem, NodeTy) and isinstance(e.obj, ast.NameExpr):
            self.sink.error(
                "FL205",
                f"{e.obj.name} is a replicated node type; say which instance: `{e.obj.name}[0].{e.name}`",
                e.span,
                f"or quantify: `all n in {e.obj.name}: n.{e.name} …`",
            )
            return UNKNOWN
        self.sink.error("FL300", f"{obj} has no field '{e.name}'", e.name_span)
        return UNKNOWN

    def index(self, e: ast.IndexExpr, ctx: _Context) -> Ty:
        if isinstance(e.obj, ast.NameExpr) and e.obj.name in self.scope.nodes and not any(
            e.obj.name == n for n in ctx.locals
        ):
            node_scope = self.scope.nodes[e.obj.name]
            self.expr(e.obj, ctx)
            if not node_scope.replicated:
                self.sink.error("FL300", f"{e.obj.name} is a single node; it has no instances to index", e.span,
                                f"write `{e.obj.name}`")
                return UNKNOWN
            self.int_operand(e.index, ctx, "an instance number")
            self.table.instance_refs.add(id(e))
            return NodeTy(e.obj.name)
        obj = self.expr(e.obj, ctx)
        key = self.expr(e.index, ctx)
        obj = strip_option(obj)
        if isinstance(obj, MapTy):
            self.require_assignable(key, obj.key, e.index.span, "the key")
            return obj.value
        if isinstance(obj, TupleTy):
            if not isinstance(e.index, ast.IntLit) or not 0 <= e.index.value < len(obj.items):
                self.sink.error(
                    "FL300", f"a tuple of {len(obj.items)} is indexed by a literal 0..{len(obj.items) - 1}", e.index.span
                )
                return UNKNOWN
            return obj.items[e.index.value]
        if isinstance(obj, UnknownTy | EmptyCollTy):
            return UNKNOWN
        self.sink.error("FL300", f"{obj} cannot be indexed; only maps, tuples and replicated node types can", e.span)
        return UNKNOWN

    def binary(self, e: ast.BinaryExpr, ctx: _Context) -> Ty:
        op = e.op
        if op in ("and", "or", "implies"):
            self.expect(e.left, ctx, BOOL, f"the left side of '{op}'")
            self.expect(e.right, ctx, BOOL, f"the right side of '{op}'")
            return BOOL
        left = self.expr(e.left, ctx)
        right = self.expr(e.right, ctx)
        if op in ("in", "not in"):
            container = strip_option(right)
            if isinstance(container, SetTy):
                self.require_assignable(left, container.elem, e.left.span, f"the left side of '{op}'")
            elif isinstance(container, MapTy):
                self.require_assignable(left, container.key, e.left.span, f"the left side of '{op}'")
            elif not isinstance(container, UnknownTy | EmptyCollTy):
                self.sink.error("FL300", f"'{op}' needs a set or a map on its right, not {right}", e.right.span)
            return BOOL
        if op in ("==", "!="):
            if unify(left, right) is None and not (
                isinstance(left, UnknownTy) or isinstance(right, UnknownTy)
            ):
                self.sink.error("FL300", f"cannot compare {left} with {right}", e.op_span)
            return BOOL
        if op in ("<", "<=", ">", ">="):
            for side, got in ((e.left, left), (e.right, right)):
                if not is_int(got) or isinstance(side, ast.NoneLit):
                    self.sink.error("FL300", f"'{op}' compares integers, but this is {_shown(side, got)}", side.span)
            return BOOL
        if op in ("|", "&") or (op == "-" and isinstance(left, SetTy | EmptyCollTy)):
            joined = unify(left, right)
            if not isinstance(left, SetTy | EmptyCollTy | UnknownTy) or joined is None:
                self.sink.error("FL300", f"'{op}' combines two sets of one type, not {left} and {right}", e.op_span)
                return UNKNOWN
            return joined
        # + - * / %
        for side, got in ((e.left, left), (e.right, right)):
            if not is_int(got) or isinstance(side, ast.NoneLit):
                hint = " (sets are combined with |, & and -)" if isinstance(got, SetTy) and op == "+" else ""
                self.sink.error("FL300", f"'{op}' needs integers, but this is {_shown(side, got)}{hint}", side.span)
        return INT


def _shown(expr: ast.Expr, got: Ty) -> str:
    """How an operand's type is named in a message: `none` never holds a value, so it is named itself."""
    return "none" if isinstance(expr, ast.NoneLit) else str(got)


def _ghost_note(ghost: str) -> str:
    if "byzantine" in ghost:
        return "a correct node cannot tell which nodes are Byzantine; ghost code and properties can"
    if "now" in ghost:
        return "nodes never read real time; they read their own clocks: `clock`, `mono`, `tt.earliest`, `tt.latest`"
    return "ghost variables are bookkeeping for properties and must not change behaviour"


def _walk(expr: ast.Expr) -> list[ast.Expr]:
    """Every sub-expression of `expr`, itself included."""
    out: list[ast.Expr] = []
    stack: list[ast.Expr] = [expr]
    while stack:
        e = stack.pop()
        out.append(e)
        for name in e.__slots__:  # type: ignore[union-attr]
            value = getattr(e, name)
            if isinstance(value, tuple):
                for item in value:
                    if isinstance(item, tuple):
                        stack.extend(x for x in item if _is_expr(x))
                    elif _is_expr(item):
                        stack.append(item)
            elif _is_expr(value):
                stack.append(value)
    return out


def _is_expr(value: object) -> bool:
    return isinstance(value, ast.Expr)
