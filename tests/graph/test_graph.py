"""The interaction graph: relations, paths, moments, and the facts rules read."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from rulesengine.assemble import Interaction, assemble
from rulesengine.graph import Hop, InteractionGraph, relation_of

FLOWS = Path(__file__).parent.parent / "flows"


def interaction_of(flow: str) -> Interaction:
    (interaction,) = assemble([str(FLOWS / f"{flow}.jsonl")])
    assert isinstance(interaction, Interaction), interaction
    return interaction


def graph_of(flow: str) -> InteractionGraph:
    return InteractionGraph.of(interaction_of(flow))


def facts_of(flow: str) -> dict[str, object]:
    """Facts by the party's short name (`a1`, `q2`...)."""
    return {facts.party.rsplit(".", 1)[1]: facts for facts in graph_of(flow).facts()}


@pytest.mark.parametrize(("source", "target", "intent", "relation"), [
    ("queue", "strategy", None, "pulled"),
    ("workbin", "agent", "pull", "pulled"),
    ("strategy", "agent", "route", "routed"),
    ("agent", "agent", "transfer", "invited"),
    ("agent", "queue", "conference", "placed"),
    ("strategy", "queue", None, "placed"),
])
def test_relations_are_named_by_the_kinds_at_both_ends(source, target, intent, relation):
    assert relation_of(source, target, intent) == relation


def test_parties_come_in_order_of_first_appearance():
    graph = graph_of("c03_transfer")
    assert [p.id.rsplit(".", 1)[1] for p in graph.parties()] == ["q1", "s1", "a1", "a2"]


def test_path_through_a_queue_goes_back_to_the_agent_that_placed_the_request():
    graph = graph_of("c08a_conference_through_queue")
    name = "c08a_conference_through_queue."
    assert graph.path_in(name + "a2") == (
        Hop(name + "s2", name + "a2", "routed", "route"),
        Hop(name + "q2", name + "s2", "pulled", None),
        Hop(name + "a1", name + "q2", "placed", "conference"),
    )
    assert graph.origin(name + "a2") == "conference"
    assert graph.through_queue(name + "a2")


def test_inbound_path_reaches_the_first_queue():
    graph = graph_of("c01_routed_completed")
    name = "c01_routed_completed."
    assert [hop.source for hop in graph.path_in(name + "a1")] == [name + "s1", name + "q1"]
    assert graph.origin(name + "a1") == "route"
    assert graph.origin(name + "q1") == "inbound"
    assert graph.relation_into(name + "q1") == "submitted"


@pytest.mark.parametrize(("flow", "origin"), [
    ("c03_transfer", "transfer"),
    ("c05_conference", "conference"),
    ("c08b_consult_through_queue", "consult"),
])
def test_origin_of_the_second_agent(flow, origin):
    facts = facts_of(flow)
    assert facts["a2"].origin == origin
    assert facts["a1"].origin == "route"


@pytest.mark.parametrize(("flow", "open_parties"), [
    ("c09_abandoned_in_queue", ["q1"]),
    ("c10_abandoned_during_routing", ["s1"]),
    ("c11_abandoned_while_alerting", ["a1"]),
    ("c03_transfer", ["a2"]),
])
def test_parties_open_when_the_customer_left(flow, open_parties):
    graph = graph_of(flow)
    assert graph.customer_left_seq is not None
    opened = graph.open_at(graph.customer_left_seq)
    assert [party.rsplit(".", 1)[1] for party in opened] == open_parties


@pytest.mark.parametrize(("flow", "party", "state"), [
    ("c09_abandoned_in_queue", "q1", "waiting"),
    ("c10_abandoned_during_routing", "s1", "routing"),
    ("c10_abandoned_during_routing", "q1", "finished"),
    ("c11_abandoned_while_alerting", "a1", "alerting"),
    ("c03_transfer", "a2", "connected"),
    ("c03_transfer", "a1", "finished"),
])
def test_state_when_the_customer_left(flow, party, state):
    assert facts_of(flow)[party].at_customer_left == state


def test_transfer_completed_only_when_the_target_accepted_before_the_initiator_left():
    assert facts_of("c03_transfer")["a1"].transfer_completed
    assert not facts_of("c04_transfer_failed")["a1"].transfer_completed
    assert not facts_of("c05_conference")["a1"].transfer_completed


def test_mediation_parties_know_what_they_led_to():
    c01 = facts_of("c01_routed_completed")
    assert c01["q1"].handed_on and c01["s1"].handed_on
    assert c01["q1"].delivered_accepted and c01["s1"].delivered_accepted
    c11 = facts_of("c11_abandoned_while_alerting")
    assert c11["q1"].delivered_at_customer_left == "alerting"
    assert not c11["q1"].delivered_accepted
    c09 = facts_of("c09_abandoned_in_queue")
    assert not c09["q1"].handed_on
    assert c09["q1"].delivered_at_customer_left == "not_started"


def test_durations_of_an_agent():
    a2 = facts_of("c03_transfer")["a2"]
    graph = graph_of("c03_transfer")
    party = graph.party(a2.party)
    assert a2.alert_ms == party.step("accepted").ms - party.step("invited").ms
    assert a2.engage_ms == party.step("left").ms - party.step("accepted").ms
    assert a2.stay_ms == a2.alert_ms + a2.engage_ms


def test_an_agent_never_accepted_has_no_engagement_and_alerts_until_the_end():
    a1 = facts_of("c11_abandoned_while_alerting")["a1"]
    assert a1.engage_ms is None
    assert a1.alert_ms == a1.stay_ms


def test_visibility_and_inviter():
    c06a, c06b = facts_of("c06a_conference_failed_unknown_visibility"), facts_of("c06b_conference_failed_coach")
    assert c06a["a2"].visibility == "unknown"
    assert c06b["a2"].visibility == "coach"
    assert c06a["a2"].invited_by == "agent"
    assert c06a["a1"].invited_by == "strategy"
    assert c06a["q1"].invited_by == "none"


@pytest.mark.parametrize("flow", sorted(p.stem for p in FLOWS.glob("*.jsonl")))
def test_facts_do_not_depend_on_the_order_events_are_given_in(flow):
    interaction = interaction_of(flow)
    shuffled = list(interaction.events)
    random.Random(7).shuffle(shuffled)
    assert list(InteractionGraph(interaction.id, shuffled).facts()) == list(InteractionGraph.of(interaction).facts())
