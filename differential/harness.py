"""Every back end on one generated spec, each compared with the explorer (the reference semantics).

For each model of the spec:
- BFS and DFS, both exhaustive, reach the same number of distinct states and the same violations (a DFS
  counterexample may be longer, never shorter);
- `check` bounded to depth K finds exactly the violations of length <= K, with their shortest lengths,
  and `check` of one property alone says of it what the full check says;
- `bmc` to depth K finds the same violations of length <= K as `check`, with the same lengths;
- `prove` (asynchronous, non-FIFO models) never proves a property (or a lemma) that `check` refutes,
  never reports a violation of one that holds, reports the violation its base case must find, and its
  counterexample to induction, when it starts in an initial state, is a violation `check` knows;
- `simulate` reports only violations `check` finds, never shorter than the shortest;
- every counterexample trace of every back end, read back from its ITF file, replays against the spec to
  the violation it claims (a shortest one without its last step does not); its JSON reads back to the same
  document; its network records keep the sender, receiver, type and every field of their messages.

bmc and prove, the costly ones, run on Config.z3_models models of a spec (picked at random), prove on one
property picked at random (or on every one, Config.prove_all). A back end that refuses a model
(`Unsupported`) is not a disagreement; refusals are counted by reason. An exception from any back end is
a disagreement. What would take too long is skipped and counted, never compared: a model with more than
Config.max_states states, a run past Config.max_seconds, the runs of a spec past Config.spec_seconds.
"""

from __future__ import annotations

import json
import random
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any

import z3

import spec
from differential import liveness
from differential.generate import GeneratedSpec
from differential.shards import LocalSharding
from explorer.bmc.unsupported import Unsupported
from explorer.model import Action, Property, PropertyKind, State
from explorer.run import (
    CheckOptions,
    PropertyResult,
    bmc_model,
    check_model,
    prove_model,
    simulate_model,
    verdicts,
)
from explorer.search import SearchResult, explore
from explorer.semantics.system import SystemModel
from explorer.trace.replay import replay
from spec import CheckedSpec, SpecError, ir

NEVER = "__differential_never__"
_Z3_DIR = str(Path(z3.__file__).parent)


@dataclass(frozen=True)
class Config:
    bmc_depth: int = 3  # K: bmc and the bounded check explore this many steps
    max_states: int = 10_000  # a model with more reachable states than this is skipped
    simulate_runs: int = 20
    simulate_depth: int = 12
    prove_k: tuple[int, ...] = (1, 1, 2)  # one of them is picked per model
    lemmas: bool = True  # prove some invariants with others as lemmas
    max_seconds: float = 4.0  # per back-end run; a slower run is stopped and counted, not compared
    spec_seconds: float = 8.0  # for all the runs on one spec; those past it are skipped and counted
    z3_models: int = 1  # on how many of a spec's models (picked at random) bmc and prove run
    prove_all: bool = False  # prove every property for each k, alone and with the other invariants as lemmas
    traces: bool = True  # replay every counterexample
    # which comparisons to make, besides the exhaustive BFS every one of them needs
    checks: frozenset[str] = frozenset(
        ("dfs", "por", "shards", "bounded", "bmc", "prove", "simulate", "liveness")
    )


@dataclass
class Disagreement:
    seed: int
    model: str
    check: str  # which comparison failed: "front end", "bfs/dfs", "bmc", "prove", "simulate", "replay", ...
    detail: str
    context: str = ""  # particulars that do not change what kind of disagreement it is

    @property
    def signature(self) -> str:
        """What kind of disagreement this is, without the particulars, for grouping."""
        return f"{self.check}: {_shape(self.detail)}"

    def __str__(self) -> str:
        context = f" ({self.context})" if self.context else ""
        return f"seed {self.seed}, model {self.model}: [{self.check}] {self.detail}{context}"


