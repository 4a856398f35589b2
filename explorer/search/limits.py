"""Bounds on time and memory that hold in every phase of a run, not only between two states of a search.

A search looks at the clock and at its memory every few thousand states; that does not help while it builds
millions of initial states, or while one step runs `for i in 0..1000000`. `watchdog` covers those: a timer
signal looks every quarter of a second and raises BoundReached in whatever Python code is running. Only the
main thread receives signals; elsewhere (and where there is no SIGALRM) the callers' own checks remain.

The Z3 back end does not use it: an exception raised inside Z3's Python bindings can leave them broken, so
explorer/bmc interrupts Z3 with its own API instead (explorer/bmc/interrupt.py).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# How often the watchdog looks, in seconds.
_EVERY = 0.25


class BoundReached(Exception):
    """A time or memory bound was reached; `reason` says which, in the words of a search's stop reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def resident_memory() -> int:
    """This process's resident memory in bytes (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def default_memory_limit() -> int:
    """80% of the machine's memory, in bytes (0, no limit, where it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 0.8)
    except (ValueError, OSError, AttributeError):
        return 0


def time_reason(max_seconds: float) -> str:
    return f"time bound {max_seconds:g} s reached"


def memory_reason(max_memory: int) -> str:
    return f"memory bound {max_memory // 2**20:,} MiB reached"


@contextmanager
def watchdog(max_seconds: float | None, max_memory: int | None) -> Iterator[None]:
    """While the block runs, raise BoundReached inside it as soon as `max_seconds` have passed since it
    began or the process holds `max_memory` bytes (None or 0: no such bound)."""
    if (
        not (max_seconds or max_memory)
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        yield
        return
    started = time.perf_counter()
    armed = True

    def look(signum: int, frame: FrameType | None) -> None:
        nonlocal armed
        if not armed:
            return
        reason = None
        if max_seconds is not None and time.perf_counter() - started >= max_seconds:
            reason = time_reason(max_seconds)
        elif max_memory and resident_memory() >= max_memory:
            reason = memory_reason(max_memory)
        if reason is not None:
            armed = False  # once: the code that handles the exception must not get a second one
            raise BoundReached(reason)

    previous = signal.signal(signal.SIGALRM, look)
    signal.setitimer(signal.ITIMER_REAL, _EVERY, _EVERY)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
