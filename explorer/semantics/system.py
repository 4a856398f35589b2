"""An ir.System under its model, as a transition system: DESIGN's semantics section (docs/semantics.md).

One step is exactly one of: deliver an in-flight message, fire a timer, take a spontaneous action
(explorer/semantics/protocol.py); receive from a Byzantine node (byzantine.py); an adversary step within
its budget on the network or on nodes (faults.py); let time pass, step a clock or pass GST (clocks.py).
Each is a rule with one signature; this module runs them and builds the initial states.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from typing import Any

from explorer.actions import Act, Action, Deliver, Fire, Init, Tick
from explorer.model import Property, SpecRuntimeError, State
from explorer.plan import Plan
from explorer.semantics import byzantine, clocks, faults, protocol
from explorer.semantics.effects import Effects
from explorer.semantics.fairness import Fairness
from explorer.semantics.properties import Conditions, Invariants, liveness_of, properties_of
from explorer.semantics.reduction import PartialOrder, unreducible
from explorer.semantics.steps import Rule, Steps
from explorer.semantics.symmetry import Symmetry, reducible_types, too_many_instances
from explorer.state import Interned
from spec import ir
from spec.diagnostics import Diagnostic

RULES: tuple[Rule, ...] = (
    protocol.events,
    protocol.deliveries,
    byzantine.injections,
    faults.network_steps,
    faults.node_steps,
    clocks.time_steps,  # last: it reads whether the rules above found a step due (steps.must_move)
)


def rules_of(plan: Plan) -> tuple[Rule, ...]:
    """The rules that can take a step in this model (the others are left out of the inner loop)."""
    network = plan.system.model.network
    present: dict[Rule, bool] = {
        byzantine.injections: bool(plan.byzantine_types),
        faults.network_steps: network.lossy or bool(network.duplicate or network.partition),
        faults.node_steps: bool(plan.crash_budgets or plan.pause_bound),
        clocks.time_steps: plan.timed,
    }
    return tuple(rule for rule in RULES if present.get(rule, True))


# A state where none of these (the protocol's own steps, and time) is enabled is stuck: a deadlock.
_MOVES = (Deliver, Act, Fire, Tick)


class SystemModel:
    """The transition system of one spec under one model (explorer.model.Model)."""

    def __init__(
        self,
        system: ir.System | Plan,
        invariants: list[str] | None = None,
        deadlock: bool = False,
        symmetry: bool = True,
        por: bool = False,
    ) -> None:
        self.arguments = (invariants, deadlock, symmetry, por)
        self.plan = system if isinstance(system, Plan) else Plan.of(system)
        self.system = self.plan.system
        self.effects = Effects(self.plan)
        self.properties: Sequence[Property] = properties_of(self.system, invariants, deadlock)
        self.invariants = Invariants(self.plan, self.effects, {p.name for p in self.properties})
        self.liveness: Sequence[Property] = liveness_of(self.system, invariants)
        self.conditions = Conditions(self.plan, self.effects, self.invariants.view)
        self.fairness = Fairness(self.plan, self.effects)
        self.init_failures: list[tuple[Action, SpecRuntimeError]] = []
        self.rules = rules_of(self.plan)
        # symmetry reduction over the `symmetric` node types that the spec does not tell apart
        self.warnings: list[Diagnostic] = []
        self.symmetric: list[str] = []
        self.symmetry: Symmetry | None = None
        if symmetry:
            self.symmetric, self.warnings = reducible_types(self.system)
            if self.symmetric:
                self.symmetry = Symmetry(self.plan, self.effects, self.symmetric)
                too_many = self.symmetry.too_many_orders()
                if too_many:
                    self.warnings += [too_many_instances(self.system.node_type(name)) for name in too_many]
                    self.symmetric = [name for name in self.symmetric if name not in too_many]
                    self.symmetry = (
                        Symmetry(self.plan, self.effects, self.symmetric) if self.symmetric else None
                    )
            if self.symmetry is not None:
                self.fingerprint = self.symmetry.fingerprint  # type: ignore[method-assign]
        if self.symmetry is None:
            self.fingerprint = hash  # type: ignore[method-assign, assignment]  # the same, without a call between
        # partial-order reduction (explorer/semantics/reduction.py), where asked for and sound
        self.partial_order: PartialOrder | None = None
        self.unreduced = unreducible(self.plan) if por else None  # why `por` is refused
        if por and self.unreduced is None:
            checked = {p.name for p in self.properties}
            seen_by = [inv for inv in self.system.invariants if inv.name in checked]
            self.partial_order = PartialOrder(self.plan, self.effects, seen_by)

    @property
    def n(self) -> int:
        return self.plan.n

    def init_states(self) -> list[tuple[Action, State]]:
        states: list[tuple[Action, State]] = []
        self.init_failures = []
        spent = (0,) * self.plan.spent_size
        time = (0, self.plan.initial_gst)
        empty = self.effects.order.add((), ())
        for mask in self.plan.byzantine_masks:
            per_instance = [self.effects.start_options(i, mask) for i in range(self.n)]
            for choice in itertools.product(*(range(len(o)) for o in per_instance)):
                picked = [per_instance[i][k][1] for i, k in enumerate(choice)]
                action = Init(mask, choice)
                errors = [o for o in picked if isinstance(o, SpecRuntimeError)]
                if errors:
                    self.init_failures.append((action, errors[0]))
                    continue
                lids = [o[0] for o in picked if not isinstance(o, SpecRuntimeError)]
                sends = tuple(m for o in picked if not isinstance(o, SpecRuntimeError) for m in o[1])
                net = self.effects.order.add(empty, self.effects.stamp(sends, 0))
                states.append((action, (*lids, net, spent, time)))
        return states

    def successors(
        self, state: State
    ) -> tuple[list[tuple[Action, State]], list[tuple[Action, SpecRuntimeError]]]:
        steps = Steps(env=self.effects.env(state) if self.plan.env_dependent else None)
        plan, effects = self.plan, self.effects
        for rule in self.rules:
            rule(state, plan, effects, steps)
        return steps.out, steps.fails

    def ample(
        self,
        state: State,
        successors: list[tuple[Action, State]],
        failures: list[tuple[Action, SpecRuntimeError]],
    ) -> list[tuple[Action, State]] | None:
        """The steps to expand from `state` instead of all of them, under partial-order reduction (None:
        all of them)."""
        if self.partial_order is None:
            return None
        return self.partial_order.ample(state, successors, failures)

    def deadlocked(self, state: State, successors: list[tuple[Action, State]]) -> bool:
        """No protocol step is enabled, and time cannot pass either (reaching the horizon is not a
        deadlock: it is where the exploration of time ends)."""
        if any(isinstance(a, _MOVES) for a, _ in successors):
            return False
        return not (self.plan.timed and self.plan.layout.now(state) >= self.plan.horizon)

    def violated(self, state: State) -> list[str]:
        return self.invariants.violated(state)

    @property
    def checks_steps(self) -> bool:
        return bool(self.invariants.steps)

    def violated_step(self, before: State, after: State) -> list[str]:
        return self.invariants.violated_step(before, after)

    def temporal_kind(self, name: str) -> str:
        return str(next(p.kind for p in self.system.liveness if p.name == name))

    def condition(self, state: State, name: str) -> tuple[bool, bool]:
        """(p, q) of liveness property `name` in `state`."""
        return self.conditions.evaluate(state, name)

    def fair_token(self, state: State, action: Action) -> Hashable | None:
        """What the step `action` from `state` is, to fairness, if a fair run owes it (None if not)."""
        return self.fairness.token(state, action)

    def fingerprint(self, state: State) -> int:
        return hash(state)

    def snapshot(self) -> tuple[Any, ...]:
        """What a checkpoint must keep: the interning tables in order (a state is made of their numbers),
        and the numbers symmetry reduction gives signatures (the representative it picks follows them)."""
        locals_ = sorted(self.effects.locals.ids.items(), key=lambda item: item[1])
        numbering = self.symmetry.numbering() if self.symmetry is not None else None
        return (
            [key for key, _ in locals_],
            list(self.effects.msgs.values),
            self.effects.latest_now,
            numbering,
        )

    def restore(self, snapshot: tuple[Any, ...]) -> None:
        """Take back a snapshot, in a model freshly built from the same spec and options."""
        local_keys, messages, latest_now, numbering = snapshot
        for lid, (kind, local) in enumerate(local_keys):
            if self.effects.locals.intern(local, kind) != lid:
                raise ValueError("the checkpoint was made for another spec or other options")
        for mid, message in enumerate(messages):
            if self.effects.msgs.intern(*message) != mid:
                raise ValueError("the checkpoint was made for another spec or other options")
        self.effects.latest_now = latest_now
        if self.symmetry is not None and numbering is not None:
            self.symmetry.renumber(numbering)

    def tables(self) -> list[Interned]:
        """Every table that numbers what states are made of: workers of one search share one numbering of
        each (explorer/search/registry.py), so that a state is the same tuple, and has the same fingerprint,
        in every worker."""
        numbers = list(self.symmetry.numbers()) if self.symmetry is not None else []
        return [self.effects.locals, self.effects.msgs, *numbers]

    def recipe(self) -> tuple[Any, ...]:
        """What builds this model afresh in another process: `SystemModel(*model.recipe())`."""
        return (self.system, *self.arguments)

    @property
    def latest_now(self) -> int:
        """The latest real time any tick has reached so far."""
        return self.effects.latest_now

    @latest_now.setter
    def latest_now(self, now: int) -> None:
        self.effects.latest_now = now


__all__ = ["SystemModel"]
