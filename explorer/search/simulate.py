"""Random simulation: walks from a random initial state, one random step at a time, for a given number of
runs and steps. It proves nothing, but reaches depths that exhaustive search cannot. Every choice comes
from one seeded generator, so the same seed gives the same runs; the shortest violation found of each
property is kept."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from explorer.model import Action, Model, State
from explorer.search.result import Stats
from explorer.trace.path import Path


@dataclass
class SimulationResult:
    stats: Stats
    runs: int = 0  # runs completed
    found: dict[str, Path] = field(default_factory=dict)
    stop_reason: str | None = None


def simulate(
    model: Model, runs: int, depth: int, seed: int, max_seconds: float | None = None
) -> SimulationResult:
    started = time.perf_counter()
    rng = random.Random(seed)
    stats = Stats()
    result = SimulationResult(stats)
    wanted = {p.name for p in model.properties}
    visited: set[int] = set()
    initial = model.init_states()
    for action, error in model.init_failures:  # a start that fails is a violation before any walk
        _keep(result, error.prop, Path((), (action, error)), wanted)
    try:
        for _ in range(runs):
            if max_seconds is not None and time.perf_counter() - started > max_seconds:
                result.stop_reason = f"time bound {max_seconds:g} s reached"
                break
            if not initial:
                break
            action, state = rng.choice(initial)
            steps: list[tuple[Action, State]] = [(action, state)]
            _record_state(model, state, steps, result, wanted)
            visited.add(model.fingerprint(state))
            for _ in range(depth):
                successors, failures = model.successors(state)
                stats.generated += len(successors) + len(failures)
                options = len(successors) + len(failures)
                if not options:
                    break
                pick = rng.randrange(options)
                if pick >= len(successors):
                    failing, error = failures[pick - len(successors)]
                    path = Path(tuple(steps), (failing, error))
                    _keep(result, error.prop, path, wanted)
                    break
                action, state = successors[pick]
                steps.append((action, state))
                visited.add(model.fingerprint(state))
                _record_state(model, state, steps, result, wanted)
            stats.depth = max(stats.depth, len(steps) - 1)
            result.runs += 1
    except KeyboardInterrupt:
        result.stop_reason = "interrupted"
    stats.distinct = len(visited)
    stats.seconds = time.perf_counter() - started
    return result


def _record_state(
    model: Model, state: State, steps: list[tuple[Action, State]], result: SimulationResult, wanted: set[str]
) -> None:
    names = model.violated(state)
    if len(steps) > 1 and model.checks_steps:
        names = [*names, *model.violated_step(steps[-2][1], state)]
    for name in names:
        _keep(result, name, Path(tuple(steps)), wanted)


def _keep(result: SimulationResult, prop: str, path: Path, wanted: set[str]) -> None:
    if prop in wanted and (prop not in result.found or path.length < result.found[prop].length):
        result.found[prop] = path
