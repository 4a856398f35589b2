"""The fixpoint the differential tests check liveness with (differential/liveness.py) agrees with `check` on
every liveness property of every bundled example, where the verdicts turn on fairness — and tells a fair
violation from an unfair one on its own."""

from __future__ import annotations

import pytest

import spec
from differential.liveness import fair_violation
from explorer.run import CheckOptions, liveness_verdicts
from explorer.search.liveness import build_graph
from explorer.semantics.system import SystemModel
from tests.conftest import SPECS

CASES = [
    (path.stem, name)
    for path in sorted(SPECS.glob("*.fl"))
    if "liveness " in path.read_text(encoding="utf-8")
    for name in spec.model_names(spec.load_file(path))
]


@pytest.mark.parametrize(("spec_name", "model_name"), CASES, ids=[f"{s}-{m}" for s, m in CASES])
def test_the_fixpoint_agrees_with_check_on_the_examples(spec_name: str, model_name: str) -> None:
    checked = spec.load_file(SPECS / f"{spec_name}.fl")
    system = spec.instantiate(checked, model_name)
    results = liveness_verdicts(checked, system, CheckOptions(out_dir=None))
    model = SystemModel(system, symmetry=False)
    graph = build_graph(model, None)
    assert graph is not None
    for r in results:
        assert fair_violation(model, graph, r.property) == (r.verdict == "violated"), r.property


PING = """
message Ping
node Client { on start { send Ping to Server } }
node Server { var busy: bool = false
  var got: bool = false
  action toggle when TOGGLES { busy = not busy }
  fair on Ping from c when not busy { got = true } }
liveness answered: eventually Server.got
"""


@pytest.mark.parametrize(("toggles", "violated"), [(True, True), (False, False)])
def test_a_step_enabled_only_now_and_then_is_not_owed(toggles: bool, violated: bool) -> None:
    """While the server toggles for ever (its action is owed and taken), the Ping is deliverable only now
    and then, never continuously: weak fairness does not owe its delivery, and it may stay in flight for
    ever. A server that never toggles owes it."""
    text = f"const TOGGLES = {str(toggles).lower()}\n{PING}"
    checked = spec.load(text, "ping.fl")
    system = spec.instantiate(checked, "default")
    model = SystemModel(system, symmetry=False)
    graph = build_graph(model, None)
    assert graph is not None
    assert fair_violation(model, graph, "answered") == violated
    (result,) = liveness_verdicts(checked, system, CheckOptions(out_dir=None))
    assert result.verdict == ("violated" if violated else "holds")
