"""Time under synchronous and partially synchronous timing: the `tick` step, NTP steps and GST.

Real time `now` advances by one per tick, up to the model's horizon. Each node has a time-of-day clock
(`clock`) and a monotonic clock (`mono`); on a tick both advance by 1, or, with `drift`, by 0, 1 or 2 —
as long as they stay within the skew bound of real time. An NTP step sets a node's time-of-day clock
anywhere within the skew bound, backwards included; the monotonic clock never goes back.

Where the bounds hold (always under synchronous timing; after GST under partial synchrony) time may not
pass while a deliverable message has reached the delay bound, a timer is due on an up node (both noted by
the protocol's rules in `steps.must_move`), or a pause has reached its bound. Messages that cannot be
delivered never stop time.
"""

from __future__ import annotations

import itertools

from explorer.actions import GST, Ntp, Tick
from explorer.plan import Plan
from explorer.semantics.effects import Effects
from explorer.semantics.steps import Steps
from explorer.state import CLOCK, CRASHED, DOWN, MONO, NTP, PAUSED, PAUSED_SINCE, STATUS, UP, VARS, State


def time_steps(state: State, plan: Plan, effects: Effects, steps: Steps) -> None:
    if not plan.timed:
        return
    n = plan.n
    now, gst_at = state[n + 2]
    # GST: from now on the bounds hold.
    if gst_at < 0:
        steps.out.append((GST, (*state[: n + 2], (now, now))))
    _ntp_steps(state, plan, effects, steps)
    _tick(state, plan, effects, steps)


def _ntp_steps(state: State, plan: Plan, effects: Effects, steps: Steps) -> None:
    """The adversary steps a node's time-of-day clock anywhere within the skew."""
    ntp = plan.system.model.clocks.ntp
    n = plan.n
    spent = state[n + 1]
    if not ntp or (ntp > 0 and spent[NTP] >= ntp):
        return
    now = state[n + 2][0]
    skew = plan.skew
    status = effects.locals.status
    values = effects.locals.values
    after = spent if ntp < 0 else spent[:NTP] + (spent[NTP] + 1,) + spent[NTP + 1 :]
    for i in range(n):
        lid = state[i]
        if status[lid] in (CRASHED, DOWN):
            continue
        local = values[lid]
        for clock in range(now - skew, now + skew + 1):
            if clock == local[CLOCK]:
                continue
            stepped = effects.locals.intern((*local[:CLOCK], clock, *local[CLOCK + 1 :]), plan.kind[i])
            s = list(state)
            s[i] = stepped
            s[n + 1] = after
            steps.out.append((effects.interned.of(Ntp, i, clock), tuple(s)))


def _tick(state: State, plan: Plan, effects: Effects, steps: Steps) -> None:
    n = plan.n
    now, gst_at = state[n + 2]
    model = plan.system.model
    if now >= plan.horizon or steps.must_move:
        return
    if gst_at < 0 and model.gst is not None and now >= model.gst:
        return  # GST must come by time model.gst
    values = effects.locals.values
    status = effects.locals.status
    if gst_at >= 0:
        for i, bound in plan.pause_bound.items():
            local = values[state[i]]
            if local[STATUS] == PAUSED and now - max(local[PAUSED_SINCE], gst_at) >= bound:
                return  # the pause has lasted as long as it may
    later = now + 1
    if later > effects.latest_now:
        effects.latest_now = later
    skew = plan.skew
    choices: list[list[tuple[int, int]]] = []  # per node: (advance, new local id)
    for i in range(n):
        lid = state[i]
        local = values[lid]
        # Only a running (or paused) node's clock drifts: crashed and Byzantine nodes keep time exactly, which
        # loses nothing, since none of them reads its clock until it recovers.
        advances = (0, 1, 2) if model.clocks.drift and status[lid] in (UP, PAUSED) else (1,)
        options = []
        # A node that resumed from a pause during this instant may be paused again once time moves on.
        pause_mark = local[PAUSED_SINCE] if local[STATUS] == PAUSED else -1
        for d in advances:
            clock, mono = local[CLOCK] + d, local[MONO] + d
            if abs(clock - later) > skew or abs(mono - later) > skew:
                continue
            options.append(
                (
                    d,
                    effects.locals.intern(
                        (*local[:CLOCK], clock, mono, pause_mark, *local[VARS:]), plan.kind[i]
                    ),
                )
            )
        choices.append(options)  # never empty: advancing by 1 keeps a clock within the skew
    time = (later, gst_at)
    for picked in itertools.product(*choices):
        tick = effects.interned.of(Tick, tuple(d for d, _ in picked))
        steps.out.append((tick, (*(lid for _, lid in picked), state[n], state[n + 1], time)))
