"""A plan of one system under its model, computed once and frozen: what both the explorer and the Z3
encoder need to know beyond the IR — which handler answers what, the initial values, the adversary's
budgets and choices (partitions, Byzantine sets), and the layout of the state. It is the second contract
between the back ends, after the IR: where the two implement the same rule, they read its parameters here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from explorer.compile import Compiler, Ctx
from explorer.state import CRASHES, Layout
from spec import ir
from spec.diagnostics import InternalError

HandlerKind = ir.HandlerKind


@dataclass(frozen=True)
class NodeHandlers:
    """The handlers of one node type, by what triggers them."""

    receive: dict[int, ir.Handler]  # message index -> handler
    actions: tuple[ir.Handler, ...]
    timeouts: tuple[ir.Handler, ...]  # by timer number
    start: ir.Handler | None
    recover: ir.Handler | None


@dataclass(frozen=True)
class Plan:
    system: ir.System
    layout: Layout
    instance_type: tuple[ir.NodeType, ...]  # by instance
    kind: tuple[int, ...]  # the node-type number of each instance (it keys the local-state table)
    handlers: dict[str, NodeHandlers]  # node type -> its handlers
    initial_vars: tuple[tuple[Any, ...], ...]  # by instance
    timed: bool
    horizon: int
    skew: int
    stride: int  # network entries are `message * stride + sent_at` (explorer.state)
    ordering: ir.Ordering
    cuts: tuple[frozenset[int], ...]  # the partitions the adversary may choose; 0 is none
    crash_budgets: tuple[ir.FaultBudget, ...]  # in the order of their counts in the faults tuple
    pause_bound: dict[int, int]  # instance -> the longest a pause of it may last (after GST)
    byzantine_types: frozenset[str]
    byzantine_masks: tuple[int, ...]  # the sets of Byzantine nodes the adversary may pick
    reads_now: bool  # some (ghost) handler code reads real time
    reads_byzantine: bool  # some (ghost) handler code asks who is Byzantine
    # what a Byzantine node may send a node of each type: (message, every combination of field values) — for a
    # signed message without its signer, for the liar signs as itself — and the signed messages it may relay
    injectable: dict[str, list[tuple[int, list[tuple[Any, ...]]]]]
    relayable: dict[str, list[int]]

    @staticmethod
    def of(system: ir.System) -> Plan:
        model = system.model
        n = len(system.instances)
        instance_type = tuple(system.node_type(inst.node_type) for inst in system.instances)
        type_numbers = {nt.name: k for k, nt in enumerate(system.node_types)}
        handlers = [h for nt in system.node_types for h in nt.handlers]
        pause_bound: dict[int, int] = {}
        for budget in model.faults:
            if budget.kind == ir.FaultKind.PAUSE:
                for i in system.node_type(budget.node_type).instances:
                    pause_bound[i] = max(pause_bound.get(i, 0), budget.bound)
        horizon = model.horizon or 0
        return Plan(
            system=system,
            layout=Layout(n),
            instance_type=instance_type,
            kind=tuple(type_numbers[inst.node_type] for inst in system.instances),
            handlers={nt.name: _node_handlers(system, nt) for nt in system.node_types},
            initial_vars=_initial_values(system, instance_type),
            timed=model.timed,
            horizon=horizon,
            skew=model.clocks.skew if model.timed else 0,
            # one more than the horizon: the mark of a message delivered once (a duplicating network)
            stride=horizon + 2 if model.timed else 1,
            ordering=model.network.ordering,
            cuts=partition_cuts(n, model.network),
            crash_budgets=tuple(
                f for f in model.faults if f.kind in (ir.FaultKind.CRASH_STOP, ir.FaultKind.CRASH_RECOVERY)
            ),
            pause_bound=pause_bound,
            byzantine_types=frozenset(
                f.node_type for f in model.faults if f.kind == ir.FaultKind.BYZANTINE and f.bound > 0
            ),
            byzantine_masks=tuple(byzantine_masks(system)),
            reads_now=any(isinstance(sub, ir.Now) for h in handlers for sub in ir.walk(h)),
            reads_byzantine=any(
                isinstance(sub, ir.Call) and sub.func == "byzantine" for h in handlers for sub in ir.walk(h)
            ),
            **_byzantine_domains(system),
        )

    @property
    def n(self) -> int:
        return self.layout.n

    @property
    def delivered(self) -> int:
        """The sent_at of a message that has been delivered once (it stays, in a duplicating network)."""
        return self.stride - 1

    @cached_property
    def recoverable(self) -> bool:
        """Whether some node may recover from a crash."""
        return any(b.kind == ir.FaultKind.CRASH_RECOVERY for b in self.crash_budgets)

    @property
    def spent_size(self) -> int:
        return CRASHES + len(self.crash_budgets)

    @property
    def initial_gst(self) -> int:
        """When GST has passed in an initial state: -1 (not yet) under partial synchrony unless `gst <= 0`."""
        model = self.system.model
        return -1 if model.timing == ir.Timing.PARTIALLY_SYNCHRONOUS and model.gst != 0 else 0

    @cached_property
    def env_dependent(self) -> bool:
        """Whether a handler's effect depends on more than its node's local state (it is then remembered
        per (real time, Byzantine set) as well)."""
        return self.reads_now or self.reads_byzantine


def _byzantine_domains(system: ir.System) -> dict[str, Any]:
    injectable: dict[str, list[tuple[int, list[tuple[Any, ...]]]]] = {}
    relayable: dict[str, list[int]] = {}
    if any(f.kind == ir.FaultKind.BYZANTINE and f.bound > 0 for f in system.model.faults):
        messages = {m.name: m for m in system.messages}
        for nt in system.node_types:
            injectable[nt.name] = []
            relayable[nt.name] = []
            for h in nt.handlers:
                if h.kind != HandlerKind.RECEIVE or h.message is None:
                    continue
                message = messages[h.message]
                own = message.fields[:-1] if message.signed else message.fields
                injectable[nt.name].append(
                    (message.index, list(itertools.product(*(list(f.type.values()) for f in own))))
                )
                if message.signed:
                    relayable[nt.name].append(message.index)
    return {"injectable": injectable, "relayable": relayable}


def _node_handlers(system: ir.System, nt: ir.NodeType) -> NodeHandlers:
    message_index = {m.name: m.index for m in system.messages}
    timeouts: list[ir.Handler | None] = [None] * len(nt.timers)
    for h in nt.handlers:
        if h.kind == HandlerKind.TIMEOUT:
            assert h.timer is not None
            timeouts[h.timer] = h
    if any(t is None for t in timeouts):
        raise InternalError(f"node type {nt.name} has a timer without a handler")
    return NodeHandlers(
        receive={
            message_index[h.message]: h for h in nt.handlers if h.kind == HandlerKind.RECEIVE and h.message
        },
        actions=tuple(h for h in nt.handlers if h.kind == HandlerKind.ACTION),
        timeouts=tuple(t for t in timeouts if t is not None),
        start=nt.handler(HandlerKind.START),
        recover=nt.handler(HandlerKind.RECOVER),
    )


def _initial_values(system: ir.System, instance_type: tuple[ir.NodeType, ...]) -> tuple[tuple[Any, ...], ...]:
    """Each instance's initial variables (an initial value may read `self`)."""
    compiler = Compiler(system)
    out = []
    for inst in system.instances:
        ctx = Ctx([], [], inst.index)
        values = []
        for var in instance_type[inst.index].vars:
            value = compiler.expr(var.init)(ctx)
            if not var.type.contains(value):
                raise InternalError(f"initial value of {var.name} escaped the checker")
            values.append(value)
        out.append(tuple(values))
    return tuple(out)


