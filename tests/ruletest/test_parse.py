"""The test file grammar: what each line becomes, and where."""

from __future__ import annotations

from rulesengine.diagnostics import Position
from rulesengine.ruletest.parse import parse

from .conftest import TRANSFER


def test_cases_settings_events_and_expectations_with_their_places():
    text = ('# top\ncase "one"   # after the name\n  interaction c1\n  start 2026-03-02T08:00:00.500Z\n'
            '  events\n\n    +0s created chat {"flow": "x"}\n    # between\n'
            '    +1.5s q1 entered queue "Chat In" by q0\n  expect\n'
            '    Agent1#2: InConference [ConferenceJoined]/None MSF  # note\n')
    case_file, problem = parse(text, "t.rulestest")
    assert problem is None
    (case,) = case_file.cases
    assert (case.name, case.position, case.interaction) == ("one", Position("t.rulestest", 2, 6), "c1")
    assert case.start.text == "2026-03-02T08:00:00.500Z"
    first, second = case.events
    assert [w.text for w in first.words] == ["created", "chat"] and first.data.text == '{"flow": "x"}'
    assert second.offset.text == "+1.5s" and second.offset.position == Position("t.rulestest", 9, 5)
    assert [w.text for w in second.words] == ["q1", "entered", "queue", "Chat In", "by", "q0"]
    assert second.source_line == '    +1.5s q1 entered queue "Chat In" by q0'
    (expectation,) = case.expectations
    assert expectation.target.text == "Agent1#2"
    assert (expectation.role.value.text, expectation.role.reason.text) == ("InConference", "ConferenceJoined")
    assert (expectation.result.value.text, expectation.result.reason, expectation.record.text) == ("None", None, "MSF")
    assert text[expectation.start:expectation.end] == "InConference [ConferenceJoined]/None MSF"
    assert expectation.written == "InConference [ConferenceJoined]/None MSF"


def test_events_from_a_file_and_a_file_without_a_last_newline():
    case_file, problem = parse('case "f"\nevents from "a b.jsonl"\nexpect\na1: RoutedTo/Completed', "t")
    assert problem is None
    (case,) = case_file.cases
    assert case.events is None and case.events_file.text == "a b.jsonl"
    assert case_file.text.endswith("Completed")


def test_an_empty_file_has_no_cases():
    assert parse("# nothing yet\n", "t")[0].cases == ()
    assert parse("", "t")[0].cases == ()


def test_the_sample_file_parses_into_two_cases():
    case_file, _ = parse(TRANSFER, "t")
    assert [case.name for case in case_file.cases] == ["agent transfers chat", "invitation revoked"]
    assert [len(case.events) for case in case_file.cases] == [13, 16]


def test_a_syntax_error_at_the_end_of_the_file_points_after_the_last_word():
    _, problem = parse('case "x"\n  events\n    +0s created', "t")
    assert problem.code == "T001"
    assert problem.position == Position("t", 3, 16)
    assert "expected" in problem.message and "`expect`" in problem.message


def test_a_case_without_expectations_is_a_syntax_error():
    _, problem = parse('case "x"\n  events\n    +0s created\n', "t")
    assert problem.message.startswith("syntax error: unexpected end of file, expected `expect`")
