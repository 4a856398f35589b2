"""Names, then types, then model blocks: a parsed spec becomes a CheckedSpec, with every diagnostic found
(errors and warnings) beside it. A CheckedSpec with errors is still whole (its tables hold what could be
found), so that an editor can use it; only one without errors is lowered (spec.load raises otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spec import ast
from spec.diagnostics import Diagnostic, DiagnosticSink
from spec.ir import EXPECTED_WORDS
from spec.names import GlobalScope, collect, did_you_mean, property_names
from spec.source import SourceFile, Span
from spec.types import TypeTable, check_types

TIMINGS = ("asynchronous", "synchronous", "partially_synchronous")
ORDERINGS = ("fifo", "reorder", "duplicating")
NETWORK_BUDGETS = ("loss", "duplicate", "partition")
FAULT_KINDS = ("crash_stop", "crash_recovery", "pause", "byzantine")
MODEL_KEYS = ("timing", "network", "faults", "clocks", "horizon", "const")
CLOCK_SETTINGS = ("skew", "drift", "ntp")
TIMED = ("synchronous", "partially_synchronous")
# Fault kinds this version does not explore yet.
NOT_YET: set[str] = set()


@dataclass
class CheckedSpec:
    source: SourceFile
    ast: ast.SpecFile
    scope: GlobalScope
    types: TypeTable
    warnings: list[Diagnostic]

    @property
    def name(self) -> str:
        if self.ast.name:
            return self.ast.name
        stem = self.source.uri.replace("\\", "/").rsplit("/", 1)[-1]
        return stem[:-3] if stem.endswith(".fl") else stem


def check(spec: ast.SpecFile, source: SourceFile) -> tuple[CheckedSpec, list[Diagnostic]]:
    """Names, types and model blocks of a parsed spec: the CheckedSpec and every diagnostic found."""
    if not (spec.consts or spec.enums or spec.messages or spec.nodes or spec.invariants or spec.models):
        what = "is empty" if not source.text.strip() else "declares nothing"
        empty = Diagnostic(
            "FL105",
            f"the spec {what}: there is nothing to check",
            Span.point(1, 1),
            ("a spec declares nodes, the messages they exchange and the properties to check",),
        )
        return CheckedSpec(source, spec, GlobalScope(), TypeTable(), []), [empty]
    scope, found = collect(spec)
    table, typed = check_types(spec, scope, source)
    sink = DiagnosticSink()
    known = property_names(spec, deadlock=True)
    for model in spec.models:
        _check_model(model, scope, sink)
        _check_expects(model, known, sink)
    diagnostics = [*found, *typed, *sink.found]
    return CheckedSpec(
        source, spec, scope, table, [d for d in diagnostics if d.severity != "error"]
    ), diagnostics


def _check_durability(model: ast.ModelDecl, scope: GlobalScope, sink: DiagnosticSink) -> None:
    """`volatile Node.var` / `durable Node.var`: a variable of a declared node, not a ghost, named once."""
    named: set[tuple[str, str]] = set()
    for item in model.durability:
        node_scope = scope.nodes.get(item.node)
        if node_scope is None:
            sink.error(
                "FL200",
                f"unknown node type '{item.node}'",
                item.node_span,
                *did_you_mean(item.node, list(scope.nodes)),
            )
            continue
        var = node_scope.vars.get(item.var)
        if var is None:
            sink.error(
                "FL200",
                f"node {item.node} has no variable '{item.var}'",
                item.var_span,
                *did_you_mean(item.var, list(node_scope.vars)),
            )
            continue
        if var.kind == "ghost":
            sink.error(
                "FL401",
                f"{item.node}.{item.var} is a ghost variable: it keeps books for properties and is never lost",
                item.span,
            )
        if (item.node, item.var) in named:
            sink.error("FL401", f"{item.node}.{item.var} is given twice in model '{model.name}'", item.span)
        named.add((item.node, item.var))


def _check_model(model: ast.ModelDecl, scope: GlobalScope, sink: DiagnosticSink) -> None:
    _check_durability(model, scope, sink)
    seen: dict[str, ast.ModelItem] = {}
    for item in model.items:
        if item.key not in MODEL_KEYS:
            sink.error(
                "FL400",
                f"unknown model key '{item.key}'",
                item.key_span,
                f"a model block has {', '.join(MODEL_KEYS)}",
                *did_you_mean(item.key, list(MODEL_KEYS)),
            )
            continue
        if item.key in seen:
            sink.error("FL401", f"'{item.key}' is given twice in model '{model.name}'", item.key_span)
            continue
        seen[item.key] = item
        rule = _ITEM_RULES.get(item.key)
        if rule is not None:
            rule(item, scope, sink)
    timing_item = seen.get("timing")
    timing = (
        timing_item.value.name
        if timing_item and isinstance(timing_item.value, ast.NameExpr)
        else "asynchronous"
    )
    if timing in TIMED:
        if "horizon" not in seen:
            where = timing_item.span if timing_item is not None else model.name_span
            sink.error(
                "FL401",
                f"model '{model.name}' is {timing}: real time advances, so it needs a horizon",
                where,
                "add `horizon H`: time runs from 0 to H, which keeps the state space finite",
            )
        return
    # asynchronous: no time, no clocks, no pauses
    for key, why in (
        ("horizon", "there is no real time to bound"),
        ("clocks", "there are no clocks: a timeout may fire at any step"),
    ):
        if key in seen:
            sink.error(
                "FL401",
                f"`{key}` has no meaning under asynchronous timing: {why}",
                seen[key].key_span,
                "use `timing synchronous { delay <= D }` or `timing partially_synchronous { delay <= D }`",
            )
    faults = seen.get("faults")
    for setting in (faults.settings or ()) if faults is not None else ():
        if setting.name == "pause":
            sink.error(
                "FL401",
                "a pause is only visible against bounded timing; under asynchronous timing it is just a delay",
                setting.span,
                "use `timing synchronous { delay <= D }` with a horizon",
            )


def _check_expects(model: ast.ModelDecl, known: list[str], sink: DiagnosticSink) -> None:
    """Each `expect` names properties of the spec (or `all`) and a verdict; no property is expected twice."""
    seen: dict[str, ast.ModelExpect] = {}
    for expect in model.expects:
        if expect.verdict not in EXPECTED_WORDS:
            sink.error(
                "FL404",
                f"unknown verdict '{expect.verdict}'",
                expect.verdict_span,
                "a model expects a property to be `violated`, or to hold (`holds`; `all hold`)",
                *did_you_mean(expect.verdict, list(EXPECTED_WORDS)),
            )
        for name, span in expect.properties or (("all", expect.span),):
            if expect.properties is not None and name not in known:
                sink.error(
                    "FL404",
                    f"model '{model.name}' expects a verdict for '{name}', which is not a property of the spec",
                    span,
                    f"its properties are {', '.join(known)}",
                    *did_you_mean(name, known),
                )
            elif name in seen:
                sink.error("FL405", f"'{name}' is expected twice in model '{model.name}'", span)
            seen[name] = expect


def _check_timing(item: ast.ModelItem, scope: GlobalScope, sink: DiagnosticSink) -> None:
    value = item.value
    if not isinstance(value, ast.NameExpr) or value.name not in TIMINGS:
        where = value.span if value is not None else item.key_span
        sink.error(
            "FL400",
            "timing must be asynchronous, synchronous or partially_synchronous",
            where,
            *(did_you_mean(value.name, list(TIMINGS)) if isinstance(value, ast.NameExpr) else ()),
        )
        return
    settings = item.settings or ()
    allowed = {"asynchronous": (), "synchronous": ("delay",), "partially_synchronous": ("delay", "gst")}[
        value.name
    ]
    names = [s.name for s in settings]
    for setting in settings:
        if setting.name not in allowed:
            what = ", ".join(allowed) if allowed else "no settings"
            sink.error(
                "FL400",
                f"unknown setting '{setting.name}' for `timing {value.name}`",
                setting.span,
                f"`timing {value.name}` takes {what}",
            )
        elif setting.bound is None or setting.of is not None:
            sink.error("FL400", f"'{setting.name}' needs a bound: `{setting.name} <= 2`", setting.span)
        elif names.count(setting.name) > 1:
            sink.error("FL401", f"'{setting.name}' is given twice", setting.span)
    if value.name in TIMED and "delay" not in names:
        sink.error(
            "FL401",
            f"`timing {value.name}` needs a delay bound: `timing {value.name} {{ delay <= 2 }}`",
            value.span,
            "a message is delivered at most `delay` ticks after it is sent"
            + (" (after GST)" if value.name == "partially_synchronous" else ""),
        )


def _check_clocks(item: ast.ModelItem, scope: GlobalScope, sink: DiagnosticSink) -> None:
    if item.value is not None or item.settings is None:
        sink.error("FL400", "clocks takes a block: `clocks { skew <= 1; drift; ntp }`", item.span)
        return
    for setting in item.settings:
        if setting.name not in CLOCK_SETTINGS:
            sink.error(
                "FL400",
                f"unknown clock setting '{setting.name}'",
                setting.span,
                "a clocks block has skew <= S, drift, ntp (or ntp <= k)",
                *did_you_mean(setting.name, list(CLOCK_SETTINGS)),
            )
        elif setting.name == "skew" and setting.bound is None:
            sink.error("FL400", "'skew' needs a bound: `skew <= 1`", setting.span)
        elif setting.name == "drift" and setting.bound is not None:
            sink.error(
                "FL400", "'drift' takes no bound: a drifting clock advances 0, 1 or 2 per tick", setting.span
            )
        elif setting.of is not None:
            sink.error(
                "FL400",
                f"'{setting.name}' applies to every node's clock; drop `of {setting.of[0]}`",
                setting.span,
            )


def _check_network(item: ast.ModelItem, scope: GlobalScope, sink: DiagnosticSink) -> None:
    if item.value is not None or item.settings is None:
        sink.error("FL400", "network takes a block: `network { reorder; loss <= 1 }`", item.span)
        return
    ordering: ast.Setting | None = None
    names = [s.name for s in item.settings]
    budgets: dict[str, ast.Setting] = {}
    for setting in item.settings:
        if setting.name in ORDERINGS:
            if ordering is not None:
                sink.error(
                    "FL401",
                    f"the network is already '{ordering.name}'; it cannot also be '{setting.name}'",
                    setting.span,
                )
            ordering = setting
            if setting.bound is not None or setting.of is not None:
                sink.error("FL400", f"'{setting.name}' takes no bound", setting.span)
        elif setting.name in NETWORK_BUDGETS:
            if setting.name in budgets:
                sink.error(
                    "FL401",
                    f"'{setting.name}' is set twice in this network block; keep one",
                    setting.span,
                    f"it is first set on line {budgets[setting.name].span.line}",
                )
            budgets.setdefault(setting.name, setting)
            if setting.bound is None and setting.name != "loss":  # `loss` alone: any number of losses
                sink.error("FL400", f"'{setting.name}' needs a budget: `{setting.name} <= 1`", setting.span)
            if setting.of is not None:
                sink.error(
                    "FL400",
                    f"'{setting.name}' applies to the whole network; drop `of {setting.of[0]}`",
                    setting.span,
                )
        elif setting.name == "asymmetric":
            if "partition" not in names:
                sink.error(
                    "FL401",
                    "`asymmetric` qualifies a partition budget: `partition <= 1 asymmetric`",
                    setting.span,
                )
        else:
            sink.error(
                "FL400",
                f"unknown network setting '{setting.name}'",
                setting.span,
                "a network block has fifo | reorder | duplicating, loss [<= k], duplicate <= k, "
                "partition <= k [asymmetric]",
                *did_you_mean(setting.name, [*ORDERINGS, *NETWORK_BUDGETS, "asymmetric"]),
            )
    if ordering is not None and ordering.name == "duplicating" and "duplicate" in names:
        sink.error(
            "FL401",
            "a duplicating network already delivers every message any number of times; `duplicate` adds nothing",
            ordering.span,
            "use `reorder` or `fifo` with `duplicate <= k` to bound duplicates",
        )


def _check_faults(item: ast.ModelItem, scope: GlobalScope, sink: DiagnosticSink) -> None:
    if item.value is not None or item.settings is None:
        sink.error("FL400", "faults takes a block: `faults { crash_stop <= 1 of Node }`", item.span)
        return
    for setting in item.settings:
        if setting.name not in FAULT_KINDS:
            sink.error(
                "FL400",
                f"unknown fault '{setting.name}'",
                setting.span,
                f"the faults are {', '.join(FAULT_KINDS)}: `crash_stop <= 1 of Node`",
                *did_you_mean(setting.name, list(FAULT_KINDS)),
            )
            continue
        if setting.name in NOT_YET:
            sink.error(
                "FL403",
                f"`{setting.name}` faults are not explored by this version",
                setting.span,
                "crash_stop, crash_recovery, pause and byzantine are",
            )
            continue
        if setting.bound is None or setting.of is None:
            sink.error(
                "FL402",
                f"'{setting.name}' needs a budget and a node type: `{setting.name} <= 1 of Node`",
                setting.span,
            )
            continue
        node_name, node_span = setting.of
        if node_name not in scope.nodes:
            sink.error(
                "FL402",
                f"unknown node type '{node_name}' in a fault budget",
                node_span,
                *did_you_mean(node_name, list(scope.nodes)),
            )


def _check_horizon(item: ast.ModelItem, scope: GlobalScope, sink: DiagnosticSink) -> None:
    if item.value is None or item.settings is not None:
        sink.error("FL400", "horizon takes one bound: `horizon 10`", item.span)


# How each model key is checked (`const` items are checked with the types).
_ITEM_RULES: dict[str, Callable[[ast.ModelItem, GlobalScope, DiagnosticSink], None]] = {
    "timing": _check_timing,
    "network": _check_network,
    "faults": _check_faults,
    "clocks": _check_clocks,
    "horizon": _check_horizon,
}
