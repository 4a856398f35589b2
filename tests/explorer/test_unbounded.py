"""A search stopped by a bound says when the state space looks unbounded, and why (explorer/unbounded.py)."""

from __future__ import annotations

import spec
from explorer.run import CheckOptions, check_model

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
