"""`faultline explore`: walking a model by hand. The session follows the explorer's own steps (a walk that
picks, at each step, the enabled step a `check` counterexample took reaches the same states as its trace);
the page, driven in headless Chromium, clicks through the lease_lock counterexample and shows its states,
its chart and the violation, and steps through a loaded trace with the keyboard."""

from __future__ import annotations

import json
import re
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import spec
from explorer.render.chart import readable
from explorer.serve.server import ExploreServer
from explorer.serve.session import Session, SessionError
from faultline.cli import main
from tests.conftest import SPECS


def _lease_trace(counterexamples: list[Path]) -> Path:
    return next(
        t for t in counterexamples if t.parts[-3:] == ("lease_lock", "gc_pauses", "no_clobber.itf.json")
    )


def _state_lines(view: dict[str, Any]) -> list[str]:
    return [line for group in view["state"] for line, _ in group["lines"]]


def _expected_lines(trace_state: dict[str, Any]) -> list[str]:
    values = {k: v for k, v in trace_state.items() if k != "#meta"}
    return [line for lines in readable(values).values() for line in lines]


def test_a_walk_taking_the_counterexample_s_steps_reaches_its_states_and_its_violation(
    counterexamples: list[Path],
) -> None:
    document = json.loads(_lease_trace(counterexamples).read_text(encoding="utf-8"))
    session = Session(spec.load_file(SPECS / "lease_lock.fl"), "gc_pauses", {})
    view = session.view()
    assert view["path"] == [] and [c["text"] for c in view["initial"]] == ["initial state 0"]
    session.start(0)
    for k, state in enumerate(document["states"]):
        view = session.view()
        assert view["path"][-1] == state["#meta"]["text"], k
        assert sorted(_state_lines(view)) == sorted(_expected_lines(state)), k
        if k + 1 < len(document["states"]):
            assert view["violated"] == [], k
            texts = [e["text"] for e in view["enabled"]]
            session.step(texts.index(document["states"][k + 1]["#meta"]["text"]))
    assert [p["name"] for p in view["violated"]] == ["no_clobber"]
    changed = [line for group in view["state"] for line, mark in group["lines"] if mark]
    assert changed == ["Storage.clobbered = true", "nothing in flight"]
    # back, forward and going to a step of the path
    length = len(view["path"])
    session.back()
    session.back()
    assert len(session.view()["path"]) == length - 2 and len(session.view()["future"]) == 2
    session.forward()
    assert len(session.view()["path"]) == length - 1
    session.go_to(2)
    assert session.view()["path"] == [s["#meta"]["text"] for s in document["states"][:3]]
    session.step(len(session.enabled()) - 1)  # another step than the path's next one forgets the rest
    assert session.view()["future"] == []
    with pytest.raises(SessionError):
        session.step(99)


def test_a_loaded_counterexample_becomes_the_path_s_future(counterexamples: list[Path]) -> None:
    trace = _lease_trace(counterexamples)
    document = json.loads(trace.read_text(encoding="utf-8"))
    session = Session(spec.load_file(SPECS / "lease_lock.fl"), "no_pauses", {})
    assert session.load(document) == "gc_pauses: no_clobber (12 steps)"
    view = session.view()
    assert view["model"] == "gc_pauses"  # the trace's model
    assert view["path"] == ["initial state"] and len(view["future"]) == 12
    assert view["future"][-1] == document["states"][-1]["#meta"]["text"]
    assert [e["next"] for e in view["enabled"]].count(True) == 1
    session.go_to(12)
    assert [p["name"] for p in session.view()["violated"]] == ["no_clobber"]
    other = json.loads(
        next(t for t in counterexamples if t.parts[-3] == "retry_increment").read_text(encoding="utf-8")
    )
    with pytest.raises(SessionError, match="not a trace of lease_lock"):
        session.load(other)
    tampered = json.loads(json.dumps(document))
    tampered["states"][5]["Lock.token"] = 3
    with pytest.raises(SessionError, match="departs from the spec at its step 5"):
        session.load(tampered)


