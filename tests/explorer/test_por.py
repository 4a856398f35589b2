"""Partial-order reduction (`check --por`): fewer states where steps of different nodes commute, the same
verdicts always — a message still on its way and a cycle of the reduced graph are the two ways a reduction
can lose a violation, and each has a spec here that a reduction without its condition gets wrong — and a
counterexample that is marked when it may not be a shortest one, and shortened on request."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import faultline
import spec
from explorer.search import explore
from explorer.search.explore import _Search
from explorer.semantics.reduction import PartialOrder
from explorer.semantics.system import SystemModel
from faultline.cli import main

DATA = Path(__file__).parent.parent / "data" / "por"


def search(name: str, model: str, reduce: bool) -> tuple[SystemModel, set[str], int]:
    checked = spec.load_file(DATA / f"{name}.fl")
    system_model = SystemModel(spec.instantiate(checked, model, None), por=reduce)
    result = explore(system_model, reduce=reduce)
    assert result.complete
    return system_model, set(result.discoveries), result.stats.distinct


def test_steps_of_independent_nodes_are_taken_in_one_order(tmp_path: Path) -> None:
    _, plain, states = search("independent_workers", "reliable", reduce=False)
    model, reduced, fewer = search("independent_workers", "reliable", reduce=True)
    assert model.partial_order is not None
    assert plain == reduced == {"not_all_done"}
    assert (states, fewer) == (216, 20)
    # the counterexample of the reduced search replays against the spec
    path = DATA / "independent_workers.fl"
    report = faultline.check(path, por=True, out_dir=tmp_path)
    [violated] = [r for r in report.results if r.verdict == "violated"]
    assert violated.trace is not None
    replayed = CliRunner().invoke(main, ["replay", violated.trace, str(path)])
    assert replayed.exit_code == 0, replayed.output


def test_a_node_that_may_still_hear_from_another_is_not_reduced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The receiver's own step is independent of everything enabled at the start, but not of the message
    the sender has yet to send: only the sender's step may be taken alone there."""
    assert search("late_message", "reliable", reduce=True)[1] == {"never_early"}
    monkeypatch.setattr(PartialOrder, "_may_hear_from", lambda self, p, moving: False)
    assert search("late_message", "reliable", reduce=True)[1] == set()  # what C1 is there for


def test_the_cycle_proviso_keeps_a_step_from_being_put_off_for_ever(monkeypatch: pytest.MonkeyPatch) -> None:
    assert search("spinning", "plain", reduce=True)[1] == {"intact"}

    def without_proviso(self: _Search, state, successors, failures):  # type: ignore[no-untyped-def]
        ample = self.model.ample(state, successors, failures)
        return (successors, failures) if ample is None else (ample, [])

    monkeypatch.setattr(_Search, "ample", without_proviso)
    assert search("spinning", "plain", reduce=True)[1] == set()  # what C3 is there for


def test_a_step_that_fails_is_found_under_the_reduction() -> None:
    assert search("failing_step", "m", reduce=False)[1] == {"assert_line14"}
    found = search("failing_step", "m", reduce=True)[1]
    assert found == {"assert_line14"}


def test_a_longer_counterexample_is_marked_and_shortened_on_request(tmp_path: Path) -> None:
    path = DATA / "spinning.fl"
    [plain] = [r for r in faultline.check(path, out_dir=tmp_path / "a").results if r.verdict == "violated"]
    [reduced] = [
        r for r in faultline.check(path, por=True, out_dir=tmp_path / "b").results if r.verdict == "violated"
    ]
    [shortened] = [
        r
        for r in faultline.check(path, por=True, shorten=True, out_dir=tmp_path / "c").results
        if r.verdict == "violated"
    ]
    assert (plain.trace_length, plain.shortest) == (1, True)
    assert (reduced.trace_length, reduced.shortest) == (2, False)
    assert (shortened.trace_length, shortened.shortest) == (1, True)
    assert reduced.to_json()["shortest"] is False
    for r in (reduced, shortened):
        assert r.trace is not None
        replayed = CliRunner().invoke(main, ["replay", r.trace, str(path)])
        assert replayed.exit_code == 0, replayed.output
    out = CliRunner().invoke(main, ["check", str(path), "--por", "--out", str(tmp_path / "d")])
    assert "found under partial-order reduction: a shorter one may exist (--shorten" in out.output


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("lease_lock", "time is modelled"),
        ("byzantine_agreement", "a Byzantine node"),
    ],
)
def test_models_the_reduction_cannot_serve_are_left_whole_with_a_warning(
    name: str, why: str, tmp_path: Path
) -> None:
    path = Path(__file__).parent.parent.parent / "specs" / f"{name}.fl"
    out = CliRunner().invoke(main, ["check", str(path), "--por", "--out", str(tmp_path), "--json"])
    assert out.exit_code == 0, out.output
    assert "--por leaves model" in out.stderr and why in out.stderr
