"""spec/lower.py: a checked spec and a model become the IR: constants evaluated (and overridden), names
resolved to frame slots through the node-id tables, types given their finite domains, and what only one
model gets wrong reported with its place."""

from __future__ import annotations

import textwrap

import pytest

import spec
from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.lower import lower


def lowered(text: str, model: str | None = None, overrides: dict[str, int] | None = None) -> ir.System:
    checked = spec.load(textwrap.dedent(text), "t.fl")
    return lower(checked, model or spec.model_names(checked)[0], overrides)


def refused(text: str, model: str | None = None) -> Diagnostic:
    with pytest.raises(SpecError) as raised:
        lowered(text, model)
    (diagnostic,) = raised.value.diagnostics
    return diagnostic


GRANTS = """\
const N = 2
const LIMIT = N * 3 - 1
message Grant(token: 0..LIMIT, until: 0..N)
signed message Order(value: bool)
node Lock {
  var issued: 0..LIMIT = 0
  on start { send Grant(1, 0) to Client[0]; send Order(true) to Client[1] }
}
node Client * N {
  var token: 0..LIMIT = 0
  on Grant(t, _until) from lock {
    let next = t + 1
    for c in Client { token = next }
  }
  on Order(v) from o signed by s { assert v }
}
invariant small: all c in Client: c.token <= LIMIT
model two { timing asynchronous }
model three { const N = 3; timing asynchronous }
"""


# ---------------------------------------------------------------- constants


def test_constants_are_evaluated_in_terms_of_each_other() -> None:
    assert dict(lowered(GRANTS).consts) == {"N": 2, "LIMIT": 5}


def test_a_model_sets_a_constant_and_what_depends_on_it_follows() -> None:
    system = lowered(GRANTS, "three")
    assert dict(system.consts) == {"N": 3, "LIMIT": 8}
    assert system.node_type("Client").count == 3


def test_an_override_takes_the_place_of_a_constant() -> None:
    assert dict(lowered(GRANTS, "two", {"N": 4}).consts) == {"N": 4, "LIMIT": 11}


def test_division_in_a_constant_rounds_toward_zero() -> None:
    system = lowered("const A = -7 / 2\nconst B = -7 % 2\nnode X { var x: bool = false }\n")
    assert dict(system.consts) == {"A": -3, "B": -1}


def test_a_constant_defined_by_itself_is_fl500_where_it_refers_to_itself() -> None:
    d = refused("const N = N + 1\nnode A { var x: 0..N = 0 }\n")
    assert (d.code, d.span.line, d.span.column) == ("FL500", 1, 11)


def test_a_constant_dividing_by_zero_is_fl500_at_the_division() -> None:
    d = refused("const N = 4 / (2 - 2)\nnode A { var x: 0..3 = 0 }\n")
    assert (d.code, d.span.line, d.span.column) == ("FL500", 1, 11)


# ---------------------------------------------------------------- types and nodes


def test_a_declared_range_is_evaluated_per_model() -> None:
    (var,) = lowered(GRANTS, "three").node_type("Lock").vars
    assert var.type == ir.IntT(0, 8)


def test_an_empty_range_is_fl501_at_the_type() -> None:
    d = refused("const N = 0\nnode A { var x: N..N - 1 = 0 }\n")
    assert (d.code, d.span.line, d.span.column) == ("FL501", 2, 17)


def test_instances_are_numbered_across_node_types_in_declaration_order() -> None:
    system = lowered(GRANTS)
    assert [(i.index, i.name) for i in system.instances] == [(0, "Lock"), (1, "Client[0]"), (2, "Client[1]")]
    assert system.node_type("Client").first == 1


def test_an_instance_index_out_of_range_is_fl502_at_the_index() -> None:
    d = refused("node Client * 2 { var x: 0..3 = 0 }\ninvariant i: Client[5].x == 0\n")
    assert (d.code, d.span.line, d.span.column) == ("FL502", 2, 21)


def test_a_signed_message_carries_its_signer_as_a_last_field() -> None:
    order = lowered(GRANTS).message("Order")
    assert [f.name for f in order.fields] == ["value", "signer"] and order.signed


def test_time_needs_a_model_with_clocks() -> None:
    d = refused("node A { var t: time = 0 }\n")
    assert (d.code, d.span.line, d.span.column) == ("FL403", 1, 17)


# ---------------------------------------------------------------- handlers and frames


