"""Symbolic execution of a handler (or a property) on a symbolic state: branches become if-then-else,
`choose` a fresh variable, loops over finite domains are unrolled, and the first run-time error of a path
(a range, a missing key, `none`, an assertion) is recorded with the condition under which it happens.
One method per IR node class, dispatched by tables built once (EXPRESSIONS, STATEMENTS)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import z3

from explorer.bmc import symbolic as S
from explorer.bmc.interrupt import Stopped, current_stop
from explorer.bmc.shapes import Local, Send, State
from explorer.bmc.symbolic import FALSE, TRUE, SOpt, SRecord, SSet, Sym, Unsupported
from explorer.compile import NO_RUNTIME_ERRORS
from explorer.state import BYZANTINE, CRASHED, DOWN
from spec import ir

if TYPE_CHECKING:
    from explorer.bmc.encode import Encoder


class SymbolicExpressions:
    """Expressions evaluated on a symbolic state, with their run-time errors recorded under the path
    condition `pc`."""

    def __init__(self, enc: Encoder, state: State, instance: int, local: Local) -> None:
        self.enc = enc
        self.state = state
        self.instance = instance
        self.local = local
        self.vars = list(local.vars)
        self.pc: Any = TRUE
        self.errored: Any = FALSE  # an error has happened on some path taken so far
        self.blocked: Any = FALSE  # a path has been rejected (reject, or choose from nothing)
        self.errors: dict[str, Any] = {}
        self.before: State | None = (
            None  # for a step invariant: the state before the step, which old(e) reads
        )

    def fail_if(self, cond: Any, prop: str = NO_RUNTIME_ERRORS) -> None:
        if z3.is_false(cond):
            return
        # a path that has already failed, or been rejected (`reject`, `choose` from nothing), goes no further
        hit = z3.And(self.pc, z3.Not(self.errored), z3.Not(self.blocked), cond)
        self.errors[prop] = z3.Or(self.errors.get(prop, FALSE), hit)
        self.errored = z3.Or(self.errored, hit)

    def under(self, cond: Any, evaluate: Callable[[], Sym]) -> Sym:
        """Evaluate with `cond` added to the path condition: errors count only where cond holds."""
        saved = self.pc
        self.pc = z3.And(saved, cond)
        try:
            return evaluate()
        finally:
            self.pc = saved

    def expr(self, e: ir.Expr | None, frame: list[Sym]) -> Sym:
        assert e is not None
        # building the terms of a large domain can take longer than any check: the bound holds here too
        if (reason := current_stop().poll()) is not None:
            raise Stopped(reason)
        method = EXPRESSIONS.get(type(e))
        if method is None:
            raise Unsupported(f"expression {type(e).__name__}")
        return method(self, e, frame)

    # ---- names and values

    def lit(self, e: ir.Lit, frame: list[Sym]) -> Sym:
        return S.const(e.value, e.type)

    def var(self, e: ir.Var, frame: list[Sym]) -> Sym:
        return self.vars[e.slot]

    def local_(self, e: ir.Local, frame: list[Sym]) -> Sym:
        value = frame[e.slot]
        if value is None:
            raise Unsupported(f"local {e.name} read before it is bound")
        return value

    def self_ref(self, e: ir.SelfRef, frame: list[Sym]) -> Sym:
        return z3.IntVal(self.instance)

    def node_var(self, e: ir.NodeVar, frame: list[Sym]) -> Sym:
        instance = self.expr(e.instance, frame)
        nt = self.enc.system.node_type(e.node_type)
        value = z3.simplify(instance)
        if z3.is_int_value(value):
            return self.state.locals[value.as_long()].vars[e.slot]
        out: Sym = self.state.locals[nt.first].vars[e.slot]
        for i in nt.instances[1:]:
            out = S.ite(instance == i, self.state.locals[i].vars[e.slot], out)
        return out

    def now(self, e: ir.Now, frame: list[Sym]) -> Sym:
        return self.state.now

    def clock_read(self, e: ir.ClockRead, frame: list[Sym]) -> Sym:
        if e.kind == "clock":
            return self.local.clock
        if e.kind == "mono":
            return self.local.mono
        if e.kind == "tt.earliest":
            return self.local.clock - self.enc.skew
        return self.local.clock + self.enc.skew

    def instance_ref(self, e: ir.InstanceRef, frame: list[Sym]) -> Sym:
        index = self.expr(e.index, frame)
        nt = self.enc.system.node_type(e.node_type)
        self.fail_if(z3.Not(z3.And(index >= 0, index < nt.count)))
        return index + nt.first

    def in_flight(self, e: ir.InFlight, frame: list[Sym]) -> Sym:
        m = self.enc.message_index[e.message]
        items = []
        for p, key in enumerate(self.enc.pool_keys):
            if key.message == m:
                src, dst = z3.IntVal(key.src), z3.IntVal(key.dst)
                items += [(slot.valid, SRecord((src, dst, *slot.args))) for slot in self.state.pools[p]]
        return SSet(tuple(items))

    def old(self, e: ir.Old, frame: list[Sym]) -> Sym:
        if self.before is None:
            raise Unsupported("old(…) outside a step invariant")
        state = self.state
        self.state = self.before
        try:
            return self.expr(e.operand, frame)
        finally:
            self.state = state

    def unwrap(self, e: ir.Unwrap, frame: list[Sym]) -> Sym:
        operand = self.expr(e.operand, frame)
        if isinstance(operand, SOpt):
            self.fail_if(z3.Not(operand.some))
            return operand.value
        return operand

    # ---- operators

    def unary(self, e: ir.Unary, frame: list[Sym]) -> Sym:
        operand = self.expr(e.operand, frame)
        return -operand if e.op == "-" else z3.Not(operand)

    def binary(self, e: ir.Binary, frame: list[Sym]) -> Sym:
        op = e.op
        left = self.expr(e.left, frame)
        if op in ("and", "or", "implies"):
            # the right side is evaluated only when the left one does not decide (as in the explorer)
            reached = z3.Not(left) if op == "or" else left
            right = self.under(reached, lambda: self.expr(e.right, frame))
            return {"and": z3.And, "or": z3.Or, "implies": z3.Implies}[op](left, right)
        right = self.expr(e.right, frame)
        simple = _BINARY.get(op)
        if simple is not None:
            return simple(left, right)
        if op in ("in", "notin"):
            found = S.lookup(right, left)[0] if isinstance(right, S.SMap) else S.member(left, right)
            return found if op == "in" else z3.Not(found)
        if op in ("/", "%"):  # rounds toward zero, as the explorer does
            self.fail_if(right == 0)
            safe = z3.If(right == 0, 1, right)
            magnitude = z3.If(left >= 0, left, -left) / z3.If(safe >= 0, safe, -safe)
            q = z3.If((left >= 0) == (safe >= 0), magnitude, -magnitude)
            return q if op == "/" else left - safe * q
        raise Unsupported(f"operator {op}")

    def if_then(self, e: ir.IfThen, frame: list[Sym]) -> Sym:
        cond = self.expr(e.cond, frame)
        then = self.under(cond, lambda: self.expr(e.then, frame))
        return S.ite(cond, then, self.under(z3.Not(cond), lambda: self.expr(e.else_, frame)))

    # ---- sets, maps, tuples

    def iterate(self, domain: Sym, t: ir.Type, ordered: bool) -> list[tuple[Any, Sym]]:
        """The elements of a set, each once, as (condition, element) — in the canonical order where the order
        can be seen (a loop's effects, a run-time error that an `all` may stop before, the key a map
        comprehension keeps), as the explorer walks them."""
        assert isinstance(domain, SSet)
        if not (isinstance(t, ir.SetT) and isinstance(t.elem, ir.MsgT)):
            return S.canonical_items(domain, t)
        if not ordered:
            return S.distinct_items(domain)
        # in-flight messages: spread over every message the network's pools could hold, in canonical order
        message = self.enc.messages[self.enc.message_index[t.elem.message]]
        field_values = S.product([S.finite_values(f.type) for f in message.fields])
        keys = sorted((key.src, key.dst) for key in self.enc.pool_keys if key.message == message.index)
        if len(keys) * len(field_values) > S.DOMAIN_LIMIT:
            raise Unsupported(
                f"iterating over the {message.name} messages in flight, where a run-time error may "
                "depend on their order, is too much to unroll"
            )
        out = []
        for src, dst in keys:
            for values in field_values:
                record = SRecord(
                    (
                        z3.IntVal(src),
                        z3.IntVal(dst),
                        *(S.const(v, f.type) for v, f in zip(values, message.fields, strict=True)),
                    )
                )
                out.append((S.member(record, domain), record))
        return out

    def quant(self, e: ir.Quant, frame: list[Sym]) -> Sym:
        """`all` stops at the first false element and `any` at the first true one (in the canonical order):
        a run-time error in a later element's body happens only if it is reached."""
        domain = self.expr(e.domain, frame)
        parts = []
        reached: Any = TRUE
        for c, element in self.iterate(domain, e.domain.type, ordered=ir.may_fail(e.body)):
            frame[e.slot] = element
            body = self.under(z3.And(reached, c), lambda: self.expr(e.body, frame))
            parts.append((c, body))
            if e.kind == "all":
                reached = z3.And(reached, z3.Implies(c, body))
            elif e.kind == "any":
                reached = z3.And(reached, z3.Implies(c, z3.Not(body)))
        if e.kind == "all":
            return z3.And(*[z3.Implies(c, b) for c, b in parts]) if parts else TRUE
        if e.kind == "any":
            return z3.Or(*[z3.And(c, b) for c, b in parts]) if parts else FALSE
        return z3.Sum(*[z3.If(z3.And(c, b), 1, 0) for c, b in parts]) if parts else z3.IntVal(0)

    def set_comp(self, e: ir.SetComp, frame: list[Sym]) -> SSet:
        """`{elem for x in domain if cond}`: the filter and the element are evaluated only for members (and
        the element only where the filter holds), in the canonical order, as the explorer does."""
        domain = self.expr(e.domain, frame)
        items = []
        ordered = ir.may_fail(e.elem) or (e.cond is not None and ir.may_fail(e.cond))
        for c, element in self.iterate(domain, e.domain.type, ordered):
            frame[e.slot] = element
            kept = z3.And(c, self.filter(e.cond, c, frame))
            items.append((kept, self.under(kept, lambda: self.expr(e.elem, frame))))
        return SSet(tuple(items))

    def filter(self, cond: ir.Expr | None, member: Any, frame: list[Sym]) -> Any:
        """A comprehension's `if` condition, evaluated for members only."""
        if cond is None:
            return TRUE
        return self.under(member, lambda: self.expr(cond, frame))

    def map_comp(self, e: ir.MapComp, frame: list[Sym]) -> S.SMap:
        """`{key: value for x in domain if cond}`: evaluated only for members that pass the filter, in the
        canonical order, so that of two with the same key the later one's value stays (S.lookup takes the last
        entry)."""
        domain = self.expr(e.domain, frame)
        entries = []
        for c, element in self.iterate(domain, e.domain.type, ordered=True):
            frame[e.slot] = element
            kept = z3.And(c, self.filter(e.cond, c, frame))
            key = self.under(kept, lambda: self.expr(e.key, frame))
            entries.append((kept, key, self.under(kept, lambda: self.expr(e.value, frame))))
        return S.SMap(tuple(entries))

    def tuple_lit(self, e: ir.TupleLit, frame: list[Sym]) -> Sym:
        return S.STuple(tuple(self.expr(i, frame) for i in e.items))

    def set_lit(self, e: ir.SetLit, frame: list[Sym]) -> Sym:
        return SSet(tuple((TRUE, self.expr(i, frame)) for i in e.items))

    def map_lit(self, e: ir.MapLit, frame: list[Sym]) -> Sym:
        return S.SMap(tuple((TRUE, self.expr(k, frame), self.expr(v, frame)) for k, v in e.entries))

    def range_set(self, e: ir.RangeSet, frame: list[Sym]) -> Sym:
        lo, hi = self.expr(e.lo, frame), self.expr(e.hi, frame)
        lo_v, hi_v = z3.simplify(lo), z3.simplify(hi)
        if z3.is_int_value(lo_v) and z3.is_int_value(hi_v):
            return SSet(tuple((TRUE, z3.IntVal(v)) for v in range(lo_v.as_long(), hi_v.as_long() + 1)))
        # bounds computed at run time: every value the bounds' types allow, present when in between
        elem = e.type.elem if isinstance(e.type, ir.SetT) else ir.INT
        values = S.finite_values(elem)
        if len(values) > S.DOMAIN_LIMIT:
            raise Unsupported(
                f"a range over {elem}, with bounds computed at run time, is too large to unroll"
            )
        return SSet(tuple((z3.And(lo <= v, v <= hi), z3.IntVal(v)) for v in values))

    def index(self, e: ir.Index, frame: list[Sym]) -> Sym:
        obj = self.expr(e.obj, frame)
        key = self.expr(e.key, frame)
        present, value = S.lookup(obj, key)
        self.fail_if(z3.Not(present))
        return value

    def item(self, e: ir.TupleGet | ir.MsgField, frame: list[Sym]) -> Sym:
        return self.expr(e.obj, frame).items[e.index]

    # ---- built-in functions

    def call(self, e: ir.Call, frame: list[Sym]) -> Sym:
        args = [self.expr(a, frame) for a in e.args]
        if e.func == "len":
            (arg,) = args
            return S.size(S.keys(arg)) if isinstance(arg, S.SMap) else S.size(arg)
        if e.func == "keys":
            return S.keys(args[0])
        if e.func in ("crashed", "byzantine"):
            status = self.enc.status_of(self.state, _concrete(args[0]))
            if e.func == "crashed":
                return z3.Or(status == CRASHED, status == DOWN)
            return status == BYZANTINE
        values: list[tuple[Any, Any]]
        if len(args) == 1:
            domain = args[0]
            assert isinstance(domain, SSet)
            values = list(domain.items)
            self.fail_if(z3.Not(z3.Or(*[c for c, _ in values])) if values else TRUE)
            if any(
                isinstance(v, SOpt) for _, v in values
            ):  # a `none` in the set is an error, as in arithmetic
                self.fail_if(z3.Or(*[z3.And(c, z3.Not(S.as_opt(v).some)) for c, v in values]))
                values = [(c, S.as_opt(v).value) for c, v in values]
        else:
            values = [(TRUE, a) for a in args]
        return _extreme(values, e.func == "min")


