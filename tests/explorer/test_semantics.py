"""The asynchronous system model, one rule at a time, on small specs."""

from __future__ import annotations

from typing import Any

from explorer.compile import NO_RUNTIME_ERRORS
from explorer.semantics.system import SystemModel
from explorer.trace.path import rebuild
from explorer.trace.present import Presenter
from tests.conftest import build, run


def _steps(model: SystemModel, state: Any, kind: str) -> list[tuple[Any, Any]]:
    successors, _ = model.successors(state)
    return [(a, s) for a, s in successors if a.kind == kind]


def _only_init(model: SystemModel) -> Any:
    ((_, state),) = model.init_states()
    return state


def _var(model: SystemModel, state: Any, name: str) -> str:
    return Presenter(model).snapshot(state)[name][1]


ORDER = """
message M(v: 1..2)
node S { on start { send M(1) to R; send M(2) to R } }
node R {
  var first: 0..2 = 0
  on M(v) { if first == 0 { first = v } }
}
invariant in_order: R.first != 2
model fifo { network { fifo } }
model bag { network { reorder } }
"""


def test_fifo_links_deliver_in_sending_order() -> None:
    _, result = run(ORDER, "fifo")
    assert result.complete and "in_order" not in result.discoveries


def test_reordering_links_may_deliver_a_later_message_first() -> None:
    _, result = run(ORDER, "bag")
    assert result.discoveries["in_order"].length == 1


COUNT = """
message M
node S { on start { send M to R } }
node R {
  var received: 0..3 = 0
  on M { received = received + 1 }
}
invariant once: R.received <= 1
model set { network { duplicating } }
model bag { network { reorder } }
model bag_dup { network { reorder; duplicate <= 1 } }
model fifo_dup { network { fifo; duplicate <= 2 } }
"""


def test_a_duplicating_network_delivers_a_message_again_and_again() -> None:
    _, result = run(COUNT, "set")
    assert result.discoveries["once"].length == 2
    # the fourth delivery takes `received` out of its range 0..3: a spec error with its trace
    error = result.discoveries[NO_RUNTIME_ERRORS]
    assert error.length == 4
    assert error.error is not None and "out of its range 0..3" in error.error.message


def test_a_bag_delivers_each_message_once() -> None:
    _, result = run(COUNT, "bag")
    assert result.complete and result.discoveries == {}
    assert result.stats.distinct == 2


def test_the_duplicate_budget_bounds_the_copies() -> None:
    _, bag = run(COUNT, "bag_dup")
    assert bag.discoveries["once"].length == 3  # duplicate, deliver, deliver
    assert NO_RUNTIME_ERRORS not in bag.discoveries
    _, fifo = run(COUNT, "fifo_dup")
    assert fifo.discoveries["once"].length == 3
    assert NO_RUNTIME_ERRORS not in fifo.discoveries  # two copies more: three deliveries at most


LOSS = """
message M(copy: 1..2)
node S { on start { send M(1) to R; send M(2) to R } }
node R {
  var got: 0..2 = 0
  on M(c) { got = got + 1 }
}
invariant one_arrives: R.got + len(inflight(M)) >= 1
model one { network { reorder; loss <= 1 } }
model two { network { reorder; loss <= 2 } }
model any { network { reorder; loss } }
"""


def test_loss_drops_at_most_its_budget() -> None:
    _, result = run(LOSS, "one")
    assert "one_arrives" not in result.discoveries and result.complete
    _, result = run(LOSS, "two")
    found = result.discoveries["one_arrives"]
    assert found.length == 2
    path = rebuild(build(LOSS, "two"), found.fingerprints)
    assert [a.kind for a, _ in path.steps[1:]] == ["drop", "drop"]


def test_loss_without_a_budget_drops_any_number_of_messages_and_spends_nothing() -> None:
    model, result = run(LOSS, "any")
    assert result.discoveries["one_arrives"].length == 2
    states = [state for _, state in _steps(model, _only_init(model), "drop")]
    assert states and all(state[model.plan.n + 1] == _only_init(model)[model.plan.n + 1] for state in states)
    assert model.system.model.bounds().endswith("reorder, loss")


PARTITION = """
message Ping
node A { action ping { send Ping to B } }
node B { var pings: 0..1 = 0
  on Ping { pings = 1 } }
node C { }
model sym { network { reorder; partition <= 1 } }
model asym { network { reorder; partition <= 1 asymmetric } }
model twice { network { reorder; partition <= 2 } }
"""