def test_each_binding_of_a_handler_has_its_own_frame_slot() -> None:
    grant = lowered(GRANTS).node_type("Client").handlers[0]
    assert grant.params == (0, 1) and grant.sender_slot == 2  # fields first, then the sender
    let, loop = grant.body
    assert isinstance(let, ir.Let) and let.slot == 3
    assert isinstance(loop, ir.For) and loop.slot == 4
    assert grant.frame_size == 5


def test_a_local_reads_the_slot_its_binding_was_given() -> None:
    grant = lowered(GRANTS).node_type("Client").handlers[0]
    loop = grant.body[1]
    assert isinstance(loop, ir.For)
    (assign,) = loop.body
    assert isinstance(assign, ir.Assign) and assign.value == ir.Local(ir.IntT(1, 6), 3, "next")


def test_the_signer_takes_the_slot_of_the_last_field() -> None:
    order = lowered(GRANTS).node_type("Client").handlers[1]
    assert order.params == (0, 1) and order.sender_slot == 2


def test_an_unnamed_assertion_is_a_property_named_after_its_line() -> None:
    assert [name for name, _ in lowered(GRANTS).asserts] == ["assert_line15"]


def test_a_sum_has_the_range_of_its_operands_sum() -> None:
    let = lowered(GRANTS).node_type("Client").handlers[0].body[0]
    assert isinstance(let, ir.Let) and let.value.type == ir.IntT(1, 6)


def test_a_range_of_constants_is_a_literal_set() -> None:
    system = lowered("const N = 2\nnode A { var s: set<0..3> = 0..N }\n")
    assert system.node_type("A").vars[0].init == ir.Lit(ir.SetT(ir.IntT(0, 2)), frozenset({0, 1, 2}))


def test_empty_braces_are_the_empty_collection_a_set_and_a_map_share() -> None:
    system = lowered("node A { var m: map<0..1, bool> = {}\n var s: set<0..1> = {} }\n")
    for var in system.node_type("A").vars:
        assert isinstance(var.init, ir.Lit) and var.init.value == frozenset()
    assert isinstance(system.node_type("A").vars[0].type, ir.MapT)


def test_an_invariant_keeps_its_source_text() -> None:
    (inv,) = lowered(GRANTS).invariants
    assert (inv.name, inv.text) == ("small", "all c in Client: c.token <= LIMIT")
    assert isinstance(inv.expr, ir.Quant) and inv.frame_size == 1


# ---------------------------------------------------------------- models


def test_a_spec_without_model_blocks_has_the_default_model_asynchronous_and_reordering() -> None:
    system = lowered("node A { var x: bool = false }\n")
    assert system.model.name == spec.DEFAULT_MODEL
    assert system.model.timing == ir.Timing.ASYNCHRONOUS
    assert system.model.network.ordering == ir.Ordering.REORDER and system.model.faults == ()


def test_a_model_block_becomes_its_settings() -> None:
    system = lowered("""\
        const D = 2
        node A * 2 { var x: bool = false }
        model m {
          timing synchronous { delay <= D }
          network { fifo; loss <= 1 }
          faults { crash_recovery <= 1 of A }
          horizon 4
        }
        """)
    model = system.model
    assert (model.timing, model.delay, model.horizon) == (ir.Timing.SYNCHRONOUS, 2, 4)
    assert model.network == ir.Network(ir.Ordering.FIFO, loss=1)
    assert model.faults == (ir.FaultBudget(ir.FaultKind.CRASH_RECOVERY, "A", 1),)


def test_a_count_of_a_condition_compared_with_none_is_a_count() -> None:
    system = lowered(
        "const F = false\nnode B { var x: bool = false }\ninvariant i: (count b in {B}: (F != none)) <= 0\n"
    )
    (invariant,) = system.invariants
    assert invariant.name == "i"


def test_loss_without_a_bound_is_unbounded_and_the_other_network_budgets_need_one() -> None:
    system = lowered("node A { var x: bool = false }\nmodel m { network { reorder; loss } }\n")
    assert system.model.network == ir.Network(ir.Ordering.REORDER, unbounded_loss=True)
    for name in ("duplicate", "partition"):
        d = refused(f"node A {{ var x: bool = false }}\nmodel m {{ network {{ reorder; {name} }} }}\n")
        assert (d.code, d.span.line, d.message) == ("FL400", 2, f"'{name}' needs a budget: `{name} <= 1`")


def test_a_negative_budget_is_fl402_at_its_bound() -> None:
    d = refused("const K = 0 - 1\nnode A { var x: bool = false }\nmodel m { network { loss <= K } }\n")
    assert (d.code, d.span.line, d.span.column) == ("FL402", 3, 29)