class Exec(SymbolicExpressions):
    """Symbolic execution of one handler: the path condition, the node's variables and timers as they are
    on every path (merged by if-then-else), the messages sent, and the errors met."""

    def __init__(self, enc: Encoder, state: State, instance: int, local: Local) -> None:
        super().__init__(enc, state, instance, local)
        self.armed = list(local.armed)
        self.deadline = list(local.deadline)
        self.sends: list[Send] = []
        self.requires: list[Any] = []

    def block(self, stmts: tuple[ir.Stmt, ...], frame: list[Sym]) -> None:
        for s in stmts:
            self.stmt(s, frame)

    def stmt(self, s: ir.Stmt, frame: list[Sym]) -> None:
        method = STATEMENTS.get(type(s))
        if method is None:
            raise Unsupported(f"statement {type(s).__name__}")
        method(self, s, frame)

    def _merge(self, cond: Any, then: tuple[list[Sym], list[Any], list[Any]]) -> None:
        """The node's variables and timers: `then`'s where cond holds, the current ones elsewhere."""
        self.vars = [S.ite(cond, a, b) for a, b in zip(then[0], self.vars, strict=True)]
        self.armed = [z3.If(cond, a, b) for a, b in zip(then[1], self.armed, strict=True)]
        self.deadline = [z3.If(cond, a, b) for a, b in zip(then[2], self.deadline, strict=True)]

    def if_(self, s: ir.If, frame: list[Sym]) -> None:
        cond = self.expr(s.cond, frame)
        outer = self.pc
        saved = (list(self.vars), list(self.armed), list(self.deadline), list(frame))
        self.pc = z3.And(outer, cond)
        self.block(s.then, frame)
        then = (self.vars, self.armed, self.deadline)
        then_frame = list(frame)
        self.vars, self.armed, self.deadline = list(saved[0]), list(saved[1]), list(saved[2])
        frame[:] = saved[3]
        self.pc = z3.And(outer, z3.Not(cond))
        self.block(s.else_, frame)
        self._merge(cond, then)
        frame[:] = [
            a if b is None else (b if a is None else S.ite(cond, a, b))
            for a, b in zip(then_frame, frame, strict=True)
        ]
        self.pc = outer

    def for_(self, s: ir.For, frame: list[Sym]) -> None:
        domain = self.expr(s.domain, frame)
        outer = self.pc
        for c, element in self.iterate(domain, s.domain.type, ordered=True):
            before = (list(self.vars), list(self.armed), list(self.deadline))
            frame[s.slot] = element
            self.pc = z3.And(outer, c)
            self.block(s.body, frame)
            after = (self.vars, self.armed, self.deadline)
            self.vars, self.armed, self.deadline = before
            self._merge(c, after)
        self.pc = outer

    def choose(self, s: ir.Choose, frame: list[Sym]) -> None:
        domain = self.expr(s.domain, frame)
        assert isinstance(domain, SSet)
        t = s.domain.type.elem if isinstance(s.domain.type, ir.SetT) else ir.INT
        choice = S.fresh(self.enc.fresh_name(f"choose@{s.span.line}"), t)
        self.enc.choices.extend(S.leaves_of(choice))
        empty = z3.Not(z3.Or(*[c for c, _ in domain.items])) if domain.items else TRUE
        self.blocked = z3.Or(self.blocked, z3.And(self.pc, z3.Not(self.errored), empty))
        self.requires.append(z3.Implies(z3.And(self.pc, z3.Not(empty)), S.member(choice, domain)))
        frame[s.slot] = choice
        self.block(s.body, frame)

    def reject(self, s: ir.Reject, frame: list[Sym]) -> None:
        self.blocked = z3.Or(self.blocked, z3.And(self.pc, z3.Not(self.errored)))

    def assert_(self, s: ir.Assert, frame: list[Sym]) -> None:
        self.fail_if(z3.Not(self.expr(s.cond, frame)), s.name)

    def let(self, s: ir.Let, frame: list[Sym]) -> None:
        frame[s.slot] = self.expr(s.value, frame)

    def set_timer(self, s: ir.SetTimer, frame: list[Sym]) -> None:
        if s.after is not None and self.enc.timed:
            d = self.expr(s.after, frame)
            self.fail_if(d < 0)
            deadline = self.local.mono + d
        else:
            deadline = z3.IntVal(0)
        self.armed[s.timer] = z3.If(self.pc, TRUE, self.armed[s.timer])
        self.deadline[s.timer] = z3.If(self.pc, deadline, self.deadline[s.timer])

    def cancel_timer(self, s: ir.CancelTimer, frame: list[Sym]) -> None:
        self.armed[s.timer] = z3.If(self.pc, FALSE, self.armed[s.timer])

    def assign(self, s: ir.Assign, frame: list[Sym]) -> None:
        value = self.expr(s.value, frame)
        old = self.vars[s.slot]

        def combine(previous: Sym, new: Sym) -> Sym:
            if s.op == "=":
                return new
            if isinstance(previous, SSet):
                return S.union(previous, new) if s.op == "+=" else S.diff(previous, new)
            if isinstance(previous, SOpt):
                self.fail_if(z3.Not(previous.some))
                previous = previous.value
            return previous + new if s.op == "+=" else previous - new

        if not s.keys:
            result = combine(old, value)
            self.fail_if(z3.Not(S.contains(result, s.target_type)))
            new = S.coerce(result, s.var_type)
        else:
            keys = [self.expr(k, frame) for k in s.keys]
            new = self._store(old, s.var_type, keys, value, combine, s)
        self.vars[s.slot] = S.ite(self.pc, new, old)

    def _store(
        self,
        m: Sym,
        t: ir.Type,
        keys: list[Sym],
        value: Sym,
        combine: Callable[[Sym, Sym], Sym],
        s: ir.Assign,
    ) -> Sym:
        assert isinstance(t, ir.MapT)
        present, previous = S.lookup(m, keys[0])
        if len(keys) > 1:
            self.fail_if(z3.Not(present))
            inner = self._store(previous, t.value, keys[1:], value, combine, s)
        else:
            if s.op != "=":
                self.fail_if(z3.Not(present))
            inner = combine(previous, value)
            self.fail_if(z3.Not(S.contains(inner, t.value)))
        self.fail_if(z3.Not(S.contains(keys[0], t.key)))
        return S.map_store(m, keys[0], S.coerce(inner, t.value))

    def send(self, s: ir.Send | ir.Broadcast, frame: list[Sym]) -> None:
        m = self.enc.message_index[s.message]
        message = self.enc.messages[m]
        args = tuple(self.expr(a, frame) for a in s.args)
        for f, value in zip(message.fields, args, strict=True):
            if ir.needs_check(f.type):
                self.fail_if(z3.Not(S.contains(value, f.type)))
        dest = self.expr(s.dest if isinstance(s, ir.Send) else s.dests, frame)
        if isinstance(dest, SSet):
            dest = S.to_domain(dest, ir.SetT(ir.NodeT(None, tuple(range(self.enc.n)))))
            for c, target in dest.items:
                self.sends.append((z3.And(self.pc, z3.Not(self.errored), c), self.instance, target, m, args))
        else:
            if isinstance(dest, SOpt):
                self.fail_if(z3.Not(dest.some))
                dest = dest.value
            self.fail_if(z3.Not(z3.And(dest >= 0, dest < self.enc.n)))
            self.sends.append((z3.And(self.pc, z3.Not(self.errored)), self.instance, dest, m, args))


