"""CheckedSpec + a model -> ir.System: constants evaluated, names resolved to slots, types given their
finite domains. The only module that reads both the AST and the IR.

Lowering one model goes in stages, each a class of its own that builds on the one before: what is known
so far (_State), constant values (_Constants), expressions (_Expressions), statements (_Statements), and
the driver with the model's settings, declared types, nodes and handlers (_Lowerer). Each stage that
dispatches on node classes does so through a table built once.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from spec import ast, ir
from spec.check import CheckedSpec
from spec.diagnostics import DiagnosticSink
from spec.names import DEFAULT_MODEL, Binding, assertion_name
from spec.source import NOWHERE, Span
from spec.types import EnumTy, MapTy, MsgTy, NodeTy, strip_option

# The implicit last field of a signed message: the node whose signature it carries.
SIGNER = "signer"

# A set or map type with more values than this cannot be a variable's domain worth exploring.
MAX_INSTANCES = 64
# How many different messages of one type a Byzantine node may invent before the spec is refused, and how
# many per step before a warning.
MAX_INJECTED = 100_000
WARN_INJECTED = 1_000


class _NotConstant(Exception):
    def __init__(self, span: Span, why: str) -> None:
        super().__init__(why)
        self.span = span
        self.why = why


class _Undefined(_NotConstant):
    """A constant expression whose value does not exist: a division by zero, the minimum of nothing."""


@dataclass
class _Frame:
    """Slots of one handler's (or one property's) local bindings."""

    # (expansion, binding site) -> slot: each expansion of a definition binds its own locals
    slots: dict[tuple[int, int], int] = field(default_factory=dict)
    size: int = 0

    def slot(self, binding: Binding, expansion: int = 0) -> int:
        key = (expansion, binding.site)
        if key not in self.slots:
            self.slots[key] = self.size
            self.size += 1
        return self.slots[key]


@dataclass
class _Scope:
    kind: str  # "init", "handler", "property"
    node: ir.NodeType | None
    frame: _Frame
    local_types: dict[int, ir.Type] = field(default_factory=dict)  # binding site (node id) -> IR type
    relayed: ir.Send | None = (
        None  # in a handler of a signed message: what `relay` sends (but its destination)
    )
    expansion: int = 0  # inside the body of a definition: which expansion of it (0: none)
    arguments: dict[int, ir.Expr] = field(default_factory=dict)  # a definition's parameter site -> argument

    def slot(self, binding: Binding) -> int:
        return self.frame.slot(binding, self.expansion)


def lower(checked: CheckedSpec, model_name: str, overrides: Mapping[str, int] | None = None) -> ir.System:
    """The IR of one model of a checked spec (without errors), constants overridden by `overrides`; raises
    SpecError for what only this model gets wrong (a constant's value, a range, a domain too large). The
    model and the overrides are taken as they are: spec.instantiate checks them first."""
    return _Lowerer(checked, model_name, dict(overrides or {})).run()


class _State:
    """What lowering one model knows as it goes: the spec, the checker's tables, and the IR built so far."""

    def __init__(self, checked: CheckedSpec, model_name: str, overrides: dict[str, int]) -> None:
        self.checked = checked
        self.spec = checked.ast
        self.table = checked.types
        self.scope = checked.scope
        self.sink = DiagnosticSink()
        self.model_decl: ast.ModelDecl | None = None
        for model in self.spec.models:
            if model.name == model_name:
                self.model_decl = model
        if self.model_decl is None and not (model_name == DEFAULT_MODEL and not self.spec.models):
            raise KeyError(model_name)
        self.model_name = model_name
        self.const_exprs: dict[str, ast.Expr] = {c.name: c.value for c in self.spec.consts}
        if self.model_decl is not None:
            for const in self.model_decl.consts:
                self.const_exprs[const.name] = const.value
        self.overrides = overrides
        self.const_values: dict[str, Any] = {}
        self.evaluating: set[str] = set()
        self.enums = {e.name: ir.EnumT(e.name, tuple(m for m, _ in e.members)) for e in self.spec.enums}
        self.node_types: dict[str, ir.NodeType] = {}
        self.node_ranges: dict[str, tuple[int, int]] = {}
        self.message_types: dict[str, ir.Message] = {}
        self.model_ir = ir.Model(model_name)
        self.fault_spans: dict[tuple[str, str], Span] = {}
        self.setting_spans: dict[str, Span] = {}  # skew, partition: where the model sets them
        self.asserts: list[tuple[str, Span]] = []
        self.expansions = 0  # definitions expanded so far: each expansion's locals get slots of their own

    def node_t(self, name: str | None) -> ir.NodeT:
        if name is None:
            total = sum(c for _, c in self.node_ranges.values())
            return ir.NodeT(None, tuple(range(total)))
        first, count = self.node_ranges[name]
        return ir.NodeT(name, tuple(range(first, first + count)))


class _Constants(_State):
    """Constant expressions evaluated: literals, constants, enum members, arithmetic."""

    VALUE_RULES: ClassVar[dict[type, Callable[..., Any]]]  # expression class -> how its value is computed

    def const(self, name: str, span: Span) -> Any:
        if name in self.const_values:
            return self.const_values[name]
        if name in self.evaluating:
            raise _NotConstant(span, f"constant '{name}' is defined in terms of itself")
        self.evaluating.add(name)
        try:
            value = self.evaluate(self.const_exprs[name])
        except _NotConstant as error:
            self.sink.error("FL500", f"constant '{name}' cannot be evaluated: {error.why}", error.span)
            value = 0
        finally:
            self.evaluating.discard(name)
        self.const_values[name] = value
        return value

    def int_const(self, expr: ast.Expr, what: str) -> int:
        try:
            value = self.evaluate(expr)
        except _NotConstant as error:
            self.sink.error("FL500", f"{what} must be a constant: {error.why}", error.span)
            return 0
        if not isinstance(value, int) or isinstance(value, bool):
            self.sink.error("FL500", f"{what} must be an integer", expr.span)
            return 0
        return value

    def evaluate(self, e: ast.Expr) -> Any:
        """Evaluate a constant expression (literals, constants, enum members, arithmetic)."""
        return self.VALUE_RULES[type(e)](self, e)

    def value_int_lit(self, e: ast.IntLit | ast.BoolLit) -> Any:
        return e.value

    value_bool_lit = value_int_lit

    def value_none_lit(self, e: ast.NoneLit) -> Any:
        return None

    def value_name_expr(self, e: ast.NameExpr) -> Any:
        res = self.table.names.get(e.id)
        if res is not None and res.kind == "const":
            return self.const(e.name, e.span)
        if res is not None and res.kind == "member":
            return res.member_index
        raise _NotConstant(e.span, f"'{e.name}' is not a constant")

    def value_unary_expr(self, e: ast.UnaryExpr) -> Any:
        v = self.evaluate(e.operand)
        return -v if e.op == "-" else not v

    def value_binary_expr(self, e: ast.BinaryExpr) -> Any:
        a, b = self.evaluate(e.left), self.evaluate(e.right)
        try:
            return _apply_binary(e.op, a, b)
        except ZeroDivisionError:
            raise _Undefined(e.span, "division by zero") from None

    def value_if_expr(self, e: ast.IfExpr) -> Any:
        return self.evaluate(e.then) if self.evaluate(e.cond) else self.evaluate(e.else_)

    def value_range_expr(self, e: ast.RangeExpr) -> Any:
        lo, hi = self.evaluate(e.lo), self.evaluate(e.hi)
        if hi - lo + 1 > ir.MAX_DOMAIN:
            raise _Undefined(e.span, _range_too_large(lo, hi))
        return frozenset(range(lo, hi + 1))

    def value_set_lit(self, e: ast.SetLit) -> Any:
        return frozenset(self.evaluate(i) for i in e.items)

    def value_tuple_lit(self, e: ast.TupleLit) -> Any:
        return tuple(self.evaluate(i) for i in e.items)

    def value_call_expr(self, e: ast.CallExpr) -> Any:
        if e.func not in ("min", "max", "len"):
            return self.value_other(e)
        args = [self.evaluate(a) for a in e.args]
        if e.func == "len":
            return len(args[0])
        values = args[0] if len(args) == 1 else args
        if not values:
            raise _Undefined(e.span, f"{e.func} of an empty set")
        return min(values) if e.func == "min" else max(values)

    def value_other(self, e: ast.Expr) -> Any:
        raise _NotConstant(e.span, "only literals, constants and arithmetic can be evaluated here")


_Constants.VALUE_RULES = ast.dispatch(_Constants, ast.EXPRESSIONS, prefix="value_", fallback="value_other")


class _Expressions(_Constants):
    """Expressions lowered, one method per expression class."""

    EXPR_RULES: ClassVar[dict[type, Callable[..., ir.Expr]]]  # expression class -> its method

    def plain(self, e: ir.Expr, span: Span) -> ir.Expr:
        """`e`, unwrapped if it is optional: used where `none` cannot stand."""
        if isinstance(e.type, ir.OptionT):
            return ir.Unwrap(e.type.inner, e, span)
        return e

    def expr(self, e: ast.Expr, scope: _Scope) -> ir.Expr:
        result: ir.Expr = self.EXPR_RULES[type(e)](self, e, scope)
        return result

    # ---- literals and readings

    def int_lit(self, e: ast.IntLit, scope: _Scope) -> ir.Expr:
        return ir.Lit(ir.IntT(e.value, e.value), e.value)

    def bool_lit(self, e: ast.BoolLit, scope: _Scope) -> ir.Expr:
        return ir.Lit(ir.BOOL, e.value)

    def none_lit(self, e: ast.NoneLit, scope: _Scope) -> ir.Expr:
        return ir.Lit(ir.OptionT(ir.NEVER), None)

    def self_expr(self, e: ast.SelfExpr, scope: _Scope) -> ir.Expr:
        assert scope.node is not None or scope.kind == "init"
        return ir.SelfRef((scope.node and self.node_t(scope.node.name)) or ir.NodeT(None, ()))

    def now_expr(self, e: ast.NowExpr | ast.ClockExpr, scope: _Scope) -> ir.Expr:
        if not self.model_ir.timed:
            what = "real time `now`" if isinstance(e, ast.NowExpr) else f"the clock `{e.kind}`"
            self.sink.error(
                "FL403",
                f"{what} cannot be read in model '{self.model_name}': under asynchronous timing there are "
                "no clocks and no real time",
                e.span,
                "timeouts there may fire at any step; for clocks use `timing synchronous { delay <= D }` "
                "or `timing partially_synchronous { … }` with a horizon",
            )
        if isinstance(e, ast.NowExpr):
            return ir.Now(ir.IntT(0, self.model_ir.horizon or 0))
        return ir.ClockRead(ir.IntT(*self.model_ir.reading_range(e.kind)), e.kind)

    clock_expr = now_expr

    # ---- names and what they refer to

    def name_expr(self, e: ast.NameExpr, scope: _Scope) -> ir.Expr:
        res = self.table.names[e.id]
        if res.kind == "local":
            assert res.binding is not None
            if res.binding.kind == "defparam":
                return scope.arguments[res.binding.site]
            return ir.Local(scope.local_types.get(res.binding.site, ir.INT), scope.slot(res.binding), e.name)
        if res.kind == "var":
            assert scope.node is not None
            var = next(v for v in scope.node.vars if v.name == e.name)
            return ir.Var(var.type, var.slot)
        if res.kind == "const":
            value = self.const_values[e.name]
            declared = self.table.of(e)
            if isinstance(declared, EnumTy) and declared.name in self.enums:
                return ir.Lit(self.enums[declared.name], value)
            return ir.Lit(_type_of_value(value), value)
        if res.kind == "member":
            assert res.enum is not None
            return ir.Lit(self.enums[res.enum.name], res.member_index)
        if res.kind == "node":
            assert res.node_type is not None
            node_t = self.node_t(res.node_type)
            first, count = self.node_ranges[res.node_type]
            if self.scope.nodes[res.node_type].replicated:
                return ir.Lit(ir.SetT(node_t), frozenset(range(first, first + count)))
            return ir.Lit(node_t, first)
        raise AssertionError(res)

    def call_expr(self, e: ast.CallExpr, scope: _Scope) -> ir.Expr:
        definition = self.scope.defs.get(e.func)
        if definition is not None:
            return self.expand(definition, e, scope)
        if e.func == "inflight":
            arg = e.args[0]
            assert isinstance(arg, ast.NameExpr)
            return ir.InFlight(ir.SetT(ir.MsgT(arg.name)), arg.name)
        args = tuple(self.expr(a, scope) for a in e.args)
        if e.func == "old":
            return ir.Old(args[0].type, args[0])
        if e.func in ("crashed", "byzantine"):
            return ir.Call(ir.BOOL, e.func, (self.plain(args[0], e.args[0].span),), e.span)
        if e.func == "index":  # a node is its global index: less the index of its type's instance 0
            node = self.plain(args[0], e.args[0].span)
            node_type = strip_option(self.table.of(e.args[0]))
            assert isinstance(node_type, NodeTy) and node_type.node_type is not None
            first, count = self.node_ranges[node_type.node_type]
            return ir.Binary(ir.IntT(0, count - 1), "-", node, ir.Lit(ir.IntT(first, first), first))
        if e.func == "keys":
            key_t = args[0].type.key if isinstance(args[0].type, ir.MapT) else ir.INT
            return ir.Call(ir.SetT(key_t), "keys", (self.plain(args[0], e.args[0].span),), e.span)
        plain = tuple(self.plain(a, s.span) for a, s in zip(args, e.args, strict=True))
        if e.func == "len":
            return ir.Call(ir.IntT(0, _size_bound(plain[0].type)), e.func, plain, e.span)
        if len(plain) == 1:  # min or max of a set: of integers (a `none` in it is a run-time error)
            elem = _elem_type(plain[0].type)
            return ir.Call(elem.inner if isinstance(elem, ir.OptionT) else elem, e.func, plain, e.span)
        return ir.Call(ir.join_all(a.type for a in plain), e.func, plain, e.span)

    def expand(self, definition: ast.DefDecl, call: ast.CallExpr, scope: _Scope) -> ir.Expr:
        """A definition's body in place of its call, each parameter standing for its argument (lowered in
        the caller's scope), with locals of its own: a definition is expanded, never called."""
        arguments = {p.id: self.expr(a, scope) for p, a in zip(definition.params, call.args, strict=True)}
        self.expansions += 1
        inner = replace(
            scope, local_types=dict(scope.local_types), expansion=self.expansions, arguments=arguments
        )
        return self.expr(definition.body, inner)

    def field_expr(self, e: ast.FieldExpr, scope: _Scope) -> ir.Expr:
        obj_type = self.table.of(e.obj)
        if isinstance(obj_type, MsgTy):
            obj = self.expr(e.obj, scope)
            message = self.message_types[obj_type.name]
            if e.name == "src":
                return ir.MsgField(self.node_t(None), obj, 0)
            if e.name == "dst":
                return ir.MsgField(self.node_t(None), obj, 1)
            index = [f.name for f in message.fields].index(e.name)
            return ir.MsgField(message.fields[index].type, obj, 2 + index)
        node_type, _ = self.table.remote_reads[e.id]
        var = next(v for v in self.node_types[node_type].vars if v.name == e.name)
        own = isinstance(e.obj, ast.SelfExpr) or (
            isinstance(e.obj, ast.NameExpr) and scope.node is not None and e.obj.name == scope.node.name
        )
        if own and scope.kind == "handler":
            return ir.Var(var.type, var.slot)
        instance = self.plain(self.expr(e.obj, scope), e.obj.span)
        return ir.NodeVar(var.type, node_type, instance, var.slot)

    def index_expr(self, e: ast.IndexExpr, scope: _Scope) -> ir.Expr:
        if e.id in self.table.instance_refs:
            return self.instance(e, scope)
        obj = self.plain(self.expr(e.obj, scope), e.obj.span)
        key = self.expr(e.index, scope)
        if isinstance(obj.type, ir.TupleT):
            assert isinstance(key, ir.Lit)
            return ir.TupleGet(obj.type.items[key.value], obj, key.value)
        value_type = obj.type.value if isinstance(obj.type, ir.MapT) else ir.INT
        return ir.Index(value_type, obj, key, e.span)

    def instance(self, e: ast.IndexExpr, scope: _Scope) -> ir.Expr:
        """`Client[i]`: one instance of a replicated node type."""
        assert isinstance(e.obj, ast.NameExpr)
        index = self.plain(self.expr(e.index, scope), e.index.span)
        node_t = self.node_t(e.obj.name)
        first, count = self.node_ranges[e.obj.name]
        if isinstance(index, ir.Unary) and index.op == "-" and isinstance(index.operand, ir.Lit):
            index = ir.Lit(ir.INT, -index.operand.value)  # `A[-1]` is a constant index too
        if isinstance(index, ir.Lit):
            if not 0 <= index.value < count:
                self.sink.error(
                    "FL502",
                    f"{e.obj.name} has instances 0..{count - 1}; there is no {e.obj.name}[{index.value}]",
                    e.index.span,
                )
                return ir.Lit(node_t, first)
            return ir.Lit(node_t, first + index.value)
        return ir.InstanceRef(node_t, e.obj.name, index, e.span)

    # ---- operators

    def unary_expr(self, e: ast.UnaryExpr, scope: _Scope) -> ir.Expr:
        operand = self.expr(e.operand, scope)
        if e.op == "-":
            plain = self.plain(operand, e.operand.span)
            return ir.Unary(_arith_type("-", ir.IntT(0, 0), plain.type), "-", plain)
        return ir.Unary(ir.BOOL, "not", operand)

    def binary_expr(self, e: ast.BinaryExpr, scope: _Scope) -> ir.Expr:
        left = self.expr(e.left, scope)
        right = self.expr(e.right, scope)
        op = e.op
        if op in ("and", "or", "implies"):
            return ir.Binary(ir.BOOL, op, left, right, e.span)
        if op in ("==", "!="):
            return ir.Binary(ir.BOOL, op, left, right, e.span)
        if op in ("in", "not in"):
            return ir.Binary(
                ir.BOOL, "notin" if op == "not in" else "in", left, self.plain(right, e.right.span), e.span
            )
        left_p, right_p = self.plain(left, e.left.span), self.plain(right, e.right.span)
        if op in ("<", "<=", ">", ">="):
            return ir.Binary(ir.BOOL, op, left_p, right_p, e.span)
        if isinstance(left_p.type, ir.SetT) or op in ("|", "&"):
            set_op = {"|": "union", "&": "inter", "-": "diff"}[op]
            # a union holds the values of both sides; an intersection or difference only the left one's
            result = ir.join(left_p.type, right_p.type) if set_op == "union" else left_p.type
            return ir.Binary(result, set_op, left_p, right_p, e.span)
        return ir.Binary(_arith_type(op, left_p.type, right_p.type), op, left_p, right_p, e.span)

    def range_expr(self, e: ast.RangeExpr, scope: _Scope) -> ir.Expr:
        lo = self.plain(self.expr(e.lo, scope), e.lo.span)
        hi = self.plain(self.expr(e.hi, scope), e.hi.span)
        if isinstance(lo, ir.Lit) and isinstance(hi, ir.Lit):
            if hi.value - lo.value + 1 > ir.MAX_DOMAIN:
                self.sink.error("FL503", _range_too_large(lo.value, hi.value), e.span)
                return ir.Lit(ir.SetT(ir.IntT(lo.value, lo.value)), frozenset())
            return ir.Lit(ir.SetT(ir.IntT(lo.value, hi.value)), frozenset(range(lo.value, hi.value + 1)))
        lo_t, hi_t = lo.type, hi.type
        elem = (
            ir.IntT(lo_t.lo, hi_t.hi) if isinstance(lo_t, ir.IntT) and isinstance(hi_t, ir.IntT) else ir.INT
        )
        return ir.RangeSet(ir.SetT(elem), lo, hi)

    def quant_expr(self, e: ast.QuantExpr, scope: _Scope) -> ir.Expr:
        binding = self.table.bindings[e.id]
        domain = self.plain(self.expr(e.domain, scope), e.domain.span)
        scope.local_types[binding.site] = _elem_type(domain.type)
        slot = scope.slot(binding)
        body = self.expr(e.body, scope)
        if e.kind == "count":
            return ir.Quant(ir.IntT(0, _size_bound(domain.type)), e.kind, slot, domain, body)
        return ir.Quant(ir.BOOL, e.kind, slot, domain, body)

    def if_expr(self, e: ast.IfExpr, scope: _Scope) -> ir.Expr:
        cond = self.expr(e.cond, scope)
        then, else_ = self.expr(e.then, scope), self.expr(e.else_, scope)
        return ir.IfThen(ir.join(then.type, else_.type), cond, then, else_)

    # ---- collections

    def tuple_lit(self, e: ast.TupleLit, scope: _Scope) -> ir.Expr:
        items = tuple(self.expr(i, scope) for i in e.items)
        return ir.TupleLit(ir.TupleT(tuple(i.type for i in items)), items)

    def set_lit(self, e: ast.SetLit, scope: _Scope) -> ir.Expr:
        items = tuple(self.expr(i, scope) for i in e.items)
        if not items and isinstance(self.table.of(e), MapTy):
            return ir.Lit(ir.MapT(ir.NEVER, ir.NEVER), frozenset())
        members = ir.join_all(i.type for i in items)
        if all(isinstance(i, ir.Lit) for i in items):
            return ir.Lit(ir.SetT(members), frozenset(i.value for i in items if isinstance(i, ir.Lit)))
        return ir.SetLit(ir.SetT(members), items)

    def map_lit(self, e: ast.MapLit, scope: _Scope) -> ir.Expr:
        entries = tuple((self.expr(k, scope), self.expr(v, scope)) for k, v in e.entries)
        key_t = ir.join_all(k.type for k, _ in entries)
        return ir.MapLit(ir.MapT(key_t, ir.join_all(v.type for _, v in entries)), entries)

    def set_comp(self, e: ast.SetComp, scope: _Scope) -> ir.Expr:
        slot, domain = self.comprehension(e, scope)
        member = self.expr(e.elem, scope)
        keep = self.expr(e.cond, scope) if e.cond is not None else None
        return ir.SetComp(ir.SetT(member.type), slot, domain, member, keep)

    def map_comp(self, e: ast.MapComp, scope: _Scope) -> ir.Expr:
        slot, domain = self.comprehension(e, scope)
        key, value = self.expr(e.key, scope), self.expr(e.value, scope)
        keep = self.expr(e.cond, scope) if e.cond is not None else None
        return ir.MapComp(ir.MapT(key.type, value.type), slot, domain, key, value, keep)

    def comprehension(self, e: ast.SetComp | ast.MapComp, scope: _Scope) -> tuple[int, ir.Expr]:
        """A comprehension's variable, given its slot and type: the slot, and the domain it ranges over."""
        binding = self.table.bindings[e.id]
        domain = self.plain(self.expr(e.domain, scope), e.domain.span)
        scope.local_types[binding.site] = _elem_type(domain.type)
        return scope.slot(binding), domain


_Expressions.EXPR_RULES = ast.dispatch(_Expressions, ast.EXPRESSIONS)


class _Statements(_Expressions):
    """Statements lowered, one method per statement class; each gives the IR statements it stands for."""

    STMT_RULES: ClassVar[dict[type, Callable[..., list[ir.Stmt]]]]  # statement class -> its method

    def block(self, block: ast.Block, scope: _Scope) -> tuple[ir.Stmt, ...]:
        return tuple(s for stmt in block.stmts for s in self.stmt(stmt, scope))

    def stmt(self, s: ast.Stmt, scope: _Scope) -> list[ir.Stmt]:
        assert scope.node is not None
        result: list[ir.Stmt] = self.STMT_RULES[type(s)](self, s, scope, scope.node)
        return result

    def assign_stmt(self, s: ast.AssignStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        var = next(v for v in node.vars if v.name == s.target.name)
        keys = tuple(self.expr(k, scope) for k in s.target.indices)
        target_type = var.type
        for _ in keys:
            target_type = target_type.value if isinstance(target_type, ir.MapT) else ir.INT
        value = self.expr(s.value, scope)
        if s.op != "=" and not isinstance(target_type, ir.SetT):
            value = self.plain(value, s.value.span)
        return [ir.Assign(var.slot, keys, s.op, value, var.type, target_type, s.target.name, s.span)]

    def if_stmt(self, s: ast.IfStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        cond = self.expr(s.cond, scope)
        then = self.block(s.then, scope)
        if isinstance(s.else_, ast.IfStmt):
            else_ = tuple(self.stmt(s.else_, scope))
        elif s.else_ is not None:
            else_ = self.block(s.else_, scope)
        else:
            else_ = ()
        return [ir.If(cond, then, else_)]

    def for_stmt(self, s: ast.ForStmt | ast.ChooseStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        binding = self.table.bindings[s.id]
        domain = self.plain(self.expr(s.domain, scope), s.domain.span)
        scope.local_types[binding.site] = _elem_type(domain.type)
        slot = scope.slot(binding)
        body = self.block(s.body, scope)
        if isinstance(s, ast.ForStmt):
            return [ir.For(slot, domain, body)]
        return [ir.Choose(slot, domain, body, s.span)]

    choose_stmt = for_stmt

    def relay_stmt(self, s: ast.RelayStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        assert scope.relayed is not None
        return [
            ir.Send(
                scope.relayed.message,
                scope.relayed.args,
                self.plain(self.expr(s.to, scope), s.to.span),
                s.span,
            )
        ]

    def send_stmt(
        self, s: ast.SendStmt | ast.BroadcastStmt, scope: _Scope, node: ir.NodeType
    ) -> list[ir.Stmt]:
        args = tuple(self.expr(a, scope) for a in s.message.args)
        if self.message_types[s.message.name].signed:  # signed by its sender
            args = (*args, ir.SelfRef(self.node_t(node.name)))
        dest = self.expr(s.to, scope)
        if isinstance(s, ast.SendStmt):
            return [ir.Send(s.message.name, args, self.plain(dest, s.to.span), s.span)]
        return [ir.Broadcast(s.message.name, args, dest, s.span)]

    broadcast_stmt = send_stmt

    def set_timer_stmt(self, s: ast.SetTimerStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        after = self.plain(self.expr(s.after, scope), s.after.span) if s.after is not None else None
        if after is None and self.model_ir.timed:
            self.sink.error(
                "FL403",
                f"in model '{self.model_name}' time is bounded, so a timer needs a duration: "
                f"`set {s.timer} after d`",
                s.span,
                "the timer fires when the node's own clock has advanced d ticks",
            )
        return [ir.SetTimer(node.timers.index(s.timer), after, s.span)]

    def cancel_timer_stmt(self, s: ast.CancelTimerStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        return [ir.CancelTimer(node.timers.index(s.timer))]

    def assert_stmt(self, s: ast.AssertStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        name = assertion_name(s)
        self.asserts.append((name, s.span))
        return [ir.Assert(name, self.expr(s.cond, scope), s.span)]

    def let_stmt(self, s: ast.LetStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        binding = self.table.bindings[s.id]
        value = self.expr(s.value, scope)
        scope.local_types[binding.site] = value.type
        return [ir.Let(scope.slot(binding), value)]

    def skip_stmt(self, s: ast.SkipStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        return []

    def reject_stmt(self, s: ast.RejectStmt, scope: _Scope, node: ir.NodeType) -> list[ir.Stmt]:
        return [ir.Reject()]


_Statements.STMT_RULES = ast.dispatch(_Statements, ast.STATEMENTS)


class _Lowerer(_Statements):
    """The driver: constants, the model's settings, node types (variables, then handlers), messages,
    invariants; and the checks that need all of them (Byzantine injection)."""

    TYPE_RULES: ClassVar[dict[type, Callable[..., ir.Type]]]  # type expression class -> its method

    def run(self) -> ir.System:
        for name, value in self.overrides.items():
            self.const_values[name] = value
        for name in self.const_exprs:
            self.const(name, NOWHERE)
        model = self.model()
        self.model_ir = model
        first = 0
        for decl in self.spec.nodes:
            count = 1
            if decl.count is not None:
                count = self.int_const(decl.count, "the number of instances")
                if count < 1 or count > MAX_INSTANCES:
                    self.sink.error(
                        "FL501",
                        f"node {decl.name} must have 1..{MAX_INSTANCES} instances, not {count}",
                        decl.count.span,
                    )
                    count = 1
            self.node_ranges[decl.name] = (first, count)
            first += count
        for message in self.spec.messages:
            fields = tuple(ir.Field(f.name, self.type(f.type)) for f in message.fields)
            if message.signed:  # a signed message carries its signer, after its own fields
                fields = (*fields, ir.Field(SIGNER, self.node_t(None)))
            self.message_types[message.name] = ir.Message(
                message.name, len(self.message_types), fields, message.signed
            )
        instances: list[ir.Instance] = []
        for decl in self.spec.nodes:
            first, count = self.node_ranges[decl.name]
            for ordinal in range(count):
                name = f"{decl.name}[{ordinal}]" if decl.count is not None else decl.name
                instances.append(ir.Instance(first + ordinal, decl.name, name, ordinal))
        # Node types are lowered in two passes: variables first, so that handlers can refer to slots.
        for decl in self.spec.nodes:
            self.node_types[decl.name] = self.node_shell(decl)
        for decl in self.spec.nodes:
            shell = self.node_types[decl.name]
            handlers = tuple(self.handler(h, shell) for h in decl.handlers)
            self.node_types[decl.name] = ir.NodeType(
                shell.name,
                shell.count,
                shell.replicated,
                shell.symmetric,
                shell.first,
                shell.vars,
                shell.timers,
                handlers,
                shell.name_span,
            )
        invariants = tuple(self.invariant(inv) for inv in self.spec.invariants)
        self.check_byzantine(model)
        self.check_adversary_choices(model, sum(count for _, count in self.node_ranges.values()))
        self.sink.raise_if_any(self.checked.source)
        return ir.System(
            spec=self.checked.name,
            uri=self.checked.source.uri,
            model=model,
            consts=tuple(sorted(self.const_values.items())),
            enums=tuple(self.enums.values()),
            messages=tuple(self.message_types.values()),
            node_types=tuple(self.node_types.values()),
            instances=tuple(instances),
            invariants=invariants,
            asserts=tuple(self.asserts),
            warnings=tuple(self.sink.warnings),
            liveness=tuple(self.liveness(prop) for prop in self.spec.liveness),
        )

    # ---- the model

    def model(self) -> ir.Model:
        decl = self.model_decl
        if decl is None:
            return ir.Model(DEFAULT_MODEL)
        timing = "asynchronous"
        network = ir.Network(ir.Ordering.REORDER)
        faults: list[ir.FaultBudget] = []
        horizon: int | None = None
        delay: int | None = None
        gst: int | None = None
        clocks = ir.Clocks()
        for item in decl.items:
            if item.key == "timing" and isinstance(item.value, ast.NameExpr):
                timing = item.value.name
                for setting in item.settings or ():
                    if setting.name == "delay" and setting.bound is not None:
                        delay = self.budget(setting)
                    elif setting.name == "gst" and setting.bound is not None:
                        gst = self.budget(setting)
            elif item.key == "clocks" and item.settings is not None:
                skew, drift, ntp = 0, False, 0
                for setting in item.settings:
                    if setting.name == "skew" and setting.bound is not None:
                        skew = self.budget(setting)
                        self.setting_spans["skew"] = setting.span
                    elif setting.name == "drift":
                        drift = True
                    elif setting.name == "ntp":
                        ntp = self.budget(setting) if setting.bound is not None else -1
                clocks = ir.Clocks(skew, drift, ntp)
            elif item.key == "network" and item.settings is not None:
                ordering = "reorder"
                budgets = {"loss": 0, "duplicate": 0, "partition": 0}
                asymmetric = unbounded_loss = False
                for setting in item.settings:
                    if setting.name in ("fifo", "reorder", "duplicating"):
                        ordering = setting.name
                    elif setting.name == "loss" and setting.bound is None:
                        unbounded_loss = True
                        self.setting_spans["loss"] = setting.span
                    elif setting.name in budgets and setting.bound is not None:
                        budgets[setting.name] = self.budget(setting)
                        self.setting_spans[setting.name] = setting.span
                    elif setting.name == "asymmetric":
                        asymmetric = True
                network = ir.Network(
                    ir.Ordering(ordering),
                    budgets["loss"],
                    budgets["duplicate"],
                    budgets["partition"],
                    asymmetric,
                    unbounded_loss,
                )
            elif item.key == "faults" and item.settings is not None:
                for setting in item.settings:
                    if setting.bound is not None and setting.of is not None:
                        faults.append(
                            ir.FaultBudget(ir.FaultKind(setting.name), setting.of[0], self.budget(setting))
                        )
                        self.fault_spans[(setting.name, setting.of[0])] = setting.span
            elif item.key == "horizon" and item.value is not None:
                horizon = self.int_const(item.value, "the horizon")
                if horizon < 1:
                    self.sink.error(
                        "FL501", f"the horizon must be at least 1, not {horizon}", item.value.span
                    )
                    horizon = 1
        if timing == "asynchronous":
            horizon = None
        expect_all, expect = _expectations(decl)
        return ir.Model(
            decl.name,
            ir.Timing(timing),
            network,
            tuple(faults),
            horizon,
            delay,
            gst,
            clocks,
            decl.span,
            expect_all,
            expect,
        )

    def budget(self, setting: ast.Setting) -> int:
        assert setting.bound is not None
        value = self.int_const(setting.bound, f"the budget of '{setting.name}'")
        if value < 0:
            self.sink.error(
                "FL402", f"a budget cannot be negative ({setting.name} <= {value})", setting.bound.span
            )
            return 0
        return value

    def check_byzantine(self, model: ir.Model) -> None:
        """A Byzantine node may inject any message its targets handle, with any field values: every such
        domain must be finite, and a warning says how many messages one step may inject."""
        for budget in model.faults:
            if budget.kind != "byzantine":
                continue
            span = self.fault_spans.get((budget.kind, budget.node_type), NOWHERE)
            count = self.node_ranges[budget.node_type][1]
            if budget.bound > count:
                self.sink.error(
                    "FL402",
                    f"byzantine <= {budget.bound} of {budget.node_type}, but there are only {count}",
                    span,
                )
            handled = {
                (nt.name, h.message)
                for nt in self.node_types.values()
                for h in nt.handlers
                if h.message is not None
            }
            per_step = 0
            for node_type, message_name in sorted(handled):
                message = self.message_types[message_name]
                size = 1
                for fld in (
                    message.fields[:-1] if message.signed else message.fields
                ):  # a liar signs as itself
                    size *= ir.domain_size(fld.type)
                if size > MAX_INJECTED:
                    decl = self.scope.messages[message_name]
                    self.sink.error(
                        "FL503",
                        f"a Byzantine {budget.node_type} could send {size:,} different {message_name} messages: "
                        f"too many to explore (the limit is {MAX_INJECTED:,})",
                        decl.name_span,
                        "narrow the field ranges of the message",
                    )
                    continue
                per_step += size * self.node_ranges[node_type][1]
            if per_step > WARN_INJECTED:
                self.sink.warning(
                    "FL503",
                    f"each Byzantine {budget.node_type} may inject up to {per_step:,} different messages at every "
                    "step; the search may explode",
                    span,
                    "narrow the field ranges of the messages it can send",
                )

    def check_adversary_choices(self, model: ir.Model, nodes: int) -> None:
        """The adversary's choices are enumerated: where the clocks start (2S+1 readings per node), which
        partitions it may cut, which nodes lie. Each must stay few enough to build (FL503)."""
        limit = ir.MAX_DOMAIN
        if model.timed and model.clocks.skew > 0:
            per_node = 2 * model.clocks.skew + 1
            if per_node > limit or per_node ** min(nodes, 64) > limit:
                self.sink.error(
                    "FL503",
                    f"with skew <= {model.clocks.skew}, the clocks of {nodes} node{'s' if nodes != 1 else ''} may "
                    f"start in {per_node:,}{'^' + str(nodes) if nodes > 1 else ''} ways: too many to explore (the "
                    f"limit is {limit:,})",
                    self.setting_spans.get("skew", NOWHERE),
                    "a skew of a few ticks shows every clock anomaly a larger one does",
                )
        if model.network.partition > 0 and 2 ** (nodes - 1) * (3 if model.network.asymmetric else 1) > limit:
            self.sink.error(
                "FL503",
                f"{nodes} nodes can be split into {2 ** (nodes - 1) - 1:,} partitions: too many to explore (the "
                f"limit is {limit:,})",
                self.setting_spans.get("partition", NOWHERE),
            )
        for budget in model.faults:
            count = self.node_ranges[budget.node_type][1]
            if budget.kind != "byzantine" or self.node_types[budget.node_type].symmetric:
                continue  # a symmetric type: one choice per number of liars
            choices = sum(math.comb(count, k) for k in range(min(budget.bound, count) + 1))
            if choices > limit:
                self.sink.error(
                    "FL503",
                    f"up to {budget.bound} Byzantine of {count} {budget.node_type} can be chosen in {choices:,} ways: "
                    f"too many to explore (the limit is {limit:,})",
                    self.fault_spans.get((budget.kind, budget.node_type), NOWHERE),
                    f"make {budget.node_type} `symmetric` if its instances are interchangeable",
                )

    # ---- types

    def type(self, t: ast.TypeExpr) -> ir.Type:
        result: ir.Type = self.TYPE_RULES[type(t)](self, t)
        return result

    def named_type(self, t: ast.NamedType) -> ir.Type:
        if t.name == "bool":
            return ir.BOOL
        if t.name == "time":
            if not self.model_ir.timed:
                self.sink.error(
                    "FL403",
                    f"`time` values need clocks, and model '{self.model_name}' is asynchronous: it has none",
                    t.span,
                    "use a bounded range such as 0..3, or a synchronous model with a horizon",
                )
                return ir.IntT(0, 0)
            return ir.IntT(*self.model_ir.time_range())
        if t.name in self.enums:
            return self.enums[t.name]
        if t.name in self.node_ranges:
            return self.node_t(t.name)
        if t.name == "node":
            return ir.NodeT(None, tuple(range(sum(c for _, c in self.node_ranges.values()))))
        return ir.INT  # already reported by the checker

    def range_type(self, t: ast.RangeType) -> ir.Type:
        lo = self.int_const(t.lo, "the lower bound of a range")
        hi = self.int_const(t.hi, "the upper bound of a range")
        if lo > hi:
            self.sink.error("FL501", f"the range {lo}..{hi} is empty", t.span)
            return ir.IntT(lo, lo)
        return ir.IntT(lo, hi)

    def generic_type(self, t: ast.GenericType) -> ir.Type:
        args = [self.type(a) for a in t.args]
        if t.name == "set" and len(args) == 1:
            return ir.SetT(args[0])
        if t.name == "map" and len(args) == 2:
            return ir.MapT(args[0], args[1])
        return ir.INT

    def tuple_type(self, t: ast.TupleType) -> ir.Type:
        return ir.TupleT(tuple(self.type(i) for i in t.items))

    def option_type(self, t: ast.OptionType) -> ir.Type:
        return ir.OptionT(self.type(t.inner))

    # ---- nodes

    def var_kind(self, decl: ast.NodeDecl, var: ast.VarDecl) -> ir.VarKind:
        """The variable's kind as declared, unless the model says `volatile Node.var` or `durable Node.var`."""
        for item in self.model_decl.durability if self.model_decl is not None else ():
            if (item.node, item.var) == (decl.name, var.name):
                return ir.VarKind.VAR if item.kind == "volatile" else ir.VarKind.DURABLE
        return ir.VarKind(var.kind)

    def node_shell(self, decl: ast.NodeDecl) -> ir.NodeType:
        first, count = self.node_ranges[decl.name]
        scope = _Scope("init", None, _Frame())
        vars_: list[ir.VarDecl] = []
        for slot, var in enumerate(decl.vars):
            var_type = self.type(var.type)
            if var.init is not None:
                init = self.expr(var.init, scope)
            else:
                init = ir.Lit(var_type, _default_value(var_type))
            holds_time = isinstance(var.type, ast.NamedType) and var.type.name == "time"
            vars_.append(
                ir.VarDecl(var.name, self.var_kind(decl, var), var_type, init, slot, var.span, holds_time)
            )
            known, value = isinstance(init, ir.Lit), getattr(init, "value", None)
            if not known and var.init is not None:
                try:  # a constant expression such as `N + 2` is not folded into a literal above
                    value, known = self.evaluate(var.init), True
                except _Undefined as error:
                    self.sink.error(
                        "FL500",
                        f"the initial value of '{var.name}' cannot be computed: {error.why}",
                        error.span,
                    )
                except _NotConstant:
                    pass  # it reads `self` or the like: the explorer checks the value it computes
            if known and ir.needs_check(var_type) and not var_type.contains(value):
                self.sink.error(
                    "FL502",
                    f"the initial value of '{var.name}' does not fit its type {var_type}",
                    var.init.span if var.init is not None else var.span,
                )
        timers = tuple(h.name for h in decl.handlers if h.kind == "timeout")
        return ir.NodeType(
            decl.name,
            count,
            decl.count is not None,
            decl.symmetric,
            first,
            tuple(vars_),
            timers,
            (),
            decl.name_span,
        )

    def handler(self, h: ast.Handler, node: ir.NodeType) -> ir.Handler:
        scope = _Scope("handler", node, _Frame())
        bindings = self.table.bindings
        params = [bindings[p.id] for p in h.params]
        sender = bindings[h.sender.id] if h.sender is not None else None
        message = self.message_types.get(h.name) if h.kind == "receive" else None
        param_slots: list[int] = []
        if message is not None:
            # Every field gets a slot, named or not, so that the explorer can bind them positionally; the
            # signer of a signed message is its last field, named by `signed by s`.
            named: list[Binding | None] = list(params)
            signer = bindings[h.signer.id] if h.signer is not None else None
            if message.signed and signer is not None:
                named += [None] * (len(message.fields) - 1 - len(named)) + [signer]
            for index, fld in enumerate(message.fields):
                binding = named[index] if index < len(named) else None
                if binding is not None:
                    slot = scope.slot(binding)
                    scope.local_types[binding.site] = fld.type
                else:
                    slot = scope.frame.size
                    scope.frame.size += 1
                param_slots.append(slot)
            if message.signed:
                fields = tuple(
                    ir.Local(f.type, slot, f.name)
                    for f, slot in zip(message.fields, param_slots, strict=True)
                )
                scope.relayed = ir.Send(message.name, fields, ir.Lit(self.node_t(None), 0), h.span)
        sender_slot = None
        if sender is not None:
            sender_slot = scope.slot(sender)
            senders = self.scope.senders.get(h.name, [])
            scope.local_types[sender.site] = self.node_t(senders[0] if len(senders) == 1 else None)
        guard = self.expr(h.guard, scope) if h.guard is not None else None
        body = self.block(h.body, scope)
        timer = node.timers.index(h.name) if h.kind == "timeout" else None
        return ir.Handler(
            ir.HandlerKind(h.kind),
            node.name,
            h.name,
            message.name if message else None,
            tuple(param_slots),
            sender_slot,
            guard,
            body,
            scope.frame.size,
            timer,
            h.span,
            h.fairness,
        )

    def liveness(self, prop: ast.LivenessDecl) -> ir.Liveness:
        scope = _Scope("property", None, _Frame())
        first = self.expr(prop.first, scope)
        second = self.expr(prop.second, scope) if prop.second is not None else None
        text = _source_text(self.checked.source.text, prop.span).split(":", 1)[1].strip()
        kind = ir.TemporalKind(str(prop.kind))
        return ir.Liveness(prop.name, kind, first, second, scope.frame.size, prop.span, text)

    def invariant(self, inv: ast.InvariantDecl) -> ir.Invariant:
        scope = _Scope("property", None, _Frame())
        expr = self.expr(inv.expr, scope)
        text = _source_text(self.checked.source.text, inv.expr.span)
        return ir.Invariant(inv.name, expr, scope.frame.size, inv.span, text)


_Lowerer.TYPE_RULES = ast.dispatch(_Lowerer, ast.TYPES)


# ---------------------------------------------------------------- helpers


# How a binary operator is evaluated in a constant expression (integer division rounds toward zero).
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": lambda a, b: _div(a, b),
    "%": lambda a, b: a - b * _div(a, b),
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "and": lambda a, b: a and b,
    "or": lambda a, b: a or b,
    "implies": lambda a, b: (not a) or b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
    "|": operator.or_,
    "&": operator.and_,
}


def _apply_binary(op: str, a: Any, b: Any) -> Any:
    if op not in _BINARY:
        raise _NotConstant(NOWHERE, f"'{op}' cannot be evaluated in a constant")
    return _BINARY[op](a, b)


def _div(a: int, b: int) -> int:
    """Integer division rounding toward zero, as in TLA+'s \\div for non-negative values and in C."""
    if b == 0:
        raise ZeroDivisionError
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _type_of_value(value: Any) -> ir.Type:
    """The least type of a constant's value."""
    if isinstance(value, bool):
        return ir.BOOL
    if isinstance(value, int):
        return ir.IntT(value, value)
    if isinstance(value, frozenset):
        return ir.SetT(ir.join_all(_type_of_value(v) for v in value))
    if isinstance(value, tuple):
        return ir.TupleT(tuple(_type_of_value(v) for v in value))
    return ir.OptionT(ir.NEVER)


def _arith_type(op: str, a: ir.Type, b: ir.Type) -> ir.IntT:
    """The range of `a op b` for operands in the ranges a and b (interval arithmetic), so that a set of
    computed values still has a finite element type; unbounded where an operand is."""
    if not (isinstance(a, ir.IntT) and isinstance(b, ir.IntT)):
        return ir.INT
    if a.lo is None or a.hi is None or b.lo is None or b.hi is None:
        return ir.INT
    if op == "+":
        return ir.IntT(a.lo + b.lo, a.hi + b.hi)
    if op == "-":
        return ir.IntT(a.lo - b.hi, a.hi - b.lo)
    if op == "*":
        products = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return ir.IntT(min(products), max(products))
    if op == "/":  # rounds toward zero: never larger in magnitude than the dividend
        most = max(abs(a.lo), abs(a.hi))
        return ir.IntT(-most, most)
    if op == "%":  # the sign of the dividend, smaller in magnitude than the divisor and the dividend
        most = min(max(abs(b.lo), abs(b.hi)) - 1, max(abs(a.lo), abs(a.hi)))
        most = max(most, 0)
        return ir.IntT(-most if a.lo < 0 else 0, most if a.hi > 0 else 0)
    return ir.INT


def _size_bound(t: ir.Type) -> int:
    """The most elements a set (or keys a map) of type t can have."""
    if isinstance(t, ir.SetT):
        return ir.domain_size(t.elem)
    if isinstance(t, ir.MapT):
        return ir.domain_size(t.key)
    return 1 << 62


def _elem_type(t: ir.Type) -> ir.Type:
    return t.elem if isinstance(t, ir.SetT) else ir.INT


def _default_value(t: ir.Type) -> Any:
    if isinstance(t, ir.BoolT):
        return False
    if isinstance(t, ir.IntT):
        if t.lo is None or t.hi is None:
            return 0
        return 0 if t.lo <= 0 <= t.hi else t.lo
    if isinstance(t, ir.EnumT):
        return 0
    if isinstance(t, ir.OptionT):
        return None
    if isinstance(t, ir.SetT | ir.MapT):
        return frozenset()
    if isinstance(t, ir.TupleT):
        return tuple(_default_value(i) for i in t.items)
    if isinstance(t, ir.NodeT):
        return t.instances[0] if t.instances else None
    return None


def _range_too_large(lo: int, hi: int) -> str:
    return (
        f"the range {lo}..{hi} has {hi - lo + 1:,} values: too many to build (the limit is {ir.MAX_DOMAIN:,})"
    )


def _source_text(text: str, span: Span) -> str:
    lines = text.split("\n")  # the text is normalized: see spec/source.py
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    first = lines[span.line - 1][span.column - 1 :]
    middle = lines[span.line : span.end_line - 1]
    last = lines[span.end_line - 1][: span.end_column - 1]
    return " ".join(part.strip() for part in [first, *middle, last])


def _expectations(decl: ast.ModelDecl) -> tuple[ir.Expected | None, tuple[tuple[str, ir.Expected], ...]]:
    """A model's `expect` lines: the verdict of `expect all`, and those of the properties named."""
    expect_all = None
    named: list[tuple[str, ir.Expected]] = []
    for expect in decl.expects:
        verdict = ir.EXPECTED_WORDS[expect.verdict]
        if expect.properties is None:
            expect_all = verdict
        else:
            named.extend((name, verdict) for name, _ in expect.properties)
    return expect_all, tuple(named)
