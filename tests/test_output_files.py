"""Output files: every path is checked before the work starts (exit 2, nothing lost after a long search);
files are written whole, with the usual mode (the umask, or the mode of the file they replace), and through
symbolic links to their targets."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import explorer.run
from faultline.cli import main
from tests.conftest import SPECS

RETRY = str(SPECS / "retry_increment.fl")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture
def no_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a search starts: the output paths must be refused first."""

    def searched(*args: object, **kwargs: object) -> None:
        raise AssertionError("the search ran before the output path was checked")

    monkeypatch.setattr(explorer.run, "explore", searched)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _unwritable_directory(tmp_path: Path) -> Path:
    if IS_ROOT:
        if not Path("/proc/self").exists():
            pytest.skip("no directory is read-only for root here")
        return Path("/proc/faultline-out")  # not even root can create files under /proc
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "out"


@pytest.mark.usefixtures("no_search")
def test_out_that_cannot_be_a_directory_is_refused_before_the_search(tmp_path: Path) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for out in (str(a_file), os.devnull, str(a_file / "below"), "", str(_unwritable_directory(tmp_path))):
        for command in (
            ["check", RETRY],
            ["bmc", RETRY, "--depth", "2"],
            ["simulate", RETRY],
            ["prove", RETRY],
        ):
            code, output = invoke(*command, "--out", out)
            assert code == 2, (command, out, output)
            assert "--out" in output.splitlines()[-1] and "Traceback" not in output


@pytest.mark.usefixtures("no_search")
def test_report_that_cannot_be_written_is_refused_before_the_search(tmp_path: Path) -> None:
    for report in ("", str(tmp_path), os.devnull, str(_unwritable_directory(tmp_path) / "r.html")):
        code, output = invoke("check", RETRY, "--out", str(tmp_path / "out"), "--report", report)
        assert code == 2, (report, output)
        assert "--report" in output.splitlines()[-1] and "Traceback" not in output


def test_render_output_under_a_file_is_refused(tmp_path: Path) -> None:
    code, _ = invoke("check", RETRY, "-m", "naive_lossy", "--out", str(tmp_path))
    trace = tmp_path / "retry_increment" / "naive_lossy" / "applied_once.itf.json"
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    code, output = invoke("render", str(trace), "-o", str(a_file / "x.svg"))
    assert code == 2 and "is not a directory" in output and "Traceback" not in output


@pytest.mark.usefixtures("umask_022")
def test_trace_and_picture_files_get_the_usual_mode(tmp_path: Path) -> None:
    code, _ = invoke(
        "check", RETRY, "-m", "naive_lossy", "--out", str(tmp_path), "--report", str(tmp_path / "r.html")
    )
    assert code == 0
    folder = tmp_path / "retry_increment" / "naive_lossy"
    written = [folder / "applied_once.itf.json", folder / "applied_once.txt", tmp_path / "r.html"]
    code, _ = invoke("render", str(written[0]), "--format", "dot", "-o", str(tmp_path / "chart.svg"))
    assert code == 0
    written.append(tmp_path / "chart.dot")
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


@pytest.mark.usefixtures("umask_022")
def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    trace = tmp_path / "retry_increment" / "naive_lossy" / "applied_once.txt"
    trace.parent.mkdir(parents=True)
    trace.write_text("old")
    trace.chmod(0o640)
    invoke("check", RETRY, "-m", "naive_lossy", "--out", str(tmp_path))
    assert trace.read_text() != "old"
    assert stat.S_IMODE(trace.stat().st_mode) == 0o640


def test_fmt_keeps_the_mode_and_formats_the_target_of_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real.fl"
    target.write_text("node A {var x: 0..3 = 0}\n")
    target.chmod(0o664)
    link = tmp_path / "link.fl"
    link.symlink_to(target)
    code, output = invoke("fmt", str(link))
    assert code == 0, output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "node A {\n  var x: 0..3 = 0\n}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o664


@pytest.mark.skipif(IS_ROOT, reason="root may write a read-only file")
def test_fmt_says_when_it_cannot_write_a_file(tmp_path: Path) -> None:
    path = tmp_path / "x.fl"
    path.write_text("node A {var x: 0..3 = 0}\n")
    tmp_path.chmod(0o555)
    try:
        code, output = invoke("fmt", str(path))
    finally:
        tmp_path.chmod(0o755)
    assert code == 2 and f"cannot write {path}" in output


def test_render_states_of_a_trace_with_a_spec_that_lacks_its_model(tmp_path: Path) -> None:
    invoke("check", RETRY, "-m", "naive_lossy", "--out", str(tmp_path))
    trace = tmp_path / "retry_increment" / "naive_lossy" / "applied_once.itf.json"
    assert json.loads(trace.read_text())["#meta"]["model"] == "naive_lossy"
    other = str(SPECS / "two_phase_commit.fl")
    code, output = invoke(
        "render", str(trace), "--kind", "states", "--spec", other, "-o", str(tmp_path / "s.svg")
    )
    assert (
        code == 2
        and "spec two_phase_commit has no model 'naive_lossy'" in output
        and "Traceback" not in output
    )
