"""The effect of running a handler: on one node's local state (and, for ghost code that reads them, on
real time and on who is Byzantine), a handler ends in a list of outcomes — the node's new local state and
the messages it sent, or the run-time error that stopped it. Effects are computed once and remembered, so
the explorer's inner loop is dictionary lookups and tuple building.

The tables that intern local states and messages live here too: every id in a global state is theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from explorer.actions import Act, Action, Deliver, Fire, Init, Inject, Interned, Recover
from explorer.compile import Compiler, Ctx, SpecRuntimeError
from explorer.plan import Plan
from explorer.semantics.network import Ordering, ordering
from explorer.state import (
    BYZANTINE,
    CLOCK,
    MONO,
    NOW,
    PAUSED_SINCE,
    STATUS,
    TIMERS,
    UP,
    VARS,
    LocalTable,
    MessageTable,
    State,
)
from spec import ir

# An outcome of running a handler: the new local-state id and the ids of the messages it sent, or the
# run-time error that stopped it.
Outcome = tuple[int, tuple[int, ...]] | SpecRuntimeError
Entry = tuple[Action, Outcome]
# What a remembered effect is keyed on: the local-state id, the message id for a delivery, and the env
# (real time, Byzantine nodes) when some ghost code reads it.
CacheKey = tuple[Any, ...]
Env = tuple[int, int]
NO_ENV: Env = (0, 0)


@dataclass(frozen=True, slots=True)
class Compiled:
    handler: ir.Handler
    guard: Callable[[Ctx], Any] | None
    body: Callable[[Ctx], list[Ctx]]


def error_of(raised: Exception) -> SpecRuntimeError:
    """The spec's run-time error carried by an exception; anything else is faultline's, and raised."""
    error = getattr(raised, "error", None)
    if isinstance(error, SpecRuntimeError):
        return error
    raise raised


class Effects:
    """Handlers compiled once, and their remembered effects."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.locals = LocalTable()
        self.msgs = MessageTable()
        # the network's layout; it reads each message's sender and receiver from the message table
        self.order: Ordering = ordering(plan.ordering, plan.n, plan.stride, self.msgs.src, self.msgs.dst)
        compiler = Compiler(plan.system)

        def compiled(h: ir.Handler) -> Compiled:
            return Compiled(
                h, compiler.expr(h.guard) if h.guard is not None else None, compiler.block(h.body)
            )

        by_type = plan.handlers
        self.receive = {name: {m: compiled(h) for m, h in t.receive.items()} for name, t in by_type.items()}
        self.actions = {name: [compiled(h) for h in t.actions] for name, t in by_type.items()}
        self.timeouts = {name: [compiled(h) for h in t.timeouts] for name, t in by_type.items()}
        self.start = {name: compiled(t.start) if t.start else None for name, t in by_type.items()}
        self.recover = {name: compiled(t.recover) if t.recover else None for name, t in by_type.items()}
        self.delivery_cache: dict[CacheKey, list[Entry]] = {}
        self.injection_cache: dict[CacheKey, list[Entry]] = {}
        self.event_cache: list[dict[CacheKey, list[Entry]]] = [{} for _ in range(plan.n)]
        self.recover_cache: list[dict[CacheKey, list[Entry]]] = [{} for _ in range(plan.n)]
        self._start_cache: dict[tuple[int, int], list[tuple[int, Outcome]]] = {}
        self.interned = Interned()  # the adversary's actions, made once each
        self.latest_now = 0  # the latest real time any tick has reached (a model where time is stuck says so)

    # ---------------------------------------------------------------- the environment of ghost code

    def env(self, state: State) -> Env:
        """(now, Byzantine mask) of a state: what env-dependent handlers read besides their local state."""
        n = self.plan.n
        mask = 0
        if self.plan.reads_byzantine:
            status = self.locals.status
            for i in range(n):
                if status[state[i]] == BYZANTINE:
                    mask |= 1 << i
        return (state[n + 2][NOW], mask)

    def key(self, lid: int, state: State) -> CacheKey:
        return (lid, self.env(state)) if self.plan.env_dependent else (lid,)

    def stamp(self, sends: tuple[int, ...], now: int) -> tuple[int, ...]:
        """Network entries for messages sent at time `now`."""
        stride = self.plan.stride
        if stride == 1:
            return sends
        return tuple(mid * stride + now for mid in sends)

    # ---------------------------------------------------------------- running handlers

    def run(
        self,
        instance: int,
        handler: Compiled,
        local: tuple[Any, ...],
        frame: list[Any],
        env: Env,
        clear_timer: int | None = None,
    ) -> list[Outcome]:
        """Run one handler on one node's local state; [] when it is not enabled."""
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
                return [error_of(raised)]
        outcomes: list[Outcome] = []
        header = (local[STATUS],)
        rest = (local[CLOCK], local[MONO], local[PAUSED_SINCE])
        kind = self.plan.kind[instance]
        for done in handler.body(ctx):
            if done.error is not None:
                outcomes.append(done.error)
                continue
            lid = self.locals.intern((*header, tuple(done.timers), *rest, *done.vars), kind)
            sends = tuple(self.msgs.intern(instance, dst, msg, args) for dst, msg, args in done.sends)
            outcomes.append((lid, sends))
        return outcomes

    def delivery(self, key: CacheKey) -> list[Entry]:
        """Delivering message key[1] to its receiver in local state key[0]."""
        lid, mid = key[0], key[1]
        env: Env = key[2] if len(key) > 2 else NO_ENV
        src, dst, message, args = self.msgs.values[mid]
        handler = self.receive[self.plan.instance_type[dst].name].get(message)
        entries: list[Entry] = []
        if handler is not None:
            h = handler.handler
            frame: list[Any] = [None] * h.frame_size
            for slot, value in zip(h.params, args, strict=True):
                frame[slot] = value
            if h.sender_slot is not None:
                frame[h.sender_slot] = src
            for k, outcome in enumerate(self.run(dst, handler, self.locals.values[lid], frame, env)):
                entries.append((Deliver(mid, k), outcome))
        self.delivery_cache[key] = entries
        return entries

    def injection(self, key: CacheKey) -> list[Entry]:
        """A Byzantine node's message key[1], delivered at once to its receiver in local state key[0]."""
        entries = self.delivery_cache.get(key)
        if entries is None:
            entries = self.delivery(key)
        injected: list[Entry] = [
            (Inject(action.message, action.outcome), o)
            for action, o in entries
            if isinstance(action, Deliver)
        ]
        self.injection_cache[key] = injected
        return injected

    def events(self, i: int, key: CacheKey) -> list[Entry]:
        """Spontaneous actions and timers that are due, of instance i in local state key[0]."""
        lid = key[0]
        env: Env = key[1] if len(key) > 1 else NO_ENV
        local = self.locals.values[lid]
        name = self.plan.instance_type[i].name
        entries: list[Entry] = []
        for a, handler in enumerate(self.actions[name]):
            frame: list[Any] = [None] * handler.handler.frame_size
            for k, outcome in enumerate(self.run(i, handler, local, frame, env)):
                entries.append((Act(i, a, k), outcome))
        mono = local[MONO]
        timed = self.plan.timed
        for t, deadline in enumerate(local[TIMERS]):
            # Without time an armed timer may fire at any step; with time, once the node's clock reaches it.
            if deadline is None or (timed and deadline > mono):
                continue
            handler = self.timeouts[name][t]
            frame = [None] * handler.handler.frame_size
            for k, outcome in enumerate(self.run(i, handler, local, frame, env, clear_timer=t)):
                entries.append((Fire(i, t, k), outcome))
        self.event_cache[i][key] = entries
        return entries

    def recovery(self, i: int, key: CacheKey) -> list[Entry]:
        """Recovery of instance i from local state key[0]: volatile variables back to their initial values,
        durable and ghost ones kept, timers cleared, then `on recover`."""
        lid = key[0]
        env: Env = key[1] if len(key) > 1 else NO_ENV
        local = self.locals.values[lid]
        nt = self.plan.instance_type[i]
        initial = self.plan.initial_vars[i]
        kept = tuple(
            local[VARS + var.slot] if var.kind != ir.VarKind.VAR else initial[var.slot] for var in nt.vars
        )
        fresh = (UP, (None,) * len(nt.timers), local[CLOCK], local[MONO], -1, *kept)
        handler = self.recover[nt.name]
        entries: list[Entry]
        if handler is None:
            entries = [(Recover(i, 0), (self.locals.intern(fresh, self.plan.kind[i]), ()))]
        else:
            frame: list[Any] = [None] * handler.handler.frame_size
            outcomes = self.run(i, handler, fresh, frame, env)
            entries = [(Recover(i, k), o) for k, o in enumerate(outcomes)]
        self.recover_cache[i][key] = entries
        return entries

    def start_options(self, i: int, byzantine_mask: int) -> list[tuple[int, Outcome]]:
        """Instance i's possible starts: (initial clock, outcome of `on start`). A Byzantine node does not run
        its handlers at all."""
        cached = self._start_cache.get((i, byzantine_mask))
        if cached is not None:
            return cached
        nt = self.plan.instance_type[i]
        kind = self.plan.kind[i]
        initial = self.plan.initial_vars[i]
        options: list[tuple[int, Outcome]] = []
        if byzantine_mask >> i & 1:
            local = (BYZANTINE, (None,) * len(nt.timers), 0, 0, -1, *initial)
            options.append((0, (self.locals.intern(local, kind), ())))
        else:
            handler = self.start[nt.name]
            for clock in range(-self.plan.skew, self.plan.skew + 1):
                local = (UP, (None,) * len(nt.timers), clock, clock, -1, *initial)
                if handler is None:
                    options.append((clock, (self.locals.intern(local, kind), ())))
                    continue
                frame: list[Any] = [None] * handler.handler.frame_size
                options.extend((clock, o) for o in self.run(i, handler, local, frame, (0, byzantine_mask)))
        self._start_cache[(i, byzantine_mask)] = options
        return options

    # ---------------------------------------------------------------- looking back

    def outcome(self, state: State, action: Action) -> Outcome | None:
        """The remembered effect of a protocol step taken from `state` (for the messages a trace step sent)."""
        match action:
            case Init(byzantine=mask, choice=choice):
                sends: list[int] = []
                for i, k in enumerate(choice):
                    option = self.start_options(i, mask)[k][1]
                    if not isinstance(option, SpecRuntimeError):
                        sends.extend(option[1])
                return (-1, tuple(sends))
            case Deliver(message=mid) | Inject(message=mid):
                lid = state[self.msgs.dst[mid]]
                key: CacheKey = (lid, mid, self.env(state)) if self.plan.env_dependent else (lid, mid)
                if isinstance(action, Inject):
                    entries = self.injection_cache.get(key) or self.injection(key)
                else:
                    entries = self.delivery_cache.get(key) or self.delivery(key)
            case Act(node=i) | Fire(node=i):
                key = self.key(state[i], state)
                entries = self.event_cache[i].get(key) or self.events(i, key)
            case Recover(node=i):
                key = self.key(state[i], state)
                entries = self.recover_cache[i].get(key) or self.recovery(i, key)
            case _:
                return None
        for label, outcome in entries:
            if label == action:
                return outcome
        return None
