"""Benchmark: two-phase commit without symmetry reduction (296,448 states at N = 7, 1,745,408 at N = 8, about
10 million at N = 9), checking `consistent`, on one process and partitioned among workers.

Run on demand (not by the tests):  uv run python benchmarks/scale.py [--n 7 8 9] [--modes dict 1 2 ray2]

Modes: `dict` is the one-process search that keeps visited states in a dict (what a search does until a level
reaches 20,000 states, and what it stays if it never does); `1` is `--workers 1`, one shard in this process
with the compact fingerprint table; `2` is `--workers 2`, two worker processes; `ray2` is `--cluster ray
--workers 2`, two actors on a local Ray (started fresh by the run). Each run is a fresh process. Prints
distinct states, seconds, states/s, the visited tables' bytes per state (fingerprints, parents' fingerprints,
open-addressing slots), resident bytes per state of every process at the end, and the parallel efficiency:
the speed-up over `--workers 1` divided by the workers; and over the dict search, for comparison. TLC and
Rumur side by side on the same sizes: benchmarks/peers.py --n 7-9 --workers 2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "two_phase_commit.fl"
MODES = {"dict": {}, "1": {"workers": 1}, "2": {"workers": 2}, "ray2": {"workers": 2, "cluster": "ray"}}


def one(n: int, mode: str) -> dict[str, float | int | str]:
    import spec
    from explorer.search import explore
    from explorer.search.limits import resident_memory
    from explorer.semantics.system import SystemModel

    checked = spec.load_file(SPEC)
    model = SystemModel(spec.instantiate(checked, "classic", {"N": n}), ["consistent"], symmetry=False)
    options: dict[str, object] = dict(MODES[mode])
    if mode == "ray2":  # Ray's start-up (a few seconds) is not the search's
        import ray

        ray.init(include_dashboard=False, log_to_driver=False)
    started = time.perf_counter()
    result = explore(model, **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    distinct = max(result.stats.distinct, 1)
    return {
        "n": n,
        "mode": mode,
        "distinct": result.stats.distinct,
        "seconds": seconds,
        "verdict": "holds" if result.exhausted and not result.discoveries else "?",
        "table": result.stats.table_bytes / distinct,
        "rss": (resident_memory() + result.stats.worker_memory) / distinct,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(int(args.one[0]), args.one[1])))
        return
    header = (
        f"{'N':>2} {'mode':>5} {'distinct':>11} {'seconds':>8} {'states/s':>9} {'table B/st':>10} "
        f"{'RSS B/st':>9} {'eff. vs 1':>9} {'vs dict':>8}"
    )
    print(header)
    print("-" * len(header))
    for n in args.n:
        times: dict[str, float] = {}
        for mode in args.modes:
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), mode], capture_output=True, text=True, check=True
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            times[mode] = row["seconds"]
            workers = int(MODES[mode].get("workers", 1))  # type: ignore[call-overload]
            one_worker = f"{times['1'] / row['seconds'] / workers:.2f}" if "1" in times else "-"
            over_dict = f"{times['dict'] / row['seconds']:.2f}x" if "dict" in times else "-"
            print(
                f"{n:>2} {mode:>5} {row['distinct']:>11,} {row['seconds']:>8.2f} "
                f"{row['distinct'] / row['seconds']:>9,.0f} {row['table']:>10.1f} {row['rss']:>9.0f} "
                f"{one_worker:>9} {over_dict:>8}  {row['verdict']}",
                flush=True,
            )
        if "2" in times and "ray2" in times:
            print(
                f"   Ray over local processes (2 workers): {times['ray2'] / times['2']:.2f}x the time",
                flush=True,
            )


if __name__ == "__main__":
    main()
