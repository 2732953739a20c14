"""One line at a time: JSON, fields, types, enumerations, timestamps, and reading sources."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.events import read
from rulesengine.events.contract import Event
from rulesengine.events.read import (
    InputError,
    ReadCounts,
    field_column,
    parse_line,
    read_lines,
)
from rulesengine.events.rfc3339 import parse_ms, timestamp_ms
from rulesengine.speedups import timestamps

from .builders import line, record, routed, transfer, write


def problems(item: dict | bytes) -> list[tuple[str, int, str]]:
    raw = item if isinstance(item, bytes) else line(item)
    parsed = parse_line(raw, "t.jsonl", 7)
    return [(d.code, d.position.col, d.message) for d in parsed.diagnostics]


def codes(item: dict | bytes) -> list[str]:
    return [code for code, _, _ in problems(item)]


def test_every_event_of_the_contract_example_is_valid():
    for item in transfer():
        parsed = parse_line(line(item), "t.jsonl", 1)
        assert parsed.diagnostics == ()
        assert parsed.event.interaction == "c3"
        assert parsed.event.seq == item["seq"]


def test_event_carries_fields_position_and_epoch_ms():
    item = transfer()[4]
    event = parse_line(line(item), "f.jsonl", 5).event
    assert (event.party, event.kind, event.resource, event.by, event.intent, event.visibility) == (
        "c3.a1", "agent", "Agent1", "c3.s1", "route", "conference")
    assert event.ts == "2026-03-02T10:00:05.000Z"
    assert event.ms == 1_772_445_605_000
    assert str(event.source) == "f.jsonl:5:1"


def test_unknown_extra_fields_are_kept_out_of_the_event_and_ignored():
    plain = record("i", 1, "interaction.created", media="chat")
    extra = {**plain, "vendor": {"x": 1}, "Seq": "not ours"}
    assert parse_line(line(extra), "t", 1).event == parse_line(line(plain), "t", 1).event


def test_a_field_of_the_contract_on_an_event_type_without_it_is_checked_then_ignored():
    entered = record("i", 2, "party.entered", party="i.q1", kind="queue", resource="Q", visibility="coach")
    left = record("i", 3, "party.left", party="i.q1", media="chat")
    assert parse_line(line(entered), "t", 1).event.visibility is None
    assert not hasattr(parse_line(line(left), "t", 1).event, "media")
    assert codes(entered | {"visibility": "hidden"}) == ["E104"]
    assert codes(left | {"media": 5}) == ["E103"]


def test_data_is_kept_read_only():
    event = parse_line(line(record("i", 1, "interaction.created", media="chat",
                                   data={"lang": "fr"})), "t", 1).event
    assert dict(event.data) == {"lang": "fr"}
    with pytest.raises(TypeError):
        event.data["lang"] = "en"


def test_null_counts_as_absent():
    assert parse_line(line(record("i", 1, "customer.left", reason=None, by=None)), "t", 1).event.reason is None
    assert codes(record("i", 1, "party.left", party=None)) == ["E102"]


def test_bad_json_points_at_the_character():
    assert problems(b'{"interaction": "i", "seq": 1,}') == [
        ("E101", 30, "invalid JSON: trailing comma is not allowed")]


def test_non_utf8_line_is_a_diagnostic_with_the_column_of_the_bad_byte():
    parsed = parse_line(b'{"interaction": "c1", "media": "\xc3\xa9\xff"}', "t.jsonl", 3)
    (problem,) = parsed.diagnostics
    assert (problem.code, problem.position.col) == ("E100", 34)
    assert problem.message == "line is not valid UTF-8 (byte 0xff)"
    assert parsed.event is None
    assert "\ufffd" in problem.render()


@pytest.mark.parametrize(("raw", "interaction", "closes"), [
    (b'{"interaction" : "c1", "seq": 1,}', "c1", False),
    (b'{"interaction":"c2","event":"interaction.ended"', "c2", True),
    (b'{"interaction": "c3", "media": "\xff"}', "c3", False),
    (b'{"interaction": "", "seq": 1,}', None, False),
    (b'{"seq": 1, "interaction": 5,}', None, False),
    (b"not json at all", None, False),
])
def test_unparsable_lines_keep_an_interaction_id_they_show_plainly(raw, interaction, closes):
    parsed = parse_line(raw, "t", 1)
    assert (parsed.event, parsed.interaction, parsed.closes) == (None, interaction, closes)
    assert parsed.diagnostics[0].code in ("E100", "E101")


@pytest.mark.parametrize(("raw", "named"), [(b"[1, 2]", "an array"), (b'"text"', "a string"),
                                        (b"3", "a number"), (b"null", "null"), (b"true", "a boolean")])
def test_a_line_must_be_an_object(raw, named):
    assert problems(raw) == [("E106", 1, f"an event line must be a JSON object, not {named}")]


@pytest.mark.parametrize("field", ["interaction", "seq", "ts", "event"])
def test_fields_every_event_needs(field):
    item = record("i", 1, "customer.left")
    del item[field]
    assert codes(item) == ["E102"]
    assert problems(item)[0][2] == f"missing field '{field}'"


@pytest.mark.parametrize(("event", "field"), [
    ("interaction.created", "media"),
    ("party.entered", "party"), ("party.entered", "kind"), ("party.entered", "resource"),
    ("party.invited", "party"), ("party.invited", "kind"), ("party.invited", "resource"),
    ("party.invited", "by"), ("party.invited", "intent"),
    ("party.accepted", "party"), ("party.rejected", "party"), ("party.revoked", "party"),
    ("party.left", "party"),
])
def test_fields_an_event_type_needs(event, field):
    full = {"media": "chat", "party": "p", "resource": "R", "by": "s", "intent": "route",
            "kind": "agent" if event == "party.invited" else "queue"}
    item = record("i", 2, event, **full)
    del item[field]
    assert problems(item) == [("E102", 1, f"missing field '{field}' on {event}")]


def test_optional_fields_may_be_absent():
    assert codes(record("i", 2, "party.entered", party="q", kind="queue", resource="Q")) == []
    assert codes(record("i", 2, "customer.left")) == []
    assert codes(record("i", 2, "interaction.ended")) == []


@pytest.mark.parametrize(("field", "value"), [
    ("interaction", 5), ("interaction", ""), ("seq", -1), ("seq", 1.0), ("seq", True), ("seq", "1"),
    ("ts", 1772445600), ("event", 3), ("party", ""), ("party", 7), ("resource", ["Agent1"]),
    ("by", ""), ("reason", False), ("media", ""), ("data", [1]), ("data", "x"),
])
def test_wrong_types(field, value):
    item = {**record("i", 2, "party.left", party="p"), field: value}
    found = problems(item)
    assert [code for code, _, _ in found] == ["E103"]
    assert found[0][2].startswith(f"field '{field}' must be ")


def test_wrong_type_column_points_at_the_key():
    raw = b'{"interaction":"i","seq":"2","ts":"2026-03-02T10:00:00Z","event":"customer.left"}'
    assert problems(raw)[0][:2] == ("E103", 20)
    assert raw[19:24] == b'"seq"'


def test_long_wrong_values_are_shortened():
    message = problems({**record("i", 2, "customer.left"), "seq": "x" * 100})[0][2]
    assert message.endswith('...') and len(message) < 100


@pytest.mark.parametrize(("field", "value", "suggestion"), [
    ("event", "party.acepted", "party.accepted"), ("kind", "agnt", "agent"),
    ("intent", "tranfser", "transfer"), ("visibility", "coahc", "coach"),
])
def test_unknown_values_suggest_the_closest(field, value, suggestion):
    item = {**record("i", 2, "party.invited", party="p", kind="agent", resource="A", by="s",
                     intent="route"), field: value}
    parsed = parse_line(line(item), "t", 1)
    (problem,) = parsed.diagnostics
    assert (problem.code, problem.message) == ("E104", f"unknown {field} '{value}'")
    assert problem.hint == f"did you mean '{suggestion}'?"


def test_unknown_value_far_from_any_lists_them_all():
    (problem,) = parse_line(line(record("i", 1, "zzz")), "t", 1).diagnostics
    assert problem.hint.startswith("one of: customer.left, interaction.created")


@pytest.mark.parametrize(("event", "kind"), [("party.invited", "queue"), ("party.invited", "strategy"),
                                         ("party.entered", "agent")])
def test_kind_must_fit_the_first_event(event, kind):
    item = record("i", 2, event, party="p", kind=kind, resource="R", by="s", intent="route")
    assert codes(item) == ["E107"]


@pytest.mark.parametrize(("text", "ms"), [
    ("1970-01-01T00:00:00Z", 0),
    ("1970-01-01T00:00:00.001Z", 1),
    ("1970-01-01T00:00:00.0019Z", 1),
    ("1970-01-01T01:00:00+01:00", 0),
    ("1969-12-31T19:00:00.5-05:00", 500),
    ("1970-01-01t00:00:01z", 1000),
    ("2026-03-02T10:00:07.250Z", 1_772_445_607_250),
])
def test_rfc3339_timestamps(text, ms):
    assert timestamp_ms(text) == ms


def test_a_minute_is_parsed_once_and_the_remembered_seconds_and_minutes_stay_bounded(monkeypatch):
    monkeypatch.setattr(timestamps, "KEPT", 3)
    parsed: list[str] = []

    def parse_minute(minute: str) -> int | None:
        parsed.append(minute)
        return parse_ms(minute + ":00Z")

    reader = timestamps.utc_reader(parse_minute, parse_ms)
    assert [reader("2026-03-02T10:00:07.250Z"), reader("2026-03-02T10:00:07Z"), reader("2026-03-02T10:00:08Z")] == [
        1_772_445_607_250, 1_772_445_607_000, 1_772_445_608_000]
    assert parsed == ["2026-03-02T10:00"]  # a new second of a known minute needs no parse
    # a minute that is no time is remembered too, and the full parse has the last word
    assert [reader("2026-03-02T25:00:07Z"), reader("2026-03-02T25:00:08.000Z")] == [None, None]
    assert parsed == ["2026-03-02T10:00", "2026-03-02T25:00"]
    # a second that is no time (a leap second, a letter) goes to the full parse without a minute's
    assert [reader("2026-03-02T10:00:60Z"), reader("2026-03-02T10:00:1aZ"), reader("2026-03-02T10:00-07Z")] == [
        None, None, None]
    assert len(parsed) == 2
    minutes = [f"2026-03-02T10:{minute:02d}:30.500Z" for minute in range(10, 20)]
    assert [reader(text) for text in minutes] == [parse_ms(text) for text in minutes]
    assert [reader(text) for text in minutes] == [parse_ms(text) for text in minutes]
    # never more than three remembered: the ten minutes were all parsed again the second time
    assert len(parsed) == 2 + 10 + 10


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["2026-03-02T10:00:07.250Z", "2026-03-02T10:00:07Z", "2026-03-02T10:00:08Z",
                                 "2026-03-02T10:01:07.250Z", "2026-03-02T25:00:07Z", "2026-03-02T10:00:60Z",
                                 "1970-01-01t00:00:01z", "2026-03-02T11:00:07+01:00", "", "yesterday"]),
                max_size=30))
def test_a_reader_reads_each_timestamp_of_a_stream_as_the_full_parse_does_repeated_or_not(texts):
    """A line's timestamp often repeats the one before: the reader answers it from the last one read."""
    reader = timestamps.utc_reader(lambda minute: parse_ms(minute + ":00Z"), parse_ms)
    assert [reader(text) for text in texts] == [parse_ms(text) for text in texts]


