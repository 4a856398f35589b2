"""IR expressions -> Python closures over a Ctx, one method per IR node class, dispatched by a table built
once (EXPRESSIONS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from explorer.compile.context import Ctx, Fn, InOrder, fail
from explorer.state import BYZANTINE, CRASHED, DOWN, STATUS, VARS
from explorer.values import Names, show
from spec import ir
from spec.diagnostics import InternalError
from spec.source import NOWHERE


class ExpressionCompiler:
    def __init__(self, system: ir.System) -> None:
        self.system = system
        self.names = Names(system)
        self.message_index = {m.name: m.index for m in system.messages}
        self.messages = {m.name: m for m in system.messages}

    def expr(self, e: ir.Expr) -> Fn:
        method = EXPRESSIONS.get(type(e))
        if method is None:
            raise InternalError(f"no compiler for {type(e).__name__}")
        return method(self, e)

    # ---- names and values

    def lit(self, e: ir.Lit) -> Fn:
        value = e.value
        return lambda c: value

    def var(self, e: ir.Var) -> Fn:
        slot = e.slot
        return lambda c: c.vars[slot]

    def local(self, e: ir.Local) -> Fn:
        slot = e.slot
        return lambda c: c.frame[slot]

    def self_ref(self, e: ir.SelfRef) -> Fn:
        return lambda c: c.self_index

    def node_var(self, e: ir.NodeVar) -> Fn:
        instance = self.expr(e.instance)
        position = VARS + e.slot
        return lambda c: c.world.locals[instance(c)][position]  # type: ignore[union-attr]

    def now(self, e: ir.Now) -> Fn:
        return lambda c: c.now

    def clock_read(self, e: ir.ClockRead) -> Fn:
        skew = self.system.model.clocks.skew
        if e.kind == "clock":
            return lambda c: c.clock
        if e.kind == "mono":
            return lambda c: c.mono
        if e.kind == "tt.earliest":
            return lambda c: c.clock - skew
        if e.kind == "tt.latest":
            return lambda c: c.clock + skew
        raise InternalError(f"unknown clock {e.kind}")

    def instance_ref(self, e: ir.InstanceRef) -> Fn:
        index = self.expr(e.index)
        node_type = self.system.node_type(e.node_type)
        first, count, span, name = node_type.first, node_type.count, e.span, e.node_type

        def instance_ref(c: Ctx) -> int:
            i = index(c)
            if not 0 <= i < count:
                raise fail(f"{name}[{i}] does not exist: {name} has instances 0..{count - 1}", span)
            return first + i

        return instance_ref

    def in_flight(self, e: ir.InFlight) -> Fn:
        message = self.message_index[e.message]
        return lambda c: c.world.inflight(message)  # type: ignore[union-attr]

    def old(self, e: ir.Old) -> Fn:
        operand = self.expr(e.operand)

        def old(c: Ctx) -> Any:
            """The operand, evaluated on the world before the step (a step invariant's view has one)."""
            world, now = c.world, c.now
            assert world is not None and world.before is not None
            c.world, c.now = world.before, world.before_now
            try:
                return operand(c)
            finally:
                c.world, c.now = world, now

        return old

    def unwrap(self, e: ir.Unwrap) -> Fn:
        operand, span = self.expr(e.operand), e.span

        def unwrap(c: Ctx) -> Any:
            v = operand(c)
            if v is None:
                raise fail("`none` used where a value is needed", span)
            return v

        return unwrap

    # ---- operators

    def unary(self, e: ir.Unary) -> Fn:
        operand = self.expr(e.operand)
        if e.op == "-":
            return lambda c: -operand(c)
        return lambda c: not operand(c)

    def binary(self, e: ir.Binary) -> Fn:
        left, right, op = self.expr(e.left), self.expr(e.right), e.op
        simple = _BINARY.get(op)
        if simple is not None:
            return simple(left, right)
        if op in ("in", "notin"):
            is_map = isinstance(e.right.type, ir.MapT)
            negate = op == "notin"

            def member(c: Ctx) -> bool:
                x, container = left(c), right(c)
                found = any(k == x for k, _ in container) if is_map else x in container
                return found != negate

            return member
        if op in ("/", "%"):
            return _division(left, right, op == "/", e)
        raise InternalError(f"no compiler for operator {op}")

    def if_then(self, e: ir.IfThen) -> Fn:
        cond, then, else_ = self.expr(e.cond), self.expr(e.then), self.expr(e.else_)
        return lambda c: then(c) if cond(c) else else_(c)

    # ---- sets, maps, tuples

    def quant(self, e: ir.Quant) -> Fn:
        """`all` stops at the first false element, `any` at the first true one, in the canonical order."""
        domain, body, slot = self.expr(e.domain), self.expr(e.body), e.slot
        order = InOrder()
        if e.kind == "all":

            def forall(c: Ctx) -> bool:
                frame = c.frame
                for v in order(domain(c)):
                    frame[slot] = v
                    if not body(c):
                        return False
                return True

            return forall
        if e.kind == "any":

            def exists(c: Ctx) -> bool:
                frame = c.frame
                for v in order(domain(c)):
                    frame[slot] = v
                    if body(c):
                        return True
                return False

            return exists

        def count(c: Ctx) -> int:
            frame = c.frame
            n = 0
            for v in order(domain(c)):
                frame[slot] = v
                if body(c):
                    n += 1
            return n

        return count

    def set_comp(self, e: ir.SetComp) -> Fn:
        domain, elem, slot = self.expr(e.domain), self.expr(e.elem), e.slot
        order = InOrder()
        keep = self.expr(e.cond) if e.cond is not None else None

        def set_comp(c: Ctx) -> frozenset[Any]:
            out = set()
            for v in order(domain(c)):
                c.frame[slot] = v
                if keep is None or keep(c):
                    out.add(elem(c))
            return frozenset(out)

        return set_comp

    def map_comp(self, e: ir.MapComp) -> Fn:
        domain, key, value_fn, slot = self.expr(e.domain), self.expr(e.key), self.expr(e.value), e.slot
        order = InOrder()
        keep_entry = self.expr(e.cond) if e.cond is not None else None

        def map_comp(c: Ctx) -> frozenset[Any]:
            out = {}
            for v in order(domain(c)):
                c.frame[slot] = v
                if keep_entry is None or keep_entry(c):
                    out[key(c)] = value_fn(c)  # of two equal keys, the later one's value stays
            return frozenset(out.items())

        return map_comp

    def tuple_lit(self, e: ir.TupleLit) -> Fn:
        items = [self.expr(i) for i in e.items]
        return lambda c: tuple(f(c) for f in items)

    def set_lit(self, e: ir.SetLit) -> Fn:
        items = [self.expr(i) for i in e.items]
        return lambda c: frozenset(f(c) for f in items)

    def map_lit(self, e: ir.MapLit) -> Fn:
        entries = [(self.expr(k), self.expr(v)) for k, v in e.entries]
        return lambda c: frozenset({k(c): v(c) for k, v in entries}.items())

    def range_set(self, e: ir.RangeSet) -> Fn:
        lo, hi = self.expr(e.lo), self.expr(e.hi)

        def range_set(c: Ctx) -> frozenset[int]:
            a, b = lo(c), hi(c)
            if b - a + 1 > ir.MAX_DOMAIN:  # one step must not build gigabytes
                raise fail(
                    f"the range {a}..{b} has {b - a + 1:,} values: too many to build (the limit is "
                    f"{ir.MAX_DOMAIN:,})",
                    NOWHERE,
                )
            return frozenset(range(a, b + 1))

        return range_set

    def index(self, e: ir.Index) -> Fn:
        obj, key, span = self.expr(e.obj), self.expr(e.key), e.span
        key_type = e.obj.type.key if isinstance(e.obj.type, ir.MapT) else ir.INT
        names = self.names

        def lookup(c: Ctx) -> Any:
            k = key(c)
            for mk, mv in obj(c):
                if mk == k:
                    return mv
            raise fail(f"key {show(k, key_type, names)} is not in the map", span)

        return lookup

    def tuple_get(self, e: ir.TupleGet | ir.MsgField) -> Fn:
        obj, i = self.expr(e.obj), e.index
        return lambda c: obj(c)[i]

    # ---- built-in functions

    def call(self, e: ir.Call) -> Fn:
        args = [self.expr(a) for a in e.args]
        func, span = e.func, e.span
        if func == "len":
            (arg,) = args
            return lambda c: len(arg(c))
        if func == "keys":
            (arg,) = args
            return lambda c: frozenset(k for k, _ in arg(c))
        if func == "crashed":
            (arg,) = args
            down = (CRASHED, DOWN)
            return lambda c: c.world.locals[arg(c)][STATUS] in down  # type: ignore[union-attr]
        if func == "byzantine":
            return _is_byzantine(args[0])
        pick = min if func == "min" else max
        if len(args) == 1:
            (arg,) = args

            def of_set(c: Ctx) -> int:
                values = arg(c)
                if not values:
                    raise fail(f"{func} of an empty set", span)
                if None in values:  # as arithmetic on `none` is
                    raise fail(f"{func} of a set that holds none", span)
                return pick(values)

            return of_set
        return lambda c: pick(f(c) for f in args)


def _is_byzantine(arg: Fn) -> Fn:
    def is_byzantine(c: Ctx) -> bool:
        node = arg(c)
        if c.world is not None:  # a property
            return bool(c.world.locals[node][STATUS] == BYZANTINE)
        return bool(c.byzantine >> node & 1)  # ghost code in a handler

    return is_byzantine


def _division(left: Fn, right: Fn, is_div: bool, e: ir.Binary) -> Fn:
    """Integer division rounding toward zero (and its remainder), as in C."""
    span = e.span

    def divide(c: Ctx) -> int:
        a, b = left(c), right(c)
        if b == 0:
            raise fail("division by zero", span)
        q = abs(a) // abs(b)
        q = q if (a >= 0) == (b >= 0) else -q
        return q if is_div else a - b * q

    return divide


_BINARY: dict[str, Callable[[Fn, Fn], Fn]] = {
    "and": lambda left, right: lambda c: left(c) and right(c),
    "or": lambda left, right: lambda c: left(c) or right(c),
    "implies": lambda left, right: lambda c: (not left(c)) or right(c),
    "==": lambda left, right: lambda c: left(c) == right(c),
    "!=": lambda left, right: lambda c: left(c) != right(c),
    "<": lambda left, right: lambda c: left(c) < right(c),
    "<=": lambda left, right: lambda c: left(c) <= right(c),
    ">": lambda left, right: lambda c: left(c) > right(c),
    ">=": lambda left, right: lambda c: left(c) >= right(c),
    "+": lambda left, right: lambda c: left(c) + right(c),
    "-": lambda left, right: lambda c: left(c) - right(c),
    "*": lambda left, right: lambda c: left(c) * right(c),
    "union": lambda left, right: lambda c: left(c) | right(c),
    "inter": lambda left, right: lambda c: left(c) & right(c),
    "diff": lambda left, right: lambda c: left(c) - right(c),
}

# Every IR expression class and the method that compiles it (tests/explorer/test_dispatch.py checks that
# none is missing).
EXPRESSIONS: dict[type, Callable[[Any, Any], Fn]] = {
    ir.Lit: ExpressionCompiler.lit,
    ir.Var: ExpressionCompiler.var,
    ir.NodeVar: ExpressionCompiler.node_var,
    ir.Local: ExpressionCompiler.local,
    ir.SelfRef: ExpressionCompiler.self_ref,
    ir.Now: ExpressionCompiler.now,
    ir.ClockRead: ExpressionCompiler.clock_read,
    ir.Unary: ExpressionCompiler.unary,
    ir.Binary: ExpressionCompiler.binary,
    ir.IfThen: ExpressionCompiler.if_then,
    ir.Quant: ExpressionCompiler.quant,
    ir.SetComp: ExpressionCompiler.set_comp,
    ir.MapComp: ExpressionCompiler.map_comp,
    ir.TupleLit: ExpressionCompiler.tuple_lit,
    ir.SetLit: ExpressionCompiler.set_lit,
    ir.MapLit: ExpressionCompiler.map_lit,
    ir.RangeSet: ExpressionCompiler.range_set,
    ir.Index: ExpressionCompiler.index,
    ir.TupleGet: ExpressionCompiler.tuple_get,
    ir.InstanceRef: ExpressionCompiler.instance_ref,
    ir.Call: ExpressionCompiler.call,
    ir.InFlight: ExpressionCompiler.in_flight,
    ir.MsgField: ExpressionCompiler.tuple_get,
    ir.Unwrap: ExpressionCompiler.unwrap,
    ir.Old: ExpressionCompiler.old,
}
