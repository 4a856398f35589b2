"""The type checker's entry: every declaration of a spec in order (constants, messages, nodes with their
variables and handlers, invariants, models), the type terms of declared types, and a handler's bindings.
Expressions are checked by ExprChecker, statements by StmtChecker."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from spec import ast
from spec.diagnostics import Diagnostic, DiagnosticSink
from spec.names import GlobalScope, NodeScope, did_you_mean
from spec.source import SourceFile
from spec.types.expressions import ExprChecker, ghost_note
from spec.types.statements import StmtChecker
from spec.types.table import Context, Signature, TypeTable
from spec.types.terms import (
    BOOL,
    INT,
    UNKNOWN,
    EnumTy,
    MapTy,
    NodeTy,
    OptionTy,
    SetTy,
    TupleTy,
    Ty,
    UnknownTy,
    strip_option,
    unify,
)

# What `m.src`, `m.dst` and `m.signer` mean for an in-flight message `m`: no field may take these names.
RESERVED_FIELDS = {"src": "sender", "dst": "receiver", "signer": "signer"}


def check_types(
    spec: ast.SpecFile, scope: GlobalScope, source: SourceFile | None = None
) -> tuple[TypeTable, list[Diagnostic]]:
    """The types of a spec whose global names are `scope`: the table (filled in as far as it could be,
    whatever the mistakes) and every diagnostic found, errors and warnings, in the order found."""
    sink = DiagnosticSink()
    return TypeChecker(scope, sink, source).check(spec), sink.found


class TypeChecker:
    TYPE_RULES: ClassVar[dict[type, Callable[..., Ty]]]  # type expression class -> its method

    def __init__(self, scope: GlobalScope, sink: DiagnosticSink, source: SourceFile | None = None) -> None:
        self.scope = scope
        self.sink = sink
        self.table = TypeTable()
        self.exprs = ExprChecker(scope, sink, self.table, source)
        self.stmts = StmtChecker(self.exprs)

    def check(self, spec: ast.SpecFile) -> TypeTable:
        const_ctx = Context("const")
        for const in spec.consts:
            self.exprs.expr(const.value, const_ctx)
        for message in spec.messages:
            self.message(message)
        for name, senders in self.scope.senders.items():
            self.table.sender_types[name] = NodeTy(senders[0]) if len(senders) == 1 else NodeTy(None)
        for definition in spec.defs:
            if self.scope.defs.get(definition.name) is definition:
                self.definition(definition)
        for node_decl in spec.nodes:
            node_scope = self.scope.nodes.get(node_decl.name)
            if node_scope is not None:
                self.node(node_decl, node_scope)
        for invariant in spec.invariants:
            self.exprs.expect(invariant.expr, Context("property"), BOOL, f"invariant '{invariant.name}'")
        for prop in spec.liveness:
            for part in (prop.first, prop.second):
                if part is not None:
                    ctx = Context("property", temporal=True)
                    self.exprs.expect(part, ctx, BOOL, f"a condition of liveness property '{prop.name}'")
        for model in spec.models:
            self.model(model)
        return self.table

    # ---- declarations

    def definition(self, d: ast.DefDecl) -> None:
        """A definition's body is checked once, with its parameters at their declared types; what it may
        read is that of a property, and whether it reads more than its parameters and constants decides
        where it may be used."""
        ctx = Context("property")
        params: list[Ty] = []
        for param in d.params:
            if param.type is None:
                self.sink.error(
                    "FL300",
                    f"parameter '{param.name}' of {d.name} needs a type",
                    param.span,
                    f"write `{param.name}: T`, for instance `{param.name}: 0..3` or `{param.name}: Acceptor`",
                )
                declared: Ty = UNKNOWN
            else:
                declared = self.declared_type(param.type)
            binding = self.exprs.bind(ctx, param, param.name, param.span, "defparam")
            ctx.local_types[binding.site] = declared
            params.append(declared)
        result = self.exprs.expr(d.body, ctx)
        self.table.defs[d.name] = Signature(tuple(params), result, self.exprs.impurity(d.body))

    def message(self, message: ast.MessageDecl) -> None:
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

    def node(self, node_decl: ast.NodeDecl, node_scope: NodeScope) -> None:
        if node_decl.count is not None:
            self.exprs.expect(node_decl.count, Context("const"), INT, "the number of instances")
        for var in node_decl.vars:
            declared = self.declared_type(var.type)
            if var.init is not None:
                got = self.exprs.expr(var.init, Context("init", node_scope))
                self.exprs.require_assignable(
                    got, declared, var.init.span, f"the initial value of '{var.name}'"
                )
            elif isinstance(strip_option(declared), NodeTy) and not isinstance(declared, OptionTy):
                self.sink.error(
                    "FL300",
                    f"variable '{var.name}' refers to a node and needs an initial value",
                    var.span,
                    f"write `var {var.name}: ... = <node>`, or make it optional with `?` and `= none`",
                )
        for handler in node_decl.handlers:
            self.handler(handler, node_scope)

    def model(self, model: ast.ModelDecl) -> None:
        const_ctx = Context("const")
        for item in model.items:
            # bounds may name constants: `delay <= DELAY`, `horizon H` (but `timing synchronous` names a
            # timing model, not a value)
            if item.value is not None and item.key != "timing":
                self.exprs.expect(item.value, const_ctx, INT, f"the value of '{item.key}'")
            for setting in item.settings or ():
                if setting.bound is not None:
                    self.exprs.expect(setting.bound, const_ctx, INT, f"the bound of '{setting.name}'")
        for const in model.consts:
            if const.name not in self.scope.consts:
                self.sink.error(
                    "FL200",
                    f"model '{model.name}' sets '{const.name}', which is not a constant of the spec",
                    const.name_span,
                    *did_you_mean(const.name, list(self.scope.consts)),
                )
            got = self.exprs.expr(const.value, const_ctx)
            spec_const = self.scope.consts.get(const.name)
            if spec_const is not None:
                want = self.table.types.get(spec_const.value.id, UNKNOWN)
                if unify(got, want) is None and not isinstance(got, UnknownTy):
                    self.sink.error(
                        "FL300",
                        f"model '{model.name}' sets '{const.name}' to {got}, but the spec declares it {want}",
                        const.value.span,
                    )

    # ---- handlers

    def handler(self, handler: ast.Handler, node: NodeScope) -> None:
        ctx = Context("handler", node, message=handler.name if handler.kind == "receive" else None)
        if handler.fairness is not None and handler.kind in ("start", "recover"):
            self.sink.error(
                "FL207",
                f"`{handler.fairness}` has no meaning for `on {handler.kind}`",
                handler.span,
                "on start runs once, at the start; on recover runs when the adversary recovers a node",
            )
        if handler.kind == "receive":
            self.receive(handler, ctx)
        if handler.guard is not None:
            self.exprs.expect(handler.guard, ctx, BOOL, "a `when` guard")
            ghost = self.exprs.reads_ghost(handler.guard)
            if ghost:
                self.sink.error(
                    "FL206", f"a guard may not read {ghost}", handler.guard.span, ghost_note(ghost)
                )
        self.stmts.block(handler.body, ctx)

    def receive(self, handler: ast.Handler, ctx: Context) -> None:
        """Bind what a message handler names: the message's fields, its sender, its signer."""
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
            for param, fld in zip(handler.params, message.fields, strict=False):
                binding = self.exprs.bind(ctx, param, param.name, param.span, "param")
                ctx.local_types[binding.site] = self.table.declared.get(fld.type.id, UNKNOWN)
            if message.name not in self.scope.senders:
                self.sink.warning(
                    "FL200",
                    f"no node ever sends {message.name}, so this handler never runs",
                    handler.name_span,
                )
        if handler.sender is not None:
            sender = self.exprs.bind(ctx, handler.sender, handler.sender.name, handler.sender.span, "sender")
            ctx.local_types[sender.site] = self.table.sender_types.get(handler.name, NodeTy(None))
        if handler.signer is not None:
            if message is not None and not message.signed:
                self.sink.error(
                    "FL301",
                    f"message {message.name} is not signed, so it has no signer",
                    handler.signer.span,
                    f"declare it `signed message {message.name}(…)` to know who signed it",
                )
            signer = self.exprs.bind(ctx, handler.signer, handler.signer.name, handler.signer.span, "signer")
            ctx.local_types[signer.site] = NodeTy(None)

    # ---- declared types

    def declared_type(self, t: ast.TypeExpr) -> Ty:
        result = self.TYPE_RULES[type(t)](self, t)
        self.table.declared[t.id] = result
        return result

    def named_type(self, t: ast.NamedType) -> Ty:
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

    def range_type(self, t: ast.RangeType) -> Ty:
        const_ctx = Context("const")
        self.exprs.expect(t.lo, const_ctx, INT, "the lower bound of a range")
        self.exprs.expect(t.hi, const_ctx, INT, "the upper bound of a range")
        return INT

    def generic_type(self, t: ast.GenericType) -> Ty:
        arity = {"set": 1, "map": 2}.get(t.name)
        if arity is None:
            self.sink.error(
                "FL200", f"unknown type '{t.name}<…>'; the generic types are set<T> and map<K, V>", t.span
            )
            return UNKNOWN
        if len(t.args) != arity:
            self.sink.error(
                "FL301",
                f"{t.name} takes {arity} type argument{'s' if arity > 1 else ''}, not {len(t.args)}",
                t.span,
            )
            return UNKNOWN
        args = [self.declared_type(a) for a in t.args]
        return SetTy(args[0]) if t.name == "set" else MapTy(args[0], args[1])

    def tuple_type(self, t: ast.TupleType) -> Ty:
        return TupleTy(tuple(self.declared_type(i) for i in t.items))

    def option_type(self, t: ast.OptionType) -> Ty:
        inner = self.declared_type(t.inner)
        if isinstance(inner, OptionTy):
            self.sink.error("FL300", "an optional type cannot be optional again", t.span)
        return OptionTy(inner)


TypeChecker.TYPE_RULES = ast.dispatch(TypeChecker, ast.TYPES)
