"""k-induction: prove that invariants hold in every reachable state, with no bound on depth.

Base case: no counterexample of at most k steps (bounded model checking). Step case: from any k
consecutive states in which every property holds — states that need not be reachable — every property
still holds after one more step. The step case uses the universe network (every possible message tracked
by presence or count), so that it speaks of all states, however many messages are in flight. An invariant
that is true but not inductive needs help: lemmas, other invariants of the spec proved together with it.

When the step case fails, its witness is a counterexample to induction: k+1 states, the first of them
perhaps unreachable, in which the properties hold k times and then fail. It is rebuilt as an explorer
Path (the explorer can run from any state), so it reads like any other trace.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import z3

from explorer.bmc.bmc import decode_state, follow_symbolic, invariant_terms, run_bmc, unroll
from explorer.bmc.encode import Encoder, State
from explorer.bmc.interrupt import Stop, Stopped, cancelled, interruptible
from explorer.bmc.shapes import Outcome
from explorer.semantics.system import SystemModel
from explorer.state import BYZANTINE, CRASHED, CRASHES, CUT, DOWN, DUPLICATE, LOSS, NTP, PARTITIONS, UP
from explorer.trace.path import Path
from explorer.trace.present import Presenter


@dataclass
class ProveResult:
    """The verdict on one goal, proved together with lemmas."""

    verdict: (
        str  # "proved", "violated" (a real counterexample of the goal), "not_inductive" (a CTI), "unknown"
    )
    k: int
    violated: str | None = None  # the property the path violates: the goal, or a lemma
    path: Path | None = None  # a real counterexample, or the counterexample to induction
    seconds: float = 0.0
    reason: str = ""


def run_prove(
    model: SystemModel, goal: str, lemmas: list[str], k: int, max_seconds: float | None = None
) -> ProveResult:
    """Prove `goal` (an invariant, an assertion or no_runtime_errors) for every depth by k-induction, assuming
    and proving `lemmas` (invariants) with it. Ctrl-C and the time bound stop the proof (through Z3's own
    interrupt: explorer/bmc/interrupt.py), with a verdict of "unknown" that says where it stopped."""
    started = time.perf_counter()
    with interruptible(max_seconds) as stop:
        try:
            return _prove(model, goal, lemmas, k, max_seconds, stop)
        except Stopped as stopped:  # while the induction step's terms were being built
            where = f"{stopped.reason} while building the induction step"
            return ProveResult("unknown", k, seconds=time.perf_counter() - started, reason=where)
        except z3.Z3Exception as error:
            reason = cancelled(error, stop)  # an operation Z3 cancelled, or a real failure
            if reason is None:
                raise
            return ProveResult("unknown", k, seconds=time.perf_counter() - started, reason=reason)


def _prove(
    model: SystemModel, goal: str, lemmas: list[str], k: int, max_seconds: float | None, stop: Stop
) -> ProveResult:
    started = time.perf_counter()
    system = model.system
    properties = [goal, *[name for name in lemmas if name != goal]]
    invariants = [inv for inv in system.invariants if inv.name in properties]
    step_errors = [p for p in properties if p not in {inv.name for inv in invariants}]
    # base case: nothing fails within k steps (k - 1 would do for the induction; the k-th step too means
    # that a violation within k steps is reported as one, with its trace, not as a failed induction)
    base = run_bmc(model, k, properties, max_seconds)
    if goal in base.found:
        found = base.found[goal]
        return ProveResult(
            "violated",
            k,
            goal,
            found.path,
            time.perf_counter() - started,
            f"{goal} is violated in {found.length} step{'s' if found.length != 1 else ''}",
        )
    if base.found:
        found = min(base.found.values(), key=lambda f: f.length)
        return ProveResult(
            "unknown",
            k,
            found.prop,
            found.path,
            time.perf_counter() - started,
            f"lemma {found.prop} is violated in {found.length} step{'s' if found.length != 1 else ''}, "
            f"so it cannot help prove {goal}",
        )
    if not base.complete:
        where = f"{base.stop_reason} in the base case at depth {base.depth}"
        return ProveResult("unknown", k, seconds=time.perf_counter() - started, reason=where)
    # step case: k states where everything holds, then a step that breaks something: one into a state
    # where an invariant fails, or one from the last of them that fails itself
    enc = Encoder(model.plan, universe=True)
    solver = z3.Solver()
    states = [enc.fresh_state(0)]
    solver.add(*enc.wellformed(states[0]), *_possible(enc, states[0]))
    last_facts: list[Any] = []
    failing: dict[str, Any] = {}
    for i in range(k):
        if stop.poll() is not None:
            return ProveResult(
                "unknown",
                k,
                seconds=time.perf_counter() - started,
                reason=f"{stop.reason} while building the induction step",
            )
        solver.add(*invariant_terms(enc, states[i], invariants, states[i - 1] if i > 0 else None).values())
        states[i], actions, act, facts, following = unroll(enc, states[i], i)
        if i < k - 1:
            solver.add(*facts)
        else:
            last_facts = facts
            failing = _failing_steps(actions, act, step_errors)
        states.append(following)
    broken_after = invariant_terms(enc, states[k], invariants, states[k - 1] if k > 0 else None).items()
    goals = {name: z3.And(*last_facts, z3.Not(term)) for name, term in broken_after}
    goals.update(failing)
    if not goals:
        return ProveResult("proved", k, seconds=time.perf_counter() - started)
    solver.add(z3.Or(*goals.values()))
    stop.prepare(solver)
    answer = solver.check()
    seconds = time.perf_counter() - started
    if answer == z3.unsat:
        return ProveResult("proved", k, seconds=seconds)
    if answer == z3.unknown:
        why = stop.poll() or stop.explain(solver.reason_unknown())
        return ProveResult("unknown", k, seconds=seconds, reason=f"{why} in the induction step")
    witness = solver.model()
    broken = [name for name, term in goals.items() if z3.is_true(witness.eval(term, model_completion=True))]
    blamed = goal if goal in broken else broken[0]
    failing_step = blamed in step_errors
    path = _cti_path(
        model, enc, witness, states[:k] if failing_step else states, blamed if failing_step else None
    )
    return ProveResult(
        "not_inductive",
        k,
        blamed,
        path,
        seconds,
        f"{', '.join(broken)} can fail after {k} step{'s' if k != 1 else ''} from a state where "
        "every property holds (the state may be unreachable)",
    )


def _failing_steps(actions: list[Outcome], act: Any, properties: list[str]) -> dict[str, Any]:
    """For each property broken by a failing step (an assertion, no_runtime_errors): that the step chosen by
    `act` fails it."""
    out = {}
    for prop in properties:
        fails = [
            z3.And(act == a, o.errors[prop], *o.requires) for a, o in enumerate(actions) if prop in o.errors
        ]
        if fails:
            out[prop] = z3.Or(*fails)
    return out


def _possible(enc: Encoder, state: State) -> list[Any]:
    """What an arbitrary state of this model can be at all: statuses its faults allow, budgets within bounds,
    no partition without a partition budget."""
    out = []
    model = enc.model
    for i, local in enumerate(state.locals):
        name = enc.types[i].name
        statuses = [UP]
        if any(f.kind == "crash_stop" and f.node_type == name for f in model.faults):
            statuses.append(CRASHED)
        if any(f.kind == "crash_recovery" and f.node_type == name for f in model.faults):
            statuses.append(DOWN)
        if any(f.kind == "byzantine" and f.node_type == name for f in model.faults):
            statuses.append(BYZANTINE)
        out.append(z3.Or(*[local.status == s for s in statuses]))
    network = model.network
    spent = state.spent
    out += [
        spent[LOSS] <= network.loss,
        spent[DUPLICATE] <= network.duplicate,
        spent[PARTITIONS] <= network.partition,
    ]
    out += [spent[CUT] >= 0, spent[CUT] < len(enc.cuts), spent[NTP] == 0]
    for b, budget in enumerate(enc.crash_budgets):
        out.append(spent[CRASHES + b] <= budget.bound)
    out += [state.now == 0, state.gst_at == 0]
    return out


def _cti_path(
    model: SystemModel, enc: Encoder, witness: z3.ModelRef, states: list[State], failing: str | None
) -> Path:
    """The counterexample to induction as an explorer Path from its (possibly unreachable) first state; for a
    property broken by a failing step, that step ends the path."""
    decoded = [decode_state(enc, witness, st) for st in states]
    start = Presenter(model).from_canonical(decoded[0])
    return follow_symbolic(model, start, decoded[1:], failing or "", failing is not None)
