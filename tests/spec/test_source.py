"""One reading of a spec's text everywhere: the lexer, diagnostics and their snippets, the formatter, the
language server. A byte-order mark is skipped; a line ends at `\\r\\n`, `\\n` or a lone `\\r`, and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pygls.workspace import TextDocument

import spec
from editor.index import analyze
from editor.lsp import _range, _where
from faultline.cli import main
from spec import SpecError
from spec.printer import format_text
from spec.source import SourceFile, lines_with_ends, normalize

# A type error on the third line of the text, whatever separates the lines.
BAD = ["// a comment", "node A {", "  var x: 0..3 = true", "}"]


def _error(text: str) -> spec.Diagnostic:
    with pytest.raises(SpecError) as raised:
        spec.load(text, "bad.fl")
    (diagnostic,) = raised.value.diagnostics
    return diagnostic


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_every_line_break_counts_once_in_positions_and_snippets(newline: str) -> None:
    text = newline.join(BAD) + newline
    d = _error(text)
    assert (d.code, d.span.line, d.span.column) == ("FL300", 3, 17)
    rendered = d.render(SourceFile("bad.fl", text))
    assert "3 |   var x: 0..3 = true" in rendered.splitlines()


def test_a_lone_carriage_return_ends_a_line_comment_for_every_reader() -> None:
    text = "// a note\rnode A { var x: 0..3 = 0 }\r"
    assert spec.load(text, "cr.fl").ast.nodes[0].name == "A"
    assert analyze(text, "cr.fl").diagnostics == []
    assert format_text(text).startswith("// a note\nnode A {\n")


@pytest.mark.parametrize("char", ["\v", "\f", "\x85", "\u2028", "\u2029", "\x1c"])
def test_other_separators_do_not_break_lines(char: str) -> None:
    # In a comment the character is harmless and the error below keeps its line number and its snippet.
    text = f"// a {char} comment\nnode A {{\n  var x: 0..3 = true\n}}\n"
    d = _error(text)
    assert (d.span.line, d.span.column) == (3, 17)
    assert "3 |   var x: 0..3 = true" in d.render(SourceFile("bad.fl", text)).splitlines()
    # Outside a comment it is not part of the language: a located error names it.
    d = _error(f"node A {{\n  var x: 0..3 {char}= 0\n}}\n")
    assert (d.code, d.span.line, d.span.column) == ("FL102", 2, 15)
    assert repr(char) in d.message


def test_a_snippet_shows_a_control_character_as_one_visible_column() -> None:
    d = _error("node A {\n  var x: 0..3 \v= 0\n}\n")
    lines = d.render(SourceFile("bad.fl", "node A {\n  var x: 0..3 \v= 0\n}\n")).splitlines()
    assert lines[2] == "2 |   var x: 0..3 \ufffd= 0"
    assert lines[3] == "  |               ^"


def test_a_byte_order_mark_is_skipped_and_columns_do_not_count_it() -> None:
    assert spec.load("\ufeffnode A { var x: 0..3 = 0 }\n", "bom.fl").ast.nodes[0].name == "A"
    d = _error("\ufeffnode A { var x: 0..3 = true }\n")
    assert (d.span.line, d.span.column) == (1, 24)
    assert SourceFile("bom.fl", "\ufeffx").text == "x"


def test_the_language_server_places_diagnostics_on_the_lines_the_command_line_names() -> None:
    text = "// a \x85 note \u2028 here\r\nnode A {\r  var x: 0..3 = true\n}\n"
    cli = _error(text)
    (diagnostic,) = analyze(text, "x.fl").diagnostics
    assert (diagnostic.span.line, diagnostic.span.column) == (cli.span.line, cli.span.column) == (3, 17)
    document = TextDocument("file:///x.fl", text)
    where = _range(document, cli.span)
    assert (where.start.line, where.start.character) == (2, 16)  # 0-based, as the editor counts
    assert _where(document, where.start) == (3, 17)


def test_lines_with_ends_splits_where_normalize_does() -> None:
    raw = "a\r\nb\rc\nd\x85e\u2028f"
    assert "".join(lines_with_ends(raw)) == raw
    assert [line.rstrip("\r\n") for line in lines_with_ends(raw)] == normalize(raw).split("\n")


def test_an_empty_spec_is_an_error_not_a_spec_that_holds(tmp_path: Path) -> None:
    for text in ("", "\n\n", "// only a comment\n", "spec nothing\n"):
        path = tmp_path / "empty.fl"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["check", str(path), "--out", str(tmp_path / "out")])
        assert result.exit_code == 2, result.output
        assert "error[FL105]" in result.stderr and "nothing to check" in result.stderr
        assert "Traceback" not in result.output


def test_a_snippet_of_a_long_line_shows_the_stretch_around_the_mistake() -> None:
    text = "invariant i: " + " and ".join(["true"] * 40) + " and 3 and " + " and ".join(["true"] * 40) + "\n"
    d = _error(text)
    _, line, carets = d.render(SourceFile("long.fl", text)).splitlines()[1:4]
    assert len(line) < 200 and line.startswith("1 | …") and line.endswith("…")
    assert line[carets.index("^")] == "3"


def test_hundreds_of_errors_are_reported_as_the_first_fifty_and_a_count() -> None:
    text = "".join(f"const C{k} = true + {k}\n" for k in range(300))
    with pytest.raises(SpecError) as raised:
        spec.load(text, "many.fl")
    assert len(raised.value.diagnostics) == 300
    rendered = raised.value.render()
    assert rendered.count("error[FL300]") == 50 and rendered.endswith("… and 250 more errors")
