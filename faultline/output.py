"""Machine-readable reports of a run over one or more specs: JSON (its schema is in README, version
FORMAT_VERSION), JUnit XML (one test case per model and property), and GitHub Actions annotations."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from typing import Any

from explorer.result import PropertyResult, Verdict
from faultline.run import EXIT_HOLDS, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_VIOLATED, NOT_RUN, Report
from spec import Diagnostic, SpecError

# Raised when a key is removed or changes meaning; new keys may come without it.
FORMAT_VERSION = 1


@dataclass
class Run:
    """Everything one command found, over every spec it was given."""

    command: str
    reports: list[Report] = field(default_factory=list)
    errors: list[tuple[str, SpecError | str]] = field(default_factory=list)  # (spec path, what is wrong)
    warnings: list[tuple[str, Diagnostic]] = field(default_factory=list)  # (spec path, a spec's warning)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (spec path, why it was not run)

    @property
    def results(self) -> list[PropertyResult]:
        return [r for report in self.reports for r in report.results]

    @property
    def exit_code(self) -> int:
        """2 if a spec could not be checked; else 1 if a verdict is not the expected one; else 3 if a run
        stopped early; else 0."""
        if self.errors:
            return EXIT_USAGE
        if any(report.exit_code == EXIT_VIOLATED for report in self.reports):
            return EXIT_VIOLATED
        if any(report.exit_code == EXIT_INCOMPLETE for report in self.reports):
            return EXIT_INCOMPLETE
        return EXIT_HOLDS

    def summary(self) -> dict[str, int]:
        """Counts in which each result counts once: holds + violated + incomplete = results, and so does
        as_expected + unexpected + incomplete. An expected violation that bmc or simulate did not find
        settles nothing: it is incomplete (and also counted as `inconclusive`), not a result that holds."""
        results = self.results
        return {
            "specs": len(self.reports) + len(self.errors),
            "models": sum(len({r.model for r in report.results}) for report in self.reports),
            "results": len(results),
            "holds": sum(r.verdict == Verdict.HOLDS and not r.inconclusive for r in results),
            "violated": sum(r.verdict == Verdict.VIOLATED for r in results),
            "incomplete": sum(r.verdict == Verdict.INCOMPLETE or r.inconclusive for r in results),
            "inconclusive": sum(r.inconclusive for r in results),
            "as_expected": sum(r.matches for r in results),
            "unexpected": sum(r.mismatch() is not None for r in results),
            "errors": len(self.errors),
            "exit_code": self.exit_code,
        }


def diagnostic_json(path: str, d: Diagnostic) -> dict[str, Any]:
    """A located diagnostic: where (1-based line and column of its start and end; null when it points at
    no line, as for a name given on the command line), its code, message and notes."""
    located = d.span.line > 0
    return {
        "file": path,
        "line": d.span.line if located else None,
        "column": d.span.column if located else None,
        "end_line": d.span.end_line if located else None,
        "end_column": d.span.end_column if located else None,
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "notes": list(d.notes),
    }


def errors_json(path: str, error: SpecError | str) -> list[dict[str, Any]]:
    if isinstance(error, str):
        return [
            {
                "file": path,
                "line": None,
                "column": None,
                "end_line": None,
                "end_column": None,
                "severity": "error",
                "code": None,
                "message": error,
                "notes": [],
            }
        ]
    return [diagnostic_json(path, d) for d in error.diagnostics]


def to_json(run: Run) -> dict[str, Any]:
    """The JSON document of a run. One spec's report sits at the top level; several go in `specs`."""
    payload: dict[str, Any] = {"format_version": FORMAT_VERSION, "command": run.command}
    if len(run.reports) == 1 and not run.errors:
        payload.update(run.reports[0].to_json())
    else:
        payload["specs"] = [report.to_json() for report in run.reports]
    payload["summary"] = run.summary()
    payload["errors"] = [e for path, error in run.errors for e in errors_json(path, error)]
    payload["warnings"] = [diagnostic_json(path, w) for path, w in run.warnings]
    return payload


