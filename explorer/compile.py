"""IR expressions and statements -> Python closures, once per spec and model.

Nothing here walks the IR while the explorer runs: each node becomes a closure when the model is built.
Closures take a Ctx. A handler's statements may branch (`choose`), so a compiled block maps one Ctx to the
list of Ctxs it ends in; a run-time error stops its branch and is carried in Ctx.error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from explorer.state import BYZANTINE, CRASHED, DOWN, STATUS, VARS
from explorer.values import Names, ordered, show
from spec import ir
from spec.diagnostics import InternalError
from spec.source import NOWHERE, Span


@dataclass(frozen=True, slots=True)
class SpecRuntimeError:
    """A failure inside the spec while a step ran: an assertion, a value out of its range, a missing key.
    It is a violation, reported with the trace that led to it."""

    kind: str  # "assert" or "runtime"
    prop: str  # the property it violates: an assertion's name, or "no_runtime_errors"
    message: str
    span: Span


NO_RUNTIME_ERRORS = "no_runtime_errors"


class _Raise(Exception):
    def __init__(self, error: SpecRuntimeError) -> None:
        super().__init__(error.message)
        self.error = error


def fail(message: str, span: Span, kind: str = "runtime", prop: str = NO_RUNTIME_ERRORS) -> _Raise:
    return _Raise(SpecRuntimeError(kind, prop, message, span))


class World(Protocol):
    """What a property sees of a global state: every node's local state (laid out as in explorer.state),
    and the messages in flight."""

    locals: list[tuple[Any, ...]]

    def inflight(self, message: int) -> frozenset[tuple[Any, ...]]: ...


class Ctx:
    """The mutable state of one running step (or one property evaluation)."""

    __slots__ = (
        "byzantine", "clock", "error", "frame", "mono", "now", "self_index", "sends", "timers", "vars", "world"
    )

    def __init__(
        self,
        vars_: list[Any],
        frame: list[Any],
        self_index: int,
        timers: list[int | None] | None = None,
        world: World | None = None,
        clock: int = 0,
        mono: int = 0,
        now: int = 0,
    ) -> None:
        self.vars = vars_
        self.frame = frame
        self.self_index = self_index
        self.timers = timers if timers is not None else []  # deadline per timer, None: not armed
        self.sends: list[tuple[int, int, tuple[Any, ...]]] = []  # (dst, message index, args)
        self.error: SpecRuntimeError | None = None
        self.world = world
        self.clock = clock
        self.mono = mono
        self.now = now
        self.byzantine = 0  # bit mask of the Byzantine nodes, for ghost code in handlers

    def copy(self) -> Ctx:
        c = Ctx(list(self.vars), list(self.frame), self.self_index, list(self.timers), self.world,
                self.clock, self.mono, self.now)
        c.sends = list(self.sends)
        c.byzantine = self.byzantine
        return c


Fn = Callable[[Ctx], Any]


def in_order(values: frozenset[Any]) -> list[Any]:
    """A domain in the order every back end iterates it (which decides, among other things, whether an
    `all` stops before a run-time error in a later element)."""
    if all(type(v) is int for v in values):
        return sorted(values)
    return ordered(values)  # bools, None, tuples, sets: the general order
Block = Callable[[Ctx], list[Ctx]]


class Compiler:
    def __init__(self, system: ir.System) -> None:
        self.system = system
        self.names = Names(system)
        self.message_index = {m.name: m.index for m in system.messages}
        self.messages = {m.name: m for m in system.messages}

    # ---- expressions

    def expr(self, e: ir.Expr) -> Fn:
        if isinstance(e, ir.Lit):
            value = e.value
            return lambda c: value
        if isinstance(e, ir.Var):
            slot = e.slot
            return lambda c: c.vars[slot]
        if isinstance(e, ir.Local):
            slot = e.slot
            return lambda c: c.frame[slot]
        if isinstance(e, ir.SelfRef):
            return lambda c: c.self_index
        if isinstance(e, ir.NodeVar):
            instance = self.expr(e.instance)
            position = VARS + e.slot
            return lambda c: c.world.locals[instance(c)][position]  # type: ignore[union-attr]
        if isinstance(e, ir.Unary):
            operand = self.expr(e.operand)
            if e.op == "-":
                return lambda c: -operand(c)
            return lambda c: not operand(c)
        if isinstance(e, ir.Binary):
            return self.binary(e)
        if isinstance(e, ir.IfThen):
            cond, then, else_ = self.expr(e.cond), self.expr(e.then), self.expr(e.else_)
            return lambda c: then(c) if cond(c) else else_(c)
        if isinstance(e, ir.Quant):
            return self.quant(e)
        if isinstance(e, ir.SetComp):
            domain, elem, slot = self.expr(e.domain), self.expr(e.elem), e.slot
            keep = self.expr(e.cond) if e.cond is not None else None

            def set_comp(c: Ctx) -> frozenset[Any]:
                out = set()
                for v in in_order(domain(c)):
                    c.frame[slot] = v
                    if keep is None or keep(c):
                        out.add(elem(c))
                return frozenset(out)

            return set_comp
        if isinstance(e, ir.MapComp):
            domain, key, value_fn, slot = self.expr(e.domain), self.expr(e.key), self.expr(e.value), e.slot

            def map_comp(c: Ctx) -> frozenset[Any]:
                out = {}
                for v in in_order(domain(c)):
                    c.frame[slot] = v
                    out[key(c)] = value_fn(c)
                return frozenset(out.items())

            return map_comp
        if isinstance(e, ir.TupleLit):
            items = [self.expr(i) for i in e.items]
            return lambda c: tuple(f(c) for f in items)
        if isinstance(e, ir.SetLit):
            items = [self.expr(i) for i in e.items]
            return lambda c: frozenset(f(c) for f in items)
        if isinstance(e, ir.MapLit):
            entries = [(self.expr(k), self.expr(v)) for k, v in e.entries]
            return lambda c: frozenset({k(c): v(c) for k, v in entries}.items())
        if isinstance(e, ir.RangeSet):
            lo, hi = self.expr(e.lo), self.expr(e.hi)

            def range_set(c: Ctx) -> frozenset[int]:
                a, b = lo(c), hi(c)
                if b - a + 1 > ir.MAX_DOMAIN:  # one step must not build gigabytes
                    raise fail(f"the range {a}..{b} has {b - a + 1:,} values: too many to build (the limit is "
                               f"{ir.MAX_DOMAIN:,})", NOWHERE)
                return frozenset(range(a, b + 1))

            return range_set
        if isinstance(e, ir.Index):
            return self.index(e)
        if isinstance(e, ir.TupleGet):
            obj, i = self.expr(e.obj), e.index
            return lambda c: obj(c)[i]
        if isinstance(e, ir.InstanceRef):
            index = self.expr(e.index)
            node_type = self.system.node_type(e.node_type)
            first, count, span, name = node_type.first, node_type.count, e.span, e.node_type

            def instance_ref(c: Ctx) -> int:
                i = index(c)
                if not 0 <= i < count:
                    raise fail(f"{name}[{i}] does not exist: {name} has instances 0..{count - 1}", span)
                return first + i

            return instance_ref
        if isinstance(e, ir.Call):
            return self.call(e)
        if isinstance(e, ir.InFlight):
            message = self.message_index[e.message]
            return lambda c: c.world.inflight(message)  # type: ignore[union-attr]
        if isinstance(e, ir.MsgField):
            obj, i = self.expr(e.obj), e.index
            return lambda c: obj(c)[i]
        if isinstance(e, ir.Unwrap):
            operand, span = self.expr(e.operand), e.span

            def unwrap(c: Ctx) -> Any:
                v = operand(c)
                if v is None:
                    raise fail("`none` used where a value is needed", span)
                return v

            return unwrap
        if isinstance(e, ir.Now):
            return lambda c: c.now
        if isinstance(e, ir.ClockRead):
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
        raise InternalError(f"no compiler for {type(e).__name__}")

    def binary(self, e: ir.Binary) -> Fn:
        left, right, op, span = self.expr(e.left), self.expr(e.right), e.op, e.span
        if op == "and":
            return lambda c: left(c) and right(c)
        if op == "or":
            return lambda c: left(c) or right(c)
        if op == "implies":
            return lambda c: (not left(c)) or right(c)
        if op == "==":
            return lambda c: left(c) == right(c)
        if op == "!=":
            return lambda c: left(c) != right(c)
        if op == "<":
            return lambda c: left(c) < right(c)
        if op == "<=":
            return lambda c: left(c) <= right(c)
        if op == ">":
            return lambda c: left(c) > right(c)
        if op == ">=":
            return lambda c: left(c) >= right(c)
        if op == "+":
            return lambda c: left(c) + right(c)
        if op == "-":
            return lambda c: left(c) - right(c)
        if op == "*":
            return lambda c: left(c) * right(c)
        if op in ("in", "notin"):
            is_map = isinstance(e.right.type, ir.MapT)
            negate = op == "notin"

            def member(c: Ctx) -> bool:
                x, container = left(c), right(c)
                found = any(k == x for k, _ in container) if is_map else x in container
                return found != negate

            return member
        if op == "union":
            return lambda c: left(c) | right(c)
        if op == "inter":
            return lambda c: left(c) & right(c)
        if op == "diff":
            return lambda c: left(c) - right(c)
        if op in ("/", "%"):
            is_div = op == "/"

            def divide(c: Ctx) -> int:
                a, b = left(c), right(c)
                if b == 0:
                    raise fail("division by zero", span)
                q = abs(a) // abs(b)
                q = q if (a >= 0) == (b >= 0) else -q
                return q if is_div else a - b * q

            return divide
        raise InternalError(f"no compiler for operator {op}")

    def quant(self, e: ir.Quant) -> Fn:
        domain, body, slot = self.expr(e.domain), self.expr(e.body), e.slot
        if e.kind == "all":

            def forall(c: Ctx) -> bool:
                frame = c.frame
                for v in in_order(domain(c)):
                    frame[slot] = v
                    if not body(c):
                        return False
                return True

            return forall
        if e.kind == "any":

            def exists(c: Ctx) -> bool:
                frame = c.frame
                for v in in_order(domain(c)):
                    frame[slot] = v
                    if body(c):
                        return True
                return False

            return exists

        def count(c: Ctx) -> int:
            frame = c.frame
            n = 0
            for v in in_order(domain(c)):
                frame[slot] = v
                if body(c):
                    n += 1
            return n

        return count

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
            (arg,) = args

            def is_byzantine(c: Ctx) -> bool:
                node = arg(c)
                if c.world is not None:  # a property
                    return bool(c.world.locals[node][STATUS] == BYZANTINE)
                return bool(c.byzantine >> node & 1)  # ghost code in a handler

            return is_byzantine
        pick = min if func == "min" else max
        if len(args) == 1:
            (arg,) = args

            def of_set(c: Ctx) -> int:
                values = arg(c)
                if not values:
                    raise fail(f"{func} of an empty set", span)
                return pick(values)

            return of_set
        return lambda c: pick(f(c) for f in args)

    # ---- statements

    def block(self, stmts: tuple[ir.Stmt, ...]) -> Block:
        steps = [self.stmt(s) for s in stmts]
        if not steps:
            return lambda c: [c]

        def run(c: Ctx) -> list[Ctx]:
            ctxs = [c]
            for step in steps:
                nxt: list[Ctx] = []
                for x in ctxs:
                    if x.error is not None:
                        nxt.append(x)
                        continue
                    try:
                        nxt.extend(step(x))
                    except _Raise as raised:
                        x.error = raised.error
                        nxt.append(x)
                ctxs = nxt
            return ctxs

        return run

    def checker(self, t: ir.Type, what: str, span: Span) -> Callable[[Any], None] | None:
        """A closure that raises when a value does not fit type `t`, or None when every value fits."""
        if not ir.needs_check(t):
            return None
        names = self.names

        def check(v: Any) -> None:
            if not t.contains(v):
                if v is None:
                    raise fail(f"{what} cannot be `none`", span)
                raise fail(f"{what} = {show(v, t, names)} is out of its range {t}", span)

        return check

    def stmt(self, s: ir.Stmt) -> Callable[[Ctx], list[Ctx]]:
        if isinstance(s, ir.Assign):
            return self.assign(s)
        if isinstance(s, ir.If):
            cond, then, else_ = self.expr(s.cond), self.block(s.then), self.block(s.else_)
            return lambda c: then(c) if cond(c) else else_(c)
        if isinstance(s, ir.For):
            domain, body, slot = self.expr(s.domain), self.block(s.body), s.slot

            def for_each(c: Ctx) -> list[Ctx]:
                ctxs = [c]
                for v in ordered(domain(c)):
                    nxt = []
                    for x in ctxs:
                        if x.error is not None:
                            nxt.append(x)
                            continue
                        x.frame[slot] = v
                        nxt.extend(body(x))
                    ctxs = nxt
                return ctxs

            return for_each
        if isinstance(s, ir.Choose):
            domain, body, slot = self.expr(s.domain), self.block(s.body), s.slot

            def choose(c: Ctx) -> list[Ctx]:
                out: list[Ctx] = []
                for v in ordered(domain(c)):
                    x = c.copy()
                    x.frame[slot] = v
                    out.extend(body(x))
                return out

            return choose
        if isinstance(s, ir.Send | ir.Broadcast):
            return self.send(s)
        if isinstance(s, ir.SetTimer):
            timer, span = s.timer, s.span
            after = self.expr(s.after) if s.after is not None and self.system.model.timed else None

            def set_timer(c: Ctx) -> list[Ctx]:
                # The deadline is in the node's monotonic time; without clocks a timer is just armed.
                if after is None:
                    c.timers[timer] = 0
                    return [c]
                d = after(c)
                if d < 0:
                    raise fail(f"a timer cannot be set to fire {-d} ticks in the past", span)
                c.timers[timer] = c.mono + d
                return [c]

            return set_timer
        if isinstance(s, ir.CancelTimer):
            timer = s.timer

            def cancel_timer(c: Ctx) -> list[Ctx]:
                c.timers[timer] = None
                return [c]

            return cancel_timer
        if isinstance(s, ir.Assert):
            cond, name, span = self.expr(s.cond), s.name, s.span

            def check_assert(c: Ctx) -> list[Ctx]:
                if not cond(c):
                    raise fail(f"assertion {name} failed", span, kind="assert", prop=name)
                return [c]

            return check_assert
        if isinstance(s, ir.Let):
            value, slot = self.expr(s.value), s.slot

            def let(c: Ctx) -> list[Ctx]:
                c.frame[slot] = value(c)
                return [c]

            return let
        if isinstance(s, ir.Reject):
            return lambda c: []
        raise InternalError(f"no compiler for {type(s).__name__}")

    def assign(self, s: ir.Assign) -> Callable[[Ctx], list[Ctx]]:
        value = self.expr(s.value)
        keys = [self.expr(k) for k in s.keys]
        slot, op = s.slot, s.op
        what = s.target_name + "".join("[…]" for _ in keys)
        check = self.checker(s.target_type, what, s.span)
        span = s.span
        names = self.names
        key_types: list[ir.Type] = []
        t: ir.Type = s.var_type
        for _ in keys:
            key_types.append(t.key if isinstance(t, ir.MapT) else ir.INT)
            t = t.value if isinstance(t, ir.MapT) else ir.INT

        def combine(old: Any, new: Any) -> Any:
            if op == "=":
                return new
            if isinstance(old, frozenset):
                return old | new if op == "+=" else old - new
            if old is None:
                raise fail(f"`{op}` on {what}, which is `none`", span)
            return old + new if op == "+=" else old - new

        def update(m: Any, path: list[Any], depth: int, new: Any) -> Any:
            k = path[depth]
            old = None
            found = False
            for mk, mv in m:
                if mk == k:
                    old, found = mv, True
                    break
            if depth + 1 < len(path):
                if not found:
                    raise fail(f"key {show(k, key_types[depth], names)} is not in the map", span)
                inner = update(old, path, depth + 1, new)
            else:
                if op != "=" and not found:
                    raise fail(f"key {show(k, key_types[depth], names)} is not in the map", span)
                inner = combine(old, new)
                if check is not None:
                    check(inner)
            return frozenset([*(p for p in m if p[0] != k), (k, inner)])

        if not keys:

            def assign_var(c: Ctx) -> list[Ctx]:
                v = combine(c.vars[slot], value(c))
                if check is not None:
                    check(v)
                c.vars[slot] = v
                return [c]

            return assign_var

        def assign_entry(c: Ctx) -> list[Ctx]:
            path = [k(c) for k in keys]
            c.vars[slot] = update(c.vars[slot], path, 0, value(c))
            return [c]

        return assign_entry

    def send(self, s: ir.Send | ir.Broadcast) -> Callable[[Ctx], list[Ctx]]:
        message = self.messages[s.message]
        index = message.index
        args = [self.expr(a) for a in s.args]
        checks = [
            self.checker(f.type, f"field {f.name} of {message.name}", s.span) for f in message.fields
        ]
        dest = self.expr(s.dest if isinstance(s, ir.Send) else s.dests)
        span = s.span

        def send(c: Ctx) -> list[Ctx]:
            values = tuple(a(c) for a in args)
            for check, v in zip(checks, values, strict=True):
                if check is not None:
                    check(v)
            d = dest(c)
            if isinstance(d, frozenset):
                for target in sorted(d):
                    c.sends.append((target, index, values))
            elif isinstance(d, int) and not isinstance(d, bool):
                c.sends.append((d, index, values))
            else:
                raise fail(f"{message.name} is sent to {d!r}, which is not a node", span)
            return [c]

        return send


__all__ = ["NOWHERE", "NO_RUNTIME_ERRORS", "Compiler", "Ctx", "SpecRuntimeError", "World", "fail"]
