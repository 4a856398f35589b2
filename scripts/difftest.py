"""Differential testing at scale: generate specs, run every back end on each, report where they disagree.

    uv run python scripts/difftest.py --specs 10000 --seed 1 --jobs 2

prints the number of specs, models compared, comparisons made, refusals by reason, models skipped (too many
states, a back end too slow) and disagreements grouped by kind, and writes each spec that showed a
disagreement to --out (with the disagreements in a comment at its top), so that it can be run again:
`uv run faultline check <file>` and friends, or `--replay <file>` here. With --minimize, the first spec of
each kind of disagreement is also shrunk (differential/reduce.py) to `min-<n>.fl`.

Spec i of a run has seed `seed * 1_000_000 + i`; `--only-seed S` runs that one spec again.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from differential.generate import FEATURES, GeneratedSpec, Options, generate
from differential.harness import Config, Disagreement, Outcome, run_spec
from differential.reduce import reduce

_options = Options()
_config = Config()


def _init(options: Options, config: Config) -> None:
    global _options, _config
    _options, _config = options, config


def _one(seed: int) -> tuple[Outcome, str]:
    generated = generate(seed, _options)
    return run_spec(generated, _config), generated.text


def _seeds(args: argparse.Namespace) -> list[int]:
    if args.only_seed is not None:
        return [args.only_seed]
    return [args.seed * 1_000_000 + i for i in range(args.specs)]


def _run(seeds: list[int], jobs: int, options: Options, config: Config) -> Iterator[tuple[Outcome, str]]:
    if jobs <= 1:
        _init(options, config)
        yield from map(_one, seeds)
        return
    yield from _Workers(seeds, jobs, options, config).results()


def _work(tasks: Any, results: Any, options: Options, config: Config) -> None:
    _init(options, config)
    while (seed := tasks.get()) is not None:
        results.put(("start", seed, os.getpid()))
        results.put(("done", seed, _one(seed)))


class _Workers:
    """Worker processes taking seeds from a queue. A worker that dies (Z3 may abort the process) is
    replaced, and the spec it was running is reported as a disagreement instead of being lost."""

    def __init__(self, seeds: list[int], jobs: int, options: Options, config: Config) -> None:
        self.context = multiprocessing.get_context("fork")
        self.tasks: Any = self.context.Queue()
        self.queue: Any = self.context.SimpleQueue()  # written at once: nothing said is lost if a worker dies
        self.options, self.config = options, config
        self.left = len(seeds)
        for seed in seeds:
            self.tasks.put(seed)
        for _ in range(jobs):
            self.tasks.put(None)  # one stop sign per worker; a replacement takes over its predecessor's
        self.workers: dict[int, Any] = {}
        self.running: dict[int, int] = {}  # worker pid -> the seed it is on
        for _ in range(jobs):
            self.spawn()

    def spawn(self) -> None:
        worker = self.context.Process(
            target=_work, args=(self.tasks, self.queue, self.options, self.config), daemon=True
        )
        worker.start()
        assert worker.pid is not None
        self.workers[worker.pid] = worker

    def take(self, message: tuple[Any, ...]) -> tuple[Outcome, str] | None:
        kind, seed, payload = message
        if kind == "start":
            self.running[payload] = seed
            return None
        self.running = {pid: s for pid, s in self.running.items() if s != seed}
        self.left -= 1
        result: tuple[Outcome, str] = payload
        return result

    def results(self) -> Iterator[tuple[Outcome, str]]:
        while self.left > 0:
            if self.queue.empty():
                time.sleep(0.1)
                yield from self.reap()
                continue
            result = self.take(self.queue.get())
            if result is not None:
                yield result
        for worker in self.workers.values():
            worker.join(timeout=5)

    def reap(self) -> Iterator[tuple[Outcome, str]]:
        for pid, worker in list(self.workers.items()):
            if worker.is_alive() or worker.exitcode == 0:
                continue
            while not self.queue.empty():  # what it said before it died
                result = self.take(self.queue.get())
                if result is not None:
                    yield result
            del self.workers[pid]
            seed = self.running.pop(pid, None)
            if seed is not None:
                outcome = Outcome(seed)
                outcome.disagreements.append(
                    Disagreement(
                        seed,
                        "-",
                        "process",
                        f"the process running this spec died (exit code {worker.exitcode})",
                    )
                )
                self.left -= 1
                yield outcome, generate(seed, self.options).text
            self.spawn()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--specs", type=int, default=1000, help="how many specs to generate")
    parser.add_argument("--seed", type=int, default=1, help="the run's seed")
    parser.add_argument("--only-seed", type=int, help="run the one spec of this seed")
    parser.add_argument("--replay", type=Path, help="run the comparisons on this spec file instead")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument(
        "--out", type=Path, default=Path("difftest-failures"), help="where disagreeing specs go"
    )
    parser.add_argument("--depth", type=int, default=Config.bmc_depth, help="bmc and bounded check depth")
    parser.add_argument("--max-states", type=int, default=Config.max_states, help="skip bigger models")
    parser.add_argument("--max-seconds", type=float, default=Config.max_seconds, help="per back-end run")
    parser.add_argument("--spec-seconds", type=float, default=Config.spec_seconds, help="per spec, all runs")
    parser.add_argument(
        "--z3-models",
        type=int,
        default=Config.z3_models,
        help="on how many models of each spec bmc and prove run",
    )
    parser.add_argument(
        "--disable",
        default="",
        help="comma-separated features to leave out: "
        f"{', '.join(FEATURES)}; and `lemmas` (prove without lemmas)",
    )
    parser.add_argument(
        "--reserved-fields",
        action="store_true",
        help="sometimes name a message field src/dst/signer, expecting the front end to refuse it",
    )
    parser.add_argument(
        "--minimize", action="store_true", help="shrink one spec of each kind of disagreement"
    )
    parser.add_argument(
        "--checks",
        default=",".join(sorted(Config.checks)),
        help="comma-separated comparisons to make beside the exhaustive search (default: all of them)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)

    disabled = frozenset(f for f in args.disable.split(",") if f)
    unknown = disabled - {*FEATURES, "lemmas"}
    if unknown:
        parser.error(f"unknown features: {', '.join(sorted(unknown))}")
    options = Options(disabled - {"lemmas"}, args.reserved_fields)
    checks = frozenset(c for c in args.checks.split(",") if c)
    if checks - Config.checks:
        parser.error(f"unknown checks: {', '.join(sorted(checks - Config.checks))}")
    config = Config(
        checks=checks,
        bmc_depth=args.depth,
        max_states=args.max_states,
        max_seconds=args.max_seconds,
        lemmas="lemmas" not in disabled,
    )

    if args.replay is not None:
        import spec

        text = args.replay.read_text(encoding="utf-8")
        checked = spec.load(text, str(args.replay))
        outcome = run_spec(GeneratedSpec(0, text, spec.model_names(checked)), replace(config, z3_models=99))
        for d in outcome.disagreements:
            print(d)
        print(
            f"{outcome.models} models, {outcome.comparisons} comparisons, {len(outcome.disagreements)} disagreements"
        )
        return 1 if outcome.disagreements else 0

    seeds = _seeds(args)
    started = time.perf_counter()
    totals: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    timings: dict[str, float] = {}
    kinds: Counter[str] = Counter()
    first: dict[str, tuple[Disagreement, str]] = {}
    slow: list[str] = []
    args.out.mkdir(parents=True, exist_ok=True)
    for old in [*args.out.glob("seed-*.fl"), *args.out.glob("min-*.fl")]:
        old.unlink()  # what an earlier run left
    for done, (outcome, text) in enumerate(_run(seeds, args.jobs, options, config), start=1):
        totals["specs"] += 1
        totals["models"] += outcome.models
        totals["reduced"] += outcome.reduced
        totals["comparisons"] += outcome.comparisons
        refusals.update(outcome.refusals)
        skipped.update(outcome.skipped)
        for backend, spent in outcome.timings.items():
            timings[backend] = timings.get(backend, 0.0) + spent
        slow += [f"seed {outcome.seed} {s}" for s in outcome.slow]
        if outcome.disagreements:
            totals["specs with disagreements"] += 1
            totals["disagreements"] += len(outcome.disagreements)
            header = "".join(f"// {d}\n" for d in outcome.disagreements)
            (args.out / f"seed-{outcome.seed}.fl").write_text(header + text, encoding="utf-8")
            for d in outcome.disagreements:
                kinds[d.signature] += 1
                first.setdefault(d.signature, (d, text))
        if not args.quiet and (done % 100 == 0 or done == len(seeds)):
            rate = done / (time.perf_counter() - started)
            print(
                f"  {done:,}/{len(seeds):,} specs, {totals['disagreements']:,} disagreements, {rate:.1f} specs/s",
                file=sys.stderr,
                flush=True,
            )
    seconds = time.perf_counter() - started

    command = " ".join(["uv run python scripts/difftest.py", *(argv if argv is not None else sys.argv[1:])])
    print(f"$ {command}")
    print(
        f"{totals['specs']:,} specs, {totals['models']:,} models compared, {totals['comparisons']:,} comparisons, "
        f"{totals['disagreements']:,} disagreements (in {totals['specs with disagreements']:,} specs), "
        f"{seconds:.0f} s"
    )
    print(f"partial-order reduction left steps out in {totals['reduced']:,} of the models compared")
    if refusals:
        print("refusals (Unsupported):")
        for reason, count in refusals.most_common():
            print(f"  {count:6,}  {reason}")
    if skipped:
        print("models not compared:")
        for reason, count in skipped.most_common():
            print(f"  {count:6,}  {reason}")
        for line in slow[:20]:
            print(f"          {line}")
    ranked = sorted(timings.items(), key=lambda kv: -kv[1])
    print("seconds per back end: " + ", ".join(f"{k} {v:.0f}" for k, v in ranked))
    if kinds:
        print(f"disagreements by kind ({len(kinds)} kinds; specs in {args.out}/):")
        for n, (signature, count) in enumerate(kinds.most_common(), start=1):
            example, text = first[signature]
            print(f"  {count:6,}  {signature}")
            print(f"          e.g. {example}")
            if args.minimize:
                small = reduce(text, example.seed, signature, replace(config))
                path = args.out / f"min-{n}.fl"
                path.write_text(f"// {signature}\n// from seed {example.seed}\n{small}", encoding="utf-8")
                print(f"          minimized ({len(small.splitlines())} lines): {path}")
    return 1 if totals["disagreements"] else 0


if __name__ == "__main__":
    sys.exit(main())
