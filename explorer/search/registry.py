"""One numbering for the workers of one search.

A state is a tuple of numbers that interning tables give its parts (explorer/state.py: local states,
messages, symmetry reduction's signature parts), in the order a process first meets them. Workers that
exchange states must give every part the same number, or one state would be two tuples with two
fingerprints. So one `Registry` numbers every new part for all of them: a worker that meets a part its
tables do not hold asks the registry (`Learner.ask`), and learns, in order, every part numbered since it last
asked — its tables then equal the registry's up to that point, the new part included. Parts are few next to
states (a handful of local states per node type make millions of global states), so asking is rare after the
first levels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from explorer.state import Interned

# What a worker sends: the table a part is for (None: none, only catching up), the part, and how many
# entries of each table it already holds. What it gets back: every table's entries from there on.
Request = tuple[int | None, Any, list[int]]
Tails = list[tuple[int, list[Any]]]  # per table: the number of its first entry, and the entries


class Registry:
    """The one numbering, held in a model's own tables."""

    def __init__(self, tables: list[Interned]) -> None:
        self.tables = tables

    def request(self, table: int | None, key: Any, held: list[int]) -> Tails:
        if table is not None:
            numbered = self.tables[table]
            if key not in numbered.ids:
                numbered.add(key)
        return [(start, t.keys(start)) for t, start in zip(self.tables, held, strict=True)]

    def tails(self) -> Tails:
        """Every table's entries (for a worker that starts)."""
        return self.request(None, None, [0] * len(self.tables))


class Learner:
    """A worker's side: its model's tables ask `send` instead of numbering a new part themselves."""

    def __init__(self, tables: list[Interned], send: Callable[[Request], Tails]) -> None:
        self.tables = tables
        self.send = send
        for index, table in enumerate(tables):
            table.remote = self._asker(index)

    def _asker(self, index: int) -> Callable[[Any], None]:
        return lambda key: self.ask(index, key)

    def ask(self, table: int | None, key: Any = None) -> None:
        """Learn the numbering up to now, `key` of `table` numbered too."""
        self.learn(self.send((table, key, [len(t) for t in self.tables])))

    def learn(self, tails: Tails) -> None:
        learn(self.tables, tails)


def learn(tables: list[Interned], tails: Tails) -> None:
    """Take into `tables` the entries they do not hold yet (a table built with its model holds some)."""
    for table, (start, keys) in zip(tables, tails, strict=True):
        for key in keys[len(table) - start :]:
            table.add(key)
