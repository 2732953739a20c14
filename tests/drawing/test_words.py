"""The words and times diagrams show: one wording per way in, times that read back exactly."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulesengine.decide.ruleset import load_rules
from rulesengine.model.interaction import InteractionModel
from rulesengine.output.diagram import lane_names, to_mermaid
from rulesengine.output.diagram_words import brought_in, elapsed, step
from tests.cli.test_graph_cli import MERMAID_STATEMENT
from tests.events.builders import routed
from tests.interactions import Script, assembled, interactions

_ELAPSED = re.compile(r"\+(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(\d+)(?:\.(\d{1,3}))?s")


@pytest.mark.parametrize(("ms", "text"), [
    (0, "+0s"), (3_000, "+3s"), (59_999, "+59.999s"), (60_000, "+1m00s"), (125_000, "+2m05s"),
    (125_250, "+2m05.25s"), (3_600_000, "+1h00m00s"), (3_727_500, "+1h02m07.5s"),
    (86_400_000 + 3_600_000, "+1d01h00m00s"),
])
def test_elapsed_times(ms: int, text: str) -> None:
    assert elapsed(ms) == text


@given(st.integers(min_value=0, max_value=400 * 86_400_000))
def test_an_elapsed_time_reads_back_to_its_milliseconds(ms: int) -> None:
    days, hours, minutes, seconds, fraction = _ELAPSED.fullmatch(elapsed(ms)).groups()
    read = ((int(days or 0) * 24 + int(hours or 0)) * 60 + int(minutes or 0)) * 60 + int(seconds)
    assert read * 1000 + int((fraction or "").ljust(3, "0")) == ms


def _words(chat: Script) -> dict[str, str]:
    model = chat.model()
    return {party.id.rsplit(".", 1)[1]: brought_in(party, model.media) for party in model.parties}


def test_ways_in_are_named_in_plain_words() -> None:
    chat = Script("w").routed("a1").accept("a1")
    chat.invite("a2", "a1", "transfer").invite("a3", "a1", "conference", visibility="conference")
    chat.invite("a4", "a1", "conference", visibility="coach").invite("a5", "a1", "consult", visibility="monitor")
    chat.enter("q2", "a1", intent="consult").enter("w1", "a1").enter("s2", "q2")
    chat.invite("a6", "s2", "transfer").invite("a7", "q2", "pull")
    assert _words(chat) == {
        "q1": "submits the chat to", "s1": "pulled by", "a1": "routes to",
        "a2": "transfers to", "a3": "invites to a conference",
        "a4": "invites to a conference (coach mode)", "a5": "asks for a consultation (monitor mode)",
        "q2": "asks for a consultation through a queue", "w1": "places in a workbin",
        "s2": "pulled by", "a6": "routes the transfer to", "a7": "pulled by",
    }


def test_a_chat_back_in_a_queue_is_not_submitted_again() -> None:
    chat = Script("w").routed("a1").revoke("a1", "timeout").enter("q2")
    assert _words(chat)["q2"] == "the chat goes back to"


def test_steps_are_named_with_their_reason() -> None:
    chat = Script("w").enter("q1").enter("s1", "q1").invite("a1", "s1").revoke("a1", "timeout")
    chat.invite("a2", "s1").accept("a2").hold("a2").retrieve("a2")
    chat.invite("a3", "s1").reject("a3", "declined").leave("a2", "transfer").leave("s1")
    model = chat.model()
    assert [step(event) for party in model.parties for event in party.events[1:]] == [
        "leaves", "invitation withdrawn (timeout)", "accepts", "puts the customer on hold",
        "takes the customer back", "leaves (transfer)", "rejects (declined)"]


def test_a_resource_met_again_gets_a_numbered_lane() -> None:
    chat = Script("w").routed("a1", strategy="s1").revoke("a1")
    chat.enter("q2", resource="Queue_q1").enter("s2", "q2", resource="Strategy_s1")
    chat.invite("a2", "s2", resource="Agent_a1").enter("s3", "q2", resource="Strategy_s1")
    assert lane_names(chat.model()) == [
        "Queue_q1 (queue)", "Strategy_s1 (strategy)", "Agent_a1 (agent)", "Queue_q1 (queue) #2",
        "Strategy_s1 (strategy) #2", "Agent_a1 (agent) #2", "Strategy_s1 (strategy) #3"]


RULES = load_rules().decider


@given(interactions())
def test_every_party_has_one_outcome_note_and_every_line_is_a_statement(events: list[dict]) -> None:
    interaction = assembled(events)
    model = InteractionModel(interaction.id, interaction.events)
    decisions = RULES.decide(model)
    lines = to_mermaid(model, decisions).splitlines()
    assert [line for line in lines if not MERMAID_STATEMENT.fullmatch(line)] == []
    notes = [line.removeprefix("        Note over ") for line in lines if line.startswith("        Note over ")]
    assert sorted(notes) == sorted(f"P{party.index + 1}: {decision.descriptor} ({decision.record})"
                                   for party, decision in zip(model.parties, decisions, strict=True))
    assert len(set(lane_names(model))) == len(model.parties)


@pytest.mark.parametrize("breaking", ["\n", "\r", "\r\n", "\u2028", "\x85", "\x0b"])
def test_an_id_holding_a_line_break_stays_on_its_own_line(breaking: str) -> None:
    """The contract takes any non-empty text for an id: in the diagram's `%%` line a line break
    once ended the comment and left the rest of the id a statement Mermaid cannot parse."""
    interaction = assembled(routed(f"c{breaking}1"))
    model = InteractionModel(interaction.id, interaction.events)
    lines = to_mermaid(model, RULES.decide(model)).splitlines()
    assert [line for line in lines if not MERMAID_STATEMENT.fullmatch(line)] == []
    assert lines[1] == "    %% interaction c" + " " * len(breaking) + "1"
