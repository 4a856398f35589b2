"""The parts of a trace state by the names a person reads.

Snapshots and ITF traces name what the system keeps beside the spec's variables with a leading underscore
(`_now`, `_network`, `Client._timers`, ...), so that no variable of a spec can clash with them, and the
ITF files keep those names: they are a machine format, read back by `replay`. What people read — the text
counterexamples, the report, the charts and the explorer — names them as the spec's own words do: `now`,
`network`, `Client.clock` and `Client.mono` (read in a spec as `clock` and `mono`, which are reserved
words and so cannot be a variable's name), `timers of Client`, `status of Client`.
"""

from __future__ import annotations

_SYSTEM = {
    "_now": "now",
    "_gst": "GST",
    "_network": "network",
    "_partition": "cut links",
    "_faults": "faults spent",
}
_OF_A_NODE = {
    "_clock": "{node}.clock",
    "_mono": "{node}.mono",
    "_timers": "timers of {node}",
    "_status": "status of {node}",
}


def shown_name(name: str) -> str:
    """The name a person reads for a part of a trace state: a variable as written (`Client.attempts`), a
    part the system keeps in words; a name this module does not know is left as it is."""
    if name in _SYSTEM:
        return _SYSTEM[name]
    node, _, part = name.rpartition(".")
    if node and part in _OF_A_NODE:
        return _OF_A_NODE[part].format(node=node)
    return name
