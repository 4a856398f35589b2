"""The faultline front end: text -> AST -> checked AST -> IR. It knows nothing of search.

`load` parses and checks a spec (SpecError holds every error); `select` checks what a command asks of it
(models, properties, constant values) and `instantiate` lowers one model to the IR (spec/select.py).
"""

from __future__ import annotations

from pathlib import Path

from spec import ir
from spec.check import CheckedSpec, check
from spec.diagnostics import Diagnostic, SpecError, raise_errors
from spec.lower import lower
from spec.names import DEADLOCK_FREE, DEFAULT_MODEL, NO_RUNTIME_ERRORS
from spec.parser import parse
from spec.select import (
    check_constants,
    check_models,
    check_properties,
    instantiate,
    invariant_names,
    model_names,
    property_names,
    select,
)
from spec.source import SourceFile

__all__ = [
    "DEADLOCK_FREE",
    "DEFAULT_MODEL",
    "NO_RUNTIME_ERRORS",
    "CheckedSpec",
    "Diagnostic",
    "SourceFile",
    "SpecError",
    "check_constants",
    "check_models",
    "check_properties",
    "instantiate",
    "invariant_names",
    "ir",
    "load",
    "load_file",
    "lower",
    "model_names",
    "property_names",
    "select",
]


def load(text: str, uri: str = "<spec>") -> CheckedSpec:
    """Parse and check a spec; raises SpecError with every error found (and the warnings beside them)."""
    source = SourceFile(uri, text)
    checked, diagnostics = check(parse(source), source)
    raise_errors(diagnostics, source)
    return checked


def load_file(path: str | Path) -> CheckedSpec:
    path = Path(path)
    return load(path.read_text(encoding="utf-8"), str(path))
