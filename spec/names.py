"""Name resolution, the global part: what each top-level name denotes, duplicates, reserved words, and
which node types send which messages (the type of a handler's `from` binding depends on it).

Names inside handlers and properties are resolved while types are checked (spec/types/expressions.py),
with the scopes defined here. `collect` returns the scope with every diagnostic it found.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

from spec import ast
from spec.diagnostics import Diagnostic, DiagnosticSink
from spec.parser import keywords
from spec.source import Span

# Names with a fixed meaning in types and calls.
BUILTIN_TYPES = ("bool", "int", "time")
BUILTIN_FUNCTIONS = ("min", "max", "len", "keys", "crashed", "inflight", "byzantine", "index", "old")
# Handler names with a special meaning: `on start`, `on recover`.
LIFECYCLE = ("start", "recover")
# The one model of a spec without model blocks: asynchronous, reordering, no faults.
DEFAULT_MODEL = "default"
# The properties every model has besides the spec's invariants and assertions: no value leaves its range
# (and no missing key, no `none` used as a value); and, when deadlocks are looked for, always a step to take.
NO_RUNTIME_ERRORS = "no_runtime_errors"
DEADLOCK_FREE = "deadlock_free"


def assertion_name(stmt: ast.AssertStmt) -> str:
    """The property an `assert` is checked as: its name, or `assert_line<N>` for an unnamed one."""
    return stmt.name or f"assert_line{stmt.span.line}"


@dataclass(eq=False)
class Binding:
    """A local name bound inside a handler or expression: a parameter, the sender, a `let`, or the variable
    of a `for`, `choose`, quantifier or comprehension. `site` is the id of the node that binds it (an
    ast.Param, the statement or the expression): tables of locals (their types, their frame slots) are
    keyed by it."""

    site: int
    name: str
    span: Span
    kind: str  # "param", "sender", "signer", "let", "for", "choose", "quant", "comp"
    ghost: bool = False  # a `let` whose value reads a ghost variable


@dataclass
class NodeScope:
    decl: ast.NodeDecl
    vars: dict[str, ast.VarDecl] = field(default_factory=dict)
    timers: dict[str, ast.Handler] = field(default_factory=dict)
    actions: dict[str, ast.Handler] = field(default_factory=dict)
    receives: dict[str, ast.Handler] = field(default_factory=dict)
    lifecycle: dict[str, ast.Handler] = field(default_factory=dict)

    @property
    def replicated(self) -> bool:
        return self.decl.count is not None


@dataclass
class GlobalScope:
    consts: dict[str, ast.ConstDecl] = field(default_factory=dict)
    enums: dict[str, ast.EnumDecl] = field(default_factory=dict)
    members: dict[str, tuple[ast.EnumDecl, int]] = field(default_factory=dict)
    messages: dict[str, ast.MessageDecl] = field(default_factory=dict)
    nodes: dict[str, NodeScope] = field(default_factory=dict)
    invariants: dict[str, ast.InvariantDecl] = field(default_factory=dict)
    liveness: dict[str, ast.LivenessDecl] = field(default_factory=dict)
    defs: dict[str, ast.DefDecl] = field(default_factory=dict)
    models: dict[str, ast.ModelDecl] = field(default_factory=dict)
    # message name -> node types whose handlers send it, in declaration order
    senders: dict[str, list[str]] = field(default_factory=dict)

    def all_names(self) -> Iterator[str]:
        yield from self.consts
        yield from self.enums
        yield from self.members
        yield from self.messages
        yield from self.nodes
        yield from self.defs


def property_names(spec: ast.SpecFile, deadlock: bool = False) -> list[str]:
    """Every property a model of the spec checks, in the order of its results: the invariants, the liveness
    properties, the assertions, `no_runtime_errors`, and `deadlock_free` where deadlocks are looked for."""
    assertions = [
        assertion_name(stmt)
        for node in spec.nodes
        for handler in node.handlers
        for stmt in statements(handler.body)
        if isinstance(stmt, ast.AssertStmt)
    ]
    invariants = [inv.name for inv in spec.invariants]
    liveness = [prop.name for prop in spec.liveness]
    return [*invariants, *liveness, *assertions, NO_RUNTIME_ERRORS, *([DEADLOCK_FREE] if deadlock else [])]


def did_you_mean(name: str, candidates: Iterator[str] | list[str]) -> tuple[str, ...]:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.7)
    return (f"did you mean '{close[0]}'?",) if close else ()


def collect(spec: ast.SpecFile) -> tuple[GlobalScope, list[Diagnostic]]:
    """The global scope of a spec, and a diagnostic for every duplicate and every reserved word used as a
    name (the scope then holds the first declaration of each name)."""
    sink = DiagnosticSink()
    scope = GlobalScope()
    reserved = keywords()
    first_seen: dict[str, Span] = {}

    def declare(name: str, span: Span, what: str) -> bool:
        if name in reserved:
            sink.error("FL201", f"'{name}' is a reserved word and cannot name a {what}", span)
            return False
        if name in BUILTIN_TYPES or name in BUILTIN_FUNCTIONS:
            sink.error("FL201", f"'{name}' is a built-in name and cannot name a {what}", span)
            return False
        if name in first_seen:
            earlier = first_seen[name]
            sink.error(
                "FL201",
                f"'{name}' is already declared",
                span,
                f"the first declaration is at line {earlier.line}, column {earlier.column}",
            )
            return False
        first_seen[name] = span
        return True

    for const in spec.consts:
        if declare(const.name, const.name_span, "constant"):
            scope.consts[const.name] = const
    for enum in spec.enums:
        if declare(enum.name, enum.name_span, "enum"):
            scope.enums[enum.name] = enum
        for index, (member, span) in enumerate(enum.members):
            if declare(member, span, "enum member"):
                scope.members[member] = (enum, index)
    for message in spec.messages:
        if message.name in LIFECYCLE:
            sink.error(
                "FL201",
                f"a message cannot be called '{message.name}': `on {message.name}` is a lifecycle handler",
                message.name_span,
            )
            continue
        if declare(message.name, message.name_span, "message"):
            scope.messages[message.name] = message
        seen_fields: set[str] = set()
        for fld in message.fields:
            if fld.name in seen_fields:
                sink.error(
                    "FL201", f"field '{fld.name}' is declared twice in message {message.name}", fld.span
                )
            seen_fields.add(fld.name)
    for node_decl in spec.nodes:
        if declare(node_decl.name, node_decl.name_span, "node type"):
            scope.nodes[node_decl.name] = _collect_node(node_decl, sink, reserved, first_seen)
    for definition in spec.defs:
        if declare(definition.name, definition.name_span, "definition"):
            scope.defs[definition.name] = definition
    seen_props: dict[str, Span] = {}
    props: list[ast.InvariantDecl | ast.LivenessDecl] = [*spec.invariants, *spec.liveness]
    for prop in props:
        if prop.name in seen_props:
            sink.error("FL201", f"property '{prop.name}' is already declared", prop.name_span)
        seen_props[prop.name] = prop.name_span
        if isinstance(prop, ast.InvariantDecl):
            scope.invariants[prop.name] = prop
        else:
            scope.liveness[prop.name] = prop
    for model in spec.models:
        if model.name in scope.models:
            sink.error("FL201", f"model '{model.name}' is already declared", model.name_span)
        scope.models[model.name] = model
    for node_decl in spec.nodes:
        for handler in node_decl.handlers:
            relayed = handler.name if handler.kind == "receive" else ""
            for message_name in _sent_messages(handler.body, relayed):
                senders = scope.senders.setdefault(message_name, [])
                if node_decl.name not in senders:
                    senders.append(node_decl.name)
    return scope, sink.found


def _collect_node(
    decl: ast.NodeDecl, sink: DiagnosticSink, reserved: frozenset[str], globals_seen: dict[str, Span]
) -> NodeScope:
    scope = NodeScope(decl)
    for var in decl.vars:
        if var.name in reserved:
            sink.error("FL201", f"'{var.name}' is a reserved word and cannot name a variable", var.name_span)
        elif var.name in scope.vars:
            sink.error(
                "FL201", f"variable '{var.name}' is already declared in node {decl.name}", var.name_span
            )
        elif var.name in globals_seen:
            sink.error(
                "FL201",
                f"variable '{var.name}' has the name of a top-level declaration",
                var.name_span,
                "rename one of them; a variable may not hide a constant, enum, message or node type",
            )
        else:
            scope.vars[var.name] = var
    for handler in decl.handlers:
        table, what = {
            "receive": (scope.receives, f"`on {handler.name}`"),
            "timeout": (scope.timers, f"`on timeout {handler.name}`"),
            "action": (scope.actions, f"action {handler.name}"),
            "start": (scope.lifecycle, "`on start`"),
            "recover": (scope.lifecycle, "`on recover`"),
        }[handler.kind]
        if handler.name in table:
            earlier = table[handler.name].span
            sink.error(
                "FL203",
                f"node {decl.name} already has a handler {what}",
                handler.name_span,
                f"the first one is at line {earlier.line}; put both cases in one handler with if/else",
            )
        else:
            table[handler.name] = handler
    return scope


def _sent_messages(block: ast.Block, relayed: str) -> Iterator[str]:
    """The messages a block sends; `relay` sends `relayed`, the message being handled."""
    for stmt in statements(block):
        if isinstance(stmt, ast.SendStmt | ast.BroadcastStmt):
            yield stmt.message.name
        elif isinstance(stmt, ast.RelayStmt) and relayed:
            yield relayed


def statements(block: ast.Block) -> Iterator[ast.Stmt]:
    """Every statement of a block, those nested in its statements' blocks included, in source order."""
    for stmt in block.stmts:
        yield from _nested(stmt)


def _nested(stmt: ast.Stmt) -> Iterator[ast.Stmt]:
    yield stmt
    for name in stmt.__slots__:  # type: ignore[union-attr]
        value = getattr(stmt, name)
        if isinstance(value, ast.Block):
            yield from statements(value)
        elif isinstance(value, ast.IfStmt):  # `else if`
            yield from _nested(value)
