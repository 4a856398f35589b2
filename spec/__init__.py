"""The faultline front end: text -> AST -> checked AST -> IR. It knows nothing of search.

`load` parses and checks a spec (SpecError holds every error); `select` checks what a command asks of it
(models, properties, constant values) and `instantiate` lowers one model to the IR (spec/select.py).
"""

from __future__ import annotations

import errno
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
    "read_text",
    "select",
]


def load(text: str, uri: str = "<spec>") -> CheckedSpec:
    """Parse and check a spec; raises SpecError with every error found (and the warnings beside them)."""
    source = SourceFile(uri, text)
    checked, diagnostics = check(parse(source), source)
    raise_errors(diagnostics, source)
    return checked


# A spec is a small text; a file larger than this (or a device that never ends, /dev/zero) is not one.
MAX_SPEC_BYTES = 16 * 2**20


def read_text(path: str | Path) -> str:
    """The text of a spec file: OSError if it cannot be read or is larger than MAX_SPEC_BYTES,
    UnicodeDecodeError if it is not UTF-8. Line breaks are kept as they are (SourceFile reads them)."""
    with Path(path).open("rb") as handle:
        data = handle.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_SPEC_BYTES // 2**20} MiB, which no spec is", str(path))
    return data.decode("utf-8")


def load_file(path: str | Path) -> CheckedSpec:
    return load(read_text(path), str(path))
