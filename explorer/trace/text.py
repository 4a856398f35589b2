"""Counterexamples as text a person reads top to bottom: numbered steps saying who did what, what was
sent, and only the variables that changed, each by the name a person reads (explorer.trace.parts: `now`,
`timers of Client`, never `_now` or `Client._timers`)."""

from __future__ import annotations

from typing import Any

from explorer.actions import Init
from explorer.semantics.system import SystemModel
from explorer.trace.itf import TraceInfo
from explorer.trace.parts import shown_name
from explorer.trace.path import Path
from explorer.trace.present import Presenter


def render(model: SystemModel, path: Path, info: TraceInfo) -> str:
    headline = (
        f"{info.kind} {info.property} is not inductive in model {info.model} of {info.spec} ({info.source}): "
        "a counterexample to induction, from a state that may be unreachable"
        if info.induction
        else f"{info.kind} {info.property} is VIOLATED in model {info.model} of {info.spec} ({info.source})"
    )
    lines = [
        headline,
        f"  {info.description}",
        f"model: {info.bounds}",
    ]
    if info.constants:
        lines.append("constants: " + ", ".join(f"{k} = {v}" for k, v in info.constants.items()))
    lines.append(f"counterexample: {path.length} step{'s' if path.length != 1 else ''}")
    lines.append("")
    present = Presenter(model)
    previous_state: Any = None
    previous_snapshot: dict[str, tuple[Any, str]] = {}
    for index, (action, state) in enumerate(path.steps):
        snapshot = present.snapshot(state)
        if index == 0:
            record = present.describe(state, action, state)
            lines.append(f"{index:>3}. {record['text']}")
            lines.extend(_sends(record))
            for name, (_, text) in snapshot.items():
                if name in ("_faults", "_partition") or (name == "_network" and text in ("[]", "{}")):
                    continue
                lines.append(f"       {shown_name(name)} = {text}")
        else:
            record = present.describe(previous_state, action, state)
            lines.append(f"{index:>3}. {record['text']}")
            lines.extend(_sends(record))
            for name, (_, text) in snapshot.items():
                old = previous_snapshot.get(name)
                if old is None or old[1] != text:
                    if name in ("_network", "_faults"):
                        continue  # sends and faults are already in the step's own line
                    was = old[1] if old is not None else "?"
                    lines.append(f"       {shown_name(name)}: {was} → {text}")
        previous_state, previous_snapshot = state, snapshot
    if path.failure is not None:
        action, error = path.failure
        index = len(path.steps)
        if previous_state is None:  # a failing start: the state before any `on start` ran
            assert isinstance(action, Init)
            previous_state = present.before_start(action)
            lines.append("     before the start handlers run:")
            lines.extend(
                f"       {shown_name(name)} = {text}"
                for name, (_, text) in present.snapshot(previous_state).items()
                if name not in ("_faults", "_partition", "_network")
            )
        record = present.describe(previous_state, action, None)
        lines.append(f"{index:>3}. {record['text']}")
        lines.append(f"       ✗ {error.message} ({info.source}:{error.span.line}:{error.span.column})")
    if path.loop is not None:
        lines.extend(_loop_lines(present, path))
    lines.append("")
    verdict = "FAILS AFTER THE LAST STEP" if info.induction else "VIOLATED"
    lines.append(f"{verdict}: {info.property} — {info.description}")
    unevaluable = (
        model.invariants.evaluation_error(path.last_state, info.property)
        if path.steps and path.failure is None
        else None
    )
    if unevaluable is not None:
        lines.append(
            f"  (it cannot be evaluated in the last state: {unevaluable.message}, "
            f"{info.source}:{unevaluable.span.line}:{unevaluable.span.column})"
        )
    return "\n".join(lines) + "\n"


def _sends(record: dict[str, Any]) -> list[str]:
    return [f"       → sends {s['message']} to {s['to']}" for s in record.get("sends", [])]


def _loop_lines(present: Presenter, path: Path) -> list[str]:
    """How a lasso goes round: the step back to where its cycle starts, or the last state repeating."""
    assert path.loop is not None
    last = path.steps[-1][1]
    if path.closing is None:
        return [
            f"  ↻ the run stays in state {len(path.steps) - 1} for ever: no step a fair run owes is enabled there"
        ]
    record = present.describe(last, path.closing, path.steps[path.loop][1])
    return [
        f"{len(path.steps):>3}. {record['text']}",
        *_sends(record),
        f"  ↻ back to state {path.loop}: steps {path.loop + 1}..{len(path.steps)} repeat for ever",
    ]
