"""The position index (editor/index.py) and completion (editor/complete.py), without a server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import editor.index
from editor.complete import complete
from editor.index import Index, Symbol, analyze
from tests.conftest import SPECS

SPEC = """\
const N = 2
enum Phase { idle, busy }
message Req(phase: Phase, n: 0..N)
node Server {
  var phase: Phase = idle
  var seen: set<Client> = {}
  on Req(p, n) from c when p == busy {
    phase = p
    seen = seen | {c}
    let k = n + 1
    for d in Client { set tick after k }
  }
  on timeout tick { cancel tick; phase = idle }
}
node Client * N symmetric {
  var last: Client? = none
  on start { send Req(busy, 0) to Server }
}
invariant quiet: all r in inflight(Req): r.phase == idle or r.n < N
model crashes { faults { crash_stop <= 1 of Client } }
"""


def index_of(text: str) -> Index:
    analysis = analyze(text, "t.fl")
    assert analysis.index is not None
    return analysis.index


def pos(text: str, needle: str, nth: int = 0, offset: int = 0) -> tuple[int, int]:
    """The 1-based (line, column) of the nth `needle`, moved `offset` characters right."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1 + offset


def symbol_at(index: Index, text: str, needle: str, nth: int = 0, offset: int = 0) -> Symbol:
    occurrence = index.at(*pos(text, needle, nth, offset))
    assert occurrence is not None, needle
    return occurrence.symbol


def uses(index: Index, symbol: Symbol) -> list[tuple[int, int]]:
    return [(o.span.line, o.span.column) for o in index.references(symbol, include_declaration=False)]


def test_enum_members_and_types_resolve_to_their_declarations() -> None:
    index = index_of(SPEC)
    idle = symbol_at(index, SPEC, "idle", 1)
    assert (idle.kind, idle.container, idle.span.line) == ("member", "Phase", 2)
    assert uses(index, idle) == [pos(SPEC, "idle", 1), pos(SPEC, "idle", 2), pos(SPEC, "idle", 3)]
    phase = symbol_at(index, SPEC, "Phase", 1)  # in a field's type
    assert phase.kind == "enum"
    assert uses(index, phase) == [pos(SPEC, "Phase", 1), pos(SPEC, "Phase", 2)]


def test_node_types_are_used_in_types_expressions_and_fault_budgets() -> None:
    index = index_of(SPEC)
    client = symbol_at(index, SPEC, "Client * N")
    assert client.kind == "node"
    assert uses(index, client) == [pos(SPEC, "Client", i) for i in (0, 1, 3, 4)]
    crash = symbol_at(index, SPEC, "of Client", offset=3)
    assert crash == client


def test_timers_are_declared_by_their_handler_and_used_by_set_and_cancel() -> None:
    index = index_of(SPEC)
    tick = symbol_at(index, SPEC, "set tick", offset=4)
    assert (tick.kind, tick.container) == ("timer", "Server")
    assert tick.span.line == pos(SPEC, "on timeout tick")[0]
    assert [o.definition for o in index.references(tick)] == [False, True, False]


def test_locals_have_types_and_fields_resolve_through_inflight() -> None:
    index = index_of(SPEC)
    sender = symbol_at(index, SPEC, "c when")
    assert sender.kind == "local"
    assert str(index.type_of(sender)) == "Client"
    assert uses(index, sender) == [pos(SPEC, "c}")]
    r = symbol_at(index, SPEC, "r in")
    assert str(index.type_of(r)) == "message Req"
    field = symbol_at(index, SPEC, "r.phase", offset=2)
    assert (field.kind, field.container) == ("field", "Req")
    message = symbol_at(index, SPEC, "inflight(Req)", offset=9)
    assert (message.kind, message.name) == ("message", "Req")
    k = symbol_at(index, SPEC, "k = n")
    assert uses(index, k) == [pos(SPEC, "k }")]


def test_descriptions_say_what_a_symbol_is() -> None:
    analysis = analyze(SPEC, "t.fl")
    assert analysis.index is not None and analysis.checked is not None
    index = analysis.index
    client = analysis.describe(symbol_at(index, SPEC, "Client * N"))
    assert "node Client * N symmetric" in client and "2 instances: Client[0], Client[1]" in client
    member = index.describe(symbol_at(index, SPEC, "busy", 1))
    assert "member of enum `Phase`" in member
    const = index.describe(symbol_at(index, SPEC, "N = 2"))
    assert "const N = 2" in const
    model = analysis.describe(symbol_at(index, SPEC, "crashes"))
    assert "bounds: asynchronous, reorder, crash_stop<=1 of Client" in model


def test_an_analysis_runs_each_pass_once_and_hovering_runs_none(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"check": 0, "lower": 0}

    def counted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(editor.index, "check", counted("check", editor.index.check))
    monkeypatch.setattr(editor.index, "lower", counted("lower", editor.index.lower))
    analysis = analyze(SPEC, "t.fl")
    assert calls == {"check": 1, "lower": 1}  # one model: `crashes`
    assert analysis.index is not None
    analysis.describe(symbol_at(analysis.index, SPEC, "Client * N"))
    analysis.describe(symbol_at(analysis.index, SPEC, "crashes"))
    assert calls == {"check": 1, "lower": 1}
    broken = analyze(SPEC.replace("phase = p", "phase = nope"), "t.fl")  # the checker's tables despite errors
    assert calls == {"check": 2, "lower": 1} and broken.index is not None and broken.systems == {}


