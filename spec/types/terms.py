"""Type terms: what the checker knows of a value's shape, before any model is chosen (so integers carry
no bounds: those are constant expressions that lowering evaluates per model)."""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------- type terms


@dataclass(frozen=True, slots=True)
class BoolTy:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntTy:
    def __str__(self) -> str:
        return "int"


@dataclass(frozen=True, slots=True)
class EnumTy:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class NodeTy:
    """A reference to a node instance of the given type; `node_type` None means any node type."""

    node_type: str | None

    def __str__(self) -> str:
        return self.node_type or "node"


@dataclass(frozen=True, slots=True)
class OptionTy:
    inner: Ty

    def __str__(self) -> str:
        return f"{self.inner}?"


@dataclass(frozen=True, slots=True)
class SetTy:
    elem: Ty

    def __str__(self) -> str:
        return f"set<{self.elem}>"


@dataclass(frozen=True, slots=True)
class MapTy:
    key: Ty
    value: Ty

    def __str__(self) -> str:
        return f"map<{self.key}, {self.value}>"


@dataclass(frozen=True, slots=True)
class TupleTy:
    items: tuple[Ty, ...]

    def __str__(self) -> str:
        return "(" + ", ".join(map(str, self.items)) + ")"


@dataclass(frozen=True, slots=True)
class MsgTy:
    """An in-flight message of the given type, as seen by properties through `inflight(M)`."""

    name: str

    def __str__(self) -> str:
        return f"message {self.name}"


@dataclass(frozen=True, slots=True)
class UnknownTy:
    """What nothing is known about yet: the elements of `{}` and the value of `none`; also the type of an
    expression that already had an error, so that one mistake is reported once."""

    def __str__(self) -> str:
        return "?"


@dataclass(frozen=True, slots=True)
class EmptyCollTy:
    """`{}`: an empty set or an empty map, as its context decides."""

    def __str__(self) -> str:
        return "{}"


Ty = BoolTy | IntTy | EnumTy | NodeTy | OptionTy | SetTy | MapTy | TupleTy | MsgTy | UnknownTy | EmptyCollTy

BOOL = BoolTy()
INT = IntTy()
UNKNOWN = UnknownTy()
EMPTY = EmptyCollTy()


def unify(a: Ty, b: Ty) -> Ty | None:
    """The common type of two values that meet (in ==, an if-expression, a set literal), or None."""
    if a == b:
        return a
    if isinstance(a, UnknownTy):
        return b
    if isinstance(b, UnknownTy):
        return a
    if isinstance(a, EmptyCollTy) and isinstance(b, SetTy | MapTy):
        return b
    if isinstance(b, EmptyCollTy) and isinstance(a, SetTy | MapTy):
        return a
    if isinstance(a, OptionTy) or isinstance(b, OptionTy):
        inner = unify(a.inner if isinstance(a, OptionTy) else a, b.inner if isinstance(b, OptionTy) else b)
        return None if inner is None else OptionTy(inner)
    if isinstance(a, NodeTy) and isinstance(b, NodeTy):
        return a if a.node_type == b.node_type else NodeTy(None)
    if isinstance(a, SetTy) and isinstance(b, SetTy):
        elem = unify(a.elem, b.elem)
        return None if elem is None else SetTy(elem)
    if isinstance(a, MapTy) and isinstance(b, MapTy):
        key, value = unify(a.key, b.key), unify(a.value, b.value)
        return None if key is None or value is None else MapTy(key, value)
    if isinstance(a, TupleTy) and isinstance(b, TupleTy) and len(a.items) == len(b.items):
        items = [unify(x, y) for x, y in zip(a.items, b.items, strict=True)]
        if any(i is None for i in items):
            return None
        return TupleTy(tuple(i for i in items if i is not None))
    return None


def assignable(value: Ty, target: Ty) -> bool:
    """Whether a value of type `value` may be stored where `target` is declared. Ranges, node types and
    optional values are checked again at run time, where a value that does not fit is a spec error."""
    if isinstance(target, OptionTy) and not isinstance(value, OptionTy):
        return isinstance(value, UnknownTy) or assignable(value, target.inner)
    if isinstance(value, OptionTy) and not isinstance(target, OptionTy):
        return assignable(value.inner, target)
    return unify(value, target) is not None


def is_int(t: Ty) -> bool:
    return isinstance(t, IntTy | UnknownTy) or (isinstance(t, OptionTy) and is_int(t.inner))


def strip_option(t: Ty) -> Ty:
    return t.inner if isinstance(t, OptionTy) else t
