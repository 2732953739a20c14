"""The default rules against every documented party of chat-flows.md, and the assumed rows."""

from __future__ import annotations

from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.decision import Decision, RuleRef
from rulesengine.facts import FACTS, STATES
from rulesengine.ruleset import load_rules

from .conftest import build_party as party

DEFAULTS = load_rules()
AT_CUSTOMER_LEFT_ALERTING = dict(customer_left=True, at_customer_left="alerting")


def descriptor(decision: Decision) -> str:
    text = f"{decision.resource_role}/{decision.technical_result}"
    if decision.role_reason != "Unspecified":
        text = f"{decision.resource_role} [{decision.role_reason}]/{decision.technical_result}"
    if decision.result_reason != "Unspecified":
        text += f" [{decision.result_reason}]"
    return text


def test_defaults_load_clean():
    assert DEFAULTS.diagnostics == ()
    assert DEFAULTS.evaluator is not None


DOCUMENTED = {
    "C1 agent 1": (party(), "RoutedTo/Completed"),
    "C2 agent 1": (party(steps=("invited", ("revoked", {"reason": "timeout"}))),
                   "RoutedTo/Redirected [Revoked]"),
    "C3 agent 1": (party(transfer_completed=True), "RoutedTo/Transferred"),
    "C3 agent 2": (party(intent="transfer", origin="transfer", invited_by="agent"),
                   "ReceivedTransfer/Completed"),
    "C4 agent 1": (party(), "RoutedTo/Completed"),
    "C4 agent 2": (party(steps=("invited", "revoked"), intent="transfer", origin="transfer",
                         invited_by="agent", engage_ms=None),
                   "ReceivedTransfer/Abandoned [Revoked]"),
    "C5 agent 1": (party(), "RoutedTo/Completed"),
    "C5 agent 2": (party(intent="conference", origin="conference", invited_by="agent",
                         visibility="conference"), "InConference/Completed"),
    "C6 agent 2, visibility unknown": (
        party(steps=("invited", "revoked"), intent="conference", origin="conference",
              invited_by="agent"), "InConference/Abandoned [Revoked]"),
    "C6 agent 2, coach": (
        party(steps=("invited", "revoked"), intent="conference", origin="conference",
              invited_by="agent", visibility="coach"), "ReceivedConsult/Abandoned [Revoked]"),
    "C7 agent 2": (party(intent="conference", origin="conference", invited_by="agent",
                         visibility="coach"), "ReceivedConsult/Completed"),
    "C7 agent 2, consult intent": (party(intent="consult", origin="consult", invited_by="agent"),
                                   "ReceivedConsult/Completed"),
    "C8 agent 2": (party(origin="conference", through_queue=True), "InConference/Completed"),
    "C8 agent 2, consult": (party(origin="consult", through_queue=True), "ReceivedConsult/Completed"),
    "C9 queue": (party("queue", steps=("entered",), customer_left=True, at_customer_left="waiting"),
                 "Received/CustomerAbandoned [AbandonedWhileQueued]"),
    "C10 strategy": (party("strategy", steps=("entered",), customer_left=True,
                           at_customer_left="routing"), "Puller/CustomerAbandoned"),
    "C11 agent 1": (party(steps=("invited",), engage_ms=None, **AT_CUSTOMER_LEFT_ALERTING),
                    "RoutedTo/CustomerAbandoned [AbandonedWhileRinging]"),
    "C11 agent 1, revoked after": (
        party(steps=("invited", "revoked"), engage_ms=None, **AT_CUSTOMER_LEFT_ALERTING),
        "RoutedTo/CustomerAbandoned [AbandonedWhileRinging]"),
}

