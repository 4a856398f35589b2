"""The command line: each command is a chain of stages (load -> instantiate -> explore -> report), built
on the Python API (faultline/api.py). The only module that exits; it prints through faultline/table.py,
faultline/progress.py and faultline/output.py, to the consoles it owns.

Exit codes: 0 every verdict is the one its model expects (by default: every property holds, within the
bounds the output names), 1 a verdict is not the expected one, 2 the spec or the command line is wrong, 3 the run stopped early (bound, interrupt) with a report of how
far it got, 4 faultline itself failed (a bug: one handler, in `_Main.invoke`, reports it).

Every output path is checked before the work starts, so that a long search is never lost to a file that
cannot be written at its end.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.text import Text

import spec
from explorer.bmc.unsupported import Unsupported
from explorer.result import PropertyResult, Verdict
from explorer.search.checkpoint import CheckpointError
from explorer.search.sharding import ClusterError, check_cluster
from explorer.trace.files import OutputError, check_directory, check_file, write_atomic
from faultline import api as faultline
from faultline.output import Run, github_annotations, junit_xml, to_json
from faultline.progress import ConsoleProgress
from faultline.run import NOT_RUN_FAIL_FAST, NOT_RUN_INTERRUPTED, Observer, Report
from faultline.table import print_report
from spec import CheckedSpec, SpecError
from spec.crash import current as crash_current
from spec.crash import doing
from spec.crash import report as crash_report
from spec.options import Count, FileName, Seconds
from spec.parser import parse_literal

EXIT_HOLDS, EXIT_VIOLATED, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERNAL = 0, 1, 2, 3, 4


# Off a terminal (a pipe, a CI log) tables are not squeezed into 80 columns, unless COLUMNS says so (rich
# reads it when no width is given).
def _width(stream: Any) -> int | None:
    return None if stream.isatty() or os.environ.get("COLUMNS", "").isdigit() else 200


stdout = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    stderr.print(Text(message))
    sys.exit(code)


def _interrupted(message: str) -> NoReturn:
    """Exit 3 after Ctrl-C (faultline/main.py keeps the destructors of Z3 objects it left half-built quiet)."""
    _fail(message, EXIT_INCOMPLETE)


class _Unreadable(Exception):
    """A spec file that cannot be read, and why."""


def _read_spec(path: str) -> str:
    """A spec's text, or _Unreadable saying why it cannot be read."""
    try:
        return spec.read_text(path)
    except OSError as error:
        raise _Unreadable(f"error: cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise _Unreadable(f"error: {path} is not UTF-8 text (byte {error.start} cannot be decoded)") from None


def _load(path: str, quiet: bool = False) -> CheckedSpec:
    """A checked spec, its warnings printed (unless `quiet`); SpecError or _Unreadable if it has none."""
    with doing(f"loading {path}"):
        checked = spec.load(_read_spec(path), path)
    if not quiet:
        for warning in checked.warnings:
            stderr.print(Text(warning.render(checked.source)))
    return checked


def _load_or_exit(path: str) -> CheckedSpec:
    """A checked spec, or exit 2 with its errors."""
    try:
        return _load(path)
    except _Unreadable as error:
        _fail(str(error))
    except SpecError as error:
        stderr.print(Text(error.render()))
        count = len(error.diagnostics)
        stderr.print(Text(f"\n{count} error{'s' if count != 1 else ''} in {path}"))
        sys.exit(EXIT_USAGE)


def _constants(pairs: tuple[str, ...]) -> dict[str, int | bool]:
    """`--const NAME=VALUE` pairs; a value is written as the language writes a literal (digits, an optional
    leading `-`, `true`, `false`), within the same limit."""
    out: dict[str, int | bool] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            _fail(f"error: --const takes NAME=INTEGER or NAME=true|false, not {pair!r}")
        try:
            out[name.strip()] = parse_literal(value.strip())
        except ValueError as error:
            _fail(f"error: --const {pair}: {error}")
    return out


def _check_outputs(out_dir: str | None = None, report: str | None = None, picture: str | None = None) -> None:
    """Exit 2 before any work if an output path cannot be written."""
    try:
        if out_dir is not None:
            check_directory(out_dir, "--out")
        if report is not None:
            check_file(report, "--report")
        if picture is not None:
            check_file(picture, "the picture")
    except OutputError as error:
        _fail(f"error: {error}")


_Command = TypeVar("_Command", bound=Callable[..., Any])


def _selection_options(
    model_help: str = "Check only this model (repeatable).",
    invariant_help: str = "Check only this property (repeatable).",
) -> Callable[[_Command], _Command]:
    """--model, --invariant and --const: what every checking command runs on."""

    def apply(command: _Command) -> _Command:
        command = click.option(
            "--const", "-c", "constants", multiple=True, metavar="NAME=VALUE", help="Override a constant."
        )(command)
        command = click.option("--invariant", "-i", "invariants", multiple=True, help=invariant_help)(command)
        return click.option("--model", "-m", "models", multiple=True, help=model_help)(command)

    return apply


def _output_options(out_help: str = "Where counterexamples are written.") -> Callable[[_Command], _Command]:
    """--json, --junit, --format and --out: how every checking command reports."""

    def apply(command: _Command) -> _Command:
        command = click.option(
            "--out",
            "out_dir",
            default="counterexamples",
            show_default=True,
            type=FileName(directory=True),
            help=out_help,
        )(command)
        command = click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "github"]),
            help="`github`: also print GitHub Actions annotations (the default under GitHub Actions).",
        )(command)
        command = click.option(
            "--junit",
            type=FileName(),
            metavar="FILE",
            help="Also write JUnit XML (a case per model and property).",
        )(command)
        return click.option(
            "--json", "as_json", is_flag=True, help="Print one JSON object instead of a table."
        )(command)

    return apply


