"""Benchmark: two-phase commit, N = 3..7 resource managers, the full state space by breadth-first search,
checking the invariant of the classic TLA+ TwoPhase spec.

Run on demand (not by the tests):  uv run python benchmarks/two_phase_commit.py [--max-n 7]

Each N runs in a fresh process so that its peak memory is its own. Prints distinct and generated states,
seconds, states/s, peak resident memory and bytes per distinct state (peak RSS above the process's
baseline, divided by the distinct states).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "two_phase_commit.fl"
TLC_DISTINCT = {3: 288, 4: 1568, 5: 8832, 6: 50816, 7: 296448}


def one(n: int, symmetry: bool) -> dict[str, float]:
    import spec
    from explorer.search import explore
    from explorer.semantics.system import SystemModel

    checked = spec.load_file(SPEC)
    # the invariant TLC's TwoPhase checks (the spec's other invariants are lemmas for `faultline prove`)
    # without symmetry by default: TLC's counts are of every state (benchmarks/reductions.py compares both)
    model = SystemModel(spec.instantiate(checked, "classic", {"N": n}), ["consistent"], symmetry=symmetry)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = explore(model)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "n": n,
        "distinct": result.stats.distinct,
        "generated": result.stats.generated,
        "seconds": seconds,
        "peak_mib": peak / 1024,
        "bytes_per_state": max(peak - baseline, 0) * 1024 / max(result.stats.distinct, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-n", type=int, default=7)
    parser.add_argument("--symmetry", action="store_true", help="reduce by symmetry over the RMs")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.symmetry)))
        return
    header = f"{'N':>2} {'distinct':>10} {'generated':>11} {'seconds':>8} {'states/s':>10} {'peak MiB':>9} {'B/state':>8}"
    print(header)
    print("-" * len(header))
    for n in range(3, args.max_n + 1):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), *(["--symmetry"] if args.symmetry else [])],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        row = json.loads(out)
        expected = TLC_DISTINCT.get(n)
        flag = "" if args.symmetry or expected in (None, row["distinct"]) else f"  (TLC: {expected})"
        print(
            f"{n:>2} {row['distinct']:>10,} {row['generated']:>11,} {row['seconds']:>8.2f} "
            f"{row['distinct'] / row['seconds']:>10,.0f} {row['peak_mib']:>9.1f} {row['bytes_per_state']:>8.0f}{flag}"
        )


if __name__ == "__main__":
    main()
