"""A search partitioned among shards (explorer/search/parallel.py) has the counts, depths, verdicts and
counterexample lengths of the one-process search, on every example spec; its counterexamples replay; bounds,
Ctrl-C and worker failures end it with a report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import spec
from differential.shards import LocalSharding
from explorer.result import Verdict
from explorer.run import CheckOptions, check_model
from explorer.search import explore
from explorer.search.limits import resident_memory
from explorer.search.shard import Report
from explorer.search.workers import Processes
from explorer.semantics.system import SystemModel
from explorer.trace.replay import replay
from faultline.cli import main
from spec.diagnostics import InternalError
from tests.conftest import ROOT, SPECS

SPEC_FILES = sorted(SPECS.glob("*.fl"))


def _search(system: object, **kwargs: object) -> tuple[tuple[int, int, int, bool, bool], dict[str, int]]:
    result = explore(SystemModel(system, None), max_seconds=120, **kwargs)  # type: ignore[arg-type]
    stats = result.stats
    counts = (stats.distinct, stats.generated, stats.depth, result.complete, result.exhausted)
    return counts, {name: d.length for name, d in result.discoveries.items()}


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_two_shards_count_what_one_process_counts_on_every_example(path: Path) -> None:
    """Every model, every property checked, handed over to two worker processes from the initial states:
    distinct and generated states, depth, completeness and the length of every counterexample are those of
    the one-process search."""
    checked = spec.load_file(path)
    for name in spec.model_names(checked):
        system = spec.instantiate(checked, name)
        one = _search(system)
        two = _search(system, workers=2, shard_from=1)
        assert two == one, name


def test_one_shard_in_this_process_counts_the_same_with_a_level_spilled_to_disk() -> None:
    checked = spec.load_file(SPECS / "paxos.fl")
    system = spec.instantiate(checked, "lossy")
    one = _search(system)
    assert one[0][0] > 50_000
    assert _search(system, workers=1, shard_from=100, level_budget=500) == one


def test_the_counterexamples_of_a_partitioned_check_replay(tmp_path: Path) -> None:
    checked = spec.load_file(SPECS / "lease_clock_skew.fl")
    results = check_model(checked, "naive_skewed", CheckOptions(out_dir=tmp_path, workers=2, shard_from=1))
    violated = [r for r in results if r.verdict == Verdict.VIOLATED]
    assert [(r.property, r.trace_length) for r in violated] == [("no_clobber", 13)]
    document = json.loads(Path(violated[0].trace or "").read_text())
    assert replay(document, spec.load_file(SPECS / "lease_clock_skew.fl")).reaches_violation


def test_a_depth_bound_on_shards_says_what_it_cut_off() -> None:
    checked = spec.load_file(SPECS / "two_phase_commit.fl")
    system = spec.instantiate(checked, "classic", {"N": 4})
    one = explore(SystemModel(system, None), max_depth=6)
    two = explore(SystemModel(system, None), max_depth=6, workers=2, shard_from=1)
    assert (two.stats.distinct, two.stats.depth, two.complete, two.stop_reason) == (
        one.stats.distinct,
        one.stats.depth,
        False,
        "depth bound 6 reached",
    )
    whole = explore(SystemModel(system, None), max_depth=100, workers=2, shard_from=1)
    assert whole.complete and whole.exhausted


def test_a_time_bound_stops_the_shards_with_a_report() -> None:
    checked = spec.load_file(SPECS / "two_phase_commit.fl")
    system = spec.instantiate(checked, "classic", {"N": 8})
    started = time.perf_counter()
    result = explore(SystemModel(system, None, symmetry=False), max_seconds=3, workers=2, shard_from=1000)
    assert time.perf_counter() - started < 10
    assert not result.complete and result.stop_reason == "time bound 3 s reached"
    assert result.stats.shards == 2 and result.stats.distinct > 1000


def test_ctrl_c_ends_a_partitioned_check_with_its_report_and_no_worker_left(tmp_path: Path) -> None:
    faultline = str(Path(sys.executable).with_name("faultline"))  # the program users run
    command = [faultline, "check", str(SPECS / "two_phase_commit.fl"), "-c", "N=9", "-i", "consistent"]
    command += ["--no-symmetry", "--workers", "2", "--out", str(tmp_path)]
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FAULTLINE_PROGRESS_SECONDS": "0.2"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        start_new_session=True,
    )
    assert child.stderr is not None
    for line in child.stderr:  # the progress lines say when the workers have taken over
        if "2 workers" in line:
            break
    listed = subprocess.run(["pgrep", "-P", str(child.pid)], capture_output=True, text=True).stdout
    workers = [int(pid) for pid in listed.split()]
    assert len(workers) == 2
    os.killpg(child.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    out, err = child.communicate(timeout=60)
    assert child.returncode == 3, err
    assert "consistent" in out and "interrupted" in out
    assert "on 2 workers" in out
    assert not [pid for pid in workers if _running(pid)], "a worker process outlived the check"


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_shard_keeps_its_visited_states_in_at_most_32_bytes_each() -> None:
    checked = spec.load_file(SPECS / "two_phase_commit.fl")
    model = SystemModel(spec.instantiate(checked, "classic", {"N": 6}), None, symmetry=False)
    result = explore(model, workers=1, shard_from=1000)
    assert result.stats.distinct == 50_816
    assert result.stats.table_bytes / result.stats.distinct <= 32


def test_a_worker_that_dies_is_reported_as_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    checked = spec.load_file(SPECS / "two_phase_commit.fl")
    model = SystemModel(spec.instantiate(checked, "classic", {"N": 5}), None, symmetry=False)
    original = Processes.round

    def killing(self: Processes, limit: int, insert: bool) -> list[Report]:
        self.processes[1].kill()
        return original(self, limit, insert)

    monkeypatch.setattr(Processes, "round", killing)
    with pytest.raises(InternalError, match="search worker 1 ended unexpectedly"):
        explore(model, workers=2, shard_from=1)


def test_two_shards_on_a_local_ray_count_what_one_process_counts(tmp_path: Path) -> None:
    """Ray actors (the `cluster` extra) in place of worker processes: the same counts, verdicts and
    counterexample lengths, and a counterexample that replays."""
    ray = pytest.importorskip("ray")
    try:
        for spec_name, model, constants in [
            ("two_phase_commit", "classic", {"N": 5}),
            ("paxos_forgetful", "crash_recovery", {}),
        ]:
            checked = spec.load_file(SPECS / f"{spec_name}.fl")
            system = spec.instantiate(checked, model, constants)
            assert _search(system, workers=2, cluster="ray", shard_from=1) == _search(system), spec_name
        checked = spec.load_file(SPECS / "lease_clock_skew.fl")
        options = CheckOptions(out_dir=tmp_path, workers=2, cluster="ray", shard_from=1)
        results = check_model(checked, "naive_skewed", options)
        violated = [r for r in results if r.verdict == Verdict.VIOLATED]
        assert [(r.property, r.trace_length, r.stats.shards) for r in violated] == [("no_clobber", 13, 2)]
        document = json.loads(Path(violated[0].trace or "").read_text())
        assert replay(document, checked).reaches_violation
    finally:
        ray.shutdown()


def test_a_cluster_that_is_not_rays_is_refused_before_any_search() -> None:
    done = CliRunner().invoke(
        main, ["check", str(SPECS / "retry_increment.fl"), "--cluster", "yarn://head:1"]
    )
    assert done.exit_code == 2
    assert 'error: --cluster yarn://head:1: expected "ray"' in done.output


def test_shards_in_one_process_route_batches_as_worker_processes_do() -> None:
    """The differential tests' transport (differential/shards.py) counts what one process counts: the
    random specs compare every back end with it."""
    checked = spec.load_file(SPECS / "quorum_leader.fl")
    system = spec.instantiate(checked, "majority_partitioned")
    sharding = LocalSharding(lambda: SystemModel(system, None), 3)
    assert _search(system, sharding=sharding) == _search(system)


def test_a_memory_bound_counts_the_workers_memory_too() -> None:
    """--max-memory bounds every process of a search: a bound this process alone stays under is reached
    once the two workers' resident memory is added."""
    checked = spec.load_file(SPECS / "two_phase_commit.fl")
    system = spec.instantiate(checked, "classic", {"N": 7})
    bound = resident_memory() + 40 * 2**20  # each worker holds more than 20 MiB once its model is built
    result = explore(SystemModel(system, None, symmetry=False), max_memory=bound, workers=2, shard_from=1000)
    assert not result.complete and result.stop_reason is not None
    assert result.stop_reason.startswith("memory bound")
    assert result.stats.shards == 2