class _Main(click.Group):
    """The `faultline` group; its `invoke` is the one place that turns an escaping exception into an exit
    code: Ctrl-C is 3 (interrupted), running out of memory or a failing disk 3 as well (stopped early, not
    the user's mistake), anything else 4 with a short report (faultline's own failure)."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt:  # click would say "Aborted!" and exit 1
            _interrupted("interrupted while starting")

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (SystemExit, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt as error:
            _interrupted(f"interrupted while {crash_current(error)}")
        except MemoryError as error:
            _fail(f"stopped: out of memory while {crash_current(error)}", EXIT_INCOMPLETE)
        except OSError as error:
            where = f" ({error.filename})" if error.filename else ""
            _fail(f"stopped: {error.strerror or error}{where} while {crash_current(error)}", EXIT_INCOMPLETE)
        except Exception as error:
            _fail(crash_report(error, bool(ctx.params.get("debug"))), EXIT_INTERNAL)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="faultline")
@click.option(
    "--debug",
    is_flag=True,
    envvar="FAULTLINE_DEBUG",
    help="When faultline itself fails, print the traceback (also FAULTLINE_DEBUG=1).",
)
def main(debug: bool) -> None:
    """faultline: check distributed-system designs against lost messages, crashes and partitions.

    Exit codes: 0 every property holds, 1 a violation was found, 2 the spec or the command line is wrong,
    3 the run stopped early (a bound, Ctrl-C), 4 faultline itself failed."""


def _spec_paths(paths: tuple[str, ...]) -> list[str]:
    """The specs named: files as given, and every `.fl` file under a directory, in order."""
    out: list[str] = []
    for path in paths:
        if Path(path).is_dir():
            found = sorted(str(p) for p in Path(path).rglob("*.fl"))
            if not found:
                _fail(f"error: no .fl files under {path}")
            out.extend(found)
        else:
            out.append(path)
    return out


def _output_format(fmt: str | None) -> str:
    """`text`, or `github` when asked for or when running in GitHub Actions."""
    if fmt is not None:
        return fmt
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


@dataclass(frozen=True)
class _Selection:
    """The models (`-m`) and properties (`-i`) named on the command line; empty: all of them."""

    models: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    deadlock: bool = False  # whether `deadlock_free` is a property

    def names(self, checked: CheckedSpec) -> tuple[set[str], set[str]]:
        return set(spec.model_names(checked)), set(spec.property_names(checked, self.deadlock))

    def known(self, paths: list[str]) -> tuple[set[str], set[str]] | None:
        """The models and properties of every spec that loads, when several specs share a selection (None
        when there is nothing to narrow: one spec, or nothing named)."""
        if len(paths) < 2 or not (self.models or self.properties):
            return None
        models: set[str] = set()
        properties: set[str] = set()
        for path in paths:
            try:
                with doing(f"loading {path}"):
                    has_models, has_properties = self.names(spec.load(_read_spec(path), path))
            except (SpecError, _Unreadable):
                continue  # said when its turn comes
            models |= has_models
            properties |= has_properties
        return models, properties

    def narrowed(self, checked: CheckedSpec, known: tuple[set[str], set[str]] | None) -> _Selection | None:
        """The names this spec has, of those given, and the names no spec has (an error here, as for a
        single spec); None when names were given of a kind and it has none of them: it is left out."""
        if known is None:
            return self
        has_models, has_properties = self.names(checked)
        models = tuple(m for m in self.models if m in has_models or m not in known[0])
        properties = tuple(p for p in self.properties if p in has_properties or p not in known[1])
        if (self.models and not models) or (self.properties and not properties):
            return None
        return _Selection(models, properties, self.deadlock)

    def together(self) -> str:
        """What was named, as a spec should have it: one of the models and one of the properties."""
        kinds = [
            f"{what} {' or '.join(names)}"
            for what, names in (("model", self.models), ("property", self.properties))
            if names
        ]
        return " and ".join(kinds)

    def left_out(self, path: str) -> str:
        return f"{path}: not checked: it has no {self.together()}"


def _load_for_run(path: str, as_json: bool, outcome: Run) -> CheckedSpec | None:
    """A spec of a run, its warnings kept for the report; None (its errors kept and, in text, printed)
    if it cannot be loaded."""
    try:
        checked = _load(path, quiet=as_json)
    except SpecError as error:
        outcome.errors.append((path, error))
        if not as_json:
            stderr.print(Text(error.render()))
            count = len(error.diagnostics)
            stderr.print(Text(f"\n{count} error{'s' if count != 1 else ''} in {path}"))
        return None
    except _Unreadable as error:
        outcome.errors.append((path, str(error)))
        if not as_json:
            stderr.print(Text(str(error)))
        return None
    outcome.warnings.extend((path, w) for w in checked.warnings)
    return checked


# One spec's run: the spec, the observer to report to, and what is selected of it.
_RunSpec = Callable[[CheckedSpec, Observer, _Selection], Report]


def _run_one_spec(
    command: str,
    path: str,
    checked: CheckedSpec,
    selection: _Selection,
    run: _RunSpec,
    as_json: bool,
    outcome: Run,
) -> Report | None:
    """One spec run, with progress on stderr; None (its error kept and, in text, printed) if the spec
    cannot be run."""
    observer = ConsoleProgress(stderr, live=stderr.is_terminal and not as_json, quiet=as_json)
    try:
        return run(checked, observer, selection)
    except SpecError as error:
        observer.model_stopped("", "error")
        outcome.errors.append((path, error))
        if not as_json:
            stderr.print(Text(error.render()))
    except Unsupported as error:
        observer.model_stopped("", "error")
        message = f"error: `faultline {command}` cannot handle {checked.name}: {error}; use `faultline check`"
        outcome.errors.append((path, message))
        if not as_json:
            stderr.print(Text(message))
    return None


def _run_specs(
    command: str,
    spec_paths: tuple[str, ...],
    as_json: bool,
    junit: str | None,
    fmt: str | None,
    run: _RunSpec,
    selection: _Selection,
    after_table: Callable[[Report], None] | None = None,
    fail_fast: bool = False,
) -> Run:
    """What every checking command shares: each spec loaded and run (with progress on stderr), reported
    as a table or JSON, then JUnit and GitHub annotations if asked; a summary when there are several.
    With several specs, a model or property named is looked for in the specs that have it: a spec with
    none of those named is left out, and a name no spec has is an error."""
    if junit is not None:
        _check_outputs(report=junit)
    outcome = Run(command)
    paths = _spec_paths(spec_paths)
    style = _output_format(fmt)
    known = selection.known(paths)
    for position, path in enumerate(paths):
        checked = _load_for_run(path, as_json, outcome)
        if checked is None:
            continue
        narrowed = selection.narrowed(checked, known)
        if narrowed is None:
            stderr.print(Text(selection.left_out(path)))
            continue
        report = _run_one_spec(command, path, checked, narrowed, run, as_json, outcome)
        if report is None:
            continue
        outcome.reports.append(report)
        if not as_json:
            print_report(stdout, report)
            if after_table is not None:
                after_table(report)
        if report.interrupted or (fail_fast and report.mismatches):
            why = NOT_RUN_INTERRUPTED if report.interrupted else NOT_RUN_FAIL_FAST
            outcome.skipped = [(rest, why) for rest in paths[position + 1 :]]
            for rest in paths[position + 1 :]:
                stderr.print(Text(f"{rest}: {why}"))
            break
    if known is not None and not outcome.reports and not outcome.errors:
        _fail(f"error: no spec has {selection.together()}")
    if as_json:
        stdout.print(Text(json.dumps(to_json(outcome), indent=2)))
    elif len(paths) > 1:
        _print_summary(outcome)
    if style == "github":
        stream = sys.stderr if as_json else sys.stdout  # stdout holds the JSON document alone
        for line in github_annotations(outcome):
            stream.write(line + "\n")
    if junit is not None:
        write_atomic(Path(junit), junit_xml(outcome).decode("utf-8"))
        stderr.print(Text(f"wrote {junit}"))
    return outcome


def _print_summary(outcome: Run) -> None:
    s = outcome.summary()
    line = (
        f"{s['specs']} specs, {s['models']} models, {s['results']} verdicts: {s['as_expected']} as expected, "
        f"{s['unexpected']} unexpected, {s['incomplete']} incomplete, {s['errors']} with errors"
    )
    stdout.print(Text(line, style="bold red" if outcome.exit_code else "bold green"))


@main.command()
@click.argument("spec_paths", metavar="SPEC...", nargs=-1, required=True, type=FileName(either=True))
@_selection_options()
@click.option("--max-depth", type=Count(0), help="Explore at most this many steps deep.")
@click.option("--max-states", type=Count(1), help="Stop after this many distinct states.")
@click.option("--max-seconds", type=Seconds(), help="Stop each model's search after this long.")
@click.option(
    "--max-memory",
    type=Count(1),
    metavar="MIB",
    help="Stop a search whose memory reaches this many MiB (default: 80% of the machine's).",
)
@click.option("--dfs", is_flag=True, help="Depth-first search (counterexamples may not be shortest).")
@click.option("--deadlock", is_flag=True, help="Also report states where no protocol step is enabled.")
@click.option(
    "--no-symmetry",
    "no_symmetry",
    is_flag=True,
    help="Explore every permutation of `symmetric` nodes' instances (no symmetry reduction).",
)
@click.option(
    "--por",
    is_flag=True,
    help="Partial-order reduction: skip orders of steps that cannot matter (counterexamples may be longer).",
)
@click.option(
    "--shorten",
    is_flag=True,
    help="With --por, search again without it, no deeper than each counterexample, for a shortest one.",
)
@click.option(
    "--checkpoint",
    "checkpoint_dir",
    type=FileName(directory=True),
    metavar="DIR",
    help="Save each model's search in DIR every --checkpoint-every seconds (DIR/<spec>/<model>.checkpoint).",
)
@click.option(
    "--checkpoint-every", type=Seconds(), default=300.0, show_default=True, help="Seconds between saves."
)
@click.option(
    "--resume",
    "resume_dir",
    type=FileName(directory=True),
    metavar="DIR",
    help="Go on from the searches saved in DIR (a model with no save there starts from the beginning).",
)
@click.option(
    "--workers",
    type=Count(1),
    help="Processes a search whose levels grow wide goes on among, each owning a share of the states "
    "(default: one per core; 1: this process, with the compact visited table).",
)
@click.option(
    "--cluster",
    metavar="ray|ray://HOST:PORT",
    help="Partition wide searches among Ray actors (--workers of them; default: one per CPU of the cluster): "
    "a local Ray, or the cluster at HOST:PORT (needs the `cluster` extra: pip install 'faultline[cluster]').",
)
@click.option("--fail-fast", is_flag=True, help="Stop at the first verdict a model does not expect.")
@_output_options()
@click.option(
    "--render", "render_charts", is_flag=True, help="Draw a sequence chart next to each counterexample."
)
@click.option(
    "--report",
    "report_path",
    type=FileName(),
    help="Write a self-contained HTML report (matrix, charts, steps).",
)
def check(
    spec_paths: tuple[str, ...],
    models: tuple[str, ...],
    invariants: tuple[str, ...],
    constants: tuple[str, ...],
    max_depth: int | None,
    max_states: int | None,
    max_seconds: float | None,
    max_memory: int | None,
    dfs: bool,
    deadlock: bool,
    no_symmetry: bool,
    por: bool,
    shorten: bool,
    checkpoint_dir: str | None,
    checkpoint_every: float,
    resume_dir: str | None,
    workers: int | None,
    cluster: str | None,
    fail_fast: bool,
    as_json: bool,
    junit: str | None,
    fmt: str | None,
    out_dir: str,
    render_charts: bool,
    report_path: str | None,
) -> None:
    """Explore every behaviour of each SPEC's models (a file, or every .fl file under a directory) and
    check its properties. Exit 0 when every verdict is the one its model expects (`expect`)."""
    _check_outputs(out_dir, report_path)
    if report_path is not None and len(_spec_paths(spec_paths)) > 1:
        _fail("error: --report draws one spec: give it a single SPEC")
    if checkpoint_dir is not None:
        try:
            check_directory(checkpoint_dir, "--checkpoint")
        except OutputError as error:
            _fail(f"error: {error}")
    values = _constants(constants)

    if resume_dir is not None and not Path(resume_dir).is_dir():
        _fail(f"error: --resume {resume_dir}: no such folder")
    if cluster is not None:
        try:
            check_cluster(cluster)
        except ClusterError as error:
            _fail(f"error: --cluster {cluster}: {error}")

    def run(checked: CheckedSpec, observer: Observer, selected: _Selection) -> Report:
        try:
            return checked_run(checked, observer, selected)
        except CheckpointError as error:
            _fail(f"error: --resume: {error}")
        except ClusterError as error:
            _fail(f"error: --cluster {cluster}: {error}")

    def checked_run(checked: CheckedSpec, observer: Observer, selected: _Selection) -> Report:
        return faultline.check(
            checked,
            list(selected.models) or None,
            list(selected.properties) or None,
            values,
            max_depth=max_depth,
            max_states=max_states,
            max_seconds=max_seconds,
            max_memory=max_memory * 2**20 if max_memory else None,
            dfs=dfs,
            deadlock=deadlock,
            symmetry=not no_symmetry,
            por=por,
            shorten=shorten,
            checkpoint=checkpoint_dir,
            checkpoint_every=checkpoint_every,
            resume=resume_dir,
            workers=workers,
            cluster=cluster,
            fail_fast=fail_fast,
            out_dir=out_dir,
            observer=observer,
        )

    selection = _Selection(models, invariants, deadlock)
    outcome = _run_specs("check", spec_paths, as_json, junit, fmt, run, selection, fail_fast=fail_fast)
    if render_charts:
        with doing("drawing the sequence charts"):
            _render_charts(outcome.results)
    if report_path is not None and outcome.reports:
        from explorer.render.html import write_report

        with doing(f"writing the report {report_path}"):
            write_report(Path(report_path), _load(outcome.reports[0].source), outcome.reports[0].results)
        stderr.print(Text(f"wrote {report_path}"))
    sys.exit(outcome.exit_code)


def _render_charts(results: list[PropertyResult]) -> None:
    """A sequence chart beside each counterexample, and where it went; without Graphviz, its .dot source
    and one line of advice."""
    from explorer.render.dot import INSTALL_HINT
    from explorer.render.pictures import default_output, draw

    missing = False
    for r in results:
        if r.trace is None:
            continue
        trace = Path(r.trace)
        rendered = draw(
            json.loads(trace.read_text(encoding="utf-8")),
            "sequence",
            "svg",
            default_output(trace, "sequence"),
            keep_source=False,  # the .dot only when it is all there is (no Graphviz)
        )
        missing = missing or rendered.missing_graphviz
        stderr.print(
            Text(
                f"{r.model} {r.property}: chart in {rendered.dot if rendered.missing_graphviz else rendered.picture}"
            )
        )
    if missing:
        stderr.print(Text(f"sequence charts were written as .dot files only; {INSTALL_HINT}"))


@main.command()
@click.argument("spec_paths", metavar="SPEC...", nargs=-1, required=True, type=FileName(either=True))
@click.option("--depth", "-k", type=Count(0), required=True, help="Unroll this many steps.")
@_selection_options()
@click.option("--max-seconds", type=Seconds(), help="Stop each model after this long.")
@_output_options()
def bmc(
    spec_paths: tuple[str, ...],
    depth: int,
    models: tuple[str, ...],
    invariants: tuple[str, ...],
    constants: tuple[str, ...],
    max_seconds: float | None,
    as_json: bool,
    junit: str | None,
    fmt: str | None,
    out_dir: str,
) -> None:
    """Bounded model checking with Z3: a shortest counterexample of at most DEPTH steps, or none."""
    _check_outputs(out_dir)
    values = _constants(constants)

    def run(checked: CheckedSpec, observer: Observer, selected: _Selection) -> Report:
        return faultline.bmc(
            checked,
            depth,
            list(selected.models) or None,
            list(selected.properties) or None,
            values,
            max_seconds=max_seconds,
            out_dir=out_dir,
            observer=observer,
        )

    sys.exit(
        _run_specs("bmc", spec_paths, as_json, junit, fmt, run, _Selection(models, invariants)).exit_code
    )


@main.command()
@click.argument("spec_paths", metavar="SPEC...", nargs=-1, required=True, type=FileName(either=True))
@_selection_options("Prove only in this model (repeatable).", "Prove only this invariant (repeatable).")
@click.option(
    "--lemma",
    "-l",
    "lemmas",
    multiple=True,
    help="An invariant of the spec assumed and proved together with the goal (repeatable).",
)
@click.option("--k", "k", type=Count(1), default=1, show_default=True, help="The k of k-induction.")
@click.option("--max-seconds", type=Seconds(), help="Give up on a proof after this long.")
@_output_options("Where counterexamples (and counterexamples to induction) are written.")
def prove(
    spec_paths: tuple[str, ...],
    models: tuple[str, ...],
    invariants: tuple[str, ...],
    lemmas: tuple[str, ...],
    k: int,
    constants: tuple[str, ...],
    max_seconds: float | None,
    as_json: bool,
    junit: str | None,
    fmt: str | None,
    out_dir: str,
) -> None:
    """Prove invariants for every depth by k-induction with Z3 (exit 0: proved; 1: violated; 3: not proved)."""
    _check_outputs(out_dir)
    values = _constants(constants)

    def run(checked: CheckedSpec, observer: Observer, selected: _Selection) -> Report:
        return faultline.prove(
            checked,
            list(selected.models) or None,
            list(selected.properties) or None,
            values,
            lemmas=lemmas,
            k=k,
            max_seconds=max_seconds,
            out_dir=out_dir,
            observer=observer,
        )

    def explain(report: Report) -> None:
        for r in report.results:
            if r.reason and r.verdict == Verdict.HOLDS:
                stdout.print(Text(f"  {r.model} {r.property}: {r.reason}"))
            if r.trace and r.verdict == Verdict.INCOMPLETE:
                stdout.print(Text(f"  counterexample to induction in {r.counterexample}"))

    selection = _Selection(models, invariants)
    sys.exit(_run_specs("prove", spec_paths, as_json, junit, fmt, run, selection, explain).exit_code)


@main.command()
@click.argument("spec_paths", metavar="SPEC...", nargs=-1, required=True, type=FileName(either=True))
@click.option("--runs", type=Count(1), default=100, show_default=True, help="How many random runs.")
@click.option("--depth", type=Count(0), default=50, show_default=True, help="Steps per run, at most.")
@click.option(
    "--seed", type=Count(None), default=0, show_default=True, help="The seed of every random choice."
)
@_selection_options("Simulate only this model (repeatable).")
@click.option("--max-seconds", type=Seconds(), help="Stop each model after this long.")
@_output_options()
def simulate(
    spec_paths: tuple[str, ...],
    runs: int,
    depth: int,
    seed: int,
    models: tuple[str, ...],
    invariants: tuple[str, ...],
    constants: tuple[str, ...],
    max_seconds: float | None,
    as_json: bool,
    junit: str | None,
    fmt: str | None,
    out_dir: str,
) -> None:
    """Random runs: the same seed gives the same runs; the shortest violation found is kept."""
    _check_outputs(out_dir)
    values = _constants(constants)

    def run(checked: CheckedSpec, observer: Observer, selected: _Selection) -> Report:
        return faultline.simulate(
            checked,
            runs,
            depth,
            seed,
            list(selected.models) or None,
            list(selected.properties) or None,
            values,
            max_seconds=max_seconds,
            out_dir=out_dir,
            observer=observer,
        )

    selection = _Selection(models, invariants)
    sys.exit(_run_specs("simulate", spec_paths, as_json, junit, fmt, run, selection).exit_code)


@main.command()
@click.argument("trace_path", metavar="TRACE", type=FileName())
@click.argument("spec_path", metavar="SPEC", type=FileName())
def replay(trace_path: str, spec_path: str) -> None:
    """Re-execute TRACE against SPEC: exit 0 if it reaches its violation, 1 if it departs from the spec."""
    from explorer.trace.replay import replay as run_replay
    from explorer.trace.schema import TraceFormatError

    checked = _load_or_exit(spec_path)
    document = _read_trace(trace_path)
    with doing(f"replaying {trace_path} against {spec_path}"):
        try:
            result = run_replay(document, checked)
        except TraceFormatError as error:
            _fail(f"error: {trace_path}: {error}")
        except SpecError as error:
            _trace_constants_refused(trace_path, document, error)
    stdout.print(Text(result.message))
    sys.exit(EXIT_HOLDS if result.reaches_violation else EXIT_VIOLATED)


def _trace_constants_refused(trace_path: str, document: dict[str, Any], error: SpecError) -> NoReturn:
    """The spec refuses the trace's constants (a count made zero, a range made empty): say so, then where."""
    constants = document["#meta"].get("constants", {})
    shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in constants.items()) or "none"
    stderr.print(Text(f"error: {trace_path}: the spec does not accept the trace's constants ({shown}):"))
    stderr.print(Text(error.render()))
    sys.exit(EXIT_USAGE)


