"""A counterexample (an ITF trace written by faultline) as a message sequence chart, in Graphviz.

One lane per node instance, time flowing down, one row per step. Every send is an arrow from the row
where it was sent to the row where it was delivered; a dropped message ends in a cross, a duplicated one
is drawn once per delivery, a message still in flight at the end is left dangling. Crashes, recoveries,
pauses (a shaded stretch of the lane), NTP steps, partitions and GST are marked on the lanes or beside the
rows; the variables a step changed are written next to the node that changed; the violated property is
stated at the bottom.

The picture is laid out on a fixed grid (every node has a pinned position) and drawn by `neato -n2`.
Element ids in the SVG say what each element is (`lane-…`, `msg-…`, `mark-…`, `step-…`), for tests and
for the HTML report.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import graphviz

LANE_GAP = 190  # points between lanes
ROW_GAP = 46  # points between steps
LEFT = 340  # width of the column of step descriptions
TOP = 30

_MARKS = {
    "crash_stop": ("✗", "#c62828"),
    "crash_recovery": ("✗", "#c62828"),
    "recover": ("↻", "#2e7d32"),
    "pause": ("‖", "#616161"),
    "resume": ("▶", "#616161"),
    "ntp": ("NTP", "#6a1b9a"),
}


@dataclass
class _Send:
    src: str
    dst: str
    message: str
    row: int
    copies: int = 1  # a duplicated message is delivered once per copy


@dataclass
class Chart:
    """What the chart shows, as data (the DOT graph is built from it)."""

    lanes: list[str]
    rows: list[str] = field(default_factory=list)  # step descriptions; row 0 is the initial state
    arrows: list[tuple[str, int, str, int, str, str]] = field(
        default_factory=list
    )  # src,row,dst,row,label,kind
    marks: list[tuple[str, int, str, str]] = field(default_factory=list)  # lane, row, symbol, what
    notes: list[tuple[int, str]] = field(default_factory=list)  # row, text (partitions, GST, errors)
    changes: list[tuple[str, int, list[str]]] = field(default_factory=list)  # lane, row, changed vars
    paused: list[tuple[str, int, int]] = field(default_factory=list)  # lane, from row, to row
    verdict: str = ""


def chart(document: dict[str, Any]) -> Chart:
    """Read an ITF trace (checked by explorer.trace.schema: every node it names is one of its lanes) into
    what its chart shows."""
    meta = document.get("#meta", {})
    states: list[dict[str, Any]] = document.get("states", [])
    lanes = list(meta.get("nodes") or _lanes_from_vars(states))
    consumes = meta.get("network") != "duplicating"
    out = Chart(lanes)
    pending: dict[tuple[str, str, str], deque[_Send]] = {}
    sent: dict[tuple[str, str, str], list[_Send]] = {}
    paused_since: dict[str, int] = {}
    previous: dict[str, Any] = {}
    for row, state in enumerate(states):
        info = state.get("#meta", {})
        kind = info.get("action", "")
        out.rows.append(info.get("text", kind))
        actor = info.get("actor")
        fault = info.get("fault")
        if kind in ("deliver", "inject") and actor in lanes:
            peer, message = info.get("peer", ""), info.get("message", "")
            key = (peer, actor, message)
            if kind == "inject":
                out.arrows.append((peer, row, actor, row, message, "byzantine"))
            else:
                queue = pending.get(key)
                send = queue[0] if queue else None
                if send is None and sent.get(key):
                    send = sent[key][-1]  # a message delivered again (a duplicating network)
                if send is not None:
                    out.arrows.append((send.src, send.row, actor, row, message, "deliver"))
                    if consumes and queue:
                        send.copies -= 1
                        if send.copies == 0:
                            queue.popleft()
        elif fault in ("drop", "duplicate"):
            src, dst = (info.get("link") or ["", ""])[:2]
            key = (src, dst, info.get("message", ""))
            queue = pending.get(key)
            if queue:
                if fault == "drop":
                    send = queue[0]
                    out.arrows.append((send.src, send.row, dst, row, key[2], "drop"))
                    send.copies -= 1
                    if send.copies == 0:
                        queue.popleft()
                else:
                    queue[0].copies += 1
            out.notes.append((row, f"network {'drops' if fault == 'drop' else 'duplicates'} {key[2]}"))
        elif fault in ("partition", "heal"):
            out.notes.append((row, info.get("text", fault)))
        elif fault == "gst":
            out.notes.append((row, "GST: the bounds hold from here on"))
        if fault in _MARKS and actor in lanes:
            symbol = _MARKS[fault][0]
            label = f"{symbol}→{info['clock']}" if fault == "ntp" and "clock" in info else symbol
            out.marks.append((actor, row, label, fault))
            if fault == "pause":
                paused_since[actor] = row
            elif fault == "resume" and actor in paused_since:
                out.paused.append((actor, paused_since.pop(actor), row))
        for send in info.get("sends", []):
            s = _Send(send["from"], send["to"], send["message"], row)
            pending.setdefault((s.src, s.dst, s.message), deque()).append(s)
            sent.setdefault((s.src, s.dst, s.message), []).append(s)
        if "error" in info:
            out.notes.append((row, f"✗ {info['error']}"))
        values = {k: v for k, v in state.items() if k != "#meta"}
        if row > 0:
            for lane in lanes:
                changed = [
                    f"{name[len(lane) + 1 :]}: {_show(previous.get(name))} → {_show(value)}"
                    for name, value in values.items()
                    if name.startswith(lane + ".")
                    and previous.get(name) != value
                    and not name.endswith(("._mono", "._status"))  # the marks show a node's status
                ]
                if changed:
                    out.changes.append((lane, row, changed))
        previous = values
    last = len(states)
    for queue in pending.values():
        for send in queue:
            for _ in range(send.copies):
                out.arrows.append((send.src, send.row, send.dst, last, send.message, "in_flight"))
    for lane, since in paused_since.items():
        out.paused.append((lane, since, last))
    out.verdict = f"VIOLATED: {meta.get('property', '?')} — {meta.get('description', '')}"
    loop = document.get("loop")
    if isinstance(loop, int) and 0 <= loop < last:  # a lasso: where its cycle starts, and how it closes
        out.notes.append((loop, "↻ the cycle starts here"))
        out.notes.append((last - 1, f"↻ {meta.get('closing', '')}; back to step {loop}, for ever"))
        out.verdict += f" (a lasso: from step {loop} on, round for ever)"
    return out


def to_dot(document: dict[str, Any]) -> graphviz.Digraph:
    c = chart(document)
    meta = document.get("#meta", {})
    n_rows = len(c.rows)
    g = graphviz.Digraph(
        "sequence",
        engine="neato",
        graph_attr={
            "splines": "line",
            "outputorder": "edgesfirst",
            "fontname": "DejaVu Sans",
            "bgcolor": "white",
            "label": _clip(
                f"{meta.get('spec', '')} / {meta.get('model', '')}: {meta.get('bounds', '')}", 200
            ),
            "labelloc": "t",
            "fontsize": "14",
        },
        node_attr={"fontname": "DejaVu Sans", "fontsize": "10"},
        edge_attr={"fontname": "DejaVu Sans", "fontsize": "9"},
    )

    def x_of(lane: str) -> float:
        return LEFT + LANE_GAP * c.lanes.index(lane)

    def y_of(row: int) -> float:
        return -(TOP + ROW_GAP * (row + 1))

    def pos(x: float, y: float) -> str:
        return f"{x:.1f},{y:.1f}!"

    def cell(lane: str, row: int) -> str:
        return f"cell-{c.lanes.index(lane)}-{row}"

    # lane heads and lane lines; a paused stretch of a lane is shaded
    paused = {(lane, row) for lane, start, end in c.paused for row in range(start, end)}
    for lane in c.lanes:
        g.node(
            f"lane-{c.lanes.index(lane)}",
            lane,
            id=f"lane-{_slug(lane)}",
            shape="box",
            style="rounded,filled",
            fillcolor="#e3f2fd",
            pos=pos(x_of(lane), -TOP / 2),
        )
        for row in range(n_rows + 1):
            g.node(
                cell(lane, row),
                "",
                shape="point",
                width="0.04",
                color="#9e9e9e",
                pos=pos(x_of(lane), y_of(row)),
            )
        g.edge(f"lane-{c.lanes.index(lane)}", cell(lane, 0), arrowhead="none", color="#bdbdbd")
        for row in range(n_rows):
            if (lane, row) in paused:
                g.edge(
                    cell(lane, row),
                    cell(lane, row + 1),
                    arrowhead="none",
                    color="#9e9e9e",
                    penwidth="7",
                    id=f"pause-{_slug(lane)}-{row}",
                )
            else:
                g.edge(cell(lane, row), cell(lane, row + 1), arrowhead="none", color="#bdbdbd")
    # step descriptions
    for row, text in enumerate(c.rows):
        g.node(
            f"step-{row}",
            f"{row}. {_clip(text, 58)}\\l",
            id=f"step-{row}",
            shape="plaintext",
            pos=pos(LEFT / 2 - 10, y_of(row)),
            width=str(LEFT / 72 - 0.4),
            fontsize="10",
        )
    # arrows
    for k, (src, src_row, dst, dst_row, label, kind) in enumerate(c.arrows):
        ident = f"msg-{kind}-{k}"
        if kind == "drop":
            x = (x_of(src) + x_of(dst)) / 2
            g.node(
                f"drop-{k}",
                "✕",
                shape="plaintext",
                fontcolor="#c62828",
                fontsize="18",
                pos=pos(x, y_of(dst_row)),
                id=f"mark-drop-{k}",
            )
            g.edge(
                cell(src, src_row),
                f"drop-{k}",
                label=_clip(label, 80),
                arrowhead="none",
                color="#c62828",
                style="dashed",
                fontcolor="#c62828",
                id=ident,
            )
        elif kind == "in_flight":
            # still travelling: the arrow stops three quarters of the way to its receiver
            g.node(
                f"dangling-{k}",
                "",
                shape="point",
                width="0.01",
                style="invis",
                pos=pos(x_of(src) + 0.75 * (x_of(dst) - x_of(src)), y_of(dst_row)),
            )
            g.edge(
                cell(src, src_row),
                f"dangling-{k}",
                label=_clip(f"{label} (in flight)", 80),
                arrowhead="open",
                style="dotted",
                color="#757575",
                id=ident,
            )
        elif kind == "byzantine":
            g.edge(
                cell(src, src_row),
                cell(dst, dst_row),
                label=_clip(f"{label} (Byzantine)", 80),
                color="#b71c1c",
                fontcolor="#b71c1c",
                penwidth="1.6",
                id=ident,
            )
        else:
            g.edge(cell(src, src_row), cell(dst, dst_row), label=_clip(label, 80), color="#1565c0", id=ident)
    # marks on lanes
    for k, (lane, row, symbol, what) in enumerate(c.marks):
        color = _MARKS.get(what, ("", "#000000"))[1]
        g.node(
            f"mark-{k}",
            symbol,
            shape="plaintext",
            fontcolor=color,
            fontsize="16",
            pos=pos(x_of(lane) - 16, y_of(row)),
            id=f"mark-{what}-{_slug(lane)}-{row}",
        )
    # changed variables, beside their node
    for k, (lane, row, changed) in enumerate(c.changes):
        text = "\\l".join(_clip(line, 30) for line in changed[:4]) + (
            "\\l…\\l" if len(changed) > 4 else "\\l"
        )
        g.node(
            f"vars-{k}",
            text,
            shape="plaintext",
            fontsize="8",
            fontcolor="#424242",
            pos=pos(x_of(lane) + LANE_GAP / 2 - 10, y_of(row) - 4 * min(len(changed), 5)),
            id=f"vars-{_slug(lane)}-{row}",
        )
    # notes: partitions, GST, drops, errors
    right = LEFT + LANE_GAP * max(len(c.lanes) - 1, 0) + LANE_GAP * 0.9
    for k, (row, text) in enumerate(c.notes):
        g.node(
            f"note-{k}",
            _clip(text, 60),
            shape="note",
            style="filled",
            fillcolor="#fff8e1",
            fontsize="9",
            pos=pos(right + 90, y_of(row)),
            id=f"note-{row}-{k}",
        )
    g.node(
        "verdict",
        _wrap(c.verdict, 100),
        id="verdict",
        shape="box",
        style="filled",
        fillcolor="#ffebee",
        fontcolor="#b71c1c",
        fontsize="12",
        pos=pos(LEFT + LANE_GAP * (len(c.lanes) - 1) / 2, y_of(n_rows + 1)),
    )
    return g


def _lanes_from_vars(states: list[dict[str, Any]]) -> list[str]:
    lanes: list[str] = []
    for name in states[0] if states else {}:
        if "." in name and not name.startswith("_"):
            lane = name.rsplit(".", 1)[0]
            if lane not in lanes:
                lanes.append(lane)
    return lanes


def _show(value: Any) -> str:
    if isinstance(value, dict):
        if "#set" in value:
            return "{" + ", ".join(_show(v) for v in value["#set"]) + "}"
        if "#map" in value:
            return "{" + ", ".join(f"{_show(k)}: {_show(v)}" for k, v in value["#map"]) + "}"
        if "#tup" in value:
            return "(" + ", ".join(_show(v) for v in value["#tup"]) + ")"
        if "tag" in value:
            return "none" if value["tag"] == "None" else _show(value.get("value"))
        if "#bigint" in value:
            return str(value["#bigint"])
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return "?" if value is None else str(value)


def _clip(text: str, width: int) -> str:
    """Text as a Graphviz label shows it literally, cut to `width`: control characters as spaces, backslashes
    doubled (DOT reads escapes in labels), quotes made single, and never `<…>` (Graphviz's HTML labels)."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    text = text if len(text) <= width else text[: width - 1] + "…"
    text = text.replace("\\", "\\\\").replace('"', "'")
    return text + " " if text.startswith("<") and text.endswith(">") else text


def _wrap(text: str, width: int) -> str:
    """Long text broken into centred lines of at most about `width` characters."""
    words = _clip(text, 10 * width).split(" ")
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")
