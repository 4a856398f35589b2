"""The protocol's own steps: spontaneous actions and due timers of running nodes, and deliveries of
messages in flight to running receivers whose handler guard holds, over uncut links."""

from __future__ import annotations

from explorer.actions import Fire
from explorer.model import SpecRuntimeError
from explorer.plan import Plan
from explorer.semantics.effects import CacheKey, Effects
from explorer.semantics.steps import Steps
from explorer.state import CUT, GST_AT, NOW, UP, State


def events(state: State, plan: Plan, effects: Effects, steps: Steps) -> None:
    """Spontaneous actions and timers; where the bounds hold, a due timer is a step time must wait for."""
    n = plan.n
    net = state[n]
    now, gst_at = state[n + 2]
    bounded = plan.timed and gst_at >= 0
    status = effects.locals.status
    add = effects.order.add
    env = steps.env
    out, fails = steps.out, steps.fails
    for i in range(n):
        lid = state[i]
        if status[lid] != UP:
            continue
        key: CacheKey = (lid,) if env is None else (lid, env)
        entries = effects.event_cache[i].get(key)
        if entries is None:
            entries = effects.events(i, key)
        for action, outcome in entries:
            if bounded and type(action) is Fire:
                steps.must_move = True
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
                s[n] = add(net, effects.stamp(sends, now))
            out.append((action, tuple(s)))


def deliveries(state: State, plan: Plan, effects: Effects, steps: Steps) -> None:
    """Every message that may be delivered next; where the bounds hold, one that has waited its delay bound
    is a step time must wait for."""
    n = plan.n
    net = state[n]
    spent = state[n + 1]
    now, gst_at = state[n + 2][NOW], state[n + 2][GST_AT]
    bounded = plan.timed and gst_at >= 0
    status = effects.locals.status
    order = effects.order
    add = order.add
    cut = plan.cuts[spent[CUT]] if spent[CUT] else None
    msg_src, msg_dst = effects.msgs.src, effects.msgs.dst
    cache = effects.delivery_cache
    stride = plan.stride
    delay = plan.system.model.delay or 0
    env = steps.env
    out, fails = steps.out, steps.fails
    consumes = order.consumes
    marks = not consumes and stride > 1  # a duplicating network under time marks what it delivered
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
            entries = effects.delivery(key)
        if not entries:
            continue
        if bounded and now - max(entry % stride, gst_at) >= delay:
            steps.must_move = True
        rest = (
            order.remove(net, position)
            if consumes
            else order.delivered(net, entry, position)
            if marks
            else net
        )
        for action, outcome in entries:
            if isinstance(outcome, SpecRuntimeError):
                fails.append((action, outcome))
                continue
            new_lid, sends = outcome
            if new_lid == lid and not sends and rest is net:
                out.append((action, state))
                continue
            s = list(state)
            s[dst] = new_lid
            s[n] = add(rest, effects.stamp(sends, now)) if sends else rest
            out.append((action, tuple(s)))
