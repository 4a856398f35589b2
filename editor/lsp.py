"""The language server (`faultline lsp`): LSP over stdio, on the same front end as the command line.

Every open document is analysed on open and on each change, by one run of the front end's passes
(editor.index.analyze: parse, check, lower each model), and its diagnostics published — the errors and
warnings `faultline check` prints, with the same ranges and messages (notes follow the message). Hover,
go to definition, references and the outline come from that analysis (its Index, and the models it
lowered), never from running the passes again; completion from editor.complete; formatting from
spec.printer.

Positions: spans are 1-based with an exclusive end, counted in characters; LSP positions are 0-based and
counted in the client's code units (UTF-16 unless negotiated), which pygls's position codec converts. Lines
are split as spec/source.py splits them (the LSP's own line breaks), not as pygls splits them (`splitlines`,
which also breaks at `\v`, `\f`, `\x85`, `\u2028`, ...); for the same reason the server asks for whole
documents on each change rather than applying edits at pygls's line numbers.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.workspace import ServerTextPosition, ServerTextRange, TextDocument

from editor.complete import complete
from editor.index import Analysis, Index, Occurrence, OutlineItem, analyze
from spec.diagnostics import Diagnostic, InternalError, SpecError
from spec.printer import format_text
from spec.source import LINE_BREAK, Span, lines_with_ends

log = logging.getLogger(__name__)

_COMPLETION_KINDS = {
    "keyword": lsp.CompletionItemKind.Keyword,
    "const": lsp.CompletionItemKind.Constant,
    "enum": lsp.CompletionItemKind.Enum,
    "member": lsp.CompletionItemKind.EnumMember,
    "message": lsp.CompletionItemKind.Struct,
    "field": lsp.CompletionItemKind.Field,
    "node": lsp.CompletionItemKind.Class,
    "var": lsp.CompletionItemKind.Variable,
    "timer": lsp.CompletionItemKind.Event,
    "action": lsp.CompletionItemKind.Method,
    "invariant": lsp.CompletionItemKind.Property,
    "liveness": lsp.CompletionItemKind.Property,
    "def": lsp.CompletionItemKind.Function,
    "model": lsp.CompletionItemKind.Module,
    "local": lsp.CompletionItemKind.Variable,
    "function": lsp.CompletionItemKind.Function,
    "type": lsp.CompletionItemKind.TypeParameter,
    "setting": lsp.CompletionItemKind.Property,
}
_SYMBOL_KINDS = {
    "const": lsp.SymbolKind.Constant,
    "enum": lsp.SymbolKind.Enum,
    "member": lsp.SymbolKind.EnumMember,
    "message": lsp.SymbolKind.Struct,
    "field": lsp.SymbolKind.Field,
    "node": lsp.SymbolKind.Class,
    "var": lsp.SymbolKind.Field,
    "handler": lsp.SymbolKind.Method,
    "invariant": lsp.SymbolKind.Boolean,
    "liveness": lsp.SymbolKind.Boolean,
    "def": lsp.SymbolKind.Function,
    "model": lsp.SymbolKind.Module,
}


class FaultlineServer(LanguageServer):
    def __init__(self) -> None:
        try:
            server_version = version("faultline")
        except PackageNotFoundError:  # pragma: no cover - run from a checkout without installing
            server_version = "0"
        super().__init__("faultline", server_version, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.analyses: dict[str, Analysis] = {}
        self.last_index: dict[str, Index] = {}  # of the last version of each document that parsed

    def refresh(self, uri: str) -> None:
        document = self.workspace.get_text_document(uri)
        try:
            analysis = analyze(document.source, document.path or uri)
        except Exception:  # a bug in the front end must not take the editor's server down with it
            log.exception("analysing %s failed", uri)
            return
        self.analyses[uri] = analysis
        if analysis.index is not None:
            self.last_index[uri] = analysis.index
        diagnostics = [_diagnostic(document, d) for d in analysis.diagnostics]
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
        )

    def index_at(self, uri: str) -> Index | None:
        """The index of the document as it is now (None while it does not parse: positions would be stale)."""
        analysis = self.analyses.get(uri)
        return analysis.index if analysis is not None else None

    def occurrence_at(
        self, uri: str, position: lsp.Position
    ) -> tuple[Index, TextDocument, Occurrence] | None:
        """The name under the cursor, with the index and document it was found in."""
        index = self.index_at(uri)
        if index is None:
            return None
        document = self.workspace.get_text_document(uri)
        occurrence = index.at(*_where(document, position))
        return None if occurrence is None else (index, document, occurrence)


def _range(document: TextDocument, span: Span) -> lsp.Range:
    if span.line <= 0:
        return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    points = ServerTextRange(
        ServerTextPosition(span.line - 1, max(span.column - 1, 0)),
        ServerTextPosition(span.end_line - 1, max(span.end_column - 1, 0)),
    )
    return document.position_codec.range_to_client_units(lines_with_ends(document.source), points)


def _diagnostic(document: TextDocument, diagnostic: Diagnostic) -> lsp.Diagnostic:
    message = "\n".join([diagnostic.message, *(f"note: {note}" for note in diagnostic.notes)])
    severity = (
        lsp.DiagnosticSeverity.Warning if diagnostic.severity == "warning" else lsp.DiagnosticSeverity.Error
    )
    return lsp.Diagnostic(
        range=_range(document, diagnostic.span),
        message=message,
        severity=severity,
        code=diagnostic.code,
        source="faultline",
    )


def _where(document: TextDocument, position: lsp.Position) -> tuple[int, int]:
    """A client position as the 1-based line and column of spans."""
    point = document.position_codec.position_from_client_units(lines_with_ends(document.source), position)
    return point.line + 1, point.character + 1


def _outline_symbol(document: TextDocument, item: OutlineItem) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=item.name,
        kind=_SYMBOL_KINDS.get(item.kind, lsp.SymbolKind.Variable),
        range=_range(document, item.span),
        selection_range=_range(document, item.name_span),
        children=[_outline_symbol(document, child) for child in item.children],
    )


def build_server() -> FaultlineServer:
    server = FaultlineServer()
    _documents(server)
    _navigation(server)
    _editing(server)
    return server


def _documents(server: FaultlineServer) -> None:
    """Documents opened, changed and closed: each version analysed, its diagnostics published."""

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: FaultlineServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: FaultlineServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: FaultlineServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.analyses.pop(uri, None)
        ls.last_index.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _navigation(server: FaultlineServer) -> None:
    """Hover, go to definition, references and the outline: read from the document's analysis."""

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: FaultlineServer, params: lsp.HoverParams) -> lsp.Hover | None:
        uri = params.text_document.uri
        found = ls.occurrence_at(uri, params.position)
        if found is None:
            return None
        index, document, occurrence = found
        text = index.describe(occurrence.symbol, ls.analyses[uri].systems)
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
            range=_range(document, occurrence.span),
        )

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: FaultlineServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        uri = params.text_document.uri
        found = ls.occurrence_at(uri, params.position)
        if found is None:
            return None
        _, document, occurrence = found
        return lsp.Location(uri=uri, range=_range(document, occurrence.symbol.span))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: FaultlineServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        uri = params.text_document.uri
        found = ls.occurrence_at(uri, params.position)
        if found is None:
            return None
        index, document, occurrence = found
        places = index.references(occurrence.symbol, params.context.include_declaration)
        return [lsp.Location(uri=uri, range=_range(document, o.span)) for o in places]

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: FaultlineServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        uri = params.text_document.uri
        index = ls.index_at(uri) or ls.last_index.get(uri)
        if index is None:
            return []
        document = ls.workspace.get_text_document(uri)
        return [_outline_symbol(document, item) for item in index.outline()]


