"""Text counterexamples (the .txt beside each .itf.json) name every part of a state as a person reads it —
`now`, `network`, `timers of Client`, `Client.clock` — never by the names the ITF file keeps for the
machine (`_now`, `_network`, `Client._timers`, `Client._clock`); and README's sample is what `check`
writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from faultline.cli import main
from tests.conftest import ROOT

INTERNAL = re.compile(r"(?<!\w)_[A-Za-z]\w*")  # a name the system keeps: `_now`, `Client._timers`, ...


def _text_of(trace: Path) -> str:
    return trace.with_name(trace.name.removesuffix(".itf.json") + ".txt").read_text(encoding="utf-8")


def test_no_internal_name_in_any_example_counterexample_text(counterexamples: list[Path]) -> None:
    kept = set()
    for trace in counterexamples:
        text = _text_of(trace)
        assert INTERNAL.search(text) is None, (trace.parts[-3:], INTERNAL.search(text))
        states = json.loads(trace.read_text(encoding="utf-8"))["states"]
        kept |= {name.rpartition(".")[2] for name in states[0] if INTERNAL.fullmatch(name.rpartition(".")[2])}
    # the ITF files keep the machine's names (their schema and `replay` read them)
    assert {"_now", "_network", "_timers", "_clock", "_mono", "_status", "_faults"} <= kept


def _example(counterexamples: list[Path], spec: str, model: str, prop: str) -> str:
    (trace,) = [t for t in counterexamples if t.parts[-3:] == (spec, model, f"{prop}.itf.json")]
    return _text_of(trace)


def test_the_parts_of_a_state_read_as_the_charts_name_them(counterexamples: list[Path]) -> None:
    retry = _example(counterexamples, "retry_increment", "naive_lossy", "applied_once")
    assert "       timers of Client = {retry}\n" in retry
    assert "       network = [Increment(request=0) Client→Server]\n" in retry
    skew = _example(counterexamples, "lease_clock_skew", "naive_skewed", "no_clobber")
    assert "       now = 0\n" in skew and "       now: 0 → 1\n" in skew
    assert "       Client[0].clock = -1\n" in skew and "       Client[0].clock: -1 → 0\n" in skew
    assert "       Client[0].mono: -1 → 0\n" in skew
    crash = _example(counterexamples, "paxos_forgetful", "crash_recovery", "agreement")
    assert re.search(r"\n {7}status of Acceptor\[\d\]: up → down\n", crash)
    partition = _example(counterexamples, "asymmetric_partition", "naive_asymmetric", "one_leader_serving")
    assert re.search(r"\n {7}cut links: \{\} → \{Node\[0\]↛Node\[1\], ", partition)


def test_the_readme_text_sample_is_what_check_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README shows the text counterexample whole, as `faultline check specs/retry_increment.fl` writes it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "$ cat counterexamples/retry_increment/naive_lossy/applied_once.txt\n"
    assert "$ uv run faultline check specs/retry_increment.fl " in readme
    shown = readme[readme.index(command) + len(command) :].split("```", 1)[0]
    monkeypatch.chdir(ROOT)  # the spec named as README names it: the text says where it came from
    args = ["check", "specs/retry_increment.fl", "-m", "naive_lossy", "--out", str(tmp_path)]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert shown == (tmp_path / "retry_increment" / "naive_lossy" / "applied_once.txt").read_text()
