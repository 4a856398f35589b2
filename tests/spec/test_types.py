"""spec/types/: type terms, and the checker's pass, which hands back its node-id tables together with
every diagnostic it finds (errors and warnings), not just the first."""

from __future__ import annotations

import textwrap

import pytest

from spec import ast
from spec.diagnostics import Diagnostic
from spec.names import collect
from spec.parser import parse
from spec.source import SourceFile
from spec.types import (
    BOOL,
    EMPTY,
    INT,
    UNKNOWN,
    EnumTy,
    MapTy,
    MsgTy,
    NodeTy,
    OptionTy,
    SetTy,
    TupleTy,
    Ty,
    TypeTable,
    assignable,
    check_types,
    unify,
)

PRELUDE = """\
enum Phase { idle, busy }
message Grant(token: 0..3)
signed message Order(value: bool)
node Lock {
  var holder: Client? = none
  var phases: map<Client, Phase> = {}
  ghost var grants: 0..3 = 0
  on start { send Grant(1) to Client[0]; send Order(true) to Client[1] }
}
node Client * 2 {
  var token: 0..3 = 0
  on Grant(t) from lock { token = t }
  on Order(v) from o { skip }
}
"""


def typed(text: str) -> tuple[ast.SpecFile, TypeTable, list[Diagnostic]]:
    tree = parse(SourceFile("t.fl", textwrap.dedent(text)))
    scope, found = collect(tree)
    assert found == []
    table, diagnostics = check_types(tree, scope)
    return tree, table, diagnostics


def type_of(expr: str) -> Ty:
    """The type of `expr` read by an invariant of PRELUDE (which must check)."""
    tree, table, diagnostics = typed(f"{PRELUDE}invariant i: ({expr}) == ({expr})\n")
    assert [d for d in diagnostics if d.severity == "error"] == []
    comparison = tree.invariants[0].expr
    assert isinstance(comparison, ast.BinaryExpr)
    return table.of(comparison.left)


def errors(text: str) -> list[tuple[str, int, int]]:
    _, _, diagnostics = typed(text)
    return [(d.code, d.span.line, d.span.column) for d in diagnostics if d.severity == "error"]


# ---------------------------------------------------------------- type terms


def test_unify_joins_optional_and_node_types() -> None:
    assert unify(INT, OptionTy(UNKNOWN)) == OptionTy(INT)
    assert unify(NodeTy("A"), NodeTy("B")) == NodeTy(None)
    assert unify(EMPTY, MapTy(INT, BOOL)) == MapTy(INT, BOOL)
    assert unify(INT, BOOL) is None
    assert unify(TupleTy((INT, BOOL)), TupleTy((INT,))) is None


def test_an_optional_value_may_be_stored_in_a_plain_variable_to_be_checked_at_run_time() -> None:
    assert assignable(OptionTy(INT), INT)
    assert assignable(INT, OptionTy(INT))
    assert assignable(UNKNOWN, OptionTy(NodeTy("A")))  # `none`
    assert not assignable(BOOL, OptionTy(INT))


# ---------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    ("expr", "ty"),
    [
        ("1 + 2", INT),
        ("not true", BOOL),
        ("busy", EnumTy("Phase")),
        ("Lock", NodeTy("Lock")),
        ("Client", SetTy(NodeTy("Client"))),
        ("Client[1]", NodeTy("Client")),
        ("Lock.holder", OptionTy(NodeTy("Client"))),
        ("Lock.phases", MapTy(NodeTy("Client"), EnumTy("Phase"))),
        ("keys(Lock.phases)", SetTy(NodeTy("Client"))),
        ("0..3", SetTy(INT)),
        ("(1, true)", TupleTy((INT, BOOL))),
        ("{c for c in Client if c.token > 0}", SetTy(NodeTy("Client"))),
        ("count c in Client: c.token > 0", INT),
        ("inflight(Grant)", SetTy(MsgTy("Grant"))),
        ("if true then Lock else Client[0]", NodeTy(None)),
    ],
)
def test_the_type_of_an_expression(expr: str, ty: Ty) -> None:
    assert type_of(expr) == ty


def test_the_type_of_a_mixed_set_literal_is_their_join() -> None:
    assert type_of("{none, 1}") == SetTy(OptionTy(INT))
    assert type_of("{Lock, Client[0]}") == SetTy(NodeTy(None))


def test_a_set_literal_whose_elements_do_not_join_is_fl300_at_the_odd_one() -> None:
    assert errors(f"{PRELUDE}invariant i: {{1, true}} == {{}}\n") == [("FL300", 15, 18)]


