"""The type of every expression, and what every name in it denotes (local names are resolved here, with
the scopes of spec/names.py). One method per expression class, found through a table built once."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from spec import ast
from spec.diagnostics import DiagnosticSink
from spec.names import BUILTIN_FUNCTIONS, Binding, GlobalScope, did_you_mean
from spec.source import SourceFile, Span
from spec.types.table import Context, Resolution, TypeTable
from spec.types.terms import (
    BOOL,
    EMPTY,
    INT,
    UNKNOWN,
    BoolTy,
    EmptyCollTy,
    EnumTy,
    MapTy,
    MsgTy,
    NodeTy,
    OptionTy,
    SetTy,
    TupleTy,
    Ty,
    UnknownTy,
    assignable,
    is_int,
    strip_option,
    unify,
)


class _Checking:
    """What the expression rules share, and what the statement and declaration checkers ask of them."""

    RULES: ClassVar[dict[type, Callable[..., Ty]]]  # expression class -> its method (of ExprChecker)

    def __init__(
        self, scope: GlobalScope, sink: DiagnosticSink, table: TypeTable, source: SourceFile | None = None
    ) -> None:
        self.scope = scope
        self.sink = sink
        self.table = table
        self.source = source  # to quote the corrected text in a hint

    # ---- what the other checkers ask

    def expr(self, expr: ast.Expr, ctx: Context) -> Ty:
        result = self.RULES[type(expr)](self, expr, ctx)
        self.table.types[expr.id] = result
        return result

    def expect(self, expr: ast.Expr, ctx: Context, want: Ty, what: str) -> Ty:
        got = self.expr(expr, ctx)
        self.require_assignable(got, want, expr.span, what)
        return got

    def require_assignable(self, got: Ty, want: Ty, span: Span, what: str) -> None:
        if isinstance(got, UnknownTy) or isinstance(want, UnknownTy):
            return
        if not assignable(got, want):
            self.sink.error("FL300", f"{what} must be {want}, but this is {got}", span)

    def int_operand(self, expr: ast.Expr, ctx: Context, what: str) -> Ty:
        got = self.expr(expr, ctx)
        if not is_int(got) or isinstance(expr, ast.NoneLit):
            self.sink.error("FL300", f"{what} needs an integer, but this is {_shown(expr, got)}", expr.span)
        return INT

    def domain(self, expr: ast.Expr, ctx: Context) -> Ty:
        """The element type of something iterated over by for/choose/quantifiers/comprehensions."""
        got = self.expr(expr, ctx)
        if isinstance(got, SetTy):
            return got.elem
        if isinstance(got, EmptyCollTy):
            self.sink.error(
                "FL303",
                "nothing to iterate over: `{}` is empty, and its elements have no type",
                expr.span,
                "iterate over a set whose type is known, e.g. a variable's or a range's",
            )
            return UNKNOWN
        if isinstance(got, UnknownTy):
            return UNKNOWN
        if isinstance(got, MapTy):
            self.sink.error("FL303", f"cannot iterate over a map ({got}); iterate over keys(…)", expr.span)
        else:
            self.sink.error(
                "FL303",
                f"cannot iterate over {got}: expected a set, a range lo..hi or a node type",
                expr.span,
            )
        return UNKNOWN

    def bind(
        self,
        ctx: Context,
        site: ast.Param | ast.DefParam | ast.Stmt | ast.Expr,
        name: str,
        span: Span,
        kind: str,
    ) -> Binding:
        """Bind `name` at `site` in `ctx`: a local may hide no other name."""
        if name in ctx.locals:
            self.sink.error("FL201", f"'{name}' is already bound here", span)
        elif ctx.node is not None and name in ctx.node.vars:
            self.sink.error(
                "FL201",
                f"'{name}' would hide variable '{name}' of node {ctx.node.decl.name}",
                span,
                "choose another name for the local",
            )
        elif name in self.scope.consts or name in self.scope.members or name in self.scope.nodes:
            self.sink.error("FL201", f"'{name}' would hide a top-level declaration of the same name", span)
        binding = Binding(site.id, name, span, kind)
        ctx.locals[name] = binding
        self.table.bindings[site.id] = binding
        return binding

    def reads_ghost(self, expr: ast.Expr) -> str | None:
        """What ghost state `expr` reads, in words ("ghost variable 'x'", "real time `now`"), or None."""
        for sub in _walk(expr):
            if isinstance(sub, ast.NameExpr):
                res = self.table.names.get(sub.id)
                if res is None:
                    continue
                if res.kind == "var" and res.var is not None and res.var.kind == "ghost":
                    return f"ghost variable '{sub.name}'"
                if res.kind == "local" and res.binding is not None and res.binding.ghost:
                    return f"'{sub.name}', which holds ghost state"
            if isinstance(sub, ast.NowExpr):
                return "real time `now`"
            if isinstance(sub, ast.CallExpr) and sub.func == "byzantine":
                return "`byzantine(…)`, which only an observer can know"
        return None


class _References(_Checking):
    """Literals, readings of clocks and time, and names with what they refer to: constants, enum members,
    nodes, variables (of this node, or of any in a property), locals, message fields, built-in calls."""

    # ---- literals and readings

    def int_lit(self, e: ast.IntLit, ctx: Context) -> Ty:
        return INT

    def bool_lit(self, e: ast.BoolLit, ctx: Context) -> Ty:
        return BOOL

    def none_lit(self, e: ast.NoneLit, ctx: Context) -> Ty:
        return OptionTy(UNKNOWN)

    def self_expr(self, e: ast.SelfExpr, ctx: Context) -> Ty:
        if ctx.node is None:
            self.sink.error("FL207", "`self` is only meaningful inside a node", e.span)
            return UNKNOWN
        return NodeTy(ctx.node.decl.name)

    def now_expr(self, e: ast.NowExpr, ctx: Context) -> Ty:
        if ctx.kind == "const" or ctx.kind == "init":
            self.sink.error(
                "FL207", "`now` is real time; it cannot be used in a constant or initial value", e.span
            )
        return INT

    def clock_expr(self, e: ast.ClockExpr, ctx: Context) -> Ty:
        if ctx.kind != "handler":
            self.sink.error(
                "FL207",
                f"`{e.kind}` is a node's clock; it can only be read inside a handler",
                e.span,
                "properties may use real time `now`",
            )
        if e.kind not in ("clock", "mono", "tt.earliest", "tt.latest"):
            self.sink.error(
                "FL200", f"unknown clock reading '{e.kind}'; TrueTime has tt.earliest and tt.latest", e.span
            )
        return INT

    # ---- names and what they refer to

    def name_expr(self, e: ast.NameExpr, ctx: Context) -> Ty:
        table = self.table.names
        if e.name in ctx.locals:
            binding = ctx.locals[e.name]
            table[e.id] = Resolution("local", binding=binding)
            return ctx.local_types.get(binding.site, UNKNOWN)
        if ctx.node is not None and e.name in ctx.node.vars and ctx.kind == "handler":
            var = ctx.node.vars[e.name]
            table[e.id] = Resolution("var", var=var, node_type=ctx.node.decl.name)
            return self.table.declared.get(var.type.id, UNKNOWN)
        if e.name in self.scope.consts:
            table[e.id] = Resolution("const", const=self.scope.consts[e.name])
            const = self.scope.consts[e.name]
            return self.table.types.get(const.value.id, INT)
        if e.name in self.scope.members:
            enum, index = self.scope.members[e.name]
            table[e.id] = Resolution("member", enum=enum, member_index=index)
            return EnumTy(enum.name)
        if e.name in self.scope.nodes:
            node_scope = self.scope.nodes[e.name]
            table[e.id] = Resolution("node", node_type=e.name)
            return SetTy(NodeTy(e.name)) if node_scope.replicated else NodeTy(e.name)
        self.unresolved(e, ctx)
        return UNKNOWN

    def unresolved(self, e: ast.NameExpr, ctx: Context) -> None:
        """Why a name denotes nothing here, as helpfully as can be said."""
        owners = [n for n in self.scope.nodes.values() if e.name in n.vars]
        if ctx.kind == "property" and owners:
            owner = owners[0]
            example = f"{owner.decl.name}[0].{e.name}" if owner.replicated else f"{owner.decl.name}.{e.name}"
            self.sink.error(
                "FL205",
                f"'{e.name}' is a node variable; a property must say whose",
                e.span,
                f"write `{example}`, or quantify: `all n in {owner.decl.name}: n.{e.name} …`",
            )
        elif ctx.kind in ("const", "init") and ctx.node is not None and e.name in ctx.node.vars:
            self.sink.error("FL207", f"an initial value cannot read variable '{e.name}'", e.span)
        elif ctx.node is not None and ctx.kind == "handler" and owners:
            self.sink.error(
                "FL202",
                f"node {ctx.node.decl.name} has no variable '{e.name}'; a node sees only its own state",
                e.span,
                "another node's state can only be learned from a message it sends",
            )
        else:
            candidates = [*ctx.locals, *self.scope.all_names()]
            if ctx.node is not None:
                candidates.extend(ctx.node.vars)
            self.sink.error("FL200", f"unknown name '{e.name}'", e.span, *did_you_mean(e.name, candidates))

    def call_expr(self, e: ast.CallExpr, ctx: Context) -> Ty:
        builtin = BUILTINS.get(e.func)
        if builtin is not None:
            return builtin(self, e, ctx)
        if e.func in self.scope.defs:
            return self.call_def(e, ctx)
        if e.func in self.scope.messages:
            self.sink.error(
                "FL205",
                f"{e.func} is a message: it is sent with `send {e.func}(…) to …`, not called",
                e.func_span,
            )
        else:
            self.sink.error(
                "FL200",
                f"unknown function '{e.func}'",
                e.func_span,
                f"the functions are {', '.join([*BUILTIN_FUNCTIONS, *self.scope.defs])}",
                *did_you_mean(e.func, [*BUILTIN_FUNCTIONS, *self.scope.defs]),
            )
        for arg in e.args:
            self.expr(arg, ctx)
        return UNKNOWN

    def call_def(self, e: ast.CallExpr, ctx: Context) -> Ty:
        """A call of a definition: its arguments against its parameters; one that reads the state of the
        system only in properties."""
        arg_types = [self.expr(a, ctx) for a in e.args]
        signature = self.table.defs.get(e.func)
        if signature is None:  # itself, or one declared after it, while definitions are checked
            self.sink.error(
                "FL200",
                f"{e.func} is used before its definition is complete",
                e.func_span,
                "a definition may use only the definitions declared before it (so none is recursive)",
            )
            return UNKNOWN
        if len(arg_types) != len(signature.params):
            self.sink.error(
                "FL301",
                f"{e.func} takes {len(signature.params)} argument{'s' if len(signature.params) != 1 else ''}, "
                f"not {len(arg_types)}",
                e.span,
            )
        for i, (arg, got, want) in enumerate(zip(e.args, arg_types, signature.params, strict=False)):
            self.require_assignable(got, want, arg.span, f"argument {i + 1} of {e.func}")
        if signature.impure is not None and ctx.kind != "property":
            self.sink.error(
                "FL207",
                f"{e.func} {signature.impure}; only properties may use it",
                e.span,
                "a definition used in a handler may read only its parameters and constants",
            )
        return signature.result

    def impurity(self, body: ast.Expr) -> str | None:
        """What makes an expression more than a function of its parameters and constants, if anything."""
        for sub in _walk(body):
            if isinstance(sub, ast.FieldExpr) and sub.id in self.table.remote_reads:
                node_type, var = self.table.remote_reads[sub.id]
                return f"reads {node_type}.{var.name}"
            if isinstance(sub, ast.NowExpr):
                return "reads real time `now`"
            if isinstance(sub, ast.CallExpr):
                if sub.func in ("crashed", "inflight", "byzantine", "old"):
                    return f"uses `{sub.func}(…)`"
                called = self.table.defs.get(sub.func)
                if called is not None and called.impure is not None:
                    return f"uses {sub.func}, which {called.impure}"
        return None

    def field_expr(self, e: ast.FieldExpr, ctx: Context) -> Ty:
        obj = self.expr(e.obj, ctx)
        if isinstance(obj, UnknownTy):
            return UNKNOWN
        if isinstance(obj, MsgTy):
            return self.message_field(e, obj)
        node_t = strip_option(obj)
        if isinstance(node_t, NodeTy):
            return self.node_var(e, node_t, ctx)
        if isinstance(obj, SetTy) and isinstance(obj.elem, NodeTy) and isinstance(e.obj, ast.NameExpr):
            self.sink.error(
                "FL205",
                f"{e.obj.name} is a replicated node type; say which instance: `{e.obj.name}[0].{e.name}`",
                e.span,
                f"or quantify: `all n in {e.obj.name}: n.{e.name} …`",
            )
            return UNKNOWN
        self.sink.error("FL300", f"{obj} has no field '{e.name}'", e.name_span)
        return UNKNOWN

    def message_field(self, e: ast.FieldExpr, obj: MsgTy) -> Ty:
        """`m.f` for an in-flight message `m`: a field, or its src, dst (or signer)."""
        message = self.scope.messages[obj.name]
        if e.name in ("src", "dst") or (e.name == "signer" and message.signed):
            return NodeTy(None)
        for fld in message.fields:
            if fld.name == e.name:
                return self.table.declared.get(fld.type.id, UNKNOWN)
        self.sink.error(
            "FL200",
            f"message {message.name} has no field '{e.name}'",
            e.name_span,
            *did_you_mean(e.name, [f.name for f in message.fields]),
        )
        return UNKNOWN

    def node_var(self, e: ast.FieldExpr, node_t: NodeTy, ctx: Context) -> Ty:
        """`n.x` for a node `n`: its variable x, which only properties (and a node of itself) may read."""
        if node_t.node_type is None:
            self.sink.error(
                "FL300",
                f"cannot read '{e.name}' of a node whose type is not known here",
                e.span,
                "quantify over one node type: `all c in Client: c.x …`",
            )
            return UNKNOWN
        node_scope = self.scope.nodes[node_t.node_type]
        var = node_scope.vars.get(e.name)
        if var is None:
            self.sink.error(
                "FL200",
                f"node {node_t.node_type} has no variable '{e.name}'",
                e.name_span,
                *did_you_mean(e.name, list(node_scope.vars)),
            )
            return UNKNOWN
        # `self.x`, or `Lock.x` inside the single node Lock: the node's own variable
        is_self = isinstance(e.obj, ast.SelfExpr) or (
            ctx.node is not None
            and not ctx.node.replicated
            and isinstance(e.obj, ast.NameExpr)
            and e.obj.name == ctx.node.decl.name
        )
        if ctx.kind == "handler" and not is_self:
            self.sink.error(
                "FL202",
                f"a node cannot read the state of another node ({node_t.node_type}.{e.name})",
                e.span,
                "send a message to learn it; only properties see every node's state",
            )
            return UNKNOWN
        if ctx.kind in ("const", "init"):
            self.sink.error("FL207", "an initial value cannot read a node's state", e.span)
            return UNKNOWN
        # in a handler this is `self.x`, the node's own variable; in a property, any node's
        self.table.remote_reads[e.id] = (node_t.node_type, var)
        return self.table.declared.get(var.type.id, UNKNOWN)

    def index_expr(self, e: ast.IndexExpr, ctx: Context) -> Ty:
        if (
            isinstance(e.obj, ast.NameExpr)
            and e.obj.name in self.scope.nodes
            and not any(e.obj.name == n for n in ctx.locals)
        ):
            node_scope = self.scope.nodes[e.obj.name]
            self.expr(e.obj, ctx)
            if not node_scope.replicated:
                self.sink.error(
                    "FL300",
                    f"{e.obj.name} is a single node; it has no instances to index",
                    e.span,
                    f"write `{e.obj.name}`",
                )
                return UNKNOWN
            self.int_operand(e.index, ctx, "an instance number")
            self.table.instance_refs.add(e.id)
            return NodeTy(e.obj.name)
        obj = self.expr(e.obj, ctx)
        key = self.expr(e.index, ctx)
        obj = strip_option(obj)
        if isinstance(obj, MapTy):
            self.require_assignable(key, obj.key, e.index.span, "the key")
            return obj.value
        if isinstance(obj, TupleTy):
            if not isinstance(e.index, ast.IntLit) or not 0 <= e.index.value < len(obj.items):
                self.sink.error(
                    "FL300",
                    f"a tuple of {len(obj.items)} is indexed by a literal 0..{len(obj.items) - 1}",
                    e.index.span,
                )
                return UNKNOWN
            return obj.items[e.index.value]
        if isinstance(obj, UnknownTy | EmptyCollTy):
            return UNKNOWN
        self.sink.error(
            "FL300", f"{obj} cannot be indexed; only maps, tuples and replicated node types can", e.span
        )
        return UNKNOWN


class ExprChecker(_References):
    """Types expressions into `table`, reporting mistakes to `sink`: one method per expression class (here
    and in the classes it builds on), found through RULES."""

    # ---- operators

    def unary_expr(self, e: ast.UnaryExpr, ctx: Context) -> Ty:
        if e.op == "-":
            return self.int_operand(e.operand, ctx, "'-'")
        self.expect(e.operand, ctx, BOOL, "the operand of 'not'")
        return BOOL

    def binary_expr(self, e: ast.BinaryExpr, ctx: Context) -> Ty:
        op = e.op
        if op in ("and", "or", "implies"):
            self.expect(e.left, ctx, BOOL, f"the left side of '{op}'")
            self.expect(e.right, ctx, BOOL, f"the right side of '{op}'")
            return BOOL
        left = self.expr(e.left, ctx)
        right = self.expr(e.right, ctx)
        if op in ("in", "not in"):
            container = strip_option(right)
            if isinstance(container, SetTy):
                self.require_assignable(left, container.elem, e.left.span, f"the left side of '{op}'")
            elif isinstance(container, MapTy):
                self.require_assignable(left, container.key, e.left.span, f"the left side of '{op}'")
            elif not isinstance(container, UnknownTy | EmptyCollTy):
                self.sink.error(
                    "FL300", f"'{op}' needs a set or a map on its right, not {right}", e.right.span
                )
            return BOOL
        if op in ("==", "!="):
            if unify(left, right) is None and not (
                isinstance(left, UnknownTy) or isinstance(right, UnknownTy)
            ):
                self.sink.error("FL300", f"cannot compare {left} with {right}", e.op_span)
            return BOOL
        if op in ("<", "<=", ">", ">="):
            for side, got in ((e.left, left), (e.right, right)):
                if not is_int(got) or isinstance(side, ast.NoneLit):
                    self.sink.error(
                        "FL300", f"'{op}' compares integers, but this is {_shown(side, got)}", side.span
                    )
            return BOOL
        if op in ("|", "&") or (op == "-" and isinstance(left, SetTy | EmptyCollTy)):
            joined = unify(left, right)
            if not isinstance(left, SetTy | EmptyCollTy | UnknownTy) or joined is None:
                self.sink.error(
                    "FL300", f"'{op}' combines two sets of one type, not {left} and {right}", e.op_span
                )
                return UNKNOWN
            return joined
        # + - * / %
        for side, got in ((e.left, left), (e.right, right)):
            if not is_int(got) or isinstance(side, ast.NoneLit):
                hint = " (sets are combined with |, & and -)" if isinstance(got, SetTy) and op == "+" else ""
                self.sink.error(
                    "FL300", f"'{op}' needs integers, but this is {_shown(side, got)}{hint}", side.span
                )
        return INT

    def range_expr(self, e: ast.RangeExpr, ctx: Context) -> Ty:
        self.int_operand(e.lo, ctx, "a range bound")
        self.int_operand(e.hi, ctx, "a range bound")
        return SetTy(INT)

    def quant_expr(self, e: ast.QuantExpr, ctx: Context) -> Ty:
        bound_type = self.domain(e.domain, ctx)
        inner = ctx.child()
        binding = self.bind(inner, e, e.var, e.var_span, "quant")
        inner.local_types[binding.site] = bound_type
        found_before = len(self.sink.found)
        got = self.expr(e.body, inner)
        if e.kind == "count" and len(self.sink.found) > found_before and self.swallowed_comparison(e.body):
            # `count a in S: p >= 2` parses as `count a in S: (p >= 2)`: one error that says so replaces
            # the type errors that reading leads to (a body that type-checks, `p != none`, is left alone).
            del self.sink.found[found_before:]
            self.report_swallowed(e)
            return BOOL
        self.require_assignable(got, BOOL, e.body.span, f"the body of '{e.kind}'")
        return INT if e.kind == "count" else BOOL

    def swallowed_comparison(self, body: ast.Expr) -> bool:
        """Whether a count's body is a comparison of a condition with a number: the comparison was meant
        for the count."""
        if not (isinstance(body, ast.BinaryExpr) and body.op in _COMPARISONS):
            return False
        return isinstance(self.table.of(body.left), BoolTy) and is_int(self.table.of(body.right))

    def report_swallowed(self, e: ast.QuantExpr) -> None:
        assert isinstance(e.body, ast.BinaryExpr)
        notes = ["a quantifier's body runs to the end of the expression"]
        if self.source is not None:
            s, op = e.span, e.body.op_span
            quantifier = self.source.between(s.line, s.column, op.line, op.column).rstrip()
            rest = self.source.between(op.line, op.column, s.end_line, s.end_column)
            notes.append(f"to compare the count, add parentheses: `({quantifier}) {rest}`")
        else:
            notes.append("to compare the count, put the quantifier in parentheses")
        self.sink.error(
            "FL305",
            f"'{e.body.op}' is read as part of the body of 'count', which makes the body a number",
            e.body.op_span,
            *notes,
        )

    def if_expr(self, e: ast.IfExpr, ctx: Context) -> Ty:
        self.expect(e.cond, ctx, BOOL, "the condition of an if-expression")
        then, else_ = self.expr(e.then, ctx), self.expr(e.else_, ctx)
        joined = unify(then, else_)
        if joined is None:
            self.sink.error("FL300", f"the branches of an if-expression differ: {then} and {else_}", e.span)
            return UNKNOWN
        return joined

    # ---- collections

    def tuple_lit(self, e: ast.TupleLit, ctx: Context) -> Ty:
        return TupleTy(tuple(self.expr(i, ctx) for i in e.items))

    def set_lit(self, e: ast.SetLit, ctx: Context) -> Ty:
        if not e.items:
            return EMPTY
        elem: Ty = UNKNOWN
        for item in e.items:
            got = self.expr(item, ctx)
            joined = unify(elem, got)
            if joined is None:
                self.sink.error(
                    "FL300", f"a set's elements must have one type; this is {got}, not {elem}", item.span
                )
            else:
                elem = joined
        return SetTy(elem)

    def map_lit(self, e: ast.MapLit, ctx: Context) -> Ty:
        key_t: Ty = UNKNOWN
        val_t: Ty = UNKNOWN
        for k, v in e.entries:
            kt, vt = self.expr(k, ctx), self.expr(v, ctx)
            jk, jv = unify(key_t, kt), unify(val_t, vt)
            if jk is None or jv is None:
                self.sink.error("FL300", "a map's keys must have one type, and so must its values", k.span)
            else:
                key_t, val_t = jk, jv
        return MapTy(key_t, val_t)

    def set_comp(self, e: ast.SetComp, ctx: Context) -> Ty:
        inner = self.comprehension(e, ctx)
        return SetTy(self.expr(e.elem, inner))

    def map_comp(self, e: ast.MapComp, ctx: Context) -> Ty:
        inner = self.comprehension(e, ctx)
        return MapTy(self.expr(e.key, inner), self.expr(e.value, inner))

    def comprehension(self, e: ast.SetComp | ast.MapComp, ctx: Context) -> Context:
        """The context of a comprehension's body: its variable bound, its condition checked."""
        elem_t = self.domain(e.domain, ctx)
        inner = ctx.child()
        binding = self.bind(inner, e, e.var, e.var_span, "comp")
        inner.local_types[binding.site] = elem_t
        if e.cond is not None:
            self.expect(e.cond, inner, BOOL, "the condition of a comprehension")
        return inner


