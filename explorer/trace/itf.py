"""Counterexamples in the Informal Trace Format (ADR-015 of Apalache), readable by Quint and Apalache
tooling: `{"#meta", "vars", "states": [{"#meta": {...}, var: value}]}`. Each state's #meta holds the
action that led to it, in words and as data (actor, message, fault)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from explorer.actions import Init
from explorer.semantics.system import SystemModel
from explorer.trace.path import Path
from explorer.trace.present import Presenter

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


@dataclass(frozen=True)
class TraceInfo:
    """What a counterexample is of: it goes in the ITF's top-level #meta and in the text's header."""

    spec: str
    source: str
    model: str
    property: str
    kind: str
    description: str
    bounds: str
    constants: dict[str, Any]
    induction: bool = False  # a counterexample to induction: its first state need not be reachable


def to_itf(model: SystemModel, path: Path, info: TraceInfo) -> dict[str, Any]:
    present = Presenter(model)
    states: list[dict[str, Any]] = []
    previous: Any = None
    for index, (action, state) in enumerate(path.steps):
        record = present.describe(previous if previous is not None else state, action, state)
        snapshot = present.snapshot(state)
        states.append({"#meta": {"index": index, **record}, **{k: v[0] for k, v in snapshot.items()}})
        previous = state
    if path.failure is not None:
        action, error = path.failure
        # a failing start is shown from the state before any `on start` ran
        if path.steps:
            base = path.steps[-1][1]
        else:
            assert isinstance(action, Init)
            base = present.before_start(action)
        record = present.describe(base, action, None)
        snapshot = present.snapshot(base)
        meta = {
            "index": len(states),
            **record,
            "error": error.message,
            "violates": error.prop,
            "at": f"{info.source}:{error.span.line}:{error.span.column}",
        }
        states.append({"#meta": meta, **{k: v[0] for k, v in snapshot.items()}})
    variables = [k for k in states[0] if k != "#meta"] if states else []
    lasso: dict[str, Any] = {}
    if path.loop is not None:
        last = path.steps[-1][1]
        back = path.steps[path.loop][1]
        closing = (
            present.describe(last, path.closing, back)["text"]
            if path.closing is not None
            else "the run stays in the last state for ever: no step a fair run owes is enabled there"
        )
        lasso = {"loop": path.loop, "closing": closing}
    document: dict[str, Any] = {
        "#meta": {
            "format": "ITF",
            "format-description": FORMAT_DESCRIPTION,
            "source": info.source,
            "spec": info.spec,
            "model": info.model,
            "property": info.property,
            "kind": info.kind,
            "description": info.description,
            "bounds": info.bounds,
            "constants": info.constants,
            "length": path.length,
            "counterexample_to_induction": info.induction,
            "nodes": [inst.name for inst in model.system.instances],
            "network": model.system.model.network.ordering,
            "generator": "faultline",
            **lasso,
        },
        "vars": variables,
        "states": states,
    }
    if path.loop is not None:
        document["loop"] = path.loop  # ITF's own field: the state the last one goes back to
    return document


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def state_values(state: dict[str, Any]) -> dict[str, Any]:
    """A trace state without its #meta, for comparison."""
    return {k: v for k, v in state.items() if k != "#meta"}
