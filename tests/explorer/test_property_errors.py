"""A property that cannot be evaluated in a reachable state (a `none` read as a value, the minimum of an
empty set, an instance index out of range) does not hold there: every back end reports it as violated, with
the trace that reaches that state — never as faultline's own internal error."""

from __future__ import annotations

import spec
from explorer.run import CheckOptions, bmc_model, check_model

SPEC = """
node A * 2 {
  var y: 0..3? = none
  var s: set<0..3> = {1}
  var k: 0..3 = 0
  action empty when 1 in s { s = {} }
  action grow when k < 3 { k = k + 1 }
}
invariant min_of_empty: min(A[0].s) > 0
invariant none_as_value: A[0].y <= 2 or true
invariant index_out_of_range: A[A[1].k].k <= 3
"""


def test_a_property_that_fails_to_evaluate_is_violated_in_check_and_bmc_alike() -> None:
    checked = spec.load(SPEC, "errors.fl")
    explicit = {r.property: r for r in check_model(checked, "default", CheckOptions(out_dir=None))}
    symbolic = {r.property: r for r in bmc_model(checked, "default", 3, CheckOptions(out_dir=None))}
    expected = {"min_of_empty": 1, "none_as_value": 0, "index_out_of_range": 2}
    for name, length in expected.items():
        assert (explicit[name].verdict, explicit[name].trace_length) == ("violated", length), name
        assert (symbolic[name].verdict, symbolic[name].trace_length) == ("violated", length), name


NONE_INTO_PLAIN = """
spec none_into_plain
enum Phase { e1, e2 }
message M(phase: Phase?, flag: bool?)
node A {
  var phase: Phase = e1
  var flag: bool = false
  on M(p, f) { phase = p  flag = f }
}
node B {
  var sent: bool = false
  action go when not sent { sent = true  send M(none, true) to A }
}
model reliable { }
model byzantine_b { faults { byzantine <= 1 of B } }
"""


def test_none_into_an_enum_or_bool_variable_is_a_run_time_error_in_check_and_bmc_alike() -> None:
    """A `Phase?` or `bool?` value stored where a `Phase` or `bool` is wanted is checked not to be `none`
    (the explorer once let it through, where the Z3 back end reported it: a differential test found it)."""
    checked = spec.load(NONE_INTO_PLAIN, "none.fl")
    for model, length in (("reliable", 2), ("byzantine_b", 1)):
        explicit = {r.property: r for r in check_model(checked, model, CheckOptions(out_dir=None))}
        symbolic = {r.property: r for r in bmc_model(checked, model, 3, CheckOptions(out_dir=None))}
        for results in (explicit, symbolic):
            found = results["no_runtime_errors"]
            assert (found.verdict, found.trace_length) == ("violated", length), model
        assert "phase cannot be `none`" in (explicit["no_runtime_errors"].counterexample_text or "")
