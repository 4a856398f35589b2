"""An ir.System under its model, as a transition system: DESIGN's semantics for asynchronous timing.

One step is exactly one of: deliver an in-flight message, fire an armed timer, take a spontaneous action,
or an adversary step within its budget (drop, duplicate, partition, heal, crash, recover).

Handlers run on one node's local state only, so their effect is a function of (local state, event) and
is computed once and remembered: the explorer's inner loop is dictionary lookups and tuple building.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from explorer.compile import NO_RUNTIME_ERRORS, Compiler, Ctx, SpecRuntimeError
from explorer.model import Action, Property, State
from explorer.semantics.network import ordering
from explorer.state import CRASHED, DOWN, STATUS, TIMERS, UP, VARS, LocalTable, MessageTable
from explorer.values import Names, show, to_itf
from spec import ir
from spec.diagnostics import InternalError

# An outcome of running a handler: the new local-state id and the ids of the messages it sent, or the
# run-time error that stopped it.
Outcome = tuple[int, tuple[int, ...]] | SpecRuntimeError
Entry = tuple[Action, Outcome]

# Positions in the faults tuple.
LOSS, DUPLICATE, PARTITIONS, CUT = 0, 1, 2, 3
CRASH_BUDGETS = 4  # one spent-count per crash budget of the model, from here on


@dataclass(frozen=True, slots=True)
class _CompiledHandler:
    handler: ir.Handler
    guard: Callable[[Ctx], Any] | None
    body: Callable[[Ctx], list[Ctx]]


class _Invariant:
    """A compiled invariant, remembered on the part of the state it reads (its footprint)."""

    def __init__(self, inv: ir.Invariant, fn: Callable[[Ctx], Any], footprint: tuple[int, ...], net: bool) -> None:
        self.name = inv.name
        self.fn = fn
        self.frame_size = inv.frame_size
        self.footprint = footprint
        self.reads_network = net
        self.memo: dict[tuple[Any, ...], bool] = {}


class _View:
    """What properties see of a global state (explorer.compile.World)."""

    __slots__ = ("_inflight", "locals")

    def __init__(self, locals_: list[tuple[Any, ...]], inflight: Callable[[int], frozenset[tuple[Any, ...]]]) -> None:
        self.locals = locals_
        self._inflight = inflight

    def inflight(self, message: int) -> frozenset[tuple[Any, ...]]:
        return self._inflight(message)


class SystemModel:
    """The transition system of one spec under one model (explorer.model.Model)."""

    def __init__(self, system: ir.System, invariants: list[str] | None = None, deadlock: bool = False) -> None:
        if system.model.timing != "asynchronous":
            raise InternalError(f"timing {system.model.timing} reached the asynchronous semantics")
        self.system = system
        self.names = Names(system)
        self.n = len(system.instances)
        self.locals = LocalTable()
        self.msgs = MessageTable()
        model = system.model
        self.order = ordering(model.network.ordering, self.n, self.msgs.src, self.msgs.dst)
        self.compiler = Compiler(system)
        self.instance_type = [system.node_type(inst.node_type) for inst in system.instances]
        self._compile_handlers()
        self._compile_initial_values()
        self.cuts = self._partition_cuts()
        self.crash_budgets = [f for f in model.faults if f.kind in ("crash_stop", "crash_recovery")]
        self.properties = self._properties(invariants, deadlock)
        self.deadlock = deadlock
        wanted = {p.name for p in self.properties}
        self.invariants = [inv for inv in self._compile_invariants() if inv.name in wanted]
        # caches of handler effects
        self.delivery_cache: dict[tuple[int, int], list[Entry]] = {}
        self.event_cache: list[dict[int, list[Entry]]] = [{} for _ in range(self.n)]
        self.recover_cache: list[dict[int, list[Entry]]] = [{} for _ in range(self.n)]

    # ---------------------------------------------------------------- building

    def _compile_handlers(self) -> None:
        self.receive: dict[tuple[str, int], _CompiledHandler] = {}  # (node type, message index)
        self.actions: dict[str, list[_CompiledHandler]] = {}
        self.timeouts: dict[str, list[_CompiledHandler]] = {}
        self.lifecycle: dict[tuple[str, str], _CompiledHandler] = {}
        message_index = {m.name: m.index for m in self.system.messages}
        for nt in self.system.node_types:
            self.actions[nt.name] = []
            self.timeouts[nt.name] = [None] * len(nt.timers)  # type: ignore[list-item]
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
                    self.timeouts[nt.name][h.timer] = compiled
                else:
                    self.lifecycle[(nt.name, h.kind)] = compiled

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

    def _partition_cuts(self) -> list[frozenset[int]]:
        """Index 0 is "no partition"; then every way to split the nodes in two, and, when asymmetric, every
        one-way cut (one side can hear the other but cannot be heard)."""
        cuts: list[frozenset[int]] = [frozenset()]
        net = self.system.model.network
        if net.partition <= 0:
            return cuts
        n = self.n
        nodes = range(n)
        seen: set[frozenset[int]] = set()
        for size in range(1, n):
            for side in itertools.combinations(nodes, size):
                a = set(side)
                b = [x for x in nodes if x not in a]
                if 0 in a:  # each split once: the side holding node 0
                    both = frozenset(s * n + d for s in a for d in b) | frozenset(s * n + d for s in b for d in a)
                    if both not in seen:
                        seen.add(both)
                        cuts.append(both)
        if net.asymmetric:
            for size in range(1, n):
                for side in itertools.combinations(nodes, size):
                    a = set(side)
                    b = [x for x in nodes if x not in a]
                    one_way = frozenset(s * n + d for s in a for d in b)  # a cannot be heard by b
                    if one_way not in seen:
                        seen.add(one_way)
                        cuts.append(one_way)
        return cuts

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
            out.append(_Invariant(inv, self.compiler.expr(inv.expr), footprint, reads_net))
        return out

    # ---------------------------------------------------------------- running handlers

    def _run(
        self, instance: int, handler: _CompiledHandler, local: tuple[Any, ...], frame: list[Any],
        clear_timer: int | None = None,
    ) -> list[Outcome]:
        """Run one handler on one node's local state; [] when it is not enabled."""
        timers = local[TIMERS]
        if clear_timer is not None:
            timers &= ~(1 << clear_timer)
        ctx = Ctx(list(local[VARS:]), frame, instance, timers)
        if handler.guard is not None:
            try:
                if not handler.guard(ctx):
                    return []
            except Exception as raised:
                return [_error_of(raised)]
        outcomes: list[Outcome] = []
        for done in handler.body(ctx):
            if done.error is not None:
                outcomes.append(done.error)
                continue
            new_local = (local[STATUS], done.timers, *done.vars)
            lid = self.locals.intern(new_local)
            sends = tuple(self.msgs.intern(instance, dst, msg, args) for dst, msg, args in done.sends)
            outcomes.append((lid, sends))
        return outcomes

    def _delivery(self, lid: int, mid: int) -> list[Entry]:
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
            for k, outcome in enumerate(self._run(dst, handler, self.locals.values[lid], frame)):
                entries.append((("deliver", mid, k), outcome))
        self.delivery_cache[(lid, mid)] = entries
        return entries

    def _events(self, i: int, lid: int) -> list[Entry]:
        """Spontaneous actions and armed timers of instance i in local state lid."""
        local = self.locals.values[lid]
        nt = self.instance_type[i]
        entries: list[Entry] = []
        for a, handler in enumerate(self.actions[nt.name]):
            frame: list[Any] = [None] * handler.handler.frame_size
            for k, outcome in enumerate(self._run(i, handler, local, frame)):
                entries.append((("act", i, a, k), outcome))
        armed = local[TIMERS]
        for t, handler in enumerate(self.timeouts[nt.name]):
            if armed >> t & 1:
                frame = [None] * handler.handler.frame_size
                for k, outcome in enumerate(self._run(i, handler, local, frame, clear_timer=t)):
                    entries.append((("fire", i, t, k), outcome))
        self.event_cache[i][lid] = entries
        return entries

    def _recovery(self, i: int, lid: int) -> list[Entry]:
        """Recovery of instance i from local state lid: volatile variables back to their initial values,
        durable and ghost ones kept, timers cleared, then `on recover`."""
        local = self.locals.values[lid]
        nt = self.instance_type[i]
        initial = self.initial_vars[i]
        kept = tuple(
            local[VARS + var.slot] if var.kind in ("durable", "ghost") else initial[var.slot] for var in nt.vars
        )
        fresh = (UP, 0, *kept)
        handler = self.lifecycle.get((nt.name, "recover"))
        entries: list[Entry]
        if handler is None:
            entries = [(("recover", i, 0), (self.locals.intern(fresh), ()))]
        else:
            frame: list[Any] = [None] * handler.handler.frame_size
            outcomes = self._run(i, handler, fresh, frame)
            entries = [(("recover", i, k), o) for k, o in enumerate(outcomes)]
        self.recover_cache[i][lid] = entries
        return entries

    # ---------------------------------------------------------------- the transition system

    def init_states(self) -> list[tuple[Action, State]]:
        per_instance: list[list[Outcome]] = []
        for inst in self.system.instances:
            local = (UP, 0, *self.initial_vars[inst.index])
            handler = self.lifecycle.get((inst.node_type, "start"))
            if handler is None:
                per_instance.append([(self.locals.intern(local), ())])
            else:
                frame: list[Any] = [None] * handler.handler.frame_size
                per_instance.append(self._run(inst.index, handler, local, frame))
        faults = (0, 0, 0, 0, *([0] * len(self.crash_budgets)))
        states: list[tuple[Action, State]] = []
        self.init_failures: list[tuple[Action, SpecRuntimeError]] = []
        for choice in itertools.product(*(range(len(o)) for o in per_instance)):
            picked = [per_instance[i][k] for i, k in enumerate(choice)]
            action = ("init", choice)
            errors = [o for o in picked if isinstance(o, SpecRuntimeError)]
            if errors:
                self.init_failures.append((action, errors[0]))
                continue
            lids = [o[0] for o in picked if not isinstance(o, SpecRuntimeError)]
            sends = tuple(m for o in picked if not isinstance(o, SpecRuntimeError) for m in o[1])
            net = self.order.add((), sends)
            states.append((action, (*lids, net, faults)))
        return states

    def successors(self, state: State) -> tuple[list[tuple[Action, State]], list[tuple[Action, SpecRuntimeError]]]:
        n = self.n
        out: list[tuple[Action, State]] = []
        fails: list[tuple[Action, SpecRuntimeError]] = []
        net = state[n]
        faults = state[n + 1]
        status = self.locals.status
        order = self.order
        add = order.add

        # spontaneous actions and timers
        event_cache = self.event_cache
        for i in range(n):
            lid = state[i]
            if status[lid] != UP:
                continue
            entries = event_cache[i].get(lid)
            if entries is None:
                entries = self._events(i, lid)
            for action, outcome in entries:
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
                    s[n] = add(net, sends)
                out.append((action, tuple(s)))

        # deliveries
        cut = self.cuts[faults[CUT]] if faults[CUT] else None
        msg_src, msg_dst = self.msgs.src, self.msgs.dst
        cache = self.delivery_cache
        consumes = order.consumes
        for mid, position in order.deliverable(net):
            dst = msg_dst[mid]
            lid = state[dst]
            if status[lid] != UP:
                continue
            if cut is not None and msg_src[mid] * n + dst in cut:
                continue
            entries = cache.get((lid, mid))
            if entries is None:
                entries = self._delivery(lid, mid)
            if not entries:
                continue
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
                s[n] = add(rest, sends) if sends else rest
                out.append((action, tuple(s)))

        self._adversary(state, net, faults, out, fails)
        return out, fails

    def _adversary(
        self, state: State, net: Any, faults: tuple[int, ...], out: list[tuple[Action, State]],
        fails: list[tuple[Action, SpecRuntimeError]],
    ) -> None:
        n = self.n
        network = self.system.model.network
        order = self.order
        if faults[LOSS] < network.loss:
            spent = _spend(faults, LOSS)
            for mid, position in order.positions(net):
                out.append((("drop", mid), (*state[:n], order.remove(net, position), spent)))
        if faults[DUPLICATE] < network.duplicate and order.consumes:
            spent = _spend(faults, DUPLICATE)
            for mid, position in order.positions(net):
                out.append((("duplicate", mid), (*state[:n], order.duplicate(net, position), spent)))
        if faults[CUT]:
            healed = faults[:CUT] + (0,) + faults[CUT + 1 :]
            out.append((("heal",), (*state[:n], net, healed)))
        elif faults[PARTITIONS] < network.partition:
            spent = _spend(faults, PARTITIONS)
            for c in range(1, len(self.cuts)):
                out.append((("partition", c), (*state[:n], net, spent[:CUT] + (c,) + spent[CUT + 1 :])))
        status = self.locals.status
        for b, budget in enumerate(self.crash_budgets):
            if faults[CRASH_BUDGETS + b] >= budget.bound:
                continue
            spent = _spend(faults, CRASH_BUDGETS + b)
            new_status = CRASHED if budget.kind == "crash_stop" else DOWN
            for i in self.system.node_type(budget.node_type).instances:
                lid = state[i]
                if status[lid] != UP:
                    continue
                local = self.locals.values[lid]
                crashed = self.locals.intern((new_status, 0, *local[VARS:]))
                s = list(state)
                s[i] = crashed
                s[n + 1] = spent
                out.append((("crash", i, b), tuple(s)))
        for i in range(n):
            lid = state[i]
            if status[lid] != DOWN:
                continue
            entries = self.recover_cache[i].get(lid)
            if entries is None:
                entries = self._recovery(i, lid)
            for action, outcome in entries:
                if isinstance(outcome, SpecRuntimeError):
                    fails.append((action, outcome))
                    continue
                new_lid, sends = outcome
                s = list(state)
                s[i] = new_lid
                if sends:
                    s[n] = order.add(net, sends)
                out.append((action, tuple(s)))

    def is_protocol_step(self, action: Action) -> bool:
        return isinstance(action, tuple) and action[0] in ("deliver", "act", "fire")

    def violated(self, state: State) -> list[str]:
        bad: list[str] = []
        view: _View | None = None
        for inv in self.invariants:
            key = tuple(state[i] for i in inv.footprint)
            if inv.reads_network:
                key = (*key, state[self.n])
            ok = inv.memo.get(key)
            if ok is None:
                if view is None:
                    view = self.view(state)
                ctx = Ctx([], [None] * inv.frame_size, -1, 0, view)
                ok = bool(inv.fn(ctx))
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
            for mid in self.order.messages(net):
                src, dst, m, args = self.msgs.values[mid]
                if m == message:
                    found.add((src, dst, *args))
            return frozenset(found)

        return _View(locals_, inflight)

    def snapshot(self, state: State) -> dict[str, tuple[Any, str]]:
        """Every variable of a state by name, as (ITF value, display text): each node's variables as
        `Node.var`, and the system's own parts (`Node._status`, `Node._timers`, `_network`, `_partition`,
        `_faults`) where the model has them."""
        names = self.names
        out: dict[str, tuple[Any, str]] = {}
        has_crashes = bool(self.crash_budgets)
        for inst in self.system.instances:
            local = self.locals.values[state[inst.index]]
            nt = self.instance_type[inst.index]
            for var in nt.vars:
                value = local[VARS + var.slot]
                out[f"{inst.name}.{var.name}"] = (to_itf(value, var.type, names), show(value, var.type, names))
            if has_crashes:
                status = {UP: "up", CRASHED: "crashed", DOWN: "down"}[local[STATUS]]
                out[f"{inst.name}._status"] = (status, status)
            if nt.timers:
                armed = [t for k, t in enumerate(nt.timers) if local[TIMERS] >> k & 1]
                out[f"{inst.name}._timers"] = ({"#set": armed}, "{" + ", ".join(armed) + "}")
        records = []
        texts = []
        for src, dst, message, args in self.in_flight(state):
            m = self.system.messages[message]
            record: dict[str, Any] = {"src": names.node(src), "dst": names.node(dst), "type": m.name}
            for f, v in zip(m.fields, args, strict=True):
                record[f.name] = to_itf(v, f.type, names)
            records.append(record)
            texts.append(f"{self.show_message((src, dst, message, args))} {names.node(src)}→{names.node(dst)}")
        if self.order.consumes:
            out["_network"] = (records, "[" + ", ".join(texts) + "]")
        else:
            out["_network"] = ({"#set": records}, "{" + ", ".join(texts) + "}")
        network = self.system.model.network
        if network.partition:
            links = self.cut_links(state)
            out["_partition"] = (
                {"#set": [{"#tup": [names.node(a), names.node(b)]} for a, b in links]},
                "{" + ", ".join(f"{names.node(a)}↛{names.node(b)}" for a, b in links) + "}",
            )
        spent = self.budgets_spent(state)
        if network.loss or network.duplicate or network.partition or self.crash_budgets:
            out["_faults"] = (dict(spent), ", ".join(f"{k}={v}" for k, v in spent.items()))
        return out

    def local(self, state: State, i: int) -> tuple[Any, ...]:
        return self.locals.values[state[i]]

    def in_flight(self, state: State) -> list[tuple[int, int, int, tuple[Any, ...]]]:
        return [self.msgs.values[mid] for mid in self.order.messages(state[self.n])]

    def cut_links(self, state: State) -> list[tuple[int, int]]:
        cut = self.cuts[state[self.n + 1][CUT]]
        return sorted(divmod(link, self.n) for link in cut)

    def budgets_spent(self, state: State) -> dict[str, int]:
        faults = state[self.n + 1]
        spent = {"loss": faults[LOSS], "duplicate": faults[DUPLICATE], "partition": faults[PARTITIONS]}
        for b, budget in enumerate(self.crash_budgets):
            spent[f"{budget.kind} of {budget.node_type}"] = faults[CRASH_BUDGETS + b]
        return spent

    def show_message(self, mid_or_value: int | tuple[int, int, int, tuple[Any, ...]]) -> str:
        _, _, message, args = self.msgs.values[mid_or_value] if isinstance(mid_or_value, int) else mid_or_value
        m = self.system.messages[message]
        if not m.fields:
            return m.name
        shown = ", ".join(
            f"{f.name}={show(v, f.type, self.names)}" for f, v in zip(m.fields, args, strict=True)
        )
        return f"{m.name}({shown})"

    def describe(self, state: State, action: Action, after: State | None) -> dict[str, Any]:
        """A step as a record: what happened, who did it, what it sent, which fault it was."""
        names = self.names
        kind = action[0]
        rec: dict[str, Any] = {"action": kind}
        if kind == "init":
            rec["text"] = "initial state"
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
        elif kind in ("drop", "duplicate"):
            mid = action[1]
            src, dst, _, _ = self.msgs.values[mid]
            rec.update(actor="network", fault=kind, message=self.show_message(mid),
                       link=[names.node(src), names.node(dst)])
            verb = "drops" if kind == "drop" else "duplicates"
            rec["text"] = f"network {verb} {self.show_message(mid)} {names.node(src)}→{names.node(dst)}"
        elif kind == "partition":
            cut = self.cuts[action[1]]
            links = sorted(divmod(link, self.n) for link in cut)
            rec.update(actor="network", fault="partition", cut=[[names.node(a), names.node(b)] for a, b in links])
            rec["text"] = "network partitions: " + _describe_cut(links, self.n, names)
        elif kind == "heal":
            rec.update(actor="network", fault="heal", text="network heals: every link works again")
        elif kind == "crash":
            _, i, b = action
            budget = self.crash_budgets[b]
            rec.update(actor=names.node(i), fault=budget.kind)
            how = "for good" if budget.kind == "crash_stop" else "(it may recover)"
            rec["text"] = f"{names.node(i)} crashes {how}"
        elif kind == "recover":
            i = action[1]
            rec.update(actor=names.node(i), fault="recover")
            rec["text"] = f"{names.node(i)} recovers: volatile state lost, durable state kept"
        if after is not None and kind in ("deliver", "act", "fire", "recover", "init"):
            rec["sends"] = self._sends_between(state, action, after)
        return rec

    def _sends_between(self, state: State, action: Action, after: State) -> list[dict[str, str]]:
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
            return (-1, tuple(self._init_sends(action[1])))
        if kind == "deliver":
            mid = action[1]
            lid = state[self.msgs.dst[mid]]
            entries = self.delivery_cache.get((lid, mid)) or self._delivery(lid, mid)
        elif kind in ("act", "fire"):
            i = action[1]
            entries = self.event_cache[i].get(state[i]) or self._events(i, state[i])
        elif kind == "recover":
            i = action[1]
            entries = self.recover_cache[i].get(state[i]) or self._recovery(i, state[i])
        else:
            return None
        for label, outcome in entries:
            if label == action:
                return outcome
        return None

    def _init_sends(self, choice: tuple[int, ...]) -> list[int]:
        sends: list[int] = []
        for inst, k in zip(self.system.instances, choice, strict=True):
            handler = self.lifecycle.get((inst.node_type, "start"))
            if handler is None:
                continue
            local = (UP, 0, *self.initial_vars[inst.index])
            frame: list[Any] = [None] * handler.handler.frame_size
            outcome = self._run(inst.index, handler, local, frame)[k]
            if not isinstance(outcome, SpecRuntimeError):
                sends.extend(outcome[1])
        return sends


