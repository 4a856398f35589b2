"""Shrink a spec that shows a disagreement while it keeps showing it: drop models, invariants, handlers,
statements and declarations one at a time, unwrap blocks, drop guards and else-branches, as long as the
spec still loads and the harness still reports a disagreement with the same signature."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import spec
from differential.generate import GeneratedSpec
from differential.harness import Config, run_spec

# The comparisons a disagreement needs, by the words in its signature.
_NEEDS = (
    ("--dfs", "dfs"),
    ("bfs/dfs", "dfs"),
    ("--max-depth", "bounded"),
    ("--invariant", "bounded"),
    ("bmc", "bmc"),
    ("prove", "prove"),
    ("simulate", "simulate"),
)


def checks_for(signature: str) -> frozenset[str]:
    if signature.startswith(("replay", "itf")):  # any back end's traces
        return Config().checks
    return frozenset(check for word, check in _NEEDS if word in signature)


def reproduces(text: str, seed: int, signature: str, config: Config) -> bool:
    try:
        checked = spec.load(text, "reduce.fl")
    except Exception:
        return False
    generated = GeneratedSpec(seed, text, spec.model_names(checked))
    return any(d.signature == signature for d in run_spec(generated, config).disagreements)


def reduce(
    text: str,
    seed: int,
    signature: str,
    config: Config | None = None,
    progress: Callable[[int], None] | None = None,
) -> str:
    """The smallest spec (by lines, greedily) that still shows the disagreement `signature`."""
    # every model, and every property proved: so that what shows the disagreement does not hang on a
    # random choice that the cuts change
    config = replace(config or Config(), checks=checks_for(signature), z3_models=1_000, prove_all=True)
    lines = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("//")]
    if not reproduces(_text(lines), seed, signature, config):
        return text
    changed = True
    while changed:
        changed = False
        for candidate in _candidates(lines):
            if reproduces(_text(candidate), seed, signature, config):
                lines = candidate
                changed = True
                if progress is not None:
                    progress(len(lines))
                break
    return _text(lines)


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _net(line: str) -> int:
    return line.count("{") - line.count("}")


def _close(lines: list[str], i: int) -> int:
    """The line that closes the block opened at line i."""
    depth = 0
    for j in range(i, len(lines)):
        depth += _net(lines[j])
        if depth <= 0 and j > i:
            return j
    return len(lines) - 1


def _candidates(lines: list[str]) -> list[list[str]]:
    """Smaller versions of the spec, the biggest cuts first."""
    cuts: list[tuple[int, list[str]]] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.endswith("{") and not stripped.startswith("}"):
            j = _close(lines, i)
            cuts.append((j - i + 1, lines[:i] + lines[j + 1 :]))  # the whole block
            inner = lines[i + 1 : j]
            if lines[j].strip() == "}" and not any(x.strip().startswith("} else") for x in inner):
                cuts.append((2, lines[:i] + inner + lines[j + 1 :]))  # its body without it
            guard = re.sub(r" when .*\{$", " {", line)
            if guard != line:
                cuts.append((1, [*lines[:i], guard, *lines[i + 1 :]]))
            if stripped.startswith("if ") and stripped not in ("if true {", "if false {"):
                for constant in ("true", "false"):
                    cuts.append(
                        (1, [*lines[:i], re.sub(r"if .*\{$", f"if {constant} {{", line), *lines[i + 1 :]])
                    )
        elif stripped.startswith("} else"):
            j = _close(lines, i)
            cuts.append((j - i, [*lines[:i], "}", *lines[j + 1 :]]))
        elif stripped != "}" and not stripped.startswith("spec "):
            cuts.append((1, lines[:i] + lines[i + 1 :]))
    cuts.sort(key=lambda c: -c[0])
    return [c for _, c in cuts]
