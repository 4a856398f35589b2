"""Names: the global scope spec/names.py builds (with every duplicate and misuse as a located
diagnostic), and the local names a handler or an expression binds, which the type checker resolves with
those scopes (spec/types/expressions.py) into the node-id tables `names` and `bindings`."""

from __future__ import annotations

import textwrap

from spec import ast
from spec.diagnostics import Diagnostic
from spec.names import DEFAULT_MODEL, GlobalScope, assertion_name, collect, did_you_mean, statements
from spec.parser import parse
from spec.source import SourceFile
from spec.types import TypeTable, check_types


def scope_of(text: str) -> tuple[ast.SpecFile, GlobalScope, list[Diagnostic]]:
    tree = parse(SourceFile("t.fl", textwrap.dedent(text)))
    scope, diagnostics = collect(tree)
    return tree, scope, diagnostics


def resolved(text: str) -> tuple[ast.SpecFile, TypeTable, list[Diagnostic]]:
    tree, scope, found = scope_of(text)
    table, typed = check_types(tree, scope)
    return tree, table, [*found, *typed]


def located(diagnostics: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.column) for d in diagnostics]


# ---------------------------------------------------------------- the global scope


def test_a_spec_without_mistakes_has_a_scope_and_no_diagnostics() -> None:
    _, scope, diagnostics = scope_of("""\
        const N = 2
        enum Phase { idle, busy }
        message Ping(n: 0..N)
        node A { var x: 0..3 = 0 }
        invariant small: A.x < 3
        model m { timing asynchronous }
        """)
    assert diagnostics == []
    assert list(scope.consts) == ["N"]
    assert list(scope.enums) == ["Phase"] and scope.members["busy"][1] == 1
    assert list(scope.messages) == ["Ping"] and list(scope.nodes) == ["A"]
    assert list(scope.invariants) == ["small"] and list(scope.models) == ["m"]


def test_a_name_declared_twice_is_reported_at_the_second_with_the_first_in_a_note() -> None:
    _, scope, diagnostics = scope_of("""\
        const N = 2
        message N
        """)
    assert located(diagnostics) == [("FL201", 2, 9)]
    assert diagnostics[0].notes == ("the first declaration is at line 1, column 7",)
    assert "N" in scope.consts and "N" not in scope.messages  # the first declaration keeps the name


def test_a_reserved_word_cannot_name_a_constant() -> None:
    _, _, diagnostics = scope_of("const node = 3\n")
    assert located(diagnostics) == [("FL201", 1, 7)]
    assert "reserved word" in diagnostics[0].message


def test_a_built_in_function_cannot_name_a_constant() -> None:
    _, _, diagnostics = scope_of("const len = 3\n")
    assert located(diagnostics) == [("FL201", 1, 7)] and "built-in" in diagnostics[0].message


def test_a_message_cannot_be_named_after_a_lifecycle_handler() -> None:
    _, scope, diagnostics = scope_of("message start\n")
    assert located(diagnostics) == [("FL201", 1, 9)] and scope.messages == {}


def test_a_variable_may_not_take_the_name_of_a_top_level_declaration() -> None:
    _, _, diagnostics = scope_of("""\
        const N = 2
        node A { var N: 0..3 = 0 }
        """)
    assert located(diagnostics) == [("FL201", 2, 14)]


def test_a_field_declared_twice_in_one_message_is_reported_at_the_second() -> None:
    _, _, diagnostics = scope_of("message Ping(n: 0..3, n: bool)\n")
    assert located(diagnostics) == [("FL201", 1, 23)]


def test_two_handlers_of_one_message_in_one_node_are_fl203_at_the_second() -> None:
    _, scope, diagnostics = scope_of("""\
        message Ping
        node A {
          on Ping { skip }
          on Ping { skip }
        }
        """)
    assert located(diagnostics) == [("FL203", 4, 6)]
    assert scope.nodes["A"].receives["Ping"].span.line == 3


def test_the_senders_of_a_message_are_the_node_types_that_send_or_relay_it_in_declaration_order() -> None:
    _, scope, _ = scope_of("""\
        signed message Order
        message Ack
        node B { on Order from g { relay to g } }
        node A { on start { if true { for x in {1} { send Order to B } } else { skip } } }
        node C { on Order from g { send Ack to g } }
        """)
    assert scope.senders == {"Order": ["B", "A"], "Ack": ["C"]}


def test_statements_lists_nested_blocks_in_source_order() -> None:
    tree, _, _ = scope_of("""\
        node A {
          var x: 0..3 = 0
          on start {
            if x == 0 { x = 1 } else if x == 1 { choose y in {1, 2} { x = y } } else { skip }
            assert x < 3
          }
        }
        """)
    body = tree.nodes[0].handlers[0].body
    assert [type(s).__name__ for s in statements(body)] == [
        "IfStmt",
        "AssignStmt",
        "IfStmt",
        "ChooseStmt",
        "AssignStmt",
        "SkipStmt",
        "AssertStmt",
    ]


