"""Benchmark: faultline beside its peers, TLC and Rumur, on the same model — two-phase commit with N resource
managers (specs/two_phase_commit.fl; benchmarks/peers/tla/TwoPhase.tla; benchmarks/peers/murphi/two_phase.m),
the whole state space, checking TCommit's consistency invariant.

Run on demand (not by the tests):

    TLA2TOOLS_JAR=/opt/peers/tla2tools.jar uv run python benchmarks/peers.py [--n 3-7] [--repeat 2]

A peer that is not installed is skipped with a note: TLC needs `java` on PATH and TLA2TOOLS_JAR naming a
tla2tools.jar; Rumur needs `rumur` and a C compiler (`cc`, or $CC) on PATH. benchmarks/peers/README.md says
how to get them. Each configuration runs --repeat times (the best time counts: the machine may be shared)
and each run is a fresh process. `seconds` is the wall-clock time of that process, start-up included (the
JVM, Python's imports); for Rumur, the run of the compiled verifier (generating and compiling it is timed
apart). `cpu s` is the CPU time (user + system, every thread) of the same run: on a loaded machine it says
more than the wall clock of a single-threaded run. `load` is the 1-minute load average just before the best
run. With --symmetry, TLC runs with
`SYMMETRY Permutations(RM)`, Rumur with exhaustive symmetry reduction (one state per orbit) and faultline
with its own (one state per orbit too); without, faultline runs with --no-symmetry.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "two_phase_commit.fl"
TLA = ROOT / "benchmarks" / "peers" / "tla" / "TwoPhase.tla"
MURPHI = ROOT / "benchmarks" / "peers" / "murphi" / "two_phase.m"

# TLC's counts for the classic TwoPhase spec; the symmetric ones with SYMMETRY Permutations(RM).
EXPECTED = {3: 288, 4: 1568, 5: 8832, 6: 50816, 7: 296448, 8: 1745408, 9: 10340352}
EXPECTED_SYMMETRIC = {3: 80, 4: 166, 5: 314, 6: 553, 7: 920}


@dataclass
class Row:
    n: int
    checker: str
    workers: int
    distinct: int | None = None
    seconds: float | None = None
    cpu: float | None = None
    load: float | None = None
    search: float | None = None  # the search alone, as the checker reports it (faultline's JSON)
    note: str = ""  # "timeout", "error: ...", "skipped: ..."


@dataclass
class Outcome:
    distinct: int | None
    timed: Timed
    note: str = ""
    search: float | None = None


@dataclass
class Timed:
    done: subprocess.CompletedProcess[str] | None  # None: timed out
    seconds: float  # wall clock
    cpu: float  # user + system time of the process and its threads


def run_timed(cmd: list[str], timeout: float, cwd: Path | None = None) -> Timed:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False)
    except subprocess.TimeoutExpired:
        done = None
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(done, seconds, cpu)


# ---- the checkers -------------------------------------------------------------------------------------


class Faultline:
    name = "faultline"

    def __init__(self, symmetry: bool) -> None:
        self.exe = str(Path(sys.executable).with_name("faultline"))
        if not Path(self.exe).exists():
            self.exe = shutil.which("faultline") or ""
        self.symmetry = symmetry
        self.missing = ""
        if not self.exe:
            self.missing = "the faultline command is not installed (run this with `uv run`)"
        help_text = (
            subprocess.run([self.exe, "check", "--help"], capture_output=True, text=True).stdout
            if self.exe
            else ""
        )
        self.parallel = "--workers" in help_text

    def worker_counts(self, max_workers: int) -> list[int]:
        return list(range(1, max_workers + 1)) if self.parallel else [1]

    def version(self) -> str:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        )
        return f"faultline {rev.stdout.strip() or '?'}" + ("" if self.parallel else " (one core)")

    def prepare(self, n: int, workers: int, scratch: Path) -> str:
        return ""

    def run(self, n: int, workers: int, timeout: float, scratch: Path) -> Outcome:
        cmd = [
            self.exe,
            "check",
            str(SPEC),
            "--const",
            f"N={n}",
            "-i",
            "consistent",
            "--json",
            "--max-seconds",
            str(timeout),
            "--out",
            str(scratch / "counterexamples"),
        ]
        if self.parallel:
            cmd += ["--workers", str(workers)]
        if not self.symmetry:
            cmd.append("--no-symmetry")
        timed = run_timed(cmd, timeout + 60)
        done = timed.done
        if done is None:
            return Outcome(None, timed, "timeout")
        try:
            result = json.loads(done.stdout)["results"][0]
        except (ValueError, KeyError, IndexError):
            return Outcome(None, timed, f"error: exit {done.returncode}: {done.stderr.strip()[-200:]}")
        if result["verdict"] != "holds":
            note = "timeout" if result["verdict"] == "incomplete" else f"error: {result['verdict']}"
            return Outcome(result.get("distinct_states"), timed, note)
        return Outcome(result["distinct_states"], timed, search=result.get("seconds"))


class TLC:
    name = "TLC"

    def __init__(self, symmetry: bool) -> None:
        self.symmetry = symmetry
        self.jar = os.environ.get("TLA2TOOLS_JAR", "")
        self.java = shutil.which("java") or ""
        self.missing = ""
        if not self.java:
            self.missing = "no `java` on PATH"
        elif not self.jar:
            self.missing = "TLA2TOOLS_JAR is not set"
        elif not Path(self.jar).is_file():
            self.missing = f"TLA2TOOLS_JAR={self.jar} is not a file"

    def worker_counts(self, max_workers: int) -> list[int]:
        return list(range(1, max_workers + 1))

    def version(self) -> str:
        # TLC prints its version first, then complains of the unknown option
        done = run_timed([self.java, "-cp", self.jar, "tlc2.TLC", "-version"], 60).done
        lines = (done.stdout if done is not None else "").splitlines()
        return lines[0].strip() if lines and lines[0].startswith("TLC") else "TLC (version unknown)"

    def prepare(self, n: int, workers: int, scratch: Path) -> str:
        rms = ", ".join(f"r{i}" for i in range(1, n + 1))
        symmetry = "SYMMETRY Perms\n" if self.symmetry else ""
        (scratch / f"TwoPhase_{n}.cfg").write_text(
            f"CONSTANT RM = {{{rms}}}\nINIT Init\nNEXT Next\n{symmetry}INVARIANT TypeOK\nINVARIANT TCConsistent\n"
        )
        return ""

    def run(self, n: int, workers: int, timeout: float, scratch: Path) -> Outcome:
        meta = scratch / f"tlc-states-{n}-{workers}"
        shutil.rmtree(meta, ignore_errors=True)
        cmd = [
            self.java,
            "-XX:+UseParallelGC",
            "-cp",
            self.jar,
            "tlc2.TLC",
            "-workers",
            str(workers),
            "-deadlock",
            "-nowarning",
            "-metadir",
            str(meta),
            "-config",
            str(scratch / f"TwoPhase_{n}.cfg"),
            str(TLA),
        ]
        timed = run_timed(cmd, timeout, cwd=scratch)
        done = timed.done
        shutil.rmtree(meta, ignore_errors=True)
        if done is None:
            return Outcome(None, timed, "timeout")
        # the closing count; progress reports on the way say "... distinct states found (... ds/min)" too
        found = re.search(r"([\d,]+) distinct states found, 0 states left on queue", done.stdout)
        if done.returncode != 0 or "No error has been found" not in done.stdout or found is None:
            return Outcome(None, timed, f"error: exit {done.returncode}: {done.stdout.strip()[-200:]}")
        return Outcome(int(found.group(1).replace(",", "")), timed)


class Rumur:
    name = "Rumur"

    def __init__(self, symmetry: bool) -> None:
        self.symmetry = symmetry
        self.rumur = shutil.which("rumur") or ""
        self.cc = shutil.which(os.environ.get("CC", "cc")) or ""
        self.missing = ""
        if not self.rumur:
            self.missing = "no `rumur` on PATH"
        elif not self.cc:
            self.missing = "no C compiler (cc, or $CC) on PATH"
        self.build_seconds: dict[tuple[int, int], float] = {}

    def worker_counts(self, max_workers: int) -> list[int]:
        return list(range(1, max_workers + 1))

    def version(self) -> str:
        done = run_timed([self.rumur, "--version"], 60).done
        return done.stdout.strip() if done is not None else "Rumur ?"

    def _binary(self, n: int, threads: int, scratch: Path) -> Path:
        return scratch / f"two_phase_{n}_{threads}"

    def prepare(self, n: int, threads: int, scratch: Path) -> str:
        """Generate and compile the verifier for N and the thread count (Rumur fixes both at build time)."""
        source = MURPHI.read_text()
        model, count = re.subn(r"(?m)^const N: \d+;", f"const N: {n};", source)
        if count != 1:
            return f"error: no `const N: …;` line in {MURPHI}"
        binary = self._binary(n, threads, scratch)
        (scratch / f"{binary.name}.m").write_text(model)
        started = time.perf_counter()
        steps = [
            [
                self.rumur,
                "--threads",
                str(threads),
                "--deadlock-detection",
                "off",
                "--symmetry-reduction",
                "exhaustive" if self.symmetry else "off",
                str(scratch / f"{binary.name}.m"),
                "-o",
                str(scratch / f"{binary.name}.c"),
            ],
            [self.cc, "-std=c11", "-O3", "-o", str(binary), str(scratch / f"{binary.name}.c"), "-lpthread"]
            + (["-mcx16"] if platform.machine() in ("x86_64", "AMD64") else []),
        ]
        for step in steps:
            done = run_timed(step, 600).done
            if done is None or done.returncode != 0:
                return (
                    f"error: {Path(step[0]).name} failed: {done.stderr.strip()[-200:] if done else 'timeout'}"
                )
        self.build_seconds[(n, threads)] = time.perf_counter() - started
        return ""

    def run(self, n: int, threads: int, timeout: float, scratch: Path) -> Outcome:
        timed = run_timed([str(self._binary(n, threads, scratch))], timeout)
        done = timed.done
        if done is None:
            return Outcome(None, timed, "timeout")
        found = re.search(r"State Space Explored:\s+(\d+) states", done.stdout)
        if done.returncode != 0 or found is None:
            return Outcome(None, timed, f"error: exit {done.returncode}: {done.stdout.strip()[-200:]}")
        return Outcome(int(found.group(1)), timed)


# ---- the run ------------------------------------------------------------------------------------------


def sizes(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-", 1)
        return list(range(int(lo), int(hi) + 1))
    return [int(x) for x in text.split(",")]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}"


def fmt_int(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", default="3-7", help="sizes: a range 3-9 or a list 3,5,7 (default 3-7)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each configuration; the best counts")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed to one run (default 600)")
    parser.add_argument("--workers", type=int, default=2, help="the most workers/threads tried (default 2)")
    parser.add_argument(
        "--checkers", default="faultline,TLC,Rumur", help="which checkers (default all three)"
    )
    parser.add_argument("--symmetry", action="store_true", help="the peers with symmetry reduction")
    parser.add_argument("--json", type=Path, help="also write every row to this file")
    args = parser.parse_args()

    wanted = {c.strip().lower() for c in args.checkers.split(",")}
    checkers = [c(args.symmetry) for c in (Faultline, TLC, Rumur) if c.name.lower() in wanted]
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}")
    for checker in checkers:
        print(
            f"# {checker.name}: " + (f"skipped ({checker.missing})" if checker.missing else checker.version())
        )
    expected = EXPECTED_SYMMETRIC if args.symmetry else EXPECTED

    print(HEADER)
    print("-" * len(HEADER))
    best: dict[tuple[int, str, int], Row] = {}
    gave_up: set[tuple[str, int]] = set()  # a checker that timed out at a smaller N is not tried further
    with tempfile.TemporaryDirectory(prefix="faultline-peers-") as tmp:
        scratch = Path(tmp)
        for n in sizes(args.n):
            configs = [(c, w) for c in checkers if not c.missing for w in c.worker_counts(args.workers)]
            for checker, workers in configs:
                key = (n, checker.name, workers)
                best[key] = Row(n, checker.name, workers)
                if (checker.name, workers) in gave_up:
                    best[key].note = "skipped: timed out at a smaller N"
                else:
                    best[key].note = checker.prepare(n, workers, scratch)
            for _ in range(args.repeat):
                for checker, workers in configs:
                    row = best[(n, checker.name, workers)]
                    if row.note:  # skipped, failed or timed out: not run again
                        continue
                    load = os.getloadavg()[0]
                    outcome = checker.run(n, workers, args.timeout, scratch)
                    seconds, cpu = outcome.timed.seconds, outcome.timed.cpu
                    if outcome.note:
                        if row.seconds is None:  # a failure counts only when no run got through
                            row.distinct, row.seconds, row.cpu, row.load = (
                                outcome.distinct,
                                seconds,
                                cpu,
                                load,
                            )
                            row.note = outcome.note
                            if outcome.note == "timeout":
                                gave_up.add((checker.name, workers))
                        continue
                    if row.seconds is None or seconds < row.seconds:
                        row.distinct, row.seconds, row.cpu, row.load = outcome.distinct, seconds, cpu, load
                        row.search = outcome.search
                    if expected.get(n) not in (None, outcome.distinct):
                        row.note = f"expected {expected[n]:,}"
            for checker, workers in configs:
                print_row(best[(n, checker.name, workers)])
            sys.stdout.flush()

    rows = list(best.values())
    print_ratios(rows)
    for checker in checkers:
        if isinstance(checker, Rumur) and checker.build_seconds:
            builds = ", ".join(f"N={n}/{t}t {s:.1f}" for (n, t), s in sorted(checker.build_seconds.items()))
            print(f"# Rumur: generating and compiling each verifier took (s): {builds}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))


HEADER = (
    f"{'N':>2}  {'checker':<10} {'workers':>7} {'distinct':>12} {'seconds':>9} {'states/s':>11} {'cpu s':>9}"
    f" {'load':>5} {'search s':>9}  note"
)


def print_row(row: Row) -> None:
    rate = f"{row.distinct / row.seconds:,.0f}" if row.distinct and row.seconds and not row.note else "-"

    def num(value: float | None, digits: int) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    print(
        f"{row.n:>2}  {row.checker:<10} {row.workers:>7} {fmt_int(row.distinct):>12} {num(row.seconds, 2):>9} "
        f"{rate:>11} {num(row.cpu, 2):>9} {num(row.load, 1):>5} {num(row.search, 2):>9}  {row.note}".rstrip()
    )


def print_ratios(rows: list[Row]) -> None:
    """faultline's best single-worker time over each peer's, per N: wall clock, then CPU time."""
    ok = [r for r in rows if r.seconds is not None and not r.note]
    peers = sorted({(r.checker, r.workers) for r in ok if r.checker != "faultline"})
    for label, field in (("seconds", "seconds"), ("CPU seconds", "cpu")):
        done = {(r.n, r.checker, r.workers): getattr(r, field) for r in ok}
        ns = sorted({r.n for r in ok if (r.n, "faultline", 1) in done})
        if not peers or not ns:
            return
        print()
        print(f"faultline {label} / peer {label} (above 1: faultline takes longer)")
        print(f"{'N':>2}  " + "  ".join(f"{f'{c} {w}w':>10}" for c, w in peers))
        for n in ns:
            ours = done[(n, "faultline", 1)]
            cells = [
                f"{ours / done[(n, c, w)]:>10.2f}" if done.get((n, c, w)) else f"{'-':>10}" for c, w in peers
            ]
            print(f"{n:>2}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
