"""The shape of a global state, and the interning tables that keep it small.

A global state is a flat, hashable tuple (its positions are a `Layout`):

    (local_0, ..., local_{n-1}, network, faults, time)

- local_i is the id of node instance i's local state in a LocalTable. A local state is the tuple
  (status, timers, clock, mono, paused_since, var_0, var_1, ...) — positions `Local` — and equal local states
  share one id, so a global state holds only small ints for its nodes (the "collapse" compression of SPIN),
  and a handler's effect on a local state can be computed once and remembered. `timers` holds one deadline
  per timer of the node type (None: not armed), in the node's monotonic-clock time; `clock` and `mono` are
  the node's time-of-day and monotonic clocks (0 under asynchronous timing); `paused_since` is when a pause
  began (for a paused node), or when the node last resumed during the current instant (for a running one:
  it runs until time moves on before it may be paused again), else -1.
- network is the messages in flight, as entries `message id * stride + sent_at` (message ids from a
  MessageTable; stride 1 and sent_at 0 when there is no time), in a layout chosen by the network's ordering
  (explorer/semantics/network.py).
- faults is a tuple of ints, positions `Spent`: the budgets spent so far and the current partition.
- time is (now, gst_at), positions `Clock`: real time, and when GST passed (-1: not yet; 0 under synchronous
  timing).

Visited states are kept as fingerprints (Python's 64-bit hash of this tuple). The Z3 back end's symbolic
state (explorer/bmc/encode.py) has the same parts, and shares `Spent` and `Status`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

State = tuple[Any, ...]


class Status(IntEnum):
    """A node instance's status."""

    UP = 0
    CRASHED = 1  # crash-stop: never comes back
    DOWN = 2  # crash-recovery: may recover
    PAUSED = 3  # a process pause (GC, VM migration): takes no step while time goes on
    BYZANTINE = 4  # ignores its handlers; the adversary speaks for it (explorer/semantics/byzantine.py)


class Local(IntEnum):
    """Positions in a local-state tuple."""

    STATUS = 0
    TIMERS = 1
    CLOCK = 2
    MONO = 3
    PAUSED_SINCE = 4
    VARS = 5  # the first variable; variable k is at VARS + k


class Spent(IntEnum):
    """Positions in the faults tuple."""

    LOSS = 0
    DUPLICATE = 1
    PARTITIONS = 2
    CUT = 3  # the current partition: an index into the model's cuts, 0 for none
    NTP = 4
    CRASHES = 5  # one count per crash budget of the model, from here on


class Clock(IntEnum):
    """Positions in the time tuple."""

    NOW = 0
    GST_AT = 1


# Plain ints for the explorer's inner loop (an enum member is slower to look up and compare).
UP, CRASHED, DOWN, PAUSED, BYZANTINE = (int(s) for s in Status)
STATUS, TIMERS, CLOCK, MONO, PAUSED_SINCE, VARS = (int(p) for p in Local)
LOSS, DUPLICATE, PARTITIONS, CUT, NTP, CRASHES = (int(p) for p in Spent)
NOW, GST_AT = int(Clock.NOW), int(Clock.GST_AT)

STATUS_NAMES = {int(s): s.name.lower() for s in Status}


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the parts of a global state are, for n node instances."""

    n: int

    @property
    def network(self) -> int:
        return self.n

    @property
    def faults(self) -> int:
        return self.n + 1

    @property
    def time(self) -> int:
        return self.n + 2

    def now(self, state: State) -> int:
        return int(state[self.n + 2][NOW])

    def gst_at(self, state: State) -> int:
        return int(state[self.n + 2][GST_AT])

    def spent(self, state: State) -> tuple[int, ...]:
        return state[self.n + 1]


def spend(spent: tuple[int, ...], index: int) -> tuple[int, ...]:
    """The faults tuple with one more spent at `index`."""
    return spent[:index] + (spent[index] + 1,) + spent[index + 1 :]


# Where a table learns a key it has not numbered, when it is one worker's copy of a table numbered elsewhere
# (explorer/search/registry.py): called with the key, it leaves the key numbered, with the same number as
# everywhere else.
Remote = Callable[[Any], None]


class Interned:
    """A table that numbers keys 0, 1, 2, ... in the order it first meets them. Each kind of table adds a key
    its own way (`add`); a key it does not hold is numbered here, or, in a worker's copy of a table numbered
    elsewhere, learned (`remote`)."""

    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}
        self.remote: Remote | None = None

    def missing(self, key: Any) -> int:
        """The number of a key not in `ids` yet."""
        if self.remote is not None:
            self.remote(key)
            return self.ids[key]
        return self.add(key)

    def add(self, key: Any) -> int:
        """Number a key not numbered yet, next."""
        raise NotImplementedError

    def keys(self, start: int = 0) -> list[Any]:
        """The keys numbered `start` and on, in order."""
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.ids)


class LocalTable(Interned):
    """Interns local-state tuples as small ints."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[Any, ...]] = []
        self.kinds: list[int] = []
        self.status: list[int] = []

    def intern(self, local: tuple[Any, ...], kind: int) -> int:
        """The id of `local`, a local state of a node of type number `kind`. The type is part of the key:
        Python holds 0 == False, so two types' local states could otherwise be taken for one another."""
        key = (kind, local)
        lid = self.ids.get(key)
        return self.missing(key) if lid is None else lid

    def add(self, key: tuple[int, tuple[Any, ...]]) -> int:
        lid = self.ids[key] = len(self.values)
        self.values.append(key[1])
        self.kinds.append(key[0])
        self.status.append(key[1][STATUS])
        return lid

    def keys(self, start: int = 0) -> list[tuple[int, tuple[Any, ...]]]:
        return list(zip(self.kinds[start:], self.values[start:], strict=True))


class MessageTable(Interned):
    """Interns in-flight messages (src, dst, message index, args) as small ints."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[int, int, int, tuple[Any, ...]]] = []
        self.src: list[int] = []
        self.dst: list[int] = []

    def intern(self, src: int, dst: int, message: int, args: tuple[Any, ...]) -> int:
        key = (src, dst, message, args)
        mid = self.ids.get(key)
        return self.missing(key) if mid is None else mid

    def add(self, key: tuple[int, int, int, tuple[Any, ...]]) -> int:
        mid = self.ids[key] = len(self.values)
        self.values.append(key)
        self.src.append(key[0])
        self.dst.append(key[1])
        return mid

    def keys(self, start: int = 0) -> list[tuple[int, int, int, tuple[Any, ...]]]:
        return self.values[start:]


class Numbers(Interned):
    """Numbers any distinct keys (symmetry reduction's signature parts)."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[Any] = []

    def number(self, key: Any) -> int:
        number = self.ids.get(key)
        return self.missing(key) if number is None else number

    def add(self, key: Any) -> int:
        number = self.ids[key] = len(self.order)
        self.order.append(key)
        return number

    def keys(self, start: int = 0) -> list[Any]:
        return self.order[start:]


def fingerprint(state: State) -> int:
    return hash(state)
