"""Fuzzing faultline as a careful new user's worst day would: mutated specs, mutated command lines and
corrupted trace files. Every input must end in a located diagnostic, a clean verdict or a clear error —
never a traceback, never exit 4 (faultline's own failure).

Each campaign is deterministic in its seed. `tests/fuzz/test_fuzz.py` runs a small budget in the suite;
`scripts/fuzz.py` runs any number and prints the counts.

Outcome kinds: `diagnostic` (the spec was refused with located FL diagnostics), `verdict` (it was checked:
holds, violated or stopped at a bound), `error` (a clear one-line error, exit 2), `stopped` (exit 3), and
the failures: `traceback` (an exception escaped), `internal` (exit 4), `unlocated` (a diagnostic with no
place in the file), `slow` (an input that ran past its time limit).
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import signal
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

from click.testing import CliRunner

import spec
from editor.index import analyze
from explorer.run import CheckOptions, bmc_model, check_model
from faultline.cli import main
from spec import SpecError
from spec.printer import format_text

ROOT = Path(__file__).resolve().parents[2]
FAILURES = ("traceback", "internal", "unlocated", "slow")


@dataclass
class Tally:
    """Counts of inputs and outcomes, and one example of each distinct failure (keyed by where it happened)."""

    inputs: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # key -> an example and its traceback

    def add(self, campaign: str, outcome: str, key: str = "", example: str = "") -> None:
        self.inputs[campaign] += 1
        self.outcomes[f"{campaign}:{outcome}"] += 1
        if outcome in FAILURES and key not in self.failures:
            self.failures[key] = example

    @property
    def failed(self) -> int:
        return sum(n for k, n in self.outcomes.items() if k.split(":")[1] in FAILURES)


class _TooSlow(BaseException):
    """Raised by the alarm in an input that runs past its time limit (a BaseException, so that nothing in
    faultline mistakes it for its own error)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Stop the block after `seconds` of CPU time. It uses the profiling timer, so that faultline's own
    watchdog (the real-time timer) is free to run inside it."""

    def ring(signum: int, frame: FrameType | None) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGPROF, ring)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _where(error: BaseException) -> str:
    """The innermost frame of faultline's own code an exception passed through: the key of a crash site."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/spec/" in f.filename or "/explorer/" in f.filename] or frames
    last = ours[-1] if ours else None
    place = f"{Path(last.filename).name}:{last.lineno}" if last else "?"
    return f"{type(error).__name__} at {place}"


# ---------------------------------------------------------------- specs


@cache
def seed_specs() -> list[str]:
    """The texts mutations start from: the example specs, the formatter's cases, the editor's fixture."""
    paths = sorted((ROOT / "specs").glob("*.fl")) + sorted((ROOT / "tests" / "data" / "fmt").glob("*.fl"))
    paths.append(ROOT / "editors" / "vscode" / "test" / "fixtures" / "every_construct.fl")
    return [p.read_text(encoding="utf-8") for p in paths if p.exists()]


@cache
def _donor_tokens() -> list[list[str]]:
    return [_TOKEN.findall(text) for text in seed_specs()]


_TOKEN = re.compile(r"\s+|//[^\n]*|/\*.*?\*/|[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\.\.|[<>=!+\-]=|.", re.DOTALL)
_NESTERS = [("(", ")"), ("{", "}"), ("not ", ""), ("-", ""), ("if true then ", " else 0"), ("set<", ">")]
_ODD_TEXT = [
    "\ufeff",
    "\r\n",
    "\r",
    "\x00",
    "\v",
    "\f",
    "\x85",
    "\u2028",
    "\u00a0",
    "\t",
    "é",
    "🙂",
    "\\",
    '"',
]
_NUMBERS = ["0", "-1", "2147483647", "2147483648", "99999999999999999999", "1" + "0" * 5000, "007", "1_000"]


def mutate_spec(text: str, rng: random.Random) -> str:
    """One to three mutations of a spec's text (one, most often: a spec with one mistake gets furthest)."""
    tokens = _TOKEN.findall(text)
    for _ in range(rng.choices((1, 2, 3), (6, 3, 1))[0]):
        if not tokens:
            tokens = ["node"]
        rng.choice(_SPEC_MUTATIONS)(tokens, rng)
    return "".join(tokens)


def _delete(tokens: list[str], rng: random.Random) -> None:
    del tokens[rng.randrange(len(tokens))]


def _duplicate(tokens: list[str], rng: random.Random) -> None:
    k = rng.randrange(len(tokens))
    tokens.insert(k, tokens[k])


