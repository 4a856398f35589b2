"""The visited states of a search, in flat memory: 64-bit fingerprints, each with its parent's.

Three numpy arrays hold everything: `fingerprints[k]` and `parents[k]` for the k-th state added (a parent is
the fingerprint of the state it was first reached from; an initial state is its own parent), and an
open-addressing table `slots` of k + 1 by fingerprint (0: empty; linear probing). That is 8 + 8 bytes a
state plus 4 bytes a slot at a load of at most 0.7, and the arrays grow by a quarter: about 22-28 bytes a state
in all, where a dict of ints and its parent links took about 110. The parent is a fingerprint rather than a
number so that it may live in another worker's table (explorer/search/shard.py).

States are added a batch at a time (the successors of a few thousand states), numpy probing for the whole
batch at once; the first copy of a fingerprint in a batch wins, as one state at a time would. A search stopped
inside `add` (a time bound, Ctrl-C) leaves the table as it was: `count`, the fingerprints and the parents
change last, and a slot written for a state that was then not counted is harmless (a lookup that meets it
compares fingerprints and probes on).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_MAX_LOAD = 0.7
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing spreads fingerprints that differ little

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
Bools = npt.NDArray[np.bool_]


def as_fingerprints(values: list[int]) -> U64:
    """Python's signed 64-bit hashes as the table's unsigned fingerprints."""
    return np.array(values, dtype=np.int64).view(np.uint64)


def as_hash(fingerprint: np.uint64) -> int:
    """A table fingerprint as the signed hash it came from."""
    return int(np.array([fingerprint], dtype=np.uint64).view(np.int64)[0])


class FingerprintTable:
    """Fingerprint -> parent's fingerprint (TLC's FPSet, in numpy arrays)."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        slots = 1 << max(4, (max(capacity, 1) * 2 - 1).bit_length())
        self.slots: U32 = np.zeros(slots, dtype=np.uint32)
        self.fingerprints: U64 = np.zeros(max(capacity, 16), dtype=np.uint64)
        self.parents: U64 = np.zeros(max(capacity, 16), dtype=np.uint64)
        self.count = 0

    def __len__(self) -> int:
        return self.count

    @property
    def nbytes(self) -> int:
        return self.slots.nbytes + self.fingerprints.nbytes + self.parents.nbytes

    def find(self, fps: U64) -> npt.NDArray[np.int64]:
        """Where each fingerprint's state is in the arrays, or -1 where it was never added."""
        found = np.full(len(fps), -1, dtype=np.int64)
        if not len(fps) or not self.count:
            return found
        mask = len(self.slots) - 1
        pos = _home(fps, len(self.slots))
        pending = np.arange(len(fps))
        while len(pending):
            held = self.slots[pos[pending]].astype(np.int64)
            empty = held == 0
            hit = ~empty & (self.fingerprints[np.maximum(held - 1, 0)] == fps[pending])
            found[pending[hit]] = held[hit] - 1
            more = ~(empty | hit)
            pending = pending[more]
            pos[pending] = (pos[pending] + 1) & mask
        return found

    def parent(self, fp: int) -> int | None:
        """The fingerprint of the state `fp` was first reached from (None: an initial state, or not here)."""
        at = int(self.find(as_fingerprints([fp]))[0])
        if at < 0:
            return None
        parent = as_hash(self.parents[at])
        return None if parent == fp else parent

    def add(self, fps: U64, parents: U64, insert: bool = True) -> Bools:
        """Add the fingerprints not yet here, in batch order, with their parents' fingerprints. Returns which
        entries of the batch were new (the first copy of a repeated fingerprint counts as new); with
        `insert` False, only says so."""
        new: Bools = np.zeros(len(fps), dtype=np.bool_)
        if not len(fps):
            return new
        unknown = np.flatnonzero(self.find(fps) < 0)  # most successors were seen before: drop them first
        _, first = np.unique(fps[unknown], return_index=True)
        first.sort()
        candidates = unknown[first]
        new[candidates] = True
        k = len(candidates)
        if not k or not insert:
            return new
        slots, fingerprints, stored_parents = self._room_for(self.count + k)
        _place(slots, fps[candidates], np.arange(self.count, self.count + k, dtype=np.int64))
        fingerprints[self.count : self.count + k] = fps[candidates]
        stored_parents[self.count : self.count + k] = parents[candidates]
        self.slots, self.fingerprints, self.parents = slots, fingerprints, stored_parents
        self.count += k
        return new

    def _room_for(self, total: int) -> tuple[U32, U64, U64]:
        """Arrays that can hold `total` states: the table's own when they can, else grown copies (slots
        rehashed) that `add` installs when it commits."""
        slots, fingerprints, parents = self.slots, self.fingerprints, self.parents
        if total > len(fingerprints):
            size = max(total, len(fingerprints) + len(fingerprints) // 4)
            fingerprints = np.resize(fingerprints, size)
            parents = np.resize(parents, size)
        if total > _MAX_LOAD * len(slots):
            size = len(slots)
            while total > _MAX_LOAD * size:
                size *= 2
            slots = np.zeros(size, dtype=np.uint32)
            _place(slots, self.fingerprints[: self.count], np.arange(self.count, dtype=np.int64))
        return slots, fingerprints, parents


def _home(fps: U64, slots: int) -> npt.NDArray[np.int64]:
    shift = np.uint64(64 - (slots.bit_length() - 1))
    return ((fps * _MULTIPLIER) >> shift).astype(np.int64)


def _place(slots: U32, fps: U64, numbers: npt.NDArray[np.int64]) -> None:
    """Write `numbers` + 1 into free slots of `slots` for fingerprints known to be absent. Where several want
    one free slot, one of them gets it and the others probe on."""
    mask = len(slots) - 1
    pos = _home(fps, len(slots))
    marks = (numbers + 1).astype(np.uint32)
    pending = np.arange(len(fps))
    while len(pending):
        at = pos[pending]
        claimed = pending[slots[at] == 0]
        slots[pos[claimed]] = marks[claimed]
        lost = slots[at] != marks[pending]
        pending = pending[lost]
        pos[pending] = (pos[pending] + 1) & mask
