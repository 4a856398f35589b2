"""An ir.System under its model, as a transition system: DESIGN's semantics section.

One step is exactly one of: deliver an in-flight message, fire a timer, take a spontaneous action, let
time pass (`tick`, under synchronous and partially synchronous timing), or an adversary step within its
budget (explorer/semantics/faults.py: drop, duplicate, partition, heal, crash, recover, pause, resume;
explorer/semantics/clocks.py: NTP steps and GST).

Handlers run on one node's local state only, so their effect is a function of (local state, event) —
and of real time when some ghost code reads `now` — and is computed once and remembered: the explorer's
inner loop is dictionary lookups and tuple building.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from explorer.compile import NO_RUNTIME_ERRORS, Compiler, Ctx, SpecRuntimeError
from explorer.model import Action, Property, State
from explorer.semantics import byzantine, clocks, faults
from explorer.semantics.network import FifoOrdering, ordering
from explorer.state import (
    BYZANTINE,
    CLOCK,
    MONO,
    PAUSED_SINCE,
    STATUS,
    STATUS_NAMES,
    TIMERS,
    UP,
    VARS,
    LocalTable,
    MessageTable,
)
from explorer.values import Names, show, sort_key, to_itf
from spec import ir
from spec.diagnostics import InternalError

# An outcome of running a handler: the new local-state id and the ids of the messages it sent, or the
# run-time error that stopped it.
Outcome = tuple[int, tuple[int, ...]] | SpecRuntimeError
Entry = tuple[Action, Outcome]
# What a remembered handler effect is keyed on: the local-state id, the message id for a delivery, and the
# env (real time, Byzantine nodes) when some ghost code reads it.
CacheKey = tuple[Any, ...]
Env = tuple[int, int]

# Positions in the faults tuple.
LOSS, DUPLICATE, PARTITIONS, CUT, NTP = 0, 1, 2, 3, 4
CRASH_BUDGETS = 5  # one spent-count per crash budget of the model, from here on
# Positions in the time tuple.
NOW, GST_AT = 0, 1
NO_ENV = (0, 0)


@dataclass(frozen=True, slots=True)
class _CompiledHandler:
    handler: ir.Handler
    guard: Callable[[Ctx], Any] | None
    body: Callable[[Ctx], list[Ctx]]


class _Invariant:
    """A compiled invariant, remembered on the part of the state it reads (its footprint)."""

    def __init__(
        self, inv: ir.Invariant, fn: Callable[[Ctx], Any], footprint: tuple[int, ...], net: bool, now: bool
    ) -> None:
        self.name = inv.name
        self.fn = fn
        self.frame_size = inv.frame_size
        self.footprint = footprint
        self.reads_network = net
        self.reads_now = now
        self.memo: dict[tuple[Any, ...], bool] = {}


class _View:
    """What properties see of a global state (explorer.compile.World)."""

    __slots__ = ("_inflight", "_seen", "locals")

    def __init__(self, locals_: list[tuple[Any, ...]], inflight: Callable[[int], frozenset[tuple[Any, ...]]]) -> None:
        self.locals = locals_
        self._inflight = inflight
        self._seen: dict[int, frozenset[tuple[Any, ...]]] = {}  # a property may ask again inside a quantifier

    def inflight(self, message: int) -> frozenset[tuple[Any, ...]]:
        found = self._seen.get(message)
        if found is None:
            found = self._seen[message] = self._inflight(message)
        return found


class SystemModel:
    """The transition system of one spec under one model (explorer.model.Model)."""

    def __init__(self, system: ir.System, invariants: list[str] | None = None, deadlock: bool = False) -> None:
        self.system = system
        self.names = Names(system)
        self.n = len(system.instances)
        self.locals = LocalTable()
        self.msgs = MessageTable()
        model = system.model
        self.timed = model.timed
        self.horizon = model.horizon or 0
        # Under timing, an entry in flight remembers when it was sent (explorer.state).
        self.stride = self.horizon + 1 if self.timed else 1
        self.order = ordering(model.network.ordering, self.n, self.stride, self.msgs.src, self.msgs.dst)
        self.compiler = Compiler(system)
        self.instance_type = [system.node_type(inst.node_type) for inst in system.instances]
        type_numbers = {nt.name: k for k, nt in enumerate(system.node_types)}
        self.kind = [type_numbers[inst.node_type] for inst in system.instances]  # LocalTable.intern
        # Handlers whose effect depends on more than the node's local state: ghost code reading real time
        # or asking who is Byzantine. Their remembered effects are keyed on that too (the "env").
        handlers = [h for nt in system.node_types for h in nt.handlers]
        self.reads_now = any(_reads(h, ir.Now) for h in handlers)
        self.reads_byzantine = any(_reads_call(h, "byzantine") for h in handlers)
        self.env_dependent = self.reads_now or self.reads_byzantine
        # Without skew, drift or NTP every clock reads real time: traces need not show them.
        self.clocks_visible = self.timed and bool(model.clocks.skew or model.clocks.drift or model.clocks.ntp)
        self._compile_handlers()
        self._compile_initial_values()
        self.cuts = faults.partition_cuts(self.n, model.network)
        self.crash_budgets = [f for f in model.faults if f.kind in ("crash_stop", "crash_recovery")]
        self.byzantine_types = {f.node_type for f in model.faults if f.kind == "byzantine" and f.bound > 0}
        self.injectable, self.relayable = byzantine.message_domains(self)
        self.pause_bound: dict[int, int] = {}  # instance -> longest pause (ticks)
        for budget in model.faults:
            if budget.kind == "pause":
                for i in system.node_type(budget.node_type).instances:
                    self.pause_bound[i] = max(self.pause_bound.get(i, 0), budget.bound)
        self.properties = self._properties(invariants, deadlock)
        wanted = {p.name for p in self.properties}
        self.invariants = [inv for inv in self._compile_invariants() if inv.name in wanted]
        self.init_failures: list[tuple[Action, SpecRuntimeError]] = []
        # remembered handler effects
        self.delivery_cache: dict[CacheKey, list[Entry]] = {}
        self.event_cache: list[dict[CacheKey, list[Entry]]] = [{} for _ in range(self.n)]
        self.recover_cache: list[dict[CacheKey, list[Entry]]] = [{} for _ in range(self.n)]

    # ---------------------------------------------------------------- building

    def _compile_handlers(self) -> None:
        self.receive: dict[tuple[str, int], _CompiledHandler] = {}  # (node type, message index)
        self.actions: dict[str, list[_CompiledHandler]] = {}
        self.timeouts: dict[str, list[_CompiledHandler]] = {}
        self.lifecycle: dict[tuple[str, str], _CompiledHandler] = {}
        message_index = {m.name: m.index for m in self.system.messages}
        for nt in self.system.node_types:
            self.actions[nt.name] = []
            timeouts: list[_CompiledHandler | None] = [None] * len(nt.timers)
            for h in nt.handlers:
                compiled = _CompiledHandler(
                    h, self.compiler.expr(h.guard) if h.guard is not None else None, self.compiler.block(h.body)
                )
                if h.kind == "receive":
                    assert h.message is not None
                    self.receive[(nt.name, message_index[h.message])] = compiled
                elif h.kind == "action":
                    self.actions[nt.name].append(compiled)
                elif h.kind == "timeout":
                    assert h.timer is not None
                    timeouts[h.timer] = compiled
                else:
                    self.lifecycle[(nt.name, h.kind)] = compiled
            if any(t is None for t in timeouts):
                raise InternalError(f"node type {nt.name} has a timer without a handler")
            self.timeouts[nt.name] = [t for t in timeouts if t is not None]

    def _compile_initial_values(self) -> None:
        """Each instance's initial variables (initial values may read `self`)."""
        self.initial_vars: list[tuple[Any, ...]] = []
        for inst in self.system.instances:
            nt = self.instance_type[inst.index]
            ctx = Ctx([], [], inst.index)
            values = []
            for var in nt.vars:
                value = self.compiler.expr(var.init)(ctx)
                if not var.type.contains(value):
                    raise InternalError(f"initial value of {var.name} escaped the checker")
                values.append(value)
            self.initial_vars.append(tuple(values))

    def _properties(self, selected: list[str] | None, deadlock: bool) -> list[Property]:
        uri = self.system.uri
        props = [
            Property(inv.name, "invariant", inv.text, f"{uri}:{inv.span.line}:{inv.span.column}")
            for inv in self.system.invariants
        ]
        props += [
            Property(name, "assertion", f"assert at line {span.line}", f"{uri}:{span.line}:{span.column}")
            for name, span in self.system.asserts
        ]
        props.append(
            Property(NO_RUNTIME_ERRORS, "runtime", "no value leaves its range, no missing key, no `none` used", "")
        )
        if deadlock:
            props.append(Property("deadlock_free", "deadlock", "some protocol step is always enabled", ""))
        if selected:
            known = {p.name for p in props}
            unknown = [s for s in selected if s not in known]
            if unknown:
                raise KeyError(unknown[0])
            keep = set(selected)
            props = [p for p in props if p.name in keep]
        return props

    def _compile_invariants(self) -> list[_Invariant]:
        out = []
        for inv in self.system.invariants:
            types_read, reads_all, reads_net = _footprint(inv.expr)
            if reads_all:
                footprint = tuple(range(self.n))
            else:
                footprint = tuple(
                    i for nt in self.system.node_types if nt.name in types_read for i in nt.instances
                )
            reads_now = any(isinstance(sub, ir.Now) for sub in _walk(inv.expr))
            out.append(_Invariant(inv, self.compiler.expr(inv.expr), footprint, reads_net, reads_now))
        return out

    # ---------------------------------------------------------------- running handlers

    def _run(
        self,
        instance: int,
        handler: _CompiledHandler,
        local: tuple[Any, ...],
        frame: list[Any],
        env: Env,
        clear_timer: int | None = None,
    ) -> list[Outcome]:
        """Run one handler on one node's local state; [] when it is not enabled. env is (now, the bit mask of
        Byzantine nodes), for the ghost code that reads them."""
        timers = list(local[TIMERS])
        if clear_timer is not None:
            timers[clear_timer] = None
        ctx = Ctx(list(local[VARS:]), frame, instance, timers, None, local[CLOCK], local[MONO], env[0])
        ctx.byzantine = env[1]
        if handler.guard is not None:
            try:
                if not handler.guard(ctx):
                    return []
            except Exception as raised:
                return [_error_of(raised)]
        outcomes: list[Outcome] = []
        header = (local[STATUS],)
        rest = (local[CLOCK], local[MONO], local[PAUSED_SINCE])
        for done in handler.body(ctx):
            if done.error is not None:
                outcomes.append(done.error)
                continue
            lid = self.locals.intern((*header, tuple(done.timers), *rest, *done.vars), self.kind[instance])
            sends = tuple(self.msgs.intern(instance, dst, msg, args) for dst, msg, args in done.sends)
            outcomes.append((lid, sends))
        return outcomes

    def _delivery(self, key: CacheKey) -> list[Entry]:
        lid, mid = key[0], key[1]
        env: Env = key[2] if len(key) > 2 else NO_ENV
        src, dst, message, args = self.msgs.values[mid]
        nt = self.instance_type[dst]
        handler = self.receive.get((nt.name, message))
        entries: list[Entry] = []
        if handler is not None:
            h = handler.handler
            frame: list[Any] = [None] * h.frame_size
            for slot, value in zip(h.params, args, strict=True):
                frame[slot] = value
            if h.sender_slot is not None:
                frame[h.sender_slot] = src
            for k, outcome in enumerate(self._run(dst, handler, self.locals.values[lid], frame, env)):
                entries.append((("deliver", mid, k), outcome))
        self.delivery_cache[key] = entries
        return entries

    def _events(self, i: int, key: CacheKey) -> list[Entry]:
        """Spontaneous actions and timers that are due, of instance i in local state key[0]."""
        lid = key[0]
        env: Env = key[1] if len(key) > 1 else NO_ENV
        local = self.locals.values[lid]
        nt = self.instance_type[i]
        entries: list[Entry] = []
        for a, handler in enumerate(self.actions[nt.name]):
            frame: list[Any] = [None] * handler.handler.frame_size
            for k, outcome in enumerate(self._run(i, handler, local, frame, env)):
                entries.append((("act", i, a, k), outcome))
        mono = local[MONO]
        for t, deadline in enumerate(local[TIMERS]):
            # Without time an armed timer may fire at any step; with time, once the node's clock reaches it.
            if deadline is None or (self.timed and deadline > mono):
                continue
            handler = self.timeouts[nt.name][t]
            frame = [None] * handler.handler.frame_size
            for k, outcome in enumerate(self._run(i, handler, local, frame, env, clear_timer=t)):
                entries.append((("fire", i, t, k), outcome))
        self.event_cache[i][key] = entries
        return entries

    def _recovery(self, i: int, key: CacheKey) -> list[Entry]:
        """Recovery of instance i from local state key[0]: volatile variables back to their initial values,
        durable and ghost ones kept, timers cleared, then `on recover`."""
        lid = key[0]
        env: Env = key[1] if len(key) > 1 else NO_ENV
        local = self.locals.values[lid]
        nt = self.instance_type[i]
        initial = self.initial_vars[i]
        kept = tuple(
            local[VARS + var.slot] if var.kind in ("durable", "ghost") else initial[var.slot] for var in nt.vars
        )
        fresh = (UP, (None,) * len(nt.timers), local[CLOCK], local[MONO], -1, *kept)
        handler = self.lifecycle.get((nt.name, "recover"))
        entries: list[Entry]
        if handler is None:
            entries = [(("recover", i, 0), (self.locals.intern(fresh, self.kind[i]), ()))]
        else:
            frame: list[Any] = [None] * handler.handler.frame_size
            outcomes = self._run(i, handler, fresh, frame, env)
            entries = [(("recover", i, k), o) for k, o in enumerate(outcomes)]
        self.recover_cache[i][key] = entries
        return entries

    def env(self, state: State) -> tuple[int, int]:
        """(now, Byzantine mask) of a state: what env-dependent handlers read besides their local state."""
        status = self.locals.status
        mask = 0
        if self.reads_byzantine:
            for i in range(self.n):
                if status[state[i]] == BYZANTINE:
                    mask |= 1 << i
        return (state[self.n + 2][NOW], mask)

    def _key(self, lid: int, state: State) -> CacheKey:
        return (lid, self.env(state)) if self.env_dependent else (lid,)

    def stamp(self, sends: tuple[int, ...], now: int) -> tuple[int, ...]:
        """Network entries for messages sent at time `now`."""
        if self.stride == 1:
            return sends
        stride = self.stride
        return tuple(mid * stride + now for mid in sends)

    # ---------------------------------------------------------------- the transition system

    def _start_options(self, i: int, byzantine_mask: int) -> list[tuple[int, Outcome]]:
        """Instance i's possible starts: (initial clock, outcome of `on start`). A Byzantine node does not
        run its handlers at all."""
        nt = self.instance_type[i]
        if byzantine_mask >> i & 1:
            local = (BYZANTINE, (None,) * len(nt.timers), 0, 0, -1, *self.initial_vars[i])
            return [(0, (self.locals.intern(local, self.kind[i]), ()))]
        env = (0, byzantine_mask)
        skew = self.system.model.clocks.skew if self.timed else 0
        options: list[tuple[int, Outcome]] = []
        for clock in range(-skew, skew + 1):
            local = (UP, (None,) * len(nt.timers), clock, clock, -1, *self.initial_vars[i])
            handler = self.lifecycle.get((nt.name, "start"))
            if handler is None:
                options.append((clock, (self.locals.intern(local, self.kind[i]), ())))
                continue
            frame: list[Any] = [None] * handler.handler.frame_size
            options.extend((clock, o) for o in self._run(i, handler, local, frame, env))
        return options

    def init_states(self) -> list[tuple[Action, State]]:
        states: list[tuple[Action, State]] = []
        self.init_failures = []
        for mask in byzantine.byzantine_masks(self.system):
            states.extend(self._init_states(mask))
        return states

    def _init_states(self, byzantine_mask: int) -> list[tuple[Action, State]]:
        per_instance = [self._start_options(i, byzantine_mask) for i in range(self.n)]
        model = self.system.model
        spent = (0,) * (CRASH_BUDGETS + len(self.crash_budgets))
        gst_at = -1 if model.timing == "partially_synchronous" and model.gst != 0 else 0
        time = (0, gst_at)
        states: list[tuple[Action, State]] = []
        for choice in itertools.product(*(range(len(o)) for o in per_instance)):
            picked = [per_instance[i][k][1] for i, k in enumerate(choice)]
            action = ("init", byzantine_mask, choice)
            errors = [o for o in picked if isinstance(o, SpecRuntimeError)]
            if errors:
                self.init_failures.append((action, errors[0]))
                continue
            lids = [o[0] for o in picked if not isinstance(o, SpecRuntimeError)]
            sends = tuple(m for o in picked if not isinstance(o, SpecRuntimeError) for m in o[1])
            net = self.order.add((), self.stamp(sends, 0))
            states.append((action, (*lids, net, spent, time)))
        return states

    def successors(self, state: State) -> tuple[list[tuple[Action, State]], list[tuple[Action, SpecRuntimeError]]]:
        n = self.n
        out: list[tuple[Action, State]] = []
        fails: list[tuple[Action, SpecRuntimeError]] = []
        net = state[n]
        spent = state[n + 1]
        now, gst_at = state[n + 2]
        # Under synchronous timing the bounds always hold; under partial synchrony once GST has passed.
        bounded = self.timed and gst_at >= 0
        must_move = False  # a step is due before time may pass
        status = self.locals.status
        order = self.order
        add = order.add
        env = self.env(state) if self.env_dependent else None

        # spontaneous actions and timers
        event_cache = self.event_cache
        for i in range(n):
            lid = state[i]
            if status[lid] != UP:
                continue
            key: CacheKey = (lid,) if env is None else (lid, env)
            entries = event_cache[i].get(key)
            if entries is None:
                entries = self._events(i, key)
            for action, outcome in entries:
                if bounded and action[0] == "fire":
                    must_move = True
                if isinstance(outcome, SpecRuntimeError):
                    fails.append((action, outcome))
                    continue
                new_lid, sends = outcome
                if new_lid == lid and not sends:
                    out.append((action, state))
                    continue
                s = list(state)
                s[i] = new_lid
                if sends:
                    s[n] = add(net, self.stamp(sends, now))
                out.append((action, tuple(s)))

        # deliveries
        cut = self.cuts[spent[CUT]] if spent[CUT] else None
        msg_src, msg_dst = self.msgs.src, self.msgs.dst
        cache = self.delivery_cache
        consumes = order.consumes
        stride = self.stride
        delay = self.system.model.delay or 0
        for entry, position in order.deliverable(net):
            mid = entry // stride if stride > 1 else entry
            dst = msg_dst[mid]
            lid = state[dst]
            if status[lid] != UP:
                continue
            if cut is not None and msg_src[mid] * n + dst in cut:
                continue
            key = (lid, mid) if env is None else (lid, mid, env)
            entries = cache.get(key)
            if entries is None:
                entries = self._delivery(key)
            if not entries:
                continue
            if bounded and now - max(entry % stride, gst_at) >= delay:
                must_move = True
            rest = order.remove(net, position) if consumes else net
            for action, outcome in entries:
                if isinstance(outcome, SpecRuntimeError):
                    fails.append((action, outcome))
                    continue
                new_lid, sends = outcome
                if new_lid == lid and not sends and not consumes:
                    out.append((action, state))
                    continue
                s = list(state)
                s[dst] = new_lid
                s[n] = add(rest, self.stamp(sends, now)) if sends else rest
                out.append((action, tuple(s)))

        if self.byzantine_types:
            byzantine.injections(self, state, out, fails, env)
        faults.network_steps(self, state, out)
        faults.node_steps(self, state, out, fails)
        if self.timed:
            clocks.time_steps(self, state, out, must_move)
        return out, fails


    def deadlocked(self, state: State, successors: list[tuple[Action, State]]) -> bool:
        """No protocol step is enabled, and time cannot pass either (reaching the horizon is not a
        deadlock: it is where the exploration of time ends)."""
        if any(a[0] in ("deliver", "act", "fire", "tick") for a, _ in successors):
            return False
        return not (self.timed and state[self.n + 2][NOW] >= self.horizon)

    def violated(self, state: State) -> list[str]:
        bad: list[str] = []
        view: _View | None = None
        for inv in self.invariants:
            key = tuple(state[i] for i in inv.footprint)
            if inv.reads_network:
                key = (*key, state[self.n])
            if inv.reads_now:
                key = (*key, state[self.n + 2][NOW])
            ok = inv.memo.get(key)
            if ok is None:
                if view is None:
                    view = self.view(state)
                ctx = Ctx([], [None] * inv.frame_size, -1, None, view, now=state[self.n + 2][NOW])
                try:
                    ok = bool(inv.fn(ctx))
                except Exception as raised:
                    _error_of(raised)  # re-raises anything that is not the spec's own run-time error
                    ok = False  # an invariant that cannot be evaluated does not hold (as in the Z3 back end)
                inv.memo[key] = ok
            if not ok:
                bad.append(inv.name)
        return bad

    # ---------------------------------------------------------------- looking at states

    def view(self, state: State) -> _View:
        values = self.locals.values
        locals_ = [values[lid] for lid in state[: self.n]]
        net = state[self.n]

        def inflight(message: int) -> frozenset[tuple[Any, ...]]:
            found = set()
            for src, dst, m, args in self.in_flight_values(net):
                if m == message:
                    found.add((src, dst, *args))
            return frozenset(found)

        return _View(locals_, inflight)

    def now(self, state: State) -> int:
        return int(state[self.n + 2][NOW])

    def local(self, state: State, i: int) -> tuple[Any, ...]:
        return self.locals.values[state[i]]

    def in_flight_values(self, net: Any) -> Iterator[tuple[int, int, int, tuple[Any, ...]]]:
        stride = self.stride
        for entry in self.order.entries(net):
            yield self.msgs.values[entry // stride]

    def in_flight(self, state: State) -> list[tuple[int, tuple[int, int, int, tuple[Any, ...]]]]:
        """(sent_at, message) for every entry in flight."""
        stride = self.stride
        return [(entry % stride, self.msgs.values[entry // stride]) for entry in self.order.entries(state[self.n])]

    def canonical(self, state: State) -> tuple[Any, ...]:
        """A state as plain data that does not depend on interning: every node's local tuple, the network
        (a sorted list of (sent_at, message) for a bag, without repeats for a set, per link in order for
        FIFO), the budgets spent and the time. The Z3 back end decodes its states to the same shape."""
        locals_ = tuple(self.locals.values[state[i]] for i in range(self.n))
        return (locals_, canonical_network(self.system.model.network.ordering, self.in_flight(state), self.n),
                tuple(state[self.n + 1]), tuple(state[self.n + 2]))

    def from_canonical(self, canonical: tuple[Any, ...]) -> State:
        """The state that `canonical` describes (as SystemModel.canonical gives it): for states that were not
        reached by this model, such as the first state of a counterexample to induction."""
        locals_, network, spent, time = canonical
        lids = [self.locals.intern(tuple(local), self.kind[i]) for i, local in enumerate(locals_)]
        queued = [entry for _, queue in network for entry in queue] if self.system.model.network.ordering == "fifo" else list(network)
        entries = tuple(self.msgs.intern(*message) * self.stride + sent_at for sent_at, message in queued)
        return (*lids, self.order.add((), entries), tuple(spent), tuple(time))

    def cut_links(self, state: State) -> list[tuple[int, int]]:
        cut = self.cuts[state[self.n + 1][CUT]]
        return sorted(divmod(link, self.n) for link in cut)

    def budgets_spent(self, state: State) -> dict[str, int]:
        spent = state[self.n + 1]
        out = {"loss": spent[LOSS], "duplicate": spent[DUPLICATE], "partition": spent[PARTITIONS]}
        if self.system.model.clocks.ntp:
            out["ntp"] = spent[NTP]
        for b, budget in enumerate(self.crash_budgets):
            out[f"{budget.kind} of {budget.node_type}"] = spent[CRASH_BUDGETS + b]
        return out

    def show_message(self, mid_or_value: int | tuple[int, int, int, tuple[Any, ...]]) -> str:
        _, _, message, args = self.msgs.values[mid_or_value] if isinstance(mid_or_value, int) else mid_or_value
        m = self.system.messages[message]
        if not m.fields:
            return m.name
        shown = ", ".join(f"{f.name}={show(v, f.type, self.names)}" for f, v in zip(m.fields, args, strict=True))
        return f"{m.name}({shown})"

    def snapshot(self, state: State) -> dict[str, tuple[Any, str]]:
        """Every variable of a state by name, as (ITF value, display text): each node's variables as
        `Node.var`, and the system's own parts (`Node._status`, `Node._timers`, `Node._clock`,
        `Node._mono`, `_now`, `_gst`, `_network`, `_partition`, `_faults`) where the model has them."""
        names = self.names
        model = self.system.model
        out: dict[str, tuple[Any, str]] = {}
        if self.timed:
            now, gst_at = state[self.n + 2]
            out["_now"] = (now, str(now))
            if model.timing == "partially_synchronous":
                out["_gst"] = (gst_at, "not yet" if gst_at < 0 else f"at {gst_at}")
        show_status = bool(self.crash_budgets or self.pause_bound or self.byzantine_types)
        for inst in self.system.instances:
            local = self.locals.values[state[inst.index]]
            nt = self.instance_type[inst.index]
            for var in nt.vars:
                value = local[VARS + var.slot]
                out[f"{inst.name}.{var.name}"] = (to_itf(value, var.type, names), show(value, var.type, names))
            if show_status:
                status = STATUS_NAMES[local[STATUS]]
                out[f"{inst.name}._status"] = (status, status)
            if nt.timers:
                armed = [(t, d) for t, d in zip(nt.timers, local[TIMERS], strict=True) if d is not None]
                if self.timed:
                    out[f"{inst.name}._timers"] = (
                        {"#map": [[t, d] for t, d in armed]},
                        "{" + ", ".join(f"{t} at {d}" for t, d in armed) + "}",
                    )
                else:
                    out[f"{inst.name}._timers"] = ({"#set": [t for t, _ in armed]}, "{" + ", ".join(t for t, _ in armed) + "}")
            if self.clocks_visible:
                out[f"{inst.name}._clock"] = (local[CLOCK], str(local[CLOCK]))
                out[f"{inst.name}._mono"] = (local[MONO], str(local[MONO]))
        records = []
        texts = []
        for sent_at, (src, dst, message, args) in self.in_flight(state):
            m = self.system.messages[message]
            record: dict[str, Any] = {"src": names.node(src), "dst": names.node(dst), "type": m.name}
            for f, v in zip(m.fields, args, strict=True):
                record[f.name] = to_itf(v, f.type, names)
            when = ""
            if self.timed:
                record["sent_at"] = sent_at
                when = f" sent at {sent_at}"
            records.append(record)
            texts.append(f"{self.show_message((src, dst, message, args))} {names.node(src)}→{names.node(dst)}{when}")
        if not isinstance(self.order, FifoOrdering):
            # A bag or a set has no order of its own: list it by content, so that two runs that interned
            # messages in different orders (a check and a replay) show the same network.
            keyed = sorted(zip(records, texts, strict=True), key=lambda rt: json.dumps(rt[0], sort_keys=True))
            records, texts = [r for r, _ in keyed], [t for _, t in keyed]
        if self.order.consumes:
            out["_network"] = (records, "[" + ", ".join(texts) + "]")
        else:
            out["_network"] = ({"#set": records}, "{" + ", ".join(texts) + "}")
        network = model.network
        if network.partition:
            links = self.cut_links(state)
            out["_partition"] = (
                {"#set": [{"#tup": [names.node(a), names.node(b)]} for a, b in links]},
                "{" + ", ".join(f"{names.node(a)}↛{names.node(b)}" for a, b in links) + "}",
            )
        spent = self.budgets_spent(state)
        if network.loss or network.duplicate or network.partition or self.crash_budgets or model.clocks.ntp > 0:
            out["_faults"] = (dict(spent), ", ".join(f"{k}={v}" for k, v in spent.items()))
        return out

    def describe(self, state: State, action: Action, after: State | None) -> dict[str, Any]:
        """A step as a record: what happened, who did it, what it sent, which fault it was."""
        names = self.names
        kind = action[0]
        rec: dict[str, Any] = {"action": kind}
        if kind == "init":
            rec["text"] = "initial state"
        elif kind == "cti":
            rec["text"] = "a state where every property holds (it may be unreachable)"
        elif kind == "deliver":
            _, mid, _ = action
            src, dst, _, _ = self.msgs.values[mid]
            rec.update(actor=names.node(dst), peer=names.node(src), message=self.show_message(mid))
            rec["text"] = f"{names.node(dst)} receives {self.show_message(mid)} from {names.node(src)}"
        elif kind == "act":
            _, i, a, _ = action
            handler = self.actions[self.instance_type[i].name][a].handler
            rec.update(actor=names.node(i), step=handler.name)
            rec["text"] = f"{names.node(i)} does {handler.name}"
        elif kind == "fire":
            _, i, t, _ = action
            timer = self.instance_type[i].timers[t]
            rec.update(actor=names.node(i), step=timer)
            rec["text"] = f"{names.node(i)}: timer {timer} fires"
        elif kind == "recover":
            i = action[1]
            rec.update(actor=names.node(i), fault="recover")
            rec["text"] = f"{names.node(i)} recovers: volatile state lost, durable state kept"
        elif kind == "inject":
            rec.update(byzantine.describe(self, action))
        elif kind in faults.KINDS:
            rec.update(faults.describe(self, state, action))
        elif kind in clocks.KINDS:
            rec.update(clocks.describe(self, state, action))
        if self.timed:
            rec["now"] = self.now(after if after is not None else state)
        if after is not None and kind in ("deliver", "inject", "act", "fire", "recover", "init"):
            rec["sends"] = self._sends(state, action)
        return rec

    def _sends(self, state: State, action: Action) -> list[dict[str, str]]:
        """The messages a protocol step sent, recovered from its remembered outcome."""
        outcome = self.outcome(state, action)
        if outcome is None or isinstance(outcome, SpecRuntimeError):
            return []
        out = []
        for mid in outcome[1]:
            src, dst, _, _ = self.msgs.values[mid]
            out.append({"from": self.names.node(src), "to": self.names.node(dst), "message": self.show_message(mid)})
        return out

    def outcome(self, state: State, action: Action) -> Outcome | None:
        """The remembered effect of a protocol step taken from `state`."""
        kind = action[0]
        if kind == "init":
            sends: list[int] = []
            for i, k in enumerate(action[2]):
                option = self._start_options(i, action[1])[k][1]
                if not isinstance(option, SpecRuntimeError):
                    sends.extend(option[1])
            return (-1, tuple(sends))
        if kind in ("deliver", "inject"):
            mid = action[1]
            lid = state[self.msgs.dst[mid]]
            key: CacheKey = (lid, mid, self.env(state)) if self.env_dependent else (lid, mid)
            entries = self.delivery_cache.get(key) or self._delivery(key)
            if kind == "inject":
                entries = [(("inject", *label[1:]), o) for label, o in entries]
        elif kind in ("act", "fire"):
            i = action[1]
            key = self._key(state[i], state)
            entries = self.event_cache[i].get(key) or self._events(i, key)
        elif kind == "recover":
            i = action[1]
            key = self._key(state[i], state)
            entries = self.recover_cache[i].get(key) or self._recovery(i, key)
        else:
            return None
        for label, outcome in entries:
            if label == action:
                return outcome
        return None


def canonical_network(
    ordering: str, entries: list[tuple[int, tuple[int, int, int, tuple[Any, ...]]]], n: int
) -> tuple[Any, ...]:
    """Messages in flight, (sent_at, (src, dst, message, fields)) in their order of sending, as plain data
    in which equal networks are equal (see SystemModel.canonical)."""
    if ordering == "fifo":
        links: dict[int, list[Any]] = {}
        for entry in entries:
            src, dst = entry[1][0], entry[1][1]
            links.setdefault(src * n + dst, []).append(entry)
        return tuple((link, tuple(queue)) for link, queue in sorted(links.items()))
    ordered_entries = sorted(entries, key=sort_key)
    if ordering == "duplicating":
        unique: list[Any] = []
        for entry in ordered_entries:
            if not unique or unique[-1] != entry:
                unique.append(entry)
        return tuple(unique)
    return tuple(ordered_entries)


def _error_of(raised: Exception) -> SpecRuntimeError:
    error = getattr(raised, "error", None)
    if isinstance(error, SpecRuntimeError):
        return error
    raise raised


def _reads(handler: ir.Handler, kind: type) -> bool:
    return any(isinstance(sub, kind) for sub in _walk(handler))


def _reads_call(handler: ir.Handler, func: str) -> bool:
    return any(isinstance(sub, ir.Call) and sub.func == func for sub in _walk(handler))


def _footprint(e: ir.Expr) -> tuple[set[str], bool, bool]:
    """Which node types an expression reads, whether it may read any node, whether it reads the network."""
    types: set[str] = set()
    reads_all = False
    reads_net = False
    for sub in _walk(e):
        if isinstance(sub, ir.NodeVar):
            types.add(sub.node_type)
        elif isinstance(sub, ir.Call) and sub.func in ("crashed", "byzantine"):
            arg_t = sub.args[0].type
            if isinstance(arg_t, ir.NodeT) and arg_t.node_type is not None:
                types.add(arg_t.node_type)
            else:
                reads_all = True
        elif isinstance(sub, ir.InFlight):
            reads_net = True
    return types, reads_all, reads_net


_TYPES = (ir.BoolT, ir.IntT, ir.EnumT, ir.NodeT, ir.OptionT, ir.SetT, ir.MapT, ir.TupleT, ir.MsgT)


def _walk(node: Any) -> Iterator[Any]:
    """Every IR node under `node` (expressions and statements; types are not entered)."""
    yield node
    for name in getattr(node, "__slots__", ()):
        value = getattr(node, name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            for x in item if isinstance(item, tuple) else (item,):
                if hasattr(x, "__slots__") and not isinstance(x, _TYPES):
                    yield from _walk(x)
