"""The IR: one spec instantiated for one model, with every constant evaluated, every name resolved to a
slot and every type given its finite domain. It is the contract between the front end and the back ends:
the explicit-state explorer and the Z3 encoder read only this module's types, never the AST.

Run-time values are plain Python data: bool, int, an enum member's index, a node instance's index,
None for `none`, frozenset for sets, frozenset of (key, value) pairs for maps, tuple for tuples.

Every back end iterates a set in one canonical order, `canonical_key` (docs/semantics.md): `none` first,
then false before true, integers (enum members and nodes by their index) ascending, tuples
lexicographically, and sets and maps compared as the sorted sequences of their elements (a map's
elements are its (key, value) pairs). `Type.values()` yields a type's values in that same order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar, dataclass_transform

from spec.diagnostics import Diagnostic
from spec.source import NOWHERE, Span

_T = TypeVar("_T")


def canonical_key(value: Any) -> tuple[Any, ...]:
    """The canonical total order on run-time values: the order of every iteration over a set, in every
    back end (it decides which `all` stops before a run-time error, which key of a map comprehension
    wins, and the order of a loop's effects)."""
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int):
        return (2, value)
    if isinstance(value, tuple):
        return (3, tuple(canonical_key(v) for v in value))
    if isinstance(value, frozenset):
        return (4, tuple(sorted(canonical_key(v) for v in value)))
    return (5, repr(value))


def in_canonical_order(values: Any) -> list[Any]:
    """`values` sorted in the canonical order."""
    return sorted(values, key=canonical_key)


@dataclass_transform(frozen_default=True)
def ir(cls: type[_T]) -> type[_T]:
    """IR nodes are frozen, slotted dataclasses."""
    return dataclass(frozen=True, slots=True)(cls)


# ---------------------------------------------------------------- types with finite domains


_ABSENT = object()  # a key missing from a map, while MapT.values() enumerates maps


@ir
class NeverT:
    """The type with no values: the element type of `{}` and the inner type of `none`, so that joining
    them with another type takes nothing from them."""

    def values(self) -> Iterator[Any]:
        yield from ()

    def contains(self, v: Any) -> bool:
        return False

    def __str__(self) -> str:
        return "nothing"


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
        subsets = (
            frozenset(c) for size in range(len(elems) + 1) for c in itertools.combinations(elems, size)
        )
        yield from in_canonical_order(subsets)

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
        # each key absent, or bound to any value (`none` included, for a map of optional values)
        choices = [[_ABSENT, *self.value.values()] for _ in keys]
        maps = (
            frozenset((k, v) for k, v in zip(keys, picked, strict=True) if v is not _ABSENT)
            for picked in itertools.product(*choices)
        )
        yield from in_canonical_order(maps)

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


Type = NeverT | BoolT | IntT | EnumT | NodeT | OptionT | SetT | MapT | TupleT | MsgT

_TYPES = (NeverT, BoolT, IntT, EnumT, NodeT, OptionT, SetT, MapT, TupleT, MsgT)
NEVER = NeverT()
BOOL = BoolT()
INT = IntT()


def join(a: Type, b: Type) -> Type:
    """The least type that holds every value of `a` and of `b` (the type of `if c then a else b`, of a set
    literal, of a union). The checker has made sure the two are compatible."""
    if isinstance(a, NeverT):
        return b
    if isinstance(b, NeverT) or a == b:
        return a
    if isinstance(a, OptionT) or isinstance(b, OptionT):
        inner_a = a.inner if isinstance(a, OptionT) else a
        inner_b = b.inner if isinstance(b, OptionT) else b
        return OptionT(join(inner_a, inner_b))
    if isinstance(a, IntT) and isinstance(b, IntT):
        lo = None if a.lo is None or b.lo is None else min(a.lo, b.lo)
        hi = None if a.hi is None or b.hi is None else max(a.hi, b.hi)
        return IntT(lo, hi)
    if isinstance(a, NodeT) and isinstance(b, NodeT):
        node_type = a.node_type if a.node_type == b.node_type else None
        return NodeT(node_type, tuple(sorted(set(a.instances) | set(b.instances))))
    if isinstance(a, SetT) and isinstance(b, SetT):
        return SetT(join(a.elem, b.elem))
    if isinstance(a, MapT) and isinstance(b, MapT):
        return MapT(join(a.key, b.key), join(a.value, b.value))
    if isinstance(a, TupleT) and isinstance(b, TupleT) and len(a.items) == len(b.items):
        return TupleT(tuple(join(x, y) for x, y in zip(a.items, b.items, strict=True)))
    return a


def join_all(types: Iterable[Type]) -> Type:
    out: Type = NEVER
    for t in types:
        out = join(out, t)
    return out