def _concrete(x: Any) -> Any:
    value = z3.simplify(x)
    return value.as_long() if z3.is_int_value(value) else x


def _extreme(values: list[tuple[Any, Any]], smallest: bool) -> Sym:
    """The least (or greatest) of the values whose condition holds."""
    best: Any = None
    seen: Any = FALSE
    for c, v in values:
        if best is None:
            best, seen = v, c
            continue
        better = v < best if smallest else v > best
        best = z3.If(z3.And(c, z3.Or(z3.Not(seen), better)), v, best)
        seen = z3.Or(seen, c)
    return best if best is not None else z3.IntVal(0)


def frame_of(handler: ir.Handler, params: Sequence[Sym], sender: Any) -> list[Sym]:
    """A handler's local slots, with its message fields and its sender filled in."""
    frame: list[Sym] = [None] * handler.frame_size
    for slot, value in zip(handler.params, params, strict=False):
        frame[slot] = value
    if handler.sender_slot is not None:
        frame[handler.sender_slot] = sender
    return frame


_BINARY: dict[str, Callable[[Any, Any], Sym]] = {
    "==": S.eq,
    "!=": lambda a, b: z3.Not(S.eq(a, b)),
    "union": S.union,
    "inter": S.inter,
    "diff": S.diff,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}

