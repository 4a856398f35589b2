"""Benchmark: the Z3 back end against the explorer, on lease_lock and two-phase commit.

Run on demand (not by the tests):  uv run python benchmarks/bmc_vs_explorer.py [--seconds 60]

For each case: seconds to the first (shortest) counterexample with each back end, and how deep each gets
within the time budget on a model where nothing fails (the explorer's deepest breadth-first level, or its
whole state space; bmc's unrolling depth).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import spec
from explorer.bmc.bmc import run_bmc
from explorer.search import explore
from explorer.semantics.system import SystemModel

ROOT = Path(__file__).resolve().parent.parent

# (label, spec, model, constants) with a counterexample, and the same spec where the property holds
CASES = [
    (
        "lease_lock, GC pauses",
        "lease_lock.fl",
        "gc_pauses",
        {},
        "no_clobber",
        ("lease_fencing.fl", "gc_pauses", {}),
    ),
    (
        "2PC N=3, impatient TM",
        "two_phase_commit.fl",
        "classic",
        {"N": 3, "WAIT_FOR_ALL": False},
        "consistent",
        ("two_phase_commit.fl", "classic", {"N": 3}),
    ),
    (
        "2PC N=5, impatient TM",
        "two_phase_commit.fl",
        "classic",
        {"N": 5, "WAIT_FOR_ALL": False},
        "consistent",
        ("two_phase_commit.fl", "classic", {"N": 5}),
    ),
    (
        "2PC N=7, impatient TM",
        "two_phase_commit.fl",
        "classic",
        {"N": 7, "WAIT_FOR_ALL": False},
        "consistent",
        ("two_phase_commit.fl", "classic", {"N": 7}),
    ),
]


def model_of(spec_file: str, model: str, constants: dict[str, int | bool], prop: str) -> SystemModel:
    checked = spec.load_file(ROOT / "specs" / spec_file)
    return SystemModel(spec.instantiate(checked, model, constants), [prop])


def first_counterexample(
    spec_file: str, model: str, constants: dict[str, int | bool], prop: str, budget: float
) -> tuple[str, str]:
    started = time.perf_counter()
    found = explore(model_of(spec_file, model, constants, prop), max_seconds=budget)
    explicit = (
        f"{time.perf_counter() - started:.2f} s ({min(d.length for d in found.discoveries.values())} steps)"
        if found.discoveries
        else "none"
    )
    m = model_of(spec_file, model, constants, prop)
    started = time.perf_counter()
    wanted = [prop]
    symbolic = "none"
    for depth in range(0, 40):
        result = run_bmc(m, depth, wanted, max_seconds=max(budget - (time.perf_counter() - started), 0.1))
        if result.found:
            symbolic = f"{time.perf_counter() - started:.2f} s ({min(f.length for f in result.found.values())} steps)"
            break
        if not result.complete or time.perf_counter() - started > budget:
            break
    return explicit, symbolic


def depth_within(
    spec_file: str, model: str, constants: dict[str, int | bool], prop: str, budget: float
) -> tuple[str, str]:
    result = explore(model_of(spec_file, model, constants, prop), max_seconds=budget)
    explicit = (
        f"all ({result.stats.distinct:,} states, depth {result.stats.depth})"
        if result.complete
        else (f"depth {result.stats.depth}")
    )
    m = model_of(spec_file, model, constants, prop)
    reached = 0
    started = time.perf_counter()

    def note(k: int, _: float) -> None:
        nonlocal reached
        reached = k

    run_bmc(m, 200, [prop], max_seconds=budget, progress=note)
    return explicit, f"depth {reached} in {time.perf_counter() - started:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="the time budget of each run")
    args = parser.parse_args()
    header = f"{'case':<24} {'explorer: first cex':>22} {'bmc: first cex':>22} {'explorer in budget':>36} {'bmc in budget':>20}"
    print(header)
    print("-" * len(header))
    for label, spec_file, model, constants, prop, (holds_file, holds_model, holds_constants) in CASES:
        explicit_cex, symbolic_cex = first_counterexample(spec_file, model, constants, prop, args.seconds)
        explicit_depth, symbolic_depth = depth_within(
            holds_file, holds_model, holds_constants, prop, args.seconds
        )
        print(
            f"{label:<24} {explicit_cex:>22} {symbolic_cex:>22} {explicit_depth:>36} {symbolic_depth:>20}",
            flush=True,
        )


if __name__ == "__main__":
    main()
