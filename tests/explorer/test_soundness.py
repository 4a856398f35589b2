"""Every back end gives the verdict the explorer gives: regressions for the ways bmc, prove, simulate and
replay once said "holds" (or crashed) where a short violation exists, and for the explorer's own holes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import spec
from explorer.bmc.bmc import run_bmc
from explorer.bmc.prove import run_prove
from explorer.run import CheckOptions, bmc_model, check_model, prove_model, simulate_model
from explorer.search import explore
from explorer.search.simulate import simulate
from faultline.cli import main
from spec import ir
from tests.conftest import build


def lengths_by_backend(
    text: str, depth: int, model: str | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """The shortest counterexample of each violated property: (explorer within `depth`, bmc to `depth`)."""
    explicit = explore(build(text, model), max_depth=depth)
    symbolic_model = build(text, model)
    symbolic = run_bmc(symbolic_model, depth, [p.name for p in symbolic_model.properties])
    assert symbolic.complete
    return (
        {n: d.length for n, d in explicit.discoveries.items()},
        {n: f.length for n, f in symbolic.found.items()},
    )


def replay_cli(trace: str, text: str, tmp_path: Path) -> tuple[int, str]:
    spec_file = tmp_path / "spec.fl"
    spec_file.write_text(text)
    result = CliRunner().invoke(main, ["replay", trace, str(spec_file)])
    return result.exit_code, result.output


# ---------------------------------------------------------------- 1: comprehensions over members only

COMPREHENSION = """
node A {
  var m: map<0..2, 0..3> = {0: 1}
  var s: set<0..3> = {}
  var t: map<0..3, 0..2> = {}
  action go when s == {} { s = {m[k] for k in keys(m)} }
  action filtered when t == {} { t = {m[k]: k for k in 0..2 if k in m} }
}
invariant s_empty: A.s == {}
invariant t_empty: A.t == {}
"""


def test_comprehensions_evaluate_their_element_only_for_members_that_pass_the_filter() -> None:
    explicit, symbolic = lengths_by_backend(COMPREHENSION, 2)
    assert explicit == symbolic == {"s_empty": 1, "t_empty": 1}


def test_prove_does_not_prove_what_a_comprehension_breaks_in_one_step() -> None:
    model = build(COMPREHENSION)
    for goal in ("s_empty", "t_empty"):
        assert run_prove(model, goal, [], k=2).verdict == "violated"


# ---------------------------------------------------------------- 2: the least type containing both

JOIN = """
node A {
  var a: 0..1 = 0
  var b: 0..3 = 3
  var got: set<0..3> = {}
  var picked: 0..3 = 0
  var reached: set<node> = {}
  action loop when got == {} { for x in {a, b} { got = got | {x} } }
  action pick when picked == 0 { choose v in {a, b} { picked = v } }
  action nodes when reached == {} { for n in {self, Server} { reached = reached | {n} } }
}
node Server { }
invariant never_three: 3 not in A.got
invariant never_picked_three: A.picked != 3
invariant never_server: not (Server in A.reached)
"""


def test_set_literals_iterate_over_every_value_of_every_element() -> None:
    explicit, symbolic = lengths_by_backend(JOIN, 2)
    assert explicit == symbolic == {"never_three": 1, "never_picked_three": 1, "never_server": 1}


def test_the_ir_type_of_a_mixed_literal_is_the_least_type_holding_all_of_it() -> None:
    system = build(JOIN).system
    loop = next(h for h in system.node_type("A").handlers if h.name == "loop")
    domain = loop.body[0].domain  # type: ignore[union-attr]
    assert domain.type == ir.SetT(ir.IntT(0, 3))
    assert ir.join(ir.OptionT(ir.NEVER), ir.IntT(0, 2)) == ir.OptionT(ir.IntT(0, 2))
    assert ir.join(ir.NodeT("A", (0,)), ir.NodeT("B", (1,))) == ir.NodeT(None, (0, 1))


# ---------------------------------------------------------------- 3: one iteration order

ORDER = """
node A {
  var m: map<0..1, 0..1> = {}
  var s: set<set<0..1>> = {{1}, {0, 1}}
  var first: set<0..1>? = none
  var done: bool = false
  var shorted: bool = false
  action collide when not done { done = true; m = {0: v for v in {1, 0}} }
  action loop when first == none { for x in s { if first == none { first = x } } }
  action short when not shorted { shorted = true; assert stops: all k in {0, 1}: k == 1 and 5 / k > 0 }
}
invariant last_key_wins: A.m == {} or A.m[0] == 1
invariant smallest_set_first: A.first == none or A.first == {0, 1}
"""


def test_sets_are_iterated_in_one_canonical_order_by_every_back_end() -> None:
    assert ir.in_canonical_order([frozenset({1}), frozenset({0, 1}), frozenset()]) == [
        frozenset(),
        frozenset({0, 1}),
        frozenset({1}),
    ]
    assert list(ir.SetT(ir.IntT(0, 1)).values()) == [
        frozenset(),
        frozenset({0}),
        frozenset({0, 1}),
        frozenset({1}),
    ]
    explicit, symbolic = lengths_by_backend(ORDER, 3)
    assert explicit == symbolic
    # {0, 1} comes before {1}; of the keys 0 (v = 0) and 0 (v = 1) the later, v = 1, stays; `all` stops at
    # k = 0 (k == 1 is false) before 5 / k is reached, so the assertion fails and nothing divides by zero
    assert explicit == {"stops": 1}


# ---------------------------------------------------------------- 4: failures in `on start`

START = """
node A {
  var x: 0..1 = 0
  on start { x = 2 }
}
invariant small: A.x <= 1
"""


def test_a_failing_start_is_a_violation_in_zero_steps_for_every_back_end(tmp_path: Path) -> None:
    checked = spec.load(START, "start.fl")
    options = CheckOptions(out_dir=tmp_path)
    for results in (
        check_model(checked, "default", options),
        bmc_model(checked, "default", 2, options),
        simulate_model(checked, "default", 5, 5, 0, options),
        prove_model(checked, "default", 1, [], options),
    ):
        verdicts = {r.property: (r.verdict, r.trace_length) for r in results}
        assert verdicts["no_runtime_errors"] == ("violated", 0), verdicts
    trace_file = tmp_path / "start" / "default" / "no_runtime_errors.itf.json"
    code, output = replay_cli(str(trace_file), START, tmp_path)
    assert code == 0, output
    (state,) = json.loads(trace_file.read_text())["states"]
    assert state["A.x"] == 0 and state["#meta"]["text"] == "A runs on start"  # the state before the start ran


# ---------------------------------------------------------------- 5: maps of optional values

OPTIONAL_MAP = """
message Put(m: map<0..1, bool?>)
node A { on start { send Put({0: none}) to B } }
node B { var seen: bool = false
  on Put(m) { if 0 in m and m[0] == none { seen = true } } }