def _spend(faults: tuple[int, ...], index: int) -> tuple[int, ...]:
    return faults[:index] + (faults[index] + 1,) + faults[index + 1 :]


def _error_of(raised: Exception) -> SpecRuntimeError:
    error = getattr(raised, "error", None)
    if isinstance(error, SpecRuntimeError):
        return error
    raise raised


def _describe_cut(links: list[tuple[int, int]], n: int, names: Names) -> str:
    pairs = set(links)
    one_way = [(a, b) for a, b in links if (b, a) not in pairs]
    if not one_way:
        side = sorted({a for a, _ in links if (0, a) not in pairs and a != 0} | {0})
        other = sorted(set(range(n)) - set(side))
        return "{" + ", ".join(names.node(x) for x in side) + "} | {" + ", ".join(names.node(x) for x in other) + "}"
    senders = sorted({a for a, _ in one_way})
    return ", ".join(names.node(s) for s in senders) + " can hear but cannot be heard by " + ", ".join(
        names.node(x) for x in sorted({b for _, b in one_way})
    )


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


def _walk(e: Any) -> Iterator[Any]:
    yield e
    for name in getattr(e, "__slots__", ()):
        value = getattr(e, name)
        if isinstance(value, tuple):
            for item in value:
                if isinstance(item, tuple):
                    for x in item:
                        yield from _walk(x)
                else:
                    yield from _walk(item)
        elif hasattr(value, "__slots__") and not isinstance(value, ir.BoolT | ir.IntT | ir.EnumT | ir.NodeT):
            yield from _walk(value)
