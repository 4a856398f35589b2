"""The pytest plugin (faultline/pytest_plugin.py), run by pytest's own `pytester` in a project of its own:
.fl files become one test per model and property, passing when the verdict is the expected one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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


def test_without_pytests_cache_an_unexpected_verdict_still_fails_with_the_counterexample(
    pytester: pytest.Pytester,
) -> None:
    wrong = RETRY.replace("expect applied_once violated", "expect all hold", 1)
    pytester.makefile(".fl", retry_increment=wrong)
    result = pytester.runpytest("-p", "no:cacheprovider", *ALONE)  # as on a read-only checkout
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*naive_reliable: expected applied_once to hold but it was violated in 3 steps*",
            "*VIOLATED: applied_once*",
        ]
    )


# A timer that sends and arms itself again under asynchronous timing: each model's search has no end.
ENDLESS = """
message Ping
node A {
  on start { set tick after 1 }
  on timeout tick { send Ping to B; set tick after 1 }
}
node B {
  var got: 0..1 = 0
  on Ping { got = 1 }
}
invariant fine: B.got <= 1
model first { timing asynchronous; network { fifo } }
model second { timing asynchronous; network { fifo } }
"""


def test_ctrl_c_stops_the_session_not_only_the_model_under_way(pytester: pytest.Pytester) -> None:
    pytester.makefile(".fl", endless=ENDLESS)
    process = pytester.popen(
        [sys.executable, "-u", "-m", "pytest", "-v", *ALONE],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # also when this runs in background
    )
    assert process.stdout is not None
    started = b""
    while b"endless.fl::first" not in started:  # however long start-up takes on a busy machine
        chunk = os.read(process.stdout.fileno(), 4096)  # what is there: the item's name ends no line
        assert chunk, f"pytest ended before the first item began:\n{started.decode()}"
        started += chunk
    time.sleep(2)  # into the first model's search
    process.send_signal(signal.SIGINT)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        pytest.fail(f"pytest still ran 30 s after Ctrl-C:\n{(started + out).decode()}")
    text = (started + out).decode()
    assert process.returncode == 2, text  # pytest's "interrupted"
    assert "KeyboardInterrupt" in text
    assert "endless.fl::second" not in text  # the next model's search never began


def test_a_model_stopped_before_its_search_began_is_skipped_with_the_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faultline import api
    from faultline.run import Report

    def stopped(checked: api.CheckedSpec, model: str, **_: object) -> Report:
        # what a bound reached while the model is being built gives: no results, the model named in `stopped`
        return Report(
            checked.name,
            checked.source.uri,
            api.Engine.EXPLORER,
            [model],
            stopped={model: "time bound 1 s reached"},
        )

    monkeypatch.setattr(api, "check", stopped)
    pytester.makefile(".fl", retry_increment=RETRY)
    result = pytester.runpytest("-rs", *ALONE)
    result.assert_outcomes(skipped=8)
    result.stdout.fnmatch_lines(["*naive_lossy: stopped before its search began (time bound 1 s reached)*"])
