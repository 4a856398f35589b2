"""A counterexample as a path of (action, state) steps, rebuilt by replaying the model along a chain of
fingerprints (the search keeps only fingerprints and parent links)."""

from __future__ import annotations

from dataclasses import dataclass

from explorer.compile import SpecRuntimeError
from explorer.model import Action, Model, State
from spec.diagnostics import InternalError


@dataclass(frozen=True, slots=True)
class Path:
    """steps[0] is the initial state with the action that made it; each later step is the action taken
    and the state it led to. `failure` is a last step that failed inside the spec, if any."""

    steps: tuple[tuple[Action, State], ...]
    failure: tuple[Action, SpecRuntimeError] | None = None

    @property
    def length(self) -> int:
        """The number of steps taken (the initial state is not a step)."""
        return len(self.steps) - 1 + (1 if self.failure is not None else 0)

    @property
    def last_state(self) -> State:
        return self.steps[-1][1]


def rebuild(
    model: Model,
    fingerprints: list[int],
    failing_action: Action | None = None,
    error: SpecRuntimeError | None = None,
) -> Path:
    """Replay the model along `fingerprints`; raises InternalError if the model does not reproduce them
    (which would mean the semantics are not deterministic)."""
    steps: list[tuple[Action, State]] = []
    if fingerprints:
        for action, state in model.init_states():
            if hash(state) == fingerprints[0]:
                steps.append((action, state))
                break
        else:
            raise InternalError("no initial state has the fingerprint the search recorded")
        for fp in fingerprints[1:]:
            successors, _ = model.successors(steps[-1][1])
            for action, state in successors:
                if hash(state) == fp:
                    steps.append((action, state))
                    break
            else:
                raise InternalError(
                    f"replay diverged at step {len(steps)}: no successor has the recorded fingerprint "
                    "(the semantics may be nondeterministic)"
                )
    failure = (failing_action, error) if failing_action is not None and error is not None else None
    return Path(tuple(steps), failure)
