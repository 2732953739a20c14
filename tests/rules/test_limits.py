"""The language's limits: past them a rule file gets one diagnostic, never a crash.

Deep nesting would exhaust the recursion of the parser's tree transformer, of the
checker and of Python's own compiler; a number of thousands of digits is too long for
`int()`. Each is reported as a rule diagnostic at its place (docs/language.md#limits).
"""

from __future__ import annotations

import pytest

from rulesengine.decide.ruleset import default_layer, load_layers
from rulesengine.language.parse import MAX_BRANCHES, MAX_DEPTH
from rulesengine.language.vocabulary import MAX_NUMBER, parse_duration, parse_number
from tests.interactions import Script


def load(text: str):
    loaded = load_layers([default_layer(), [("site.rules", text)]], {})
    if loaded.decider is not None:  # whatever loads also runs, explain's derivations included
        model = Script().routed().accept("a1").hold("a1").leave("a1").end().model()
        loaded.decider.decide(model)
        loaded.decider.all_facts(model)
    return loaded


def codes(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.position.line, d.position.col) for d in load(text).diagnostics]


def rule(condition: str) -> str:
    return f'rule site.x "d" for agent when {condition} set result Completed priority 40'


LEVELS = MAX_DEPTH // 2


@pytest.mark.parametrize(("text", "loads"), [
    (rule("(" * (LEVELS - 5) + "origin == route" + ")" * (LEVELS - 5)), True),
    (rule("(" * 300 + "origin == route" + ")" * 300), False),
    (rule("not " * (MAX_DEPTH - 10) + "accepted"), True),
    (rule("not " * 1000 + "accepted"), False),
    (rule("".join(f"some(p{n} in reached: " for n in range(30)) + "p0.accepted" + ")" * 30), True),
    (rule("".join(f"some(p{n} in reached: " for n in range(200)) + "p0.accepted" + ")" * 200), False),
    (rule(" + ".join(["engage"] * 3000) + " > 1s"), False),
    ('rule site.x "d" for agent match ' + "(" * 40 + "invited" + ")*" * 40 + " set result Completed priority 40",
     True),
    ('rule site.x "d" for agent match ' + "(" * 200 + "invited" + ")*" * 200 + " set result Completed priority 40",
     False),
])
def test_nesting(text, loads):
    found = codes(text)
    assert found == [] if loads else [code for code, _, _ in found] == ["R002"]


def test_long_but_flat_conditions_are_fine():
    assert codes(rule(" and ".join(["origin == route"] * 3000))) == []
    assert codes(rule(" or ".join(f"engage > {n}s" for n in range(3000)))) == []
    assert codes(rule("resource in (" + ", ".join(f'"A{n}"' for n in range(3000)) + ")")) == []
    assert codes('rule site.x "d" for agent match ' + " | ".join(["invited accepted left"] * 300)
                 + " set result Completed priority 40") == []


@pytest.mark.parametrize("count", [MAX_BRANCHES, MAX_BRANCHES + 1, 3000])
def test_case_branches_and_coalesce_values(count):
    case = ('fact site_f: bool "d" = case ' + " ".join(f"when engage > {n}s then true" for n in range(count))
            + " else false\n" + rule("site_f"))
    coalesce = ('fact site_g: request "d" = coalesce(' + ", ".join(["requested"] * (count - 1)) + ", inbound)\n"
                + rule("site_g == route"))
    for text in (case, coalesce):
        found = [code for code, _, _ in codes(text)]
        assert found == ([] if count <= MAX_BRANCHES else ["R002"])


def test_numbers_of_thousands_of_digits():
    assert codes('rule site.x "d" for agent set result Completed priority ' + "9" * 5000) == [("R003", 1, 57)]
    assert codes(rule("alert > " + "9" * 5000 + "s")) == [("R003", 1, 40)]
    assert codes(rule("data.n > " + "9" * 19)) == []
    problem = load(rule("alert > " + "9" * 5000 + "s")).diagnostics[0]
    assert len(problem.message) < 100


@pytest.mark.parametrize("longest", ["9" * (MAX_NUMBER - 1) + "s", "1h" + "9" * (MAX_NUMBER - 4) + "ms"])
def test_the_longest_duration_is_taken_and_one_more_character_is_refused_as_the_hint_says(longest: str) -> None:
    assert len(longest) == MAX_NUMBER
    assert codes(rule(f"alert > {longest}")) == []
    [problem] = load(rule(f"alert > 9{longest}")).diagnostics
    assert problem.code == "R003"
    assert f"at most {MAX_NUMBER})" in problem.message
    assert problem.hint == f"write at most {MAX_NUMBER} characters, a duration's units included"


@pytest.mark.parametrize("number", ["9" * MAX_NUMBER, "-" + "9" * MAX_NUMBER, "1." + "5" * (MAX_NUMBER - 2)])
def test_every_number_the_parser_lets_through_is_read_as_a_number(number: str) -> None:
    """A number of up to the longest is a value, not a 'bad duration'; a priority too."""
    longer = number.replace("9", "99", 1).replace("1.", "11.", 1)
    assert len(longer.removeprefix("-")) == MAX_NUMBER + 1
    assert codes(rule(f"data.n > {number}")) == []
    assert [code for code, _, _ in codes(rule(f"data.n > {longer}"))] == ["R003"]
    if "." not in number:
        priority = f'rule site.x "d" for agent set result Completed priority {number}'
        assert [code for code, _, _ in codes(priority) if code < "R3"] == []


def test_a_number_longer_than_the_parser_lets_through_reads_as_none_wherever_it_comes_from() -> None:
    """The rule tests' compact form reads its `+30s` times with the same function."""
    assert parse_duration("9" * (MAX_NUMBER - 1) + "s") == int("9" * (MAX_NUMBER - 1)) * 1000
    assert parse_duration("9" * MAX_NUMBER + "s") is None
    assert parse_number("9" * MAX_NUMBER) == int("9" * MAX_NUMBER)
    assert parse_number("9" * (MAX_NUMBER + 1)) is None
