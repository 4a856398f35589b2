"""The commands for editing specs: `faultline fmt` (the canonical formatter) and `faultline lsp` (the
language server). Registered on the `faultline` group at the end of faultline/cli.py.

Exit codes as for the other commands: 0 nothing to do (or done), 1 `fmt --check` found a file that would
change, 2 a spec has errors (printed as `faultline check` prints them) or cannot be read or written, 4 an
internal error (the formatter refused a result that would change the spec's meaning), reported for that
file while the others are still formatted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

import spec
from spec.crash import doing
from spec.crash import report as crash_report
from spec.diagnostics import InternalError, SpecError
from spec.files import write_atomic
from spec.options import FileName, debugging
from spec.printer import format_text

EXIT_OK, EXIT_CHANGED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 4


def _format_one(path: str, text: str) -> str:
    """`text` formatted; SpecError if the spec has errors (of any kind, as `faultline check` would say)."""
    spec.load(text, path)
    return format_text(text, path)


@click.command()
@click.argument("paths", metavar="SPEC...", nargs=-1, required=True, type=FileName())
@click.option(
    "--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file would be reformatted."
)
def fmt(paths: tuple[str, ...], check_only: bool) -> None:
    """Format specs in place: two-space indents, one statement a line, comments kept.

    `-` reads a spec on standard input and writes it formatted to standard output."""
    worst = EXIT_OK
    changed = unchanged = 0
    for path in paths:
        try:
            text = sys.stdin.read() if path == "-" else spec.read_text(path)
        except OSError as error:
            click.echo(f"error: cannot read {path}: {error.strerror or error}", err=True)
            worst = max(worst, EXIT_USAGE)
            continue
        except UnicodeDecodeError:
            click.echo(f"error: {path} is not UTF-8 text", err=True)
            worst = max(worst, EXIT_USAGE)
            continue
        try:
            with doing(f"formatting {path}"):
                formatted = _format_one("<stdin>" if path == "-" else path, text)
        except SpecError as error:
            count = len(error.diagnostics)
            click.echo(error.render(), err=True)
            click.echo(f"\n{count} error{'s' if count != 1 else ''} in {path}", err=True)
            worst = max(worst, EXIT_USAGE)
            continue
        except InternalError as error:
            with doing(f"formatting {path}"):
                click.echo(crash_report(error, debugging()), err=True)
            worst = max(worst, EXIT_INTERNAL)
            continue
        if path == "-":
            if check_only and formatted != text:
                worst = max(worst, EXIT_CHANGED)
            elif not check_only:
                click.echo(formatted, nl=False)
            continue
        if formatted == text:
            unchanged += 1
            continue
        changed += 1
        if check_only:
            click.echo(f"would reformat {path}", err=True)
            worst = max(worst, EXIT_CHANGED)
        else:
            try:
                write_atomic(Path(path), formatted)  # through a symbolic link to its target, keeping the mode
            except OSError as error:
                click.echo(f"error: cannot write {path}: {error.strerror or error}", err=True)
                worst = max(worst, EXIT_USAGE)
                continue
            click.echo(f"reformatted {path}", err=True)
    if changed or unchanged:
        verb = "would be reformatted" if check_only else "reformatted"
        parts = []
        if changed:
            parts.append(f"{changed} file{'s' if changed != 1 else ''} {verb}")
        if unchanged:
            parts.append(f"{unchanged} file{'s' if unchanged != 1 else ''} left unchanged")
        click.echo(", ".join(parts), err=True)
    sys.exit(worst)


@click.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the default and only way).")
def lsp(stdio: bool) -> None:
    """Run the language server (LSP over stdio) for editors."""
    from editor.lsp import serve  # pygls is only loaded for this command

    serve()
