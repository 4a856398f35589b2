"""Long fuzzing runs: mutated specs, mutated command lines and corrupted trace files, then the counts.

    uv run python scripts/fuzz.py --specs 50000 --traces 10000 --commands 2000 --cli 300 --seed 1

Specs, command lines and traces run in this process (through the functions, or click's test runner);
`--cli` runs that many mutated specs through the real `faultline` command as well. Prints the inputs, the
outcomes by kind and every distinct failure (a traceback, exit 4, a diagnostic without a place, an input
that ran too long); exits 1 if there was any. `--show` prints one example of each failure.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz import fuzzing  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--specs", type=int, default=1000, help="mutated specs, in process")
    parser.add_argument("--traces", type=int, default=200, help="corrupted traces, through replay and render")
    parser.add_argument("--commands", type=int, default=200, help="mutated command lines, in process")
    parser.add_argument("--cli", type=int, default=20, help="mutated specs through the real command line")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print an example of each failure")
    args = parser.parse_args()
    tally = fuzzing.Tally()
    started = time.perf_counter()
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="faultline-fuzz-") as scratch:
        folder = Path(scratch)
        try:
            _specs(args.specs, args.seed, tally)
            _commands(args.commands, args.seed, folder, tally)
            _traces(args.traces, args.seed, folder, tally)
            _real_command_line(args.cli, args.seed, folder, tally)
        except KeyboardInterrupt:  # a long run stopped by hand still reports what it did
            interrupted = True
    print(fuzzing.summary(tally))
    if interrupted:
        print("interrupted: the counts above are of the inputs run so far")
    print(f"seed {args.seed}, {time.perf_counter() - started:.0f} s")
    if args.show:
        for key, example in sorted(tally.failures.items()):
            print(f"\n==== {key}\n{example[-4000:]}")
    return 1 if tally.failed else 0


def _progress(what: str, done: int, total: int, tally: fuzzing.Tally) -> None:
    if done % 1000 == 0 or done == total:
        print(f"  {what}: {done:,}/{total:,}, failures so far {tally.failed}", file=sys.stderr, flush=True)
        for key in sorted(tally.failures):  # as they come, so that a long run shows them before it ends
            if key not in _shown:
                _shown.add(key)
                print(f"  failure: {key}", file=sys.stderr, flush=True)


_shown: set[str] = set()


def _specs(count: int, seed: int, tally: fuzzing.Tally) -> None:
    rng = random.Random(seed)
    seeds = fuzzing.seed_specs()
    for k in range(1, count + 1):
        fuzzing.run_spec(fuzzing.mutate_spec(rng.choice(seeds), rng), tally)
        _progress("specs", k, count, tally)


def _commands(count: int, seed: int, folder: Path, tally: fuzzing.Tally) -> None:
    if not count:
        return
    rng = random.Random(seed + 1)
    trace = fuzzing.traces(folder)[0]
    bases = fuzzing.base_commands(folder, trace)
    for k in range(1, count + 1):
        fuzzing.run_command(fuzzing.mutate_command(rng.choice(bases), rng), tally, "command", folder)
        _progress("command lines", k, count, tally)


def _traces(count: int, seed: int, folder: Path, tally: fuzzing.Tally) -> None:
    if not count:
        return
    rng = random.Random(seed + 2)
    originals = [(path.read_bytes(), fuzzing.spec_of(path)) for path in fuzzing.traces(folder)]
    for k in range(1, count + 1):
        data, spec_path = rng.choice(originals)
        fuzzing.run_trace(fuzzing.corrupt_trace(data, rng), spec_path, folder, tally, rng)
        _progress("traces", k, count, tally)


def _real_command_line(count: int, seed: int, folder: Path, tally: fuzzing.Tally) -> None:
    """Mutated specs written as bytes (so that invalid UTF-8 and NUL bytes reach the reader) and checked by
    the `faultline` program itself."""
    rng = random.Random(seed + 3)
    seeds = fuzzing.seed_specs()
    path = folder / "mutant.fl"
    for k in range(1, count + 1):
        data = fuzzing.mutate_spec(rng.choice(seeds), rng).encode("utf-8", "surrogatepass")
        if rng.random() < 0.2:
            at = rng.randrange(len(data) + 1)
            data = data[:at] + bytes([rng.choice([0x80, 0xFF, 0xC0, 0x00])]) + data[at:]
        path.write_bytes(data)
        command = [
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
            str(folder / "cli-out"),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
        except subprocess.TimeoutExpired:
            tally.add("cli", "slow", "cli: slow", data.decode("utf-8", "replace"))
            continue
        outcome, key = fuzzing.classify(done.returncode, done.stdout + done.stderr, None)
        tally.add("cli", outcome, f"cli: {key}", f"{data!r}\n{done.stderr[-3000:]}")
        _progress("real command lines", k, count, tally)


if __name__ == "__main__":
    sys.exit(main())
