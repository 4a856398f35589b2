"""A system model's states and steps as people and files see them: every variable by name (`snapshot`),
a step in words (`describe`), and the plain-data `canonical` form in which equal states are equal whatever
was interned when (the Z3 back end decodes its states to it). Presentation only: the semantics never call
into this module."""

from __future__ import annotations

import json
from typing import Any

from explorer.actions import (
    Act,
    Action,
    Crash,
    Cti,
    Deliver,
    Drop,
    Duplicate,
    Fire,
    Gst,
    Heal,
    Init,
    Inject,
    Ntp,
    Partition,
    Pause,
    Recover,
    Resume,
    Tick,
)
from explorer.model import SpecRuntimeError, State
from explorer.semantics.effects import Outcome
from explorer.semantics.network import FifoOrdering
from explorer.semantics.system import SystemModel
from explorer.state import (
    BYZANTINE,
    CLOCK,
    CRASHES,
    CUT,
    DUPLICATE,
    LOSS,
    MONO,
    NTP,
    PARTITIONS,
    PAUSED_SINCE,
    STATUS,
    STATUS_NAMES,
    TIMERS,
    UP,
    VARS,
)
from explorer.values import Names, show, sort_key, to_itf
from spec import ir

Message = tuple[int, int, int, tuple[Any, ...]]  # (src, dst, message index, fields)


