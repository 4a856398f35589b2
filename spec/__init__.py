"""The faultline front end: text -> AST -> checked AST -> IR. It knows nothing of search."""

from __future__ import annotations

import errno
from collections.abc import Mapping
from pathlib import Path

from spec import ir
from spec.check import CheckedSpec, check
from spec.diagnostics import Diagnostic, SpecError
from spec.lower import lower, model_names
from spec.parser import parse
from spec.source import SourceFile

__all__ = [
    "CheckedSpec", "Diagnostic", "SourceFile", "SpecError", "instantiate", "ir", "load", "load_file", "lower",
    "model_names", "read_text",
]


def load(text: str, uri: str = "<spec>") -> CheckedSpec:
    """Parse and check a spec; raises SpecError with every diagnostic found."""
    source = SourceFile(uri, text)
    return check(parse(source), source)


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


def instantiate(checked: CheckedSpec, model: str, overrides: Mapping[str, int] | None = None) -> ir.System:
    """The IR of one model of a checked spec."""
    return lower(checked, model, overrides)
