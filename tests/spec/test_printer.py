"""The formatter: golden cases in tests/data/fmt (each file is an input, a line `// output`, and the expected
text; without that line the input is expected back unchanged), and over every example spec: formatting is
idempotent, keeps every comment, and keeps the meaning — the same IR for every model."""

from __future__ import annotations

import random
import re
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

import spec
from spec import cst
from spec.diagnostics import InternalError, SpecError
from spec.parser import parse, parse_concrete
from spec.printer import _Printer, format_text, same_syntax
from spec.source import SourceFile, Span
from tests.conftest import ROOT, SPECS

CASES = sorted((ROOT / "tests" / "data" / "fmt").glob("*.fl"))
EXAMPLES = sorted(SPECS.glob("*.fl"))
OUTPUT = "// output\n"


def split_case(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    if OUTPUT in text:
        source, expected = text.split(OUTPUT, 1)
        return source, expected
    return text, text


def comment_texts(text: str) -> list[str]:
    return [c.text for c in cst.comments(text)]


def normal(value: object) -> object:
    """An IR value with its spans left out (and an invariant's source text without its spacing), to compare
    what two texts mean rather than where they say it."""
    if isinstance(value, Span):
        return None
    if is_dataclass(value) and not isinstance(value, type):
        out = []
        for f in fields(value):
            item = getattr(value, f.name)
            if f.name == "text" and isinstance(item, str):
                item = "".join(item.split())
            out.append((f.name, normal(item)))
        return (type(value).__name__, tuple(out))
    if isinstance(value, list | tuple):
        return tuple(normal(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(normal(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((repr(normal(k)), repr(normal(v))) for k, v in value.items()))
    return value


def meaning(text: str) -> dict[str, object]:
    checked = spec.load(text, "same.fl")
    return {model: normal(spec.instantiate(checked, model)) for model in spec.model_names(checked)}


def scrambled(text: str, seed: int) -> str:
    """The same tokens and comments on the same lines, with other spacing and indentation."""
    rng = random.Random(seed)
    tokens = list(parse_concrete(SourceFile("x", text)).tokens())
    events = sorted([*tokens, *cst.comments(text)], key=lambda e: e.start)
    out: list[str] = []
    end = 0
    for event in events:
        newlines = text.count("\n", end, event.start)
        out.append("\n" * newlines + " " * (rng.randint(0, 7) if newlines else rng.randint(1, 3)))
        out.append(event.text)
        end = event.end
    return "".join(out) + "\n"


# ---------------------------------------------------------------- golden cases


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_case(path: Path) -> None:
    source, expected = split_case(path)
    assert format_text(source, path.name) == expected
    assert format_text(expected, path.name, verify=False) == expected
    assert same_syntax(parse(SourceFile("a", source)), parse(SourceFile("b", expected)))
    assert comment_texts(expected) == comment_texts(source)


def test_there_are_golden_cases() -> None:
    assert {p.stem for p in CASES} >= {
        "spacing",
        "semicolons",
        "blocks",
        "comments",
        "blank_lines",
        "continuation",
    }


# ---------------------------------------------------------------- every example spec


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_formatting_an_example_is_idempotent_and_keeps_comments(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = format_text(text, str(path), verify=False)
    assert format_text(once, str(path), verify=False) == once
    assert comment_texts(once) == comment_texts(text)
    mangled = scrambled(text, seed=len(text))
    again = format_text(mangled, str(path), verify=False)
    assert format_text(again, str(path), verify=False) == again
    assert comment_texts(again) == comment_texts(text)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_formatting_an_example_keeps_the_ir_of_every_model(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    original = meaning(text)
    assert original
    for variant in (text, scrambled(text, seed=1), re.sub(r"(?m)^[ \t]+", "", text)):
        assert meaning(format_text(variant, str(path))) == original


def test_meaning_comparison_sees_a_changed_spec() -> None:
    # the checks above would pass vacuously if `normal` or `same_syntax` ignored too much
    text = (SPECS / "retry_increment.fl").read_text(encoding="utf-8")
    changed = text.replace("counter = counter + 1", "counter = counter + 2")
    assert meaning(changed) != meaning(text)
    assert not same_syntax(parse(SourceFile("a", text)), parse(SourceFile("b", changed)))


# ---------------------------------------------------------------- refusals


def test_a_spec_that_does_not_parse_is_refused_with_the_parsers_diagnostic() -> None:
    with pytest.raises(SpecError) as error:
        format_text("node A { var x: bool = = true }")
    assert [d.code for d in error.value.diagnostics] == ["FL100"]
    assert error.value.diagnostics[0].span.column == 24


def test_a_spec_with_a_type_error_is_still_formatted() -> None:
    assert format_text("invariant x : nope+1") == "invariant x: nope + 1\n"


def test_a_result_that_would_mean_something_else_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Printer, "run", lambda self: "const A = 2\n")
    with pytest.raises(InternalError, match="parses differently"):
        format_text("const A = 1\n")


def test_a_result_that_is_not_stable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = iter(["const A = 1\n", "const A  = 1\n"])
    monkeypatch.setattr(_Printer, "run", lambda self: next(outputs))
    with pytest.raises(InternalError, match="twice"):
        format_text("const A = 1\n")


def test_empty_and_comment_only_files() -> None:
    assert format_text("") == ""
    assert format_text("\n\n") == ""
    assert format_text("\n// just a note\n\n\n// and another\n") == "// just a note\n\n// and another\n"


def test_windows_line_ends_become_unix_ones() -> None:
    assert (
        format_text("node A {\r\n  var x: bool = false // c\r\n}\r\n")
        == "node A {\n  var x: bool = false // c\n}\n"
    )
