"""The explored state graph of a small spec, with the initial states and a counterexample's path
highlighted: built with networkx, drawn by Graphviz's `dot`."""

from __future__ import annotations

import itertools
from typing import Any

import graphviz
import networkx as nx

from explorer import search
from explorer.model import Action, SpecRuntimeError, State
from explorer.render.chart import readable
from explorer.semantics.system import SystemModel
from explorer.trace.present import Presenter

LIMIT = 250  # states; a picture of more is no longer something a person can read
MAX_LINES = 8  # lines of differences written in a state's box; all of it is in the box's tooltip


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def explore(model: SystemModel, limit: int = LIMIT, partial: bool = False) -> nx.MultiDiGraph:
    """The reachable states (breadth-first: the one search, explorer/search, walked by a visitor) and the
    steps between them. With more than `limit` states: TooLarge, or with `partial`, the first `limit` states
    and the steps among them. `model` should not reduce by symmetry: the picture shows every state."""
    drawing = _Drawing(model, limit, partial)
    search.explore(model, visitor=drawing)
    return drawing.graph


class _Drawing:
    """The graph a search walks, as a networkx graph of states (a search Visitor)."""

    def __init__(self, model: SystemModel, limit: int, partial: bool) -> None:
        self.graph = nx.MultiDiGraph()
        self.present = Presenter(model)
        self.limit = limit
        self.partial = partial

    def state(self, fp: int, state: State, init: Action | None) -> bool:
        if init is None and self.graph.number_of_nodes() >= self.limit:
            if not self.partial:
                raise TooLarge(self.limit)
            return False
        self.graph.add_node(state, initial=init is not None)
        return True

    def step(self, fp: int, state: State, action: Action, to_fp: int, to: State) -> None:
        if to in self.graph:
            text = self.present.describe(state, action, to)["text"]
            self.graph.add_edge(state, to, action=action, text=text)

    def failure(self, fp: int, state: State, action: Action, error: SpecRuntimeError) -> None:
        self.graph.nodes[state]["failure"] = (
            f"{self.present.describe(state, action, None)['text']}: {error.message}"
        )


def to_dot(
    model: SystemModel,
    graph: nx.MultiDiGraph,
    path: list[State],
    violated: str,
    truncated: bool = False,
    reaches_violation: bool = True,
    cycle: tuple[State, str] | None = None,
) -> graphviz.Digraph:
    """The graph with `path` in red; its last state is filled as the violating one only when the path
    reaches the trace's last state (`reaches_violation`): in a partial graph it may stop short. A lasso's
    `cycle` is the state its last one goes back to and the closing step's text (a trace's `#meta.closing`):
    that step is dashed red and marked ↻, or a dashed loop on the last state when the run stays there."""
    order = {state: k for k, state in enumerate(graph.nodes)}
    on_path = set(path)
    path_edges = set(itertools.pairwise(path))
    g = graphviz.Digraph(
        "states",
        engine="dot",
        graph_attr={
            "rankdir": "TB",
            "fontname": "DejaVu Sans",
            "label": _title(model, graph, violated, truncated),
            "labelloc": "t",
            "fontsize": "13",
        },
        node_attr={"fontname": "DejaVu Sans", "fontsize": "8", "shape": "box", "style": "rounded"},
        edge_attr={"fontname": "DejaVu Sans", "fontsize": "7", "color": "#9e9e9e"},
    )
    present = Presenter(model)
    initial = _readable(present.snapshot(next(iter(graph.nodes)))) if graph.number_of_nodes() else {}
    for state, data in graph.nodes(data=True):
        k = order[state]
        readable = _readable(present.snapshot(state))
        changed = [
            line
            for name, lines in readable.items()
            if initial.get(name) != lines
            for line in lines.split("\n")
        ]
        shown = changed[:MAX_LINES] + (
            [f"… {len(changed) - MAX_LINES} more"] if len(changed) > MAX_LINES else []
        )
        label = "\\l".join([f"#{k}", *(_escape(line) for line in shown)]) + "\\l"
        attrs: dict[str, str] = {
            "id": f"state-{k}",
            "tooltip": "\\n".join(_escape(line) for lines in readable.values() for line in lines.split("\n")),
        }
        if data.get("initial"):
            attrs.update(peripheries="2", color="#2e7d32")
        if state in on_path:
            attrs.update(style="rounded,filled", fillcolor="#ffebee", color="#c62828", penwidth="2")
        if path and state == path[-1] and reaches_violation:
            attrs.update(fillcolor="#ef9a9a", id=f"state-{k}-violating")
        if "failure" in data:
            attrs["xlabel"] = "✗"
        g.node(f"s{k}", label, **attrs)
    closes = (path[-1], *cycle) if cycle is not None and path and reaches_violation else None
    for a, b, data in graph.edges(data=True):
        attrs = {"label": _short(data["text"]), "tooltip": _escape(data["text"])}
        if (a, b) in path_edges:
            attrs.update(
                color="#c62828", penwidth="2.2", fontcolor="#c62828", id=f"path-{order[a]}-{order[b]}"
            )
        if closes is not None and (a, b, data["text"]) == closes:
            attrs.update(_CYCLE, label=_short(f"↻ {data['text']}"), id=f"cycle-{order[a]}-{order[b]}")
            closes = None  # drawn
        g.edge(f"s{order[a]}", f"s{order[b]}", **attrs)
    if closes is not None:  # no step of the graph closes it: the run stays in its last state for ever
        a, b, text = order[closes[0]], order[closes[1]], closes[2]
        label = "↻ for ever" if text.startswith("the run stays") else _short(f"↻ {text}")
        g.edge(f"s{a}", f"s{b}", label=label, tooltip=_escape(text), id=f"cycle-{a}-{b}", **_CYCLE)
    return g


_CYCLE = {"color": "#c62828", "fontcolor": "#c62828", "penwidth": "2.2", "style": "dashed"}


def _title(model: SystemModel, graph: nx.MultiDiGraph, violated: str, truncated: bool) -> str:
    system = model.system
    what = f"{system.spec} / {system.model.name}: {graph.number_of_nodes()} states"
    if truncated:
        what += " (the first ones explored; the state space is larger)"
    return f"{what}\\npath to the violation of {violated} in red" if violated else what


def _readable(snapshot: dict[str, tuple[Any, str]]) -> dict[str, str]:
    """A state's parts in the words of explorer.render.chart.readable, one text per part."""
    parts = readable({name: value for name, (value, _) in snapshot.items()})
    return {name: "\n".join(lines) for name, lines in parts.items()}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")


def _short(text: str, width: int = 40) -> str:
    text = text.replace('"', "'")
    return text if len(text) <= width else text[: width - 1] + "…"


def match_path(
    model: SystemModel, graph: nx.MultiDiGraph, states: list[dict[str, Any]]
) -> tuple[list[State], bool]:
    """The graph's states that a trace's states are (compared as ITF snapshots), in trace order, and whether
    the trace's last state is among them (a partial graph may hold only the start of the trace)."""
    index: dict[str, State] = {}
    present = Presenter(model)
    for state in graph.nodes:
        index[_key({k: v[0] for k, v in present.snapshot(state).items()})] = state
    out: list[State] = []
    found = False
    for wanted in states:
        key = _key({k: v for k, v in wanted.items() if k != "#meta"})
        found = key in index
        if found and (not out or index[key] != out[-1]):
            out.append(index[key])
    return out, found


def _key(values: dict[str, Any]) -> str:
    import json

    return json.dumps(values, sort_keys=True)