def test_a_partition_splits_the_nodes_in_two_and_blocks_the_links_across() -> None:
    model = build(PARTITION, "sym")
    init = _only_init(model)
    partitions = _steps(model, init, "partition")
    assert len(partitions) == 3  # {A}|{B,C}, {A,B}|{C}, {A,C}|{B}
    ((_, sent),) = _steps(model, init, "act")
    assert len(_steps(model, sent, "deliver")) == 1
    for _, cut in _steps(model, sent, "partition"):
        links = Presenter(model).cut_links(cut)
        deliveries = _steps(model, cut, "deliver")
        assert bool(deliveries) == ((0, 1) not in links)
        # a partition is spent; only healing is possible until the budget allows another
        assert _steps(model, cut, "partition") == []
        ((_, healed),) = _steps(model, cut, "heal")
        assert len(_steps(model, healed, "deliver")) == 1
        assert _steps(model, healed, "partition") == []


def test_a_second_partition_needs_a_second_unit_of_budget() -> None:
    model = build(PARTITION, "twice")
    init = _only_init(model)
    _, cut = _steps(model, init, "partition")[0]
    ((_, healed),) = _steps(model, cut, "heal")
    assert len(_steps(model, healed, "partition")) == 3


def test_an_asymmetric_partition_can_cut_one_direction_only() -> None:
    model = build(PARTITION, "asym")
    init = _only_init(model)
    cuts = [set(Presenter(model).cut_links(s)) for _, s in _steps(model, init, "partition")]
    assert len(cuts) == 3 + 6
    one_way = [c for c in cuts if not any((b, a) in c for a, b in c)]
    assert {(0, 1), (0, 2)} in one_way  # A can hear but cannot be heard
    assert {(1, 0), (2, 0)} in one_way  # nobody can reach A, A reaches everyone
    texts = [Presenter(model).describe(init, a, s)["text"] for a, s in _steps(model, init, "partition")]
    assert "network partitions: A can hear but cannot be heard by B, C" in texts


CRASH = """
node A {
  var v: 0..1 = 0
  durable var d: 0..1 = 0
  ghost var g: 0..1 = 0
  var recovered: bool = false
  action work when v == 0 { v = 1; d = 1; g = 1; set t }
  on timeout t { skip }
  on recover { recovered = true }
}
model stop { faults { crash_stop <= 1 of A } }
model recover { faults { crash_recovery <= 1 of A } }
model recover_twice { faults { crash_recovery <= 2 of A } }
"""


def test_a_crash_stopped_node_takes_no_step_and_never_recovers() -> None:
    model = build(CRASH, "stop")
    ((_, worked),) = _steps(model, _only_init(model), "act")
    ((_, crashed),) = _steps(model, worked, "crash")
    successors, _ = model.successors(crashed)
    assert successors == []
    assert _var(model, crashed, "A._status") == "crashed"


def test_recovery_resets_volatile_state_keeps_durable_state_clears_timers_and_runs_on_recover() -> None:
    model = build(CRASH, "recover")
    ((_, worked),) = _steps(model, _only_init(model), "act")
    assert _var(model, worked, "A._timers") == "{t}"
    ((_, crashed),) = _steps(model, worked, "crash")
    assert _var(model, crashed, "A._status") == "down"
    assert [a.kind for a, _ in model.successors(crashed)[0]] == ["recover"]
    ((_, recovered),) = _steps(model, crashed, "recover")
    assert _var(model, recovered, "A.v") == "0"
    assert _var(model, recovered, "A.d") == "1"
    assert _var(model, recovered, "A.g") == "1"
    assert _var(model, recovered, "A._timers") == "{}"
    assert _var(model, recovered, "A.recovered") == "true"
    assert _var(model, recovered, "A._status") == "up"
    # the budget was one crash
    assert _steps(model, recovered, "crash") == []
    twice = build(CRASH, "recover_twice")
    ((_, w),) = _steps(twice, _only_init(twice), "act")
    ((_, c),) = _steps(twice, w, "crash")
    ((_, r),) = _steps(twice, c, "recover")
    assert len(_steps(twice, r, "crash")) == 1


TIMERS = """
node A {
  var fired: 0..2 = 0
  var armed: bool = false
  action arm when not armed { armed = true; set t after 5 }
  action disarm when armed { armed = false; cancel t }
  on timeout t { fired = fired + 1 }
}
"""


def test_a_timer_fires_only_once_armed_and_not_after_it_is_cancelled() -> None:
    model = build(TIMERS)
    init = _only_init(model)
    assert _steps(model, init, "fire") == []
    arm = [s for a, s in _steps(model, init, "act")]
    (armed,) = arm
    ((_, fired),) = _steps(model, armed, "fire")
    assert _var(model, fired, "A.fired") == "1"
    assert _steps(model, fired, "fire") == []  # firing disarms it
    disarmed = [s for a, s in _steps(model, armed, "act") if _var(model, s, "A.armed") == "false"]
    assert disarmed and _steps(model, disarmed[0], "fire") == []


CHOICE = """
message Req(v: 0..3)
node C { var done: bool = false
  action go when not done { done = true; choose v in {1, 2, 3} { send Req(v) to S } } }
node S {
  var last: 0..3 = 0
  on Req(v) when v != 2 { last = v }
  on start { }
}
invariant never_two: S.last != 2
model m { network { reorder } }
"""


