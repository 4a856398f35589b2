"""Writing output files whole or not at all (spec/files.py, shared with the editor's `fmt`)."""

from __future__ import annotations

from spec.files import write_atomic

__all__ = ["write_atomic"]
