"""A pytest plugin: `*.fl` files are collected as tests, one item per model and property, passing when
the verdict is the one the model expects (`expect`) and failing with the counterexample otherwise.

Registered through the `pytest11` entry point, so a project that depends on faultline gets it. Specs are
collected only under the paths named by the `faultline_specs` ini option (default: any path pytest
visits), and each model is checked once for all of its items.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the front end and the engines load only when a spec is collected
    from faultline.run import Report
    from spec import CheckedSpec, SpecError


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "faultline_specs",
        "Where faultline specs (*.fl) are collected from (paths relative to the rootdir; default: anywhere).",
        type="paths",
        default=[],
    )
    parser.addoption(
        "--faultline-max-seconds", type=float, default=None, help="Stop each faultline model after this long."
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".fl":
        return None
    roots = parent.config.getini("faultline_specs")
    if roots and not any(file_path.is_relative_to(root) for root in roots):
        return None
    spec_file: SpecFile = SpecFile.from_parent(parent, path=file_path)
    return spec_file


class SpecFile(pytest.File):
    """A spec: an item per model and property."""

    def collect(self) -> Iterator[pytest.Item]:
        import spec as front_end
        from faultline import api
        from spec import SpecError

        try:
            checked = api.load(self.path)
        except SpecError as error:
            yield SpecErrorItem.from_parent(self, name="load", error=error)
            return
        reports: dict[str, Report] = {}
        properties = front_end.property_names(checked)
        for model in front_end.model_names(checked):
            for prop in properties:
                yield VerdictItem.from_parent(
                    self, name=f"{model}::{prop}", checked=checked, model=model, prop=prop, reports=reports
                )


class VerdictItem(pytest.Item):
    def __init__(
        self, *, checked: CheckedSpec, model: str, prop: str, reports: dict[str, Report], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.checked = checked
        self.model = model
        self.prop = prop
        self.reports = reports  # shared by the items of one spec: a model is checked once

    def runtest(self) -> None:
        from faultline import api

        report = self.reports.get(self.model)
        if report is None:
            cache = getattr(self.config, "cache", None)  # None under `-p no:cacheprovider`
            out = (
                Path(str(cache.mkdir("faultline"))) if cache else Path(tempfile.mkdtemp(prefix="faultline-"))
            )
            report = api.check(
                self.checked,
                self.model,
                max_seconds=self.config.getoption("faultline_max_seconds"),
                out_dir=out,
            )
            self.reports[self.model] = report
        if report.interrupted:  # Ctrl-C stopped the search: stop the session, as for any test
            raise KeyboardInterrupt
        if self.model in report.stopped:
            pytest.skip(f"{self.model}: stopped before its search began ({report.stopped[self.model]})")
        result = report.result(self.model, self.prop)
        mismatch = result.mismatch()
        if mismatch is not None:
            raise VerdictMismatch(mismatch, result.counterexample)
        if result.verdict == api.Verdict.INCOMPLETE:
            pytest.skip(f"{self.model}: {self.prop} {result.verdict_text()}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, VerdictMismatch):
            message, counterexample = excinfo.value.args
            if counterexample is not None:
                text = Path(counterexample).read_text(encoding="utf-8")
                return f"{message}\ncounterexample ({counterexample}):\n{text}"
            return str(message)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.checked.name}: {self.model} {self.prop}"


class SpecErrorItem(pytest.Item):
    """A spec that does not load fails as one item, with its located errors."""

    def __init__(self, *, error: SpecError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return self.error.render()

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name}: errors"


class VerdictMismatch(Exception):
    """A verdict that is not the one the model expects: the message and the counterexample's path."""