def junit_xml(run: Run) -> bytes:
    """JUnit XML: a test suite per spec, a test case per model and property (classname spec.model), a
    failure for each verdict that is not the expected one, `skipped` for a run that stopped early and for
    each model not run (after Ctrl-C or a fail-fast stop, with the reason; a spec not run at all is one
    skipped case), and an error for each spec that could not be checked."""
    suites = ElementTree.Element("testsuites", name=f"faultline {run.command}")
    for report in run.reports:
        _suite(suites, report)
    for path, why in run.skipped:
        suite = _element(suites, "testsuite", name=path, time="0", file=path)
        case = ElementTree.SubElement(suite, "testcase", name="not run", classname=path, time="0")
        ElementTree.SubElement(case, "skipped", message=why)
    for path, error in run.errors:
        suite = _element(suites, "testsuite", name=path, time="0")
        case = ElementTree.SubElement(suite, "testcase", name="load", classname=path, time="0")
        element = ElementTree.SubElement(
            case, "error", message="the spec cannot be checked", type="spec error"
        )
        element.text = error if isinstance(error, str) else error.render()
    for suite in suites:
        _count(suite)
    _count(suites)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def _suite(suites: ElementTree.Element, report: Report) -> None:
    """A spec's test suite: a case per model and property, those of the models with no results skipped."""
    models = {r.model for r in report.results}
    suite = _element(
        suites, "testsuite", name=report.spec, time=f"{sum(_seconds(report, m) for m in models):.3f}"
    )
    suite.set("file", report.source)
    for r in report.results:
        case = _case(suite, report, r.model, r.property, r.stats.seconds)
        mismatch = r.mismatch()
        if mismatch is not None:
            failure = ElementTree.SubElement(case, "failure", message=mismatch, type="unexpected verdict")
            failure.text = _counterexample_text(r)
        elif _unsettled(r):
            ElementTree.SubElement(case, "skipped", message=_unsettled_text(r))
    for model, why in report.stopped.items():
        for prop in report.properties or [""]:
            case = _case(suite, report, model, prop, 0.0)
            said = why if why.startswith(NOT_RUN) else f"stopped before its search began ({why})"
            ElementTree.SubElement(case, "skipped", message=said)


def _element(parent: ElementTree.Element, tag: str, **attributes: str) -> ElementTree.Element:
    """A suite (or the suites) whose counts `_count` fills in once its cases are there."""
    element = ElementTree.SubElement(parent, tag, name=attributes.pop("name"))
    for key in ("tests", "failures", "errors", "skipped"):
        element.set(key, "0")
    for key, value in attributes.items():
        element.set(key, value)
    return element


def _case(
    suite: ElementTree.Element, report: Report, model: str, prop: str, seconds: float
) -> ElementTree.Element:
    name = f"{model}.{prop}" if prop else model
    return ElementTree.SubElement(
        suite, "testcase", name=name, classname=f"{report.spec}.{model}", time=f"{seconds:.3f}"
    )


def _count(element: ElementTree.Element) -> None:
    """The tests, failures, errors and skipped cases under a suite (or the suites)."""
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    element.set("errors", str(sum(c.find("error") is not None for c in cases)))
    if element.tag == "testsuite":
        element.set("skipped", str(sum(c.find("skipped") is not None for c in cases)))


def _unsettled(r: PropertyResult) -> bool:
    """A verdict that settles nothing: incomplete, or a bounded engine that did not find the violation the
    model expects (the run's exit code is then 3, as for a bound)."""
    return r.verdict == Verdict.INCOMPLETE or r.inconclusive


def _unsettled_text(r: PropertyResult) -> str:
    if r.inconclusive:
        within = f" ({r.reason})" if r.reason else ""
        return f"expected violated: not found within these bounds{within}"
    return r.verdict_text()


def _seconds(report: Report, model: str) -> float:
    return next((r.stats.seconds for r in report.results if r.model == model), 0.0)


def _counterexample_text(r: PropertyResult) -> str:
    """The readable counterexample of a result, or what there is to say without one."""
    return r.counterexample_text or r.reason or r.verdict_text()


def github_annotations(run: Run) -> list[str]:
    """GitHub Actions workflow commands: an error at the property's line for each unexpected verdict,
    a warning for each result that stopped early, an error at the mistake for each spec error."""
    lines = []
    for report in run.reports:
        for r in report.results:
            where = f"file={_escape_property(report.source)}" + (f",line={r.line}" if r.line else "")
            mismatch = r.mismatch()
            if mismatch is not None:
                title = f"{report.spec}: {r.property} in model {r.model}"
                where_trace = f" (counterexample: {r.counterexample})" if r.counterexample else ""
                lines.append(
                    f"::error {where},title={_escape_property(title)}::{_escape(mismatch + where_trace)}"
                )
            elif _unsettled(r):
                lines.append(f"::warning {where}::{_escape(f'{r.model}: {r.property} {_unsettled_text(r)}')}")
    for path, error in run.errors:
        for d in errors_json(path, error):
            where = f"file={_escape_property(path)}" + (
                f",line={d['line']},col={d['column']}" if d["line"] else ""
            )
            code = f"{d['code']}: " if d["code"] else ""
            lines.append(f"::error {where}::{_escape(code + d['message'])}")
    return lines


def _escape(text: str) -> str:
    """A workflow command's message: %, CR and LF escaped as GitHub documents."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property (file, title): also `:` and `,`, which end a property."""
    return _escape(text).replace(":", "%3A").replace(",", "%2C")