def test_choose_makes_one_step_per_value_and_a_false_guard_leaves_the_message_in_flight() -> None:
    model = build(CHOICE)
    init = _only_init(model)
    choices = _steps(model, init, "act")
    assert len(choices) == 3
    texts = sorted(_var(model, s, "_network") for _, s in choices)
    assert texts == ["[Req(v=1) C→S]", "[Req(v=2) C→S]", "[Req(v=3) C→S]"]
    two = next(s for _, s in choices if "v=2" in _var(model, s, "_network"))
    assert _steps(model, two, "deliver") == []  # the guard is false: not deliverable, still in flight
    _, result = run(CHOICE)
    assert "never_two" not in result.discoveries


ERRORS = """
message Put(k: 0..2)
node C { var done: bool = false
  action go when not done { done = true; choose k in 0..2 { send Put(k) to S } } }
node S {
  var m: map<0..2, 0..1> = {0: 0, 1: 1}
  var holder: C? = none
  var x: 0..1 = 0
  on Put(k) {
    assert sane: k < 2 or x == 0
    x = m[k]
  }
}
"""


def test_a_missing_map_key_is_a_runtime_error_with_its_trace() -> None:
    model, result = run(ERRORS)
    found = result.discoveries[NO_RUNTIME_ERRORS]
    assert found.error is not None
    assert found.error.message == "key 2 is not in the map"
    assert found.length == 2
    path = rebuild(model, found.fingerprints, found.failing_action, found.error)
    assert path.failure is not None and path.failure[0].kind == "deliver"
    assert (found.error.span.line, found.error.span.column) == (11, 9)


ASSERTS = """
message Put(k: 0..2)
node C { var done: bool = false
  action go when not done { done = true; choose k in 0..2 { send Put(k) to S } } }
node S {
  var x: 0..2 = 0
  on Put(k) {
    x = k
    assert small: x < 2
  }
}
"""


def test_a_failing_assertion_is_reported_under_its_name() -> None:
    model, result = run(ASSERTS)
    assert [p.name for p in model.properties] == ["small", NO_RUNTIME_ERRORS]
    found = result.discoveries["small"]
    assert found.error is not None and found.error.kind == "assert"
    assert found.error.message == "assertion small failed"
    assert found.length == 2


DEADLOCK = """
message M
node A { var sent: bool = false
  action send_once when not sent { sent = true; send M to B } }
node B { var got: bool = false
  on M { got = true } }
"""


def test_deadlock_is_reported_only_when_asked_for() -> None:
    _, quiet = run(DEADLOCK)
    assert quiet.discoveries == {}
    _, loud = run(DEADLOCK, deadlock=True)
    assert loud.discoveries["deadlock_free"].length == 2


def test_ranges_are_checked_where_values_are_stored() -> None:
    text = """
message M(v: 0..1)
node A { var n: 0..5 = 0
  action bump when n < 5 { n = n + 1 }
  action tell when n == 2 { send M(n) to A }
  on M(v) { skip } }
"""
    _, result = run(text)
    found = result.discoveries[NO_RUNTIME_ERRORS]
    assert found.error is not None
    assert found.error.message == "field v of M = 2 is out of its range 0..1"
    assert found.length == 3  # bump, bump, tell


def test_invariants_may_read_messages_in_flight() -> None:
    text = """
message Grant(token: 0..2)
node L { var token: 0..2 = 0
  action grant when token < 2 { token = token + 1; send Grant(token) to C } }
node C { on Grant(t) { skip } }
invariant one_grant_in_flight: (count g in inflight(Grant): g.token > 0 and g.dst == C) <= 1
"""
    _, result = run(text)
    assert result.discoveries["one_grant_in_flight"].length == 2


ORDER_TYPES = """
spec order_types

node N {
  var ints: set<0..1> = {0, 1}
  var bools: set<bool> = {false, true}
  var seen: set<bool> = {}
  var done: bool = false
  action go when not done and (all x in ints: x >= 0) {
    for b in bools { seen = seen | {b} }
    done = true
  }
}

invariant never_done: not N.done

model m { timing asynchronous }
"""


def test_equal_domains_of_different_types_keep_their_own_values_in_order() -> None:
    """{0, 1} and {false, true} are equal Python sets: the order remembered for one place of a spec must not
    hand the other's values to a loop elsewhere (seen = {1} is out of set<bool>'s range)."""
    import faultline

    results = {r.property: r for r in faultline.check(ORDER_TYPES).results}
    assert results["no_runtime_errors"].verdict == "holds"
    violated = results["never_done"]
    assert violated.verdict == "violated" and violated.trace_length == 1
    assert "N.seen: {} → {false, true}" in (violated.counterexample_text or "")
