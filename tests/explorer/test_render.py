"""Pictures: every counterexample of specs/ as a sequence chart (its SVG parsed and checked), state graphs
of small specs, the HTML report in headless Chromium, and what happens without Graphviz."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import spec
from explorer.render import dot, sequence
from explorer.run import CheckOptions, check_model
from faultline.cli import main
from tests.conftest import ROOT, SPECS

SVG = "{http://www.w3.org/2000/svg}"
needs_graphviz = pytest.mark.skipif(shutil.which("neato") is None, reason="Graphviz is not installed")


def _ids(svg_text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg_text)
    return {g.get("id", ""): g for g in root.iter(f"{SVG}g")}


def _text(element: ET.Element) -> str:
    return " ".join(t.text or "" for t in element.iter(f"{SVG}text"))


def _squeezed(text: str) -> str:
    """Text without its spaces: what is left when wrapping (which only breaks lines and indents) is undone."""
    return "".join(text.split())


def _lines(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


@needs_graphviz
def test_every_counterexample_draws_as_a_sequence_chart_with_its_lanes_arrows_and_marks(
    counterexamples: list[Path],
) -> None:
    for trace in counterexamples:
        document = json.loads(trace.read_text())
        svg = dot.to_svg(sequence.to_dot(document))
        assert svg is not None
        ids = _ids(svg)
        meta, states = document["#meta"], document["states"]
        lanes = {i for i in ids if i.startswith("lane-")}
        assert {_lines(ids[i])[0] for i in lanes} == set(meta["nodes"]), trace
        for lane in meta["nodes"]:  # a Byzantine node says so in its lane's head
            byzantine = states[0].get(f"{lane}._status") == "byzantine"
            assert ("(Byzantine)" in _lines(ids[f"lane-{sequence._slug(lane)}"])) == byzantine
        steps = [i for i in ids if i.startswith("step-")]
        assert len(steps) == len(states), trace
        kinds = [s["#meta"].get("action") for s in states]
        faults = [s["#meta"].get("fault") for s in states]
        delivered = [i for i in ids if i.startswith("msg-deliver-")]
        assert len(delivered) == kinds.count("deliver"), trace
        assert len([i for i in ids if i.startswith("msg-byzantine-")]) == kinds.count("inject"), trace
        assert len([i for i in ids if i.startswith("msg-drop-")]) == faults.count("drop"), trace
        for fault in ("pause", "resume", "recover", "crash_recovery", "crash_stop"):
            marks = [i for i in ids if i.startswith(f"mark-{fault}-")]
            assert len(marks) == faults.count(fault), (trace, fault)
        if "pause" in faults:
            assert any(i.startswith("pause-") for i in ids)  # the shaded stretch of the paused lane
        assert f"VIOLATED: {meta['property']}" in _text(ids["verdict"])
        # every message sent is labelled, beside its sender, with the message and its receiver
        for state in states:
            for send in state["#meta"].get("sends", []):
                lane = meta["nodes"].index(send["from"])
                row = state["#meta"]["index"]
                labels = _squeezed(
                    " ".join(_text(g) for i, g in ids.items() if i.startswith(f"label-{lane}-{row}-"))
                )
                assert _squeezed(f"{send['message']} → ") in labels, (trace, row, send)
                assert _squeezed(send["to"]) in labels.split("→", 1)[1], (trace, row, send)


@needs_graphviz
def test_the_lease_chart_shows_the_pause_the_expiry_and_both_writes(counterexamples: list[Path]) -> None:
    trace = next(
        t for t in counterexamples if t.parts[-3:] == ("lease_lock", "gc_pauses", "no_clobber.itf.json")
    )
    ids = _ids(dot.to_svg(sequence.to_dot(json.loads(trace.read_text()))) or "")
    steps = {i: _text(g) for i, g in ids.items() if i.startswith("step-")}
    assert any("pauses" in t for t in steps.values())
    assert any("Lock.expires (1) is reached" in t for t in steps.values())
    labels = [_text(g) for i, g in ids.items() if i.startswith("label-")]
    assert "Write(token=1) → Storage" in labels and "Write(token=2) → Storage" in labels
    assert any(i.startswith("mark-pause-Client_0") for i in ids)


def test_dropped_and_in_flight_messages_have_their_own_arrows() -> None:
    document = {
        "#meta": {"nodes": ["A", "B"], "network": "reorder", "property": "p", "description": "d"},
        "states": [
            {
                "#meta": {
                    "action": "init",
                    "text": "initial state",
                    "sends": [
                        {"from": "A", "to": "B", "message": "M"},
                        {"from": "A", "to": "B", "message": "N"},
                    ],
                }
            },
            {
                "#meta": {
                    "action": "drop",
                    "fault": "drop",
                    "message": "M",
                    "link": ["A", "B"],
                    "text": "drop",
                }
            },
        ],
    }
    c = sequence.chart(document)
    kinds = sorted(a.kind for a in c.arrows)
    assert kinds == ["drop", "in_flight"]
    drop = next(a for a in c.arrows if a.kind == "drop")
    assert (drop.src, drop.src_row, drop.dst, drop.dst_row) == ("A", 0, "B", 1)
    in_flight = next(a for a in c.arrows if a.kind == "in_flight")
    assert (in_flight.dst, in_flight.dst_row) == ("B", 2)  # it reaches its receiver, past the last step


@needs_graphviz
def test_check_render_says_where_each_chart_went(tmp_path: Path) -> None:
    checked = CliRunner().invoke(
        main,
        ["check", str(SPECS / "retry_increment.fl"), "-m", "naive_lossy", "--render", "--out", str(tmp_path)],
    )
    assert checked.exit_code == 0
    chart = tmp_path / "retry_increment" / "naive_lossy" / "applied_once.sequence.svg"
    assert f"naive_lossy applied_once: chart in {chart}" in checked.stderr
    assert chart.read_bytes().startswith(b"<?xml")
    assert not list(tmp_path.rglob("*.dot"))  # no Graphviz source beside the pictures: none was asked for


@needs_graphviz
def test_the_render_command_writes_svg_png_and_dot(counterexamples: list[Path], tmp_path: Path) -> None:
    trace = counterexamples[0]
    for fmt, magic in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("dot", b"digraph")):
        out = tmp_path / f"chart.{fmt}"
        result = CliRunner().invoke(main, ["render", str(trace), "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(magic)
        assert out.with_suffix(".dot").exists() == (fmt == "dot")  # no stray source unless asked
        assert result.stdout == f"wrote {out}\n"
    for fmt, magic in (("png", b"\x89PNG"), ("dot", b"digraph")):  # the format from the name given
        out = tmp_path / "named" / f"chart.{fmt}"
        out.parent.mkdir(exist_ok=True)
        result = CliRunner().invoke(main, ["render", str(trace), "-o", str(out)])
        assert result.exit_code == 0 and result.stdout == f"wrote {out}\n", result.output
        assert out.read_bytes().startswith(magic)
        assert not out.with_suffix(".svg").exists()
    out = tmp_path / "kept.svg"
    result = CliRunner().invoke(main, ["render", str(trace), "-o", str(out), "--dot"])
    assert result.exit_code == 0 and result.stdout == f"wrote {out} (and {out.with_suffix('.dot')})\n"
    assert out.with_suffix(".dot").read_text().startswith("digraph")


@needs_graphviz
def test_a_state_graph_highlights_the_initial_state_and_the_path(tmp_path: Path) -> None:
    options = CheckOptions(out_dir=tmp_path)
    checked = spec.load_file(SPECS / "retry_increment.fl")
    (result,) = [r for r in check_model(checked, "naive_lossy", options) if r.trace and r.kind == "invariant"]
    out = tmp_path / "states.svg"
    run = CliRunner().invoke(
        main,
        [
            "render",
            result.trace,
            "--kind",
            "states",
            "-o",
            str(out),
            "--spec",
            str(SPECS / "retry_increment.fl"),
        ],
    )
    assert run.exit_code == 0, run.output
    ids = _ids(out.read_text())
    states = [i for i in ids if i.startswith("state-")]
    assert len(states) == result.stats.distinct == 24
    assert len([i for i in ids if i.startswith("path-")]) == result.trace_length == 3
    assert len([i for i in states if i.endswith("-violating")]) == 1
    # the network is part of a state: the state after the first message is dropped is not the initial one
    texts = {i: _lines(ids[i]) for i in states}
    assert texts["state-0"] == ["#0"]  # the initial state, against which the others say what differs
    dropped = [
        g for i, g in ids.items() if g.get("class") == "edge" and "network drops Increment" in _text(g)
    ]
    ends = [(next(edge.iter(f"{SVG}title")).text or "").split("->") for edge in dropped]
    after_drop = [f"state-{target[1:]}" for source, target in ends if source == "s0"]
    assert len(after_drop) == 1
    assert "nothing in flight" in texts[after_drop[0]]
    assert not any("_network" in line or "_timers" in line for lines in texts.values() for line in lines)


def test_a_large_state_graph_is_refused_with_advice(tmp_path: Path) -> None:
    checked = spec.load_file(SPECS / "quorum_leader.fl")
    (result,) = [
        r for r in check_model(checked, "half_quorum_partitioned", CheckOptions(out_dir=tmp_path)) if r.trace
    ]
    run = CliRunner().invoke(
        main,
        [
            "render",
            result.trace,
            "--kind",
            "states",
            "--spec",
            str(SPECS / "quorum_leader.fl"),
            "-o",
            str(tmp_path / "g.svg"),
        ],
    )
    assert run.exit_code == 2
    assert "more than 250 reachable states" in run.stderr and "--max-states N" in run.stderr
    if shutil.which("dot"):
        partial = CliRunner().invoke(
            main,
            [
                "render",
                result.trace,
                "--kind",
                "states",
                "--max-states",
                "40",
                "--spec",
                str(SPECS / "quorum_leader.fl"),
                "-o",
                str(tmp_path / "g.svg"),
            ],
        )
        assert partial.exit_code == 0, partial.output
        ids = _ids((tmp_path / "g.svg").read_text())
        assert len([i for i in ids if i.startswith("state-")]) == 40
        # the first 40 states hold the start of the 6-step path, not its end: nothing is filled as the violation
        assert 0 < len([i for i in ids if i.startswith("path-")]) < 6
        assert not [i for i in ids if i.endswith("-violating")]


def test_without_graphviz_the_dot_source_is_written_and_the_exit_code_still_means_something(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dot, "available", lambda engine="dot": False)
    out = tmp_path / "out"
    checked = CliRunner().invoke(
        main, ["check", str(SPECS / "retry_increment.fl"), "-m", "naive_lossy", "--render", "--out", str(out)]
    )
    assert checked.exit_code == 0  # still "every verdict as expected"
    assert "install Graphviz" in checked.stderr and "apt-get install graphviz" in checked.stderr
    folder = out / "retry_increment" / "naive_lossy"
    assert (folder / "applied_once.sequence.dot").read_text().startswith("digraph")
    assert not (folder / "applied_once.sequence.svg").exists()
    assert f"naive_lossy applied_once: chart in {folder / 'applied_once.sequence.dot'}" in checked.stderr
    rendered = CliRunner().invoke(main, ["render", str(folder / "applied_once.itf.json")])
    assert rendered.exit_code == 3
    assert "wrote" in rendered.stderr and "install Graphviz" in rendered.stderr


@needs_graphviz
def test_the_html_report_fits_the_page_and_steps_through_the_violation_last_clicked(
    tmp_path: Path, browser: Any
) -> None:
    report = tmp_path / "report.html"
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(SPECS / "retry_increment.fl"),
            *(
                "-m",
                "naive_reliable",
                "-m",
                "naive_lossy",
                "-m",
                "idempotent_lossy",
                "-m",
                "idempotent_duplicating",
            ),
            *("-i", "applied_once", "-i", "no_runtime_errors"),
            *("--report", str(report), "--out", str(tmp_path / "cx")),
        ],
    )
    assert result.exit_code == 0
    html = report.read_text()
    assert "<script src" not in html and "<link" not in html  # self-contained
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(f"{report.as_uri()}#v2-step-2")
    assert page.locator("td.violated").count() == 2 and page.locator("td.holds").count() == 6
    assert page.locator("section.violation").evaluate_all("ss => ss.map(s => s.id)") == ["v1", "v2"]

    def current(v: str) -> list[str]:
        return page.locator(f"#{v} tr.step.current").evaluate_all("rows => rows.map(r => r.dataset.index)")

    assert current("v1") == ["0"] and current("v2") == ["2"]  # the address selects step 2 of the second
    assert "step 2 of 3" in page.inner_text("#v2 .position")
    # the chart fits its panel, which fits the page
    for v in ("v1", "v2"):
        panel = page.locator(f"#{v} .chart").bounding_box()
        chart = page.locator(f"#{v} .chart svg").bounding_box()
        assert chart["width"] <= panel["width"] + 1 <= 1000
    # arrow keys move the violation last clicked: click step 1 of the first, then press ArrowDown twice
    page.click("#v1-row-1")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert current("v1") == ["3"] and current("v2") == ["2"]
    page.click("#v2-row-0")
    page.keyboard.press("ArrowDown")
    assert current("v1") == ["3"] and current("v2") == ["1"]
    # clicking the chart selects the step drawn there
    page.click("#v1-step-2")
    assert current("v1") == ["2"]
    # a link of the matrix selects its violation's step, and the other violation keeps its own
    page.click("table.matrix a[href='#v2-step-0']")
    # the page follows the address on `hashchange`, which comes after the click returns
    page.wait_for_function("document.querySelector('#v2 tr.step.current')?.dataset.index === '0'")
    assert current("v2") == ["0"] and current("v1") == ["2"]
    page.keyboard.press("ArrowDown")
    assert current("v2") == ["1"] and current("v1") == ["2"]
    # the whole state is shown with what the step changed highlighted; the network changes as +/- lines
    changed = page.locator("#v1 .state div.changed").all_inner_texts()
    assert "Server.counter = 1" in changed
    unchanged = page.locator("#v1 .state div:not(.changed)").all_inner_texts()
    assert "Client.attempts = 2" in unchanged and "in flight: Ack(request=0) Server→Client" in changed
    cell = page.inner_text("#v1-row-2 td.changes")
    assert "Server.counter: 0 → 1" in cell and "+ Ack(request=0) Server→Client" in cell
    assert "− Increment(request=0) Client→Server" in cell
    # a small spec's state graph is embedded, with the path in red
    assert page.locator("#v1-graph svg g[id^='v1-graph-state-']").count() == 12  # naive_reliable's states
    assert page.locator("#v1-graph svg g[id^='v1-graph-path-']").count() == 3
    # a narrow window: the matrix scrolls in its panel and the state goes below the steps, so that the page
    # itself never scrolls sideways
    page.set_viewport_size({"width": 560, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 560
    page.close()


def test_the_readme_chart_is_the_lease_lock_counterexample() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/lease_lock_counterexample.svg" in readme
    svg = (ROOT / "docs" / "lease_lock_counterexample.svg").read_text()
    ids = _ids(svg)
    assert {_text(ids[i]) for i in ids if i.startswith("lane-")} == {
        "Lock",
        "Client[0]",
        "Client[1]",
        "Storage",
    }
    assert "VIOLATED: no_clobber" in _text(ids["verdict"])
    assert "uv run faultline render counterexamples/lease_lock/gc_pauses/no_clobber.itf.json" in readme
    # drawn by the present layout: initial values at row 0, the time column, labels beside their sender
    assert "holder = none" in _lines(ids["vars-0-0"]) and _lines(ids["time-head"]) == ["now"]
    assert any(i.startswith("label-") for i in ids)


def test_the_readme_shows_each_kind_of_picture_made_by_the_documented_script() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "uv run python scripts/pictures.py" in readme and (ROOT / "scripts" / "pictures.py").exists()
    for picture in ("retry_increment_states.svg", "report.png", "explorer.png"):
        assert f"](docs/pictures/{picture})" in readme
        assert (ROOT / "docs" / "pictures" / picture).stat().st_size > 10_000
    graph = _ids((ROOT / "docs" / "pictures" / "retry_increment_states.svg").read_text())
    assert len([i for i in graph if i.startswith("path-")]) == 3


_OUTSIDE_ITS_BOX = """g => {
  const box = g.querySelector('polygon').getBBox();
  return Math.max(...[...g.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return Math.max(box.x - b.x, b.x + b.width - (box.x + box.width));
  }));
}"""


@needs_graphviz
def test_the_report_marks_the_selected_step_within_its_box_and_a_click_on_a_loss_selects_its_step(
    tmp_path: Path, browser: Any
) -> None:
    report = tmp_path / "report.html"
    model = "idempotent_synchronous_losing_every_attempt"  # its request is lost twice
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(SPECS / "retry_increment.fl"),
            "-m",
            model,
            "--report",
            str(report),
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0
    document = json.loads((tmp_path / "retry_increment" / model / "gets_ack.itf.json").read_text())
    states = document["states"]
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(report.as_uri())
    # a lasso: its table says, as its chart does, that the run stays in the last state for ever
    last = page.inner_text(f"#v1-row-{len(states) - 1} td:nth-child(2)")
    assert last == f"{states[-1]['#meta']['text']} ↻ {document['#meta']['closing']}"

    def current() -> list[str]:
        return page.locator("#v1 tr.step.current").evaluate_all("rows => rows.map(r => r.dataset.index)")

    # the selected step stands out without growing: its text stays inside its box (so off its neighbours)
    for row in range(len(states)):
        page.click(f"#v1-row-{row}")
        label = page.locator(f"#v1-step-{row}")
        assert "current" in (label.get_attribute("class") or "")
        assert label.evaluate(_OUTSIDE_ITS_BOX) <= 0.5, row
    # a click on the cross where a message was lost, or on its arrow, selects the step that lost it
    dropped = [k for k, state in enumerate(states) if state["#meta"].get("fault") == "drop"]
    crosses = page.locator("#v1 .chart g.node[id^='v1-mark-drop-']")
    arrows = page.locator("#v1 .chart g.edge[id^='v1-msg-drop-']")
    assert crosses.count() == arrows.count() == len(dropped) == 2
    for k, row in enumerate(dropped):
        page.click("#v1-row-0")
        crosses.nth(k).click()
        assert current() == [str(row)], k
        page.click("#v1-row-0")
        page.mouse.click(*arrows.nth(k).evaluate(_A_POINT_ON_ITS_LINE))
        assert current() == [str(row)], k
    # the faults spent change budget by budget, as the network does message by message
    for spent, row in enumerate(dropped):
        cell = page.inner_text(f"#v1-row-{row} td.changes").splitlines()
        assert [line for line in cell if line.startswith("faults spent")] == [
            f"faults spent: loss {spent} → {spent + 1}"
        ]
    page.close()


# a point of an arrow's line where a click lands on the arrow (not on a text drawn over it), in the window
_A_POINT_ON_ITS_LINE = """g => {
  g.scrollIntoView({block: 'center'});
  const path = g.querySelector('path');
  const length = path.getTotalLength();
  for (let k = 1; k < 40; k++) {
    const p = path.getPointAtLength(length * k / 40).matrixTransform(path.getScreenCTM());
    const hit = document.elementFromPoint(p.x, p.y);
    if (hit && hit.closest('g.edge') === g) return [p.x, p.y];
  }
  return null;
}"""


@needs_graphviz
def test_a_click_on_a_message_arrow_selects_the_step_that_received_it(tmp_path: Path, browser: Any) -> None:
    """An arrow stands for the step that received it (one still in flight, for the step that sent it): a
    click on it selects that step, as a click on the step's row does; its label, beside its sender,
    selects the step that sent it."""
    report = tmp_path / "report.html"
    args = [str(SPECS / "quorum_leader.fl"), "-m", "half_quorum_partitioned", "--report", str(report)]
    result = CliRunner().invoke(main, ["check", *args, "--out", str(tmp_path)])
    assert result.exit_code == 0
    trace = tmp_path / "quorum_leader" / "half_quorum_partitioned" / "one_leader_per_term.itf.json"
    document = json.loads(trace.read_text())
    c = sequence.chart(document)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(report.as_uri())

    def current() -> list[str]:
        return page.locator("#v1 tr.step.current").evaluate_all("rows => rows.map(r => r.dataset.index)")

    assert page.locator("#v1 .chart g.edge[id^='v1-msg-']").count() == len(c.arrows)
    kinds = set()
    for k, arrow in enumerate(c.arrows):
        step = arrow.src_row if arrow.kind == "in_flight" else arrow.dst_row
        page.click(f"#v1-row-{0 if step else 1}")
        edge = page.locator(f"#v1 .chart g.edge[id^='v1-msg-{arrow.kind}-{k}-']")
        page.mouse.click(*edge.evaluate(_A_POINT_ON_ITS_LINE))
        assert current() == [str(step)], (k, arrow)
        kinds.add(arrow.kind)
        lane = c.lanes.index(arrow.src)
        page.click(f"#v1-row-{0 if arrow.src_row else 1}")
        page.click(f"#v1-label-{lane}-{arrow.src_row}-0")
        assert current() == [str(arrow.src_row)], (k, arrow)
    assert kinds == {"deliver", "in_flight"}
    page.close()
