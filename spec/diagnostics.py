"""Diagnostics: every mistake a user can make in a spec, with a code, a message and a place.

Codes are listed once in CODES with a one-line meaning. FL1xx are syntax errors, FL2xx name errors,
FL3xx type errors, FL4xx errors in model blocks, FL5xx errors found while lowering a model (values of
constants, sizes of domains), FL6xx what a command asks of a spec that the spec does not have (a model,
a property, a constant or a value for it).
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.source import NOWHERE, SourceFile, Span, render_snippet

CODES: dict[str, str] = {
    "FL100": "the text is not a spec: a token is out of place",
    "FL101": "the spec ends in the middle of a declaration or block",
    "FL102": "a character that is not part of the language",
    "FL103": "an integer literal too large to be a value",
    "FL104": "constructs nested deeper than faultline accepts",
    "FL105": "a spec with nothing in it",
    "FL200": "a name that is not declared",
    "FL201": "a name declared twice in the same scope",
    "FL202": "a node reads the state of another node",
    "FL203": "a handler declared twice",
    "FL204": "a timer with no `on timeout` handler",
    "FL205": "a name used as the wrong kind of thing",
    "FL206": "a ghost variable influences behaviour",
    "FL207": "something that is only meaningful inside a handler, or only in a property, used elsewhere",
    "FL300": "a value of the wrong type",
    "FL301": "a message or function given the wrong number of arguments",
    "FL302": "an assignment to something that cannot be assigned",
    "FL303": "a domain that is not finite or not iterable",
    "FL304": "a type that cannot be given a finite domain",
    "FL305": "a comparison read as part of a quantifier's body, where it was meant for the quantifier",
    "FL400": "an unknown key or setting in a model block",
    "FL401": "a setting given twice or a contradictory setting",
    "FL402": "a fault budget on a node type that does not exist, or with a bad bound",
    "FL403": "a setting that belongs to a later part of the language than this model supports",
    "FL404": "an expectation (`expect`) naming a property the spec does not have, or an unknown verdict",
    "FL405": "two expectations for one property of a model",
    "FL500": "a constant that cannot be evaluated",
    "FL501": "an empty or inverted range",
    "FL502": "a value out of its declared range in an initial value or constant",
    "FL503": "a domain too large to explore",
    "FL505": "a `symmetric` node type whose instances the spec tells apart (no symmetry reduction for it)",
    "FL506": "a `symmetric` node type with too many instances for an exact reduction (none for it)",
    "FL600": "a model the spec does not define",
    "FL601": "a value given for a constant the spec does not declare",
    "FL602": "a value given for a constant that the constant cannot take",
    "FL603": "a property (invariant, assertion or built-in) the spec does not have",
    "FL604": "a liveness property given to a back end that checks safety only",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span = NOWHERE
    notes: tuple[str, ...] = ()
    severity: str = "error"

    def __post_init__(self) -> None:
        assert self.code in CODES, f"{self.code} is not in spec.diagnostics.CODES"

    def render(self, source: SourceFile | None) -> str:
        """`file:line:col: error[FL300]: message`, the line with carets, then the notes."""
        uri = source.uri if source is not None else "<spec>"
        where = f"{uri}:{self.span.line}:{self.span.column}" if self.span.line > 0 else uri
        parts = [f"{where}: {self.severity}[{self.code}]: {self.message}"]
        if source is not None and self.span.line > 0:
            parts.append(render_snippet(source, self.span))
        parts.extend(f"  = note: {note}" for note in self.notes)
        return "\n".join(parts)


class SpecError(Exception):
    """One or more diagnostics that stop a spec from being checked."""

    def __init__(
        self,
        diagnostics: list[Diagnostic],
        source: SourceFile | None = None,
        warnings: list[Diagnostic] | None = None,
    ) -> None:
        self.diagnostics = diagnostics
        self.source = source
        self.warnings = warnings or []
        super().__init__(f"{len(diagnostics)} error{'s' if len(diagnostics) != 1 else ''}")

    def render(self, limit: int = 50) -> str:
        """The first `limit` diagnostics as a person reads them (one mistake can bring hundreds)."""
        shown = "\n\n".join(d.render(self.source) for d in self.diagnostics[:limit])
        more = len(self.diagnostics) - limit
        return shown + (f"\n\n… and {more:,} more error{'s' if more != 1 else ''}" if more > 0 else "")

    def __str__(self) -> str:
        return self.render()


class InternalError(Exception):
    """A broken promise inside faultline itself, never the user's mistake."""

    def __init__(self, message: str) -> None:
        self.detail = message
        super().__init__(
            f"internal error: {message}\n"
            "This is a bug in faultline, not in your spec. Please report it with the spec that caused it."
        )


class DiagnosticSink:
    """Collects diagnostics from one pass so that all of them are reported, not just the first."""

    def __init__(self) -> None:
        self.found: list[Diagnostic] = []  # errors and warnings, in the order found

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.found if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.found if d.severity != "error"]

    def error(self, code: str, message: str, span: Span, *notes: str) -> None:
        self.found.append(Diagnostic(code, message, span, tuple(notes)))

    def warning(self, code: str, message: str, span: Span, *notes: str) -> None:
        self.found.append(Diagnostic(code, message, span, tuple(notes), severity="warning"))

    def raise_if_any(self, source: SourceFile | None) -> None:
        raise_errors(self.found, source)


def raise_errors(diagnostics: list[Diagnostic], source: SourceFile | None) -> None:
    """Raise one SpecError holding every error among `diagnostics` (in the order of the source, the
    warnings beside them), if there is one."""
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        ordered = sorted(errors, key=lambda d: (d.span.line, d.span.column))
        raise SpecError(ordered, source, [d for d in diagnostics if d.severity != "error"])
