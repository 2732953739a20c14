"""Grammar, parser and checker of the rule language."""

from __future__ import annotations

import pytest

from rulesengine.language import syntax
from rulesengine.language.parse import parse, parser

EXAMPLE = '''
vocabulary role: RoutedTo, Puller
extend vocabulary result_reason: ShortEngagement
param short_engagement: duration = 1m30s "shorter than this is a short engagement"

override rule agent.transferred  "A transfer initiator whose target accepted"
  for agent, workbin
  match invited (accepted | rejected(reason: "busy now"))* _? left+
  when not (origin in (route, pull) or visibility == coach) and engage < short_engagement
  set role RoutedTo reason Unspecified, result Transferred
  priority -5
'''


def test_grammar_builds_strict():
    assert parser(strict=True) is parser(strict=True)


def test_parse_builds_the_tree():
    tree, problems = parse(EXAMPLE, "x.rules")
    assert problems == ()
    vocabulary, extension = tree.vocabularies
    assert (vocabulary.slot.text, [w.text for w in vocabulary.values], vocabulary.extend) == (
        "role", ["RoutedTo", "Puller"], False)
    assert extension.extend
    (param,) = tree.params
    assert (param.name.text, param.type.text, param.default, param.doc) == (
        "short_engagement", "duration", syntax.Number("1m30s"), "shorter than this is a short engagement")
    (rule,) = tree.rules
    assert rule.override and rule.priority == -5
    assert rule.id == syntax.Word("agent.transferred")
    assert [k.text for k in rule.kinds] == ["agent", "workbin"]
    assert rule.outcomes == (syntax.Outcome("role", syntax.Word("RoutedTo"), syntax.Word("Unspecified")),
                             syntax.Outcome("result", syntax.Word("Transferred")))
    assert rule.pattern == syntax.Sequence((
        syntax.StepTest(syntax.Word("invited")),
        syntax.Repeat(syntax.Alternatives((
            syntax.StepTest(syntax.Word("accepted")),
            syntax.StepTest(syntax.Word("rejected"),
                            (syntax.AttrTest(syntax.Word("reason"), syntax.Text("busy now")),)),
        )), "*"),
        syntax.Repeat(syntax.StepTest(None), "?"),
        syntax.Repeat(syntax.StepTest(syntax.Word("left")), "+"),
    ))
    assert rule.condition == syntax.AllOf((
        syntax.Not(syntax.AnyOf((
            syntax.Membership(_ref("origin"), (_ref("route"), _ref("pull"))),
            syntax.Comparison(_ref("visibility"), "==", _ref("coach")),
        ))),
        syntax.Comparison(_ref("engage"), "<", _ref("short_engagement")),
    ))


def _ref(*names: str) -> syntax.Ref:
    return syntax.Ref(tuple(syntax.Word(name) for name in names))


FACTS = '''
set param short_engagement = 45s "our own"
disable rule agent.completed "we count completions ourselves"
override fact origin: request "How the party came"
  = case when by is none then inbound when by.kind == agent then coalesce(intent, inbound) else by.origin
fact busy: bool "Another agent was connected when this one left"
  = some(other in others: other.kind == agent and left during other.connected) and data.tier > -2.5
fact gap: duration "From accepting to the customer leaving" = customer_left - accepted
'''


