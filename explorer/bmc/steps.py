"""The steps of DESIGN's semantics as symbolic actions: for a symbolic state, every action with the
condition under which it may be taken and the state it leads to (explorer.bmc.encode.Outcome), and the
initial states. Mirrors explorer/semantics/ rule by rule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import z3

from explorer.bmc import symbolic as S
from explorer.bmc.encode import (
    Encoder,
    Local,
    Outcome,
    Slot,
    State,
    _invalidate_if,
)
from explorer.bmc.symbolic import FALSE, TRUE
from explorer.compile import NO_RUNTIME_ERRORS
from explorer.state import (
    BYZANTINE,
    CRASHED,
    CRASHES,
    CUT,
    DOWN,
    DUPLICATE,
    LOSS,
    NTP,
    PARTITIONS,
    PAUSED,
    UP,
)
from spec import ir


def actions(enc: Encoder, state: State, step: int, base: list[int]) -> list[Outcome]:
    """Every action from `state` (whose pools already hold this step's empty slots, from `base` on)."""
    out: list[Outcome] = []
    out += _local_steps(enc, state, base)
    out += _deliveries(enc, state, step, base)
    out += _injections(enc, state, step, base)
    out += _network_faults(enc, state, step, base)
    out += _node_faults(enc, state, base)
    if enc.timed:
        out += _time_steps(enc, state, step)
    return out


def _handler_outcome(
    enc: Encoder,
    state: State,
    base: list[int],
    i: int,
    handler: ir.Handler,
    local: Local,
    label: str,
    pre: Any,
    params: tuple[Any, ...] = (),
    sender: Any = None,
) -> Outcome:
    _, new_local, sends, errors, requires, ok = enc.run_handler(state, i, handler, local, params, sender)
    after = enc.append_sends(enc.with_local(state, i, new_local), sends, base)
    return Outcome(
        label,
        z3.And(pre, ok),
        after,
        {p: z3.And(pre, c) for p, c in errors.items()},
        requires,
    )


def _local_steps(enc: Encoder, state: State, base: list[int]) -> list[Outcome]:
    out = []
    for i, nt in enumerate(enc.types):
        local = state.locals[i]
        up = local.status == UP
        for h in nt.handlers:
            if h.kind == "action":
                out.append(_handler_outcome(enc, state, base, i, h, local, f"{i} act {h.name}", up))
            elif h.kind == "timeout":
                assert h.timer is not None
                t = h.timer
                due = (
                    local.armed[t]
                    if not enc.timed
                    else z3.And(local.armed[t], local.deadline[t] <= local.mono)
                )
                cleared = replace(local, armed=[FALSE if k == t else a for k, a in enumerate(local.armed)])
                out.append(
                    _handler_outcome(enc, state, base, i, h, cleared, f"{i} fire {h.name}", z3.And(up, due))
                )
    return out


def _deliveries(enc: Encoder, state: State, step: int, base: list[int]) -> list[Outcome]:
    """One action per receiver, message type and sender: deliver one of the messages on that link."""
    out = []
    for r, nt in enumerate(enc.types):
        local = state.locals[r]
        for message_name, h in enc.handled[nt.name].items():
            m = enc.message_index[message_name]
            for p in enc.pools_to.get((m, r), []):
                pool = state.pools[p]
                if not pool or all(z3.is_false(s.valid) for s in pool):
                    continue
                src = enc.pool_keys[p].src
                j = z3.Int(enc.fresh_name(f"deliver{src}>{r}.{message_name}@{step}"))
                enc.choices.append(j)
                slot = enc.select_slot(pool, j)
                pre = z3.And(
                    j >= 0, j < len(pool), slot.valid, local.status == UP, z3.Not(enc.link_cut(state, src, r))
                )
                if enc.ordering == "fifo":
                    heads = enc.heads(state, p)
                    pre = z3.And(pre, z3.Or(*[z3.And(j == k, head) for k, head in enumerate(heads)]))
                consumed = state
                if enc.consumes or enc.timed:
                    pools = list(state.pools)
                    pools[p] = enc.consume(pool, j) if enc.consumes else _mark_delivered(enc, pool, slot)
                    consumed = replace(state, pools=pools)
                out.append(
                    _handler_outcome(
                        enc,
                        consumed,
                        base,
                        r,
                        h,
                        local,
                        f"{r} receive {message_name} from {src}",
                        pre,
                        slot.args,
                        z3.IntVal(src),
                    )
                )
    return out


def _injections(enc: Encoder, state: State, step: int, base: list[int]) -> list[Outcome]:
    """A Byzantine node's messages: anything its receiver handles, delivered at once (signed ones signed by
    the liar itself, or relayed unchanged from a message in flight to the liar)."""
    if not enc.byzantine:
        return []
    liars = sorted({i for b in enc.byzantine for i in enc.system.node_type(b.node_type).instances})
    out = []
    for b in liars:
        for r, nt in enumerate(enc.types):
            if r == b:
                continue
            for message_name, h in enc.handled[nt.name].items():
                m = enc.message_index[message_name]
                message = enc.messages[m]
                pre = z3.And(
                    state.locals[b].status == BYZANTINE,
                    state.locals[r].status == UP,
                    z3.Not(enc.link_cut(state, b, r)),
                )
                if message.signed:
                    # relay a signed message of this type in flight to the liar: one action per link
                    for p in enc.pools_to.get((m, b), []):
                        pool = state.pools[p]
                        if not pool:
                            continue
                        j = z3.Int(enc.fresh_name(f"relay{b}.{r}.{message_name}.{p}@{step}"))
                        enc.choices.append(j)
                        slot = enc.select_slot(pool, j)
                        relay_pre = z3.And(pre, j >= 0, j < len(pool), slot.valid)
                        out.append(
                            _handler_outcome(
                                enc,
                                state,
                                base,
                                r,
                                h,
                                state.locals[r],
                                f"{b} relays {message_name} to {r}",
                                relay_pre,
                                slot.args,
                                z3.IntVal(b),
                            )
                        )
                own = message.fields[:-1] if message.signed else message.fields  # a liar signs as itself
                args = tuple(S.fresh(enc.fresh_name(f"inject{b}.{r}.{f.name}@{step}"), f.type) for f in own)
                for a in args:
                    enc.choices.extend(S.leaves_of(a))
                pre = z3.And(pre, *[S.contains(a, f.type) for a, f in zip(args, own, strict=True)])
                if message.signed:
                    args = (*args, z3.IntVal(b))
                out.append(
                    _handler_outcome(
                        enc,
                        state,
                        base,
                        r,
                        h,
                        state.locals[r],
                        f"{b} inject {message_name} to {r}",
                        pre,
                        args,
                        z3.IntVal(b),
                    )
                )
    return out


def _spend(spent: list[Any], index: int) -> list[Any]:
    out = list(spent)
    out[index] = spent[index] + 1
    return out


def _network_faults(enc: Encoder, state: State, step: int, base: list[int]) -> list[Outcome]:
    out = []
    network = enc.model.network
    for p, pool in enumerate(state.pools):
        if not pool or all(z3.is_false(s.valid) for s in pool):
            continue
        key = enc.pool_keys[p]
        name = f"{enc.messages[key.message].name} {key.src}>{key.dst}"
        if network.lossy:
            j = z3.Int(enc.fresh_name(f"drop.{p}@{step}"))
            enc.choices.append(j)
            slot = enc.select_slot(pool, j)
            budget = TRUE if network.unbounded_loss else state.spent[LOSS] < network.loss
            pre = z3.And(budget, j >= 0, j < len(pool), slot.valid)
            if enc.consumes or enc.universe:
                new_pool = (
                    enc.consume(pool, j)
                    if enc.consumes
                    else [_invalidate_if(x, j == k) for k, x in enumerate(pool)]
                )
            else:  # a set: the message goes, whichever copies of it the pool holds
                new_pool = [_invalidate_if(x, _same_message(x, slot)) for x in pool]
            pools = list(state.pools)
            pools[p] = new_pool
            spent = list(state.spent) if network.unbounded_loss else _spend(state.spent, LOSS)
            out.append(Outcome(f"drop {name}", pre, replace(state, pools=pools, spent=spent)))
        if network.duplicate and enc.consumes:
            j = z3.Int(enc.fresh_name(f"dup.{p}@{step}"))
            enc.choices.append(j)
            slot = enc.select_slot(pool, j)
            pools = list(state.pools)
            pools[p] = enc.duplicate(pool, j, slot, base[p])
            pre = z3.And(state.spent[DUPLICATE] < network.duplicate, j >= 0, j < base[p], slot.valid)
            out.append(
                Outcome(
                    f"duplicate {name}",
                    pre,
                    replace(state, pools=pools, spent=_spend(state.spent, DUPLICATE)),
                )
            )
    if len(enc.cuts) > 1:
        c = z3.Int(enc.fresh_name(f"cut@{step}"))
        enc.choices.append(c)
        spent = _spend(state.spent, PARTITIONS)
        spent[CUT] = c
        pre = z3.And(
            state.spent[CUT] == 0, state.spent[PARTITIONS] < network.partition, c >= 1, c < len(enc.cuts)
        )
        out.append(Outcome("partition", pre, replace(state, spent=spent)))
        healed = list(state.spent)
        healed[CUT] = z3.IntVal(0)
        out.append(Outcome("heal", state.spent[CUT] != 0, replace(state, spent=healed)))
    return out


def _mark_delivered(enc: Encoder, pool: list[Slot], slot: Slot) -> list[Slot]:
    """A set network under time after delivering `slot`'s message: every copy of it (the same fields, sent at
    the same time) is marked delivered, so that its delay bound no longer holds time back."""
    delivered = z3.IntVal(enc.horizon + 1)
    return [
        x if z3.is_false(x.valid) else replace(x, sent_at=z3.If(_same_message(x, slot), delivered, x.sent_at))
        for x in pool
    ]


def _same_message(a: Slot, b: Slot) -> Any:
    return z3.And(a.sent_at == b.sent_at, *[S.eq(x, y) for x, y in zip(a.args, b.args, strict=True)])


def _node_faults(enc: Encoder, state: State, base: list[int]) -> list[Outcome]:
    out = []
    for b, budget in enumerate(enc.crash_budgets):
        new_status = CRASHED if budget.kind == "crash_stop" else DOWN
        for i in enc.system.node_type(budget.node_type).instances:
            local = state.locals[i]
            crashed = replace(local, status=z3.IntVal(new_status), armed=[FALSE] * len(local.armed))
            pre = z3.And(state.spent[CRASHES + b] < budget.bound, local.status == UP)
            after = enc.with_local(replace(state, spent=_spend(state.spent, CRASHES + b)), i, crashed)
            out.append(Outcome(f"crash {i}", pre, after))
    if any(f.kind == "crash_recovery" for f in enc.crash_budgets):
        for i, nt in enumerate(enc.types):
            if not any(f.kind == "crash_recovery" and f.node_type == nt.name for f in enc.crash_budgets):
                continue
            local = state.locals[i]
            kept = [
                value
                if var.kind in ("durable", "ghost")
                else S.var_value(enc.initial_vars[i][var.slot], var.type)
                for var, value in zip(nt.vars, local.vars, strict=True)
            ]
            fresh = replace(
                local,
                status=z3.IntVal(UP),
                armed=[FALSE] * len(local.armed),
                paused_since=z3.IntVal(-1),
                vars=[S.coerce(v, var.type) for v, var in zip(kept, nt.vars, strict=True)],
            )
            pre = local.status == DOWN
            recover = nt.handler("recover")
            if recover is None:
                out.append(Outcome(f"recover {i}", pre, enc.with_local(state, i, fresh)))
            else:
                out.append(_handler_outcome(enc, state, base, i, recover, fresh, f"recover {i}", pre))
    for i in sorted(enc.pause_bound):
        local = state.locals[i]
        paused = replace(local, status=z3.IntVal(PAUSED), paused_since=state.now)
        out.append(
            Outcome(
                f"pause {i}",
                z3.And(local.status == UP, local.paused_since < 0),
                enc.with_local(state, i, paused),
            )
        )
        resumed = replace(local, status=z3.IntVal(UP), paused_since=state.now)
        out.append(Outcome(f"resume {i}", local.status == PAUSED, enc.with_local(state, i, resumed)))
    return out


def _time_steps(enc: Encoder, state: State, step: int) -> list[Outcome]:
    out = []
    model = enc.model
    skew = enc.skew
    now, gst_at = state.now, state.gst_at
    if model.timing == "partially_synchronous":
        out.append(Outcome("gst", gst_at < 0, replace(state, gst_at=now)))
    ntp = model.clocks.ntp
    if ntp:
        for i in range(enc.n):
            local = state.locals[i]
            v = z3.Int(enc.fresh_name(f"ntp{i}@{step}"))
            enc.choices.append(v)
            pre = z3.And(
                local.status != CRASHED,
                local.status != DOWN,
                v >= now - skew,
                v <= now + skew,
                v != local.clock,
            )
            spent = state.spent
            if ntp > 0:
                pre = z3.And(pre, state.spent[NTP] < ntp)
                spent = _spend(state.spent, NTP)
            out.append(
                Outcome(
                    f"ntp {i}", pre, enc.with_local(replace(state, spent=spent), i, replace(local, clock=v))
                )
            )
    # tick
    bounded = gst_at >= 0
    waiting = []  # what time must wait for (where the bounds hold)
    delay = model.delay or 0
    for i, nt in enumerate(enc.types):
        local = state.locals[i]
        for timeout in nt.handlers:
            if timeout.kind == "timeout":
                assert timeout.timer is not None
                t = timeout.timer
                cleared = replace(local, armed=[FALSE if k == t else a for k, a in enumerate(local.armed)])
                due = z3.And(local.status == UP, local.armed[t], local.deadline[t] <= local.mono)
                waiting.append(z3.And(due, enc.enabled(state, i, timeout, cleared, (), None)))
        if i in enc.pause_bound:
            bound = enc.pause_bound[i]
            since = z3.If(local.paused_since > gst_at, local.paused_since, gst_at)
            waiting.append(z3.And(local.status == PAUSED, now - since >= bound))
    for p, pool in enumerate(state.pools):
        key = enc.pool_keys[p]
        h = enc.handled[enc.types[key.dst].name].get(enc.messages[key.message].name)
        if h is None:
            continue
        receiver = state.locals[key.dst]
        heads = enc.heads(state, p) if enc.ordering == "fifo" else None
        cut = enc.link_cut(state, key.src, key.dst)
        for k, slot in enumerate(pool):
            if z3.is_false(slot.valid):
                continue
            since = z3.If(slot.sent_at > gst_at, slot.sent_at, gst_at)
            deliverable = z3.And(slot.valid, now - since >= delay, receiver.status == UP, z3.Not(cut))
            if heads is not None:
                deliverable = z3.And(deliverable, heads[k])
            waiting.append(
                z3.And(deliverable, enc.enabled(state, key.dst, h, receiver, slot.args, z3.IntVal(key.src)))
            )
    pre = z3.And(now < enc.horizon, z3.Not(z3.And(bounded, z3.Or(*waiting))) if waiting else TRUE)
    if model.timing == "partially_synchronous" and model.gst is not None:
        pre = z3.And(pre, z3.Or(gst_at >= 0, now < model.gst))
    later = now + 1
    locals_ = []
    constraints = []
    for i, local in enumerate(state.locals):
        if model.clocks.drift:
            d = z3.Int(enc.fresh_name(f"drift{i}@{step}"))
            enc.choices.append(d)
            running = z3.Or(local.status == UP, local.status == PAUSED)
            constraints.append(z3.If(running, z3.And(d >= 0, d <= 2), d == 1))
            clock, mono = local.clock + d, local.mono + d
            constraints += [
                clock - later <= skew,
                later - clock <= skew,
                mono - later <= skew,
                later - mono <= skew,
            ]
        else:
            clock, mono = local.clock + 1, local.mono + 1
        mark = z3.If(local.status == PAUSED, local.paused_since, -1)
        locals_.append(replace(local, clock=clock, mono=mono, paused_since=mark))
    out.append(Outcome("tick", z3.And(pre, *constraints), replace(state, locals=locals_, now=later)))
    return out


# ---------------------------------------------------------------- initial states


def initial(enc: Encoder) -> tuple[State, list[Any], list[Any], dict[str, Any]]:
    """An initial state as terms over the adversary's and the start handlers' choices: (the state, the
    constraints on those choices, the condition that every start handler ran without failing, and the
    start failures by property). As in the explorer, a combination of starts fails with the property of
    its first failing instance."""
    masks = enc.plan.byzantine_masks
    choice = z3.Int(enc.fresh_name("byzantine@0"))
    enc.choices.append(choice)
    constraints: list[Any] = [choice >= 0, choice < len(masks)]
    started_ok: list[Any] = []
    errors: dict[str, Any] = {}
    is_byzantine = [
        z3.Or(*[choice == k for k, mask in enumerate(masks) if mask >> i & 1]) for i in range(enc.n)
    ]
    start, base = enc.extend(_start_state(enc), enc.start_sites)
    locals_ = []
    sends_all = []
    failures: list[tuple[str, Any]] = []
    produced: list[Any] = []  # each instance's start took a path that is not rejected (or it lies)
    for i, nt in enumerate(enc.types):
        liar = is_byzantine[i]
        offset = z3.Int(enc.fresh_name(f"offset{i}"))
        enc.choices.append(offset)
        constraints.append(z3.Implies(z3.Not(liar), z3.And(offset >= -enc.skew, offset <= enc.skew)))
        start_local = replace(start.locals[i], clock=offset, mono=offset)
        handler = nt.handler("start")
        if handler is None:
            started = start_local
        else:
            produces, started, sends, handler_errors, requires, ok = enc.run_handler(
                start, i, handler, start_local
            )
            constraints.append(z3.Implies(z3.Not(liar), z3.And(*requires)))
            earlier_ok = list(started_ok)
            failures += [
                (prop, z3.And(z3.Not(liar), cond, *earlier_ok)) for prop, cond in handler_errors.items()
            ]
            started_ok.append(z3.Or(liar, ok))
            produced.append(z3.Or(liar, produces))
            sends_all += [(z3.And(z3.Not(liar), c), src, dst, m, args) for c, src, dst, m, args in sends]
        byzantine_local = replace(start.locals[i], status=z3.IntVal(BYZANTINE))
        locals_.append(_ite_local(liar, byzantine_local, started))
    # A combination of starts exists only if no start rejects it: a failure beside a rejected start is none.
    for prop, failed in failures:
        errors[prop] = z3.Or(errors.get(prop, FALSE), z3.And(failed, *produced))
    state = enc.append_sends(replace(start, locals=locals_), sends_all, base)
    psync_open = enc.model.timing == "partially_synchronous" and enc.model.gst != 0
    state = replace(state, gst_at=z3.IntVal(-1 if psync_open else 0))
    return state, constraints, started_ok, errors


def _ite_local(c: Any, a: Local, b: Local) -> Local:
    return Local(
        z3.If(c, a.status, b.status),
        [z3.If(c, x, y) for x, y in zip(a.armed, b.armed, strict=True)],
        [z3.If(c, x, y) for x, y in zip(a.deadline, b.deadline, strict=True)],
        z3.If(c, a.clock, b.clock),
        z3.If(c, a.mono, b.mono),
        z3.If(c, a.paused_since, b.paused_since),
        [S.ite(c, x, y) for x, y in zip(a.vars, b.vars, strict=True)],
    )


def _start_state(enc: Encoder) -> State:
    """The state before any start handler: initial variables, nothing armed, an empty network."""
    locals_ = []
    for i, nt in enumerate(enc.types):
        locals_.append(
            Local(
                z3.IntVal(UP),
                [FALSE] * len(nt.timers),
                [z3.IntVal(0)] * len(nt.timers),
                z3.IntVal(0),
                z3.IntVal(0),
                z3.IntVal(-1),
                [S.var_value(v, var.type) for v, var in zip(enc.initial_vars[i], nt.vars, strict=True)],
            )
        )
    spent = [z3.IntVal(0)] * enc.plan.spent_size
    return State(locals_, [[] for _ in enc.pool_keys], spent, z3.IntVal(0), z3.IntVal(0))


__all__ = ["NO_RUNTIME_ERRORS", "actions", "initial"]
