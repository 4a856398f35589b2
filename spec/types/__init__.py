"""Types: the type terms of the checker (terms.py), what it hands on (table.py: side tables keyed by node
id), and the checker itself, split by topic: declarations.py (its entry, `check_types`), statements.py,
expressions.py (which also resolves local names, with the scopes of spec/names.py).

The checker works before any model is chosen, so integer types here carry no bounds: bounds are
constant expressions that lowering evaluates per model. What the checker settles is the shape of every
value, which names denote what, and where a value may need a run-time check (an optional value used
where a plain one is expected).
"""

from spec.types.declarations import RESERVED_FIELDS, TypeChecker, check_types
from spec.types.table import Context, Resolution, TypeTable
from spec.types.terms import (
    BOOL,
    EMPTY,
    INT,
    UNKNOWN,
    BoolTy,
    EmptyCollTy,
    EnumTy,
    IntTy,
    MapTy,
    MsgTy,
    NodeTy,
    OptionTy,
    SetTy,
    TupleTy,
    Ty,
    UnknownTy,
    assignable,
    is_int,
    strip_option,
    unify,
)

__all__ = [
    "BOOL",
    "EMPTY",
    "INT",
    "RESERVED_FIELDS",
    "UNKNOWN",
    "BoolTy",
    "Context",
    "EmptyCollTy",
    "EnumTy",
    "IntTy",
    "MapTy",
    "MsgTy",
    "NodeTy",
    "OptionTy",
    "Resolution",
    "SetTy",
    "TupleTy",
    "Ty",
    "TypeChecker",
    "TypeTable",
    "UnknownTy",
    "assignable",
    "check_types",
    "is_int",
    "strip_option",
    "unify",
]
