"""Byzantine nodes: chosen by the adversary at the start, they ignore their handlers and may send any
message with any field values, but cannot forge `from` or invent a signed message."""

from __future__ import annotations

import pytest

import spec
from explorer.state import BYZANTINE
from explorer.trace.path import rebuild
from explorer.trace.present import Presenter
from spec import SpecError
from tests.conftest import build, run
from tests.explorer.test_time import reachable


def _byzantine(model, state) -> list[int]:  # type: ignore[no-untyped-def]
    return [i for i in range(model.n) if Presenter(model).local(state, i)[0] == BYZANTINE]


CHOICE = """
message Hello
node P * 3 { on start { skip } }
node Q * 3 symmetric { var started: bool = false
  on start { started = true } }
model p { faults { byzantine <= 2 of P } }
model q { faults { byzantine <= 2 of Q } }
"""


def test_the_adversary_picks_up_to_f_byzantine_nodes_once_per_set_or_once_per_size_under_symmetry() -> None:
    p = build(CHOICE, "p")
    assert sorted(tuple(_byzantine(p, s)) for _, s in p.init_states()) == sorted(
        [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]
    )
    q = build(CHOICE, "q")
    chosen = sorted(tuple(_byzantine(q, s)) for _, s in q.init_states())
    assert chosen == sorted([(), (5,), (4, 5)])
    for _, state in q.init_states():  # a Byzantine node runs none of its handlers, `on start` included
        for i in range(3, 6):
            started = Presenter(q).snapshot(state)[f"Q[{i - 3}].started"][1]
            assert started == ("false" if i in _byzantine(q, state) else "true")


LIAR = """
message Claim(v: 0..2)
message Poke
node Liar * 2 symmetric {
  var pokes: 0..3 = 0
  on Poke { pokes = pokes + 1 }
}
node Judge * 2 {
  var heard: (0..2)? = none
  on Claim(v) from l when heard == none { heard = v }
}
invariant judges_agree: Judge[0].heard == none or Judge[1].heard == none or Judge[0].heard == Judge[1].heard
model m { faults { byzantine <= 1 of Liar } }
model cut { network { reorder; partition <= 1 }; faults { byzantine <= 1 of Liar } }
"""


def test_a_byzantine_node_may_send_any_value_to_anyone_and_tell_each_a_different_story() -> None:
    model = build(LIAR, "m")
    liar_state = next(s for _, s in model.init_states() if _byzantine(model, s))
    successors, _ = model.successors(liar_state)
    injected = {
        Presenter(model).describe(liar_state, a, t)["text"] for a, t in successors if a.kind == "inject"
    }
    # anything its receivers handle: Claims to the judges, and Pokes to the other (correct) liar
    assert injected == {
        f"Liar[1] (Byzantine) sends Claim(v={v}) to Judge[{j}]" for j in (0, 1) for v in (0, 1, 2)
    } | {"Liar[1] (Byzantine) sends Poke to Liar[0]"}
    _, result = run(LIAR, "m")
    assert result.discoveries["judges_agree"].length == 2  # equivocation: 0 to one judge, 1 to the other


def test_a_byzantine_node_does_not_take_its_own_steps_nor_receive() -> None:
    model = build(LIAR, "m")
    for state, action, _ in reachable(model):
        liars = _byzantine(model, state)
        if action.kind in ("deliver", "act", "fire"):
            receiver = model.effects.msgs.dst[action.message] if action.kind == "deliver" else action.node
            assert receiver not in liars


def test_a_partition_cuts_a_byzantine_node_off_too() -> None:
    model = build(LIAR, "cut")
    liar_state = next(s for _, s in model.init_states() if _byzantine(model, s))
    cuts = [t for a, t in model.successors(liar_state)[0] if a.kind == "partition"]
    for state in cuts:
        links = set(Presenter(model).cut_links(state))
        targets = {
            model.effects.msgs.dst[a.message] for a, _ in model.successors(state)[0] if a.kind == "inject"
        }
        assert all((1, t) not in links for t in targets)  # Liar[1] is node 1


SIGNED = """
const CHECK_SIGNER = true
signed message Token(v: 1..3)
message Ask
node Issuer { var next: 1..3 = 1
  on Ask from c when next < 3 { send Token(next) to c; next = next + 1 } }
node Holder * 2 symmetric { on start { send Ask to Issuer } }
node Bank { var best: 0..3 = 0
  on Token(v) signed by s { if s == Issuer or not CHECK_SIGNER { best = max(best, v) } } }
invariant only_issued: Bank.best < Issuer.next
model m { faults { byzantine <= 1 of Holder } }
model unchecked { const CHECK_SIGNER = false; faults { byzantine <= 1 of Holder } }
"""


def test_a_byzantine_node_signs_anything_as_itself_and_relays_only_what_others_signed_for_it() -> None:
    model, result = run(SIGNED, "m")
    assert result.complete and "only_issued" not in result.discoveries
    issuer = 0
    relayed, own = set(), set()
    for state, action, _ in reachable(model):
        if action.kind == "inject" and model.effects.msgs.values[action.message][2] == 0:  # a Token
            src, _, _, args = model.effects.msgs.values[action.message]
            *fields, signer = args
            if signer == issuer:  # someone else's signature: only as it was sent to the liar
                given = [a for (_, (s, d, m, a)) in Presenter(model).in_flight(state) if d == src and m == 0]
                assert args in given
                relayed.add(args)
            else:
                assert signer == src  # never a correct node's signature but the issuer's it was given
                own.add(tuple(fields))
    assert relayed == {(1, issuer), (2, issuer)}
    assert own == {(1,), (2,), (3,)}  # it signs whatever it likes as itself


