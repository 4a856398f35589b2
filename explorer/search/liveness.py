"""Liveness on the explored graph: a lasso (a stem from an initial state, then a cycle repeated forever)
that is a fair run and violates the property, found from the strongly connected components of the
reachable states, as TLC does. docs/semantics.md (Liveness) gives the rules.

A run may stay in a state for ever (stutter), as in TLA+, unless fairness owes a step enabled there: so
every strongly connected component holds cycles, and one is fair when every step that is owed in all of
its states is taken by one of its edges (a cycle through all of it is then fair; weak fairness needs
nothing more). The stem is a shortest one (breadth-first); the cycle is built from
shortest paths inside the component through the steps fairness asks for.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from explorer.model import Action, FairModel, SpecRuntimeError, State
from explorer.search.explore import explore
from explorer.search.limits import BoundReached, time_reason, watchdog
from explorer.trace.path import Path

Edge = tuple[int, Action, Hashable | None]  # (target state, action, fairness token or None)


@dataclass
class Graph:
    """Every reachable state, with its steps and the fairness tokens each owes."""

    states: list[State] = field(default_factory=list)
    init: list[tuple[Action, int]] = field(default_factory=list)
    edges: list[list[Edge]] = field(default_factory=list)
    owed: list[frozenset[Hashable]] = field(default_factory=list)  # tokens enabled (and owed) per state


@dataclass(frozen=True)
class Lasso:
    """`stem`: an initial action and state, then (action, state) steps; its last state is where the cycle
    starts. `cycle`: the steps from there back to it (empty: the run stays in the last state for ever)."""

    stem: tuple[tuple[Action, int], ...]
    cycle: tuple[tuple[Action, int], ...]
    trigger: int | None = None  # leads_to: the index in the stem of the state where p held without q


@dataclass
class LivenessResult:
    graph: Graph | None
    lassos: dict[str, Lasso | None]  # None: the property holds
    complete: bool = True
    stop_reason: str | None = None
    seconds: float = 0.0


def check_liveness(
    model: FairModel, max_states: int | None = None, max_seconds: float | None = None, max_memory: int = 0
) -> LivenessResult:
    """Every liveness property of `model`, on its whole reachable graph (built without symmetry)."""
    started = time.perf_counter()
    graph, reason = _build_graph(model, max_states, max_seconds, max_memory)
    if graph is None:
        return LivenessResult(None, {}, False, reason, time.perf_counter() - started)
    left = None if max_seconds is None else max(max_seconds - (time.perf_counter() - started), 0.001)
    try:
        with watchdog(left, max_memory):
            lassos = {p.name: find_lasso(model, graph, p.name) for p in model.liveness}
    except BoundReached as bound:
        # the watchdog of this phase counts from its start: say the bound the user gave
        timed_out = max_seconds is not None and bound.reason.startswith("time bound")
        reason = time_reason(max_seconds) if timed_out and max_seconds is not None else bound.reason
        return LivenessResult(None, {}, False, reason, time.perf_counter() - started)
    except KeyboardInterrupt:
        return LivenessResult(None, {}, False, "interrupted", time.perf_counter() - started)
    return LivenessResult(graph, lassos, seconds=time.perf_counter() - started)


def build_graph(model: FairModel, max_states: int | None = None) -> Graph | None:
    """Every reachable state and step (None: more than `max_states` states)."""
    graph, _ = _build_graph(model, max_states, None, 0)
    return graph


def _build_graph(
    model: FairModel, max_states: int | None, max_seconds: float | None, max_memory: int
) -> tuple[Graph | None, str | None]:
    """The graph, walked by the one search (explorer/search/explore.py), or why it could not be."""
    builder = _GraphBuilder(model)
    bound = None if max_states is None else max_states + 1  # the search stops at the first state past it
    result = explore(model, visitor=builder, max_states=bound, max_seconds=max_seconds, max_memory=max_memory)
    if not result.complete:
        if result.stop_reason is not None and result.stop_reason.startswith("state bound"):
            return None, f"state bound {max_states} reached"
        return None, result.stop_reason
    return builder.finished(), None


class _GraphBuilder:
    """The graph of a search, numbered in the order the search reached its states (a search Visitor)."""

    def __init__(self, model: FairModel) -> None:
        self.model = model
        self.graph = Graph()
        self.index: dict[int, int] = {}  # fingerprint -> number
        self.owed: list[set[Hashable]] = []

    def state(self, fp: int, state: State, init: Action | None) -> bool:
        if init is not None:  # the first initial action to reach it: the one a lasso's stem starts with
            self.graph.init.append((init, len(self.graph.states)))
        self.index[fp] = len(self.graph.states)
        self.graph.states.append(state)
        self.graph.edges.append([])
        self.owed.append(set())
        return True

    def step(self, fp: int, state: State, action: Action, to_fp: int, to: State) -> None:
        s = self.index[fp]
        token = self.model.fair_token(state, action)
        self.graph.edges[s].append((self.index[to_fp], action, token))
        if token is not None:
            self.owed[s].add(token)

    def failure(self, fp: int, state: State, action: Action, error: SpecRuntimeError) -> None:
        pass  # a failing step ends no fair run: it is not part of the graph

    def finished(self) -> Graph:
        graph = self.graph
        graph.owed = [frozenset(tokens) for tokens in self.owed]
        return graph


def find_lasso(model: FairModel, graph: Graph, name: str) -> Lasso | None:
    """A shortest-stemmed fair lasso that violates property `name`, or None if it holds."""
    kind = model.temporal_kind(name)
    values = [model.condition(state, name) for state in graph.states]
    p = [v[0] for v in values]
    q = [v[1] for v in values]
    everywhere = range(len(graph.states))
    if kind == "eventually":  # a fair run along which p never holds
        region = {s for s in everywhere if not p[s]}
        return _search(graph, _fair_components(graph, region), stay_in=region, from_start=True)
    if kind == "always_eventually":  # a fair run in which, from some point on, p never holds
        region = {s for s in everywhere if not p[s]}
        return _search(graph, _fair_components(graph, region))
    if kind == "eventually_always":  # a fair run in which p fails again and again
        components = [c for c in _fair_components(graph, everywhere) if any(not p[s] for s in c)]
        return _search(graph, components, visit=lambda s: not p[s])
    # p leads_to q: a state where p holds without q, then a fair run along which q never holds
    region = {s for s in everywhere if not q[s]}
    return _search(
        graph, _fair_components(graph, region), stay_in=region, trigger=lambda s: p[s] and not q[s]
    )


def _fair_components(graph: Graph, region: Iterable[int]) -> list[set[int]]:
    import networkx as nx  # here, not at the top: a check with no liveness property need not load it

    inside = set(region)
    sub = nx.DiGraph()
    sub.add_nodes_from(inside)
    sub.add_edges_from((s, t) for s in inside for t, _, _ in graph.edges[s] if t in inside)
    out = []
    for component in nx.strongly_connected_components(sub):
        owed_everywhere = frozenset.intersection(*(graph.owed[s] for s in component))
        taken = {token for s in component for t, _, token in graph.edges[s] if t in component}
        if owed_everywhere <= taken:
            out.append(component)
    return out


def _search(
    graph: Graph,
    components: list[set[int]],
    stay_in: set[int] | None = None,
    from_start: bool = False,
    trigger: Callable[[int], bool] | None = None,
    visit: Callable[[int], bool] | None = None,
) -> Lasso | None:
    """Breadth-first from the initial states to a state of a fair component. The search is in phase 0
    until a `trigger` state (leads_to), in phase 1 from there (or from the start); in phase 1 it stays in
    `stay_in`, and with `from_start` it starts there too."""
    if not components:
        return None
    target: dict[int, set[int]] = {s: c for c in components for s in c}
    parents: dict[tuple[int, int], tuple[tuple[int, int] | None, object]] = {}
    queue: deque[tuple[int, int]] = deque()

    def allowed(s: int, phase: int) -> bool:
        return phase == 0 or stay_in is None or s in stay_in

    for action, s in graph.init:
        node = (s, 0 if trigger is not None else 1)
        if (from_start and not allowed(*node)) or node in parents:
            continue
        parents[node] = (None, action)
        queue.append(node)
    while queue:
        node = queue.popleft()
        s, phase = node
        if phase == 0 and trigger is not None and trigger(s) and (s, 1) not in parents:
            parents[(s, 1)] = (node, _STAY)  # same depth: it goes first
            queue.appendleft((s, 1))
        if phase == 1 and s in target:
            return _lasso(graph, parents, node, target[s], visit)
        for t, action, _ in graph.edges[s]:
            succ = (t, phase)
            if succ not in parents and allowed(*succ):
                parents[succ] = (node, action)
                queue.append(succ)
    return None


_STAY = object()  # the phase change of leads_to: no step


def _lasso(
    graph: Graph,
    parents: dict[tuple[int, int], tuple[tuple[int, int] | None, object]],
    end: tuple[int, int],
    component: set[int],
    visit: Callable[[int], bool] | None,
) -> Lasso:
    stem: list[tuple[object, int]] = []
    trigger_at: int | None = None
    node: tuple[int, int] | None = end
    while node is not None:
        parent, action = parents[node]
        if action is _STAY:
            trigger_at = len(stem)  # counted from the end; turned around below
        else:
            stem.append((action, node[0]))
        node = parent
    stem.reverse()
    if trigger_at is not None:
        trigger_at = len(stem) - trigger_at - 1
    entry = end[0]
    cycle = _cycle(graph, component, entry, visit)
    return Lasso(tuple(stem), tuple(cycle), trigger_at)  # type: ignore[arg-type]


def _cycle(
    graph: Graph, component: set[int], entry: int, visit: Callable[[int], bool] | None
) -> list[tuple[Action, int]]:
    """A fair cycle from `entry` back to it inside `component` (empty: the run stays in `entry`, which
    owes nothing): through a state `visit` asks for (eventually-always), and then through an edge for
    each token still owed in every state of the cycle, until none is."""
    steps: list[tuple[Action, int]] = []
    here = entry
    if visit is not None and not visit(entry):
        wanted = next(s for s in component if visit(s))
        steps += _path(graph, component, here, _is(wanted))
        here = wanted
    while True:
        cycle = steps + (_path(graph, component, here, _is(entry)) if steps else [])
        states = [entry, *(s for _, s in cycle)]
        owed = frozenset.intersection(*(graph.owed[s] for s in states))
        sources = states[: len(cycle)]
        taken = {graph_token(graph, source, a, t) for source, (a, t) in zip(sources, cycle, strict=True)}
        missing = sorted((token for token in owed if token not in taken), key=repr)
        if not missing:
            return cycle
        source, action, target = next(
            (s, a, t)
            for s in sorted(component)
            for t, a, tok in graph.edges[s]
            if tok == missing[0] and t in component
        )
        steps += _path(graph, component, here, _is(source))
        steps.append((action, target))
        here = target


def graph_token(graph: Graph, source: int, action: Action, target: int) -> Hashable | None:
    for t, a, token in graph.edges[source]:
        if t == target and a == action:
            return token
    return None


def _path(
    graph: Graph, component: set[int], start: int, goal: Callable[[int], bool], at_least_one: bool = False
) -> list[tuple[Action, int]]:
    """A shortest path inside `component` from `start` to a state where `goal` holds (with
    `at_least_one`, of one step or more)."""
    if goal(start) and not at_least_one:
        return []
    parents: dict[int, tuple[int, Action]] = {}
    queue: deque[int] = deque([start])
    seen: set[int] = set()
    while queue:
        s = queue.popleft()
        for t, action, _ in graph.edges[s]:
            if t not in component or t in seen:
                continue
            seen.add(t)
            parents[t] = (s, action)
            if goal(t):
                path: list[tuple[Action, int]] = []
                node = t
                while True:
                    source, step = parents[node]
                    path.append((step, node))
                    node = source
                    if node == start:
                        break
                path.reverse()
                return path
            queue.append(t)
    raise AssertionError("a strongly connected component is connected")


def _is(wanted: int) -> Callable[[int], bool]:
    return lambda s: s == wanted


def lasso_path(graph: Graph, lasso: Lasso) -> Path:
    """A lasso as a Path: the stem, then the cycle but its last step, which is the closing step back."""
    steps = [(action, graph.states[s]) for action, s in lasso.stem]
    loop = len(steps) - 1
    if not lasso.cycle:
        return Path(tuple(steps), loop=loop)
    steps += [(action, graph.states[s]) for action, s in lasso.cycle[:-1]]
    return Path(tuple(steps), loop=loop, closing=lasso.cycle[-1][0])


def check_lasso(
    model: FairModel, states: list[State], actions: list[Action], closing: Action | None, loop: int, name: str
) -> str | None:
    """Why the lasso (`states`, reached by `actions` after the first; then `closing` back to states[loop],
    or the last state kept for ever when it is None) is not a fair run that violates `name`; None if it is
    one. Used by `replay`, and as a check of every lasso the search writes."""
    last = states[-1]
    cycle_states = states[loop:]
    if closing is None:
        if loop != len(states) - 1:
            return "a run that stays in its last state loops back to that state only"
        cycle_tokens: list[Hashable | None] = []
    else:
        cycle_tokens = [model.fair_token(s, a) for s, a in zip(states[loop:-1], actions[loop:], strict=True)]
        cycle_tokens.append(model.fair_token(last, closing))
    owed_everywhere = frozenset.intersection(*(_owed(model, s) for s in cycle_states))
    unfair = [t for t in owed_everywhere if t not in cycle_tokens]
    if unfair:
        return f"the cycle is not a fair run: it never takes {unfair[0]}, which stays enabled and owed"
    kind = model.temporal_kind(name)
    values = [model.condition(s, name) for s in states]
    p = [v[0] for v in values]
    q = [v[1] for v in values]
    if kind == "eventually":
        bad = not any(p)
    elif kind == "always_eventually":
        bad = not any(p[loop:])
    elif kind == "eventually_always":
        bad = not all(p[loop:])
    else:
        bad = any(p[i] and not any(q[min(i, loop) :]) for i in range(len(states)))
    return None if bad else f"the lasso satisfies {name}"


def _owed(model: FairModel, state: State) -> frozenset[Hashable]:
    tokens = (model.fair_token(state, action) for action, _ in model.successors(state)[0])
    return frozenset(token for token in tokens if token is not None)