def partition_cuts(n: int, network: ir.Network) -> tuple[frozenset[int], ...]:
    """The partitions the adversary may choose, as sets of cut links (src * n + dst). Index 0 is "no
    partition"; then every way to split the nodes in two, and, when asymmetric, every one-way cut (one side
    can hear the other but cannot be heard)."""
    cuts: list[frozenset[int]] = [frozenset()]
    if network.partition <= 0:
        return tuple(cuts)
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
    if network.asymmetric:
        for size in range(1, n):
            for side in itertools.combinations(nodes, size):
                a = set(side)
                b = [x for x in nodes if x not in a]
                one_way = frozenset(s * n + d for s in a for d in b)  # a cannot be heard by b
                if one_way not in seen:
                    seen.add(one_way)
                    cuts.append(one_way)
    return tuple(cuts)


def byzantine_masks(system: ir.System) -> list[int]:
    """The sets of Byzantine nodes the adversary may pick, as bit masks: up to f of each type with a
    byzantine budget; for a symmetric type one set per size, since which ones does not matter."""
    per_budget: list[list[frozenset[int]]] = []
    for budget in system.model.faults:
        if budget.kind != ir.FaultKind.BYZANTINE or budget.bound <= 0:
            continue
        nt = system.node_type(budget.node_type)
        instances = list(nt.instances)
        most = min(budget.bound, len(instances))
        if nt.symmetric:
            options = [frozenset(instances[len(instances) - k :]) for k in range(most + 1)]
        else:
            options = [frozenset(c) for k in range(most + 1) for c in itertools.combinations(instances, k)]
        per_budget.append(options)
    masks: list[int] = []
    for combo in itertools.product(*per_budget):
        mask = 0
        for i in frozenset().union(*combo):
            mask |= 1 << i
        if mask not in masks:
            masks.append(mask)
    return masks
