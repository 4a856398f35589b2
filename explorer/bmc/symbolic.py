"""Symbolic values: the IR's run-time values as Z3 terms, without loss.

- bool -> a Z3 Bool; bounded ints, enum members and node references -> a Z3 Int (their ranges are
  constraints, see `contains`);
- an optional value -> SOpt(some, value);
- a set -> SSet: a list of (condition, element) pairs, "element is in the set if condition". A variable of
  type set<T> over a finite T holds one pair per value of T, in the order of T's values (a bit vector);
- a map -> SMap: (present, key, value) triples, likewise one per key of a variable's key type;
- a tuple -> STuple of its items.

Every operation here builds terms; nothing is solved. Decoding a model back to Python values (as the
explicit explorer holds them) is `decode`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import z3

from explorer.bmc.unsupported import Unsupported
from spec import ir

Sym = Any  # z3.BoolRef | z3.ArithRef | SOpt | SSet | SMap | STuple | SRecord


@dataclass(frozen=True)
class SOpt:
    some: z3.BoolRef
    value: Sym


@dataclass(frozen=True)
class SSet:
    items: tuple[tuple[z3.BoolRef, Sym], ...]


@dataclass(frozen=True)
class SMap:
    entries: tuple[tuple[z3.BoolRef, Sym, Sym], ...]  # (present, key, value); a later key overrides


@dataclass(frozen=True)
class STuple:
    items: tuple[Sym, ...]


@dataclass(frozen=True)
class SRecord:
    """An in-flight message as a property sees it: (src, dst, *fields)."""

    items: tuple[Sym, ...]


TRUE = z3.BoolVal(True)
FALSE = z3.BoolVal(False)


def is_bool(x: Sym) -> bool:
    return isinstance(x, z3.BoolRef)


def simplify(x: z3.ExprRef) -> z3.ExprRef:
    return z3.simplify(x)


# ---------------------------------------------------------------- constants and fresh variables


def const(value: Any, t: ir.Type) -> Sym:
    """A Python value of type t as a symbolic value."""
    if isinstance(t, ir.OptionT):
        if value is None:
            return SOpt(FALSE, default(t.inner))
        return SOpt(TRUE, const(value, t.inner))
    if isinstance(t, ir.BoolT):
        return z3.BoolVal(bool(value))
    if isinstance(t, ir.SetT):
        return SSet(tuple((TRUE, const(v, t.elem)) for v in _ordered(value)))
    if isinstance(t, ir.MapT):
        return SMap(tuple((TRUE, const(k, t.key), const(v, t.value)) for k, v in _ordered(value)))
    if isinstance(t, ir.TupleT):
        return STuple(tuple(const(v, it) for v, it in zip(value, t.items, strict=True)))
    if isinstance(value, bool):
        return z3.BoolVal(value)
    if value is None:
        return SOpt(FALSE, z3.IntVal(0))
    if isinstance(value, frozenset):
        return SSet(tuple((TRUE, const(v, _guess(v))) for v in _ordered(value)))
    if isinstance(value, tuple):
        return STuple(tuple(const(v, _guess(v)) for v in value))
    return z3.IntVal(int(value))


def var_value(value: Any, t: ir.Type) -> Sym:
    """A Python value in the canonical shape of a variable of type t (see `coerce`)."""
    return coerce(const(value, t), t)


def _guess(value: Any) -> ir.Type:
    if isinstance(value, bool):
        return ir.BOOL
    if isinstance(value, frozenset):
        return ir.SetT(ir.INT)
    if isinstance(value, tuple):
        return ir.TupleT(tuple(_guess(v) for v in value))
    return ir.INT


def default(t: ir.Type) -> Sym:
    """Some value of type t (what an absent option or map entry holds: never observed)."""
    if isinstance(t, ir.BoolT):
        return FALSE
    if isinstance(t, ir.OptionT):
        return SOpt(FALSE, default(t.inner))
    if isinstance(t, ir.SetT):
        return SSet(())
    if isinstance(t, ir.MapT):
        return SMap(())
    if isinstance(t, ir.TupleT):
        return STuple(tuple(default(i) for i in t.items))
    if isinstance(t, ir.NodeT) and t.instances:
        return z3.IntVal(t.instances[0])
    if isinstance(t, ir.IntT) and t.lo is not None and t.lo > 0:
        return z3.IntVal(t.lo)
    return z3.IntVal(0)


def finite_values(t: ir.Type) -> list[Any]:
    size = ir.domain_size(t)
    if size > ir.MAX_DOMAIN:  # count before listing: a list of that many values would not fit in memory
        many = f"{size:,}" if size < 1 << 62 else "too many"
        raise Unsupported(
            f"type {t} has {many} values, more than can be encoded (the limit is {ir.MAX_DOMAIN:,})"
        )
    try:
        return list(t.values())
    except ValueError:
        raise Unsupported(f"values of type {t} have no finite domain to encode") from None


def fresh(name: str, t: ir.Type) -> Sym:
    """A new symbolic value of type t (a state variable, a choice). Every part gets a name of its own: a
    map's `m∋k` (k is a key) is not its value's `m[k]?` (the value is not none)."""
    if isinstance(t, ir.BoolT):
        return z3.Bool(name)
    if isinstance(t, ir.OptionT):
        return SOpt(z3.Bool(f"{name}?"), fresh(f"{name}!", t.inner))
    if isinstance(t, ir.SetT):
        return SSet(tuple((z3.Bool(f"{name}∋{v}"), const(v, t.elem)) for v in finite_values(t.elem)))
    if isinstance(t, ir.MapT):
        return SMap(
            tuple(
                (z3.Bool(f"{name}∋{k}"), const(k, t.key), fresh(f"{name}[{k}]", t.value))
                for k in finite_values(t.key)
            )
        )
    if isinstance(t, ir.TupleT):
        return STuple(tuple(fresh(f"{name}.{k}", it) for k, it in enumerate(t.items)))
    if isinstance(t, ir.MsgT):
        raise Unsupported("a variable cannot hold an in-flight message")
    return z3.Int(name)


def contains(x: Sym, t: ir.Type) -> z3.BoolRef:
    """Whether a symbolic value fits type t (the run-time range check)."""
    if isinstance(t, ir.OptionT):
        if isinstance(x, SOpt):
            return z3.Or(z3.Not(x.some), contains(x.value, t.inner))
        return contains(x, t.inner)
    if isinstance(x, SOpt):  # a plain type holding an optional value: `none` does not fit
        return z3.And(x.some, contains(x.value, t))
    if isinstance(t, ir.BoolT):
        return TRUE
    if isinstance(t, ir.EnumT):
        return z3.And(x >= 0, x < len(t.members))
    if isinstance(t, ir.IntT):
        parts = []
        if t.lo is not None:
            parts.append(x >= t.lo)
        if t.hi is not None:
            parts.append(x <= t.hi)
        return z3.And(*parts) if parts else TRUE
    if isinstance(t, ir.NodeT):
        return z3.Or(*[x == i for i in t.instances]) if t.instances else FALSE
    if isinstance(t, ir.SetT):
        return z3.And(*[z3.Implies(c, contains(e, t.elem)) for c, e in x.items]) if x.items else TRUE
    if isinstance(t, ir.MapT):
        # a key given twice keeps its later value (lookup): an overwritten value is never checked
        x = as_map(x)
        fits = [
            z3.Implies(p, z3.And(contains(k, t.key), contains(lookup(x, k)[1], t.value)))
            for p, k, _ in x.entries
        ]
        return z3.And(*fits) if fits else TRUE
    if isinstance(t, ir.TupleT):
        return z3.And(*[contains(v, it) for v, it in zip(x.items, t.items, strict=True)]) if t.items else TRUE
    return TRUE


# ---------------------------------------------------------------- structure


def _empty_as_map(a: Sym, b: Sym) -> tuple[Sym, Sym]:
    """`{}` is an empty set or an empty map, as its context decides: beside a map, a map."""
    if isinstance(a, SMap) and isinstance(b, SSet) and not b.items:
        return a, SMap(())
    if isinstance(b, SMap) and isinstance(a, SSet) and not a.items:
        return SMap(()), b
    return a, b


def eq(a: Sym, b: Sym) -> z3.BoolRef:
    a, b = _empty_as_map(a, b)
    if isinstance(a, SOpt) or isinstance(b, SOpt):
        if isinstance(a, SOpt) and isinstance(b, SOpt):
            if z3.is_false(a.some) or z3.is_false(
                b.some
            ):  # `none` (its value, of no type, is never compared)
                return z3.Not(b.some) if z3.is_false(a.some) else z3.Not(a.some)
            return z3.And(a.some == b.some, z3.Implies(a.some, eq(a.value, b.value)))
        opt, plain = (a, b) if isinstance(a, SOpt) else (b, a)
        assert isinstance(opt, SOpt)
        return z3.And(opt.some, eq(opt.value, plain))
    if isinstance(a, SSet):
        assert isinstance(b, SSet)
        return z3.And(subset(a, b), subset(b, a))
    if isinstance(a, SMap):
        assert isinstance(b, SMap)
        return z3.And(_map_within(a, b), _map_within(b, a))
    if isinstance(a, STuple | SRecord):
        return z3.And(*[eq(x, y) for x, y in zip(a.items, b.items, strict=True)]) if a.items else TRUE
    return a == b


def ite(c: z3.BoolRef, a: Sym, b: Sym) -> Sym:
    a, b = _empty_as_map(a, b)
    if z3.is_true(c):
        return a
    if z3.is_false(c):
        return b
    if a is b:
        return a
    if isinstance(a, SOpt) or isinstance(b, SOpt):
        a, b = as_opt(a), as_opt(b)
        if z3.is_false(a.some) or z3.is_false(b.some):  # one side is `none`: the value is the other side's
            return SOpt(z3.If(c, a.some, b.some), b.value if z3.is_false(a.some) else a.value)
        return SOpt(z3.If(c, a.some, b.some), ite(c, a.value, b.value))
    if isinstance(a, SSet):
        assert isinstance(b, SSet)
        if _same_elements(a.items, b.items):
            return SSet(
                tuple((z3.If(c, ca, cb), e) for (ca, e), (cb, _) in zip(a.items, b.items, strict=True))
            )
        return SSet(
            tuple((z3.And(c, ca), e) for ca, e in a.items)
            + tuple((z3.And(z3.Not(c), cb), e) for cb, e in b.items)
        )
    if isinstance(a, SMap):
        assert isinstance(b, SMap)
        if [k for _, k, _ in a.entries] and _same_keys(a, b):
            return SMap(
                tuple(
                    (z3.If(c, pa, pb), k, ite(c, va, vb))
                    for (pa, k, va), (pb, _, vb) in zip(a.entries, b.entries, strict=True)
                )
            )
        return SMap(
            tuple((z3.And(z3.Not(c), p), k, v) for p, k, v in b.entries)
            + tuple((z3.And(c, p), k, v) for p, k, v in a.entries)
        )
    if isinstance(a, STuple):
        return STuple(tuple(ite(c, x, y) for x, y in zip(a.items, b.items, strict=True)))
    return z3.If(c, a, b)


def as_opt(x: Sym) -> SOpt:
    return x if isinstance(x, SOpt) else SOpt(TRUE, x)


def _same_elements(a: tuple[tuple[z3.BoolRef, Sym], ...], b: tuple[tuple[z3.BoolRef, Sym], ...]) -> bool:
    return len(a) == len(b) and all(_same_term(x, y) for (_, x), (_, y) in zip(a, b, strict=True))


def _same_keys(a: SMap, b: SMap) -> bool:
    return len(a.entries) == len(b.entries) and all(
        _same_term(x, y) for (_, x, _), (_, y, _) in zip(a.entries, b.entries, strict=True)
    )


def _same_term(x: Sym, y: Sym) -> bool:
    """Whether two symbolic values are the same term (not: equal values), part by part."""
    if isinstance(x, z3.ExprRef) and isinstance(y, z3.ExprRef):
        return bool(x.eq(y))
    if isinstance(x, z3.ExprRef) or isinstance(y, z3.ExprRef) or type(x) is not type(y):
        return False  # a plain value beside an optional or compound one (never compared with z3's ==)
    if isinstance(x, SOpt):
        return _same_term(x.some, y.some) and _same_term(x.value, y.value)
    if isinstance(x, SSet):
        return _same_parts(x.items, y.items)
    if isinstance(x, SMap):
        return _same_parts(x.entries, y.entries)
    if isinstance(x, STuple | SRecord):
        return len(x.items) == len(y.items) and all(
            _same_term(a, b) for a, b in zip(x.items, y.items, strict=True)
        )
    return bool(x == y)


def _same_parts(a: tuple[tuple[Sym, ...], ...], b: tuple[tuple[Sym, ...], ...]) -> bool:
    """Whether two sets' (condition, element) or two maps' (condition, key, value) are the same terms."""
    return len(a) == len(b) and all(
        _same_term(p, q) for x, y in zip(a, b, strict=True) for p, q in zip(x, y, strict=True)
    )


# ---------------------------------------------------------------- sets and maps


def member(x: Sym, s: SSet) -> z3.BoolRef:
    return z3.Or(*[z3.And(c, eq(x, e)) for c, e in s.items]) if s.items else FALSE


def subset(a: SSet, b: SSet) -> z3.BoolRef:
    return z3.And(*[z3.Implies(c, member(e, b)) for c, e in a.items]) if a.items else TRUE


def union(a: SSet, b: SSet) -> SSet:
    if _same_elements(a.items, b.items):
        return SSet(tuple((z3.Or(ca, cb), e) for (ca, e), (cb, _) in zip(a.items, b.items, strict=True)))
    return SSet(a.items + b.items)


def inter(a: SSet, b: SSet) -> SSet:
    return SSet(tuple((z3.And(c, member(e, b)), e) for c, e in a.items))


def diff(a: SSet, b: SSet) -> SSet:
    return SSet(tuple((z3.And(c, z3.Not(member(e, b))), e) for c, e in a.items))


def distinct_items(s: SSet) -> list[tuple[z3.BoolRef, Sym]]:
    """Each element once: an item counts only if no earlier item holds the same element."""
    out = []
    for k, (c, e) in enumerate(s.items):
        earlier = [z3.And(c2, eq(e2, e)) for c2, e2 in s.items[:k]]
        out.append((z3.And(c, z3.Not(z3.Or(*earlier))) if earlier else c, e))
    return out


def size(s: SSet) -> z3.ArithRef:
    items = distinct_items(s)
    return z3.Sum(*[z3.If(c, 1, 0) for c, _ in items]) if items else z3.IntVal(0)


# The most values of an element type a set is spread over when its elements are not known constants.
DOMAIN_LIMIT = 4096


def constant_value(x: Sym, t: ir.Type) -> Any:
    """The Python value of a symbolic value that is a constant term (after simplification), or NOT_CONSTANT."""
    if isinstance(t, ir.OptionT) or isinstance(x, SOpt):
        inner = t.inner if isinstance(t, ir.OptionT) else t
        opt = as_opt(x)
        some = z3.simplify(opt.some)
        if z3.is_false(some):
            return None
        if not z3.is_true(some):
            return NOT_CONSTANT
        return constant_value(opt.value, inner)
    if isinstance(x, SSet):
        elem = t.elem if isinstance(t, ir.SetT) else ir.INT
        members = set()
        for c, e in x.items:
            cond = z3.simplify(c)
            if z3.is_false(cond):
                continue
            value = constant_value(e, elem)
            if not z3.is_true(cond) or value is NOT_CONSTANT:
                return NOT_CONSTANT
            members.add(value)
        return frozenset(members)
    if isinstance(x, SMap | STuple | SRecord):
        return NOT_CONSTANT  # (not needed: maps and tuples are compared by canonical domain instead)
    term = z3.simplify(x)
    if z3.is_int_value(term):
        return term.as_long()
    if z3.is_true(term):
        return True
    if z3.is_false(term):
        return False
    return NOT_CONSTANT


NOT_CONSTANT = object()


def canonical_items(s: SSet, t: ir.Type) -> list[tuple[z3.BoolRef, Sym]]:
    """The elements of a set of type t in the canonical order (spec.ir.canonical_key), each once, as
    (condition, element): what every iteration over a set walks through, as the explorer does. Known
    constant elements are sorted and merged; otherwise the set is spread over its element type's values."""
    from spec.ir import canonical_key

    elem = t.elem if isinstance(t, ir.SetT) else ir.INT
    merged: dict[Any, list[z3.BoolRef]] = {}
    terms: dict[Any, Sym] = {}
    for c, e in s.items:
        value = constant_value(e, elem)
        if value is NOT_CONSTANT:
            break
        merged.setdefault(value, []).append(c)
        terms.setdefault(value, e)
    else:
        return [
            (z3.Or(*merged[v]) if len(merged[v]) > 1 else merged[v][0], terms[v])
            for v in sorted(merged, key=canonical_key)
        ]
    size = ir.domain_size(elem)
    if size > DOMAIN_LIMIT:
        raise Unsupported(
            f"iterating over a set of {elem} ({size:,} possible elements) is too much to unroll"
        )
    return list(to_domain(s, ir.SetT(elem)).items)