@main.command()
@click.argument("trace_path", metavar="TRACE", type=FileName())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png", "dot"]),
    help="[default: the suffix of -o, else svg]",
)
@click.option(
    "--kind",
    type=click.Choice(["sequence", "states"]),
    default="sequence",
    show_default=True,
    help="A message sequence chart, or the explored state graph (small specs only).",
)
@click.option("-o", "--output", type=FileName(), help="The picture to write.")
@click.option(
    "--spec",
    "spec_path",
    type=FileName(),
    help="The spec (for --kind states), when it is not where the trace says.",
)
@click.option("--max-states", type=Count(1), help="Draw only the first N states explored.")
@click.option(
    "--dot", "keep_source", is_flag=True, help="Also keep the Graphviz source (.dot) beside the picture."
)
def render(
    trace_path: str,
    fmt: str | None,
    kind: str,
    output: str | None,
    spec_path: str | None,
    max_states: int | None,
    keep_source: bool,
) -> None:
    """Draw a counterexample: a sequence chart (SVG, PNG, or the Graphviz source)."""
    from explorer.render.pictures import PictureError, default_output, draw
    from explorer.trace.schema import TraceFormatError

    out = Path(output) if output is not None else default_output(Path(trace_path), kind)
    if fmt is None:  # `-o chart.png` asks for a PNG
        fmt = out.suffix[1:].lower() if out.suffix.lower() in (".svg", ".png", ".dot") else "svg"
    _check_outputs(picture=str(out))
    for suffix in (".dot", f".{fmt}"):
        _check_outputs(picture=str(out.with_suffix(suffix)))
    document = _read_trace(trace_path)
    with doing(f"drawing {trace_path}"):
        try:
            rendered = draw(
                document, kind, fmt, out, Path(spec_path) if spec_path else None, max_states, keep_source
            )
        except (PictureError, TraceFormatError) as error:
            _fail(f"error: {error}")
        except SpecError as error:  # the spec of a state graph, or the trace's constants, refused
            stderr.print(Text(error.render()))
            sys.exit(EXIT_USAGE)
    if rendered.missing_graphviz:
        from explorer.render.dot import INSTALL_HINT

        stderr.print(Text(f"wrote {rendered.dot}; Graphviz is not installed: {INSTALL_HINT}"))
        sys.exit(EXIT_INCOMPLETE)
    also = f" (and {rendered.dot})" if rendered.dot is not None and rendered.dot != rendered.picture else ""
    stdout.print(Text(f"wrote {rendered.picture}{also}"))


