"""The properties of a model, and how invariants are checked on a state: each compiled invariant is
remembered on the part of the state it reads (its footprint: the local states of the node types it names,
the network if it asks what is in flight, real time if it reads `now`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from explorer.compile import NO_RUNTIME_ERRORS, Compiler, Ctx, SpecRuntimeError
from explorer.model import Property, PropertyKind
from explorer.plan import Plan
from explorer.semantics.effects import Effects, error_of
from explorer.state import NOW, State
from spec import ir
from spec.names import DEADLOCK_FREE


def properties_of(system: ir.System, selected: list[str] | None, deadlock: bool) -> list[Property]:
    """Every property a model checks (only the `selected` ones, if given): its invariants, its assertions,
    `no_runtime_errors`, and with `deadlock`, `deadlock_free`. An unknown selection raises KeyError
    (spec.select reports it first, as a diagnostic)."""
    uri = system.uri
    props = [
        Property(inv.name, PropertyKind.INVARIANT, inv.text, f"{uri}:{inv.span.line}:{inv.span.column}")
        for inv in system.invariants
    ]
    props += [
        Property(
            name, PropertyKind.ASSERTION, f"assert at line {span.line}", f"{uri}:{span.line}:{span.column}"
        )
        for name, span in system.asserts
    ]
    props.append(
        Property(
            NO_RUNTIME_ERRORS,
            PropertyKind.RUNTIME,
            "no value leaves its range, no missing key, no `none` used",
            "",
        )
    )
    if deadlock:
        props.append(
            Property(DEADLOCK_FREE, PropertyKind.DEADLOCK, "some protocol step is always enabled", "")
        )
    if selected:
        known = {p.name for p in props} | {p.name for p in system.liveness}
        unknown = [s for s in selected if s not in known]
        if unknown:
            raise KeyError(unknown[0])
        keep = set(selected)
        props = [p for p in props if p.name in keep]
    return props


def liveness_of(system: ir.System, selected: list[str] | None) -> list[Property]:
    """The liveness properties a model checks (only the `selected` ones, if given)."""
    uri = system.uri
    return [
        Property(p.name, PropertyKind.LIVENESS, p.text, f"{uri}:{p.span.line}:{p.span.column}")
        for p in system.liveness
        if not selected or p.name in selected
    ]


class Conditions:
    """The conditions of the liveness properties (p, and q of `p leads_to q`), evaluated on states."""

    def __init__(self, plan: Plan, effects: Effects, view: Callable[[State], View]) -> None:
        self.plan = plan
        self.view = view
        compiler = Compiler(plan.system)
        self.compiled: dict[str, tuple[Callable[[Ctx], Any], Callable[[Ctx], Any] | None, int]] = {}
        for prop in plan.system.liveness:
            second = compiler.expr(prop.second) if prop.second is not None else None
            self.compiled[prop.name] = (compiler.expr(prop.first), second, prop.frame_size)

    def evaluate(self, state: State, name: str) -> tuple[bool, bool]:
        """(p, q) in `state` (q is True where there is none); a condition that cannot be evaluated (a
        missing key, `none`) is false there."""
        first, second, frame_size = self.compiled[name]
        view = self.view(state)
        now = state[self.plan.n + 2][NOW]
        out = []
        for fn in (first, second):
            if fn is None:
                out.append(True)
                continue
            try:
                out.append(bool(fn(Ctx([], [None] * frame_size, -1, None, view, now=now))))
            except Exception as raised:
                error_of(raised)  # a run-time error of the spec (anything else is ours, and raised)
                out.append(False)
        return out[0], out[1]


class View:
    """What properties see of a global state (explorer.compile.World): every node's local state, and the
    messages in flight of each type as (src, dst, *fields)."""

    __slots__ = ("_inflight", "_seen", "before", "before_now", "locals")

    def __init__(
        self, locals_: list[tuple[Any, ...]], inflight: Callable[[int], frozenset[tuple[Any, ...]]]
    ) -> None:
        self.locals = locals_
        self.before: View | None = None  # a step invariant's view: the state before the step
        self.before_now = 0
        self._inflight = inflight
        self._seen: dict[int, frozenset[tuple[Any, ...]]] = {}  # a property may ask again inside a quantifier

    def inflight(self, message: int) -> frozenset[tuple[Any, ...]]:
        found = self._seen.get(message)
        if found is None:
            found = self._seen[message] = self._inflight(message)
        return found


class _Invariant:
    def __init__(
        self, inv: ir.Invariant, fn: Callable[[Ctx], Any], footprint: tuple[int, ...], net: bool, now: bool
    ) -> None:
        self.name = inv.name
        self.fn = fn
        self.frame_size = inv.frame_size
        self.footprint = footprint
        self.reads_network = net
        self.reads_now = now
        self.memo: dict[tuple[Any, ...], bool] = {}


class Invariants:
    """The compiled invariants of a model (those being checked)."""

    def __init__(self, plan: Plan, effects: Effects, wanted: set[str]) -> None:
        self.plan = plan
        self.effects = effects
        compiler = Compiler(plan.system)
        self.compiled: list[_Invariant] = []  # on states
        self.steps: list[_Invariant] = []  # on steps: those with old(e)
        for inv in plan.system.invariants:
            if inv.name not in wanted:
                continue
            types_read, reads_all, reads_net = _footprint(inv.expr)
            if reads_all:
                footprint = tuple(range(plan.n))
            else:
                footprint = tuple(
                    i for nt in plan.system.node_types if nt.name in types_read for i in nt.instances
                )
            reads_now = any(isinstance(sub, ir.Now) for sub in ir.walk(inv.expr))
            compiled = _Invariant(inv, compiler.expr(inv.expr), footprint, reads_net, reads_now)
            (self.steps if inv.step else self.compiled).append(compiled)

    def violated(self, state: State) -> list[str]:
        """The invariants `state` violates. An invariant that cannot be evaluated in a state (a missing key,
        `none` where a value is needed) is violated there, as in the Z3 back end: the trace shows how."""
        n = self.plan.n
        bad: list[str] = []
        view: View | None = None
        for inv in self.compiled:
            key = tuple(state[i] for i in inv.footprint)
            if inv.reads_network:
                key = (*key, state[n])
            if inv.reads_now:
                key = (*key, state[n + 2][NOW])
            ok = inv.memo.get(key)
            if ok is None:
                if view is None:
                    view = self.view(state)
                ctx = Ctx([], [None] * inv.frame_size, -1, None, view, now=state[n + 2][NOW])
                try:
                    ok = bool(inv.fn(ctx))
                except Exception as raised:
                    error_of(raised)  # a run-time error of the spec (anything else is ours, and raised)
                    ok = False
                inv.memo[key] = ok
            if not ok:
                bad.append(inv.name)
        return bad

    def violated_step(self, before: State, after: State) -> list[str]:
        """The step invariants (those with `old(e)`) the step from `before` to `after` violates; one that
        cannot be evaluated there is violated, as an invariant is."""
        bad: list[str] = []
        for inv in self.steps:
            key = (self.key(inv, before), self.key(inv, after))
            ok = inv.memo.get(key)
            if ok is None:
                ok = self.evaluation_error(after, inv.name, before) is None and bool(
                    self.evaluate(inv, after, before)
                )
                inv.memo[key] = ok
            if not ok:
                bad.append(inv.name)
        return bad

    def key(self, inv: _Invariant, state: State) -> tuple[Any, ...]:
        """The part of `state` the invariant reads."""
        n = self.plan.n
        key = tuple(state[i] for i in inv.footprint)
        if inv.reads_network:
            key = (*key, state[n])
        if inv.reads_now:
            key = (*key, state[n + 2][NOW])
        return key

    def evaluate(self, inv: _Invariant, state: State, before: State | None) -> Any:
        view = self.view(state)
        if before is not None:
            view.before, view.before_now = self.view(before), before[self.plan.n + 2][NOW]
        ctx = Ctx([], [None] * inv.frame_size, -1, None, view, now=state[self.plan.n + 2][NOW])
        return inv.fn(ctx)

    def evaluation_error(
        self, state: State, name: str, before: State | None = None
    ) -> SpecRuntimeError | None:
        """Why invariant `name` cannot be evaluated in `state` (on the step from `before`, for a step
        invariant), if it cannot (for traces)."""
        for inv in (*self.compiled, *self.steps):
            if inv.name == name and (before is not None or inv not in self.steps):
                try:
                    self.evaluate(inv, state, before)
                except Exception as raised:
                    return error_of(raised)
        return None

    def view(self, state: State) -> View:
        n = self.plan.n
        values = self.effects.locals.values
        locals_ = [values[lid] for lid in state[:n]]
        net = state[n]
        msgs = self.effects.msgs.values
        stride = self.plan.stride
        entries = self.effects.order.entries(net)

        def inflight(message: int) -> frozenset[tuple[Any, ...]]:
            return frozenset(
                (src, dst, *args) for src, dst, m, args in _messages(msgs, entries, stride) if m == message
            )

        return View(locals_, inflight)


def _messages(
    msgs: list[tuple[int, int, int, tuple[Any, ...]]],
    entries: list[int],
    stride: int,
) -> Iterator[tuple[int, int, int, tuple[Any, ...]]]:
    for entry in entries:
        yield msgs[entry // stride]


def _footprint(e: ir.Expr) -> tuple[set[str], bool, bool]:
    """Which node types an expression reads, whether it may read any node, whether it reads the network."""
    types: set[str] = set()
    reads_all = False
    reads_net = False
    for sub in ir.walk(e):
        if isinstance(sub, ir.NodeVar):
            types.add(sub.node_type)
        elif isinstance(sub, ir.Call) and sub.func in ("crashed", "byzantine"):
            arg_t = sub.args[0].type
            if isinstance(arg_t, ir.NodeT) and arg_t.node_type is not None:
                types.add(arg_t.node_type)
            else:
                reads_all = True
        elif isinstance(sub, ir.InFlight):
            reads_net = True
    return types, reads_all, reads_net