def _editing(server: FaultlineServer) -> None:
    """Completion and formatting."""

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
    def completion(ls: FaultlineServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        offset = document.offset_at_position(params.position)
        items = complete(document.source, offset, ls.last_index.get(uri))
        return lsp.CompletionList(
            is_incomplete=False,
            items=[
                lsp.CompletionItem(
                    label=item.label,
                    kind=_COMPLETION_KINDS.get(item.kind, lsp.CompletionItemKind.Text),
                    detail=item.detail or None,
                )
                for item in items
            ],
        )

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: FaultlineServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        document = ls.workspace.get_text_document(params.text_document.uri)
        text = document.source
        try:
            formatted = format_text(text, document.path or document.uri)
        except SpecError:
            return None  # the diagnostics already say what is wrong
        except InternalError:
            log.exception("formatting %s failed", document.uri)
            return None
        if formatted == text:
            return []
        lines = LINE_BREAK.split(text)
        end = ServerTextPosition(len(lines) - 1, len(lines[-1]))
        whole = document.position_codec.range_to_client_units(
            lines_with_ends(text), ServerTextRange(ServerTextPosition(0, 0), end)
        )
        return [lsp.TextEdit(range=whole, new_text=formatted)]


def serve() -> None:
    """Speak LSP on stdin and stdout until the client says exit."""
    build_server().start_io()
