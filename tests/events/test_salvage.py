"""What is read from lines that do not parse: only the line's own top-level keys, and
lines that nest too deep are one E101 each, never a crash."""

from __future__ import annotations

import json
import zlib

import orjson
import pytest

from rulesengine.cli import main
from rulesengine.events.read import MAX_NESTING, field_column, parse_line, read_line
from rulesengine.runtime.sharing import owner

from .builders import line, record, routed, write


def deep(levels: int) -> bytes:
    """An array nested `levels` deep, as JSON text (JSON encoders refuse to write one)."""
    return b"[" * levels + b"]" * levels


def created(interaction: str, **fields: bytes) -> bytes:
    """An interaction.created line with extra fields given as raw JSON text."""
    text = line(record(interaction, 1, "interaction.created", media="chat"))[:-1]
    return text + b"".join(b',"%s":%s' % (name.encode(), value) for name, value in fields.items()) + b"}"


def nesting(levels: int) -> bytes:
    """A value that makes a line nest `levels` deep, the line's own braces being the first."""
    return b'{"x":' + deep(levels - 2) + b"}"


@pytest.mark.parametrize("levels", [MAX_NESTING + 1, 990, 5000])
@pytest.mark.parametrize("field", ["data", "extra"])
def test_a_line_nested_too_deep_is_one_e101_on_both_paths(levels, field) -> None:
    raw = created("c1", **{field: nesting(levels)})
    for parsed in (parse_line(raw, "t.jsonl", 4), read_line(raw, "t.jsonl", 4)):
        (problem,) = parsed.diagnostics
        assert (problem.code, parsed.interaction, parsed.event) == ("E101", "c1", None)
        assert problem.message == f"invalid JSON: nested deeper than {MAX_NESTING} levels"
        assert raw.decode()[problem.position.col - 1] == "["


def test_a_line_just_deep_enough_is_an_event() -> None:
    raw = created("c1", data=nesting(MAX_NESTING))
    assert parse_line(raw, "t.jsonl", 1).event is not None
    assert read_line(raw, "t.jsonl", 1).interaction == "c1"


def test_a_deep_line_never_reaches_the_decoder_s_recursion_limit(monkeypatch) -> None:
    """msgspec recurses into the values it skims: however little stack is left, the line is
    refused cleanly, and the full checks (which never recurse) decide."""
    raw = created("c1", data=b'{"x":' + deep(200) + b"}")
    def exhausted(_raw):
        raise RecursionError("maximum recursion depth exceeded while deserializing an object")
    monkeypatch.setattr("rulesengine.events.read._decode", exhausted)
    assert orjson.dumps(read_line(raw, "t.jsonl", 1).data["x"], option=orjson.OPT_PASSTHROUGH_SUBCLASS) == deep(200)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_deep_line_rejects_its_interaction_and_the_rest_comes_out(capsysbinary, tmp_path, jobs) -> None:
    bad = [line(item).decode() for item in routed("bad")]
    bad[0] = bad[0][:-1] + ',"data":{"x":' + deep(990).decode() + "}}"
    events = write(tmp_path / "deep.jsonl", [*routed("good1"), *bad, *routed("good2")])
    rejects = tmp_path / "rejects.jsonl"
    code = main(["run", str(events), "--jobs", jobs, "--rejects", str(rejects)])
    out, err = capsysbinary.readouterr()
    assert code == 1
    assert {json.loads(row)["interaction"] for row in out.splitlines()} == {"good1", "good2"}
    (reject,) = [json.loads(text) for text in rejects.read_text().splitlines()]
    assert reject["interaction"] == "bad" and [r["code"] for r in reject["reasons"]] == ["E101"]
    assert "Traceback" not in err.decode()


#: a line of interaction A cut short, whose data (written before its own id) quotes an event of B
QUOTING = (b'{"data":{"raw":{"interaction":"B","seq":1}},"interaction":"A","seq":3,'
           b'"ts":"2026-03-02T10:00:03Z","event":"party.left"')


