"""The command line: each command is a chain of stages (load -> instantiate -> explore -> report).
The only module that prints or exits.

Exit codes: 0 every property holds (within the bounds the output names), 1 a violation was found,
2 the spec or the command line is wrong, 3 the run stopped early (bound, interrupt) with a report of how
far it got.
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
from spec import CheckedSpec, SpecError
from spec.diagnostics import InternalError

EXIT_HOLDS, EXIT_VIOLATED, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

# Off a terminal (a pipe, a CI log) tables are not squeezed into 80 columns.
stdout = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    stderr.print(Text(message))
    sys.exit(code)


def _load(path: str) -> CheckedSpec:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        _fail(f"error: cannot read {path}: {error.strerror or error}")
    except UnicodeDecodeError:
        _fail(f"error: {path} is not UTF-8 text")
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
    out: dict[str, int | bool] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        text = value.strip()
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = text == "true" if text in ("true", "false") else int(text)
        except ValueError:
            _fail(f"error: --const takes NAME=INTEGER or NAME=true|false, not {pair!r}")
    return out


_Command = TypeVar("_Command", bound=Callable[..., Any])


def _selection_options(
    model_help: str = "Check only this model (repeatable).",
    invariant_help: str = "Check only this property (repeatable).",
) -> Callable[[_Command], _Command]:
    """--model, --invariant and --const: what every checking command runs on."""

    def apply(command: _Command) -> _Command:
        command = click.option("--const", "-c", "constants", multiple=True, metavar="NAME=VALUE",
                               help="Override a constant.")(command)
        command = click.option("--invariant", "-i", "invariants", multiple=True, help=invariant_help)(command)
        return click.option("--model", "-m", "models", multiple=True, help=model_help)(command)

    return apply


def _output_options(out_help: str = "Where counterexamples are written.") -> Callable[[_Command], _Command]:
    """--json and --out: how every checking command reports."""

    def apply(command: _Command) -> _Command:
        command = click.option("--out", "out_dir", default="counterexamples", show_default=True,
                               type=click.Path(file_okay=False), help=out_help)(command)
        return click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")(command)

    return apply


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="faultline")
def main() -> None:
    """faultline: check distributed-system designs against lost messages, crashes and partitions."""


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@_selection_options()
@click.option("--max-depth", type=click.IntRange(min=0), help="Explore at most this many steps deep.")
@click.option("--max-states", type=click.IntRange(min=1), help="Stop after this many distinct states.")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), help="Stop each model's search after this long.")
@click.option("--max-memory", type=click.IntRange(min=1), metavar="MIB",
              help="Stop a search whose memory reaches this many MiB (default: 80% of the machine's).")
@click.option("--dfs", is_flag=True, help="Depth-first search (counterexamples may not be shortest).")
@click.option("--deadlock", is_flag=True, help="Also report states where no protocol step is enabled.")
@click.option("--no-symmetry", "no_symmetry", is_flag=True,
              help="Explore every permutation of `symmetric` nodes' instances (no symmetry reduction).")
@_output_options()
@click.option("--render", "render_charts", is_flag=True, help="Draw a sequence chart next to each counterexample.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write a self-contained HTML report (matrix, charts, steps).")
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

    def one(checked: CheckedSpec, name: str, options: CheckOptions, live: Live | None) -> list[PropertyResult]:
        if live is None:
            return check_model(checked, name, options, warn=_warn)
        return check_model(checked, name, options, lambda m, s: live.update(_progress(m, s)), _warn)

    def draw_and_report(results: list[PropertyResult]) -> None:
        if render_charts:
            _render_charts(results)
        if report_path is not None:
            from explorer.render.html import write_report

            write_report(Path(report_path), checked, results)
            stderr.print(Text(f"wrote {report_path}"))

    _run_models("check", checked, spec_path, options, as_json, one, before_report=draw_and_report)


def _render_charts(results: list[PropertyResult]) -> None:
    """A sequence chart beside each counterexample; without Graphviz, its .dot source and one line of advice."""
    from explorer.render.dot import INSTALL_HINT
    from explorer.render.pictures import default_output, draw

    missing = False
    for r in results:
        if r.trace is None:
            continue
        trace = Path(r.trace)
        rendered = draw(json.loads(trace.read_text(encoding="utf-8")), "sequence", "svg", default_output(trace, "sequence"))
        missing = missing or rendered.missing_graphviz
    if missing:
        stderr.print(Text(f"sequence charts were written as .dot files only; {INSTALL_HINT}"))


def _warn(text: str) -> None:
    stderr.print(Text(text))


def _options(models: tuple[str, ...], invariants: tuple[str, ...], constants: tuple[str, ...],
             max_seconds: float | None, out_dir: str) -> CheckOptions:
    """The options `bmc`, `prove` and `simulate` share."""
    return CheckOptions(models=list(models) or None, invariants=list(invariants) or None,
                        constants=_constants(constants), max_seconds=max_seconds, out_dir=Path(out_dir))


def _run_models(
    command: str,
    checked: CheckedSpec,
    spec_path: str,
    options: CheckOptions,
    as_json: bool,
    one: Callable[[CheckedSpec, str, CheckOptions, Live | None], list[PropertyResult]],
    extra: dict[str, Any] | None = None,
    before_report: Callable[[list[PropertyResult]], None] | None = None,
    after_table: Callable[[list[PropertyResult]], None] | None = None,
) -> NoReturn:
    """What every checking command shares: pick the models, run `one` on each (with a progress line on a
    terminal), report as a table or JSON, and exit with the code the verdicts call for. A search stopped by
    Ctrl-C returns what it has; the remaining models are then skipped and the report says so."""
    from explorer.bmc.symbolic import Unsupported

    try:
        model_names = spec.select(checked, options.models, options.invariants, options.constants, options.deadlock)
    except SpecError as error:
        stderr.print(Text(error.render()))
        sys.exit(EXIT_USAGE)
    results: list[PropertyResult] = []
    interrupted = False
    for name in model_names:
        try:
            if stderr.is_terminal and not as_json:
                with Live(console=stderr, transient=True, refresh_per_second=4) as live:
                    model_results = one(checked, name, options, live)
            else:
                model_results = one(checked, name, options, None)
        except SpecError as error:
            stderr.print(Text(error.render()))
            sys.exit(EXIT_USAGE)
        except Unsupported as error:
            _fail(f"error: `faultline {command}` cannot handle model {name} of {checked.name}: {error}; "
                  "use `faultline check`")
        except InternalError as error:
            _fail(str(error), EXIT_INCOMPLETE)
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INCOMPLETE)
        results.extend(model_results)
        if any(r.reason == "interrupted" for r in model_results):
            interrupted = True
            break
    if before_report is not None:
        before_report(results)
    if as_json:
        payload = {"spec": checked.name, "source": spec_path, **(extra or {}), "results": [r.to_json() for r in results]}
        if interrupted:
            payload["interrupted"] = True
        stdout.print(Text(json.dumps(payload, indent=2)))
    else:
        _print_table(checked, results, model_names)
        if after_table is not None:
            after_table(results)
    if any(r.verdict == "violated" for r in results):
        sys.exit(EXIT_VIOLATED)
    sys.exit(EXIT_INCOMPLETE if interrupted or any(r.verdict == "incomplete" for r in results) else EXIT_HOLDS)


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
    table.add_column("states" if not results or results[0].backend == "explorer" else "explored", justify="right")
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
        size = {"explorer": f"{stats.distinct:,}", "simulate": f"{stats.distinct:,}", "bmc": f"depth {stats.depth}"}.get(
            rows[0].backend, f"k={stats.depth}")
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
                row.append(Text(f"not inductive (CTI in {cell.trace_length} step"
                                f"{'s' if cell.trace_length != 1 else ''})", style="yellow"))
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
            summary = (f"{stats.distinct:,} distinct states, {stats.generated:,} generated, depth {stats.depth}, "
                       f"{stats.seconds:.2f} s ({stats.rate:,.0f} states/s)")
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
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.option("--depth", "-k", type=click.IntRange(min=0), required=True, help="Unroll this many steps.")
@_selection_options()
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), help="Stop each model after this long.")
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

    def one(checked: CheckedSpec, name: str, options: CheckOptions, live: Live | None) -> list[PropertyResult]:
        def show(m: str, k: int, t: float) -> None:
            if live is not None:
                live.update(Text(f"{m}: depth {k} of {depth}, {t:.1f} s", style="dim"))

        return bmc_model(checked, name, depth, options, show, _warn)

    _run_models("bmc", _load(spec_path), spec_path,
                _options(models, invariants, constants, max_seconds, out_dir), as_json, one)


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@_selection_options("Prove only in this model (repeatable).", "Prove only this invariant (repeatable).")
@click.option("--lemma", "-l", "lemmas", multiple=True,
              help="An invariant of the spec assumed and proved together with the goal (repeatable).")
@click.option("--k", "k", type=click.IntRange(min=1), default=1, show_default=True, help="The k of k-induction.")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), help="Give up on a proof after this long.")
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

    def one(checked: CheckedSpec, name: str, options: CheckOptions, live: Live | None) -> list[PropertyResult]:
        return prove_model(checked, name, k, list(lemmas), options, _warn)

    def explain(results: list[PropertyResult]) -> None:
        for r in results:
            if r.reason and r.verdict == "holds":
                stdout.print(Text(f"  {r.model} {r.property}: {r.reason}"))
            if r.trace and r.verdict == "incomplete":
                stdout.print(Text(f"  counterexample to induction in {r.trace.removesuffix('.itf.json')}.txt"))

    _run_models("prove", _load(spec_path), spec_path,
                _options(models, invariants, constants, max_seconds, out_dir), as_json, one,
                after_table=explain)


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
@click.option("--runs", type=click.IntRange(min=1), default=100, show_default=True, help="How many random runs.")
@click.option("--depth", type=click.IntRange(min=0), default=50, show_default=True, help="Steps per run, at most.")
@click.option("--seed", type=int, default=0, show_default=True, help="The seed of every random choice.")
@_selection_options("Simulate only this model (repeatable).")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), help="Stop each model after this long.")
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

    def one(checked: CheckedSpec, name: str, options: CheckOptions, live: Live | None) -> list[PropertyResult]:
        return simulate_model(checked, name, runs, depth, seed, options, _warn)

    _run_models("simulate", _load(spec_path), spec_path,
                _options(models, invariants, constants, max_seconds, out_dir), as_json, one,
                {"seed": seed})


@main.command()
@click.argument("trace_path", metavar="TRACE", type=click.Path(dir_okay=False))
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False))
def replay(trace_path: str, spec_path: str) -> None:
    """Re-execute TRACE against SPEC: exit 0 if it reaches its violation, 1 if it departs from the spec."""
    from explorer.trace.replay import TraceFormatError
    from explorer.trace.replay import replay as run_replay

    checked = _load(spec_path)
    document = _read_trace(trace_path)
    try:
        result = run_replay(document, checked)
    except TraceFormatError as error:
        _fail(f"error: {trace_path}: {error}")
    except SpecError as error:
        stderr.print(Text(error.render()))
        sys.exit(EXIT_USAGE)
    stdout.print(Text(result.message))
    sys.exit(EXIT_HOLDS if result.reaches_violation else EXIT_VIOLATED)


@main.command()
@click.argument("trace_path", metavar="TRACE", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "dot"]), default="svg", show_default=True)
@click.option("--kind", type=click.Choice(["sequence", "states"]), default="sequence", show_default=True,
              help="A message sequence chart, or the explored state graph (small specs only).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="The picture to write.")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False),
              help="The spec (for --kind states), when it is not where the trace says.")
@click.option("--max-states", type=click.IntRange(min=1), help="Draw only the first N states explored.")
def render(
    trace_path: str, fmt: str, kind: str, output: str | None, spec_path: str | None, max_states: int | None
) -> None:
    """Draw a counterexample: a sequence chart (SVG, PNG, or the Graphviz source)."""
    from explorer.render.pictures import PictureError, default_output, draw

    document = _read_trace(trace_path)
    out = Path(output) if output else default_output(Path(trace_path), kind)
    try:
        rendered = draw(document, kind, fmt, out, Path(spec_path) if spec_path else None, max_states)
    except PictureError as error:
        _fail(f"error: {error}")
    except SpecError as error:
        stderr.print(Text(error.render()))
        sys.exit(EXIT_USAGE)
    if rendered.missing_graphviz:
        from explorer.render.dot import INSTALL_HINT

        stderr.print(Text(f"wrote {rendered.dot}; Graphviz is not installed: {INSTALL_HINT}"))
        sys.exit(EXIT_INCOMPLETE)
    stdout.print(Text(f"wrote {rendered.picture}"))


def _read_trace(trace_path: str) -> dict[str, Any]:
    try:
        document = json.loads(Path(trace_path).read_text(encoding="utf-8"))
    except OSError as error:
        _fail(f"error: cannot read {trace_path}: {error.strerror or error}")
    except json.JSONDecodeError as error:
        _fail(f"error: {trace_path}:{error.lineno}:{error.colno}: not JSON: {error.msg}")
    if not isinstance(document, dict) or not isinstance(document.get("states"), list):
        _fail(f"error: {trace_path} is not an ITF trace (it needs a list of states)")
    return document


from editor.cli import fmt, lsp  # noqa: E402

main.add_command(fmt)
main.add_command(lsp)

if __name__ == "__main__":  # pragma: no cover
    main()