ExprChecker.RULES = ast.dispatch(ExprChecker, ast.EXPRESSIONS)


# ---------------------------------------------------------------- the built-in functions


def _inflight(checker: _Checking, e: ast.CallExpr, ctx: Context) -> Ty:
    if ctx.kind != "property":
        checker.sink.error("FL207", "`inflight(…)` sees the network; only properties may use it", e.span)
    if len(e.args) != 1 or not isinstance(e.args[0], ast.NameExpr):
        checker.sink.error("FL301", "inflight takes one message name: `inflight(Grant)`", e.span)
        return UNKNOWN
    arg = e.args[0]
    if arg.name not in checker.scope.messages:
        checker.sink.error(
            "FL200",
            f"unknown message '{arg.name}'",
            arg.span,
            *did_you_mean(arg.name, list(checker.scope.messages)),
        )
        return UNKNOWN
    return SetTy(MsgTy(arg.name))


def _observer(checker: _Checking, e: ast.CallExpr, ctx: Context) -> Ty:
    """`crashed(n)`, `byzantine(n)`: what only an observer of the whole system knows."""
    arg_types = [checker.expr(a, ctx) for a in e.args]
    if ctx.kind != "property" and not (e.func == "byzantine" and ctx.kind == "handler"):
        checker.sink.error(
            "FL207", f"`{e.func}(…)` sees the system from outside; only properties may use it", e.span
        )
    if len(arg_types) != 1:
        checker.sink.error("FL301", f"{e.func} takes one node, not {len(arg_types)} arguments", e.span)
    elif not isinstance(arg_types[0], NodeTy | UnknownTy):
        checker.sink.error("FL300", f"{e.func} takes a node, not {arg_types[0]}", e.args[0].span)
    return BOOL


