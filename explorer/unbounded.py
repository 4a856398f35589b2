"""Why a model's state space may have no end, said when a search stops at a bound rather than running out
of states. Every variable has a finite type, and time stops at the horizon; what can grow without end
is the network: a bag or a queue of messages in flight, fed by a step that may repeat forever — a timer
that sends and arms itself again (under asynchronous timing it may fire at any step), or an action that
sends while its guard stays true. A duplicating network is a set, and cannot grow past its domain. A
counter whose declared range is wide is finite, but each step that counts it up makes new states, so a
search can go as deep as its range is wide: it is named too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from explorer.search import Stats
from explorer.search.result import FAIL_FAST
from spec import ir

__all__ = ["FAIL_FAST", "Watch", "likely_causes", "warning"]

# A search still going deeper than this while a step may send without end is warned about as it runs.
DEEP = 100


def _statements(body: tuple[ir.Stmt, ...]) -> Iterator[ir.Stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, ir.If):
            yield from _statements(stmt.then)
            yield from _statements(stmt.else_)
        elif isinstance(stmt, ir.For | ir.Choose):
            yield from _statements(stmt.body)


def _sends(handler: ir.Handler) -> list[str]:
    return [s.message for s in _statements(handler.body) if isinstance(s, ir.Send | ir.Broadcast)]


def _counted(handler: ir.Handler) -> set[int]:
    """The slots of the variables a handler counts up or down: `x += e`, `x -= e`, `x = x ± e`."""
    slots = set()
    for s in _statements(handler.body):
        if not isinstance(s, ir.Assign):
            continue
        value = s.value
        if s.op in ("+=", "-=") or (
            isinstance(value, ir.Binary)
            and value.op in ("+", "-")
            and any(isinstance(v, ir.Var) and v.slot == s.slot for v in (value.left, value.right))
        ):
            slots.add(s.slot)
    return slots


def _wide_counters(system: ir.System) -> list[str]:
    """Variables whose integer range is at least DEEP wide and that some step counts up or down."""
    causes = []
    for node_type in system.node_types:
        counted = set().union(*(_counted(h) for h in node_type.handlers))
        for var in node_type.vars:
            kind = var.type if isinstance(var.type, ir.IntT) else getattr(var.type, "value", None)
            if var.slot not in counted or var.holds_time or not isinstance(kind, ir.IntT):
                continue
            if kind.lo is not None and kind.hi is not None and kind.hi - kind.lo >= DEEP:
                causes.append(
                    f"counter `{var.name}` of {node_type.name} ranges over {kind} and steps count it, so "
                    "runs can go as deep as its range is wide (give it the smallest range the protocol needs)"
                )
    return causes


def likely_causes(system: ir.System) -> list[str]:
    """The steps that may send without end and the wide counters, in words; empty when nothing suggests
    a search without end."""
    causes = _wide_counters(system)
    if system.model.network.ordering == ir.Ordering.DUPLICATING:
        return causes
    for node_type in system.node_types:
        for handler in node_type.handlers:
            sends = _sends(handler)
            if not sends:
                continue
            what = ", ".join(sorted(set(sends)))
            if handler.kind == ir.HandlerKind.TIMEOUT:
                rearms = any(
                    isinstance(s, ir.SetTimer) and s.timer == handler.timer for s in _statements(handler.body)
                )
                if rearms and not system.model.timed:
                    causes.append(
                        f"timer `{handler.name}` of {node_type.name} sends {what} and arms itself again; under "
                        "asynchronous timing it may fire at any step, so messages in flight can pile up without "
                        "end (bound its retries with a counter, or use synchronous timing)"
                    )
            elif handler.kind == ir.HandlerKind.ACTION:
                causes.append(
                    f"action `{handler.name}` of {node_type.name} sends {what} whenever its guard holds; if "
                    "nothing in the step makes the guard false, messages in flight can pile up without end"
                )
    return causes


def warning(system: ir.System, depth: int) -> str | None:
    """The warning for a search stopped by a bound at `depth`, or None when nothing suggests no end."""
    causes = likely_causes(system)
    if not causes:
        return None
    return (
        f"the state space looks unbounded (the search was still going deeper at depth {depth}): "
        + "; ".join(causes)
    )


class Watch:
    """Passes a search's progress on, and warns once, while it runs, when the search keeps going deeper
    than DEEP in a model where something may send without end."""

    def __init__(
        self,
        system: ir.System,
        model_name: str,
        progress: Callable[[str, Stats], None] | None,
        warn: Callable[[str], None] | None,
    ) -> None:
        self.system = system
        self.model_name = model_name
        self.forward = progress
        self.warn = warn
        self.warned = False

    def progress(self, stats: Stats) -> None:
        if self.forward is not None:
            self.forward(self.model_name, stats)
        if self.warn is not None and not self.warned and stats.depth >= DEEP:
            self.warned = True
            text = warning(self.system, stats.depth)
            if text is not None:
                self.warn(f"warning: {self.model_name}: {text}")
