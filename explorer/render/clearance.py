"""Rows of a sequence chart spaced so that no message arrow passes through the event point of a lane it
crosses (the point where that node acts, sends or receives): an arrow through it reads as if it went
through that node. Where a straight arrow would pass too near one, room is added just above or just below
a row — wherever it moves the crossing clear of the point with the least added height — and the rows are
checked again, until no arrow meets a point it does not start or end at.
"""

from __future__ import annotations

import math

from explorer.render.chart import Arrow, ArrowKind, Chart

CLEAR = 9.0  # the least distance, in points, from an arrow to an event point it passes
_ROUNDS = 500  # enough for any chart a person reads; the spacing only ever grows, so it ends


def arrow_ends(
    arrow: Arrow, lane_x: dict[str, float], row_y: list[float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where an arrow starts and ends: a dropped message ends halfway to its receiver, where it was lost."""
    start = (lane_x[arrow.src], row_y[arrow.src_row])
    x = lane_x[arrow.dst]
    if arrow.kind == ArrowKind.DROP:
        x = (start[0] + x) / 2
    return start, (x, row_y[arrow.dst_row])


def spread(c: Chart, lane_x: dict[str, float], row_y: list[float]) -> list[float]:
    """`row_y` (each row's event line, and one past the last) with room added where an arrow would pass
    through an event point of a lane it crosses."""
    ys = list(row_y)
    for _ in range(_ROUNDS):
        push = _first_push(c, lane_x, ys)
        if push is None:
            break
        row, by = push
        ys[row:] = [y + by for y in ys[row:]]
    return ys


def _first_push(c: Chart, lane_x: dict[str, float], ys: list[float]) -> tuple[int, float] | None:
    """The first arrow that passes too near an event point: from which row on to move the rows down, and
    by how much, to clear it."""
    for arrow in c.arrows:
        (x0, y0), (x1, y1) = arrow_ends(arrow, lane_x, ys)
        if y0 == y1 or x0 == x1:
            continue  # a level arrow crosses the lanes between on its own row, where none of them acts
        length = math.hypot(x1 - x0, y1 - y0)
        for lane, row in sorted(c.events, key=lambda e: (e[1], c.lanes.index(e[0]))):
            x = lane_x[lane]
            if lane in (arrow.src, arrow.dst) or not min(x0, x1) < x < max(x0, x1):
                continue
            t = (x - x0) / (x1 - x0)
            gap = ys[row] - (y0 + t * (y1 - y0))  # the point below the crossing (> 0) or above it
            if abs(gap) * abs(x1 - x0) / length >= CLEAR:
                continue
            need = CLEAR * length / abs(x1 - x0) + 1.0  # the vertical gap that clears the point
            push = _cheapest(arrow, row, t, gap, need, len(ys))
            if push is not None:
                return push
    return None


def _cheapest(
    arrow: Arrow, row: int, t: float, gap: float, need: float, rows: int
) -> tuple[int, float] | None:
    """The least push that clears the point: moving every row from `first` on down by `by` moves the
    point by `by` if its row moves, and the crossing by the share of `by` its two ends move."""
    best: tuple[int, float] | None = None
    for first in {arrow.src_row + 1, row, row + 1, arrow.dst_row}:
        if not 0 < first < rows:
            continue
        moves = float(row >= first) - (1 - t) * (arrow.src_row >= first) - t * (arrow.dst_row >= first)
        if abs(moves) < 1e-9:
            continue
        by = (need - gap) / moves if moves > 0 else (need + gap) / -moves
        if by > 0 and (best is None or by < best[1]):
            best = (first, by)
    return best
