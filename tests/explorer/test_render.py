"""Pictures: every counterexample of specs/ as a sequence chart (its SVG parsed and checked), state graphs
of small specs, the HTML report in headless Chromium, and what happens without Graphviz."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

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


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every counterexample the example specs produce."""
    from tests.test_specs import EXPECTED

    out = tmp_path_factory.mktemp("counterexamples")
    found = []
    for name, models in EXPECTED.items():
        checked = spec.load_file(SPECS / f"{name}.fl")
        for model, expected in models.items():
            if all(v == "holds" for v in expected.values()):
                continue
            for r in check_model(checked, model, CheckOptions(out_dir=out)):
                if r.trace:
                    found.append(Path(r.trace))
    assert len(found) >= 6
    return found


@needs_graphviz
def test_every_counterexample_draws_as_a_sequence_chart_with_its_lanes_arrows_and_marks(
    traces: list[Path],
) -> None:
    for trace in traces:
        document = json.loads(trace.read_text())
        svg = dot.to_svg(sequence.to_dot(document))
        assert svg is not None
        ids = _ids(svg)
        meta, states = document["#meta"], document["states"]
        lanes = {i for i in ids if i.startswith("lane-")}
        assert {_text(ids[i]) for i in lanes} == set(meta["nodes"]), trace
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
        # each delivery arrow is labelled with the message it carries
        for i in delivered:
            assert _text(ids[i]).strip(), (trace, i)


@needs_graphviz
def test_the_lease_chart_shows_the_pause_the_expiry_and_both_writes(traces: list[Path]) -> None:
    trace = next(t for t in traces if t.parts[-3:] == ("lease_lock", "gc_pauses", "no_clobber.itf.json"))
    ids = _ids(dot.to_svg(sequence.to_dot(json.loads(trace.read_text()))) or "")
    steps = {i: _text(g) for i, g in ids.items() if i.startswith("step-")}
    assert any("pauses" in t for t in steps.values())
    assert any("Lock.expires (1) is reached" in t for t in steps.values())
    arrows = [_text(g) for i, g in ids.items() if i.startswith("msg-deliver-")]
    assert "Write(token=1)" in arrows and "Write(token=2)" in arrows
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
    kinds = sorted(k for *_, k in c.arrows)
    assert kinds == ["drop", "in_flight"]
    drop = next(a for a in c.arrows if a[-1] == "drop")
    assert drop[:4] == ("A", 0, "B", 1)


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


@needs_graphviz
def test_the_render_command_writes_svg_png_and_dot(traces: list[Path], tmp_path: Path) -> None:
    trace = traces[0]
    for fmt, magic in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("dot", b"digraph")):
        out = tmp_path / f"chart.{fmt}"
        result = CliRunner().invoke(main, ["render", str(trace), "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(magic)
        assert out.with_suffix(".dot").exists() == (fmt == "dot")  # no stray source unless asked
        assert result.stdout == f"wrote {out}\n"
    out = tmp_path / "kept.svg"
    result = CliRunner().invoke(main, ["render", str(trace), "-o", str(out), "--dot"])
    assert result.exit_code == 0 and result.stdout == f"wrote {out} (and {out.with_suffix('.dot')})\n"
    assert out.with_suffix(".dot").read_text().startswith("digraph")


@needs_graphviz
def test_a_state_graph_highlights_the_initial_state_and_the_path(tmp_path: Path) -> None:
    options = CheckOptions(out_dir=tmp_path)
    checked = spec.load_file(SPECS / "retry_increment.fl")
    (result,) = [r for r in check_model(checked, "naive_lossy", options) if r.trace]
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
        assert len([i for i in _ids((tmp_path / "g.svg").read_text()) if i.startswith("state-")]) == 40


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


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _dump_dom(url: str, profile: Path) -> str:
    browser = _chromium()
    assert browser is not None
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium is not installed (.ci/run installs it)")
@needs_graphviz
def test_the_html_report_shows_the_matrix_the_charts_and_steps_to_click_through(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    result = CliRunner().invoke(
        main,
        ["check", str(SPECS / "retry_increment.fl"), "--report", str(report), "--out", str(tmp_path / "cx")],
    )
    assert result.exit_code == 0
    html = report.read_text()
    assert "<script src" not in html and "<link" not in html  # self-contained
    dom = _dump_dom(f"{report.as_uri()}#v2-step-2", tmp_path / "profile")
    root = _parse_html(dom)
    cells = [td for td in root.iter("td") if td.get("class") in ("holds", "violated")]
    assert len([c for c in cells if c.get("class") == "violated"]) == 2
    assert len([c for c in cells if c.get("class") == "holds"]) == 6
    sections = [s for s in root.iter("section") if s.get("class", "").startswith("violation")]
    assert [s.get("id") for s in sections] == ["v1", "v2"]
    for section in sections:
        assert any(el.tag == "svg" for el in section.iter())
        rows = [tr for tr in section.iter("tr") if "step" in tr.get("class", "")]
        assert len(rows) == 4
        current = [tr for tr in rows if "current" in tr.get("class", "")]
        want = 2 if section.get("id") == "v2" else 0  # the address selects step 2 of the second violation
        assert [tr.get("data-index") for tr in current] == [str(want)]
        state = next(d for d in section.iter("div") if d.get("class") == "state")
        assert "Server.counter = " in (state.text or "")
    second = sections[1]
    assert "step 2 of 3" in "".join(second.itertext())


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _parse_html(dom: str) -> ET.Element:
    """Chromium's DOM dump as an ElementTree (tags without namespaces), with the standard library only."""
    from html.parser import HTMLParser

    root = ET.Element("document")
    stack = [root]

    class Builder(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            element = ET.SubElement(stack[-1], tag, {k: v or "" for k, v in attrs})
            if tag not in _VOID:
                stack.append(element)

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            ET.SubElement(stack[-1], tag, {k: v or "" for k, v in attrs})

        def handle_endtag(self, tag: str) -> None:
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].tag == tag:
                    del stack[depth:]
                    break

        def handle_data(self, data: str) -> None:
            parent = stack[-1]
            if len(parent):
                parent[-1].tail = (parent[-1].tail or "") + data
            else:
                parent.text = (parent.text or "") + data

    Builder(convert_charrefs=True).feed(dom)
    return root


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
