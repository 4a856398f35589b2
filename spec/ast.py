"""The abstract syntax tree of a spec: frozen dataclasses, each with the span it came from, and no logic.

Every node has an `id`, an integer the parser gives it, unique within one spec (Quint's `WithId`): what the
later passes learn about a node (its type, what a name denotes, a binding's frame slot) goes into side
tables keyed by that id, never onto the node. Nodes compare by identity (eq=False).

EXPRESSIONS, STATEMENTS and TYPES list the node classes of each kind, and `key` names a class as the
grammar's alias for it does (`SendStmt` -> `send_stmt`): a pass that dispatches on node classes builds
its table from them once (`dispatch`), and a test holds every table to cover every class. `children`
lists the expressions directly inside an expression, for passes that only look for something.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar, dataclass_transform, get_args

from spec.source import Span

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, eq_default=False)
def node(cls: type[_T]) -> type[_T]:
    """AST nodes are frozen, slotted dataclasses compared by identity."""
    return dataclass(frozen=True, slots=True, eq=False)(cls)


# ---------------------------------------------------------------- types


@node
class NamedType:
    id: int
    span: Span
    name: str


@node
class RangeType:
    id: int
    span: Span
    lo: Expr
    hi: Expr


@node
class GenericType:
    id: int
    span: Span
    name: str  # "set" or "map" (anything else is reported by the checker)
    args: tuple[TypeExpr, ...]


@node
class TupleType:
    id: int
    span: Span
    items: tuple[TypeExpr, ...]


@node
class OptionType:
    id: int
    span: Span
    inner: TypeExpr


TypeExpr = NamedType | RangeType | GenericType | TupleType | OptionType


# ---------------------------------------------------------------- expressions


@node
class IntLit:
    id: int
    span: Span
    value: int


@node
class BoolLit:
    id: int
    span: Span
    value: bool


@node
class NoneLit:
    id: int
    span: Span


@node
class SelfExpr:
    id: int
    span: Span


@node
class NowExpr:
    id: int
    span: Span


@node
class ClockExpr:
    """A node reading one of its clocks: `clock`, `mono`, `tt.earliest` or `tt.latest`."""

    id: int
    span: Span
    kind: str


@node
class NameExpr:
    id: int
    span: Span
    name: str


@node
class CallExpr:
    id: int
    span: Span
    func: str
    func_span: Span
    args: tuple[Expr, ...]


@node
class FieldExpr:
    id: int
    span: Span
    obj: Expr
    name: str
    name_span: Span


@node
class IndexExpr:
    id: int
    span: Span
    obj: Expr
    index: Expr


@node
class UnaryExpr:
    id: int
    span: Span
    op: str  # "-" or "not"
    operand: Expr


@node
class BinaryExpr:
    """Arithmetic (+ - * / %), boolean (and or implies), comparison (== != < <= > >=), membership
    (in, not in) and set operators (| & and - on sets)."""

    id: int
    span: Span
    op: str
    left: Expr
    right: Expr
    op_span: Span


@node
class RangeExpr:
    id: int
    span: Span
    lo: Expr
    hi: Expr


@node
class QuantExpr:
    id: int
    span: Span
    kind: str  # "all", "any" or "count"
    var: str
    var_span: Span
    domain: Expr
    body: Expr


@node
class IfExpr:
    id: int
    span: Span
    cond: Expr
    then: Expr
    else_: Expr


@node
class TupleLit:
    id: int
    span: Span
    items: tuple[Expr, ...]


@node
class SetLit:
    """`{a, b}`; `{}` is an empty set or an empty map, whichever its context wants."""

    id: int
    span: Span
    items: tuple[Expr, ...]


@node
class MapLit:
    id: int
    span: Span
    entries: tuple[tuple[Expr, Expr], ...]


@node
class SetComp:
    id: int
    span: Span
    elem: Expr
    var: str
    var_span: Span
    domain: Expr
    cond: Expr | None


@node
class MapComp:
    id: int
    span: Span
    key: Expr
    value: Expr
    var: str
    var_span: Span
    domain: Expr
    cond: Expr | None = None


Expr = (
    IntLit
    | BoolLit
    | NoneLit
    | SelfExpr
    | NowExpr
    | ClockExpr
    | NameExpr
    | CallExpr
    | FieldExpr
    | IndexExpr
    | UnaryExpr
    | BinaryExpr
    | RangeExpr
    | QuantExpr
    | IfExpr
    | TupleLit
    | SetLit
    | MapLit
    | SetComp
    | MapComp
)


# ---------------------------------------------------------------- statements


@node
class LValue:
    id: int
    span: Span
    name: str
    name_span: Span
    indices: tuple[Expr, ...]


@node
class AssignStmt:
    id: int
    span: Span
    target: LValue
    op: str  # "=", "+=" or "-="
    value: Expr


@node
class IfStmt:
    id: int
    span: Span
    cond: Expr
    then: Block
    else_: Block | IfStmt | None


@node
class ForStmt:
    id: int
    span: Span
    var: str
    var_span: Span
    domain: Expr
    body: Block


@node
class MessageCtor:
    id: int
    span: Span
    name: str
    name_span: Span
    args: tuple[Expr, ...]


@node
class SendStmt:
    id: int
    span: Span
    message: MessageCtor
    to: Expr


@node
class BroadcastStmt:
    id: int
    span: Span
    message: MessageCtor
    to: Expr


@node
class SetTimerStmt:
    id: int
    span: Span
    timer: str
    timer_span: Span
    after: Expr | None


@node
class CancelTimerStmt:
    id: int
    span: Span
    timer: str
    timer_span: Span


@node
class ChooseStmt:
    id: int
    span: Span
    var: str
    var_span: Span
    domain: Expr
    body: Block


@node
class AssertStmt:
    id: int
    span: Span
    name: str | None
    cond: Expr


@node
class SkipStmt:
    id: int
    span: Span


@node
class RejectStmt:
    id: int
    span: Span


@node
class RelayStmt:
    """`relay to n`: pass the signed message being handled on, unchanged (its signer too)."""

    id: int
    span: Span
    to: Expr


@node
class LetStmt:
    id: int
    span: Span
    name: str
    name_span: Span
    value: Expr


Stmt = (
    AssignStmt
    | IfStmt
    | ForStmt
    | SendStmt
    | BroadcastStmt
    | SetTimerStmt
    | CancelTimerStmt
    | ChooseStmt
    | AssertStmt
    | SkipStmt
    | RejectStmt
    | LetStmt
    | RelayStmt
)


@node
class Block:
    id: int
    span: Span
    stmts: tuple[Stmt, ...]


# ---------------------------------------------------------------- declarations


@node
class ConstDecl:
    id: int
    span: Span
    name: str
    name_span: Span
    value: Expr


@node
class EnumDecl:
    id: int
    span: Span
    name: str
    name_span: Span
    members: tuple[tuple[str, Span], ...]


@node
class FieldDecl:
    id: int
    span: Span
    name: str
    type: TypeExpr


@node
class MessageDecl:
    id: int
    span: Span
    name: str
    name_span: Span
    fields: tuple[FieldDecl, ...]
    signed: bool


@node
class VarDecl:
    id: int
    span: Span
    kind: str  # "var", "durable" or "ghost"
    name: str
    name_span: Span
    type: TypeExpr
    init: Expr | None


@node
class Handler:
    """One atomic step of a node: kind is "receive", "timeout", "action", "start" or "recover"."""

    id: int
    span: Span
    kind: str
    name: str  # message name, timer name, action name; "start" / "recover"
    name_span: Span
    params: tuple[Param, ...]
    sender: Param | None
    guard: Expr | None
    body: Block
    signer: Param | None = None  # `signed by s`: the signer of a signed message
    fairness: str | None = None  # "fair" or "unfair" where written; None: the model decides


@node
class Param:
    """A name a handler binds: a field of the message it handles, its sender (`from c`) or the signer of
    a signed message (`signed by s`)."""

    id: int
    span: Span
    name: str


@node
class NodeDecl:
    id: int
    span: Span
    name: str
    name_span: Span
    count: Expr | None  # None for a singleton
    symmetric: bool
    vars: tuple[VarDecl, ...]
    handlers: tuple[Handler, ...]


@node
class InvariantDecl:
    id: int
    span: Span
    name: str
    name_span: Span
    expr: Expr


@node
class DefParam:
    id: int
    span: Span
    name: str
    type: TypeExpr | None  # required; None only so that the checker can say so


@node
class DefDecl:
    """`def name(p: T, …) = expr`: a named expression, expanded where it is called."""

    id: int
    span: Span
    name: str
    name_span: Span
    params: tuple[DefParam, ...]
    body: Expr


class TemporalKind(StrEnum):
    EVENTUALLY = "eventually"  # `eventually p`: some state of every fair run satisfies p
    ALWAYS_EVENTUALLY = "always_eventually"  # p holds again and again
    EVENTUALLY_ALWAYS = "eventually_always"  # from some point on, p holds for good
    LEADS_TO = "leads_to"  # `p leads_to q`: every p-state is followed (or is itself) a q-state


@node
class LivenessDecl:
    id: int
    span: Span
    name: str
    name_span: Span
    kind: TemporalKind
    first: Expr  # p
    second: Expr | None  # q, for leads_to


@node
class Setting:
    """One line of a model's settings block: `loss <= 1`, `fifo`, `crash_stop <= 1 of Lock`."""

    id: int
    span: Span
    name: str
    bound: Expr | None
    of: tuple[str, Span] | None