def to_domain(s: SSet, t: ir.Type) -> SSet:
    """A set in the canonical shape of type set<elem>: one item per value of the element type, in order."""
    assert isinstance(t, ir.SetT)
    values = finite_values(t.elem)
    if _same_elements(s.items, tuple((TRUE, const(v, t.elem)) for v in values)):
        return s
    return SSet(tuple((member(const(v, t.elem), s), const(v, t.elem)) for v in values))


def as_map(x: Sym) -> SMap:
    """A map; `{}` may reach here as an empty set (its type is settled by its context)."""
    return SMap(()) if isinstance(x, SSet) and not x.items else x


def lookup(m: SMap, key: Sym) -> tuple[z3.BoolRef, Sym]:
    """(present, value) of `key` in `m`; a later entry for the same key wins."""
    m = as_map(m)
    present: z3.BoolRef = FALSE
    value: Sym | None = None
    for p, k, v in m.entries:
        hit = z3.And(p, eq(k, key))
        value = v if value is None else ite(hit, v, value)
        present = z3.Or(present, hit)
    return present, (value if value is not None else z3.IntVal(0))


def keys(m: SMap) -> SSet:
    return SSet(tuple((p, k) for p, k, _ in as_map(m).entries))


def _map_within(a: SMap, b: SMap) -> z3.BoolRef:
    parts = []
    for p, k, _ in a.entries:
        _, value = lookup(a, k)
        b_present, b_value = lookup(b, k)
        parts.append(z3.Implies(p, z3.And(b_present, eq(value, b_value))))
    return z3.And(*parts) if parts else TRUE


