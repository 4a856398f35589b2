"""A stopped run always gets a report: bounds hold in every phase (the initial states, a single slow step),
domains too large to build are refused up front with a located FL503, and the Z3 back ends stop on Ctrl-C
and at their time bound with the depth they reached."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import spec
from explorer.run import CheckOptions, bmc_model, check_model, prove_model
from faultline.cli import main
from spec import SpecError
from tests.conftest import ROOT, SPECS

# 7 nodes whose clocks may each start at 7 readings: 823,543 initial states, built before any search.
MANY_STARTS = """
node A * 7 { var x: 0..3 = 0
  action go when x < 1 and clock > 100 { x = 1 } }
model m { timing synchronous { delay <= 1 } clocks { skew <= 3 } horizon 2 }
"""
# One step that runs a million iterations.
SLOW_STEP = """
node A { var x: 0..3 = 0
  action go when x < 3 { for i in 0..1000000 { x = 1 } } }
"""


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("text", "bound", "reason"),
    [
        (MANY_STARTS, ["--max-seconds", "1"], "time bound 1 s reached"),
        (MANY_STARTS, ["--max-memory", "1"], "memory bound 1 MiB reached"),
        (SLOW_STEP, ["--max-seconds", "0.5"], "time bound 0.5 s reached"),
    ],
    ids=["initial_states_time", "initial_states_memory", "slow_step_time"],
)
def test_bounds_hold_before_the_first_state_and_inside_a_step(
    tmp_path: Path, text: str, bound: list[str], reason: str
) -> None:
    path = tmp_path / "slow.fl"
    path.write_text(text)
    started = time.perf_counter()
    code, output = invoke("check", str(path), "--json", "--out", str(tmp_path / "out"), *bound)
    assert time.perf_counter() - started < 15
    assert code == 3, output
    rows = json.loads(output)["results"]
    assert {r["verdict"] for r in rows} == {"incomplete"} and {r["reason"] for r in rows} == {reason}


def _refused(text: str, model: str | None = None) -> spec.Diagnostic:
    with pytest.raises(SpecError) as raised:
        checked = spec.load(text, "big.fl")
        spec.instantiate(checked, model or spec.model_names(checked)[0])
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "FL503" and diagnostic.span.line > 0
    return diagnostic


def test_a_constant_range_too_large_to_build_is_refused_where_it_is_written() -> None:
    d = _refused(
        "const N = 1000000 * 1000000\nnode A { var x: 0..3 = 0\n  action go { for i in 0..N { x = 1 } } }\n"
    )
    assert (d.span.line, d.span.column) == (3, 24)
    assert "the range 0..1000000000000 has 1,000,000,000,001 values" in d.message
    with pytest.raises(SpecError) as raised:
        spec.instantiate(spec.load("const S = 0..2147483647\nnode A { var x: 0..3 = 0 }\n"), "default")
    assert "2,147,483,648 values" in raised.value.diagnostics[0].message


def test_a_clock_skew_with_too_many_starting_readings_is_refused_at_the_skew() -> None:
    d = _refused(
        "node A { var x: 0..3 = 0 }\n"
        "model m { timing synchronous { delay <= 1 } clocks { skew <= 100000000 } horizon 3 }\n"
    )
    assert d.span.line == 2 and "200,000,001 ways" in d.message


def test_too_many_partitions_or_byzantine_choices_are_refused() -> None:
    d = _refused("node A * 40 { var x: 0..3 = 0 }\nmodel m { network { reorder; partition <= 1 } }\n")
    assert d.span.line == 2 and "partitions" in d.message
    d = _refused("message M\nnode A * 40 { on M { skip } }\nmodel m { faults { byzantine <= 20 of A } }\n")
    assert d.span.line == 3 and "Byzantine" in d.message


def test_a_range_too_large_built_while_running_is_a_runtime_error_with_its_trace() -> None:
    checked = spec.load(
        "node A { var x: 0..2147483647 = 0\n"
        "  action go when x < 3 { for i in 0..x * 1000000000 { x = x } }\n"
        "  action inc when x < 3 { x = x + 1 } }\n"
    )
    rows = {r.property: r for r in check_model(checked, "default", CheckOptions(out_dir=None))}
    row = rows["no_runtime_errors"]
    assert row.verdict == "violated" and row.path is not None and row.path.failure is not None
    assert "too many to build" in row.path.failure[1].message


def test_prove_refuses_a_message_with_too_many_values_without_listing_them(tmp_path: Path) -> None:
    path = tmp_path / "wide.fl"
    path.write_text(
        "message M(v: -2147483647..2147483647)\nnode A { on start { send M(5) to B } }\n"
        "node B { var y: 0..3 = 0\n  on M(v) { y = 1 } }\ninvariant i: B.y < 3\n"
    )
    started = time.perf_counter()
    code, output = invoke("prove", str(path), "--out", str(tmp_path / "out"))
    assert time.perf_counter() - started < 30
    assert code == 2 and "4,294,967,295 possible values" in output


def test_bmc_and_prove_check_a_spec_without_nodes() -> None:
    checked = spec.load("const N = 3\ninvariant big: N > 2\ninvariant small: N > 5\n")
    for rows in (
        bmc_model(checked, "default", 2, CheckOptions(out_dir=None)),
        prove_model(checked, "default", 1, [], CheckOptions(out_dir=None)),
    ):
        verdicts = {r.property: r.verdict for r in rows}
        assert verdicts["small"] == "violated" and verdicts["big"] == "holds"


def test_a_recovery_handler_may_read_now_and_who_is_byzantine() -> None:
    checked = spec.load("""
