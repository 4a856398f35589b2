"""Trace files given to `replay` and `render` are checked once, on reading, against the ITF shape and
faultline's own #meta: a file that departs from it gets one error naming the place inside it, exit 2 —
never a traceback, whichever command reads it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faultline.cli import main
from tests.conftest import SPECS

RETRY = str(SPECS / "retry_increment.fl")
TWO_PC = str(SPECS / "two_phase_commit.fl")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def trace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("traces")
    code, _ = invoke("check", RETRY, "-m", "naive_lossy", "--out", str(folder))
    assert code == 0  # the violation naive_lossy expects
    return json.loads((folder / "retry_increment" / "naive_lossy" / "applied_once.itf.json").read_text())


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def change(document: Any) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


# (what is wrong, how to break the trace, the place the error must name and a part of what it says)
CORRUPTIONS: list[tuple[str, Callable[[Any], None], str]] = [
    ("state_not_an_object", _set(["states", 1], [1, 2]), "states[1]: expected an object, not a list"),
    ("meta_not_an_object", _set(["states", 2, "#meta"], "deliver"), "states[2].#meta: expected an object"),
    ("text_not_a_string", _set(["states", 3, "#meta", "text"], 7), "states[3].#meta.text: expected a string"),
    ("property_a_list", _set(["#meta", "property"], ["applied_once"]), "#meta.property: expected a string"),
    ("closing_not_a_string", _set(["#meta", "closing"], 1.5), "#meta.closing: expected a string"),
    ("constants_not_an_object", _set(["#meta", "constants"], [1]), "#meta.constants: expected an object"),
    (
        "constant_a_string",
        _set(["#meta", "constants"], {"N": "abc"}),
        "#meta.constants.N: expected an integer",
    ),
    (
        "unknown_actor",
        _set(["states", 2, "#meta", "actor"], "Nope"),
        "states[2].#meta.actor: 'Nope' is not one of the trace's nodes",
    ),
    (
        "unknown_receiver",
        _set(["states", 1, "#meta", "sends", 0, "to"], "Server[7]"),
        "states[1].#meta.sends[0].to: 'Server[7]' is not one of the trace's nodes",
    ),
    (
        "bad_link",
        _set(["states", 2, "#meta", "link"], ["Server"]),
        "states[2].#meta.link: expected a pair of nodes",
    ),
    (
        "delivery_without_sender",
        lambda d: d["states"][2]["#meta"].pop("peer"),
        "states[2].#meta: missing 'peer'",
    ),
    ("node_not_a_name", _set(["#meta", "nodes"], ["Server", "<b>"]), "#meta.nodes[1]: expected a node name"),
    ("no_states", _set(["states"], []), "states: expected at least one state"),
    (
        "bad_set",
        _set(["states", 0, "Server.applied"], {"#set": 3}),
        "states[0].Server.applied.#set: expected a list",
    ),
    (
        "float_value",
        _set(["states", 0, "Server.counter"], 1.5),
        "states[0].Server.counter: expected an ITF value",
    ),
    (
        "null_value",
        _set(["states", 0, "Server.counter"], None),
        "states[0].Server.counter: expected an ITF value",
    ),
    (
        "deep_value",
        _set(["states", 0, "Server.counter"], json.loads("[" * 200 + "]" * 200)),
        "nested more than 64 levels deep",
    ),
]


@pytest.mark.parametrize(("corrupt", "message"), [pytest.param(c, m, id=i) for i, c, m in CORRUPTIONS])
def test_a_malformed_trace_gets_one_error_naming_the_place_in_the_file(
    tmp_path: Path, trace: dict[str, Any], corrupt: Callable[[Any], None], message: str
) -> None:
    document = json.loads(json.dumps(trace))
    corrupt(document)
    path = tmp_path / "bad.itf.json"
    path.write_text(json.dumps(document))
    for command in (
        ["replay", str(path), RETRY],
        ["render", str(path), "-o", str(tmp_path / "x.svg")],
        ["render", str(path), "--kind", "states", "--spec", RETRY, "-o", str(tmp_path / "s.svg")],
    ):
        code, output = invoke(*command)
        assert code == 2, (command, output)
        assert message in output, output
        assert output.startswith(f"error: {path}") and "Traceback" not in output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"#meta": {}, "states": [\xff]}', "not UTF-8 text (byte 25"),
        (b'{"states": [1' + b"1" * 5000 + b"]}", "not a trace"),
        (b'{"#meta": ', "not JSON"),
        (b"[]", "the trace: expected an object, not a list"),
    ],
    ids=["deep_json", "invalid_utf8", "huge_integer", "truncated", "not_an_object"],
)
def test_files_that_are_not_traces_at_all(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.itf.json"
    path.write_bytes(content)
    for command in (["replay", str(path), RETRY], ["render", str(path)]):
        code, output = invoke(*command)
        assert code == 2 and message in output and "Traceback" not in output, output


def test_a_byte_order_mark_before_a_trace_is_skipped(tmp_path: Path, trace: dict[str, Any]) -> None:
    path = tmp_path / "bom.itf.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(trace).encode())
    code, output = invoke("replay", str(path), RETRY)
    assert code == 0, output


def test_replay_names_constants_the_spec_does_not_have_or_of_another_type(tmp_path: Path) -> None:
    code, _ = invoke("check", TWO_PC, "-m", "classic", "-c", "WAIT_FOR_ALL=false", "--out", str(tmp_path))
    assert code == 1
    original = json.loads(next(tmp_path.rglob("consistent.itf.json")).read_text())
    for constants, message in [
        ({"NOPE": 1}, "has no constant 'NOPE'"),
        ({"WAIT_FOR_ALL": "false"}, "#meta.constants.WAIT_FOR_ALL: expected an integer"),
        ({"WAIT_FOR_ALL": 1}, "constant 'WAIT_FOR_ALL' is a boolean: give it true or false, not 1"),
        ({"N": True}, "constant 'N' is an integer: give it an integer, not true"),
        ({"N": 99999999999}, "#meta.constants.N: expected an integer (at most 2147483647"),
    ]:
        document = json.loads(json.dumps(original))
        document["#meta"]["constants"] = constants
        path = tmp_path / "changed.itf.json"
        path.write_text(json.dumps(document))
        code, output = invoke("replay", str(path), TWO_PC)
        assert code == 2, output
        assert message in output and "departs" not in output, output


def test_replay_says_when_the_spec_refuses_the_trace_s_constants(
    tmp_path: Path, trace: dict[str, Any]
) -> None:
    document = json.loads(json.dumps(trace))
    document["#meta"]["constants"] = {"RETRIES": -1}
    path = tmp_path / "changed.itf.json"
    path.write_text(json.dumps(document))
    code, output = invoke("replay", str(path), RETRY)
    assert code == 2
    assert "the spec does not accept the trace's constants (RETRIES=-1)" in output
    assert "error[FL501]" in output


def test_labels_that_look_like_graphviz_syntax_are_drawn_as_text(
    tmp_path: Path, trace: dict[str, Any]
) -> None:
    document = json.loads(json.dumps(trace))
    document["states"][1]["#meta"]["sends"][0]["message"] = "<b>bold</b>"  # sent here, delivered next
    step = document["states"][2]["#meta"]
    step["message"] = "<b>bold</b>"
    step["text"] = 'a "quoted" text with a backslash at the end \\'
    document["#meta"]["spec"] = "<html>"
    document["#meta"]["description"] = "\\"
    path = tmp_path / "odd.itf.json"
    path.write_text(json.dumps(document))
    code, output = invoke("render", str(path), "--format", "svg", "-o", str(tmp_path / "odd.svg"))
    if "Graphviz is not installed" in output:
        pytest.skip("Graphviz is not installed")
    assert code == 0, output
    assert "&lt;b&gt;bold&lt;/b&gt;" in (tmp_path / "odd.svg").read_text()
