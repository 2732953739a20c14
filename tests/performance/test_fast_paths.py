"""The main job's short cuts give exactly what the reference code gives.

The loader's valid-line short cut against its full checks, the UTC timestamp short
cut against `datetime`, and the facts of generated streams cut short (open
interactions, evaluated as provisional) against the second derivation in
`tests/model/oracle.py`.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.decide.ruleset import load_rules
from rulesengine.events import diagnose, read
from rulesengine.events.assemble import Interaction, assemble
from rulesengine.events.generate import generate_lines
from rulesengine.events.read import parse_line
from rulesengine.events.rfc3339 import parse_ms, timestamp_ms
from rulesengine.runtime.pipeline import model_of
from tests.model import oracle
from tests.model.test_oracle import COMPARED

ROOT = Path(__file__).resolve().parents[2]
FLOWS = sorted((ROOT / "tests" / "flows").glob("*.jsonl"))
SAMPLE = ROOT / "rulesengine" / "sample" / "sample.jsonl"
DEFAULTS = load_rules().decider


def decided(interaction: Interaction) -> list[tuple]:
    model = model_of(interaction)
    return [(party.id, decision.resource_role, decision.technical_result, decision.result_reason, decision.record)
            for party, decision in zip(model.parties, DEFAULTS.decide(model), strict=True)]


def test_a_party_field_on_an_interaction_event_names_no_step(tmp_path) -> None:
    """`party` belongs to party.* events; elsewhere it is ignored, not taken for a step."""
    plain = (ROOT / "tests" / "flows" / "c03_transfer.jsonl").read_text(encoding="utf-8")
    odd = tmp_path / "odd.jsonl"
    odd.write_text(plain.replace('"event":"customer.left"', '"event":"customer.left","party":"c03_transfer.a2"')
                   .replace('"event":"interaction.ended"', '"event":"interaction.ended","party":"nobody"'),
                   encoding="utf-8")
    assert odd.read_text(encoding="utf-8") != plain
    [interaction] = [item for item in assemble([str(odd)]) if isinstance(item, Interaction)]
    [expected] = [item for item in assemble([str(ROOT / "tests" / "flows" / "c03_transfer.jsonl")])
                  if isinstance(item, Interaction)]
    assert decided(interaction) == decided(expected)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(0, 400))
def test_facts_of_generated_streams_cut_short_match_the_oracle(tmp_path_factory, seed: int, cut: int) -> None:
    """Cutting the stream short leaves open interactions, evaluated as provisional."""
    lines = list(generate_lines(60, seed))[:cut or None]
    path = tmp_path_factory.mktemp("gen") / "events.jsonl"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    checked = 0
    for item in assemble([str(path)], include_open=True):
        if isinstance(item, Interaction):
            model = model_of(item)
            DEFAULTS.all_facts(model)
            derived = {p.id: {name: getattr(p, f"f_{name}") for name in COMPARED} for p in model.parties}
            assert derived == oracle.facts([orjson.loads(event.raw) for event in item.events]), item.id
            checked += 1
    assert checked or not lines


FIELD_VALUES = {
    "interaction": st.sampled_from(["c1", "", 7, None]),
    "seq": st.sampled_from([1, 0, -1, "2", True, None, 2.0, 2**63 - 1, 2**63, 2**64 - 1]),
    "ts": st.sampled_from(["2026-03-02T10:00:07.250Z", "2026-03-02T10:00:07Z", "2026-03-02T10:00:60Z",
                           "2026-03-02T10:00:07+01:00", "yesterday", 5, None]),
    "event": st.sampled_from(["interaction.created", "party.entered", "party.invited", "party.accepted",
                              "party.left", "customer.left", "interaction.ended", "party.joined", 3, None]),
    "party": st.sampled_from(["c1.a1", "", None, 1]),
    "kind": st.sampled_from(["agent", "queue", "strategy", "workbin", "robot", "", None]),
    "resource": st.sampled_from(["Agent1", "", None, []]),
    "by": st.sampled_from(["c1.s1", "", None]),
    "intent": st.sampled_from(["route", "transfer", "pull", "sideways", None]),
    "visibility": st.sampled_from(["conference", "coach", "hidden", None]),
    "reason": st.sampled_from(["timeout", "", None, {}]),
    "media": st.sampled_from(["chat", "", None]),
    "data": st.sampled_from([{"flow": "x"}, {}, [], "text", None, {"n": 2**64 - 1}, {"k": [1, {"x": None}]},
                             {"n": -(2**63)}, {"f": 1.5, "b": True, "z": None},
                             {"s": "é \"q\" \\"}, {"s": "data"}]),
    "extra": st.sampled_from([1, "kept", 2**64 - 1, None]),
}
#: raw spellings orjson cannot produce: numbers it refuses, bytes that are not UTF-8, a key twice
RAW_EDITS = [
    (b'}', b'}'),
    (b'"seq":', b'"seq":1e999,"seq":'),
    (b'{', b'{"extra":1e999,'),
    (b'{', b'{"extra":"\xff",'),
    (b'{', b'{"data":{"n":1e999},'),
    (b'{', b'{"data":{"s":"\xfe"},'),
    (b'{', b'{"data":{"first":"kept?"},'),
    (b'"data":{', b'"data":{"n":18446744073709551616,'),
    (b'"data":{', b'"data":{"n":-9223372036854775809,'),
    (b'{', b'{"interaction":"first",'),
    (b'{', b'{"interaction":5,'),
    (b'{', b'{"event":"party.left",'),
    (b'}', b',"event":"customer.left"}'),
    (b'"event":', b'"ev\\u0065nt":'),
    (b'}', b',"seq":"late"}'),
    (b'}', b'} '),
    (b'}', b'}x'),
]


VALID = [
    {"interaction": "c1", "seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "interaction.created",
     "media": "chat", "data": {"flow": "c01"}},
    {"interaction": "c1", "seq": 2, "ts": "2026-03-02T10:00:00.500Z", "event": "party.entered",
     "party": "c1.q1", "kind": "queue", "resource": "Chat_In"},
    {"interaction": "c1", "seq": 5, "ts": "2026-03-02T10:00:02.500Z", "event": "party.invited",
     "party": "c1.a1", "kind": "agent", "resource": "Agent1", "by": "c1.s1", "intent": "route",
     "visibility": "conference"},
    {"interaction": "c1", "seq": 9, "ts": "2026-03-02T10:00:09+01:00", "event": "party.left",
     "party": "c1.a1", "reason": "completed"},
]


@settings(max_examples=600, deadline=None)
@given(base=st.sampled_from(VALID), changes=st.fixed_dictionaries({}, optional=FIELD_VALUES),
       dropped=st.sets(st.sampled_from(sorted(FIELD_VALUES)), max_size=2), keep=st.integers(0, 3),
       edit=st.sampled_from(RAW_EDITS))
def test_valid_line_short_cut_agrees_with_the_full_checks(monkeypatch_module, base: dict, changes: dict,
                                                           dropped: set[str], keep: int,
                                                           edit: tuple[bytes, bytes]) -> None:
    """Valid lines with a few fields changed, dropped, added or misspelt, so both ways are exercised."""
    kept = dict(list(changes.items())[:keep])
    record = {key: value for key, value in {**base, **kept}.items() if key not in dropped}
    old, new = edit
    raw = orjson.dumps(record).replace(old, new, 1)
    quick = parse_line(raw, "events.jsonl", 3)
    with monkeypatch_module.context() as patch:
        patch.setattr(read, "_decoded_event", lambda raw, position: None)
        full = parse_line(raw, "events.jsonl", 3)
    assert quick == full


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_valid_line_short_cut_takes_valid_lines() -> None:
    raw = (b'{"interaction":"c1","seq":5,"ts":"2026-03-02T10:00:02.500Z","event":"party.invited",'
           b'"party":"c1.a1","kind":"agent","resource":"Agent1","by":"c1.s1","intent":"route"}')
    position = read.Position("events.jsonl", 5)
    event = read._decoded_event(raw, position)
    assert event is not None
    assert (event.party, event.ms) == ("c1.a1", 1772445602500)
    assert parse_line(raw, "events.jsonl", 5).event == event


def test_fields_outside_the_contract_are_kept_out_of_the_way_without_the_diagnostic_pass(monkeypatch) -> None:
    """The contract keeps and ignores unknown fields: such a line is still valid, and its
    record is decoded from the line read whole, without the diagnostic pass; an unknown
    field orjson cannot read makes the line invalid (E101)."""
    raw = (b'{"interaction":"c1","seq":1,"ts":"2026-03-02T10:00:00Z","event":"interaction.created",'
           b'"media":"chat","source":{"system":"gw-2","n":[1,2]},"data":{"flow":"c01"}}')
    unreadable = raw.replace(b'"n":[1,2]', b'"n":1e999')
    assert [problem.code for problem in parse_line(unreadable, "events.jsonl", 1).diagnostics] == ["E101"]
    monkeypatch.setattr(diagnose, "problems", lambda record: pytest.fail("the diagnostic pass ran"))
    event = parse_line(raw, "events.jsonl", 1).event
    assert event is not None
    assert (event.media, dict(event.data), event.source) == ("chat", {"flow": "c01"}, read.Position("events.jsonl", 1))


def test_every_line_of_the_sample_takes_the_short_cut() -> None:
    """Valid lines, `data` included, must not pay for the full checks."""
    lines = SAMPLE.read_bytes().splitlines()
    position = read.Position("sample.jsonl", 1)
    refused = [raw for raw in lines if raw.startswith(b"{") and read._decoded_event(raw, position) is None]
    assert refused == []
    assert any(b'"data"' in raw for raw in lines)


SCALARS = (st.text(max_size=4) | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from([0, -1, 2**63 - 1, 2**63, 2**64 - 1, -(2**63), -(2**63) - 1]))


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.text(max_size=3), SCALARS | st.lists(SCALARS, max_size=2), min_size=1, max_size=3),
       twice=st.booleans())
def test_data_taken_as_decoded_is_what_orjson_reads(data: dict, twice: bool) -> None:
    """`data` that msgspec decoded is kept as it is only where orjson reads the very same values,
    of the same types (1 and 1.0, or True and 1, would compare equal); where it cannot be sure,
    the line is read again. Plain text, booleans, nulls and integers orjson can read are taken,
    integers past 64 bits (which orjson refuses) are not."""
    record = {"interaction": "c1", "seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "interaction.created",
              "media": "chat", "data": {}}
    raw = orjson.dumps(record).replace(b'"data":{}', b'"data":' + msgspec.json.encode(data))
    if twice:  # a first `data` that the last one replaces, for both readers
        raw = raw.replace(b"{", b'{"data":{"first":[1.5]},', 1)
    decoded = msgspec.json.decode(raw)["data"]
    try:
        expected = orjson.loads(raw)["data"]
    except orjson.JSONDecodeError:  # an integer past 64 bits
        expected = None
    if read._read_alike(decoded):
        assert expected is not None
        assert [(key, type(value), value) for key, value in decoded.items()] == [
            (key, type(value), value) for key, value in expected.items()]
    simple = all(type(value) in (str, bool, type(None)) or (type(value) is int and -(2**63) <= value < 2**64)
                 for value in data.values())
    if simple:
        assert read._read_alike(decoded)  # the short cut is taken where it can be
    if any(type(value) in (float, list) for value in data.values()):
        assert not read._read_alike(decoded)


DIGITS = st.sampled_from("0123456789")
PIECES = st.sampled_from(["0", "5", "9", "6", "a", "٣", ".", ":", "-", "T", "t", "Z", "z", "+01:00", ""])


@settings(max_examples=500, deadline=None)
@given(date=st.sampled_from(["2026-03-02", "2026-02-29", "2024-02-29", "1999-12-31"]),
       clock=st.lists(st.one_of(DIGITS, PIECES), min_size=6, max_size=14).map("".join),
       tail=st.sampled_from(["Z", "z", "+00:00", "-05:30", ""]))
def test_timestamp_short_cut_agrees_with_datetime(date: str, clock: str, tail: str) -> None:
    for ts in (f"{date}T{clock}{tail}", f"{date}T{clock[:2]}:{clock[2:4]}:{clock[4:6]}.{clock[6:9]}{tail}",
               f"{date}T{clock[:2]}:{clock[2:4]}:{clock[4:6]}{tail}"):
        assert timestamp_ms(ts) == parse_ms(ts), ts


def test_timestamp_short_cut_values() -> None:
    assert timestamp_ms("2026-03-02T10:00:07.250Z") == 1772445607250
    assert timestamp_ms("2026-03-02T10:00:07Z") == 1772445607000
    assert timestamp_ms("2026-03-02T10:00:60Z") is None
    assert timestamp_ms("2026-02-30T10:00:07Z") is None
