"""The two readings of a line hold it to the same contract.

msgspec decodes a line into the record class of its event type; the diagnostic pass
reads the rules off those classes to say what is wrong with a line the decoder
refuses. Whatever the line, they must agree on whether it is valid, and a line with
several problems must be told each of them, as it would be alone.
"""

from __future__ import annotations

from collections import Counter

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.diagnostics import Position
from rulesengine.events import read
from rulesengine.events.contract import EVENT_TYPES, RECORDS
from rulesengine.events.diagnose import problems
from rulesengine.events.read import parse_line

#: values of every field of the contract: valid ones, wrong types, unknown words, bad formats
VALUES = {
    "interaction": ["c1", "", 7, None],
    "seq": [1, 0, -1, "2", True, 2.5, 2**63 - 1, 2**63],
    "ts": ["2026-03-02T10:00:07.250Z", "2026-03-02T10:00:07+01:00", "2026-03-02T10:00:07", "2026-03-02T10:00:60Z",
           "yesterday", 5],
    "event": [*EVENT_TYPES, "party.joined", "", 3],
    "party": ["c1.a1", "", 1],
    "kind": ["agent", "queue", "strategy", "workbin", "robot", "", 2],
    "resource": ["Agent1", "", []],
    "by": ["c1.s1", "", False],
    "intent": ["route", "transfer", "pull", "sideways", ""],
    "visibility": ["conference", "coach", "hidden", 0],
    "reason": ["timeout", "", {}],
    "media": ["chat", "", 5],
    "data": [{"flow": "x"}, {}, [], "text"],
    "vendor": [1, "kept", {"n": [1, 2]}],
}
VALUE = {field: st.sampled_from([*values, None]) for field, values in VALUES.items()}
#: a valid line of each event type
VALID = {
    "interaction.created": {"media": "chat", "data": {"flow": "c01"}},
    "party.entered": {"party": "c1.q1", "kind": "queue", "resource": "Chat_In", "by": "c1.a0",
                      "intent": "transfer"},
    "party.invited": {"party": "c1.a1", "kind": "agent", "resource": "Agent1", "by": "c1.s1", "intent": "route",
                      "visibility": "conference"},
    **{name: {"party": "c1.a1", "reason": "completed"} for name in EVENT_TYPES if name.startswith("party.")
       and name not in ("party.entered", "party.invited")},
    "customer.left": {"reason": "abandoned"},
    "interaction.ended": {},
}
BASE = st.sampled_from(sorted(VALID)).map(
    lambda name: {"interaction": "c1", "seq": 3, "ts": "2026-03-02T10:00:00Z", "event": name, **VALID[name]})


def test_every_event_type_has_a_valid_line_here() -> None:
    assert sorted(VALID) == sorted(record.event for record in RECORDS)


@settings(max_examples=1000, deadline=None)
@given(base=BASE, changes=st.fixed_dictionaries({}, optional=VALUE))
def test_the_decoder_and_the_diagnostic_pass_agree_on_any_line(base: dict, changes: dict) -> None:
    """Valid lines, and lines with one problem or many: the decoder takes a line exactly when
    the diagnostic pass finds nothing wrong with it, and then both make the same event."""
    record = {key: value for key, value in {**base, **changes}.items() if value is not None}
    raw = orjson.dumps(record)
    found = problems(record)
    decoded = read._decoded_event(raw, Position("events.jsonl", 3))
    parsed = parse_line(raw, "events.jsonl", 3)
    assert (decoded is None or found == []), found
    assert (parsed.event is not None) == (found == [])
    assert [(d.code, d.message, d.hint) for d in parsed.diagnostics] == [
        (problem.code, problem.message, problem.hint) for problem in found]
    if decoded is not None:
        assert decoded == parsed.event
        assert (decoded.source, decoded.raw) == (parsed.event.source, parsed.event.raw)


@settings(max_examples=500, deadline=None)
@given(base=BASE, changes=st.fixed_dictionaries({}, optional={k: v for k, v in VALUE.items() if k != "event"}))
def test_a_line_with_several_problems_is_told_each_as_if_it_were_alone(base: dict, changes: dict) -> None:
    """Every problem of a line is reported, each as it would be on a line with no other."""

    def told(change: dict) -> Counter[tuple[str, str, str | None]]:
        record = {key: value for key, value in {**base, **change}.items() if value is not None}
        return Counter((d.code, d.message, d.hint) for d in parse_line(orjson.dumps(record), "t", 1).diagnostics)

    alone = Counter[tuple[str, str, str | None]]()
    for field, value in changes.items():
        alone += told({field: value})
    assert told(changes) == alone
