"""The checker: names and types, and which rules may disagree at the same priority."""

from __future__ import annotations

from importlib.resources import files

import pytest

#: the default facts (origin, transfer_completed...), loaded as a layer of their own
FACTS = {"facts.rules": files("rulesengine.rules").joinpath("facts.rules").read_text(encoding="utf-8")}
VOCABULARY = """
vocabulary role: RoutedTo, Puller
vocabulary role_reason: Unspecified
vocabulary result: Completed, Abandoned, Redirected
vocabulary result_reason: Unspecified, Revoked
param quick: duration = 10s "quick"
param strict: bool = true "strict"
param label: string = pull "a string"
param limit: int = 3 "a number"
"""


def codes(load, *rules: str, settings=None) -> list[tuple[str, int, int]]:
    """(code, line, column) of each problem of the rules, lines counted from the first rule;
    parameters left unread (R303) do not count here."""
    loaded = load(FACTS, VOCABULARY + "\n".join(rules), settings=settings)
    return [(d.code, d.position.line - 9 if d.position else 0, d.position.col if d.position else 0)
            for d in loaded.diagnostics if d.code != "R303"]


def rivals(load, *rules: str) -> dict[str, frozenset[str]]:
    """Per rule id, the rules the overlap analysis found it may tie with on its result: those
    a winner is tested against at run time. Loading reports none of them (only `check` reports
    the ties it proves)."""
    loaded = load(FACTS, VOCABULARY + "\n".join(rules))
    assert [d.code for d in loaded.diagnostics if d.code not in ("R302", "R303")] == []
    return {compiled.id: compiled.rivals.get("result", frozenset()) for compiled in loaded.decider.rules}


def rule(rule_id: str, when: str | None = None, *, match: str | None = None,
         sets: str = "result Completed", priority: int = 0, kinds: str = "agent") -> str:
    text = f'rule {rule_id} "d" for {kinds}'
    if match:
        text += f" match {match}"
    if when:
        text += f" when {when}"
    return text + f" set {sets} priority {priority}"


@pytest.mark.parametrize(("when", "expected"), [
    ("origin == route", []),
    ("origin in (route, label)", []),
    ("alert >= quick and engage < 1m", []),
    ("strict and transfer_completed", []),
    ("origin == label", []),
    ("transfer_completed == true", []),
    ("accepted before end and customer_left during alerting", []),
    ("resource matches \"VQ_*\" and data.segment in (\"VIP\", 3)", []),
    ("some(t in reached: t.kind == agent and t.accepted) and count(p in others) > 1", []),
    ("origin < route", [("R202", 1, 27)]),
    ("alert in (a, b)", [("R101", 1, 37), ("R101", 1, 40)]),
    ("origin == 3", [("R202", 1, 27)]),
    ("alert", [("R203", 1, 27)]),
    ("limit", [("R203", 1, 27)]),
    ("alert > limit", [("R202", 1, 27)]),
    ("alert > 30", [("R201", 1, 35)]),
    ("alert > soon", [("R101", 1, 35)]),
    ("nothing", [("R101", 1, 27)]),
    ("visibility == secret", [("R105", 1, 41)]),
    ("resource == set", [("R110", 1, 39)]),
    ("resource in (Chat_In, after)", [("R110", 1, 49)]),
    ("data.segment == when", [("R110", 1, 43)]),
    ('resource == "set" and resource != Chat_In', []),
    ("by.colour == red", [("R214", 1, 30)]),
    ("intent == none", [("R209", 1, 27)]),
    ("accepted < end", [("R202", 1, 27)]),
    ("customer_left during end", [("R202", 1, 48)]),
    ("some(t in kind: t.accepted)", [("R202", 1, 37)]),
    ("some(kind in reached: kind.accepted)", [("R210", 1, 32)]),
    ("coalesc(intent, route) == route", [("R212", 1, 27)]),
    ("media.kind == chat", [("R214", 1, 33)]),
    ("accepted - invited > 5s and limit + 1 > 2", []),
    ("accepted - 5 > 1s", [("R202", 1, 27)]),
    ("accepted before 3s", [("R202", 1, 43)]),
    ("accepted during accepted", [("R202", 1, 43)]),
    ("some(p in reached) and by in reached", []),
    ("all(p in reached)", [("R202", 1, 27)]),
    ("resource in reached", [("R202", 1, 27)]),
    ("origin in (route, 3)", [("R202", 1, 45)]),
    ("some(p in reached: p.kind == 3)", [("R202", 1, 46)]),
    ("coalesce(alert, engage) > 1s and coalesce(route, origin) == pull", []),
    ("coalesce(alert) > 1s", [("R212", 1, 27)]),
    ("coalesce(3, \"a\") == 3", [("R211", 1, 39)]),
    ("case when strict then 3 else \"x\" == 3", [("R211", 1, 56)]),
    ("accepted.data.x == 1 and accepted.reason == timeout", []),
    ("accepted.data", [("R214", 1, 36)]),
    ("by.data", [("R214", 1, 30)]),
    ("accepted.foo == 1", [("R214", 1, 36)]),
    ("resource.foo == 1", [("R214", 1, 36)]),
    ("by.customer_left", [("R214", 1, 30)]),
    ("count(p in reached: p.foo) > 1", [("R214", 1, 49)]),
])
def test_condition_names_and_types(load, when, expected):
    assert codes(load, rule("a", when)) == expected


