"""Where everything of a sequence chart goes: a grid of columns (step descriptions, time, one per lane) and
rows (one per step), sized to what they hold, so that no two pieces of text can meet, and spaced further
where an arrow would otherwise pass through another lane's event point (explorer.render.clearance).

Every row has an event line: arrows leave and reach the lifelines there, marks sit on it, the step's
description and the time start on it. Below it, beside each lifeline, the lane's cell stacks what that
node did in the step: its clock reading, the messages it sent (each naming its receiver) and the variables
that changed. Text is wrapped to its column, never cut; a cell never reaches into the next lane's column,
and the room left of each lifeline is kept for its marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer.render.chart import Arrow, ArrowKind, Chart
from explorer.render.clearance import spread
from explorer.render.measure import Box, height, width, wrap

STEP_SIZE = 10.0
CELL_SIZE = 8.5
HEAD_SIZE = 10.0
MARK_SIZE = 11.0
TITLE_SIZE = 12.0
STEP_WIDTH = 270.0  # the step descriptions wrap at this width
CELL_WIDTH = 200.0  # a lane's notes wrap at this width
LANE_MIN = 110.0  # the least distance between two lifelines
MARK_ROOM = 22.0  # room kept left of each lifeline for its marks
PAD = 12.0
GAP = 2.0  # between stacked texts
ROW_GAP = 10.0  # between a row's last text and the next event line
CYCLE_ROOM = 22.0  # from a lasso's label to the step descriptions: its bracket goes between

INK = "#212121"
GREY = "#757575"
BLUE = "#1565c0"
RED = "#c62828"
PURPLE = "#6a1b9a"


@dataclass
class Text:
    """A block of text placed on the page: its lines, left-aligned in `box`."""

    ident: str
    lines: list[str]
    size: float
    box: Box
    color: str = INK
    tooltip: str = ""
    centred: bool = False
    fill: str = ""


@dataclass
class Layout:
    chart: Chart
    texts: list[Text] = field(default_factory=list)
    lane_x: dict[str, float] = field(default_factory=dict)
    row_y: list[float] = field(default_factory=list)  # the event line of each row, and one past the last
    time_x: float | None = None
    width: float = 0.0
    height: float = 0.0
    head_y: float = 0.0
    step_x: float = PAD  # where the step descriptions start (a lasso's mark is left of them)
    cycle_mark: tuple[float, float, float] | None = None  # a lasso's bracket: its x, top and bottom


def labels(c: Chart) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """(lane, row) -> (text, colour) of each message the lane sent in that row, one line per message with
    every receiver named (and what became of it, when it was not received)."""
    grouped: dict[tuple[str, int, str, ArrowKind], list[Arrow]] = {}
    for arrow in c.arrows:
        kind = ArrowKind.BYZANTINE if arrow.kind == ArrowKind.BYZANTINE else ArrowKind.DELIVER
        grouped.setdefault((arrow.src, arrow.src_row, arrow.message, kind), []).append(arrow)
    out: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for (src, row, message, kind), arrows in grouped.items():
        receivers: list[str] = []
        for a in arrows:
            fate = {ArrowKind.DROP: " (dropped)", ArrowKind.IN_FLIGHT: " (in flight)"}.get(a.kind, "")
            if a.dst + fate not in receivers:
                receivers.append(a.dst + fate)
        if kind == ArrowKind.BYZANTINE:
            out.setdefault((src, row), []).append((f"⚠ {message} → {', '.join(receivers)}", RED))
        else:
            out.setdefault((src, row), []).append((f"{message} → {', '.join(receivers)}", BLUE))
    return out


def _clock_line(c: Chart, lane: str, row: int) -> tuple[str, str] | None:
    readings = c.clocks.get(lane)
    if not readings or readings[row] is None:
        return None
    if row > 0 and readings[row - 1] == readings[row]:
        return None
    reading, now = readings[row], c.now[row]
    if now is not None and reading != now:
        return (f"clock {reading} (now {now})", PURPLE)
    return (f"clock {reading}", GREY)


def _cell(c: Chart, lane: str, row: int, sent: list[tuple[str, str]]) -> list[tuple[str, list[str], str]]:
    """What the lane's cell of a row holds: (id, wrapped lines, colour) per block, top to bottom."""
    i = c.lanes.index(lane)
    blocks: list[tuple[str, list[str], str]] = []
    clock = _clock_line(c, lane, row)
    if clock is not None:
        blocks.append((f"clock-{i}-{row}", [clock[0]], clock[1]))
    for k, (text, colour) in enumerate(sent):
        blocks.append((f"label-{i}-{row}-{k}", wrap(text, CELL_SIZE, CELL_WIDTH), colour))
    changed = c.changes.get((lane, row), [])
    if changed:
        lines = [line for change in changed for line in wrap(change, CELL_SIZE, CELL_WIDTH, "    ")]
        blocks.append((f"vars-{i}-{row}", lines, INK if row else GREY))
    return blocks


