"""What compiled code runs on: the context of one step (or one property evaluation), and how a run-time
error of the spec stops it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from explorer.model import SpecRuntimeError
from explorer.values import ordered
from spec.names import NO_RUNTIME_ERRORS
from spec.source import Span


class Raised(Exception):
    """A run-time error of the spec, on its way out of compiled code."""

    def __init__(self, error: SpecRuntimeError) -> None:
        super().__init__(error.message)
        self.error = error


def fail(message: str, span: Span, kind: str = "runtime", prop: str = NO_RUNTIME_ERRORS) -> Raised:
    return Raised(SpecRuntimeError(kind, prop, message, span))


class World(Protocol):
    """What a property sees of a global state: every node's local state (laid out as in explorer.state),
    and the messages in flight."""

    locals: list[tuple[Any, ...]]

    @property
    def before(self) -> World | None:
        """For a step invariant: the world before the step, which `old(e)` reads."""
        ...

    @property
    def before_now(self) -> int: ...

    def inflight(self, message: int) -> frozenset[tuple[Any, ...]]: ...


class Ctx:
    """The mutable state of one running step (or one property evaluation)."""

    __slots__ = (
        "byzantine",
        "clock",
        "error",
        "frame",
        "mono",
        "now",
        "self_index",
        "sends",
        "timers",
        "vars",
        "world",
    )

    def __init__(
        self,
        vars_: list[Any],
        frame: list[Any],
        self_index: int,
        timers: list[int | None] | None = None,
        world: World | None = None,
        clock: int = 0,
        mono: int = 0,
        now: int = 0,
    ) -> None:
        self.vars = vars_
        self.frame = frame
        self.self_index = self_index
        self.timers = timers if timers is not None else []  # deadline per timer, None: not armed
        self.sends: list[tuple[int, int, tuple[Any, ...]]] = []  # (dst, message index, args)
        self.error: SpecRuntimeError | None = None
        self.world = world
        self.clock = clock
        self.mono = mono
        self.now = now
        self.byzantine = 0  # bit mask of the Byzantine nodes, for ghost code in handlers

    def copy(self) -> Ctx:
        c = Ctx(
            list(self.vars),
            list(self.frame),
            self.self_index,
            list(self.timers),
            self.world,
            self.clock,
            self.mono,
            self.now,
        )
        c.sends = list(self.sends)
        c.byzantine = self.byzantine
        return c


Fn = Callable[[Ctx], Any]


def in_order(values: frozenset[Any]) -> list[Any]:
    """A domain in the canonical order every back end iterates it (spec.ir.canonical_key), which decides,
    among other things, whether an `all` stops before a run-time error in a later element."""
    if all(type(v) is int for v in values):
        return sorted(values)  # the common case, and the same order
    return ordered(values)


class InOrder:
    """`in_order` for one place of a spec (a quantifier, a loop, a comprehension), remembering the order of
    each domain it has sorted: the same few domains (a node type's instances, a variable's few values) come
    back in every state, and sorting them by canonical keys was most of a property's evaluation. Only for one
    place: there the domain's type is fixed, while across places equal sets may hold different values
    (frozenset({0, 1}) == frozenset({False, True}))."""

    __slots__ = ("memo",)

    def __init__(self) -> None:
        self.memo: dict[frozenset[Any], tuple[Any, ...]] = {}

    def __call__(self, values: frozenset[Any]) -> tuple[Any, ...]:
        found = self.memo.get(values)
        if found is None:
            if len(self.memo) >= _REMEMBERED:
                self.memo.clear()
            found = self.memo[values] = tuple(in_order(values))
        return found


_REMEMBERED = 4096  # domains remembered per place


Block = Callable[[Ctx], list[Ctx]]
Step = Callable[[Ctx], list[Ctx]]
