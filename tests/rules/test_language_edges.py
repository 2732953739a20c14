"""Rule text at the edges of the checker: each mistake reported where it is, in the author's words."""

from __future__ import annotations

import pytest

from rulesengine.decide.ruleset import LoadedRules
from rulesengine.language import syntax
from tests.interactions import Script

from .conftest import decisions, descriptor, load_text
from .test_check import FACTS, VOCABULARY

#: a weaker rule deciding the result when the rule under test does not hold
FALLBACK = '\nrule b "d" for agent, queue set result Abandoned priority -1'


def rendered(loaded: LoadedRules) -> list[str]:
    """Each problem as printed for a terminal; parameters left unread (R303) do not count here."""
    return [d.render() for d in loaded.diagnostics if d.code != "R303"]


def when(condition: str, *, settings: dict[str, str] | None = None) -> list[str]:
    """The problems of a rule with this condition, printed; the rule is line 10 of `layer1.rules`."""
    text = f'rule a "d" for agent when {condition} set result Completed'
    return rendered(load_text(FACTS, VOCABULARY + text, settings=settings))


def caret(line: str, col: int) -> str:
    return f"    {line}\n    {' ' * (col - 1)}^"


def rule_line(condition: str) -> str:
    return f'rule a "d" for agent when {condition} set result Completed'


# ---- the syntax tree

def test_nodes_written_in_different_places_are_one_key():
    """Equal nodes hash alike whatever their span, so a set of them holds each once."""
    here = syntax.Word("route", span=syntax.Span("a.rules", 1, 5, 1, 10))
    there = syntax.Word("route", span=syntax.Span("b.rules", 7, 2, 7, 7))
    assert {here, there, syntax.Word("pull")} == {syntax.Word("route"), syntax.Word("pull")}
    assert len({here, there}) == 1


def test_a_node_is_never_equal_to_another_kind_of_node_or_to_its_text():
    assert (syntax.Word("route") == syntax.Text("route")) is False
    assert (syntax.Word("route") == "route") is False
    assert (syntax.Text("3") == syntax.Number("3")) is False


# ---- names and types in conditions

def test_an_unknown_name_before_matches_is_an_unknown_name_not_a_text():
    """`resourc matches "VQ_*"` is a typo for `resource`: read as the text "resourc" it would
    quietly never match."""
    assert when('resourc matches "VQ_*"') == [
        "layer1.rules:10:27: error: R101 unknown name 'resourc'\n"
        + caret(rule_line('resourc matches "VQ_*"'), 27) + "\n    hint: did you mean 'resource'?"]


def test_a_quoted_text_or_attached_data_still_matches_a_pattern(load):
    loaded = load(FACTS, VOCABULARY + rule_line('"VQ_1" matches "VQ_*" and data.queue matches "VQ_*"'))
    assert rendered(loaded) == []


def test_only_text_matches_a_pattern():
    assert when('alert matches "1*"') == [
        "layer1.rules:10:27: error: R202 'alert' is a duration: only text matches a pattern\n"
        + caret(rule_line('alert matches "1*"'), 27) + '\n    hint: e.g. `resource matches "VQ_*"`']


def test_an_unknown_party_before_matches_is_reported_once():
    assert when('nothin.x matches "a"') == [
        "layer1.rules:10:27: error: R101 unknown name 'nothin'\n" + caret(rule_line('nothin.x matches "a"'), 27)]


def test_an_unknown_party_before_in_is_reported_once():
    assert when("nothin in reached") == [
        "layer1.rules:10:27: error: R101 unknown name 'nothin'\n" + caret(rule_line("nothin in reached"), 27)]


def test_a_word_written_before_what_it_is_compared_with_is_read_as_its_value(load):
    loaded = load(FACTS, VOCABULARY + rule_line("pull == origin") + FALLBACK)
    assert rendered(loaded) == []
    pulled = Script().enter("q1").invite("a1", "q1", "pull").accept("a1").leave("a1").end()
    assert descriptor(decisions(loaded.decider, pulled)["a1"]) == "Unspecified/Completed"
    routed = Script().routed("a1").accept("a1").leave("a1").end()
    assert descriptor(decisions(loaded.decider, routed)["a1"]) == "Unspecified/Abandoned"
    assert when("rout == origin") == [
        "layer1.rules:10:27: error: R105 unknown request value 'rout'\n" + caret(rule_line("rout == origin"), 27)
        + "\n    hint: did you mean 'route'?"]


