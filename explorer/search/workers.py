"""Where the shards of a partitioned search run (explorer/search/parallel.py drives them; the shard itself is
explorer/search/shard.py): in this process (`InProcess`: one shard, the compact visited table), in worker
processes on this machine (`Processes`), or on Ray actors (explorer/search/cluster.py). Each runs rounds —
every shard takes in the states sent to it and expands a few thousand of its own — and routes the batches a
round produced to their owners with the next round.
"""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol, cast

from explorer.model import Model, State
from explorer.search.registry import Learner, Registry, Request, Tails
from explorer.search.shard import Blob, Report, Shard, owner
from explorer.semantics.system import SystemModel
from spec.diagnostics import InternalError


class Workers(Protocol):
    """The shards of one search, wherever they run."""

    count: int

    def seed(self, seeds: list[tuple[list[tuple[int, int]], list[tuple[int, State]]]]) -> None:
        """Give each shard its visited states and its part of the next level (`Shard.seed`)."""
        ...

    def round(self, limit: int, insert: bool) -> list[Report]:
        """Every shard takes in what the last round sent it and expands up to `limit` states."""
        ...

    def pending(self) -> bool:
        """Whether the last round sent states that no shard has taken in yet."""
        ...

    def advance(self, sample: int) -> list[tuple[int, list[State]]]:
        """Every shard moves to the next level: its size, and a few of its states."""
        ...

    def parent(self, fp: int) -> int | None:
        """The parent of the state `fp` in its owner's table."""
        ...

    def sync(self) -> None:
        """Bring this process's model up to the numbering the shards share (before reading their states)."""
        ...

    def close(self) -> None: ...


class InProcess:
    """One shard, in this process, over the model itself."""

    count = 1

    def __init__(self, model: Model, budget: int, deadlock: bool) -> None:
        self.shard = Shard(model, 0, 1, budget, deadlock)

    def seed(self, seeds: list[tuple[list[tuple[int, int]], list[tuple[int, State]]]]) -> None:
        self.shard.seed(*seeds[0])

    def round(self, limit: int, insert: bool) -> list[Report]:
        return [self.shard.step([], limit, insert)[0]]

    def pending(self) -> bool:
        return False

    def advance(self, sample: int) -> list[tuple[int, list[State]]]:
        return [self.shard.advance(sample)]

    def parent(self, fp: int) -> int | None:
        return self.shard.parent(fp)

    def sync(self) -> None:
        pass

    def close(self) -> None:
        self.shard.level.close()
        self.shard.next.close()


@dataclass(frozen=True)
class ShardStart:
    """What a worker is started with, wherever it runs: the arguments that build its model afresh
    (`Model.recipe`), which shard of how many it is, the numbering so far (`Registry.tails`), and its
    level budget."""

    recipe: tuple[Any, ...]
    index: int
    count: int
    tails: Tails
    budget: int
    deadlock: bool

    def build(self, send: Callable[[Request], Tails]) -> Shard:
        """The worker's shard: the model built afresh, numbering as the registry does (`send` asks it)."""
        model = SystemModel(*self.recipe)
        learner = Learner(model.tables(), send)
        learner.learn(self.tails)
        shard = Shard(model, self.index, self.count, self.budget, self.deadlock)
        shard.catch_up = lambda: learner.ask(None)
        return shard


