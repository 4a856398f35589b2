"""The command line: each command is a chain of stages (load -> instantiate -> explore -> report).
The only module that prints or exits.

Exit codes: 0 every property holds (within the bounds the output names), 1 a violation was found,
2 the spec or the command line is wrong, 3 the run stopped early (bound, interrupt) with a report of how
far it got, 4 faultline itself failed (a bug: one handler, in `_Main.invoke`, reports it).

Every output path is checked before the work starts, so that a long search is never lost to a file that
cannot be written at its end.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

import spec
from explorer.run import (
    CheckOptions,
    PropertyResult,
    check_model,
)
from explorer.search import Stats
from explorer.trace.files import OutputError, check_directory, check_file
from spec import CheckedSpec, SpecError
from spec.crash import current as crash_current
from spec.crash import doing
from spec.crash import report as crash_report
from spec.options import Count, FileName, Seconds
from spec.parser import parse_literal

EXIT_HOLDS, EXIT_VIOLATED, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERNAL = 0, 1, 2, 3, 4

# Off a terminal (a pipe, a CI log) tables are not squeezed into 80 columns.
stdout = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    stderr.print(Text(message))
    sys.exit(code)


def _read_spec(path: str) -> str:
    """A spec's text, or exit 2 saying why it cannot be read."""
    try:
        return spec.read_text(path)
    except OSError as error:
        _fail(f"error: cannot read {path}: {error.strerror or error}")
    except UnicodeDecodeError as error:
        _fail(f"error: {path} is not UTF-8 text (byte {error.start} cannot be decoded)")


def _load(path: str) -> CheckedSpec:
    with doing(f"loading {path}"):
        text = _read_spec(path)
        try:
            checked = spec.load(text, path)
        except SpecError as error:
            stderr.print(Text(error.render()))
            count = len(error.diagnostics)
            stderr.print(Text(f"\n{count} error{'s' if count != 1 else ''} in {path}"))
            sys.exit(EXIT_USAGE)
    for warning in checked.warnings:
        stderr.print(Text(warning.render(checked.source)))
    return checked


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
    """--json and --out: how every checking command reports."""

    def apply(command: _Command) -> _Command:
        command = click.option(
            "--out",
            "out_dir",
            default="counterexamples",
            show_default=True,
            type=FileName(directory=True),
            help=out_help,
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
            _fail("interrupted while starting", EXIT_INCOMPLETE)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (SystemExit, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt as error:
            _fail(f"interrupted while {crash_current(error)}", EXIT_INCOMPLETE)
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


@main.command()
@click.argument("spec_path", metavar="SPEC", type=FileName())
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
    spec_path: str,
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
    as_json: bool,
    out_dir: str,
    render_charts: bool,
    report_path: str | None,
) -> None:
    """Explore every behaviour of SPEC's models and check its properties."""
    _check_outputs(out_dir, report_path)
    checked = _load(spec_path)
    options = CheckOptions(
        models=list(models) or None,
        invariants=list(invariants) or None,
        constants=_constants(constants),
        order="dfs" if dfs else "bfs",
        max_depth=max_depth,
        max_states=max_states,
        max_seconds=max_seconds,
        max_memory=max_memory * 2**20 if max_memory else None,
        deadlock=deadlock,
        out_dir=Path(out_dir),
        symmetry=not no_symmetry,
    )

    def one(
        checked: CheckedSpec, name: str, options: CheckOptions, live: Live | None
    ) -> list[PropertyResult]:
        if live is None:
            return check_model(checked, name, options, warn=_warn)
        return check_model(checked, name, options, lambda m, s: live.update(_progress(m, s)), _warn)

    def draw_and_report(results: list[PropertyResult]) -> None:
        if render_charts:
            with doing("drawing the sequence charts"):
                _render_charts(results)
        if report_path is not None:
            from explorer.render.html import write_report

            with doing(f"writing the report {report_path}"):
                write_report(Path(report_path), checked, results)
            stderr.print(Text(f"wrote {report_path}"))

    _run_models("check", checked, spec_path, options, as_json, one, after_report=draw_and_report)


def _render_charts(results: list[PropertyResult]) -> None:
    """A sequence chart beside each counterexample; without Graphviz, its .dot source and one line of advice."""
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
        )
        missing = missing or rendered.missing_graphviz
    if missing:
        stderr.print(Text(f"sequence charts were written as .dot files only; {INSTALL_HINT}"))


def _warn(text: str) -> None:
    stderr.print(Text(text))


