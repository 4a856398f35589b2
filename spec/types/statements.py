"""The statements of a handler's body: what each may assign, send, arm and bind, and that ghost state
never steers behaviour. One method per statement class, found through a table built once."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from spec import ast
from spec.names import did_you_mean
from spec.types.expressions import ExprChecker, ghost_note
from spec.types.table import Context
from spec.types.terms import BOOL, INT, UNKNOWN, MapTy, NodeTy, SetTy, Ty, UnknownTy, is_int, strip_option

# Statements that are steps of their own (they send, arm, choose or abandon): a branch that depends on a
# ghost variable may not take them.
_BEHAVIOUR = (
    ast.SendStmt
    | ast.BroadcastStmt
    | ast.RelayStmt
    | ast.SetTimerStmt
    | ast.CancelTimerStmt
    | ast.ChooseStmt
    | ast.RejectStmt
)
_GHOST_NOTE = "ghost variables are bookkeeping for properties and must not change behaviour"


class StmtChecker:
    """Checks statements, with `exprs` for the expressions inside them."""

    RULES: ClassVar[dict[type, Callable[..., None]]]  # statement class -> its method

    def __init__(self, exprs: ExprChecker) -> None:
        self.exprs = exprs
        self.scope = exprs.scope
        self.sink = exprs.sink
        self.table = exprs.table

    def block(self, block: ast.Block, ctx: Context) -> None:
        inner = ctx.child()
        for stmt in block.stmts:
            self.stmt(stmt, inner)

    def stmt(self, stmt: ast.Stmt, ctx: Context) -> None:
        if ctx.ghost and isinstance(stmt, _BEHAVIOUR):
            self.sink.error(
                "FL206",
                "this step depends on a ghost variable, so it may only update ghost variables",
                stmt.span,
                _GHOST_NOTE,
            )
        self.RULES[type(stmt)](self, stmt, ctx)

    # ---- state

    def assign_stmt(self, stmt: ast.AssignStmt, ctx: Context) -> None:
        node = ctx.node
        assert node is not None
        target = stmt.target
        var = node.vars.get(target.name)
        if var is None:
            self.unassignable(target, ctx)
            for index in target.indices:
                self.exprs.expr(index, ctx)
            self.exprs.expr(stmt.value, ctx)
            return
        slot_type = self.slot_type(target, self.table.declared.get(var.type.id, UNKNOWN), ctx)
        value = self.exprs.expr(stmt.value, ctx)
        if stmt.op != "=":
            if isinstance(slot_type, SetTy):
                self.exprs.require_assignable(value, slot_type, stmt.value.span, f"'{stmt.op}' on a set")
            elif not is_int(slot_type):
                self.sink.error(
                    "FL300",
                    f"'{stmt.op}' needs an integer or a set, but '{target.name}' is {slot_type}",
                    stmt.span,
                )
            elif not is_int(value):
                self.sink.error(
                    "FL300",
                    f"'{stmt.op}' on '{target.name}' needs an integer, but this is {value}",
                    stmt.value.span,
                )
        else:
            self.exprs.require_assignable(value, slot_type, stmt.value.span, f"'{target.name}'")
        if var.kind != "ghost":
            self.no_ghost_in(stmt, ctx)

    def unassignable(self, target: ast.LValue, ctx: Context) -> None:
        """Why `target` (not a variable of this node) cannot be assigned."""
        node = ctx.node
        assert node is not None
        if target.name in ctx.locals:
            kind = ctx.locals[target.name].kind
            what = {
                "param": "a message field",
                "sender": "the sender",
                "signer": "the signer",
                "let": "a `let` binding",
            }.get(kind, "a loop variable")
            self.sink.error(
                "FL302", f"cannot assign to '{target.name}': it is {what}, not a variable", target.name_span
            )
        elif target.name in self.scope.consts:
            self.sink.error("FL302", f"cannot assign to constant '{target.name}'", target.name_span)
        elif any(target.name in other.vars for other in self.scope.nodes.values()):
            self.sink.error(
                "FL202",
                f"node {node.decl.name} has no variable '{target.name}'; another node's state can only "
                "be changed by sending it a message",
                target.name_span,
            )
        else:
            self.sink.error(
                "FL200",
                f"unknown variable '{target.name}'",
                target.name_span,
                *did_you_mean(target.name, list(node.vars)),
            )

    def slot_type(self, target: ast.LValue, declared: Ty, ctx: Context) -> Ty:
        """The type of what `x[k1][k2]…` names in a variable of type `declared`."""
        slot_type = declared
        for index in target.indices:
            key = self.exprs.expr(index, ctx)
            if isinstance(slot_type, MapTy):
                self.exprs.require_assignable(key, slot_type.key, index.span, "the key")
                slot_type = slot_type.value
            elif not isinstance(slot_type, UnknownTy):
                self.sink.error(
                    "FL300",
                    f"'{target.name}' is {slot_type}; only a map can be indexed in an assignment",
                    index.span,
                )
                slot_type = UNKNOWN
        return slot_type

    def no_ghost_in(self, stmt: ast.AssignStmt, ctx: Context) -> None:
        """An assignment to a variable that is not ghost may not depend on ghost state."""
        target = stmt.target
        if ctx.ghost:
            self.sink.error(
                "FL206",
                f"'{target.name}' is not a ghost variable, but this assignment depends on one",
                stmt.span,
                _GHOST_NOTE,
            )
            return
        reads = self.exprs.reads_ghost
        ghost = reads(stmt.value) or next((g for g in (reads(i) for i in target.indices) if g), None)
        if ghost:
            self.sink.error(
                "FL206",
                f"'{target.name}' is not a ghost variable, but its new value reads {ghost}",
                stmt.value.span,
                ghost_note(ghost),
            )

    def let_stmt(self, stmt: ast.LetStmt, ctx: Context) -> None:
        value = self.exprs.expr(stmt.value, ctx)
        binding = self.exprs.bind(ctx, stmt, stmt.name, stmt.name_span, "let")
        binding.ghost = bool(self.exprs.reads_ghost(stmt.value))
        ctx.local_types[binding.site] = value

    # ---- control

    def if_stmt(self, stmt: ast.IfStmt, ctx: Context) -> None:
        self.exprs.expect(stmt.cond, ctx, BOOL, "an `if` condition")
        branch_ctx = ctx.child(ghost=ctx.ghost or bool(self.exprs.reads_ghost(stmt.cond)))
        self.block(stmt.then, branch_ctx)
        if isinstance(stmt.else_, ast.IfStmt):
            self.stmt(stmt.else_, branch_ctx)
        elif stmt.else_ is not None:
            self.block(stmt.else_, branch_ctx)

    def for_stmt(self, stmt: ast.ForStmt | ast.ChooseStmt, ctx: Context) -> None:
        elem = self.exprs.domain(stmt.domain, ctx)
        inner = ctx.child(ghost=ctx.ghost or bool(self.exprs.reads_ghost(stmt.domain)))
        kind = "for" if isinstance(stmt, ast.ForStmt) else "choose"
        binding = self.exprs.bind(inner, stmt, stmt.var, stmt.var_span, kind)
        inner.local_types[binding.site] = elem
        self.block(stmt.body, inner)

    choose_stmt = for_stmt

    def assert_stmt(self, stmt: ast.AssertStmt, ctx: Context) -> None:
        self.exprs.expect(stmt.cond, ctx, BOOL, "an assertion")

    def skip_stmt(self, stmt: ast.SkipStmt, ctx: Context) -> None:
        pass

    reject_stmt = skip_stmt

    # ---- messages and timers

    def send_stmt(self, stmt: ast.SendStmt | ast.BroadcastStmt, ctx: Context) -> None:
        self.message_ctor(stmt.message, ctx)
        dest = self.exprs.expr(stmt.to, ctx)
        if isinstance(stmt, ast.SendStmt):
            ok = isinstance(strip_option(dest), NodeTy | UnknownTy)
            wanted = "a node"
        else:
            ok = isinstance(dest, NodeTy | UnknownTy) or (
                isinstance(dest, SetTy) and isinstance(dest.elem, NodeTy | UnknownTy)
            )
            wanted = "a node type or a set of nodes"
        if not ok:
            self.sink.error("FL300", f"the destination must be {wanted}, not {dest}", stmt.to.span)
        self.addressed_plainly(stmt.to)

    broadcast_stmt = send_stmt

    def relay_stmt(self, stmt: ast.RelayStmt, ctx: Context) -> None:
        """`relay to n`: only a handler of a signed message has one to pass on."""
        message = self.scope.messages.get(ctx.message) if ctx.message is not None else None
        if message is None or not message.signed:
            what = (
                f"message {message.name} is not signed"
                if message is not None
                else "this is not a message handler"
            )
            self.sink.error(
                "FL301",
                f"`relay` passes on the signed message being handled, but {what}",
                stmt.span,
                "to send a message of your own, use `send`",
            )
        dest = self.exprs.expr(stmt.to, ctx)
        if not isinstance(strip_option(dest), NodeTy | UnknownTy):
            self.sink.error("FL300", f"the destination must be a node, not {dest}", stmt.to.span)
        self.addressed_plainly(stmt.to)

    def addressed_plainly(self, to: ast.Expr) -> None:
        """Where a message goes may not depend on ghost state."""
        ghost = self.exprs.reads_ghost(to)
        if ghost:
            self.sink.error("FL206", f"a message may not be addressed by {ghost}", to.span, ghost_note(ghost))

    def message_ctor(self, ctor: ast.MessageCtor, ctx: Context) -> None:
        message = self.scope.messages.get(ctor.name)
        arg_types = [self.exprs.expr(a, ctx) for a in ctor.args]
        if message is None:
            self.sink.error(
                "FL200",
                f"unknown message '{ctor.name}'",
                ctor.name_span,
                *did_you_mean(ctor.name, list(self.scope.messages)),
            )
            return
        if len(ctor.args) != len(message.fields):
            fields = ", ".join(f"{f.name}" for f in message.fields)
            self.sink.error(
                "FL301",
                f"{message.name} takes {len(message.fields)} argument{'' if len(message.fields) == 1 else 's'}, "
                f"not {len(ctor.args)}",
                ctor.span,
                f"declared as `message {message.name}{f'({fields})' if fields else ''}`",
            )
            return
        for arg, got, fld in zip(ctor.args, arg_types, message.fields, strict=True):
            want = self.table.declared.get(fld.type.id, UNKNOWN)
            self.exprs.require_assignable(got, want, arg.span, f"field '{fld.name}' of {message.name}")
            ghost = self.exprs.reads_ghost(arg)
            if ghost:
                self.sink.error("FL206", f"a message may not carry {ghost}", arg.span, ghost_note(ghost))

    def set_timer_stmt(self, stmt: ast.SetTimerStmt | ast.CancelTimerStmt, ctx: Context) -> None:
        node = ctx.node
        assert node is not None
        if stmt.timer not in node.timers:
            self.sink.error(
                "FL204",
                f"node {node.decl.name} has no timer '{stmt.timer}'",
                stmt.timer_span,
                f"a timer exists when the node handles it: `on timeout {stmt.timer} {{ … }}`",
                *did_you_mean(stmt.timer, list(node.timers)),
            )
        if isinstance(stmt, ast.SetTimerStmt) and stmt.after is not None:
            self.exprs.expect(stmt.after, ctx, INT, "a timer duration")

    cancel_timer_stmt = set_timer_stmt


StmtChecker.RULES = ast.dispatch(StmtChecker, ast.STATEMENTS)
