"""The shapes of the Z3 back end's symbolic state (explorer/bmc/encode.py says what each part means), and
how a state is flattened into its parts and rebuilt from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from explorer.bmc.symbolic import Sym

# A message sent by a handler: (condition, sender (a node number), receiver, message index, fields).
Send = tuple[Any, Any, Any, int, tuple[Sym, ...]]


@dataclass
class Slot:
    valid: Any
    args: tuple[Sym, ...]
    sent_at: Any
    seq: Any
    count: Any = None  # how many copies, in the universe network of a bag (then valid is count > 0)


@dataclass(frozen=True)
class PoolKey:
    """The messages of one type on one directed link."""

    message: int
    src: int
    dst: int


@dataclass
class Local:
    status: Any
    armed: list[Any]
    deadline: list[Any]
    clock: Any
    mono: Any
    paused_since: Any
    vars: list[Sym]


@dataclass
class State:
    locals: list[Local]
    pools: list[list[Slot]]  # by pool number (Encoder.pool_keys)
    spent: list[Any]
    now: Any
    gst_at: Any


@dataclass
class Outcome:
    """What one action does from a state: when it may be taken (`pre`), the state it leads to, and the
    run-time errors it may fail with instead (property -> condition), plus facts its choices must obey."""

    label: str
    pre: Any
    after: State
    errors: dict[str, Any] = field(default_factory=dict)
    requires: list[Any] = field(default_factory=list)


def leaves(state: State) -> list[Sym]:
    """The parts of a state, in a fixed order (for frame conditions)."""
    out: list[Sym] = []
    for local in state.locals:
        out += [
            local.status,
            *local.armed,
            *local.deadline,
            local.clock,
            local.mono,
            local.paused_since,
            *local.vars,
        ]
    for pool in state.pools:
        for slot in pool:
            out += [slot.valid, *slot.args, slot.sent_at, slot.seq]
            if slot.count is not None:
                out.append(slot.count)
    out += [*state.spent, state.now, state.gst_at]
    return out


def with_leaves(state: State, leaves: list[Sym]) -> State:
    """A state shaped like `state` whose parts are `leaves`, in the order of _leaves."""
    it = iter(leaves)
    locals_ = []
    for local in state.locals:
        status = next(it)
        armed = [next(it) for _ in local.armed]
        deadline = [next(it) for _ in local.deadline]
        clock, mono, paused = next(it), next(it), next(it)
        values = [next(it) for _ in local.vars]
        locals_.append(Local(status, armed, deadline, clock, mono, paused, values))
    pools = []
    for pool in state.pools:
        new_pool = []
        for slot in pool:
            valid = next(it)
            args = tuple(next(it) for _ in slot.args)
            sent_at, seq = next(it), next(it)
            count = next(it) if slot.count is not None else None
            new_pool.append(Slot(valid, args, sent_at, seq, count))
        pools.append(new_pool)
    spent = [next(it) for _ in state.spent]
    return State(locals_, pools, spent, next(it), next(it))
