"""The Z3 back end: bounded model checking agrees with the explorer on every example, its counterexamples
replay, and k-induction proves what it should and shows why when it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import spec
from explorer.bmc.bmc import run_bmc
from explorer.search import explore
from explorer.semantics.system import SystemModel
from faultline.cli import main
from tests.conftest import SPECS, build
from tests.test_specs import EXPECTED, HOLDS

# Unrolling deeper than this costs minutes for the timed specs with FIFO links; a violation further away
# is compared as "none within CAP" by both back ends.
CAP = 10
HOLDS_DEPTH = 5
# Paxos with crashes unrolls slowly (10 steps take minutes): its violation, 16 steps away, is compared as
# "none within 7".
CAPS = {"paxos_forgetful": 7}

CASES = [(s, m) for s, models in EXPECTED.items() for m in models]


@pytest.mark.parametrize(("spec_name", "model_name"), CASES, ids=[f"{s}-{m}" for s, m in CASES])
def test_bmc_agrees_with_the_explorer(spec_name: str, model_name: str, tmp_path: Path) -> None:
    lengths = [v for v in EXPECTED[spec_name][model_name].values() if v != HOLDS]
    depth = min(max(lengths), CAPS.get(spec_name, CAP)) if lengths else HOLDS_DEPTH
    path = SPECS / f"{spec_name}.fl"
    system = spec.instantiate(spec.load_file(path), model_name)
    explicit = explore(SystemModel(system), max_depth=depth)
    want = {name: d.length for name, d in explicit.discoveries.items()}
    model = SystemModel(system)
    result = run_bmc(model, depth, [p.name for p in model.properties])
    assert result.complete
    got = {name: f.length for name, f in result.found.items()}
    assert got == want
    for name, found in result.found.items():  # every counterexample is a real path of the explorer ...
        assert found.path.length == found.length
        if found.path.failure is None:
            assert name in model.violated(found.path.last_state)


def test_bmc_command_finds_the_lease_counterexample_check_finds(tmp_path: Path) -> None:
    lease = str(SPECS / "lease_lock.fl")
    checked = CliRunner().invoke(
        main, ["check", lease, "-m", "gc_pauses", "--json", "--out", str(tmp_path / "a")]
    )
    bmc = CliRunner().invoke(
        main, ["bmc", lease, "--depth", "12", "-m", "gc_pauses", "--json", "--out", str(tmp_path / "b")]
    )
    assert checked.exit_code == bmc.exit_code == 0  # the violation gc_pauses expects
    explicit = {r["property"]: r for r in json.loads(checked.stdout)["results"]}
    symbolic = {r["property"]: r for r in json.loads(bmc.stdout)["results"]}
    assert symbolic["no_clobber"]["verdict"] == "violated"
    assert symbolic["no_clobber"]["trace_length"] == explicit["no_clobber"]["trace_length"] == 12
    assert symbolic["no_clobber"]["backend"] == "bmc" and symbolic["no_clobber"]["distinct_states"] is None
    assert symbolic["no_runtime_errors"]["verdict"] == "holds"
    assert symbolic["no_runtime_errors"]["reason"] == "no counterexample within 12 steps"
    replayed = CliRunner().invoke(main, ["replay", symbolic["no_clobber"]["trace"], lease])
    assert replayed.exit_code == 0, replayed.output
    assert "reaches a state that violates no_clobber" in replayed.stdout


def test_bmc_says_none_within_the_depth_and_exits_0_or_3_where_a_violation_is_expected(
    tmp_path: Path,
) -> None:
    args = ["bmc", str(SPECS / "lease_lock.fl"), "--out", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--depth", "5", "-m", "no_pauses"])
    assert result.exit_code == 0, result.output
    assert "holds within 5 steps" in result.stdout
    # gc_pauses expects no_clobber violated, in 12 steps: not found within 11 is no refutation, but the
    # expectation is not met either, as a run stopped at a bound
    result = CliRunner().invoke(main, [*args, "--depth", "11", "-m", "gc_pauses"])
    assert result.exit_code == 3, result.output
    assert "holds within 11 steps (expected violated: not found within these bounds)" in result.stdout


def test_bmc_finds_failing_steps_too() -> None:
    text = """
message M(v: 0..1)
node A { var n: 0..5 = 0
  action bump when n < 5 { n = n + 1 }
  action tell when n == 2 { send M(n) to A }
  on M(v) { skip } }
