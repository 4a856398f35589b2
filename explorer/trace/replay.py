"""`faultline replay`: re-execute an ITF trace against a spec, step by step, and say whether it reaches
the violation it claims, or where it departs from the spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from explorer.model import State
from explorer.semantics.system import SystemModel
from explorer.trace.itf import state_values
from explorer.trace.schema import TraceFormatError, instantiate, validate
from spec import CheckedSpec


@dataclass
class ReplayResult:
    reaches_violation: bool
    message: str
    departs_at: int | None = None  # index of the first trace state the spec cannot reach


def replay(document: dict[str, Any], checked: CheckedSpec) -> ReplayResult:
    validate(document)  # again, for callers that did not read it with explorer.trace.schema.read: it is cheap
    meta, states = document["#meta"], document["states"]
    prop = meta["property"]
    system = instantiate(document, checked)
    model = SystemModel(system, None, deadlock=prop == "deadlock_free")
    names = {p.name for p in model.properties}
    if prop not in names:
        raise TraceFormatError(
            f"#meta.property: the trace claims a violation of {prop!r}, which spec {checked.name} does not have"
        )

    def matches(state: State, wanted: dict[str, Any]) -> bool:
        return {k: v[0] for k, v in model.snapshot(state).items()} == state_values(wanted)

    def text_of(entry: dict[str, Any]) -> str:
        return str(entry.get("#meta", {}).get("text", ""))

    current: State | None = None
    for _, state in model.init_states():
        if matches(state, states[0]):
            current = state
            break
    if current is None:
        return ReplayResult(False, "state 0 is not an initial state of the spec", 0)
    failing = states[-1].get("#meta", {}).get("error") is not None
    steps = states[1:-1] if failing else states[1:]
    for index, wanted in enumerate(steps, start=1):
        successors, _ = model.successors(current)
        candidates = [(a, s) for a, s in successors if matches(s, wanted)]
        if not candidates:
            return ReplayResult(
                False,
                f"the trace departs from the spec at step {index} ({text_of(wanted)}): no step of the spec "
                f"leads from state {index - 1} to state {index}",
                index,
            )
        # Prefer the step the trace names; any step reaching the same state is as good.
        named = [c for c in candidates if model.describe(current, c[0], c[1])["text"] == text_of(wanted)]
        current = (named or candidates)[0][1]
    if failing:
        last = states[-1]
        _, failures = model.successors(current)
        for action, error in failures:
            if error.prop == prop and model.describe(current, action, None)["text"] == text_of(last):
                return ReplayResult(True, f"the trace reaches the violation of {prop}: {error.message}")
        return ReplayResult(
            False,
            f"the trace departs from the spec at step {len(states) - 1}: that step does not fail with "
            f"{prop} in the spec",
            len(states) - 1,
        )
    if prop == "deadlock_free":
        successors, _ = model.successors(current)
        if model.deadlocked(current, successors):
            return ReplayResult(True, "the trace reaches a deadlock: no protocol step is enabled")
        return ReplayResult(False, "the trace ends in a state where the protocol can still move", len(states) - 1)
    if prop in model.violated(current):
        return ReplayResult(True, f"the trace reaches a state that violates {prop}")
    return ReplayResult(
        False, f"the trace follows the spec but its last state does not violate {prop}", len(states) - 1
    )
