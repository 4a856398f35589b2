"""Shards of one partitioned search all in this process, for the differential tests: each over a model of
its own, numbering states' parts through one registry and exchanging batches as worker processes do
(explorer/search/workers.py `Processes`), without the cost of starting processes for every generated spec."""

from __future__ import annotations

from collections.abc import Callable

from explorer.model import Model, State
from explorer.search.registry import Learner, Registry
from explorer.search.shard import Blob, Report, Shard, owner
from explorer.search.sharding import Sharding


class LocalShards:
    """`count` shards, each with a model `build` makes; `registry` numbers for all of them."""

    def __init__(self, registry: Model, build: Callable[[], Model], count: int, deadlock: bool) -> None:
        self.count = count
        self.registry = Registry(registry.tables())
        self.shards: list[Shard] = []
        for index in range(count):
            model = build()
            learner = Learner(model.tables(), lambda request: self.registry.request(*request))
            learner.learn(self.registry.tails())
            shard = Shard(model, index, count, deadlock=deadlock)
            shard.catch_up = lambda learner=learner: learner.ask(None)
            self.shards.append(shard)
        self.inboxes: list[list[Blob | None]] = [[] for _ in range(count)]

    def seed(self, seeds: list[tuple[list[tuple[int, int]], list[tuple[int, State]]]]) -> None:
        for shard, (visited, level) in zip(self.shards, seeds, strict=True):
            shard.seed(visited, level)

    def round(self, limit: int, insert: bool) -> list[Report]:
        inboxes, self.inboxes = self.inboxes, [[] for _ in range(self.count)]
        reports = []
        for shard, inbox in zip(self.shards, inboxes, strict=True):
            report, out = shard.step(inbox, limit, insert)
            for k in report.sent:
                self.inboxes[k].append(out[k])
            reports.append(report)
        return reports

    def pending(self) -> bool:
        return any(self.inboxes)

    def advance(self, sample: int) -> list[tuple[int, list[State]]]:
        return [shard.advance(sample) for shard in self.shards]

    def parent(self, fp: int) -> int | None:
        return self.shards[owner(fp, self.count)].parent(fp)

    def sync(self) -> None:
        pass  # the registry is the coordinator's model

    def close(self) -> None:
        for shard in self.shards:
            shard.level.close()
            shard.next.close()


class LocalSharding(Sharding):
    """Partition a search among `LocalShards` from its first level."""

    def __init__(self, build: Callable[[], Model], count: int) -> None:
        super().__init__(workers=count, shard_from=1)
        self.build = build

    def start(self, model: Model, deadlock: bool) -> LocalShards:
        return LocalShards(model, self.build, self.workers or 1, deadlock)