def domain_size(t: Type) -> int:
    """How many values a type has (without listing them); 2**62 stands for "too many"."""
    huge = 1 << 62
    if isinstance(t, NeverT):
        return 0
    if isinstance(t, BoolT):
        return 2
    if isinstance(t, IntT):
        return min(t.hi - t.lo + 1, huge) if t.lo is not None and t.hi is not None else huge
    if isinstance(t, EnumT):
        return len(t.members)
    if isinstance(t, NodeT):
        return len(t.instances)
    if isinstance(t, OptionT):
        return min(1 + domain_size(t.inner), huge)
    if isinstance(t, SetT):
        return 1 << min(domain_size(t.elem), 62)
    if isinstance(t, MapT):
        keys = domain_size(t.key)
        values = domain_size(t.value) + 1
        return huge if keys >= 62 or values**keys > huge else values**keys
    if isinstance(t, TupleT):
        size = 1
        for item in t.items:
            size = min(size * domain_size(item), huge)
        return size
    return huge


def needs_check(t: Type) -> bool:
    """Whether a value computed for a slot of type `t` can fail to fit (so a run-time check is needed). Every
    type but an optional one can: a value of `T?` goes where a `T` is wanted, checked then not to be `none`
    (a bool or an enum value fits otherwise)."""
    if isinstance(t, OptionT):
        return not isinstance(t.inner, BoolT | EnumT) and needs_check(t.inner)
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
    cond: Expr | None = None


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
class Old:
    """`old(e)` in a step invariant: `e` evaluated in the state before the step."""

    type: Type
    operand: Expr


@ir
class Unwrap:
    """An optional value used where a plain one is needed: `none` there is a run-time error."""

    type: Type
    operand: Expr
    span: Span


def walk(node: Any) -> Iterator[Any]:
    """Every IR node under `node`, itself included (expressions and statements; types are not entered)."""
    yield node
    for name in getattr(node, "__slots__", ()):
        value = getattr(node, name)
        for item in value if isinstance(value, tuple) else (value,):
            for x in item if isinstance(item, tuple) else (item,):
                if hasattr(x, "__slots__") and not isinstance(x, _TYPES):
                    yield from walk(x)


def may_fail(e: Any) -> bool:
    """Whether evaluating an expression can stop with a run-time error (a missing key, `none` used, an
    instance out of range, a division by zero, the minimum of nothing)."""
    for sub in walk(e):
        if isinstance(sub, Index | Unwrap | InstanceRef):
            return True
        if isinstance(sub, Binary) and sub.op in ("/", "%"):
            return True
        if isinstance(sub, Call) and sub.func in ("min", "max") and len(sub.args) == 1:
            return True
    return False


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
    | Old
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

# ---------------------------------------------------------------- kinds


class VarKind(StrEnum):
    VAR = "var"  # volatile: back to its initial value when its node recovers from a crash
    DURABLE = "durable"
    GHOST = "ghost"  # bookkeeping for properties; never influences behaviour


class HandlerKind(StrEnum):
    RECEIVE = "receive"
    TIMEOUT = "timeout"
    ACTION = "action"
    START = "start"
    RECOVER = "recover"


class Expected(StrEnum):
    """The verdict a model's `expect` says a property should get."""

    HOLDS = "holds"
    VIOLATED = "violated"


# The words `expect` takes for each verdict: `expect all hold`, `expect p holds`, `expect p violated`.
EXPECTED_WORDS: dict[str, Expected] = {
    "holds": Expected.HOLDS,
    "hold": Expected.HOLDS,
    "violated": Expected.VIOLATED,
}


class Timing(StrEnum):
    ASYNCHRONOUS = "asynchronous"
    SYNCHRONOUS = "synchronous"
    PARTIALLY_SYNCHRONOUS = "partially_synchronous"


class Ordering(StrEnum):
    FIFO = "fifo"  # one queue per directed link
    REORDER = "reorder"  # a bag
    DUPLICATING = "duplicating"  # a set: a delivered message stays


class FaultKind(StrEnum):
    CRASH_STOP = "crash_stop"
    CRASH_RECOVERY = "crash_recovery"
    PAUSE = "pause"
    BYZANTINE = "byzantine"


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
    kind: VarKind
    type: Type
    init: Expr  # may read `self`
    slot: int
    span: Span
    holds_time: bool = False  # declared `time`: a clock reading or a deadline


