"""Symmetry reduction: one state per orbit of the permutations of a `symmetric` type's instances — exactly
(as trying every permutation would find), with shortest counterexamples that stay concrete, and refused with
a located warning where the spec tells the instances apart."""

from __future__ import annotations

import itertools
from collections import deque

import pytest

import spec
from explorer.search import explore
from explorer.semantics.system import SystemModel
from explorer.state import State
from tests.conftest import SPECS, build


def orbits_by_every_permutation(model: SystemModel) -> int:
    """The reachable states counted one per orbit the slow way: the least image under every permutation."""
    sym = model.symmetry
    assert sym is not None

    def least(state: State) -> State:
        images = []
        for combo in itertools.product(*(itertools.permutations(g) for g in sym.groups)):
            p = list(range(model.n))
            for group, moved in zip(sym.groups, combo, strict=True):
                for old, new in zip(group, moved, strict=True):
                    p[old] = new
            images.append(sym.permute(state, tuple(p)))
        return min(images)

    seen: set[State] = set()
    frontier: deque[State] = deque()
    for _, state in model.init_states():
        if least(state) not in seen:
            seen.add(least(state))
            frontier.append(state)
    while frontier:
        for _, after in model.successors(frontier.popleft())[0]:
            image = least(after)
            if image not in seen:
                seen.add(image)
                frontier.append(after)
    return len(seen)


CASES = [
    ("lease_lock", "gc_pauses"),
    ("vote_durability", "crash_recovery"),
    ("byzantine_fencing", "byzantine_client"),
    ("quorum_leader", "majority_partitioned"),
    ("two_phase_commit", "classic"),
]


@pytest.mark.parametrize(("spec_name", "model_name"), CASES, ids=[f"{s}-{m}" for s, m in CASES])
def test_the_representative_is_exact_one_state_per_orbit(spec_name: str, model_name: str) -> None:
    system = spec.instantiate(spec.load_file(SPECS / f"{spec_name}.fl"), model_name)
    reduced = explore(SystemModel(system))
    full = explore(SystemModel(system, symmetry=False))
    assert reduced.stats.distinct == orbits_by_every_permutation(SystemModel(system)) < full.stats.distinct
    # the same verdicts, and counterexamples just as short
    assert {n: d.length for n, d in reduced.discoveries.items()} == {
        n: d.length for n, d in full.discoveries.items()
    }


PEERS = """
message Vote(for_: Node)
node Node * 3 symmetric {
  var votes: set<Node> = {}
  var voted: Node? = none
  action vote when voted == none { choose n in Node { voted = n; broadcast Vote(n) to Node } }
  on Vote(n) from v { votes = votes | {v} }
}
invariant small: all n in Node: len(n.votes) <= 3
"""


def test_nodes_that_refer_to_one_another_are_permuted_everywhere_they_appear() -> None:
    model = build(PEERS)
    assert model.symmetric == ["Node"] and model.symmetry is not None and model.symmetry.ties_matter
    reduced = explore(model)
    assert reduced.stats.distinct == orbits_by_every_permutation(build(PEERS))
    assert reduced.stats.distinct < explore(build(PEERS, symmetry=False)).stats.distinct


@pytest.mark.parametrize(
    ("change", "why", "line"),
    [
        ("invariant first: Node[0].voted == none or true", "it names one Node, Node[0]", 10),
        (
            "node Pick { var first: Node? = none\n  action pick when first == none { for n in Node { "
            "if first == none { first = n } } } }",
            "a loop over Nodes has effects that depend on the order",
            11,
        ),
    ],
)
def test_a_spec_that_tells_instances_apart_is_not_reduced_and_says_where(
    change: str, why: str, line: int
) -> None:
    model = build(PEERS + change)
    assert model.symmetry is None and model.symmetric == []
    (warning,) = model.warnings
    assert warning.code == "FL505" and warning.severity == "warning"
    assert why in warning.message and warning.span.line == line


def test_a_type_with_too_many_instances_that_refer_to_one_another_is_left_unreduced_with_a_warning() -> None:
    """Every instance is tied with every other in an initial state: an exact representative of 8 instances
    would compare 8! orders of them (and 44 instances never finish), so the type is not reduced."""
    model = build(PEERS.replace("Node * 3", "Node * 8").replace("<= 3", "<= 8"))
    assert model.symmetry is None and model.symmetric == []
    (warning,) = model.warnings
    assert (warning.code, warning.severity, warning.span.line) == ("FL506", "warning", 3)
    assert "8 instances" in warning.message and "up to 7 instances" in warning.notes[0]
    result = explore(model, max_states=50)
    assert not result.complete and result.stats.distinct > 50  # 8 first votes alone: 64 states unreduced
    assert build(PEERS.replace("Node * 3", "Node * 7")).symmetric == ["Node"]
