"""The language server, driven end to end over stdio as an editor drives it: pytest-lsp starts
`faultline lsp --stdio` once for this module, and each test opens documents of its own."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

import spec
from spec.printer import format_text
from tests.conftest import SPECS

pytestmark = pytest.mark.asyncio(loop_scope="module")

RETRY = (SPECS / "retry_increment.fl").read_text(encoding="utf-8")
BROKEN = """\
node Server {
  var counter: 0..3 = 0
  on start { counter = nope + 1; send Missing to Server }
}
invariant small: Server.counter <= true
"""


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "faultline.cli", "lsp", "--stdio"]),
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        lsp.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=SPECS.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


_documents = iter(range(1, 1000))


async def _diagnostics(client: LanguageClient, uri: str, version: int) -> list[lsp.Diagnostic]:
    async def arrived() -> None:
        while client.diagnostics.get(uri) is None or _versions.get(uri) != version:
            params = await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            _versions[params.uri] = params.version

    await asyncio.wait_for(arrived(), timeout=20)
    return list(client.diagnostics[uri])


_versions: dict[str, int | None] = {}


async def open_doc(client: LanguageClient, text: str) -> tuple[str, list[lsp.Diagnostic]]:
    """Open `text` as a new document; its uri and the diagnostics published for it."""
    uri = (SPECS.parent / "editor-test" / f"doc{next(_documents)}.fl").as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="faultline", version=1, text=text)
        )
    )
    return uri, await _diagnostics(client, uri, 1)


def at(text: str, needle: str, nth: int = 0, offset: int = 0) -> lsp.Position:
    """The 0-based position of the nth `needle` in `text`, moved `offset` characters right."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start)
    return lsp.Position(line, start - (text.rfind("\n", 0, start) + 1) + offset)


def span_of(text: str, needle: str, nth: int = 0) -> lsp.Range:
    start = at(text, needle, nth)
    return lsp.Range(start, lsp.Position(start.line, start.character + len(needle)))


# ---------------------------------------------------------------- diagnostics


async def test_broken_spec_gets_every_checker_error_at_its_range(client: LanguageClient) -> None:
    _, diagnostics = await open_doc(client, BROKEN)
    by_code = sorted(
        (d.range.start.line, d.range.start.character, d.code, d.message.split("\n")[0]) for d in diagnostics
    )
    with pytest.raises(spec.SpecError) as error:
        spec.load(BROKEN)
    expected = sorted(
        (d.span.line - 1, d.span.column - 1, d.code, d.message)
        for d in [*error.value.diagnostics, *error.value.warnings]
    )
    assert by_code == expected
    assert len(diagnostics) >= 3
    unknown = next(d for d in diagnostics if "unknown name 'nope'" in d.message)
    assert unknown.range == span_of(BROKEN, "nope")
    assert unknown.severity == lsp.DiagnosticSeverity.Error
    assert unknown.code == "FL200"
    assert unknown.source == "faultline"
    missing = next(d for d in diagnostics if "Missing" in d.message)
    assert missing.range == span_of(BROKEN, "Missing")


async def test_syntax_error_is_one_diagnostic_at_the_token(client: LanguageClient) -> None:
    text = "node A {\n  var x: bool = = true\n}\n"
    _, diagnostics = await open_doc(client, text)
    assert len(diagnostics) == 1
    assert diagnostics[0].code == "FL100"
    assert diagnostics[0].range == span_of(text, "=", 1)
    assert diagnostics[0].message.startswith("unexpected '='")


async def test_columns_are_counted_in_utf16_code_units(client: LanguageClient) -> None:
    # the emoji is one character of the spec but two UTF-16 code units for the editor
    text = "node A {\n  var x: bool = false\n  on start { /* 🙂 */ x = nope }\n}\n"
    _, diagnostics = await open_doc(client, text)
    (diagnostic,) = [d for d in diagnostics if "nope" in d.message]
    code_points = at(text, "nope").character
    assert diagnostic.range.start == lsp.Position(2, code_points + 1)
    assert diagnostic.range.end == lsp.Position(2, code_points + 1 + len("nope"))


async def test_warnings_are_published_as_warnings(client: LanguageClient) -> None:
    text = "message Ping\nnode A {\n  on Ping { skip }\n}\n"
    _, diagnostics = await open_doc(client, text)
    assert [d.severity for d in diagnostics] == [lsp.DiagnosticSeverity.Warning]
    assert "no node ever sends Ping" in diagnostics[0].message
    assert diagnostics[0].range == span_of(text, "Ping", 1)