def test_an_unnamed_assertion_is_named_after_its_line() -> None:
    tree, _, _ = scope_of("""\
        node A {
          var x: 0..3 = 0
          on start { assert x < 3; assert named: x > 0 }
        }
        """)
    first, second = tree.nodes[0].handlers[0].body.stmts
    assert isinstance(first, ast.AssertStmt) and isinstance(second, ast.AssertStmt)
    assert (assertion_name(first), assertion_name(second)) == ("assert_line3", "named")


def test_the_default_model_is_named_once() -> None:
    assert DEFAULT_MODEL == "default"


def test_the_closest_name_is_suggested_only_when_close() -> None:
    assert did_you_mean("conut", ["count", "node"]) == ("did you mean 'count'?",)
    assert did_you_mean("zebra", ["count", "node"]) == ()


# ---------------------------------------------------------------- local names


HANDLER = """\
    const LIMIT = 3
    message Grant(token: 0..3)
    node Lock { on start { send Grant(1) to Client } }
    node Client {
      var token: 0..3 = 0
      on Grant(t) from lock when t < LIMIT {
        let next = t + 1
        token = next
      }
    }
    """


def test_a_name_resolves_to_the_local_that_binds_it_by_node_id() -> None:
    tree, table, diagnostics = resolved(HANDLER)
    assert diagnostics == []
    handler = tree.nodes[1].handlers[0]
    (param,) = handler.params
    guard = handler.guard
    assert isinstance(guard, ast.BinaryExpr) and isinstance(guard.left, ast.NameExpr)
    resolution = table.names[guard.left.id]
    assert resolution.kind == "local" and resolution.binding is table.bindings[param.id]
    assert resolution.binding.site == param.id and resolution.binding.kind == "param"
    assert isinstance(guard.right, ast.NameExpr) and table.names[guard.right.id].kind == "const"


def test_a_let_binds_its_name_at_the_let_statement() -> None:
    tree, table, _ = resolved(HANDLER)
    let, assign = tree.nodes[1].handlers[0].body.stmts
    assert isinstance(let, ast.LetStmt) and isinstance(assign, ast.AssignStmt)
    assert isinstance(assign.value, ast.NameExpr)
    binding = table.names[assign.value.id].binding
    assert binding is not None and (binding.site, binding.kind, binding.name) == (let.id, "let", "next")


def test_the_sender_is_bound_at_its_param() -> None:
    tree, table, _ = resolved(HANDLER)
    sender = tree.nodes[1].handlers[0].sender
    assert sender is not None and table.bindings[sender.id].kind == "sender"


def test_a_handler_parameter_hides_nothing() -> None:
    _, _, diagnostics = resolved("""\
        const LIMIT = 3
        message Grant(token: 0..3, limit: 0..3)
        node Lock { on start { send Grant(1, 1) to Client } }
        node Client {
          var token: 0..3 = 0
          on Grant(token, LIMIT) { skip }
        }
        """)
    assert located(diagnostics) == [("FL201", 6, 12), ("FL201", 6, 19)]
    assert "would hide variable 'token'" in diagnostics[0].message
    assert "would hide a top-level declaration" in diagnostics[1].message


def test_a_local_may_not_be_bound_twice_in_one_scope() -> None:
    _, _, diagnostics = resolved("""\
        message Grant(token: 0..3)
        node Lock { on start { send Grant(1) to Client } }
        node Client { on Grant(t) from t { skip } }
        """)
    assert located(diagnostics) == [("FL201", 3, 32)]


def test_a_quantified_variable_is_seen_only_in_its_body() -> None:
    tree, table, diagnostics = resolved("""\
        node A * 2 { var x: 0..3 = 0 }
        invariant i: (all a in A: a.x < 3) and a.x == 0
        """)
    assert located(diagnostics) == [("FL200", 2, 40)]
    expr = tree.invariants[0].expr
    assert isinstance(expr, ast.BinaryExpr) and isinstance(expr.left, ast.QuantExpr)
    assert table.bindings[expr.left.id].kind == "quant"


def test_an_unknown_name_suggests_the_closest_in_scope() -> None:
    _, _, diagnostics = resolved("""\
        node A {
          var total: 0..3 = 0
          on start { total = totl + 1 }
        }
        """)
    assert located(diagnostics) == [("FL200", 3, 22)]
    assert diagnostics[0].notes == ("did you mean 'total'?",)


def test_a_node_reading_another_nodes_variable_is_fl202() -> None:
    _, _, diagnostics = resolved("""\
        node A { var x: 0..3 = 0 }
        node B { var y: 0..3 = 0
          on start { y = x } }
        """)
    assert located(diagnostics) == [("FL202", 3, 18)]
