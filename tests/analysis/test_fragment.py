"""`check` claims nothing it cannot prove: each rule that reads a value as the search cannot
vary it is named (R307) and never reported dead nor proved disjoint, and the values rules
read as the search can vary them are all tried, so the ties they make are found."""

from __future__ import annotations

import pytest

from tests.analysis.conftest import assert_tie_reproduced, check

#: a search near the first queue and strategy only: a note, and what it spares a rule, do not
#: depend on how far the search goes, and a short one keeps these tests quick
NEAR = ("--agents", "0")
#: rules that read a value as the search cannot try every class of: (the rule's condition, the expression named)
UNSEEN = {
    "arithmetic": ("engage - 7s > 0s", "engage - 7s"),
    "two durations": ("engage > alert", "engage"),
    "a text made by coalesce": ('coalesce(data.segment, "standard") == "VIP"', 'coalesce(data.segment, "standard")'),
    "a value never varied": ('media == "email"', "media"),
    "a resource against an attached value": ("resource == data.owner", "resource"),
    "another party beside a duration": ("engage > 10s and some(o in others: o.kind == agent and o.rejected)",
                                        "some(o in others: o.kind == agent and o.rejected)"),
    "a duration holding another": ("alert > 10s and alert < 30s and stay == 30s", "stay beside alert"),
    "a step's reason that need not be the last": ('accepted.reason == "auto"', "accepted.reason"),
    "arithmetic between moments": ("by.kind == agent and by.left - left > 5s", "by.left - left"),
    "the reason of the end, which may be the interaction's": ('end.reason == "system_close"', "end.reason"),
    "an open interaction's rows": ("provisional", "provisional"),
}


def _site(tmp_path, text: str) -> tuple[str, str]:
    path = tmp_path / "site.rules"
    path.write_text("extend vocabulary result_reason: Mine, Other\n" + text, encoding="utf-8")
    return "--rules", str(path)


def _rule(name: str, condition: str, reason: str = "Mine", priority: int = 0, match: str = "") -> str:
    return (f'rule site.{name}  "{name}"\n  for agent\n{match}  when {condition}\n'
            f"  set result Completed reason {reason}\n  priority {priority}\n\n")


@pytest.mark.parametrize("case", sorted(UNSEEN))
def test_a_rule_reading_a_value_the_search_cannot_vary_is_named_and_never_said_dead(capsys, tmp_path, case):
    condition, expression = UNSEEN[case]
    layers = _site(tmp_path, _rule("x", condition))
    checked = check(capsys, tmp_path, *layers, "--strict", "--verbose", *NEAR)
    [note] = checked.findings("R307")
    assert note["message"].startswith(f"rule 'site.x' reads `{expression}` as the bounded analysis cannot try")
    assert note["severity"] == "note"
    assert not [f for f in checked.findings("R304") if "'site.x'" in f["message"]]
    assert "proved disjoint within the bound: 'agent.completed' and 'site.x'" not in checked.err
    assert checked.code == (1 if checked.findings("R301") or checked.findings("R304") else 0)


def test_a_rule_beaten_by_one_the_search_cannot_vary_is_not_said_dead(capsys, tmp_path):
    """Where `coalesce(left.reason, ...)` holds for every reason tried (none), it beat the
    defaults everywhere; with a reason it does not: they are not dead."""
    layers = _site(tmp_path, _rule("a", 'coalesce(left.reason, "none") == "none"', priority=50)
                   + _rule("b", "engage > 3s", "Other", priority=50))
    checked = check(capsys, tmp_path, *layers, *NEAR)
    assert [f["message"].split("'")[1] for f in checked.findings("R307")] == ["site.a"]
    assert checked.findings("R304") == []


#: ties the search finds now that it tries what these rules read
FOUND = {
    "a pattern's reason": ("match invited revoked(reason: timeout)", "true", "agent.redirected_revoked"),
    "a pattern's visibility": ("match invited(visibility: monitor) accepted _*", "true", None),
    "an attached number by size": ("", "data.score > 3 and data.score < 5", "agent.completed"),
    "an attached value that is there": ("match invited accepted _*", "data.segment is not none", "agent.completed"),
    "a reason that is there": ("match invited accepted _*", "left.reason is not none", "agent.completed"),
    "an empty attached text": ("match invited accepted _*", 'data.code matches "*" and not data.code matches "?*"',
                               "agent.completed"),
}


@pytest.mark.parametrize("case", sorted(FOUND))
def test_values_the_rules_read_as_the_search_varies_them_are_tried(capsys, tmp_path, case):
    match, condition, rival = FOUND[case]
    text = _rule("x", condition, match=f"  {match}\n" if match else "")
    if rival is None:  # a role: the rule sets ReceivedConsult beside the defaults' roles
        text = text.replace("set result Completed reason Mine", "set role ReceivedConsult")
    layers = _site(tmp_path, text)
    checked = check(capsys, tmp_path, *layers)
    ties = [f for f in checked.findings("R301") if "'site.x'" in f["message"]]
    assert ties, checked.out
    assert rival is None or any(f"'{rival}'" in f["message"] for f in ties)
    assert checked.findings("R307") == []
    for tie in ties:
        assert_tie_reproduced(capsys, checked, tie, *layers)


