"""Bounded model checking: the transition relation unrolled step by step in one incremental Z3 solver.

At each depth k every property not yet violated is asked about once, inside push/pop: can an invariant be
false in state k, can an assertion or range check fail in step k+1? The first depth at which the answer is
yes is the length of a shortest counterexample. The counterexample is decoded from the Z3 model and
replayed in the explicit explorer (whose states it must match exactly, step by step): so it comes out as
the same Path, ITF and text as `check` writes, and a disagreement between the back ends is caught on the
spot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import z3

from explorer.actions import CTI
from explorer.bmc import steps
from explorer.bmc import symbolic as S
from explorer.bmc.encode import Encoder, Exec, Outcome, State, leaves, with_leaves
from explorer.bmc.interrupt import Stopped, cancelled, current_stop, interruptible
from explorer.bmc.shapes import Local
from explorer.compile import NO_RUNTIME_ERRORS
from explorer.model import State as ExplicitState
from explorer.semantics.system import SystemModel
from explorer.trace.path import Path, failing_step, follow
from explorer.trace.present import Presenter, canonical_network
from spec import ir
from spec.diagnostics import InternalError


@dataclass
class Found:
    prop: str
    length: int
    path: Path


@dataclass
class BmcResult:
    depth: int  # the depth fully explored
    found: dict[str, Found] = field(default_factory=dict)
    seconds: float = 0.0
    complete: bool = True  # False: stopped before `depth` (time limit, interrupt)
    stop_reason: str | None = None


def invariant_terms(
    enc: Encoder, state: State, invariants: list[ir.Invariant], before: State | None = None
) -> dict[str, Any]:
    """Each invariant as a term over a symbolic state; a step invariant (with `old(e)`) only given the state
    `before` the step, over both (an initial state has no step before it)."""
    out = {}
    # A property is no node's: it runs in the frame of the first node, or of none in a spec without nodes.
    local = (
        state.locals[0]
        if state.locals
        else Local(z3.IntVal(0), [], [], z3.IntVal(0), z3.IntVal(0), z3.IntVal(0), [])
    )
    for inv in invariants:
        if inv.step and before is None:
            continue
        ex = Exec(enc, state, -1, local)
        ex.before = before
        frame: list[Any] = [None] * inv.frame_size
        value = ex.expr(inv.expr, frame)
        out[inv.name] = z3.And(value, z3.Not(ex.errored)) if not z3.is_false(ex.errored) else value
    return out


def run_bmc(
    model: SystemModel,
    depth: int,
    properties: list[str],
    max_seconds: float | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> BmcResult:
    """Counterexamples of at most `depth` steps. Ctrl-C and the time bound stop the search (through Z3's
    own interrupt: explorer/bmc/interrupt.py) with the depth it had fully explored."""
    result = BmcResult(0)
    started = time.perf_counter()
    with interruptible(max_seconds) as stop:
        try:
            _unroll_and_check(model, depth, properties, progress, result)
        except Stopped as stopped:
            result.complete, result.stop_reason = False, stopped.reason
        except z3.Z3Exception as error:
            reason = cancelled(error, stop)  # an operation Z3 cancelled, or a real failure
            if reason is None:
                raise
            result.complete, result.stop_reason = False, reason
    result.seconds = time.perf_counter() - started
    return result


def _unroll_and_check(
    model: SystemModel,
    depth: int,
    properties: list[str],
    progress: Callable[[int, float], None] | None,
    result: BmcResult,
) -> None:
    system = model.system
    started = time.perf_counter()
    enc = Encoder(model.plan)
    solver = z3.Solver()
    state0, constraints, started_ok, init_errors = steps.initial(enc)
    solver.add(*constraints)
    states = [state0]
    invariants = [inv for inv in system.invariants if inv.name in properties]
    errors_wanted = [p for p in properties if p not in {inv.name for inv in invariants}]

    def found_at(witness: z3.ModelRef, length: int, prop: str, failing: bool) -> None:
        path = decode_path(model, enc, witness, states[: length + (0 if failing else 1)], prop, failing)
        result.found[prop] = Found(prop, length, path)

    for prop in errors_wanted:
        cond = init_errors.get(prop)
        witness = _sat(solver, cond) if cond is not None else None
        if witness is not None:
            found_at(witness, 0, prop, True)
    solver.add(*started_ok)  # from here on, the runs whose start did not fail
    for k in range(depth + 1):
        result.depth = max(k - 1, 0)  # fully explored so far
        before = states[k - 1] if k > 0 else None
        for name, term in invariant_terms(enc, states[k], invariants, before).items():
            witness = _sat(solver, z3.Not(term)) if name not in result.found else None
            if witness is not None:
                found_at(witness, k, name, False)
        if k == depth or len(result.found) == len(properties):
            result.depth = k
            break
        if (reason := current_stop().poll()) is not None:
            result.depth, result.complete, result.stop_reason = k, False, reason
            break
        states[k], actions, act, facts, following = unroll(enc, states[k], k)
        for prop in errors_wanted:
            if prop in result.found:
                continue
            fails = [
                z3.And(act == a, o.errors[prop], *o.requires)
                for a, o in enumerate(actions)
                if prop in o.errors
            ]
            witness = _sat(solver, z3.Or(*fails)) if fails else None
            if witness is not None:
                found_at(witness, k + 1, prop, True)
        solver.add(*facts)
        states.append(following)
        if progress is not None:
            progress(k + 1, time.perf_counter() - started)


def unroll(enc: Encoder, state: State, k: int) -> tuple[State, list[Outcome], Any, list[Any], State]:
    """Step k from `state`: (the state with room for this step's messages, the actions, the variable that
    picks one, the facts that say one enabled action is taken, the next state). The next state is a
    function of this one and of the action chosen: no new variables, no equations."""
    extended, base = enc.extend(state, enc.step_sites)
    actions = steps.actions(enc, extended, k, base)
    act = z3.Int(f"act@{k}")
    facts = [
        act >= 0,
        act < len(actions),
        z3.Or(*[z3.And(act == a, o.pre, *o.requires) for a, o in enumerate(actions)]),
    ]
    current = leaves(extended)
    changed = [leaves(o.after) for o in actions]
    following = []
    for index, now_value in enumerate(current):
        value = now_value
        for a, parts in enumerate(changed):
            if parts[index] is not now_value:
                value = S.ite(act == a, parts[index], value)
        following.append(value)
    return extended, actions, act, facts, with_leaves(extended, following)


def follow_symbolic(
    model: SystemModel, start: ExplicitState | None, targets: list[tuple[Any, ...]], prop: str, failing: bool
) -> Path:
    """The explorer's steps through states equal to `targets` (canonical forms), from `start` (None: from an
    initial state), then the failing step of `prop` if `failing`: how a symbolic path becomes a Path, and a
    check that both back ends took the same steps."""
    present = Presenter(model)
    followed = follow(model, start, targets, lambda state, target: present.canonical(state) == target)
    if followed.departs_at is not None:
        k = followed.departs_at
        raise InternalError(
            f"the Z3 back end and the explorer disagree at step {k}: no step of the explorer "
            f"leads to {targets[k]}"
        )
    steps_taken = [(CTI, start), *followed.steps] if start is not None else list(followed.steps)
    if not failing:
        return Path(tuple(steps_taken))
    failure = failing_step(model, steps_taken[-1][1], prop)
    if failure is None:
        raise InternalError(f"the Z3 back end found a failing step ({prop}) the explorer does not have")
    return Path(tuple(steps_taken), failure)


def _sat(solver: z3.Solver, condition: Any) -> z3.ModelRef | None:
    """A model of the solver's facts and `condition`, or None; the solver is left as it was. Stopped when
    the check was interrupted, ran out of time or could not be decided."""
    stop = current_stop()
    stop.prepare(solver)
    solver.push()
    solver.add(condition)
    answer = solver.check()
    witness = solver.model() if answer == z3.sat else None
    reason = solver.reason_unknown() if answer == z3.unknown else ""
    solver.pop()
    if answer == z3.unknown:
        raise Stopped(stop.poll() or stop.explain(reason))
    return witness


# ---------------------------------------------------------------- decoding


def decode_state(enc: Encoder, model: z3.ModelRef, state: State) -> tuple[Any, ...]:
    """A symbolic state's value in `model`, in the shape of SystemModel.canonical."""

    def num(x: Any) -> int:
        return int(model.eval(x, model_completion=True).as_long())

    def truth(x: Any) -> bool:
        return bool(z3.is_true(model.eval(x, model_completion=True)))

    locals_ = []
    for local, nt in zip(state.locals, enc.types, strict=True):
        timers = tuple(num(d) if truth(a) else None for a, d in zip(local.armed, local.deadline, strict=True))
        values = tuple(S.decode(model, v, var.type) for v, var in zip(local.vars, nt.vars, strict=True))
        locals_.append(
            (num(local.status), timers, num(local.clock), num(local.mono), num(local.paused_since), *values)
        )
    entries = []
    for p, pool in enumerate(state.pools):
        key = enc.pool_keys[p]
        message = enc.messages[key.message]
        for slot in pool:
            if truth(slot.valid):
                args = tuple(
                    S.decode(model, a, f.type) for a, f in zip(slot.args, message.fields, strict=True)
                )
                copies = num(slot.count) if slot.count is not None else 1
                entries += [
                    (num(slot.seq), (num(slot.sent_at), (key.src, key.dst, key.message, args)))
                ] * copies
    entries.sort(key=lambda e: e[0])
    network = canonical_network(enc.ordering, [e for _, e in entries], enc.n)
    return (tuple(locals_), network, tuple(num(x) for x in state.spent), (num(state.now), num(state.gst_at)))


def decode_path(
    model: SystemModel, enc: Encoder, z3_model: z3.ModelRef, states: list[State], prop: str, failing: bool
) -> Path:
    """The counterexample as the explicit explorer's Path: replay it step by step, matching states."""
    wanted = [decode_state(enc, z3_model, st) for st in states]
    model.init_states()
    if failing and not wanted:  # a start handler fails
        for action, error in model.init_failures:
            if error.prop == prop:
                return Path((), (action, error))
        raise InternalError(f"the Z3 back end found a failing start ({prop}) the explorer does not have")
    return follow_symbolic(model, None, wanted, prop, failing)


__all__ = ["NO_RUNTIME_ERRORS", "BmcResult", "Found", "run_bmc"]
