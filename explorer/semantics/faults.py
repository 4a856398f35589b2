"""The adversary's steps on the network and on nodes, each within its budget: drop, duplicate, partition
and heal; crash, recover, pause and resume."""

from __future__ import annotations

from explorer.actions import HEAL, Crash, Drop, Duplicate, Partition, Pause, Resume
from explorer.model import SpecRuntimeError
from explorer.plan import Plan
from explorer.semantics.effects import Effects
from explorer.semantics.steps import Steps
from explorer.state import (
    CRASHED,
    CRASHES,
    CUT,
    DOWN,
    DUPLICATE,
    LOSS,
    NOW,
    PARTITIONS,
    PAUSED,
    PAUSED_SINCE,
    UP,
    VARS,
    State,
    spend,
)
from spec import ir


def network_steps(state: State, plan: Plan, effects: Effects, steps: Steps) -> None:
    n = plan.n
    network = plan.system.model.network
    order = effects.order
    net, spent = state[n], state[n + 1]
    stride = plan.stride
    out = steps.out
    interned = effects.interned
    if network.may_lose(spent[LOSS]):
        after = spent if network.unbounded_loss else spend(spent, LOSS)
        for entry, position in order.positions(net):
            out.append(
                (
                    interned.of(Drop, entry // stride),
                    (*state[:n], order.remove(net, position), after, state[n + 2]),
                )
            )
    if spent[DUPLICATE] < network.duplicate and order.consumes:
        after = spend(spent, DUPLICATE)
        for entry, position in order.positions(net):
            out.append(
                (
                    interned.of(Duplicate, entry // stride),
                    (*state[:n], order.duplicate(net, position), after, state[n + 2]),
                )
            )
    if spent[CUT]:
        healed = spent[:CUT] + (0,) + spent[CUT + 1 :]
        out.append((HEAL, (*state[:n], net, healed, state[n + 2])))
    elif spent[PARTITIONS] < network.partition:
        after = spend(spent, PARTITIONS)
        for c in range(1, len(plan.cuts)):
            out.append(
                (
                    interned.of(Partition, c),
                    (*state[:n], net, after[:CUT] + (c,) + after[CUT + 1 :], state[n + 2]),
                )
            )


def node_steps(state: State, plan: Plan, effects: Effects, steps: Steps) -> None:
    n = plan.n
    spent = state[n + 1]
    now = state[n + 2][NOW]
    status = effects.locals.status
    values = effects.locals.values
    out = steps.out
    interned = effects.interned
    for b, budget in enumerate(plan.crash_budgets):
        if spent[CRASHES + b] >= budget.bound:
            continue
        after = spend(spent, CRASHES + b)
        new_status = CRASHED if budget.kind == ir.FaultKind.CRASH_STOP else DOWN
        for i in plan.system.node_type(budget.node_type).instances:
            lid = state[i]
            if status[lid] != UP:
                continue
            local = values[lid]
            # A crash clears the node's timers; its variables stay visible to properties until it recovers.
            crashed = effects.locals.intern((new_status, (None,) * len(local[1]), *local[2:]), plan.kind[i])
            s = list(state)
            s[i] = crashed
            s[n + 1] = after
            out.append((interned.of(Crash, i, b), tuple(s)))
    if not plan.recoverable and not plan.pause_bound:
        return
    for i in range(n):
        lid = state[i]
        code = status[lid]
        if code == DOWN:
            _recover(state, plan, effects, steps, i)
        elif code == UP and i in plan.pause_bound and values[lid][PAUSED_SINCE] < 0:
            # (a node that has just resumed runs until time moves on before it can be paused again)
            local = values[lid]
            paused = effects.locals.intern((PAUSED, *local[1:PAUSED_SINCE], now, *local[VARS:]), plan.kind[i])
            s = list(state)
            s[i] = paused
            out.append((interned.of(Pause, i), tuple(s)))
        elif code == PAUSED:
            local = values[lid]
            resumed = effects.locals.intern((UP, *local[1:PAUSED_SINCE], now, *local[VARS:]), plan.kind[i])
            s = list(state)
            s[i] = resumed
            out.append((interned.of(Resume, i), tuple(s)))


def _recover(state: State, plan: Plan, effects: Effects, steps: Steps, i: int) -> None:
    n = plan.n
    key = effects.key(state[i], state)
    entries = effects.recover_cache[i].get(key)
    if entries is None:
        entries = effects.recovery(i, key)
    now = state[n + 2][NOW]
    for action, outcome in entries:
        if isinstance(outcome, SpecRuntimeError):
            steps.fails.append((action, outcome))
            continue
        new_lid, sends = outcome
        s = list(state)
        s[i] = new_lid
        if sends:
            s[n] = effects.order.add(state[n], effects.stamp(sends, now))
        steps.out.append((action, tuple(s)))