def test_too_many_combinations_of_one_party_s_values_leave_the_search_incomplete(capsys, tmp_path):
    layers = _site(tmp_path, _rule("x", 'resource == "Sup_Jo" and alert > 5s and engage > 10s and hold < 1m',
                                   match="  match invited accepted held retrieved left\n"))
    checked = check(capsys, tmp_path, *layers)
    assert checked.findings("R304") == []
    assert ("one party's values make more than 512 combinations, each value was tried alone: the overlaps and gaps "
            "listed were proved, others may be missed, and no rule is reported dead") in checked.err


#: facts whose reads the rule takes on, and the expression the note names
FACTS = {
    "a fact read of another party": (
        ('fact vip: bool  "a VIP queue"\n  = kind == queue and resource == "Chat_VIP"\n\n'
         'fact via_vip: bool  "through a VIP queue"\n  = some(hop in path: hop.vip)\n\n'),
        "engage > 10s and via_vip", "hop.vip"),
    "a duration in a fact beside other parties": (
        'fact long: bool  "engaged long"\n  = engage > 10s\n\n',
        "long and some(o in others: o.kind == agent and o.rejected)",
        "some(o in others: o.kind == agent and o.rejected)"),
}


@pytest.mark.parametrize("case", sorted(FACTS))
def test_what_a_fact_reads_counts_for_the_rules_that_read_it(capsys, tmp_path, case):
    facts, condition, expression = FACTS[case]
    checked = check(capsys, tmp_path, *_site(tmp_path, facts + _rule("x", condition, priority=5)), "--verbose",
                    *NEAR)
    [note] = checked.findings("R307")
    assert note["message"].startswith(f"rule 'site.x' reads `{expression}` as the bounded analysis")
    assert not [f for f in checked.findings("R304") if "'site.x'" in f["message"]]


@pytest.mark.parametrize("first", ["a", "z"])
def test_facts_that_read_each_other_name_every_rule_that_reads_them_in_any_order(capsys, tmp_path, first):
    """The note once depended on which rule was looked at first (a fact met while its own
    reads were being worked out counted as reading nothing)."""
    facts = ('fact long_a: bool  "a"\n  = engage - 7s > 0s or by.long_b\n\n'
             'fact long_b: bool  "b"\n  = by.long_a\n\n')
    layers = _site(tmp_path, facts + _rule(f"{first}_long", "long_a", priority=5)
                   + _rule("m_after", "long_b", "Other", priority=6))
    checked = check(capsys, tmp_path, *layers, *NEAR)
    noted = sorted(f["message"].split("'")[1] for f in checked.findings("R307"))
    assert noted == sorted([f"site.{first}_long", "site.m_after"])
    assert checked.findings("R304") == []


def test_true_and_1_are_two_values_and_a_large_float_has_values_above_it(capsys, tmp_path):
    """A Python set took True for 1, and 1e16 + 1 for 1e16: rules on either were said dead."""
    layers = _site(tmp_path, _rule("t", "data.flag == true", priority=5) + _rule("o", "data.flag == 1", "Other",
                                                                                  priority=5)
                   + _rule("big", "data.amount > 10000000000000000.0", priority=7))
    checked = check(capsys, tmp_path, *layers, "--verbose", *NEAR)
    assert checked.findings("R304") == [] and checked.findings("R307") == []
    assert "proved disjoint within the bound: 'site.o' and 'site.t' (result)" in checked.err


#: ties the search finds once it tries what these rules tell apart: (facts, condition, rival)
TOLD_APART = {
    "a queue's kind against a workbin's": (
        "", ("some(p in parties: p.kind in (queue, workbin) and some(r in parties: r.kind in (queue, workbin) "
             "and r.kind != p.kind))"), "agent.completed"),
    "another party's moment through a fact": (
        'fact inviter_left: moment  "when the inviter left"\n  = by.left\n\n',
        "inviter_left during on_hold", "agent.completed"),
    "a whole number between two large ones": ("", ("data.account > 9007199254740992 and data.account < "
                                                   "9007199254740994"), "agent.completed"),
}


@pytest.mark.parametrize("case", sorted(TOLD_APART))
def test_what_rules_tell_apart_across_parties_and_large_numbers_is_tried(capsys, tmp_path, case):
    """Each was said dead, or (the moment fact) made the search fail on a value it could not
    keep as a key."""
    facts, condition, rival = TOLD_APART[case]
    layers = _site(tmp_path, facts + _rule("x", condition))
    checked = check(capsys, tmp_path, *layers)
    assert checked.findings("R307") == []
    ties = [f for f in checked.findings("R301") if "'site.x'" in f["message"] and f"'{rival}'" in f["message"]]
    assert ties, checked.out
    assert_tie_reproduced(capsys, checked, ties[0], *layers)