def test_a_free_word_compared_with_a_bad_attribute_reports_only_the_attribute():
    """The word on the left is read against the type of the right side: when that side
    fails, there is nothing to read the word against, and the word is not reported."""
    assert when("foo == by.colour") == [
        "layer1.rules:10:37: error: R214 a party has no attribute 'colour'\n"
        + caret(rule_line("foo == by.colour"), 37)]


def test_a_string_param_listed_among_the_words_of_an_enumeration_must_be_one_of_them():
    assert when("origin in (route, label)", settings={"label": "pul"}) == [
        "layer1.rules:10:45: error: R105 param 'label' is 'pul', not a value of 'origin'\n"
        + caret(rule_line("origin in (route, label)"), 45) + "\n    hint: did you mean 'pull'?"]


@pytest.mark.parametrize(("condition", "col"), [
    ("nothin - accepted > 1s", 27),
    ("accepted - nothin > 1s", 38),
    ("some(t in nothin)", 37),
    ("coalesce(alert, nothin) > 1s", 43),
])
def test_an_unknown_operand_is_reported_where_it_is_written(condition, col):
    assert when(condition) == [
        f"layer1.rules:10:{col}: error: R101 unknown name 'nothin'\n" + caret(rule_line(condition), col)]


def test_coalesce_of_words_alone_reports_each_unknown_word():
    """With no value to give them a type, the words of a coalesce are names, each checked."""
    assert when("coalesce(foo, bar) == route") == [
        "layer1.rules:10:36: error: R101 unknown name 'foo'\n" + caret(rule_line("coalesce(foo, bar) == route"), 36),
        "layer1.rules:10:41: error: R101 unknown name 'bar'\n" + caret(rule_line("coalesce(foo, bar) == route"), 41),
    ]


def test_coalesce_whose_first_value_fails_reports_that_value_only():
    assert when("coalesce(by.colour, x) == 1") == [
        "layer1.rules:10:39: error: R214 a party has no attribute 'colour'\n"
        + caret(rule_line("coalesce(by.colour, x) == 1"), 39)]


def test_a_value_never_equal_to_an_enumeration_on_the_right_lists_its_words():
    assert when("3 == origin") == [
        "layer1.rules:10:27: error: R202 '3' is a number and 'origin' a request (conference, consult, inbound, "
        "pull, route, transfer): they are never equal\n" + caret(rule_line("3 == origin"), 27)
        + "\n    hint: 'origin' is one of: conference, consult, inbound, pull, route, transfer"]


def test_values_never_equal_without_an_enumeration_have_no_hint():
    assert when("resource == 3") == [
        "layer1.rules:10:27: error: R202 'resource' is a string and '3' a number: they are never equal\n"
        + caret(rule_line("resource == 3"), 27)]


def test_not_in_excludes_the_listed_words_and_a_missing_value(load):
    """`intent not in (...)` holds for a party whose intent is another word, not for one without an intent."""
    loaded = load(FACTS, VOCABULARY + '''
rule a "d" for agent, queue when intent not in (pull, transfer) set result Completed
rule b "d" for agent, queue set result Abandoned priority -1
''')
    assert rendered(loaded) == []
    routed = Script().routed("a1").accept("a1").leave("a1").end()
    assert descriptor(decisions(loaded.decider, routed)["a1"]) == "Unspecified/Completed"
    pulled = Script().enter("q1").invite("a1", "q1", "pull").accept("a1").leave("a1").end()
    assert {name: descriptor(d) for name, d in decisions(loaded.decider, pulled).items()} == {
        "q1": "Unspecified/Abandoned", "a1": "Unspecified/Abandoned"}


# ---- outcomes, facts and parameters

def test_a_record_takes_no_reason(load):
    text = 'rule a "d" for agent set record Kept reason Unspecified, result Completed'
    assert rendered(load(FACTS, VOCABULARY + text)) == [
        "layer1.rules:10:45: error: R207 a record takes no reason\n" + caret(text, 45)
        + "\n    hint: write `set record Kept`"]


@pytest.mark.parametrize(("name", "says"), [
    ("coalesce", "has a name the language reserves ('coalesce')"),
    ("limit", "has the name of param 'limit'"),
])
def test_a_fact_may_not_take_a_name_already_given(load, name, says):
    text = f'fact {name}: bool "x" = true'
    assert rendered(load(FACTS, VOCABULARY + text)) == [
        f"layer1.rules:10:6: error: R210 fact '{name}' {says}\n" + caret(text, 6)
        + "\n    hint: choose another name for the fact"]


