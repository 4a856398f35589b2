"""One worker's part of a breadth-first search partitioned by fingerprint (PReach's scheme for Murphi).

Worker k of n owns the states whose fingerprint is k modulo n: it keeps their visited table (fingerprint and
parent's fingerprint, explorer/search/visited.py) and the part of each level made of them. It expands its
part of the current level; a successor it owns is added to its table at once, one another worker owns goes
into a batch for that worker (a `Blob`), which the coordinator (explorer/search/parallel.py) hands over with
the next round. What a level reaches becomes the next level only once every worker has expanded the whole
current one, so levels stay whole and every counterexample is still a shortest one.

A worker checks the properties of the states it adds and of the steps it takes, and reports each violation
it finds (once a property) as a `Finding`: the coordinator rebuilds its chain of fingerprints by asking each
state's owner for its parent.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from explorer.model import Action, Model, SpecRuntimeError, State
from explorer.search.frontier import Entry, Level
from explorer.search.limits import resident_memory
from explorer.search.sharding import LEVEL_BUDGET
from explorer.search.visited import U64, FingerprintTable, as_fingerprints

# States for one worker: their fingerprints, their parents' fingerprints, the states; a list of them pickled.
Batch = tuple[U64, U64, list[State]]
Blob = bytes

# States expanded at a time between two additions to the visited table.
_BATCH = 2048
# The cache of fingerprints sent to other workers: 2^20 slots (8 MiB), picked by Fibonacci hashing.
_SENT_BITS = 20
_SENT_SHIFT = np.uint64(64 - _SENT_BITS)
_SPREAD = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class Finding:
    """A violation a worker found: of `prop` at the state `fp` (an invariant, a deadlock), by the step from
    `fp` to `to` (a step property), or by `action` failing at `fp` with `error`."""

    prop: str
    fp: int
    to: int | None = None
    action: Action | None = None
    error: SpecRuntimeError | None = None


@dataclass
class Report:
    """What one round of a worker did."""

    generated: int = 0  # steps taken (failures included)
    added: int = 0  # new states (or, at the depth bound, successors not seen before)
    remaining: bool = False  # its part of the current level is not expanded yet
    cut_off: bool = False  # at the depth bound, a step leads somewhere new or fails
    found: list[Finding] = field(default_factory=list)
    memory: int = 0  # the worker's resident bytes
    table_bytes: int = 0
    latest_now: int = 0  # the latest real time a tick has reached there
    sent: list[int] = field(default_factory=list)  # the workers it has a batch for


class Shard:
    """Worker `index` of `count`: its visited states, its part of the current and next levels."""

    def __init__(
        self, model: Model, index: int, count: int, budget: int = LEVEL_BUDGET, deadlock: bool = False
    ) -> None:
        self.model = model
        self.index, self.count = index, count
        self.budget = budget
        self.deadlock = deadlock
        self.table = FingerprintTable()
        self.level = Level(budget)
        self.next = Level(budget)
        self.batches: Iterator[list[Entry]] | None = None
        self.wanted = {p.name for p in model.properties}
        self.found: set[str] = set()
        self.sent = np.zeros(1 << _SENT_BITS if count > 1 else 1, dtype=np.uint64)
        # learns the numbering other workers gave (explorer/search/registry.py) before taking their states
        self.catch_up: Callable[[], None] | None = None

    # ------------------------------------------------------------ set-up and levels

    def seed(self, visited: list[tuple[int, int]], level: list[Entry]) -> None:
        """Start from a search begun elsewhere: the visited states this worker owns (with their parents; an
        initial state is its own parent) and its part of the level to expand next."""
        if visited:
            fps, parents = zip(*visited, strict=True)
            self.table.add(as_fingerprints(list(fps)), as_fingerprints(list(parents)))
        for entry in level:
            self.next.append(entry)

    def advance(self, sample: int) -> tuple[int, list[State]]:
        """Make the states reached the level to expand; its size, and up to `sample` of its states."""
        self.level.close()
        self.level, self.next = self.next, Level(self.budget)
        self.batches = self.level.batches(_BATCH)
        return len(self.level), [state for _, state in self.level.held[:sample]]

    def parent(self, fp: int) -> int | None:
        return self.table.parent(fp)

    # ------------------------------------------------------------ one round

    def step(
        self, blobs: list[Blob | None], limit: int, insert: bool = True
    ) -> tuple[Report, list[Blob | None]]:
        """Take in the states other workers sent, then expand up to `limit` states of the current level
        (at the depth bound, `insert` False: only tell whether a step leads anywhere new). Returns what it
        did and a batch for each other worker (None for itself)."""
        report = Report()
        given = [blob for blob in blobs if blob is not None]
        if given and self.catch_up is not None:
            self.catch_up()
        for blob in given:
            for fps, parents, states in pickle.loads(blob):
                self.receive(fps, parents, states, insert, report)
        outboxes: list[list[Batch]] = [[] for _ in range(self.count)]
        expanded = 0
        while expanded < limit and self.batches is not None:
            batch = next(self.batches, None)
            if batch is None:
                self.batches = None
                break
            expanded += len(batch)
            self.expand(batch, outboxes, insert, report)
        report.remaining = self.batches is not None
        report.memory, report.table_bytes = resident_memory(), self.table.nbytes
        report.latest_now = self.model.latest_now
        out: list[Blob | None] = [_pack(outbox) if outbox else None for outbox in outboxes]
        report.sent = [k for k, blob in enumerate(out) if blob is not None]
        return report, out

    def expand(self, batch: list[Entry], outboxes: list[list[Batch]], insert: bool, report: Report) -> None:
        """Expand `batch`: its successors this worker owns are taken in at once, the others (each once)
        go to their owners' outboxes. The work per successor is left to C (map, numpy) where it can be:
        most successors were seen before, and are only looked up."""
        model = self.model
        successors_of = model.successors
        steps = model.checks_steps and insert
        reached: list[State] = []
        counts: list[int] = []
        for fp, state in batch:
            successors, failures = successors_of(state)
            if not insert:  # the depth bound: nothing is added, nothing but whether it cuts off is asked
                report.cut_off = report.cut_off or bool(failures)
            else:
                if self.deadlock and model.deadlocked(state, successors):
                    self.find(Finding("deadlock_free", fp), report)
                report.generated += len(successors) + len(failures)
                for action, error in failures:
                    self.find(Finding(error.prop, fp, action=action, error=error), report)
            succs = [succ for _, succ in successors]
            if steps:
                for succ in succs:
                    for name in model.violated_step(state, succ):
                        self.find(Finding(name, fp, to=model.fingerprint(succ)), report)
            reached.extend(succs)
            counts.append(len(succs))
        fps = as_fingerprints(list(map(model.fingerprint, reached)))
        parents = np.repeat(as_fingerprints([fp for fp, _ in batch]), counts)
        if self.count == 1:
            self.receive(fps, parents, reached, insert, report)
            return
        owners = fps % np.uint64(self.count)
        for k in range(self.count):
            picked = np.flatnonzero(owners == k)
            if k == self.index:
                self.receive(
                    fps[picked], parents[picked], [reached[i] for i in picked.tolist()], insert, report
                )
            elif len(picked):
                _, first = np.unique(fps[picked], return_index=True)
                picked = self.unsent(picked[np.sort(first)], fps)
                if len(picked):
                    outboxes[k].append((fps[picked], parents[picked], [reached[i] for i in picked.tolist()]))

    def unsent(self, picked: npt.NDArray[np.int64], fps: U64) -> npt.NDArray[np.int64]:
        """Of the successors `picked` for another worker, those this worker has not sent lately: a state
        reached again (from another parent, a later level) was taken in by its owner the first time.
        `sent` is a direct-mapped cache of the fingerprints sent last (a slot keeps the newest)."""
        chosen = fps[picked]
        slots = ((chosen * _SPREAD) >> _SENT_SHIFT).astype(np.int64)
        fresh = self.sent[slots] != chosen
        self.sent[slots[fresh]] = chosen[fresh]
        return picked[fresh]

    def receive(self, fps: U64, parents: U64, states: list[State], insert: bool, report: Report) -> None:
        """Add the states not seen before to the table and the next level, and check them."""
        new = np.flatnonzero(self.table.add(fps, parents, insert))
        report.added += len(new)
        if not insert:
            report.cut_off = report.cut_off or bool(len(new))
            return
        violated, append = self.model.violated, self.next.append
        hashes = fps.view(np.int64)
        for i in new.tolist():
            state = states[i]
            fp = int(hashes[i])
            append((fp, state))
            for name in violated(state):
                self.find(Finding(name, fp), report)

    def find(self, finding: Finding, report: Report) -> None:
        if finding.prop in self.wanted and finding.prop not in self.found:
            self.found.add(finding.prop)
            report.found.append(finding)


def _pack(batches: list[Batch]) -> Blob:
    return pickle.dumps(batches, protocol=pickle.HIGHEST_PROTOCOL)


def owner(fp: int, count: int) -> int:
    """The worker that owns the state with fingerprint `fp`: the fingerprint as the table's unsigned one,
    modulo the workers (`Shard.expand` computes it for a whole batch)."""
    return (fp & 0xFFFF_FFFF_FFFF_FFFF) % count
