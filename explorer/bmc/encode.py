"""The transition relation of DESIGN's semantics as Z3 terms, read from the IR alone.

A symbolic state mirrors explorer.state: per node its status, timers (armed, deadline), clocks, pause
mark and variables; the budgets spent; real time and GST; and the network, as one pool of message slots
per message type and directed link (src, dst). A slot is (valid, fields, sent_at, seq): a message in
flight, written once, never reused; seq orders the messages of a link for FIFO delivery. Slots make every ordering exact:
a bag delivers any valid slot, a FIFO link only its oldest, a set never invalidates on delivery. Each step
adds to the pools as many fresh slots as one action can fill (`sites`), so nothing is ever out of room, and
the slot a send writes is known when the step is encoded.

One step is one action, chosen by an integer `act@k`; every part of the next state is an if-then-else over
the actions that change it. Handlers are executed symbolically (explorer.bmc.symbolic): branches become
if-then-else, `choose` a fresh variable, loops over finite domains are unrolled, and the first run-time
error of a path (a range, a missing key, `none`, an assertion) makes that step an error step instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import z3

from explorer.bmc import symbolic as S
from explorer.bmc.symbolic import FALSE, TRUE, SOpt, SRecord, SSet, Sym, Unsupported
from explorer.compile import NO_RUNTIME_ERRORS, Compiler, Ctx
from explorer.semantics import faults as explicit_faults
from explorer.state import BYZANTINE, CRASHED, DOWN, PAUSED, UP
from spec import ir
from spec.source import Span

# Positions in the spent tuple (as in explorer.semantics.system).
LOSS, DUPLICATE, PARTITIONS, CUT, NTP = 0, 1, 2, 3, 4
CRASH_BUDGETS = 5


# A message sent by a handler: (condition, sender (a node number), receiver, message index, fields).
Send = tuple[Any, Any, Any, int, tuple[Sym, ...]]


@dataclass
class Slot:
    valid: Any
    args: tuple[Sym, ...]
    sent_at: Any
    seq: Any
    count: Any = None  # how many copies, in the universe network of a bag (then valid is count > 0)


@dataclass(frozen=True)
class PoolKey:
    """The messages of one type on one directed link."""

    message: int
    src: int
    dst: int


@dataclass
class Local:
    status: Any
    armed: list[Any]
    deadline: list[Any]
    clock: Any
    mono: Any
    paused_since: Any
    vars: list[Sym]


@dataclass
class State:
    locals: list[Local]
    pools: list[list[Slot]]  # by pool number (Encoder.pool_keys)
    spent: list[Any]
    now: Any
    gst_at: Any


@dataclass
class Outcome:
    """What one action does from a state: when it may be taken (`pre`), the state it leads to, and the
    run-time errors it may fail with instead (property -> condition), plus facts its choices must obey."""

    label: str
    pre: Any
    after: State
    errors: dict[str, Any] = field(default_factory=dict)
    requires: list[Any] = field(default_factory=list)


def _leaves(state: State) -> list[Sym]:
    """The parts of a state, in a fixed order (for frame conditions)."""
    out: list[Sym] = []
    for local in state.locals:
        out += [local.status, *local.armed, *local.deadline, local.clock, local.mono, local.paused_since, *local.vars]
    for pool in state.pools:
        for slot in pool:
            out += [slot.valid, *slot.args, slot.sent_at, slot.seq]
            if slot.count is not None:
                out.append(slot.count)
    out += [*state.spent, state.now, state.gst_at]
    return out


def with_leaves(state: State, leaves: list[Sym]) -> State:
    """A state shaped like `state` whose parts are `leaves`, in the order of _leaves."""
    it = iter(leaves)
    locals_ = []
    for local in state.locals:
        status = next(it)
        armed = [next(it) for _ in local.armed]
        deadline = [next(it) for _ in local.deadline]
        clock, mono, paused = next(it), next(it), next(it)
        values = [next(it) for _ in local.vars]
        locals_.append(Local(status, armed, deadline, clock, mono, paused, values))
    pools = []
    for pool in state.pools:
        new_pool = []
        for slot in pool:
            valid = next(it)
            args = tuple(next(it) for _ in slot.args)
            sent_at, seq = next(it), next(it)
            count = next(it) if slot.count is not None else None
            new_pool.append(Slot(valid, args, sent_at, seq, count))
        pools.append(new_pool)
    spent = [next(it) for _ in state.spent]
    return State(locals_, pools, spent, next(it), next(it))


class Encoder:
    """The symbolic semantics of one system. With `universe`, the network is exact for any number of
    messages (for the induction step of `prove`): a pool holds one slot per possible message, present or
    not (a set) or with a count (a bag); otherwise slots are written once per send (bounded checking)."""

    def __init__(self, system: ir.System, universe: bool = False) -> None:
        self.system = system
        self.model = system.model
        self.n = len(system.instances)
        self.types = [system.node_type(inst.node_type) for inst in system.instances]
        self.messages = system.messages
        self.timed = self.model.timed
        self.horizon = self.model.horizon or 0
        self.skew = self.model.clocks.skew if self.timed else 0
        self.cuts = explicit_faults.partition_cuts(self.n, self.model.network)
        self.crash_budgets = [f for f in self.model.faults if f.kind in ("crash_stop", "crash_recovery")]
        self.pause_bound: dict[int, int] = {}
        for budget in self.model.faults:
            if budget.kind == "pause":
                for i in system.node_type(budget.node_type).instances:
                    self.pause_bound[i] = max(self.pause_bound.get(i, 0), budget.bound)
        self.byzantine = [f for f in self.model.faults if f.kind == "byzantine" and f.bound > 0]
        self.ordering = self.model.network.ordering
        self.consumes = self.ordering != "duplicating"
        self.message_index = {m.name: m.index for m in system.messages}
        self.choices: list[Any] = []  # every fresh choice variable made by handler execution, in order
        compiler = Compiler(system)
        self.initial_vars: list[tuple[Any, ...]] = []
        for inst in system.instances:
            ctx = Ctx([], [], inst.index)
            self.initial_vars.append(tuple(compiler.expr(v.init)(ctx) for v in self.types[inst.index].vars))
        self.universe = universe
        if universe and (self.timed or self.ordering == "fifo"):
            raise Unsupported(
                "induction needs a model without real time and with a set or bag network (not fifo)"
            )
        self._pools()
        self.next_seq = 0  # sequence numbers handed out so far (slots are numbered in sending order)
        self._heads: dict[tuple[int, int], tuple[State, list[Any]]] = {}
        self._possible: dict[int, tuple[Any, frozenset[int] | None]] = {}
        self.step_seq = 0  # the first sequence number of the step being encoded
        self.handled: dict[str, dict[str, ir.Handler]] = {
            nt.name: {h.message: h for h in nt.handlers if h.kind == "receive" and h.message} for nt in system.node_types
        }
        self._counter = itertools.count()

    # ---------------------------------------------------------------- sizes

    def _pools(self) -> None:
        """One pool per message type and link from a node that may send it (any node may be its target);
        and how many slots each pool gains per step: the most sends of that type one action of the sender's
        type makes (its start handler's, for the initial state)."""
        step_sites: dict[str, list[int]] = {}
        start_sites: dict[str, list[int]] = {}
        for nt in self.system.node_types:
            step_sites[nt.name] = [0] * len(self.messages)
            start_sites[nt.name] = [0] * len(self.messages)
            for h in nt.handlers:
                sites = _send_sites(h.body, self.n, self.message_index)
                table = start_sites if h.kind == "start" else step_sites
                table[nt.name] = [max(x, y) for x, y in zip(table[nt.name], sites, strict=True)]
        duplicates = bool(self.model.network.duplicate and self.consumes)
        self.pool_keys: list[PoolKey] = []
        self.step_sites: list[int] = []
        self.start_sites: list[int] = []
        for m in range(len(self.messages)):
            for src, nt in enumerate(self.types):
                if not step_sites[nt.name][m] + start_sites[nt.name][m]:
                    continue
                for dst in range(self.n):
                    self.pool_keys.append(PoolKey(m, src, dst))
                    self.step_sites.append(max(step_sites[nt.name][m], 1 if duplicates else 0))
                    self.start_sites.append(start_sites[nt.name][m])
        self.pool_of = {key: p for p, key in enumerate(self.pool_keys)}
        self.pools_to: dict[tuple[int, int], list[int]] = {}  # (message, dst) -> pools
        self.pools_on: dict[tuple[int, int], list[int]] = {}  # (src, dst) -> pools of every message type
        for p, key in enumerate(self.pool_keys):
            self.pools_to.setdefault((key.message, key.dst), []).append(p)
            self.pools_on.setdefault((key.src, key.dst), []).append(p)

    def fresh_name(self, base: str) -> str:
        return f"{base}#{next(self._counter)}"

    # ---------------------------------------------------------------- states

    def fresh_state(self, k: int) -> State:
        """A state of fresh variables: any state at all (the induction step of `prove`; universe mode)."""
        locals_ = []
        for i, nt in enumerate(self.types):
            p = f"n{i}@{k}"
            locals_.append(
                Local(
                    z3.Int(f"{p}.status"),
                    [z3.Bool(f"{p}.armed.{t}") for t in nt.timers],
                    [z3.Int(f"{p}.deadline.{t}") for t in nt.timers],
                    z3.Int(f"{p}.clock"),
                    z3.Int(f"{p}.mono"),
                    z3.Int(f"{p}.paused"),
                    [S.fresh(f"{p}.{v.name}", v.type) for v in nt.vars],
                )
            )
        pools = []
        for number, key in enumerate(self.pool_keys):
            pool = []
            for j, slot in enumerate(self.universe_pool(number)):
                q = f"{self.messages[key.message].name}.{key.src}>{key.dst}[{j}]@{k}"
                if self.consumes:
                    count = z3.Int(f"{q}.count")
                    pool.append(replace(slot, valid=count > 0, count=count))
                else:
                    pool.append(replace(slot, valid=z3.Bool(f"{q}.valid")))
            pools.append(pool)
        spent = [z3.Int(f"spent{b}@{k}") for b in range(CRASH_BUDGETS + len(self.crash_budgets))]
        return State(locals_, pools, spent, z3.Int(f"now@{k}"), z3.Int(f"gst@{k}"))

    def wellformed(self, state: State) -> list[Any]:
        """Every value in its type's range: what any state satisfies (for the induction step of `prove`)."""
        out = []
        for local, nt in zip(state.locals, self.types, strict=True):
            out.append(z3.Or(*[local.status == s for s in (UP, CRASHED, DOWN, PAUSED, BYZANTINE)]))
            for var, value in zip(nt.vars, local.vars, strict=True):
                out.append(S.contains(value, var.type))
            if not self.timed:
                out += [local.clock == 0, local.mono == 0, local.paused_since == -1]
                out += [d == 0 for d in local.deadline]
        for pool in state.pools:
            for slot in pool:
                if slot.count is not None:
                    out.append(slot.count >= 0)
        out += [x >= 0 for x in state.spent]
        return out

    # ---------------------------------------------------------------- helpers on states

    def link_cut(self, state: State, a: Any, b: Any) -> Any:
        """Whether the link a -> b is cut by the current partition (a, b: nodes, maybe symbolic)."""
        if len(self.cuts) <= 1:
            return FALSE
        cut = state.spent[CUT]

        def cut_of(x: int, y: int) -> Any:
            indices = [c for c, links in enumerate(self.cuts) if x * self.n + y in links]
            return z3.Or(*[cut == c for c in indices]) if indices else FALSE

        if isinstance(a, int) and isinstance(b, int):
            return cut_of(a, b)
        sources = sorted(self.possible_values(a) or range(self.n))
        targets = sorted(self.possible_values(b) or range(self.n))
        parts = []
        for x in sources:
            for y in targets:
                if x != y:
                    parts.append(z3.And(a == x, b == y, cut_of(x, y)))
        return z3.Or(*parts) if parts else FALSE

    def status_of(self, state: State, node: Any) -> Any:
        if isinstance(node, int):
            return state.locals[node].status
        out: Any = z3.IntVal(-1)
        for i in range(self.n):
            out = z3.If(node == i, state.locals[i].status, out)
        return out

    def select_slot(self, pool: list[Slot], j: Any) -> Slot:
        """The slot at a symbolic index."""
        slot = pool[0]
        for k in range(1, len(pool)):
            hit = j == k
            other = pool[k]
            slot = Slot(
                z3.If(hit, other.valid, slot.valid),
                tuple(S.ite(hit, a, b) for a, b in zip(other.args, slot.args, strict=True)),
                z3.If(hit, other.sent_at, slot.sent_at),
                z3.If(hit, other.seq, slot.seq),
            )
        return slot

    def heads(self, state: State, p: int) -> list[Any]:
        """For each slot of pool p: no older valid message on its link, of any type (FIFO delivery)."""
        key = self.pool_keys[p]
        cache_key = (id(state), p)
        cached = self._heads.get(cache_key)
        if cached is not None and cached[0] is state:
            return cached[1]
        others = [slot for q in self.pools_on[(key.src, key.dst)] for slot in state.pools[q]]
        out = []
        for slot in state.pools[p]:
            seq = _int_value(slot.seq)
            older = []
            for other in others:
                if other is slot or z3.is_false(other.valid):
                    continue
                other_seq = _int_value(other.seq)
                if seq is not None and other_seq is not None and other_seq >= seq:
                    continue  # sent later: never in the way
                older.append(z3.And(other.valid, other.seq < slot.seq))
            out.append(z3.Not(z3.Or(*older)) if older else TRUE)
        self._heads[cache_key] = (state, out)
        return out

    def universe_pool(self, p: int) -> list[Slot]:
        """Pool p of the universe network, empty: one slot per possible message on its link."""
        key = self.pool_keys[p]
        fields = self.messages[key.message].fields
        count = math.prod(ir.domain_size(f.type) for f in fields)  # counted before anything is listed
        if count > UNIVERSE_LIMIT:
            raise Unsupported(
                f"{self.messages[key.message].name} has {count:,} possible values per link, too many to "
                f"track each one (the limit is {UNIVERSE_LIMIT:,})"
            )
        combos = list(itertools.product(*(S.finite_values(f.type) for f in fields)))
        zero = z3.IntVal(0)
        return [
            Slot(FALSE, tuple(S.const(v, f.type) for v, f in zip(combo, fields, strict=True)), zero, zero,
                 zero if self.consumes else None)
            for combo in combos
        ]

    def consume(self, pool: list[Slot], j: Any) -> list[Slot]:
        """The pool after delivering (or dropping) one copy of the message in slot j."""
        if self.universe and self.consumes:
            out = []
            for k, slot in enumerate(pool):
                count = z3.If(j == k, slot.count - 1, slot.count)
                out.append(replace(slot, valid=count > 0, count=count))
            return out
        return [_invalidate_if(slot, j == k) for k, slot in enumerate(pool)]

    def duplicate(self, pool: list[Slot], j: Any, slot: Slot, free: int) -> list[Slot]:
        """The pool with one more copy of the message in slot j (written to slot `free` when slots are
        written once)."""
        if self.universe:
            out = []
            for k, other in enumerate(pool):
                count = z3.If(j == k, other.count + 1, other.count)
                out.append(replace(other, valid=count > 0, count=count))
            return out
        new_pool = list(pool)
        # the copy takes this step's first new slot, and the original's place in its link's order
        new_pool[free] = Slot(TRUE, slot.args, slot.sent_at, slot.seq)
        return new_pool

    def extend(self, state: State, counts: Sequence[int]) -> tuple[State, list[int]]:
        """`state` with `counts[p]` empty slots added to pool p, and where each pool's new slots begin."""
        if self.universe:
            return state, [len(pool) for pool in state.pools]
        pools = []
        base = []
        self.step_seq = self.next_seq
        self.next_seq += sum(counts)
        for p, pool in enumerate(state.pools):
            base.append(len(pool))
            fields = self.messages[self.pool_keys[p].message].fields
            empty = Slot(FALSE, tuple(S.default(f.type) for f in fields), z3.IntVal(0), z3.IntVal(0))
            pools.append(list(pool) + [empty] * counts[p])
        return replace(state, pools=pools), base

    def _deliveries_of(self, sends: list[Send]) -> Iterator[tuple[int, int, Any, tuple[Sym, ...]]]:
        """(send number, pool, condition, fields) for each pool a send may land in: the pool of its type
        and link, for each receiver it may have."""
        for k, (cond, sender, dst, m, args) in enumerate(sends):
            fields = self.messages[m].fields
            values = tuple(S.coerce(a, f.type) for a, f in zip(args, fields, strict=True))
            targets = self.possible_values(dst)
            for d in range(self.n):
                if targets is None or d in targets:
                    yield k, self.pool_of[PoolKey(m, sender, d)], z3.And(cond, dst == d), values

    def append_sends(self, state: State, sends: list[Send], base: Sequence[int]) -> State:
        """`state` with the messages written (each under its condition) into the slots that begin at `base`:
        a message goes into the pool of its type and link, numbered in the order of sending. In the universe
        network, it is counted (or marked present) in the slot that stands for it."""
        if not sends:
            return state
        pools = [list(p) for p in state.pools]
        offset = [0] * len(pools)
        for k, p, hit, values in self._deliveries_of(sends):
            if self.universe:
                pools[p] = [_add_if(slot, z3.And(hit, *[S.eq(a, b) for a, b in zip(values, slot.args, strict=True)]))
                            for slot in pools[p]]
                continue
            j = base[p] + offset[p]
            offset[p] += 1
            slot = pools[p][j]
            pools[p][j] = Slot(
                z3.Or(hit, slot.valid),
                tuple(S.ite(hit, a, b) for a, b in zip(values, slot.args, strict=True)),
                z3.If(hit, state.now, slot.sent_at) if self.timed else slot.sent_at,
                z3.IntVal(self.step_seq + k),
            )
        return replace(state, pools=pools)

    def possible_values(self, term: Any) -> frozenset[int] | None:
        """The values an integer term can take, when it is a tree of if-then-else over constants (which
        node a message is addressed to, say); None when it may be anything. Terms share subterms, so the
        answer for each is remembered, keyed by Z3's id for it (the term is kept too: an id is only unique
        while its term lives)."""
        if isinstance(term, int):
            return frozenset((term,))
        if z3.is_int_value(term):
            return frozenset((term.as_long(),))
        if not z3.is_app_of(term, z3.Z3_OP_ITE):
            return None
        key = term.get_id()
        known = self._possible.get(key)
        if known is not None:
            return known[1]
        a, b = self.possible_values(term.arg(1)), self.possible_values(term.arg(2))
        answer = None if a is None or b is None else a | b
        self._possible[key] = (term, answer)
        return answer

    def with_local(self, state: State, i: int, local: Local) -> State:
        locals_ = list(state.locals)
        locals_[i] = local
        return replace(state, locals=locals_)

    # ---------------------------------------------------------------- handlers

    def run_handler(
        self,
        state: State,
        i: int,
        handler: ir.Handler,
        local: Local,
        params: Sequence[Sym] = (),
        sender: Any = None,
    ) -> tuple[Any, Local, list[Send], dict[str, Any], list[Any], Any]:
        """Run `handler` of instance i on `local`: (produces an outcome, new local, sends, errors, requires,
        ok). `produces an outcome` is true when the handler is enabled (its guard holds, or fails with an
        error) and some path through it is not rejected."""
        ex = Exec(self, state, i, local)
        frame = _frame(handler, params, sender)
        guard = ex.expr(handler.guard, frame) if handler.guard is not None else TRUE
        guard_failed = ex.errored
        ex.pc = z3.And(guard, z3.Not(ex.errored))
        ex.block(handler.body, frame)
        ok = z3.And(guard, z3.Not(ex.errored), z3.Not(ex.blocked))
        produces = z3.Or(guard_failed, z3.And(guard, z3.Not(ex.blocked)))
        new_local = replace(local, vars=ex.vars, armed=ex.armed, deadline=ex.deadline)
        return produces, new_local, ex.sends, ex.errors, ex.requires, ok

    def enabled(self, state: State, i: int, handler: ir.Handler, local: Local, params: Sequence[Sym], sender: Any) -> Any:
        """Whether a delivery or a timer would produce an outcome (for the rule that time waits for it)."""
        if not _has_choice(handler.body):
            ex = Exec(self, state, i, local)
            frame = _frame(handler, params, sender)
            guard = ex.expr(handler.guard, frame) if handler.guard is not None else TRUE
            return z3.Or(ex.errored, guard)
        before = len(self.choices)
        produces, _, _, _, requires, _ = self.run_handler(state, i, handler, local, params, sender)
        made = self.choices[before:]
        body = z3.And(produces, *requires)
        return z3.Exists(made, body) if made else body



UNIVERSE_LIMIT = 4096  # possible messages of one type on one link that the universe network tracks


def _add_if(slot: Slot, cond: Any) -> Slot:
    """A universe slot with one more copy of its message (a bag) or marked present (a set) when cond holds."""
    if slot.count is not None:
        count = slot.count + z3.If(cond, 1, 0)
        return replace(slot, valid=count > 0, count=count)
    return replace(slot, valid=z3.Or(slot.valid, cond))


def _invalidate_if(slot: Slot, cond: Any) -> Slot:
    """`slot`, gone when `cond` holds (a slot that never held a message stays the very same object, so that
    later steps still see it is empty)."""
    if z3.is_false(slot.valid):
        return slot
    return replace(slot, valid=z3.If(cond, FALSE, slot.valid))


def _may_meet(a: frozenset[int] | None, b: frozenset[int] | None) -> bool:
    return a is None or b is None or bool(a & b)


def _int_value(term: Any) -> int | None:
    return term.as_long() if z3.is_int_value(term) else None


def _has_choice(stmts: tuple[ir.Stmt, ...]) -> bool:
    for s in stmts:
        if isinstance(s, ir.Choose | ir.Reject):
            return True
        if isinstance(s, ir.If) and (_has_choice(s.then) or _has_choice(s.else_)):
            return True
        if isinstance(s, ir.For) and _has_choice(s.body):
            return True
    return False


def _send_sites(stmts: tuple[ir.Stmt, ...], n: int, index: dict[str, int]) -> list[int]:
    """How many sends of each message type the symbolic execution of `stmts` records: every branch's, a
    broadcast once per node, a loop's once per element of its domain."""
    out = [0] * len(index)
    for s in stmts:
        if isinstance(s, ir.Send):
            out[index[s.message]] += 1
        elif isinstance(s, ir.Broadcast):
            out[index[s.message]] += n
        elif isinstance(s, ir.If):
            a, b = _send_sites(s.then, n, index), _send_sites(s.else_, n, index)
            out = [x + y + z for x, y, z in zip(out, a, b, strict=True)]
        elif isinstance(s, ir.For | ir.Choose):
            inner = _send_sites(s.body, n, index)
            times = _domain_bound(s.domain, n) if isinstance(s, ir.For) else 1
            out = [x + times * y for x, y in zip(out, inner, strict=True)]
    return out


def _domain_bound(e: ir.Expr, n: int) -> int:
    t = e.type
    if isinstance(e, ir.Lit) and isinstance(e.value, frozenset):
        return len(e.value)
    if isinstance(t, ir.SetT):
        try:
            return len(list(t.elem.values()))
        except ValueError:
            pass
    if isinstance(e, ir.RangeSet):
        raise Unsupported("a loop over a range with bounds computed at run time")
    raise Unsupported(f"a loop over {t}, which has no finite bound")


class Exec:
    """Symbolic execution of one handler: the path condition, the node's variables and timers as they
    are on every path (merged by if-then-else), the messages sent, and the errors met."""

    def __init__(self, enc: Encoder, state: State, instance: int, local: Local) -> None:
        self.enc = enc
        self.state = state
        self.instance = instance
        self.local = local
        self.vars = list(local.vars)
        self.armed = list(local.armed)
        self.deadline = list(local.deadline)
        self.pc: Any = TRUE
        self.errored: Any = FALSE  # an error has happened on some path taken so far
        self.blocked: Any = FALSE  # a path has been rejected (reject, or choose from nothing)
        self.errors: dict[str, Any] = {}
        self.sends: list[Send] = []
        self.requires: list[Any] = []

    # ---- errors

    def fail_if(self, cond: Any, prop: str = NO_RUNTIME_ERRORS) -> None:
        if z3.is_false(cond):
            return
        hit = z3.And(self.pc, z3.Not(self.errored), cond)
        self.errors[prop] = z3.Or(self.errors.get(prop, FALSE), hit)
        self.errored = z3.Or(self.errored, hit)

    # ---- statements

    def block(self, stmts: tuple[ir.Stmt, ...], frame: list[Sym]) -> None:
        for s in stmts:
            self.stmt(s, frame)

    def stmt(self, s: ir.Stmt, frame: list[Sym]) -> None:
        if isinstance(s, ir.Assign):
            self.assign(s, frame)
        elif isinstance(s, ir.If):
            cond = self.expr(s.cond, frame)
            outer = self.pc
            saved = (list(self.vars), list(self.armed), list(self.deadline), list(frame))
            self.pc = z3.And(outer, cond)
            self.block(s.then, frame)
            then = (self.vars, self.armed, self.deadline, list(frame))
            self.vars, self.armed, self.deadline = list(saved[0]), list(saved[1]), list(saved[2])
            frame[:] = saved[3]
            self.pc = z3.And(outer, z3.Not(cond))
            self.block(s.else_, frame)
            self.vars = [S.ite(cond, a, b) for a, b in zip(then[0], self.vars, strict=True)]
            self.armed = [z3.If(cond, a, b) for a, b in zip(then[1], self.armed, strict=True)]
            self.deadline = [z3.If(cond, a, b) for a, b in zip(then[2], self.deadline, strict=True)]
            frame[:] = [a if b is None else (b if a is None else S.ite(cond, a, b)) for a, b in zip(then[3], frame, strict=True)]
            self.pc = outer
        elif isinstance(s, ir.For):
            domain = self.canonical_set(self.expr(s.domain, frame), s.domain.type)
            outer = self.pc
            for c, element in domain.items:
                before = (list(self.vars), list(self.armed), list(self.deadline))
                frame[s.slot] = element
                self.pc = z3.And(outer, c)
                self.block(s.body, frame)
                self.vars = [S.ite(c, a, b) for a, b in zip(self.vars, before[0], strict=True)]
                self.armed = [z3.If(c, a, b) for a, b in zip(self.armed, before[1], strict=True)]
                self.deadline = [z3.If(c, a, b) for a, b in zip(self.deadline, before[2], strict=True)]
            self.pc = outer
        elif isinstance(s, ir.Choose):
            domain = self.expr(s.domain, frame)
            assert isinstance(domain, SSet)
            t = s.domain.type.elem if isinstance(s.domain.type, ir.SetT) else ir.INT
            choice = S.fresh(self.enc.fresh_name(f"choose@{s.span.line}"), t)
            self.enc.choices.extend(_z3_leaves(choice))
            empty = z3.Not(z3.Or(*[c for c, _ in domain.items])) if domain.items else TRUE
            self.blocked = z3.Or(self.blocked, z3.And(self.pc, z3.Not(self.errored), empty))
            self.requires.append(z3.Implies(z3.And(self.pc, z3.Not(empty)), S.member(choice, domain)))
            frame[s.slot] = choice
            self.block(s.body, frame)
        elif isinstance(s, ir.Send | ir.Broadcast):
            self.send(s, frame)
        elif isinstance(s, ir.SetTimer):
            if s.after is not None and self.enc.timed:
                d = self.expr(s.after, frame)
                self.fail_if(d < 0)
                deadline = self.local.mono + d
            else:
                deadline = z3.IntVal(0)
            self.armed[s.timer] = z3.If(self.pc, TRUE, self.armed[s.timer])
            self.deadline[s.timer] = z3.If(self.pc, deadline, self.deadline[s.timer])
        elif isinstance(s, ir.CancelTimer):
            self.armed[s.timer] = z3.If(self.pc, FALSE, self.armed[s.timer])
        elif isinstance(s, ir.Assert):
            cond = self.expr(s.cond, frame)
            self.fail_if(z3.Not(cond), s.name)
        elif isinstance(s, ir.Let):
            frame[s.slot] = self.expr(s.value, frame)
        elif isinstance(s, ir.Reject):
            self.blocked = z3.Or(self.blocked, z3.And(self.pc, z3.Not(self.errored)))
        else:
            raise Unsupported(f"statement {type(s).__name__}")

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

    def _store(self, m: Sym, t: ir.Type, keys: list[Sym], value: Sym, combine: Callable[[Sym, Sym], Sym], s: ir.Assign) -> Sym:
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

    def canonical_set(self, value: Sym, t: ir.Type) -> SSet:
        """A set to iterate over in the explorer's order (sorted, each element once)."""
        assert isinstance(value, SSet)
        if all(isinstance(e, z3.ExprRef) and z3.is_int_value(e) for _, e in value.items) and len(
            {e.as_long() for _, e in value.items}
        ) == len(value.items):
            return SSet(tuple(sorted(value.items, key=lambda ce: ce[1].as_long())))
        elem = t.elem if isinstance(t, ir.SetT) else ir.INT
        try:
            return S.to_domain(value, ir.SetT(elem))
        except Unsupported:
            raise Unsupported("a loop over a set whose elements come from no finite type") from None

    # ---- expressions

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
        if isinstance(e, ir.Lit):
            return S.const(e.value, e.type)
        if isinstance(e, ir.Var):
            return self.vars[e.slot]
        if isinstance(e, ir.Local):
            value = frame[e.slot]
            if value is None:
                raise Unsupported(f"local {e.name} read before it is bound")
            return value
        if isinstance(e, ir.SelfRef):
            return z3.IntVal(self.instance)
        if isinstance(e, ir.NodeVar):
            instance = self.expr(e.instance, frame)
            return self.enc_node_var(instance, e.slot, e.node_type)
        if isinstance(e, ir.Now):
            return self.state.now
        if isinstance(e, ir.ClockRead):
            if e.kind == "clock":
                return self.local.clock
            if e.kind == "mono":
                return self.local.mono
            if e.kind == "tt.earliest":
                return self.local.clock - self.enc.skew
            return self.local.clock + self.enc.skew
        if isinstance(e, ir.Unary):
            operand = self.expr(e.operand, frame)
            return -operand if e.op == "-" else z3.Not(operand)
        if isinstance(e, ir.Binary):
            return self.binary(e, frame)
        if isinstance(e, ir.IfThen):
            cond = self.expr(e.cond, frame)
            then = self.under(cond, lambda: self.expr(e.then, frame))
            return S.ite(cond, then, self.under(z3.Not(cond), lambda: self.expr(e.else_, frame)))
        if isinstance(e, ir.Quant):
            domain = self.expr(e.domain, frame)
            assert isinstance(domain, SSet)
            items = S.distinct_items(domain) if e.kind == "count" else list(domain.items)
            parts = []
            # `all` stops at the first false element and `any` at the first true one (in the explorer's
            # order): a run-time error in a later element's body happens only if it is reached
            reached: Any = TRUE
            for c, element in items:
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
        if isinstance(e, ir.SetComp):
            domain = self.expr(e.domain, frame)
            assert isinstance(domain, SSet)
            items = []
            for c, element in domain.items:
                frame[e.slot] = element
                keep = self.expr(e.cond, frame) if e.cond is not None else TRUE
                items.append((z3.And(c, keep), self.expr(e.elem, frame)))
            return SSet(tuple(items))
        if isinstance(e, ir.MapComp):
            domain = self.expr(e.domain, frame)
            assert isinstance(domain, SSet)
            entries = []
            for c, element in domain.items:
                frame[e.slot] = element
                entries.append((c, self.expr(e.key, frame), self.expr(e.value, frame)))
            return S.SMap(tuple(entries))
        if isinstance(e, ir.TupleLit):
            return S.STuple(tuple(self.expr(i, frame) for i in e.items))
        if isinstance(e, ir.SetLit):
            return SSet(tuple((TRUE, self.expr(i, frame)) for i in e.items))
        if isinstance(e, ir.MapLit):
            return S.SMap(tuple((TRUE, self.expr(k, frame), self.expr(v, frame)) for k, v in e.entries))
        if isinstance(e, ir.RangeSet):
            lo, hi = self.expr(e.lo, frame), self.expr(e.hi, frame)
            lo_v, hi_v = z3.simplify(lo), z3.simplify(hi)
            if not (z3.is_int_value(lo_v) and z3.is_int_value(hi_v)):
                raise Unsupported("a range with bounds computed at run time")
            return SSet(tuple((TRUE, z3.IntVal(v)) for v in range(lo_v.as_long(), hi_v.as_long() + 1)))
        if isinstance(e, ir.Index):
            obj = self.expr(e.obj, frame)
            key = self.expr(e.key, frame)
            present, value = S.lookup(obj, key)
            self.fail_if(z3.Not(present))
            return value
        if isinstance(e, ir.TupleGet):
            obj = self.expr(e.obj, frame)
            return obj.items[e.index]
        if isinstance(e, ir.InstanceRef):
            index = self.expr(e.index, frame)
            nt = self.enc.system.node_type(e.node_type)
            self.fail_if(z3.Not(z3.And(index >= 0, index < nt.count)))
            return index + nt.first
        if isinstance(e, ir.Call):
            return self.call(e, frame)
        if isinstance(e, ir.InFlight):
            m = self.enc.message_index[e.message]
            items = []
            for p, key in enumerate(self.enc.pool_keys):
                if key.message == m:
                    src, dst = z3.IntVal(key.src), z3.IntVal(key.dst)
                    items += [(slot.valid, SRecord((src, dst, *slot.args))) for slot in self.state.pools[p]]
            return SSet(tuple(items))
        if isinstance(e, ir.MsgField):
            obj = self.expr(e.obj, frame)
            return obj.items[e.index]
        if isinstance(e, ir.Unwrap):
            operand = self.expr(e.operand, frame)
            if isinstance(operand, SOpt):
                self.fail_if(z3.Not(operand.some))
                return operand.value
            return operand
        raise Unsupported(f"expression {type(e).__name__}")

    def enc_node_var(self, instance: Sym, slot: int, node_type: str) -> Sym:
        nt = self.enc.system.node_type(node_type)
        value = z3.simplify(instance)
        if z3.is_int_value(value):
            return self.state.locals[value.as_long()].vars[slot]
        out: Sym = self.state.locals[nt.first].vars[slot]
        for i in nt.instances[1:]:
            out = S.ite(instance == i, self.state.locals[i].vars[slot], out)
        return out

    def binary(self, e: ir.Binary, frame: list[Sym]) -> Sym:
        op = e.op
        left = self.expr(e.left, frame)
        if op in ("and", "or", "implies"):
            # the right side is evaluated only when the left one does not decide (as in the explorer)
            reached = z3.Not(left) if op == "or" else left
            right = self.under(reached, lambda: self.expr(e.right, frame))
            if op == "and":
                return z3.And(left, right)
            if op == "or":
                return z3.Or(left, right)
            return z3.Implies(left, right)
        right = self.expr(e.right, frame)
        if op == "==":
            return S.eq(left, right)
        if op == "!=":
            return z3.Not(S.eq(left, right))
        if op in ("in", "notin"):
            found = S.lookup(right, left)[0] if isinstance(right, S.SMap) else S.member(left, right)
            return found if op == "in" else z3.Not(found)
        if op == "union":
            return S.union(left, right)
        if op == "inter":
            return S.inter(left, right)
        if op == "diff":
            return S.diff(left, right)
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        if op == ">=":
            return left >= right
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op in ("/", "%"):
            self.fail_if(right == 0)
            safe = z3.If(right == 0, 1, right)
            magnitude = z3.If(left >= 0, left, -left) / z3.If(safe >= 0, safe, -safe)
            q = z3.If((left >= 0) == (safe >= 0), magnitude, -magnitude)
            return q if op == "/" else left - safe * q
        raise Unsupported(f"operator {op}")

    def call(self, e: ir.Call, frame: list[Sym]) -> Sym:
        args = [self.expr(a, frame) for a in e.args]
        if e.func == "len":
            (arg,) = args
            if isinstance(arg, S.SMap):
                return S.size(S.keys(arg))
            return S.size(arg)
        if e.func == "keys":
            return S.keys(args[0])
        if e.func in ("crashed", "byzantine"):
            status = self.enc.status_of(self.state, _concrete(args[0]))
            if e.func == "crashed":
                return z3.Or(status == CRASHED, status == DOWN)
            return status == BYZANTINE
        pick_min = e.func == "min"
        values: list[tuple[Any, Any]]
        if len(args) == 1:
            domain = args[0]
            assert isinstance(domain, SSet)
            values = list(domain.items)
            self.fail_if(z3.Not(z3.Or(*[c for c, _ in values])) if values else TRUE)
        else:
            values = [(TRUE, a) for a in args]
        best: Any = None
        for c, v in values:
            if best is None:
                best = v
                seen = c
                continue
            better = v < best if pick_min else v > best
            best = z3.If(z3.And(c, z3.Or(z3.Not(seen), better)), v, best)
            seen = z3.Or(seen, c)
        return best if best is not None else z3.IntVal(0)


def _concrete(x: Any) -> Any:
    value = z3.simplify(x)
    return value.as_long() if z3.is_int_value(value) else x


def _z3_leaves(x: Sym) -> list[Any]:
    if isinstance(x, SOpt):
        return [x.some, *_z3_leaves(x.value)]
    if isinstance(x, SSet):
        return [c for c, _ in x.items]
    if isinstance(x, S.SMap):
        return [z for p, _, v in x.entries for z in (p, *_z3_leaves(v))]
    if isinstance(x, S.STuple):
        return [z for item in x.items for z in _z3_leaves(item)]
    return [x]


__all__ = ["Encoder", "Exec", "Local", "Outcome", "Slot", "Span", "State", "Unsupported"]


def _frame(handler: ir.Handler, params: Sequence[Sym], sender: Any) -> list[Sym]:
    """A handler's local slots, with its message fields and its sender filled in."""
    frame: list[Sym] = [None] * handler.frame_size
    for slot, value in zip(handler.params, params, strict=False):
        frame[slot] = value
    if handler.sender_slot is not None:
        frame[handler.sender_slot] = sender
    return frame