@dataclass
class Outcome:
    seed: int
    models: int = 0  # models compared
    reduced: int = 0  # models where partial-order reduction left some state's steps out
    comparisons: int = 0
    refusals: Counter[str] = field(default_factory=Counter)  # "bmc: reason" -> count
    skipped: Counter[str] = field(default_factory=Counter)  # why a model was not compared
    disagreements: list[Disagreement] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)  # back ends stopped for taking too long
    timings: dict[str, float] = field(default_factory=dict)  # seconds spent per back end
    seconds: float = 0.0


class _TooSlow(BaseException):
    """A back end ran past Config.max_seconds (a BaseException, so that no `except Exception` in the back
    ends mistakes it for a failure of theirs)."""


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the block with _TooSlow after `seconds` (only where signals can be used: the main thread)."""
    if (
        not seconds
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        # Never inside Z3's own Python code: an object half made or half freed there corrupts Z3's
        # reference counts (and Z3 then aborts the process). Try again a moment later.
        while frame is not None:
            if frame.f_code.co_filename.startswith(_Z3_DIR):
                signal.setitimer(signal.ITIMER_REAL, 0.01)
                return
            frame = frame.f_back
        raise _TooSlow()

    def unraisable(info: Any) -> None:
        if not isinstance(info.exc_value, _TooSlow):
            hook(info)

    previous, hook = signal.signal(signal.SIGALRM, on_alarm), sys.unraisablehook
    sys.unraisablehook = unraisable
    signal.setitimer(signal.ITIMER_REAL, seconds)
    z3.set_param("timeout", int(seconds * 1000))  # a solver's check is one call the alarm cannot stop
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = hook
        z3.set_param("timeout", 4294967295)


class _Exhaustive:
    """A model with one more property, never violated, so that a search never stops early for having found
    every violation: it explores every reachable state, and finds every property's violations."""

    def __init__(self, model: SystemModel) -> None:
        self.model = model
        self.properties = [*model.properties, Property(NEVER, PropertyKind.INVARIANT, "", "")]

    @property
    def init_failures(self) -> list[tuple[Action, Any]]:
        return self.model.init_failures

    @init_failures.setter
    def init_failures(self, value: list[tuple[Action, Any]]) -> None:
        self.model.init_failures = value

    def init_states(self) -> list[tuple[Action, State]]:
        return self.model.init_states()

    def successors(self, state: State) -> Any:
        return self.model.successors(state)

    def deadlocked(self, state: State, successors: list[tuple[Action, State]]) -> bool:
        return self.model.deadlocked(state, successors)

    def violated(self, state: State) -> list[str]:
        return self.model.violated(state)

    def fingerprint(self, state: State) -> int:
        return self.model.fingerprint(state)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)  # whatever else a search may come to ask of its model


def run_spec(generated: GeneratedSpec, config: Config | None = None) -> Outcome:
    config = config or Config()
    started = time.perf_counter()
    outcome = Outcome(generated.seed)
    try:
        checked = spec.load(generated.text, f"g{generated.seed}.fl")
    except SpecError as error:
        _front_end_refused(generated, error, outcome)
        return outcome
    except Exception:
        outcome.disagreements.append(Disagreement(generated.seed, "-", "front end", *_crash("spec.load")))
        return outcome
    if generated.expect_error is not None:
        line, name = generated.expect_error
        outcome.disagreements.append(
            Disagreement(
                generated.seed,
                "-",
                "front end",
                f"a message field named '{name}' (line {line}) is accepted; it must be refused",
            )
        )
        return outcome
    outcome.comparisons += 1
    deadline = started + config.spec_seconds
    symbolic = random.Random(generated.seed).sample(
        generated.models, min(config.z3_models, len(generated.models))
    )
    with tempfile.TemporaryDirectory(prefix="differential-") as tmp:
        for model_name in generated.models:
            checks = config.checks if model_name in symbolic else config.checks - {"bmc", "prove"}
            run = _Run(
                generated,
                checked,
                model_name,
                replace(config, checks=checks),
                outcome,
                Path(tmp) / model_name,
                deadline,
            )
            run.run()
    outcome.seconds = time.perf_counter() - started
    return outcome


