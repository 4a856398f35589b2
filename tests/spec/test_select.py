"""spec/select.py: what a command asks of a spec (models, properties, values of constants) is checked by
the front end, each mistake a coded diagnostic with the closest name and the known ones; and spec/check.py
hands back its CheckedSpec with every diagnostic, which spec.load raises together."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import spec
from faultline.cli import main
from spec.check import check
from spec.diagnostics import Diagnostic, SpecError
from spec.parser import MAX_LITERAL, parse
from spec.source import SourceFile

SPEC = textwrap.dedent("""\
    const N = 2
    const FAST = false
    const S = {1, 2}
    node A * N {
      var x: 0..3 = 0
      on start { assert x < 3; assert fits: x <= N }
    }
    invariant small: all a in A: a.x < 3
    model lossy { network { loss <= 1 } }
    model lossless { timing asynchronous }
    """)


@pytest.fixture(scope="module")
def checked() -> spec.CheckedSpec:
    return spec.load(SPEC, "t.fl")


def mistakes(error: pytest.ExceptionInfo[SpecError]) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.column) for d in error.value.diagnostics]


def test_the_models_and_properties_of_a_spec_in_order(checked: spec.CheckedSpec) -> None:
    assert spec.model_names(checked) == ["lossy", "lossless"]
    assert spec.property_names(checked) == ["small", "assert_line6", "fits", spec.NO_RUNTIME_ERRORS]
    assert spec.property_names(checked, deadlock=True)[-1] == spec.DEADLOCK_FREE
    assert spec.model_names(spec.load("node A { var x: bool = false }", "d.fl")) == [spec.DEFAULT_MODEL]


def test_selecting_nothing_is_every_model(checked: spec.CheckedSpec) -> None:
    assert spec.select(checked) == ["lossy", "lossless"]
    assert spec.select(checked, ["lossless"], ["fits"], {"N": 3, "FAST": True}) == ["lossless"]


def test_an_unknown_model_suggests_the_closest_and_lists_the_known(checked: spec.CheckedSpec) -> None:
    (d,) = spec.check_models(checked, ["lossly"])
    assert (d.code, d.message) == ("FL600", "spec t has no model 'lossly'")
    assert d.notes == ("its models are lossy, lossless", "did you mean 'lossy'?")
    assert d.render(checked.source).startswith("t.fl: error[FL600]: ")


def test_an_unknown_property_suggests_the_closest(checked: spec.CheckedSpec) -> None:
    (d,) = spec.check_properties(checked, ["smal"])
    assert (d.code, d.message) == ("FL603", "spec t has no property 'smal'")
    assert d.notes[-1] == "did you mean 'small'?"
    assert "assert_line6" in d.notes[0] and spec.NO_RUNTIME_ERRORS in d.notes[0]


def test_deadlock_free_is_a_property_only_where_deadlocks_are_looked_for(checked: spec.CheckedSpec) -> None:
    (d,) = spec.check_properties(checked, [spec.DEADLOCK_FREE])
    assert any("deadlocks are looked for" in note for note in d.notes)
    assert spec.check_properties(checked, [spec.DEADLOCK_FREE], deadlock=True) == []


def test_a_lemma_must_be_an_invariant(checked: spec.CheckedSpec) -> None:
    (d,) = spec.check_properties(checked, ["fits"], invariants_only=True)
    assert (d.code, d.message, d.notes) == (
        "FL603",
        "spec t has no invariant 'fits'",
        ("its invariants are small",),
    )


def test_an_unknown_constant_lists_the_known(checked: spec.CheckedSpec) -> None:
    (d,) = spec.check_constants(checked, {"FASTER": True})
    assert (d.code, d.message, d.notes) == (
        "FL601",
        "spec t has no constant 'FASTER'",
        ("its constants are N, FAST, S", "did you mean 'FAST'?"),
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("N", True, "constant 'N' is an integer: give it an integer, not true"),
        ("N", "3", "constant 'N' is an integer: give it an integer, not '3'"),
        (
            "N",
            MAX_LITERAL + 1,
            f"constant 'N' cannot be {MAX_LITERAL + 1}: the largest integer is {MAX_LITERAL}",
        ),
        ("FAST", 1, "constant 'FAST' is a boolean: give it true or false, not 1"),
        ("S", 1, "constant 'S' is set<int>: only integer and boolean constants can be given a value here"),
    ],
)
def test_a_value_that_does_not_fit_its_constant_is_fl602_at_the_constant(
    checked: spec.CheckedSpec, name: str, value: object, message: str
) -> None:
    (d,) = spec.check_constants(checked, {name: value})
    assert (d.code, d.message) == ("FL602", message)
    declared = checked.scope.consts[name]
    assert d.span == declared.name_span


def test_select_reports_every_mistake_at_once(checked: spec.CheckedSpec) -> None:
    with pytest.raises(SpecError) as raised:
        spec.select(checked, ["nope"], ["nada"], {"FAST": 3, "M": 1})
    assert sorted(mistakes(raised)) == [("FL600", 0, 0), ("FL601", 0, 0), ("FL602", 2, 7), ("FL603", 0, 0)]


def test_instantiate_checks_the_model_and_the_constants_before_it_lowers(checked: spec.CheckedSpec) -> None:
    with pytest.raises(SpecError) as raised:
        spec.instantiate(checked, "lossy", {"N": "two"})
    assert mistakes(raised) == [("FL602", 1, 7)]
    with pytest.raises(SpecError) as raised:
        spec.instantiate(checked, "nope")
    assert mistakes(raised) == [("FL600", 0, 0)]
    assert spec.instantiate(checked, "lossy", {"N": 3}).node_type("A").count == 3


# ---------------------------------------------------------------- check: the CheckedSpec and every diagnostic


def test_check_hands_back_the_checked_spec_beside_every_diagnostic() -> None:
    text = "node A {\n  var x: 0..3 = 0\n  on start { x = true }\n}\nmodel m { horizon 3; lossy }\n"
    source = SourceFile("t.fl", text)
    checked, diagnostics = check(parse(source), source)
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [
        ("FL300", 3, 18),
        ("FL400", 5, 22),
        ("FL401", 5, 11),
    ]
    assert list(checked.scope.nodes) == ["A"] and checked.types.types  # whole, for an editor
    with pytest.raises(SpecError) as raised:
        spec.load(text, "t.fl")
    assert [d.code for d in raised.value.diagnostics] == ["FL300", "FL401", "FL400"]  # in source order


def test_an_empty_spec_is_one_diagnostic_and_an_empty_checked_spec() -> None:
    source = SourceFile("t.fl", "// nothing\n")
    checked, diagnostics = check(parse(source), source)
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("FL105", 1, 1)]
    assert checked.scope.nodes == {}


def test_every_code_used_is_listed_once_with_its_meaning() -> None:
    with pytest.raises(AssertionError):
        Diagnostic("FL999", "no such code")


def test_the_command_line_reports_every_mistake_of_a_selection_with_its_code_and_exits_2(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.fl"
    path.write_text(SPEC, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "-m", "lossly", "-i", "smal", "-c", "FAST=3"])
    assert result.exit_code == 2
    assert f"{path}: error[FL600]: spec t has no model 'lossly'" in result.output
    assert "did you mean 'lossy'?" in result.output
    assert f"{path}: error[FL603]: spec t has no property 'smal'" in result.output
    assert "did you mean 'small'?" in result.output  # `-i` with a typo names the closest property
    assert (
        f"{path}:2:7: error[FL602]: constant 'FAST' is a boolean: give it true or false, not 3"
        in result.output
    )
    assert "Traceback" not in result.output
