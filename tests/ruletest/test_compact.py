"""Compact events ↔ contract events: offsets, fields, and a round trip over generated interactions."""

from __future__ import annotations

from collections import defaultdict

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.decide.ruleset import load_rules
from rulesengine.events.assemble import Assembler, Interaction, assemble_lines
from rulesengine.events.generate import generate_lines
from rulesengine.events.read import parse_line
from rulesengine.output.rows import Row
from rulesengine.ruletest.compact import compact_lines, offset_ms, records, written_offset
from rulesengine.ruletest.parse import parse
from rulesengine.runtime.pipeline import model_of


@pytest.mark.parametrize(("text", "ms"), [("+0s", 0), ("+90s", 90_000), ("+1.5s", 1_500), ("+0.25s", 250),
                                          ("+1m30s", 90_000), ("+250ms", 250), ("+2h", 7_200_000)])
def test_offsets(text, ms):
    assert offset_ms(text) == ms


@pytest.mark.parametrize("text", ["5s", "+5", "+s", "+1.2345s", "+-1s", "+1x", "+"])
def test_not_offsets(text):
    assert offset_ms(text) is None


@given(st.integers(min_value=0, max_value=10 ** 10))
def test_written_offsets_read_back(ms):
    assert offset_ms(written_offset(ms)) == ms


def test_a_compact_case_makes_contract_records():
    case_file, _ = parse('case "Two words"\n events\n  +0s created chat\n  +2.5s a1 invited agent "Agent One" '
                         'by s1 intent route visibility coach reason x {"k": [1]}\n  +1m customer left\n'
                         '  +1m ended\n expect\n  a1: RoutedTo/Completed\n', "t")
    (case,) = case_file.cases
    made, problems = records(case.events, "two_words", case.start)
    assert problems == []
    assert [m.record for m in made] == [
        {"interaction": "two_words", "seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "interaction.created",
         "media": "chat"},
        {"interaction": "two_words", "seq": 2, "ts": "2026-03-02T10:00:02.500Z", "event": "party.invited",
         "party": "two_words.a1", "kind": "agent", "resource": "Agent One", "by": "two_words.s1",
         "intent": "route", "visibility": "coach", "reason": "x", "data": {"k": [1]}},
        {"interaction": "two_words", "seq": 3, "ts": "2026-03-02T10:01:00Z", "event": "customer.left"},
        {"interaction": "two_words", "seq": 4, "ts": "2026-03-02T10:01:00Z", "event": "interaction.ended"},
    ]
    assert made[1].places["resource"].text == "Agent One"


def _interactions(count: int, seed: int) -> list[list[dict]]:
    by_id: dict[str, list[dict]] = defaultdict(list)
    for line in generate_lines(count, seed):
        record = orjson.loads(line)
        by_id[record["interaction"]].append(record)
    return [sorted(events, key=lambda e: e["seq"]) for events in by_id.values()]


def _rows(lines) -> list[dict]:
    decider = _decider()
    rows = []
    for item in assemble_lines(lines, Assembler()):
        assert isinstance(item, Interaction), item
        model = model_of(item)
        decisions = decider.decide(model)
        rows += [Row.of(model, party, decision).to_dict()
                 for party, decision in zip(model.parties, decisions, strict=True)]
    return rows


_LOADED = []


def _decider():
    if not _LOADED:
        _LOADED.append(load_rules().decider)
    return _LOADED[0]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2 ** 32), st.integers(min_value=1, max_value=4))
def test_the_compact_form_of_any_generated_interaction_reads_back_to_the_same_events_and_rows(seed, count):
    for events in _interactions(count, seed):
        interaction, start, lines = compact_lines(events)
        text = (f'case "generated"\n  interaction {interaction}\n  start {start}\n  events\n'
                + "".join(f"    {line}\n" for line in lines) + "  expect\n    a1: RoutedTo/Completed\n")
        case_file, problem = parse(text, "g.rulestest")
        assert problem is None, problem
        (case,) = case_file.cases
        made, problems = records(case.events, case.interaction, case.start)
        assert problems == []
        assert [m.record for m in made] == events
        original = [parse_line(orjson.dumps(e), "g.jsonl", n) for n, e in enumerate(events, start=1)]
        compact = [parse_line(orjson.dumps(m.record), "g.rulestest", n) for n, m in enumerate(made, start=1)]
        assert _rows(compact) == _rows(original)


def test_a_name_the_compact_form_cannot_write_is_refused():
    events = [{"interaction": "i", "seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "party.entered",
               "party": "i.q1", "kind": "queue", "resource": 'say "hi"'}]
    with pytest.raises(ValueError, match="cannot be written"):
        compact_lines(events)