def _swap(tokens: list[str], rng: random.Random) -> None:
    a, b = rng.randrange(len(tokens)), rng.randrange(len(tokens))
    tokens[a], tokens[b] = tokens[b], tokens[a]


def _unknown_name(tokens: list[str], rng: random.Random) -> None:
    names = [k for k, t in enumerate(tokens) if t[:1].isalpha()]
    if names:
        tokens[rng.choice(names)] = rng.choice(
            ["zz", "Nope", "x1", "timeout", "self", "now", "const", "clock"]
        )


def _renumber(tokens: list[str], rng: random.Random) -> None:
    """A number changed to another small one: often still a spec, now with other bounds and budgets."""
    numbers = [k for k, t in enumerate(tokens) if t.isdigit()]
    if numbers:
        tokens[rng.choice(numbers)] = str(rng.randint(0, 5))


def _rename(tokens: list[str], rng: random.Random) -> None:
    """A name changed to another name of the same spec: a message for a node, a variable for another."""
    names = [k for k, t in enumerate(tokens) if t[:1].isalpha() or t[:1] == "_"]
    if len(names) > 1:
        tokens[rng.choice(names)] = tokens[rng.choice(names)]


def _huge_number(tokens: list[str], rng: random.Random) -> None:
    numbers = [k for k, t in enumerate(tokens) if t.isdigit()] or [rng.randrange(len(tokens))]
    tokens[rng.choice(numbers)] = rng.choice(_NUMBERS)


def _deep(tokens: list[str], rng: random.Random) -> None:
    opening, closing = rng.choice(_NESTERS)
    depth = rng.choice([5, 99, 101, 300, 2000])
    k = rng.randrange(len(tokens))
    end = min(len(tokens), k + rng.randint(1, 3))
    tokens[k:end] = [opening * depth, *tokens[k:end], closing * depth]


def _odd_text(tokens: list[str], rng: random.Random) -> None:
    tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(_ODD_TEXT))


def _line_ends(tokens: list[str], rng: random.Random) -> None:
    ending = rng.choice(["\r\n", "\r", "\n\n", "\u2028"])
    tokens[:] = [t.replace("\n", ending) for t in tokens]


def _glue(tokens: list[str], rng: random.Random) -> None:
    spaces = [k for k, t in enumerate(tokens) if t.isspace()]
    if spaces:
        del tokens[rng.choice(spaces)]


def _truncate(tokens: list[str], rng: random.Random) -> None:
    del tokens[rng.randrange(len(tokens)) :]


# Constructs that reach the corners of the semantics when they land in a fitting place.
_SNIPPETS = [
    " ghost var zz: time = 0 ",
    " on recover { skip } ",
    " faults { crash_recovery <= 1 of A } ",
    " now ",
    " clocks { skew <= 2; drift; ntp } ",
    " byzantine(self) ",
    " inflight(Ping) ",
    " {k: 1 for k in 0..2} ",
    " choose c in {} { skip } ",
    " reject ",
    " assert a1: false ",
    " for i in 0..N { skip } ",
    " min({}) ",
    " timing partially_synchronous { delay <= 1; gst <= 2 } horizon 3 ",
    " signed ",
    " A[-1] ",
    " none ",
    " count x in 0..3: x > 1 ",
    " x = 99 ",
    " faults { byzantine <= 1 of A } ",
    " network { fifo; loss <= 1 } ",
    " partition <= 1 asymmetric ",
    " pause <= 2 of A ",
    " set t after 1 ",
    " keys({}) ",
    " mono ",
    " tt.earliest ",
]


def _snippet(tokens: list[str], rng: random.Random) -> None:
    tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(_SNIPPETS))


def _crossover(tokens: list[str], rng: random.Random) -> None:
    """A stretch of another spec (a handler, a model, a declaration) put somewhere in this one."""
    donor = rng.choice(_donor_tokens())
    a = rng.randrange(len(donor))
    k = rng.randrange(len(tokens) + 1)
    tokens[k:k] = donor[a : a + rng.randint(1, 40)]


def _splice(tokens: list[str], rng: random.Random) -> None:
    """A stretch of the spec copied elsewhere (a handler into a model, a type into an expression)."""
    a = rng.randrange(len(tokens))
    piece = tokens[a : a + rng.randint(1, 12)]
    k = rng.randrange(len(tokens) + 1)
    tokens[k:k] = piece