def _options(
    models: tuple[str, ...],
    invariants: tuple[str, ...],
    constants: tuple[str, ...],
    max_seconds: float | None,
    out_dir: str,
) -> CheckOptions:
    """The options `bmc`, `prove` and `simulate` share."""
    _check_outputs(out_dir)
    return CheckOptions(
        models=list(models) or None,
        invariants=list(invariants) or None,
        constants=_constants(constants),
        max_seconds=max_seconds,
        out_dir=Path(out_dir),
    )


def _run_models(
    command: str,
    checked: CheckedSpec,
    spec_path: str,
    options: CheckOptions,
    as_json: bool,
    one: Callable[[CheckedSpec, str, CheckOptions, Live | None], list[PropertyResult]],
    extra: dict[str, Any] | None = None,
    after_report: Callable[[list[PropertyResult]], None] | None = None,
    after_table: Callable[[list[PropertyResult]], None] | None = None,
) -> NoReturn:
    """What every checking command shares: pick the models, run `one` on each (with a progress line on a
    terminal), report as a table or JSON, and exit with the code the verdicts call for. A search stopped by
    Ctrl-C returns what it has; the remaining models are then skipped and the report says so. A model
    stopped before its search began (Ctrl-C, or a bound reached while it was being built) is named in the
    report with the reason."""
    try:
        model_names = spec.select(
            checked, options.models, options.invariants, options.constants, options.deadlock
        )
    except SpecError as error:
        stderr.print(Text(error.render()))
        sys.exit(EXIT_USAGE)
    results: list[PropertyResult] = []
    stopped: dict[str, str] = {}  # model -> why it has no results
    for name in model_names:
        with doing(f"running `{command}` on model {name} of {spec_path}"):
            model_results = _run_one(command, checked, name, options, as_json, one)
        if isinstance(model_results, str):
            stopped[name] = model_results
            if model_results == "interrupted":
                break
            continue
        results.extend(model_results)
        if any(_interrupted(r) for r in model_results):
            break
        if _z3_interrupted() and name != model_names[-1]:  # Ctrl-C as Z3 finished this model's work
            stopped[model_names[model_names.index(name) + 1]] = "interrupted"
            break
    interrupted = "interrupted" in stopped.values() or any(_interrupted(r) for r in results)
    if as_json:
        payload = {
            "spec": checked.name,
            "source": spec_path,
            **(extra or {}),
            "results": [r.to_json() for r in results],
        }
        if stopped:
            payload["stopped"] = [{"model": m, "reason": why} for m, why in stopped.items()]
        if interrupted:
            payload["interrupted"] = True
        stdout.print(Text(json.dumps(payload, indent=2)))
    else:
        _print_table(checked, results, model_names)
        for name, why in stopped.items():
            stdout.print(Text(f"{name}: stopped before its search began ({why})", style="yellow"))
        if after_table is not None:
            after_table(results)
    if after_report is not None:
        after_report(results)
    if any(r.verdict == "violated" for r in results):
        sys.exit(EXIT_VIOLATED)
    incomplete = stopped or any(r.verdict == "incomplete" for r in results)
    sys.exit(EXIT_INCOMPLETE if incomplete else EXIT_HOLDS)


def _z3_interrupted() -> bool:
    """Whether Ctrl-C came while Z3 worked (recorded by explorer/bmc/interrupt.py, which only the Z3
    commands load: `check` gets KeyboardInterrupt as usual)."""
    module = sys.modules.get("explorer.bmc.interrupt")
    return module is not None and bool(module.interrupt_requested())


def _interrupted(result: PropertyResult) -> bool:
    """Whether Ctrl-C stopped the run that gave this result ("interrupted", "interrupted at depth 4")."""
    return result.verdict == "incomplete" and (result.reason or "").startswith("interrupted")


def _run_one(
    command: str,
    checked: CheckedSpec,
    name: str,
    options: CheckOptions,
    as_json: bool,
    one: Callable[[CheckedSpec, str, CheckOptions, Live | None], list[PropertyResult]],
) -> list[PropertyResult] | str:
    """One model's results, or why it has none: "interrupted", or the bound that stopped it early. Spec and
    selection errors found only now (a model's own constants, sizes) exit 2."""
    from explorer.bmc.symbolic import Unsupported
    from explorer.search.limits import BoundReached

    try:
        if stderr.is_terminal and not as_json:
            with Live(console=stderr, transient=True, refresh_per_second=4) as live:
                return one(checked, name, options, live)
        return one(checked, name, options, None)
    except SpecError as error:
        stderr.print(Text(error.render()))
        sys.exit(EXIT_USAGE)
    except Unsupported as error:
        _fail(
            f"error: `faultline {command}` cannot handle model {name} of {checked.name}: {error}; "
            "use `faultline check`"
        )
    except BoundReached as bound:
        return bound.reason
    except KeyboardInterrupt:
        return "interrupted"


