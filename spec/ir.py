"""The IR: one spec instantiated for one model, with every constant evaluated, every name resolved to a
slot and every type given its finite domain. It is the contract between the front end and the back ends:
the explicit-state explorer and the Z3 encoder read only this module's types, never the AST.

Run-time values are plain Python data: bool, int, an enum member's index, a node instance's index,
None for `none`, frozenset for sets, frozenset of (key, value) pairs for maps, tuple for tuples.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, dataclass_transform

from spec.diagnostics import Diagnostic
from spec.source import NOWHERE, Span

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True)
def ir(cls: type[_T]) -> type[_T]:
    """IR nodes are frozen, slotted dataclasses."""
    return dataclass(frozen=True, slots=True)(cls)

# ---------------------------------------------------------------- types with finite domains


@ir
class BoolT:
    def values(self) -> Iterator[Any]:
        yield from (False, True)

    def contains(self, v: Any) -> bool:
        return isinstance(v, bool)

    def __str__(self) -> str:
        return "bool"


@ir
class IntT:
    """An integer range; an unbounded IntT (lo/hi None) is the type of intermediate arithmetic."""

    lo: int | None = None
    hi: int | None = None

    def values(self) -> Iterator[Any]:
        if self.lo is None or self.hi is None:
            raise ValueError("an unbounded integer has no finite domain")
        yield from range(self.lo, self.hi + 1)

    def contains(self, v: Any) -> bool:
        if not isinstance(v, int) or isinstance(v, bool):
            return False
        return (self.lo is None or v >= self.lo) and (self.hi is None or v <= self.hi)

    def __str__(self) -> str:
        return "int" if self.lo is None else f"{self.lo}..{self.hi}"


@ir
class EnumT:
    name: str
    members: tuple[str, ...]

    def values(self) -> Iterator[Any]:
        yield from range(len(self.members))

    def contains(self, v: Any) -> bool:
        return isinstance(v, int) and 0 <= v < len(self.members)

    def __str__(self) -> str:
        return self.name


@ir
class NodeT:
    """A reference to one node instance: its global index. node_type None: any node."""

    node_type: str | None
    instances: tuple[int, ...]

    def values(self) -> Iterator[Any]:
        yield from self.instances

    def contains(self, v: Any) -> bool:
        return v in self.instances

    def __str__(self) -> str:
        return self.node_type or "node"


@ir
class OptionT:
    inner: Type

    def values(self) -> Iterator[Any]:
        yield None
        yield from self.inner.values()

    def contains(self, v: Any) -> bool:
        return v is None or self.inner.contains(v)

    def __str__(self) -> str:
        return f"{self.inner}?"


@ir
class SetT:
    elem: Type

    def values(self) -> Iterator[Any]:
        elems = list(self.elem.values())
        for size in range(len(elems) + 1):
            for combo in itertools.combinations(elems, size):
                yield frozenset(combo)

    def contains(self, v: Any) -> bool:
        return isinstance(v, frozenset) and all(self.elem.contains(x) for x in v)

    def __str__(self) -> str:
        return f"set<{self.elem}>"


@ir
class MapT:
    """A partial map from a finite key type; a missing key is a run-time error when read."""

    key: Type
    value: Type

    def values(self) -> Iterator[Any]:
        keys = list(self.key.values())
        choices = [[None, *self.value.values()] for _ in keys]
        for picked in itertools.product(*choices):
            yield frozenset((k, v) for k, v in zip(keys, picked, strict=True) if v is not None)

    def contains(self, v: Any) -> bool:
        return isinstance(v, frozenset) and all(self.key.contains(k) and self.value.contains(x) for k, x in v)

    def __str__(self) -> str:
        return f"map<{self.key}, {self.value}>"


@ir
class TupleT:
    items: tuple[Type, ...]

    def values(self) -> Iterator[Any]:
        yield from itertools.product(*(t.values() for t in self.items))

    def contains(self, v: Any) -> bool:
        return (
            isinstance(v, tuple)
            and len(v) == len(self.items)
            and all(t.contains(x) for t, x in zip(self.items, v, strict=True))
        )

    def __str__(self) -> str:
        return "(" + ", ".join(map(str, self.items)) + ")"


@ir
class MsgT:
    """An in-flight message as properties see it: (src, dst, *fields)."""

    message: str

    def values(self) -> Iterator[Any]:
        raise ValueError("in-flight messages are not enumerated")

    def contains(self, v: Any) -> bool:
        return isinstance(v, tuple)

    def __str__(self) -> str:
        return f"message {self.message}"


Type = BoolT | IntT | EnumT | NodeT | OptionT | SetT | MapT | TupleT | MsgT

BOOL = BoolT()
INT = IntT()


def needs_check(t: Type) -> bool:
    """Whether a value computed for a slot of type `t` can fail to fit (so a run-time check is needed)."""
    if isinstance(t, BoolT | EnumT):
        return False
    if isinstance(t, OptionT):
        return needs_check(t.inner)
    return True


# ---------------------------------------------------------------- expressions


@ir
class Lit:
    type: Type
    value: Any


@ir
class Var:
    """A variable of the node that runs the handler, by slot."""

    type: Type
    slot: int


@ir
class NodeVar:
    """A variable of some node instance, read by a property."""

    type: Type
    node_type: str
    instance: Expr
    slot: int


@ir
class Local:
    """A frame slot: a message field, the sender, a `let`, or the variable of a loop or quantifier."""

    type: Type
    slot: int
    name: str = ""


@ir
class SelfRef:
    type: Type


@ir
class Now:
    type: Type


@ir
class ClockRead:
    type: Type
    kind: str  # "clock", "mono", "tt.earliest", "tt.latest"


@ir
class Unary:
    type: Type
    op: str  # "-" or "not"
    operand: Expr


@ir
class Binary:
    """op is one of + - * / % == != < <= > >= and or implies in notin union inter diff."""

    type: Type
    op: str
    left: Expr
    right: Expr
    span: Span = NOWHERE


@ir
class IfThen:
    type: Type
    cond: Expr
    then: Expr
    else_: Expr


@ir
class Quant:
    type: Type
    kind: str  # "all", "any", "count"
    slot: int
    domain: Expr
    body: Expr


@ir
class SetComp:
    type: Type
    slot: int
    domain: Expr
    elem: Expr
    cond: Expr | None


@ir
class MapComp:
    type: Type
    slot: int
    domain: Expr
    key: Expr
    value: Expr


@ir
class TupleLit:
    type: Type
    items: tuple[Expr, ...]


@ir
class SetLit:
    type: Type
    items: tuple[Expr, ...]


@ir
class MapLit:
    type: Type
    entries: tuple[tuple[Expr, Expr], ...]


@ir
class RangeSet:
    type: Type
    lo: Expr
    hi: Expr


@ir
class Index:
    """A map lookup; a missing key is a run-time error."""

    type: Type
    obj: Expr
    key: Expr
    span: Span


@ir
class TupleGet:
    type: Type
    obj: Expr
    index: int


@ir
class InstanceRef:
    """`Client[i]`: the i-th instance of a replicated node type (an index out of range is an error)."""

    type: Type
    node_type: str
    index: Expr
    span: Span


@ir
class Call:
    """A built-in: min, max (of several ints or of one set), len, keys, crashed, byzantine."""

    type: Type
    func: str
    args: tuple[Expr, ...]
    span: Span


@ir
class InFlight:
    type: Type
    message: str


@ir
class MsgField:
    """A field of an in-flight message seen by a property: index 0 is src, 1 is dst, 2.. the fields."""

    type: Type
    obj: Expr
    index: int


@ir
class Unwrap:
    """An optional value used where a plain one is needed: `none` there is a run-time error."""

    type: Type
    operand: Expr
    span: Span


Expr = (
    Lit
    | Var
    | NodeVar
    | Local
    | SelfRef
    | Now
    | ClockRead
    | Unary
    | Binary
    | IfThen
    | Quant
    | SetComp
    | MapComp
    | TupleLit
    | SetLit
    | MapLit
    | RangeSet
    | Index
    | TupleGet
    | InstanceRef
    | Call
    | InFlight
    | MsgField
    | Unwrap
)

# ---------------------------------------------------------------- statements


@ir
class Assign:
    """`var[k1][k2] op value`; the stored value is checked against `target_type` (the declared type of
    the variable, or of the map's values when keys are given)."""

    slot: int
    keys: tuple[Expr, ...]
    op: str  # "=", "+=", "-="
    value: Expr
    var_type: Type
    target_type: Type
    target_name: str
    span: Span


@ir
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    else_: tuple[Stmt, ...]


@ir
class For:
    slot: int
    domain: Expr
    body: tuple[Stmt, ...]


@ir
class Choose:
    """Nondeterministic choice: one successor per element; an empty domain means the step is not enabled."""

    slot: int
    domain: Expr
    body: tuple[Stmt, ...]
    span: Span


@ir
class Send:
    message: str
    args: tuple[Expr, ...]
    dest: Expr
    span: Span


@ir
class Broadcast:
    message: str
    args: tuple[Expr, ...]
    dests: Expr  # a set of nodes (or one node)
    span: Span


@ir
class SetTimer:
    timer: int
    after: Expr | None
    span: Span


@ir
class CancelTimer:
    timer: int


@ir
class Assert:
    name: str
    cond: Expr
    span: Span


@ir
class Let:
    slot: int
    value: Expr


@ir
class Reject:
    """Abandon the step: as if its guard had been false."""


Stmt = Assign | If | For | Choose | Send | Broadcast | SetTimer | CancelTimer | Assert | Let | Reject

# ---------------------------------------------------------------- declarations


@ir
class Field:
    name: str
    type: Type


@ir
class Message:
    name: str
    index: int
    fields: tuple[Field, ...]
    signed: bool = False


@ir
class VarDecl:
    name: str
    kind: str  # "var", "durable", "ghost"
    type: Type
    init: Expr  # may read `self`
    slot: int
    span: Span
    holds_time: bool = False  # declared `time`: a clock reading or a deadline


@ir
class Handler:
    kind: str  # "receive", "timeout", "action", "start", "recover"
    node_type: str
    name: str
    message: str | None
    params: tuple[int, ...]  # frame slots of the message fields (a prefix of them may be unnamed)
    sender_slot: int | None
    guard: Expr | None
    body: tuple[Stmt, ...]
    frame_size: int
    timer: int | None
    span: Span


@ir
class NodeType:
    name: str
    count: int
    replicated: bool
    symmetric: bool
    first: int  # global index of instance 0
    vars: tuple[VarDecl, ...]
    timers: tuple[str, ...]
    handlers: tuple[Handler, ...]

    @property
    def instances(self) -> range:
        return range(self.first, self.first + self.count)

    def handler(self, kind: str, name: str | None = None) -> Handler | None:
        for h in self.handlers:
            if h.kind == kind and (name is None or h.name == name):
                return h
        return None


@ir
class Instance:
    index: int
    node_type: str
    name: str  # "Lock" or "Client[1]"
    ordinal: int  # index within its node type


@ir
class Invariant:
    name: str
    expr: Expr
    frame_size: int
    span: Span
    text: str


@ir
class Network:
    ordering: str  # "fifo", "reorder", "duplicating"
    loss: int = 0
    duplicate: int = 0
    partition: int = 0
    asymmetric: bool = False


@ir
class FaultBudget:
    """`crash_stop <= k of T`, `crash_recovery <= k of T`: at most k crashes among the nodes of type T.
    `pause <= P of T`: any node of type T may be paused, each pause lasting at most P ticks (after GST).
    `byzantine <= f of T`: up to f nodes of type T are Byzantine from the start."""

    kind: str  # "crash_stop", "crash_recovery", "pause", "byzantine"
    node_type: str
    bound: int


@ir
class Clocks:
    """Each node's time-of-day clock stays within `skew` of real time; with `drift` a clock advances by
    0, 1 or 2 per tick; `ntp` steps the adversary may take to set a clock anywhere within the skew
    (-1: any number)."""

    skew: int = 0
    drift: bool = False
    ntp: int = 0


@ir
class Model:
    name: str
    timing: str = "asynchronous"  # or "synchronous", "partially_synchronous"
    network: Network = field(default_factory=lambda: Network("reorder"))
    faults: tuple[FaultBudget, ...] = ()
    horizon: int | None = None
    delay: int | None = None  # the delivery bound (after GST under partial synchrony)
    gst: int | None = None  # GST comes by this time at the latest (partial synchrony); None: maybe never
    clocks: Clocks = field(default_factory=Clocks)
    span: Span = NOWHERE

    @property
    def timed(self) -> bool:
        """Whether real time advances (synchronous or partially synchronous timing)."""
        return self.timing != "asynchronous"

    def budget(self, kind: str, node_type: str) -> int:
        return sum(f.bound for f in self.faults if f.kind == kind and f.node_type == node_type)

    def time_range(self) -> tuple[int, int]:
        """The values of the `time` type: any clock reading, plus a duration of up to the horizon."""
        horizon = self.horizon or 0
        return (-self.clocks.skew, 2 * horizon + self.clocks.skew)

    def bounds(self) -> str:
        """The model's bounds in one line, so that a verdict is never read as more than it is."""
        timing = self.timing
        if self.timed:
            timing += f" (delay<={self.delay}"
            if self.timing == "partially_synchronous":
                timing += f" after GST, GST<={self.gst})" if self.gst is not None else " after GST, GST any time or never)"
            else:
                timing += ")"
        parts = [timing]
        net = self.network
        parts.append(net.ordering)
        for key in ("loss", "duplicate", "partition"):
            value = getattr(net, key)
            if value:
                parts.append(f"{key}<={value}{' asymmetric' if key == 'partition' and net.asymmetric else ''}")
        for fault in self.faults:
            if fault.kind == "pause":
                parts.append(f"pauses<={fault.bound} ticks of {fault.node_type}")
            else:
                parts.append(f"{fault.kind}<={fault.bound} of {fault.node_type}")
        if self.timed:
            clocks = self.clocks
            clock_parts = [f"skew<={clocks.skew}"]
            if clocks.drift:
                clock_parts.append("drift")
            if clocks.ntp:
                clock_parts.append("ntp" if clocks.ntp < 0 else f"ntp<={clocks.ntp}")
            parts.append("clocks " + " ".join(clock_parts))
            parts.append(f"horizon {self.horizon}")
        return ", ".join(parts)


@ir
class System:
    """One spec under one model: everything a back end needs."""

    spec: str
    uri: str
    model: Model
    consts: tuple[tuple[str, Any], ...]
    enums: tuple[EnumT, ...]
    messages: tuple[Message, ...]
    node_types: tuple[NodeType, ...]
    instances: tuple[Instance, ...]
    invariants: tuple[Invariant, ...]
    asserts: tuple[tuple[str, Span], ...]
    warnings: tuple[Diagnostic, ...] = ()

    def node_type(self, name: str) -> NodeType:
        for nt in self.node_types:
            if nt.name == name:
                return nt
        raise KeyError(name)

    def message(self, name: str) -> Message:
        for m in self.messages:
            if m.name == name:
                return m
        raise KeyError(name)


# A set built while the spec runs (a range, a domain to enumerate) may hold at most this many values: beyond
# it, one step would take seconds and gigabytes. The front end refuses larger constant ranges (FL503); the
# back ends refuse larger ones computed at run time.
MAX_DOMAIN = 2**20


def domain_size(t: Type) -> int:
    """How many values a type has (without listing them)."""
    if isinstance(t, BoolT):
        return 2
    if isinstance(t, IntT):
        return (t.hi - t.lo + 1) if t.lo is not None and t.hi is not None else 1 << 62
    if isinstance(t, EnumT):
        return len(t.members)
    if isinstance(t, NodeT):
        return len(t.instances)
    if isinstance(t, OptionT):
        return 1 + domain_size(t.inner)
    if isinstance(t, SetT):
        return 1 << min(domain_size(t.elem), 62)
    if isinstance(t, MapT):
        return (domain_size(t.value) + 1) ** min(domain_size(t.key), 62)
    if isinstance(t, TupleT):
        size = 1
        for item in t.items:
            size *= domain_size(item)
        return size
    return 1 << 62
