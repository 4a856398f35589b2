"""Every pass that dispatches on node classes has an entry for every class of the kind it reads: a new
expression, statement or type class cannot be forgotten by one of them."""

from __future__ import annotations

import inspect

import pytest

from editor.index import _Uses
from spec import ast
from spec.lower import _Constants, _Expressions, _Lowerer, _Statements
from spec.types.declarations import TypeChecker
from spec.types.expressions import ExprChecker
from spec.types.statements import StmtChecker

TABLES = {
    "types: expressions": (ExprChecker.RULES, ast.EXPRESSIONS),
    "types: statements": (StmtChecker.RULES, ast.STATEMENTS),
    "types: declared types": (TypeChecker.TYPE_RULES, ast.TYPES),
    "lower: constant values": (_Constants.VALUE_RULES, ast.EXPRESSIONS),
    "lower: expressions": (_Expressions.EXPR_RULES, ast.EXPRESSIONS),
    "lower: statements": (_Statements.STMT_RULES, ast.STATEMENTS),
    "lower: types": (_Lowerer.TYPE_RULES, ast.TYPES),
    "index: expressions": (_Uses.EXPR_RULES, ast.EXPRESSIONS),
    "index: statements": (_Uses.STMT_RULES, ast.STATEMENTS),
    "index: types": (_Uses.TYPE_RULES, ast.TYPES),
}

# The node classes that are none of an expression, a statement or a type: declarations and their parts.
STRUCTURE = {
    ast.LValue,
    ast.MessageCtor,
    ast.Block,
    ast.ConstDecl,
    ast.EnumDecl,
    ast.FieldDecl,
    ast.MessageDecl,
    ast.VarDecl,
    ast.Param,
    ast.Handler,
    ast.NodeDecl,
    ast.InvariantDecl,
    ast.DefParam,
    ast.DefDecl,
    ast.LivenessDecl,
    ast.Setting,
    ast.ModelItem,
    ast.ModelDurability,
    ast.ModelExpect,
    ast.ModelDecl,
    ast.SpecFile,
}


def _node_classes() -> set[type]:
    return {
        cls
        for _, cls in inspect.getmembers(ast, inspect.isclass)
        if cls.__module__ == ast.__name__ and "span" in getattr(cls, "__dataclass_fields__", {})
    }


def test_every_node_class_is_of_one_kind() -> None:
    kinds = [set(ast.EXPRESSIONS), set(ast.STATEMENTS), set(ast.TYPES), STRUCTURE]
    assert set().union(*kinds) == _node_classes()
    assert sum(len(k) for k in kinds) == len(_node_classes())  # and of one only


def test_every_node_has_an_id_first() -> None:
    for cls in _node_classes():
        assert next(iter(cls.__dataclass_fields__)) == "id", cls


@pytest.mark.parametrize("name", list(TABLES))
def test_every_class_has_an_entry_in_every_table(name: str) -> None:
    table, classes = TABLES[name]
    assert set(table) == set(classes)
    assert all(callable(method) for method in table.values())


def test_every_table_built_is_held_to_its_kind() -> None:
    listed = {id(table) for table, _ in TABLES.values()}
    built = [(owner, table) for owner, _, table in ast.TABLES]
    assert {id(table) for _, table in built} == listed, [owner.__qualname__ for owner, _ in built]


def test_a_pass_without_a_method_for_a_class_fails_when_its_table_is_built() -> None:
    class Partial:
        def int_lit(self) -> None: ...

    with pytest.raises(AttributeError, match="bool_lit"):
        ast.dispatch(Partial, (ast.IntLit, ast.BoolLit))
