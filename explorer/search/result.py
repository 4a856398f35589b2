"""What a search reports: its counts, the violations it found (as chains of fingerprints), and whether its
verdicts are final."""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer.model import Action, SpecRuntimeError

# Why a search given `stop_on` stopped.
FAIL_FAST = "stopped at the first unexpected violation"


@dataclass
class Stats:
    distinct: int = 0
    generated: int = 0
    depth: int = 0  # the deepest level reached (number of steps from an initial state)
    queue: int = 0
    seconds: float = 0.0
    reduced: int = 0  # states expanded by an ample set only (partial-order reduction)
    shards: int = 0  # the shards a partitioned search ended on (0: it stayed in one process's dict)
    table_bytes: int = 0  # the bytes of the shards' visited tables at the end
    worker_memory: int = 0  # the resident bytes of the worker processes, at their last round

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
