"""What the type checker hands on (to lowering and the editor): side tables keyed by node id; and the
context in which one expression is checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from spec import ast
from spec.names import Binding, NodeScope
from spec.types.terms import UNKNOWN, Ty


@dataclass
class Resolution:
    """What a NameExpr denotes."""

    kind: str  # "local", "var", "const", "member", "node"
    binding: Binding | None = None
    var: ast.VarDecl | None = None
    node_type: str | None = None
    const: ast.ConstDecl | None = None
    enum: ast.EnumDecl | None = None
    member_index: int = 0


@dataclass(frozen=True)
class Signature:
    """A definition's parameter types and result type, and why only properties may use it (it reads the
    state of nodes, the network, real time or the step), if they may."""

    params: tuple[Ty, ...]
    result: Ty
    impure: str | None


@dataclass
class TypeTable:
    """What the checker learns, in side tables keyed by node id (an ast node's `id`). It is filled in as
    far as the checker got, errors or not, so that an editor can use it while a spec is being written."""

    types: dict[int, Ty] = field(default_factory=dict)  # expression -> its type
    names: dict[int, Resolution] = field(default_factory=dict)  # NameExpr -> what it denotes
    bindings: dict[int, Binding] = field(default_factory=dict)  # binding site (Param, statement, expression)
    declared: dict[int, Ty] = field(default_factory=dict)  # TypeExpr -> type term
    instance_refs: set[int] = field(default_factory=set)  # the IndexExprs that are `Client[i]`
    remote_reads: dict[int, tuple[str, ast.VarDecl]] = field(default_factory=dict)  # FieldExpr -> node var
    # message name -> the type of the `from` binding of its handlers (the node type that sends it)
    sender_types: dict[str, Ty] = field(default_factory=dict)
    defs: dict[str, Signature] = field(default_factory=dict)  # the definitions checked so far, by name

    def of(self, expr: ast.Expr) -> Ty:
        return self.types.get(expr.id, UNKNOWN)


@dataclass
class Context:
    """Where an expression is checked: which names it may see and what it may read."""

    kind: str  # "const", "init", "handler", "property"
    node: NodeScope | None = None
    locals: dict[str, Binding] = field(default_factory=dict)
    local_types: dict[int, Ty] = field(
        default_factory=dict
    )  # binding site -> type (shared by child contexts)
    ghost: bool = False  # inside a branch that depends on a ghost variable
    message: str | None = None  # the message a receive handler handles
    in_old: bool = False  # inside `old(…)`
    temporal: bool = False  # a condition of a liveness property

    def child(self, **changes: object) -> Context:
        ctx = Context(
            self.kind,
            self.node,
            dict(self.locals),
            self.local_types,
            self.ghost,
            self.message,
            self.in_old,
            self.temporal,
        )
        for key, value in changes.items():
            setattr(ctx, key, value)
        return ctx