@node
class ModelItem:
    """`timing synchronous { delay <= 1 }`, `network { ... }`, `horizon 10`: a key, an optional value,
    optional settings."""

    id: int
    span: Span
    key: str
    key_span: Span
    value: Expr | None
    settings: tuple[Setting, ...] | None


@node
class ModelDurability:
    """`volatile Acceptor.promised` or `durable Acceptor.promised` in a model: the variable's kind there."""

    id: int
    span: Span
    kind: str  # "durable" or "volatile"
    kind_span: Span
    node: str
    node_span: Span
    var: str
    var_span: Span


@node
class ModelExpect:
    """`expect no_clobber violated`, `expect all hold`: the verdicts a model should give. `properties` is
    None for `all`; the verdict is the word as written (spec/check.py reads it)."""

    id: int
    span: Span
    properties: tuple[tuple[str, Span], ...] | None
    verdict: str
    verdict_span: Span


@node
class ModelDecl:
    id: int
    span: Span
    name: str
    name_span: Span
    items: tuple[ModelItem, ...]
    consts: tuple[ConstDecl, ...]
    durability: tuple[ModelDurability, ...] = ()
    expects: tuple[ModelExpect, ...] = ()


@node
class SpecFile:
    id: int
    span: Span
    name: str | None
    consts: tuple[ConstDecl, ...]
    enums: tuple[EnumDecl, ...]
    messages: tuple[MessageDecl, ...]
    nodes: tuple[NodeDecl, ...]
    invariants: tuple[InvariantDecl, ...]
    models: tuple[ModelDecl, ...]
    defs: tuple[DefDecl, ...] = ()
    liveness: tuple[LivenessDecl, ...] = ()