def _block_size(lines: list[str], size: float) -> tuple[float, float]:
    return max(width(line, size) for line in lines), height(len(lines), size) + 1.0


def lay_out(c: Chart) -> Layout:
    out = Layout(c)
    sent = labels(c)
    n = len(c.rows)
    cells = {
        (lane, row): _cell(c, lane, row, sent.get((lane, row), [])) for lane in c.lanes for row in range(n)
    }
    steps = [wrap(f"{row}. {text}", STEP_SIZE, STEP_WIDTH, "     ") for row, text in enumerate(c.rows)]
    for row, message in c.errors:
        steps[row] += wrap(f"✗ {message}", STEP_SIZE, STEP_WIDTH, "   ")
    heads = [_head_lines(c, lane) for lane in c.lanes]
    _columns(out, cells, steps, heads)
    y = _heads(out, heads)
    for row in range(n):
        out.row_y.append(y)
        y += _row_height(c, row, cells, steps)
    out.row_y.append(y)  # where messages still in flight end
    out.row_y = spread(c, out.lane_x, out.row_y)
    _rows(out, cells, steps)
    _cycle_mark(out)
    _verdict(out, out.row_y[-1] + PAD)
    return out


def _columns(
    out: Layout,
    cells: dict[tuple[str, int], list[tuple[str, list[str], str]]],
    steps: list[list[str]],
    heads: list[list[str]],
) -> None:
    """Where the time column and each lifeline go, and the chart's width: each lane's column as wide as
    what its cells need, its head, and its neighbour's head."""
    c = out.chart
    if c.cycle is not None:  # room for the cycle's mark: its label, then its bracket
        out.step_x = PAD + _block_size(c.cycle.label, CELL_SIZE)[0] + CYCLE_ROOM
    step_w = max((_block_size(lines, STEP_SIZE)[0] for lines in steps), default=0.0)
    x = out.step_x + step_w + PAD
    if any(now is not None for now in c.now):
        out.time_x = x + 14
        x += 40
    head_w = [_block_size(h, HEAD_SIZE)[0] + 12 for h in heads]
    x += MARK_ROOM + head_w[0] / 2 if c.lanes else 0
    for k, lane in enumerate(c.lanes):
        out.lane_x[lane] = x
        need = max(
            (
                _block_size(lines, CELL_SIZE)[0]
                for row in range(len(steps))
                for _, lines, _ in cells[(lane, row)]
            ),
            default=0.0,
        )
        column = max(need + 8 + MARK_ROOM, LANE_MIN)
        if k + 1 < len(c.lanes):
            column = max(column, (head_w[k] + head_w[k + 1]) / 2 + 12)
        x += column
    out.width = x - MARK_ROOM + PAD if c.lanes else x


def _heads(out: Layout, heads: list[list[str]]) -> float:
    """The title and the lanes' heads; returns where the first row's event line goes."""
    c = out.chart
    title = wrap(c.title, TITLE_SIZE, max(out.width - 2 * PAD, 200.0))
    y = PAD
    out.texts.append(_text("title", title, TITLE_SIZE, PAD, y, INK))
    y += height(len(title), TITLE_SIZE) + 2 + PAD
    head_h = max((_block_size(h, HEAD_SIZE)[1] for h in heads), default=0.0) + 8
    out.head_y = y + head_h / 2
    for lane, lines in zip(c.lanes, heads, strict=True):
        bw, bh = _block_size(lines, HEAD_SIZE)
        box = Box(out.lane_x[lane] - (bw + 12) / 2, out.head_y - (bh + 8) / 2, bw + 12, bh + 8)
        text = Text(f"lane-{_slug(lane)}", lines, HEAD_SIZE, box, centred=True)
        text.fill = "#ffcdd2" if lane in c.byzantine else "#e3f2fd"
        out.texts.append(text)
    if out.time_x is not None:
        out.texts.append(_text("time-head", ["now"], STEP_SIZE, out.time_x - 8, out.head_y - 6, GREY))
    return y + head_h + PAD + MARK_SIZE


