"""Golden tests for the front end's diagnostics: one bad spec per row, each with the code, a distinctive
part of the message, the exact place (1-based line and column) and the text the carets underline.

Rows with a `model` are only wrong once that model is instantiated (constant evaluation, ranges, instance
indices): for them the spec must load cleanly and `spec.instantiate` must raise.

Every row's spec holds exactly one mistake, and exactly one diagnostic is expected for it: one mistake is
reported once, not followed by errors that merely cascade from it.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import spec
from faultline.cli import main
from spec import Diagnostic, SpecError


@dataclass(frozen=True)
class Bad:
    id: str
    text: str
    code: str
    message: str  # a distinctive part of the message
    line: int
    column: int
    underline: str  # the source text under the carets
    model: str | None = None  # instantiate this model: the error is found by lowering, not by `load`
    note: str | None = None  # a distinctive part of one of the notes


def bad(
    id: str,
    text: str,
    code: str,
    message: str,
    at: tuple[int, int],
    underline: str,
    model: str | None = None,
    note: str | None = None,
) -> Bad:
    return Bad(id, textwrap.dedent(text), code, message, at[0], at[1], underline, model, note)


CASES: list[Bad] = [
    # ---------------------------------------------------------------- FL1xx: syntax
    bad(
        "unterminated_block",
        """\
        node A {
          var x: 0..3 = 0
          on start { x = 1 }
        """,
        "FL101",
        "the spec ends too early",
        (3, 20),
        "}",
        note="the block opened at line 1, column 8 is not closed",
    ),
    bad(
        "unexpected_token",
        """\
        node A {
          var x: 0..3 = 0 0
        }
        """,
        "FL100",
        "unexpected '0'",
        (2, 19),
        "0",
    ),
    bad(
        "unexpected_token_at_top_level",
        """\
        node A { var x: 0..3 = 0 }
        }
        """,
        "FL100",
        "unexpected '}'; expected 'const', 'def', 'enum', 'invariant', 'liveness', 'message', 'model', 'node'",
        (2, 1),
        "}",
    ),
    bad(
        "misspelled_timeout_handler",
        """\
        node A {
          on tiemout retry { skip }
        }
        """,
        "FL100",
        "unexpected 'tiemout' after 'on'",
        (2, 6),
        "tiemout",
    ),
    bad(
        "bad_character",
        """\
        node A {
          var x: 0..3 = 0 $
        }
        """,
        "FL102",
        "unexpected character '$'",
        (2, 19),
        "$",
    ),
    bad(
        "string_literal",
        """\
        const NAME = "alice"
        """,
        "FL102",
        "unexpected character '\"'",
        (1, 14),
        '"',
    ),
    bad(
        "integer_literal_too_large",
        """\
        const N = 99999999999
        """,
        "FL103",
        "integer literal 99999999999 is too large",
        (1, 11),
        "99999999999",
    ),
    bad(
        "integer_literal_of_more_digits_than_int_reads",  # int() refuses more than 4,300 digits
        "const N = " + "9" * 5000 + "\n",
        "FL103",
        "(5,000 digits) is too large",
        (1, 11),
        "9" * 5000,
    ),
    bad(
        "keyword_run_into_a_name",
        """\
        constN = 3
        """,
        "FL100",
        "unexpected 'constN'",
        (1, 1),
        "constN",
        note="'const' is a reserved word",
    ),
    bad(
        "var_run_into_its_name",
        """\
        node A { varx: 0..3 = 0 }
        """,
        "FL100",
        "unexpected 'varx'",
        (1, 10),
        "varx",
    ),
    bad(
        "number_run_into_a_name",
        """\
        node A { var x: 0..3y = 0 }
        """,
        "FL100",
        "unexpected '3y'",
        (1, 20),
        "3y",
        note="a number cannot run into a name",
    ),
    bad(
        "comparison_after_a_quantifier_chains",
        """\
        node A * 3 { var x: 0..2 = 0 }
        invariant i: count a in A: a.x == 1 >= 2
        """,
        "FL100",
        "unexpected '>='",
        (2, 37),
        ">=",
        note="to compare its result: `invariant i: (count a in A: a.x == 1) >= 2`",
    ),
    bad(
        "network_budget_set_twice",
        """\
        node A { var x: bool = false }
        model m { network { reorder; loss; loss <= 2 } }
        """,
        "FL401",
        "'loss' is set twice in this network block",
        (2, 36),
        "loss <= 2",
        note="it is first set on line 2",
    ),
    bad(
        "count_swallows_a_comparison",
        """\
        node A * 3 { var up: bool = false }
        invariant i: count a in A: a.up >= 2
        """,
        "FL305",
        "read as part of the body of 'count'",
        (2, 33),
        ">=",
        note="add parentheses: `(count a in A: a.up) >= 2`",
    ),
    bad(
        "index_of_a_symmetric_node",
        """\
        node A * 2 symmetric { var x: 0..1 = index(self) }
        """,
        "FL300",
        "index of a node of the symmetric type A",
        (1, 38),
        "index(self)",
        note="interchangeable",
    ),
    bad(
        "index_of_a_number",
        """\
        node A * 2 { var x: 0..1 = index(1) }
        """,
        "FL300",
        "index takes a node of one node type, not int",
        (1, 34),
        "1",
    ),
    bad(
        "durability_of_an_unknown_variable",
        """\
        node A { var x: 0..1 = 0 }
        model m { volatile A.y }
        """,
        "FL200",
        "node A has no variable 'y'",
        (2, 22),
        "y",
    ),
    bad(
        "durability_of_a_ghost",
        """\
        node A { ghost var x: 0..1 = 0 }
        model m { durable A.x }
        """,
        "FL401",
        "A.x is a ghost variable",
        (2, 11),
        "durable A.x",
    ),
    bad(
        "durability_with_a_misspelt_kind",
        """\
        node A { var x: 0..1 = 0 }
        model m { volatle A.x }
        """,
        "FL100",
        "`volatile Node.var` or `durable Node.var`",
        (2, 11),
        "volatle",
    ),
    bad(
        "old_in_a_handler",
        """\
        node A { var x: 0..1 = 0
          action go when old(x) == 0 { x = 1 } }
        """,
        "FL207",
        "only invariants may use it",
        (2, 18),
        "old(x)",
    ),
    bad(
        "old_inside_old",
        """\
        node A { var x: 0..1 = 0 }
        invariant i: old(old(A.x)) == 0
        """,
        "FL207",
        "`old(…)` inside `old(…)`",
        (2, 18),
        "old(A.x)",
    ),
    bad(
        "definition_reading_nodes_used_in_a_handler",
        """\
        node A { var x: 0..1 = 0
          action go when high(1) { x = 1 } }
        def high(v: 0..1) = A.x >= v
        """,
        "FL207",
        "high reads A.x; only properties may use it",
        (2, 18),
        "high(1)",
    ),
    bad(
        "definition_without_parameter_types",
        """\
        def twice(v) = v + v
        node A { var x: 0..2 = twice(1) }
        """,
        "FL300",
        "parameter 'v' of twice needs a type",
        (1, 11),
        "v",
        note="`v: 0..3`",
    ),
    bad(
        "recursive_definition",
        """\
        def down(v: 0..3) = if v == 0 then 0 else down(v - 1)
        node A { var x: 0..3 = 0 }
        """,
        "FL200",
        "down is used before its definition is complete",
        (1, 43),
        "down",
    ),
    bad(
        "definition_given_too_many_arguments",
        """\
        def inc(v: 0..3) = v + 1
        node A { var x: 0..3 = inc(1, 2) }
        """,
        "FL301",
        "inc takes 1 argument, not 2",
        (2, 24),
        "inc(1, 2)",
    ),
    bad(
        "old_in_a_liveness_property",
        """\
        node A { var x: 0..1 = 0 }
        liveness l: eventually A.x > old(A.x)
        """,
        "FL207",
        "a liveness property speaks of the states of a run",
        (2, 30),
        "old(A.x)",
    ),
    bad(
        "nesting_too_deep",
        "node A { var x: bool = " + "not " * 150 + "true }\n",
        "FL104",
        "nested more than 100 levels deep",
        (1, 24 + 4 * 98),
        "not " * 52 + "true",
    ),
    bad(
        "parentheses_nested_too_deep",
        "const N = " + "(" * 150 + "1" + ")" * 150 + "\n",
        "FL104",
        "nested more than 100 levels deep",
        (1, 11 + 99),
        "(" * 51 + "1" + ")" * 51,
    ),
    # ---------------------------------------------------------------- FL2xx: names
    bad(
        "unknown_name",
        """\
        node A {
          var x: 0..3 = 0
          on start { x = y }
        }
        """,
        "FL200",
        "unknown name 'y'",
        (3, 18),
        "y",
    ),
    bad(
        "unknown_node_type",
        """\
        node Client {
          var server: Srv? = none
        }
        """,
        "FL200",
        "unknown type 'Srv'",
        (2, 15),
        "Srv",
    ),
    bad(
        "unknown_message_in_send",
        """\
        message Ping
        node A {
          on start { send Pong to A }
          on Ping { skip }
        }
        """,
        "FL200",
        "unknown message 'Pong'",
        (3, 19),
        "Pong",
        note="did you mean 'Ping'?",
    ),
    bad(
        "unknown_message_in_handler",
        """\
        message Ping
        node A {
          on start { send Ping to A }
          on Pong { skip }
        }
        """,
        "FL200",
        "unknown message 'Pong'",
        (4, 6),
        "Pong",
        note="did you mean 'Ping'?",
    ),
    bad(
        "unknown_function",
        """\
        node A {
          var x: 0..3 = 0
          on start { x = abs(1) }
        }
        """,
        "FL200",
        "unknown function 'abs'",
        (3, 18),
        "abs",
    ),
    bad(
        "model_const_not_a_spec_const",
        """\
        const N = 3
        node A { var x: 0..N = 0 }
        model m { const M = 4 }
        """,
        "FL200",
        "model 'm' sets 'M', which is not a constant of the spec",
        (3, 17),
        "M",
    ),
    bad(
        "unknown_clock_reading",
        """\
        node A {
          var x: 0..3 = 0
          on start { x = tt.now }
        }
        """,
        "FL200",
        "unknown clock reading 'tt.now'",
        (3, 18),
        "tt.now",
    ),
    bad(
        "duplicate_variable",
        """\
        node A {
          var x: 0..3 = 0
          var x: bool = false
        }
        """,
        "FL201",
        "variable 'x' is already declared in node A",
        (3, 7),
        "x",
    ),
    bad(
        "duplicate_top_level_name",
        """\
        const N = 3
        enum Color { red, green }
        message N
        """,
        "FL201",
        "'N' is already declared",
        (3, 9),
        "N",
        note="the first declaration is at line 1, column 7",
    ),
    bad(
        "duplicate_message_field",
        """\
        message Ping(n: 0..3, n: bool)
        """,
        "FL201",
        "field 'n' is declared twice in message Ping",
        (1, 23),
        "n: bool",
    ),
    bad(
        "reserved_word_as_node_name",
        """\
        node send { }
        """,
        "FL201",
        "'send' is a reserved word and cannot name a node type",
        (1, 6),
        "send",
    ),
    bad(
        "reserved_word_as_variable_name",
        """\
        node A {
          var if: 0..3 = 0
        }
        """,
        "FL201",
        "'if' is a reserved word and cannot name a variable",
        (2, 7),
        "if",
    ),
    bad(
        "message_named_like_lifecycle_handler",
        """\
        message start
        """,
        "FL201",
        "a message cannot be called 'start'",
        (1, 9),
        "start",
    ),
    bad(
        "variable_hides_top_level_name",
        """\
        const N = 3
        node A {
          var N: 0..3 = 0
        }
        """,
        "FL201",
        "variable 'N' has the name of a top-level declaration",
        (3, 7),
        "N",
    ),
    bad(
        "loop_variable_hides_node_variable",
        """\
        node A {
          var x: 0..3 = 0
          on start { for x in 0..2 { skip } }
        }
        """,
        "FL201",
        "'x' would hide variable 'x' of node A",
        (3, 18),
        "x",
    ),
    bad(
        "another_nodes_variable_by_bare_name",
        """\
        node A { var x: 0..3 = 0 }
        node B {
          var y: 0..3 = 0
          on start { y = x }
        }
        """,
        "FL202",
        "node B has no variable 'x'; a node sees only its own state",
        (4, 18),
        "x",
    ),
    bad(
        "another_nodes_variable_by_field",
        """\
        node A { var x: 0..3 = 0 }
        node B {
          var y: 0..3 = 0
          on start { y = A.x }
        }
        """,
        "FL202",
        "a node cannot read the state of another node (A.x)",
        (4, 18),
        "A.x",
    ),
    bad(
        "duplicate_handler",
        """\
        message Ping
        node A {
          on start { send Ping to A }
          on Ping { skip }
          on Ping { skip }
        }
        """,
        "FL203",
        "node A already has a handler `on Ping`",
        (5, 6),
        "Ping",
        note="the first one is at line 4",
    ),
    bad(
        "timer_without_timeout_handler",
        """\
        node A {
          on start { set retry after 2 }
        }
        """,
        "FL204",
        "node A has no timer 'retry'",
        (2, 18),
        "retry",
        note="`on timeout retry { … }`",
    ),
    bad(
        "property_variable_without_owner",
        """\
        node A { var x: 0..3 = 0 }
        invariant small: x <= 2
        """,
        "FL205",
        "'x' is a node variable; a property must say whose",
        (2, 18),
        "x",
        note="write `A.x`",
    ),
    bad(
        "replicated_node_field_without_index",
        """\
        node Client * 2 { var x: 0..3 = 0 }
        invariant i: Client.x == 0
        """,
        "FL205",
        "Client is a replicated node type; say which instance",
        (2, 14),
        "Client.x",
    ),
    bad(
        "message_called_like_function",
        """\
        message Ping(n: 0..3)
        node A {
          var x: 0..3 = 0
          on start { x = Ping(1) }
        }
        """,
        "FL205",
        "Ping is a message: it is sent with `send Ping(…) to …`, not called",
        (4, 18),
        "Ping",
    ),
    bad(
        "ghost_variable_in_guard",
        """\
        node A {
          ghost var g: 0..3 = 0
          var x: 0..3 = 0
          action go when g == 0 { x = 1 }
        }
        """,
        "FL206",
        "a guard may not read ghost variable 'g'",
        (4, 18),
        "g == 0",
    ),
    bad(
        "ghost_variable_in_non_ghost_assignment",
        """\
        node A {
          ghost var g: 0..3 = 0
          var x: 0..3 = 0
          action go { x = g }
        }
        """,
        "FL206",
        "'x' is not a ghost variable, but its new value reads ghost variable 'g'",
        (4, 19),
        "g",
    ),
    bad(
        "ghost_variable_in_branch_condition",
        """\
        node A {
          ghost var g: 0..3 = 0
          var x: 0..3 = 0
          action go { if g == 1 { x = 1 } }
        }
        """,
        "FL206",
        "'x' is not a ghost variable, but this assignment depends on one",
        (4, 27),
        "x = 1",
    ),
    bad(
        "inflight_in_handler",
        """\
        message Ping
        node A {
          var x: 0..3 = 0
          on start { x = len(inflight(Ping)) }
        }
        """,
        "FL207",
        "`inflight(…)` sees the network; only properties may use it",
        (4, 22),
        "inflight(Ping)",
    ),
    bad(
        "crashed_in_handler",
        """\
        node A {
          var x: bool = false
          on start { x = crashed(self) }
        }
        """,
        "FL207",
        "`crashed(…)` sees the system from outside; only properties may use it",
        (3, 18),
        "crashed(self)",
    ),
    bad(
        "self_in_property",
        """\
        node A { var x: 0..3 = 0 }
        invariant i: self == A
        """,
        "FL207",
        "`self` is only meaningful inside a node",
        (2, 14),
        "self",
    ),
    bad(
        "clock_in_property",
        """\
        node A { var x: 0..3 = 0 }
        invariant i: clock > 0
        """,
        "FL207",
        "`clock` is a node's clock; it can only be read inside a handler",
        (2, 14),
        "clock",
    ),
    # ---------------------------------------------------------------- FL3xx: types
    bad(
        "type_mismatch_in_assignment",
        """\
        node A {
          var x: 0..3 = 0
          on start { x = true }
        }
        """,
        "FL300",
        "'x' must be int, but this is bool",
        (3, 18),
        "true",
    ),
    bad(
        "type_mismatch_in_compound_assignment",
        """\
        node A {
          var x: 0..3 = 0
          on start { x += true }
        }
        """,
        "FL300",
        "'+=' on 'x' needs an integer, but this is bool",
        (3, 19),
        "true",
    ),
    bad(
        "type_mismatch_in_comparison",
        """\
        node A {
          var x: 0..3 = 0
          on start { if x == true { skip } }
        }
        """,
        "FL300",
        "cannot compare int with bool",
        (3, 19),
        "==",
    ),
    bad(
        "non_bool_guard",
        """\
        node A {
          var x: 0..3 = 0
          action go when x { skip }
        }
        """,
        "FL300",
        "a `when` guard must be bool, but this is int",
        (3, 18),
        "x",
    ),
    bad(
        "send_to_a_non_node",
        """\
        message Ping
        node A {
          on start { send Ping to 3 }
          on Ping { skip }
        }
        """,
        "FL300",
        "the destination must be a node, not int",
        (3, 27),
        "3",
    ),
    bad(
        "index_into_single_node",
        """\
        node A { var x: 0..3 = 0 }
        invariant i: A[0].x == 0
        """,
        "FL300",
        "A is a single node; it has no instances to index",
        (2, 14),
        "A[0]",
    ),
    bad(
        "node_variable_without_initial_value",
        """\
        node B { var y: bool = false }
        node A { var peer: B }
        """,
        "FL300",
        "variable 'peer' refers to a node and needs an initial value",
        (2, 10),
        "var peer: B",
    ),
    bad(
        "send_wrong_number_of_arguments",
        """\
        message Ping(n: 0..3)
        node A {
          on start { send Ping(1, 2) to A }
          on Ping(n) { skip }
        }
        """,
        "FL301",
        "Ping takes 1 argument, not 2",
        (3, 19),
        "Ping(1, 2)",
        note="declared as `message Ping(n)`",
    ),
    bad(
        "handler_wrong_number_of_params",
        """\
        message Ping(n: 0..3)
        node A {
          on start { send Ping(1) to A }
          on Ping(n, m) { skip }
        }
        """,
        "FL301",
        "message Ping has 1 field, but the handler names 2",
        (4, 6),
        "Ping",
    ),
    bad(
        "assign_to_const",
        """\
        const N = 3
        node A {
          on start { N = 4 }
        }
        """,
        "FL302",
        "cannot assign to constant 'N'",
        (3, 14),
        "N",
    ),
    bad(
        "assign_to_handler_param",
        """\
        message Ping(n: 0..3)
        node A {
          on start { send Ping(1) to A }
          on Ping(n) { n = 2 }
        }
        """,
        "FL302",
        "cannot assign to 'n': it is a message field, not a variable",
        (4, 16),
        "n",
    ),
    bad(
        "iterate_over_non_set",
        """\
        node A {
          var x: 0..3 = 0
          on start { for i in x { skip } }
        }
        """,
        "FL303",
        "cannot iterate over int",
        (3, 23),
        "x",
    ),
    bad(
        "iterate_over_map",
        """\
        node A {
          var m: map<0..1, bool> = {}
          on start { for k in m { skip } }
        }
        """,
        "FL303",
        "cannot iterate over a map",
        (3, 23),
        "m",
    ),
    bad(
        "int_without_range",
        """\
        node A {
          var x: int = 0
        }
        """,
        "FL304",
        "`int` has no finite domain",
        (2, 10),
        "int",
    ),
    # ---------------------------------------------------------------- FL4xx: model blocks
    bad(
        "unknown_model_key",
        """\
        node A { var x: 0..3 = 0 }
        model m {
          timing asynchronous
          networks { reorder }
        }
        """,
        "FL400",
        "unknown model key 'networks'",
        (4, 3),
        "networks",
        note="did you mean 'network'?",
    ),
    bad(
        "expect_unknown_property",
        """\
        node A { var x: 0..3 = 0 }
        invariant small: A.x < 3
        model m {
          expect smal violated
        }
        """,
        "FL404",
        "model 'm' expects a verdict for 'smal', which is not a property of the spec",
        (4, 10),
        "smal",
        note="did you mean 'small'?",
    ),
    bad(
        "expect_unknown_verdict",
        """\
        node A { var x: 0..3 = 0 }
        invariant small: A.x < 3
        model m { expect small violates }
        """,
        "FL404",
        "unknown verdict 'violates'",
        (3, 24),
        "violates",
        note="did you mean 'violated'?",
    ),
    bad(
        "expect_twice",
        """\
        node A { var x: 0..3 = 0 }
        invariant small: A.x < 3
        model m {
          expect small violated
          expect small holds
        }
        """,
        "FL405",
        "'small' is expected twice in model 'm'",
        (5, 10),
        "small",
    ),
    bad(
        "unknown_network_setting",
        """\
        node A { var x: 0..3 = 0 }
        model m {
          network { reorder; lossy <= 1 }
        }
        """,
        "FL400",
        "unknown network setting 'lossy'",
        (3, 22),
        "lossy <= 1",
        note="did you mean 'loss'?",
    ),
    bad(
        "unknown_fault_kind",
        """\
        node A { var x: 0..3 = 0 }
        model m {
          faults { crash <= 1 of A }
        }
        """,
        "FL400",
        "unknown fault 'crash'",
        (3, 12),
        "crash <= 1 of A",
    ),
    bad(
        "two_network_orderings",
        """\
        node A { var x: 0..3 = 0 }
        model m {
          network { fifo; reorder }
        }
        """,
        "FL401",
        "the network is already 'fifo'; it cannot also be 'reorder'",
        (3, 19),
        "reorder",
    ),
    bad(
        "asymmetric_without_partition",
        """\
        node A { var x: 0..3 = 0 }
        model m {
          network { reorder; asymmetric }
        }
        """,
        "FL401",
        "`asymmetric` qualifies a partition budget",
        (3, 22),
        "asymmetric",
    ),
    bad(
        "duplicate_budget_on_duplicating_network",
        """\
        node A { var x: 0..3 = 0 }
        model m { network { duplicating; duplicate <= 1 } }
        """,
        "FL401",
        "a duplicating network already delivers every message any number of times",
        (2, 21),
        "duplicating",
    ),
    bad(
        "model_key_given_twice",
        """\
        node A { var x: 0..3 = 0 }
        model m {
          timing asynchronous
          timing asynchronous
        }
        """,
        "FL401",
        "'timing' is given twice in model 'm'",
        (4, 3),
        "timing",
    ),
    bad(
        "fault_budget_on_unknown_node_type",
        """\
        node A { var x: 0..3 = 0 }
        model m {
          faults { crash_stop <= 1 of B }
        }
        """,
        "FL402",
        "unknown node type 'B' in a fault budget",
        (3, 31),
        "B",
    ),
    # ---------------------------------------------------------------- FL5xx: found when a model is lowered
    bad(
        "initial_value_out_of_range",
        """\
        node A {
          var x: 0..3 = 5
        }
        model m { timing asynchronous }
        """,
        "FL502",
        "the initial value of 'x' does not fit its type 0..3",
        (2, 17),
        "5",
        model="m",
    ),
    bad(
        "constant_initial_value_out_of_range",
        """\
        const N = 3
        node A {
          var x: 0..N = N + 1
        }
        model m { timing asynchronous }
        """,
        "FL502",
        "the initial value of 'x' does not fit its type 0..3",
        (3, 17),
        "N + 1",
        model="m",
    ),
    bad(
        "empty_range",
        """\
        node A {
          var x: 3..1 = 3
        }
        model m { timing asynchronous }
        """,
        "FL501",
        "the range 3..1 is empty",
        (2, 10),
        "3..1",
        model="m",
    ),
    bad(
        "zero_instances",
        """\
        const N = 0
        node A * N { var x: 0..3 = 0 }
        model m { timing asynchronous }
        """,
        "FL501",
        "node A must have 1..64 instances, not 0",
        (2, 10),
        "N",
        model="m",
    ),
    bad(
        "instance_index_out_of_range_in_property",
        """\
        node Client * 2 {
          var x: 0..3 = 0
        }
        invariant i: Client[5].x == 0
        model m { timing asynchronous }
        """,
        "FL502",
        "Client has instances 0..1; there is no Client[5]",
        (4, 21),
        "5",
        model="m",
    ),
    bad(
        "none_compared_as_an_integer",
        """\
        node A { var x: 0..3 = 0 }
        invariant i: A.x <= none
        """,
        "FL300",
        "'<=' compares integers, but this is none",
        (2, 21),
        "none",
    ),
    bad(
        "none_in_arithmetic",
        """\
        node A { var x: 0..3 = 0 }
        invariant i: A.x + none > 0
        """,
        "FL300",
        "'+' needs integers, but this is none",
        (2, 20),
        "none",
    ),
    bad(
        "negative_instance_index_in_property",
        """\
        node Client * 2 {
          var x: 0..3 = 0
        }
        invariant i: Client[-1].x == 0
        model m { timing asynchronous }
        """,
        "FL502",
        "Client has instances 0..1; there is no Client[-1]",
        (4, 21),
        "-1",
        model="m",
    ),
    bad(
        "instance_index_out_of_range_in_send",
        """\
        message Ping
        node Client * 2 { on Ping { skip } }
        node S { on start { send Ping to Client[2] } }
        model m { timing asynchronous }
        """,
        "FL502",
        "there is no Client[2]",
        (3, 41),
        "2",
        model="m",
    ),
    bad(
        "constant_division_by_zero",
        """\
        const N = 4 / (2 - 2)
        node A { var x: 0..N = 0 }
        model m { timing asynchronous }
        """,
        "FL500",
        "constant 'N' cannot be evaluated: division by zero",
        (1, 11),
        "4 / (2 - 2)",
        model="m",
    ),
    bad(
        "constant_defined_in_terms_of_itself",
        """\
        const N = N + 1
        node A { var x: 0..3 = 0 }
        model m { timing asynchronous }
        """,
        "FL500",
        "constant 'N' is defined in terms of itself",
        (1, 11),
        "N",
        model="m",
    ),
    bad(
        "negative_fault_budget",
        """\
        node A { var x: 0..3 = 0 }
        model m { faults { crash_stop <= 0 - 1 of A } }
        """,
        "FL402",
        "a budget cannot be negative (crash_stop <= -1)",
        (2, 34),
        "0 - 1",
        model="m",
    ),
    bad(
        "clock_read_under_asynchronous_timing",
        """\
        node A {
          var x: 0..3 = 0
          on start { x = clock }
        }
        model m { timing asynchronous }
        """,
        "FL403",
        "`clock` cannot be read in model 'm'",
        (3, 18),
        "clock",
        model="m",
    ),
    bad(
        "empty_set_minimum_in_initial_value",
        """\
        node A { var x: 0..3 = min(1..0) }
        model m { timing asynchronous }
        """,
        "FL500",
        "the initial value of 'x' cannot be computed: min of an empty set",
        (1, 24),
        "min(1..0)",
        model="m",
    ),
    bad(
        "now_in_a_guard",
        """\
        node A {
          var x: 0..3 = 0
          action go when now > 2 { x = 1 }
        }
        """,
        "FL206",
        "a guard may not read real time `now`",
        (3, 18),
        "now > 2",
        note="nodes never read real time",
    ),
    bad(
        "model_constant_of_the_wrong_type",
        """\
        const N = 3
        node A { var x: 0..N = 0 }
        model m { const N = true }
        """,
        "FL300",
        "model 'm' sets 'N' to bool, but the spec declares it int",
        (3, 21),
        "true",
    ),
    bad(
        "unterminated_block_comment",
        """\
        node A { var x: 0..3 = 0 }
        /* a comment that goes on
        const N = 3
        """,
        "FL101",
        "a block comment is not closed",
        (2, 1),
        "/*",
    ),
    bad(
        "synchronous_model_without_horizon",
        """\
        node A { var x: 0..3 = 0 }
        model m { timing synchronous { delay <= 1 } }
        """,
        "FL401",
        "model 'm' is synchronous: real time advances, so it needs a horizon",
        (2, 11),
        "timing synchronous { delay <= 1 }",
    ),
    bad(
        "synchronous_timing_without_a_delay_bound",
        """\
        node A { var x: 0..3 = 0 }
        model m { timing synchronous; horizon 3 }
        """,
        "FL401",
        "`timing synchronous` needs a delay bound",
        (2, 18),
        "synchronous",
    ),
    bad(
        "clocks_under_asynchronous_timing",
        """\
        node A { var x: 0..3 = 0 }
        model m { timing asynchronous; clocks { skew <= 1 } }
        """,
        "FL401",
        "`clocks` has no meaning under asynchronous timing",
        (2, 32),
        "clocks",
    ),
    bad(
        "pause_under_asynchronous_timing",
        """\
        node A { var x: 0..3 = 0 }
        model m { faults { pause <= 2 of A } }
        """,
        "FL401",
        "a pause is only visible against bounded timing",
        (2, 20),
        "pause <= 2 of A",
    ),
    bad(
        "timer_without_a_duration_in_a_timed_model",
        """\
        node A {
          on start { set t }
          on timeout t { skip }
        }
        model m { timing synchronous { delay <= 1 }; horizon 3 }
        """,
        "FL403",
        "a timer needs a duration: `set t after d`",
        (2, 14),
        "set t",
        model="m",
    ),
    bad(
        "unknown_clock_setting",
        """\
        node A { var x: 0..3 = 0 }
        model m { timing synchronous { delay <= 1 }; clocks { skw <= 1 }; horizon 3 }
        """,
        "FL400",
        "unknown clock setting 'skw'",
        (2, 55),
        "skw <= 1",
        note="did you mean 'skew'?",
    ),
    bad(
        "time_without_horizon",
        """\
        node A { var x: time = 0 }
        model m { timing asynchronous }
        """,
        "FL403",
        "`time` values need",
        (1, 17),
        "time",
        model="m",
    ),
]


def _diagnostics(case: Bad) -> list[Diagnostic]:
    if case.model is None:
        with pytest.raises(SpecError) as raised:
            spec.load(case.text, "bad.fl")
    else:
        checked = spec.load(case.text, "bad.fl")  # only the model is wrong: the spec itself checks
        assert case.model in spec.model_names(checked)
        with pytest.raises(SpecError) as raised:
            spec.instantiate(checked, case.model)
    return raised.value.diagnostics


def _underlined(text: str, d: Diagnostic) -> str:
    assert d.span.line == d.span.end_line, "every golden span here lies on one line"
    line = text.splitlines()[d.span.line - 1]
    return line[d.span.column - 1 : d.span.end_column - 1]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_spec(case: Bad) -> None:
    diagnostics = _diagnostics(case)
    summary = [f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in diagnostics]
    assert len(diagnostics) == 1, summary
    (d,) = diagnostics
    assert d.code == case.code, summary
    assert case.message in d.message
    assert (d.span.line, d.span.column) == (case.line, case.column), summary
    assert _underlined(case.text, d) == case.underline
    if case.note is not None:
        assert any(case.note in note for note in d.notes), d.notes
    assert d.severity == "error"


def test_table_has_enough_distinct_cases() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 35
    assert len({c.text for c in CASES}) == len(CASES)


BY_ID = {c.id: c for c in CASES}


@pytest.mark.parametrize(
    "case_id",
    [
        "unterminated_block",
        "bad_character",
        "type_mismatch_in_comparison",
        "instance_index_out_of_range_in_property",
    ],
)
def test_rendered_diagnostic(case_id: str) -> None:
    """The text a person sees: `file:line:col: error[code]: message`, the line, carets under the span."""
    case = BY_ID[case_id]
    (rendered,) = [d.render(spec.SourceFile("bad.fl", case.text)) for d in _diagnostics(case)]
    first, _, line, carets, *_ = rendered.splitlines()
    assert first.startswith(f"bad.fl:{case.line}:{case.column}: error[{case.code}]: ")
    source_line = case.text.splitlines()[case.line - 1]
    assert line == f"{case.line} | {source_line}"
    gutter = " " * len(str(case.line)) + " | "
    assert carets == gutter + " " * (case.column - 1) + "^" * len(case.underline)


# ---------------------------------------------------------------- end to end: `faultline check`


def _check(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(path), "--out", str(path.parent / "counterexamples")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def _caret_columns(output: str, line_number: int) -> tuple[int, int]:
    """The 1-based column of the first caret under source line `line_number`, and how many carets."""
    lines = output.splitlines()
    prefix = f"{line_number} | "
    index = next(i for i, text in enumerate(lines) if text.startswith(prefix))
    caret_line = lines[index + 1]
    gutter = " " * len(str(line_number)) + " | "
    assert caret_line.startswith(gutter), caret_line
    match = re.fullmatch(r"( *)(\^+)", caret_line[len(gutter) :])
    assert match is not None, caret_line
    return len(match.group(1)) + 1, len(match.group(2))


CLI_CASES = [
    pytest.param(
        "node A {\n  var x: 0..3 = 0\n  on start { x = true }\n}\n",
        "FL300",
        (3, 18),
        4,
        id="type_error",
    ),
    pytest.param(
        "node A {\n  var x: 0..3 = 0\n  on start { x = 1 }\n",
        "FL101",
        (3, 20),
        1,
        id="unterminated_block",
    ),
    pytest.param(
        "node A {\n  var x: 0..3 = 0 $\n}\n",
        "FL102",
        (2, 19),
        1,
        id="bad_character",
    ),
    pytest.param(
        "node Client * 2 {\n  var x: 0..3 = 0\n}\ninvariant i: Client[5].x == 0\n",
        "FL502",
        (4, 21),
        1,
        id="instance_index_out_of_range",
    ),
    pytest.param(
        "model m {\n  timing asynchronous\n  network { reorder; lossy <= 1 }\n}\n",
        "FL400",
        (3, 22),
        10,
        id="unknown_network_setting",
    ),
]


@pytest.mark.parametrize(("text", "code", "at", "width"), CLI_CASES)
def test_cli_reports_bad_spec(tmp_path: Path, text: str, code: str, at: tuple[int, int], width: int) -> None:
    path = tmp_path / "bad.fl"
    path.write_text(text, encoding="utf-8")
    exit_code, output = _check(path)
    assert exit_code == 2, output
    assert "Traceback" not in output
    line, column = at
    assert output.startswith(f"{path}:{line}:{column}: error[{code}]: "), output
    assert f"{line} | {text.splitlines()[line - 1]}" in output
    assert _caret_columns(output, line) == (column, width), output
