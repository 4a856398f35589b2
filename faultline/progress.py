"""What the command line shows while a run goes on: on a terminal a live line (states, states/s, depth,
queue, memory, elapsed); elsewhere (a CI log) a line on stderr every few seconds and one as each model
ends. Either way each violation is reported the moment it is found."""

from __future__ import annotations

import os
import time

from rich.console import Console
from rich.live import Live
from rich.text import Text

from explorer.result import PropertyResult
from explorer.search import Stats
from explorer.search.limits import resident_memory
from faultline.run import Observer

# Seconds between progress lines off a terminal (FAULTLINE_PROGRESS_SECONDS overrides it).
DEFAULT_INTERVAL = 5.0


def interval() -> float:
    try:
        return max(0.0, float(os.environ.get("FAULTLINE_PROGRESS_SECONDS", DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


def describe(model: str, stats: Stats) -> str:
    memory = (resident_memory() + stats.worker_memory) / 2**20
    workers = f", {stats.shards} workers" if stats.shards > 1 else ""
    return (
        f"{model}: {stats.distinct:,} states, {stats.rate:,.0f} states/s, depth {stats.depth}, "
        f"queue {stats.queue:,}, {memory:,.0f} MiB{workers}, {stats.seconds:.1f} s"
    )


class ConsoleProgress(Observer):
    """Progress on `console` (stderr): live on a terminal, as lines every `every` seconds otherwise."""

    def __init__(self, console: Console, live: bool, every: float | None = None, quiet: bool = False) -> None:
        self.console = console
        self.use_live = live
        self.quiet = quiet  # under --json: the periodic lines and each violation, not the model's end
        self.every = interval() if every is None else every
        self.live: Live | None = None
        self.last_line = 0.0
        self.spec = ""

    def model_started(self, spec: str, model: str) -> None:
        """A model's search begins (and a line says when it ends, if it took longer than `every`)."""
        self.spec = spec
        self.last_line = time.monotonic()
        if self.use_live:
            self.live = Live(console=self.console, transient=True, refresh_per_second=4)
            self.live.start()

    def _show(self, text: str) -> None:
        if self.live is not None:
            self.live.update(Text(text, style="dim"))
            return
        now = time.monotonic()
        if now - self.last_line >= self.every:
            self.last_line = now
            self.console.print(Text(f"{self.spec} {text}"))

    def progress(self, model: str, stats: Stats) -> None:
        self._show(describe(model, stats))

    def depth_reached(self, model: str, depth: int, seconds: float) -> None:
        self._show(f"{model}: every run of {depth} steps checked, {seconds:.1f} s")

    def violation(self, model: str, prop: str, steps: int, stats: Stats) -> None:
        # on stderr even under --json: stdout stays one JSON document, and a CI log shows what was found
        self.console.print(
            Text(
                f"{self.spec} {model}: {prop} violated in {steps} step{'s' if steps != 1 else ''} "
                f"(found after {stats.distinct:,} states, {stats.seconds:.1f} s)"
            )
        )

    def _stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def model_finished(self, model: str, results: list[PropertyResult]) -> None:
        self._stop()
        stats = results[0].stats if results else None
        if stats is not None and not self.use_live and not self.quiet and stats.seconds >= self.every:
            self.console.print(
                Text(
                    f"{self.spec} {model}: done, {stats.distinct:,} states, {stats.seconds:.1f} s",
                    style="dim",
                )
            )

    def model_stopped(self, model: str, reason: str) -> None:
        self._stop()

    def warning(self, text: str) -> None:
        self.console.print(Text(text))
