"""The interaction model: parties, moments, phases, relations, data, and its graph form."""

from __future__ import annotations

import random
from itertools import zip_longest
from pathlib import Path

import pytest
from hypothesis import given, settings

from rulesengine.events.assemble import Interaction, assemble
from rulesengine.events.contract import PARTY_EVENT_TYPES
from rulesengine.model.interaction import FIRST_STEPS, InteractionModel, relation_into, relation_of
from rulesengine.runtime.pipeline import model_of
from tests.interactions import Script, assembled, interactions

FLOWS = Path(__file__).parent.parent / "flows"


def interaction_of(flow: str) -> Interaction:
    (interaction,) = assemble([str(FLOWS / f"{flow}.jsonl")])
    assert isinstance(interaction, Interaction), interaction
    return interaction


def model(flow: str) -> InteractionModel:
    return model_of(interaction_of(flow))


def local(parties) -> list[str]:
    return [party.id.rsplit(".", 1)[1] for party in parties]


@pytest.mark.parametrize(("source", "target", "relation"), [
    ("queue", "strategy", "pulled"),
    ("workbin", "agent", "pulled"),
    ("strategy", "agent", "routed"),
    ("agent", "agent", "invited"),
    ("agent", "queue", "placed"),
    ("strategy", "queue", "placed"),
])
def test_relations_are_named_by_the_kinds_at_both_ends(source, target, relation):
    assert relation_of(source, target) == relation


def test_parties_come_in_order_of_first_appearance():
    assert local(model("c03_transfer").parties) == ["q1", "s1", "a1", "a2"]


def test_path_through_a_queue_goes_back_to_the_agent_that_placed_the_request():
    c08 = model("c08a_conference_through_queue")
    a2 = c08.party("c08a_conference_through_queue.a2")
    assert local(a2.path) == ["s2", "q2", "a1"]
    assert [relation_into(p) for p in (a2, *a2.path)] == ["routed", "pulled", "placed", "routed"]
    a1 = c08.party("c08a_conference_through_queue.a1")
    assert local(a1.reached) == ["q2", "s2", "a2"]
    assert local(a1.brought_in) == ["q2"]


def test_inbound_path_reaches_the_first_queue():
    c01 = model("c01_routed_completed")
    a1, q1 = c01.party("c01_routed_completed.a1"), c01.party("c01_routed_completed.q1")
    assert local(a1.path) == ["s1", "q1"]
    assert q1.path == [] and q1.by is None and relation_into(q1) == "submitted"
    assert local(q1.reached) == ["s1", "a1"]


def test_reached_stops_at_agents():
    chat = Script().routed("a1").accept("a1").invite("a2", "a1", "conference").accept("a2")
    chat.invite("a3", "a2", "transfer").end()
    built = chat.model()
    assert local(built.party("i1.q1").reached) == ["s1", "a1"]
    assert local(built.party("i1.a1").reached) == ["a2"]
    assert local(built.party("i1.a2").reached) == ["a3"]


def test_moments_phases_and_durations_of_an_agent():
    chat = Script().routed("a1").wait(2).accept("a1").hold("a1").wait(4).retrieve("a1").hold("a1")
    built = chat.customer_leaves().leave("a1").end().model()
    a1 = built.party("i1.a1")
    assert (a1.invited.seq, a1.accepted.seq, a1.left.seq, a1.end.seq) == (5, 7, 12, 12)
    assert a1.rejected is a1.revoked is None
    assert [(a.seq, b.seq) for a, b in a1.on_hold] == [(8, 9), (10, 12)]
    assert [(a.seq, b.seq) for a, b in a1.alerting] == [(5, 7)]
    assert [(a.seq, b.seq) for a, b in a1.connected] == [(7, 12)]
    assert (a1.alert_ms, a1.engage_ms, a1.hold_ms, a1.stay_ms) == (4_000, 9_000, 5_000 + 2_000, 13_000)
    assert built.customer_left.seq == 11 and built.ended.seq == 13
    assert a1.step_names == ("invited", "accepted", "held", "retrieved", "held", "left")


def test_a_party_still_there_ends_with_the_interaction():
    built = Script().routed("a1").end().model()
    a1 = built.party("i1.a1")
    assert a1.end is built.ended and a1.answered is None
    assert [(a.seq, b.seq) for a, b in a1.alerting] == [(5, 7)]
    assert a1.connected == () and a1.on_hold == () and a1.hold_ms is None
    assert a1.alert_ms == a1.stay_ms and a1.engage_ms is None