def test_a_comparison_of_different_types_is_reported_at_its_operator() -> None:
    assert errors(f"{PRELUDE}invariant i: Lock.holder == 3\n") == [("FL300", 15, 26)]


def test_an_in_flight_message_has_its_fields_and_its_sender_and_receiver() -> None:
    assert type_of("all m in inflight(Grant): m.token >= 0") == BOOL
    assert type_of("{m.src for m in inflight(Grant)}") == SetTy(NodeTy(None))
    assert type_of("{m.signer for m in inflight(Order)}") == SetTy(NodeTy(None))


# ---------------------------------------------------------------- the tables, by node id


def test_every_expression_checked_has_its_type_under_its_node_id() -> None:
    tree, table, _ = typed(PRELUDE)
    handler = tree.nodes[1].handlers[0]
    (assign,) = handler.body.stmts
    assert isinstance(assign, ast.AssignStmt)
    assert table.types[assign.value.id] == INT
    assert table.declared[tree.nodes[1].vars[0].type.id] == INT
    assert table.declared[tree.nodes[0].vars[0].type.id] == OptionTy(NodeTy("Client"))


def test_the_sender_of_a_message_one_node_type_sends_has_that_type() -> None:
    _, table, _ = typed(PRELUDE)
    assert table.sender_types == {"Grant": NodeTy("Lock"), "Order": NodeTy("Lock")}


def test_an_instance_reference_and_a_remote_read_are_recorded() -> None:
    tree, table, _ = typed(f"{PRELUDE}invariant i: Client[1].token == 0\n")
    comparison = tree.invariants[0].expr
    assert isinstance(comparison, ast.BinaryExpr) and isinstance(comparison.left, ast.FieldExpr)
    read = comparison.left
    assert read.obj.id in table.instance_refs
    node_type, var = table.remote_reads[read.id]
    assert (node_type, var.name) == ("Client", "token")


def test_empty_braces_take_the_type_their_variable_wants() -> None:
    tree, table, diagnostics = typed(PRELUDE)
    assert diagnostics == []
    init = tree.nodes[0].vars[1].init
    assert init is not None and table.of(init) == EMPTY  # a map here, as lowering will decide


# ---------------------------------------------------------------- every diagnostic, not the first


def test_the_pass_hands_back_every_error_with_its_tables() -> None:
    tree, table, diagnostics = typed("""\
        node A {
          var x: 0..3 = 0
          on start { x = true; x = nope; send Missing to A }
        }
        invariant small: A.x <= true
        """)
    found = [(d.code, d.span.line, d.span.column) for d in diagnostics]
    assert found == [("FL300", 3, 18), ("FL200", 3, 28), ("FL200", 3, 39), ("FL300", 5, 25)]
    (first,) = [s for s in tree.nodes[0].handlers[0].body.stmts[:1]]
    assert isinstance(first, ast.AssignStmt) and table.of(first.value) == BOOL  # typed despite the errors


def test_warnings_come_back_beside_the_errors() -> None:
    _, _, diagnostics = typed("""\
        message Ping
        node A { on Ping { skip } }
        """)
    assert [(d.code, d.severity, d.span.line, d.span.column) for d in diagnostics] == [
        ("FL200", "warning", 2, 13)
    ]


def test_one_mistake_is_reported_once() -> None:
    # `nope` is unknown; the sum and the comparison that read it say nothing more
    assert errors("node A { var x: 0..3 = 0 }\ninvariant i: nope + 1 < A.x\n") == [("FL200", 2, 14)]


# ---------------------------------------------------------------- what may be read where


def test_a_guard_may_not_read_a_ghost_variable() -> None:
    text = PRELUDE.replace("  on start {", "  action grant when grants < 3 { skip }\n  on start {")
    _, _, diagnostics = typed(text)
    (d,) = diagnostics
    assert (d.code, d.span.line, d.span.column) == ("FL206", 8, 21)
    assert d.message == "a guard may not read ghost variable 'grants'"


def test_a_branch_on_a_ghost_variable_may_not_send() -> None:
    text = PRELUDE.replace(
        "on start { send Grant(1)", "on start { if grants > 0 { send Grant(2) to Client[0] }; send Grant(1)"
    )
    assert errors(text) == [("FL206", 8, 30)]


def test_a_clock_is_read_only_in_handlers() -> None:
    assert errors(f"{PRELUDE}invariant i: clock > 0\n") == [("FL207", 15, 14)]


def test_int_is_not_a_finite_type() -> None:
    assert errors("node A { var x: int = 0 }\n") == [("FL304", 1, 17)]
