"""The fixed-seed differential budget: generated specs on which every back end must agree with the explorer.

Each case generates one spec (differential/generate.py) with every feature switched on and runs every
comparison (differential/harness.py) on each of its models. A failure shows the spec and what disagreed;
`uv run python scripts/difftest.py --only-seed S` runs the same spec again, and `--minimize` shrinks it.
Longer runs: `uv run python scripts/difftest.py --specs 10000 --seed 1 --jobs 2`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import spec
from differential.generate import GeneratedSpec, generate
from differential.harness import Config, run_spec

FOUND = sorted((Path(__file__).parent / "found").glob("*.fl"))

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


@pytest.mark.parametrize("path", FOUND, ids=[p.stem for p in FOUND])
def test_back_ends_agree_on_a_disagreement_found_before(path: Path) -> None:
    """Specs on which the back ends once disagreed, each shrunk to a few lines, run through every comparison
    (every model, every property proved for each k, with and without lemmas). The front end may refuse one
    instead, with a located error: that is an answer too."""
    text = path.read_text(encoding="utf-8")
    try:
        models = spec.model_names(spec.load(text, path.name))
    except spec.SpecError:
        return
    except Exception as error:
        pytest.fail(f"{path.name}: the front end raised {type(error).__name__}: {error}", pytrace=False)
    outcome = run_spec(GeneratedSpec(0, text, models), Config(z3_models=len(models), prove_all=True))
    if outcome.disagreements:
        found = "\n".join(f"  - {d}" for d in outcome.disagreements)
        pytest.fail(f"the back ends disagree on {path.name}:\n{found}\n\n{text}", pytrace=False)
