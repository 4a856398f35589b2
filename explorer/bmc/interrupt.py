"""Stopping Z3 cleanly: on Ctrl-C and at the time bound, with the depth reached reported, never a traceback.

Python runs a signal handler only between two bytecodes of the main thread, so Ctrl-C during a long
`solver.check()` (one call into Z3's C library) would wait for it to end; and a KeyboardInterrupt raised
inside Z3's Python bindings leaves them half-way (`ctypes.ArgumentError`, `AstRef.__del__` noise). So while
Z3 works, SIGINT does not raise: it is recorded, and its wake-up byte reaches a watcher thread, which asks
Z3 to stop (`Context.interrupt`, Z3's own API, safe from another thread); the check then returns `unknown`,
and the loop that called it sees `Stop.poll()` and ends with what it has. A Ctrl-C that comes as the work
ends is not lost: `interrupt_requested()` still says so, for the caller to stop there.

The time bound works the same way: each check gets the time that remains as its own `timeout`, and a
timer interrupts Z3 when it runs out. Blocks nest: each has its own time bound, and they share Ctrl-C.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import z3

_requested = threading.Event()  # Ctrl-C came while Z3 worked
_active: list[Stop] = []


class Stopped(Exception):
    """Z3's work ended early: interrupted, out of time, or a check it could not decide (`reason`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Stop:
    """Why one block of Z3 work must end (None while it may go on)."""

    def __init__(self, max_seconds: float | None) -> None:
        self.started = time.perf_counter()
        self.max_seconds = max_seconds
        self.out_of_time = False

    @property
    def reason(self) -> str | None:
        if _requested.is_set():
            return "interrupted"
        return f"time bound {self.max_seconds:g} s reached" if self.out_of_time else None

    def time_is_up(self) -> None:
        self.out_of_time = True
        if self in _active:  # a timer that fires as its block ends must not cancel the next block's work
            z3.main_ctx().interrupt()

    def poll(self) -> str | None:
        """The reason to stop now, if there is one (the time bound is looked at here too)."""
        if self.max_seconds is not None and time.perf_counter() - self.started >= self.max_seconds:
            self.out_of_time = True
        return self.reason

    def explain(self, reason_unknown: str) -> str:
        """Why a check answered `unknown`, in words (its own timeout is the time bound)."""
        if reason_unknown == "interrupted from keyboard":  # Z3 caught SIGINT itself, despite ctrl_c=false
            _requested.set()
            return "interrupted"
        if reason_unknown in ("timeout", "canceled") and self.max_seconds is not None:
            return f"time bound {self.max_seconds:g} s reached"
        return f"Z3 could not decide ({reason_unknown})"

    def prepare(self, solver: z3.Solver) -> None:
        """Give the solver's next checks the time that remains; keep Z3 from catching SIGINT itself during
        a check (it would swallow a Ctrl-C that comes as the check ends: one path for every signal)."""
        solver.set("ctrl_c", False)
        if self.max_seconds is not None:
            remaining = self.max_seconds - (time.perf_counter() - self.started)
            solver.set("timeout", max(int(remaining * 1000), 1))


def cancelled(error: z3.Z3Exception, stop: Stop) -> str | None:
    """Why an operation Z3 cancelled was cancelled (None: the exception is not a cancellation)."""
    reason = stop.poll()
    if reason is None and "cancel" in str(error.value if hasattr(error, "value") else error):
        _requested.set()  # Z3 cancelled on its own SIGINT handler: a Ctrl-C all the same
        reason = "interrupted"
    return reason


def current_stop() -> Stop:
    """The Stop of the innermost `interruptible` block (one with no bound outside any block)."""
    return _active[-1] if _active else Stop(None)


def interrupt_requested() -> bool:
    """Whether Ctrl-C came while Z3 worked (the work may have ended all the same)."""
    return _requested.is_set()


def clear_interrupt() -> None:
    _requested.clear()


@contextmanager
def interruptible(max_seconds: float | None) -> Iterator[Stop]:
    """While the block runs, Ctrl-C and the time bound stop Z3 instead of raising (see the module's doc)."""
    stop = Stop(max_seconds)
    outermost = not _active
    if outermost:
        _requested.clear()  # a Ctrl-C of an earlier run in this process is not this run's
        _settle()
    _active.append(stop)
    timer = threading.Timer(max_seconds, stop.time_is_up) if max_seconds is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        if outermost and threading.current_thread() is threading.main_thread():
            with _sigint_recorded():
                yield stop
        else:
            yield stop
    finally:
        if timer is not None:
            timer.cancel()
        _active.pop()
        if outermost:
            _settle()


def _settle() -> None:
    """Clear an interrupt that reached Z3 while it was idle: it would cancel the next operation (a push, a
    simplification) of whatever runs next. A check, even of nothing, clears it."""
    z3.Solver().check()


def _request() -> None:
    _requested.set()
    z3.main_ctx().interrupt()


@contextmanager
def _sigint_recorded() -> Iterator[None]:
    z3.set_param("ctrl_c", False)  # for operations other than checks (simplify), as Stop.prepare for checks
    reader, writer = socket.socketpair()
    writer.setblocking(False)

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        _request()

    def watch() -> None:
        while True:
            try:
                data = reader.recv(64)
            except OSError:
                return
            if not data or b"\xff" in data:
                return
            if signal.SIGINT in data:
                _request()

    watcher = threading.Thread(target=watch, name="faultline-z3-interrupt", daemon=True)
    previous_handler = signal.signal(signal.SIGINT, on_sigint)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous_handler)
        with contextlib.suppress(OSError):
            writer.send(b"\xff")  # wake the watcher so that it ends
        watcher.join(timeout=1)
        reader.close()
        writer.close()
