"""The command line contract: output shapes, exit codes, trace files, replay, interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from faultline.cli import main
from tests.conftest import ROOT, SPECS

TWO_PC = str(SPECS / "two_phase_commit.fl")
RETRY = str(SPECS / "retry_increment.fl")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_json_reports_every_property_with_the_documented_keys(tmp_path: Path) -> None:
    code, out, _ = invoke("check", TWO_PC, "-m", "classic", "--json", "--out", str(tmp_path))
    assert code == 0
    payload = json.loads(out)
    assert payload["spec"] == "two_phase_commit"
    rows = {r["property"]: r for r in payload["results"]}
    lemmas = {
        "commit_comes_from_tm",
        "abort_comes_from_tm",
        "tm_commits_when_all_prepared",
        "committed_after_commit",
        "prepared_rm_has_voted",
        "prepared_rm_aborts_only_when_told",
    }
    assert set(rows) == {"consistent", "no_runtime_errors"} | lemmas
    assert all(r["verdict"] == "holds" for r in rows.values())
    consistent = rows["consistent"]
    assert {
        "model",
        "property",
        "verdict",
        "distinct_states",
        "generated_states",
        "depth",
        "seconds",
        "trace",
        "trace_length",
    } <= set(consistent)
    assert consistent["verdict"] == "holds"
    assert consistent["distinct_states"] == 80  # one state per orbit of the symmetric RMs (TLC's count too)
    assert consistent["generated_states"] > 80
    assert consistent["bounds"].endswith("symmetry over RM")
    assert consistent["trace"] is None and consistent["trace_length"] is None


def test_a_constant_can_be_overridden_from_the_command_line(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "check", TWO_PC, "-m", "classic", "--json", "--const", "N=4", "--no-symmetry", "--out", str(tmp_path)
    )
    assert code == 0
    assert json.loads(out)["results"][0]["distinct_states"] == 1568


def test_an_expected_violation_exits_0_prints_the_matrix_and_writes_both_trace_files(tmp_path: Path) -> None:
    code, out, _ = invoke("check", RETRY, "--out", str(tmp_path))
    assert code == 0  # the violation is the one the model expects
    assert "naive_lossy" in out and "VIOLATED in 3 steps" in out and "holds" in out
    assert "asynchronous, reorder, loss<=1" in out  # the bounds are printed beside the verdicts
    folder = tmp_path / "retry_increment" / "naive_lossy"
    itf = json.loads((folder / "applied_once.itf.json").read_text())
    assert itf["#meta"]["format"] == "ITF" and itf["#meta"]["property"] == "applied_once"
    assert len(itf["states"]) == 4
    assert [s["#meta"]["index"] for s in itf["states"]] == [0, 1, 2, 3]
    assert itf["states"][1]["#meta"]["text"] == "Client: timer retry fires"
    assert itf["states"][3]["Server.counter"] == 2
    text = (folder / "applied_once.txt").read_text()
    assert "  1. Client: timer retry fires" in text
    assert "Server.counter: 1 → 2" in text
    assert "VIOLATED: applied_once" in text
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_model_and_invariant_selection(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "check", RETRY, "--json", "-m", "idempotent_lossy", "-i", "applied_once", "--out", str(tmp_path)
    )
    assert code == 0
    rows = json.loads(out)["results"]
    assert [(r["model"], r["property"], r["verdict"]) for r in rows] == [
        ("idempotent_lossy", "applied_once", "holds")
    ]


def test_command_line_mistakes_exit_2_with_a_message() -> None:
    code, _, err = invoke("check", RETRY, "-m", "nope")
    assert code == 2 and "has no model 'nope'" in err and "naive_lossy" in err
    code, _, err = invoke("check", RETRY, "-i", "nope")
    assert code == 2 and "has no property 'nope'" in err
    code, _, err = invoke("check", RETRY, "--const", "RETRIES")
    assert code == 2 and "NAME=INTEGER" in err
    code, _, err = invoke("check", RETRY, "--const", "NOPE=1")
    assert code == 2 and "has no constant 'NOPE'" in err
    code, _, err = invoke("check", "no/such/spec.fl")
    assert code == 2 and "cannot read no/such/spec.fl" in err
    code, _, err = invoke("check", RETRY, "--max-states", "0")
    assert code == 2


def test_a_state_bound_gives_incomplete_and_exit_3(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "check",
        TWO_PC,
        "-m",
        "classic",
        "--json",
        "-c",
        "N=5",
        "--max-states",
        "500",
        "--no-symmetry",
        "--out",
        str(tmp_path),
    )
    assert code == 3
    row = json.loads(out)["results"][0]
    assert row["verdict"] == "incomplete"
    assert row["reason"] == "state bound 500 reached"
    assert 500 <= row["distinct_states"] < 8832


def test_replay_says_where_a_tampered_trace_departs_from_the_spec(tmp_path: Path) -> None:
    code, _, _ = invoke("check", RETRY, "-m", "naive_lossy", "--out", str(tmp_path))
    assert code == 0
    trace = tmp_path / "retry_increment" / "naive_lossy" / "applied_once.itf.json"
    code, out, _ = invoke("replay", str(trace), RETRY)
    assert code == 0 and "reaches a state that violates applied_once" in out
    document = json.loads(trace.read_text())
    document["states"][2]["Server.counter"] = 0  # step 2 no longer follows from step 1
    tampered = tmp_path / "tampered.itf.json"
    tampered.write_text(json.dumps(document))
    code, out, _ = invoke("replay", str(tampered), RETRY)
    assert code == 1
    assert "departs from the spec at step 2" in out
    code, _, err = invoke("replay", str(tmp_path / "missing.json"), RETRY)
    assert code == 2 and "cannot read" in err


def test_an_interrupted_run_reports_how_far_it_got(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "faultline.cli",
            "check",
            TWO_PC,
            "-m",
            "classic",
            "-c",
            "N=9",
            "--json",
            "--no-symmetry",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # also when this runs in background
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 3, err
    payload = json.loads(out)
    assert payload["interrupted"] is True
    row = payload["results"][0]
    assert row["verdict"] == "incomplete" and row["reason"] == "interrupted"
    assert row["distinct_states"] > 0
    assert "Traceback" not in err


def test_time_and_memory_bounds_stop_a_search_with_a_report(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "check",
        TWO_PC,
        "-m",
        "classic",
        "-c",
        "N=9",
        "--max-seconds",
        "0.5",
        "--json",
        "--no-symmetry",
        "--out",
        str(tmp_path),
    )
    assert code == 3
    row = json.loads(out)["results"][0]
    assert row["verdict"] == "incomplete" and row["reason"] == "time bound 0.5 s reached"
    assert row["distinct_states"] > 0
    code, out, _ = invoke(
        "check",
        TWO_PC,
        "-m",
        "classic",
        "-c",
        "N=9",
        "--max-memory",
        "1",
        "--json",
        "--no-symmetry",
        "--out",
        str(tmp_path),
    )
    assert code == 3
    assert json.loads(out)["results"][0]["reason"] == "memory bound 1 MiB reached"


def test_the_lease_lock_trace_shows_the_pause_the_expiry_and_both_writes_and_fencing_holds(
    tmp_path: Path,
) -> None:
    code, out, _ = invoke("check", str(SPECS / "lease_lock.fl"), "--out", str(tmp_path))
    assert code == 0
    assert "pauses<=4 ticks of Client, clocks skew<=0, horizon 10" in out  # the bounds beside the verdicts
    text = (tmp_path / "lease_lock" / "gc_pauses" / "no_clobber.txt").read_text()
    lines = text.splitlines()

    def step_of(fragment: str) -> int:
        return next(k for k, line in enumerate(lines) if fragment in line)

    pause = step_of("Client[0] pauses")
    expiry = step_of("Lock.expires (1) is reached on Lock's clock")
    resume = step_of("Client[0] resumes after a pause of 1 tick")
    new_write = step_of("Storage receives Write(token=2) from Client[1]")
    old_write = step_of("Storage receives Write(token=1) from Client[0]")
    assert pause < expiry < resume < new_write < old_write
    assert "Storage.clobbered: false → true" in text
    code, out, _ = invoke("check", str(SPECS / "lease_fencing.fl"), "--out", str(tmp_path))
    assert code == 0 and "VIOLATED" not in out


def test_simulation_is_repeatable_by_its_seed_and_its_traces_replay(tmp_path: Path) -> None:
    outputs = []
    for folder in ("a", "b"):
        code, out, _ = invoke(
            "simulate",
            RETRY,
            "-m",
            "naive_lossy",
            "--runs",
            "30",
            "--depth",
            "15",
            "--seed",
            "7",
            "--json",
            "--out",
            str(tmp_path / folder),
        )
        assert code == 0
        (row,) = [r for r in json.loads(out)["results"] if r["property"] == "applied_once"]
        assert row["verdict"] == "violated" and row["backend"] == "simulate"
        assert "seed 7" in row["bounds"]
        assert row["trace"].endswith("naive_lossy/applied_once.simulate.itf.json")  # not check's name
        outputs.append(json.loads(Path(row["trace"]).read_text())["states"])
        code, replayed, _ = invoke("replay", row["trace"], RETRY)
        assert code == 0 and "reaches a state that violates applied_once" in replayed
    assert outputs[0] == outputs[1]  # the same seed, the same run
    code, _, _ = invoke("check", RETRY, "-m", "naive_lossy", "--out", str(tmp_path / "a"))
    shortest = tmp_path / "a" / "retry_increment" / "naive_lossy" / "applied_once.itf.json"
    assert code == 0 and shortest.exists()
    assert json.loads(Path(row["trace"]).read_text())["states"] == outputs[1]  # both kept
    code, out, _ = invoke(
        "simulate",
        RETRY,
        "-m",
        "idempotent_lossy",
        "--runs",
        "30",
        "--depth",
        "15",
        "--json",
        "--out",
        str(tmp_path / "c"),
    )
    assert code == 0
    row = json.loads(out)["results"][0]
    assert (
        row["verdict"] == "holds"
        and row["reason"] == "no violation in 30 random runs of up to 15 steps (seed 0)"
    )


def test_progress_off_a_terminal_is_a_line_every_few_seconds_and_each_violation_as_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from explorer.search import Stats
    from faultline.progress import describe

    line = describe("classic", Stats(distinct=1234, generated=5000, depth=7, queue=55, seconds=2.0))
    assert line.startswith("classic: 1,234 states, 617 states/s, depth 7, queue 55, ") and line.endswith(
        " 2.0 s"
    )
    monkeypatch.setenv("FAULTLINE_PROGRESS_SECONDS", "0")  # a line at every report of the search
    code, _, err = invoke(
        "check", TWO_PC, "-m", "classic", "-c", "N=6", "--no-symmetry", "--out", str(tmp_path)
    )
    assert code == 0
    lines = err.splitlines()
    assert any(x.startswith("two_phase_commit classic: ") and "states/s, depth" in x for x in lines), err
    assert any(x.startswith("two_phase_commit classic: done, ") for x in lines), err
    code, _, err = invoke("check", RETRY, "-m", "naive_lossy", "--out", str(tmp_path))
    assert "retry_increment naive_lossy: applied_once violated in 3 steps (found after" in err
