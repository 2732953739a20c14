"""Less travelled paths of rule tests: odd lines, odd targets, rules without a vocabulary, the
compact form's refusals."""

from __future__ import annotations

import re

import pytest

from rulesengine.decide.ruleset import load_rules
from rulesengine.ruletest.compact import compact_lines, records
from rulesengine.ruletest.parse import parse
from rulesengine.ruletest.run import FAILED, PASSED, run_file

from .conftest import TRANSFER

#: a queue stay, as small as an interaction gets
QUEUE_ONLY = """\
case "queue only"
  events
    +0s created chat
    +0s q1 entered queue Chat_In
    +1s q1 left
    +1s ended
  expect
    q1: Received/Cleared
"""


def refused(in_tmp, run_test, text: str, *options: str) -> str:
    """What `rulesengine test` says of a test file `t.rulestest` holding `text`, which it must refuse (exit 2)."""
    (in_tmp / "t.rulestest").write_text(text, encoding="utf-8")
    code, out, _ = run_test("t.rulestest", *options)
    assert code == 2
    return out


def test_an_expectation_is_on_the_line_of_its_target():
    case_file, _ = parse(QUEUE_ONLY + "    Chat_In: Received/Cleared\n", "t")
    assert [expectation.line for expectation in case_file.cases[0].expectations] == [8, 9]


def test_a_start_that_is_not_rfc_3339_is_placed_on_its_word(in_tmp, run_test):
    out = refused(in_tmp, run_test, QUEUE_ONLY.replace("  events\n", "  start 2026-03-02\n  events\n"))
    assert ("t.rulestest:2:9: error: T101 bad start time '2026-03-02'\n"
            "      start 2026-03-02\n"
            "            ^\n"
            "    hint: write RFC 3339 with a zone, e.g. 2026-03-02T10:00:00Z\n") in out


def test_a_line_with_a_time_and_nothing_else_asks_for_the_event(in_tmp, run_test):
    out = refused(in_tmp, run_test, QUEUE_ONLY.replace("    +1s q1 left\n", "    +1s q1 left\n    +1s\n"))
    assert "t.rulestest:6:5: error: T102 missing event after the time: an event line is +TIME created" in out


@pytest.mark.parametrize(("written", "col", "example"), [
    ("q1 entered queue", 20, "q1 entered queue Chat_In"),
    ("q1 entered", 12, "q1 entered queue Chat_In"),
    ("a1 invited agent", 20, "a1 invited agent Agent1"),
])
def test_entered_or_invited_without_kind_and_resource_points_where_they_are_missing(
        written, col, example, in_tmp, run_test):
    """The caret sits on the kind when only the resource is missing, else on the verb; the
    example is of the verb written."""
    out = refused(in_tmp, run_test, QUEUE_ONLY.replace("    +1s ended\n", f"    +1s {written}\n    +1s ended\n"))
    verb = written.split()[1]
    assert (f"t.rulestest:6:{col}: error: T103 '{verb}' needs the party's kind and resource\n"
            f"        +1s {written}\n"
            f"{' ' * (col + 3)}^\n"
            f"    hint: write PARTY {verb} KIND RESOURCE, e.g. {example}\n") in out


def test_past_ten_problems_of_one_code_the_rest_are_counted_in_a_note_without_a_place(in_tmp, run_test):
    unknown = "".join(f"    +1s x{number} left\n" for number in range(1, 12))
    text = f'case "many"\n  events\n    +0s created chat\n{unknown}    +2s ended\n  expect\n    x1: Received/Cleared\n'
    out = refused(in_tmp, run_test, text)
    assert out.count("error: E116 party.left for unknown party") == 10
    assert "t.rulestest:13:9: error: E116 party.left for unknown party 'many.x10'\n" in out
    assert "'many.x11'" not in out
    assert out.endswith("\nnote: E116 and 1 more like it in this interaction (not listed)\n")


@pytest.mark.parametrize(("target", "message"), [
    ("Chat_In#", "bad stay 'Chat_In#': write Chat_In#N, N counting from 1"),
    ("Chat_In#0", "no stay #0 of 'Chat_In': it has 1"),
    ("Chat_In#2", "no stay #2 of 'Chat_In': it has 1"),
])
def test_a_stay_number_that_names_no_stay(target, message, in_tmp, run_test):
    out = refused(in_tmp, run_test, QUEUE_ONLY.replace("    q1:", f"    {target}:"))
    assert f"t.rulestest:8:5: error: T201 {message}\n" in out