def _index(checker: _Checking, e: ast.CallExpr, ctx: Context) -> Ty:
    """`index(n)`: the instance number of node `n` within its type (0 for a singleton)."""
    arg_types = [checker.expr(a, ctx) for a in e.args]
    if len(arg_types) != 1:
        checker.sink.error("FL301", f"index takes one node, not {len(arg_types)} arguments", e.span)
        return INT
    got = strip_option(arg_types[0])
    if isinstance(got, UnknownTy):
        return INT
    if not isinstance(got, NodeTy) or got.node_type is None:
        what = "a node whose type is not known here" if isinstance(got, NodeTy) else str(got)
        checker.sink.error("FL300", f"index takes a node of one node type, not {what}", e.args[0].span)
        return INT
    decl = checker.scope.nodes[got.node_type].decl
    if decl.symmetric:
        checker.sink.error(
            "FL300",
            f"index of a node of the symmetric type {decl.name}",
            e.span,
            "the instances of a symmetric node type are interchangeable; index would tell them apart",
        )
    return INT


def _old(checker: _Checking, e: ast.CallExpr, ctx: Context) -> Ty:
    """`old(e)`: the value of `e` before the step, in an invariant, which is then checked on every step."""
    if ctx.kind != "property":
        checker.sink.error("FL207", "`old(…)` speaks of a step; only invariants may use it", e.span)
    elif ctx.temporal:
        checker.sink.error(
            "FL207", "`old(…)` speaks of a step; a liveness property speaks of the states of a run", e.span
        )
    elif ctx.in_old:
        checker.sink.error(
            "FL207", "`old(…)` inside `old(…)`: the state before the step has no step before it", e.span
        )
    if len(e.args) != 1:
        checker.sink.error("FL301", f"old takes one expression, not {len(e.args)} arguments", e.span)
        for arg in e.args:
            checker.expr(arg, ctx)
        return UNKNOWN
    return checker.expr(e.args[0], ctx.child(in_old=True))