def _front_end_refused(generated: GeneratedSpec, error: SpecError, outcome: Outcome) -> None:
    expected = generated.expect_error
    if expected is None:
        outcome.disagreements.append(
            Disagreement(
                generated.seed, "-", "front end", f"a generated spec is refused: {_first_error(error)}"
            )
        )
        return
    line, name = expected
    located = [d for d in error.diagnostics if d.severity == "error" and d.span.line == line]
    outcome.comparisons += 1
    if not located:
        outcome.disagreements.append(
            Disagreement(
                generated.seed,
                "-",
                "front end",
                f"the field named '{name}' (line {line}) is not refused at its line: {_first_error(error)}",
            )
        )


def _first_error(error: SpecError) -> str:
    for d in error.diagnostics:
        if d.severity == "error":
            return f"line {d.span.line}: {d.message}"
    return str(error)


class _Run:
    """The comparisons for one model of one spec."""

    def __init__(
        self,
        generated: GeneratedSpec,
        checked: CheckedSpec,
        model_name: str,
        config: Config,
        outcome: Outcome,
        out: Path,
        deadline: float,
    ) -> None:
        self.deadline = deadline
        self.generated = generated
        self.checked = checked
        self.model_name = model_name
        self.config = config
        self.outcome = outcome
        self.out = out
        self.rng = random.Random(f"{generated.seed}/{model_name}")
        self.shortest: dict[str, int] = {}  # property -> length of its shortest counterexample
        self.kinds: dict[str, str] = {}

    # ---- bookkeeping

    def disagree(self, check: str, detail: str, context: str = "") -> None:
        self.outcome.disagreements.append(
            Disagreement(self.generated.seed, self.model_name, check, detail, context)
        )

    def compared(self, n: int = 1) -> None:
        self.outcome.comparisons += n

    def guarded(self, backend: str, call: Callable[[], Any]) -> Any:
        """Run one back end: its result, or None if it refused the model (counted) or crashed (a
        disagreement)."""
        started = time.perf_counter()
        left = self.deadline - started
        if left < 0.05:
            self.outcome.skipped[f"{backend}: the spec's {self.config.spec_seconds:g} s were spent"] += 1
            return None
        limit = min(self.config.max_seconds, left)
        try:
            with _time_limit(limit):
                return call()
        except _TooSlow:
            self.outcome.skipped[f"{backend} stopped after {limit:.0f} s"] += 1
            self.outcome.slow.append(f"{self.model_name}: {backend}")
        except Unsupported as refusal:
            self.outcome.refusals[f"{backend}: {_shape(str(refusal))}"] += 1
        except Exception as error:
            if "could not decide" in str(error) and ("timeout" in str(error) or "canceled" in str(error)):
                self.outcome.skipped[f"{backend} stopped after {limit:.0f} s"] += 1
                self.outcome.slow.append(f"{self.model_name}: {backend} (Z3 timed out)")
            else:
                self.disagree(backend, *_crash(backend))
        finally:
            self.outcome.timings[backend] = (
                self.outcome.timings.get(backend, 0.0) + time.perf_counter() - started
            )
        return None

    def options(self, name: str, **changes: Any) -> CheckOptions:
        return CheckOptions(models=[self.model_name], out_dir=self.out / name, max_memory=0, **changes)

    # ---- the comparisons

    def run(self) -> None:
        try:
            system = spec.instantiate(self.checked, self.model_name)
        except SpecError as error:
            self.disagree("front end", f"model {self.model_name} is refused: {_first_error(error)}")
            return
        except Exception:
            self.disagree("front end", *_crash("spec.instantiate"))
            return
        bfs = self.guarded("check", lambda: self.exhaustive(system, "bfs"))
        if bfs is None:
            return
        bfs_result, bfs_verdicts = bfs
        if not bfs_result.complete:
            self.outcome.skipped[f"more than {self.config.max_states:,} states"] += 1
            return
        self.outcome.models += 1
        self.shortest = {r.property: r.trace_length for r in bfs_verdicts if r.verdict == "violated"}
        self.kinds = {r.property: r.kind for r in bfs_verdicts}
        self.traces("check (bfs)", bfs_verdicts)
        checks = self.config.checks
        if "dfs" in checks:
            self.dfs(system, bfs_result)
        if "por" in checks:
            self.por()
        if "shards" in checks:
            self.shards(system, bfs_result)
        if "bounded" in checks:
            self.bounded()
            self.selected()
        if "bmc" in checks:
            self.bmc()
        if "prove" in checks:
            self.prove(system)
        if "simulate" in checks:
            self.simulate()
        if "liveness" in checks and system.liveness:
            liveness.compare(self, system)

    def exhaustive(self, system: ir.System, order: str) -> tuple[SearchResult, list[PropertyResult]]:
        model = SystemModel(system)
        result = explore(_Exhaustive(model), order=order, max_states=self.config.max_states, max_memory=0)
        result.discoveries.pop(NEVER, None)
        return result, verdicts(self.checked, system, model, result, self.options(order))

    def dfs(self, system: ir.System, bfs: SearchResult) -> None:
        found = self.guarded("check --dfs", lambda: self.exhaustive(system, "dfs"))
        if found is None:
            return
        result, results = found
        self.compared()
        if result.stats.distinct != bfs.stats.distinct:
            self.disagree(
                "bfs/dfs", f"BFS reaches {bfs.stats.distinct} distinct states, DFS {result.stats.distinct}"
            )
        for r in results:
            self.compared()
            want = self.shortest.get(r.property)
            got = r.trace_length if r.verdict == "violated" else None
            if (want is None) != (got is None):
                self.disagree("bfs/dfs", f"{r.property} ({r.kind}): BFS says {_says(want)}, DFS {_says(got)}")
            elif want is not None and got is not None and got < want:
                self.disagree(
                    "bfs/dfs", f"{r.property} ({r.kind}): DFS found {got} steps, shorter than BFS's {want}"
                )
        self.traces("check --dfs", results)

    def shards(self, system: ir.System, bfs: SearchResult) -> None:
        """The search partitioned among two shards from its first level (differential/shards.py): the
        counts, depth and shortest counterexamples of the one-process search; its traces replay."""

        def partitioned() -> tuple[SearchResult, list[PropertyResult]]:
            model = SystemModel(system)
            sharding = LocalSharding(lambda: _Exhaustive(SystemModel(system)), 2)
            result = explore(
                _Exhaustive(model), max_states=self.config.max_states, max_memory=0, sharding=sharding
            )
            result.discoveries.pop(NEVER, None)
            return result, verdicts(self.checked, system, model, result, self.options("shards"))

        found = self.guarded("check --workers 2", partitioned)
        if found is None:
            return
        result, results = found
        self.compared()
        one = (bfs.stats.distinct, bfs.stats.generated, bfs.stats.depth)
        two = (result.stats.distinct, result.stats.generated, result.stats.depth)
        if one != two:
            self.disagree("bfs/shards", f"distinct, generated, depth: one process {one}, two shards {two}")
        for r in results:
            self.compared()
            want = self.shortest.get(r.property)
            got = r.trace_length if r.verdict == "violated" else None
            if want != got:
                self.disagree(
                    "bfs/shards", f"{r.property} ({r.kind}): BFS says {_says(want)}, shards {_says(got)}"
                )
        self.traces("check --workers 2", results)

    def por(self) -> None:
        """Partial-order reduction against the plain search: the same verdicts, counterexamples no shorter."""
        results = self.guarded(
            "check --por",
            lambda: check_model(self.checked, self.model_name, self.options("por", por=True)),
        )
        if results is None:
            return
        results = [r for r in results if r.kind != "liveness"]  # liveness is never reduced
        if any(r.stats.reduced for r in results):
            self.outcome.reduced += 1
        for r in results:
            self.compared()
            want = self.shortest.get(r.property)
            got = r.trace_length if r.verdict == "violated" else None
            if (want is None) != (got is None):
                self.disagree(
                    "bfs/por", f"{r.property} ({r.kind}): BFS says {_says(want)}, --por {_says(got)}"
                )
            elif want is not None and got is not None and got < want:
                self.disagree(
                    "bfs/por", f"{r.property} ({r.kind}): --por found {got} steps, shorter than BFS's {want}"
                )
        self.traces("check --por", results)

    def within(self, k: int) -> dict[str, int]:
        return {p: n for p, n in self.shortest.items() if n <= k}

    def compare_bounded(self, backend: str, results: list[PropertyResult], k: int) -> None:
        """Violations of length <= k: exactly check's, at check's shortest lengths."""
        want = self.within(k)
        got = {
            r.property: r.trace_length
            for r in results
            if r.verdict == "violated" and r.trace_length is not None
        }
        for r in results:
            self.compared()
            p = r.property
            if p in want and p not in got:
                self.disagree(
                    backend,
                    f"{p} ({r.kind}): {backend} says {r.verdict} within {k} steps, "
                    f"check finds a violation in {want[p]}",
                )
            elif p in got and got[p] <= k and got[p] != self.shortest.get(p):
                self.disagree(
                    backend,
                    f"{p} ({r.kind}): {backend} finds a violation in {got[p]} steps, "
                    f"check {_says(self.shortest.get(p))}",
                )

    def bounded(self) -> None:
        k = self.config.bmc_depth
        results = self.guarded(
            "check --max-depth",
            lambda: check_model(self.checked, self.model_name, self.options("bounded", max_depth=k)),
        )
        if results is None:
            return
        self.compare_bounded("check --max-depth", results, k)
        self.traces("check --max-depth", results)

    def selected(self) -> None:
        """`check --invariant P` (one property of the model, picked at random) says of P what the full
        check says."""
        names = sorted(self.kinds)
        if not names:
            return
        name = self.rng.choice(names)
        results = self.guarded(
            "check --invariant",
            lambda: check_model(self.checked, self.model_name, self.options("selected", invariants=[name])),
        )
        if results is None:
            return
        for r in results:
            self.compared()
            got = r.trace_length if r.verdict == "violated" else None
            if r.property != name or got != self.shortest.get(name) or r.verdict == "incomplete":
                self.disagree(
                    "check --invariant",
                    f"{r.property} ({r.kind}) alone: {_says(got)} ({r.verdict}); "
                    f"with every property: {_says(self.shortest.get(name))}",
                )
        self.traces("check --invariant", results)

    def bmc(self) -> None:
        k = self.config.bmc_depth
        results = self.guarded(
            "bmc",
            lambda: bmc_model(
                self.checked, self.model_name, k, self.options("bmc", max_seconds=self.config.max_seconds)
            ),
        )
        if results is None:
            return
        if any(r.verdict == "incomplete" for r in results):
            self.outcome.skipped[f"bmc stopped after {self.config.max_seconds:g} s"] += 1
            return
        self.compare_bounded("bmc", results, k)
        self.traces("bmc", results)

    def prove(self, system: ir.System) -> None:
        model = system.model
        if model.timed or model.network.ordering == "fifo":
            return  # prove refuses these models; that refusal is tested elsewhere
        # One property per model (proving each costs a Z3 run of its own): an invariant, an assertion or
        # no_runtime_errors, with some invariants as lemmas.
        invariants = [inv.name for inv in system.invariants]
        goals = [*invariants, *sorted({name for name, _ in system.asserts}), "no_runtime_errors"]
        if self.config.prove_all:
            for goal in goals:
                for k in sorted(set(self.config.prove_k)):
                    others = [n for n in invariants if n != goal]
                    for together in ([], others) if others and self.config.lemmas else ([],):
                        self.prove_one(goal, k, together)
            return
        k = self.rng.choice(self.config.prove_k)
        goal = self.rng.choice(goals)
        lemmas: list[str] = []
        others = [n for n in invariants if n != goal]
        if self.config.lemmas and others and self.rng.random() < 0.5:
            lemmas = self.rng.sample(others, self.rng.randint(1, len(others)))
        self.prove_one(goal, k, lemmas)

    def prove_one(self, goal: str, k: int, lemmas: list[str]) -> None:
        options = self.options("prove", invariants=[goal], max_seconds=self.config.max_seconds)
        results = self.guarded(
            "prove", lambda: prove_model(self.checked, self.model_name, k, lemmas, options)
        )
        for r in results or ():
            self.compare_prove(r, k, lemmas)

    def compare_prove(self, r: PropertyResult, k: int, lemmas: list[str]) -> None:
        self.compared()
        what = f"{r.property}{' with lemmas' if lemmas else ''}"
        context = f"k={k}" + (f", lemmas {', '.join(lemmas)}" if lemmas else "")
        together = [r.property, *lemmas]
        refuted = {p: self.shortest[p] for p in together if p in self.shortest}
        found = ", ".join(f"{p} violated in {n} steps" for p, n in refuted.items())
        if r.verdict == "holds":
            if refuted:
                which = "it" if r.property in refuted else "a lemma"
                self.disagree(
                    "prove", f"{what}: proved, but check finds {which} violated", f"{context}; {found}"
                )
            return
        if r.verdict == "violated":
            if r.property not in self.shortest:
                self.disagree(
                    "prove",
                    f"{what}: reports it violated, but it holds (check)",
                    f"{context}; {r.trace_length} steps; {found}",
                )
            elif r.trace_length != self.shortest[r.property]:
                self.disagree(
                    "prove",
                    f"{what}: reports it violated in {r.trace_length} steps, check's shortest "
                    f"is {self.shortest[r.property]}",
                    context,
                )
        goal_early = self.shortest.get(r.property, k) <= k - 1
        if goal_early and r.verdict != "violated":
            self.disagree(
                "prove",
                f"{what}: says {r.verdict}, but its base case (k-1 steps) must find it violated",
                f"{context}; {r.reason}; {found}",
            )
        if self.config.traces and r.trace is not None:
            self.trace("prove", r, cti=r.verdict != "violated")

    def simulate(self) -> None:
        seed = self.generated.seed
        runs, depth = self.config.simulate_runs, self.config.simulate_depth
        results = self.guarded(
            "simulate",
            lambda: simulate_model(
                self.checked, self.model_name, runs, depth, seed, self.options("simulate")
            ),
        )
        if results is None:
            return
        for r in results:
            self.compared()
            if r.verdict != "violated":
                continue
            want = self.shortest.get(r.property)
            if want is None:
                self.disagree(
                    "simulate",
                    f"{r.property} ({r.kind}): simulate finds a violation in "
                    f"{r.trace_length} steps; check says it holds",
                )
            elif r.trace_length is not None and r.trace_length < want:
                self.disagree(
                    "simulate",
                    f"{r.property} ({r.kind}): simulate finds a violation in "
                    f"{r.trace_length} steps, shorter than check's shortest, {want}",
                )
        self.traces("simulate", results)

    # ---- traces

    def traces(self, backend: str, results: Sequence[PropertyResult]) -> None:
        if not self.config.traces:
            return
        for r in results:
            if r.verdict == "violated" and r.trace is not None:
                self.trace(backend, r)

    def trace(self, backend: str, r: PropertyResult, cti: bool = False) -> None:
        """Read the trace file back, replay it, and look at its network records."""
        started = time.perf_counter()
        try:
            self._trace(backend, r, cti)
        finally:
            timings = self.outcome.timings
            timings["replay"] = timings.get("replay", 0.0) + time.perf_counter() - started

    def _trace(self, backend: str, r: PropertyResult, cti: bool) -> None:
        self.compared()
        where = f"{backend} trace of {r.property}, {r.trace_length} steps"
        try:
            text = Path(r.trace or "").read_text(encoding="utf-8")
            document = json.loads(text)
            if json.loads(json.dumps(document)) != document:
                self.disagree("itf", "a trace's JSON does not read back to the same document", where)
            self.network_records(where, document)
            if cti:
                # A counterexample to induction may start anywhere; if it starts in an initial state and
                # replays, it is a real counterexample, and check must know of that violation.
                result = replay(document, self.checked)
                claimed = document["#meta"]["property"]
                if result.reaches_violation and claimed not in self.shortest:
                    self.disagree(
                        "prove",
                        f"a counterexample to induction is a real counterexample of {claimed}, "
                        "which check says holds",
                        where,
                    )
                return
            result = replay(document, self.checked)
        except Exception:
            detail, calls = _crash("replay")
            self.disagree("replay", detail, f"{where}; {calls}")
            return
        if not result.reaches_violation:
            self.disagree(
                "replay", f"a trace of a {r.kind} violation does not replay: {result.message}", where
            )
        elif backend == "check (bfs)" and r.trace_length:
            # The trace is a shortest one: without its last step it reaches no violation, and replay must
            # say so (it re-checks the violation rather than trusting the trace's word).
            self.compared()
            shortened = dict(document, states=document["states"][:-1])
            try:
                if replay(shortened, self.checked).reaches_violation:
                    self.disagree(
                        "replay",
                        f"a {r.kind} trace without its last step still replays to the violation",
                        where,
                    )
            except Exception:
                detail, calls = _crash("replay")
                self.disagree("replay", detail, f"{where}, without its last step; {calls}")

    def network_records(self, where: str, document: dict[str, Any]) -> None:
        """Each message in flight, in each state, keeps its sender, receiver, type and every field, whatever
        the fields are named (`src`, `type`, `sent_at`...): in a record of its own under "fields", or
        beside the network's keys (then no field may be named like one of them)."""
        system = spec.instantiate(self.checked, self.model_name)
        messages = {m.name: m for m in system.messages}
        nodes = {inst.name for inst in system.instances}
        timing = ("sent_at", "delivered") if system.model.timed else ()
        for index, state in enumerate(document.get("states", [])):
            network = state.get("_network")
            if network is None:
                continue
            records = network["#set"] if isinstance(network, dict) else network
            for record in records:
                problem = _record_problem(record, messages, nodes, timing)
                if problem is not None:
                    self.disagree(
                        "itf",
                        f"a message in flight lost a key of its ITF record: {problem}",
                        f"{where}, state {index}: {json.dumps(record)}",
                    )
                    return


