"""The pytest plugin (faultline/pytest_plugin.py), run by pytest's own `pytester` in a project of its own:
.fl files become one test per model and property, passing when the verdict is the expected one."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from faultline.cli import main
from tests.conftest import ROOT

RETRY = (ROOT / "tests" / "data" / "reports" / "retry_increment.fl").read_text(encoding="utf-8")
# This suite's own plugins that a user's project would not have (pytest-lsp wraps every test call).
ALONE = ("-p", "no:pytest-lsp", "-p", "no:asyncio")


def test_each_model_and_property_is_an_item_passing_when_its_verdict_is_expected(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".fl", retry_increment=RETRY)
    result = pytester.runpytest("-v", *ALONE)
    result.assert_outcomes(passed=8)  # 4 models × (applied_once, no_runtime_errors)
    result.stdout.fnmatch_lines(["*retry_increment.fl::naive_lossy::applied_once PASSED*"])


def test_an_unexpected_verdict_fails_with_the_counterexample(pytester: pytest.Pytester) -> None:
    wrong = RETRY.replace("expect applied_once violated", "expect all hold", 1)
    assert wrong != RETRY
    pytester.makefile(".fl", retry_increment=wrong)
    result = pytester.runpytest(*ALONE)
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*naive_reliable: expected applied_once to hold but it was violated in 3 steps*",
            "*VIOLATED: applied_once*",
        ]
    )
    traces = list(pytester.path.rglob("*.itf.json"))
    assert traces
    for trace in traces:  # the counterexamples the plugin wrote replay against their spec
        replayed = CliRunner().invoke(main, ["replay", str(trace), str(pytester.path / "retry_increment.fl")])
        assert replayed.exit_code == 0, replayed.output


def test_a_spec_with_errors_fails_with_its_located_errors(pytester: pytest.Pytester) -> None:
    pytester.makefile(".fl", broken="node A { var x: 0..3 = y }\n")
    result = pytester.runpytest(*ALONE)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*broken.fl:1:24: error?FL200?: unknown name 'y'"])  # [ ] would be a class


def test_the_ini_option_limits_where_specs_are_collected(pytester: pytest.Pytester) -> None:
    pytester.mkdir("specs")
    pytester.mkdir("other")
    (pytester.path / "specs" / "retry.fl").write_text(RETRY, encoding="utf-8")
    (pytester.path / "other" / "broken.fl").write_text("node A {", encoding="utf-8")
    pytester.makeini("[pytest]\nfaultline_specs = specs\n")
    result = pytester.runpytest(*ALONE)
    result.assert_outcomes(passed=8)