async def test_diagnostics_follow_changes(client: LanguageClient) -> None:
    uri, diagnostics = await open_doc(client, RETRY)
    assert diagnostics == []
    broken = RETRY.replace("counter = counter + 1", "counter = countr + 1")
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [lsp.TextDocumentContentChangeWholeDocument(text=broken)],
        )
    )
    (diagnostic,) = await _diagnostics(client, uri, 2)
    assert diagnostic.message.startswith("unknown name 'countr'")
    assert "did you mean 'counter'?" in diagnostic.message
    assert diagnostic.range == span_of(broken, "countr")


async def test_lowering_errors_of_a_model_are_reported(client: LanguageClient) -> None:
    text = "const N = 2\nnode A * N { var x: bool = false }\nmodel none_at_all { const N = 0 }\n"
    _, diagnostics = await open_doc(client, text)
    assert [d.code for d in diagnostics] == ["FL501"]
    assert diagnostics[0].range == span_of(text, "N", 1)


# ---------------------------------------------------------------- hover


async def hover_text(client: LanguageClient, uri: str, position: lsp.Position) -> str:
    result = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), position)
    )
    assert result is not None
    assert isinstance(result.contents, lsp.MarkupContent)
    return result.contents.value


async def test_hover_shows_a_variables_type(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    text = await hover_text(client, uri, at(RETRY, "counter = counter + 1", offset=2))
    assert "var counter: 0..3 = 0" in text
    assert "variable of node `Server`" in text


async def test_hover_shows_a_messages_fields(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    text = await hover_text(client, uri, at(RETRY, "Increment(0)"))
    assert "message Increment(request: 0..1)" in text
    assert "sent by `Client`" in text


async def test_hover_shows_a_node_types_instances(client: LanguageClient) -> None:
    source = (SPECS / "byzantine_fencing.fl").read_text(encoding="utf-8")
    uri, _ = await open_doc(client, source)
    text = await hover_text(client, uri, at(source, "Client * 2"))
    assert "node Client * 2 symmetric" in text
    assert "2 instances: Client[0], Client[1]" in text


async def test_hover_shows_a_models_bounds(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    text = await hover_text(client, uri, at(RETRY, "idempotent_duplicating"))
    assert "bounds: asynchronous, reorder, loss<=1, duplicate<=1" in text


async def test_hover_shows_a_locals_type(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    text = await hover_text(client, uri, at(RETRY, "client {"))
    assert "client: Client" in text


# ---------------------------------------------------------------- definition and references


async def test_definition_of_a_timer_is_its_handler(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    result = await client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(uri), at(RETRY, "set retry", offset=5))
    )
    assert isinstance(result, lsp.Location)
    assert result.uri == uri
    assert result.range == span_of(RETRY, "retry", RETRY.count("retry", 0, RETRY.index("on timeout retry")))


async def test_definition_of_a_constant_set_by_a_model(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    result = await client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(uri), at(RETRY, "const DEDUPE = true", offset=7))
    )
    assert isinstance(result, lsp.Location)
    assert result.range == span_of(RETRY, "DEDUPE")


async def test_references_of_a_variable_include_properties(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    result = await client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            position=at(RETRY, "counter = counter", offset=12),
            context=lsp.ReferenceContext(include_declaration=True),
        )
    )
    assert result is not None
    found = sorted((r.range.start.line, r.range.start.character, r.range.end.character) for r in result)
    expected = sorted(
        (r.start.line, r.start.character, r.end.character)
        for r in (
            span_of(RETRY, "counter: 0..3"),
            span_of(RETRY, "counter = counter"),
            span_of(RETRY, "counter + 1"),
            span_of(RETRY, "counter <= 1"),
        )
    )
    expected = [(line, start, start + len("counter")) for line, start, _ in expected]
    assert found == expected


async def test_references_of_a_message_without_declaration(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    result = await client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            position=at(RETRY, "Ack(request)"),
            context=lsp.ReferenceContext(include_declaration=False),
        )
    )
    assert result is not None
    lines = sorted(r.range.start.line for r in result)
    assert lines == [at(RETRY, "Ack(request) to").line, at(RETRY, "on Ack").line]


# ---------------------------------------------------------------- completion


async def complete_at(client: LanguageClient, text: str, marker: str = "@") -> list[str]:
    position = at(text, marker)
    uri, _ = await open_doc(client, text.replace(marker, "", 1))
    result = await client.text_document_completion_async(
        lsp.CompletionParams(lsp.TextDocumentIdentifier(uri), position)
    )
    assert isinstance(result, lsp.CompletionList)
    return [item.label for item in result.items]


async def test_completion_offers_messages_after_send(client: LanguageClient) -> None:
    # `send` alone does not parse: the names come from the spec without the line being typed
    labels = await complete_at(client, RETRY.replace("    acked = true\n", "    send @\n"))
    assert sorted(labels) == ["Ack", "Increment"]


