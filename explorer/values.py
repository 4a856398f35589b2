"""Run-time values as people and files see them: canonical ordering, display text, ITF JSON."""

from __future__ import annotations

from typing import Any

from spec import ir

# The canonical order of run-time values (spec.ir.canonical_key): every iteration, in every back end.
sort_key = ir.canonical_key
ordered = ir.in_canonical_order


class Names:
    """How node instances and enum members are named, for display and for ITF."""

    def __init__(self, system: ir.System) -> None:
        self.instances = [inst.name for inst in system.instances]

    def node(self, index: Any) -> str:
        if isinstance(index, int) and 0 <= index < len(self.instances):
            return self.instances[index]
        return f"<node {index}>"


def show(value: Any, t: ir.Type, names: Names) -> str:
    """A value in the language's own notation: `none`, `Client[1]`, `{1, 2}`, `{Lock: 3}`, `committed`."""
    if value is None:
        return "none"
    if isinstance(t, ir.OptionT):
        return show(value, t.inner, names)
    if isinstance(t, ir.BoolT):
        return "true" if value else "false"
    if isinstance(t, ir.EnumT):
        return t.members[value] if isinstance(value, int) and 0 <= value < len(t.members) else str(value)
    if isinstance(t, ir.NodeT):
        return names.node(value)
    if isinstance(t, ir.SetT):
        return "{" + ", ".join(show(v, t.elem, names) for v in ordered(value)) + "}"
    if isinstance(t, ir.MapT):
        items = ordered(value)
        return "{" + ", ".join(f"{show(k, t.key, names)}: {show(v, t.value, names)}" for k, v in items) + "}"
    if isinstance(t, ir.TupleT):
        return "(" + ", ".join(show(v, it, names) for v, it in zip(value, t.items, strict=False)) + ")"
    return str(value)


def to_itf(value: Any, t: ir.Type, names: Names) -> Any:
    """A value in the Informal Trace Format (ADR-015): sets as #set, maps as #map, tuples as #tup,
    optional values as Quint's Option variant, enums and nodes as strings."""
    if isinstance(t, ir.OptionT):
        if value is None:
            return {"tag": "None", "value": {"#tup": []}}
        return {"tag": "Some", "value": to_itf(value, t.inner, names)}
    if value is None:
        return {"tag": "None", "value": {"#tup": []}}
    if isinstance(t, ir.BoolT):
        return bool(value)
    if isinstance(t, ir.EnumT):
        return t.members[value]
    if isinstance(t, ir.NodeT):
        return names.node(value)
    if isinstance(t, ir.SetT):
        return {"#set": [to_itf(v, t.elem, names) for v in ordered(value)]}
    if isinstance(t, ir.MapT):
        return {"#map": [[to_itf(k, t.key, names), to_itf(v, t.value, names)] for k, v in ordered(value)]}
    if isinstance(t, ir.TupleT):
        return {"#tup": [to_itf(v, it, names) for v, it in zip(value, t.items, strict=False)]}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return {"#bigint": str(value)}
    return value