node A { var x: 0..3 = 0
  ghost var seen: time = 0
  on recover { seen = now; x = 1 }
  action go when x < 1 { x = x + 1 } }
node B * 2 { ghost var y: bool = false
  on recover { if byzantine(B[0]) { y = true } } }
invariant late: A.seen <= 2
model m { timing synchronous { delay <= 1 }
  faults { crash_recovery <= 1 of A; crash_recovery <= 1 of B } horizon 3 }
""")
    rows = {r.property: r for r in check_model(checked, "m", CheckOptions(out_dir=None))}
    assert rows["late"].verdict == "violated"  # A crashes, time passes, A recovers at 3
    assert rows["no_runtime_errors"].verdict == "holds"


def test_bmc_stops_at_its_time_bound_and_says_how_deep_it_got(tmp_path: Path) -> None:
    code, output = invoke(
        "bmc",
        str(SPECS / "two_phase_commit.fl"),
        "-c",
        "N=4",
        "--depth",
        "60",
        "--max-seconds",
        "2",
        "--json",
        "--out",
        str(tmp_path),
    )
    assert code == 3, output
    (row,) = [r for r in json.loads(output)["results"] if r["property"] == "consistent"]
    assert row["verdict"] == "incomplete"
    assert row["reason"].startswith("time bound 2 s reached at depth ")


# An invariant of 40^4 quantified instances, each a membership test in a set of 80 pairs: building its Z3
# terms, before any check, takes minutes.
SLOW_TO_ENCODE = """
node A * 3 { var votes: set<(1..40, 1..2)> = {}
  action vote when len(votes) < 1 { votes = votes | {(1, 1)} } }
invariant agreement: all b in 1..40: all c in 1..40: all v in 1..2: all w in 1..2:
  ((count a in A: (b, v) in a.votes) >= 2 and (count a in A: (c, w) in a.votes) >= 2) implies v == w
