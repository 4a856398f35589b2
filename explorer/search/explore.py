"""Explicit-state search. Visited states are kept as fingerprints with a link to their parent's
fingerprint; the states themselves live only in the frontier. A counterexample is rebuilt afterwards by
replaying the model along the chain of fingerprints (explorer/trace/path.py).

Breadth-first order (the default) makes every counterexample a shortest one. Depth-first order uses the
same loop with a stack for a frontier.

Bounds hold in every phase: the loop looks at them every few thousand states (limits.Bounds), and a watchdog
(explorer/search/limits.py) stops the initial states or a single slow step as well.

A `Visitor` sees the state graph as the search walks it — every new state and every step — so that whoever
needs the graph (the state picture, liveness) walks the one search rather than a second one of its own.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from explorer.model import Action, Model, SpecRuntimeError, State
from explorer.search.checkpoint import Checkpoints, Saved
from explorer.search.limits import BoundReached, Bounds, default_memory_limit, watchdog
from explorer.search.result import FAIL_FAST, Discovery, SearchResult, Stats
from explorer.search.sharding import LEVEL_BUDGET, SHARD_FROM, Sharding

__all__ = ["FAIL_FAST", "Discovery", "SearchResult", "Stats", "Visitor", "explore"]

# How often (in expanded states) the clock and the memory are looked at for progress and limits.
_CHECK_EVERY = 4096
# How many frontier states a sample holds (see `explore`'s `sample`).
_SAMPLE = 32

# Who sees a sample of the frontier: a few of its states, and the depth of the level they were taken from.
Sampler = Callable[[list[State], int], None]


class Visitor(Protocol):
    """What a search shows of the graph it walks, breadth-first: each state when first reached (`init`: the
    initial action that reached it, None for a state reached by a step), each step between two states (also
    into a state reached before), each step that fails inside the spec."""

    def state(self, fp: int, state: State, init: Action | None) -> bool:
        """Whether to go on from this state (False: it is reached, but not expanded)."""
        ...

    def step(self, fp: int, state: State, action: Action, to_fp: int, to: State) -> None: ...

    def failure(self, fp: int, state: State, action: Action, error: SpecRuntimeError) -> None: ...


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
    visitor: Visitor | None = None,
    reduce: bool = False,
    sample: Sampler | None = None,
    checkpoints: Checkpoints | None = None,
    resume: Saved | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    shard_from: int = SHARD_FROM,
    level_budget: int = LEVEL_BUDGET,
    sharding: Sharding | None = None,
) -> SearchResult:
    """Explore `model`. `discovered` hears of each violation the moment it is found; the search stops at
    the first violation of a property in `stop_on` (the rest stay incomplete). The search stops early — with
    the result so far, marked incomplete — at a bound (depth, distinct states, seconds, bytes of memory) or
    on Ctrl-C; by default at 80% of the machine's memory, so that a state space too large for it ends in a
    report rather than in the kernel's OOM killer. With a `visitor`, the search walks every reachable state
    for it and checks no property. With `reduce`, it expands the model's ample sets (`Model.ample`) where
    the cycle proviso allows: every violation is still found, but not necessarily by a shortest path.
    `sample` sees a few frontier states each time the search reaches a new depth (spread over the level
    breadth-first, the newest depth-first), and the newest when it stops: once a level, not once a state, so
    watching what grows costs next to nothing. `checkpoints` saves the search every so often; `resume` goes
    on from such a save (explorer/search/checkpoint.py) instead of from the initial states.

    With `workers` (or a Ray `cluster`: "ray" for a local one, "ray://HOST:PORT"), a breadth-first search
    that reaches a level of `shard_from` states goes on partitioned among that many shards
    (explorer/search/parallel.py), each holding its visited states in a compact table and at most
    `level_budget` states of a level in memory (the rest on disk); one worker is a shard in this process.
    `sharding` says all that at once (and where the shards run), in place of those four.
    Searches with a visitor, a reduction or checkpoints stay in this process."""
    if max_memory is None:
        max_memory = default_memory_limit()
    search = _Search(model, Bounds(max_states, max_seconds, max_memory), visitor)
    search.deadlock, search.discovered, search.stop_on = deadlock, discovered, stop_on
    search.sample = sample
    search.checkpoints = checkpoints
    search.reduce = reduce and visitor is None
    if sharding is None and (workers or cluster):
        sharding = Sharding(workers, cluster, shard_from, level_budget)
    search.sharding = sharding
    with watchdog(max_seconds, max_memory):
        return search.run(order == "dfs", max_depth, progress, progress_interval, resume)


class _Search:
    def __init__(self, model: Model, bounds: Bounds, visitor: Visitor | None) -> None:
        self.model = model
        self.bounds = bounds
        self.visitor = visitor
        self.deadlock = False
        self.discovered: Callable[[Discovery, Stats], None] | None = None
        self.stop_on: frozenset[str] = frozenset()
        self.reduce = False
        self.sample: Sampler | None = None
        self.checkpoints: Checkpoints | None = None
        self.sharding: Sharding | None = None
        self.left: int | None = None  # after a partitioned search: the states it left unexpanded
        self.stats = Stats()
        self.result = SearchResult(self.stats)
        self.found = self.result.discoveries
        # the properties being checked (none for a visitor: it wants the graph, not verdicts)
        self.wanted = {p.name for p in model.properties} if visitor is None else set()
        self.parents: dict[int, int | None] = {}
        self.frontier: deque[tuple[State, int, int]] = deque()  # (state, fingerprint, depth)

    def run(
        self,
        depth_first: bool,
        max_depth: int | None,
        progress: Callable[[Stats], None] | None,
        progress_interval: float,
        resume: Saved | None = None,
    ) -> SearchResult:
        model, stats, result, found, parents, frontier = (
            self.model,
            self.stats,
            self.result,
            self.found,
            self.parents,
            self.frontier,
        )
        fingerprint, visitor, wanted, reduce = model.fingerprint, self.visitor, self.wanted, self.reduce
        checks_steps = model.checks_steps and visitor is None
        last_report = self.bounds.started
        expanded = 0
        try:
            if resume is None:
                self.initial_states()
            else:
                self.restore(resume)
            while frontier:
                if visitor is None and len(found) >= len(wanted):
                    break
                if self.stop_on.intersection(found):
                    result.stop_reason = FAIL_FAST
                    break
                state, fp, depth = frontier.pop() if depth_first else frontier.popleft()
                level_begins = depth > stats.depth or (depth == 0 and not expanded)
                if level_begins and not depth_first and self.shards_now(len(frontier) + 1):
                    frontier.appendleft((state, fp, depth))  # the level goes to the shards whole
                    self.partitioned(depth, max_depth, progress, progress_interval)
                    break
                if depth > stats.depth:
                    self.deeper(state, depth, depth_first)
                successors, failures = model.successors(state)
                if max_depth is not None and depth >= max_depth:
                    # Not expanded further; the search is incomplete only if this cut something off.
                    if failures or any(fingerprint(s) not in parents for _, s in successors):
                        result.complete = False
                        result.stop_reason = f"depth bound {max_depth} reached"
                    continue
                if self.deadlock and "deadlock_free" not in found and model.deadlocked(state, successors):
                    self.record(Discovery("deadlock_free", self.chain(fp)))
                if reduce:
                    successors, failures = self.ample(state, successors, failures)
                stats.generated += len(successors) + len(failures)
                self.failures(state, fp, failures)
                next_depth = depth + 1
                for action, succ in successors:
                    succ_fp = fingerprint(succ)
                    if checks_steps:  # every step, also one into a state seen before
                        for name in model.violated_step(state, succ):
                            if name not in found:
                                found[name] = Discovery(name, [*self.chain(fp), succ_fp])
                    if succ_fp not in parents:
                        parents[succ_fp] = fp
                        if visitor is None:
                            frontier.append((succ, succ_fp, next_depth))
                            self.record_state(succ, succ_fp)
                        elif visitor.state(succ_fp, succ, None):
                            frontier.append((succ, succ_fp, next_depth))
                    if visitor is not None:
                        visitor.step(fp, state, action, succ_fp, succ)
                expanded += 1
                if expanded % _CHECK_EVERY == 0:
                    now = time.perf_counter()
                    reason = self.bounds.reached(len(parents), now)
                    if reason is not None:
                        result.complete, result.stop_reason = False, reason
                        break
                    if progress is not None and now - last_report >= progress_interval:
                        last_report = now
                        progress(self.counted(now))
                    if self.checkpoints is not None and self.checkpoints.due(now):
                        self.checkpoints.save(parents, frontier, self.counted(now), found, model)
                elif (reason := self.bounds.states_reached(len(parents))) is not None:
                    result.complete, result.stop_reason = False, reason
                    break
        except KeyboardInterrupt:
            result.complete, result.stop_reason = False, "interrupted"
        except BoundReached as bound:
            result.complete, result.stop_reason = False, bound.reason
        return self.finish()

    def shards_now(self, level: int) -> bool:
        """Whether to hand the search over to shards, at the start of a level of `level` states."""
        sharding = self.sharding
        return (
            sharding is not None
            and level >= sharding.shard_from
            and self.visitor is None
            and not self.reduce
            and self.checkpoints is None
        )

    def partitioned(
        self,
        depth: int,
        max_depth: int | None,
        progress: Callable[[Stats], None] | None,
        progress_interval: float,
    ) -> None:
        """Go on from the level about to begin (at `depth`) partitioned among shards, to the end."""
        from explorer.search.parallel import Handover, Levels, Watchers  # loads numpy: only now

        assert self.sharding is not None
        model, frontier = self.model, self.frontier
        self.counted(time.perf_counter())
        workers = self.sharding.start(model, self.deadlock)
        self.stats.shards = workers.count
        level = [(fp, state) for state, fp, _ in frontier]
        frontier.clear()
        levels = Levels(
            workers,
            self.result,
            self.bounds,
            self.wanted,
            self.stop_on,
            Watchers(progress, progress_interval, self.discovered, self.sample),
        )
        try:
            levels.run(Handover(self.parents, level, depth), max_depth)
        finally:
            self.left = levels.queue
            self.stats.table_bytes = levels.table_bytes
            model.latest_now = max(model.latest_now, levels.latest_now)
            workers.close()

    def ample(
        self,
        state: State,
        successors: list[tuple[Action, State]],
        failures: list[tuple[Action, SpecRuntimeError]],
    ) -> tuple[list[tuple[Action, State]], list[tuple[Action, SpecRuntimeError]]]:
        """The steps to take from `state`: the model's ample set, unless one of its steps leads to a state
        already seen (the cycle proviso: then every cycle of the reduced graph has a state expanded in
        full), or none of them leaves `state`. A step that stays in `state` is no cycle the proviso must
        break: a reduced path never needs to take it to move on."""
        ample = self.model.ample(state, successors, failures)
        if ample is None:
            return successors, failures
        fingerprint, parents = self.model.fingerprint, self.parents
        moves = False
        for _, succ in ample:
            if succ is state:
                continue
            if fingerprint(succ) in parents:
                return successors, failures
            moves = True
        if not moves:
            return successors, failures
        self.stats.reduced += 1
        return ample, []

    def restore(self, saved: Saved) -> None:
        """Where a checkpoint left the search: the model's tables, the visited states, the frontier, the
        counts and the violations found."""
        self.model.restore(saved.model)
        self.parents.update(saved.parents)
        self.frontier.extend(saved.frontier)
        self.stats.generated, self.stats.depth = saved.stats.generated, saved.stats.depth
        self.stats.reduced = saved.stats.reduced
        self.found.update(saved.found)
        self.stats.distinct = len(self.parents)

    def initial_states(self) -> None:
        model, parents, found = self.model, self.parents, self.found
        for action, state in model.init_states():
            fp = model.fingerprint(state)
            if fp in parents:
                continue
            parents[fp] = None
            if self.visitor is None:
                self.frontier.append((state, fp, 0))
                self.record_state(state, fp)
            elif self.visitor.state(fp, state, action):
                self.frontier.append((state, fp, 0))
        for action, error in model.init_failures:
            if error.prop in self.wanted and error.prop not in found:
                self.record(Discovery(error.prop, [], action, error))
        self.stats.distinct = len(parents)

    def failures(self, state: State, fp: int, failures: list[tuple[Action, SpecRuntimeError]]) -> None:
        for action, error in failures:
            if self.visitor is not None:
                self.visitor.failure(fp, state, action, error)
            elif error.prop in self.wanted and error.prop not in self.found:
                self.record(Discovery(error.prop, self.chain(fp), action, error))

    def deeper(self, state: State, depth: int, depth_first: bool) -> None:
        """`state` is the first of a new level: the deepest so far."""
        self.stats.depth = depth
        if self.sample is not None:
            self.sample([state, *(self.newest() if depth_first else self.spread())], depth)

    def spread(self) -> list[State]:
        """At most _SAMPLE frontier states, evenly spaced from its oldest to its newest: breadth-first, when a
        level begins, the rest of that level (reaching into the middle of a deque costs, but once a level)."""
        frontier = self.frontier
        size = len(frontier)
        step = max(1, size // _SAMPLE)
        return [frontier[i][0] for i in range(step - 1, size, step)][:_SAMPLE]

    def newest(self) -> list[State]:
        """At most _SAMPLE of the states last added to the frontier (cheap however large it is)."""
        frontier = self.frontier
        return [frontier[-1 - i][0] for i in range(min(_SAMPLE, len(frontier)))]

    def chain(self, fp: int) -> list[int]:
        """The fingerprints from an initial state to `fp`."""
        parents = self.parents
        path = [fp]
        parent = parents[fp]
        while parent is not None:
            path.append(parent)
            parent = parents[parent]
        path.reverse()
        return path

    def record(self, discovery: Discovery) -> None:
        self.found[discovery.prop] = discovery
        if self.discovered is not None:
            self.discovered(discovery, self.counted(time.perf_counter()))

    def record_state(self, state: State, fp: int) -> None:
        for name in self.model.violated(state):
            if name not in self.found:
                self.record(Discovery(name, self.chain(fp)))

    def counted(self, now: float) -> Stats:
        if self.left is not None:  # the shards counted
            self.stats.queue = self.left
            self.stats.seconds = now - self.bounds.started
            return self.stats
        self.stats.distinct = len(self.parents)
        self.stats.queue = len(self.frontier)
        self.stats.seconds = now - self.bounds.started
        return self.stats

    def finish(self) -> SearchResult:
        result, frontier = self.result, self.frontier
        self.counted(time.perf_counter())
        if self.sample is not None and frontier:  # the newest states, a level deeper than any expanded
            self.sample(self.newest(), max(frontier[-1 - i][2] for i in range(min(_SAMPLE, len(frontier)))))
        left = len(frontier) if self.left is None else self.left
        result.exhausted = not left and result.complete
        if left and result.complete and len(self.found) < len(self.wanted):
            result.complete = False
            result.stop_reason = result.stop_reason or "stopped early"
        return result
