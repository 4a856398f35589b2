"""Benchmark: what each reduction saves, spec by spec — distinct states and seconds with no reduction, with
symmetry reduction, with partial-order reduction (`--por`) and with both.

Run on demand (not by the tests):  uv run python benchmarks/reductions.py [--quick]

Each row runs the full search of one model four times, each in a fresh process (so that the timing and
memory of one run do not leak into the next). The verdicts must be the same every time; the script says so,
or stops. `--quick` skips the rows that take minutes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    label: str
    spec: str
    model: str
    constants: tuple[tuple[str, int], ...] = ()
    invariants: tuple[str, ...] = ()
    slow: bool = False  # minutes, not seconds


ROWS = [
    Row("two-phase commit N=5", "two_phase_commit.fl", "classic", (("N", 5),), ("consistent",)),
    Row("two-phase commit N=7", "two_phase_commit.fl", "classic", (("N", 7),), ("consistent",), slow=True),
    Row("quorum leader N=4, partitioned", "quorum_leader.fl", "majority_partitioned", (("N", 4),)),
    Row("Paxos, lossy, ballots <= 2", "paxos.fl", "lossy"),
    Row("lease lock with GC pauses (timed)", "lease_lock.fl", "gc_pauses"),
    Row("independent workers N=4", "../tests/data/por/independent_workers.fl", "reliable", (("N", 4),)),
]
MODES = {"plain": (False, False), "symmetry": (True, False), "por": (False, True), "both": (True, True)}


def one(row: Row, symmetry: bool, por: bool) -> dict[str, object]:
    """One search, in this process: its distinct states, seconds and verdicts."""
    import spec
    from explorer.search import explore
    from explorer.semantics.system import SystemModel

    checked = spec.load_file(ROOT / "specs" / row.spec)
    system = spec.instantiate(checked, row.model, dict(row.constants))
    model = SystemModel(system, list(row.invariants) or None, symmetry=symmetry, por=por)
    started = time.perf_counter()
    result = explore(model, reduce=por)
    seconds = time.perf_counter() - started
    verdicts = {p.name: ("violated" if p.name in result.discoveries else "holds") for p in model.properties}
    return {"distinct": result.stats.distinct, "seconds": seconds, "verdicts": verdicts}


def _run(index: int, mode: str) -> dict[str, object]:
    command = [sys.executable, __file__, "--one", str(index), "--mode", mode]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return dict(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the rows that take minutes")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, default="plain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        symmetry, por = MODES[args.mode]
        print(json.dumps(one(ROWS[args.one], symmetry, por)))
        return
    header = f"{'model':<36}" + "".join(f" {mode:>11} {'seconds':>8}" for mode in MODES)
    print(header)
    print("-" * len(header))
    for index, row in enumerate(ROWS):
        if args.quick and row.slow:
            continue
        runs = {mode: _run(index, mode) for mode in MODES}
        if any(r["verdicts"] != runs["plain"]["verdicts"] for r in runs.values()):
            sys.exit(
                f"{row.label}: the verdicts differ: "
                + "; ".join(f"{m}: {r['verdicts']}" for m, r in runs.items())
            )
        cells = "".join(
            f" {int(r['distinct']):>11,} {float(r['seconds']):>8.2f}"  # type: ignore[call-overload,arg-type]
            for r in runs.values()
        )
        print(f"{row.label:<36}{cells}", flush=True)


if __name__ == "__main__":
    main()