@ir
class Handler:
    kind: HandlerKind
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
    fairness: str | None = None  # "fair", "unfair", or None: the model's default (docs/semantics.md)


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
    name_span: Span = NOWHERE  # where the type is declared, for warnings about it

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

    @property
    def step(self) -> bool:
        """Whether it speaks of a step (`old(e)`): then it is checked on every transition, not on states."""
        return any(isinstance(sub, Old) for sub in walk(self.expr))


class TemporalKind(StrEnum):
    EVENTUALLY = "eventually"
    ALWAYS_EVENTUALLY = "always_eventually"
    EVENTUALLY_ALWAYS = "eventually_always"
    LEADS_TO = "leads_to"


@ir
class Liveness:
    """A temporal property over the fair runs of the model: `eventually p`, `always eventually p`,
    `eventually always p` or `p leads_to q` (docs/semantics.md, Liveness)."""

    name: str
    kind: TemporalKind
    first: Expr  # p
    second: Expr | None  # q, for leads_to
    frame_size: int
    span: Span
    text: str


@ir
class Network:
    """The network's ordering and the adversary's budgets on it. `loss` with no bound (`unbounded_loss`):
    any message in flight may be lost at any step, as often as the adversary likes, with nothing spent."""

    ordering: Ordering
    loss: int = 0
    duplicate: int = 0
    partition: int = 0
    asymmetric: bool = False
    unbounded_loss: bool = False

    @property
    def lossy(self) -> bool:
        """Whether the adversary may lose messages at all."""
        return self.unbounded_loss or self.loss > 0

    def may_lose(self, spent: int) -> bool:
        """Whether a message may be lost after `spent` losses."""
        return self.unbounded_loss or spent < self.loss


@ir
class FaultBudget:
    """`crash_stop <= k of T`, `crash_recovery <= k of T`: at most k crashes among the nodes of type T.
    `pause <= P of T`: any node of type T may be paused, each pause lasting at most P ticks (after GST).
    `byzantine <= f of T`: up to f nodes of type T are Byzantine from the start."""

    kind: FaultKind
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
    timing: Timing = Timing.ASYNCHRONOUS
    network: Network = field(default_factory=lambda: Network(Ordering.REORDER))
    faults: tuple[FaultBudget, ...] = ()
    horizon: int | None = None
    delay: int | None = None  # the delivery bound (after GST under partial synchrony)
    gst: int | None = None  # GST comes by this time at the latest (partial synchrony); None: maybe never
    clocks: Clocks = field(default_factory=Clocks)
    span: Span = NOWHERE
    # What `expect` says: a verdict for every property (`expect all ...`), and one for each property named.
    # A property neither covers is expected to hold.
    expect_all: Expected | None = None
    expect: tuple[tuple[str, Expected], ...] = ()

    def expected(self, prop: str) -> Expected:
        """The verdict the model expects for `prop`."""
        return dict(self.expect).get(prop) or self.expect_all or Expected.HOLDS

    @property
    def timed(self) -> bool:
        """Whether real time advances (synchronous or partially synchronous timing)."""
        return self.timing != "asynchronous"

    def budget(self, kind: str, node_type: str) -> int:
        return sum(f.bound for f in self.faults if f.kind == kind and f.node_type == node_type)

    def reading_range(self, kind: str) -> tuple[int, int]:
        """The values a clock reading can take: a clock stays within the skew of real time (0..horizon), and
        a TrueTime bound is a further skew away on its side."""
        horizon = self.horizon or 0
        skew = self.clocks.skew if self.timed else 0
        if kind == "tt.earliest":
            return (-2 * skew, horizon)
        if kind == "tt.latest":
            return (0, horizon + 2 * skew)
        return (-skew, horizon + skew)

    def time_range(self) -> tuple[int, int]:
        """The values of the `time` type: any clock reading (TrueTime bounds included), plus a duration of up
        to the horizon."""
        horizon = self.horizon or 0
        skew = self.clocks.skew if self.timed else 0
        return (-2 * skew, 2 * horizon + 2 * skew)

    def bounds(self) -> str:
        """The model's bounds in one line, so that a verdict is never read as more than it is."""
        timing = str(self.timing)
        if self.timed:
            timing += f" (delay<={self.delay}"
            if self.timing == "partially_synchronous":
                timing += (
                    f" after GST, GST<={self.gst})"
                    if self.gst is not None
                    else " after GST, GST any time or never)"
                )
            else:
                timing += ")"
        parts = [timing]
        net = self.network
        parts.append(str(net.ordering))
        if net.unbounded_loss:
            parts.append("loss")
        for key in ("loss", "duplicate", "partition"):
            value = getattr(net, key)
            if value:
                parts.append(
                    f"{key}<={value}{' asymmetric' if key == 'partition' and net.asymmetric else ''}"
                )
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
    liveness: tuple[Liveness, ...] = ()

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