_DIGITS = st.text("0123456789", min_size=1, max_size=1)


@settings(max_examples=300, deadline=None)
@given(st.tuples(*[st.sampled_from(["19", "20", "99"])] + [_DIGITS] * 16), st.sampled_from(["Z", ".xxxZ", "z"]))
def test_the_short_cut_reads_every_usual_timestamp_as_the_full_parse_does(digits, tail):
    year, *rest = digits
    d = "".join(rest)
    text = f"{year}{d[0:2]}-{d[2:4]}-{d[4:6]}T{d[6:8]}:{d[8:10]}:{d[10:12]}" + tail.replace("xxx", d[12:15])
    assert timestamp_ms(text) == parse_ms(text)


@pytest.mark.parametrize("text", [
    "2026-03-02T10:00:07", "2026-03-02 10:00:07Z", "2026-03-02T10:00Z", "2026-03-02",
    "2026-03-02T10:00:07,250Z", "2026-03-02T10:00:07+0100", "2026-03-02T25:00:07Z",
    "2026-02-30T10:00:07Z", "20260302T100007Z", "yesterday at noon", "2026-03-02T10:00:07.Z",
])
def test_not_rfc3339(text):
    assert timestamp_ms(text) is None
    assert codes(record("i", 1, "customer.left") | {"ts": text}) == ["E105"]