def test_parse_builds_facts_settings_and_disabled_rules():
    tree, problems = parse(FACTS, "x.rules")
    assert problems == ()
    (setting,) = tree.settings
    assert (setting.name.text, setting.value, setting.doc) == ("short_engagement", syntax.Number("45s"), "our own")
    (disabled,) = tree.disabled
    assert (disabled.id.text, disabled.reason) == ("agent.completed", "we count completions ourselves")
    origin, busy, gap = tree.facts
    assert origin.override and (origin.name.text, origin.type.text) == ("origin", "request")
    assert origin.definition == syntax.Case((
        syntax.Branch(syntax.IsNone(_ref("by")), _ref("inbound")),
        syntax.Branch(syntax.Comparison(_ref("by", "kind"), "==", _ref("agent")),
                   syntax.Call(syntax.Word("coalesce"), (_ref("intent"), _ref("inbound")))),
    ), _ref("by", "origin"))
    assert busy.definition == syntax.AllOf((
        syntax.Quantifier("some", syntax.Word("other"), _ref("others"), syntax.AllOf((
            syntax.Comparison(_ref("other", "kind"), "==", _ref("agent")),
            syntax.Temporal(_ref("left"), "during", _ref("other", "connected")),
        ))),
        syntax.Comparison(_ref("data", "tier"), ">", syntax.Number("-2.5")),
    ))
    assert gap.definition == syntax.Arithmetic(_ref("customer_left"), "-", _ref("accepted"))
    for fact in tree.facts:  # printed back, each parses to an equal tree
        again, problems = parse(syntax.show_fact(fact), "again.rules")
        assert problems == () and again.facts == (fact,)


def test_spans_point_at_the_source_but_do_not_count_for_equality():
    tree, _ = parse(EXAMPLE, "x.rules")
    moved, _ = parse("\n\n\n" + EXAMPLE.replace("  ", "    "), "y.rules")
    assert tree.rules == moved.rules
    rule = tree.rules[0]
    assert (rule.span.path, rule.span.line, rule.span.col) == ("x.rules", 6, 1)
    assert (rule.id.span.line, rule.id.span.col) == (6, 15)
    assert moved.rules[0].span.line == 9


def test_show_prints_back_an_equal_tree():
    tree, _ = parse(EXAMPLE, "x.rules")
    again, problems = parse(syntax.show_rule(tree.rules[0]), "again.rules")
    assert problems == ()
    assert again.rules == tree.rules


def test_keywords_are_read_whole():
    _, problems = parse('rule a "d" for agent whenever x set role A', "x.rules")
    assert [(p.code, p.position.col) for p in problems] == [("R001", 22)]
    assert "unknown keyword `whenever`" in problems[0].message


def test_comments_and_layout_are_free():
    tree, problems = parse('# a comment\nrule a "d" for agent # here too\n set role A', "x.rules")
    assert problems == () and tree.rules[0].id.text == "a"


@pytest.mark.parametrize(("text", "says", "line", "col"), [
    ('rule a "d" for agent when x && y set role A', "use `and`", 1, 29),
    ("rule a 'd' for agent set role A", "double quotes", 1, 8),
    ('rule a "d" for agent set role A result B', "missing comma between outcomes", 1, 33),
    ('rule a "d" for agent match revoked (reason: x) set role A', "without a space", 1, 43),
    ('rule a "d" for agent set role A priority high', "whole number", 1, 42),
    ('vocabulary role: A B', "missing comma between values", 1, 20),
    ('rule a "d" for agent when\n\n', "condition expected", 1, 22),
    ('rule a "d"\n  for agent\n  when (x and y\n\n', "unclosed parenthesis", 3, 15),
    ('rule a "d" for agent when ! x set role A', "use `not`, or `!=`", 1, 27),
    ('rule a "d" for agent when x @ y set role A', "unexpected character '@'", 1, 29),
    ('rule a "d for agent set role A', "not closed on its line", 1, 8),
    ('rule a "d" for agent set role A,', "unexpected end of file; expected `record`, `result`, `role`", 1, 32),
    ('rule a "d" for agent when x == 3 3 set role A', "unexpected `3`; expected `+`, `and`", 1, 34),
    ('', None, 0, 0),
])
def test_syntax_errors_in_the_authors_words(text, says, line, col):
    tree, problems = parse(text, "x.rules")
    if says is None:
        assert problems == () and tree.rules == ()
        return
    (problem,) = problems
    assert problem.code == "R001"
    assert says in problem.message or says in (problem.hint or "")
    assert (problem.position.line, problem.position.col) == (line, col)


def test_every_node_class_is_an_expression():
    """`ir.children` tells expressions apart by their base class: that holds only while every
    subclass of `ir.Node` is one of `ir.Expr`'s."""
    from typing import get_args

    from rulesengine.language import ir

    assert set(ir.Node.__subclasses__()) == set(get_args(ir.Expr))
