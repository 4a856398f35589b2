"""A search stopped by a bound says when the state space looks unbounded, and why (explorer/unbounded.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import spec
from explorer import unbounded
from explorer.run import CheckOptions, check_model
from tests.conftest import ROOT

RETRYING = """
message Ping
node Client {
  on start { set retry after 1 }
  on timeout retry { send Ping to Server; set retry }
}
node Server {
  var got: 0..1 = 0
  on Ping { got = 1 }
}
invariant fine: Server.got <= 1
"""


def warning_of(text: str, **options: object) -> str | None:
    checked = spec.load(text, "u.fl")
    (first, *_) = check_model(checked, spec.model_names(checked)[0], CheckOptions(out_dir=None, **options))  # type: ignore[arg-type]
    return first.warning


def test_a_timer_that_sends_and_rearms_under_asynchronous_timing_is_named() -> None:
    warning = warning_of(RETRYING, max_states=500)
    assert warning is not None and warning.startswith("the state space looks unbounded")
    assert "timer `retry` of Client sends Ping and arms itself again" in warning


def test_an_action_that_keeps_sending_is_named() -> None:
    text = RETRYING.replace(
        "on start { set retry after 1 }\n  on timeout retry { send Ping to Server; set retry }",
        "action ping { send Ping to Server }",
    )
    warning = warning_of(text, max_states=500)
    assert warning is not None and "action `ping` of Client sends Ping whenever its guard holds" in warning


def test_no_warning_where_the_network_cannot_grow_or_the_search_ended() -> None:
    duplicating = RETRYING + "model m { timing asynchronous; network { duplicating } }\n"
    assert warning_of(duplicating, max_states=500) is None  # a set of messages: finite
    bounded = RETRYING.replace("send Ping to Server; set retry", "send Ping to Server")
    assert warning_of(bounded, max_states=500) is None  # the search ends: nothing to warn of


def test_the_warning_comes_while_the_search_runs_once_it_is_deep() -> None:
    checked = spec.load(RETRYING, "u.fl")
    heard: list[str] = []
    options = CheckOptions(out_dir=None, max_states=10_000, progress_interval=0)
    check_model(checked, "default", options, warn=heard.append)
    (said,) = [h for h in heard if "looks unbounded" in h]  # once, not at every progress report
    assert said.startswith("warning: default: the state space looks unbounded")
    assert "timer `retry` of Client" in said


COUNTING = """
node A {
  var c: 0..100000 = 0
  var wide: 0..100000 = 0
  action count when c < 100000 { c = c + 1 }
  action jump { wide = 7 }
}
invariant fine: A.c >= 0
"""


def test_a_counter_with_a_wide_range_is_named() -> None:
    warning = warning_of(COUNTING, max_states=500)
    assert warning is not None and warning.startswith("the state space looks unbounded")
    assert "counter `c` of A ranges over 0..100000 and steps count it" in warning
    assert "`wide`" not in warning  # only set, never counted
    compound = (
        COUNTING.replace("c = c + 1", "c += 1") + "model m { timing asynchronous; network { duplicating } }\n"
    )
    warning = warning_of(compound, max_states=500)
    assert warning is not None and "counter `c` of A" in warning  # whatever the network
    narrow = COUNTING.replace("0..100000 = 0\n  var wide", "0..50 = 0\n  var wide").replace(
        "c < 100000", "c < 50"
    )
    assert warning_of(narrow, max_states=20) is None  # a short range: the search is as deep as it is


def test_the_counter_warning_comes_while_the_search_runs() -> None:
    checked = spec.load(COUNTING, "u.fl")
    heard: list[str] = []
    check_model(
        checked,
        "default",
        CheckOptions(out_dir=None, max_states=10_000, progress_interval=0),
        warn=heard.append,
    )
    (said,) = [h for h in heard if "looks unbounded" in h]
    assert "counter `c` of A" in said


# Each Ping is answered with two Pongs, each Pong with a Ping: no timer, no action, no counter to suspect,
# yet the messages from Server to Client pile up without end.
AMPLIFYING = """
message Ping
message Pong
node Client {
  on start { send Ping to Server }
  on Pong { send Ping to Server }
}
node Server {
  on Ping from c { send Pong to c; send Pong to c }
}
"""


def test_messages_piling_up_on_one_link_are_named_where_no_step_is_suspected() -> None:
    warning = warning_of(AMPLIFYING, max_depth=30)
    assert warning is not None and warning.startswith("the state space looks unbounded")
    pile = re.search(
        r"messages from Server to Client pile up: (\d+) in flight on that link at depth 30", warning
    )
    assert pile is not None and int(pile.group(1)) >= 8, warning
    assert "a handler that answers one message with more than one" in warning
    assert "a timer that sends under asynchronous timing" in warning
    warning = warning_of(AMPLIFYING, max_states=300)  # however the search is bounded
    assert warning is not None and "messages from Server to Client pile up" in warning
    timed = AMPLIFYING + "model m { timing synchronous { delay <= 1 }; horizon 2 }\n"
    warning = warning_of(timed, max_depth=30)
    assert warning is not None and "pile up" in warning and "timer" not in warning  # time is bounded


def test_messages_in_flight_that_do_not_keep_growing_are_no_warning() -> None:
    burst = """
    message Ping(n: 0..9)
    node Client { on start { for i in 0..9 { send Ping(i) to Server } } }
    node Server {
      var got: set<0..9> = {}
      on Ping(n) { got = got | {n} }
    }
    """
    assert warning_of(burst, max_states=200) is None  # ten in flight at the start, fewer at every step


def test_a_timer_armed_again_by_another_timer_or_an_action_is_named() -> None:
    tick_tock = RETRYING.replace(
        "on timeout retry { send Ping to Server; set retry }",
        "on timeout retry { send Ping to Server; set pause }\n  on timeout pause { set retry }",
    )
    warning = warning_of(tick_tock, max_states=500)
    assert warning is not None
    assert "timer `retry` of Client sends Ping and is armed again by timer `pause`" in warning
    kicked = RETRYING.replace(
        "on timeout retry { send Ping to Server; set retry }",
        "on timeout retry { send Ping to Server }\n  action kick { set retry }",
    )
    warning = warning_of(kicked, max_states=500)
    assert warning is not None
    assert "timer `retry` of Client sends Ping and is armed again by action `kick`" in warning
    answered = """
    message Ping
    message Pong
    node Client {
      on start { set retry after 1 }
      on timeout retry { send Ping to Server }
      on Pong { set retry }
    }
    node Server { on Ping from c { send Pong to c } }
    """
    checked = spec.load(answered, "u.fl")
    system = spec.instantiate(checked, "default")
    assert unbounded.likely_causes(system) == []  # armed again only by an answer: one Ping at a time


def test_the_pile_warning_comes_while_the_search_runs() -> None:
    checked = spec.load(AMPLIFYING, "u.fl")
    heard: list[str] = []
    check_model(checked, "default", CheckOptions(out_dir=None, max_states=3_000), warn=heard.append)
    (said,) = [h for h in heard if "looks unbounded" in h]  # once, long before depth 100
    assert re.search(r"messages from Server to Client pile up: \d+ in flight on that link at depth \d+", said)


def test_the_pile_warning_reaches_a_piped_run(tmp_path: Path) -> None:
    path = tmp_path / "amplifying.fl"
    path.write_text(AMPLIFYING, encoding="utf-8")
    command = [sys.executable, "-m", "faultline.cli", "check", str(path), "--max-depth", "30"]
    command += ["--out", str(tmp_path / "cx")]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,  # stdout and stderr both pipes, as in a CI log
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert "warning: the state space looks unbounded" in done.stdout
    assert "messages from Server to Client pile up" in done.stdout
