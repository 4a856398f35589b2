"""The steps of the system model, as data: what a trace records, what a search takes, what `describe`
words. Each kind is one frozen class; `match` on them. Actions are interned where they are made (remembered
handler effects, the adversary's choices), so building them costs nothing in the explorer's inner loop."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar


class ActionKind(StrEnum):
    INIT = "init"
    CTI = "cti"  # the first state of a counterexample to induction (it may be unreachable)
    DELIVER = "deliver"
    INJECT = "inject"  # a Byzantine node's message, delivered at once
    ACT = "act"
    FIRE = "fire"
    RECOVER = "recover"
    TICK = "tick"
    DROP = "drop"
    DUPLICATE = "duplicate"
    PARTITION = "partition"
    HEAL = "heal"
    CRASH = "crash"
    PAUSE = "pause"
    RESUME = "resume"
    NTP = "ntp"
    GST = "gst"


@dataclass(frozen=True, slots=True)
class Init:
    """The initial state made by these choices: the Byzantine nodes (a bit mask) and, per instance, which of
    its starts (initial clock, outcome of `on start`)."""

    kind: ClassVar[ActionKind] = ActionKind.INIT
    byzantine: int
    choice: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Cti:
    kind: ClassVar[ActionKind] = ActionKind.CTI


@dataclass(frozen=True, slots=True)
class Deliver:
    """Deliver in-flight message `message` (an id of the model's MessageTable); `outcome` numbers the
    handler's outcomes (a `choose` has several)."""

    kind: ClassVar[ActionKind] = ActionKind.DELIVER
    message: int
    outcome: int


@dataclass(frozen=True, slots=True)
class Inject:
    kind: ClassVar[ActionKind] = ActionKind.INJECT
    message: int
    outcome: int


@dataclass(frozen=True, slots=True)
class Act:
    kind: ClassVar[ActionKind] = ActionKind.ACT
    node: int
    action: int  # its index among its node type's actions
    outcome: int


@dataclass(frozen=True, slots=True)
class Fire:
    kind: ClassVar[ActionKind] = ActionKind.FIRE
    node: int
    timer: int
    outcome: int


@dataclass(frozen=True, slots=True)
class Recover:
    kind: ClassVar[ActionKind] = ActionKind.RECOVER
    node: int
    outcome: int


@dataclass(frozen=True, slots=True)
class Tick:
    kind: ClassVar[ActionKind] = ActionKind.TICK
    advances: tuple[int, ...]  # how far each node's clocks advance


@dataclass(frozen=True, slots=True)
class Drop:
    kind: ClassVar[ActionKind] = ActionKind.DROP
    message: int


@dataclass(frozen=True, slots=True)
class Duplicate:
    kind: ClassVar[ActionKind] = ActionKind.DUPLICATE
    message: int


@dataclass(frozen=True, slots=True)
class Partition:
    kind: ClassVar[ActionKind] = ActionKind.PARTITION
    cut: int  # an index into the model's cuts


@dataclass(frozen=True, slots=True)
class Heal:
    kind: ClassVar[ActionKind] = ActionKind.HEAL


@dataclass(frozen=True, slots=True)
class Crash:
    kind: ClassVar[ActionKind] = ActionKind.CRASH
    node: int
    budget: int  # an index into the model's crash budgets


@dataclass(frozen=True, slots=True)
class Pause:
    kind: ClassVar[ActionKind] = ActionKind.PAUSE
    node: int


@dataclass(frozen=True, slots=True)
class Resume:
    kind: ClassVar[ActionKind] = ActionKind.RESUME
    node: int


@dataclass(frozen=True, slots=True)
class Ntp:
    kind: ClassVar[ActionKind] = ActionKind.NTP
    node: int
    clock: int  # the time-of-day clock it is set to


@dataclass(frozen=True, slots=True)
class Gst:
    kind: ClassVar[ActionKind] = ActionKind.GST


Action = (
    Init
    | Cti
    | Deliver
    | Inject
    | Act
    | Fire
    | Recover
    | Tick
    | Drop
    | Duplicate
    | Partition
    | Heal
    | Crash
    | Pause
    | Resume
    | Ntp
    | Gst
)

# Steps the protocol takes (the others are the adversary's, or time's).
PROTOCOL_STEPS = (Deliver, Inject, Act, Fire, Recover)
HEAL = Heal()
GST = Gst()
CTI = Cti()


class Interned:
    """Adversary actions, made once each: an action is a small frozen object, and the explorer's inner loop
    should not build the same one again and again."""

    def __init__(self) -> None:
        self.memo: dict[tuple[Any, ...], Any] = {}

    def of(self, cls: type[Any], *args: Any) -> Any:
        """The one `cls(*args)`."""
        key = (cls, *args)
        action = self.memo.get(key)
        if action is None:
            action = self.memo[key] = cls(*args)
        return action