invariant never: not B.seen
"""


def test_a_map_may_bind_a_key_to_none_and_every_back_end_knows_it() -> None:
    values = list(ir.MapT(ir.IntT(0, 0), ir.OptionT(ir.BOOL)).values())
    assert frozenset({(0, None)}) in values and len(values) == 4  # absent, none, false, true
    explicit, symbolic = lengths_by_backend(OPTIONAL_MAP, 2)
    assert explicit == symbolic == {"never": 1}
    assert run_prove(build(OPTIONAL_MAP), "never", [], k=1).verdict != "proved"


# ---------------------------------------------------------------- 6: map keys out of range

KEY_RANGE = """
node A { var m: map<0..1, bool> = {}
  var k: 0..3 = 2
  action put when m == {} { m[k] = true } }
"""


def test_storing_a_key_outside_the_key_type_is_a_range_error_in_every_back_end() -> None:
    explicit, symbolic = lengths_by_backend(KEY_RANGE, 2)
    assert explicit == symbolic == {"no_runtime_errors": 1}
    model = build(KEY_RANGE)
    ((_, failure),) = model.successors(model.init_states()[0][1])[1]
    assert "key 2 of m[…] is out of its range 0..1" in failure.message


# ---------------------------------------------------------------- 7: reject, empty choose, loops that send

DEAD_PATHS = """
message M(b: bool)
node A {
  var m: map<0..2, 0..3> = {}
  var x: 0..3 = 0
  var got: bool = false
  on start { for b in {true} { send M(b) to A } }
  on M(b) { got = b }
  action go when x == 0 { reject; x = m[1] }
  action go2 when x == 0 { choose v in keys(m) { x = m[v] + 1 } }
  action go3 when x == 0 { x = 1 }
}
invariant small: A.x <= 1
invariant never: not A.got
"""


def test_statements_after_reject_or_an_empty_choose_never_fail_and_loops_send() -> None:
    explicit, symbolic = lengths_by_backend(DEAD_PATHS, 3)
    assert explicit == symbolic == {"never": 1}


# ---------------------------------------------------------------- 8: prove blames the right property

LEMMA = """
node A { var x: 0..9 = 0
  action inc when x < 9 { x = x + 1 } }
invariant goal: A.x < 5
invariant lemma: A.x < 3
"""


def test_prove_reports_a_violated_lemma_as_the_lemmas_and_the_goals_own_violation_as_its(
    tmp_path: Path,
) -> None:
    only_lemma = run_prove(build(LEMMA), "goal", ["lemma"], k=4)
    assert only_lemma.verdict == "unknown" and only_lemma.violated == "lemma"
    assert "lemma lemma is violated in 3 steps" in only_lemma.reason
    goal = run_prove(build(LEMMA), "goal", ["lemma"], k=6)
    assert (
        goal.verdict == "violated"
        and goal.violated == "goal"
        and goal.path is not None
        and goal.path.length == 5
    )
    (row,) = prove_model(
        spec.load(LEMMA, "lemma.fl"),
        "default",
        4,
        ["lemma"],
        CheckOptions(invariants=["goal"], out_dir=tmp_path),
    )
    assert row.verdict == "incomplete" and row.trace is None
    assert (tmp_path / "lemma" / "default" / "lemma.itf.json").exists()


# ---------------------------------------------------------------- 9: replay checks the violation itself

COUNTER = """
node A { var x: 0..3 = 0
  action inc when x < 3 { x = x + 1 } }
