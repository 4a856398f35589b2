"""Time under synchronous and partially synchronous timing: the `tick` step, NTP steps and GST.

Real time `now` advances by one per tick, up to the model's horizon. Each node has a time-of-day clock
(`clock`) and a monotonic clock (`mono`); on a tick both advance by 1, or, with `drift`, by 0, 1 or 2 —
as long as they stay within the skew bound of real time. An NTP step sets a node's time-of-day clock
anywhere within the skew bound, backwards included; the monotonic clock never goes back.

Where the bounds hold (always under synchronous timing; after GST under partial synchrony) time may not
pass while a deliverable message has reached the delay bound, a timer is due on an up node, or a pause
has reached its bound. Messages that cannot be delivered never stop time.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from explorer.model import Action, State
from explorer.state import CLOCK, CRASHED, DOWN, MONO, PAUSED, PAUSED_SINCE, STATUS, UP, VARS

if TYPE_CHECKING:
    from explorer.semantics.system import SystemModel

KINDS = ("tick", "ntp", "gst")

NTP_SPENT = 4  # position in the faults tuple (explorer.semantics.system)


def time_steps(model: SystemModel, state: State, out: list[tuple[Action, State]], must_move: bool) -> None:
    n = model.n
    now, gst_at = state[n + 2]
    spec_model = model.system.model
    skew = spec_model.clocks.skew
    status = model.locals.status
    values = model.locals.values

    # GST: from now on the bounds hold.
    if gst_at < 0:
        out.append((("gst",), (*state[: n + 2], (now, now))))

    # NTP: the adversary steps a node's time-of-day clock anywhere within the skew.
    ntp = spec_model.clocks.ntp
    spent = state[n + 1]
    if ntp and (ntp < 0 or spent[NTP_SPENT] < ntp):
        after = spent if ntp < 0 else spent[:NTP_SPENT] + (spent[NTP_SPENT] + 1,) + spent[NTP_SPENT + 1 :]
        for i in range(n):
            lid = state[i]
            if status[lid] in (CRASHED, DOWN):
                continue
            local = values[lid]
            for clock in range(now - skew, now + skew + 1):
                if clock == local[CLOCK]:
                    continue
                stepped = model.locals.intern((*local[:CLOCK], clock, *local[CLOCK + 1 :]), model.kind[i])
                s = list(state)
                s[i] = stepped
                s[n + 1] = after
                out.append((("ntp", i, clock), tuple(s)))

    # tick
    if now >= model.horizon or must_move:
        return
    if gst_at < 0 and spec_model.gst is not None and now >= spec_model.gst:
        return  # GST must come by time spec_model.gst
    bounded = gst_at >= 0
    if bounded:
        for i, bound in model.pause_bound.items():
            local = values[state[i]]
            if local[STATUS] == PAUSED and now - max(local[PAUSED_SINCE], gst_at) >= bound:
                return  # the pause has lasted as long as it may
    later = now + 1
    if later > model.latest_now:
        model.latest_now = later
    choices: list[list[tuple[int, int]]] = []  # per node: (advance, new local id)
    for i in range(n):
        lid = state[i]
        local = values[lid]
        kind = model.kind[i]
        # Only a running (or paused) node's clock drifts: crashed and Byzantine nodes keep time exactly, which
        # loses nothing, since none of them reads its clock until it recovers.
        steps = (0, 1, 2) if spec_model.clocks.drift and status[lid] in (UP, PAUSED) else (1,)
        options = []
        # A node that resumed from a pause during this instant may be paused again once time moves on.
        pause_mark = local[PAUSED_SINCE] if local[STATUS] == PAUSED else -1
        for d in steps:
            clock, mono = local[CLOCK] + d, local[MONO] + d
            if abs(clock - later) > skew or abs(mono - later) > skew:
                continue
            options.append((d, model.locals.intern((*local[:CLOCK], clock, mono, pause_mark, *local[VARS:]), kind)))
        choices.append(options)  # never empty: advancing by 1 keeps a clock within the skew
    time = (later, gst_at)
    for picked in itertools.product(*choices):
        advances = tuple(d for d, _ in picked)
        out.append((("tick", advances), (*(lid for _, lid in picked), state[n], state[n + 1], time)))


def _deadlines_reached(model: SystemModel, state: State, advances: tuple[int, ...]) -> list[str]:
    """`time` variables whose value the owning node's clock reaches on this tick: a lease running out,
    a deadline passing, said where a person reading the trace would want to see it."""
    out = []
    for inst in model.system.instances:
        local = model.local(state, inst.index)
        before = local[CLOCK]
        after = before + advances[inst.index]
        initial = model.initial_vars[inst.index]
        for var in model.instance_type[inst.index].vars:
            value = local[VARS + var.slot]
            # a deadline the node has set: not a ghost's bookkeeping, not the variable's initial value
            if var.kind == "ghost" or value == initial[var.slot]:
                continue
            if var.holds_time and isinstance(value, int) and before < value <= after:
                out.append(f"{inst.name}.{var.name} ({value}) is reached on {inst.name}'s clock")
    return out


def describe(model: SystemModel, state: State, action: Action) -> dict[str, Any]:
    names = model.names
    kind = action[0]
    now = model.now(state)
    if kind == "tick":
        advances = action[1]
        text = f"tick → now={now + 1}"
        if model.system.model.clocks.drift:
            odd = [f"{names.node(i)} clock +{d}" for i, d in enumerate(advances) if d != 1]
            if odd:
                text += " (" + ", ".join(odd) + ")"
        reached = _deadlines_reached(model, state, advances)
        if reached:
            text += "; " + ", ".join(reached)
        return {"actor": "time", "text": text}
    if kind == "gst":
        return {"actor": "time", "fault": "gst",
                "text": f"GST at {now}: from now on messages arrive within the delay bound and pauses end in time"}
    if kind == "ntp":
        _, i, clock = action
        old = model.local(state, i)[CLOCK]
        way = "back" if clock < old else "forward"
        return {"actor": names.node(i), "fault": "ntp", "clock": clock,
                "text": f"NTP steps {names.node(i)}'s clock {way} from {old} to {clock}"}
    raise KeyError(kind)