def map_to_domain(m: SMap, t: ir.Type) -> SMap:
    assert isinstance(t, ir.MapT)
    # each value in its canonical shape first: a `none` (of no type) must not meet a value of another sort
    m = SMap(tuple((p, k, coerce(v, t.value)) for p, k, v in m.entries))
    entries = []
    for k in finite_values(t.key):
        key = const(k, t.key)
        present, value = lookup(m, key)
        entries.append((present, key, value if m.entries else default(t.value)))
    return SMap(tuple(entries))


def map_store(m: SMap, key: Sym, value: Sym) -> SMap:
    """`m` with `key` set to `value` (m in the canonical shape of its type: one entry per key)."""
    m = as_map(m)
    return SMap(tuple((z3.Or(p, eq(k, key)), k, ite(eq(k, key), value, v)) for p, k, v in m.entries))


def coerce(x: Sym, t: ir.Type) -> Sym:
    """A value in the canonical shape of a variable of type t (sets and maps over the type's domain,
    optional values as SOpt), so that states can be compared and decoded slot by slot."""
    if isinstance(t, ir.OptionT):
        x = as_opt(x)
        if z3.is_false(x.some):  # `none`: its placeholder value may be of another sort (`none` has no type)
            return SOpt(FALSE, default(t.inner))
        return SOpt(x.some, coerce(x.value, t.inner))
    if isinstance(x, SOpt):
        return coerce(x.value, t)
    if isinstance(t, ir.SetT):
        return to_domain(x, t)
    if isinstance(t, ir.MapT):
        return map_to_domain(SMap(()) if isinstance(x, SSet) and not x.items else x, t)
    if isinstance(t, ir.TupleT):
        return STuple(tuple(coerce(v, it) for v, it in zip(x.items, t.items, strict=True)))
    return x


