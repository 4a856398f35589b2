"""Values on the command line mean what they mean in the language: `--const` takes exactly the literals a
spec may write, and a bound is a finite number; anything else is exit 2 with a message, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from faultline.cli import main
from tests.conftest import SPECS

TWO_PC = str(SPECS / "two_phase_commit.fl")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "value",
    [
        "1_000",
        "٣",
        "３",
        "+3",
        "0x10",
        "1e3",
        "3.0",
        "",
        "abc",
        "True",
        "99999999999",
        "-99999999999",
        "1" * 5000,
    ],
)
def test_const_refuses_what_a_spec_could_not_write(value: str) -> None:
    code, out = invoke("check", TWO_PC, "-m", "classic", "--const", f"N={value}")
    assert code == 2, out
    assert "error: --const" in out and "Traceback" not in out


@pytest.mark.parametrize(("value", "states"), [("3", 288), ("003", 288), (" 4 ", 1568)])
def test_const_takes_the_literals_of_the_language(tmp_path: Path, value: str, states: int) -> None:
    code, out = invoke(
        "check",
        TWO_PC,
        "-m",
        "classic",
        "--json",
        "--no-symmetry",
        "--const",
        f"N={value}",
        "--out",
        str(tmp_path),
    )
    assert code == 0, out
    assert f'"distinct_states": {states}' in out


def test_a_boolean_constant_takes_true_or_false_and_nothing_else(tmp_path: Path) -> None:
    code, _ = invoke("check", TWO_PC, "-m", "classic", "-c", "WAIT_FOR_ALL=false", "--out", str(tmp_path))
    assert code == 1
    code, out = invoke("check", TWO_PC, "-m", "classic", "-c", "WAIT_FOR_ALL=False")
    assert code == 2 and "true/false" in out


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "infinity", "0", "-1", "1e3", "1_0", "٣", ""])
def test_max_seconds_must_be_a_positive_finite_number(value: str) -> None:
    for command in (
        ["check", TWO_PC],
        ["bmc", TWO_PC, "--depth", "1"],
        ["prove", TWO_PC],
        ["simulate", TWO_PC],
    ):
        code, out = invoke(*command, "--max-seconds", value)
        assert code == 2, (command, out)
        assert "--max-seconds" in out and "Traceback" not in out


@pytest.mark.parametrize("value", ["1_000", "٣", "1.5", "-1", "99999999999999999999999"])
def test_counts_are_plain_ascii_whole_numbers(value: str) -> None:
    code, out = invoke("check", TWO_PC, "--max-states", value)
    assert code == 2 and "--max-states" in out


@pytest.mark.parametrize("name", ["", " ", "a\x00b"])
def test_a_file_name_must_be_one(name: str) -> None:
    for command in (
        ["check", name],
        ["render", name],
        ["fmt", name],
        ["replay", name, TWO_PC],
        ["check", TWO_PC, "--out", name],
        ["check", TWO_PC, "--report", name],
    ):
        code, out = invoke(*command)
        assert code == 2 and "Invalid value" in out, (command, out)
