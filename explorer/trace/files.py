"""Writing output files whole or not at all (spec/files.py, shared with the editor's `fmt`), and checking
before a run that they can be written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from spec.files import write_atomic

__all__ = ["OutputError", "check_directory", "check_file", "write_atomic"]


class OutputError(Exception):
    """An output path that cannot be written, in words (checked before a run, so that no work is lost)."""


def check_directory(name: str, what: str) -> None:
    """OutputError unless files can be written in the directory `name` (made on demand, with its parents)."""
    if not name.strip():
        raise OutputError(f"{what} needs a directory name")
    path = Path(name)
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise OutputError(f"{what} {path}: {existing} is not a directory")
    _probe(existing, f"{what} {path}")


def check_file(name: str, what: str) -> None:
    """OutputError unless `name` can be written as a regular file (its directory made on demand)."""
    if not name.strip():
        raise OutputError(f"{what} needs a file name")
    path = Path(name)
    if path.is_dir():
        raise OutputError(f"{what} {path} is a directory, not a file")
    if path.exists() and not path.resolve().is_file():
        raise OutputError(f"{what} {path} is not a regular file")
    existing = _nearest_existing(path.parent)
    if not existing.is_dir():
        raise OutputError(f"{what} {path}: {existing} is not a directory")
    _probe(existing, f"{what} {path}")


def _nearest_existing(path: Path) -> Path:
    """`path` itself if it exists, else its nearest ancestor that does."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(directory: Path, what: str) -> None:
    """Create and remove a file in `directory`: the only sure test of writability (permissions, read-only
    file systems, quotas), whoever runs faultline."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".faultline-probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise OutputError(f"{what}: cannot write in {directory} ({error.strerror or error})") from None
