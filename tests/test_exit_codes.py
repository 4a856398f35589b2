"""Exit codes: 0 holds, 1 violated, 2 a wrong spec or command line, 3 stopped early, 4 faultline's own failure
— which is reported in a few lines (what it was doing, that it is a bug, where the traceback is), with the
traceback itself only under --debug (or FAULTLINE_DEBUG=1)."""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import explorer.run
import spec
from faultline.cli import main
from spec.diagnostics import InternalError
from tests.conftest import ROOT, SPECS

RETRY = str(SPECS / "retry_increment.fl")


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("something inside faultline broke")


def test_an_unexpected_exception_exits_4_with_a_short_report_and_the_traceback_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(explorer.run, "verdicts", _boom)
    result = CliRunner().invoke(main, ["check", RETRY, "--out", str(tmp_path)])
    assert result.exit_code == 4
    assert isinstance(result.exception, SystemExit)
    err = result.stderr
    assert "faultline failed while running `check` on model naive_reliable of" in err
    assert "RuntimeError: something inside faultline broke" in err
    assert "This is a bug in faultline" in err and "--debug" in err
    assert "Traceback" not in err
    saved = Path(err.split("The traceback is in ")[1].split(";")[0])
    assert "Traceback (most recent call last)" in saved.read_text() and "_boom" in saved.read_text()
    saved.unlink()


@pytest.mark.parametrize("how", ["option", "environment"])
def test_debug_prints_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    monkeypatch.setattr(explorer.run, "verdicts", _boom)
    args, env = (["--debug"], {}) if how == "option" else ([], {"FAULTLINE_DEBUG": "1"})
    result = CliRunner(env=env).invoke(main, [*args, "check", RETRY, "--out", str(tmp_path)])
    assert result.exit_code == 4
    assert "Traceback (most recent call last)" in result.stderr and "in _boom" in result.stderr
    assert "faultline failed while" in result.stderr


def test_an_internal_error_exits_4_never_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise InternalError("the back ends disagree")

    monkeypatch.setattr(explorer.run, "verdicts", broken)
    result = CliRunner().invoke(main, ["check", RETRY, "--out", str(tmp_path)])
    assert result.exit_code == 4
    assert "internal error: the back ends disagree" in result.stderr


def test_ctrl_c_while_loading_is_an_interrupt_not_click_aborted(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(spec, "load", interrupted)
    result = CliRunner().invoke(main, ["check", RETRY])
    assert result.exit_code == 3
    assert f"interrupted while loading {RETRY}" in result.stderr
    assert "Aborted" not in result.output


def test_a_full_disk_stops_the_run_with_exit_3_and_says_what_it_was_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "trace.itf.json")

    monkeypatch.setattr(explorer.run, "write_atomic", full)
    result = CliRunner().invoke(main, ["check", RETRY, "--out", str(tmp_path)])
    assert result.exit_code == 3
    assert "No space left on device (trace.itf.json)" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("delay", [0.05, 0.5, 1.5])
def test_ctrl_c_at_any_moment_of_starting_or_loading_exits_3_without_a_traceback(
    tmp_path: Path, delay: float
) -> None:
    big = tmp_path / "big.fl"  # a spec that takes a few seconds to load
    big.write_text(
        "node A { var x: 0..3 = 0 }\n" + "".join(f"invariant i{k}: A.x <= {k} + 3\n" for k in range(6000))
    )
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("faultline")), "check", str(big), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 3, err
    assert "interrupted while" in err
    assert "Traceback" not in err and "Aborted" not in err