# ---------------------------------------------------------------- back to Python


def decode(model: z3.ModelRef, x: Sym, t: ir.Type) -> Any:
    """The Python value (as the explicit explorer holds it) of x in a model."""
    if isinstance(t, ir.OptionT):
        x = as_opt(x)
        if not z3.is_true(model.eval(x.some, model_completion=True)):
            return None
        return decode(model, x.value, t.inner)
    if isinstance(x, SOpt):
        return decode(model, x.value, t)
    if isinstance(t, ir.BoolT):
        return z3.is_true(model.eval(x, model_completion=True))
    if isinstance(t, ir.SetT):
        return frozenset(
            decode(model, e, t.elem) for c, e in x.items if z3.is_true(model.eval(c, model_completion=True))
        )
    if isinstance(t, ir.MapT):
        out: dict[Any, Any] = {}
        for p, k, v in x.entries:
            if z3.is_true(model.eval(p, model_completion=True)):
                out[decode(model, k, t.key)] = decode(model, v, t.value)
        return frozenset(out.items())
    if isinstance(t, ir.TupleT):
        return tuple(decode(model, v, it) for v, it in zip(x.items, t.items, strict=True))
    value = model.eval(x, model_completion=True)
    return value.as_long() if z3.is_int_value(value) else z3.is_true(value)


def leaves_of(x: Sym) -> list[Any]:
    """The Z3 terms a symbolic value is made of."""
    if isinstance(x, SOpt):
        return [x.some, *leaves_of(x.value)]
    if isinstance(x, SSet):
        return [c for c, _ in x.items]
    if isinstance(x, SMap):
        return [z for p, _, v in x.entries for z in (p, *leaves_of(v))]
    if isinstance(x, STuple):
        return [z for item in x.items for z in leaves_of(item)]
    return [x]


def _ordered(values: Any) -> list[Any]:
    from explorer.values import ordered

    return ordered(values)


def product(domains: list[list[Any]]) -> list[tuple[Any, ...]]:
    return list(itertools.product(*domains))
