"""The `faultline` program. Importing the command line takes a moment (the parser, Z3, rich); Ctrl-C in that
moment is an interrupt like any other (exit 3), not a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from faultline.cli import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write("interrupted while starting\n")
        sys.unraisablehook = lambda _: None  # half-imported modules' destructors failing at exit: noise
        sys.exit(3)
    command_line()
