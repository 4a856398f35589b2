"""One engine over the models of one spec: the results of each, and why a model has none.

`run_models` is what the Python API and the command line share. It reports as it goes to an Observer
(progress, each violation as it is found, each model's results), and gives back a Report whose
`exit_code` is the one place the verdicts become an exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from explorer.result import Engine, PropertyResult, Verdict
from explorer.search import Stats
from explorer.search.limits import BoundReached
from spec import CheckedSpec
from spec.crash import doing

EXIT_HOLDS, EXIT_VIOLATED, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERNAL = 0, 1, 2, 3, 4

# Why a model has no results although nothing went wrong with it: the run ended before its turn.
NOT_RUN = "not run: "
NOT_RUN_FAIL_FAST = NOT_RUN + "an earlier verdict was not the expected one (fail-fast)"
NOT_RUN_INTERRUPTED = NOT_RUN + "interrupted"


class Observer:
    """What a run tells as it goes; every method does nothing unless overridden."""

    def model_started(self, spec: str, model: str) -> None:
        """A model's search begins."""

    def progress(self, model: str, stats: Stats) -> None:
        """A search under way: states, depth, queue, seconds so far."""

    def depth_reached(self, model: str, depth: int, seconds: float) -> None:
        """A bounded engine (bmc) has checked every run of `depth` steps."""

    def violation(self, model: str, prop: str, steps: int, stats: Stats) -> None:
        """A violation, the moment it is found (its trace is written when the model's search ends)."""

    def model_finished(self, model: str, results: list[PropertyResult]) -> None:
        """A model's results."""

    def model_stopped(self, model: str, reason: str) -> None:
        """A model stopped before its search began (a bound, Ctrl-C)."""

    def warning(self, text: str) -> None:
        """Something about the spec or a model the user should know."""


@dataclass
class Report:
    """The results of one engine over the models of one spec."""

    spec: str
    source: str
    engine: Engine
    models: list[str]
    results: list[PropertyResult] = field(default_factory=list)
    # model -> why it has no results: stopped before its search began, or not run (NOT_RUN...)
    stopped: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # what the engine was given (a seed)
    properties: list[str] = field(default_factory=list)  # what each model checks (or would have checked)

    @property
    def interrupted(self) -> bool:
        return "interrupted" in self.stopped.values() or any(_interrupted(r) for r in self.results)

    @property
    def mismatches(self) -> list[PropertyResult]:
        """The results whose verdict is not the one their model expects (incomplete ones aside)."""
        return [r for r in self.results if r.mismatch() is not None]

    @property
    def incomplete(self) -> bool:
        """A model stopped, a verdict incomplete, or a bounded engine that did not find an expected violation."""
        return bool(self.stopped) or any(
            r.verdict == Verdict.INCOMPLETE or r.inconclusive for r in self.results
        )

    @property
    def exit_code(self) -> int:
        """1 if a verdict is not what its model expects; else 3 if a run stopped early; else 0."""
        if self.mismatches:
            return EXIT_VIOLATED
        return EXIT_INCOMPLETE if self.incomplete else EXIT_HOLDS

    def result(self, model: str, prop: str) -> PropertyResult:
        """The result of one property of one model (KeyError if there is none)."""
        for r in self.results:
            if r.model == model and r.property == prop:
                return r
        raise KeyError((model, prop))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "spec": self.spec,
            "source": self.source,
            "engine": str(self.engine),
            **self.extra,
            "results": [r.to_json() for r in self.results],
        }
        if self.stopped:
            out["stopped"] = [{"model": m, "reason": why} for m, why in self.stopped.items()]
        if self.interrupted:
            out["interrupted"] = True
        return out


# One model's results, given the model's name and the observer to report to.
RunOne = Callable[[str, Observer], list[PropertyResult]]


def run_models(
    checked: CheckedSpec,
    engine: Engine,
    model_names: list[str],
    run_one: RunOne,
    observer: Observer | None = None,
    fail_fast: bool = False,
    properties: list[str] | None = None,
) -> Report:
    """Run `run_one` on each model in turn (each checks `properties`). A search stopped by Ctrl-C returns
    what it has; the remaining models are then skipped. A model stopped before its search began (Ctrl-C,
    or a bound reached while it was being built) is named in the report with the reason. With `fail_fast`,
    the models after the first unexpected verdict are skipped. Every skipped model is named in the report
    too, as not run and why. Spec errors found only now (a model's own constants, sizes) and models an
    engine cannot handle raise (SpecError, Unsupported)."""
    observer = observer or Observer()
    report = Report(checked.name, checked.source.uri, engine, model_names, properties=list(properties or []))
    for position, name in enumerate(model_names):
        why = _run_model(report, name, run_one, observer, fail_fast)
        if why is None and _z3_interrupted() and position + 1 < len(model_names):
            report.stopped[model_names[position + 1]] = "interrupted"  # Ctrl-C as Z3 finished this model
            why = NOT_RUN_INTERRUPTED
        if why is not None:
            for rest in model_names[position + 1 :]:
                report.stopped.setdefault(rest, why)
            break
    return report


def _run_model(report: Report, name: str, run_one: RunOne, observer: Observer, fail_fast: bool) -> str | None:
    """Run one model into `report`; why the models after it are not to run, if they are not."""
    engine = report.engine
    observer.model_started(report.spec, name)
    command = "check" if engine == Engine.EXPLORER else str(engine)
    with doing(f"running `{command}` on model {name} of {report.source}"):
        try:
            model_results = run_one(name, observer)
        except BoundReached as bound:
            report.stopped[name] = bound.reason
            observer.model_stopped(name, bound.reason)
            return None
        except KeyboardInterrupt:
            report.stopped[name] = "interrupted"
            observer.model_stopped(name, "interrupted")
            return NOT_RUN_INTERRUPTED
    report.results.extend(model_results)
    observer.model_finished(name, model_results)
    if any(_interrupted(r) for r in model_results):
        return NOT_RUN_INTERRUPTED
    if fail_fast and any(r.mismatch() for r in model_results):
        return NOT_RUN_FAIL_FAST
    return None


def _z3_interrupted() -> bool:
    """Whether Ctrl-C came while Z3 worked (recorded by explorer/bmc/interrupt.py, which only the Z3
    engines load: explicit search gets KeyboardInterrupt as usual)."""
    module = sys.modules.get("explorer.bmc.interrupt")
    return module is not None and bool(module.interrupt_requested())


def _interrupted(result: PropertyResult) -> bool:
    """Whether Ctrl-C stopped the run that gave this result ("interrupted", "interrupted at depth 4")."""
    return result.verdict == Verdict.INCOMPLETE and (result.reason or "").startswith("interrupted")