"""
    model = build(text)
    result = run_bmc(model, 4, [p.name for p in model.properties])
    found = result.found["no_runtime_errors"]
    assert found.length == 3
    assert (
        found.path.failure is not None
        and "field v of M = 2 is out of its range" in found.path.failure[1].message
    )


def test_bmc_handles_choose_maps_options_and_crashes() -> None:
    text = """
message Put(k: 0..2)
node C { var done: bool = false
  action go when not done { done = true; choose k in 0..2 { send Put(k) to S } } }
node S {
  durable var m: map<0..2, 0..1> = {0: 0, 1: 1}
  var last: (0..2)? = none
  on Put(k) when k in m { last = k; m[k] = 1 - m[k] }
}
invariant never_flipped_two: S.last == none or S.last != 1 or S.m[1] == 1
model m { faults { crash_recovery <= 1 of S } }
"""
    model = build(text)
    explicit = explore(build(text), max_depth=6)
    result = run_bmc(model, 6, [p.name for p in model.properties])
    assert {n: f.length for n, f in result.found.items()} == {
        n: d.length for n, d in explicit.discoveries.items()
    }
    assert (
        result.found["never_flipped_two"].length == 2
    )  # go (choosing 1), deliver Put(1): m[1] = 0, last = 1


TWO_PC = str(SPECS / "two_phase_commit.fl")
LEMMAS = [
    "commit_comes_from_tm",
    "abort_comes_from_tm",
    "tm_commits_when_all_prepared",
    "committed_after_commit",
    "prepared_rm_has_voted",
    "prepared_rm_aborts_only_when_told",
]


@pytest.mark.parametrize("n", [3, 5])
def test_prove_proves_two_phase_commit_for_every_depth_with_its_lemmas(n: int, tmp_path: Path) -> None:
    args = [
        "prove",
        TWO_PC,
        "-m",
        "classic",
        "-i",
        "consistent",
        "-c",
        f"N={n}",
        "--json",
        "--out",
        str(tmp_path),
    ]
    for lemma in LEMMAS:
        args += ["--lemma", lemma]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["results"]
    assert row["verdict"] == "holds" and row["backend"] == "prove"
    assert row["reason"].startswith("proved by 1-induction with lemmas")


def test_prove_shows_a_counterexample_to_induction_when_the_invariant_is_not_inductive(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        main, ["prove", TWO_PC, "-m", "classic", "-i", "consistent", "--out", str(tmp_path)]
    )
    assert result.exit_code == 3
    assert "not inductive (CTI in 1 step)" in result.stdout
    cti = tmp_path / "two_phase_commit" / "classic" / "consistent.cti.txt"
    text = cti.read_text()
    assert "is not inductive" in text and "a state where every property holds (it may be unreachable)" in text
    document = json.loads(cti.with_name("consistent.cti.itf.json").read_text())
    assert document["#meta"]["counterexample_to_induction"] is True
    # the first state satisfies `consistent`, the last one does not
    model = SystemModel(spec.instantiate(spec.load_file(TWO_PC), "classic"))
    first, last = document["states"][0], document["states"][-1]

    def consistent(state: dict[str, object]) -> bool:
        values = [state[f"RM[{i}].state"] for i in range(3)]
        return not ("committed" in values and "aborted" in values)

    assert consistent(first) and not consistent(last)
    assert model.properties[0].name == "consistent"


def test_prove_reports_a_real_counterexample_from_the_base_case(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "prove",
            str(SPECS / "retry_increment.fl"),
            "-m",
            "naive_lossy",
            "--k",
            "4",
            "--json",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 3  # applied_once violated, as expected; no_runtime_errors not proved
    rows = {r["property"]: r for r in json.loads(result.stdout)["results"]}
    assert set(rows) == {"applied_once", "no_runtime_errors"}  # every invariant, assertion and runtime check
    row = rows["applied_once"]
    assert row["verdict"] == "violated" and row["trace_length"] == 3
    replayed = CliRunner().invoke(main, ["replay", row["trace"], str(SPECS / "retry_increment.fl")])
    assert replayed.exit_code == 0


def test_prove_refuses_models_with_real_time_politely() -> None:
    result = CliRunner().invoke(main, ["prove", str(SPECS / "lease_lock.fl"), "-m", "gc_pauses"])
    assert result.exit_code == 2
    assert "induction needs a model without real time" in result.stderr