@pytest.mark.parametrize(("match", "expected"), [
    ("invited revoked(reason: timeout, intent: route)", []),
    ("invited(visibility: coach) accepted", []),
    ("invited(visibility: coahc)", [("R105", 1, 48)]),
    ("invited(who: x)", [("R104", 1, 36)]),
])
def test_pattern_names(load, match, expected):
    assert codes(load, rule("a", match=match)) == expected


def test_outcome_values_come_from_the_vocabulary(load):
    assert codes(load, rule("a", sets="role Puller reason Revoked, result Completed")) == [
        ("R106", 1, 45)]
    assert codes(load, rule("a", sets="result Completed, result Abandoned")) == [("R207", 1, 44)]


def test_a_string_param_set_to_a_value_outside_the_fact(load):
    assert codes(load, rule("a", "origin == label"), settings={"label": "pul"}) == [("R105", 1, 37)]


@pytest.mark.parametrize(("first", "second", "overlap"), [
    # disjoint conditions
    (rule("a", "origin == route"), rule("b", "origin == transfer", sets="result Abandoned"), False),
    (rule("a", "origin in (route, pull)"), rule("b", "not origin in (route, pull)", sets="result Abandoned"), False),
    (rule("a", "transfer_completed"), rule("b", "not transfer_completed", sets="result Abandoned"), False),
    (rule("a", "alert < 10s"), rule("b", "alert >= quick", sets="result Abandoned"), False),
    (rule("a", "origin == route and visibility == coach"),
     rule("b", "origin == route and visibility != coach", sets="result Abandoned"), False),
    (rule("a", kinds="agent"), rule("b", kinds="queue", sets="result Abandoned"), False),
    (rule("a", "not strict"), rule("b", sets="result Abandoned"), False),
    # disjoint patterns
    (rule("a", match="invited accepted left?"), rule("b", match="invited revoked", sets="result Abandoned"), False),
    (rule("a", match="invited revoked(reason: timeout)"),
     rule("b", match="invited revoked(reason: cancelled)", sets="result Abandoned"), False),
    (rule("a", match="invited+"), rule("b", match="_ _ accepted", sets="result Abandoned"), False),
    # may overlap
    (rule("a", "visibility == coach"), rule("b", "origin == route", sets="result Abandoned"), True),
    (rule("a", "alert < 10s"), rule("b", "not alert >= 5s", sets="result Abandoned"), True),
    (rule("a", "not alert >= 10s"), rule("b", "not alert < 10s", sets="result Abandoned"), True),
    (rule("a", match="invited _*"), rule("b", match="invited revoked", sets="result Abandoned"), True),
    (rule("a", match="invited revoked"), rule("b", "origin == route", sets="result Abandoned"), True),
    (rule("a", match="_ revoked(reason: timeout)"),
     rule("b", match="invited revoked(intent: route)", sets="result Abandoned"), True),
])
def test_equal_priority_overlap(load, first, second, overlap):
    assert codes(load, first, second) == []
    found = rivals(load, first, second)
    assert (found["a"], found["b"]) == (({"b"}, {"a"}) if overlap else (frozenset(), frozenset()))