_SPEC_MUTATIONS: list[Callable[[list[str], random.Random], None]] = [
    _delete,
    _delete,
    _duplicate,
    _swap,
    _unknown_name,
    _huge_number,
    _deep,
    _odd_text,
    _line_ends,
    _glue,
    _truncate,
    _splice,
    _splice,
    _snippet,
    _snippet,
    _crossover,
    _crossover,
    _renumber,
    _renumber,
    _renumber,
    _rename,
    _rename,
]


def run_spec(text: str, tally: Tally, seconds: float = 10.0, back_ends: bool = True) -> str:
    """Every stage on one spec text, in process: load (or its diagnostics), format, analyse as the language
    server does, check the first models within small bounds, and now and then bmc. Returns the outcome."""
    try:
        with time_limit(seconds):
            outcome = _spec_stages(text, back_ends)
    except _TooSlow:
        tally.add("spec", "slow", "slow spec", text)
        return "slow"
    except Exception as error:
        key = f"spec: {_where(error)}"
        tally.add("spec", "traceback", key, f"{text!r}\n{''.join(traceback.format_exception(error))}")
        return "traceback"
    if outcome == "unlocated":
        tally.add("spec", outcome, "spec: unlocated diagnostic", text)
    else:
        tally.add("spec", outcome)
    return outcome


def _spec_stages(text: str, back_ends: bool) -> str:
    analyze(text, "fuzz.fl")
    try:
        format_text(text, "fuzz.fl")
    except SpecError as error:
        if not _located(error):
            return "unlocated"
    try:
        checked = spec.load(text, "fuzz.fl")
    except SpecError as error:
        return "diagnostic" if _located(error) else "unlocated"
    # the bounds of the (at most) four runs below add up to 5 s, half of run_spec's default time limit
    options = CheckOptions(out_dir=None, max_states=300, max_seconds=1.5)
    for name in spec.model_names(checked)[:2]:
        try:
            check_model(checked, name, options)
            if back_ends and zlib.crc32(text.encode("utf-8", "surrogatepass")) % 4 == 0:
                bmc_model(checked, name, 2, CheckOptions(out_dir=None, max_seconds=1.0))
        except SpecError as error:
            return "diagnostic" if _located(error) else "unlocated"
        except Exception as error:
            from explorer.bmc.unsupported import Unsupported
            from explorer.search.limits import BoundReached

            if not isinstance(error, Unsupported | BoundReached):
                raise
    return "verdict"


def _located(error: SpecError) -> bool:
    """Every diagnostic names a line and renders with its snippet."""
    error.render()
    return all(d.span.line > 0 for d in error.diagnostics)


# ---------------------------------------------------------------- command lines


def _cli(args: list[str], stdin: str | None = None) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(main, args, input=stdin)
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output, exception


def classify(code: int, output: str, exception: BaseException | None) -> tuple[str, str]:
    """(outcome, failure key) of one command-line run."""
    if exception is not None:
        return "traceback", _where(exception)
    if "Traceback (most recent call last)" in output:
        return "traceback", "a traceback in the output"
    if code == 4:
        first = next(
            (line for line in output.splitlines() if line.startswith("faultline failed")), output[:200]
        )
        return "internal", re.sub(r"\d+", "N", first)[:160]
    if code == 2:
        return "error", ""
    return ("stopped" if code == 3 else "verdict"), ""


@contextmanager
def _working_directory(folder: Path) -> Iterator[None]:
    """Relative paths a mutated command line makes up (`-o 0.5`, `--out N=3`) land in the scratch folder."""
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def run_command(args: list[str], tally: Tally, campaign: str, folder: Path, seconds: float = 20.0) -> str:
    try:
        with time_limit(seconds), _working_directory(folder):
            code, output, exception = _cli(args)
    except _TooSlow:
        tally.add(campaign, "slow", f"{campaign}: slow {args[0] if args else ''}", " ".join(args))
        return "slow"
    outcome, key = classify(code, output, exception)
    detail = "".join(traceback.format_exception(exception)) if exception is not None else output[-2000:]
    tally.add(campaign, outcome, f"{campaign}: {key}", f"{args}\n{detail}")
    return outcome


SMALL_SPEC = """spec tiny
const N = 2
message Ping(n: 0..N)
node A { var x: 0..N = 0
  on start { send Ping(1) to B }
  action go when x < N { x = x + 1 } }
node B { var seen: 0..N = 0
  on Ping(n) from a { seen = n } }
invariant bounded: A.x < N
model lossy { timing asynchronous; network { reorder; loss <= 1 } }
model crashy { timing asynchronous; faults { crash_recovery <= 1 of B } }
"""

