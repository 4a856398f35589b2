"""What a command selects from a checked spec: a model by name, values for some of its constants, the
properties to check. Each is checked against the spec before anything is lowered, and every mistake is a
diagnostic (FL6xx) that names the closest known name and lists the others; `instantiate` lowers a model
only once what it is given fits.

The names given come from outside the spec (a command line, a trace file), so a diagnostic about an
unknown name points at no line of it; one about a constant's value points at the constant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from spec import ir
from spec.check import CheckedSpec
from spec.diagnostics import Diagnostic, raise_errors
from spec.lower import lower
from spec.names import DEADLOCK_FREE, DEFAULT_MODEL, did_you_mean
from spec.names import property_names as names_of_properties
from spec.parser import MAX_LITERAL
from spec.source import NOWHERE
from spec.types import BOOL, INT


def model_names(checked: CheckedSpec) -> list[str]:
    """The models a spec defines, in order; a spec without model blocks has one: `default`."""
    return [m.name for m in checked.ast.models] or [DEFAULT_MODEL]


def invariant_names(checked: CheckedSpec) -> list[str]:
    return [inv.name for inv in checked.ast.invariants]


def property_names(checked: CheckedSpec, deadlock: bool = False) -> list[str]:
    """Every property a model of the spec checks, in the order of its results (spec/names.py)."""
    return names_of_properties(checked.ast, deadlock)


def select(
    checked: CheckedSpec,
    models: Iterable[str] | None = None,
    properties: Iterable[str] | None = None,
    constants: Mapping[str, object] | None = None,
    deadlock: bool = False,
) -> list[str]:
    """The models to run (those named, or else every model of the spec), once every name and value given
    fits the spec; otherwise SpecError with a diagnostic for each that does not."""
    raise_errors(
        [
            *check_models(checked, models or ()),
            *check_properties(checked, properties or (), deadlock),
            *check_constants(checked, constants),
        ],
        checked.source,
    )
    return list(models) if models else model_names(checked)


def instantiate(checked: CheckedSpec, model: str, constants: Mapping[str, object] | None = None) -> ir.System:
    """The IR of one model of a checked spec, with `constants` overriding the spec's own values. SpecError
    if the model or a constant is unknown or a value does not fit its constant (FL6xx), or for what only
    this model gets wrong (FL5xx)."""
    raise_errors([*check_models(checked, [model]), *check_constants(checked, constants)], checked.source)
    values = {
        name: value for name, value in (constants or {}).items() if isinstance(value, int)
    }  # all of them
    return lower(checked, model, values)


# ---------------------------------------------------------------- the checks, one diagnostic a mistake


def check_models(checked: CheckedSpec, names: Iterable[str]) -> list[Diagnostic]:
    known = model_names(checked)
    return [
        Diagnostic(
            "FL600",
            f"spec {checked.name} has no model {_quoted(name)}",
            NOWHERE,
            (f"its models are {', '.join(known)}", *_closest(name, known)),
        )
        for name in names
        if name not in known
    ]


def check_properties(
    checked: CheckedSpec, names: Iterable[str], deadlock: bool = False, invariants_only: bool = False
) -> list[Diagnostic]:
    """A diagnostic for each name that is not a property of the spec (only its invariants count with
    `invariants_only`, as for the lemmas of a proof)."""
    what, whats = ("invariant", "invariants") if invariants_only else ("property", "properties")
    known = invariant_names(checked) if invariants_only else property_names(checked, deadlock)
    out = []
    for name in names:
        if name in known:
            continue
        notes = [f"its {whats} are {', '.join(known)}" if known else f"it has no {whats}"]
        if name == DEADLOCK_FREE and not invariants_only:
            notes.append(f"`{DEADLOCK_FREE}` is a property only where deadlocks are looked for")
        out.append(
            Diagnostic(
                "FL603",
                f"spec {checked.name} has no {what} {_quoted(name)}",
                NOWHERE,
                (*notes, *_closest(name, known)),
            )
        )
    return out


def check_constants(checked: CheckedSpec, values: Mapping[str, object] | None) -> list[Diagnostic]:
    """A diagnostic for each name that is not a constant of the spec, and for each value that its constant
    cannot take: only integer and boolean constants take values from outside, each of its own type, and
    an integer no larger than a literal of the language may be."""
    known = list(checked.scope.consts)
    out = []
    for name, value in (values or {}).items():
        decl = checked.scope.consts.get(name)
        if decl is None:
            out.append(
                Diagnostic(
                    "FL601",
                    f"spec {checked.name} has no constant {_quoted(name)}",
                    NOWHERE,
                    (
                        f"its constants are {', '.join(known)}" if known else "it has no constants",
                        *_closest(name, known),
                    ),
                )
            )
            continue
        declared = checked.types.of(decl.value)
        why = _misfit(declared, value)
        if why is not None:
            out.append(
                Diagnostic(
                    "FL602",
                    f"constant '{name}' {why}",
                    decl.name_span,
                    (f"it is declared here as {declared}",),
                )
            )
    return out


def _misfit(declared: object, value: object) -> str | None:
    """Why a constant declared `declared` cannot take `value`, or None if it can."""
    shown = _shown(value)
    if declared == BOOL:
        return None if isinstance(value, bool) else f"is a boolean: give it true or false, not {shown}"
    if declared == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"is an integer: give it an integer, not {shown}"
        if abs(value) > MAX_LITERAL:
            return f"cannot be {value}: the largest integer is {MAX_LITERAL}"
        return None
    return f"is {declared}: only integer and boolean constants can be given a value here"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return repr(value)


def _quoted(name: object) -> str:
    return f"'{name}'" if isinstance(name, str) else repr(name)


def _closest(name: object, known: list[str]) -> tuple[str, ...]:
    return did_you_mean(name, known) if isinstance(name, str) else ()
