"""Deep nesting: past spec.parser.MAX_NESTING levels a spec gets a located FL104, from every command; up to
it, every stage (each of which walks the syntax recursively) handles it, with room to spare on the stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import spec
from editor.index import analyze
from explorer.run import CheckOptions, bmc_model, check_model, prove_model
from faultline.cli import main
from spec import SpecError
from spec.parser import MAX_NESTING
from spec.printer import format_text


def _in_invariant(expr: str) -> str:
    return f"node A {{ var x: 0..3 = 0\n  action go when x < 3 {{ x = x + 1 }} }}\ninvariant i: {expr}\n"


def _in_handler(body: str) -> str:
    return f"node A {{ var x: 0..3 = 0\n  action go when x < 3 {{ {body} }} }}\ninvariant i: A.x <= 3\n"


# Each construct, nested n levels deep.
BUILDERS: dict[str, Callable[[int], str]] = {
    "not": lambda n: _in_invariant("not " * n + "(A.x > 5)"),
    "unary_minus": lambda n: _in_invariant("-" * n + "A.x <= 3"),
    "and": lambda n: _in_invariant(" and ".join(["A.x <= 3"] * n)),
    "plus": lambda n: _in_invariant(" + ".join(["A.x"] * n) + " >= 0"),
    "parentheses": lambda n: _in_invariant("(" * n + "A.x <= 3" + ")" * n),
    "braces": lambda n: _in_invariant("{" * n + "1" + "}" * n + " != {}"),
    "if_then_else": lambda n: _in_invariant("if true then " * n + "true" + " else false" * n),
    "if_blocks": lambda n: _in_handler("if x < 3 {" * n + "x = x + 1" + "}" * n),
    "for_blocks": lambda n: _in_handler(
        "".join(f"for i{k} in {{1}} {{" for k in range(n)) + "x = 1" + "}" * n
    ),
    "set_types": lambda n: f"node A {{ var s: {'set<' * n}bool{'>' * n} = {{}} }}\ninvariant i: true\n",
}


def _deepest(build: Callable[[int], str]) -> str:
    """The most deeply nested version of a construct that is still accepted."""
    lo, hi = 1, MAX_NESTING + 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            spec.load(build(mid), "deep.fl")
            lo = mid
        except SpecError as error:
            assert [d.code for d in error.diagnostics] == ["FL104"]
            hi = mid - 1
    return build(lo)


def _with_frames_in_use(frames: int, work: Callable[[], Any]) -> Any:
    """Run `work` below `frames` extra stack frames, as a deeper caller (an editor, a test runner) would."""
    return work() if frames == 0 else _with_frames_in_use(frames - 1, work)


STAGES: dict[str, Callable[[str], Any]] = {
    "load": lambda text: spec.load(text, "deep.fl"),
    "fmt": lambda text: format_text(text, "deep.fl"),
    "language_server": lambda text: analyze(text, "deep.fl"),
    "check": lambda text: check_model(spec.load(text, "deep.fl"), "default", CheckOptions(out_dir=None)),
    "bmc": lambda text: bmc_model(spec.load(text, "deep.fl"), "default", 1, CheckOptions(out_dir=None)),
    "prove": lambda text: prove_model(
        spec.load(text, "deep.fl"), "default", 1, [], CheckOptions(out_dir=None)
    ),
}


@pytest.mark.parametrize("construct", list(BUILDERS))
def test_every_stage_handles_the_deepest_nesting_accepted(construct: str) -> None:
    text = _deepest(BUILDERS[construct])
    for stage, run in STAGES.items():
        if construct == "set_types" and stage in ("bmc", "prove"):
            continue  # sets of sets of ... have no symbolic encoding of a bearable size
        try:
            _with_frames_in_use(300, lambda run=run: run(text))  # type: ignore[misc]
        except RecursionError:  # pragma: no cover - the failure this test is for
            pytest.fail(f"{stage} ran out of stack on {construct} nested {MAX_NESTING} deep")


@pytest.mark.parametrize("construct", list(BUILDERS))
def test_nesting_past_the_limit_is_a_located_error_in_every_command(construct: str, tmp_path: Path) -> None:
    text = BUILDERS[construct](3 * MAX_NESTING)
    path = tmp_path / "deep.fl"
    path.write_text(text, encoding="utf-8")
    for command in (["check", str(path)], ["bmc", str(path), "--depth", "1"], ["fmt", "--check", str(path)]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, result.output
        assert f"{path}:" in result.stderr and "error[FL104]" in result.stderr
        assert "Traceback" not in result.output
    (diagnostic,) = analyze(text, "deep.fl").diagnostics
    assert diagnostic.code == "FL104" and diagnostic.span.line > 0