def test_a_spec_with_errors_is_still_indexed() -> None:
    text = SPEC.replace("phase = p", "phase = nope")
    analysis = analyze(text, "t.fl")
    assert analysis.checked is None
    assert [d.code for d in analysis.diagnostics] == ["FL200"]
    assert analysis.index is not None
    assert symbol_at(analysis.index, text, "seen = seen").kind == "var"


def test_a_spec_that_does_not_parse_has_no_index() -> None:
    analysis = analyze("node {", "t.fl")
    assert analysis.index is None
    assert [d.code for d in analysis.diagnostics] == ["FL100"]


def test_every_name_of_the_examples_resolves() -> None:
    # every declared symbol of every example is found at its own name, and every use points at a declaration
    for path in sorted(SPECS.glob("*.fl")):
        index = index_of(path.read_text(encoding="utf-8"))
        declared = {o.symbol for o in index.occurrences if o.definition}
        for occurrence in index.occurrences:
            assert occurrence.symbol in declared, (path.name, occurrence)
            found = index.at(occurrence.span.line, occurrence.span.column)
            assert found is not None and found.span == occurrence.span


# ---------------------------------------------------------------- completion


def labels(text: str, marker: str = "@") -> list[str]:
    offset = text.index(marker)
    source = text.replace(marker, "", 1)
    return [c.label for c in complete(source, offset, analyze(SPEC).index)]


def test_completion_by_context() -> None:
    in_faults = SPEC.replace("crash_stop <= 1 of Client", "@")
    assert labels(in_faults) == ["crash_stop", "crash_recovery", "pause", "byzantine"]
    assert labels(SPEC.replace("of Client }", "of @ }")) == ["Server", "Client"]
    assert set(labels(SPEC.replace("  on start {", "  on @\n  on start {"))) == {
        "Req",
        "start",
        "recover",
        "timeout",
    }
    assert labels(SPEC.replace("model crashes {", "model crashes { timing @")) == [
        "asynchronous",
        "synchronous",
        "partially_synchronous",
    ]
    assert set(labels(SPEC.replace("var last: Client?", "var last: @"))) == {
        "bool",
        "time",
        "set",
        "map",
        "Phase",
        "Server",
        "Client",
    }
    assert labels(SPEC.replace("let k = n + 1", "let k = tt.@")) == ["earliest", "latest"]
    assert labels(SPEC.replace("cancel tick", "cancel t@")) == ["tick"]


def test_completion_of_names_in_scope() -> None:
    in_handler = set(labels(SPEC.replace("    phase = p\n", "    phase = @\n")))
    assert {"p", "n", "c", "phase", "seen", "N", "idle", "busy", "Client", "len"} <= in_handler
    assert "last" not in in_handler  # Client's variable
    assert "inflight" not in in_handler  # only properties see the network
    in_property = set(labels(SPEC.replace("r.n < N", "r.n < @")))
    assert {"r", "N", "inflight", "crashed", "Server"} <= in_property
    assert "phase" not in in_property  # a property names a node to read a variable
    assert labels(SPEC.replace("r.phase ==", "r.@ ==")) == ["phase", "n", "src", "dst"]
    assert labels(SPEC.replace("seen = seen | {c}", "seen = seen | {c.@}")) == ["last"]


def test_a_model_s_durability_switch_uses_its_node_and_variable_and_shows_on_hover() -> None:
    text = SPEC + "model forgetful { volatile Client.last }\n"
    index = index_of(text)
    last = symbol_at(index, text, "Client.last", offset=7)
    assert (last.kind, last.container) == ("var", "Client")
    assert symbol_at(index, text, "Client.last") == symbol_at(index, text, "Client * N")
    assert "volatile in model `forgetful`" in index.describe(last)


def test_definitions_are_symbols_with_uses_a_description_and_completion() -> None:
    text = (
        SPEC
        + "def busy_count(n: 0..N) = count r in inflight(Req): r.n == n\ninvariant few: busy_count(0) <= N\n"
    )
    index = index_of(text)
    definition = symbol_at(index, text, "busy_count(n")
    assert definition.kind == "def"
    assert uses(index, definition) == [pos(text, "busy_count", 1)]
    parameter = symbol_at(index, text, "(n: 0..N)", offset=1)
    assert uses(index, parameter) == [pos(text, "n == n", offset=5)]
    described = index.describe(definition)
    assert "a definition of type int" in described and "only for properties" in described
    offset = text.index("busy_count(0)")
    labels = [c.label for c in complete(text, offset, index)]
    assert "busy_count" in labels


def test_completion_and_uses_of_expectations() -> None:
    in_model = SPEC.replace("model crashes {", "model crashes { expect @")
    assert labels(in_model) == ["all", "quiet", "no_runtime_errors", "deadlock_free"]
    assert labels(SPEC.replace("model crashes {", "model crashes { expect quiet @")) == [
        "violated",
        "holds",
        "hold",
    ]
    assert "expect" in labels(SPEC.replace("model crashes {", "model crashes { @"))
    text = SPEC.replace("model crashes {", "model crashes { expect quiet violated;")
    index = index_of(text)
    quiet = symbol_at(index, text, "quiet", nth=1)  # the name in `expect`: the invariant it names
    assert quiet.kind == "invariant"
    assert uses(index, quiet) == [pos(text, "quiet", nth=1)]
