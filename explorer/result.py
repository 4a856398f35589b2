"""The one result type every engine gives: a verdict for one property of one model, with what it covers.

`check` (explicit search), `bmc` and `prove` (Z3) and `simulate` (random runs) each fill a PropertyResult;
the command line prints and exits from these alone, and the Python API (faultline) returns them.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from explorer.search import Stats
from explorer.trace.path import Path
from spec.ir import Expected


class Verdict(StrEnum):
    HOLDS = "holds"  # within the bounds the result names
    VIOLATED = "violated"  # a counterexample was found (for `prove`: a real one, from an initial state)
    INCOMPLETE = "incomplete"  # the run stopped before it could say (a bound, Ctrl-C, a failed induction)


class Engine(StrEnum):
    EXPLORER = "explorer"
    BMC = "bmc"
    PROVE = "prove"
    SIMULATE = "simulate"

    @property
    def counts_states(self) -> bool:
        """Whether its results count distinct and generated states (the Z3 engines do not)."""
        return self in (Engine.EXPLORER, Engine.SIMULATE)


@dataclass
class PropertyResult:
    model: str
    property: str
    kind: str  # "invariant", "assertion", "runtime", "deadlock"
    verdict: Verdict
    stats: Stats  # distinct and generated states, depth (for bmc: the depth reached; prove: k), seconds
    bounds: str  # what the verdict covers, in one line
    description: str  # the property's text
    trace: str | None = None  # path of the .itf.json file
    trace_length: int | None = None
    reason: str | None = None  # why a verdict is incomplete, or the bound a `holds` is within
    path: Path | None = None
    backend: Engine = Engine.EXPLORER
    warning: str | None = None  # something about the model the user should know (e.g. time never passes)
    expected: Expected = Expected.HOLDS  # what the model's `expect` says
    line: int | None = None  # where the property is declared in the spec (None for the built-in ones)
    shortest: bool = True  # whether a counterexample is a shortest one (not always, under --dfs or --por)
    # the counterexample as a person reads it: the text of the .txt file, kept whether or not one is written
    counterexample_text: str | None = None

    @builtins.property  # `property` is a field here
    def matches(self) -> bool:
        """Whether the verdict is the expected one (an incomplete verdict matches nothing)."""
        return self.verdict == self.expected.value

    @builtins.property
    def inconclusive(self) -> bool:
        """A bounded engine (bmc, simulate) found nothing where a violation is expected: no refutation, since
        the violation may lie deeper or off the runs taken, but no confirmation either."""
        return (
            self.verdict == Verdict.HOLDS
            and self.expected == Expected.VIOLATED
            and self.backend in (Engine.BMC, Engine.SIMULATE)
        )

    @builtins.property
    def counterexample(self) -> str | None:
        """The path of the readable trace (.txt) beside the .itf.json, if one was written."""
        return self.trace.removesuffix(".itf.json") + ".txt" if self.trace else None

    def verdict_text(self) -> str:
        """The verdict in words: `violated in 3 steps`, `holds`, `incomplete (…)`."""
        if self.verdict == Verdict.VIOLATED:
            steps = self.trace_length or 0
            return f"violated in {steps} step{'s' if steps != 1 else ''}"
        if self.verdict == Verdict.INCOMPLETE:
            return f"incomplete ({self.reason})" if self.reason else "incomplete"
        return "holds"

    def mismatch(self) -> str | None:
        """`expected no_clobber violated but it holds`, or None when the verdict is the expected one or
        the run did not finish."""
        if self.matches or self.verdict == Verdict.INCOMPLETE or self.inconclusive:
            return None
        want = "to hold" if self.expected == Expected.HOLDS else "violated"
        got = "it holds" if self.verdict == Verdict.HOLDS else f"it was {self.verdict_text()}"
        return f"{self.model}: expected {self.property} {want} but {got}"

    def to_json(self) -> dict[str, Any]:
        explicit = self.backend.counts_states
        return {
            "model": self.model,
            "property": self.property,
            "kind": self.kind,
            "verdict": str(self.verdict),
            "expected": str(self.expected),
            "matches": self.matches,
            "backend": str(self.backend),
            "distinct_states": self.stats.distinct if explicit else None,
            "generated_states": self.stats.generated if explicit else None,
            "depth": self.stats.depth,
            "seconds": round(self.stats.seconds, 3),
            "trace": self.trace,
            "trace_length": self.trace_length,
            "shortest": self.shortest if self.verdict == Verdict.VIOLATED else None,
            "line": self.line,
            "bounds": self.bounds,
            "reason": self.reason,
            "warning": self.warning,
        }