def _size(checker: _Checking, e: ast.CallExpr, ctx: Context) -> Ty:
    """`len(s)` of a set or map, `keys(m)` of a map."""
    arg_types = [checker.expr(a, ctx) for a in e.args]
    if len(arg_types) != 1:
        checker.sink.error("FL301", f"{e.func} takes one argument, not {len(arg_types)}", e.span)
        return UNKNOWN
    got = arg_types[0]
    if e.func == "keys":
        if isinstance(got, MapTy):
            return SetTy(got.key)
        if not isinstance(got, UnknownTy | EmptyCollTy):
            checker.sink.error("FL300", f"keys takes a map, not {got}", e.args[0].span)
        return SetTy(UNKNOWN)
    if not isinstance(got, SetTy | MapTy | UnknownTy | EmptyCollTy):
        checker.sink.error("FL300", f"len takes a set or a map, not {got}", e.args[0].span)
    return INT


def _extreme(checker: _Checking, e: ast.CallExpr, ctx: Context) -> Ty:
    """`min`, `max`: of two or more integers, or of one non-empty set of integers."""
    arg_types = [checker.expr(a, ctx) for a in e.args]
    if len(arg_types) == 1:
        got = arg_types[0]
        if not (isinstance(got, SetTy) and is_int(got.elem)) and not isinstance(got, UnknownTy):
            checker.sink.error(
                "FL300", f"{e.func} of one argument takes a set of integers, not {got}", e.args[0].span
            )
        return INT
    if not arg_types:
        checker.sink.error("FL301", f"{e.func} needs at least one argument", e.span)
    for arg, got in zip(e.args, arg_types, strict=True):
        if not is_int(got):
            checker.sink.error("FL300", f"{e.func} takes integers, not {got}", arg.span)
    return INT


