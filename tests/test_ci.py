"""`.ci/run`: the picture and browser tests cannot pass there by being skipped. Without Graphviz on the
PATH, a picture test is skipped elsewhere and fails under FAULTLINE_REQUIRE_PICTURE_TOOLS=1, which
`.ci/run` sets."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REQUIRE_TOOLS, ROOT

TEST = "tests/explorer/test_sequence_chart.py::test_the_overlap_check_sees_an_overlap"


def _without_graphviz(required: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != REQUIRE_TOOLS}
    env["PATH"] = os.path.dirname(sys.executable)  # the virtual environment's programs only: no `neato`
    if required:
        env[REQUIRE_TOOLS] = "1"
    command = [sys.executable, "-m", "pytest", "-rsf", "-p", "no:cacheprovider", TEST]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_ci_run_requires_the_picture_tools() -> None:
    assert f"export {REQUIRE_TOOLS}=1" in (ROOT / ".ci" / "run").read_text()
    skipped = _without_graphviz(required=False)
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout
    failed = _without_graphviz(required=True)
    assert failed.returncode == 1 and "1 failed" in failed.stdout, failed.stdout
    assert f"Graphviz is not installed: {REQUIRE_TOOLS}=1 (.ci/run) needs it" in failed.stdout
