"""Writing output files whole or not at all, and checking before a run that they can be written."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class OutputError(Exception):
    """An output path that cannot be written, in words (checked before a run, so that no work is lost)."""


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` through a temporary file in the same directory and a rename, so that a
    reader (or an interrupted run) never sees half a file. A symbolic link is followed (its target is
    replaced, the link kept); the file keeps the mode it had, and a new file gets the usual mode (0666
    less the umask), not the private mode of a temporary file."""
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
