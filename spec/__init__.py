"""The faultline front end: text -> AST -> checked AST -> IR. It knows nothing of search."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from spec import ir
from spec.check import CheckedSpec, check
from spec.diagnostics import Diagnostic, SpecError, raise_errors
from spec.lower import lower, model_names
from spec.parser import parse
from spec.source import SourceFile

__all__ = ["CheckedSpec", "Diagnostic", "SourceFile", "SpecError", "instantiate", "ir", "load", "load_file", "lower", "model_names"]


def load(text: str, uri: str = "<spec>") -> CheckedSpec:
    """Parse and check a spec; raises SpecError with every error found (and the warnings beside them)."""
    source = SourceFile(uri, text)
    checked, diagnostics = check(parse(source), source)
    raise_errors(diagnostics, source)
    return checked


def load_file(path: str | Path) -> CheckedSpec:
    path = Path(path)
    return load(path.read_text(encoding="utf-8"), str(path))


def instantiate(checked: CheckedSpec, model: str, overrides: Mapping[str, int] | None = None) -> ir.System:
    """The IR of one model of a checked spec."""
    return lower(checked, model, overrides)