_VALUES = [
    "0",
    "1",
    "-1",
    "nan",
    "inf",
    "-inf",
    "1e3",
    "1_0",
    "٣",
    "",
    " ",
    "99999999999999999999999",
    "0.5",
    "true",
    "N=3",
    "N=1_000",
    "N=٣",
    "N=abc",
    "NOPE=1",
    "N=-1",
    "N=99999999999",
    "N=true",
    "=1",
    "N",
    "/dev/null",
    "/proc/faultline",
    "missing/dir",
    "lossy",
    "bounded",
    "--help",
    "-",
    "\x00",
]
_OPTIONS = [
    "--model",
    "--invariant",
    "--const",
    "--max-depth",
    "--max-states",
    "--max-seconds",
    "--max-memory",
    "--out",
    "--report",
    "--depth",
    "--k",
    "--lemma",
    "--runs",
    "--seed",
    "--format",
    "--kind",
    "-o",
    "--spec",
    "--json",
    "--dfs",
    "--deadlock",
    "--render",
    "--check",
    "--debug",
    "--nope",
]


def base_commands(folder: Path, trace: Path) -> list[list[str]]:
    """Well-formed command lines over a small spec (so that every run is quick), one per command."""
    spec_path = folder / "tiny.fl"
    if not spec_path.exists():
        spec_path.write_text(SMALL_SPEC, encoding="utf-8")
    out = str(folder / "out")
    return [
        ["check", str(spec_path), "--out", out, "--max-seconds", "5"],
        ["check", str(spec_path), "-m", "lossy", "--json", "--max-states", "100", "--out", out],
        ["bmc", str(spec_path), "--depth", "2", "--out", out],
        ["prove", str(spec_path), "-m", "lossy", "--out", out],
        ["simulate", str(spec_path), "--runs", "3", "--depth", "5", "--out", out],
        ["replay", str(trace), str(spec_path)],
        ["render", str(trace), "--format", "dot", "-o", str(folder / "picture.svg")],
        ["fmt", "--check", str(spec_path)],
    ]


def mutate_command(args: list[str], rng: random.Random) -> list[str]:
    args = list(args)
    for _ in range(rng.choices((1, 2, 3), (6, 3, 1))[0]):
        k = rng.randrange(len(args) + 1)
        choice = rng.randrange(6)
        if choice == 0 and args:
            del args[min(k, len(args) - 1)]
        elif choice == 1:
            args.insert(k, rng.choice(_OPTIONS))
        elif choice == 2:
            args.insert(k, rng.choice(_VALUES))
        elif choice == 3 and len(args) > 1:
            a, b = rng.randrange(len(args)), rng.randrange(len(args))
            args[a], args[b] = args[b], args[a]
        elif choice == 4 and args:
            args[min(k, len(args) - 1)] = rng.choice(_VALUES)
        else:
            args[k:k] = [rng.choice(_OPTIONS), rng.choice(_VALUES)]
    # Keep runs short: never let a mutation drop every bound on a search.
    return [a for a in args if a != "--help"] if rng.random() < 0.9 else args


# ---------------------------------------------------------------- trace files

_JUNK: list[Any] = [
    None,
    0,
    -1,
    1.5,
    float("nan"),
    2**80,
    "",
    "x",
    "Nope",
    "A[9]",
    True,
    [],
    {},
    [1, [2]],
    {"#set": 3},
    {"#map": [[1]]},
    {"#tup": None},
    {"#bigint": "abc"},
    {"tag": 5},
    "<b>html</b>",
    'back\\slash"quote',
    "\x00\n",
    "🙂" * 30,
]


def traces(folder: Path) -> list[Path]:
    """Valid traces to corrupt: counterexamples of several back ends over several example specs."""
    out = folder / "traces"
    runs = [
        ["check", str(ROOT / "specs" / "retry_increment.fl"), "-m", "naive_lossy", "--out", str(out)],
        ["check", str(ROOT / "specs" / "lease_lock.fl"), "--out", str(out)],
        ["check", str(ROOT / "specs" / "quorum_leader.fl"), "--out", str(out)],
        ["check", str(ROOT / "specs" / "byzantine_fencing.fl"), "--out", str(out)],
        ["check", str(ROOT / "specs" / "alternating_bit.fl"), "--out", str(out)],
        [
            "bmc",
            str(ROOT / "specs" / "retry_increment.fl"),
            "--depth",
            "4",
            "-m",
            "naive_reliable",
            "--out",
            str(out / "bmc"),
        ],
    ]
    for args in runs:
        _cli(args)
    found = sorted(out.rglob("*.itf.json"))
    assert found, "no trace was written to corrupt"
    return found


