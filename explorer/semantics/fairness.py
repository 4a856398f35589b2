"""Fairness that follows the system model (docs/semantics.md, Liveness): which steps a fair run owes.

A step owed is named by a token: the same token for every step that does the same thing (a `choose`'s
outcomes are one step). A run is fair when, for each token, the step is not enabled for good without
being taken (weak fairness). Which steps are owed, by default:

- a running node's spontaneous `action`: always (it is the node's own doing, not the adversary's);
- delivering a message in flight, firing an armed timer, resuming a paused node: only where the model's
  bounds hold (always under synchronous timing, after GST under partial synchrony; never under
  asynchronous timing, where the adversary owes nothing);
- time passing (`tick`): always under timed models;
- nothing else: losses, duplicates, partitions and their healing, crashes and recoveries, NTP steps,
  Byzantine messages and GST itself are the adversary's to take or not.

`fair` on a handler or action makes its steps owed whatever the model; `unfair` makes them never owed.
"""

from __future__ import annotations

from collections.abc import Hashable

from explorer.actions import Act, Action, Deliver, Fire, Resume, Tick
from explorer.model import State
from explorer.plan import Plan
from explorer.semantics.effects import Effects
from spec import ir

TICK_TOKEN = ("tick",)


class Fairness:
    def __init__(self, plan: Plan, effects: Effects) -> None:
        self.plan = plan
        self.effects = effects
        self.message_index = {m.name: m.index for m in plan.system.messages}

    def bounded(self, state: State) -> bool:
        """Whether the model's bounds hold in `state`: timed, and GST has passed."""
        return self.plan.timed and self.plan.layout.gst_at(state) >= 0

    def token(self, state: State, action: Action) -> Hashable | None:
        """The token of the step `action` takes from `state`, if a fair run owes it; None if not."""
        match action:
            case Act(node=node, action=index):
                handler = self.plan.handlers[self.plan.instance_type[node].name].actions[index]
                return ("act", node, index) if _owed(handler, True) else None
            case Deliver(message=mid):
                _, dst, message, _ = self.effects.msgs.values[mid]
                receive = self.plan.handlers[self.plan.instance_type[dst].name].receive.get(message)
                return ("deliver", mid) if _owed(receive, self.bounded(state)) else None
            case Fire(node=node, timer=timer):
                fired = self.plan.handlers[self.plan.instance_type[node].name].timeouts[timer]
                return ("fire", node, timer) if _owed(fired, self.bounded(state)) else None
            case Resume(node=node):
                return ("resume", node) if self.bounded(state) else None
            case Tick():
                return TICK_TOKEN
        return None


def _owed(handler: ir.Handler | None, default: bool) -> bool:
    if handler is not None and handler.fairness is not None:
        return handler.fairness == "fair"
    return default
