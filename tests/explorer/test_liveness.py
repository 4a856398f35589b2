"""Liveness: each temporal form with both verdicts, fairness that follows the system model and the
`fair` / `unfair` marks, lasso counterexamples in text and ITF, and `replay` of a lasso."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from explorer.render.dot import to_svg
from explorer.render.pictures import state_graph
from explorer.render.sequence import chart
from explorer.run import CheckOptions, check_model
from faultline.cli import main
from spec import load, load_file

SVG = "{http://www.w3.org/2000/svg}"

COUNTER = """
node A {
  var x: 0..2 = 0
  action step when x < 2 { x = x + 1 }
}
liveness reaches_two: eventually A.x == 2
liveness never_three: eventually A.x == 3
liveness ends_at_two: always eventually A.x == 2
liveness back_to_zero: always eventually A.x == 0
liveness settles_at_two: eventually always A.x == 2
liveness settles_at_one: eventually always A.x == 1
liveness one_then_two: A.x == 1 leads_to A.x == 2
liveness two_then_zero: A.x == 2 leads_to A.x == 0
"""

TOGGLE = """
node B {
  var lit: bool = false
  var done: bool = false
  action flip when not done { lit = not lit }
  action finish when not done { done = true }
}
liveness finishes: eventually B.done
"""


def check(text: str, tmp_path: Path, model: str | None = None) -> dict[str, tuple[str, int | None]]:
    """Each property's verdict and counterexample length, by `faultline check`; every lasso written is
    replayed against the spec, and must be a fair run that violates its property."""
    spec_file = tmp_path / "spec.fl"
    spec_file.write_text(text)
    args = ["check", str(spec_file), "--json", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, *(["-m", model] if model else [])])
    assert result.exit_code in (0, 1), result.output
    out = {}
    for row in json.loads(result.stdout)["results"]:
        out[row["property"]] = (row["verdict"], row["trace_length"])
        if row["verdict"] == "violated" and row["kind"] == "liveness":
            replayed = CliRunner().invoke(main, ["replay", row["trace"], str(spec_file)])
            assert replayed.exit_code == 0, replayed.output
            assert f"fair run that violates {row['property']}" in replayed.output
    return out


def test_each_temporal_form_holds_or_is_violated_with_a_lasso(tmp_path: Path) -> None:
    verdicts = check(COUNTER, tmp_path)
    assert verdicts["reaches_two"] == ("holds", None)
    assert verdicts["never_three"] == ("violated", 2)  # two steps to x = 2, which stays
    assert verdicts["ends_at_two"] == ("holds", None)
    assert verdicts["back_to_zero"] == ("violated", 2)
    assert verdicts["settles_at_two"] == ("holds", None)
    assert verdicts["settles_at_one"] == ("violated", 2)
    assert verdicts["one_then_two"] == ("holds", None)
    assert verdicts["two_then_zero"] == ("violated", 2)


def test_weak_fairness_makes_a_node_take_a_step_it_keeps_enabled(tmp_path: Path) -> None:
    # flip may go round for ever, but finish stays enabled all along: a fair run takes it
    assert check(TOGGLE, tmp_path)["finishes"] == ("holds", None)


def test_without_fairness_the_node_may_never_take_it(tmp_path: Path) -> None:
    unfair = TOGGLE.replace("action finish", "unfair action finish")
    assert check(unfair, tmp_path)["finishes"] == ("violated", 2)  # flip, flip back, for ever
    both = unfair.replace("action flip", "unfair action flip")
    assert check(both, tmp_path)["finishes"] == ("violated", 0)  # nothing is owed: it may stay at the start
    document = json.loads((tmp_path / "out" / "spec" / "default" / "finishes.itf.json").read_text())
    assert document["loop"] == 0 and document["#meta"]["loop"] == 0 and len(document["states"]) == 1


CYCLE = """
node C {
  var phase: 0..1 = 0
  var done: bool = false
  action spin when not done { phase = 1 - phase }
  unfair action finish when not done { done = true }
}
liveness finishes: eventually C.done
"""


def test_a_lasso_goes_round_a_cycle_and_its_text_says_where_it_loops(tmp_path: Path) -> None:
    assert check(CYCLE, tmp_path)["finishes"] == ("violated", 2)  # spin, spin back: round for ever
    trace = tmp_path / "out" / "spec" / "default" / "finishes"
    document = json.loads(trace.with_suffix(".itf.json").read_text())
    assert document["loop"] == 0 and len(document["states"]) == 2
    assert "C does spin" in document["#meta"]["closing"]
    text = trace.with_suffix(".txt").read_text()
    assert "↻ back to state 0: steps 1..2 repeat for ever" in text


def test_replay_refuses_a_lasso_that_is_not_a_counterexample(tmp_path: Path) -> None:
    check(CYCLE, tmp_path)
    trace = tmp_path / "out" / "spec" / "default" / "finishes.itf.json"
    document = json.loads(trace.read_text())
    document["loop"] = 1  # from state 1, spin leads to state 0, not back to state 1
    document["#meta"]["loop"] = 1
    trace.write_text(json.dumps(document))
    replayed = CliRunner().invoke(main, ["replay", str(trace), str(tmp_path / "spec.fl")])
    assert replayed.exit_code == 1
    assert "no step of the spec leads from the last state back to state 1" in replayed.output


PING = """
const RETRIES = 2
message Ping
message Pong
node Client {
  var attempts: 0..RETRIES = 0
  var acked: bool = false
  on start { attempts = 1; send Ping to Server; set retry after 2 }
  on timeout retry { if not acked and attempts < RETRIES { attempts += 1; send Ping to Server; set retry after 2 } }
  on Pong { acked = true; cancel retry }
}
node Server { on Ping from c { send Pong to c } }
liveness acked: eventually Client.acked
model asynchronous { timing asynchronous; network { reorder } }
model synchronous { timing synchronous { delay <= 1 }; network { reorder; loss <= 1 }; horizon 8 }
model too_lossy { timing synchronous { delay <= 1 }; network { reorder; loss <= 2 }; horizon 8 }
model fair_async { timing asynchronous; network { reorder } }
"""


def test_delivery_is_owed_only_where_the_model_bounds_hold(tmp_path: Path) -> None:
    assert check(PING, tmp_path, "asynchronous")["acked"] == ("violated", 0)  # the Ping may stay in flight
    assert check(PING, tmp_path, "synchronous")["acked"] == ("holds", None)  # one of two tries gets through
    assert check(PING, tmp_path, "too_lossy")["acked"] == ("violated", 12)  # both dropped; time runs out


def test_a_fair_handler_is_owed_its_steps_even_under_asynchronous_timing(tmp_path: Path) -> None:
    fair = PING.replace("  on Pong {", "  fair on Pong {").replace(
        "node Server { on Ping", "node Server { fair on Ping"
    )
    assert check(fair, tmp_path, "fair_async")["acked"] == ("holds", None)


def test_bmc_refuses_a_liveness_property_named_on_its_command_line(tmp_path: Path) -> None:
    spec_file = tmp_path / "spec.fl"
    spec_file.write_text(COUNTER)
    result = CliRunner().invoke(main, ["bmc", str(spec_file), "--depth", "3", "-i", "reaches_two"])
    assert result.exit_code == 2
    assert "liveness property 'reaches_two' is checked by `faultline check` only" in result.output
    assert f"{spec_file}:6:10" in result.output


def test_liveness_is_not_checked_under_a_depth_bound() -> None:
    checked = load(COUNTER, "counter.fl")
    results = check_model(checked, "default", CheckOptions(max_depth=1, out_dir=None))
    live = [r for r in results if r.kind == "liveness"]
    assert live and all(r.verdict == "incomplete" and "depth bound" in (r.reason or "") for r in live)


def test_the_sequence_chart_of_a_lasso_marks_where_the_cycle_starts_and_closes(tmp_path: Path) -> None:
    check(CYCLE, tmp_path)
    document = json.loads((tmp_path / "out" / "spec" / "default" / "finishes.itf.json").read_text())
    drawn = chart(document)
    assert drawn.rows[0].startswith("↻ the cycle starts here.")
    assert "back to step 0, for ever" in drawn.rows[-1] and "C does spin" in drawn.rows[-1]
    assert drawn.verdict.endswith("(a lasso: from step 0 on, round for ever)")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_the_state_graph_of_a_lasso_marks_the_step_that_closes_its_cycle(tmp_path: Path) -> None:
    check(CYCLE, tmp_path)
    document = json.loads((tmp_path / "out" / "spec" / "default" / "finishes.itf.json").read_text())
    svg = to_svg(state_graph(document, load_file(tmp_path / "spec.fl"))) or ""
    edges = {g.get("id", ""): g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "edge"}
    # spin from #0 to #1 is the path; spin from #1 back to #0 closes the cycle: red, dashed, marked ↻
    assert [i for i in edges if i.startswith("path-")] == ["path-0-1"]
    assert [i for i in edges if i.startswith("cycle-")] == ["cycle-1-0"]
    cycle = edges["cycle-1-0"]
    assert [t.text for t in cycle.iter(f"{SVG}text")] == ["↻ C does spin"]
    assert "stroke-dasharray" in next(cycle.iter(f"{SVG}path")).attrib
    # a run that stays in its last state for ever: a dashed loop on that state
    there = tmp_path / "stays"
    there.mkdir()
    never = "node D {\n  var done: bool = false\n  unfair action finish { done = true }\n}\n"
    assert check(never + "liveness finishes: eventually D.done\n", there)["finishes"] == ("violated", 0)
    stays = json.loads((there / "out" / "spec" / "default" / "finishes.itf.json").read_text())
    assert stays["#meta"]["closing"].startswith("the run stays")
    svg = to_svg(state_graph(stays, load_file(there / "spec.fl"))) or ""
    last = len(stays["states"]) - 1
    loops = [g for g in ET.fromstring(svg).iter(f"{SVG}g") if (g.get("id") or "").startswith("cycle-")]
    assert [g.get("id") for g in loops] == [f"cycle-{last}-{last}"]
    assert [t.text for t in loops[0].iter(f"{SVG}text")] == ["↻ for ever"]
