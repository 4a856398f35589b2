"""Adversary steps on the network and on nodes, each within its budget: drop, duplicate, partition, heal,
crash, recover, pause and resume."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from explorer.compile import SpecRuntimeError
from explorer.model import Action, State
from explorer.state import CRASHED, DOWN, PAUSED, PAUSED_SINCE, UP, VARS
from explorer.values import Names
from spec import ir

if TYPE_CHECKING:
    from explorer.semantics.system import SystemModel

KINDS = ("drop", "duplicate", "partition", "heal", "crash", "pause", "resume")

# Positions in the faults tuple (explorer.semantics.system).
LOSS, DUPLICATE, PARTITIONS, CUT = 0, 1, 2, 3
CRASH_BUDGETS = 5


def spend(spent: tuple[int, ...], index: int) -> tuple[int, ...]:
    return spent[:index] + (spent[index] + 1,) + spent[index + 1 :]


def partition_cuts(n: int, network: ir.Network) -> list[frozenset[int]]:
    """The partitions the adversary may choose, as sets of cut links (src * n + dst). Index 0 is "no
    partition"; then every way to split the nodes in two, and, when asymmetric, every one-way cut (one side
    can hear the other but cannot be heard)."""
    cuts: list[frozenset[int]] = [frozenset()]
    if network.partition <= 0:
        return cuts
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
    return cuts


def network_steps(model: SystemModel, state: State, out: list[tuple[Action, State]]) -> None:
    n = model.n
    network = model.system.model.network
    order = model.order
    net, spent = state[n], state[n + 1]
    stride = model.stride
    if spent[LOSS] < network.loss:
        after = spend(spent, LOSS)
        for entry, position in order.positions(net):
            out.append((("drop", entry // stride), (*state[:n], order.remove(net, position), after, state[n + 2])))
    if spent[DUPLICATE] < network.duplicate and order.consumes:
        after = spend(spent, DUPLICATE)
        for entry, position in order.positions(net):
            out.append(
                (("duplicate", entry // stride), (*state[:n], order.duplicate(net, position), after, state[n + 2]))
            )
    if spent[CUT]:
        healed = spent[:CUT] + (0,) + spent[CUT + 1 :]
        out.append((("heal",), (*state[:n], net, healed, state[n + 2])))
    elif spent[PARTITIONS] < network.partition:
        after = spend(spent, PARTITIONS)
        for c in range(1, len(model.cuts)):
            out.append((("partition", c), (*state[:n], net, after[:CUT] + (c,) + after[CUT + 1 :], state[n + 2])))


def node_steps(
    model: SystemModel,
    state: State,
    out: list[tuple[Action, State]],
    fails: list[tuple[Action, SpecRuntimeError]],
) -> None:
    n = model.n
    spent = state[n + 1]
    now = state[n + 2][0]
    status = model.locals.status
    values = model.locals.values
    for b, budget in enumerate(model.crash_budgets):
        if spent[CRASH_BUDGETS + b] >= budget.bound:
            continue
        after = spend(spent, CRASH_BUDGETS + b)
        new_status = CRASHED if budget.kind == "crash_stop" else DOWN
        for i in model.system.node_type(budget.node_type).instances:
            lid = state[i]
            if status[lid] != UP:
                continue
            local = values[lid]
            # A crash clears the node's timers; its variables stay visible to properties until it recovers.
            crashed = model.locals.intern((new_status, (None,) * len(local[1]), *local[2:]), model.kind[i])
            s = list(state)
            s[i] = crashed
            s[n + 1] = after
            out.append((("crash", i, b), tuple(s)))
    for i in range(n):
        lid = state[i]
        code = status[lid]
        if code == DOWN:
            key = model._key(lid, state)
            entries = model.recover_cache[i].get(key)
            if entries is None:
                entries = model._recovery(i, key)
            for action, outcome in entries:
                if isinstance(outcome, SpecRuntimeError):
                    fails.append((action, outcome))
                    continue
                new_lid, sends = outcome
                s = list(state)
                s[i] = new_lid
                if sends:
                    s[n] = model.order.add(state[n], model.stamp(sends, now))
                out.append((action, tuple(s)))
        elif code == UP and i in model.pause_bound and values[lid][PAUSED_SINCE] < 0:
            # (a node that has just resumed runs until time moves on before it can be paused again)
            local = values[lid]
            paused = model.locals.intern((PAUSED, *local[1:PAUSED_SINCE], now, *local[VARS:]), model.kind[i])
            s = list(state)
            s[i] = paused
            out.append((("pause", i), tuple(s)))
        elif code == PAUSED:
            local = values[lid]
            resumed = model.locals.intern((UP, *local[1:PAUSED_SINCE], now, *local[VARS:]), model.kind[i])
            s = list(state)
            s[i] = resumed
            out.append((("resume", i), tuple(s)))


def describe(model: SystemModel, state: State, action: Action) -> dict[str, Any]:
    names: Names = model.names
    kind = action[0]
    if kind in ("drop", "duplicate"):
        mid = action[1]
        src, dst, _, _ = model.msgs.values[mid]
        verb = "drops" if kind == "drop" else "duplicates"
        return {
            "actor": "network",
            "fault": kind,
            "message": model.show_message(mid),
            "link": [names.node(src), names.node(dst)],
            "text": f"network {verb} {model.show_message(mid)} {names.node(src)}→{names.node(dst)}",
        }
    if kind == "partition":
        links = sorted(divmod(link, model.n) for link in model.cuts[action[1]])
        return {
            "actor": "network",
            "fault": "partition",
            "cut": [[names.node(a), names.node(b)] for a, b in links],
            "text": "network partitions: " + _describe_cut(links, model.n, names),
        }
    if kind == "heal":
        return {"actor": "network", "fault": "heal", "text": "network heals: every link works again"}
    if kind == "crash":
        _, i, b = action
        budget = model.crash_budgets[b]
        how = "for good" if budget.kind == "crash_stop" else "(it may recover)"
        return {"actor": names.node(i), "fault": budget.kind, "text": f"{names.node(i)} crashes {how}"}
    if kind == "pause":
        i = action[1]
        return {"actor": names.node(i), "fault": "pause",
                "text": f"{names.node(i)} pauses (a stop-the-world pause: it takes no step while time goes on)"}
    if kind == "resume":
        i = action[1]
        since = model.local(state, i)[PAUSED_SINCE]
        ticks = model.now(state) - since
        return {"actor": names.node(i), "fault": "resume",
                "text": f"{names.node(i)} resumes after a pause of {ticks} tick{'s' if ticks != 1 else ''}"}
    raise KeyError(kind)


def _describe_cut(links: list[tuple[int, int]], n: int, names: Names) -> str:
    pairs = set(links)
    one_way = [(a, b) for a, b in links if (b, a) not in pairs]
    if not one_way:
        side = [x for x in range(n) if (0, x) not in pairs]  # the nodes on node 0's side
        other = [x for x in range(n) if x not in side]
        return "{" + ", ".join(names.node(x) for x in side) + "} | {" + ", ".join(names.node(x) for x in other) + "}"
    senders = sorted({a for a, _ in one_way})
    return ", ".join(names.node(s) for s in senders) + " can hear but cannot be heard by " + ", ".join(
        names.node(x) for x in sorted({b for _, b in one_way})
    )
