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

from typing import Any

from explorer.model import SpecRuntimeError
from explorer.plan import Plan
from explorer.semantics.effects import Effects
from explorer.semantics.steps import Steps
from explorer.state import BYZANTINE, CUT, NOW, UP, State
from explorer.values import ordered


def injections(state: State, plan: Plan, effects: Effects, steps: Steps) -> None:
    if not plan.byzantine_types:
        return
    n = plan.n
    status = effects.locals.status
    liars = [b for b in range(n) if status[state[b]] == BYZANTINE]
    if not liars:
        return
    net = state[n]
    now = state[n + 2][NOW]
    spent = state[n + 1]
    cut = plan.cuts[spent[CUT]] if spent[CUT] else None
    msgs = effects.msgs
    signed = [m.signed for m in plan.system.messages]
    cache = effects.injection_cache
    env = steps.env
    stride = plan.stride
    for b in liars:
        received: dict[int, set[tuple[Any, ...]]] = {}
        for entry in effects.order.entries(net):
            _, dst, message, args = msgs.values[entry // stride]
            if dst == b and signed[message]:
                received.setdefault(message, set()).add(args)
        for r in range(n):
            lid = state[r]
            if r == b or status[lid] != UP or (cut is not None and b * n + r in cut):
                continue
            node_type = plan.instance_type[r].name
            choices: list[tuple[int, Any]] = [
                (message, (*args, b) if signed[message] else args)
                for message, values in plan.injectable[node_type]
                for args in values
            ]
            for message in plan.relayable[node_type]:  # signed by others (its own are invented above)
                choices.extend(
                    (message, args) for args in ordered(received.get(message, ())) if args[-1] != b
                )
            for message, args in choices:
                mid = msgs.intern(b, r, message, args)
                key = (lid, mid) if env is None else (lid, mid, env)
                entries = cache.get(key)
                if entries is None:
                    entries = effects.injection(key)
                for action, outcome in entries:
                    if isinstance(outcome, SpecRuntimeError):
                        steps.fails.append((action, outcome))
                        continue
                    new_lid, sends = outcome
                    s = list(state)
                    s[r] = new_lid
                    if sends:
                        s[n] = effects.order.add(net, effects.stamp(sends, now))
                    steps.out.append((action, tuple(s)))
