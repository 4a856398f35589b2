"""Explicit-state search. Visited states are kept as fingerprints with a link to their parent's
fingerprint; the states themselves live only in the frontier. A counterexample is rebuilt afterwards by
replaying the model along the chain of fingerprints (explorer/trace/path.py).

Breadth-first order (the default) makes every counterexample a shortest one. Depth-first order uses the
same loop with a stack for a frontier.

Bounds hold in every phase: the loop looks at them every few thousand states, and a watchdog
(explorer/search/limits.py) stops the initial states or a single slow step as well.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from explorer.model import Action, Model, SpecRuntimeError, State
from explorer.search.limits import (
    BoundReached,
    default_memory_limit,
    memory_reason,
    resident_memory,
    time_reason,
    watchdog,
)

# Why a search given `stop_on` stopped.
FAIL_FAST = "stopped at the first unexpected violation"

# How often (in expanded states) the clock and the memory are looked at for progress and limits.
_CHECK_EVERY = 4096


@dataclass
class Stats:
    distinct: int = 0
    generated: int = 0
    depth: int = 0  # the deepest level reached (number of steps from an initial state)
    queue: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.distinct / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Discovery:
    """A violation: the fingerprints from an initial state to the violating state, and for a step that
    failed inside the spec, that step and its error."""

    prop: str
    fingerprints: list[int]
    failing_action: Action | None = None
    error: SpecRuntimeError | None = None

    @property
    def length(self) -> int:
        return len(self.fingerprints) - 1 + (1 if self.failing_action is not None else 0)


@dataclass
class SearchResult:
    stats: Stats
    discoveries: dict[str, Discovery] = field(default_factory=dict)
    complete: bool = True  # every verdict is final: all states explored, or every property already violated
    stop_reason: str | None = None  # why the search stopped early
    exhausted: bool = False  # every reachable state was explored


def explore(
    model: Model,
    *,
    order: str = "bfs",
    max_depth: int | None = None,
    max_states: int | None = None,
    deadlock: bool = False,
    progress: Callable[[Stats], None] | None = None,
    progress_interval: float = 0.5,
    max_seconds: float | None = None,
    max_memory: int | None = None,
    discovered: Callable[[Discovery, Stats], None] | None = None,
    stop_on: frozenset[str] = frozenset(),
) -> SearchResult:
    """Explore `model`. `discovered` hears of each violation the moment it is found; the search stops at
    the first violation of a property in `stop_on` (the rest stay incomplete). The search stops early — with the result so far, marked incomplete — at a bound
    (depth, distinct states, seconds, bytes of memory) or on Ctrl-C; by default at 80% of the machine's
    memory, so that a state space too large for it ends in a report rather than in the kernel's OOM killer."""
    if max_memory is None:
        max_memory = default_memory_limit()
    with watchdog(max_seconds, max_memory):
        return _explore(
            model,
            order,
            max_depth,
            max_states,
            deadlock,
            progress,
            progress_interval,
            max_seconds,
            max_memory,
            discovered,
            stop_on,
        )


def _explore(
    model: Model,
    order: str,
    max_depth: int | None,
    max_states: int | None,
    deadlock: bool,
    progress: Callable[[Stats], None] | None,
    progress_interval: float,
    max_seconds: float | None,
    max_memory: int,
    discovered: Callable[[Discovery, Stats], None] | None = None,
    stop_on: frozenset[str] = frozenset(),
) -> SearchResult:
    started = time.perf_counter()
    stats = Stats()
    result = SearchResult(stats)
    wanted = {p.name for p in model.properties}
    found = result.discoveries
    parents: dict[int, int | None] = {}
    frontier: deque[tuple[State, int, int]] = deque()  # (state, fingerprint, depth)
    depth_first = order == "dfs"
    fingerprint = model.fingerprint
    checks_steps = model.checks_steps

    def chain(fp: int) -> list[int]:
        path = [fp]
        parent = parents[fp]
        while parent is not None:
            path.append(parent)
            parent = parents[parent]
        path.reverse()
        return path

    def record(discovery: Discovery) -> None:
        found[discovery.prop] = discovery
        if discovered is not None:
            stats.distinct = len(parents)
            stats.seconds = time.perf_counter() - started
            discovered(discovery, stats)

    def record_state(state: State, fp: int) -> None:
        for name in model.violated(state):
            if name not in found:
                record(Discovery(name, chain(fp)))

    def record_failure(fp: int | None, action: Action, error: SpecRuntimeError) -> None:
        if error.prop in wanted and error.prop not in found:
            record(Discovery(error.prop, chain(fp) if fp is not None else [], action, error))

    last_report = started
    expanded = 0
    try:
        for _, state in model.init_states():
            fp = fingerprint(state)
            if fp in parents:
                continue
            parents[fp] = None
            frontier.append((state, fp, 0))
            record_state(state, fp)
        for action, error in model.init_failures:
            if error.prop in wanted and error.prop not in found:
                record(Discovery(error.prop, [], action, error))
        stats.distinct = len(parents)
        while frontier:
            if len(found) >= len(wanted):
                break
            if stop_on.intersection(found):
                result.stop_reason = FAIL_FAST
                break
            state, fp, depth = frontier.pop() if depth_first else frontier.popleft()
            if depth > stats.depth:
                stats.depth = depth
            successors, failures = model.successors(state)
            if max_depth is not None and depth >= max_depth:
                # Not expanded further; the search is incomplete only if this cut something off.
                if failures or any(fingerprint(s) not in parents for _, s in successors):
                    result.complete = False
                    result.stop_reason = f"depth bound {max_depth} reached"
                continue
            stats.generated += len(successors) + len(failures)
            for action, error in failures:
                record_failure(fp, action, error)
            if deadlock and "deadlock_free" not in found and model.deadlocked(state, successors):
                record(Discovery("deadlock_free", chain(fp)))
            next_depth = depth + 1
            for _, succ in successors:
                succ_fp = fingerprint(succ)
                if checks_steps:  # every step, also one into a state seen before
                    for name in model.violated_step(state, succ):
                        if name not in found:
                            found[name] = Discovery(name, [*chain(fp), succ_fp])
                if succ_fp in parents:
                    continue
                parents[succ_fp] = fp
                frontier.append((succ, succ_fp, next_depth))
                record_state(succ, succ_fp)
            expanded += 1
            if expanded % _CHECK_EVERY == 0:
                stats.distinct = len(parents)
                if max_states is not None and stats.distinct >= max_states:
                    result.complete = False
                    result.stop_reason = f"state bound {max_states} reached"
                    break
                now = time.perf_counter()
                if max_seconds is not None and now - started >= max_seconds:
                    result.complete = False
                    result.stop_reason = time_reason(max_seconds)
                    break
                if max_memory and resident_memory() >= max_memory:
                    result.complete = False
                    result.stop_reason = memory_reason(max_memory)
                    break
                if progress is not None and now - last_report >= progress_interval:
                    last_report = now
                    stats.seconds = now - started
                    stats.queue = len(frontier)
                    progress(stats)
            elif max_states is not None and len(parents) >= max_states:
                result.complete = False
                result.stop_reason = f"state bound {max_states} reached"
                break
    except KeyboardInterrupt:
        result.complete = False
        result.stop_reason = "interrupted"
    except BoundReached as bound:
        result.complete = False
        result.stop_reason = bound.reason
    stats.distinct = len(parents)
    stats.queue = len(frontier)
    stats.seconds = time.perf_counter() - started
    result.exhausted = not frontier and result.complete
    if frontier and result.complete and len(found) < len(wanted):
        result.complete = False
        result.stop_reason = result.stop_reason or "stopped early"
    return result
