"""What coverage counts, held to figures counted by hand and to explain's account of each party."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings

from rulesengine.decide.coverage import CoveringDecider
from rulesengine.decide.coverage_report import coverage_report
from rulesengine.decide.explain import explain_interaction
from rulesengine.decide.ruleset import LoadedRules, load_layers, load_rules
from rulesengine.model.interaction import InteractionModel
from rulesengine.runtime.pipeline import model_of
from tests.interactions import Script, assembled, interactions

from .conftest import HAND_COUNTED, PARTIES, SITE_RULES, scripts


def _site() -> LoadedRules:
    loaded = load_layers([[("site.rules", SITE_RULES)]], {})
    assert loaded.errors == ()
    return loaded


def _covering(loaded: LoadedRules) -> CoveringDecider:
    assert loaded.program.compiled is not None
    return CoveringDecider(loaded.program.compiled, loaded.rules)


SITE = _site()
DEFAULTS = load_rules()


def test_counts_equal_the_figures_counted_by_hand():
    decider = _covering(SITE)
    for script in scripts():
        decider.decide(script.model())
    assert decider.counts.parties == PARTIES
    assert decider.counts.rules == HAND_COUNTED


def test_branches_are_named_in_the_order_written():
    decider = _covering(SITE)
    assert [(b.within, b.group, b.text) for b in decider.branches["site.brought_in"]] == [
        ("when", 0, "intent == route"), ("when", 0, "intent == transfer"), ("when", 0, "intent == conference")]
    assert [(b.within, b.group, b.text) for b in decider.branches["site.answered"]] == [
        ("match", 0, "accepted"), ("match", 0, "rejected")]


def test_the_report_lists_the_rules_that_never_decided_first():
    decider = _covering(SITE)
    for script in scripts():
        decider.decide(script.model())
    report = coverage_report(decider, decider.counts)
    assert [rule.rule.id for rule in report.rules] == [
        "site.beaten", "site.caller", "site.never", "site.answered", "site.brought_in"]
    assert (report.decided, report.percent, report.branches) == (2, 40.0, (4, 5))


def test_a_model_explained_after_it_was_decided_is_counted_once():
    decider = _covering(SITE)
    for script in scripts():
        model = script.model()
        decider.decide(model)
        explain_interaction(decider, model)
    assert decider.counts.rules == HAND_COUNTED


def test_every_or_and_every_bar_of_a_rule_is_a_group_of_its_own():
    layer = [("nested.rules", ("vocabulary role: R\nvocabulary result: C\n"
                                  'rule r.nested "d" for agent\n'
                                  "  match invited (accepted | rejected) (left | _*)\n"
                                  "  when (intent == route or intent == pull) and (by is none or stay > 1s)\n"
                                  "  set result C\n"))]
    loaded = load_layers([layer], {})
    decider = _covering(loaded)
    assert [(b.within, b.group, b.text) for b in decider.branches["r.nested"]] == [
        ("match", 0, "accepted"), ("match", 0, "rejected"), ("match", 1, "left"), ("match", 1, "_*"),
        ("when", 2, "intent == route"), ("when", 2, "intent == pull"),
        ("when", 3, "by is none"), ("when", 3, "stay > 1s")]
    decider.decide(Script("i1").routed("a1").accept("a1").leave("a1").end().model())
    decider.decide(Script("i2").routed("a1").reject("a1").end().model())
    # i1.a1: accepted, then left; i2.a1: rejected, then nothing (`left` cannot match it, `_*` can)
    assert decider.counts.rules["r.nested"] == [2, 2, 0, 0, 1, 1, 1, 1, 2, 0, 0, 2]


def test_an_or_inside_an_operand_counts_only_when_the_match_went_through_it():
    """An `or` nested in an operand of another is a group of its own, after it; an `or` under
    `not` is part of its condition. The inner `or` counts only for parties matched through the
    operand that holds it: i3.a2 was matched by `intent == transfer`, though it is coached."""
    layer = [("deep.rules", ("vocabulary role: R\nvocabulary result: C\n"
                                'rule r.deep "d" for agent\n'
                                "  when intent == transfer or (intent == route and (visibility == coach\n"
                                "       or visibility == conference)) or not (intent == pull or intent == consult)\n"
                                "  set result C\n"))]
    loaded = load_layers([layer], {})
    assert loaded.errors == ()
    decider = _covering(loaded)
    assert [(b.within, b.group, b.text) for b in decider.branches["r.deep"]] == [
        ("when", 0, "intent == transfer"),
        ("when", 0, "intent == route and (visibility == coach or visibility == conference)"),
        ("when", 0, "not (intent == pull or intent == consult)"),
        ("when", 1, "visibility == coach"), ("when", 1, "visibility == conference")]
    for script in (Script("i1").routed("a1").accept("a1").leave("a1").end(),
                   Script("i2").routed("a1", visibility=None).accept("a1").leave("a1").end(),
                   Script("i3").routed("a1").accept("a1").invite("a2", "a1", "transfer", visibility="coach")
                   .accept("a2").leave("a1").leave("a2").end(),
                   Script("i4").routed("a1").accept("a1").invite("a2", "a1", "consult").accept("a2")
                   .leave("a2").leave("a1").end()):
        decider.decide(script.model())
    # six agents; i4.a2 (a consult) is not matched; branches: transfer i3.a2; route i1.a1, i3.a1,
    # i4.a1; not i2.a1 (no visibility); coach never gone through; conference i1.a1, i3.a1, i4.a1
    assert decider.counts.rules["r.deep"] == [6, 5, 0, 0, 1, 3, 1, 0, 3]


def _explained_counts(decider: CoveringDecider, model: InteractionModel) -> Counter:
    """Per (rule, what it did), the same figures worked out from explain, slot by slot."""
    found: Counter = Counter()
    for party in explain_interaction(decider, model):
        winners = {slot.rule.id for slot in party.slots if slot.rule is not None}
        failed = {other.rule.id for slot in party.slots for other in slot.others if other.why_not == "failed"}
        tied = {other.rule.id for slot in party.slots for other in slot.others if other.why_not == "tied"}
        for rule in decider.rules_for(party.kind):
            found[rule.id, "seen"] += 1
            if rule.id in winners:
                found[rule.id, "decided"] += 1
            elif rule.id in tied:
                found[rule.id, "tied"] += 1
            elif rule.id not in failed:
                found[rule.id, "lost"] += 1
    return found


@pytest.mark.parametrize("loaded", [DEFAULTS, SITE], ids=["default rules", "site rules"])
@settings(max_examples=100, deadline=None)
@given(events=interactions())
def test_counts_agree_with_explain_and_leave_the_decisions_as_they_were(loaded, events):
    decider = _covering(loaded)
    model = model_of(assembled(events))
    assert decider.decide(model) == loaded.decider.decide(model_of(assembled(events)))
    expected = _explained_counts(decider, model)
    names = ("seen", "decided", "lost", "tied")
    got = Counter({(rule, name): counts[place] for rule, counts in decider.counts.rules.items()
                   for place, name in enumerate(names) if counts[place]})
    assert got == expected