def _progress(model: str, stats: Stats) -> Text:
    return Text(
        f"{model}: {stats.distinct:,} states, {stats.rate:,.0f} states/s, depth {stats.depth}, queue {stats.queue:,}",
        style="dim",
    )


def _print_table(checked: CheckedSpec, results: list[PropertyResult], model_names: list[str]) -> None:
    properties: list[str] = []
    for r in results:
        if r.property not in properties:
            properties.append(r.property)
    table = Table(title=f"{checked.name} ({checked.source.uri})", title_justify="left")
    table.add_column("model")
    table.add_column(
        "states" if not results or results[0].backend == "explorer" else "explored", justify="right"
    )
    for prop in properties:
        table.add_column(prop)
    table.add_column("bounds (what a verdict covers)", style="dim")
    by_model: dict[str, list[PropertyResult]] = {}
    for r in results:
        by_model.setdefault(r.model, []).append(r)
    for name in model_names:
        rows = by_model.get(name)
        if not rows:
            continue
        cells = {r.property: r for r in rows}
        stats = rows[0].stats
        size = {
            "explorer": f"{stats.distinct:,}",
            "simulate": f"{stats.distinct:,}",
            "bmc": f"depth {stats.depth}",
        }.get(rows[0].backend, f"k={stats.depth}")
        row: list[Text | str] = [name, size]
        for prop in properties:
            cell = cells.get(prop)
            if cell is None:
                row.append("")
            elif cell.verdict == "holds":
                if cell.backend == "prove":
                    row.append(Text(f"proved ({stats.depth}-induction)", style="green"))
                elif cell.backend == "simulate":
                    row.append(Text("no violation found", style="green"))
                else:
                    within = f" within {stats.depth} steps" if cell.backend == "bmc" else ""
                    row.append(Text(f"holds{within}", style="green"))
            elif cell.verdict == "violated":
                steps = cell.trace_length or 0
                row.append(Text(f"VIOLATED in {steps} step{'s' if steps != 1 else ''}", style="bold red"))
            elif cell.backend == "prove" and cell.trace_length is not None:
                row.append(
                    Text(
                        f"not inductive (CTI in {cell.trace_length} step"
                        f"{'s' if cell.trace_length != 1 else ''})",
                        style="yellow",
                    )
                )
            else:
                row.append(Text("incomplete", style="yellow"))
        row.append(rows[0].bounds)
        table.add_row(*row)
    stdout.print(table)
    for name in model_names:
        rows = by_model.get(name)
        if not rows:
            continue
        stats = rows[0].stats
        if rows[0].backend in ("explorer", "simulate"):
            summary = (
                f"{stats.distinct:,} distinct states, {stats.generated:,} generated, depth {stats.depth}, "
                f"{stats.seconds:.2f} s ({stats.rate:,.0f} states/s)"
            )
        else:
            summary = f"{stats.seconds:.2f} s"
        stdout.print(Text(f"{name}: {summary}"))
        if rows[0].warning:
            stdout.print(Text(f"  warning: {rows[0].warning}", style="yellow"))
        for r in rows:
            if r.verdict == "incomplete" and r.reason:
                stdout.print(Text(f"  {r.property}: incomplete ({r.reason})", style="yellow"))
                break
        for r in rows:
            if r.verdict == "violated" and r.trace:
                text_path = r.trace.removesuffix(".itf.json") + ".txt"
                stdout.print(Text(f"  {r.property}: counterexample in {text_path} (and .itf.json)"))


@main.command()
@click.argument("spec_path", metavar="SPEC", type=FileName())
@click.option("--depth", "-k", type=Count(0), required=True, help="Unroll this many steps.")
@_selection_options()
@click.option("--max-seconds", type=Seconds(), help="Stop each model after this long.")
@_output_options()
def bmc(
    spec_path: str,
    depth: int,
    models: tuple[str, ...],
    invariants: tuple[str, ...],
    constants: tuple[str, ...],
    max_seconds: float | None,
    as_json: bool,
    out_dir: str,
) -> None:
    """Bounded model checking with Z3: a shortest counterexample of at most DEPTH steps, or none."""
    from explorer.run import bmc_model

    def one(
        checked: CheckedSpec, name: str, options: CheckOptions, live: Live | None
    ) -> list[PropertyResult]:
        def show(m: str, k: int, t: float) -> None:
            if live is not None:
                live.update(Text(f"{m}: depth {k} of {depth}, {t:.1f} s", style="dim"))

        return bmc_model(checked, name, depth, options, show, _warn)

    _run_models(
        "bmc",
        _load(spec_path),
        spec_path,
        _options(models, invariants, constants, max_seconds, out_dir),
        as_json,
        one,
    )