"""


@pytest.mark.parametrize("command", [["bmc", "--depth", "2"], ["prove", "--k", "1"]])
def test_z3_back_ends_keep_their_time_bound_while_building_terms(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "slow.fl"
    path.write_text(SLOW_TO_ENCODE)
    started = time.perf_counter()
    code, output = invoke(
        command[0], str(path), *command[1:], "--max-seconds", "1", "--json", "--out", str(tmp_path / "out")
    )
    assert time.perf_counter() - started < 15
    assert code == 3, output
    (row,) = [r for r in json.loads(output)["results"] if r["property"] == "agreement"]
    assert row["verdict"] in ("incomplete", "unknown") and "time bound 1 s reached" in row["reason"], row


@pytest.mark.parametrize(
    ("command", "delay"),
    [
        (["bmc", "-c", "N=4", "--depth", "60"], 1.0),
        (["bmc", "-c", "N=4", "--depth", "60"], 4.0),
        (["prove", "-c", "N=5", "--k", "4"], 1.5),
        (["prove", "-c", "N=5", "--k", "4"], 3.0),
    ],
)
def test_ctrl_c_stops_z3_promptly_with_a_report_and_no_noise(
    tmp_path: Path, command: list[str], delay: float
) -> None:
    faultline = str(Path(sys.executable).with_name("faultline"))  # the program users run
    args = [
        faultline,
        command[0],
        str(SPECS / "two_phase_commit.fl"),
        *command[1:],
        "--json",
        "--out",
        str(tmp_path),
    ]
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    out, err = process.communicate(timeout=120)
    assert time.perf_counter() - sent < 20
    assert process.returncode == 3, err
    assert err.strip() == "" or err.startswith("interrupted while"), err  # no traceback, no AstRef.__del__
    if out:
        payload = json.loads(out)
        assert payload["interrupted"] is True
        reasons = [r["reason"] for r in payload["results"]] + [
            s["reason"] for s in payload.get("stopped", [])
        ]
        assert any(reason.startswith("interrupted") for reason in reasons), reasons


# 8^6 = 262,144 states: more than a second to walk for the liveness graph
MANY_CYCLES = """
node A * 6 { var x: 0..7 = 0
  action inc { x = (x + 1) % 8 } }
liveness wraps: always eventually A[0].x == 0
"""


def test_liveness_stops_at_the_time_bound_and_says_which(tmp_path: Path) -> None:
    path = tmp_path / "cycles.fl"
    path.write_text(MANY_CYCLES)
    started = time.perf_counter()
    code, output = invoke("check", str(path), "--json", "--out", str(tmp_path / "out"), "--max-seconds", "1")
    assert time.perf_counter() - started < 20
    assert code == 3, output
    (row,) = [r for r in json.loads(output)["results"] if r["property"] == "wraps"]
    assert (row["verdict"], row["reason"]) == ("incomplete", "time bound 1 s reached")


def test_a_ctrl_c_in_atomic_code_is_raised_when_the_bounded_block_is_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C in code that must run to its end waits for it; if the block of the watchdog ends first, it is
    raised as the block is left, never lost (a lost one let the next search run on)."""
    import os
    import signal

    from explorer.search import limits

    def atomic() -> None:
        os.kill(os.getpid(), signal.SIGINT)  # its handler runs here, in "atomic" code

    monkeypatch.setattr(limits, "_ATOMIC", frozenset({atomic.__code__}))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a run in the foreground
    try:
        with pytest.raises(KeyboardInterrupt), limits.watchdog(None, None):
            atomic()
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_destructor_of_a_half_built_z3_object_is_quiet_and_others_are_not() -> None:
    """A Ctrl-C inside Z3's constructors leaves objects whose destructors fail later: the program keeps
    those quiet (the report already says the run was interrupted) and prints any other such failure."""
    script = (
        "import gc, z3\n"
        "from faultline.main import _quiet_z3_destructors\n"
        "_quiet_z3_destructors()\n"
        "class Noisy:\n"
        "    def __del__(self): raise AttributeError('not from z3')\n"
        "class HalfBuilt(z3.Context):\n"
        "    def __init__(self): pass  # stopped before it set its fields\n"
        "Noisy(); HalfBuilt(); gc.collect()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert "not from z3" in done.stderr
    assert "Context.__del__" not in done.stderr and "owner" not in done.stderr