@main.command()
@click.argument("spec_path", metavar="SPEC", type=FileName())
@click.option("--model", "-m", help="The model to start on (default: the spec's first); the page can switch.")
@click.option("--const", "-c", "constants", multiple=True, metavar="NAME=VALUE", help="Override a constant.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 takes any free port."
)
def explore(spec_path: str, model: str | None, constants: tuple[str, ...], port: int) -> None:
    """Walk through a model by hand in a web page served on this machine (127.0.0.1): start from an initial
    state, see the whole state, take any enabled step, go back, load a counterexample to step through.
    Ctrl-C stops it."""
    from explorer.serve.server import ExploreServer
    from explorer.serve.session import Session, SessionError

    checked = _load(spec_path)
    values = _constants(constants)
    name = model or spec.model_names(checked)[0]
    with doing(f"building the initial states of {name}"):
        try:
            session = Session(checked, name, values)
        except SessionError as error:
            _fail(f"error: {error}")
    try:
        server = ExploreServer(session, port)
    except OSError as error:
        _fail(f"error: cannot serve on 127.0.0.1:{port}: {error.strerror or error}")
    stdout.print(Text(f"exploring {checked.name} / {name} at {server.url} (Ctrl-C to stop)"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        stderr.print(Text("stopped"))
    finally:
        server.server_close()


def _read_trace(trace_path: str) -> dict[str, Any]:
    """A trace file, checked against the ITF shape and faultline's #meta; or exit 2 naming what is wrong."""
    from explorer.trace.schema import TraceFormatError, read

    with doing(f"reading {trace_path}"):
        try:
            return read(Path(trace_path))
        except OSError as error:
            _fail(f"error: cannot read {trace_path}: {error.strerror or error}")
        except TraceFormatError as error:
            _fail(f"error: {trace_path} is not a faultline trace: {error}")


from editor.cli import fmt, lsp  # noqa: E402

main.add_command(fmt)
main.add_command(lsp)

if __name__ == "__main__":  # pragma: no cover
    main()
