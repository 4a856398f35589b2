"""The abstract syntax tree of a spec: frozen dataclasses, each with the span it came from, and no logic.

Nodes compare by identity (eq=False) so that later passes can key side tables on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

from spec.source import Span

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, eq_default=False)
def node(cls: type[_T]) -> type[_T]:
    """AST nodes are frozen, slotted dataclasses compared by identity."""
    return dataclass(frozen=True, slots=True, eq=False)(cls)


# ---------------------------------------------------------------- types


@node
class NamedType:
    span: Span
    name: str


@node
class RangeType:
    span: Span
    lo: Expr
    hi: Expr


@node
class GenericType:
    span: Span
    name: str  # "set" or "map" (anything else is reported by the checker)
    args: tuple[TypeExpr, ...]


@node
class TupleType:
    span: Span
    items: tuple[TypeExpr, ...]


@node
class OptionType:
    span: Span
    inner: TypeExpr


TypeExpr = NamedType | RangeType | GenericType | TupleType | OptionType


# ---------------------------------------------------------------- expressions


@node
class IntLit:
    span: Span
    value: int


@node
class BoolLit:
    span: Span
    value: bool


@node
class NoneLit:
    span: Span


@node
class SelfExpr:
    span: Span


@node
class NowExpr:
    span: Span


@node
class ClockExpr:
    """A node reading one of its clocks: `clock`, `mono`, `tt.earliest` or `tt.latest`."""

    span: Span
    kind: str


@node
class NameExpr:
    span: Span
    name: str


@node
class CallExpr:
    span: Span
    func: str
    func_span: Span
    args: tuple[Expr, ...]


@node
class FieldExpr:
    span: Span
    obj: Expr
    name: str
    name_span: Span


@node
class IndexExpr:
    span: Span
    obj: Expr
    index: Expr


@node
class UnaryExpr:
    span: Span
    op: str  # "-" or "not"
    operand: Expr


@node
class BinaryExpr:
    """Arithmetic (+ - * / %), boolean (and or implies), comparison (== != < <= > >=), membership
    (in, not in) and set operators (| & and - on sets)."""

    span: Span
    op: str
    left: Expr
    right: Expr
    op_span: Span


@node
class RangeExpr:
    span: Span
    lo: Expr
    hi: Expr


@node
class QuantExpr:
    span: Span
    kind: str  # "all", "any" or "count"
    var: str
    var_span: Span
    domain: Expr
    body: Expr


@node
class IfExpr:
    span: Span
    cond: Expr
    then: Expr
    else_: Expr


@node
class TupleLit:
    span: Span
    items: tuple[Expr, ...]


@node
class SetLit:
    """`{a, b}`; `{}` is an empty set or an empty map, whichever its context wants."""

    span: Span
    items: tuple[Expr, ...]


@node
class MapLit:
    span: Span
    entries: tuple[tuple[Expr, Expr], ...]


@node
class SetComp:
    span: Span
    elem: Expr
    var: str
    var_span: Span
    domain: Expr
    cond: Expr | None


@node
class MapComp:
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
    span: Span
    name: str
    name_span: Span
    indices: tuple[Expr, ...]


@node
class AssignStmt:
    span: Span
    target: LValue
    op: str  # "=", "+=" or "-="
    value: Expr


@node
class IfStmt:
    span: Span
    cond: Expr
    then: Block
    else_: Block | IfStmt | None


@node
class ForStmt:
    span: Span
    var: str
    var_span: Span
    domain: Expr
    body: Block


@node
class MessageCtor:
    span: Span
    name: str
    name_span: Span
    args: tuple[Expr, ...]


@node
class SendStmt:
    span: Span
    message: MessageCtor
    to: Expr


@node
class BroadcastStmt:
    span: Span
    message: MessageCtor
    to: Expr


@node
class SetTimerStmt:
    span: Span
    timer: str
    timer_span: Span
    after: Expr | None


@node
class CancelTimerStmt:
    span: Span
    timer: str
    timer_span: Span


@node
class ChooseStmt:
    span: Span
    var: str
    var_span: Span
    domain: Expr
    body: Block


@node
class AssertStmt:
    span: Span
    name: str | None
    cond: Expr


@node
class SkipStmt:
    span: Span


@node
class RejectStmt:
    span: Span


@node
class RelayStmt:
    """`relay to n`: pass the signed message being handled on, unchanged (its signer too)."""

    span: Span
    to: Expr


@node
class LetStmt:
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
    span: Span
    stmts: tuple[Stmt, ...]


# ---------------------------------------------------------------- declarations


@node
class ConstDecl:
    span: Span
    name: str
    name_span: Span
    value: Expr


@node
class EnumDecl:
    span: Span
    name: str
    name_span: Span
    members: tuple[tuple[str, Span], ...]


@node
class FieldDecl:
    span: Span
    name: str
    type: TypeExpr


@node
class MessageDecl:
    span: Span
    name: str
    name_span: Span
    fields: tuple[FieldDecl, ...]
    signed: bool


@node
class VarDecl:
    span: Span
    kind: str  # "var", "durable" or "ghost"
    name: str
    name_span: Span
    type: TypeExpr
    init: Expr | None


@node
class Handler:
    """One atomic step of a node: kind is "receive", "timeout", "action", "start" or "recover"."""

    span: Span
    kind: str
    name: str  # message name, timer name, action name; "start" / "recover"
    name_span: Span
    params: tuple[tuple[str, Span], ...]
    sender: tuple[str, Span] | None
    guard: Expr | None
    body: Block
    signer: tuple[str, Span] | None = None  # `signed by s`: the signer of a signed message


@node
class NodeDecl:
    span: Span
    name: str
    name_span: Span
    count: Expr | None  # None for a singleton
    symmetric: bool
    vars: tuple[VarDecl, ...]
    handlers: tuple[Handler, ...]


@node
class InvariantDecl:
    span: Span
    name: str
    name_span: Span
    expr: Expr


@node
class Setting:
    """One line of a model's settings block: `loss <= 1`, `fifo`, `crash_stop <= 1 of Lock`."""

    span: Span
    name: str
    bound: Expr | None
    of: tuple[str, Span] | None


@node
class ModelItem:
    """`timing synchronous { delay <= 1 }`, `network { ... }`, `horizon 10`: a key, an optional value,
    optional settings."""

    span: Span
    key: str
    key_span: Span
    value: Expr | None
    settings: tuple[Setting, ...] | None


@node
class ModelDecl:
    span: Span
    name: str
    name_span: Span
    items: tuple[ModelItem, ...]
    consts: tuple[ConstDecl, ...]


@node
class SpecFile:
    span: Span
    name: str | None
    consts: tuple[ConstDecl, ...]
    enums: tuple[EnumDecl, ...]
    messages: tuple[MessageDecl, ...]
    nodes: tuple[NodeDecl, ...]
    invariants: tuple[InvariantDecl, ...]
    models: tuple[ModelDecl, ...]