invariant below_two: A.x < 2
"""


def test_replay_rejects_a_trace_that_stops_before_its_violation_or_claims_another(tmp_path: Path) -> None:
    checked = spec.load(COUNTER, "counter.fl")
    (result, _) = check_model(checked, "default", CheckOptions(out_dir=tmp_path))
    trace = json.loads(Path(result.trace or "").read_text())
    assert replay_cli(result.trace or "", COUNTER, tmp_path)[0] == 0
    short = tmp_path / "short.itf.json"
    short.write_text(json.dumps({**trace, "states": trace["states"][:-1]}))
    code, output = replay_cli(str(short), COUNTER, tmp_path)
    assert code == 1 and "does not violate below_two" in output
    other = tmp_path / "other.itf.json"
    other.write_text(json.dumps({**trace, "#meta": {**trace["#meta"], "property": "no_runtime_errors"}}))
    assert replay_cli(str(other), COUNTER, tmp_path)[0] == 1


# ---------------------------------------------------------------- 10: duplicating networks and time

DUPLICATING_TIME = """
message Ping
node A { on start { send Ping to B } }
node B { var got: 0..3 = 0
  on Ping { if got < 3 { got = got + 1 } } }
invariant early: now <= 1
model dup_sync { timing synchronous { delay <= 1 }; network { duplicating }; horizon 5 }
"""


def test_a_delivered_message_of_a_duplicating_network_no_longer_holds_time_back() -> None:
    explicit, symbolic = lengths_by_backend(DUPLICATING_TIME, 4)
    assert explicit == symbolic == {"early": 3}  # deliver, tick, tick


def test_a_model_whose_time_never_passes_says_so(tmp_path: Path) -> None:
    text = """
node A { on start { set t after 0 }
  on timeout t { set t after 0 } }
invariant early: now <= 1
model stuck { timing synchronous { delay <= 1 }; horizon 5 }
"""
    results = check_model(spec.load(text, "stuck.fl"), "stuck", CheckOptions(out_dir=tmp_path))
    assert all(r.verdict == "holds" for r in results)
    assert results[0].warning is not None and "time never passes now=0" in results[0].warning
    assert results[0].to_json()["warning"] == results[0].warning


# ---------------------------------------------------------------- 11: time holds every clock reading


def test_the_time_type_holds_truetime_bounds_and_a_duration() -> None:
    text = """
node A { var start: time = 0
  var end: time = 0
  on start { start = tt.earliest; end = tt.latest + 3 } }
model skewed { timing synchronous { delay <= 1 }; clocks { skew <= 2 }; horizon 3 }
"""
    result = explore(build(text, "skewed"))
    assert result.complete and not result.discoveries
    assert build(text, "skewed").system.model.time_range() == (-4, 10)


# ---------------------------------------------------------------- 12: signed messages (see also test_byzantine.py)


def test_signed_messages_agree_between_the_back_ends() -> None:
    text = """
signed message Order(attack: bool)
node General { on start { broadcast Order(true) to Lieutenant } }
node Lieutenant * 2 { var heard: bool? = none
  on Order(a) signed by s when heard == none { if s == General { heard = a } } }
invariant agree: Lieutenant[0].heard == none or Lieutenant[1].heard == none
    or Lieutenant[0].heard == Lieutenant[1].heard
model traitor { faults { byzantine <= 1 of General } }
"""
    explicit, symbolic = lengths_by_backend(text, 2, "traitor")
    assert explicit == symbolic == {"agree": 2}


# ---------------------------------------------------------------- invariants that cannot be evaluated


def test_an_invariant_that_cannot_be_evaluated_is_violated_with_the_reason(tmp_path: Path) -> None:
    text = """
node A { var m: map<0..1, 0..1> = {0: 0}
  action drop when 0 in m { m = {} } }
invariant zero: A.m[0] == 0
"""
    explicit, symbolic = lengths_by_backend(text, 2)
    assert explicit == symbolic == {"zero": 1}
    (result, _) = check_model(spec.load(text, "eval.fl"), "default", CheckOptions(out_dir=tmp_path))
    text_file = Path((result.trace or "").replace(".itf.json", ".txt"))
    assert "it cannot be evaluated in the last state: key 0 is not in the map" in text_file.read_text()


@pytest.mark.parametrize("text", [COMPREHENSION, JOIN, ORDER, OPTIONAL_MAP, KEY_RANGE, DEAD_PATHS, COUNTER])
def test_simulation_finds_nothing_the_explorer_lacks(text: str) -> None:
    complete = explore(build(text))
    found = simulate(build(text), runs=30, depth=6, seed=1).found
    assert set(found) <= set(complete.discoveries)
    for name, path in found.items():
        assert path.length >= complete.discoveries[name].length