# Every IR expression and statement class and the method that executes it symbolically
# (tests/explorer/test_dispatch.py checks that none is missing).
EXPRESSIONS: dict[type, Callable[[Any, Any, list[Sym]], Sym]] = {
    ir.Lit: SymbolicExpressions.lit,
    ir.Var: SymbolicExpressions.var,
    ir.NodeVar: SymbolicExpressions.node_var,
    ir.Local: SymbolicExpressions.local_,
    ir.SelfRef: SymbolicExpressions.self_ref,
    ir.Now: SymbolicExpressions.now,
    ir.ClockRead: SymbolicExpressions.clock_read,
    ir.Unary: SymbolicExpressions.unary,
    ir.Binary: SymbolicExpressions.binary,
    ir.IfThen: SymbolicExpressions.if_then,
    ir.Quant: SymbolicExpressions.quant,
    ir.SetComp: SymbolicExpressions.set_comp,
    ir.MapComp: SymbolicExpressions.map_comp,
    ir.TupleLit: SymbolicExpressions.tuple_lit,
    ir.SetLit: SymbolicExpressions.set_lit,
    ir.MapLit: SymbolicExpressions.map_lit,
    ir.RangeSet: SymbolicExpressions.range_set,
    ir.Index: SymbolicExpressions.index,
    ir.TupleGet: SymbolicExpressions.item,
    ir.InstanceRef: SymbolicExpressions.instance_ref,
    ir.Call: SymbolicExpressions.call,
    ir.InFlight: SymbolicExpressions.in_flight,
    ir.MsgField: SymbolicExpressions.item,
    ir.Unwrap: SymbolicExpressions.unwrap,
    ir.Old: SymbolicExpressions.old,
}
STATEMENTS: dict[type, Callable[[Any, Any, list[Sym]], None]] = {
    ir.Assign: Exec.assign,
    ir.If: Exec.if_,
    ir.For: Exec.for_,
    ir.Choose: Exec.choose,
    ir.Send: Exec.send,
    ir.Broadcast: Exec.send,
    ir.SetTimer: Exec.set_timer,
    ir.CancelTimer: Exec.cancel_timer,
    ir.Assert: Exec.assert_,
    ir.Let: Exec.let,
    ir.Reject: Exec.reject,
}
