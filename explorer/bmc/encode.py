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
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import z3

from explorer.bmc import symbolic as S
from explorer.bmc.execute import Exec, frame_of
from explorer.bmc.shapes import Local, Outcome, PoolKey, Send, Slot, State, leaves, with_leaves
from explorer.bmc.symbolic import FALSE, TRUE, Sym, Unsupported
from explorer.plan import Plan
from explorer.state import BYZANTINE, CRASHED, CUT, DOWN, PAUSED, UP
from spec import ir


class Encoder:
    """The symbolic semantics of one system. With `universe`, the network is exact for any number of
    messages (for the induction step of `prove`): a pool holds one slot per possible message, present or
    not (a set) or with a count (a bag); otherwise slots are written once per send (bounded checking)."""

    def __init__(self, system: ir.System | Plan, universe: bool = False) -> None:
        plan = system if isinstance(system, Plan) else Plan.of(system)
        self.plan = plan
        self.system = plan.system
        self.model = plan.system.model
        self.n = plan.n
        self.types = list(plan.instance_type)
        self.messages = plan.system.messages
        self.timed = plan.timed
        self.horizon = plan.horizon
        self.skew = plan.skew
        self.cuts = plan.cuts
        self.crash_budgets = list(plan.crash_budgets)
        self.pause_bound = plan.pause_bound
        self.byzantine = [f for f in self.model.faults if f.kind == ir.FaultKind.BYZANTINE and f.bound > 0]
        self.ordering = plan.ordering
        self.consumes = self.ordering != ir.Ordering.DUPLICATING
        self.message_index = {m.name: m.index for m in self.messages}
        self.choices: list[Any] = []  # every fresh choice variable made by handler execution, in order
        self.initial_vars = plan.initial_vars
        self.universe = universe
        if universe and (self.timed or self.ordering == ir.Ordering.FIFO):
            raise Unsupported(
                "induction needs a model without real time and with a set or bag network (not fifo)"
            )
        self._pools()
        self.next_seq = 0  # sequence numbers handed out so far (slots are numbered in sending order)
        self._heads: dict[tuple[int, int], tuple[State, list[Any]]] = {}
        self._possible: dict[int, tuple[Any, frozenset[int] | None]] = {}
        self.step_seq = 0  # the first sequence number of the step being encoded
        self.handled: dict[str, dict[str, ir.Handler]] = {
            nt.name: {h.message: h for h in nt.handlers if h.kind == "receive" and h.message}
            for nt in self.system.node_types
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
        spent = [z3.Int(f"spent{b}@{k}") for b in range(self.plan.spent_size)]
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
        """The status of a node given by number; -1 (no status) for a number past the nodes, which the
        caller has already made a run-time error (an instance reference out of range)."""
        if isinstance(node, int):
            return state.locals[node].status if 0 <= node < self.n else z3.IntVal(-1)
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
            Slot(
                FALSE,
                tuple(S.const(v, f.type) for v, f in zip(combo, fields, strict=True)),
                zero,
                zero,
                zero if self.consumes else None,
            )
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
                pools[p] = [
                    _add_if(slot, z3.And(hit, *[S.eq(a, b) for a, b in zip(values, slot.args, strict=True)]))
                    for slot in pools[p]
                ]
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
        frame = frame_of(handler, params, sender)
        guard = ex.expr(handler.guard, frame) if handler.guard is not None else TRUE
        guard_failed = ex.errored
        ex.pc = z3.And(guard, z3.Not(ex.errored))
        ex.block(handler.body, frame)
        ok = z3.And(guard, z3.Not(ex.errored), z3.Not(ex.blocked))
        produces = z3.Or(guard_failed, z3.And(guard, z3.Not(ex.blocked)))
        new_local = replace(local, vars=ex.vars, armed=ex.armed, deadline=ex.deadline)
        return produces, new_local, ex.sends, ex.errors, ex.requires, ok

    def enabled(
        self, state: State, i: int, handler: ir.Handler, local: Local, params: Sequence[Sym], sender: Any
    ) -> Any:
        """Whether a delivery or a timer would produce an outcome (for the rule that time waits for it)."""
        if not _has_choice(handler.body):
            ex = Exec(self, state, i, local)
            frame = frame_of(handler, params, sender)
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
    """How many times the symbolic execution of a loop over `e` runs its body (S.canonical_items): once
    per value of the element type in the canonical order, or once per item of the symbolic set, which may
    hold more items than its type has values (`{A[1], s, A[2]}` has three, each present under its
    condition): the larger of the two."""
    # iterated in the canonical order, a set is spread over its type's values; otherwise item by item
    t = e.type
    size = max(_items_bound(e), ir.domain_size(t.elem) if isinstance(t, ir.SetT) else 1 << 62)
    if size > S.DOMAIN_LIMIT:
        raise Unsupported(f"a loop over {e.type}, which has too many possible elements to unroll")
    return size


def _items_bound(e: ir.Expr) -> int:
    """How many items the symbolic value of set expression `e` may have."""
    if isinstance(e, ir.Lit) and isinstance(e.value, frozenset):
        return len(e.value)
    if isinstance(e, ir.SetLit):
        return len(e.items)
    if isinstance(e, ir.Binary) and e.op == "union":
        return _items_bound(e.left) + _items_bound(e.right)
    if isinstance(e, ir.Binary) and e.op in ("inter", "diff"):
        return _items_bound(e.left)
    if isinstance(e, ir.IfThen):
        return max(_items_bound(e.then), _items_bound(e.else_))
    if isinstance(e, ir.SetComp):
        return _items_bound(e.domain)
    t = e.type
    return ir.domain_size(t.elem) if isinstance(t, ir.SetT) else 1 << 62


__all__ = [
    "Encoder",
    "Exec",
    "Local",
    "Outcome",
    "PoolKey",
    "Slot",
    "State",
    "Unsupported",
    "leaves",
    "with_leaves",
]