def _record_problem(
    record: dict[str, Any], messages: dict[str, ir.Message], nodes: set[str], timing: tuple[str, ...]
) -> str | None:
    kind = record.get("type")
    message = messages.get(kind) if isinstance(kind, str) else None
    if message is None:
        return "its type is not a message"
    if record.get("src") not in nodes or record.get("dst") not in nodes:
        return "its sender or receiver is not a node"
    names = {f.name for f in message.fields}
    nested = record.get("fields")
    if isinstance(nested, dict) and "fields" not in names:
        if set(nested) != names:
            return "its fields are not the message's"
        extra = set(record) - {"src", "dst", "type", "fields", *timing}
        return f"unknown keys {sorted(extra)}" if extra else None
    own = {"src", "dst", "type", *timing} & set(record)
    clashing = sorted(names & {"src", "dst", "type", *timing})
    if len(record) != len(own) + len(names) or not names <= set(record):
        return (
            f"a field is named like a network key ({', '.join(clashing)})"
            if clashing
            else "a field is missing"
        )
    return None


# ---------------------------------------------------------------- helpers


def _says(length: int | None) -> str:
    return "it holds" if length is None else f"violated in {length} steps"


def _crash(where: str) -> tuple[str, str]:
    """The exception being handled: what it says and where it was raised (for the signature), and the
    frames that led there (context)."""
    kind, error, tb = sys.exc_info()
    frames = traceback.extract_tb(tb)
    message = str(error).splitlines()[0] if str(error) else ""
    inner = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "?"
    calls = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-4:]))
    return f"{where} raised {kind.__name__ if kind else '?'}: {message} (in {inner})", calls


def _shape(detail: str) -> str:
    """A message without its particulars (numbers, names of generated things), for grouping."""
    import re

    text = re.sub(r"\b[A-Z]\[\d+\]", "N[i]", detail)
    text = re.sub(r"\b(i|a|v|p|s|x|l|t|M|act|n|c|q|e|Phase|assert_line)\d+\b", r"\1#", text)
    text = re.sub(r"-?\d+", "#", text)
    return text[:200]
