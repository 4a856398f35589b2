"""spec/parser.py: text -> AST. The shape of what it builds, the ids it gives every node, the spans it
stamps on them, and the located diagnostics of text that is not a spec."""

from __future__ import annotations

import textwrap
from dataclasses import fields, is_dataclass

import pytest

from spec import ast
from spec.diagnostics import Diagnostic, SpecError
from spec.parser import MAX_LITERAL, keywords, parse, parse_literal
from spec.source import SourceFile, Span


def parsed(text: str) -> ast.SpecFile:
    return parse(SourceFile("t.fl", textwrap.dedent(text)))


def refused(text: str) -> Diagnostic:
    with pytest.raises(SpecError) as raised:
        parsed(text)
    (diagnostic,) = raised.value.diagnostics
    return diagnostic


def nodes(tree: object) -> list[object]:
    """Every AST node in `tree`, itself included."""
    out: list[object] = []
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend(item)
        elif is_dataclass(item) and not isinstance(item, Span):
            out.append(item)
            stack.extend(getattr(item, f.name) for f in fields(item))
    return out


def invariant(text: str) -> ast.Expr:
    """The expression of `invariant i: <text>`, in a spec where it parses."""
    return parsed(f"node A {{ var x: 0..3 = 0 }}\ninvariant i: {text}\n").invariants[0].expr


SPEC = """\
spec lease
const N = 2
message Grant(token: 0..N)
signed message Order(value: bool)
node Lock {
  var holder: Client? = none
  on Grant(t) from c when t > 0 { holder = c }
  on Order(v) from c signed by s { skip }
  on timeout expire { holder = none }
  action tick when holder == none { skip }
  on start { set expire after 2 }
}
node Client * N symmetric { var token: 0..N = 0 }
invariant small: all c in Client: c.token <= N
model m { faults { crash_stop <= 1 of Lock } }
"""


# ---------------------------------------------------------------- node ids


def test_every_node_gets_an_id_unique_within_the_spec() -> None:
    every = nodes(parsed(SPEC))
    ids = [n.id for n in every]  # type: ignore[attr-defined]
    assert len(ids) == len(set(ids)) == len(every)
    assert sorted(ids) == list(range(len(ids)))  # 0, 1, 2, ... with no gap


def test_the_same_text_gets_the_same_ids() -> None:
    first, second = nodes(parsed(SPEC)), nodes(parsed(SPEC))
    assert [(type(n).__name__, n.id) for n in first] == [(type(n).__name__, n.id) for n in second]  # type: ignore[attr-defined]


def test_children_are_numbered_before_their_parents() -> None:
    expr = invariant("x + 1 < 3")
    assert isinstance(expr, ast.BinaryExpr) and isinstance(expr.left, ast.BinaryExpr)
    assert expr.left.left.id < expr.left.right.id < expr.left.id < expr.right.id < expr.id


def test_the_spec_file_is_numbered_last() -> None:
    tree = parsed(SPEC)
    assert tree.id == max(n.id for n in nodes(tree))  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the shape of the tree


def test_declarations_are_grouped_by_kind_in_source_order() -> None:
    tree = parsed(SPEC)
    assert tree.name == "lease"
    assert [c.name for c in tree.consts] == ["N"]
    assert [(m.name, m.signed) for m in tree.messages] == [("Grant", False), ("Order", True)]
    assert [n.name for n in tree.nodes] == ["Lock", "Client"]
    assert [i.name for i in tree.invariants] == ["small"]
    assert [m.name for m in tree.models] == ["m"]


def test_a_handler_names_its_fields_sender_and_signer_as_params() -> None:
    lock = parsed(SPEC).nodes[0]
    grant, order = lock.handlers[0], lock.handlers[1]
    assert (grant.kind, grant.name) == ("receive", "Grant")
    assert [(p.name, p.span) for p in grant.params] == [("t", Span(7, 12, 7, 13))]
    assert grant.sender is not None and (grant.sender.name, grant.sender.span) == ("c", Span(7, 20, 7, 21))
    assert isinstance(grant.guard, ast.BinaryExpr)
    assert order.signer is not None and order.signer.name == "s"
    assert all(isinstance(p, ast.Param) for p in (*order.params, order.sender, order.signer))


def test_each_kind_of_handler_is_told_apart() -> None:
    lock = parsed(SPEC).nodes[0]
    assert [(h.kind, h.name) for h in lock.handlers] == [
        ("receive", "Grant"),
        ("receive", "Order"),
        ("timeout", "expire"),
        ("action", "tick"),
        ("start", "start"),
    ]


def test_a_replicated_symmetric_node_type_keeps_its_count_expression() -> None:
    client = parsed(SPEC).nodes[1]
    assert client.symmetric and isinstance(client.count, ast.NameExpr) and client.count.name == "N"
    assert parsed(SPEC).nodes[0].count is None


def test_a_fault_budget_names_its_node_type_with_a_span() -> None:
    (item,) = parsed(SPEC).models[0].items
    (setting,) = item.settings or ()
    assert (item.key, setting.name) == ("faults", "crash_stop")
    assert isinstance(setting.bound, ast.IntLit) and setting.bound.value == 1
    assert setting.of == ("Lock", Span(15, 39, 15, 43))


