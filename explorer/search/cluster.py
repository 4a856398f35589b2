"""Shards of a partitioned search as Ray actors (`check --cluster ray` or `--cluster ray://HOST:PORT`).

Each shard is an actor; one more actor numbers states' parts for all of them (explorer/search/registry.py).
A round's batches never pass through this process: a shard's `step` returns one object per other shard, and
the next round hands those objects (references) to their owners, which Ray moves between machines itself.
Every machine of the cluster needs faultline installed, with the `cluster` extra.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import ray

from explorer.model import Model, State
from explorer.search.registry import Registry, Request, Tails, learn
from explorer.search.shard import Blob, Report, Shard, owner
from explorer.search.sharding import ClusterError
from explorer.search.workers import ShardStart
from explorer.semantics.system import SystemModel


class _Numbering:
    """The registry, in an actor of its own."""

    def __init__(self, recipe: tuple[Any, ...], tails: Tails) -> None:
        tables = SystemModel(*recipe).tables()
        learn(tables, tails)
        self.registry = Registry(tables)

    def request(self, table: int | None, key: Any, held: list[int]) -> Tails:
        return self.registry.request(table, key, held)


class _ShardActor:
    def __init__(self, start: ShardStart, numbering: Any) -> None:
        def send(request: Request) -> Tails:
            answer: Tails = ray.get(numbering.request.remote(*request))
            return answer

        self.shard: Shard = start.build(send)

    def seed(self, visited: list[tuple[int, int]], level: list[tuple[int, State]]) -> None:
        self.shard.seed(visited, level)

    def step(self, limit: int, insert: bool, *blobs: Blob | None) -> tuple[Any, ...]:
        report, out = self.shard.step(list(blobs), limit, insert)
        return (report, *out)

    def advance(self, sample: int) -> tuple[int, list[State]]:
        return self.shard.advance(sample)

    def parent(self, fp: int) -> int | None:
        return self.shard.parent(fp)


class RayWorkers:
    """`count` shards (None: one per CPU of the cluster) on the Ray at `address` ("ray": start or join one
    on this machine)."""

    def __init__(self, address: str, model: Model, count: int | None, budget: int, deadlock: bool) -> None:
        if not ray.is_initialized():
            # Ray's own start-up notices are not this run's to show; under `uv run`, Ray would pack the
            # working folder for every worker: a local Ray's workers use this Python as it is.
            os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
            try:
                ray.init(
                    address=None if address == "ray" else address,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                )
            except (ConnectionError, RuntimeError, ValueError) as error:
                raise ClusterError(f"cannot start or reach Ray: {error}") from None
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.model = model
        self.count = count = count or cpus
        recipe = model.recipe()
        tails = Registry(model.tables()).tails()
        self.numbering: Any = ray.remote(num_cpus=0)(_Numbering).remote(recipe, tails)
        # more shards than CPUs share them, rather than wait for ever for a CPU of their own
        actor: Any = ray.remote(num_cpus=min(1.0, cpus / count))(_ShardActor)
        self.actors: list[Any] = [
            actor.remote(ShardStart(recipe, k, count, tails, budget, deadlock), self.numbering)
            for k in range(count)
        ]
        self.inboxes: list[list[Any]] = [[] for _ in range(count)]

    def seed(self, seeds: list[tuple[list[tuple[int, int]], list[tuple[int, State]]]]) -> None:
        ray.get([a.seed.remote(*s) for a, s in zip(self.actors, seeds, strict=True)])

    def round(self, limit: int, insert: bool) -> list[Report]:
        inboxes, self.inboxes = self.inboxes, [[] for _ in range(self.count)]
        calls = [
            a.step.options(num_returns=self.count + 1).remote(limit, insert, *inbox)
            for a, inbox in zip(self.actors, inboxes, strict=True)
        ]
        reports: list[Report] = ray.get([refs[0] for refs in calls])
        for refs, report in zip(calls, reports, strict=True):
            for j in report.sent:
                self.inboxes[j].append(refs[1 + j])
        return reports

    def pending(self) -> bool:
        return any(self.inboxes)

    def advance(self, sample: int) -> list[tuple[int, list[State]]]:
        answer: list[tuple[int, list[State]]] = ray.get([a.advance.remote(sample) for a in self.actors])
        # every batch the last rounds sent was taken in: the references may go
        self.inboxes = [[] for _ in range(self.count)]
        return answer

    def parent(self, fp: int) -> int | None:
        answer: int | None = ray.get(self.actors[owner(fp, self.count)].parent.remote(fp))
        return answer

    def sync(self) -> None:
        tables = self.model.tables()
        learn(tables, ray.get(self.numbering.request.remote(None, None, [len(t) for t in tables])))

    def close(self) -> None:
        try:
            self.sync()  # the counterexamples are rebuilt here, from states the shards numbered
        finally:
            for a in [*self.actors, self.numbering]:
                ray.kill(a)
