"""When faultline itself fails: what it was doing at the time, and a short report that says so.

The command line names each stage it enters (`with doing("loading specs/x.fl"): ...`). When an exception
that is not the user's mistake escapes a command — an InternalError, or any unexpected exception — the one
handler of each command line (faultline/cli.py, editor/cli.py) asks `report` for a few lines: what was being done, that this is a bug in
faultline, and where the traceback was saved (or the traceback itself, with `--debug`). Nothing here prints. It lives at the bottom of the layers so that
both command lines share it.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from spec.diagnostics import InternalError

_activity: list[str] = []
_failed: list[tuple[BaseException, str]] = []  # the last exception that left a stage, and the stages it left


@contextmanager
def doing(what: str) -> Iterator[None]:
    """Name the stage the command is in, for a report if it fails."""
    _activity.append(what)
    try:
        yield
    except BaseException as error:
        if not _failed or _failed[-1][0] is not error:  # the innermost stage it leaves names it
            _failed[:] = [(error, current())]
        raise
    finally:
        _activity.pop()


def current(error: BaseException | None = None) -> str:
    """What the command was doing when `error` left its stages, or is doing now; innermost stage last."""
    if error is not None and _failed and _failed[-1][0] is error:
        return _failed[-1][1]
    return ", ".join(_activity) if _activity else "starting"


def describe(error: BaseException) -> str:
    """The exception in one line: its type and message (an InternalError's own message, without advice)."""
    if isinstance(error, InternalError):
        return f"internal error: {error.detail}"
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0]}" if message else type(error).__name__


def save_traceback(error: BaseException) -> str | None:
    """Write the traceback to a new file in the temporary directory; its path, or None if it cannot be."""
    text = "".join(traceback.format_exception(error))
    try:
        fd, path = tempfile.mkstemp(
            prefix=f"faultline-crash-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".txt"
        )
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"faultline failed while {current(error)}\n\n{text}")
    except OSError:
        return None
    return path


def report(error: BaseException, debug: bool) -> str:
    """A few lines for a person: what failed and while doing what, that it is a bug, where the details are.
    With `debug`, the traceback itself comes first."""
    lines = []
    if debug:
        lines.append("".join(traceback.format_exception(error)).rstrip())
    lines.append(f"faultline failed while {current(error)}: {describe(error)}")
    lines.append("This is a bug in faultline, not a problem with your spec; please report it, with the spec.")
    if not debug:
        saved = save_traceback(error)
        where = f"The traceback is in {saved}; run" if saved is not None else "Run"
        lines.append(f"{where} with --debug (or FAULTLINE_DEBUG=1) to see it here.")
    return "\n".join(lines)
