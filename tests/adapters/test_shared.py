"""What both adapters share: reading exports, timestamps, names, and ordering an interaction's events."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulesengine.adapters import times
from rulesengine.adapters.names import NamesError, load_names
from rulesengine.adapters.records import SourceRecord, UnreadableSource, read_records
from rulesengine.adapters.timeline import Party, Timeline, TimelineError
from rulesengine.adapters.times import parse_epoch_ms, parse_text, ts_text

# ---- reading exports ---------------------------------------------------------------------------

def records_of(tmp_path, text: str, container: str = "conversations") -> list[tuple]:
    path = tmp_path / "export.json"
    path.write_text(text)
    return [(type(item).__name__, item.place.record, item.place.line, item.place.listed,
             item.value if isinstance(item, SourceRecord) else item.message)
            for item in read_records([str(path)], container)]


def test_json_lines_are_read_one_record_a_line_and_a_bad_line_is_one_unreadable_record(tmp_path):
    assert records_of(tmp_path, '{"a": 1}\n\n{"a": 2\n{"a": 3}\n') == [
        ("SourceRecord", 1, 1, False, {"a": 1}),
        ("Unreadable", 2, 3, False, "not JSON: unexpected end of data (column 8)"),
        ("SourceRecord", 3, 4, False, {"a": 3})]


def test_a_broken_first_line_still_reads_as_json_lines_when_the_second_is_an_object(tmp_path):
    assert [item[0] for item in records_of(tmp_path, '{"a": \n{"a": 2}\n')] == ["Unreadable", "SourceRecord"]


@pytest.mark.parametrize("text", [
    '{\n  "conversationId": "c1"\n}\n',
    '[\n  {"conversationId": "c1"}\n]\n',
    '{"conversations": [{"conversationId": "c1"}], "totalHits": 1}',
])
def test_a_document_holds_one_record_an_array_of_them_or_a_query_result(tmp_path, text):
    [(kind, record, _line, listed, value)] = records_of(tmp_path, text)
    assert (kind, record, value) == ("SourceRecord", 1, {"conversationId": "c1"})
    assert listed == (not text.startswith("{\n"))


def test_a_document_that_is_not_json_is_one_unreadable_record(tmp_path):
    assert records_of(tmp_path, '{\n  "conversationId": \n') == [
        ("Unreadable", 1, None, False, "not JSON: unexpected end of data (line 3, column 1)")]


def test_a_folder_stands_for_its_exports_in_name_order_and_a_missing_file_is_refused(tmp_path):
    (tmp_path / "b.jsonl").write_text('{"n": 2}\n')
    (tmp_path / "a.json").write_text('{"n": 1}')
    (tmp_path / "notes.txt").write_text("not an export")
    assert [item.value for item in read_records([str(tmp_path)], "events")] == [{"n": 1}, {"n": 2}]
    with pytest.raises(UnreadableSource, match="no such file"):
        list(read_records([str(tmp_path / "missing.json")], "events"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(UnreadableSource, match=r"a folder with no \.json, \.jsonl, \.ndjson file"):
        list(read_records([str(tmp_path / "empty")], "events"))


# ---- times ----------------------------------------------------------------------------------------

def test_rfc_3339_times_are_read_to_the_millisecond_in_any_zone():
    assert parse_text("2021-04-01T12:27:53.386Z", repair=False).ms == 1617280073386
    assert parse_text("2021-04-01T14:27:53.386+02:00", repair=False).ms == 1617280073386
    assert parse_text("2021-04-01T12:27:53Z", repair=False).ms == 1617280073000


def test_one_digit_fields_are_repaired_only_when_asked_and_said_so():
    assert parse_text("2021-04-2T15:30:51.418Z", repair=False) is None
    repaired = parse_text("2021-04-2T15:30:51.418Z", repair=True)
    assert (ts_text(repaired.ms), repaired.repaired) == ("2021-04-02T15:30:51.418Z", True)
    assert parse_text("2021-04-02T15:30:51.418Z", repair=True).repaired is False


@pytest.mark.parametrize("text", ["2021-13-01T00:00:00Z", "2021-04-31T00:00:00Z", "yesterday", "", 1617280073386,
                                  "2021-04-01T12:27:53", "2021-04-01 12:27:53.386Z "])
def test_what_is_not_a_time_is_none(text):
    assert parse_text(text, repair=True) is None


@given(st.integers(min_value=0, max_value=253_402_300_799_999))
def test_a_written_time_reads_back_the_same_by_the_short_cut_and_the_full_parse(ms):
    text = ts_text(ms)
    assert parse_text(text, repair=False) == times._parsed(text, repair=False) == (ms, False)
    assert parse_text(text.replace("Z", "+00:00"), repair=False).ms == ms


def test_epoch_milliseconds_come_as_numbers_or_digits():
    assert parse_epoch_ms(1521437155000) == parse_epoch_ms("1521437155000") == 1521437155000
    assert parse_epoch_ms("1521437155000.5") is None
    assert parse_epoch_ms(-5) is None
    assert parse_epoch_ms(True) is None


# ---- names ----------------------------------------------------------------------------------------

def test_names_come_as_pairs_sections_or_saved_api_pages_and_merge(tmp_path):
    flat, sections, page = tmp_path / "flat.json", tmp_path / "sections.json", tmp_path / "page.json"
    flat.write_text('{"q1": "Support", "u1": "Ann"}')
    sections.write_text('{"queues": {"q2": "Sales"}, "users": {"u1": "Anna"}}')
    page.write_text('{"entities": [{"id": "f1", "name": "Main Menu", "division": {}}], "pageSize": 25}')
    names = load_names([str(flat), str(sections), str(page)])
    assert names.by_id == {"q1": "Support", "u1": "Anna", "q2": "Sales", "f1": "Main Menu"}
    unnamed: set[str] = set()
    assert (names.given("q2"), names.given("unknown-id"), names.name_of("unknown-id", unnamed)) == (
        "Sales", None, "unknown-id")
    assert unnamed == {"unknown-id"}


def test_a_names_file_of_another_shape_is_refused_naming_it(tmp_path):
    bad = tmp_path / "names.json"
    bad.write_text('{"q1": 5}')
    with pytest.raises(NamesError, match=r"names\.json: expected an object of"):
        load_names([str(bad)])
    bad.write_text("{")
    with pytest.raises(NamesError, match=r"names.json:1:2: not JSON"):
        load_names([str(bad)])


# ---- the timeline -------------------------------------------------------------------------------

def test_events_are_ordered_by_time_then_rank_and_parties_named_in_order_of_appearance():
    timeline = Timeline("i1")
    queue = timeline.party("queue")
    agent = timeline.party("agent", by=queue)
    timeline.add("interaction.ended", 9000, 9)
    timeline.add("party.entered", 1000, 1, queue, resource="Q1")
    timeline.add("party.left", 2000, 3, queue, reason="offered")
    timeline.add("party.invited", 2000, 2, agent, resource="A1", intent="route")
    timeline.add("interaction.created", 1000, 0, media="chat")
    events = timeline.finish()
    assert [(e["seq"], e["event"], e.get("party"), e.get("by")) for e in events] == [
        (1, "interaction.created", None, None), (2, "party.entered", "i1.q1", None),
        (3, "party.invited", "i1.a1", "i1.q1"), (4, "party.left", "i1.q1", None),
        (5, "interaction.ended", None, None)]
    assert events[2] == {"interaction": "i1", "seq": 3, "ts": "1970-01-01T00:00:02.000Z", "event": "party.invited",
                         "party": "i1.a1", "kind": "agent", "resource": "A1", "by": "i1.q1", "intent": "route"}


def test_a_party_comes_after_the_one_that_brought_it_in_and_before_that_one_leaves_whatever_the_ranks():
    timeline = Timeline("i1")
    queue = timeline.party("queue")
    requeued = timeline.party("queue", by=None)
    agent = timeline.party("agent", by=requeued, name="WR1")
    timeline.add("interaction.created", 0, 0, media="chat")
    timeline.add("party.entered", 0, 9, requeued, resource="Q1")  # a rank that would put it after the invite
    timeline.add("party.invited", 0, 1, agent, resource="A1", intent="route")
    timeline.add("party.left", 0, 0, requeued, reason="offered")  # a rank that would put it first
    timeline.add("party.entered", 0, 5, queue, resource="Q0")
    events = [(e["event"], e.get("party")) for e in timeline.finish()]
    assert events.index(("party.entered", "i1.q2")) < events.index(("party.invited", "i1.WR1")) \
        < events.index(("party.left", "i1.q2"))


def agent_queued() -> tuple[Timeline, Party, Party]:
    """An interaction created at 0 whose agent is brought in by a queue, neither with events yet."""
    timeline = Timeline("i1")
    queue = timeline.party("queue")
    agent = timeline.party("agent", by=queue)
    timeline.add("interaction.created", 0, 0, media="chat")
    return timeline, queue, agent


def test_times_that_contradict_who_brought_whom_in_are_an_error():
    timeline, queue, agent = agent_queued()
    timeline.add("party.entered", 5000, 1, queue, resource="Q1")
    timeline.add("party.invited", 1000, 2, agent, resource="A1", intent="route")
    with pytest.raises(TimelineError, match="the times contradict who brought whom in"):
        timeline.finish()


def test_a_party_brought_in_by_a_party_with_no_events_is_an_error() -> None:
    timeline, _, agent = agent_queued()
    timeline.add("party.invited", 1000, 2, agent, resource="A1", intent="route")
    with pytest.raises(TimelineError, match=r"^an agent is brought in by a queue with no events$"):
        timeline.finish()


def test_a_party_whose_first_event_is_its_leaving_cannot_bring_one_in_before_it_leaves() -> None:
    """Its invitation would have to come after the queue's first event and before its last, which are one."""
    timeline, queue, agent = agent_queued()
    timeline.add("party.left", 1000, 3, queue, reason="offered")
    timeline.add("party.invited", 1000, 2, agent, resource="A1", intent="route")
    with pytest.raises(TimelineError, match=r"^the parties' links form a loop: no event order satisfies them$"):
        timeline.finish()