async def test_completion_offers_node_variables_after_a_dot(client: LanguageClient) -> None:
    labels = await complete_at(client, RETRY.replace("Server.counter <= 1", "Server.@"))
    assert sorted(labels) == ["applied", "counter"]
    labels = await complete_at(client, RETRY.replace("    acked = true\n", "    acked = self.@\n"))
    assert sorted(labels) == ["acked", "attempts"]


async def test_completion_offers_a_messages_fields_after_a_dot(client: LanguageClient) -> None:
    text = RETRY.replace("Server.counter <= 1", "all m in inflight(Ack): m.@")
    labels = await complete_at(client, text)
    assert sorted(labels) == ["dst", "request", "src"]


async def test_completion_offers_statements_and_names_in_a_handler(client: LanguageClient) -> None:
    labels = await complete_at(client, RETRY.replace("    acked = true\n", "    acked = true\n    @\n"))
    assert {"send", "set", "if", "let", "acked", "attempts", "request", "RETRIES"} <= set(labels)
    assert "counter" not in labels  # another node's variable
    assert "model" not in labels


async def test_completion_offers_model_keys_in_a_model(client: LanguageClient) -> None:
    labels = await complete_at(client, RETRY.replace("  expect all hold\n}", "  expect all hold\n  @\n}"))
    assert set(labels) == {"timing", "network", "faults", "clocks", "horizon", "const", "expect"}


async def test_completion_offers_top_level_keywords_and_node_items(client: LanguageClient) -> None:
    top = await complete_at(client, RETRY + "\n@")
    assert set(top) == {
        "spec",
        "const",
        "enum",
        "message",
        "signed",
        "node",
        "def",
        "invariant",
        "liveness",
        "model",
    }
    in_node = await complete_at(
        client, RETRY.replace("  var acked: bool = false\n", "  var acked: bool = false\n  @\n")
    )
    assert set(in_node) == {"var", "durable", "ghost", "on", "action"}


async def test_completion_works_on_a_spec_that_does_not_parse(client: LanguageClient) -> None:
    # the same document first parses, then is edited into one that does not: names come from the last good one
    uri, _ = await open_doc(client, RETRY)
    broken = RETRY.replace("    acked = true\n", "    acked = true\n    send \n")
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [lsp.TextDocumentContentChangeWholeDocument(text=broken)],
        )
    )
    diagnostics = await _diagnostics(client, uri, 2)
    assert diagnostics[0].code.startswith("FL1")  # type: ignore[union-attr]
    result = await client.text_document_completion_async(
        lsp.CompletionParams(lsp.TextDocumentIdentifier(uri), at(broken, "send \n", offset=5))
    )
    assert isinstance(result, lsp.CompletionList)
    assert sorted(item.label for item in result.items) == ["Ack", "Increment"]


# ---------------------------------------------------------------- symbols and formatting


async def test_document_symbols_outline_nodes_properties_and_models(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    result = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri))
    )
    assert result is not None
    symbols = {s.name: s for s in result if isinstance(s, lsp.DocumentSymbol)}
    assert list(symbols) == [
        "RETRIES",
        "DEDUPE",
        "Increment",
        "Ack",
        "Server",
        "Client",
        "applied_once",
        "gets_ack",
        "naive_reliable",
        "naive_lossy",
        "idempotent_lossy",
        "idempotent_duplicating",
        "idempotent_synchronous_lossy",
        "idempotent_synchronous_losing_every_attempt",
        "idempotent_synchronous_unbounded_loss",
    ]
    client_node = symbols["Client"]
    assert client_node.kind == lsp.SymbolKind.Class
    assert [c.name for c in client_node.children or []] == [
        "attempts",
        "acked",
        "on start",
        "on timeout retry",
        "on Ack(request)",
    ]
    assert client_node.selection_range == span_of(
        RETRY, "Client", RETRY.count("Client", 0, RETRY.index("node Client"))
    )
    assert symbols["applied_once"].kind == lsp.SymbolKind.Boolean
    assert symbols["gets_ack"].kind == lsp.SymbolKind.Boolean
    assert symbols["naive_lossy"].kind == lsp.SymbolKind.Module


async def test_formatting_returns_the_formatters_text(client: LanguageClient) -> None:
    messy = "node A {\n      var x:0..3=0 // count\n  on start { x=x+1; x = x-1 }\n}\n"
    uri, _ = await open_doc(client, messy)
    edits = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            options=lsp.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert edits is not None and len(edits) == 1
    assert edits[0].range.start == lsp.Position(0, 0)
    assert edits[0].range.end == lsp.Position(messy.count("\n"), 0)
    assert edits[0].new_text == format_text(messy)
    assert edits[0].new_text == (
        "node A {\n  var x: 0..3 = 0 // count\n  on start {\n    x = x + 1\n    x = x - 1\n  }\n}\n"
    )


async def test_formatting_a_formatted_spec_changes_nothing(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, RETRY)
    edits = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            options=lsp.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert edits is not None
    assert list(edits) == []
