"""From a trace file to a picture file: the stage behind `faultline render` and `check --render`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import graphviz

import spec
from explorer.render import dot, sequence, states
from explorer.semantics.system import SystemModel
from explorer.trace import schema
from spec import CheckedSpec


class PictureError(Exception):
    """A picture that cannot be drawn, with the reason in words (a state graph too large, a missing spec)."""


def default_output(trace: Path, kind: str) -> Path:
    name = trace.name.removesuffix(".itf.json").removesuffix(".json")
    return trace.with_name(f"{name}.{kind}.svg")


def draw(
    document: dict[str, Any],
    kind: str,
    fmt: str,
    out: Path,
    spec_path: Path | None = None,
    max_states: int | None = None,
    keep_source: bool = True,
) -> dot.Rendered:
    """Draw a trace (checked by explorer.trace.schema) as a picture of `kind`. PictureError when it cannot be
        drawn; TraceFormatError or SpecError when its spec does not have its model or constants. The `.dot`
    source is kept beside the picture with `keep_source`."""
    if kind == "sequence":
        return dot.render(sequence.to_dot(document), out, fmt, keep_source)
    meta = document["#meta"]
    source = spec_path or Path(meta.get("source", ""))
    try:
        checked = spec.load_file(source)
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise PictureError(
            f"the state graph needs the spec, and {source} cannot be read ({why}); name it with --spec"
        ) from None
    return dot.render(state_graph(document, checked, max_states), out, fmt, keep_source)


def state_graph(
    document: dict[str, Any], checked: CheckedSpec, max_states: int | None = None
) -> graphviz.Digraph:
    """The state graph of a trace's model with the trace's path in red. PictureError when the model has
    more than `max_states` (by default states.LIMIT) states and `max_states` was not given."""
    meta = document["#meta"]
    system = schema.instantiate(document, checked)
    model = SystemModel(system, None, deadlock=meta["property"] == "deadlock_free", symmetry=False)
    limit = max_states or states.LIMIT
    try:
        graph = states.explore(model, limit, partial=max_states is not None)
    except states.TooLarge:
        raise PictureError(
            f"model {system.model.name} of {system.spec} has more than {limit} reachable states; a state graph is "
            f"drawn only for small state spaces. Use --max-states N to draw the first N states explored "
            f"(breadth-first), which include the start of the counterexample, or draw a sequence chart instead"
        ) from None
    path, complete = states.match_path(model, graph, document["states"])
    truncated = max_states is not None and graph.number_of_nodes() >= max_states
    loop, cycle = document.get("loop"), None
    if complete and isinstance(loop, int) and not isinstance(loop, bool):  # a lasso: where it goes back to
        found, present = states.match_path(model, graph, [document["states"][loop]])
        cycle = (found[0], str(meta.get("closing", ""))) if present else None
    return states.to_dot(model, graph, path, meta["property"], truncated, complete, cycle)
