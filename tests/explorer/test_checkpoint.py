"""Checkpoints: a run killed with SIGKILL in the middle of its search resumes from its last save to the
counts and verdicts of a run never stopped — under symmetry reduction too, whose numbering the save keeps —
and a save is resumed only for the spec text, model and options it was made for."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import faultline
from tests.conftest import ROOT, SPECS

PAXOS = str(SPECS / "paxos.fl")


def _counts(document: dict[str, Any]) -> dict[str, tuple[str, int, int, int]]:
    return {
        r["property"]: (r["verdict"], r["distinct_states"], r["generated_states"], r["depth"])
        for r in document["results"]
    }


def test_a_killed_run_resumes_to_the_counts_of_a_run_never_stopped(tmp_path: Path) -> None:
    whole = faultline.check(PAXOS, "lossy")
    expected = {
        r.property: (str(r.verdict), r.stats.distinct, r.stats.generated, r.stats.depth)
        for r in whole.results
    }
    saves = tmp_path / "saves"
    command = [sys.executable, "-m", "faultline.cli", "check", PAXOS, "-m", "lossy", "--json"]
    process = subprocess.Popen(
        [*command, "--out", str(tmp_path / "a"), "--checkpoint", str(saves), "--checkpoint-every", "0.1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    save = saves / "paxos" / "lossy.checkpoint"
    deadline = time.monotonic() + 60
    while not save.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert save.exists()
    resumed = subprocess.run(
        [*command, "--out", str(tmp_path / "b"), "--resume", str(saves)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert _counts(json.loads(resumed.stdout)) == expected
    assert expected["agreement"][1] == 54_181  # the symmetric count, as without a stop


def test_a_save_is_resumed_only_for_what_it_was_made_for(tmp_path: Path) -> None:
    saves = tmp_path / "saves"
    base = [sys.executable, "-m", "faultline.cli", "check", PAXOS, "-m", "crash_recovery", "--json"]
    made = subprocess.run(
        [*base, "--out", str(tmp_path / "a"), "--checkpoint", str(saves), "--checkpoint-every", "0.001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert (saves / "paxos" / "crash_recovery.checkpoint").exists()
    other = subprocess.run(
        [*base, "--out", str(tmp_path / "b"), "--resume", str(saves), "--no-symmetry"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert other.returncode == 2
    assert "was written for another spec text, model or options" in other.stderr
    missing = subprocess.run(
        [*base, "--out", str(tmp_path / "c"), "--resume", str(tmp_path / "nowhere")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2 and "no such folder" in missing.stderr
