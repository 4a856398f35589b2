"""What a message sequence chart shows, read from an ITF trace written by faultline: lanes, one row per
step, messages from the step that sent them to the step that received (or dropped) them, marks and
stretches on the lifelines (crashed, paused, cut off by a partition), the time and each node's clock, and
the variables each step changed — by the names the user wrote (`_clock`, `_timers` and other parts the
system keeps are shown as a clock reading, timers and marks, never by their internal names)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from explorer.trace.parts import shown_name


class ArrowKind(StrEnum):
    DELIVER = "deliver"
    DROP = "drop"
    IN_FLIGHT = "in_flight"
    BYZANTINE = "byzantine"


class StretchKind(StrEnum):
    PAUSED = "paused"
    CRASHED = "crashed"
    PARTITIONED = "partition"


@dataclass(frozen=True, slots=True)
class Arrow:
    src: str
    src_row: int
    dst: str
    dst_row: int  # for an arrow still in flight, the row past the last step
    message: str
    kind: ArrowKind


@dataclass(frozen=True, slots=True)
class Mark:
    lane: str
    row: int
    symbol: str
    what: str  # the fault: crash_stop, crash_recovery, recover, pause, resume, ntp


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of a lifeline, from one row to another (exclusive), in a state other than running."""

    lane: str
    start: int
    end: int
    kind: StretchKind
    detail: str = ""  # for a partition: whom the node cannot reach or hear
    group: int = 0  # for a partition: lanes with the same group are on the same side


@dataclass(frozen=True, slots=True)
class Cycle:
    """The rows a lasso goes round for ever: from `first` to `last`, then back to `first` (a run that stays
    in its last state has first == last)."""

    first: int
    last: int
    label: list[str]  # what its mark says
    detail: str  # how it closes, in words


@dataclass
class Chart:
    lanes: list[str]
    rows: list[str] = field(default_factory=list)  # step descriptions; row 0 is the initial state
    now: list[int | None] = field(default_factory=list)  # real time after each step, where there is one
    clocks: dict[str, list[int | None]] = field(default_factory=dict)  # lane -> clock after each step
    arrows: list[Arrow] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    stretches: list[Stretch] = field(default_factory=list)
    # lane, row -> the lines written beside the lane: initial values at row 0, then what each step changed
    changes: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    states: list[dict[str, dict[str, str]]] = field(default_factory=list)  # row -> lane -> var -> value
    errors: list[tuple[int, str]] = field(default_factory=list)
    byzantine: set[str] = field(default_factory=set)
    # (lane, row) where the lane itself does something: acts, sends, receives, crashes... (its event point)
    events: set[tuple[str, int]] = field(default_factory=set)
    cycle: Cycle | None = None  # a lasso's cycle
    verdict: str = ""
    title: str = ""

    @property
    def clocks_lie(self) -> bool:
        return bool(self.clocks)


_MARKS = {
    "crash_stop": "✗",
    "crash_recovery": "✗",
    "recover": "↻",
    "pause": "‖",
    "resume": "▶",
    "ntp": "⚡",
}


@dataclass
class _Send:
    src: str
    dst: str
    message: str
    row: int
    copies: int = 1  # a duplicated message is delivered once per copy


