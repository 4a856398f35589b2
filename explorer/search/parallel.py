"""A breadth-first search partitioned by fingerprint among shards (explorer/search/shard.py), driven level by
level from this process.

A search starts in one process (explorer/search/explore.py) and hands over here once a level is wide enough
to be worth sharing: the visited states and the level go to their owners, and from then on each level is
expanded in rounds — every shard takes in what the last round sent it and expands a few thousand of its own
states — until no shard has states of the level left and no batch is on its way. Levels stay whole, so
distinct states, depths, verdicts and the lengths of counterexamples equal those of one process; where
a search stops before its end (every property violated, a bound) it stops after a round rather than after a
state, as TLC's workers do, so its counts then depend on the order of work.

This process checks the bounds (time by its watchdog, states and the workers' memory after each round),
reports progress, and rebuilds each violation's chain of fingerprints by asking each state's owner for its
parent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from explorer.model import State
from explorer.search.limits import Bounds, memory_reason, resident_memory
from explorer.search.result import FAIL_FAST, Discovery, SearchResult, Stats
from explorer.search.shard import Finding, Report, owner
from explorer.search.workers import Workers

# States each shard expands in a round: large enough that a round's messages cost little next to its work,
# small enough that bounds, progress and Ctrl-C are looked at a few times a second.
ROUND = 4096
# Frontier states a level shows its sampler (explorer/search/explore.py's `sample`), over all shards.
_SAMPLE = 32


@dataclass
class Handover:
    """Where the one-process search left off: its visited states (fingerprint -> parent's, None for an
    initial state) and the level it was about to expand, all at `depth`."""

    parents: dict[int, int | None]
    level: list[tuple[int, State]]
    depth: int


@dataclass
class Watchers:
    """Who hears of the search as it goes (as in explorer/search/explore.py)."""

    progress: Callable[[Stats], None] | None = None
    progress_interval: float = 0.5
    discovered: Callable[[Discovery, Stats], None] | None = None
    sample: Callable[[list[State], int], None] | None = None


class Levels:
    """The coordinator of a partitioned search."""

    def __init__(
        self,
        workers: Workers,
        result: SearchResult,
        bounds: Bounds,
        wanted: set[str],
        stop_on: frozenset[str],
        watchers: Watchers,
    ) -> None:
        self.workers = workers
        self.result = result
        self.stats = result.stats
        self.found = result.discoveries
        self.bounds = bounds
        self.wanted = wanted
        self.stop_on = stop_on
        self.watchers = watchers
        self.last_report = bounds.started
        self.queue = 0
        self.table_bytes = 0  # the visited tables' bytes over all shards, at the last round
        self.latest_now = 0

    def run(self, handover: Handover, max_depth: int | None) -> None:
        """Go on from `handover` to the end of the search (or a bound); the result says how it ended. A
        bound or Ctrl-C that comes meanwhile is left to the caller, which ends the workers."""
        result, stats = self.result, self.stats
        self.seed(handover)
        depth = handover.depth
        while True:
            levels = self.workers.advance(max(1, _SAMPLE // self.workers.count))
            size = sum(n for n, _ in levels)
            self.queue = size
            if not size:
                return
            if len(self.found) >= len(self.wanted):
                return
            if self.stop_on.intersection(self.found):
                result.stop_reason = FAIL_FAST
                return
            stats.depth = depth
            if self.watchers.sample is not None:
                self.workers.sync()
                self.watchers.sample([s for _, states in levels for s in states], depth)
            at_bound = max_depth is not None and depth >= max_depth
            if not self.level(not at_bound):
                return
            if at_bound:
                return
            depth += 1

    def seed(self, handover: Handover) -> None:
        count = self.workers.count
        seeds: list[tuple[list[tuple[int, int]], list[tuple[int, State]]]] = [([], []) for _ in range(count)]
        for fp, parent in handover.parents.items():
            seeds[owner(fp, count)][0].append((fp, fp if parent is None else parent))
        for fp, state in handover.level:
            seeds[owner(fp, count)][1].append((fp, state))
        handover.parents.clear()
        self.workers.seed(seeds)

    def level(self, insert: bool) -> bool:
        """Expand the current level in rounds; False if the search must stop (a bound, every property found,
        or, at the depth bound, a step that leads somewhere new)."""
        result, stats = self.result, self.stats
        remaining = True
        while remaining or self.workers.pending():
            reports = self.workers.round(ROUND, insert)
            remaining = any(r.remaining for r in reports)
            if not insert:
                if any(r.cut_off for r in reports):
                    result.complete = False
                    result.stop_reason = f"depth bound {stats.depth} reached"
                continue
            self.count(reports)
            for report in reports:
                for finding in report.found:
                    self.record(finding)
            now = time.perf_counter()
            reason = self.bounds.reached(stats.distinct, now)
            stats.worker_memory = sum(r.memory for r in reports) if self.workers.count > 1 else 0
            memory = resident_memory() + stats.worker_memory
            if reason is None and self.bounds.max_memory and memory >= self.bounds.max_memory:
                reason = memory_reason(self.bounds.max_memory)
            if reason is not None:
                result.complete, result.stop_reason = False, reason
                return False
            if len(self.found) >= len(self.wanted):
                return False
            if self.stop_on.intersection(self.found):
                result.stop_reason = FAIL_FAST
                return False
            if (
                self.watchers.progress is not None
                and now - self.last_report >= self.watchers.progress_interval
            ):
                self.last_report = now
                self.watchers.progress(self.counted(now))
        return True

    def count(self, reports: list[Report]) -> None:
        stats = self.stats
        for report in reports:
            stats.generated += report.generated
            stats.distinct += report.added
        self.table_bytes = sum(r.table_bytes for r in reports)
        self.latest_now = max(self.latest_now, *(r.latest_now for r in reports))

    def record(self, finding: Finding) -> None:
        if finding.prop in self.found or finding.prop not in self.wanted:
            return
        chain = self.chain(finding.fp)
        if finding.to is not None:
            chain.append(finding.to)
        discovery = Discovery(finding.prop, chain, finding.action, finding.error)
        self.found[finding.prop] = discovery
        if self.watchers.discovered is not None:
            self.watchers.discovered(discovery, self.counted(time.perf_counter()))

    def chain(self, fp: int) -> list[int]:
        """The fingerprints from an initial state to `fp`, each parent asked of its owner."""
        path = [fp]
        parent = self.workers.parent(fp)
        while parent is not None:
            path.append(parent)
            parent = self.workers.parent(parent)
        path.reverse()
        return path

    def counted(self, now: float) -> Stats:
        self.stats.queue = self.queue
        self.stats.seconds = now - self.bounds.started
        return self.stats
