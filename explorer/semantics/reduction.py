"""Partial-order reduction (`check --por`): from a state, expand only the steps of one node when the steps
of the others need not be tried in every order around them (docs/semantics.md, "Reductions").

The steps expanded — an ample set — are every enabled step of one node p: its deliveries (and, under
unbounded loss, the drops of messages to it), its actions and its timers. They are taken instead of all the
enabled steps when:

- C1, independence: no step outside them can touch what they touch before one of them is taken. Nodes share
  nothing but the network, so p's steps commute with the steps of every other node; only a step of p that is
  not enabled yet could interfere — a delivery of a message some other node sends p later. A node whose
  steps are all disabled stays so until a message reaches it (its guards read only its own state and the
  message, in an untimed model), so the nodes that may still move without p are those with a step that
  changes the state, and those they may send to, transitively; p is taken only if none of them may send to
  p (by the destinations its handlers name). The adversary's steps with a budget (a drop, a duplicate, a
  partition, a crash) share the budget with one another, so none is ever in an ample set; each commutes
  with the steps of a node it does not touch, and a node it touches is not taken (`_Adversary`). A heal may
  enable deliveries anywhere: a state where one is enabled is expanded in full. Models with time or
  Byzantine nodes are not reduced at all.
- C2, visibility: p's steps are invisible to the properties checked: their handlers write no variable an
  invariant reads, and send, consume or drop no message of a kind an invariant counts in flight. A step that
  fails inside the spec (an assertion, a run-time error) is visible.
- C3, the cycle proviso (explorer/search/explore.py): if one of the ample steps leads to a state already
  seen, the state is expanded in full. In any order of search, the state of a cycle seen first is entered
  from a state expanded after it, so every cycle of the reduced graph has a state expanded in full and no
  step is put off forever.

These are the conditions under which every reachable violation of an invariant, an assertion or a run-time
error, and every deadlock, is still reached; the reduced search is not breadth-first over the full graph,
so a counterexample found under it may be longer than the shortest one (explorer/run.py shortens it on
request).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from explorer.actions import Act, Action, Crash, Deliver, Drop, Duplicate, Fire, Partition, Recover
from explorer.model import SpecRuntimeError
from explorer.plan import Plan
from explorer.semantics.effects import Effects
from explorer.state import State
from spec import ir

Step = tuple[Action, State]
Failure = tuple[Action, SpecRuntimeError]


def unreducible(plan: Plan) -> str | None:
    """Why a model cannot be reduced at all (None: it can)."""
    if plan.timed:
        return "time is modelled: every step may change what time lets happen next"
    if plan.byzantine_types:
        return "a Byzantine node may send any node anything at any time"
    if plan.env_dependent:
        return "a handler reads more than its own node's state"
    return None


class PartialOrder:
    """The ample sets of one model: what each node may send to, and which steps the properties see."""

    def __init__(self, plan: Plan, effects: Effects, invariants: Iterable[ir.Invariant]) -> None:
        self.plan = plan
        self.effects = effects
        system = plan.system
        self.unbounded_loss = system.model.network.unbounded_loss
        self.consumes = effects.order.consumes
        self.fifo = plan.ordering == ir.Ordering.FIFO
        everyone = frozenset(range(plan.n))
        read_vars: set[tuple[str, int]] = set()
        self.kinds_read: set[str] = set()
        for inv in invariants:
            for sub in ir.walk(inv.expr):
                if isinstance(sub, ir.NodeVar):
                    read_vars.add((sub.node_type, sub.slot))
                elif isinstance(sub, ir.InFlight):
                    self.kinds_read.add(sub.message)
        # global index -> the nodes it may send to (by any handler that runs in a step of the protocol)
        by_type: dict[str, frozenset[int]] = {}
        for nt in system.node_types:
            handlers = [h for h in nt.handlers if h.kind in _STEP_KINDS]
            by_type[nt.name] = frozenset().union(*(_destinations(h, everyone) for h in handlers))
        self.sends_to = [by_type[nt.name] for nt in plan.instance_type]
        self.messages = [m.name for m in sorted(system.messages, key=lambda m: m.index)]
        self.visible_handler = {
            id(h): _writes(h, read_vars) or bool(_sent(h) & self.kinds_read)
            for nt in system.node_types
            for h in nt.handlers
        }
        # by node: whether some step of its type may be invisible (the others are never candidates)
        self.candidate = [
            any(not self.visible_handler[id(h)] for h in nt.handlers if h.kind in _STEP_KINDS)
            for nt in plan.instance_type
        ]
        self._visible: dict[tuple[type, int, int], bool] = {}

    def ample(self, state: State, steps: list[Step], failures: list[Failure]) -> list[Step] | None:
        """The steps of one node to expand instead of `steps`, or None where no node's steps qualify
        (C1 and C2 above; the caller applies C3). One pass over the steps: which nodes move, which are
        candidates (all their steps invisible), what the adversary may do."""
        dst, candidate, unbounded_loss = self.effects.msgs.dst, self.candidate, self.unbounded_loss
        groups: dict[int, list[Step]] = {}
        moving: set[int] = set()
        ruled_out: set[int] = set()
        adversary: _Adversary | None = None
        for step in steps:
            action = step[0]
            kind = type(action)
            if kind is Deliver or (kind is Drop and unbounded_loss):  # `_node_of`, inline: once per step
                node = dst[action.message]  # type: ignore[union-attr]
            elif kind is Act or kind is Fire:
                node = action.node  # type: ignore[union-attr]
            else:
                adversary = adversary or _Adversary()
                if not adversary.hear(action, dst):
                    return None
                continue
            if step[1] is not state:
                moving.add(node)
            if not candidate[node] or node in ruled_out:
                continue
            if self.visible(action):
                ruled_out.add(node)
                groups.pop(node, None)
            elif node in groups:
                groups[node].append(step)
            else:
                groups[node] = [step]
        if not groups:
            return None
        if adversary is not None:
            # a drop may bare the next message of a queue; a node that crashes may recover, run `on recover`
            moving |= adversary.touched | adversary.recovering
            if self.plan.recoverable:
                moving |= adversary.crashable
        failing = {self._node_of(action) for action, _ in failures}
        for node, group in sorted(groups.items(), key=lambda item: len(item[1])):
            if len(group) == len(steps) and not failures:
                return None  # every step there is: nothing to leave out
            if all(type(action) is Drop for action, _ in group):
                # drops alone are no move of the protocol: a state where only they are left may be a deadlock
                # (`--deadlock`), and in a queue a drop could bare a message that ends it
                continue
            if node in failing or (
                adversary is not None and not adversary.leaves_alone(node, group, self.fifo)
            ):
                continue
            if not self._may_hear_from(node, moving):
                return group
        return None

    def _node_of(self, action: Action) -> int | None:
        """The node whose step `action` is (None: a step of the adversary or of time)."""
        if isinstance(action, Deliver) or (isinstance(action, Drop) and self.unbounded_loss):
            return self.effects.msgs.dst[action.message]
        if isinstance(action, Act | Fire):
            return action.node
        return None

    def _may_hear_from(self, p: int, moving: set[int]) -> bool:
        """Whether some node other than `p` may send `p` a message before `p` takes a step: one that can
        move now, or one that such a node may send to, and so on."""
        sends_to = self.sends_to
        reached = moving - {p}
        stack = list(reached)
        while stack:
            q = stack.pop()
            for r in sends_to[q]:
                if r == p:
                    return True
                if r not in reached:
                    reached.add(r)
                    stack.append(r)
        return False

    def visible(self, action: Action) -> bool:
        """Whether the step may change what some property reads (C2)."""
        kind = type(action)
        key: tuple[type, int, int]
        if kind is Deliver or kind is Drop:
            key = (kind, action.message, 0)  # type: ignore[union-attr]
        elif kind is Act:
            key = (kind, action.node, action.action)  # type: ignore[union-attr]
        else:
            key = (kind, action.node, action.timer)  # type: ignore[union-attr]
        known = self._visible.get(key)
        if known is None:
            known = self._visible[key] = self._sees(action)
        return known

    def _sees(self, action: Action) -> bool:
        plan, msgs = self.plan, self.effects.msgs
        if isinstance(action, Deliver | Drop):
            _, dst, message, _ = msgs.values[action.message]
            kind_read = self.messages[message] in self.kinds_read
            if isinstance(action, Drop):
                return kind_read
            handler = plan.handlers[plan.instance_type[dst].name].receive[message]
            return self.visible_handler[id(handler)] or (self.consumes and kind_read)
        if isinstance(action, Act):
            handler = plan.handlers[plan.instance_type[action.node].name].actions[action.action]
        else:
            assert isinstance(action, Fire)
            handler = plan.handlers[plan.instance_type[action.node].name].timeouts[action.timer]
        return self.visible_handler[id(handler)]


_STEP_KINDS = (ir.HandlerKind.RECEIVE, ir.HandlerKind.TIMEOUT, ir.HandlerKind.ACTION, ir.HandlerKind.RECOVER)


class _Adversary:
    """The adversary's steps enabled in one state, as far as they bear on which node's steps may be taken
    alone: each shares a budget with the others (so none is ever in an ample set), and commutes with the
    steps of a node it does not touch."""

    __slots__ = ("any", "crashable", "partition", "recovering", "touched")

    def __init__(self) -> None:
        self.any = False
        self.touched: set[int] = set()  # receivers of messages a drop or a duplicate may take
        self.partition = False  # a partition may cut a link (and so disable a delivery)
        self.crashable: set[int] = set()
        self.recovering: set[int] = set()

    def hear(self, action: Action, dst: list[int]) -> bool:
        """Note an enabled step of the adversary; False for one that leaves no node alone (a heal may
        enable deliveries anywhere; time and Byzantine nodes are refused before)."""
        self.any = True
        if isinstance(action, Drop | Duplicate):
            self.touched.add(dst[action.message])
        elif isinstance(action, Partition):
            self.partition = True
        elif isinstance(action, Crash):
            self.crashable.add(action.node)
        elif isinstance(action, Recover):
            self.recovering.add(action.node)
        else:
            return False
        return True

    def leaves_alone(self, node: int, group: list[Step], fifo: bool) -> bool:
        """Whether no enabled adversary step depends on `node`'s steps: a crash of it disables them all, a
        drop or duplicate of a message to it, or a partition, may disable a delivery to it (and in a queue,
        a drop bares the next message)."""
        if node in self.crashable or (fifo and node in self.touched):
            return False
        if node in self.touched or self.partition:
            return not any(type(action) is Deliver for action, _ in group)
        return True


def _destinations(handler: ir.Handler, everyone: frozenset[int]) -> frozenset[int]:
    """The nodes `handler` may send to, from the types of its sends' destinations."""
    out: set[int] = set()
    for sub in _parts(handler):
        if isinstance(sub, ir.Send):
            out |= _instances(sub.dest.type, everyone)
        elif isinstance(sub, ir.Broadcast):
            out |= _instances(sub.dests.type, everyone)
    return frozenset(out)


def _instances(t: ir.Type, everyone: frozenset[int]) -> frozenset[int]:
    while isinstance(t, ir.OptionT | ir.SetT):
        t = t.inner if isinstance(t, ir.OptionT) else t.elem
    if isinstance(t, ir.NodeT) and t.instances:
        return frozenset(t.instances)
    return everyone


def _writes(handler: ir.Handler, read_vars: set[tuple[str, int]]) -> bool:
    return any(
        isinstance(sub, ir.Assign) and (handler.node_type, sub.slot) in read_vars for sub in _parts(handler)
    )


def _sent(handler: ir.Handler) -> set[str]:
    return {sub.message for sub in _parts(handler) if isinstance(sub, ir.Send | ir.Broadcast)}


def _parts(handler: ir.Handler) -> Iterator[object]:
    for stmt in handler.body:
        yield from ir.walk(stmt)


__all__ = ["PartialOrder", "unreducible"]
