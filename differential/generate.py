"""Random, well-typed specs: seeded and deterministic (the same seed and options give the same text).

A generated spec has a few node types (replicated or not, symmetric or not) with var, durable and ghost
variables; messages (signed or not) whose fields are small types; handlers of every kind (`on start`,
`on M(..) from s signed by w when g`, `on timeout t`, `action a when g`, `on recover`) whose bodies use
the whole statement language (`relay to n` included); invariants over every node (quantifiers,
`inflight(M)`, `crashed(n)`), most of them true at first and false once some variable leaves its initial
value, so that violations are a few steps deep; and one to three system models with random timing,
network, clocks and faults.

Two rules keep state spaces small and finite. Every type is small (ranges of a few values, sets of them,
maps from two keys). Every node that sends from a step that may repeat (an action, a timer, a delivery)
spends one unit of its `fuel` variable per such step, so the number of messages ever sent is bounded:
without it a bag network could grow without end.

Expressions are built type-directed, with the checker's rules in mind: a guard, a message's fields and a
non-ghost assignment never read ghost state; a branch that reads ghost state only updates ghost state;
invariants never fail to evaluate (unless the `partial_invariants` feature asks for it). Run-time errors
inside handlers are welcome: values near the edges of their ranges, missing keys, `none` used as a value,
division by zero, instance numbers out of range, failed assertions.

Features can be switched off one by one (Options.disabled) to get past a bug that is already known.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

_R = TypeVar("_R")

# Every construct that can be switched off. The fixed-seed suite runs with all of them on.
FEATURES = (
    "comprehension",  # set comprehensions, with and without filters
    "map_comprehension",  # map comprehensions
    "mixed_literal",  # set literals, unions and if-expressions mixing differently ranged values or node types
    "quantifier",  # all / any / count
    "choose",
    "reject",
    "for",
    "assert",
    "let",
    "optional",  # T? types and `none`
    "optional_map",  # map<K, V?>, in variables and message fields
    "map_key_range",  # m[k] = v with k possibly outside the key type
    "start_errors",  # `on start` that may fail (a range error, an assertion)
    "runtime_ranges",  # ranges and instance numbers computed at run time
    "division",  # / and %
    "tuple",
    "enum",
    "timed",  # synchronous and partially synchronous models
    "clocks",  # skew, drift, ntp
    "truetime",  # tt.earliest / tt.latest
    "duplicating",  # duplicating networks
    "timed_duplicating",  # duplicating networks under real time
    "loss",
    "unbounded_loss",  # `loss` with no bound
    "duplicate",
    "partition",
    "crash_stop",
    "crash_recovery",
    "pause",
    "byzantine",
    "signed",
    "trace_key_fields",  # message fields named like the trace's own keys: `type`, `sent_at`
    "partial_invariants",  # invariants that may fail to evaluate (a missing key, `none`, division by zero)
    "symmetric",
    "model_consts",  # models that override constants (the number of instances included)
    "empty_map_literal",  # `{}` where a map is expected
    "ghost_env",  # ghost code in handlers that reads `now` or `byzantine(n)`
    "optional_bool",  # bool? (in variables, fields and map values)
    "signed_by",  # `on M(..) signed by s`: the signer of a signed message
    "relay",  # `relay to n`: a signed message passed on unchanged
    "any_node",  # variables of type `node` (any node type's instance)
    "step_invariants",  # invariants with old(e), checked on every step
    "defs",  # `def name(p: T) = expr`, used in invariants
    "index",  # index(n) of a replicated, not symmetric, node
    "durability_switch",  # `volatile N.v` / `durable N.v` in a model
    "liveness",  # `liveness l: eventually p` and the other temporal forms
    "fairness_marks",  # `fair` / `unfair` before a handler or an action
)

# Field names the language refuses (they name the sender, the receiver and the signer of a message in
# properties and traces). With Options.reserved_fields a spec may use one, and must then be refused.
RESERVED_FIELDS = ("src", "dst", "signer")


@dataclass(frozen=True)
class Options:
    disabled: frozenset[str] = frozenset()
    reserved_fields: bool = False  # sometimes name a field src/dst/signer, expecting a located error


@dataclass
class GeneratedSpec:
    seed: int
    text: str
    models: list[str]
    # A front-end error the spec must get: (line, what) — a message field with a reserved name.
    expect_error: tuple[int, str] | None = None
    features: set[str] = field(default_factory=set)


def generate(seed: int, options: Options | None = None) -> GeneratedSpec:
    return _Gen(seed, options or Options()).spec()


# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class T:
    """A type as the generator sees it. kind: bool, int, enum, node, opt, set, map, tuple, msg.
    int: lo/hi (None when unbounded, as arithmetic is); time: an int named "time". enum / node / msg: name
    (a node of any type: None)."""

    kind: str
    lo: int | None = None
    hi: int | None = None
    name: str | None = None
    args: tuple[T, ...] = ()

    def decl(self) -> str:
        """How the type is written in a declaration."""
        k = self.kind
        if k == "bool":
            return "bool"
        if k == "int":
            if self.name == "time":
                return "time"
            if self.name == "K":
                return "0..K"
            return f"{self.lo}..{self.hi}"
        if k in ("enum", "node"):
            return self.name or "node"
        if k == "opt":
            inner = self.args[0].decl()
            return (
                f"({inner})?" if self.args[0].kind == "int" and self.args[0].name != "time" else f"{inner}?"
            )
        if k == "set":
            return f"set<{self.args[0].decl()}>"
        if k == "map":
            return f"map<{self.args[0].decl()}, {self.args[1].decl()}>"
        if k == "tuple":
            return "(" + ", ".join(a.decl() for a in self.args) + ")"
        raise ValueError(self)

    @property
    def inner(self) -> T:
        return self.args[0]

    def shape(self) -> tuple[object, ...]:
        """What the type checker sees: ranges and node types are checked at run time only."""
        k = self.kind
        if k in ("int", "bool"):
            return (k,)
        if k == "node":
            return ("node",)
        if k in ("enum", "msg"):
            return (k, self.name)
        return (k, *(a.shape() for a in self.args))

    def bounded(self) -> bool:
        return self.kind != "int" or (self.lo is not None and self.hi is not None)


BOOL = T("bool")
INT = T("int")


def R(lo: int, hi: int) -> T:
    return T("int", lo, hi)


def NODE(name: str | None) -> T:
    return T("node", name=name)


def OPT(t: T) -> T:
    return T("opt", args=(t,))


def SET(t: T) -> T:
    return T("set", args=(t,))


def MAP(k: T, v: T) -> T:
    return T("map", args=(k, v))


# ---------------------------------------------------------------- the spec being built


@dataclass
class _Var:
    name: str
    kind: str  # var, durable, ghost
    t: T
    init: str | None = None  # the initial value as written (None: the type's default)


@dataclass
class _Node:
    name: str
    count: int  # instances under the spec's own constants
    min_count: int  # the fewest instances under any model
    count_text: str | None  # None: a single node
    symmetric: bool
    vars: list[_Var] = field(default_factory=list)
    timers: list[str] = field(default_factory=list)
    fuel: bool = False

    @property
    def replicated(self) -> bool:
        return self.count_text is not None


@dataclass
class _Message:
    name: str
    signed: bool
    fields: list[tuple[str, T]]
    senders: list[str] = field(default_factory=list)  # node types that send it
    receivers: list[str] = field(default_factory=list)  # node types that handle it


@dataclass
class _ModelPlan:
    name: str
    timing: str
    delay: int | None = None
    gst: int | None = None
    horizon: int | None = None
    skew: int | None = None  # None: no clocks block
    drift: bool = False
    ntp: str | None = None
    network: list[str] | None = None  # None: no network block
    faults: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, node type, bound)
    consts: dict[str, object] = field(default_factory=dict)


@dataclass
class _Local:
    name: str
    t: T
    ghost: bool = False


@dataclass
class _Scope:
    kind: str  # handler, property
    node: _Node | None
    locals: list[_Local]
    ghost: bool = False  # expressions may read ghost state
    total: bool = False  # expressions must not fail at run time
    may_send: bool = False  # sends are allowed here (fuel has been spent, or a start/recover handler)
    ghost_branch: bool = False  # inside a branch that reads ghost state: only ghost updates
    safe: bool = False  # statements must not fail (an `on start` without the start_errors feature)
    message: _Message | None = None  # the message being handled

    def child(self, **changes: object) -> _Scope:
        return replace(self, locals=list(self.locals), **changes)  # type: ignore[arg-type]

    def bind(self, name: str, t: T, ghost: bool = False) -> _Scope:
        inner = self.child()
        inner.locals.append(_Local(name, t, ghost))
        return inner


class _Gen:
    def __init__(self, seed: int, options: Options) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.options = options
        self.used: set[str] = set()
        self.counter = 0
        self.consts: dict[str, T] = {}
        self.const_values: dict[str, object] = {}
        self.enums: list[tuple[str, list[str]]] = []
        self.nodes: list[_Node] = []
        self.messages: list[_Message] = []
        self.sends_left = 0  # sends the random statements of the current handler may still make
        self.expect_error: tuple[int, str] | None = None
        # The newer constructs draw from a stream of their own, so that each seed's spec is the one it was
        # before they existed, with them added.
        self.extra = random.Random(seed * 7919 + 1)

    # ---- randomness

    def on(self, feature: str) -> bool:
        return feature not in self.options.disabled

    def use(self, feature: str) -> bool:
        """Whether a feature is on; if so, it counts as used."""
        if feature in self.options.disabled:
            return False
        self.used.add(feature)
        return True

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, options: list[tuple[float, Callable[[], str]]]) -> str:
        options = [(w, f) for w, f in options if w > 0]
        total = sum(w for w, _ in options)
        x = self.rng.random() * total
        for w, f in options:
            x -= w
            if x <= 0:
                return f()
        return options[-1][1]()

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # ---- the whole spec

    def spec(self) -> GeneratedSpec:
        rng = self.rng
        r = rng.random()
        timed_on = self.on("timed")
        # Which timing the models have: the code may read clocks and `time` only if every model is timed.
        self.timing_class = "async" if r < 0.5 or not timed_on else ("timed" if r < 0.85 else "mixed")
        self.timed = self.timing_class == "timed"
        self.model_plans: list[_ModelPlan] = []
        self.constants()
        if self.on("enum") and self.chance(0.3):
            members = [f"e{self.fresh('')}" for _ in range(rng.randint(2, 3))]
            self.enums.append((f"Phase{self.fresh('')}", members))
        self.node_types()
        self.message_types()
        self.plan_models()
        node_text = [self.node_text(n) for n in self.nodes]
        invariants = [self.invariant(i) for i in range(rng.randint(1, 3))]
        definitions, more = self.with_extra_stream(self.property_extras)
        invariants += more
        invariants += self.with_extra_stream(self.liveness_properties)
        models, names = self.models_text()
        lines = [f"// generated for differential testing (seed {self.seed})", f"spec g{self.seed}", ""]
        for name, t in self.consts.items():
            lines.append(f"const {name} = {self.show_const(self.const_values[name], t)}")
        for name, members in self.enums:
            lines.append(f"enum {name} {{ {', '.join(members)} }}")
        lines.append("")
        message_lines = []
        for m in self.messages:
            fields = ", ".join(f"{n}: {t.decl()}" for n, t in m.fields)
            signed = "signed " if m.signed else ""
            message_lines.append(f"{signed}message {m.name}" + (f"({fields})" if m.fields else ""))
        first_message_line = len(lines) + 1
        lines += message_lines
        if self.expect_error is not None:
            offset, name = self.expect_error
            self.expect_error = (first_message_line + offset, name)
        lines.append("")
        for text in node_text:
            lines += text
            lines.append("")
        lines += definitions
        lines += invariants
        lines.append("")
        lines += models
        return GeneratedSpec(self.seed, "\n".join(lines) + "\n", names, self.expect_error, set(self.used))

    def with_extra_stream(self, make: Callable[[], _R]) -> _R:
        saved = self.rng
        self.rng = self.extra
        try:
            return make()
        finally:
            self.rng = saved

    def property_extras(self) -> tuple[list[str], list[str]]:
        """Definitions and invariants with the newer constructs: (definitions, invariants)."""
        definitions: list[str] = []
        invariants: list[str] = []
        sc = _Scope("property", None, [], ghost=True, total=True)
        if self.chance(0.35) and self.use("step_invariants"):
            invariants.append(f"invariant s{self.fresh('')}: {self.step_invariant(sc)}")
        if self.chance(0.3) and self.use("defs"):
            name, param = self.fresh("d"), self.fresh("p")
            definitions.append(f"def {name}({param}: 0..3) = {self.bool_expr(sc.bind(param, R(0, 3)), 1)}")
            argument = self.int_expr(sc, 1, (0, 3))
            invariants.append(f"invariant u{self.fresh('')}: {name}({argument}) or {self.anchored(sc)}")
        indexed = [n for n in self.nodes if n.replicated and not n.symmetric]
        if indexed and self.chance(0.3) and self.use("index"):
            node = self.rng.choice(indexed)
            x = self.fresh("c")
            body = self.bool_expr(sc.bind(x, NODE(node.name)), 1)
            k = self.rng.randint(0, node.min_count - 1)
            invariants.append(
                f"invariant x{self.fresh('')}: all {x} in {node.name}: index({x}) != {k} or {body}"
            )
        return definitions, invariants

    def liveness_properties(self) -> list[str]:
        """Zero to two temporal properties. Their conditions are mostly ones that hold at the start and fail
        once a variable moves (or the reverse), so that a verdict turns on whether the run must move —
        on fairness — rather than on the start alone."""
        if not (self.chance(0.4) and self.use("liveness")):
            return []
        sc = _Scope("property", None, [], ghost=True, total=True)

        def condition(at_start: bool) -> str:
            """A condition that holds at the start (`at_start`) or not, most of the time; now and then any."""
            if self.chance(0.2):
                return self.bool_expr(sc, 2)
            return self.anchored(sc) if at_start else f"not ({self.anchored(sc)})"

        out = []
        for _ in range(self.rng.choice([1, 1, 2])):
            form = self.rng.choice(["eventually", "always eventually", "eventually always", "leads_to"])
            name = self.fresh("l")
            if form == "leads_to":
                p, q = condition(self.chance(0.7)), condition(self.chance(0.2))
                out.append(f"liveness {name}: ({p}) leads_to ({q})")
            else:
                # `eventually p` with p true at the start holds at once: mostly the other way round
                at_start = self.chance(0.25 if form != "eventually always" else 0.6)
                out.append(f"liveness {name}: {form} ({condition(at_start)})")
        return out

    def step_invariant(self, sc: _Scope) -> str:
        """An invariant over one step: a variable compared with its value before the step."""
        rng = self.rng
        choices = [(n, v) for n in self.nodes for v in n.vars if v.t.kind in ("int", "bool", "set")]
        if not choices:
            return f"old({self.bool_expr(sc, 1)}) or true"
        node, var = rng.choice(choices)
        x = self.fresh("c")
        subject = f"{x}.{var.name}" if node.replicated else f"{node.name}.{var.name}"
        if var.t.kind == "int":
            cond = f"{subject} {rng.choice(['>=', '<=', '==', '!='])} old({subject})"
        elif var.t.kind == "bool":
            cond = rng.choice([f"old({subject}) implies {subject}", f"{subject} == old({subject})"])
        else:
            cond = f"len({subject}) >= len(old({subject}))"
        if node.replicated:
            return f"all {x} in {node.name}: {cond}"
        return cond

    def durability_switches(self) -> list[str]:
        """`volatile N.v` / `durable N.v` lines for a model, now and then."""
        lines = []
        for node in self.nodes:
            for var in node.vars:
                if var.kind != "ghost" and self.chance(0.15) and self.use("durability_switch"):
                    lines.append(f"  {self.rng.choice(['volatile', 'durable'])} {node.name}.{var.name}")
        return lines

    @staticmethod
    def show_const(value: object, t: T) -> str:
        if t.kind == "bool":
            return "true" if value else "false"
        return str(value)

    def constants(self) -> None:
        if self.chance(0.5):
            self.consts["K"] = INT
            self.const_values["K"] = self.rng.randint(1, 2)
        if self.chance(0.4):
            self.consts["FLAG"] = BOOL
            self.const_values["FLAG"] = self.chance(0.5)

    def node_types(self) -> None:
        rng = self.rng
        count = rng.choice([1, 2, 2, 2, 3])
        names = ["A", "B", "C"][:count]
        budget = 4  # instances in all
        for k, name in enumerate(names):
            left = budget - (len(names) - k - 1)
            replicated = left >= 2 and self.chance(0.5)
            if replicated:
                n = (3 if left >= 3 and self.chance(0.2) else 2) if self.chance(0.85) else 1
                text: str | None = str(n)
                low = n
                if "N" not in self.consts and self.on("model_consts") and self.chance(0.3) and n >= 2:
                    self.consts["N"] = INT
                    self.const_values["N"] = n
                    text = "N"
                    low = 1 if self.chance(0.5) else n  # models may lower N to this
                    self.n_range = (low, n)
                symmetric = self.chance(0.25) and self.use("symmetric")
                self.nodes.append(_Node(name, n, low, text, symmetric))
                budget -= n
            else:
                self.nodes.append(_Node(name, 1, 1, None, False))
                budget -= 1
        if len(self.nodes) == 1 and self.nodes[0].count == 1 and self.chance(0.7):
            node = self.nodes[0]
            node.count, node.min_count, node.count_text = 2, 2, "2"
        for node in self.nodes:
            for _ in range(rng.randint(1, 3)):
                kind = rng.choices(["var", "durable", "ghost"], [6, 2, 2])[0]
                node.vars.append(_Var(self.fresh("v"), kind, self.var_type(node)))
            if self.chance(0.4):
                node.timers.append(self.fresh("t"))

    def var_type(self, node: _Node) -> T:
        rng = self.rng
        scalars = self.scalar_types()
        r = rng.random()
        if r < 0.45:
            return rng.choice(scalars)
        if r < 0.6 and self.on("optional"):
            return self.optional(rng.choice(scalars))
        if r < 0.75:
            return SET(rng.choice(self.small_types()))
        if r < 0.92:
            key = rng.choice(self.key_types())
            value = rng.choice(self.small_types())
            if self.chance(0.4) and self.use("optional_map"):
                value = self.optional(value)
            return MAP(key, value)
        if self.on("tuple"):
            self.used.add("tuple")
            return T("tuple", args=(rng.choice(self.small_types()), rng.choice(self.small_types())))
        return rng.choice(scalars)

    def optional(self, t: T) -> T:
        """`t?`; without the optional_bool feature, `bool?` becomes `(0..1)?`."""
        if t.kind == "bool" and not self.use("optional_bool"):
            return OPT(R(0, 1))
        return OPT(t)

    def scalar_types(self) -> list[T]:
        out = [BOOL, R(0, 1), R(0, 2), R(0, 3), R(-1, 1)]
        if "K" in self.consts:
            out.append(T("int", 0, None, name="K"))  # 0..K, with K from the model
        out += [NODE(n.name) for n in self.nodes]
        if self.on("any_node"):
            out.append(NODE(None))  # `node`: an instance of any node type
        out += [T("enum", name=e) for e, _ in self.enums]
        if self.timed:
            out.append(T("int", name="time"))
        return out

    def small_types(self) -> list[T]:
        """Element types of sets and message fields: few values."""
        out = [BOOL, R(0, 1), R(0, 2)]
        out += [NODE(n.name) for n in self.nodes if n.count <= 2]
        out += [T("enum", name=e) for e, _ in self.enums]
        return out

    def key_types(self) -> list[T]:
        out = [BOOL, R(0, 1), R(0, 2)]
        out += [NODE(n.name) for n in self.nodes if n.count <= 2]
        return out

    def message_types(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 3)):
            name = self.fresh("M")
            fields: list[tuple[str, T]] = []
            size = 1
            for k in range(rng.choice([0, 1, 1, 2, 2])):
                t = self.field_type()
                n = _domain_size(t, self)
                if size * n > 12:
                    continue
                size *= n
                fname = f"f{k}"
                if self.chance(0.15) and self.use("trace_key_fields"):
                    fname = rng.choice(["type", "sent_at"])
                if self.options.reserved_fields and self.chance(0.3):
                    fname = rng.choice(RESERVED_FIELDS)
                    if self.expect_error is None:
                        self.expect_error = (len(self.messages), fname)
                if any(fname == f for f, _ in fields):
                    fname = f"f{k}"
                fields.append((fname, t))
            signed = self.chance(0.25) and self.use("signed")
            message = _Message(name, signed, fields)
            message.senders = rng.sample(
                [n.name for n in self.nodes], k=min(len(self.nodes), rng.choice([1, 1, 2]))
            )
            message.receivers = rng.sample(
                [n.name for n in self.nodes], k=min(len(self.nodes), rng.choice([1, 1, 2]))
            )
            self.messages.append(message)

    def field_type(self) -> T:
        rng = self.rng
        r = rng.random()
        small = self.small_types()
        if self.timed and r < 0.12:
            return T("int", name="time")
        if r < 0.6:
            return rng.choice(small)
        if r < 0.75 and self.on("optional"):
            return self.optional(rng.choice(small))
        if r < 0.87:
            return SET(rng.choice([BOOL, R(0, 1)]))
        if self.use("optional_map"):
            return MAP(R(0, 1), self.optional(BOOL))
        return MAP(R(0, 1), BOOL)

    # ---- models (decided before the handlers, so that `on recover` and clocks fit)

    def plan_models(self) -> None:
        rng = self.rng
        self.no_models = self.timing_class == "async" and self.chance(0.08)
        count = 1 if self.no_models else rng.choice([1, 1, 2, 2, 3])
        for k in range(count):
            if self.timing_class == "async":
                timing = "asynchronous"
            elif self.timing_class == "timed":
                timing = rng.choice(["synchronous", "partially_synchronous"])
            else:
                timing = rng.choice(["asynchronous", "synchronous", "partially_synchronous"])
            m = _ModelPlan(f"m{k}", timing)
            self.model_plans.append(m)
            if timing != "asynchronous":
                m.delay = rng.choice([1, 1, 2])
                if timing == "partially_synchronous" and self.chance(0.5):
                    m.gst = rng.randint(0, 2)
                m.horizon = rng.randint(1, 3)
                if self.chance(0.6) and self.use("clocks"):
                    # every node's clock starts anywhere within the skew: (2 skew + 1)^nodes initial states
                    instances = sum(n.count for n in self.nodes)
                    m.skew = rng.choice([0, 1, 1]) if instances <= 3 else rng.choice([0, 0, 1])
                    m.drift = self.chance(0.3)
                    m.ntp = rng.choice([None, None, "ntp", "ntp <= 1"])
                    if m.skew:
                        m.horizon = rng.randint(1, 2)
                        if m.ntp == "ntp" and m.horizon > 1:
                            m.ntp = "ntp <= 1"
            orderings = ["reorder", "reorder", "fifo"]
            if self.on("duplicating") and (timing == "asynchronous" or self.on("timed_duplicating")):
                orderings.append("duplicating")
            ordering = rng.choice(orderings)
            if ordering == "duplicating":
                self.used.add("duplicating")
                if timing != "asynchronous":
                    self.used.add("timed_duplicating")
            net = [ordering] if self.chance(0.8) else []
            if self.chance(0.3) and self.use("loss"):
                net.append("loss" if self.on("unbounded_loss") and self.chance(0.3) else "loss <= 1")
                if net[-1] == "loss":
                    self.used.add("unbounded_loss")
            if ordering != "duplicating" and self.chance(0.2) and self.use("duplicate"):
                net.append("duplicate <= 1")
            if self.chance(0.2) and self.use("partition"):
                net.append("partition <= 1" + (" asymmetric" if self.chance(0.4) else ""))
            m.network = net if net or self.chance(0.5) else None
            types = [n.name for n in self.nodes]
            if self.chance(0.5):
                kinds = ["crash_stop", "crash_recovery", "crash_recovery", "byzantine"]
                if timing != "asynchronous":
                    kinds.append("pause")
                for kind in rng.sample(kinds, k=rng.choice([1, 1, 2])):
                    if not self.use(kind):
                        continue
                    target = rng.choice(types)
                    bound = rng.randint(1, 2) if kind == "pause" else 1
                    if any(f[1] == target and f[0] == kind for f in m.faults):
                        continue
                    m.faults.append((kind, target, bound))
            if self.on("model_consts"):
                for name in self.consts:
                    if self.chance(0.3):
                        if name == "K":
                            m.consts[name] = rng.randint(1, 2)
                        elif name == "FLAG":
                            m.consts[name] = not self.const_values[name]
                        elif name == "N":
                            low, high = self.n_range
                            m.consts[name] = rng.randint(low, high)
                if m.consts:
                    self.used.add("model_consts")
        self.recovering = {f[1] for m in self.model_plans for f in m.faults if f[0] == "crash_recovery"}

    def models_text(self) -> tuple[list[str], list[str]]:
        if self.no_models:
            return [], ["default"]
        lines = []
        names = []
        for m in self.model_plans:
            names.append(m.name)
            lines.append(f"model {m.name} {{")
            for name, value in m.consts.items():
                lines.append(f"  const {name} = {self.show_const(value, self.consts[name])}")
            lines += self.with_extra_stream(self.durability_switches)
            if m.timing == "asynchronous":
                if self.chance(0.7):
                    lines.append("  timing asynchronous")
            else:
                settings = [f"delay <= {m.delay}"]
                if m.gst is not None:
                    settings.append(f"gst <= {m.gst}")
                lines.append(f"  timing {m.timing} {{ {'; '.join(settings)} }}")
            if m.network is not None:
                lines.append(f"  network {{ {'; '.join(m.network)} }}")
            if m.skew is not None:
                clocks = [f"skew <= {m.skew}"]
                if m.drift and self.use("clocks"):
                    clocks.append("drift")
                if m.ntp:
                    clocks.append(m.ntp)
                lines.append(f"  clocks {{ {'; '.join(clocks)} }}")
            if m.faults:
                parts = [f"{kind} <= {bound} of {target}" for kind, target, bound in m.faults]
                lines.append(f"  faults {{ {'; '.join(parts)} }}")
            if m.horizon is not None:
                lines.append(f"  horizon {m.horizon}")
            lines.append("}")
        return lines, names

    # ---- nodes and handlers

    def node_text(self, node: _Node) -> list[str]:
        rng = self.rng
        header = f"node {node.name}"
        if node.replicated:
            header += f" * {node.count_text}"
            if node.symmetric:
                header += " symmetric"
        sends = [m for m in self.messages if node.name in m.senders]
        handled = [m for m in self.messages if node.name in m.receivers]
        kinds: list[tuple[str, str, _Message | None]] = []
        if self.chance(0.6) or (sends and not handled and self.chance(0.7)):
            kinds.append(("start", "start", None))
        for m in handled:
            kinds.append(("receive", m.name, m))
        for t in node.timers:
            kinds.append(("timeout", t, None))
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            kinds.append(("action", self.fresh("act"), None))
        if node.name in self.recovering and self.chance(0.6):
            kinds.append(("recover", "recover", None))
        if not kinds:
            kinds.append(("action", self.fresh("act"), None))
        # every message this node sends is sent from at least one of its handlers
        must: dict[int, list[_Message]] = {}
        for m in sends:
            must.setdefault(rng.randrange(len(kinds)), []).append(m)
        node.fuel = any(k[0] not in ("start", "recover") for i, k in enumerate(kinds) if i in must) or (
            sends != [] and self.chance(0.5)
        )
        body: list[str] = []
        fuel_value = rng.randint(1, 2)
        if node.fuel:
            kind = "durable" if self.chance(0.25) else "var"
            prefix = "durable " if kind == "durable" else ""
            body.append(f"{prefix}var fuel: 0..{fuel_value} = {fuel_value}")
        for var in node.vars:
            prefix = {"var": "", "durable": "durable ", "ghost": "ghost "}[var.kind]
            init = self.init_value(var.t, node)
            var.init = init
            body.append(
                f"{prefix}var {var.name}: {var.t.decl()}" + (f" = {init}" if init is not None else "")
            )
        for k, (kind, name, message) in enumerate(kinds):
            lines = self.handler(node, kind, name, message, must.get(k, []))
            # drawn from the stream of the newer constructs, so that the handlers stay as they were
            if (
                kind in ("receive", "timeout", "action")
                and self.extra.random() < 0.4
                and self.use("fairness_marks")
            ):
                lines[0] = f"{self.extra.choice(['fair', 'fair', 'unfair'])} {lines[0]}"
            body += lines
        return [header + " {", *_indent(body), "}"]

    def init_value(self, t: T, node: _Node) -> str | None:
        """A constant initial value inside the type (the front end checks constants; a value that reads
        `self` is only checked by the explorer)."""
        if t.kind == "node":
            target = self.node_named(t.name)
            if target.name == node.name and self.chance(0.5):
                return "self"
            return self.instance(target, total=True)
        if t.kind == "opt" and t.inner.kind == "node":
            if self.chance(0.5):
                return "none"
            return self.init_value(t.inner, node)
        if (self.chance(0.3) and t.kind not in ("int", "opt")) or (t.kind == "int" and self.chance(0.2)):
            return None  # the default value
        if t.kind == "bool" and node.replicated and self.chance(0.3):
            return f"self == {node.name}[0]"
        return self.literal(t)

    def literal(self, t: T) -> str:
        rng = self.rng
        k = t.kind
        if k == "bool":
            return rng.choice(["true", "false"])
        if k == "int":
            lo, hi = self.int_bounds(t)
            return str(rng.randint(lo, hi)) if t.name != "time" else "0"
        if k == "enum":
            return rng.choice(self.enum_members(t.name))
        if k == "node":
            return self.instance(self.node_named(t.name), total=True)
        if k == "opt":
            return "none" if self.chance(0.5) else self.literal(t.inner)
        if k == "set":
            items = sorted({self.literal(t.inner) for _ in range(rng.randint(0, 2))})
            return "{" + ", ".join(items) + "}"
        if k == "map":
            low = 0 if self.on("empty_map_literal") else 1
            keys = sorted({self.literal(t.args[0]) for _ in range(rng.randint(low, 2))})
            if not keys:
                return "{}"
            return "{" + ", ".join(f"{key}: {self.literal(t.args[1])}" for key in keys) + "}"
        if k == "tuple":
            return "(" + ", ".join(self.literal(a) for a in t.args) + ")"
        raise ValueError(t)

    def int_bounds(self, t: T) -> tuple[int, int]:
        """The values an int type surely holds, under every model."""
        if t.name == "time":
            return (0, 1)
        if t.name == "K":
            return (0, 1)
        lo = t.lo if t.lo is not None else 0
        hi = t.hi if t.hi is not None else 3
        return lo, hi

    def enum_members(self, name: str | None) -> list[str]:
        for e, members in self.enums:
            if e == name:
                return members
        raise KeyError(name)

    def node_named(self, name: str | None) -> _Node:
        for n in self.nodes:
            if n.name == name:
                return n
        return self.rng.choice(self.nodes)

    def instance(self, node: _Node, total: bool) -> str:
        if not node.replicated:
            return node.name
        if not total and self.chance(0.1) and self.use("runtime_ranges"):
            # computed, so that an index out of range is a run-time error, not the front end's
            return f"{node.name}[({self.rng.choice([node.min_count, node.count])} + 0)]"
        return f"{node.name}[{self.rng.randrange(node.min_count)}]"

    def handler(
        self, node: _Node, kind: str, name: str, message: _Message | None, must: list[_Message]
    ) -> list[str]:
        rng = self.rng
        sc = _Scope("handler", node, [])
        lines: list[str] = []
        guard: str | None = None
        self.sends_left = 1
        if kind == "start":
            header = "on start"
            sc.may_send = True
            sc.safe = not (self.on("start_errors") and self.chance(0.15))
        elif kind == "recover":
            header = "on recover"
            sc.may_send = True
        elif kind == "timeout":
            header = f"on timeout {name}"
        elif kind == "action":
            header = f"action {name}"
            if self.chance(0.7):
                guard = self.bool_expr(sc, 2)
        else:
            assert message is not None
            header = f"on {name}"
            if message.fields and self.chance(0.85):
                params = []
                for _, t in message.fields:
                    p = self.fresh("p")
                    params.append(p)
                    sc.locals.append(_Local(p, t))
                header += "(" + ", ".join(params) + ")"
            sc.message = message
            if self.chance(0.6):
                s = self.fresh("s")
                senders = message.senders
                sc.locals.append(_Local(s, NODE(senders[0] if len(senders) == 1 else None)))
                header += f" from {s}"
            if message.signed and self.chance(0.5) and self.use("signed_by"):
                w = self.fresh("w")
                sc.locals.append(_Local(w, NODE(None)))
                header += f" signed by {w}"
            if self.chance(0.35):
                guard = self.bool_expr(sc, 2)
        wants_send = bool(must) or (node.fuel and self.chance(0.4))
        # statements, each a list of lines, so that sends go in between statements, never inside one
        body: list[list[str]] = []
        start_ok = not sc.safe
        if kind in ("start", "recover"):
            if not sc.safe:
                if kind == "start":
                    self.used.add("start_errors")
                body += self.stmts(sc, rng.randint(1, 2), 2)
            elif self.chance(0.5):
                body += [[self.safe_assign(node)]]
            for m in must:
                body.insert(rng.randint(0, len(body)), [self.send(sc, m)])
        elif wants_send and node.fuel:
            if kind != "timeout" and self.chance(0.5):
                guard = "fuel > 0" + (f" and {guard}" if guard else "")
                inner = sc.child(may_send=True)
                body.append(["fuel = fuel - 1"])
                body += self.stmts(inner, rng.randint(1, 2), 2)
                for m in must:
                    body.insert(rng.randint(1, len(body)), [self.send(inner, m)])
            else:
                body += self.stmts(sc, rng.randint(0, 2), 2)
                inner = sc.child(may_send=True)
                sub = [["fuel -= 1" if self.chance(0.5) else "fuel = fuel - 1"]]
                sub += self.stmts(inner, rng.randint(0, 2), 1)
                for m in must:
                    sub.insert(rng.randint(1, len(sub)), [self.send(inner, m)])
                if not must:
                    sub.append([self.send(inner, None)])
                body.append(["if fuel > 0 {", *_indent(_flat(sub)), "}"])
                body += self.stmts(sc, rng.randint(0, 1), 1)
        else:
            body += self.stmts(sc, rng.randint(1, 3), 2)
        if (node.timers and (kind == "timeout" or self.chance(0.3)) and start_ok) or (
            node.timers and kind == "start"
        ):
            body.append([self.set_timer(sc, node)])
        if guard is not None:
            header += f" when {guard}"
        flat = _flat(body)
        if len(flat) <= 1 and self.chance(0.5) and len(" ".join(flat)) < 60:
            lines.append(f"{header} {{ {flat[0] if flat else 'skip'} }}")
        else:
            lines.append(header + " {")
            lines += _indent(flat or ["skip"])
            lines.append("}")
        return lines

    def safe_assign(self, node: _Node) -> str:
        targets = [v for v in node.vars if v.t.kind not in ("node",)]
        if not targets:
            return "skip"
        var = self.rng.choice(targets)
        return f"{var.name} = {self.literal(var.t)}"

    def set_timer(self, sc: _Scope, node: _Node) -> str:
        timer = self.rng.choice(node.timers)
        if sc.safe:
            return f"set {timer} after {self.rng.choice(['0', '1', '2'])}"
        if self.timing_class == "async" and self.chance(0.5):
            return f"set {timer}"
        after = self.rng.choice(["0", "1", "1", "2"]) if self.chance(0.8) else self.int_expr(sc, 1, (0, 2))
        return f"set {timer} after {after}"

    # ---- statements

    def block(self, sc: _Scope, n: int, depth: int) -> list[str]:
        return _flat(self.stmts(sc, n, depth))

    def stmts(self, sc: _Scope, n: int, depth: int) -> list[list[str]]:
        out: list[list[str]] = []
        for _ in range(n):
            stmt, sc = self.stmt(sc, depth)
            out.append(stmt)
        return out

    def stmt(self, sc: _Scope, depth: int) -> tuple[list[str], _Scope]:
        """One statement, and the scope after it (a `let` binds a name)."""
        node = sc.node
        assert node is not None
        out: list[str] = []
        after = sc
        ghost_branch = sc.ghost_branch
        targets = [v for v in node.vars if (v.kind == "ghost") or not ghost_branch]

        def assign() -> str:
            if not targets:
                return "skip"
            var = self.rng.choice(targets)
            out.extend(self.assign(sc, var))
            return ""

        def if_stmt() -> str:
            reads_ghost = ghost_branch or (self.chance(0.2) and any(v.kind == "ghost" for v in node.vars))
            cond = self.bool_expr(sc.child(ghost=reads_ghost), 2)
            inner = sc.child(ghost=reads_ghost or sc.ghost, ghost_branch=reads_ghost)
            out.append(f"if {cond} {{")
            out.extend(_indent(self.block(inner, self.rng.randint(1, 2), depth - 1)))
            if self.chance(0.4):
                out.append("} else {")
                out.extend(_indent(self.block(inner, self.rng.randint(1, 2), depth - 1)))
            out.append("}")
            return ""

        def for_stmt() -> str:
            reads_ghost = ghost_branch or (self.chance(0.15) and any(v.kind == "ghost" for v in node.vars))
            x = self.fresh("x")
            domain, elem = self.domain(sc.child(ghost=reads_ghost), 1)
            inner = sc.child(ghost=reads_ghost or sc.ghost, ghost_branch=reads_ghost).bind(
                x, elem, reads_ghost
            )
            out.append(f"for {x} in {domain} {{")
            out.extend(_indent(self.block(inner, self.rng.randint(1, 2), depth - 1)))
            out.append("}")
            return ""

        def choose_stmt() -> str:
            x = self.fresh("x")
            domain, elem = self.domain(sc, 1)
            inner = sc.bind(x, elem)
            out.append(f"choose {x} in {domain} {{")
            out.extend(_indent(self.block(inner, self.rng.randint(1, 2), depth - 1)))
            out.append("}")
            return ""

        def fuelled_send() -> str:
            inner = sc.child(may_send=True)
            out.append("if fuel > 0 {")
            out.extend(_indent(["fuel = fuel - 1", self.send(inner, None)]))
            out.append("}")
            return ""

        def assert_stmt() -> str:
            cond = self.bool_expr(sc.child(ghost=True), 2)
            if self.chance(0.7):
                return f"assert a{self.fresh('')}: {cond}"
            return f"assert {cond}"

        def let_stmt() -> str:
            nonlocal after
            name = self.fresh("l")
            t = self.any_type(sc)
            reads_ghost = ghost_branch
            inner = sc.child(ghost=reads_ghost or sc.ghost)
            # a local's type is its value's: a set it holds must have one, as it may be iterated over
            value = (
                self.set_expr(inner, 2, t.inner, typed=True) if t.kind == "set" else self.expr(inner, t, 2)
            )
            after = sc.bind(name, t, reads_ghost)
            return f"let {name} = {value}"

        def timer_stmt() -> str:
            if self.chance(0.7):
                return self.set_timer(sc, node)
            return f"cancel {self.rng.choice(node.timers)}"

        behaviour = not ghost_branch
        text = self.weighted(
            [
                (5, assign),
                (2 if depth > 0 else 0, if_stmt),
                (1 if depth > 0 and self.use("for") else 0, for_stmt),
                (0.7 if depth > 0 and behaviour and self.use("choose") else 0, choose_stmt),
                (2 if sc.may_send and behaviour and self.sends_left > 0 else 0, lambda: self.send(sc, None)),
                (
                    3
                    if sc.may_send
                    and behaviour
                    and self.sends_left > 0
                    and sc.message is not None
                    and sc.message.signed
                    and self.use("relay")
                    else 0,
                    lambda: self.relay(sc),
                ),
                (
                    0.6 if node.fuel and not sc.may_send and behaviour and self.sends_left > 0 else 0,
                    fuelled_send,
                ),
                (1 if node.timers and behaviour else 0, timer_stmt),
                (0.8 if self.use("assert") else 0, assert_stmt),
                (1 if self.use("let") else 0, let_stmt),
                (0.2, lambda: "skip"),
                (0.2 if behaviour and self.use("reject") else 0, lambda: "reject"),
            ]
        )
        if text:
            out.append(text)
        return out, after

    def assign(self, sc: _Scope, var: _Var) -> list[str]:
        rng = self.rng
        t = var.t
        value_sc = sc.child(ghost=var.kind == "ghost" or sc.ghost_branch)
        name = var.name
        if t.kind == "int":
            lo, hi = self.int_bounds(t)
            r = rng.random()
            if r < 0.25:
                return [f"{name} = {name} + 1"]
            if r < 0.35:
                return [f"{name} += 1" if self.chance(0.5) else f"{name} -= 1"]
            if r < 0.55:
                return [f"if {name} < {hi} {{ {name} = {name} + 1 }}"]
            return [f"{name} = {self.int_expr(value_sc, 2, (lo, hi))}"]
        if t.kind == "set":
            r = rng.random()
            elem = self.expr(value_sc, t.inner, 1)
            if r < 0.3:
                return [f"{name} += {{{elem}}}" if self.chance(0.6) else f"{name} -= {{{elem}}}"]
            if r < 0.5:
                return [f"{name} = {name} | {{{elem}}}"]
            return [f"{name} = {self.expr(value_sc, t, 2)}"]
        if t.kind == "map":
            key_t, value_t = t.args
            r = rng.random()
            if r < 0.6:
                key = self.expr(value_sc, key_t, 1)
                if key_t.kind == "int" and self.chance(0.15) and self.use("map_key_range"):
                    key = str(rng.choice([key_t.hi + 1 if key_t.hi is not None else 3, -1]))
                if value_t.kind == "int" and self.chance(0.3):
                    return [f"{name}[{key}] += 1"]
                return [f"{name}[{key}] = {self.expr(value_sc, value_t, 1)}"]
            return [f"{name} = {self.expr(value_sc, t, 2)}"]
        return [f"{name} = {self.expr(value_sc, t, 2, unwrap=True)}"]

    def send(self, sc: _Scope, message: _Message | None) -> str:
        node = sc.node
        assert node is not None
        if sc.safe:
            return self.safe_send(sc, message)
        if message is None:
            self.sends_left -= 1
            mine = [m for m in self.messages if node.name in m.senders] or self.messages
            message = self.rng.choice(mine)
        plain = sc.child(ghost=False)
        args = [self.expr(plain, t, 1, unwrap=True) for _, t in message.fields]
        ctor = message.name + (f"({', '.join(args)})" if args else "")
        receivers = [self.node_named(r) for r in message.receivers]
        target = self.rng.choice(receivers)
        if self.chance(0.3):
            return f"broadcast {ctor} to {self.node_set(plain, target)}"
        return f"send {ctor} to {self.node_expr(plain, 1, target.name, optional=True)}"

    def relay(self, sc: _Scope) -> str:
        """`relay to n`: the signed message being handled, passed on unchanged."""
        assert sc.message is not None
        self.sends_left -= 1
        target = self.node_named(self.rng.choice(sc.message.receivers))
        return f"relay to {self.node_expr(sc.child(ghost=False), 1, target.name, optional=True)}"

    def safe_send(self, sc: _Scope, message: _Message | None) -> str:
        """A send that cannot fail: constant fields inside their ranges, a node that exists."""
        node = sc.node
        assert node is not None
        if message is None:
            self.sends_left -= 1
            message = self.rng.choice([m for m in self.messages if node.name in m.senders] or self.messages)
        args = [self.literal(t) for _, t in message.fields]
        ctor = message.name + (f"({', '.join(args)})" if args else "")
        target = self.node_named(self.rng.choice(message.receivers))
        if target.replicated and self.chance(0.3):
            return f"broadcast {ctor} to {target.name}"
        return f"send {ctor} to {self.instance(target, True)}"

    def node_set(self, sc: _Scope, target: _Node) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.35 and target.replicated:
            return target.name
        if r < 0.6 and target.replicated:
            x = self.fresh("n")
            return f"{{{x} for {x} in {target.name} if {x} != self}}"
        if r < 0.8 and self.use("mixed_literal"):
            others = [
                self.node_expr(sc, 0, n.name) for n in rng.sample(self.nodes, k=min(2, len(self.nodes)))
            ]
            return "{" + ", ".join([self.node_expr(sc, 0, target.name), *others]) + "}"
        # (a set expression may have no element type the checker can see, such as `{} | {}`)
        return f"({self.expr(sc, SET(NODE(target.name)), 1)} | {{{self.instance(target, True)}}})"

    # ---- expressions

    def sources(self, sc: _Scope, t: T, unwrap: bool = False) -> list[str]:
        """Named values of type `t`; with `unwrap`, in code that may fail, optional ones too (`none` there
        is a run-time error)."""
        want = t.shape()
        out: list[str] = []

        def offer(text: str, have: T) -> None:
            shape = have.shape()
            if (
                shape == want
                or (t.kind == "opt" and shape == t.inner.shape())
                or (
                    unwrap
                    and not sc.total
                    and have.kind == "opt"
                    and have.inner.shape() == want
                    and self.chance(0.4)
                )
            ):
                out.append(text)

        for local in sc.locals:
            if local.ghost and not sc.ghost:
                continue
            if local.t.kind == "msg":
                message = next(m for m in self.messages if m.name == local.t.name)
                for fname, ft in message.fields:
                    offer(f"{local.name}.{fname}", ft)
                offer(f"{local.name}.src", NODE(None))
                offer(f"{local.name}.dst", NODE(None))
                if message.signed:
                    offer(f"{local.name}.signer", NODE(None))
                continue
            offer(local.name, local.t)
            if sc.kind == "property" and local.t.kind == "node" and local.t.name is not None:
                for var in self.node_named(local.t.name).vars:
                    offer(f"{local.name}.{var.name}", var.t)
        if sc.kind == "handler":
            assert sc.node is not None
            for var in sc.node.vars:
                if var.kind == "ghost" and not sc.ghost:
                    continue
                offer(var.name if self.chance(0.85) else f"self.{var.name}", var.t)
            if sc.node.fuel:
                offer("fuel", R(0, 2))
        else:
            for node in self.nodes:
                for var in node.vars:
                    offer(f"{self.instance(node, True)}.{var.name}", var.t)
        for name, ct in self.consts.items():
            offer(name, ct)
        return out

    def any_type(self, sc: _Scope) -> T:
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return R(0, 2)
        if r < 0.45:
            return BOOL
        if r < 0.65:
            return NODE(rng.choice(self.nodes).name)
        if r < 0.8:
            return SET(rng.choice(self.small_types()))
        if r < 0.88 and self.on("optional"):
            return self.optional(rng.choice(self.small_types()))
        if sc.node is not None and sc.node.vars:
            return rng.choice(sc.node.vars).t
        return R(0, 2)

    def expr(self, sc: _Scope, t: T, depth: int, unwrap: bool = False) -> str:
        """An expression of type `t`. With `unwrap`, where the checker lets an optional value stand for a
        plain one (assignments, message fields), the expression may be optional."""
        k = t.kind
        if k == "bool":
            return self.bool_expr(sc, depth)
        if k == "int":
            return self.int_expr(sc, depth, self.int_bounds(t) if t.bounded() or t.name else None)
        if k == "node":
            return self.node_expr(sc, depth, t.name, optional=unwrap)
        if k == "enum":
            return self.enum_expr(sc, depth, t, unwrap)
        if k == "opt":
            return self.opt_expr(sc, depth, t)
        if k == "set":
            return self.set_expr(sc, depth, t.inner)
        if k == "map":
            return self.map_expr(sc, depth, t)
        if k == "tuple":
            srcs = self.sources(sc, t)
            if srcs and self.chance(0.5):
                return self.rng.choice(srcs)
            return "(" + ", ".join(self.expr(sc, a, depth - 1) for a in t.args) + ")"
        raise ValueError(t)

    def int_expr(
        self, sc: _Scope, depth: int, hint: tuple[int, int] | None = None, unwrap: bool = True
    ) -> str:
        rng = self.rng
        srcs = self.sources(sc, INT, unwrap=unwrap)

        def literal() -> str:
            if hint is None:
                return str(rng.randint(0, 3))
            lo, hi = hint
            return str(
                rng.choice([lo, hi, hi, (lo + hi) // 2, hi + 1, lo - 1] if not sc.total else [lo, hi, 0, 1])
            )

        def arith() -> str:
            op = rng.choice(["+", "+", "-", "-", "*", "/", "%"])
            if op in ("/", "%") and not self.use("division"):
                op = "+"
            left = self.int_expr(sc, depth - 1, hint)
            if op in ("/", "%") and (sc.total or self.chance(0.5)):
                right = str(rng.randint(1, 3))
            else:
                right = self.int_expr(sc, depth - 1, (0, 2))
            return f"({left} {op} {right})"

        def length() -> str:
            if self.chance(0.3):
                maps = [s for s in self.collection_sources(sc, "map")]
                if maps:
                    return f"len({rng.choice(maps)})"
            domain, _ = self.domain(sc, depth - 1)
            return f"len({domain})"

        def count() -> str:
            x = self.fresh("x")
            domain, elem = self.domain(sc, depth - 1)
            body = self.bool_expr(sc.bind(x, elem), depth - 1)
            return f"(count {x} in {domain}: {body})"

        def minmax() -> str:
            f = rng.choice(["min", "max"])
            if not sc.total and self.chance(0.3):
                # a set whose element type the checker knows (`{} - {}` has none): a variable, or a
                # comprehension; either may be empty at run time
                sets = self.sources(sc, SET(INT))
                if sets and self.chance(0.6):
                    return f"{f}({rng.choice(sets)})"
                x = self.fresh("x")
                domain, elem = self.domain(sc, depth - 1, messages=False)
                inner = sc.bind(x, elem)
                return f"{f}({{{self.int_expr(inner, 0, (0, 3))} for {x} in {domain} if {self.bool_expr(inner, 0)}}})"
            return f"{f}({self.int_expr(sc, depth - 1, hint)}, {self.int_expr(sc, depth - 1, hint)})"

        def if_expr() -> str:
            return (
                f"(if {self.bool_expr(sc, depth - 1)} then {self.int_expr(sc, depth - 1, hint)} "
                f"else {self.int_expr(sc, depth - 1, hint)})"
            )

        def lookup() -> str:
            maps = [(s, t) for s, t in self.typed_sources(sc, "map") if t.args[1].kind == "int"]
            if not maps:
                return literal()
            m, t = rng.choice(maps)
            key = self.expr(sc, t.args[0], depth - 1)
            if sc.total:
                return f"(if {key} in {m} then {m}[{key}] else 0)"
            return f"{m}[{key}]"

        def clock() -> str:
            choices = ["clock", "mono"]
            if self.use("truetime"):
                choices += ["tt.earliest", "tt.latest"]
            return rng.choice(choices)

        def tuple_get() -> str:
            tuples = [(s, t) for s, t in self.typed_sources(sc, "tuple")]
            ints = [(s, i) for s, t in tuples for i, a in enumerate(t.args) if a.kind == "int"]
            if not ints:
                return literal()
            s, i = rng.choice(ints)
            return f"{s}[{i}]"

        quant = self.on("quantifier")
        return self.weighted(
            [
                (3, literal),
                (5 if srcs else 0, lambda: rng.choice(srcs)),
                (2 if depth > 0 else 0, arith),
                (0.8 if depth > 0 else 0, length),
                (0.4 if depth > 0 and quant else 0, count),
                (0.5 if depth > 0 else 0, minmax),
                (0.5 if depth > 0 else 0, if_expr),
                (0.7 if depth > 0 else 0, lookup),
                (0.3 if depth > 0 else 0, tuple_get),
                (0.2 if depth > 0 else 0, lambda: f"(-{self.int_expr(sc, depth - 1, hint)})"),
                (1.5 if sc.kind == "handler" and self.timed else 0, clock),
                (0.8 if self.timed and sc.kind == "property" else 0, lambda: "now"),
                (
                    0.8 if self.timed and sc.ghost and sc.kind == "handler" and self.use("ghost_env") else 0,
                    lambda: "now",
                ),
            ]
        )

    def typed_sources(self, sc: _Scope, kind: str) -> list[tuple[str, T]]:
        """Named values of some type of this kind, with their types."""
        out: list[tuple[str, T]] = []
        for local in sc.locals:
            if local.t.kind == kind and (sc.ghost or not local.ghost):
                out.append((local.name, local.t))
        if sc.kind == "handler":
            assert sc.node is not None
            out += [
                (v.name, v.t) for v in sc.node.vars if v.t.kind == kind and (sc.ghost or v.kind != "ghost")
            ]
        else:
            out += [
                (f"{self.instance(n, True)}.{v.name}", v.t)
                for n in self.nodes
                for v in n.vars
                if v.t.kind == kind
            ]
            for local in sc.locals:
                if local.t.kind == "node" and local.t.name is not None:
                    for v in self.node_named(local.t.name).vars:
                        if v.t.kind == kind:
                            out.append((f"{local.name}.{v.name}", v.t))
        return out

    def collection_sources(self, sc: _Scope, kind: str) -> list[str]:
        return [s for s, _ in self.typed_sources(sc, kind)]

    def bool_expr(self, sc: _Scope, depth: int) -> str:
        rng = self.rng
        srcs = self.sources(sc, BOOL)

        def compare() -> str:
            op = rng.choice(["<", "<=", ">", ">=", "==", "!="])
            hint = (0, 2)
            ints = self.sources(sc, INT)
            left = rng.choice(ints) if ints and self.chance(0.8) else self.int_expr(sc, depth - 1, hint)
            return f"({left} {op} {self.int_expr(sc, depth - 1, hint)})"

        def equality() -> str:
            t = self.any_type(sc)
            srcs_t = self.sources(sc, t)
            left = rng.choice(srcs_t) if srcs_t else self.expr(sc, t, depth - 1)
            op = rng.choice(["==", "!="])
            return f"({left} {op} {self.expr(sc, t, depth - 1)})"

        def member() -> str:
            maps = self.typed_sources(sc, "map")
            if maps and self.chance(0.3):
                m, t = rng.choice(maps)
                return f"({self.expr(sc, t.args[0], depth - 1)} {rng.choice(['in', 'not in'])} {m})"
            domain, elem = self.domain(sc, depth - 1, messages=False)
            op = rng.choice(["in", "in", "not in"])
            return f"({self.expr(sc, elem, depth - 1)} {op} {domain})"

        def logic() -> str:
            r = rng.random()
            if r < 0.25:
                return f"(not {self.bool_expr(sc, depth - 1)})"
            op = rng.choice(["and", "or", "implies"])
            return f"({self.bool_expr(sc, depth - 1)} {op} {self.bool_expr(sc, depth - 1)})"

        def quant() -> str:
            x = self.fresh("x")
            domain, elem = self.domain(sc, depth - 1)
            body = self.bool_expr(sc.bind(x, elem), depth - 1)
            return f"({rng.choice(['all', 'any'])} {x} in {domain}: {body})"

        def none_test() -> str:
            opts = [s for s, _ in self.typed_sources(sc, "opt")]
            if not opts:
                return "true"
            return f"({rng.choice(opts)} {rng.choice(['==', '!='])} none)"

        def crashed() -> str:
            node = rng.choice(self.nodes)
            nodes = [x.name for x in sc.locals if x.t.kind == "node" and x.t.name is not None]
            n = rng.choice(nodes) if nodes and self.chance(0.6) else self.instance(node, True)
            return f"{rng.choice(['crashed', 'crashed', 'byzantine'])}({n})"

        def byzantine() -> str:
            return f"byzantine({self.node_expr(sc, 0, None)})"

        def empty() -> str:
            domain, _ = self.domain(sc, depth - 1)
            return rng.choice([f"(len({domain}) == 0)", f"({domain} == {{}})", f"({domain} != {{}})"])

        return self.weighted(
            [
                (1 if depth <= 0 else 0.2, lambda: rng.choice(["true", "false"])),
                (4 if srcs else 0, lambda: rng.choice(srcs)),
                (3 if depth > 0 else 0, compare),
                (1.5 if depth > 0 else 0, equality),
                (1.5 if depth > 0 else 0, member),
                (2 if depth > 0 else 0, logic),
                (1.2 if depth > 0 and self.use("quantifier") else 0, quant),
                (0.8 if self.on("optional") else 0, none_test),
                (1.5 if sc.kind == "property" else 0, crashed),
                (0.3 if sc.kind == "handler" and sc.ghost and self.use("ghost_env") else 0, byzantine),
                (0.5 if depth > 0 else 0, empty),
            ]
        )

    def node_expr(self, sc: _Scope, depth: int, name: str | None, optional: bool = False) -> str:
        rng = self.rng
        target = self.node_named(name) if name is not None else rng.choice(self.nodes)
        if self.chance(0.15):
            target = rng.choice(self.nodes)  # another node type: the same type to the checker
        srcs = self.sources(sc, NODE(target.name), unwrap=optional)

        def own() -> str:
            return "self"

        return self.weighted(
            [
                (3, lambda: self.instance(target, sc.total)),
                (2 if sc.kind == "handler" else 0, own),
                (4 if srcs else 0, lambda: rng.choice(srcs)),
                (
                    0.5 if depth > 0 else 0,
                    lambda: (
                        f"(if {self.bool_expr(sc, depth - 1)} then {self.node_expr(sc, depth - 1, name, optional)} "
                        f"else {self.node_expr(sc, depth - 1, name, optional)})"
                    ),
                ),
            ]
        )

    def enum_expr(self, sc: _Scope, depth: int, t: T, unwrap: bool = False) -> str:
        srcs = self.sources(sc, t, unwrap)
        members = self.enum_members(t.name)
        return self.weighted(
            [
                (3, lambda: self.rng.choice(members)),
                (3 if srcs else 0, lambda: self.rng.choice(srcs)),
                (
                    0.5 if depth > 0 else 0,
                    lambda: (
                        f"(if {self.bool_expr(sc, depth - 1)} then {self.enum_expr(sc, depth - 1, t)} "
                        f"else {self.enum_expr(sc, depth - 1, t)})"
                    ),
                ),
            ]
        )

    def opt_expr(self, sc: _Scope, depth: int, t: T) -> str:
        srcs = self.sources(sc, t)
        return self.weighted(
            [
                (1.5, lambda: "none"),
                (3, lambda: self.expr(sc, t.inner, depth)),
                (3 if srcs else 0, lambda: self.rng.choice(srcs)),
            ]
        )

    def domain(self, sc: _Scope, depth: int, messages: bool = True) -> tuple[str, T]:
        """A set to iterate over, and the type of its elements (in a property, maybe `inflight(M)`)."""
        rng = self.rng
        msgs = list(self.messages) if sc.kind == "property" and messages else []
        r = rng.random()
        if msgs and r < 0.2:
            m = rng.choice(msgs)
            return f"inflight({m.name})", T("msg", name=m.name)
        if r < 0.5:
            node = rng.choice(self.nodes)
        else:
            elem = rng.choice(self.small_types() + [R(0, 3)])
            if elem.kind != "node":
                return self.set_expr(sc, depth, elem, typed=True), elem
            node = self.node_named(elem.name)
        elem = NODE(node.name)
        if sc.kind == "property":
            # the elements' variables may be read, so the set must be of exactly this node type
            if not node.replicated:
                return "{" + node.name + "}", elem
            if self.chance(0.3) and depth > 0:
                x = self.fresh("n")
                return (
                    f"{{{x} for {x} in {node.name} if {self.bool_expr(sc.bind(x, elem), depth - 1)}}}",
                    elem,
                )
            return node.name, elem
        if node.replicated and self.chance(0.6):
            return node.name, elem
        return self.set_expr(sc, depth, elem, typed=True), elem

    def set_expr(self, sc: _Scope, depth: int, elem: T, typed: bool = False) -> str:
        """A set of `elem`s; `typed`: one whose element type the checker can see (not `{}`, `{} | {}`), as
        whatever is iterated over must be."""
        rng = self.rng
        t = SET(elem)
        srcs = self.sources(sc, t)

        def literal() -> str:
            n = rng.randint(1, 3)
            if elem.kind == "int" and not self.use("mixed_literal"):
                # an optional value among plain ones is a mixed literal too
                items = [self.int_expr(sc, depth - 1, self.int_bounds(elem), unwrap=False) for _ in range(n)]
            else:
                items = [self.expr(sc, elem, depth - 1) for _ in range(n)]
            if elem.kind == "int" and self.chance(0.4) and self.use("mixed_literal"):
                # a narrow value first, a wider one after: the set's type must hold both
                narrow = [s for s, st in self.typed_sources(sc, "int") if st.hi is not None and st.hi <= 1]
                if narrow:
                    items = [rng.choice(narrow), str(rng.choice([2, 3]))] + items[:1]
            if elem.kind == "node" and self.chance(0.4) and self.use("mixed_literal"):
                items = [self.node_expr(sc, 0, n.name) for n in self.nodes] + items[:1]
            return "{" + ", ".join(items) + "}"

        def range_set() -> str:
            lo, hi = self.int_bounds(elem) if elem.kind == "int" else (0, 2)
            if not sc.total and self.chance(0.15) and self.use("runtime_ranges"):
                return f"(({lo})..({self.int_expr(sc, 0, (lo, hi))}))"
            if "K" in self.consts and self.chance(0.2):
                return f"({lo}..K)"
            return f"({lo}..{hi})"

        def combine() -> str:
            op = rng.choice(["|", "&", "-"])
            if op == "|":
                self.use("mixed_literal")
            # the type of `a op b` is a's (a union's: both sides'), so a typed left side makes it typed
            return f"({self.set_expr(sc, depth - 1, elem, typed)} {op} {self.set_expr(sc, depth - 1, elem)})"

        def comprehension() -> str:
            x = self.fresh("x")
            domain, delem = self.domain(sc, depth - 1)
            inner = sc.bind(x, delem)
            member = self.expr(inner, elem, depth - 1)
            if self.chance(0.6):
                return f"{{{member} for {x} in {domain} if {self.bool_expr(inner, depth - 1)}}}"
            return f"{{{member} for {x} in {domain}}}"

        def keys() -> str:
            maps = [s for s, mt in self.typed_sources(sc, "map") if mt.args[0].shape() == elem.shape()]
            if not maps:
                return literal()
            return f"keys({rng.choice(maps)})"

        def nodes() -> str:
            node = self.node_named(elem.name)
            return node.name if node.replicated else literal()

        def if_set() -> str:
            self.use("mixed_literal")
            return (
                f"(if {self.bool_expr(sc, depth - 1)} then {self.set_expr(sc, depth - 1, elem, typed)} "
                f"else {self.set_expr(sc, depth - 1, elem)})"
            )

        return self.weighted(
            [
                (0 if typed else 1, lambda: "{}"),
                (3, literal),
                (3 if srcs else 0, lambda: rng.choice(srcs)),
                (1.5 if elem.kind == "int" else 0, range_set),
                (1.2 if depth > 0 else 0, combine),
                (1.5 if depth > 0 and self.use("comprehension") else 0, comprehension),
                (1, keys),
                (2 if elem.kind == "node" else 0, nodes),
                (0.4 if depth > 0 and self.on("mixed_literal") else 0, if_set),
            ]
        )

    def map_expr(self, sc: _Scope, depth: int, t: T) -> str:
        rng = self.rng
        key_t, value_t = t.args
        srcs = self.sources(sc, t)

        def literal() -> str:
            n = rng.randint(1, 2)
            entries = [
                f"{self.expr(sc, key_t, depth - 1)}: {self.expr(sc, value_t, depth - 1)}" for _ in range(n)
            ]
            return "{" + ", ".join(entries) + "}"

        def comprehension() -> str:
            x = self.fresh("x")
            domain, delem = self.domain(sc, depth - 1)
            inner = sc.bind(x, delem)
            entry = f"{self.expr(inner, key_t, depth - 1)}: {self.expr(inner, value_t, depth - 1)} for {x} in {domain}"
            if self.chance(0.5):
                return f"{{{entry} if {self.bool_expr(inner, depth - 1)}}}"
            return f"{{{entry}}}"

        return self.weighted(
            [
                (1 if self.use("empty_map_literal") else 0, lambda: "{}"),
                (2, literal),
                (3 if srcs else 0, lambda: rng.choice(srcs)),
                (1.5 if depth > 0 and self.use("map_comprehension") else 0, comprehension),
            ]
        )

    # ---- properties

    def invariant(self, k: int) -> str:
        partial = self.chance(0.1) and self.use("partial_invariants")
        sc = _Scope("property", None, [], ghost=True, total=not partial)
        rng = self.rng

        def over_nodes() -> str:
            node = rng.choice([n for n in self.nodes])
            x = self.fresh("c")
            if node.replicated:
                body = self.bool_expr(sc.bind(x, NODE(node.name)), 2)
                return f"{rng.choice(['all', 'all', 'any'])} {x} in {node.name}: {body}"
            return self.bool_expr(sc, 2)

        def over_messages() -> str:
            m = rng.choice(self.messages)
            if self.chance(0.4) and _message_size(m, self) <= 8:
                return f"len(inflight({m.name})) <= {rng.randint(0, 2)}"
            x = self.fresh("q")
            body = self.bool_expr(sc.bind(x, T("msg", name=m.name)), 2)
            return f"all {x} in inflight({m.name}): {body}"

        def counting() -> str:
            node = rng.choice(self.nodes)
            x = self.fresh("c")
            body = self.bool_expr(sc.bind(x, NODE(node.name)), 1)
            domain = node.name if node.replicated else "{" + node.name + "}"
            return f"(count {x} in {domain}: {body}) <= {rng.randint(0, 2)}"

        def crash() -> str:
            node = rng.choice(self.nodes)
            return f"crashed({self.instance(node, True)}) implies {self.bool_expr(sc, 1)}"

        text = self.weighted(
            [
                (4, lambda: self.anchored(sc)),
                (2, over_nodes),
                (1.5, over_messages),
                (1, counting),
                (1, crash),
                (1, lambda: self.bool_expr(sc, 2)),
            ]
        )
        return f"invariant i{k}: {text}"

    def anchored(self, sc: _Scope) -> str:
        """An invariant that holds initially and fails once some variable moves away from its initial
        value (or far enough): so that violations are a few steps deep."""
        rng = self.rng
        choices = [(n, v) for n in self.nodes for v in n.vars if v.init is None or "self" not in v.init]
        if not choices:
            return self.bool_expr(sc, 2)
        node, var = rng.choice(choices)
        init = var.init if var.init is not None else _default(var.t, self)
        x = self.fresh("c")
        subject = f"{x}.{var.name}" if node.replicated else f"{node.name}.{var.name}"
        t = var.t
        if t.kind == "int":
            if init.lstrip("-").isdigit():
                value = int(init)
                cond = rng.choice(
                    [
                        f"{subject} <= {value + rng.randint(0, 1)}",
                        f"{subject} >= {value}",
                        f"{subject} == {value}",
                        f"{subject} != {value + 1}",
                    ]
                )
            else:
                cond = f"{subject} == {init}"
        elif t.kind in ("set", "map"):
            size = 0 if init == "{}" else init.count(",") + 1
            same = f"{subject} == {init}"
            if init == "{}" and t.kind == "map" and not self.use("empty_map_literal"):
                same = f"len({subject}) == 0"
            cond = rng.choice([f"len({subject}) <= {size + rng.randint(0, 1)}", same])
            if t.kind == "set" and self.chance(0.4):
                cond = f"{self.literal(t.inner)} not in {subject}" if init == "{}" else cond
        elif t.kind == "opt":
            cond = f"{subject} == none" if init == "none" else f"{subject} != none"
        else:
            cond = f"{subject} == {init}"
        r = rng.random()
        if r < 0.15:
            cond = f"crashed({self.instance(node, True) if not node.replicated else x}) or {cond}"
        elif r < 0.3:
            inner = sc.bind(x, NODE(node.name)) if node.replicated else sc
            cond = f"{self.bool_expr(inner, 1)} or {cond}"
        if node.replicated:
            return f"{rng.choice(['all', 'all', 'all', 'any'])} {x} in {node.name}: {cond}"
        return cond


def _default(t: T, gen: _Gen) -> str:
    """The default initial value of a type, as the front end gives it."""
    k = t.kind
    if k == "bool":
        return "false"
    if k == "int":
        if t.name in ("time", "K"):
            return "0"
        lo = t.lo if t.lo is not None else 0
        hi = t.hi if t.hi is not None else 0
        return "0" if lo <= 0 <= hi else str(lo)
    if k == "enum":
        return gen.enum_members(t.name)[0]
    if k == "opt":
        return "none"
    if k in ("set", "map"):
        return "{}"
    if k == "tuple":
        return "(" + ", ".join(_default(a, gen) for a in t.args) + ")"
    return gen.instance(gen.node_named(t.name), True)


def _domain_size(t: T, gen: _Gen) -> int:
    k = t.kind
    if k == "bool":
        return 2
    if k == "int":
        if t.name == "time":
            return 8
        lo, hi = gen.int_bounds(t)
        return hi - lo + 1
    if k == "enum":
        return len(gen.enum_members(t.name))
    if k == "node":
        return gen.node_named(t.name).count if t.name else sum(n.count for n in gen.nodes)
    if k == "opt":
        return 1 + _domain_size(t.inner, gen)
    if k == "set":
        return 2 ** _domain_size(t.inner, gen)
    if k == "map":
        return (_domain_size(t.args[1], gen) + 1) ** _domain_size(t.args[0], gen)
    if k == "tuple":
        size = 1
        for a in t.args:
            size *= _domain_size(a, gen)
        return size
    return 1


def _message_size(m: _Message, gen: _Gen) -> int:
    size = 1
    for _, t in m.fields:
        size *= _domain_size(t, gen)
    return size


def _flat(stmts: list[list[str]]) -> list[str]:
    return [line for stmt in stmts for line in stmt]


def _indent(lines: list[str]) -> list[str]:
    return ["  " + line for line in lines]