def test_every_problem_of_a_line_is_reported_in_field_order():
    raw = (b'{"interaction":"c3","seq":true,"ts":"2026-03-02 10:00:00",'
           b'"event":"party.acepted","kind":"agnt"}')
    assert [(code, col) for code, col, _ in problems(raw)] == [
        ("E103", 21), ("E105", 32), ("E104", 59), ("E104", 83)]


def test_problems_of_the_other_fields_are_told_strings_then_words_then_data_whatever_the_line_order():
    raw = (b'{"interaction":"c3","seq":1,"ts":"2026-03-02T10:00:00Z","event":"party.entered","data":"text",'
           b'"intent":"sideways","reason":"","party":"c3.q1","kind":"agent","resource":"Chat_In","media":5}')
    assert problems(raw) == [
        ("E103", 115, "field 'reason' must be a non-empty string, not \"\""),
        ("E103", 179, "field 'media' must be a non-empty string, not 5"),
        ("E104", 95, "unknown intent 'sideways'"),
        ("E103", 81, "field 'data' must be a JSON object, not \"text\""),
        ("E107", 143, "an agent party cannot enter"),
    ]


def test_a_bad_line_keeps_its_interaction_id_and_whether_it_closes():
    parsed = parse_line(line(record("c9", 9, "interaction.ended") | {"ts": "never"}), "t", 1)
    assert (parsed.event, parsed.interaction, parsed.closes) == (None, "c9", True)


