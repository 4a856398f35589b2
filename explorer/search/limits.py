"""Bounds on time and memory that hold in every phase of a run, not only between two states of a search.

A search looks at the clock and at its memory every few thousand states; that does not help while it builds
millions of initial states, or while one step runs `for i in 0..1000000`. `watchdog` covers those: a timer
signal looks every quarter of a second and raises BoundReached in whatever Python code is running. Only the
main thread receives signals; elsewhere (and where there is no SIGALRM) the callers' own checks remain.

An exception raised between two bytecodes could leave a table half-updated: the interning tables of the
state space (an id given, its value not yet stored) are the ones a stopped search still reads, when it
rebuilds its counterexamples. So the watchdog never raises inside them; it looks again a moment later.

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

from explorer.state import Interned, LocalTable, MessageTable, Numbers

# How often the watchdog looks, in seconds; and how soon again when it must not raise yet.
_EVERY = 0.25
_SOON = 0.005
# Code that must run to its end once begun: it updates tables the search reads after it stops.
_ATOMIC = frozenset(
    f.__code__
    for f in (
        LocalTable.intern,
        LocalTable.add,
        MessageTable.intern,
        MessageTable.add,
        Numbers.number,
        Numbers.add,
        Interned.missing,
    )
)


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
    began or the process holds `max_memory` bytes (None or 0: no such bound); and raise Ctrl-C's
    KeyboardInterrupt there too, but, like BoundReached, never inside code that must run to its end."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    started = time.perf_counter()
    armed = True
    interrupted = False

    def in_atomic(frame: FrameType | None) -> bool:
        if frame is not None and frame.f_code in _ATOMIC:
            signal.setitimer(signal.ITIMER_REAL, _SOON, _EVERY)  # look again as soon as it has ended
            return True
        return False

    def look(signum: int, frame: FrameType | None) -> None:
        nonlocal armed, interrupted
        if not armed or in_atomic(frame):
            return
        reason = None
        if max_seconds is not None and time.perf_counter() - started >= max_seconds:
            reason = time_reason(max_seconds)
        elif max_memory and resident_memory() >= max_memory:
            reason = memory_reason(max_memory)
        if interrupted:
            armed = interrupted = False
            raise KeyboardInterrupt
        if reason is not None:
            armed = False  # once: the code that handles the exception must not get a second one
            raise BoundReached(reason)

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        nonlocal interrupted, armed
        if not armed or in_atomic(frame):
            interrupted = True  # raised when the atomic code has ended, or as the block is left
            return
        armed = False
        raise KeyboardInterrupt

    previous_alarm = signal.signal(signal.SIGALRM, look)
    previous_sigint = signal.getsignal(signal.SIGINT)
    if previous_sigint is signal.default_int_handler:  # only where Ctrl-C would raise anyway
        signal.signal(signal.SIGINT, on_sigint)
    signal.setitimer(signal.ITIMER_REAL, _EVERY, _EVERY)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_alarm)
        if previous_sigint is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous_sigint)
        if interrupted:  # a Ctrl-C that came in atomic code the block left before it could be raised
            raise KeyboardInterrupt


class Bounds:
    """The bounds a search looks at every few thousand states (the watchdog covers the time in between):
    distinct states, seconds since it began, and resident memory."""

    def __init__(self, max_states: int | None, max_seconds: float | None, max_memory: int) -> None:
        self.max_states = max_states
        self.max_seconds = max_seconds
        self.max_memory = max_memory
        self.started = time.perf_counter()

    def states_reached(self, distinct: int) -> str | None:
        if self.max_states is not None and distinct >= self.max_states:
            return f"state bound {self.max_states} reached"
        return None

    def reached(self, distinct: int, now: float) -> str | None:
        """Why the search must stop now, if it must."""
        if (reason := self.states_reached(distinct)) is not None:
            return reason
        if self.max_seconds is not None and now - self.started >= self.max_seconds:
            return time_reason(self.max_seconds)
        if self.max_memory and resident_memory() >= self.max_memory:
            return memory_reason(self.max_memory)
        return None
