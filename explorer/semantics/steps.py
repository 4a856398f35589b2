"""What the rules of the system model fill in for one state: the steps that lead to a state, the steps
that fail inside the spec, and whether some step is due before time may pass. Every rule has one
signature, `rule(state, plan, effects, steps)`; explorer/semantics/system.py runs them in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from explorer.actions import Action
from explorer.model import SpecRuntimeError
from explorer.plan import Plan
from explorer.semantics.effects import Effects
from explorer.state import State


class Steps:
    __slots__ = ("env", "fails", "must_move", "out")

    def __init__(self, env: Any = None) -> None:
        self.out: list[tuple[Action, State]] = []
        self.fails: list[tuple[Action, SpecRuntimeError]] = []
        # where the bounds hold, a step is due (a timer, an overdue message) and time may not pass before it
        self.must_move = False
        # the env (real time, Byzantine set) of this state, for handlers whose effect depends on it
        self.env = env


Rule = Callable[[State, Plan, Effects, Steps], None]