ASSUMED = {
    "queue handed on, agent accepted": (
        party("queue", handed_on=True, delivered_accepted=True), "Received/Diverted [AnsweredByAgent]"),
    "queue handed on, customer left while agent alerted": (
        party("queue", handed_on=True, customer_left=True, at_customer_left="finished",
              delivered_at_customer_left="alerting"), "Received/Diverted [AbandonedWhileRinging]"),
    "queue handed on, nobody accepted or abandoned": (party("queue", handed_on=True), "Received/Diverted"),
    "queue in which the chat ended": (party("queue", steps=("entered",)), "Received/Cleared"),
    "workbin handed on to a puller": (party("workbin", handed_on=True, delivered_accepted=True),
                                      "Received/Diverted [AnsweredByAgent]"),
    "strategy that routed": (party("strategy", handed_on=True), "Puller/Routed"),
    "strategy that stopped": (party("strategy"), "Puller/Cleared"),
    "routed agent who declined": (party(steps=("invited", "rejected")), "RoutedTo/Redirected [Rejected]"),
    "transfer target who declined": (party(steps=("invited", "rejected"), origin="transfer"),
                                     "ReceivedTransfer/Abandoned [Rejected]"),
    "agent still connected at the end": (party(steps=("invited", "accepted")), "RoutedTo/Completed"),
    "agent still alerted at the end": (party(steps=("invited",)), "RoutedTo/Incomplete"),
    "agent who pulled": (party(origin="pull", intent="pull", invited_by="queue"), "Puller/Completed"),
}


@pytest.mark.parametrize(("cases", "name"), [
    *(pytest.param(DOCUMENTED, name, id=f"documented {name}") for name in sorted(DOCUMENTED)),
    *(pytest.param(ASSUMED, name, id=f"assumed {name}") for name in sorted(ASSUMED)),
])
def test_descriptor(cases, name):
    """Documented descriptors, and the assumed ones the domain reference leaves to rules."""
    facts, expected = cases[name]
    decision = DEFAULTS.evaluator.decide(facts)
    assert descriptor(decision) == expected
    assert not decision.incomplete and decision.problems == ()


def _line_of(rule_id: str) -> int:
    text = files("rulesengine.rules").joinpath("chat.rules").read_text()
    return next(number for number, line in enumerate(text.splitlines(), start=1)
                if line.startswith(f"rule {rule_id} "))


def test_decision_names_role_rule_then_result_rule():
    decision = DEFAULTS.evaluator.decide(DOCUMENTED["C3 agent 1"][0])
    assert decision.rules == (RuleRef("agent.routed_to", "rules/chat.rules", _line_of("agent.routed_to")),
                              RuleRef("agent.transferred", "rules/chat.rules",
                                      _line_of("agent.transferred")))


def test_one_rule_deciding_both_slots_is_named_once(load):
    loaded = load('vocabulary role: Received\nvocabulary result: Diverted\n'
                  'rule q.both "d" for queue set role Received, result Diverted')
    decision = loaded.evaluator.decide(party("queue", steps=("entered",)))
    assert descriptor(decision) == "Received/Diverted"
    assert [ref.id for ref in decision.rules] == ["q.both"]


# ---- every plausible party gets a full descriptor and no tie ----------------------------

AGENT_STEPS = [("invited",), ("invited", "accepted"), ("invited", "accepted", "left"),
               ("invited", "rejected"), ("invited", "revoked")]
MEDIATION_STEPS = [("entered",), ("entered", "left")]


def _enum(name):
    return st.sampled_from(FACTS[name].values)


@st.composite
def parties(draw):
    kind = draw(_enum("kind"))
    steps = draw(st.sampled_from(AGENT_STEPS if kind == "agent" else MEDIATION_STEPS))
    return party(
        kind, steps=steps, origin=draw(_enum("origin")), intent=draw(_enum("intent")),
        visibility=draw(_enum("visibility")), invited_by=draw(_enum("invited_by")),
        through_queue=draw(st.booleans()), customer_left=draw(st.booleans()),
        at_customer_left=draw(st.sampled_from(STATES)), transfer_completed=draw(st.booleans()),
        handed_on=draw(st.booleans()), delivered_accepted=draw(st.booleans()),
        delivered_at_customer_left=draw(st.sampled_from(STATES)),
        alert_ms=draw(st.none() | st.integers(0, 100_000)),
    )


@settings(max_examples=300, deadline=None)
@given(parties())
def test_every_plausible_party_is_decided_without_ties(facts):
    decision = DEFAULTS.evaluator.decide(facts)
    assert decision.problems == ()
    assert not decision.incomplete
    assert decision.resource_role != "Unspecified" and decision.technical_result != "Unspecified"
