"""Sequence charts that never hide the point: for every counterexample of every example spec, no two pieces
of text overlap (the boxes Graphviz drew, read from the SVG), nothing is cut, the time and the clocks are
shown, row 0 holds the initial values, and only the names a user wrote appear. Then the fault drawings:
partitions across the lanes they cut, crashes on the lifeline, messages in flight to their receiver,
Byzantine injections."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from explorer.render import dot, layout, sequence
from explorer.render.measure import Box, width, wrap

SVG = "{http://www.w3.org/2000/svg}"
needs_graphviz = pytest.mark.skipif(shutil.which("neato") is None, reason="Graphviz is not installed")


def text_boxes(svg_text: str) -> dict[str, tuple[Box, list[str]]]:
    """Every node of the SVG that holds text: its id, the box Graphviz drew around it, its lines."""
    out = {}
    for g in ET.fromstring(svg_text).iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        lines = [t.text or "" for t in g.iter(f"{SVG}text")]
        if not any(line.strip() for line in lines):
            continue
        shape = next(e for e in g.iter() if e.tag in (f"{SVG}polygon", f"{SVG}path"))
        numbers = [
            float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("points") or shape.get("d") or "")
        ]
        xs, ys = numbers[0::2], numbers[1::2]
        out[g.get("id", "")] = (Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)), lines)
    return out


def _chart_of(
    charts: list[tuple[Path, dict[str, Any], str]], spec: str, model: str
) -> tuple[dict[str, Any], str]:
    return next((document, svg) for trace, document, svg in charts if trace.parts[-3:-1] == (spec, model))


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def charts(counterexamples: list[Path]) -> list[tuple[Path, dict[str, Any], str]]:
    if shutil.which("neato") is None:
        pytest.skip("Graphviz is not installed")
    out = []
    for trace in counterexamples:
        document = json.loads(trace.read_text(encoding="utf-8"))
        svg = dot.to_svg(sequence.to_dot(document))
        assert svg is not None
        out.append((trace, document, svg))
    return out


def test_no_two_texts_of_any_chart_overlap(charts: list[tuple[Path, dict[str, Any], str]]) -> None:
    for trace, document, svg in charts:
        boxes = text_boxes(svg)
        assert len(boxes) > len(document["states"]) + 2, trace  # the title, a lane and every step at least
        for (a, (box_a, _)), (b, (box_b, _)) in itertools.combinations(boxes.items(), 2):
            assert not box_a.overlaps(box_b), (trace.parts[-3:], a, box_a, b, box_b)


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]


def event_points(svg_text: str) -> dict[tuple[int, int], tuple[float, float, float]]:
    """(lane index, row) -> centre and radius of every event point drawn (a lifeline's visible dot)."""
    out = {}
    for g in ET.fromstring(svg_text).iter(f"{SVG}g"):
        found = re.fullmatch(r"dot-(\d+)-(\d+)", g.get("id", ""))
        shape = next(g.iter(f"{SVG}ellipse"), None)
        if found and shape is not None and shape.get("fill") not in ("transparent", "none"):
            lane, row = int(found[1]), int(found[2])
            out[(lane, row)] = (
                float(shape.get("cx", 0)),
                float(shape.get("cy", 0)),
                float(shape.get("rx", 0)),
            )
    return out


def arrow_lines(svg_text: str) -> dict[int, tuple[float, float, float, float]]:
    """Arrow k of the chart -> its line, from where it leaves its sender to the tip of its head."""
    out = {}
    for g in ET.fromstring(svg_text).iter(f"{SVG}g"):
        if g.get("class") != "edge" or not g.get("id", "").startswith("msg-"):
            continue
        d = _numbers(next(g.iter(f"{SVG}path")).get("d", ""))
        x0, y0 = d[0], d[1]
        ends = [(d[-2], d[-1])]
        head = next(g.iter(f"{SVG}polygon"), None)
        if head is not None:
            p = _numbers(head.get("points", ""))
            ends += list(zip(p[0::2], p[1::2], strict=True))
        x1, y1 = max(ends, key=lambda e: (e[0] - x0) ** 2 + (e[1] - y0) ** 2)
        out[int(g.get("id", "").split("-")[2])] = (x0, y0, x1, y1)
    return out


def _distance(px: float, py: float, line: tuple[float, float, float, float]) -> float:
    """From a point to a segment."""
    x0, y0, x1, y1 = line
    dx, dy = x1 - x0, y1 - y0
    t = max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
    return float(((px - x0 - t * dx) ** 2 + (py - y0 - t * dy) ** 2) ** 0.5)


def test_no_arrow_passes_through_an_event_point_of_a_lane_it_crosses(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    """An arrow through the point where another node acts reads as if it went through that node: every
    arrow keeps clear of every event point but those of its own sender and receiver."""
    crossings = 0
    for trace, document, svg in charts:
        c = sequence.chart(document)
        points, lines = event_points(svg), arrow_lines(svg)
        for row, state in enumerate(document["states"]):  # every step's actor has its point drawn
            actor = state["#meta"].get("actor")
            if actor in c.lanes:
                assert (c.lanes.index(actor), row) in points, (trace.parts[-3:], actor, row)
        assert len(lines) == len(c.arrows), trace
        for k, arrow in enumerate(c.arrows):
            own = {c.lanes.index(arrow.src), c.lanes.index(arrow.dst)}
            x0, _, x1, _ = lines[k]
            for (lane, row), (px, py, radius) in points.items():
                if lane in own or not min(x0, x1) < px < max(x0, x1):
                    continue
                crossings += 1
                gap = _distance(px, py, lines[k])
                assert gap >= radius + 4.0, (trace.parts[-3:], arrow, c.lanes[lane], row, gap)
    assert crossings > 50  # the examples' arrows do cross many lanes that act


def test_without_the_spacing_an_arrow_would_pass_through_an_event_point(
    charts: list[tuple[Path, dict[str, Any], str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check sees what it looks for: with rows evenly spaced, quorum_leader's first vote request (Node[0]
    at row 1 to Node[2] at row 3) goes right through Node[1]'s point at row 2, where it campaigns."""
    document, _ = _chart_of(charts, "quorum_leader", "half_quorum_partitioned")
    monkeypatch.setattr(layout, "spread", lambda c, lane_x, row_y: row_y)
    svg = dot.to_svg(sequence.to_dot(document)) or ""
    c = sequence.chart(document)
    (k,) = [
        k
        for k, a in enumerate(c.arrows)
        if (a.src, a.src_row, a.dst, a.dst_row) == ("Node[0]", 1, "Node[2]", 3)
    ]
    px, py, radius = event_points(svg)[(1, 2)]
    assert _distance(px, py, arrow_lines(svg)[k]) < radius + 1.0


def test_the_overlap_check_sees_an_overlap() -> None:
    """The geometry the check reads is the real one: two labels placed on each other are caught."""
    if shutil.which("neato") is None:
        pytest.skip("Graphviz is not installed")
    import graphviz

    g = graphviz.Digraph(
        engine="neato", node_attr={"shape": "box", "margin": "0", "width": "0", "height": "0"}
    )
    g.node("a", "Grant(token=1, expires=2)", pos="0,0!")
    g.node("b", "token: 0 → 1", pos="30,4!")
    g.node("c", "far away", pos="400,0!")
    boxes = text_boxes(dot.to_svg(g) or "")
    assert boxes["node1"][0].overlaps(boxes["node2"][0])
    assert not boxes["node1"][0].overlaps(boxes["node3"][0])


def test_nothing_is_cut_every_step_and_change_is_whole(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    for trace, document, svg in charts:
        boxes = text_boxes(svg)
        c = sequence.chart(document)
        for row, state in enumerate(document["states"]):
            shown = _squeezed(" ".join(boxes[f"step-{row}"][1]))
            assert _squeezed(f"{row}. {state['#meta']['text']}") in shown, (trace, row)
            if "error" in state["#meta"]:
                assert _squeezed(state["#meta"]["error"]) in shown
        for (lane, row), lines in c.changes.items():
            shown = _squeezed(" ".join(boxes[f"vars-{c.lanes.index(lane)}-{row}"][1]))
            assert shown == _squeezed(" ".join(lines)), (trace, lane, row)
        assert not any("…" in line for _, lines in boxes.values() for line in lines), trace


def test_row_zero_shows_every_initial_value_and_only_user_facing_names(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    for trace, document, svg in charts:
        boxes = text_boxes(svg)
        first = document["states"][0]
        nodes = document["#meta"]["nodes"]
        for name, value in first.items():
            lane, _, var = name.rpartition(".")
            if lane not in nodes or var.startswith("_"):
                continue
            shown = _squeezed(" ".join(boxes[f"vars-{nodes.index(lane)}-0"][1]))
            assert _squeezed(f"{var} = {sequence.show(value)}") in shown, (trace, name)
        every_line = " ".join(line for _, lines in boxes.values() for line in lines)
        internal = re.search(r"(^|[\s.])_(clock|mono|timers|status|network|faults|now|gst)\b", every_line)
        assert internal is None, (trace, internal)


def test_the_time_column_and_the_clock_readings_where_clocks_lie(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    document, svg = _chart_of(charts, "lease_clock_skew", "naive_skewed")
    boxes = text_boxes(svg)
    states = document["states"]
    assert boxes["time-head"][1] == ["now"]
    for row, state in enumerate(states):
        assert boxes[f"now-{row}"][1] == [str(state["_now"])]
    nodes = document["#meta"]["nodes"]
    # every clock reading is written where it changes, beside its own lane, and says when it is not real time
    for lane_index, lane in enumerate(nodes):
        for row, state in enumerate(states):
            reading = state[f"{lane}._clock"]
            if row > 0 and states[row - 1][f"{lane}._clock"] == reading:
                assert f"clock-{lane_index}-{row}" not in boxes
                continue
            (line,) = boxes[f"clock-{lane_index}-{row}"][1]
            expected = f"clock {reading}" + (f" (now {state['_now']})" if reading != state["_now"] else "")
            assert line == expected, (lane, row)
    # a model whose clocks cannot lie shows no clock, and an untimed one no time column
    for trace, document, svg in charts:
        if not any(name.endswith("._clock") for name in document["states"][0]):
            assert not any(i.startswith("clock-") for i in text_boxes(svg)), trace
        if "_now" not in document["states"][0]:
            assert "time-head" not in text_boxes(svg), trace


def _ids(svg: str) -> dict[str, ET.Element]:
    return {g.get("id", ""): g for g in ET.fromstring(svg).iter(f"{SVG}g")}


def test_an_asymmetric_partition_is_drawn_across_the_lanes_it_cuts_from_cut_to_heal(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    document, svg = _chart_of(charts, "asymmetric_partition", "naive_asymmetric")
    ids = _ids(svg)
    cut_row = next(k for k, s in enumerate(document["states"]) if s["#meta"].get("fault") == "partition")
    assert f"cut-{cut_row}" in ids  # the line across the lanes, at the cut
    stripes = {i for i in ids if i.startswith("partition-")}
    assert stripes == {f"partition-Node_{k}-{cut_row}" for k in range(3)}
    # Node[0] cannot be heard; the others cannot hear it: two sides, two colours
    colours = {i: next(ids[i].iter(f"{SVG}path")).get("stroke") for i in stripes}
    assert colours[f"partition-Node_0-{cut_row}"] != colours[f"partition-Node_1-{cut_row}"]
    assert colours[f"partition-Node_1-{cut_row}"] == colours[f"partition-Node_2-{cut_row}"]
    c = sequence.chart(document)
    (node0,) = [s for s in c.stretches if s.lane == "Node[0]"]
    assert (node0.start, node0.end) == (cut_row, len(document["states"]))  # never healed: to the end
    assert node0.detail == "Node[0] cannot reach Node[1], Node[2]"


def test_a_crash_and_recovery_are_drawn_on_the_lifeline(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    document, svg = _chart_of(charts, "paxos_forgetful", "crash_recovery")
    ids = _ids(svg)
    faults = [s["#meta"].get("fault") for s in document["states"]]
    crashed, recovered = faults.index("crash_recovery"), faults.index("recover")
    down = sorted(int(i.rsplit("-", 1)[1]) for i in ids if i.startswith("crashed-Acceptor_0-"))
    assert down == list(range(crashed, recovered))  # dashed while down, and only then
    assert (
        f"mark-crash_recovery-Acceptor_0-{crashed}" in ids and f"mark-recover-Acceptor_0-{recovered}" in ids
    )
    # the volatile state it lost shows as changes on the recovery row
    boxes = text_boxes(svg)
    assert any("→" in line for line in boxes[f"vars-2-{recovered}"][1])


def test_messages_in_flight_reach_their_receiver_dashed(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    seen = 0
    for trace, document, svg in charts:
        ids, boxes = _ids(svg), text_boxes(svg)
        for k, arrow in enumerate(sequence.chart(document).arrows):
            if arrow.kind != "in_flight":
                continue
            seen += 1
            edge = ids[f"msg-in_flight-{k}-{arrow.src_row}"]  # its id ends with the step that sent it
            assert "stroke-dasharray" in next(edge.iter(f"{SVG}path")).attrib, trace
            head = boxes[f"lane-{sequence._slug(arrow.dst)}"][0]
            arrowhead = next(edge.iter(f"{SVG}polygon"))  # it touches the receiver's lifeline
            xs = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", arrowhead.get("points", ""))][0::2]
            assert min(abs(x - (head.x + head.w / 2)) for x in xs) < 8, (trace, arrow)
    assert seen >= 3


def test_a_byzantine_injection_is_marked(charts: list[tuple[Path, dict[str, Any], str]]) -> None:
    document, svg = _chart_of(charts, "byzantine_agreement", "three_generals_one_traitor")
    boxes = text_boxes(svg)
    ids = _ids(svg)
    injected = [k for k, s in enumerate(document["states"]) if s["#meta"].get("fault") == "byzantine"]
    assert len([i for i in ids if i.startswith("msg-byzantine-")]) == len(injected) == 2
    for row in injected:
        (label,) = [lines for i, (_, lines) in boxes.items() if i.startswith(f"label-0-{row}-")]
        assert label[0].startswith("⚠ Order(v=")
    assert boxes["lane-General_0"][1] == ["General[0]", "(Byzantine)"]


def test_wrapping_breaks_lines_only_and_keeps_them_within_the_width() -> None:
    text = "votes: {Node[0]} → {Node[0], Node[1], Node[2], Node[3], Node[4]} and a_very_long_identifier_without_spaces"
    lines = wrap(text, 8.5, 120)
    assert all(width(line, 8.5) <= 120 for line in lines)
    assert _squeezed("".join(lines)) == _squeezed(text)
    assert lines[1].startswith("  ")


def test_a_huge_value_wraps_into_lines_within_the_width_with_nothing_lost() -> None:
    text = "x" * 50_000 + " " + ", ".join(f"Node[{k}]" for k in range(5_000))
    lines = wrap(text, 8.5, 200)
    assert all(width(line, 8.5) <= 200 for line in lines)
    assert _squeezed("".join(lines)) == _squeezed(text)


def test_every_element_of_a_chart_has_a_tooltip_in_words(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    """Hovering never shows Graphviz's own name for an element (an internal id): every node and edge
    carries a tooltip, and a step's tooltip holds the step and what it changed."""
    xlink = "{http://www.w3.org/1999/xlink}title"
    for trace, document, svg in charts:
        for g in ET.fromstring(svg).iter(f"{SVG}g"):
            if g.get("class") in ("node", "edge"):
                tips = [a.get(xlink, "") for a in g.iter(f"{SVG}a")]
                assert tips and tips[0].strip(), (trace, g.get("id"))
        if len(document["states"]) < 2:
            continue  # a lasso that stays in its first state has no step to hover
        step = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("id") == "step-1")
        tip = next(step.iter(f"{SVG}a")).get(xlink, "")
        assert tip.startswith(document["states"][1]["#meta"]["text"]), trace


def test_a_run_that_stays_in_its_last_state_for_ever_says_so_on_that_row(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    """Every lasso of the examples stays in its last state (no step a fair run owes is enabled there): its
    last row and the verdict say so."""
    seen = 0
    for trace, document, svg in charts:
        if "loop" not in document:
            continue
        seen += 1
        last = len(document["states"]) - 1
        assert document["loop"] == last, trace
        closing = document["#meta"]["closing"]
        assert closing.startswith("the run stays"), trace
        shown = _squeezed(" ".join(text_boxes(svg)[f"step-{last}"][1]))
        assert shown.endswith(_squeezed(f"↻ {closing}")), trace
        verdict = _squeezed(" ".join(text_boxes(svg)["verdict"][1]))
        assert _squeezed(f"(a lasso: the run stays at step {last} for ever)") in verdict, trace
    assert seen >= 8


def _row_of(ident: str) -> int | None:
    """The row a text of the chart belongs to, by its id (`step-3`, `vars-1-3`, `label-0-3-1`, ...)."""
    found = re.fullmatch(
        r"(?:step|now)-(\d+)|(?:vars|clock)-\d+-(\d+)|label-\d+-(\d+)-\d+|mark-.*-(\d+)", ident
    )
    return None if found is None else int(next(g for g in found.groups() if g is not None))


def cycle_extent(svg_text: str, first: int, last: int) -> tuple[float, float, float]:
    """The x, top and bottom of the bracket that marks a lasso's cycle from row `first` to row `last`."""
    xs, ys = [], []
    for g in ET.fromstring(svg_text).iter(f"{SVG}g"):
        if g.get("class") == "edge" and re.fullmatch(rf"cycle-{first}-{last}-\d", g.get("id", "")):
            for shape in g.iter():
                numbers = _numbers(shape.get("d") or shape.get("points") or "")
                xs += numbers[0::2]
                ys += numbers[1::2]
    assert ys, f"no mark of the cycle {first}..{last}"
    return min(xs), min(ys), max(ys)


def assert_the_mark_spans_the_cycle(svg: str, first: int, last: int) -> None:
    """The bracket begins above the first row of the cycle and below every text of the row before it, and
    ends below every text of its last row and above whatever comes after; its label says it repeats."""
    boxes = text_boxes(svg)
    x, top, bottom = cycle_extent(svg, first, last)
    rows: dict[int, list[Box]] = {}
    for ident, (box, _) in boxes.items():
        row = _row_of(ident)
        if row is not None:
            rows.setdefault(row, []).append(box)
    assert top <= boxes[f"step-{first}"][0].y
    assert all(box.bottom < top for box in rows.get(first - 1, []))
    assert all(box.bottom <= bottom for box in rows[last])
    after = rows.get(last + 1, []) + [boxes["verdict"][0]]
    assert all(bottom < box.y for box in after)
    label, lines = boxes["cycle-label"]
    assert "".join(lines).endswith("for ever") and label.right < x < boxes[f"step-{first}"][0].x
    assert top < label.y and label.bottom < bottom


def test_a_lasso_marks_its_cycle_with_a_bracket_along_exactly_its_rows(
    charts: list[tuple[Path, dict[str, Any], str]],
) -> None:
    seen = 0
    for trace, document, svg in charts:
        ids = {g.get("id", "") for g in ET.fromstring(svg).iter(f"{SVG}g")}
        if "loop" not in document:
            assert not any(i.startswith("cycle-") for i in ids), trace  # an invariant's trace has none
            continue
        seen += 1
        last = len(document["states"]) - 1
        assert_the_mark_spans_the_cycle(svg, document["loop"], last)
    assert seen >= 8


def test_a_cycle_of_several_steps_is_bracketed_from_its_first_row_to_its_last(tmp_path: Path) -> None:
    if shutil.which("neato") is None:
        pytest.skip("Graphviz is not installed")
    from explorer.run import CheckOptions, check_model
    from spec import load

    text = """
node C {
  var phase: 0..1 = 0
  var ticks: 0..3 = 0
  var done: bool = false
  action spin when not done { phase = 1 - phase }
  action count when not done and ticks < 3 { ticks = ticks + 1 }
  unfair action finish when not done { done = true }
}
liveness finishes: eventually C.done
"""
    (result,) = [
        r for r in check_model(load(text, "spin.fl"), "default", CheckOptions(out_dir=tmp_path)) if r.trace
    ]
    document = json.loads(Path(result.trace or "").read_text(encoding="utf-8"))
    last = len(document["states"]) - 1
    assert 0 < document["loop"] < last  # a stem, then a cycle of more than one row
    assert_the_mark_spans_the_cycle(dot.to_svg(sequence.to_dot(document)) or "", document["loop"], last)