def test_rules_declaring_no_vocabulary_say_so_for_each_word(in_tmp, run_test):
    """A hint listing the words of an empty vocabulary would end in nothing."""
    (in_tmp / "site.rules").write_text("param site_probe: duration = 5s\n", encoding="utf-8")
    out = refused(in_tmp, run_test, QUEUE_ONLY, "--rules", "site.rules", "--no-default-rules")
    assert "t.rulestest:8:9: error: T202 unknown role 'Received'\n" in out
    assert "t.rulestest:8:18: error: T202 unknown result 'Cleared'\n" in out
    assert "    hint: the rules declare no role vocabulary\n" in out
    assert "    hint: the rules declare no result vocabulary\n" in out


def test_a_word_close_to_none_of_its_vocabulary_is_answered_with_the_whole_vocabulary(in_tmp, run_test):
    out = refused(in_tmp, run_test, QUEUE_ONLY.replace("Received/Cleared", "Received/Cleared Zzz"))
    assert "t.rulestest:8:26: error: T202 unknown record 'Zzz'\n" in out
    assert "    hint: the record vocabulary: IRF, MSF\n" in out


def test_without_a_vocabulary_the_words_of_an_expectation_are_only_compared(tmp_path):
    """`run_file` given no vocabulary does not refuse a word: the expectation just fails."""
    case_file, _ = parse(TRANSFER.replace("RoutedTo/Completed IRF", "RoutedTo/Finished IRF", 1), "site.rulestest")
    assert case_file is not None
    decider = load_rules().decider
    assert decider is not None
    results = run_file(case_file, decider, None, tmp_path)
    assert [result.status for result in results] == [FAILED, PASSED]
    (mismatch,) = results[0].mismatches
    assert (mismatch.expectation.written, mismatch.got) == ("RoutedTo/Finished IRF", "RoutedTo/Transferred IRF")


def test_a_rules_file_with_no_test_file_beside_it_adds_no_tests(in_tmp, run_test):
    (in_tmp / "site.rules").write_text("param site_probe: duration = 5s\n", encoding="utf-8")
    code, out, _ = run_test("--rules", "site.rules")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["rules/chat.rulestest"]


# ---- events → compact lines -------------------------------------------------------------------

def _events(**changed: dict) -> list[dict]:
    """A queue stay's contract records, with the fields of some events (by seq) changed."""
    events = [
        {"interaction": "i", "seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "interaction.created", "media": "chat"},
        {"interaction": "i", "seq": 2, "ts": "2026-03-02T10:00:00Z", "event": "party.entered", "party": "i.q1",
         "kind": "queue", "resource": "Chat In"},
        {"interaction": "i", "seq": 3, "ts": "2026-03-02T10:00:01.250Z", "event": "party.entered", "party": "i.s1",
         "kind": "strategy", "resource": "Routing", "by": "i.q1"},
        {"interaction": "i", "seq": 4, "ts": "2026-03-02T10:00:02Z", "event": "interaction.ended"},
    ]
    for seq, fields in changed.items():
        events[int(seq.removeprefix("seq")) - 1].update(fields)
    return events


def test_a_name_with_a_space_is_quoted_and_reads_back():
    interaction, start, lines = compact_lines(_events())
    assert (interaction, start) == ("i", "2026-03-02T10:00:00Z")
    assert lines == ["+0s created chat", '+0s q1 entered queue "Chat In"', "+1.25s s1 entered strategy Routing by q1",
                     "+2s ended"]
    text = ('case "c"\n  interaction i\n  start 2026-03-02T10:00:00Z\n  events\n'
            + "".join(f"    {line}\n" for line in lines) + "  expect\n    q1: Received/Cleared\n")
    case_file, problem = parse(text, "t")
    assert problem is None and case_file is not None
    made, problems = records(case_file.cases[0].events or (), "i", case_file.cases[0].start)
    assert problems == []
    assert [m.record for m in made] == _events()


@pytest.mark.parametrize(("changed", "message"), [
    ({"seq1": {"ts": "yesterday"}}, "not a timestamp: 'yesterday'"),
    ({"seq3": {"ts": "10:00:01"}}, "not a timestamp: '10:00:01'"),
    ({"seq2": {"party": "other.q1"}}, "party 'other.q1' is not named after its interaction 'i'"),
    ({"seq3": {"by": "q1"}}, "party 'q1' is not named after its interaction 'i'"),
])
def test_events_the_compact_form_cannot_write_are_refused(changed, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        compact_lines(_events(**changed))
