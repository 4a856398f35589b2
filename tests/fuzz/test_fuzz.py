"""A fixed-seed budget of fuzzing in every run of the suite (about a minute on two cores): mutated specs,
mutated command lines and corrupted trace files each end in a located diagnostic, a clean verdict or a clear
error — never a traceback, never exit 4. `scripts/fuzz.py` runs the same campaigns at any size."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz import fuzzing

pytestmark = pytest.mark.skipif(
    not fuzzing.environment_ok(), reason="the fuzzers time inputs out with signals"
)

SEED = 20260101


def _assert_clean(tally: fuzzing.Tally) -> None:
    assert tally.failed == 0, (
        fuzzing.summary(tally)
        + "\n\n"
        + "\n\n".join(f"{key}\n{example[-3000:]}" for key, example in sorted(tally.failures.items()))
    )


def test_mutated_specs() -> None:
    tally = fuzzing.Tally()
    rng = random.Random(SEED)
    seeds = fuzzing.seed_specs()
    for _ in range(900):
        fuzzing.run_spec(fuzzing.mutate_spec(rng.choice(seeds), rng), tally)
    _assert_clean(tally)
    assert tally.outcomes["spec:verdict"] > 50 and tally.outcomes["spec:diagnostic"] > 300  # it reaches both


def test_mutated_command_lines(tmp_path: Path) -> None:
    tally = fuzzing.Tally()
    rng = random.Random(SEED)
    bases = fuzzing.base_commands(tmp_path, fuzzing.traces(tmp_path)[0])
    for _ in range(120):
        fuzzing.run_command(fuzzing.mutate_command(rng.choice(bases), rng), tally, "command", tmp_path)
    _assert_clean(tally)


def test_corrupted_traces(tmp_path: Path) -> None:
    tally = fuzzing.Tally()
    rng = random.Random(SEED)
    originals = [(path.read_bytes(), fuzzing.spec_of(path)) for path in fuzzing.traces(tmp_path)]
    for _ in range(250):
        data, spec_path = rng.choice(originals)
        fuzzing.run_trace(fuzzing.corrupt_trace(data, rng), spec_path, tmp_path, tally, rng)
    _assert_clean(tally)
    assert tally.outcomes["trace:error"] > 100 and tally.outcomes["trace:verdict"] > 50


def test_mutated_specs_through_the_real_command_line(tmp_path: Path) -> None:
    """A few mutants as bytes (invalid UTF-8 and NUL bytes included) through the `faultline` program."""
    tally = fuzzing.Tally()
    rng = random.Random(SEED)
    seeds = fuzzing.seed_specs()
    path = tmp_path / "mutant.fl"
    for _ in range(6):
        data = fuzzing.mutate_spec(rng.choice(seeds), rng).encode("utf-8", "surrogatepass")
        if rng.random() < 0.5:
            at = rng.randrange(len(data) + 1)
            data = data[:at] + bytes([rng.choice([0x80, 0xFF, 0x00])]) + data[at:]
        path.write_bytes(data)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "faultline.cli",
                "check",
                str(path),
                "--max-seconds",
                "5",
                "--max-states",
                "2000",
                "--out",
                str(tmp_path / "out"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=fuzzing.ROOT,
        )
        outcome, key = fuzzing.classify(done.returncode, done.stdout + done.stderr, None)
        tally.add("cli", outcome, f"cli: {key}", f"{data!r}\n{done.stderr[-3000:]}")
    _assert_clean(tally)
