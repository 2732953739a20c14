"""The canonical layout, decision by decision (`rulesengine.language.format`)."""

from __future__ import annotations

import pytest

from rulesengine.language import format as layout
from rulesengine.language.format import FormatError, comments, format_text


def fmt(text: str) -> str:
    formatted, problems = format_text(text, "x.rules")
    assert problems == (), problems
    assert formatted is not None
    return formatted


def test_a_rule_has_its_clauses_one_a_line_in_the_grammars_order():
    assert fmt('rule a.b "d" for agent, queue match invited _* when x set role A, result B reason C priority 3') == (
        'rule a.b  "d"\n  for agent, queue\n  match invited _*\n  when x\n  set role A, result B reason C\n'
        '  priority 3\n')


def test_priority_zero_is_left_out_and_overrides_kept():
    assert fmt('override rule a "d"\nfor agent set role A priority 0') == (
        'override rule a  "d"\n  for agent\n  set role A\n')


def test_a_fact_has_its_definition_on_the_next_line():
    assert fmt('override fact f: bool "d" = a and (b or c)') == 'override fact f: bool  "d"\n  = a and (b or c)\n'


def test_case_branches_one_a_line_two_spaces_in_from_the_case():
    assert fmt('fact f: party "d" = case when a then self when b then coalesce(case when c then self else none, '
               'none) else none') == (
        'fact f: party  "d"\n'
        '  = case\n'
        '      when a then self\n'
        '      when b then coalesce(case\n'
        '                             when c then self\n'
        '                             else none, none)\n'
        '      else none\n')


def test_no_line_is_broken_that_the_author_did_not_break():
    long = " and ".join(f"some_rather_long_fact_{n}" for n in range(12))
    assert fmt(f'rule a "d" for agent when {long} set role A').splitlines()[2] == f"  when {long}"


def test_a_break_at_and_or_is_kept_with_the_operator_first():
    text = 'rule a "d" for agent when a and\nnot (c\nor some(p in q: d and\n e)) set role A'
    assert fmt(text) == ('rule a  "d"\n'
                         '  for agent\n'
                         '  when a\n'
                         '    and not (c\n'
                         '             or some(p in q: d\n'
                         '                             and e))\n'
                         '  set role A\n')


def test_an_and_inside_an_or_is_lined_up_inside_its_parentheses():
    assert fmt('rule a "d" for agent when a and\nb or c set role A').splitlines()[2:4] == [
        "  when (a", "        and b) or c"]


def test_breaks_anywhere_else_are_joined():
    assert fmt('rule a "d"\nfor\nagent\nwhen x\n==\ny\nset role\nA') == (
        'rule a  "d"\n  for agent\n  when x == y\n  set role A\n')


def test_vocabulary_words_wrap_below_the_header():
    words = [f"Word{n:02}" for n in range(30)]
    lines = fmt(f"vocabulary role: {', '.join(words)}").splitlines()
    assert lines[0] == "vocabulary role:"
    assert all(line.startswith("    Word") and len(line) <= layout.VOCABULARY_WIDTH for line in lines[1:])
    assert len(lines[1]) + len(" Word99,") > layout.VOCABULARY_WIDTH
    assert ", ".join(line.strip() for line in lines[1:]).replace(",,", ",") == ", ".join(words)


def test_short_vocabulary_stays_on_its_header_line_where_written_there():
    assert fmt("extend vocabulary result_reason:   Short,Long") == "extend vocabulary result_reason: Short, Long\n"
    assert fmt("vocabulary record:\n IRF, MSF") == "vocabulary record:\n    IRF, MSF\n"


def test_params_settings_and_disables_one_a_line_grouped_as_written():
    text = ('param a: duration=10s    "doc"\nparam b: bool = false\nset param c = "x"  "why"\n'
            'disable rule r.s\n\n\n\n\nparam d: int = -2')
    assert fmt(text) == ('param a: duration = 10s  "doc"\nparam b: bool = false\nset param c = "x"  "why"\n'
                         'disable rule r.s\n\n\nparam d: int = -2\n')


def test_one_blank_line_between_declarations_at_least_two_at_most():
    rule = 'rule a "d" for agent set role A'
    assert fmt(f"\n\n{rule}\n{rule}\n\n\n{rule}\n\n\n\n\n{rule}\n\n") == (
        "\n\n".join(['rule a  "d"\n  for agent\n  set role A'] * 2) + "\n\n\n"
        + "\n\n\n".join(['rule a  "d"\n  for agent\n  set role A'] * 2) + "\n")


