"""Every example spec has its expected verdicts, and every counterexample replays against its spec."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import spec
from explorer.compile import NO_RUNTIME_ERRORS
from explorer.plan import Plan
from explorer.run import CheckOptions, check_model
from explorer.semantics.reduction import unreducible
from faultline.cli import main
from tests.conftest import SPECS

HOLDS = "holds"

# spec -> model -> property -> HOLDS, or the length of the shortest counterexample.
# Properties not listed must hold (in particular no_runtime_errors).
EXPECTED: dict[str, dict[str, dict[str, str | int]]] = {
    "two_phase_commit": {"classic": {"consistent": HOLDS}},
    "retry_increment": {
        # asynchronous: no delivery is owed, so the client may wait for ever
        "naive_reliable": {"applied_once": 3, "gets_ack": 0},
        "naive_lossy": {"applied_once": 3, "gets_ack": 0},
        "idempotent_lossy": {"applied_once": HOLDS, "gets_ack": 0},
        "idempotent_duplicating": {"applied_once": HOLDS, "gets_ack": 0},
        "idempotent_synchronous_lossy": {"applied_once": HOLDS, "gets_ack": HOLDS},
        "idempotent_synchronous_losing_every_attempt": {"applied_once": HOLDS, "gets_ack": 10},
        "idempotent_synchronous_unbounded_loss": {"applied_once": HOLDS, "gets_ack": 10},
    },
    "heartbeat_detector": {
        "synchronous": {"completeness": HOLDS, "accuracy": HOLDS},
        "before_gst": {"completeness": 9, "accuracy": 9},
    },
    "alternating_bit": {
        "reorder_lossy": {"in_order": 5},
        "fifo_lossy_duplicating": {"in_order": HOLDS},
    },
    "quorum_leader": {
        "half_quorum_partitioned": {"one_leader_per_term": 6},
        "majority_partitioned": {"one_leader_per_term": HOLDS},
    },
    "vote_durability": {
        "no_crashes": {"one_leader_per_term": HOLDS},
        "crash_recovery": {"one_leader_per_term": 8},
    },
    "lease_lock": {
        "no_pauses": {"no_clobber": HOLDS},
        "gc_pauses": {"no_clobber": 12},
    },
    "lease_fencing": {
        "no_pauses": {"no_clobber": HOLDS},
        "gc_pauses": {"no_clobber": HOLDS},
    },
    "byzantine_agreement": {
        "three_generals_one_traitor": {"agreement": 6},
        "four_generals_one_traitor": {"agreement": HOLDS, "validity": HOLDS},
    },
    "byzantine_fencing": {
        "honest_clients": {"fence_follows_lock": HOLDS},
        "byzantine_client": {"fence_follows_lock": 1},
        "byzantine_client_signed_tokens": {"fence_follows_lock": HOLDS},
    },
    "lease_clock_skew": {
        "naive_no_skew": {"no_clobber": HOLDS},
        "naive_skewed": {"no_clobber": 13},
        "margin_of_skew": {"no_clobber": 13},
        "margin_of_twice_skew": {"no_clobber": HOLDS},
        "monotonic_duration": {"no_clobber": HOLDS},
    },
    "lww_skew": {
        "clock_no_skew": {"no_lost_update": HOLDS},
        "clock_skewed": {"no_lost_update": 6},
        "lamport_skewed": {"no_lost_update": HOLDS},
    },
    "ntp_timeout": {
        "clock_skewed": {"no_false_suspicion": HOLDS, "detected_in_time": HOLDS},
        "clock_ntp": {"no_false_suspicion": 6, "detected_in_time": 14},
        "mono_ntp": {"no_false_suspicion": HOLDS, "detected_in_time": HOLDS},
    },
    "truetime_commit_wait": {
        "naive_exact_clocks": {"snapshot_order": HOLDS},
        "naive_skewed": {"snapshot_order": 3},
        "commit_wait_skewed": {"snapshot_order": HOLDS},
        "commit_wait_drift": {"snapshot_order": HOLDS},
    },
    "failover_timeout": {
        "naive_synchronous": {"no_clobber": HOLDS, "one_primary": HOLDS},
        "naive_before_gst": {"no_clobber": 8, "one_primary": 7},
        "naive_after_gst": {"no_clobber": HOLDS, "one_primary": HOLDS},
        "epochs_before_gst": {"no_clobber": HOLDS, "one_primary": 7},
    },
    "asymmetric_partition": {
        "naive_asymmetric": {"one_leader_serving": 15},
        "acked_asymmetric": {"one_leader_serving": HOLDS},
        "acked_reorder": {"one_leader_serving": HOLDS},
        "acked_lease_too_long": {"one_leader_serving": 16},
    },
    "vote_durability_fixed": {
        "no_crashes": {"one_leader_per_term": HOLDS},
        "crash_recovery": {"one_leader_per_term": HOLDS},
    },
    "paxos": {
        "lossy": {"agreement": HOLDS},
        "crash_recovery": {"agreement": HOLDS},
    },
    "paxos_forgetful": {
        "no_crashes": {"agreement": HOLDS},
        "crash_recovery": {"agreement": 16},
    },
}


def test_every_example_spec_has_expected_verdicts() -> None:
    on_disk = {p.stem for p in SPECS.glob("*.fl")}
    assert on_disk == set(EXPECTED)
    for name, models in EXPECTED.items():
        checked = spec.load_file(SPECS / f"{name}.fl")
        assert spec.model_names(checked) == list(models), name


def test_every_example_model_declares_the_verdicts_it_gets() -> None:
    """The `expect` lines of each example spec say what this table says (`faultline check specs/` exits 0)."""
    for name, models in EXPECTED.items():
        checked = spec.load_file(SPECS / f"{name}.fl")
        assert all(m.expects for m in checked.ast.models), name
        for model, verdicts in models.items():
            declared = spec.instantiate(checked, model).model
            for prop in spec.property_names(checked):
                want = "holds" if verdicts.get(prop, HOLDS) == HOLDS else "violated"
                assert declared.expected(prop) == want, (name, model, prop)


CASES = [(s, m) for s, models in EXPECTED.items() for m in models]


@pytest.mark.parametrize("por", [False, True], ids=["plain", "por"])
@pytest.mark.parametrize(("spec_name", "model"), CASES, ids=[f"{s}-{m}" for s, m in CASES])
def test_example_verdicts_and_replayed_counterexamples(
    spec_name: str, model: str, por: bool, tmp_path: Path
) -> None:
    """The same verdicts with partial-order reduction as without; its counterexamples replay too, and are
    no shorter than the shortest (they may be longer: the reduced search is not breadth-first over all)."""
    path = SPECS / f"{spec_name}.fl"
    checked = spec.load_file(path)
    if por and (why := unreducible(Plan.of(spec.instantiate(checked, model)))) is not None:
        pytest.skip(f"--por leaves this model's search as it is: {why}")  # test_por.py: and says so
    results = check_model(checked, model, CheckOptions(out_dir=tmp_path, por=por))
    expected = EXPECTED[spec_name][model]
    verdicts = {r.property: r for r in results}
    assert NO_RUNTIME_ERRORS in verdicts
    for prop, result in verdicts.items():
        want = expected.get(prop, HOLDS)
        if want == HOLDS:
            assert result.verdict == "holds", (prop, result.reason)
            continue
        assert result.verdict == "violated", prop
        if por and not result.shortest:
            assert (
                isinstance(want, int) and result.trace_length is not None and result.trace_length >= want
            ), prop
        else:
            assert result.trace_length == want, prop
        assert result.trace is not None
        trace = Path(result.trace)
        assert trace.exists() and trace.with_suffix("").with_suffix(".txt").exists()
        replayed = CliRunner().invoke(main, ["replay", str(trace), str(path)])
        assert replayed.exit_code == 0, replayed.output
        lasso = result.kind == "liveness"
        assert f"{'fair run that' if lasso else 'reaches a state that'} violates {prop}" in replayed.output
