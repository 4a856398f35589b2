"""One level of a breadth-first search: the states to expand next, each with its fingerprint. Past a budget of states held in memory, the rest go to a temporary file in batches, so that a wide
level costs disk rather than memory; they come back in the order they went in.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO

from explorer.model import State
from explorer.search.sharding import LEVEL_BUDGET

Entry = tuple[int, State]  # (fingerprint, state)

_BATCH = 4096


class Level:
    """An append-only list of (number, state) that spills to disk past `budget` entries."""

    def __init__(self, budget: int = LEVEL_BUDGET) -> None:
        self.budget = budget
        self.held: list[Entry] = []
        self.pending: list[Entry] = []  # the next batch for the file
        self.spill: IO[bytes] | None = None
        self.spilled = 0
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def append(self, entry: Entry) -> None:
        self.count += 1
        if len(self.held) < self.budget and self.spill is None:
            self.held.append(entry)
            return
        self.pending.append(entry)
        if len(self.pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        if self.spill is None:
            self.spill = tempfile.TemporaryFile(prefix="faultline-level-")  # noqa: SIM115  # closed once read back
        pickle.dump(self.pending, self.spill, protocol=pickle.HIGHEST_PROTOCOL)
        self.spilled += len(self.pending)
        self.pending = []

    def batches(self, size: int) -> Iterator[list[Entry]]:
        """The entries in the order they were added, `size` at a time (at most); each batch is handed out
        once and then forgotten, so memory holds one batch of the spilled part at a time."""
        held, self.held = self.held, []
        for start in range(0, len(held), size):
            yield held[start : start + size]
        del held
        if self.spill is not None:
            self._flush()
            self.spill.seek(0)
            carry: list[Entry] = []
            while True:
                try:
                    carry.extend(pickle.load(self.spill))
                except EOFError:
                    break
                while len(carry) >= size:
                    yield carry[:size]
                    carry = carry[size:]
            self.spill.close()
            self.spill = None
            if carry:
                yield carry
        elif self.pending:
            yield from (self.pending[s : s + size] for s in range(0, len(self.pending), size))
        self.pending = []

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()
            self.spill = None
