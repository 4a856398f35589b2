"""Liveness, compared: the explorer's lasso search (explorer/search/liveness.py: strongly connected components
of the explored graph) against a fixpoint over the same graph written here from the definitions alone.

The two share only the graph: the reachable states, their steps, and the fairness token each step carries
(`FairModel.fair_token`, the semantics). Everything that decides a verdict is written twice, differently:

- a run may stay in a state for ever (a stutter step, which discharges nothing);
- a run is fair when, for every token, it is infinitely often in a state where the token is not owed or it
  takes a step carrying the token infinitely often (weak fairness, a generalized Büchi condition);
- the states from which a fair run stays for ever in a region R are the greatest fixpoint Z of
  "in R, and for every token, able to reach inside Z a state where that token is satisfied within Z"
  (Emerson and Lei's algorithm), where a further condition (`eventually always p`: states where p fails)
  may be asked to recur as well;
- `eventually p` fails when an initial state is such a state of R = not p; `always eventually p` when any
  (reachable) state is; `eventually always p` when a fair run can visit not-p for ever; `p leads_to q` when a
  state where p holds and q does not is such a state of R = not q.

Every violation the explorer reports is also read back from its trace file and replayed (harness.traces).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

from explorer.run import liveness_verdicts
from explorer.search.liveness import Graph, build_graph
from explorer.semantics.system import SystemModel
from spec import ir

if TYPE_CHECKING:
    from differential.harness import _Run


def compare(run: _Run, system: ir.System) -> None:
    """The liveness verdicts of `check` against the fixpoint, and every lasso replayed."""
    options = run.options("liveness", max_states=run.config.max_states)
    results = run.guarded("check (liveness)", lambda: liveness_verdicts(run.checked, system, options))
    if results is None:
        return
    if any(r.verdict == "incomplete" for r in results):
        run.outcome.skipped["liveness: incomplete"] += 1
        return
    model = SystemModel(system, symmetry=False)
    graph = run.guarded("liveness (fixpoint)", lambda: build_graph(model, run.config.max_states))
    if graph is None:
        return
    for r in results:
        run.compared()
        expected = fair_violation(model, graph, r.property)
        if expected != (r.verdict == "violated"):
            says = "a fair run violates it" if expected else "no fair run violates it"
            run.disagree("liveness", f"check says {r.property} {r.verdict}, but {says}", r.description)
    run.traces("check (liveness)", results)


def fair_violation(model: SystemModel, graph: Graph, name: str) -> bool:
    """Whether a fair run of the graph violates liveness property `name` (see the module's doc)."""
    kind = model.temporal_kind(name)
    values = [model.condition(state, name) for state in graph.states]
    states = range(len(graph.states))
    fair = _FairStates(graph)
    if kind == "eventually":
        never = fair.staying_in({s for s in states if not values[s][0]})
        return any(s in never for _, s in graph.init)
    if kind == "always_eventually":
        return bool(fair.staying_in({s for s in states if not values[s][0]}))
    if kind == "eventually_always":
        return bool(fair.staying_in(set(states), recurring={s for s in states if not values[s][0]}))
    assert kind == "leads_to", kind
    inside = fair.staying_in({s for s in states if not values[s][1]})
    return any(values[s][0] for s in inside)


class _FairStates:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.predecessors: list[list[int]] = [[] for _ in graph.states]
        for s, edges in enumerate(graph.edges):
            for t, _, _ in edges:
                self.predecessors[t].append(s)
        # the tokens a state owes: those of its enabled steps that fairness names
        self.owed = [{token for _, _, token in edges if token is not None} for edges in graph.edges]

    def staying_in(self, region: set[int], recurring: set[int] | None = None) -> set[int]:
        """The states of `region` from which a fair run stays in `region` for ever (visiting `recurring`
        infinitely often, if given)."""
        tokens: set[Hashable] = set().union(*(self.owed[s] for s in region)) if region else set()
        z = set(region)
        while True:
            before = len(z)
            for token in tokens:
                z &= self._reaching(self._satisfying(token, z), z)
            if recurring is not None:
                z &= self._reaching(recurring & z, z)
            if len(z) == before:
                return z

    def _satisfying(self, token: Hashable, z: set[int]) -> set[int]:
        """The states of z where a run staying in z satisfies `token` once: it is not owed there (the run
        may stutter), or a step carrying it leads into z."""
        return {
            s
            for s in z
            if token not in self.owed[s] or any(t in z and k == token for t, _, k in self.graph.edges[s])
        }

    def _reaching(self, targets: Iterable[int], z: set[int]) -> set[int]:
        """The states of z with a path inside z (of any length, none included) to one of `targets`."""
        seen = set(targets)
        stack = list(seen)
        while stack:
            t = stack.pop()
            for s in self.predecessors[t]:
                if s in z and s not in seen:
                    seen.add(s)
                    stack.append(s)
        return seen
