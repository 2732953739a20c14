"""The default rules on scripted interactions: the assumed rows, transfers through a queue,
holds, record types, and every random well-formed interaction fully decided."""

from __future__ import annotations

from importlib.resources import files

import pytest
from hypothesis import given, settings

from rulesengine.decide.ruleset import load_rules
from rulesengine.language.compile import RuleRef
from rulesengine.runtime.pipeline import model_of
from tests.interactions import Script, assembled, interactions

from .conftest import decisions, descriptor

DEFAULTS = load_rules()


def test_defaults_load_clean():
    assert DEFAULTS.diagnostics == ()
    assert DEFAULTS.decider is not None


def _routed_and_accepted() -> Script:
    return Script().routed("a1").accept("a1")


def _transfer_through_queue(*, accepted: bool = True, initiator_leaves: bool = True) -> Script:
    """Agent a1 places the chat in queue q2 with intent transfer; s2 routes it to a2."""
    chat = _routed_and_accepted().enter("q2", "a1", intent="transfer").enter("s2", "q2").leave("q2")
    chat.invite("a2", "s2", "route").leave("s2")
    if accepted:
        chat.accept("a2")
    else:
        chat.revoke("a2", "timeout")
    if initiator_leaves:
        chat.leave("a1", "transfer")
    return chat.customer_leaves().leave("a2" if accepted else "a1").end()


def _parked_then_pulled() -> Script:
    """Agent a1 parks the chat in workbin w1, giving no intent, and leaves; a2 pulls it from there."""
    chat = _routed_and_accepted().enter("w1", "a1").leave("a1")
    return chat.invite("a2", "w1", "pull").accept("a2").leave("w1").leave("a2").end()