class Presenter:
    """How one model's states read: names of nodes, messages, budgets."""

    def __init__(self, model: SystemModel) -> None:
        self.model = model
        self.plan = model.plan
        self.effects = model.effects
        self.system = model.system
        self.names = Names(model.system)
        model_ir = model.system.model
        # Without skew, drift or NTP every clock reads real time: traces need not show them.
        self.clocks_visible = self.plan.timed and bool(
            model_ir.clocks.skew or model_ir.clocks.drift or model_ir.clocks.ntp
        )

    # ---------------------------------------------------------------- parts of a state

    def now(self, state: State) -> int:
        return self.plan.layout.now(state)

    def local(self, state: State, i: int) -> tuple[Any, ...]:
        return self.effects.locals.values[state[i]]

    def in_flight(self, state: State) -> list[tuple[int, Message]]:
        """(sent_at, message) for every entry in flight."""
        stride = self.plan.stride
        values = self.effects.msgs.values
        return [
            (entry % stride, values[entry // stride])
            for entry in self.effects.order.entries(state[self.plan.n])
        ]

    def cut_links(self, state: State) -> list[tuple[int, int]]:
        cut = self.plan.cuts[state[self.plan.n + 1][CUT]]
        return sorted(divmod(link, self.plan.n) for link in cut)

    def budgets_spent(self, state: State) -> dict[str, int]:
        spent = state[self.plan.n + 1]
        out = {"loss": spent[LOSS], "duplicate": spent[DUPLICATE], "partition": spent[PARTITIONS]}
        if self.system.model.clocks.ntp:
            out["ntp"] = spent[NTP]
        for b, budget in enumerate(self.plan.crash_budgets):
            out[f"{budget.kind} of {budget.node_type}"] = spent[CRASHES + b]
        return out

    def show_message(self, message: int | Message) -> str:
        _, _, index, args = self.effects.msgs.values[message] if isinstance(message, int) else message
        m = self.system.messages[index]
        if not m.fields:
            return m.name
        shown = ", ".join(
            f"{f.name}={show(v, f.type, self.names)}" for f, v in zip(m.fields, args, strict=True)
        )
        return f"{m.name}({shown})"

    # ---------------------------------------------------------------- the canonical form

    def canonical(self, state: State) -> tuple[Any, ...]:
        """A state as plain data that does not depend on interning: every node's local tuple, the network
        (a sorted list of (sent_at, message) for a bag, without repeats for a set, per link in order for
        FIFO), the budgets spent and the time. The Z3 back end decodes its states to the same shape."""
        n = self.plan.n
        locals_ = tuple(self.effects.locals.values[state[i]] for i in range(n))
        return (
            locals_,
            canonical_network(self.plan.ordering, self.in_flight(state), n),
            tuple(state[n + 1]),
            tuple(state[n + 2]),
        )

    def from_canonical(self, canonical: tuple[Any, ...]) -> State:
        """The state that `canonical` describes: for states that were not reached by this model, such as the
        first state of a counterexample to induction."""
        locals_, network, spent, time = canonical
        effects, plan = self.effects, self.plan
        lids = [effects.locals.intern(tuple(local), plan.kind[i]) for i, local in enumerate(locals_)]
        queued = (
            [e for _, queue in network for e in queue] if plan.ordering == ir.Ordering.FIFO else list(network)
        )
        entries = tuple(effects.msgs.intern(*message) * plan.stride + sent_at for sent_at, message in queued)
        return (*lids, effects.order.add((), entries), tuple(spent), tuple(time))

    # ---------------------------------------------------------------- a failing start

    def before_start(self, action: Init) -> State:
        """The state an initial state of `action` is made from, before any `on start` runs: every node with
        the initial values of its variables and the clock it starts with (what a trace shows when a start
        fails)."""
        plan, effects = self.plan, self.effects
        lids = []
        for i, k in enumerate(action.choice):
            clock = effects.start_options(i, action.byzantine)[k][0]
            status = BYZANTINE if action.byzantine >> i & 1 else UP
            local = (
                status,
                (None,) * len(plan.instance_type[i].timers),
                clock,
                clock,
                -1,
                *plan.initial_vars[i],
            )
            lids.append(effects.locals.intern(local, plan.kind[i]))
        return (*lids, effects.order.add((), ()), (0,) * plan.spent_size, (0, plan.initial_gst))

    def failed_start(self, action: Init) -> int | None:
        """The first instance whose `on start` fails in the initial choice `action`, if any."""
        for i, k in enumerate(action.choice):
            if isinstance(self.effects.start_options(i, action.byzantine)[k][1], SpecRuntimeError):
                return i
        return None

    # ---------------------------------------------------------------- snapshots

    def snapshot(self, state: State) -> dict[str, tuple[Any, str]]:
        """Every variable of a state by name, as (ITF value, display text): each node's variables as
        `Node.var`, and the system's own parts (`Node._status`, `Node._timers`, `Node._clock`,
        `Node._mono`, `_now`, `_gst`, `_network`, `_partition`, `_faults`) where the model has them."""
        names = self.names
        model = self.system.model
        plan = self.plan
        out: dict[str, tuple[Any, str]] = {}
        if plan.timed:
            now, gst_at = state[plan.n + 2]
            out["_now"] = (now, str(now))
            if model.timing == ir.Timing.PARTIALLY_SYNCHRONOUS:
                out["_gst"] = (gst_at, "not yet" if gst_at < 0 else f"at {gst_at}")
        show_status = bool(plan.crash_budgets or plan.pause_bound or plan.byzantine_types)
        for inst in self.system.instances:
            local = self.local(state, inst.index)
            nt = plan.instance_type[inst.index]
            for var in nt.vars:
                value = local[VARS + var.slot]
                out[f"{inst.name}.{var.name}"] = (
                    to_itf(value, var.type, names),
                    show(value, var.type, names),
                )
            if show_status:
                status = STATUS_NAMES[local[STATUS]]
                out[f"{inst.name}._status"] = (status, status)
            if nt.timers:
                armed = [(t, d) for t, d in zip(nt.timers, local[TIMERS], strict=True) if d is not None]
                if plan.timed:
                    out[f"{inst.name}._timers"] = (
                        {"#map": [[t, d] for t, d in armed]},
                        "{" + ", ".join(f"{t} at {d}" for t, d in armed) + "}",
                    )
                else:
                    out[f"{inst.name}._timers"] = (
                        {"#set": [t for t, _ in armed]},
                        "{" + ", ".join(t for t, _ in armed) + "}",
                    )
            if self.clocks_visible:
                out[f"{inst.name}._clock"] = (local[CLOCK], str(local[CLOCK]))
                out[f"{inst.name}._mono"] = (local[MONO], str(local[MONO]))
        out["_network"] = self._network(state)
        network = model.network
        if network.partition:
            links = self.cut_links(state)
            out["_partition"] = (
                {"#set": [{"#tup": [names.node(a), names.node(b)]} for a, b in links]},
                "{" + ", ".join(f"{names.node(a)}↛{names.node(b)}" for a, b in links) + "}",
            )
        spent = self.budgets_spent(state)
        if (
            network.loss
            or network.duplicate
            or network.partition
            or plan.crash_budgets
            or model.clocks.ntp > 0
        ):
            out["_faults"] = (dict(spent), ", ".join(f"{k}={v}" for k, v in spent.items()))
        return out

    def _network(self, state: State) -> tuple[Any, str]:
        names = self.names
        plan = self.plan
        records = []
        texts = []
        for sent_at, (src, dst, message, args) in self.in_flight(state):
            m = self.system.messages[message]
            # the message's own fields sit apart from the network's keys, so that no field name can clash
            record: dict[str, Any] = {
                "src": names.node(src),
                "dst": names.node(dst),
                "type": m.name,
                "fields": {f.name: to_itf(v, f.type, names) for f, v in zip(m.fields, args, strict=True)},
            }
            when = ""
            if plan.timed and sent_at == plan.delivered:
                record["delivered"] = True
                when = " (delivered)"
            elif plan.timed:
                record["sent_at"] = sent_at
                when = f" sent at {sent_at}"
            records.append(record)
            texts.append(
                f"{self.show_message((src, dst, message, args))} {names.node(src)}→{names.node(dst)}{when}"
            )
        if not isinstance(self.effects.order, FifoOrdering):
            # A bag or a set has no order of its own: list it by content, so that two runs that interned
            # messages in different orders (a check and a replay) show the same network.
            keyed = sorted(zip(records, texts, strict=True), key=lambda rt: json.dumps(rt[0], sort_keys=True))
            records, texts = [r for r, _ in keyed], [t for _, t in keyed]
        if self.effects.order.consumes:
            return (records, "[" + ", ".join(texts) + "]")
        return ({"#set": records}, "{" + ", ".join(texts) + "}")

    # ---------------------------------------------------------------- steps in words

    def describe(self, state: State, action: Action, after: State | None) -> dict[str, Any]:
        """A step as a record: what happened, who did it, what it sent, which fault it was. `after` is None
        for a step that failed inside the spec."""
        rec: dict[str, Any] = {"action": str(action.kind)}
        rec.update(self._words(state, action, after))
        if self.plan.timed:
            rec["now"] = self.now(after if after is not None else state)
        if after is not None and isinstance(action, Deliver | Inject | Act | Fire | Recover | Init):
            rec["sends"] = self._sends(state, action)
        return rec

    def _words(self, state: State, action: Action, after: State | None) -> dict[str, Any]:
        names = self.names
        match action:
            case Init():
                failed = self.failed_start(action) if after is None else None
                if failed is None:
                    return {"text": "initial state"}
                return {
                    "actor": names.node(failed),
                    "step": "start",
                    "text": f"{names.node(failed)} runs on start",
                }
            case Cti():
                return {"text": "a state where every property holds (it may be unreachable)"}
            case Deliver(message=mid):
                src, dst, _, _ = self.effects.msgs.values[mid]
                return {
                    "actor": names.node(dst),
                    "peer": names.node(src),
                    "message": self.show_message(mid),
                    "text": f"{names.node(dst)} receives {self.show_message(mid)} from {names.node(src)}",
                }
            case Act(node=i, action=a):
                handler = self.plan.handlers[self.plan.instance_type[i].name].actions[a]
                return {
                    "actor": names.node(i),
                    "step": handler.name,
                    "text": f"{names.node(i)} does {handler.name}",
                }
            case Fire(node=i, timer=t):
                timer = self.plan.instance_type[i].timers[t]
                return {
                    "actor": names.node(i),
                    "step": timer,
                    "text": f"{names.node(i)}: timer {timer} fires",
                }
            case Recover(node=i):
                return {
                    "actor": names.node(i),
                    "fault": "recover",
                    "text": f"{names.node(i)} recovers: volatile state lost, durable state kept",
                }
            case Inject(message=mid):
                src, dst, _, _ = self.effects.msgs.values[mid]
                return {
                    "actor": names.node(dst),
                    "peer": names.node(src),
                    "byzantine": True,
                    "fault": "byzantine",
                    "message": self.show_message(mid),
                    "text": f"{names.node(src)} (Byzantine) sends {self.show_message(mid)} to {names.node(dst)}",
                }
            case Drop(message=mid) | Duplicate(message=mid):
                src, dst, _, _ = self.effects.msgs.values[mid]
                verb = "drops" if isinstance(action, Drop) else "duplicates"
                return {
                    "actor": "network",
                    "fault": str(action.kind),
                    "message": self.show_message(mid),
                    "link": [names.node(src), names.node(dst)],
                    "text": f"network {verb} {self.show_message(mid)} {names.node(src)}→{names.node(dst)}",
                }
            case Partition(cut=c):
                links = sorted(divmod(link, self.plan.n) for link in self.plan.cuts[c])
                return {
                    "actor": "network",
                    "fault": "partition",
                    "cut": [[names.node(a), names.node(b)] for a, b in links],
                    "text": "network partitions: " + _describe_cut(links, self.plan.n, names),
                }
            case Heal():
                return {"actor": "network", "fault": "heal", "text": "network heals: every link works again"}
        return self._fault_words(state, action)

    def _fault_words(self, state: State, action: Action) -> dict[str, Any]:
        names = self.names
        now = self.now(state)
        match action:
            case Crash(node=i, budget=b):
                budget = self.plan.crash_budgets[b]
                how = "for good" if budget.kind == ir.FaultKind.CRASH_STOP else "(it may recover)"
                return {
                    "actor": names.node(i),
                    "fault": str(budget.kind),
                    "text": f"{names.node(i)} crashes {how}",
                }
            case Pause(node=i):
                return {
                    "actor": names.node(i),
                    "fault": "pause",
                    "text": f"{names.node(i)} pauses (a stop-the-world pause: it takes no step while time goes on)",
                }
            case Resume(node=i):
                ticks = now - self.local(state, i)[PAUSED_SINCE]
                return {
                    "actor": names.node(i),
                    "fault": "resume",
                    "text": f"{names.node(i)} resumes after a pause of {ticks} tick{'s' if ticks != 1 else ''}",
                }
            case Tick(advances=advances):
                text = f"tick → now={now + 1}"
                if self.system.model.clocks.drift:
                    odd = [f"{names.node(i)} clock +{d}" for i, d in enumerate(advances) if d != 1]
                    if odd:
                        text += " (" + ", ".join(odd) + ")"
                reached = self._deadlines_reached(state, advances)
                if reached:
                    text += "; " + ", ".join(reached)
                return {"actor": "time", "text": text}
            case Gst():
                return {
                    "actor": "time",
                    "fault": "gst",
                    "text": f"GST at {now}: from now on messages arrive within the delay bound and pauses end in time",
                }
            case Ntp(node=i, clock=clock):
                old = self.local(state, i)[CLOCK]
                way = "back" if clock < old else "forward"
                return {
                    "actor": names.node(i),
                    "fault": "ntp",
                    "clock": clock,
                    "text": f"NTP steps {names.node(i)}'s clock {way} from {old} to {clock}",
                }
        raise KeyError(action)

    def _deadlines_reached(self, state: State, advances: tuple[int, ...]) -> list[str]:
        """`time` variables whose value the owning node's clock reaches on this tick: a lease running out,
        a deadline passing, said where a person reading the trace would want to see it."""
        out = []
        for inst in self.system.instances:
            local = self.local(state, inst.index)
            before = local[CLOCK]
            after = before + advances[inst.index]
            initial = self.plan.initial_vars[inst.index]
            for var in self.plan.instance_type[inst.index].vars:
                value = local[VARS + var.slot]
                # a deadline the node has set: not a ghost's bookkeeping, not the variable's initial value
                if var.kind == ir.VarKind.GHOST or value == initial[var.slot]:
                    continue
                if var.holds_time and isinstance(value, int) and before < value <= after:
                    out.append(f"{inst.name}.{var.name} ({value}) is reached on {inst.name}'s clock")
        return out

    def _sends(self, state: State, action: Action) -> list[dict[str, str]]:
        """The messages a protocol step sent, recovered from its remembered outcome."""
        outcome: Outcome | None = self.effects.outcome(state, action)
        if outcome is None or isinstance(outcome, SpecRuntimeError):
            return []
        out = []
        for mid in outcome[1]:
            src, dst, _, _ = self.effects.msgs.values[mid]
            out.append(
                {"from": self.names.node(src), "to": self.names.node(dst), "message": self.show_message(mid)}
            )
        return out


def canonical_network(ordering: ir.Ordering, entries: list[tuple[int, Message]], n: int) -> tuple[Any, ...]:
    """Messages in flight, (sent_at, (src, dst, message, fields)) in their order of sending, as plain data
    in which equal networks are equal (see Presenter.canonical)."""
    if ordering == ir.Ordering.FIFO:
        links: dict[int, list[Any]] = {}
        for entry in entries:
            src, dst = entry[1][0], entry[1][1]
            links.setdefault(src * n + dst, []).append(entry)
        return tuple((link, tuple(queue)) for link, queue in sorted(links.items()))
    ordered_entries = sorted(entries, key=sort_key)
    if ordering == ir.Ordering.DUPLICATING:
        unique: list[Any] = []
        for entry in ordered_entries:
            if not unique or unique[-1] != entry:
                unique.append(entry)
        return tuple(unique)
    return tuple(ordered_entries)


def _describe_cut(links: list[tuple[int, int]], n: int, names: Names) -> str:
    pairs = set(links)
    one_way = [(a, b) for a, b in links if (b, a) not in pairs]
    if not one_way:
        side = [x for x in range(n) if (0, x) not in pairs]  # the nodes on node 0's side
        other = [x for x in range(n) if x not in side]
        return (
            "{"
            + ", ".join(names.node(x) for x in side)
            + "} | {"
            + ", ".join(names.node(x) for x in other)
            + "}"
        )
    senders = sorted({a for a, _ in one_way})
    return (
        ", ".join(names.node(s) for s in senders)
        + " can hear but cannot be heard by "
        + ", ".join(names.node(x) for x in sorted({b for _, b in one_way}))
    )