# Every name of BUILTIN_FUNCTIONS, and how a call of it is typed.
BUILTINS: dict[str, Callable[[_Checking, ast.CallExpr, Context], Ty]] = {
    "min": _extreme,
    "max": _extreme,
    "len": _size,
    "keys": _size,
    "crashed": _observer,
    "inflight": _inflight,
    "byzantine": _observer,
    "index": _index,
    "old": _old,
}


# ---------------------------------------------------------------- helpers

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


def _shown(expr: ast.Expr, got: Ty) -> str:
    """How an operand's type is named in a message: `none` never holds a value, so it is named itself."""
    return "none" if isinstance(expr, ast.NoneLit) else str(got)


def ghost_note(ghost: str) -> str:
    """Why reading `ghost` (as reads_ghost says it) is not allowed where it was read."""
    if "byzantine" in ghost:
        return "a correct node cannot tell which nodes are Byzantine; ghost code and properties can"
    if "now" in ghost:
        return "nodes never read real time; they read their own clocks: `clock`, `mono`, `tt.earliest`, `tt.latest`"
    return "ghost variables are bookkeeping for properties and must not change behaviour"


def _walk(expr: ast.Expr) -> list[ast.Expr]:
    """Every sub-expression of `expr`, itself included."""
    out: list[ast.Expr] = []
    stack: list[ast.Expr] = [expr]
    while stack:
        e = stack.pop()
        out.append(e)
        stack.extend(ast.children(e))
    return out