def spec_of(trace: Path) -> Path:
    name = json.loads(trace.read_text(encoding="utf-8"))["#meta"]["source"]
    return Path(name)


def corrupt_trace(data: bytes, rng: random.Random) -> bytes:
    """The bytes of a trace with one to three corruptions: of its JSON structure (most), or of its bytes."""
    kind = rng.random()
    if kind < 0.12:
        return _corrupt_bytes(data, rng)
    document = json.loads(data)
    for _ in range(rng.randint(1, 3)):
        _corrupt_json(document, rng)
    if kind < 0.17:
        for _ in range(rng.choice([10, 200, 5000])):
            document = [document] if rng.random() < 0.5 else {"#set": [document]}
    try:
        return json.dumps(document, ensure_ascii=rng.random() < 0.5).encode("utf-8")
    except (ValueError, RecursionError):
        return data


def _corrupt_bytes(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    k = rng.randrange(len(data) + 1)
    if choice == 0:
        return data[:k]  # truncated
    if choice == 1:
        return data[:k] + bytes([rng.choice([0x80, 0xC3, 0xFF, 0x00])]) + data[k:]  # invalid UTF-8, NUL
    if choice == 2:
        return b"\xef\xbb\xbf" + data  # a byte-order mark
    return data.replace(b"\n", b"\r\n")


def _containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    yield node, path
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict | list):
                yield from _containers(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, dict | list):
                yield from _containers(value, (*path, index))


def _corrupt_json(document: Any, rng: random.Random) -> None:
    containers = [c for c, _ in _containers(document) if c]
    if not containers:
        return
    target = rng.choice(containers)
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    key = rng.choice(keys)
    choice = rng.randrange(7)
    if choice == 0:
        del target[key]
    elif choice <= 2:
        target[key] = _junk(rng)
    elif choice == 3:  # a value of another place put here
        other = rng.choice(containers)
        other_keys = list(other) if isinstance(other, dict) else list(range(len(other)))
        target[key] = json.loads(json.dumps(other[rng.choice(other_keys)]))
    elif choice == 4 and isinstance(target, list):
        target.insert(rng.randrange(len(target) + 1), json.loads(json.dumps(rng.choice(target))))
    elif choice == 5 and isinstance(target, list):
        rng.shuffle(target)
    elif isinstance(target, dict):
        target[rng.choice(["nodes", "constants", "model", "property", "sends", "link", "actor", "#meta"])] = (
            _junk(rng, [["Nope"], {"N": "abc"}, {"NOPE": 1}, {"N": 99}, {"N": 0}])
        )


def _junk(rng: random.Random, more: list[Any] | None = None) -> Any:
    """A copy of a junk value: the same list or dict put in two places (or in the table of junk itself) would
    let a later corruption make the document contain itself."""
    return copy.deepcopy(rng.choice(_JUNK + (more or [])))


def run_trace(data: bytes, spec_path: Path, folder: Path, tally: Tally, rng: random.Random) -> None:
    """A corrupted trace through `replay`, and through `render` (DOT source mostly, now and then a picture,
    now and then the state graph)."""
    path = folder / "corrupt.itf.json"
    path.write_bytes(data)
    run_command(["replay", str(path), str(spec_path)], tally, "trace", folder)
    picture = ["--format", "svg"] if rng.random() < 0.05 else ["--format", "dot"]
    kind = ["--kind", "states", "--spec", str(spec_path)] if rng.random() < 0.05 else []
    run_command(
        ["render", str(path), *picture, *kind, "-o", str(folder / "corrupt.svg")], tally, "trace", folder
    )


def summary(tally: Tally) -> str:
    lines = [f"inputs: {', '.join(f'{k} {n:,}' for k, n in sorted(tally.inputs.items()))}"]
    lines.append("outcomes: " + ", ".join(f"{k} {n:,}" for k, n in sorted(tally.outcomes.items())))
    lines.append(
        f"failures (tracebacks, exit 4, unlocated, slow): {tally.failed}, at {len(tally.failures)} places"
    )
    for key in sorted(tally.failures):
        lines.append(f"  {key}")
    return "\n".join(lines)


def environment_ok() -> bool:
    """Signals are how inputs are timed out: only the main thread of a POSIX process can use them."""
    return hasattr(signal, "setitimer") and os.name == "posix"