def test_multiplication_binds_tighter_than_addition() -> None:
    expr = invariant("1 + 2 * 3 == 7")
    assert isinstance(expr, ast.BinaryExpr) and expr.op == "=="
    left = expr.left
    assert isinstance(left, ast.BinaryExpr) and left.op == "+"
    assert isinstance(left.right, ast.BinaryExpr) and left.right.op == "*"


def test_parentheses_leave_no_node_of_their_own() -> None:
    expr = invariant("(((A.x))) == 0")
    assert isinstance(expr, ast.BinaryExpr) and isinstance(expr.left, ast.FieldExpr)
    assert expr.left.span == Span(2, 17, 2, 20)  # the span of what is inside the parentheses


def test_not_in_is_one_operator_spanning_the_words_between_its_operands() -> None:
    expr = invariant("1 not in {2}")
    assert isinstance(expr, ast.BinaryExpr) and expr.op == "not in"
    assert expr.op_span == Span(2, 15, 2, 23)


def test_empty_braces_are_a_set_literal_and_a_key_makes_a_map() -> None:
    assert isinstance(invariant("{} == {}").left, ast.SetLit)  # type: ignore[union-attr]
    entries = invariant("{1: true} == {}").left  # type: ignore[union-attr]
    assert isinstance(entries, ast.MapLit) and len(entries.entries) == 1


def test_truetime_readings_are_clock_expressions() -> None:
    handler = parsed("node A { var x: time = 0\n on start { x = tt.latest } }").nodes[0].handlers[0]
    (stmt,) = handler.body.stmts
    assert isinstance(stmt, ast.AssignStmt) and isinstance(stmt.value, ast.ClockExpr)
    assert stmt.value.kind == "tt.latest"


def test_spans_are_one_based_with_an_exclusive_end() -> None:
    const = parsed("const LIMIT = 10\n").consts[0]
    assert const.span == Span(1, 1, 1, 17)
    assert const.name_span == Span(1, 7, 1, 12)
    assert const.value.span == Span(1, 15, 1, 17)


# ---------------------------------------------------------------- what is not a spec


def test_an_unexpected_token_is_reported_where_it_stands() -> None:
    d = refused("node A {\n  var x: 0..3 = 0 0\n}\n")
    assert (d.code, d.span.line, d.span.column) == ("FL100", 2, 19)
    assert d.message.startswith("unexpected '0'")


def test_a_reserved_word_where_a_name_must_be_is_read_as_a_name_for_the_checker_to_refuse() -> None:
    # the contextual lexer reads `node` as a name after `const`; spec/names.py says it is reserved (FL201)
    const = parsed("const node = 3\n").consts[0]
    assert (const.name, const.name_span) == ("node", Span(1, 7, 1, 11))


def test_a_keyword_run_into_a_name_is_not_two_words() -> None:
    d = refused("constN = 3\n")
    assert (d.code, d.span.line, d.span.column, d.message) == ("FL100", 1, 1, "unexpected 'constN'")


def test_a_character_outside_the_language_is_fl102() -> None:
    d = refused("node A {\n  var x: 0..3 = 0 $\n}\n")
    assert (d.code, d.span.line, d.span.column) == ("FL102", 2, 19)


def test_a_spec_that_ends_inside_a_block_names_where_the_block_opened() -> None:
    d = refused("node A {\n  var x: 0..3 = 0\n")
    assert (d.code, d.span.line) == ("FL101", 2)
    assert any("line 1, column 8" in note for note in d.notes)


def test_an_integer_literal_past_the_largest_is_fl103_at_the_literal() -> None:
    d = refused(f"const N = {MAX_LITERAL + 1}\n")
    assert (d.code, d.span.line, d.span.column) == ("FL103", 1, 11)


def test_nesting_past_the_limit_is_fl104() -> None:
    d = refused("const N = " + "(" * 150 + "1" + ")" * 150 + "\n")
    assert d.code == "FL104" and d.span.line == 1


def test_on_with_a_word_other_than_timeout_is_a_located_syntax_error() -> None:
    d = refused("node A {\n  on tiemout retry { skip }\n}\n")
    assert (d.code, d.span.line, d.span.column) == ("FL100", 2, 6)


# ---------------------------------------------------------------- literals and words


@pytest.mark.parametrize(
    ("text", "value"), [("0", 0), ("-12", -12), ("007", 7), ("true", True), ("false", False)]
)
def test_a_literal_is_read_as_the_language_reads_it(text: str, value: int | bool) -> None:
    assert parse_literal(text) == value and type(parse_literal(text)) is type(value)


@pytest.mark.parametrize("text", ["1_000", "\u0663", "+1", "", "-", "1.0", "True", str(MAX_LITERAL + 1)])
def test_a_literal_the_language_would_refuse_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_literal(text)


def test_the_reserved_words_are_the_grammars_keywords() -> None:
    words = keywords()
    assert {"node", "var", "const", "send", "all", "not", "none", "self"} <= words
    assert "x" not in words and "Client" not in words
