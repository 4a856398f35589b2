"""Every IR node class has a method in every pass over the IR: the compiler (explorer) and the symbolic
executor (Z3). A node class added to spec/ir.py without them fails here, not on the first spec using it."""

from __future__ import annotations

import typing

import pytest

from explorer import compile as explicit
from explorer.bmc import execute as symbolic
from spec import ir

EXPRESSION_CLASSES = set(typing.get_args(ir.Expr))
STATEMENT_CLASSES = set(typing.get_args(ir.Stmt))


@pytest.mark.parametrize(
    ("name", "table"), [("compile", explicit.EXPRESSIONS), ("execute", symbolic.EXPRESSIONS)]
)
def test_every_ir_expression_has_a_method_in_every_pass(name: str, table: dict[type, object]) -> None:
    assert set(table) == EXPRESSION_CLASSES, name


@pytest.mark.parametrize(
    ("name", "table"), [("compile", explicit.STATEMENTS), ("execute", symbolic.STATEMENTS)]
)
def test_every_ir_statement_has_a_method_in_every_pass(name: str, table: dict[type, object]) -> None:
    assert set(table) == STATEMENT_CLASSES, name


def test_the_ir_unions_list_every_node_class() -> None:
    declared = {cls for cls in vars(ir).values() if isinstance(cls, type) and cls.__module__ == ir.__name__}
    types = set(typing.get_args(ir.Type))
    kinds = {c for c in declared if issubclass(c, str)}  # the StrEnum kinds
    plain = declared - types - kinds
    declarations = {
        ir.Field,
        ir.Message,
        ir.VarDecl,
        ir.Handler,
        ir.NodeType,
        ir.Instance,
        ir.Invariant,
        ir.Liveness,
        ir.Network,
        ir.FaultBudget,
        ir.Clocks,
        ir.Model,
        ir.System,
    }
    assert plain - declarations == EXPRESSION_CLASSES | STATEMENT_CLASSES