class _Reader:
    """Walks the trace's states once, building the chart."""

    def __init__(self, document: dict[str, Any]) -> None:
        meta = document.get("#meta", {})
        self.document = document
        self.states: list[dict[str, Any]] = document.get("states", [])
        self.chart = Chart(list(meta.get("nodes") or _lanes_from_vars(self.states)))
        self.consumes = meta.get("network") != "duplicating"
        self.pending: dict[tuple[str, str, str], deque[_Send]] = {}
        self.sent: dict[tuple[str, str, str], list[_Send]] = {}
        self.since: dict[tuple[str, StretchKind], int] = {}
        self.cut: list[tuple[str, str]] = []
        self.cut_since = 0
        c = self.chart
        verdict = f"VIOLATED: {meta.get('property', '?')} — {meta.get('description', '')}"
        c.verdict = str(meta.get("verdict", verdict))  # a path being explored says what holds at its end
        bounds = meta.get("bounds", "")
        c.title = f"{meta.get('spec', '')} / {meta.get('model', '')}" + (f": {bounds}" if bounds else "")

    def read(self) -> Chart:
        c = self.chart
        lanes = set(c.lanes)
        for lane in c.lanes:
            if self.states and self.states[0].get(f"{lane}._status") == "byzantine":
                c.byzantine.add(lane)
            if self.states and f"{lane}._clock" in self.states[0]:
                c.clocks[lane] = []
        previous: dict[str, dict[str, str]] = {}
        for row, state in enumerate(self.states):
            info = state.get("#meta", {})
            c.rows.append(str(info.get("text", info.get("action", ""))))
            now = state.get("_now")
            c.now.append(now if isinstance(now, int) else None)
            for lane, readings in c.clocks.items():
                reading = state.get(f"{lane}._clock")
                readings.append(reading if isinstance(reading, int) else None)
            self._event(row, info, lanes)
            values = _by_lane(state, c.lanes)
            c.states.append(values)
            for lane in c.lanes:
                before = previous.get(lane, {})
                lines = [
                    f"{name} = {value}" if row == 0 else f"{name}: {before.get(name, '?')} → {value}"
                    for name, value in values[lane].items()
                    if row == 0 or before.get(name) != value
                ]
                if lines:
                    c.changes[(lane, row)] = lines
            previous = values
            if "error" in info:
                c.errors.append((row, str(info["error"])))
        self._finish()
        self._lasso()
        for arrow in c.arrows:
            c.events.add((arrow.src, arrow.src_row))
            if arrow.kind in (ArrowKind.DELIVER, ArrowKind.BYZANTINE):
                c.events.add((arrow.dst, arrow.dst_row))
        return c

    def _lasso(self) -> None:
        """A lasso (a liveness counterexample) says where its cycle starts and how it closes; a run that
        stays in its last state for ever (no closing step) says so on that state's row."""
        c, last = self.chart, len(self.chart.rows) - 1
        loop = self.document.get("loop")
        if not isinstance(loop, int) or isinstance(loop, bool) or not 0 <= loop <= last:
            return
        closing = str(self.document.get("#meta", {}).get("closing", ""))
        if loop == last and closing.startswith("the run stays"):
            c.rows[last] = f"{c.rows[last]} ↻ {closing}"
            c.verdict += f" (a lasso: the run stays at step {last} for ever)"
            c.cycle = Cycle(loop, last, ["↻ stays", "for ever"], closing)
            return
        back = f"{closing}; back to step {loop}, for ever".replace(" ; ", "; ").removeprefix("; ")
        c.rows[loop] = f"↻ the cycle starts here. {c.rows[loop]}"
        c.rows[last] = f"{c.rows[last]} ↻ {back}"
        c.cycle = Cycle(loop, last, ["↻ repeats", "for ever"], back)
        c.verdict += f" (a lasso: from step {loop} on, round for ever)"

    def _event(self, row: int, info: dict[str, Any], lanes: set[str]) -> None:
        c = self.chart
        kind, actor, fault = info.get("action", ""), info.get("actor"), info.get("fault")
        if actor in lanes:
            c.events.add((str(actor), row))
        if kind in ("deliver", "inject") and actor in lanes:
            peer, message = str(info.get("peer", "")), str(info.get("message", ""))
            if kind == "inject":
                c.arrows.append(Arrow(peer, row, actor, row, message, ArrowKind.BYZANTINE))
            else:
                self._deliver(row, peer, actor, message)
        elif fault in ("drop", "duplicate"):
            src, dst = (info.get("link") or ["", ""])[:2]
            key = (src, dst, str(info.get("message", "")))
            queue = self.pending.get(key)
            if queue and fault == "drop":
                send = queue[0]
                c.arrows.append(Arrow(send.src, send.row, dst, row, key[2], ArrowKind.DROP))
                self._consume(queue)
            elif queue:
                queue[0].copies += 1
        elif fault == "partition":
            self._heal(row)
            self.cut = [(a, b) for a, b in info.get("cut", [])]
            self.cut_since = row
        elif fault == "heal":
            self._heal(row)
        if fault in _MARKS and actor in lanes:
            c.marks.append(Mark(actor, row, _MARKS[fault], fault))
            self._stretches(row, actor, fault)
        for send in info.get("sends", []):
            s = _Send(send["from"], send["to"], send["message"], row)
            self.pending.setdefault((s.src, s.dst, s.message), deque()).append(s)
            self.sent.setdefault((s.src, s.dst, s.message), []).append(s)

    def _deliver(self, row: int, src: str, dst: str, message: str) -> None:
        key = (src, dst, message)
        queue = self.pending.get(key)
        send = queue[0] if queue else None
        if send is None and self.sent.get(key):
            send = self.sent[key][-1]  # a message delivered again (a duplicating network)
        if send is not None:
            self.chart.arrows.append(Arrow(send.src, send.row, dst, row, message, ArrowKind.DELIVER))
            if self.consumes and queue:
                self._consume(queue)

    @staticmethod
    def _consume(queue: deque[_Send]) -> None:
        queue[0].copies -= 1
        if queue[0].copies == 0:
            queue.popleft()

    def _stretches(self, row: int, lane: str, fault: str) -> None:
        starts = {"pause": StretchKind.PAUSED, "crash_stop": StretchKind.CRASHED}
        starts["crash_recovery"] = StretchKind.CRASHED
        ends = {"resume": StretchKind.PAUSED, "recover": StretchKind.CRASHED}
        if fault in starts:
            self.since[(lane, starts[fault])] = row
        elif fault in ends and (lane, ends[fault]) in self.since:
            start = self.since.pop((lane, ends[fault]))
            self.chart.stretches.append(Stretch(lane, start, row, ends[fault]))

    def _heal(self, row: int) -> None:
        """Close the current partition's stretches at `row`: one per lane it cuts off, grouped by side."""
        if not self.cut:
            return
        groups: dict[tuple[frozenset[str], frozenset[str]], int] = {}
        for lane in self.chart.lanes:
            unreachable = frozenset(b for a, b in self.cut if a == lane)
            unheard = frozenset(a for a, b in self.cut if b == lane)
            if not unreachable and not unheard:
                continue
            group = groups.setdefault((unreachable, unheard), len(groups))
            detail = "; ".join(
                part
                for part in (
                    f"cannot reach {', '.join(sorted(unreachable))}" if unreachable else "",
                    f"cannot hear {', '.join(sorted(unheard))}" if unheard else "",
                )
                if part
            )
            self.chart.stretches.append(
                Stretch(lane, self.cut_since, row, StretchKind.PARTITIONED, f"{lane} {detail}", group)
            )
        self.cut = []

    def _finish(self) -> None:
        c = self.chart
        last = len(self.states)
        for queue in self.pending.values():
            for send in queue:
                for _ in range(send.copies):
                    c.arrows.append(
                        Arrow(send.src, send.row, send.dst, last, send.message, ArrowKind.IN_FLIGHT)
                    )
        for (lane, kind), since in self.since.items():
            c.stretches.append(Stretch(lane, since, last, kind))
        self._heal(last)