def test_a_receiver_that_ignores_the_signer_trusts_a_liars_own_signature() -> None:
    _, result = run(SIGNED, "unchecked")
    assert result.discoveries["only_issued"].length == 1  # Holder (Byzantine) signs Token(v=1..3) itself


def test_a_byzantine_sender_may_equivocate_with_signed_messages() -> None:
    text = """
signed message Order(attack: bool)
node General { on start { broadcast Order(true) to Lieutenant } }
node Lieutenant * 2 { var heard: bool? = none
  on Order(a) signed by s when heard == none { if s == General { heard = a } } }
invariant agree: Lieutenant[0].heard == none or Lieutenant[1].heard == none
    or Lieutenant[0].heard == Lieutenant[1].heard
model traitor { faults { byzantine <= 1 of General } }
"""
    model, result = run(text, "traitor")
    path = rebuild(model, result.discoveries["agree"].fingerprints)
    assert path.length == 2  # Order(true) signed by the General to one, Order(false) to the other
    texts = [
        Presenter(model).describe(s, a, t)["text"]
        for (_, s), (a, t) in zip(path.steps, path.steps[1:], strict=False)
    ]
    assert sorted(texts) == [
        "General (Byzantine) sends Order(attack=false, signer=General) to Lieutenant[1]",
        "General (Byzantine) sends Order(attack=true, signer=General) to Lieutenant[0]",
    ] or sorted(texts) == [
        "General (Byzantine) sends Order(attack=false, signer=General) to Lieutenant[0]",
        "General (Byzantine) sends Order(attack=true, signer=General) to Lieutenant[1]",
    ]


def test_relay_passes_on_the_signed_message_and_its_signer() -> None:
    text = """
signed message Note(v: 0..1)
node A { on start { send Note(1) to B } }
node B { on Note(v) { relay to C } }
node C { var from_a: bool = false
  on Note(v) from f signed by s { from_a = s == A and f == B } }
invariant never: not C.from_a
"""
    _, result = run(text)
    assert result.discoveries["never"].length == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "message M(v: 0..1)\nnode A { on M(v) signed by s { skip } }",
            "message M is not signed, so it has no signer",
        ),
        (
            "message M(v: 0..1)\nnode A { on M(v) { relay to A } }",
            "`relay` passes on the signed message being handled",
        ),
        ("signed message M(v: 0..1)\nnode A { action a { relay to A } }", "this is not a message handler"),
        ("message M(src: 0..1)", "a message field cannot be named 'src'"),
        ("signed message M(signer: 0..1)", "a message field cannot be named 'signer'"),
    ],
)
def test_signatures_and_reserved_field_names_are_checked(text: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        spec.load(text)
    assert any(message in d.message for d in raised.value.diagnostics), raised.value.diagnostics


def test_trace_says_who_lied() -> None:
    model, result = run(LIAR, "m")
    path = rebuild(model, result.discoveries["judges_agree"].fingerprints)
    texts = [
        Presenter(model).describe(s, a, t)["text"]
        for (_, s), (a, t) in zip(path.steps, path.steps[1:], strict=False)
    ]
    assert all(t.startswith("Liar[1] (Byzantine) sends Claim(v=") for t in texts)


def test_byzantine_is_a_ghost_question_inside_handlers() -> None:
    text = """
node A { var x: bool = false
  ghost var g: bool = false
  action look { g = byzantine(self) }
  action act when not byzantine(self) { x = true } }
"""
    with pytest.raises(SpecError) as raised:
        spec.load(text)
    (d,) = raised.value.diagnostics
    assert d.code == "FL206" and "a guard may not read `byzantine(…)`" in d.message
    assert (d.span.line, d.span.column) == (5, 19)


def test_a_message_domain_too_large_to_inject_is_refused_and_a_large_one_is_warned_about() -> None:
    text = """
message Huge(a: 0..99, b: 0..99, c: 0..99)
message Big(a: 0..99, b: 0..20)
node A { on Huge { skip }
  on Big(a, b) { skip } }
node B { }
model m { faults { byzantine <= 1 of B } }
model small { faults { byzantine <= 1 of B } }
"""
    checked = spec.load(text, "big.fl")
    with pytest.raises(SpecError) as raised:
        spec.instantiate(checked, "m")
    (d,) = raised.value.diagnostics
    assert d.code == "FL503"
    assert "could send 1,000,000 different Huge messages" in d.message
    assert (d.span.line, d.span.column) == (2, 9)
    fine = spec.load(
        text.replace("message Huge(a: 0..99, b: 0..99, c: 0..99)", "message Huge(a: 0..1)"), "big.fl"
    )
    system = spec.instantiate(fine, "small")
    (warning,) = system.warnings
    assert warning.severity == "warning"
    assert "may inject up to 2,102 different messages at every step" in warning.message