# ---------------------------------------------------------------- the node classes, by kind

EXPRESSIONS: tuple[type, ...] = get_args(Expr)
STATEMENTS: tuple[type, ...] = get_args(Stmt)
TYPES: tuple[type, ...] = get_args(TypeExpr)


def key(cls: type) -> str:
    """The snake_case name of a node class, as the grammar aliases it: `SetTimerStmt` -> `set_timer_stmt`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def children(e: Expr) -> list[Expr]:
    """The expressions directly inside `e`, in the order of its fields (map entries: key, then value)."""
    out: list[Expr] = []
    for name in e.__slots__:  # type: ignore[union-attr]
        value = getattr(e, name)
        if isinstance(value, tuple):
            for item in value:
                if isinstance(item, tuple):
                    out.extend(x for x in item if isinstance(x, Expr))
                elif isinstance(item, Expr):
                    out.append(item)
        elif isinstance(value, Expr):
            out.append(value)
    return out


# Every table `dispatch` has built: (the pass that owns it, the classes it covers, the table).
TABLES: list[tuple[type, tuple[type, ...], dict[type, Callable[..., Any]]]] = []


def dispatch(
    owner: type, classes: tuple[type, ...], prefix: str = "", fallback: str | None = None
) -> dict[type, Callable[..., Any]]:
    """A pass's table from node class to the method of `owner` named by the class's key (`send_stmt` for
    SendStmt, after `prefix`), built once, as sqlglot's generator builds its own. A class the pass has no
    method for fails here, when the pass's module is imported, unless the pass names a `fallback` method
    for the classes it leaves out (constant evaluation: whatever is not a constant). Every table built is
    kept in TABLES, for the test that holds each to cover every class of its kind."""
    table = {}
    for cls in classes:
        name = prefix + key(cls)
        if fallback is not None and not hasattr(owner, name):
            name = fallback
        table[cls] = getattr(owner, name)
    TABLES.append((owner, classes, table))
    return table
