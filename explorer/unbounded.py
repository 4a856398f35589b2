"""Why a model's state space may have no end, said when a search stops at a bound rather than running out
of states. Every variable has a finite type, and time stops at the horizon; what can grow without end
is the network: a bag or a queue of messages in flight, fed by a step that may repeat forever — a timer
that sends and arms itself again (under asynchronous timing it may fire at any step), or an action that
sends while its guard stays true, or handlers that answer one message with more. Those steps are looked
for in the spec, and the messages themselves are watched as the search goes: a few states of each level
(explore's `sample`) say how many messages are in flight on each link, and a link whose pile keeps growing
with depth is named, whatever feeds it. A duplicating network is a set, and cannot grow past its domain. A
counter whose declared range is wide is finite, but each step that counts it up makes new states, so a
search can go as deep as its range is wide: it is named too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from explorer.search import Stats
from explorer.search.result import FAIL_FAST
from explorer.semantics.system import SystemModel
from explorer.state import State
from spec import ir

__all__ = ["FAIL_FAST", "Pile", "Piles", "Watch", "likely_causes", "warning"]

# A search still going deeper than this while a step may send without end is warned about as it runs.
DEEP = 100
# A link holding this many messages in flight, more than at half the depth, is a sign of a state space
# without end when a search stops at a bound; LIVE_PILE of them, while the search still runs.
PILE = 8
LIVE_PILE = 32


def _statements(body: tuple[ir.Stmt, ...]) -> Iterator[ir.Stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, ir.If):
            yield from _statements(stmt.then)
            yield from _statements(stmt.else_)
        elif isinstance(stmt, ir.For | ir.Choose):
            yield from _statements(stmt.body)


def _sends(handler: ir.Handler) -> list[str]:
    return [s.message for s in _statements(handler.body) if isinstance(s, ir.Send | ir.Broadcast)]


def _counted(handler: ir.Handler) -> set[int]:
    """The slots of the variables a handler counts up or down: `x += e`, `x -= e`, `x = x ± e`."""
    slots = set()
    for s in _statements(handler.body):
        if not isinstance(s, ir.Assign):
            continue
        value = s.value
        if s.op in ("+=", "-=") or (
            isinstance(value, ir.Binary)
            and value.op in ("+", "-")
            and any(isinstance(v, ir.Var) and v.slot == s.slot for v in (value.left, value.right))
        ):
            slots.add(s.slot)
    return slots


def _wide_counters(system: ir.System) -> list[str]:
    """Variables whose integer range is at least DEEP wide and that some step counts up or down."""
    causes = []
    for node_type in system.node_types:
        counted = set().union(*(_counted(h) for h in node_type.handlers))
        for var in node_type.vars:
            kind = var.type if isinstance(var.type, ir.IntT) else getattr(var.type, "value", None)
            if var.slot not in counted or var.holds_time or not isinstance(kind, ir.IntT):
                continue
            if kind.lo is not None and kind.hi is not None and kind.hi - kind.lo >= DEEP:
                causes.append(
                    f"counter `{var.name}` of {node_type.name} ranges over {kind} and steps count it, so "
                    "runs can go as deep as its range is wide (give it the smallest range the protocol needs)"
                )
    return causes


def _rearmed_by(node_type: ir.NodeType) -> dict[int, str]:
    """The timers of a node type that its steps may arm again and again with no message to prompt them: its
    own timeout (`itself`), a cycle of timeouts arming one another (the timer that arms it),
    or an action, which may be taken whenever its guard holds. Timer number -> who arms it again."""

    def arms(h: ir.Handler) -> set[int]:
        return {s.timer for s in _statements(h.body) if isinstance(s, ir.SetTimer)}

    timeouts = {
        h.timer: h for h in node_type.handlers if h.kind == ir.HandlerKind.TIMEOUT and h.timer is not None
    }
    armed = {t: arms(h) & set(timeouts) for t, h in timeouts.items()}  # timer -> the timers its timeout arms
    out: dict[int, str] = {}
    for timer in timeouts:
        if timer in armed[timer]:
            out[timer] = "itself"
            continue
        seen: set[int] = set()
        todo = list(armed[timer])
        while todo and timer not in out:  # the timers armed, directly or not, once `timer` fires
            t = todo.pop()
            if t not in seen:
                seen.add(t)
                if timer in armed[t]:
                    out[timer] = f"timer `{timeouts[t].name}`"
                todo.extend(armed[t])
        actions = [h.name for h in node_type.handlers if h.kind == ir.HandlerKind.ACTION and timer in arms(h)]
        if timer not in out and actions:
            out[timer] = f"action `{actions[0]}`"
    return out


def _timer_cause(node_type: ir.NodeType, handler: ir.Handler, what: str, by: str) -> str:
    armed = "arms itself again" if by == "itself" else f"is armed again by {by}"
    return (
        f"timer `{handler.name}` of {node_type.name} sends {what} and {armed}; under asynchronous timing it "
        "may fire at any step, so messages in flight can pile up without end (bound its retries with a "
        "counter, or use synchronous timing)"
    )


def likely_causes(system: ir.System) -> list[str]:
    """The steps that may send without end and the wide counters, in words; empty when nothing suggests
    a search without end."""
    causes = _wide_counters(system)
    if system.model.network.ordering == ir.Ordering.DUPLICATING:
        return causes
    for node_type in system.node_types:
        rearmed = {} if system.model.timed else _rearmed_by(node_type)
        for handler in node_type.handlers:
            sends = _sends(handler)
            if not sends:
                continue
            what = ", ".join(sorted(set(sends)))
            if handler.kind == ir.HandlerKind.TIMEOUT and handler.timer in rearmed:
                causes.append(_timer_cause(node_type, handler, what, rearmed[handler.timer]))
            elif handler.kind == ir.HandlerKind.ACTION:
                causes.append(
                    f"action `{handler.name}` of {node_type.name} sends {what} whenever its guard holds; if "
                    "nothing in the step makes the guard false, messages in flight can pile up without end"
                )
    return causes


@dataclass(frozen=True)
class Pile:
    """The most messages in flight on one link (src -> dst) seen in the states sampled at one depth."""

    src: str
    dst: str
    count: int
    depth: int

    def cause(self, timed: bool, named: bool) -> str:
        """What the pile says; with the likely steps in general unless `named` (the steps are named)."""
        seen = (
            f"messages from {self.src} to {self.dst} pile up: {self.count} in flight on that link at depth "
            f"{self.depth}"
        )
        if named:
            return seen
        timer = "" if timed else "a timer that sends under asynchronous timing (it may fire at any step), "
        return (
            f"{seen}; likely {timer}an action that sends while its guard holds, or a handler that answers "
            "one message with more than one"
        )


class Piles:
    """How many messages are in flight on each link, in the few states of each level of a search that it
    samples (explore's `sample`): the network part of each state, read once per level."""

    def __init__(self, model: SystemModel) -> None:
        plan, msgs = model.plan, model.effects.msgs
        self.names = [inst.name for inst in plan.system.instances]
        self.n, self.stride, self.src, self.dst = plan.n, plan.stride, msgs.src, msgs.dst
        self.position = plan.layout.network
        self.fifo = plan.ordering == ir.Ordering.FIFO
        # a duplicating network is a set: it cannot grow past its domain, nothing to watch
        self.watching = plan.ordering != ir.Ordering.DUPLICATING
        self.seen: list[Pile] = []  # the largest pile of each sampled level, shallowest first

    def _largest(self, state: State) -> tuple[int, int, int]:
        """(count, src, dst) of the link with the most messages in flight in `state`."""
        net = state[self.position]
        if self.fifo:  # (link, queue) pairs, link = src * n + dst
            count, link = max(((len(queue), link) for link, queue in net), default=(0, 0))
            return count, link // self.n, link % self.n
        per_link = Counter((self.src[entry // self.stride], self.dst[entry // self.stride]) for entry in net)
        if not per_link:
            return 0, 0, 0
        (src, dst), count = per_link.most_common(1)[0]
        return count, src, dst

    def sample(self, states: list[State], depth: int) -> None:
        if not self.watching or not states:
            return
        count, src, dst = max(self._largest(s) for s in states)
        pile = Pile(self.names[src], self.names[dst], count, depth)
        if self.seen and self.seen[-1].depth == depth:  # the same level again (the search's last sample)
            pile = max(pile, self.seen.pop(), key=lambda p: p.count)
        self.seen.append(pile)

    def growing(self, at_least: int = PILE) -> Pile | None:
        """The deepest level's largest pile, if it holds at least `at_least` messages and is larger than
        any seen at half that depth or less: messages that keep piling up as the search goes deeper."""
        if not self.seen or self.seen[-1].count < at_least:
            return None
        last = self.seen[-1]
        earlier = [p.count for p in self.seen if p.depth <= last.depth // 2]
        return last if earlier and last.count > max(earlier) else None


def warning(system: ir.System, depth: int, pile: Pile | None = None) -> str | None:
    """The warning for a search stopped by a bound at `depth`, or None when nothing suggests no end:
    messages seen piling up on one link (`pile`), and the steps and counters that may have no end."""
    causes = likely_causes(system)
    if pile is not None:
        causes.insert(0, pile.cause(system.model.timed, named=bool(causes)))
        depth = max(depth, pile.depth)  # the search's last sample: the states one step deeper
    if not causes:
        return None
    return (
        f"the state space looks unbounded (the search was still going deeper at depth {depth}): "
        + "; ".join(causes)
    )


class Watch:
    """Passes a search's progress on, and warns once, while it runs, that the state space looks unbounded:
    when the search keeps going deeper than DEEP in a model where something may send without end, or when
    a link holds at least LIVE_PILE messages in flight and keeps piling up. Its `sample` is the search's."""

    def __init__(
        self,
        model: SystemModel,
        model_name: str,
        progress: Callable[[str, Stats], None] | None,
        warn: Callable[[str], None] | None,
    ) -> None:
        self.system = model.system
        self.model_name = model_name
        self.forward = progress
        self.warn = warn
        self.warned = False
        self.piles = Piles(model)

    def progress(self, stats: Stats) -> None:
        if self.forward is not None:
            self.forward(self.model_name, stats)
        if self.warn is not None and not self.warned and stats.depth >= DEEP:
            self._say(warning(self.system, stats.depth, self.piles.growing()))

    def sample(self, states: list[State], depth: int) -> None:
        self.piles.sample(states, depth)
        if self.warn is not None and not self.warned:
            pile = self.piles.growing(LIVE_PILE)
            if pile is not None:
                self._say(warning(self.system, depth, pile))

    def _say(self, text: str | None) -> None:
        """Warn, once: nothing to say now (None) leaves the warning for a later sign."""
        if text is not None and self.warn is not None:
            self.warned = True
            self.warn(f"warning: {self.model_name}: {text}")

    def final(self, depth: int) -> str | None:
        """The warning for the search stopped by a bound at `depth`."""
        return warning(self.system, depth, self.piles.growing())
