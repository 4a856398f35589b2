"""Two-phase commit with the variables of the classic TLA+ TwoPhase spec: the distinct state counts must
be TLC's, without symmetry reduction and with it (TLC's `SYMMETRY Permutations(RM)`; the .tla and .cfg files
are in benchmarks/peers/tla/)."""

from __future__ import annotations

import pytest

import spec
from explorer.search import explore
from explorer.semantics.system import SystemModel
from tests.conftest import SPECS

TLC_DISTINCT_STATES = {3: 288, 4: 1568, 5: 8832}
TLC_SYMMETRIC_DISTINCT_STATES = {3: 80, 4: 166, 5: 314, 6: 553, 7: 920}


def _model(n: int, symmetry: bool = False) -> SystemModel:
    checked = spec.load_file(SPECS / "two_phase_commit.fl")
    return SystemModel(spec.instantiate(checked, "classic", {"N": n}), symmetry=symmetry)


@pytest.mark.parametrize("n", sorted(TLC_DISTINCT_STATES))
def test_distinct_states_match_tlc(n: int) -> None:
    result = explore(_model(n))
    assert result.complete
    assert result.discoveries == {}
    assert result.stats.distinct == TLC_DISTINCT_STATES[n]


@pytest.mark.parametrize("n", sorted(TLC_SYMMETRIC_DISTINCT_STATES))
def test_symmetry_reduction_finds_one_state_per_orbit_as_tlc_does(n: int) -> None:
    model = _model(n, symmetry=True)
    assert model.symmetric == ["RM"]
    result = explore(model)
    assert result.complete and result.discoveries == {}
    assert result.stats.distinct == TLC_SYMMETRIC_DISTINCT_STATES[n]


def test_depth_first_search_reaches_the_same_states() -> None:
    bfs = explore(_model(4))
    dfs = explore(_model(4), order="dfs")
    assert dfs.stats.distinct == bfs.stats.distinct == TLC_DISTINCT_STATES[4]
    assert dfs.stats.generated == bfs.stats.generated


def test_a_state_bound_makes_the_search_incomplete() -> None:
    result = explore(_model(5), max_states=1000)
    assert not result.complete
    assert result.stop_reason == "state bound 1000 reached"
    assert 1000 <= result.stats.distinct < TLC_DISTINCT_STATES[5]


def test_a_depth_bound_cuts_the_search_only_when_states_lie_beyond_it() -> None:
    shallow = explore(_model(3), max_depth=4)
    assert not shallow.complete and shallow.stop_reason == "depth bound 4 reached"
    assert shallow.stats.distinct < TLC_DISTINCT_STATES[3]
    exact = explore(_model(3), max_depth=10)  # the deepest state of N = 3 is 10 steps away
    assert exact.complete and exact.stats.distinct == TLC_DISTINCT_STATES[3]
