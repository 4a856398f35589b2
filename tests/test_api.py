"""The Python API (`import faultline`): load a spec from a path or text, run each engine, read typed results."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import faultline
from faultline.cli import main
from tests.conftest import ROOT, SPECS

LEASE = SPECS / "lease_lock.fl"
RETRY = ROOT / "tests" / "data" / "reports" / "retry_increment.fl"  # safety only: fixed counts


def test_check_returns_typed_verdicts_counts_and_a_replayable_counterexample(tmp_path: Path) -> None:
    spec = faultline.load(LEASE)
    assert (
        faultline.load(str(LEASE)).name
        == faultline.load(LEASE.read_text(encoding="utf-8")).name
        == "lease_lock"
    )
    report = faultline.check(spec, model="gc_pauses", out_dir=tmp_path)
    assert report.engine is faultline.Engine.EXPLORER and report.models == ["gc_pauses"]
    result = report.result("gc_pauses", "no_clobber")
    assert result.verdict is faultline.Verdict.VIOLATED and result.expected is faultline.Expected.VIOLATED
    assert result.matches and result.mismatch() is None and report.exit_code == 0
    assert result.trace_length == 12 and result.path is not None and result.path.length == 12
    assert result.stats.distinct > 0 and result.stats.depth >= 12
    assert result.line == next(
        n for n, x in enumerate(LEASE.read_text().splitlines(), 1) if x.startswith("invariant")
    )
    assert result.trace is not None
    replayed = CliRunner().invoke(main, ["replay", result.trace, str(LEASE)])
    assert replayed.exit_code == 0, replayed.output


def test_no_trace_files_unless_asked_and_properties_and_constants_are_selected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = faultline.check(RETRY, ["naive_lossy", "idempotent_lossy"], "applied_once", {"RETRIES": 1})
    assert not list(tmp_path.iterdir())
    assert [(r.model, r.property) for r in report.results] == [
        ("naive_lossy", "applied_once"),
        ("idempotent_lossy", "applied_once"),
    ]
    assert report.result("naive_lossy", "applied_once").trace is None


def test_a_spec_with_errors_raises_with_located_diagnostics() -> None:
    with pytest.raises(faultline.SpecError) as caught:
        faultline.load("node A {\n  var x: 0..3 = y\n}\n")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == ("FL200", 2, 17)
    with pytest.raises(faultline.SpecError, match="no model 'gc_pause'"):
        faultline.check(LEASE, model="gc_pause")


def test_a_mistyped_path_is_a_missing_file_not_a_spec_text() -> None:
    with pytest.raises(FileNotFoundError):
        faultline.load(str(SPECS / "lease_lok.fl"))
    with pytest.raises(FileNotFoundError):
        faultline.check("specs/no_such_spec.fl")


def test_an_observer_hears_progress_each_violation_as_found_and_each_model() -> None:
    heard: list[tuple[str, ...]] = []

    class Listener(faultline.Observer):
        def violation(self, model: str, prop: str, steps: int, stats: faultline.Stats) -> None:
            heard.append(("violation", model, prop, str(steps)))

        def model_finished(self, model: str, results: list[faultline.PropertyResult]) -> None:
            heard.append(("finished", model))

    faultline.check(RETRY, observer=Listener())
    assert heard == [
        ("violation", "naive_reliable", "applied_once", "3"),
        ("finished", "naive_reliable"),
        ("violation", "naive_lossy", "applied_once", "3"),
        ("finished", "naive_lossy"),
        ("finished", "idempotent_lossy"),
        ("finished", "idempotent_duplicating"),
    ]


def test_every_engine_gives_the_same_result_type(tmp_path: Path) -> None:
    bmc = faultline.bmc(RETRY, 4, model="naive_lossy", out_dir=tmp_path / "bmc")
    simulated = faultline.simulate(
        RETRY, runs=20, depth=10, seed=3, model="naive_lossy", out_dir=tmp_path / "sim"
    )
    proved = faultline.prove(SPECS / "two_phase_commit.fl", properties="no_runtime_errors")
    for report, engine in ((bmc, faultline.Engine.BMC), (simulated, faultline.Engine.SIMULATE)):
        result = report.result("naive_lossy", "applied_once")
        assert (result.backend, result.verdict, result.trace_length) == (
            engine,
            faultline.Verdict.VIOLATED,
            3,
        )
        assert result.trace is not None
        replayed = CliRunner().invoke(main, ["replay", result.trace, str(RETRY)])
        assert replayed.exit_code == 0, replayed.output
    assert simulated.extra == {"seed": 3}
    (result,) = proved.results
    assert (result.backend, result.verdict) == (faultline.Engine.PROVE, faultline.Verdict.HOLDS)


def test_a_verdict_other_than_the_expected_one_is_a_mismatch_with_exit_code_1() -> None:
    text = RETRY.read_text(encoding="utf-8").replace("expect applied_once violated", "expect all hold", 1)
    report = faultline.check(text, model="naive_reliable")
    (mismatch,) = report.mismatches
    assert (
        mismatch.mismatch() == "naive_reliable: expected applied_once to hold but it was violated in 3 steps"
    )
    assert report.exit_code == 1


def test_a_counterexample_reads_as_text_without_any_file_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = faultline.check(RETRY, model="naive_lossy")
    assert not list(tmp_path.iterdir())  # nothing written
    violated = report.result("naive_lossy", "applied_once")
    text = violated.counterexample_text
    assert text is not None and violated.trace is None
    assert text.startswith("invariant applied_once is VIOLATED in model naive_lossy of retry_increment")
    assert "  1. Client: timer retry fires" in text and text.endswith(
        "VIOLATED: applied_once — Server.counter <= 1\n"
    )
    assert report.result("naive_lossy", "no_runtime_errors").counterexample_text is None  # it holds
    written = faultline.check(RETRY, model="naive_lossy", out_dir=tmp_path / "cx")
    txt = written.result("naive_lossy", "applied_once").counterexample
    assert txt is not None and Path(txt).read_text(encoding="utf-8") == text  # the very text of the file
    lasso = faultline.check(SPECS / "retry_increment.fl", model="naive_lossy", properties="gets_ack")
    looping = lasso.result("naive_lossy", "gets_ack").counterexample_text  # a liveness counterexample
    assert looping is not None and "for ever" in looping and looping.endswith("Client.acked\n")