def test_an_open_interaction_ends_at_its_last_event():
    built = Script().routed("a1").accept("a1").model(provisional=True)
    assert built.provisional and built.ended.seq == 7 and built.party("i1.a1").end.seq == 7


def test_visibility_is_unknown_when_the_invitation_does_not_say():
    c06a, c06b = model("c06a_conference_failed_unknown_visibility"), model("c06b_conference_failed_coach")
    assert c06a.party("c06a_conference_failed_unknown_visibility.a2").visibility == "unknown"
    assert c06b.party("c06b_conference_failed_coach.a2").visibility == "coach"


def test_attached_data_a_party_saw_its_own_events_winning():
    chat = Script(tier="gold", channel="web").routed("a1").accept("a1").leave("a1", tier="platinum").end()
    built = chat.model()
    assert built.data == {"tier": "gold", "channel": "web"}
    assert dict(built.party("i1.a1").data) == {"tier": "platinum", "channel": "web"}
    assert dict(built.party("i1.q1").data) == {"tier": "gold", "channel": "web"}


def test_the_interaction_data_is_that_of_every_event_of_no_party_merged_later_winning():
    chat = Script(tier="gold", channel="web").routed("a1").accept("a1")
    chat._emit("customer.left", data={"tier": "silver", "survey": "yes"})
    built = chat.leave("a1").end().model()
    assert built.data == {"tier": "silver", "channel": "web", "survey": "yes"}
    assert dict(built.party("i1.a1").data) == {"tier": "silver", "channel": "web", "survey": "yes"}


def test_the_model_as_a_graph():
    graph = model("c08a_conference_through_queue").to_networkx()
    name = "c08a_conference_through_queue."
    assert graph.graph["interaction"] == "c08a_conference_through_queue"
    assert graph.nodes[name + "a2"]["party"].resource == "Agent2"
    assert graph.edges[name + "a1", name + "q2"] == {"relation": "placed", "intent": "conference",
                                                     "visibility": None, "seq": 8}
    assert sorted(graph.successors(name + "s2")) == [name + "a2"]


@pytest.mark.parametrize("flow", sorted(p.stem for p in FLOWS.glob("*.jsonl")))
def test_the_model_does_not_depend_on_the_order_events_are_given_in(flow):
    interaction = interaction_of(flow)
    shuffled = list(interaction.events)
    random.Random(7).shuffle(shuffled)
    again = model_of(Interaction(interaction.id, tuple(sorted(shuffled, key=lambda e: e.seq))))
    first = model_of(interaction)
    assert [(p.id, p.kind, p.start.seq, p.end.seq, local(p.reached)) for p in again.parties] == [
        (p.id, p.kind, p.start.seq, p.end.seq, local(p.reached)) for p in first.parties]


def test_dispose_breaks_the_links_between_parties():
    built = Script().routed("a1").end().model()
    built.dispose()
    assert all(party.by is None and not party.brought_in for party in built.parties)


def _first(events, name: str):
    return next((event for event in events if event.event == name), None)


@settings(max_examples=200, deadline=None)
@given(interactions())
def test_the_model_says_what_the_events_say_and_is_built_from_the_assembly_walk(records):
    interaction = assembled(records)
    built = model_of(interaction)
    events = interaction.events
    assert built.ended is (_first(events, "interaction.ended") or events[-1])
    assert built.customer_left is _first(events, "customer.left")
    assert built.media == _first(events, "interaction.created").media
    expected_data: dict = {}
    for event in events:
        if event.event not in PARTY_EVENT_TYPES:
            expected_data.update(event.data)
    assert dict(built.data) == expected_data
    assert [party.id for party in built.parties] == [event.party for event in events if event.event in FIRST_STEPS]
    for party in built.parties:
        own = [event for event in events if event.event in PARTY_EVENT_TYPES and event.party == party.id]
        assert party.events == own
        assert party.names == tuple(event.event for event in own)
        assert (party.accepted, party.rejected, party.revoked, party.left) == tuple(
            _first(own, name) for name in ("party.accepted", "party.rejected", "party.revoked", "party.left"))
        held = [event for event in own if event.event == "party.held"]
        retrieved = [event for event in own if event.event == "party.retrieved"]
        assert party.holds == list(zip_longest(held, retrieved))
        assert party.end is (party.left or party.rejected or party.revoked or built.ended)
        assert party.by is (None if own[0].by is None else built.by_id[own[0].by])
        # the assembler's walk is what the model is built from: its lists are taken, not walked again
        assert interaction.survey is not None
        assert party.events is interaction.survey.parties[party.id].events