def test_field_column_skips_values_that_look_like_the_key():
    raw = b'{"reason": "seq", "seq" : 3}'
    assert field_column(raw, "seq") == 19
    assert field_column(raw, "party") == 1
    assert field_column('{"r": "\u00e9", "seq": 1}'.encode(), "seq") == 12


def test_read_lines_skips_blank_and_comment_lines_and_counts_all(tmp_path):
    items = routed()
    path = write(tmp_path / "e.jsonl", ["# a comment", "", *items[:2], "   ", "  # indented", items[2]])
    counts = ReadCounts()
    got = list(read_lines([str(path)], counts))
    assert [item.source.line for item in got] == [3, 4, 7]
    assert all(isinstance(item, Event) for item in got)
    assert counts.lines == 7


def test_crlf_line_endings_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(line(item) for item in routed()) + b"\r\n")
    got = list(read_lines([str(path)]))
    assert len(got) == len(routed())
    assert all(isinstance(item, Event) for item in got)
    assert got[0].raw == line(routed()[0])


def test_several_sources_in_order(tmp_path):
    first = write(tmp_path / "a.jsonl", routed("a"))
    second = write(tmp_path / "b.jsonl", routed("b"))
    got = list(read_lines([str(first), str(second)]))
    assert [item.interaction for item in got] == ["a"] * 9 + ["b"] * 9
    assert got[9].source.path == str(second) and got[9].source.line == 1


