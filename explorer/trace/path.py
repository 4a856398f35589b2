"""A counterexample as a path of (action, state) steps, and the one way a path is followed through a
model: from its initial states (or a given state), step by step, to states that match what was recorded
(fingerprints by the search, canonical forms by the Z3 back end, snapshots by `replay`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from explorer.model import Action, Model, SpecRuntimeError, State
from spec.diagnostics import InternalError

T = TypeVar("T")
Step = tuple[Action, State]


@dataclass(frozen=True, slots=True)
class Path:
    """steps[0] is the initial state with the action that made it; each later step is the action taken
    and the state it led to. `failure` is a last step that failed inside the spec, if any."""

    steps: tuple[Step, ...]
    failure: tuple[Action, SpecRuntimeError] | None = None
    # A lasso (a liveness counterexample): after the last state the run goes back to steps[loop] by the
    # `closing` step, and round again for ever; with no closing step, the run stays in the last state for
    # ever (then loop is its own index).
    loop: int | None = None
    closing: Action | None = None

    @property
    def length(self) -> int:
        """The number of steps taken (the initial state is not a step); of a lasso, its stem and one round
        of its cycle."""
        return len(self.steps) - 1 + (1 if self.failure is not None or self.closing is not None else 0)

    @property
    def last_state(self) -> State:
        return self.steps[-1][1]


@dataclass(frozen=True, slots=True)
class Followed:
    steps: tuple[Step, ...]
    departs_at: int | None  # the index of the first target no step reaches; None: all were reached


def follow(
    model: Model,
    start: State | None,
    targets: Sequence[T],
    match: Callable[[State, T], bool],
    pick: Callable[[State | None, list[Step], T], Step] | None = None,
) -> Followed:
    """Follow `targets` one by one: from `start` (None: from the model's initial states, the first target
    being an initial state), each step is one whose state matches the next target (`pick` chooses among
    several; by default the first)."""
    taken: list[Step] = []
    current = start
    for k, target in enumerate(targets):
        options = model.init_states() if current is None else model.successors(current)[0]
        candidates = [(a, s) for a, s in options if match(s, target)]
        if not candidates:
            return Followed(tuple(taken), k)
        step = pick(current, candidates, target) if pick is not None else candidates[0]
        taken.append(step)
        current = step[1]
    return Followed(tuple(taken), None)


def failing_step(model: Model, state: State, prop: str) -> tuple[Action, SpecRuntimeError] | None:
    """A step from `state` that fails inside the spec with `prop`, if there is one."""
    for action, error in model.successors(state)[1]:
        if error.prop == prop:
            return action, error
    return None


def rebuild(
    model: Model,
    fingerprints: list[int],
    failing_action: Action | None = None,
    error: SpecRuntimeError | None = None,
) -> Path:
    """Replay the model along the fingerprints the search recorded; raises InternalError if the model does
    not reproduce them (which would mean the semantics are not deterministic)."""
    fingerprint = model.fingerprint
    followed = follow(model, None, fingerprints, lambda state, fp: fingerprint(state) == fp)
    if followed.departs_at is not None:
        raise InternalError(
            f"replay diverged at step {followed.departs_at}: no step has the fingerprint the search recorded "
            "(the semantics may be nondeterministic)"
        )
    failure = (failing_action, error) if failing_action is not None and error is not None else None
    return Path(followed.steps, failure)