@pytest.mark.parametrize(("raw", "interaction"), [
    (QUOTING, "A"),
    (b'{"interaction":"A","data":{"interaction":"B"},"event":', "A"),
    (b'{"seq":3,"data":{"interaction":"B"},"event":"party.left"', None),
    (b'{"seq":3,"data":["x", {"interaction":"B"}], "reason":"', None),
    (b'{"note":"\\"interaction\\":\\"B\\"","seq":', None),
    (b'{"interaction":"A","interaction":"B",', None),  # which one a parser keeps: in doubt
    (b'{"interaction":"A","data":{},"\\u0069nteraction":"B",', None),
    (b'{"\\u0069nteraction":"A","seq":', "A"),
    (b'{"interaction":"A\\u00e9","seq":', "A\u00e9"),
    (b'{"interaction":["A"],"seq":', None),
    (b'{"seq":1 2,"interaction":"A"', None),  # broken before the key: the line cannot be followed to it
    (b'{"seq":1,"interaction":"\xe91","event":', "\ufffd1"),  # not UTF-8: read as --jobs shares it out
])
def test_only_the_line_s_own_top_level_key_names_its_interaction(raw, interaction) -> None:
    parsed = parse_line(raw, "t", 1)
    assert parsed.event is None and parsed.diagnostics[0].code in ("E100", "E101")
    assert parsed.interaction == interaction


def test_jobs_share_a_broken_line_out_by_the_id_the_loader_reads() -> None:
    raw = b'{"seq":1,"interaction":"\xe91","event":'
    assert owner(raw, 7) == zlib.crc32(parse_line(raw, "t", 1).interaction.encode()) % 7


def test_a_broken_line_closes_its_interaction_only_by_its_own_event_key() -> None:
    quoting = b'{"interaction":"A","seq":3,"event":"party.left","data":{"next":"interaction.ended"'
    assert parse_line(quoting, "t", 1).closes is False
    ended = b'{"interaction":"A","seq":9,"event":"interaction.ended","data":{"x":'
    assert parse_line(ended, "t", 1).closes is True


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_line_quoting_another_interaction_rejects_its_own(capsysbinary, tmp_path, jobs) -> None:
    a, b = routed("A"), routed("B")
    cut = QUOTING.decode()
    events = write(tmp_path / "quoting.jsonl", [*b[:3], *a[:2], cut, *a[2:], *b[3:]])
    rejects = tmp_path / "rejects.jsonl"
    code = main(["run", str(events), "--jobs", jobs, "--rejects", str(rejects)])
    out, _ = capsysbinary.readouterr()
    assert code == 1
    assert {json.loads(row)["interaction"] for row in out.splitlines()} == {"B"}
    (reject,) = [json.loads(text) for text in rejects.read_text().splitlines()]
    assert reject["interaction"] == "A"


def test_field_column_is_the_top_level_key() -> None:
    raw = b'{"interaction":"c1","data":{"seq":1,"x":["seq"]},"seq":"2"}'
    assert field_column(raw, "seq") == raw.index(b'"seq":"2"') + 1
    assert field_column(b'{"data":{"by":"x"}}', "by") == 1
    assert field_column(b'{"a\\"by":1,"by":2}', "by") == 12
    assert field_column(b'{"\\u0062y":1}', "by") == 2


class CountingBytes(bytes):
    """Bytes that count what slicing them copies: the work of a search, without timing it."""

    copied = 0

    def __getitem__(self, key):
        part = super().__getitem__(key)
        if isinstance(key, slice):
            CountingBytes.copied += len(part)
        return part


@pytest.mark.parametrize("tail", [b"}}", b'],"seq":1}}'], ids=["absent", "present at the end"])
def test_finding_a_key_copies_the_line_at_most_twice_however_often_its_name_recurs(tail) -> None:
    """A line whose data holds many "seq" strings: every one used to copy the rest of the line."""
    text = b'{"interaction":"c1","data":{"x":[' + b'"seq",' * 20_000 + b'"seq"' + tail
    CountingBytes.copied = 0
    field_column(CountingBytes(text), "seq")
    assert CountingBytes.copied <= 2 * len(text)
