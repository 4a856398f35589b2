"""The interface between search and semantics: a transition system with labelled steps and properties.

Search (explorer/search/) sees only this; it never imports the front end or the compiler.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from explorer.actions import Action
from explorer.state import Interned, State
from spec.source import Span


@dataclass(frozen=True, slots=True)
class SpecRuntimeError:
    """A failure inside the spec while a step ran: an assertion, a value out of its range, a missing key.
    It is a violation, reported with the trace that led to it."""

    kind: str  # "assert" or "runtime"
    prop: str  # the property it violates: an assertion's name, or "no_runtime_errors"
    message: str
    span: Span


class PropertyKind(StrEnum):
    INVARIANT = "invariant"
    ASSERTION = "assertion"
    RUNTIME = "runtime"
    DEADLOCK = "deadlock"
    LIVENESS = "liveness"


@dataclass(frozen=True, slots=True)
class Property:
    name: str
    kind: PropertyKind
    text: str  # what it says, for reports
    where: str  # file:line:col of its declaration, or "" for built-in ones


class Model(Protocol):
    @property
    def properties(self) -> Sequence[Property]:
        """The properties being checked."""
        ...

    # Steps that failed inside the spec while building the initial states (filled by init_states).
    init_failures: list[tuple[Action, SpecRuntimeError]]

    def init_states(self) -> list[tuple[Action, State]]:
        """Initial states, each with the action that made it (the start handlers' choices)."""
        ...

    def successors(
        self, state: State
    ) -> tuple[list[tuple[Action, State]], list[tuple[Action, SpecRuntimeError]]]:
        """Every step from `state`: the ones that lead to a state, and the ones that fail inside the spec."""
        ...

    def ample(
        self,
        state: State,
        successors: list[tuple[Action, State]],
        failures: list[tuple[Action, SpecRuntimeError]],
    ) -> list[tuple[Action, State]] | None:
        """Under partial-order reduction, the steps to take from `state` in place of all its `successors`
        (and its `failures`): an ample set with respect to the properties checked; None to take them all.
        The search adds the cycle proviso."""
        ...

    def deadlocked(self, state: State, successors: list[tuple[Action, State]]) -> bool:
        """Whether `state`, with these successors, is stuck: no protocol step, and time cannot pass."""
        ...

    def violated(self, state: State) -> list[str]:
        """Names of the invariants `state` violates (among those being checked)."""
        ...

    @property
    def checks_steps(self) -> bool:
        """Whether some property speaks of steps (an invariant with `old(e)`)."""
        ...

    def violated_step(self, before: State, after: State) -> list[str]:
        """Names of the step invariants the step from `before` to `after` violates."""
        ...

    def snapshot(self) -> Any:
        """What a checkpoint must keep of the model for its states to mean the same after a restart (its
        interning tables, in order)."""
        ...

    def restore(self, snapshot: Any) -> None:
        """Take back a snapshot, in a model freshly built from the same spec and options."""
        ...

    def fingerprint(self, state: State) -> int:
        """What the search remembers of a state: equal for states it need not tell apart (the same state,
        or, under symmetry reduction, states that differ only by a permutation of interchangeable nodes)."""
        ...

    def tables(self) -> list[Interned]:
        """The tables that number what states are made of (shards of one search share their numbering)."""
        ...

    def recipe(self) -> tuple[Any, ...]:
        """What builds the same model afresh in another process (picklable: the IR and the options)."""
        ...

    latest_now: int  # the latest real time a tick has reached (workers of one search tell theirs)


class FairModel(Model, Protocol):
    """A model with liveness properties: the search over fair runs (explorer/search/liveness.py) asks it
    what each property's conditions are in a state, and which steps a fair run owes."""

    @property
    def liveness(self) -> Sequence[Property]:
        """The liveness properties being checked."""
        ...

    def temporal_kind(self, name: str) -> str:
        """`eventually`, `always_eventually`, `eventually_always` or `leads_to`."""
        ...

    def condition(self, state: State, name: str) -> tuple[bool, bool]:
        """(p, q) of liveness property `name` in `state` (q: True where the property has none)."""
        ...

    def fair_token(self, state: State, action: Action) -> Hashable | None:
        """The step `action` from `state`, as fairness names it, if a fair run owes it; None if not."""
        ...


__all__ = ["Action", "FairModel", "Model", "Property", "PropertyKind", "SpecRuntimeError", "State"]
