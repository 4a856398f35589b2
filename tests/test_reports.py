"""Machine-readable output: JSON against the schema documented in README, JUnit XML against a JUnit schema,
GitHub Actions annotations; several specs in one run; expected verdicts deciding the exit code."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from click.testing import CliRunner

from faultline.cli import main
from tests.conftest import ROOT, SPECS

RETRY = ROOT / "tests" / "data" / "reports" / "retry_increment.fl"  # safety only: fixed counts
LEASE = SPECS / "lease_lock.fl"
JUNIT_XSD = ROOT / "tests" / "data" / "junit" / "junit.xsd"


@pytest.fixture(autouse=True)
def replay_every_trace(tmp_path: Path) -> Iterator[None]:
    """Every counterexample a test here writes replays against the spec it came from."""
    yield
    for trace in tmp_path.rglob("*.itf.json"):
        source = json.loads(trace.read_text(encoding="utf-8"))["#meta"]["source"]
        result = CliRunner().invoke(main, ["replay", str(trace), source])
        assert result.exit_code == 0, (trace, result.output)


def readme_schema() -> dict[str, object]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- json-schema -->\n```json\n(.*?)\n```\n<!-- /json-schema -->", text, re.S)
    assert block is not None, "README has no JSON schema block"
    schema: dict[str, object] = json.loads(block.group(1))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def unexpected(tmp_path: Path) -> Path:
    """retry_increment with its naive model expected to hold: one verdict is then unexpected."""
    text = RETRY.read_text(encoding="utf-8").replace("expect applied_once violated", "expect all hold", 1)
    path = tmp_path / "retry_increment.fl"
    path.write_text(text, encoding="utf-8")
    return path


def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.fl"
    path.write_text("node A {\n  var x: 0..3 = y\n}\n", encoding="utf-8")
    return path


def test_json_of_one_spec_follows_the_documented_schema(tmp_path: Path) -> None:
    code, out, _ = invoke("check", RETRY, "--json", "--out", tmp_path)
    assert code == 0
    payload = json.loads(out)
    jsonschema.validate(payload, readme_schema())
    assert payload["format_version"] == 1 and payload["errors"] == []
    assert payload["summary"]["unexpected"] == 0 and payload["summary"]["violated"] == 2
    row = next(
        r for r in payload["results"] if r["model"] == "naive_lossy" and r["property"] == "applied_once"
    )
    assert (row["verdict"], row["expected"], row["matches"]) == ("violated", "violated", True)
    assert row["line"] == next(
        n
        for n, line in enumerate(RETRY.read_text().splitlines(), 1)
        if line.startswith("invariant applied_once")
    )


def test_json_of_several_specs_and_a_broken_one_follows_the_schema_with_located_errors(
    tmp_path: Path,
) -> None:
    code, out, _ = invoke("check", LEASE, unexpected(tmp_path), broken(tmp_path), "--json", "--out", tmp_path)
    assert code == 2  # a spec that cannot be checked outranks an unexpected verdict
    payload = json.loads(out)
    jsonschema.validate(payload, readme_schema())
    assert [s["spec"] for s in payload["specs"]] == ["lease_lock", "retry_increment"]
    assert payload["summary"]["unexpected"] == 1 and payload["summary"]["errors"] == 1
    (error,) = payload["errors"]
    assert error["file"].endswith("broken.fl")
    assert (error["line"], error["column"], error["code"]) == (2, 17, "FL200")


def test_a_specs_warnings_are_located_in_the_json(tmp_path: Path) -> None:
    path = tmp_path / "quiet.fl"
    path.write_text("message Ping\nnode A {\n  var x: 0..1 = 0\n  on Ping { x = 1 }\n}\n", encoding="utf-8")
    code, out, _ = invoke("check", path, "--json", "--out", tmp_path)
    assert code == 0
    payload = json.loads(out)
    jsonschema.validate(payload, readme_schema())
    (warning,) = payload["warnings"]
    assert (warning["severity"], warning["line"], warning["column"]) == ("warning", 4, 6)
    assert "no node ever sends Ping" in warning["message"]


def test_an_unexpected_verdict_exits_1_and_says_what_was_expected(tmp_path: Path) -> None:
    code, out, _ = invoke("check", unexpected(tmp_path), "--out", tmp_path)
    assert code == 1
    assert "naive_reliable: expected applied_once to hold but it was violated in 3 steps" in out
    text = RETRY.read_text(encoding="utf-8").replace("expect all hold", "expect applied_once violated", 1)
    flipped = tmp_path / "flipped" / "retry_increment.fl"
    flipped.parent.mkdir()
    flipped.write_text(text, encoding="utf-8")
    code, out, _ = invoke("check", flipped, "-m", "idempotent_lossy", "--out", tmp_path)
    assert code == 1
    assert "idempotent_lossy: expected applied_once violated but it holds" in out


def test_a_directory_of_specs_is_checked_with_one_summary(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    for source in (LEASE, RETRY):
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = invoke("check", folder, "--out", tmp_path / "cx")
    assert code == 0
    assert out.strip().splitlines()[-1] == (
        "2 specs, 6 models, 12 verdicts: 12 as expected, 0 unexpected, 0 incomplete, 0 with errors"
    )


def test_fail_fast_stops_at_the_first_unexpected_verdict(tmp_path: Path) -> None:
    code, out, _ = invoke("check", unexpected(tmp_path), "--fail-fast", "--json", "--out", tmp_path)
    assert code == 1
    payload = json.loads(out)
    assert {r["model"] for r in payload["results"]} == {"naive_reliable"}  # the models after it skipped
    code, out, _ = invoke("check", unexpected(tmp_path), LEASE, "--fail-fast", "--json", "--out", tmp_path)
    assert code == 1 and json.loads(out)["spec"] == "retry_increment"  # and the specs after it


def test_an_html_report_is_of_one_spec(tmp_path: Path) -> None:
    code, _, err = invoke("check", LEASE, RETRY, "--report", tmp_path / "r.html", "--out", tmp_path)
    assert code == 2 and "--report draws one spec" in err
    assert not (tmp_path / "r.html").exists()


def test_junit_follows_a_junit_schema_with_a_case_per_model_and_property(tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    code, _, _ = invoke(
        "check", LEASE, unexpected(tmp_path), broken(tmp_path), "--junit", junit, "--out", tmp_path
    )
    assert code == 2
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    schema.validate(str(junit))
    document = schema.to_dict(str(junit))
    suites = {s["@name"]: s for s in document["testsuite"]}
    assert set(suites) == {"lease_lock", "retry_increment", str(tmp_path / "broken.fl")}
    retry = suites["retry_increment"]
    assert (retry["@tests"], retry["@failures"]) == (8, 1)
    failed = [c for c in retry["testcase"] if "failure" in c]
    assert [c["@name"] for c in failed] == ["naive_reliable.applied_once"]
    assert "VIOLATED: applied_once" in failed[0]["failure"]["$"]  # the counterexample's text
    assert "error" in suites[str(tmp_path / "broken.fl")]["testcase"][0]


def test_the_junit_schema_refuses_what_ci_readers_do_not_know(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
        '<testcase name="c" classname="s" time="0" line="3"/></testsuite></testsuites>'
    )
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(JUNIT_XSD).validate(str(bad))


def test_github_annotations_point_at_the_propertys_line_and_the_mistake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # detected: no --format needed
    spec = unexpected(tmp_path)
    code, out, _ = invoke("check", spec, broken(tmp_path), "--out", tmp_path)
    assert code == 2
    line = next(n for n, text in enumerate(spec.read_text().splitlines(), 1) if text.startswith("invariant"))
    annotations = [x for x in out.splitlines() if x.startswith("::")]
    assert annotations[0].startswith(f"::error file={spec},line={line},title=retry_increment%3A applied_once")
    assert "expected applied_once to hold but it was violated in 3 steps" in annotations[0]
    assert annotations[1] == f"::error file={tmp_path / 'broken.fl'},line=2,col=17::FL200: unknown name 'y'"
    monkeypatch.delenv("GITHUB_ACTIONS")
    code, out, _ = invoke("check", RETRY, "--out", tmp_path)
    assert not [x for x in out.splitlines() if x.startswith("::")]
    code, out, _ = invoke("check", RETRY, "--format", "github", "--out", tmp_path)
    assert code == 0 and not [x for x in out.splitlines() if x.startswith("::")]  # nothing to annotate


def test_the_table_fits_the_width_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    from faultline import cli

    monkeypatch.setattr(
        cli, "stdout", cli.Console(highlight=False, soft_wrap=True, width=cli._width(cli.sys.stdout))
    )
    code, out, _ = invoke("check", SPECS / "two_phase_commit.fl", "--out", tmp_path)
    assert code == 0
    table = [x for x in out.splitlines() if x.startswith(("│", "┃", "┏", "└"))]
    assert table and all(len(x) <= 80 for x in table), "\n".join(table)
    assert any("│ classic │ tm_commits_when_all_prepared" in x for x in table)  # a line per property
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.setattr(
        cli, "stdout", cli.Console(highlight=False, soft_wrap=True, width=cli._width(cli.sys.stdout))
    )
    code, out, _ = invoke("check", SPECS / "two_phase_commit.fl", "--out", tmp_path)
    header = next(x for x in out.splitlines() if x.startswith("┃"))
    assert "tm_commits_when_all_prepared" in header and "consistent" in header  # the matrix


def test_an_expected_violation_that_bmc_does_not_reach_is_skipped_in_junit_and_warned_of(
    tmp_path: Path,
) -> None:
    junit = tmp_path / "out.xml"
    code, out, _ = invoke(
        "bmc", LEASE, "--depth", "3", "--junit", junit, "--format", "github", "--out", tmp_path
    )
    assert code == 3  # nothing refuted, nothing confirmed: as for a bound
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    schema.validate(str(junit))
    (suite,) = schema.to_dict(str(junit))["testsuite"]
    assert suite["@skipped"] == 1
    (skipped,) = [c for c in suite["testcase"] if "skipped" in c]
    assert skipped["@name"] == "gc_pauses.no_clobber"
    assert "not found within these bounds" in skipped["skipped"]["@message"]
    (warning,) = [x for x in out.splitlines() if x.startswith("::")]
    assert warning.startswith(f"::warning file={LEASE},line=")
    assert "gc_pauses: no_clobber expected violated: not found within these bounds" in warning


def test_under_github_actions_the_json_on_stdout_stays_one_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = invoke("check", unexpected(tmp_path), "--json", "--out", tmp_path)
    assert code == 1
    payload = json.loads(out)  # no annotation after it
    jsonschema.validate(payload, readme_schema())
    annotations = [x for x in err.splitlines() if x.startswith("::error ")]
    assert len(annotations) == 1 and "expected applied_once to hold" in annotations[0]


def test_a_narrow_table_cuts_no_name_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    from faultline import cli

    monkeypatch.setattr(
        cli, "stdout", cli.Console(highlight=False, soft_wrap=True, width=cli._width(cli.sys.stdout))
    )
    code, out, _ = invoke("check", SPECS / "retry_increment.fl", "--out", tmp_path)
    assert code == 0
    body = [x for x in out.splitlines() if x.startswith("│")]
    assert body and all(len(x) <= 60 for x in body)
    assert "…" not in out
    models = "".join(x.split("│")[1].strip() for x in body)  # the model column, its pieces joined
    for name in ("idempotent_synchronous_lossy", "idempotent_synchronous_losing_every_attempt"):
        assert name in models


def test_annotation_properties_escape_what_would_end_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "a,b:c"  # `,` would end the file property, as GitHub's toolkit escapes it
    folder.mkdir()
    spec = unexpected(folder)
    code, out, _ = invoke("check", spec, "--format", "github", "--out", tmp_path / "cx")
    assert code == 1
    (annotation,) = [x for x in out.splitlines() if x.startswith("::")]
    escaped = str(spec).replace(":", "%3A").replace(",", "%2C")
    assert annotation.startswith(f"::error file={escaped},line=")
    properties = annotation.split("::")[1].split(" ", 1)[1]
    assert [p.split("=", 1)[0] for p in properties.split(",")] == ["file", "line", "title"]


def test_the_summary_counts_each_result_once(tmp_path: Path) -> None:
    code, out, _ = invoke("bmc", LEASE, RETRY, "--depth", "3", "--json", "--out", tmp_path)
    assert code == 3  # lease_lock's expected violation lies deeper than 3 steps
    payload = json.loads(out)
    jsonschema.validate(payload, readme_schema())
    summary = payload["summary"]
    rows = [r for s in payload["specs"] for r in s["results"]]
    (missed,) = [r for r in rows if r["expected"] == "violated" and r["verdict"] == "holds"]
    assert (missed["model"], missed["property"]) == ("gc_pauses", "no_clobber")
    assert summary["inconclusive"] == 1
    assert summary["holds"] + summary["violated"] + summary["incomplete"] == summary["results"] == len(rows)
    assert summary["as_expected"] + summary["unexpected"] + summary["incomplete"] == summary["results"]
    holding = sum(r["verdict"] == "holds" for r in rows)
    assert summary["holds"] == holding - 1  # all but the one that was not found


def test_under_json_each_violation_is_announced_on_stderr_as_found(tmp_path: Path) -> None:
    code, out, err = invoke("check", unexpected(tmp_path), "--json", "--out", tmp_path)
    assert code == 1
    jsonschema.validate(json.loads(out), readme_schema())  # stdout: the JSON document alone
    found = [x for x in err.splitlines() if " violated in " in x]
    assert found[0].startswith(
        "retry_increment naive_reliable: applied_once violated in 3 steps (found after "
    )
    assert any(x.startswith("retry_increment naive_lossy: applied_once violated in 3 steps") for x in found)


def test_models_and_specs_not_run_after_fail_fast_are_skipped_junit_cases(tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    spec = unexpected(tmp_path)
    code, out, err = invoke("check", spec, LEASE, "--fail-fast", "--junit", junit, "--out", tmp_path)
    assert code == 1
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    schema.validate(str(junit))
    document = schema.to_dict(str(junit))
    why = "not run: an earlier verdict was not the expected one (fail-fast)"
    suites = {s["@name"]: s for s in document["testsuite"]}
    retry = suites["retry_increment"]
    cases = {c["@name"]: c for c in retry["testcase"]}
    assert "failure" in cases["naive_reliable.applied_once"]
    not_run = [name for name, c in cases.items() if c.get("skipped", {}).get("@message") == why]
    assert not_run == [
        f"{model}.{prop}"
        for model in ("naive_lossy", "idempotent_lossy", "idempotent_duplicating")
        for prop in ("applied_once", "no_runtime_errors")
    ]
    assert "skipped" in cases["naive_reliable.no_runtime_errors"]  # its search stopped: incomplete
    assert (retry["@tests"], retry["@failures"], retry["@skipped"]) == (8, 1, 7)
    (lease,) = suites[str(LEASE)]["testcase"]  # the spec after it: not run at all
    assert lease["skipped"]["@message"] == why
    assert f"{LEASE}: {why}" in err
    assert "naive_lossy: " + why in out  # the table says so too
    assert document["@tests"] == 9 and document["@failures"] == 1
    code, out, _ = invoke("check", spec, "--fail-fast", "--json", "--out", tmp_path)
    stopped = json.loads(out)["stopped"]  # and the JSON names them, as models with no results
    assert stopped == [
        {"model": m, "reason": why} for m in ("naive_lossy", "idempotent_lossy", "idempotent_duplicating")
    ]


def test_models_not_run_after_ctrl_c_are_skipped_junit_cases(tmp_path: Path) -> None:
    import faultline
    from faultline.output import Run, junit_xml

    class CtrlC(faultline.Observer):  # Ctrl-C lands as the first violation is announced
        def violation(self, model: str, prop: str, steps: int, stats: faultline.Stats) -> None:
            raise KeyboardInterrupt

    report = faultline.check(RETRY, observer=CtrlC())
    assert report.interrupted and {r.model for r in report.results} == {"naive_reliable"}
    why = "not run: interrupted"
    assert report.stopped == {m: why for m in ("naive_lossy", "idempotent_lossy", "idempotent_duplicating")}
    junit = tmp_path / "out.xml"
    junit.write_bytes(junit_xml(Run("check", [report])))
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    schema.validate(str(junit))
    (suite,) = schema.to_dict(str(junit))["testsuite"]
    not_run = [c["@name"] for c in suite["testcase"] if c.get("skipped", {}).get("@message") == why]
    assert len(not_run) == 6 and not_run[0] == "naive_lossy.applied_once"
    assert (suite["@tests"], suite["@skipped"]) == (8, 7)  # and the interrupted model's unfinished one


def test_with_several_specs_a_name_selects_in_the_specs_that_have_it(tmp_path: Path) -> None:
    code, out, err = invoke("check", LEASE, RETRY, "-m", "naive_lossy", "--json", "--out", tmp_path)
    assert code == 0, err
    payload = json.loads(out)
    jsonschema.validate(payload, readme_schema())
    assert payload["spec"] == "retry_increment" and {r["model"] for r in payload["results"]} == {
        "naive_lossy"
    }
    assert f"{LEASE}: not checked: it has no model naive_lossy" in err
    code, out, err = invoke("check", LEASE, RETRY, "-i", "no_clobber", "-m", "gc_pauses", "--out", tmp_path)
    assert code == 0, err
    assert "gc_pauses" in out and "naive_lossy" not in out
    assert f"{RETRY}: not checked: it has no model gc_pauses and property no_clobber" in err
    code, out, _ = invoke("bmc", LEASE, RETRY, "-i", "applied_once", "-k", "3", "--json", "--out", tmp_path)
    assert code == 0 and json.loads(out)["spec"] == "retry_increment"  # every engine


def test_with_several_specs_a_name_no_spec_has_is_an_error(tmp_path: Path) -> None:
    code, out, _ = invoke("check", LEASE, RETRY, "-m", "naive_lossy", "-m", "naive_lossi", "--json")
    assert code == 2
    errors = json.loads(out)["errors"]
    assert {e["file"] for e in errors} == {str(LEASE), str(RETRY)}  # each spec says it has no such model
    assert all("no model 'naive_lossi'" in e["message"] for e in errors)
    code, _, err = invoke("check", LEASE, RETRY, "-m", "gc_pauses", "-i", "applied_once", "--out", tmp_path)
    assert code == 2 and "error: no spec has model gc_pauses and property applied_once" in err
    code, _, err = invoke("check", RETRY, "-m", "gc_pauses", "--out", tmp_path)
    assert code == 2 and "no model 'gc_pauses'" in err  # one spec: its own names only, as ever
