"""Checkpoints of a search, so that a run killed in the middle goes on where it was (`check --checkpoint
DIR`, `--resume DIR`).

Every `every` seconds, between two states, the search writes `<folder>/<model>.checkpoint`: the visited
fingerprints with their parents, the frontier, the counts, the violations found so far and the model's
interning tables (a state's numbers mean something only with them). The file is written whole and then
renamed over the last one, so a checkpoint is whole or absent whatever kills the run. Resuming gives a
freshly built model its tables back and goes on with the frontier: the final counts and verdicts are those
of a run that was never stopped.

A checkpoint records what it was made for (the spec's text, the model, the options that change the search);
resuming it under anything else is refused. It is Python's pickle: resume only checkpoints you wrote.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.search.result import Discovery, Stats
from spec.files import write_atomic

_VERSION = 1


class CheckpointError(Exception):
    """A checkpoint that cannot be resumed here: unreadable, or made for another spec or other options."""


def identity(*parts: object) -> str:
    """What a checkpoint is for, as a digest of everything that decides the search (spec text, model,
    constants, properties, reductions, order)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


@dataclass
class Saved:
    """A search between two states."""

    version: int
    made_for: str
    parents: dict[int, int | None]
    frontier: list[tuple[Any, int, int]]  # (state, fingerprint, depth)
    stats: Stats
    found: dict[str, Discovery]
    model: Any  # SystemModel.snapshot()


class Checkpoints:
    """Writes one model's search to `path` every `every` seconds (when the search asks whether it is due)."""

    def __init__(self, path: Path, every: float, made_for: str) -> None:
        self.path = path
        self.every = every
        self.made_for = made_for
        self.last = time.perf_counter()

    def due(self, now: float) -> bool:
        return now - self.last >= self.every

    def save(
        self,
        parents: dict[int, int | None],
        frontier: deque[tuple[Any, int, int]],
        stats: Stats,
        found: dict[str, Discovery],
        model: Any,
    ) -> None:
        saved = Saved(_VERSION, self.made_for, parents, list(frontier), stats, found, model.snapshot())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL))
        self.last = time.perf_counter()


def load(path: Path, made_for: str) -> Saved | None:
    """The checkpoint at `path` (None if there is none); CheckpointError if it is not one this run can
    resume."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as source:
            saved = pickle.load(source)  # the user's own checkpoint
    except Exception as error:
        raise CheckpointError(f"{path} is not a checkpoint faultline can read ({error})") from None
    if not isinstance(saved, Saved) or saved.version != _VERSION:
        raise CheckpointError(f"{path} was written by another version of faultline")
    if saved.made_for != made_for:
        raise CheckpointError(
            f"{path} was written for another spec text, model or options: resume with the ones it was made with"
        )
    return saved


__all__ = ["CheckpointError", "Checkpoints", "Saved", "identity", "load"]
