"""`faultline fmt` and `faultline lsp` on the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from faultline.cli import main
from spec.printer import format_text
from tests.conftest import SPECS

MESSY = "node A {\n    var x:0..3=0;var y: bool = false\n  on start { x=1; y = true }\n}\n"
TIDY = "node A {\n  var x: 0..3 = 0\n  var y: bool = false\n  on start {\n    x = 1\n    y = true\n  }\n}\n"


def test_every_example_spec_is_formatted() -> None:
    examples = sorted(str(p) for p in SPECS.glob("*.fl"))
    assert examples
    result = CliRunner().invoke(main, ["fmt", "--check", *examples])
    assert result.exit_code == 0, result.output
    assert f"{len(examples)} files left unchanged" in result.output


def test_check_names_the_files_that_would_change_and_changes_nothing(tmp_path: Path) -> None:
    messy, tidy = tmp_path / "messy.fl", tmp_path / "tidy.fl"
    messy.write_text(MESSY, encoding="utf-8")
    tidy.write_text(TIDY, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--check", str(messy), str(tidy)])
    assert result.exit_code == 1
    assert f"would reformat {messy}" in result.output
    assert str(tidy) not in result.output.replace(str(messy), "")
    assert messy.read_text(encoding="utf-8") == MESSY


def test_fmt_rewrites_files_in_place(tmp_path: Path) -> None:
    path = tmp_path / "messy.fl"
    path.write_text(MESSY, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == TIDY
    assert f"reformatted {path}" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["messy.fl"]  # no temporary file left behind
    again = CliRunner().invoke(main, ["fmt", "--check", str(path)])
    assert again.exit_code == 0


def test_a_spec_with_errors_is_reported_like_check_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "broken.fl"
    text = "node A {\n  var x: 0..3 = 0\n  on start { x = nope }\n}\n"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3:18: error[FL200]: unknown name 'nope'" in result.output
    assert "1 error in" in result.output
    assert path.read_text(encoding="utf-8") == text
    check = CliRunner().invoke(main, ["check", str(path)])
    assert check.exit_code == 2
    assert f"{path}:3:18: error[FL200]: unknown name 'nope'" in check.output


def test_fmt_reads_standard_input() -> None:
    result = CliRunner().invoke(main, ["fmt", "-"], input=MESSY)
    assert result.exit_code == 0
    assert result.stdout == TIDY
    checked = CliRunner().invoke(main, ["fmt", "--check", "-"], input=MESSY)
    assert checked.exit_code == 1


def test_fmt_output_is_the_printers(tmp_path: Path) -> None:
    source = (SPECS / "alternating_bit.fl").read_text(encoding="utf-8")
    path = tmp_path / "a.fl"
    path.write_text(source.replace("  ", "    "), encoding="utf-8")
    CliRunner().invoke(main, ["fmt", str(path)])
    assert path.read_text(encoding="utf-8") == format_text(source.replace("  ", "    "))


def test_lsp_answers_initialize_over_stdio() -> None:
    body = b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}'
    exit_ = b'{"jsonrpc":"2.0","method":"exit"}'
    message = b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(m), m) for m in (body, exit_))
    done = subprocess.run(
        [sys.executable, "-m", "faultline.cli", "lsp", "--stdio"],
        input=message,
        capture_output=True,
        timeout=60,
    )
    assert b'"name": "faultline"' in done.stdout or b'"name":"faultline"' in done.stdout
    assert b"documentFormattingProvider" in done.stdout
    assert b"hoverProvider" in done.stdout
