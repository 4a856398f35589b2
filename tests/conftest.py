"""Shared helpers: load a spec from text, explore one of its models."""

from __future__ import annotations

from pathlib import Path

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
