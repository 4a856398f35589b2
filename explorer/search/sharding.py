"""How a search is partitioned among workers, if it grows wide enough (the options `check --workers` and
`--cluster` give). Light on purpose: numpy, the worker machinery (explorer/search/workers.py) and Ray are
loaded only when a search is handed over to shards."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from explorer.model import Model
    from explorer.search.workers import Workers

# States of a level held in memory by a shard before the rest spill to disk (explorer/search/frontier.py).
LEVEL_BUDGET = 1 << 20

# The width of a level from which a search is handed over to shards: below it, starting worker processes
# costs more than they save.
SHARD_FROM = 20_000


@dataclass
class Sharding:
    """How a search is partitioned, once a level is `shard_from` states wide: among `workers` shards (one: in
    this process), on Ray when `cluster` names it ("ray": a local Ray; "ray://HOST:PORT": a cluster)."""

    workers: int | None
    cluster: str | None = None
    shard_from: int = SHARD_FROM
    level_budget: int = LEVEL_BUDGET

    def start(self, model: Model, deadlock: bool) -> Workers:
        from explorer.search.workers import InProcess, Processes

        count = self.workers or 1
        if self.cluster is not None:
            from explorer.search.cluster import RayWorkers  # Ray is an optional dependency

            return RayWorkers(self.cluster, model, self.workers, self.level_budget, deadlock)
        if count == 1:
            return InProcess(model, self.level_budget, deadlock)
        return Processes(model, count, self.level_budget, deadlock)


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class ClusterError(Exception):
    """A --cluster that cannot be used: not a Ray address, or Ray is not installed."""


def check_cluster(address: str) -> None:
    """Refuse, before any search, a cluster address that is not Ray's, or Ray missing."""
    if address != "ray" and not address.startswith("ray://"):
        raise ClusterError('expected "ray" (a Ray on this machine) or "ray://HOST:PORT" (a Ray cluster)')
    try:
        import ray  # noqa: F401
    except ImportError:
        raise ClusterError("Ray is not installed: pip install 'faultline[cluster]'") from None
