"""A command imports what it needs, when it needs it: `check` never loads Z3, and the parser's tables are
built once and then read from the user's cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import sys
sys.argv = ["faultline", *sys.argv[1:]]
from faultline.main import main
try:
    main()
except SystemExit:
    pass
print("z3 loaded" if "z3" in sys.modules else "z3 not loaded", file=sys.stderr)
heavy = sorted(m for m in ("numpy", "networkx", "ray") if m in sys.modules)
print("also loaded: " + ",".join(heavy), file=sys.stderr)
"""


def _run(args: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_does_not_import_z3(tmp_path: Path) -> None:
    done = _run(["check", "specs/retry_increment.fl", "--out", str(tmp_path / "out")], tmp_path / "cache")
    assert "naive_lossy" in done.stdout
    assert "z3 not loaded" in done.stderr


def test_a_small_check_loads_no_numpy_networkx_or_ray(tmp_path: Path) -> None:
    """numpy serves only a search handed over to shards, networkx only liveness, Ray only --cluster."""
    done = _run(["check", "specs/vote_durability.fl", "--out", str(tmp_path / "out")], tmp_path / "cache")
    assert "crash_recovery" in done.stdout
    assert "also loaded: \n" in done.stderr
    live = _run(["check", "specs/retry_increment.fl", "--out", str(tmp_path / "out")], tmp_path / "cache")
    assert "also loaded: networkx\n" in live.stderr  # it has a liveness property


def test_bmc_imports_z3(tmp_path: Path) -> None:
    done = _run(["bmc", "specs/retry_increment.fl", "--depth", "2", "--out", str(tmp_path)], tmp_path / "c")
    assert "z3 loaded" in done.stderr


def test_the_parser_tables_are_cached_per_user(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _run(["fmt", "--check", "specs/retry_increment.fl"], cache)
    assert (cache / "faultline" / "grammar.lalr").is_file()
    again = _run(["fmt", "--check", "specs/retry_increment.fl"], cache)
    assert again.returncode == first.returncode == 0
