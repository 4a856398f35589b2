"""The network orderings of DESIGN's semantics, as operations on the `network` part of a global state.

Every layout holds message ids (explorer.state.MessageTable) and is canonical, so that equal networks
are equal tuples:
- duplicating: a set, kept as a sorted tuple without repeats; delivering leaves the message in flight.
- reorder: a bag, kept as a sorted tuple with repeats; any message may be delivered first.
- fifo: one queue per directed link, kept as a tuple of (link, queue) sorted by link; only the head of a
  queue may be delivered. link = src * n + dst.
A position names one message in flight: an index into the tuple (set, bag) or (link index, queue index).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Net = tuple[Any, ...]


class Ordering:
    consumes = True  # whether delivering a message removes it

    def __init__(self, n_nodes: int, src: list[int], dst: list[int]) -> None:
        self.n = n_nodes
        self.src = src  # message id -> sender (shared with the MessageTable)
        self.dst = dst

    def deliverable(self, net: Net) -> Iterator[tuple[int, Any]]:
        """(message id, position) of each message that may be delivered next, once per distinct choice."""
        raise NotImplementedError

    def positions(self, net: Net) -> Iterator[tuple[int, Any]]:
        """(message id, position) of each message in flight, once per distinct choice (for drops)."""
        raise NotImplementedError

    def remove(self, net: Net, position: Any) -> Net:
        raise NotImplementedError

    def add(self, net: Net, mids: tuple[int, ...]) -> Net:
        raise NotImplementedError

    def duplicate(self, net: Net, position: Any) -> Net:
        raise NotImplementedError

    def messages(self, net: Net) -> list[int]:
        """Every message id in flight, with repeats, in a canonical order."""
        raise NotImplementedError


class SetOrdering(Ordering):
    consumes = False

    def deliverable(self, net: Net) -> Iterator[tuple[int, Any]]:
        for i, mid in enumerate(net):
            yield mid, i

    positions = deliverable

    def remove(self, net: Net, position: Any) -> Net:
        return net[:position] + net[position + 1 :]

    def add(self, net: Net, mids: tuple[int, ...]) -> Net:
        if not mids:
            return net
        return tuple(sorted(set(net).union(mids)))

    def duplicate(self, net: Net, position: Any) -> Net:
        return net

    def messages(self, net: Net) -> list[int]:
        return list(net)


class BagOrdering(Ordering):
    def deliverable(self, net: Net) -> Iterator[tuple[int, Any]]:
        previous = -1
        for i, mid in enumerate(net):
            if mid != previous:  # equal copies are one choice
                yield mid, i
                previous = mid

    positions = deliverable

    def remove(self, net: Net, position: Any) -> Net:
        return net[:position] + net[position + 1 :]

    def add(self, net: Net, mids: tuple[int, ...]) -> Net:
        if not mids:
            return net
        return tuple(sorted(net + mids))

    def duplicate(self, net: Net, position: Any) -> Net:
        return net[: position + 1] + net[position:]

    def messages(self, net: Net) -> list[int]:
        return list(net)


class FifoOrdering(Ordering):
    def deliverable(self, net: Net) -> Iterator[tuple[int, Any]]:
        for i, (_, queue) in enumerate(net):
            yield queue[0], (i, 0)

    def positions(self, net: Net) -> Iterator[tuple[int, Any]]:
        for i, (_, queue) in enumerate(net):
            previous = -1
            for j, mid in enumerate(queue):
                if mid != previous:  # dropping either of two adjacent equal copies is one choice
                    yield mid, (i, j)
                    previous = mid

    def remove(self, net: Net, position: Any) -> Net:
        i, j = position
        link, queue = net[i]
        rest = queue[:j] + queue[j + 1 :]
        if rest:
            return net[:i] + ((link, rest),) + net[i + 1 :]
        return net[:i] + net[i + 1 :]

    def add(self, net: Net, mids: tuple[int, ...]) -> Net:
        if not mids:
            return net
        queues = dict(net)
        n = self.n
        for mid in mids:
            link = self.src[mid] * n + self.dst[mid]
            queues[link] = queues.get(link, ()) + (mid,)
        return tuple(sorted(queues.items()))

    def duplicate(self, net: Net, position: Any) -> Net:
        # The copy goes right behind the original: a duplicating FIFO link delivers a message one or more
        # times, but never out of order.
        i, j = position
        link, queue = net[i]
        return net[:i] + ((link, queue[: j + 1] + queue[j:]),) + net[i + 1 :]

    def messages(self, net: Net) -> list[int]:
        return [mid for _, queue in net for mid in queue]


def ordering(kind: str, n_nodes: int, src: list[int], dst: list[int]) -> Ordering:
    classes: dict[str, type[Ordering]] = {"duplicating": SetOrdering, "reorder": BagOrdering, "fifo": FifoOrdering}
    return classes[kind](n_nodes, src, dst)
