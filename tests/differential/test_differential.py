"""The fixed-seed differential budget: generated specs on which every back end must agree with the explorer.

Each case generates one spec (differential/generate.py) with every feature switched on and runs every
comparison (differential/harness.py) on each of its models. A failure shows the spec and what disagreed;
`uv run python scripts/difftest.py --only-seed S` runs the same spec again, and `--minimize` shrinks it.
Longer runs: `uv run python scripts/difftest.py --specs 10000 --seed 1 --jobs 2`.
"""

from __future__ import annotations

import pytest

from differential.generate import generate
from differential.harness import run_spec

SPECS = 200  # scripts/difftest.py runs any number


@pytest.mark.parametrize("seed", range(SPECS))
def test_back_ends_agree_on_a_generated_spec(seed: int) -> None:
    generated = generate(seed)
    outcome = run_spec(generated)
    if outcome.disagreements:
        numbered = "\n".join(f"{n:3}  {line}" for n, line in enumerate(generated.text.splitlines(), start=1))
        found = "\n".join(f"  - {d}" for d in outcome.disagreements)
        pytest.fail(f"the back ends disagree on generated spec {seed}:\n{found}\n\n{numbered}", pytrace=False)


def test_generated_specs_are_deterministic_and_pass_the_front_end() -> None:
    import spec

    for seed in range(300):
        generated = generate(seed)
        assert generate(seed).text == generated.text
        checked = spec.load(generated.text, f"g{seed}.fl")
        assert spec.model_names(checked) == generated.models
        for model in generated.models:
            spec.instantiate(checked, model)


def test_a_message_field_named_like_the_trace_keys_is_refused_where_it_is_declared() -> None:
    from differential.generate import Options

    seen = 0
    for seed in range(200):
        generated = generate(seed, Options(reserved_fields=True))
        if generated.expect_error is None:
            continue
        seen += 1
        outcome = run_spec(generated)
        assert not outcome.disagreements, "\n".join(map(str, outcome.disagreements))
    assert seen >= 20
