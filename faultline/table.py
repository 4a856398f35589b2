"""The results of one spec as a person reads them: a matrix of models × properties when it fits the
width, otherwise one line per model and property; then a line per model (counts, time, warnings) and
where each counterexample went."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from explorer.result import Engine, PropertyResult, Verdict
from faultline.run import NOT_RUN, Report


def cell(r: PropertyResult) -> Text:
    """A verdict as a table cell, marked when it is not the one the model expects."""
    depth = r.stats.depth
    if r.verdict == Verdict.HOLDS:
        if r.backend == Engine.PROVE:
            text, style = f"proved ({depth}-induction)", "green"
        elif r.backend == Engine.SIMULATE:
            text, style = "no violation found", "green"
        else:
            within = f" within {depth} steps" if r.backend == Engine.BMC else ""
            text, style = f"holds{within}", "green"
    elif r.verdict == Verdict.VIOLATED:
        steps = r.trace_length or 0
        text = f"VIOLATED in {steps} step{'s' if steps != 1 else ''}"
        style = "yellow" if r.matches else "bold red"
    elif r.backend == Engine.PROVE and r.trace_length is not None:
        text = f"not inductive (CTI in {r.trace_length} step{'s' if r.trace_length != 1 else ''})"
        style = "yellow"
    else:
        text, style = "incomplete", "yellow"
    if r.mismatch() is not None:
        text += f" (expected {r.expected})"
        style = "bold red"
    elif r.inconclusive:
        text += f" (expected {r.expected}: not found within these bounds)"
        style = "yellow"
    elif r.matches and r.verdict == Verdict.VIOLATED:
        text += " (expected)"
    return Text(text, style=style)


def _size(rows: list[PropertyResult]) -> str:
    stats = rows[0].stats
    if rows[0].backend.counts_states:
        return f"{stats.distinct:,}"
    return f"depth {stats.depth}" if rows[0].backend == Engine.BMC else f"k={stats.depth}"


def _matrix(report: Report, by_model: dict[str, list[PropertyResult]], properties: list[str]) -> Table:
    table = Table(title=f"{report.spec} ({report.source})", title_justify="left")
    table.add_column("model", no_wrap=True)
    table.add_column("states" if report.engine == Engine.EXPLORER else "explored", justify="right")
    for prop in properties:
        table.add_column(prop, no_wrap=True)
    table.add_column("bounds (what a verdict covers)", style="dim")
    for name, rows in by_model.items():
        cells = {r.property: r for r in rows}
        row: list[Text | str] = [name, _size(rows)]
        row.extend(cell(cells[p]) if p in cells else "" for p in properties)
        row.append(rows[0].bounds)
        table.add_row(*row)
    return table


def _lines(report: Report, by_model: dict[str, list[PropertyResult]]) -> Table:
    """One line per model and property: for a matrix too wide for the screen."""
    table = Table(title=f"{report.spec} ({report.source})", title_justify="left")
    table.add_column("model", overflow="fold")  # a long name broken over lines, never cut short
    table.add_column("property", overflow="fold")
    table.add_column("verdict")
    for name, rows in by_model.items():
        for r in rows:
            table.add_row(name, r.property, cell(r))
    return table


def _width(table: Table, console: Console) -> int:
    """The narrowest the table can be: only its last column (the bounds) may wrap."""
    return console.measure(table, options=console.options.update(width=10_000)).minimum


def print_report(console: Console, report: Report) -> None:
    properties: list[str] = []
    for r in report.results:
        if r.property not in properties:
            properties.append(r.property)
    by_model: dict[str, list[PropertyResult]] = {}
    for name in report.models:
        rows = [r for r in report.results if r.model == name]
        if rows:
            by_model[name] = rows
    matrix = _matrix(report, by_model, properties)
    if _width(matrix, console) <= console.width:
        console.print(matrix)
    else:
        console.print(_lines(report, by_model))
        for name, rows in by_model.items():
            console.print(Text(f"{name}: {rows[0].bounds}", style="dim"))
    for name, rows in by_model.items():
        stats = rows[0].stats
        if rows[0].backend.counts_states:
            summary = (
                f"{stats.distinct:,} distinct states, {stats.generated:,} generated, depth {stats.depth}, "
                f"{stats.seconds:.2f} s ({stats.rate:,.0f} states/s)"
                + (f", on {stats.shards} workers" if stats.shards > 1 else "")
            )
        else:
            summary = f"{stats.seconds:.2f} s"
        console.print(Text(f"{name}: {summary}"))
        if rows[0].warning:
            console.print(Text(f"  warning: {rows[0].warning}", style="yellow"))
        for r in rows:
            if r.verdict == Verdict.INCOMPLETE and r.reason:
                console.print(Text(f"  {r.property}: incomplete ({r.reason})", style="yellow"))
                break
        for r in rows:
            if r.verdict == Verdict.VIOLATED and r.counterexample:
                console.print(Text(f"  {r.property}: counterexample in {r.counterexample} (and .itf.json)"))
                if not r.shortest:
                    console.print(Text(f"    {_not_shortest(r)}", style="yellow"))
    for name, why in report.stopped.items():
        said = why if why.startswith(NOT_RUN) else f"stopped before its search began ({why})"
        console.print(Text(f"{name}: {said}", style="yellow"))
    for r in report.mismatches:
        console.print(Text(r.mismatch() or "", style="bold red"))


def _not_shortest(r: PropertyResult) -> str:
    """Why a counterexample may not be a shortest one, and how to get one."""
    if r.backend == Engine.SIMULATE:
        return "a random run: `faultline check` finds a shortest counterexample"
    if r.stats.reduced:
        return (
            f"found under partial-order reduction: a shorter one may exist "
            f"(--shorten searches again without it, up to {r.trace_length} steps)"
        )
    return "found depth-first: a shorter one may exist (breadth-first, without --dfs, finds a shortest)"
