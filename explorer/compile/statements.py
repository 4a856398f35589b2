"""IR statements -> Python closures. A handler's statements may branch (`choose`), so a compiled block maps
one Ctx to the list of Ctxs it ends in; a run-time error stops its branch and is carried in Ctx.error.
One method per IR statement class, dispatched by a table built once (STATEMENTS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from explorer.compile.context import Block, Ctx, InOrder, Raised, Step, fail
from explorer.compile.expressions import ExpressionCompiler
from explorer.values import show
from spec import ir
from spec.diagnostics import InternalError
from spec.source import Span


class Compiler(ExpressionCompiler):
    """IR -> closures, once per spec and model: nothing walks the IR while the explorer runs."""

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
                    except Raised as raised:
                        x.error = raised.error
                        nxt.append(x)
                ctxs = nxt
            return ctxs

        return run

    def stmt(self, s: ir.Stmt) -> Step:
        method = STATEMENTS.get(type(s))
        if method is None:
            raise InternalError(f"no compiler for {type(s).__name__}")
        return method(self, s)

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

    # ---- control

    def if_(self, s: ir.If) -> Step:
        cond, then, else_ = self.expr(s.cond), self.block(s.then), self.block(s.else_)
        return lambda c: then(c) if cond(c) else else_(c)

    def for_(self, s: ir.For) -> Step:
        domain, body, slot = self.expr(s.domain), self.block(s.body), s.slot
        order = InOrder()

        def for_each(c: Ctx) -> list[Ctx]:
            ctxs = [c]
            for v in order(domain(c)):
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

    def choose(self, s: ir.Choose) -> Step:
        """One branch per element; none (the step is not enabled) for an empty set."""
        domain, body, slot = self.expr(s.domain), self.block(s.body), s.slot
        order = InOrder()

        def choose(c: Ctx) -> list[Ctx]:
            out: list[Ctx] = []
            for v in order(domain(c)):
                x = c.copy()
                x.frame[slot] = v
                out.extend(body(x))
            return out

        return choose

    def reject(self, s: ir.Reject) -> Step:
        return lambda c: []

    def assert_(self, s: ir.Assert) -> Step:
        cond, name, span = self.expr(s.cond), s.name, s.span

        def check_assert(c: Ctx) -> list[Ctx]:
            if not cond(c):
                raise fail(f"assertion {name} failed", span, kind="assert", prop=name)
            return [c]

        return check_assert

    def let(self, s: ir.Let) -> Step:
        value, slot = self.expr(s.value), s.slot

        def let(c: Ctx) -> list[Ctx]:
            c.frame[slot] = value(c)
            return [c]

        return let

    # ---- timers

    def set_timer(self, s: ir.SetTimer) -> Step:
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

    def cancel_timer(self, s: ir.CancelTimer) -> Step:
        timer = s.timer

        def cancel_timer(c: Ctx) -> list[Ctx]:
            c.timers[timer] = None
            return [c]

        return cancel_timer

    # ---- state and messages

    def assign(self, s: ir.Assign) -> Step:
        value = self.expr(s.value)
        keys = [self.expr(k) for k in s.keys]
        slot = s.slot
        what = s.target_name + "".join("[…]" for _ in keys)
        check = self.checker(s.target_type, what, s.span)
        combine = _combiner(s.op, what, s.span)
        if not keys:

            def assign_var(c: Ctx) -> list[Ctx]:
                v = combine(c.vars[slot], value(c))
                if check is not None:
                    check(v)
                c.vars[slot] = v
                return [c]

            return assign_var

        update = self._map_update(s, what, combine, check)

        def assign_entry(c: Ctx) -> list[Ctx]:
            path = [k(c) for k in keys]
            c.vars[slot] = update(c.vars[slot], path, 0, value(c))
            return [c]

        return assign_entry

    def _map_update(
        self, s: ir.Assign, what: str, combine: Callable[[Any, Any], Any], check: Callable[[Any], None] | None
    ) -> Callable[[Any, list[Any], int, Any], Any]:
        """`m[k1][k2] op= v` as a function of the map, the keys, the depth reached and the value."""
        span, names, op = s.span, self.names, s.op
        key_types: list[ir.Type] = []
        t: ir.Type = s.var_type
        for _ in s.keys:
            key_types.append(t.key if isinstance(t, ir.MapT) else ir.INT)
            t = t.value if isinstance(t, ir.MapT) else ir.INT

        def update(m: Any, path: list[Any], depth: int, new: Any) -> Any:
            k = path[depth]
            key_type = key_types[depth]
            if not key_type.contains(k):
                raise fail(f"key {show(k, key_type, names)} of {what} is out of its range {key_type}", span)
            old = None
            found = False
            for mk, mv in m:
                if mk == k:
                    old, found = mv, True
                    break
            if depth + 1 < len(path):
                if not found:
                    raise fail(f"key {show(k, key_type, names)} is not in the map", span)
                inner = update(old, path, depth + 1, new)
            else:
                if op != "=" and not found:
                    raise fail(f"key {show(k, key_type, names)} is not in the map", span)
                inner = combine(old, new)
                if check is not None:
                    check(inner)
            return frozenset([*(p for p in m if p[0] != k), (k, inner)])

        return update

    def send(self, s: ir.Send | ir.Broadcast) -> Step:
        message = self.messages[s.message]
        index = message.index
        args = [self.expr(a) for a in s.args]
        checks = [self.checker(f.type, f"field {f.name} of {message.name}", s.span) for f in message.fields]
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


def _combiner(op: str, what: str, span: Span) -> Callable[[Any, Any], Any]:
    """How `=`, `+=` and `-=` combine a variable's old value with the new one (sets by union/difference)."""

    def combine(old: Any, new: Any) -> Any:
        if op == "=":
            return new
        if isinstance(old, frozenset):
            return old | new if op == "+=" else old - new
        if old is None:
            raise fail(f"`{op}` on {what}, which is `none`", span)
        return old + new if op == "+=" else old - new

    return combine


# Every IR statement class and the method that compiles it (tests/explorer/test_dispatch.py checks that none
# is missing).
STATEMENTS: dict[type, Callable[[Any, Any], Step]] = {
    ir.Assign: Compiler.assign,
    ir.If: Compiler.if_,
    ir.For: Compiler.for_,
    ir.Choose: Compiler.choose,
    ir.Send: Compiler.send,
    ir.Broadcast: Compiler.send,
    ir.SetTimer: Compiler.set_timer,
    ir.CancelTimer: Compiler.cancel_timer,
    ir.Assert: Compiler.assert_,
    ir.Let: Compiler.let,
    ir.Reject: Compiler.reject,
}