@main.command()
@click.argument("spec_path", metavar="SPEC", type=FileName())
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
    spec_path: str,
    models: tuple[str, ...],
    invariants: tuple[str, ...],
    lemmas: tuple[str, ...],
    k: int,
    constants: tuple[str, ...],
    max_seconds: float | None,
    as_json: bool,
    out_dir: str,
) -> None:
    """Prove invariants for every depth by k-induction with Z3 (exit 0: proved; 1: violated; 3: not proved)."""
    from explorer.run import prove_model

    def one(
        checked: CheckedSpec, name: str, options: CheckOptions, live: Live | None
    ) -> list[PropertyResult]:
        return prove_model(checked, name, k, list(lemmas), options, _warn)

    def explain(results: list[PropertyResult]) -> None:
        for r in results:
            if r.reason and r.verdict == "holds":
                stdout.print(Text(f"  {r.model} {r.property}: {r.reason}"))
            if r.trace and r.verdict == "incomplete":
                stdout.print(
                    Text(f"  counterexample to induction in {r.trace.removesuffix('.itf.json')}.txt")
                )

    _run_models(
        "prove",
        _load(spec_path),
        spec_path,
        _options(models, invariants, constants, max_seconds, out_dir),
        as_json,
        one,
        after_table=explain,
    )


@main.command()
@click.argument("spec_path", metavar="SPEC", type=FileName())
@click.option("--runs", type=Count(1), default=100, show_default=True, help="How many random runs.")
@click.option("--depth", type=Count(0), default=50, show_default=True, help="Steps per run, at most.")
@click.option(
    "--seed", type=Count(None), default=0, show_default=True, help="The seed of every random choice."
)
@_selection_options("Simulate only this model (repeatable).")
@click.option("--max-seconds", type=Seconds(), help="Stop each model after this long.")
@_output_options()
def simulate(
    spec_path: str,
    runs: int,
    depth: int,
    seed: int,
    models: tuple[str, ...],
    invariants: tuple[str, ...],
    constants: tuple[str, ...],
    max_seconds: float | None,
    as_json: bool,
    out_dir: str,
) -> None:
    """Random runs: the same seed gives the same runs; the shortest violation found is kept."""
    from explorer.run import simulate_model

    def one(
        checked: CheckedSpec, name: str, options: CheckOptions, live: Live | None
    ) -> list[PropertyResult]:
        return simulate_model(checked, name, runs, depth, seed, options, _warn)

    _run_models(
        "simulate",
        _load(spec_path),
        spec_path,
        _options(models, invariants, constants, max_seconds, out_dir),
        as_json,
        one,
        {"seed": seed},
    )


@main.command()
@click.argument("trace_path", metavar="TRACE", type=FileName())
@click.argument("spec_path", metavar="SPEC", type=FileName())
def replay(trace_path: str, spec_path: str) -> None:
    """Re-execute TRACE against SPEC: exit 0 if it reaches its violation, 1 if it departs from the spec."""
    from explorer.trace.replay import replay as run_replay
    from explorer.trace.schema import TraceFormatError

    checked = _load(spec_path)
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
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "dot"]), default="svg", show_default=True)
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
def render(
    trace_path: str, fmt: str, kind: str, output: str | None, spec_path: str | None, max_states: int | None
) -> None:
    """Draw a counterexample: a sequence chart (SVG, PNG, or the Graphviz source)."""
    from explorer.render.pictures import PictureError, default_output, draw
    from explorer.trace.schema import TraceFormatError

    out = Path(output) if output is not None else default_output(Path(trace_path), kind)
    _check_outputs(picture=str(out))
    for suffix in (".dot", f".{fmt}"):
        _check_outputs(picture=str(out.with_suffix(suffix)))
    document = _read_trace(trace_path)
    with doing(f"drawing {trace_path}"):
        try:
            rendered = draw(document, kind, fmt, out, Path(spec_path) if spec_path else None, max_states)
        except (PictureError, TraceFormatError) as error:
            _fail(f"error: {error}")
        except SpecError as error:  # the spec of a state graph, or the trace's constants, refused
            stderr.print(Text(error.render()))
            sys.exit(EXIT_USAGE)
    if rendered.missing_graphviz:
        from explorer.render.dot import INSTALL_HINT

        stderr.print(Text(f"wrote {rendered.dot}; Graphviz is not installed: {INSTALL_HINT}"))
        sys.exit(EXIT_INCOMPLETE)
    stdout.print(Text(f"wrote {rendered.picture}"))


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
