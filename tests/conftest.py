"""Shared helpers: load a spec from text, explore one of its models."""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

import spec
from explorer.search import SearchResult, explore
from explorer.semantics.system import SystemModel

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


def build(
    text: str, model: str | None = None, constants: dict[str, int] | None = None, **kwargs: object
) -> SystemModel:
    checked = spec.load(text, "test.fl")
    names = spec.model_names(checked)
    system = spec.instantiate(checked, model or names[0], constants)
    return SystemModel(system, **kwargs)  # type: ignore[arg-type]


def run(
    text: str, model: str | None = None, constants: dict[str, int] | None = None, **kwargs: object
) -> tuple[SystemModel, SearchResult]:
    deadlock = bool(kwargs.pop("deadlock", False))
    m = build(text, model, constants, deadlock=deadlock)
    return m, explore(m, deadlock=deadlock, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def specs_dir() -> Path:
    return SPECS


pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def counterexamples(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every counterexample the example specs produce (about 20, found once per test run), each replayed
    against its spec."""
    from explorer.run import CheckOptions, check_model
    from explorer.trace.replay import replay
    from tests.test_specs import EXPECTED

    out = tmp_path_factory.mktemp("counterexamples")
    found = []
    for name, models in EXPECTED.items():
        checked = spec.load_file(SPECS / f"{name}.fl")
        for model, expected in models.items():
            if all(v == "holds" for v in expected.values()):
                continue
            for r in check_model(checked, model, CheckOptions(out_dir=out)):
                if r.trace:
                    document = json.loads(Path(r.trace).read_text(encoding="utf-8"))
                    assert replay(document, checked).reaches_violation, r.trace
                    found.append(Path(r.trace))
    assert len(found) >= 18
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright, the system's Chromium (.ci/run installs it); the tests that
    need it are skipped when it cannot start."""
    import shutil

    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    with playwright_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except playwright_api.Error as error:
            pytest.skip(f"Chromium does not start: {error}")
        yield chromium
        chromium.close()


# Under .ci/run the picture and browser tests must run: a skip for want of Graphviz, Chromium or Playwright
# is a failure there, so that CI never passes without them.
REQUIRE_TOOLS = "FAULTLINE_REQUIRE_PICTURE_TOOLS"
_TOOLS = ("Graphviz", "Chromium", "playwright")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get(REQUIRE_TOOLS) == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if any(tool in reason for tool in _TOOLS):
            report.outcome = "failed"
            report.longrepr = f"{reason}: {REQUIRE_TOOLS}=1 (.ci/run) needs it"
