"""The Python API: see faultline/__init__.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import spec as front_end
from explorer.result import Engine, PropertyResult, Verdict
from explorer.run import CheckOptions, bmc_model, check_model, prove_model, simulate_model
from explorer.search import Stats
from explorer.search.sharding import default_workers
from faultline.run import Observer, Report, run_models
from spec import CheckedSpec, Diagnostic, SpecError
from spec.ir import Expected

__all__ = [  # re-exported by faultline/__init__.py
    "CheckedSpec",
    "Diagnostic",
    "Engine",
    "Expected",
    "Observer",
    "PropertyResult",
    "Report",
    "SpecError",
    "Stats",
    "Verdict",
    "bmc",
    "check",
    "load",
    "prove",
    "simulate",
]


def load(path_or_text: str | Path, uri: str | None = None) -> CheckedSpec:
    """A checked spec from a file (a Path, or a one-line string ending in `.fl`) or from its text.
    Raises SpecError holding every error found, each located (file:line:col); OSError if a file cannot
    be read (a mistyped path is not taken for the text of a spec)."""
    if isinstance(path_or_text, Path) or ("\n" not in path_or_text and path_or_text.rstrip().endswith(".fl")):
        return front_end.load(front_end.read_text(path_or_text), uri or str(path_or_text))
    return front_end.load(path_or_text, uri or "<spec>")


def _options(
    spec: CheckedSpec,
    model: str | Iterable[str] | None,
    properties: str | Iterable[str] | None,
    consts: Mapping[str, int | bool] | None,
    out_dir: str | Path | None,
    max_seconds: float | None,
    selected: bool = True,
    **more: object,
) -> tuple[CheckOptions, list[str]]:
    """The options of a run and the models it covers, once every name and value fits the spec (the property
    names too unless not `selected`: prove names its goals and lemmas itself)."""
    models = [model] if isinstance(model, str) else list(model) if model is not None else None
    props = [properties] if isinstance(properties, str) else list(properties) if properties else None
    options = CheckOptions(
        models=models,
        invariants=props,
        constants=dict(consts or {}),
        max_seconds=max_seconds,
        out_dir=Path(out_dir) if out_dir is not None else None,
        **more,  # type: ignore[arg-type]
    )
    names = front_end.select(spec, models, props if selected else None, options.constants, options.deadlock)
    return options, names


def _planned(
    checked: CheckedSpec, options: CheckOptions, safety: bool = False, leave: Iterable[str] = ()
) -> list[str]:
    """The properties each model of a run checks: those selected, or every one of the spec (its safety
    properties only, for the engines that check no liveness), but those left to `leave` (a proof's lemmas)."""
    if options.invariants:
        return list(options.invariants)
    liveness = {p.name for p in checked.ast.liveness} if safety else set()
    left = set(leave) | liveness
    return [p for p in front_end.property_names(checked, options.deadlock) if p not in left]


def check(
    spec: CheckedSpec | str | Path,
    model: str | Iterable[str] | None = None,
    properties: str | Iterable[str] | None = None,
    consts: Mapping[str, int | bool] | None = None,
    *,
    max_depth: int | None = None,
    max_states: int | None = None,
    max_seconds: float | None = None,
    max_memory: int | None = None,
    dfs: bool = False,
    deadlock: bool = False,
    symmetry: bool = True,
    por: bool = False,
    shorten: bool = False,
    fail_fast: bool = False,
    out_dir: str | Path | None = None,
    observer: Observer | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 300.0,
    resume: str | Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
) -> Report:
    """Explore every behaviour of the spec's models (or those named) and check its properties (or those
    named). A search whose levels grow wide goes on partitioned among `workers` processes (default: one per
    core; 1: this process, with the compact visited table), or among Ray actors when `cluster` is "ray" or
    "ray://HOST:PORT" (the `cluster` extra; default: one per CPU of the cluster). `max_memory` is in bytes; `fail_fast` stops at the first verdict a model does not expect.
    `checkpoint` saves each model's search in that folder every `checkpoint_every` seconds, and `resume`
    goes on from the saves in a folder (CheckpointError for one made for another spec text or options).
    `por` reduces the search by partial order (a counterexample found then may not be a shortest one:
    `result.shortest` says; `shorten` searches again without the reduction for a shortest one).
    Counterexamples are written under `out_dir` when it is given (`<spec>/<model>/<property>.itf.json`)."""
    checked = spec if isinstance(spec, CheckedSpec) else load(spec)
    options, names = _options(
        checked,
        model,
        properties,
        consts,
        out_dir,
        max_seconds,
        order="dfs" if dfs else "bfs",
        max_depth=max_depth,
        max_states=max_states,
        max_memory=max_memory,
        deadlock=deadlock,
        symmetry=symmetry,
        por=por,
        shorten=shorten,
        fail_fast=fail_fast,
        checkpoint=Path(checkpoint) if checkpoint is not None else None,
        checkpoint_every=checkpoint_every,
        resume=Path(resume) if resume is not None else None,
        workers=workers if workers is not None or cluster is not None else default_workers(),
        cluster=cluster,
    )

    def one(name: str, observer: Observer) -> list[PropertyResult]:
        return check_model(checked, name, options, observer.progress, observer.warning, observer.violation)

    return run_models(checked, Engine.EXPLORER, names, one, observer, fail_fast, _planned(checked, options))


def bmc(
    spec: CheckedSpec | str | Path,
    depth: int,
    model: str | Iterable[str] | None = None,
    properties: str | Iterable[str] | None = None,
    consts: Mapping[str, int | bool] | None = None,
    *,
    max_seconds: float | None = None,
    out_dir: str | Path | None = None,
    observer: Observer | None = None,
) -> Report:
    """Bounded model checking with Z3: a shortest counterexample of at most `depth` steps, or none."""
    checked = spec if isinstance(spec, CheckedSpec) else load(spec)
    options, names = _options(checked, model, properties, consts, out_dir, max_seconds)

    def one(name: str, observer: Observer) -> list[PropertyResult]:
        return bmc_model(checked, name, depth, options, observer.depth_reached, observer.warning)

    return run_models(checked, Engine.BMC, names, one, observer, properties=_planned(checked, options, True))


def prove(
    spec: CheckedSpec | str | Path,
    model: str | Iterable[str] | None = None,
    properties: str | Iterable[str] | None = None,
    consts: Mapping[str, int | bool] | None = None,
    *,
    lemmas: Iterable[str] = (),
    k: int = 1,
    max_seconds: float | None = None,
    out_dir: str | Path | None = None,
    observer: Observer | None = None,
) -> Report:
    """Prove invariants for every depth by k-induction, with `lemmas` (other invariants) proved beside."""
    checked = spec if isinstance(spec, CheckedSpec) else load(spec)
    options, names = _options(checked, model, properties, consts, out_dir, max_seconds, selected=False)
    lemma_names = list(lemmas)

    def one(name: str, observer: Observer) -> list[PropertyResult]:
        return prove_model(checked, name, k, lemma_names, options, observer.warning)

    planned = _planned(checked, options, True, lemma_names)
    return run_models(checked, Engine.PROVE, names, one, observer, properties=planned)


def simulate(
    spec: CheckedSpec | str | Path,
    runs: int = 100,
    depth: int = 50,
    seed: int = 0,
    model: str | Iterable[str] | None = None,
    properties: str | Iterable[str] | None = None,
    consts: Mapping[str, int | bool] | None = None,
    *,
    max_seconds: float | None = None,
    out_dir: str | Path | None = None,
    observer: Observer | None = None,
) -> Report:
    """Random runs (the same seed gives the same runs); the shortest violation found is kept."""
    checked = spec if isinstance(spec, CheckedSpec) else load(spec)
    options, names = _options(checked, model, properties, consts, out_dir, max_seconds)

    def one(name: str, observer: Observer) -> list[PropertyResult]:
        return simulate_model(checked, name, runs, depth, seed, options, observer.warning)

    planned = _planned(checked, options, True)
    report = run_models(checked, Engine.SIMULATE, names, one, observer, properties=planned)
    report.extra["seed"] = seed
    return report