@pytest.fixture
def server() -> Iterator[ExploreServer]:
    session = Session(spec.load_file(SPECS / "lease_lock.fl"), "gc_pauses", {})
    running = ExploreServer(session, 0)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def _request(
    url: str, body: bytes | None = None, host: str | None = None, origin: str | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if host is not None:
        request.add_header("Host", host)
    if origin is not None:
        request.add_header("Origin", origin)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_server_answers_only_this_machine_and_refuses_bad_requests(server: ExploreServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    status, body = _request(server.url + "api/view")
    assert status == 200 and json.loads(body)["spec"] == "lease_lock"
    status, _ = _request(server.url + "api/view", host="attacker.example:80")
    assert status == 403
    status, body = _request(server.url + "api/step", b'{"choice": 0}')
    assert status == 400 and "no enabled step 0" in json.loads(body)["error"]  # no path yet
    status, body = _request(server.url + "api/start", b"not json")
    assert status == 400 and "not JSON" in json.loads(body)["error"]
    status, body = _request(server.url + "api/start", b'{"choice": "first"}')
    assert status == 400 and "an integer" in json.loads(body)["error"]
    status, body = _request(server.url + "api/model", b'{"model": "nope"}')
    assert status == 400 and "nope" in json.loads(body)["error"]


def test_a_page_of_another_origin_cannot_change_the_walk(server: ExploreServer) -> None:
    """A browser sends the page's origin with every POST; a site the user visits could otherwise drive the
    walk with a request it cannot read the answer of (a `no-cors` fetch)."""
    own = server.url.rstrip("/")
    assert _request(server.url + "api/start", b'{"choice": 0}', origin=own)[0] == 200
    for other in ("http://evil.example", "http://127.0.0.1:1", "null", own.replace("http:", "https:")):
        status, body = _request(server.url + "api/back", b"{}", origin=other)
        assert status == 403 and body == b"only this page may change the walk", other
    assert len(json.loads(_request(server.url + "api/view")[1])["path"]) == 1  # not gone back


def test_explore_refuses_an_unknown_model_before_serving() -> None:
    result = CliRunner().invoke(main, ["explore", str(SPECS / "lease_lock.fl"), "--model", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.stderr


def test_explore_says_when_its_port_is_taken(server: ExploreServer) -> None:
    port = str(server.server_address[1])
    result = CliRunner().invoke(main, ["explore", str(SPECS / "lease_lock.fl"), "--port", port])
    assert result.exit_code == 2
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr


def _wait_for_path(page: Any, length: int) -> None:
    page.wait_for_function(f"document.body.dataset.ready === '{length}'", timeout=30000)


def test_the_page_clicks_through_the_lease_lock_counterexample(
    server: ExploreServer, browser: Any, counterexamples: list[Path]
) -> None:
    trace = _lease_trace(counterexamples)
    document = json.loads(trace.read_text(encoding="utf-8"))
    states = document["states"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url)
    page.wait_for_selector("#choices li button")
    assert page.locator("#choices-title").text_content() == "Initial states"
    page.click("#choices li button >> nth=0")
    _wait_for_path(page, 1)
    for k in range(1, len(states)):
        # the state shown is the trace's state; then click the enabled step the trace took
        shown = page.locator("#state .group div").all_inner_texts()
        assert sorted(shown) == sorted(_expected_lines(states[k - 1])), k
        exactly = re.compile(f"^{re.escape(states[k]['#meta']['text'])}$")
        page.locator("#choices li button", has_text=exactly).click()
        _wait_for_path(page, k + 1)
        assert page.locator("#path li.last").inner_text() == states[k]["#meta"]["text"]
        # the chart grows with the path: one row per step
        assert page.locator("#chart svg g.node[id^='step-']").count() == k + 1
    shown = page.locator("#state .group div").all_inner_texts()
    assert sorted(shown) == sorted(_expected_lines(states[-1]))
    assert page.locator("#state .group div.changed").all_inner_texts() == [
        "Storage.clobbered = true",
        "nothing in flight",
    ]
    assert "VIOLATED: no_clobber" in page.inner_text("#violated")
    storage = page.locator("#state .group[data-title='Storage']").inner_text()
    assert "Storage.clobbered = true" in storage
    # the keyboard: back twice; the highlight starts on the path's next step; down and Enter take the one after
    page.keyboard.press("ArrowLeft")
    _wait_for_path(page, 12)
    page.keyboard.press("Backspace")
    _wait_for_path(page, 11)
    assert page.locator("#path li.ahead").count() == 2
    buttons = page.locator("#choices li button").all_inner_texts()
    highlighted = page.locator("#choices li.highlighted button").inner_text()
    assert highlighted == states[11]["#meta"]["text"]
    second = buttons[buttons.index(highlighted) + 1]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    _wait_for_path(page, 12)
    assert page.locator("#path li.last").inner_text() == second
    assert page.locator("#path li.ahead").count() == 0  # another step than the next forgets the rest
    # the mouse: a click on a step of the path goes back to it
    page.click("#path li >> nth=3")
    _wait_for_path(page, 4)
    assert page.locator("#path li.last").inner_text() == states[3]["#meta"]["text"]
    page.close()


def test_the_page_loads_a_counterexample_and_steps_through_it_with_the_arrow_keys(
    server: ExploreServer, browser: Any, counterexamples: list[Path]
) -> None:
    trace = _lease_trace(counterexamples)
    states = json.loads(trace.read_text(encoding="utf-8"))["states"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url)
    page.wait_for_selector("#choices li button")
    page.set_input_files("#load", str(trace))
    _wait_for_path(page, 1)
    assert "loaded gc_pauses: no_clobber (12 steps)" in page.inner_text("#message")
    assert page.locator("#path li.ahead").all_inner_texts() == [s["#meta"]["text"] for s in states[1:]]
    assert "next in the trace" not in page.inner_text("#choices")  # said by CSS, not text
    assert page.locator("#choices li.next").count() == 1
    for k in range(1, len(states)):
        page.keyboard.press("ArrowRight")
        _wait_for_path(page, k + 1)
    assert sorted(page.locator("#state .group div").all_inner_texts()) == sorted(_expected_lines(states[-1]))
    assert "VIOLATED: no_clobber" in page.inner_text("#violated")
    page.close()


def test_the_chart_of_a_path_is_red_only_where_a_property_is_violated(counterexamples: list[Path]) -> None:
    import xml.etree.ElementTree as ET

    if shutil.which("neato") is None:
        pytest.skip("Graphviz is not installed")
    svg_ns = "{http://www.w3.org/2000/svg}"

    def verdict(svg: str | None) -> tuple[str, str, str]:
        g = next(g for g in ET.fromstring(svg or "").iter(f"{svg_ns}g") if g.get("id") == "verdict")
        text = next(g.iter(f"{svg_ns}text"))
        return text.text or "", text.get("fill", ""), next(g.iter(f"{svg_ns}path")).get("fill", "")

    session = Session(spec.load_file(SPECS / "lease_lock.fl"), "gc_pauses", {})
    session.start(0)
    text, ink, fill = verdict(session.chart_svg())
    assert text == "no invariant is violated here" and ink != "#c62828" and fill != "#ffebee"
    session.load(json.loads(_lease_trace(counterexamples).read_text(encoding="utf-8")))
    session.go_to(12)
    assert verdict(session.chart_svg()) == ("VIOLATED here: no_clobber", "#c62828", "#ffebee")


def test_a_loaded_lasso_says_at_its_end_what_it_violates_and_how_it_goes_round(
    counterexamples: list[Path],
) -> None:
    """A liveness counterexample violates no invariant in any of its states: at its end the page names the
    property and the cycle, and the chart marks the lasso as `check` draws it; anywhere else on the path,
    or off it, nothing is said."""
    trace = next(
        t
        for t in counterexamples
        if t.parts[-3:-1] == ("retry_increment", "idempotent_synchronous_losing_every_attempt")
    )
    document = json.loads(trace.read_text(encoding="utf-8"))
    session = Session(spec.load_file(SPECS / "retry_increment.fl"), "naive_reliable", {})
    session.load(document)
    assert session.view()["violated"] == []
    session.go_to(len(document["states"]) - 1)
    (violated,) = session.view()["violated"]
    assert violated["name"] == "gets_ack"
    assert violated["text"] == f"eventually Client.acked (a lasso: {document['#meta']['closing']})"
    if shutil.which("neato") is not None:
        svg = session.chart_svg() or ""
        assert "VIOLATED here: gets_ack (a lasso: the run stays at step 10 for ever)" in svg
    session.back()
    assert session.view()["violated"] == []
    session.forward()
    assert session.view()["violated"] != []
    session.use_model("naive_reliable")
    assert session.lasso is None


def test_the_keys_still_walk_after_a_file_is_chosen_or_the_model_is_switched(
    server: ExploreServer, browser: Any, counterexamples: list[Path]
) -> None:
    """Choosing a file or a model leaves the focus on that control, where the arrow keys would do nothing
    (the file) or switch the model again (the list): the page hands the keys back to the walk."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url)
    page.wait_for_selector("#choices li button")
    page.focus("#model")
    page.evaluate("delete document.body.dataset.ready")
    page.select_option("#model", "no_pauses")
    _wait_for_path(page, 0)  # the new model's page is shown
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    _wait_for_path(page, 1)
    assert page.locator("#model").input_value() == "no_pauses"
    assert json.loads(_request(server.url + "api/view")[1])["model"] == "no_pauses"
    with page.expect_file_chooser() as chooser:
        page.click("#load")  # as a person does: the file input has the focus
    chooser.value.set_files(str(_lease_trace(counterexamples)))
    page.wait_for_function("document.getElementById('model').value === 'gc_pauses'")
    page.keyboard.press("ArrowRight")
    _wait_for_path(page, 2)
    page.close()
