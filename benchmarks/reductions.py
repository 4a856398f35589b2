"""Benchmark: what symmetry reduction saves, spec by spec — distinct states and seconds with and without it.

Run on demand (not by the tests):  uv run python benchmarks/reductions.py [--quick]

Each row runs the full breadth-first search of one model twice, each time in a fresh process (so that the
timing and memory of one run do not leak into the other): plainly (`--no-symmetry`) and reduced by the
spec's `symmetric` node types. The verdicts must be the same; the script says so, or stops. `--quick` skips
the rows that take minutes.
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
]


def one(row: Row, symmetry: bool) -> dict[str, object]:
    """One search, in this process: its distinct states, seconds and verdicts."""
    import spec
    from explorer.search import explore
    from explorer.semantics.system import SystemModel

    checked = spec.load_file(ROOT / "specs" / row.spec)
    system = spec.instantiate(checked, row.model, dict(row.constants))
    model = SystemModel(system, list(row.invariants) or None, symmetry=symmetry)
    started = time.perf_counter()
    result = explore(model)
    seconds = time.perf_counter() - started
    verdicts = {p.name: ("violated" if p.name in result.discoveries else "holds") for p in model.properties}
    return {"distinct": result.stats.distinct, "seconds": seconds, "verdicts": verdicts}


def _run(index: int, symmetry: bool) -> dict[str, object]:
    command = [sys.executable, __file__, "--one", str(index), *([] if symmetry else ["--plain"])]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return dict(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the rows that take minutes")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(ROWS[args.one], symmetry=not args.plain)))
        return
    header = f"{'model':<36} {'plain':>11} {'seconds':>8} {'symmetry':>11} {'seconds':>8} {'states':>7} {'time':>6}"
    print(header)
    print("-" * len(header))
    for index, row in enumerate(ROWS):
        if args.quick and row.slow:
            continue
        plain, reduced = _run(index, symmetry=False), _run(index, symmetry=True)
        if plain["verdicts"] != reduced["verdicts"]:
            sys.exit(
                f"{row.label}: the verdicts differ: {plain['verdicts']} plainly, {reduced['verdicts']} reduced"
            )
        p_states, r_states = int(plain["distinct"]), int(reduced["distinct"])  # type: ignore[call-overload]
        p_seconds, r_seconds = float(plain["seconds"]), float(reduced["seconds"])  # type: ignore[arg-type]
        print(
            f"{row.label:<36} {p_states:>11,} {p_seconds:>8.2f} {r_states:>11,} {r_seconds:>8.2f} "
            f"{p_states / r_states:>6.1f}x {p_seconds / r_seconds:>5.1f}x"
        )


if __name__ == "__main__":
    main()
