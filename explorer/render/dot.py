"""Turning Graphviz graphs into files: SVG and PNG through Graphviz's own programs, the `.dot` source
always. When Graphviz is not installed the `.dot` file is still written and the caller is told how to
get the rest."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import graphviz

from explorer.trace.files import write_atomic

INSTALL_HINT = (
    "install Graphviz to draw it (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`)"
)


@dataclass
class Rendered:
    dot: Path | None  # the Graphviz source, when it was written
    picture: Path | None  # None when Graphviz is missing
    missing_graphviz: bool = False


def available(engine: str = "dot") -> bool:
    return shutil.which(engine) is not None


def to_svg(graph: graphviz.Digraph) -> str | None:
    """The SVG text of a graph, or None when Graphviz is not installed."""
    if not available(graph.engine):
        return None
    return graph.pipe(format="svg", neato_no_op=2 if graph.engine == "neato" else None).decode("utf-8")


def render(graph: graphviz.Digraph, out: Path, fmt: str, keep_source: bool = True) -> Rendered:
    """Write `out` (its suffix is replaced by the format) whole or not at all, and beside it the `.dot`
    source if `keep_source`, or if it is all there is (the format asked for, or Graphviz missing)."""
    dot_path = out.with_suffix(".dot")
    if fmt == "dot":
        write_atomic(dot_path, graph.source)
        return Rendered(dot_path, dot_path)
    if not available(graph.engine):
        write_atomic(dot_path, graph.source)
        return Rendered(dot_path, None, missing_graphviz=True)
    data = graph.pipe(format=fmt, neato_no_op=2 if graph.engine == "neato" else None)
    picture = out.with_suffix(f".{fmt}")
    write_atomic(picture, data)
    if keep_source:
        write_atomic(dot_path, graph.source)
    return Rendered(dot_path if keep_source else None, picture)