def test_overlap_needs_equal_priority_and_different_outcomes(load):
    assert not any(rivals(load, rule("a", "origin == pull"),
                          rule("b", "origin == pull", sets="result Abandoned", priority=1)).values())
    assert not any(rivals(load, rule("a", "origin == pull"), rule("b", "visibility == coach")).values())


def test_unconditional_stronger_rule_shadows(load):
    assert codes(load, rule("a", "origin == route"), rule("b", sets="result Abandoned", priority=5)) == [
        ("R302", 1, 1)]


def _layered(load, *layers):
    loaded = load(FACTS, *layers)
    return loaded, [(d.code, d.position.path) for d in loaded.diagnostics if d.code != "R303"]


def test_layering(load):
    base = VOCABULARY + rule("a")
    _, found = _layered(load, base, rule("a", sets="result Abandoned"))
    assert found == [("R401", "layer2.rules")]
    loaded, found = _layered(load, base, "override " + rule("a", sets="result Abandoned"))
    assert found == []
    assert [r.description for r in loaded.rules] == ["d"]
    assert loaded.rules[0].span.path == "layer2.rules"
    _, found = _layered(load, base, {"one.rules": rule("b"), "two.rules": rule("b")})
    assert found == [("R403", "two.rules")]
    _, found = _layered(load, base, "extend vocabulary result: Deferred\n" + rule("c", sets="result Deferred",
                                                                               kinds="queue"))
    assert found == []


def test_param_declarations(load):
    loaded, found = _layered(load, VOCABULARY + 'param quick: int = 1 "again"\nparam odd: colour = red\n'
                             'param late: duration = soon')
    assert [code for code, _ in found] == ["R405", "R109", "R206"]
    assert "did you mean" not in (loaded.diagnostics[1].hint or "")


def test_a_rule_set_where_every_rule_may_tie_with_every_other_loads_without_a_warning(load):
    rules = [rule(f"r{n}", f"engage > {n}s", sets=f"result {('Completed', 'Abandoned', 'Redirected')[n % 3]}")
             for n in range(40)]
    loaded = load(FACTS, VOCABULARY + "\n".join(rules))
    assert [d.code for d in loaded.diagnostics if d.code != "R303"] == []
    for compiled in loaded.decider.rules:  # each rule's rivals: every rule that sets another result
        n = int(compiled.id[1:])
        assert compiled.rivals["result"] == {f"r{m}" for m in range(40) if m % 3 != n % 3}


def test_a_file_that_cannot_be_parsed_hides_no_other_problem_but_its_own_names(load) -> None:
    """A syntax error in the facts file drops the whole file: the rules that read its facts are not
    each reported with an unknown name (its one syntax error says why), but a name no file declares
    still is, and nothing is compiled."""
    broken = FACTS["facts.rules"].replace("= coalesce(requested, intent, inbound)",
                                          "= coalesce(requested, intent, inbound) )")
    assert broken != FACTS["facts.rules"]
    rules = VOCABULARY + "\n".join([
        rule("a.one", "origin == pull"),
        rule("a.two", "transfer_completed and quick_enough"),
        rule("a.three", "requested == transfer or orign == pull"),
        'param shown: duration = 5s "a parameter of a file that parses"',
    ])
    loaded = load({"facts.rules": broken}, rules)
    found = [(d.code, d.message) for d in loaded.diagnostics if d.code != "R303"]
    assert found == [("R001", found[0][1]), ("R101", "unknown name 'quick_enough'"),
                     ("R101", "unknown name 'orign'")]
    assert loaded.decider is None


def test_the_names_a_broken_file_declares_are_read_by_their_keywords() -> None:
    from rulesengine.language.parse import declared_names

    text = ("fact origin: request \"x\" = (\nparam quick: duration = 10s\nset param limit = 4\n"
            "override fact through_queue : bool \"y\" = )\n# a fact named in a comment: facts are\n")
    assert declared_names(text) == {"origin", "quick", "limit", "through_queue"}
