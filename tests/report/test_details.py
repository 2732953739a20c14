"""Which interactions get a page, and that holding them stays bounded on a long input."""

from __future__ import annotations

from rulesengine.decide.ruleset import load_rules
from rulesengine.report.details import Keeper, detail_of
from rulesengine.report.figures import LIST_ROOM, SLOWEST, Tally
from rulesengine.runtime.pipeline import RunStats, decide_interaction
from tests.interactions import Script, assembled

RULES = load_rules().decider


def _answered_after(name: str, seconds: float):
    """A chat whose agent answers after `seconds`."""
    chat = Script(name).routed("a1").wait(seconds).accept("a1").leave("a1").end()
    return assembled(chat.events)


def test_the_first_and_the_listed_are_kept_and_no_more_than_the_lists_hold():
    tally = Tally()
    keeper = Keeper(3, tally)
    stats = RunStats()
    largest = 0
    for number in range(1, 800):  # each answers later than the one before: each is the slowest so far
        interaction = _answered_after(f"i{number}", number / 10)
        keeper.offer(interaction, tally.add(decide_interaction(interaction, RULES, stats)))
        largest = max(largest, len(keeper))
    assert largest <= 3 + 2 * LIST_ROOM + 1
    kept = [interaction.id for interaction in keeper.kept()]
    assert kept == ["i1", "i2", "i3", *(f"i{number}" for number in range(800 - SLOWEST, 800))]
    assert keeper.offered == 799


def test_none_first_only_the_listed():
    tally = Tally()
    keeper = Keeper(0, tally)
    for name, seconds in (("quick", 1), ("slow", 9)):
        interaction = _answered_after(name, seconds)
        keeper.offer(interaction, tally.add(decide_interaction(interaction, RULES, RunStats())))
    assert [interaction.id for interaction in keeper.kept()] == ["quick", "slow"]  # both among the slowest ten


def test_a_page_holds_the_outcomes_the_diagram_and_the_explanation():
    interaction = _answered_after("c1", 4)
    detail = detail_of(RULES, interaction)
    assert [(p.party, p.outcome) for p in detail.parties] == [
        ("c1.q1", "Received/Diverted [AnsweredByAgent] (MSF)"), ("c1.s1", "Puller/Routed (MSF)"),
        ("c1.a1", "RoutedTo/Completed (IRF)")]
    assert "        Note over P3: RoutedTo/Completed (IRF)\n" in detail.diagram
    assert detail.explanation.startswith("c1 c1.q1 (queue Queue_q1): Received/Diverted [AnsweredByAgent]  MSF\n")
    assert not detail.provisional
