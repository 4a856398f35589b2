"""The kinds of values faultline's options take, strict about what they accept: a value that does not mean
what it seems (`nan` seconds, `1_000` states, a file name with a NUL byte) is a usage error (exit 2). Shared by both command lines (faultline/cli.py, editor/cli.py)."""

from __future__ import annotations

import math
import re
from typing import Any

import click

_DECIMAL = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")


class Seconds(click.ParamType):
    """A positive, finite number of seconds, written in plain decimal (no `nan`, `inf`, `1e3` or `1_0`)."""

    name = "SECONDS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip()
        seconds = float(text) if _DECIMAL.fullmatch(text) else math.nan
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{value!r} is not a positive number of seconds (such as 30 or 0.5)", param, ctx)
        return seconds


class Count(click.ParamType):
    """A whole number written in ASCII digits (no `1_000`, no other scripts' digits), at least `least`
    (None: negative numbers too)."""

    name = "INTEGER"

    def __init__(self, least: int | None = 0) -> None:
        self.least = least

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        digits = text[1:] if text.startswith("-") and self.least is None else text
        if not digits.isascii() or not digits.isdigit():
            self.fail(f"{value!r} is not a whole number", param, ctx)
        if len(digits) > 18:
            self.fail(f"{text} is too large", param, ctx)
        number = int(text)
        if self.least is not None and number < self.least:
            self.fail(f"{number} is less than {self.least}", param, ctx)
        return number


class FileName(click.Path):
    """The name of a file (or, with `directory`, of a directory) that is not a directory (a file), or
    with `either` of either: not empty, and without the NUL byte no file name can hold."""

    def __init__(self, directory: bool = False, either: bool = False) -> None:
        super().__init__(file_okay=either or not directory, dir_okay=either or directory)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("a name is needed, not an empty one", param, ctx)
        if isinstance(value, str) and "\x00" in value:
            self.fail(f"{value!r} holds a NUL byte, which no file name can", param, ctx)
        return super().convert(value, param, ctx)


def debugging() -> bool:
    """Whether `--debug` (or FAULTLINE_DEBUG) is on, for commands that report a failure and go on."""
    context = click.get_current_context(silent=True)
    return bool(context is not None and context.find_root().params.get("debug"))
