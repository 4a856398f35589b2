"""A counterexample (an ITF trace written by faultline) as a message sequence chart, in Graphviz.

One lane per node instance, time flowing down, one row per step (row 0 is the initial state, with every
node's initial values). A message is an arrow from the row where it was sent to the row where it was
received; a dropped one ends in a cross, one still in flight at the end reaches its receiver dashed, one a
Byzantine node injected is red. A crashed stretch of a lifeline is dashed red, a paused one shaded, a
node cut off by a partition has a coloured stripe beside its lifeline from the cut to the heal (one colour
per side), and the cut itself is a red line across the lanes it separates. Where clocks may lie, each
node's clock reading is written beside its lifeline whenever it changes, next to real time in the `now`
column. A lasso's cycle is bracketed left of its rows' descriptions, the bracket's arrow pointing back
to the row where the cycle starts. A dot on a lifeline is an event point: that node acts, sends or receives there; rows are spaced
(explorer.render.clearance) so that no arrow passes through the event point of a lane it crosses. Detail
that does not fit is in tooltips (SVG `<title>`): the whole state of a node after a step on its
lifeline's point of that row.

Everything is placed by explorer.render.layout on a fixed grid and drawn by `neato -n2`. Element ids in
the SVG say what each element is (`lane-…`, `msg-KIND-K-ROW`, `mark-…`, `step-…`, `vars-…`, `label-…`,
`dot-…`), for tests and for the HTML report; an id that names a row ends with it (an arrow's: the step
that received or dropped it, or that sent one still in flight).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import graphviz

from explorer.render.chart import Arrow, ArrowKind, StretchKind, chart, show
from explorer.render.clearance import arrow_ends
from explorer.render.layout import GREY, MARK_SIZE, RED, Layout, Text, lay_out
from explorer.render.measure import Box, height, width

__all__ = ["chart", "show", "to_dot"]

_MARK_COLOURS = {
    "crash_stop": RED,
    "crash_recovery": RED,
    "recover": "#2e7d32",
    "pause": "#616161",
    "resume": "#616161",
    "ntp": "#6a1b9a",
}
_SIDES = ["#ef6c00", "#00838f", "#ad1457", "#558b2f"]
_EVENT = "#546e7a"


def to_dot(document: dict[str, Any]) -> graphviz.Digraph:
    c = chart(document)
    out = lay_out(c)
    _add_marks(out)
    g = graphviz.Digraph(
        "sequence",
        engine="neato",
        graph_attr={
            "splines": "line",
            "outputorder": "edgesfirst",
            "bgcolor": "white",
            "bb": f"0,{-out.height:.1f},{out.width:.1f},0",
        },
        node_attr={
            "fontname": "DejaVu Sans",
            "shape": "box",
            "margin": "0",
            "width": "0",
            "height": "0",
            "style": "filled",
            "color": "transparent",
            "fillcolor": "#ffffffd9",  # arrows show faintly through text, text stays readable
        },
        edge_attr={"arrowsize": "0.7"},
    )
    for text in out.texts:
        _draw_text(g, text)
    _draw_lifelines(g, out)
    _draw_arrows(g, out)
    _draw_cycle(g, out)
    return g


def _pos(x: float, y: float) -> str:
    return f"{x:.1f},{-y:.1f}!"


def _point(
    g: graphviz.Digraph,
    name: str,
    x: float,
    y: float,
    tooltip: str = "",
    visible: bool = True,
    size: str = "0.01",
) -> None:
    attrs = {"shape": "point", "width": size, "height": size, "style": "invis", "id": name}
    if visible:  # an event point: where the node acts, sends or receives
        attrs.update(width="0.06", height="0.06", style="filled", color=_EVENT, fillcolor=_EVENT)
    if tooltip:
        attrs["tooltip"] = _escape(tooltip)
    g.node(name, "", pos=_pos(x, y), **attrs)


def _hover_point(g: graphviz.Digraph, name: str, x: float, y: float, tooltip: str) -> None:
    """A point of a lifeline where its node does nothing: not drawn, yet hovering it shows the state."""
    attrs = {"shape": "point", "width": "0.06", "height": "0.06", "style": "filled", "id": name}
    attrs.update(color="transparent", fillcolor="transparent", tooltip=_escape(tooltip))
    g.node(name, "", pos=_pos(x, y), **attrs)


def _draw_text(g: graphviz.Digraph, text: Text) -> None:
    end = "\\n" if text.centred else "\\l"
    label = "".join(_escape(line) + end for line in text.lines)
    attrs = {"fontsize": f"{text.size:g}", "fontcolor": text.color, "id": text.ident}
    # at least as large as the layout measured: lines start at its left edge; larger if Graphviz needs it
    attrs.update(width=f"{text.box.w / 72:.4f}", height=f"{text.box.h / 72:.4f}")
    if text.fill:
        attrs.update(fillcolor=text.fill, color="#90a4ae", style="rounded,filled")
    # every element says something on hover (else a viewer shows its Graphviz name, an internal id)
    tooltip = text.tooltip or " ".join(line.strip() for line in text.lines)
    attrs["tooltip"] = "\\n".join(_escape(line) for line in tooltip.split("\n"))
    box = text.box
    g.node(text.ident, label, pos=_pos(box.x + box.w / 2, box.y + box.h / 2), **attrs)


def _add_marks(out: Layout) -> None:
    """Crash, recovery, pause, resume and NTP marks left of their lifeline, on their row's event line; the
    cross where a dropped message was lost; tooltips on the step descriptions."""
    c = out.chart
    for mark in c.marks:
        x, y = out.lane_x[mark.lane] - 10, out.row_y[mark.row]
        w, h = width(mark.symbol, MARK_SIZE), height(1, MARK_SIZE)
        ident = f"mark-{mark.what}-{_slug(mark.lane)}-{mark.row}"
        box = Box(x - w / 2, y - h / 2, w, h)
        out.texts.append(Text(ident, [mark.symbol], MARK_SIZE, box, _MARK_COLOURS.get(mark.what, GREY)))
    for k, arrow in enumerate(c.arrows):
        if arrow.kind == ArrowKind.DROP:
            x, y = _drop_point(out, arrow)
            w, h = width("✕", MARK_SIZE), height(1, MARK_SIZE)
            box = Box(x - w / 2, y - h / 2, w, h)
            ident = f"mark-drop-{k}-{arrow.dst_row}"  # ends with its row, as every mark's id does
            text = Text(ident, ["✕"], MARK_SIZE, box, RED, tooltip=f"network drops {arrow.message}")
            out.texts.append(text)
    for text in out.texts:
        if text.ident.startswith("step-"):
            row = int(text.ident.removeprefix("step-"))
            changed = [f"{lane}.{line}" for lane in c.lanes for line in c.changes.get((lane, row), [])]
            text.tooltip = "\n".join([c.rows[row], *changed])


def _drop_point(out: Layout, arrow: Arrow) -> tuple[float, float]:
    return arrow_ends(arrow, out.lane_x, out.row_y)[1]


def _dot(lane_index: int, row: int) -> str:
    return f"dot-{lane_index}-{row}"


def _life(lane_index: int, row: int) -> str:
    return f"life-{lane_index}-{row}"


def _draw_lifelines(g: graphviz.Digraph, out: Layout) -> None:
    c = out.chart
    special: dict[tuple[str, int], StretchKind] = {}
    for s in c.stretches:
        if s.kind != StretchKind.PARTITIONED:
            special.update({(s.lane, r): s.kind for r in range(s.start, s.end)})
    last = len(out.row_y) - 1
    for i, lane in enumerate(c.lanes):
        x = out.lane_x[lane]
        for row, y in enumerate(out.row_y):
            # the lifeline runs through points of no size (unbroken); the point shown or hovered sits on it
            _point(g, _life(i, row), x, y, lane, visible=False, size="0")
            state = c.states[row][lane] if row < len(c.states) else {}
            tooltip = f"{lane} after step {row}: " + "; ".join(f"{k} = {v}" for k, v in state.items())
            if row == last:
                _point(g, _dot(i, row), x, y, lane, visible=False)
            elif (lane, row) in c.events:
                _point(g, _dot(i, row), x, y, tooltip)
            else:
                _hover_point(g, _dot(i, row), x, y, tooltip)
        g.edge(f"lane-{_slug(lane)}", _life(i, 0), arrowhead="none", color="#bdbdbd", tooltip=_escape(lane))
        for row in range(last):
            kind = special.get((lane, row))
            attrs = {"arrowhead": "none", "color": "#bdbdbd", "tooltip": _escape(lane)}
            if kind == StretchKind.PAUSED:
                attrs.update(color="#9e9e9e", penwidth="7", id=f"pause-{_slug(lane)}-{row}")
                attrs["tooltip"] = f"{lane} is paused"
            elif kind == StretchKind.CRASHED:
                attrs.update(color=RED, style="dashed", id=f"crashed-{_slug(lane)}-{row}")
                attrs["tooltip"] = f"{lane} is down"
            g.edge(_life(i, row), _life(i, row + 1), **attrs)
    for k, s in enumerate(c.stretches):
        if s.kind != StretchKind.PARTITIONED:
            continue
        x = out.lane_x[s.lane] + 4
        top, bottom = f"cut-{k}-top", f"cut-{k}-bottom"
        _point(g, top, x, out.row_y[s.start], s.detail, visible=False)
        _point(g, bottom, x, out.row_y[s.end], s.detail, visible=False)
        colour = _SIDES[s.group % len(_SIDES)]
        ident = f"partition-{_slug(s.lane)}-{s.start}"
        g.edge(top, bottom, arrowhead="none", color=colour, penwidth="3", id=ident, tooltip=_escape(s.detail))
    _draw_cuts(g, out)


def _draw_cuts(g: graphviz.Digraph, out: Layout) -> None:
    """A red line across the lanes a partition separates, just above the row that cut them."""
    c = out.chart
    for start in sorted({s.start for s in c.stretches if s.kind == StretchKind.PARTITIONED}):
        xs = [
            out.lane_x[s.lane] for s in c.stretches if s.kind == StretchKind.PARTITIONED and s.start == start
        ]
        y = out.row_y[start] - 4
        _point(g, f"cutline-{start}-a", min(xs) - 12, y, c.rows[start], visible=False)
        _point(g, f"cutline-{start}-b", max(xs) + 12, y, c.rows[start], visible=False)
        g.edge(
            f"cutline-{start}-a",
            f"cutline-{start}-b",
            arrowhead="none",
            color=RED,
            style="dashed",
            penwidth="1.5",
            id=f"cut-{start}",
            tooltip=_escape(c.rows[start]),
        )


def _draw_arrows(g: graphviz.Digraph, out: Layout) -> None:
    c = out.chart
    for k, a in enumerate(c.arrows):
        src, dst = _dot(c.lanes.index(a.src), a.src_row), _dot(c.lanes.index(a.dst), a.dst_row)
        tooltip = f"{a.message}: {a.src} (step {a.src_row}) → {a.dst}"
        # the id ends with the step the arrow stands for (where it was received or lost, else sent)
        step = a.src_row if a.kind == ArrowKind.IN_FLIGHT else a.dst_row
        attrs = {"id": f"msg-{a.kind}-{k}-{step}", "color": "#1565c0"}
        if a.kind == ArrowKind.DROP:
            x, y = _drop_point(out, a)
            _point(g, f"drop-{k}", x, y, f"network drops {a.message}", visible=False)
            dst = f"drop-{k}"
            attrs.update(color=RED, style="dashed", arrowhead="none")
            tooltip += f", dropped at step {a.dst_row}"
        elif a.kind == ArrowKind.IN_FLIGHT:
            attrs.update(style="dashed", color="#757575", arrowhead="open")
            tooltip += ", still in flight"
        elif a.kind == ArrowKind.BYZANTINE:
            attrs.update(color=RED, penwidth="1.8")
            tooltip = f"{a.src} (Byzantine) injects {a.message} to {a.dst} at step {a.dst_row}"
        else:
            tooltip += f" (step {a.dst_row})"
        g.edge(src, dst, tooltip=_escape(tooltip), **attrs)


def _draw_cycle(g: graphviz.Digraph, out: Layout) -> None:
    """A lasso's cycle: a bracket along its rows whose top arm points back to where it starts (ids
    `cycle-FIRST-LAST-…`)."""
    cycle = out.chart.cycle
    if out.cycle_mark is None or cycle is None:
        return
    x, top, bottom = out.cycle_mark
    ident = f"cycle-{cycle.first}-{cycle.last}"
    corners = [(x + 8, bottom), (x, bottom), (x, top), (x + 9, top)]
    for k, (cx, cy) in enumerate(corners):
        _point(g, f"{ident}-corner-{k}", cx, cy, cycle.detail, visible=False, size="0")
    for k in range(3):
        attrs = {"arrowhead": "normal" if k == 2 else "none", "color": RED, "penwidth": "1.5"}
        ends = f"{ident}-corner-{k}", f"{ident}-corner-{k + 1}"
        g.edge(*ends, id=f"{ident}-{k}", tooltip=_escape(cycle.detail), **attrs)


def _escape(text: str) -> str:
    """Text as a Graphviz label shows it literally: control characters as spaces, backslashes doubled (DOT
    reads escapes in labels), quotes made single."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return text.replace("\\", "\\\\").replace('"', "'")


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")