def _row_height(
    c: Chart, row: int, cells: dict[tuple[str, int], list[tuple[str, list[str], str]]], steps: list[list[str]]
) -> float:
    """From a row's event line to the next one's: room for its step description and each lane's cell."""
    bottom = height(len(steps[row]), STEP_SIZE) - height(1, STEP_SIZE) / 2
    for lane in c.lanes:
        cell_y = MARK_SIZE * 0.6 + GAP
        for _, lines, _ in cells[(lane, row)]:
            cell_y += _block_size(lines, CELL_SIZE)[1] + GAP
        bottom = max(bottom, cell_y)
    return max(bottom + ROW_GAP, 30.0)


def _rows(
    out: Layout, cells: dict[tuple[str, int], list[tuple[str, list[str], str]]], steps: list[list[str]]
) -> None:
    """Each row's texts, from its event line down: the step, the time, and each lane's cell."""
    c = out.chart
    for row, y in enumerate(out.row_y[:-1]):
        top = y - height(1, STEP_SIZE) / 2
        out.texts.append(_text(f"step-{row}", steps[row], STEP_SIZE, out.step_x, top, INK))
        now = c.now[row] if row < len(c.now) else None
        if now is not None and out.time_x is not None:
            changed = row == 0 or c.now[row - 1] != now
            colour = INK if changed else "#bdbdbd"
            out.texts.append(_text(f"now-{row}", [str(now)], STEP_SIZE, out.time_x, top, colour))
        for lane in c.lanes:
            cell_y = y + MARK_SIZE * 0.6 + GAP
            for ident, lines, colour in cells[(lane, row)]:
                text = _text(ident, lines, CELL_SIZE, out.lane_x[lane] + 8, cell_y, colour)
                out.texts.append(text)
                cell_y = text.box.bottom + GAP


def _cycle_mark(out: Layout) -> None:
    """A lasso's cycle as a bracket left of its rows' descriptions, from just above the first row's event
    line to just below the last row's texts (clear of the rows around it), labelled beside it."""
    cycle = out.chart.cycle
    if cycle is None:
        return
    top = out.row_y[cycle.first] - height(1, STEP_SIZE) / 2 - 2
    bottom = out.row_y[cycle.last + 1] - ROW_GAP + 3  # below the row's texts, above the next row's marks
    x = out.step_x - CYCLE_ROOM + 6
    out.cycle_mark = (x, top, bottom)
    w, h = _block_size(cycle.label, CELL_SIZE)
    box = Box(x - 4 - w, (top + bottom - h) / 2, w, h)
    out.texts.append(Text("cycle-label", cycle.label, CELL_SIZE, box, RED, tooltip=cycle.detail))


def _verdict(out: Layout, y: float) -> None:
    c = out.chart
    verdict = wrap(c.verdict, 12.0, max(out.width - 2 * PAD - 16, 200.0))
    vw, vh = _block_size(verdict, 12.0)
    middle = (out.lane_x[c.lanes[0]] + out.lane_x[c.lanes[-1]]) / 2 if c.lanes else out.width / 2
    left = min(max(PAD, middle - (vw + 16) / 2), max(PAD, out.width - PAD - vw - 16))
    box = Box(left, y, vw + 16, vh + 10)
    if c.verdict.startswith("VIOLATED"):
        out.texts.append(Text("verdict", verdict, 12.0, box, RED, centred=True, fill="#ffebee"))
    else:  # a path being explored that violates nothing
        out.texts.append(Text("verdict", verdict, 12.0, box, GREY, centred=True, fill="#f5f5f5"))
    out.width = max(out.width, box.right + PAD)
    out.height = box.bottom + PAD


def _head_lines(c: Chart, lane: str) -> list[str]:
    return [lane, "(Byzantine)"] if lane in c.byzantine else [lane]


def _text(ident: str, lines: list[str], size: float, x: float, y: float, colour: str) -> Text:
    w, h = _block_size(lines, size)
    return Text(ident, lines, size, Box(x, y, w, h), colour)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")