def test_dash_reads_stdin(monkeypatch):
    data = b"".join(line(item) + b"\n" for item in routed())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    got = list(read_lines(["-"]))
    assert len(got) == 9
    assert got[0].source.path == "<stdin>"


@pytest.mark.parametrize(("make", "said"), [
    (lambda tmp: tmp / "missing.jsonl", "no such file"),
    (lambda tmp: tmp, r"it is a directory \(give the files in it, in the order to read them: .*\*\.jsonl\)"),
])
def test_unreadable_sources_raise_before_anything_is_read(tmp_path, make, said):
    good = write(tmp_path / "good.jsonl", routed())
    lines = read_lines([str(good), str(make(tmp_path))])
    with pytest.raises(InputError, match=said):
        next(lines)


def test_no_permission(tmp_path, monkeypatch):
    good = write(tmp_path / "good.jsonl", routed())
    monkeypatch.setattr(read.os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match="permission denied"):
        list(read_lines([str(good)]))


def test_an_open_failure_after_the_check_is_still_an_input_error(tmp_path, monkeypatch):
    good = write(tmp_path / "good.jsonl", routed())

    def refuse(path, mode):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(read, "open", refuse, raising=False)
    with pytest.raises(InputError, match="Permission denied"):
        list(read_lines([str(good)]))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789-+:.TtZz ⁰١"), max_size=32))
def test_timestamp_parsing_never_raises(text):
    assert timestamp_ms(text) is None or isinstance(timestamp_ms(text), int)


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False)
                     | st.text(),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                     max_leaves=8)
_FIELDS = st.sampled_from(["interaction", "seq", "ts", "event", "party", "kind", "resource", "by",
                           "intent", "visibility", "reason", "media", "data"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_FIELDS, _JSON | st.sampled_from(["party.invited", "agent", "2026-03-02T10:00:00Z"])))
def test_any_json_object_gives_an_event_or_diagnostics(item):
    parsed = parse_line(line(item), "t", 1)
    assert (parsed.event is None) == bool(parsed.diagnostics)
    for problem in parsed.diagnostics:
        assert problem.code in {"E102", "E103", "E104", "E105", "E107"}
        problem.render()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_any_bytes_give_an_event_or_diagnostics(raw):
    parsed = parse_line(raw, "t", 1)
    assert (parsed.event is None) == bool(parsed.diagnostics)


_MIXED_LINES = [line(item) for item in transfer()] + [
    b"", b"   ", b"# a comment", b'{"interaction": "c3", "seq": ', b"[1, 2]", b'{"interaction": "c9"}',
    b'{"interaction":"c3","seq":99,"ts":"2026-03-02T10:00:07Z","event":"customer.left","extra":1}',
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(range(len(_MIXED_LINES))), max_size=40), st.sampled_from([b"\n", b"\r\n"]))
def test_a_block_reads_as_its_lines_one_by_one(tmp_path_factory, picks, ending):
    """Lines are decoded a block at a time up to the first one the decoder refuses; whatever
    the mix of good, bad, blank and comment lines, each line reads as it reads alone."""
    chosen = [_MIXED_LINES[pick] for pick in picks]
    path = tmp_path_factory.mktemp("block") / "events.jsonl"
    path.write_bytes(b"".join(raw + ending for raw in chosen))
    counts = ReadCounts()
    got = [(item.source.line, item) if isinstance(item, Event) else (item.position.line, item.diagnostics)
           for item in read_lines([str(path)], counts)]
    expected = []
    for number, raw in enumerate(chosen, 1):
        if not raw.strip() or raw.startswith(b"#"):
            continue
        alone = parse_line(raw, str(path), number)
        expected.append((number, alone.event) if alone.event is not None else (number, alone.diagnostics))
    assert got == expected
    assert counts.lines == len(chosen)
