"""Synchronous and partially synchronous timing: ticks, delay bounds, timers, clocks, NTP, GST, pauses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from explorer.semantics.system import SystemModel
from explorer.state import CLOCK, MONO, PAUSED, PAUSED_SINCE, STATUS
from explorer.trace.present import Presenter
from tests.conftest import build, run


def reachable(model: SystemModel) -> Iterator[tuple[Any, Any, Any]]:
    """Every transition (state, action, next state) of a small model, by breadth-first search."""
    seen: set[Any] = set()
    frontier = [s for _, s in model.init_states()]
    seen.update(frontier)
    while frontier:
        nxt = []
        for state in frontier:
            successors, _ = model.successors(state)
            for action, after in successors:
                yield state, action, after
                if after not in seen:
                    seen.add(after)
                    nxt.append(after)
        frontier = nxt


def states_of(model: SystemModel) -> set[Any]:
    out = {s for _, s in model.init_states()}
    for _, _, after in reachable(model):
        out.add(after)
    return out


DELIVERY = """
message M
node S { on start { send M to R } }
node R {
  var got: bool = false
  on M { got = true }
}
invariant delivered_in_time: R.got or now <= 1
model sync1 { timing synchronous { delay <= 1 }; horizon 4 }
model sync2 { timing synchronous { delay <= 2 }; horizon 4 }
model psync { timing partially_synchronous { delay <= 1 }; horizon 4 }
model psync_gst { timing partially_synchronous { delay <= 1; gst <= 0 }; horizon 4 }
"""


def test_time_stops_at_the_horizon_and_a_message_arrives_within_the_delay_bound() -> None:
    model = build(DELIVERY, "sync1")
    states = states_of(model)
    assert max(Presenter(model).now(s) for s in states) == 4
    _, result = run(DELIVERY, "sync1")
    assert result.complete and "delivered_in_time" not in result.discoveries


def test_a_longer_delay_bound_lets_the_message_wait_longer() -> None:
    _, result = run(DELIVERY, "sync2")
    assert result.discoveries["delivered_in_time"].length == 2  # tick, tick


def test_before_gst_no_delay_bound_holds() -> None:
    _, result = run(DELIVERY, "psync")
    found = result.discoveries["delivered_in_time"]
    assert found.length == 2
    _, forced = run(DELIVERY, "psync_gst")  # GST at time 0: the bound holds from the start
    assert "delivered_in_time" not in forced.discoveries


def test_after_gst_a_message_sent_before_it_arrives_within_the_bound_counted_from_gst() -> None:
    model = build(DELIVERY, "psync")
    ticks_after_gst_with_the_message_waiting = 0
    for state, _, after in reachable(model):
        if Presenter(model).now(after) > Presenter(model).now(state):  # a tick
            _, gst_at = after[model.n + 2]
            if gst_at >= 0 and Presenter(model).snapshot(state)["R.got"][1] != "true":
                ticks_after_gst_with_the_message_waiting += 1
                assert Presenter(model).now(after) - gst_at <= 1
    assert ticks_after_gst_with_the_message_waiting > 0


UNDELIVERABLE = """
message M
node S { on start { send M to R } }
node R {
  var open: bool = false
  on M when open { skip }
}
invariant time_passes: now < 3
model m { timing synchronous { delay <= 1 }; horizon 5 }
"""


def test_a_message_that_cannot_be_delivered_does_not_stop_time() -> None:
    _, result = run(UNDELIVERABLE)
    assert result.discoveries["time_passes"].length == 3


TIMERS = """
node A {
  ghost var fired_at: 0..9 = 9
  on start { set t after 2 }
  on timeout t { fired_at = now }
}
invariant on_time: A.fired_at == 9 or A.fired_at == 2
invariant not_late: now <= 2 or A.fired_at != 9
model m { timing synchronous { delay <= 1 }; horizon 5 }
"""


def test_a_timer_fires_exactly_when_its_duration_has_passed() -> None:
    _, result = run(TIMERS)
    assert result.complete and result.discoveries == {}


SKEW = """
node A {
  ghost var off: -3..3 = 0
  ghost var tt_ok: bool = true
  on start { set look after 1 }
  on timeout look {
    off = clock - now
    tt_ok = tt.earliest <= now and now <= tt.latest
    set look after 1
  }
}
invariant within_skew: A.off >= 0 - 1 and A.off <= 1
invariant truetime_contains_now: A.tt_ok
model skew1 { timing synchronous { delay <= 1 }; clocks { skew <= 1 }; horizon 4 }
model drift { timing synchronous { delay <= 1 }; clocks { skew <= 1; drift }; horizon 4 }
model ntp { timing synchronous { delay <= 1 }; clocks { skew <= 1; ntp }; horizon 4 }
"""


@pytest.mark.parametrize("name", ["skew1", "drift", "ntp"])
def test_clocks_stay_within_the_skew_and_truetime_always_contains_real_time(name: str) -> None:
    model, result = run(SKEW, name)
    assert result.complete and result.discoveries == {}
    assert len(model.init_states()) == 3  # the clock starts anywhere in -1..1
    for state in states_of(model):
        local = Presenter(model).local(state, 0)
        assert abs(local[CLOCK] - Presenter(model).now(state)) <= 1


def test_drift_advances_a_clock_by_zero_one_or_two_and_ntp_steps_it_back_while_mono_never_goes_back() -> None:
    drift = build(SKEW, "drift")
    advances = set()
    for state, action, after in reachable(drift):
        if action.kind == "tick":
            advances.add(Presenter(drift).local(after, 0)[CLOCK] - Presenter(drift).local(state, 0)[CLOCK])
    assert advances == {0, 1, 2}
    ntp = build(SKEW, "ntp")
    back = 0
    for state, action, after in reachable(ntp):
        before, later = Presenter(ntp).local(state, 0), Presenter(ntp).local(after, 0)
        assert later[MONO] >= before[MONO]
        if action.kind == "ntp" and later[CLOCK] < before[CLOCK]:
            back += 1
            assert (
                Presenter(ntp)
                .describe(state, action, after)["text"]
                .startswith("NTP steps A's clock back from")
            )
    assert back > 0


PAUSES = """
node A {
  ghost var last: 0..9 = 0
  on start { set beat after 1 }
  on timeout beat { last = now; set beat after 1 }
}
invariant beats_often: now - A.last <= 3
model sync { timing synchronous { delay <= 1 }; faults { pause <= 2 of A }; horizon 6 }
model sync3 { timing synchronous { delay <= 1 }; faults { pause <= 3 of A }; horizon 6 }
model psync { timing partially_synchronous { delay <= 1 }; horizon 6 }
"""


def test_a_pause_stops_the_node_while_time_goes_on_for_at_most_its_bound() -> None:
    model, result = run(PAUSES, "sync")
    assert result.complete and "beats_often" not in result.discoveries
    for state in states_of(model):
        local = Presenter(model).local(state, 0)
        if local[STATUS] == PAUSED:
            assert Presenter(model).now(state) - local[PAUSED_SINCE] <= 2
    texts = {
        Presenter(model).describe(s, a, t)["text"]
        for s, a, t in reachable(model)
        if a.kind in ("pause", "resume")
    }
    assert "A pauses (a stop-the-world pause: it takes no step while time goes on)" in texts
    assert "A resumes after a pause of 2 ticks" in texts
    assert "A resumes after a pause of 3 ticks" not in texts
    _, longer = run(PAUSES, "sync3")
    assert longer.discoveries["beats_often"].length == 5  # tick, pause, tick, tick, tick


def test_a_node_that_resumes_runs_its_due_steps_before_it_can_be_paused_again() -> None:
    model = build(PAUSES, "sync")
    due_after_resume = 0
    for _, action, after in reachable(model):
        if action.kind == "resume":
            following = [a.kind for a, _ in model.successors(after)[0]]
            assert "pause" not in following
            if "fire" in following:
                due_after_resume += 1
                assert "tick" not in following  # the due timer fires before time moves on
    assert due_after_resume > 0


def test_before_gst_timers_are_not_bound_to_fire_on_time() -> None:
    _, result = run(PAUSES, "psync")
    assert result.discoveries["beats_often"].length == 4  # tick, tick, tick, tick


def test_the_model_bounds_are_spelled_out() -> None:
    model = build(SKEW, "drift")
    assert model.system.model.bounds() == ("synchronous (delay<=1), reorder, clocks skew<=1 drift, horizon 4")
    psync = build(PAUSES, "sync")
    assert psync.system.model.bounds() == (
        "synchronous (delay<=1), reorder, pauses<=2 ticks of A, clocks skew<=0, horizon 6"
    )
    gst = build(DELIVERY, "psync_gst")
    assert gst.system.model.bounds() == (
        "partially_synchronous (delay<=1 after GST, GST<=0), reorder, clocks skew<=0, horizon 4"
    )
