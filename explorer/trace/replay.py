"""`faultline replay`: re-execute an ITF trace against a spec, step by step, and say whether it reaches
the violation it claims, or where it departs from the spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from explorer.actions import Init
from explorer.model import State
from explorer.search.liveness import check_lasso
from explorer.semantics.system import SystemModel
from explorer.trace.itf import state_values
from explorer.trace.path import Step, follow
from explorer.trace.present import Presenter
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
    names = {p.name for p in (*model.properties, *model.liveness)}
    if prop not in names:
        raise TraceFormatError(
            f"#meta.property: the trace claims a violation of {prop!r}, which spec {checked.name} does not have"
        )

    present = Presenter(model)

    def matches(state: State, wanted: dict[str, Any]) -> bool:
        return {k: v[0] for k, v in present.snapshot(state).items()} == state_values(wanted)

    def text_of(entry: dict[str, Any]) -> str:
        return str(entry.get("#meta", {}).get("text", ""))

    model.init_states()
    failing = states[-1].get("#meta", {}).get("error") is not None
    if failing and len(states) == 1:  # a start handler fails: the trace shows the state before it ran
        for action, error in model.init_failures:
            assert isinstance(action, Init)
            before = present.before_start(action)
            if (
                error.prop == prop
                and matches(before, states[0])
                and present.describe(before, action, None)["text"] == text_of(states[0])
            ):
                return ReplayResult(True, f"the trace reaches the violation of {prop}: {error.message}")
        return ReplayResult(False, f"no start of the spec fails with {prop} from the trace's state 0", 0)

    def named(before: State | None, candidates: list[Step], wanted: dict[str, Any]) -> Step:
        """Prefer the step the trace names; any step reaching the same state is as good."""
        if before is None:
            return candidates[0]
        return next(
            (c for c in candidates if present.describe(before, c[0], c[1])["text"] == text_of(wanted)),
            candidates[0],
        )

    followed = follow(model, None, states[:-1] if failing else states, matches, named)
    index = followed.departs_at
    if index == 0:
        return ReplayResult(False, "state 0 is not an initial state of the spec", 0)
    if index is not None:
        return ReplayResult(
            False,
            f"the trace departs from the spec at step {index} ({text_of(states[index])}): no step of the spec "
            f"leads from state {index - 1} to state {index}",
            index,
        )
    current = followed.steps[-1][1]
    if any(p.name == prop for p in model.liveness):
        return _replay_lasso(document, model, followed.steps, present, prop)
    if failing:
        last = states[-1]
        _, failures = model.successors(current)
        for action, error in failures:
            if error.prop == prop and present.describe(current, action, None)["text"] == text_of(last):
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
        return ReplayResult(
            False, "the trace ends in a state where the protocol can still move", len(states) - 1
        )
    if prop in model.violated(current):
        return ReplayResult(True, f"the trace reaches a state that violates {prop}")
    if len(followed.steps) > 1 and prop in model.violated_step(followed.steps[-2][1], current):
        return ReplayResult(True, f"the trace's last step violates {prop}")
    return ReplayResult(
        False, f"the trace follows the spec but its last state does not violate {prop}", len(states) - 1
    )


def _replay_lasso(
    document: dict[str, Any], model: SystemModel, steps: tuple[Step, ...], present: Presenter, prop: str
) -> ReplayResult:
    """A liveness counterexample: the steps are the spec's (checked by the caller); then the closing step
    back to the loop state must be one too, and the lasso a fair run that violates the property."""
    states = document["states"]
    loop = document.get("loop")
    if loop is None:
        return ReplayResult(
            False, f"{prop} is a liveness property: its counterexample is a lasso, with a `loop`"
        )
    last = steps[-1][1]
    closing_text = document["#meta"].get("closing", "")
    closing = None
    if not closing_text.startswith("the run stays"):
        back = [
            a
            for a, s in model.successors(last)[0]
            if {k: v[0] for k, v in present.snapshot(s).items()} == state_values(states[loop])
        ]
        if not back:
            return ReplayResult(
                False, f"no step of the spec leads from the last state back to state {loop}", len(states) - 1
            )
        closing = next((a for a in back if present.describe(last, a, None)["text"] == closing_text), back[0])
    why = check_lasso(model, [s for _, s in steps], [a for a, _ in steps[1:]], closing, loop, prop)
    if why is not None:
        return ReplayResult(False, f"the lasso is not a counterexample: {why}", len(states) - 1)
    return ReplayResult(True, f"the trace is a fair run that violates {prop}, looping back to state {loop}")
