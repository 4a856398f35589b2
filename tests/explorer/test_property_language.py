"""The property language's conveniences, in every back end: `index(n)`, named pure definitions, a model
that switches a variable's durability, and step properties with `old(e)`. Each is checked by the explorer
and by bmc, which must agree, and every counterexample is replayed against its spec."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from explorer.bmc.prove import run_prove
from faultline.cli import main
from tests.conftest import build
from tests.explorer.test_soundness import lengths_by_backend, replay_cli


def check_and_replay(text: str, tmp_path: Path, model: str | None = None) -> dict[str, int | None]:
    """`faultline check` on a spec: each property's counterexample length (None: it holds), after
    replaying every trace written."""
    spec_file = tmp_path / "spec.fl"
    spec_file.write_text(text)
    args = ["check", str(spec_file), "--json", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, *(["-m", model] if model else [])])
    assert result.exit_code in (0, 1), result.output
    verdicts: dict[str, int | None] = {}
    for row in json.loads(result.stdout)["results"]:
        verdicts[row["property"]] = row["trace_length"] if row["verdict"] == "violated" else None
        if row["verdict"] == "violated":
            code, output = replay_cli(row["trace"], text, tmp_path)
            assert code == 0 and f"violates {row['property']}" in output, output
    return verdicts


# ---------------------------------------------------------------- index(n)

INDEX = """
node P * 2 {
  var ballot: 0..4 = index(self) + 1
  action raise when ballot < 3 { ballot = ballot + 2 }
}
invariant own_ballots: all p in P: p.ballot % 2 == (index(p) + 1) % 2
invariant second_stays_low: P[1].ballot <= 2 + index(P[0])
"""


def test_index_gives_each_instance_its_number_in_every_back_end(tmp_path: Path) -> None:
    explicit, symbolic = lengths_by_backend(INDEX, 3)
    assert explicit == symbolic == {"second_stays_low": 1}
    assert check_and_replay(INDEX, tmp_path)["own_ballots"] is None


# ---------------------------------------------------------------- a model switches durability

VOTE = """
node Voter {
  var voted: bool = false
  ghost var votes: 0..2 = 0
  action vote when not voted { voted = true; votes = votes + 1 }
}
invariant once: Voter.votes <= 1
model forgetful { volatile Voter.voted; faults { crash_recovery <= 1 of Voter } }
model careful { durable Voter.voted; faults { crash_recovery <= 1 of Voter } }
"""


def test_a_model_can_make_a_variable_volatile_or_durable(tmp_path: Path) -> None:
    explicit, symbolic = lengths_by_backend(VOTE, 4, "forgetful")
    assert explicit == symbolic == {"once": 4}  # vote, crash, recover (forgetting), vote again
    assert lengths_by_backend(VOTE, 4, "careful") == ({}, {})
    assert check_and_replay(VOTE, tmp_path, "forgetful")["once"] == 4


# ---------------------------------------------------------------- step invariants: old(e)

FENCE = """
const FENCED = false
message Write(token: 0..3)
node Client * 2 {
  var t: 0..3 = index(self) + 1
  action go when t > 0 { send Write(t) to Storage; t = 0 }
}
node Storage {
  var max_token: 0..3 = 0
  on Write(t) { if not FENCED or t > max_token { max_token = t } }
}
invariant tokens_grow: Storage.max_token >= old(Storage.max_token)
model naive { network { reorder } }
model fenced { const FENCED = true; network { reorder } }
"""


def test_a_step_invariant_compares_each_state_with_the_one_before(tmp_path: Path) -> None:
    explicit, symbolic = lengths_by_backend(FENCE, 5, "naive")
    assert explicit == symbolic == {"tokens_grow": 4}  # both writes sent, the newer one lands first
    assert check_and_replay(FENCE, tmp_path, "naive")["tokens_grow"] == 4
    assert lengths_by_backend(FENCE, 5, "fenced") == ({}, {})


def test_prove_proves_a_step_invariant_by_induction() -> None:
    assert run_prove(build(FENCE, "fenced"), "tokens_grow", [], k=1).verdict == "proved"
    assert run_prove(build(FENCE, "naive"), "tokens_grow", [], k=1).verdict == "not_inductive"


BACK = """
node A {
  var x: 0..1 = 0
  action up when x == 0 { x = 1 }
  action down when x == 1 { x = 0 }
}
invariant never_down: A.x >= old(A.x)
"""


def test_a_step_back_into_a_state_seen_before_is_checked_too(tmp_path: Path) -> None:
    explicit, symbolic = lengths_by_backend(BACK, 3)
    assert explicit == symbolic == {"never_down": 2}
    assert check_and_replay(BACK, tmp_path)["never_down"] == 2


# ---------------------------------------------------------------- definitions

QUORUM = """
const QUORUM = 2
def votes_for(v: 0..2) = count a in Acceptor: a.accepted == v
def chosen(v: 0..2) = votes_for(v) >= QUORUM
def next_value(v: 0..2) = if v < 2 then v + 1 else v
node Acceptor * 3 {
  var accepted: 0..2 = 0
  action accept when accepted < 2 { accepted = next_value(accepted) }
}
invariant one_chosen: not (chosen(1) and chosen(2))
invariant nothing_chosen: all v in 1..2: not chosen(v)
invariant each_counts_itself: all a in Acceptor: votes_for(a.accepted) >= 1
"""


def test_definitions_name_expressions_for_properties_and_handlers(tmp_path: Path) -> None:
    explicit, symbolic = lengths_by_backend(QUORUM, 5)
    # two acceptors each take one step to 1; three steps more would be needed to choose 2 as well
    assert explicit == symbolic == {"nothing_chosen": 2}
    verdicts = check_and_replay(QUORUM, tmp_path)
    assert verdicts == {
        "one_chosen": None,
        "nothing_chosen": 2,
        "each_counts_itself": None,
        "no_runtime_errors": None,
    }


def test_a_definition_used_inside_its_own_argument_keeps_its_locals_apart() -> None:
    # the argument's `at_least` runs its loop over `a` in the middle of the outer one's: were they one
    # local, the outer count would compare the last acceptor only
    nested = (
        QUORUM
        + """
def at_least(v: 0..2) = count a in Acceptor: v <= a.accepted
invariant nested: at_least(min(2, at_least(0) - 1)) == (count a in Acceptor: a.accepted >= 2)
"""
    )
    explicit, symbolic = lengths_by_backend(nested, 5)
    assert explicit == symbolic == {"nothing_chosen": 2}
