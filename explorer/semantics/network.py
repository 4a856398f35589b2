"""The network orderings of DESIGN's semantics, as operations on the `network` part of a global state.

The network holds entries `message id * stride + sent_at` (explorer.state): the message, and the time it
was sent when there is time (stride is horizon + 2; under asynchronous timing stride is 1 and an entry is
just the message id). Every layout is canonical, so that equal networks are equal tuples:
- duplicating: a set, kept as a sorted tuple without repeats; delivering leaves the message in flight.
  Under time, the copy that stays is marked delivered (sent_at = `DELIVERED`, horizon + 1): the delay
  bound applies to a message's first delivery only, so a delivered message never holds time back.
- reorder: a bag, kept as a sorted tuple with repeats; any message may be delivered first.
- fifo: one queue per directed link, kept as a tuple of (link, queue) sorted by link; only the head of a
  queue may be delivered. link = src * n + dst.
A position names one entry in flight: an index into the tuple (set, bag) or (link index, queue index).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spec import ir

Net = tuple[Any, ...]


class Ordering:
    consumes = True  # whether delivering a message removes it

    def __init__(self, n_nodes: int, stride: int, src: list[int], dst: list[int]) -> None:
        self.n = n_nodes
        self.stride = stride
        self.src = src  # message id -> sender (shared with the MessageTable)
        self.dst = dst

    def deliverable(self, net: Net) -> Iterator[tuple[int, Any]]:
        """(entry, position) of each message that may be delivered next, once per distinct choice."""
        raise NotImplementedError

    def positions(self, net: Net) -> Iterator[tuple[int, Any]]:
        """(entry, position) of each message in flight, once per distinct choice (for drops)."""
        raise NotImplementedError

    def remove(self, net: Net, position: Any) -> Net:
        raise NotImplementedError

    def delivered(self, net: Net, entry: int, position: Any) -> Net:
        """The network after delivering `entry` (at `position`)."""
        return self.remove(net, position)

    def add(self, net: Net, entries: tuple[int, ...]) -> Net:
        raise NotImplementedError

    def duplicate(self, net: Net, position: Any) -> Net:
        raise NotImplementedError

    def entries(self, net: Net) -> list[int]:
        """Every entry in flight, with repeats, in a canonical order."""
        raise NotImplementedError


class SetOrdering(Ordering):
    consumes = False

    def delivered(self, net: Net, entry: int, position: Any) -> Net:
        stride = self.stride
        if stride == 1 or entry % stride == stride - 1:  # no time, or delivered before
            return net
        marked = entry - entry % stride + stride - 1
        return self.add(self.remove(net, position), (marked,))

    def deliverable(self, net: Net) -> Iterator[tuple[int, Any]]:
        for i, entry in enumerate(net):
            yield entry, i

    positions = deliverable

    def remove(self, net: Net, position: Any) -> Net:
        return net[:position] + net[position + 1 :]

    def add(self, net: Net, entries: tuple[int, ...]) -> Net:
        if not entries:
            return net
        return tuple(sorted(set(net).union(entries)))

    def duplicate(self, net: Net, position: Any) -> Net:
        return net

    def entries(self, net: Net) -> list[int]:
        return list(net)


class BagOrdering(Ordering):
    def deliverable(self, net: Net) -> Iterator[tuple[int, Any]]:
        previous = -1
        for i, entry in enumerate(net):
            if entry != previous:  # equal copies are one choice
                yield entry, i
                previous = entry

    positions = deliverable

    def remove(self, net: Net, position: Any) -> Net:
        return net[:position] + net[position + 1 :]

    def add(self, net: Net, entries: tuple[int, ...]) -> Net:
        if not entries:
            return net
        return tuple(sorted(net + entries))

    def duplicate(self, net: Net, position: Any) -> Net:
        return net[: position + 1] + net[position:]

    def entries(self, net: Net) -> list[int]:
        return list(net)


class FifoOrdering(Ordering):
    def deliverable(self, net: Net) -> Iterator[tuple[int, Any]]:
        for i, (_, queue) in enumerate(net):
            yield queue[0], (i, 0)

    def positions(self, net: Net) -> Iterator[tuple[int, Any]]:
        for i, (_, queue) in enumerate(net):
            previous = -1
            for j, entry in enumerate(queue):
                if entry != previous:  # dropping either of two adjacent equal copies is one choice
                    yield entry, (i, j)
                    previous = entry

    def remove(self, net: Net, position: Any) -> Net:
        i, j = position
        link, queue = net[i]
        rest = queue[:j] + queue[j + 1 :]
        if rest:
            return net[:i] + ((link, rest),) + net[i + 1 :]
        return net[:i] + net[i + 1 :]

    def add(self, net: Net, entries: tuple[int, ...]) -> Net:
        if not entries:
            return net
        queues = dict(net)
        n, stride = self.n, self.stride
        for entry in entries:
            mid = entry // stride
            link = self.src[mid] * n + self.dst[mid]
            queues[link] = queues.get(link, ()) + (entry,)
        return tuple(sorted(queues.items()))

    def duplicate(self, net: Net, position: Any) -> Net:
        # The copy goes right behind the original: a duplicating FIFO link delivers a message one or more
        # times, but never out of order.
        i, j = position
        link, queue = net[i]
        return net[:i] + ((link, queue[: j + 1] + queue[j:]),) + net[i + 1 :]

    def entries(self, net: Net) -> list[int]:
        return [entry for _, queue in net for entry in queue]


def ordering(kind: ir.Ordering, n_nodes: int, stride: int, src: list[int], dst: list[int]) -> Ordering:
    classes: dict[ir.Ordering, type[Ordering]] = {
        ir.Ordering.DUPLICATING: SetOrdering,
        ir.Ordering.REORDER: BagOrdering,
        ir.Ordering.FIFO: FifoOrdering,
    }
    return classes[kind](n_nodes, stride, src, dst)