def test_comments_keep_their_place():
    text = ("# header\n#\n# more header\n\n\n# section\n\n"
            'rule a "d"  # on the header\n'
            "  for agent\n"
            "        # before when\n"
            "  when x  # on when\n"
            "  set role A\n"
            "  # priority 5\n"
            "\n"
            "   # before the next, indented\n"
            'param p: int = 1\n'
            "# the end\n")
    moved = {'rule a "d"': 'rule a  "d"', "        # before when": "  # before when",
             "   # before the next": "# before the next", "# the end": "\n# the end"}
    expected = text
    for before, after in moved.items():
        expected = expected.replace(before, after)
    assert fmt(text) == expected != text


def test_comments_inside_a_joined_line_keep_their_order():
    text = 'rule a "d" for agent when x ==  # one\n y  # two\n set role A # three\n priority 0 # four'
    assert fmt(text) == ('rule a  "d"\n  for agent\n  # one\n  when x == y  # two\n  # three\n'
                         '  set role A  # four\n')


def test_a_comment_after_a_clause_s_keyword_stays_with_its_clause():
    """`when  # why` with the condition below: the clause is joined onto one line, and its
    comment goes with it, not onto the clause before (each keyword, and a fact's `=`)."""
    text = ('rule a "d"\n  for  # kinds\n    agent\n  match invited accepted _*\n  when  # routed only\n'
            '    origin == route\n  set  # what\n    result Completed\n  priority  # how strong\n    10\n\n'
            'fact f: bool  "d = e"\n  =  # the segment\n    data.segment == "VIP"\n')
    assert fmt(text) == ('rule a  "d"\n  for agent  # kinds\n  match invited accepted _*\n'
                         '  when origin == route  # routed only\n  set result Completed  # what\n'
                         '  priority 10  # how strong\n\n'
                         'fact f: bool  "d = e"\n  = data.segment == "VIP"  # the segment\n')


def test_a_hash_in_a_string_is_no_comment():
    text = 'rule a "d # not a comment" for agent when resource matches "#*" set role A  # one'
    assert [comment.text for comment in comments(text)] == ["# one"]
    assert fmt(text).splitlines()[0] == 'rule a  "d # not a comment"'


def test_windows_line_ends_and_trailing_blanks_go():
    assert fmt('rule a "d"\r\n  for agent   \r\n  set role A  # x  \r\n') == (
        'rule a  "d"\n  for agent\n  set role A  # x\n')


@pytest.mark.parametrize(("text", "formatted"), [
    ("", ""), ("\n\n  \n", ""), ("# only\n\n\n\n# comments", "# only\n\n\n# comments\n")])
def test_a_file_without_declarations(text, formatted):
    assert fmt(text) == formatted


def test_a_syntax_error_is_a_diagnostic():
    formatted, problems = format_text('rule a "d"\n  for agent\n  set role\n', "x.rules")
    assert formatted is None
    assert [problem.render().splitlines()[0] for problem in problems] == [
        "x.rules:3:7: error: R001 syntax error: missing value after the slot"]


def test_a_layout_that_would_lose_a_comment_or_change_a_rule_is_refused(monkeypatch):
    monkeypatch.setattr(layout, "_doc", lambda text: "" if text is None else f'  "{text}!"')
    with pytest.raises(FormatError, match="declares something else"):
        format_text('rule a "d" for agent set role A', "x.rules")
    monkeypatch.undo()
    lines = layout._Placed.lines
    monkeypatch.setattr(layout._Placed, "lines", lambda self: [line.replace("  # gone", "") for line in lines(self)])
    with pytest.raises(FormatError, match="does not keep its comments"):
        format_text('rule a "d" for agent set role A  # gone', "x.rules")


def test_the_shipped_files_and_the_documented_examples_are_in_the_layout():
    from tests.rules.test_format_properties import CORPUS

    documented = {name: text for name, text in CORPUS.items()
                  if name.startswith(("rulesengine/", "docs/language.md", "docs/customizing.md"))}
    assert len(documented) >= 3 + 11 + 9
    assert {name for name, text in documented.items() if fmt(text) != text} == set()
