"""The `faultline` program. Importing the command line takes a moment (the parser, Z3, rich); Ctrl-C in that
moment is an interrupt like any other (exit 3), not a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    _quiet_z3_destructors()
    try:
        from faultline.cli import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write("interrupted while starting\n")
        sys.unraisablehook = lambda _: None  # half-imported modules' destructors failing at exit: noise
        sys.exit(3)
    command_line()


def _quiet_z3_destructors() -> None:
    """A Ctrl-C that lands while Z3 builds an object (its import, a context, a term) leaves it half-built,
    and its destructor fails when it is collected ("Exception ignored in ... Context.__del__"): noise after
    a report that already says the run was interrupted, never news. Other unraisable errors are printed."""
    default = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if "z3" not in getattr(unraisable.object, "__module__", "") and "z3" not in repr(unraisable.object):
            default(unraisable)

    sys.unraisablehook = hook