def chart(document: dict[str, Any]) -> Chart:
    """Read an ITF trace (checked by explorer.trace.schema: every node it names is one of its lanes)."""
    return _Reader(document).read()


def _by_lane(state: dict[str, Any], lanes: list[str]) -> dict[str, dict[str, str]]:
    """Each lane's user-facing variables as text, by the names the user wrote; armed timers as `timers`."""
    out: dict[str, dict[str, str]] = {lane: {} for lane in lanes}
    for name, value in state.items():
        lane, _, var = name.rpartition(".")
        if lane not in out:
            continue
        if var == "_timers":
            out[lane]["timers"] = show(value)
        elif not var.startswith("_"):
            out[lane][var] = show(value)
    return out


def readable(values: dict[str, Any]) -> dict[str, list[str]]:
    """A state's parts (ITF values by name) as the lines a user reads, keyed by part: variables by the
    names the user wrote, a node's status, clock and armed timers in words, each message in flight on a
    line of its own, the time, the partition and the faults spent — never `_network`, `_timers` and the
    other names the system keeps for them."""
    out: dict[str, list[str]] = {}
    for name, value in values.items():
        owner, _, part = name.rpartition(".")
        if name == "_network":
            out[name] = [f"in flight: {line}" for line in network_lines(value)] or ["nothing in flight"]
        elif name == "_gst":
            out[name] = ["GST: not yet" if isinstance(value, int) and value < 0 else f"GST at {show(value)}"]
        elif name in ("_now", "_partition", "_faults"):
            out[name] = [f"{shown_name(name)}: {show(value)}"]
        elif part == "_status":
            out[name] = [f"{owner} is {value}"]
        elif part in ("_clock", "_timers"):
            out[name] = [f"{shown_name(name)} = {show(value)}"]
        elif not part.startswith("_") and name != "#meta":
            out[name] = [f"{name} = {show(value)}"]
    return out


def network_lines(value: Any) -> list[str]:
    """The messages in flight of a trace state's `_network`, one line each: `Msg(f=1) A→B`."""
    records = value.get("#set", []) if isinstance(value, dict) else value
    out = []
    for record in records if isinstance(records, list) else []:
        fields = ", ".join(f"{f}={show(v)}" for f, v in record.get("fields", {}).items())
        message = f"{record.get('type', '?')}({fields})" if fields else str(record.get("type", "?"))
        out.append(f"{message} {record.get('src', '?')}→{record.get('dst', '?')}")
    return out


def _lanes_from_vars(states: list[dict[str, Any]]) -> list[str]:
    lanes: list[str] = []
    for name in states[0] if states else {}:
        if "." in name and not name.startswith("_"):
            lane = name.rsplit(".", 1)[0]
            if lane not in lanes:
                lanes.append(lane)
    return lanes


def show(value: Any) -> str:
    """An ITF value as the spec would write it."""
    if isinstance(value, dict):
        if "#set" in value:
            return "{" + ", ".join(show(v) for v in value["#set"]) + "}"
        if "#map" in value:
            return "{" + ", ".join(f"{show(k)}: {show(v)}" for k, v in value["#map"]) + "}"
        if "#tup" in value:
            return "(" + ", ".join(show(v) for v in value["#tup"]) + ")"
        if "tag" in value:
            return "none" if value["tag"] == "None" else show(value.get("value"))
        if "#bigint" in value:
            return str(value["#bigint"])
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return "?" if value is None else str(value)