def test_a_fact_reading_itself_on_parties_off_its_path_is_refused(load):
    text = 'fact f1: bool "d" = some(p in others: p.f1)'
    loaded = load(FACTS, VOCABULARY + text + '\nrule a "d" for agent when f1 set result Completed')
    assert rendered(loaded) == [
        "layer1.rules:10:6: error: R208 fact 'f1' depends on itself through parties that are not on its path: "
        "the order to work it out in is unknown\n" + caret(text, 6)
        + "\n    hint: a fact may read its own value only on `by` (up the path) or only on parties "
          "it brought in (down)"]


def test_a_vocabulary_the_event_contract_fixes_cannot_be_declared(load):
    assert rendered(load(FACTS, VOCABULARY + "vocabulary kind: robot")) == [
        "layer1.rules:10:12: error: R404 vocabulary 'kind' is fixed by the event contract\n"
        + caret("vocabulary kind: robot", 12) + "\n    hint: choose another name"]


def test_extending_a_vocabulary_with_a_word_it_has_is_a_warning(load):
    loaded = load(FACTS, VOCABULARY + "extend vocabulary result: Completed")
    assert rendered(loaded) == [
        "layer1.rules:10:27: warning: R406 'Completed' is already in vocabulary 'result'\n"
        + caret("extend vocabulary result: Completed", 27)]
    assert loaded.decider is not None


def test_a_param_is_not_set_in_the_layer_that_declares_it(load):
    assert rendered(load(FACTS, VOCABULARY + "set param quick = 5s")) == [
        "layer1.rules:10:11: error: R410 param 'quick' is declared in this layer (layer1.rules:6:1)\n"
        + caret("set param quick = 5s", 11) + "\n    hint: give the declaration this value as its default"]


def test_a_param_is_set_once_per_layer(load):
    assert rendered(load(FACTS, VOCABULARY, "set param quick = 5s\nset param quick = 6s")) == [
        "layer2.rules:2:11: error: R410 param 'quick' is already set in this layer at layer2.rules:1:1\n"
        + caret("set param quick = 6s", 11) + "\n    hint: keep one `set param` per parameter and layer"]


@pytest.mark.parametrize(("setting", "col", "says", "hint"), [
    ("set param label = 5", 19, "`set param label`: not a string: 5",
     'write a name or a quoted string such as "text"'),
    ('set param strict = "yes"', 20, '`set param strict`: not a bool: "yes"', "write true or false"),
])
def test_a_param_set_in_a_later_layer_must_be_of_its_type(load, setting, col, says, hint):
    assert rendered(load(FACTS, VOCABULARY, setting)) == [
        f"layer2.rules:1:{col}: error: R206 {says}\n" + caret(setting, col) + f"\n    hint: {hint}"]


def test_a_param_set_in_a_later_layer_takes_the_value(load):
    loaded = load(FACTS, VOCABULARY + rule_line("alert >= quick and limit > 4 and origin == label"),
                  "set param quick = 2m\nset param limit = 5\nset param label = route")
    assert rendered(loaded) == []
    assert {name: loaded.params[name].value for name in ("quick", "limit", "label")} == {
        "quick": 120_000, "limit": 5, "label": "route"}


def test_a_rule_is_not_disabled_in_the_layer_that_defines_it(load):
    loaded = load(FACTS, VOCABULARY + 'rule a "d" for agent set result Completed\ndisable rule a')
    assert rendered(loaded) == [
        "layer1.rules:11:14: error: R409 `disable rule a`: the rule is defined in this same layer "
        "(layer1.rules:10)\n" + caret("disable rule a", 14) + "\n    hint: remove the rule instead of disabling it"]


# ---- attached data at run time

@pytest.mark.parametrize(("value", "differs"), [
    (2, True),
    ("1", True),
    (True, True),
    (1, False),
    ({"level": 1}, False),
    (None, False),
])
@pytest.mark.parametrize("condition", ["data.tier != 1", 'data.tier not in (1, "gold")'])
def test_attached_data_differs_only_when_it_holds_another_value(load, condition, value, differs):
    """Text is not a number and `true` is not 1; a key that is absent or holds an object is none,
    which is neither equal nor unequal to anything."""
    loaded = load(FACTS, VOCABULARY + rule_line(condition) + FALLBACK)
    assert rendered(loaded) == []
    chat = (Script(tier=value) if value is not None else Script()).routed("a1").accept("a1").leave("a1").end()
    assert descriptor(decisions(loaded.decider, chat)["a1"]) == (
        "Unspecified/Completed" if differs else "Unspecified/Abandoned")
