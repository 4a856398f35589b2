"""Byzantine nodes (`faults { byzantine <= f of T }`).

A Byzantine node ignores its handlers. Instead, at any step, any correct node may receive from it any
message that the receiver handles, with any field values from their finite domains: the message is
delivered at once and costs no state (it is never in flight). It may tell different nodes different
things (equivocation). Channels are authenticated, so it cannot forge `from`, and a partition cuts it off
like anyone. A `signed` message carries its signer (its last field): a Byzantine node holds its own key,
so it may sign anything as itself — two different signed messages to two receivers included — and it may
relay, unchanged, a signed message of anyone else that was sent to it (one in flight to it: Byzantine
nodes never consume what they are sent); it can never produce a message signed by a correct node.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from explorer.compile import SpecRuntimeError
from explorer.model import Action, State
from explorer.state import BYZANTINE, UP
from explorer.values import ordered
from spec import ir

if TYPE_CHECKING:
    from explorer.semantics.system import SystemModel

CUT = 3  # position of the current partition in the faults tuple (explorer.semantics.system)


def byzantine_masks(system: ir.System) -> list[int]:
    """The sets of Byzantine nodes the adversary may pick, as bit masks: up to f of each type with a
    byzantine budget; for a symmetric type one set per size, since which ones does not matter. Both back
    ends start from these."""
    per_budget: list[list[frozenset[int]]] = []
    for budget in system.model.faults:
        if budget.kind != "byzantine" or budget.bound <= 0:
            continue
        nt = system.node_type(budget.node_type)
        instances = list(nt.instances)
        most = min(budget.bound, len(instances))
        if nt.symmetric:
            options = [frozenset(instances[len(instances) - k :]) for k in range(most + 1)]
        else:
            options = [frozenset(c) for k in range(most + 1) for c in itertools.combinations(instances, k)]
        per_budget.append(options)
    masks: list[int] = []
    for combo in itertools.product(*per_budget):
        mask = 0
        for i in frozenset().union(*combo):
            mask |= 1 << i
        if mask not in masks:
            masks.append(mask)
    return masks


def message_domains(
    model: SystemModel,
) -> tuple[dict[str, list[tuple[int, list[tuple[Any, ...]]]]], dict[str, list[int]]]:
    """For each node type, the messages it handles with every combination of field values a Byzantine node
    may invent for it (a signed message's without its signer: the liar signs as itself), and the signed
    messages it handles (which a liar may also relay from others)."""
    injectable: dict[str, list[tuple[int, list[tuple[Any, ...]]]]] = {}
    relayable: dict[str, list[int]] = {}
    if not model.byzantine_types:
        return injectable, relayable
    messages = {m.name: m for m in model.system.messages}
    for nt in model.system.node_types:
        injectable[nt.name] = []
        relayable[nt.name] = []
        for h in nt.handlers:
            if h.kind != "receive" or h.message is None:
                continue
            message = messages[h.message]
            own = message.fields[:-1] if message.signed else message.fields
            values = list(itertools.product(*(list(f.type.values()) for f in own)))
            injectable[nt.name].append((message.index, values))
            if message.signed:
                relayable[nt.name].append(message.index)
    return injectable, relayable


def injections(
    model: SystemModel,
    state: State,
    out: list[tuple[Action, State]],
    fails: list[tuple[Action, SpecRuntimeError]],
    env: Any,
) -> None:
    n = model.n
    status = model.locals.status
    liars = [b for b in range(n) if status[state[b]] == BYZANTINE]
    if not liars:
        return
    net = state[n]
    now = state[n + 2][0]
    spent = state[n + 1]
    cut = model.cuts[spent[CUT]] if spent[CUT] else None
    msgs = model.msgs
    signed = [m.signed for m in model.system.messages]
    cache = model.delivery_cache
    for b in liars:
        received: dict[int, set[tuple[Any, ...]]] = {}
        for _, (_, dst, message, args) in model.in_flight(state):
            if dst == b and signed[message]:
                received.setdefault(message, set()).add(args)
        for r in range(n):
            lid = state[r]
            if r == b or status[lid] != UP or (cut is not None and b * n + r in cut):
                continue
            node_type = model.instance_type[r].name
            choices: list[tuple[int, Any]] = [
                (message, (*args, b) if signed[message] else args)
                for message, values in model.injectable[node_type] for args in values
            ]
            for message in model.relayable[node_type]:  # signed by others (its own are invented above)
                choices.extend((message, args) for args in ordered(received.get(message, ())) if args[-1] != b)
            for message, args in choices:
                mid = msgs.intern(b, r, message, args)
                key = (lid, mid) if env is None else (lid, mid, env)
                entries = cache.get(key)
                if entries is None:
                    entries = model._delivery(key)
                for label, outcome in entries:
                    action = ("inject", mid, label[2])
                    if isinstance(outcome, SpecRuntimeError):
                        fails.append((action, outcome))
                        continue
                    new_lid, sends = outcome
                    s = list(state)
                    s[r] = new_lid
                    if sends:
                        s[n] = model.order.add(net, model.stamp(sends, now))
                    out.append((action, tuple(s)))


def describe(model: SystemModel, action: Action) -> dict[str, Any]:
    names = model.names
    mid = action[1]
    src, dst, _, _ = model.msgs.values[mid]
    text = f"{names.node(src)} (Byzantine) sends {model.show_message(mid)} to {names.node(dst)}"
    return {
        "actor": names.node(dst),
        "peer": names.node(src),
        "byzantine": True,
        "fault": "byzantine",
        "message": model.show_message(mid),
        "text": text,
    }
