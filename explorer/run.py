"""`check` as a chain of stages: checked spec -> IR per model -> search -> verdicts and trace files.

Nothing here prints; the CLI decides what to show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path as FsPath

import spec
from explorer import unbounded
from explorer.result import Engine, PropertyResult, Verdict
from explorer.search import SearchResult, Stats, explore
from explorer.search.checkpoint import Checkpoints, Saved, identity, load
from explorer.search.limits import default_memory_limit, watchdog
from explorer.search.liveness import check_lasso, check_liveness, lasso_path
from explorer.search.sharding import SHARD_FROM
from explorer.semantics.system import SystemModel
from explorer.trace import itf, text
from explorer.trace.files import write_atomic
from explorer.trace.path import Path, rebuild
from spec import CheckedSpec, ir
from spec.diagnostics import Diagnostic, InternalError, raise_errors


@dataclass
class CheckOptions:
    models: list[str] | None = None
    invariants: list[str] | None = None
    constants: Mapping[str, int | bool] | None = None
    order: str = "bfs"
    max_depth: int | None = None
    max_states: int | None = None
    deadlock: bool = False
    max_seconds: float | None = None
    max_memory: int | None = None  # bytes; None: 80% of the machine's memory
    out_dir: FsPath | None = FsPath("counterexamples")
    symmetry: bool = True  # reduce by symmetry over `symmetric` node types
    por: bool = False  # partial-order reduction (explorer/semantics/reduction.py)
    shorten: bool = False  # under `por`, search again without it for a shortest counterexample
    fail_fast: bool = False  # stop a search at the first violation its model does not expect
    checkpoint: FsPath | None = None  # save each model's search in this folder every `checkpoint_every` s
    checkpoint_every: float = 300.0
    resume: FsPath | None = None  # go on from the checkpoints in this folder
    progress_interval: float = 0.5  # seconds between progress reports
    workers: int | None = None  # shards a wide search goes on among (explorer/search/parallel.py)
    cluster: str | None = None  # "ray" or "ray://HOST:PORT": the shards are Ray actors
    shard_from: int = SHARD_FROM  # the width of a level from which a search is partitioned


def _instantiate(
    checked: CheckedSpec,
    model_name: str,
    options: CheckOptions,
    warn: Callable[[str], None] | None,
    deadlock: bool = False,
    select: bool = True,
) -> tuple[ir.System, SystemModel]:
    """The IR of one model and its transition system, checking only the selected properties (SpecError
    for a model, property or constant the spec does not have). Building them is held to the run's time and
    memory bounds too (BoundReached)."""
    if select:
        spec.select(checked, properties=options.invariants, deadlock=deadlock)
    memory = options.max_memory if options.max_memory is not None else default_memory_limit()
    with watchdog(options.max_seconds, memory):
        system = spec.instantiate(checked, model_name, options.constants)
        if warn is not None:
            for warning in system.warnings:
                warn(warning.render(checked.source))
        model = SystemModel(
            system, options.invariants if select else None, deadlock, options.symmetry, options.por
        )
    if warn is not None:
        for warning in model.warnings:
            warn(warning.render(checked.source))
        if model.unreduced is not None:
            warn(f"warning: --por leaves model {model_name} unreduced: {model.unreduced}")
    return system, model


def refuse_liveness(
    checked: CheckedSpec, options: CheckOptions, backend: str, warn: Callable[[str], None] | None
) -> None:
    """bmc, prove and simulate check safety only: a liveness property named on the command line is refused
    (SpecError, located at its declaration); the others are left out with a warning."""
    named = set(options.invariants or ())
    refused = [
        Diagnostic(
            "FL604",
            f"liveness property '{prop.name}' is checked by `faultline check` only, not by `{backend}`",
            prop.name_span,
            (f"`{backend}` looks for finite counterexamples: invariants, assertions and run-time errors",),
        )
        for prop in checked.ast.liveness
        if prop.name in named
    ]
    raise_errors(refused, checked.source)
    left_out = [p.name for p in checked.ast.liveness]
    if left_out and not named and warn is not None:
        warn(f"{backend} checks no liveness property ({', '.join(left_out)}): `faultline check` does")


def _record_violation(
    result: PropertyResult,
    path: Path,
    checked: CheckedSpec,
    model: SystemModel,
    options: CheckOptions,
    prop: str | None = None,
    induction: bool = False,
) -> None:
    """Mark `result` violated by `path` (or refuted, for a counterexample to induction), with its trace as
    text, and write its trace files."""
    if not induction:
        result.verdict = Verdict.VIOLATED
    if result.backend == Engine.SIMULATE:
        result.shortest = False  # a random run
    result.trace_length = path.length
    result.path = path
    # Random runs write beside, never over, the shortest counterexample `check` wrote for the same property.
    suffix = ".cti" if induction else ".simulate" if result.backend == Engine.SIMULATE else ""
    result.trace, result.counterexample_text = _record_trace(
        path, checked, model, options, prop or result.property, result.bounds, induction, suffix
    )


def _record_trace(
    path: Path,
    checked: CheckedSpec,
    model: SystemModel,
    options: CheckOptions,
    prop: str,
    bounds: str,
    induction: bool = False,
    suffix: str = "",
) -> tuple[str | None, str]:
    """The counterexample of `prop` as text (what its .txt file holds), and the path of its .itf.json,
    named `<prop><suffix>`, once written (None when traces are not wanted)."""
    described = next((p for p in (*model.properties, *model.liveness) if p.name == prop), None)
    kind, description = (described.kind, described.text) if described is not None else ("invariant", "")
    info = itf.TraceInfo(
        checked.name,
        checked.source.uri,
        model.system.model.name,
        prop,
        kind,
        description,
        bounds,
        dict(options.constants or {}),
        induction=induction,
    )
    readable = text.render(model, path, info)
    if options.out_dir is None:
        return None, readable
    return str(write_trace(model, path, info, options.out_dir, suffix, readable)), readable


def check_model(
    checked: CheckedSpec,
    model_name: str,
    options: CheckOptions,
    progress: Callable[[str, Stats], None] | None = None,
    warn: Callable[[str], None] | None = None,
    discovered: Callable[[str, str, int, Stats], None] | None = None,
) -> list[PropertyResult]:
    """Every property of one model by explicit-state search. `discovered(model, property, steps, stats)`
    hears of each violation as it is found."""
    system, model = _instantiate(checked, model_name, options, warn, options.deadlock)
    expected_to_hold = frozenset(
        p.name for p in model.properties if system.model.expected(p.name) == ir.Expected.HOLDS
    )
    watch = unbounded.Watch(model, model_name, progress, warn)
    checkpoints, saved = _checkpoints(checked, model_name, options)
    result = explore(
        model,
        order=options.order,
        max_depth=options.max_depth,
        max_states=options.max_states,
        deadlock=options.deadlock,
        progress=watch.progress if progress or warn else None,
        progress_interval=options.progress_interval,
        max_seconds=options.max_seconds,
        max_memory=options.max_memory,
        discovered=(lambda d, stats: discovered(model_name, d.prop, d.length, stats)) if discovered else None,
        stop_on=expected_to_hold if options.fail_fast else frozenset(),
        reduce=options.por,
        sample=watch.sample,
        checkpoints=checkpoints,
        resume=saved,
        workers=options.workers,
        cluster=options.cluster,
        shard_from=options.shard_from,
    )
    out = verdicts(checked, system, model, result, options, watch)
    if options.order == "dfs" or result.stats.reduced:
        violated = [r for r in out if r.verdict == Verdict.VIOLATED]
        for r in violated:
            r.shortest = False
        if violated and options.shorten and options.order == "bfs":
            _shorten(checked, system, options, violated)
    if model.liveness:
        out += liveness_verdicts(checked, system, options)
    return out


def _checkpoints(
    checked: CheckedSpec, model_name: str, options: CheckOptions
) -> tuple[Checkpoints | None, Saved | None]:
    """Where this model's search is saved, and the save it goes on from (CheckpointError for one made for
    another spec text, model or options)."""
    made_for = identity(
        checked.source.text,
        model_name,
        sorted((options.constants or {}).items()),
        options.invariants,
        options.deadlock,
        options.symmetry,
        options.por,
        options.order,
    )
    name = f"{checked.name}/{model_name}.checkpoint"
    checkpoints = (
        Checkpoints(options.checkpoint / name, options.checkpoint_every, made_for)
        if options.checkpoint is not None
        else None
    )
    saved = load(options.resume / name, made_for) if options.resume is not None else None
    return checkpoints, saved


def _shorten(
    checked: CheckedSpec, system: ir.System, options: CheckOptions, violated: list[PropertyResult]
) -> None:
    """Replace the counterexamples a reduced search found by shortest ones: a breadth-first search
    without partial-order reduction, no deeper than the longest of them, for those properties only."""
    longest = max(r.trace_length or 0 for r in violated)
    names = [r.property for r in violated]
    deadlock = options.deadlock and "deadlock_free" in names
    model = SystemModel(system, names, deadlock, options.symmetry)
    memory = options.max_memory if options.max_memory is not None else default_memory_limit()
    result = explore(
        model, max_depth=longest, deadlock=deadlock, max_seconds=options.max_seconds, max_memory=memory
    )
    for r in violated:
        found = result.discoveries.get(r.property)
        if found is not None:
            _record_violation(
                r,
                rebuild(model, found.fingerprints, found.failing_action, found.error),
                checked,
                model,
                options,
            )
            r.shortest = True


def liveness_verdicts(checked: CheckedSpec, system: ir.System, options: CheckOptions) -> list[PropertyResult]:
    """The liveness properties of one model, on its whole reachable graph (without symmetry reduction:
    fairness speaks of each node)."""
    model = SystemModel(system, options.invariants, symmetry=False)
    bounds = system.model.bounds() + "; fair runs (docs/semantics.md)"
    if options.max_depth is not None:
        stats = Stats()
        reason = "liveness needs every reachable state: it is not checked under a depth bound"
        out = [
            PropertyResult(
                system.model.name, p.name, p.kind, Verdict.INCOMPLETE, stats, bounds, p.text, reason=reason
            )
            for p in model.liveness
        ]
        return _expectations(system, model, out)
    memory = options.max_memory if options.max_memory is not None else default_memory_limit()
    result = check_liveness(model, options.max_states, options.max_seconds, memory)
    graph = result.graph
    stats = Stats(seconds=result.seconds)
    if graph is not None:
        stats.distinct = len(graph.states)
        stats.generated = sum(len(edges) for edges in graph.edges)
    out = []
    for prop in model.liveness:
        base = PropertyResult(
            system.model.name, prop.name, prop.kind, Verdict.HOLDS, stats, bounds, prop.text
        )
        lasso = result.lassos.get(prop.name)
        if not result.complete or graph is None:
            base.verdict, base.reason = Verdict.INCOMPLETE, result.stop_reason
        elif lasso is not None:
            path = lasso_path(graph, lasso)
            assert path.loop is not None
            states, actions = [s for _, s in path.steps], [a for a, _ in path.steps[1:]]
            why = check_lasso(model, states, actions, path.closing, path.loop, prop.name)
            if why is not None:
                raise InternalError(f"the lasso found for {prop.name} does not check: {why}")
            _record_violation(base, path, checked, model, options)
        out.append(base)
    return _expectations(system, model, out)


def verdicts(
    checked: CheckedSpec,
    system: ir.System,
    model: SystemModel,
    result: SearchResult,
    options: CheckOptions,
    watch: unbounded.Watch | None = None,
) -> list[PropertyResult]:
    """The results of a search, one per property; `watch`, if it watched the search, says whether messages
    kept piling up on a link."""
    out = []
    warning = _stuck_time(system, model, result)
    if not result.complete and not result.discoveries and result.stop_reason != unbounded.FAIL_FAST:
        depth = result.stats.depth
        warning = (watch.final(depth) if watch else unbounded.warning(system, depth)) or warning
    bounds = system.model.bounds() + "".join(f", symmetry over {name}" for name in model.symmetric)
    if result.stats.reduced:
        bounds += ", partial-order reduction"
    for prop in model.properties:
        found = result.discoveries.get(prop.name)
        base = PropertyResult(
            system.model.name,
            prop.name,
            prop.kind,
            Verdict.HOLDS,
            result.stats,
            bounds,
            prop.text,
            warning=warning,
        )
        if found is not None:
            path = rebuild(model, found.fingerprints, found.failing_action, found.error)
            _record_violation(base, path, checked, model, options)
        elif not result.complete:
            base.verdict = Verdict.INCOMPLETE
            base.reason = result.stop_reason
        out.append(base)
    return _expectations(system, model, out)


def _expectations(
    system: ir.System, model: SystemModel, results: list[PropertyResult]
) -> list[PropertyResult]:
    """Each result with the verdict its model expects, and the line its property is declared on."""
    where = {p.name: p.where for p in [*model.properties, *model.liveness]}
    for r in results:
        r.expected = system.model.expected(r.property)
        place = where.get(r.property, "").rsplit(":", 2)
        r.line = int(place[1]) if len(place) == 3 and place[1].isdigit() else None
    return results


def _stuck_time(system: ir.System, model: SystemModel, result: SearchResult) -> str | None:
    """A timed model in which no run reaches the horizon: its verdicts speak of less time than its bounds say."""
    horizon = system.model.horizon or 0
    if not system.model.timed or not result.exhausted or model.latest_now >= horizon:
        return None
    return (
        f"time never passes now={model.latest_now} in any run (the horizon is {horizon}): some step is always "
        "due before time may pass, so verdicts cover only that much time"
    )


def bmc_model(
    checked: CheckedSpec,
    model_name: str,
    depth: int,
    options: CheckOptions,
    progress: Callable[[str, int, float], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[PropertyResult]:
    """The same verdicts as `check_model`, by bounded model checking with Z3 to `depth` steps."""
    from explorer.bmc.bmc import run_bmc

    refuse_liveness(checked, options, "bmc", warn)
    system, model = _instantiate(checked, model_name, options, warn)
    result = run_bmc(
        model,
        depth,
        [p.name for p in model.properties],
        options.max_seconds,
        (lambda k, seconds: progress(model_name, k, seconds)) if progress else None,
    )
    stats = Stats(depth=result.depth, seconds=result.seconds)
    bounds = f"{system.model.bounds()}; bmc to depth {depth}"
    out = []
    for prop in model.properties:
        base = PropertyResult(
            system.model.name,
            prop.name,
            prop.kind,
            Verdict.HOLDS,
            stats,
            bounds,
            prop.text,
            backend=Engine.BMC,
        )
        found = result.found.get(prop.name)
        if found is not None:
            _record_violation(base, found.path, checked, model, options)
        elif not result.complete:
            base.verdict, base.reason = Verdict.INCOMPLETE, f"{result.stop_reason} at depth {result.depth}"
        else:
            base.reason = f"no counterexample within {depth} steps"
        out.append(base)
    return _expectations(system, model, out)


def simulate_model(
    checked: CheckedSpec,
    model_name: str,
    runs: int,
    depth: int,
    seed: int,
    options: CheckOptions,
    warn: Callable[[str], None] | None = None,
) -> list[PropertyResult]:
    """Random runs of the model; a property holds "within N runs of D steps (seed S)" if none broke it."""
    from explorer.search.simulate import simulate

    refuse_liveness(checked, options, "simulate", warn)
    system, model = _instantiate(checked, model_name, options, warn)
    result = simulate(model, runs, depth, seed, options.max_seconds)
    bounds = f"{system.model.bounds()}; {result.runs} random runs of up to {depth} steps, seed {seed}"
    out = []
    for prop in model.properties:
        base = PropertyResult(
            system.model.name,
            prop.name,
            prop.kind,
            Verdict.HOLDS,
            result.stats,
            bounds,
            prop.text,
            backend=Engine.SIMULATE,
        )
        path = result.found.get(prop.name)
        if path is not None:
            _record_violation(base, path, checked, model, options)
        elif result.stop_reason is not None:
            base.verdict, base.reason = Verdict.INCOMPLETE, f"{result.stop_reason} after {result.runs} runs"
        else:
            base.reason = f"no violation in {result.runs} random runs of up to {depth} steps (seed {seed})"
        out.append(base)
    return _expectations(system, model, out)


def prove_model(
    checked: CheckedSpec,
    model_name: str,
    k: int,
    lemmas: list[str],
    options: CheckOptions,
    warn: Callable[[str], None] | None = None,
) -> list[PropertyResult]:
    """Each selected property (by default every invariant but the lemmas, every assertion and
    no_runtime_errors) proved by k-induction together with the lemmas; a failed induction step is written as
    a counterexample to induction (`<property>.cti.*`), a lemma's own counterexample under the lemma's name."""
    from explorer.bmc.interrupt import interrupt_requested, interruptible

    raise_errors(
        [
            *spec.check_properties(checked, options.invariants or []),
            *spec.check_properties(checked, lemmas, invariants_only=True),
        ],
        checked.source,
    )
    refuse_liveness(checked, options, "prove", warn)
    system, model = _instantiate(checked, model_name, options, warn, select=False)
    goals_known = {p.name: p for p in model.properties if p.kind != "deadlock"}
    with_lemmas = f" with lemmas {', '.join(lemmas)}" if lemmas else ""
    bounds = f"{system.model.bounds()}; {k}-induction{with_lemmas}"
    out: list[PropertyResult] = []
    with interruptible(None):  # one Ctrl-C ends the whole run, not just the proof under way
        for goal in options.invariants or [n for n in goals_known if n not in lemmas]:
            prop = goals_known[goal]
            base = PropertyResult(
                system.model.name,
                goal,
                prop.kind,
                Verdict.HOLDS,
                Stats(depth=k),
                bounds,
                prop.text,
                backend=Engine.PROVE,
            )
            if interrupt_requested():
                base.verdict, base.reason = Verdict.INCOMPLETE, "interrupted"
            else:
                _prove_goal(base, checked, model, k, lemmas, options)
            out.append(base)
    return _expectations(system, model, out)


def _prove_goal(
    base: PropertyResult,
    checked: CheckedSpec,
    model: SystemModel,
    k: int,
    lemmas: list[str],
    options: CheckOptions,
) -> None:
    """Prove `base.property` with the lemmas; fill in its verdict, and write its counterexample (to
    induction), or a lemma's own counterexample under the lemma's name."""
    from explorer.bmc.prove import run_prove

    goal = base.property
    result = run_prove(model, goal, lemmas, k, options.max_seconds)
    base.stats = Stats(depth=k, seconds=result.seconds)
    if result.verdict == "proved":
        with_lemmas = f" with lemmas {', '.join(lemmas)}" if lemmas else ""
        base.reason = f"proved by {k}-induction{with_lemmas}: it holds at every depth"
    else:
        base.verdict = Verdict.VIOLATED if result.verdict == "violated" else Verdict.INCOMPLETE
        base.reason = result.reason
    if result.path is not None:
        if result.verdict == "unknown":  # a lemma's real counterexample: the goal stays unproved
            trace, _ = _record_trace(
                result.path, checked, model, options, result.violated or goal, base.bounds
            )
            base.reason += f" (its counterexample: {trace})" if trace else ""
        else:
            _record_violation(
                base,
                result.path,
                checked,
                model,
                options,
                result.violated,
                induction=result.verdict != "violated",
            )


def trace_paths(
    out_dir: FsPath, spec_name: str, model: str, prop: str, suffix: str = ""
) -> tuple[FsPath, FsPath]:
    folder = out_dir / spec_name / model
    return folder / f"{prop}{suffix}.itf.json", folder / f"{prop}{suffix}.txt"


def write_trace(
    model: SystemModel,
    path: Path,
    info: itf.TraceInfo,
    out_dir: FsPath,
    suffix: str = "",
    readable: str | None = None,
) -> FsPath:
    """Write a counterexample as ITF and as text (`readable`, if it is already rendered)."""
    itf_path, text_path = trace_paths(out_dir, info.spec, info.model, info.property, suffix)
    write_atomic(itf_path, itf.dumps(itf.to_itf(model, path, info)))
    write_atomic(text_path, readable if readable is not None else text.render(model, path, info))
    return itf_path