def serve(conn: Connection) -> None:
    """A worker process (explorer/search/worker.py): build the shard it is sent, then run what the
    coordinator asks of it until the coordinator ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle

    def send(request: Request) -> Tails:
        conn.send(("intern", request))
        answer: Tails = conn.recv()
        return answer

    try:
        start: ShardStart = conn.recv()
        shard = start.build(send)
        conn.send(("done", None))
        while True:
            method, args = conn.recv()
            conn.send(("done", getattr(shard, method)(*args)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    except BaseException:  # told to the coordinator, which reports it
        conn.send(("error", traceback.format_exc()))


class Processes:
    """Shards in worker processes on this machine; this process numbers states' parts for all of them (its
    model's tables are the registry) and carries the batches between them."""

    def __init__(self, model: Model, count: int, budget: int, deadlock: bool) -> None:
        self.count = count
        self.registry = Registry(model.tables())
        recipe = model.recipe()
        self.conns: list[Connection] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        tails = self.registry.tails()
        self.inboxes: list[list[Blob | None]] = [[] for _ in range(count)]
        try:
            for index in range(count):
                self._start(ShardStart(recipe, index, count, tails, budget, deadlock))
            self._answers(list(range(count)))
        except BaseException:  # Ctrl-C or a bound while they start: none may outlive the search
            self.close()
            raise

    def _start(self, start: ShardStart) -> None:
        """Start a worker as a program of its own rather than by multiprocessing, which would run the
        caller's main module again in it (a script that calls the API without a __main__ guard); in a process
        group of its own, so that a terminal's Ctrl-C reaches this process only, which ends it."""
        ours, theirs = multiprocessing.Pipe()
        fd = theirs.fileno()
        process = subprocess.Popen(
            [sys.executable, "-m", "explorer.search.worker", str(fd)],
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
            process_group=0,
        )
        theirs.close()
        self.conns.append(ours)
        self.processes.append(process)
        ours.send(start)

    def _answers(self, asked: list[int]) -> list[Any]:
        """The answer of each worker in `asked`, numbering parts for any worker that asks meanwhile."""
        answers: dict[int, Any] = {}
        by_conn = {self.conns[k]: k for k in asked}
        while len(answers) < len(asked):
            for ready in wait(list(by_conn)):
                conn = cast(Connection, ready)
                k = by_conn[conn]
                try:
                    kind, payload = conn.recv()
                except (EOFError, OSError):
                    raise _ended(k) from None
                if kind == "intern":
                    conn.send(self.registry.request(*payload))
                elif kind == "error":
                    raise InternalError(f"search worker {k} failed:\n{payload}")
                else:
                    answers[k] = payload
                    del by_conn[conn]
        return [answers[k] for k in asked]

    def _call(self, method: str, args: list[tuple[Any, ...]]) -> list[Any]:
        for k, (conn, a) in enumerate(zip(self.conns, args, strict=True)):
            try:
                conn.send((method, a))
            except OSError:
                raise _ended(k) from None
        return self._answers(list(range(self.count)))

    def seed(self, seeds: list[tuple[list[tuple[int, int]], list[tuple[int, State]]]]) -> None:
        self._call("seed", [tuple(s) for s in seeds])

    def round(self, limit: int, insert: bool) -> list[Report]:
        inboxes, self.inboxes = self.inboxes, [[] for _ in range(self.count)]
        results = self._call("step", [(inbox, limit, insert) for inbox in inboxes])
        for _, blobs in results:
            for k, blob in enumerate(blobs):
                if blob is not None:
                    self.inboxes[k].append(blob)
        return [report for report, _ in results]

    def pending(self) -> bool:
        return any(self.inboxes)

    def advance(self, sample: int) -> list[tuple[int, list[State]]]:
        return self._call("advance", [(sample,)] * self.count)

    def parent(self, fp: int) -> int | None:
        k = owner(fp, self.count)
        try:
            self.conns[k].send(("parent", (fp,)))
        except OSError:
            raise _ended(k) from None
        answer: int | None = self._answers([k])[0]
        return answer

    def sync(self) -> None:
        pass  # this process is the registry

    def close(self) -> None:
        """End the workers: at once (a worker may be in the middle of a round the search no longer wants;
        what it holds is its own, and its spilled levels are files already unlinked)."""
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()
        for conn in self.conns:
            conn.close()


def _ended(worker: int) -> InternalError:
    return InternalError(f"search worker {worker} ended unexpectedly")