CASES = {
    "queue handed on, agent accepted": (
        _routed_and_accepted().leave("a1").end(), "q1", "Received/Diverted [AnsweredByAgent]", "MSF"),
    "queue handed on, customer left while the agent was alerted": (
        Script().routed("a1").customer_leaves().revoke("a1").end(), "q1",
        "Received/Diverted [AbandonedWhileRinging]", "MSF"),
    "queue handed on, nobody accepted": (
        Script().routed("a1").revoke("a1", "timeout").end(), "q1", "Received/Diverted", "MSF"),
    "queue in which the chat ended": (Script().enter("q1").end(), "q1", "Received/Cleared", "IRF"),
    "workbin an agent pulled from": (
        Script().enter("w1").invite("a1", "w1", "pull").accept("a1").leave("w1").leave("a1").end(), "w1",
        "Received/Diverted [AnsweredByAgent]", "MSF"),
    "agent who pulled": (
        Script().enter("w1").invite("a1", "w1", "pull").accept("a1").leave("w1").leave("a1").end(), "a1",
        "Puller/Completed", "IRF"),
    "agent who pulled from a workbin another agent parked the chat in": (
        _parked_then_pulled(), "a2", "Puller/Completed", "IRF"),
    "agent who parked the chat in a workbin": (_parked_then_pulled(), "a1", "RoutedTo/Completed", "IRF"),
    "agent routed from a queue another agent placed the chat in, no intent given": (
        _routed_and_accepted().routed("a2", queue="q2", strategy="s2", placed_by="a1").accept("a2").leave("a1")
        .leave("a2").end(), "a2", "RoutedTo/Completed", "IRF"),
    "strategy that routed": (_routed_and_accepted().leave("a1").end(), "s1", "Puller/Routed", "MSF"),
    "strategy that stopped": (Script().enter("q1").enter("s1", "q1").leave("s1").end(), "s1",
                              "Puller/Cleared", "IRF"),
    "routed agent who declined": (Script().routed("a1").reject("a1", "declined").end(), "a1",
                                  "RoutedTo/Redirected [Rejected]", "IRF"),
    "transfer target who declined": (
        _routed_and_accepted().invite("a2", "a1", "transfer").reject("a2").leave("a1").end(), "a2",
        "ReceivedTransfer/Abandoned [Rejected]", "IRF"),
    "agent still connected at the end": (_routed_and_accepted().end(), "a1", "RoutedTo/Completed", "IRF"),
    "agent still alerted at the end": (Script().routed("a1").end(), "a1", "RoutedTo/Incomplete", "IRF"),
    "transfer through a queue: the initiator": (_transfer_through_queue(), "a1", "RoutedTo/Transferred", "IRF"),
    "transfer through a queue: the target": (_transfer_through_queue(), "a2", "ReceivedTransfer/Completed",
                                             "IRF"),
    "transfer through a queue: the queue": (_transfer_through_queue(), "q2",
                                            "Received/Diverted [AnsweredByAgent]", "MSF"),
    "transfer through a queue that failed": (
        _transfer_through_queue(accepted=False, initiator_leaves=False), "a1", "RoutedTo/Completed", "IRF"),
    "transfer through a queue whose initiator stayed": (
        _transfer_through_queue(initiator_leaves=False), "a1", "RoutedTo/Completed", "IRF"),
    "customer left while the agent held the chat": (
        _routed_and_accepted().hold("a1").customer_leaves().leave("a1").end(), "a1",
        "RoutedTo/CustomerAbandoned [AbandonedFromHold]", "IRF"),
    "customer left after the hold ended": (
        _routed_and_accepted().hold("a1").retrieve("a1").customer_leaves().leave("a1").end(), "a1",
        "RoutedTo/Completed", "IRF"),
    "agent who left while holding, the customer still there": (
        _routed_and_accepted().hold("a1").leave("a1").end(), "a1", "RoutedTo/Completed", "IRF"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_descriptor(name):
    """The assumed descriptors the domain reference leaves to rules, and the new situations."""
    script, party, expected, record = CASES[name]
    decision = decisions(DEFAULTS.decider, script)[party]
    assert (descriptor(decision), decision.record) == (expected, record)
    assert not decision.incomplete and decision.problems == ()


def _line_of(rule_id: str) -> int:
    text = files("rulesengine.rules").joinpath("chat.rules").read_text()
    return next(number for number, line in enumerate(text.splitlines(), start=1)
                if line.startswith(f"rule {rule_id} "))


def test_decision_names_role_rule_then_result_rule_then_record_rule():
    chat = _routed_and_accepted().invite("a2", "a1", "transfer").accept("a2").leave("a1").leave("a2").end()
    decision = decisions(DEFAULTS.decider, chat)["a1"]
    assert decision.rules == tuple(RuleRef(rule, "rules/chat.rules", _line_of(rule)) for rule in
                                   ("agent.routed_to", "agent.transferred", "record.handling"))


def test_one_rule_deciding_two_slots_is_named_once(load):
    loaded = load('vocabulary role: Received\nvocabulary result: Diverted\nvocabulary record: IRF\n'
                  'rule q.both "d" for queue set role Received, result Diverted, record IRF')
    decision = decisions(loaded.decider, Script().enter("q1").end())["q1"]
    assert descriptor(decision) == "Received/Diverted"
    assert [ref.id for ref in decision.rules] == ["q.both"]


@settings(max_examples=300, deadline=None)
@given(interactions())
def test_every_party_of_every_interaction_is_decided_without_ties(events):
    model = model_of(assembled(events))
    for party, decision in zip(model.parties, DEFAULTS.decider.decide(model), strict=True):
        assert decision.problems == (), party
        assert not decision.incomplete, (party, decision)
        assert "Unspecified" not in (decision.resource_role, decision.technical_result, decision.record)


def _hop_chain(hops: int) -> Script:
    """The chat goes through `hops` queue-and-strategy pairs, each strategy placing it in the
    next queue, before the last strategy routes it to an agent who accepts."""
    chat = Script().enter("q0")
    for hop in range(hops):
        chat.enter(f"s{hop}", f"q{hop}").leave(f"q{hop}")
        if hop + 1 < hops:
            chat.enter(f"q{hop + 1}", f"s{hop}").leave(f"s{hop}")
    last = f"s{hops - 1}"
    return chat.invite("a1", last).leave(last).accept("a1").customer_leaves().leave("a1").end()


def test_a_long_chain_of_hops_is_decided_hop_by_hop():
    decided = decisions(DEFAULTS.decider, _hop_chain(10_000))
    assert len(decided) == 20_001
    assert {descriptor(decided[f"q{hop}"]) for hop in range(10_000)} == {"Received/Diverted [AnsweredByAgent]"}
    assert {descriptor(decided[f"s{hop}"]) for hop in range(10_000)} == {"Puller/Routed"}
    assert descriptor(decided["a1"]) == "RoutedTo/Completed"


def test_what_a_queue_led_to_is_worked_out_from_the_parties_it_brought_in(monkeypatch):
    """Every party below a mediation party, walked from each of them, costs the square of a
    chain's length: the facts read what each party brought in, once per party."""
    from rulesengine.model.interaction import Party

    walks: list[str] = []
    everything_below = Party.reached.fget
    monkeypatch.setattr(Party, "reached", property(lambda party: walks.append(party.kind) or everything_below(party)))
    decided = decisions(DEFAULTS.decider, _hop_chain(50))
    assert descriptor(decided["q49"]) == "Received/Diverted [AnsweredByAgent]"
    assert set(walks) <= {"agent"}
