"""`explain` and `graph` with `--interaction`, and `explain` with `--party`, read only the lines that
may be the interactions asked about: on mutated streams, some ids escaped, what they say is what
reading every line says."""

from __future__ import annotations

import re
from unittest import mock

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.cli import main, wanted_lines
from rulesengine.events import read
from rulesengine.events.generate import generate_lines
from tests.events.test_fuzz import IDS, LINES, apply, mutation

#: an id asked for that is in the stream, one that only begins another's, and one that is nowhere
ASKED = [*IDS, IDS[0][:-1], "nowhere"]
#: a party asked for that is in the stream, one mistyped (a did-you-mean), and one that is nowhere
PARTIES = [*sorted({orjson.loads(line)["party"] for line in LINES if b'"party"' in line}), f"{IDS[0]}.a9", "nobody"]


#: a party id that begins with its interaction's (`g21-1.a1`): its interaction and its own name
_NAMED = re.compile(rb"(g21-\d+)\.(\w+)")


def _escaped(line: bytes, field: str = "interaction") -> bytes:
    """The line with the first character of its `field` written as a `\\u` escape."""
    key = b'"%s":"' % field.encode()
    return re.sub(re.escape(key) + rb'([^"\\])', lambda found: key + b"\\u%04x" % found.group(1)[0], line, count=1)


def _mutated(changes, escaped: set[int], field: str) -> bytes:
    lines, owners = list(LINES), [{orjson.loads(line)["interaction"]} for line in LINES]
    for change in changes:
        lines, owners, _ = apply(lines, owners, change)
    return b"\n".join(_escaped(line, field) if at in escaped else line for at, line in enumerate(lines)) + b"\n"


def _said(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(mutation(len(LINES)), max_size=3), escaped=st.sets(st.integers(0, len(LINES) - 1), max_size=6),
       asked=st.sampled_from(ASKED), command=st.sampled_from(["explain", "graph"]))
def test_reading_only_what_may_be_the_interaction_s_says_what_reading_every_line_says(
        capsys, tmp_path_factory, changes, escaped, asked, command) -> None:
    events = tmp_path_factory.mktemp("one") / "events.jsonl"
    events.write_bytes(_mutated(changes, escaped, "interaction"))
    argv = [command, str(events), "--interaction", asked, "--include-open"]
    only = _said(capsys, argv)
    with mock.patch(f"rulesengine.cli.{command}.lines_for", return_value=None):
        every = _said(capsys, argv)
    assert only == every
    assert only[0] in (0, 1)
    if asked in IDS and only[0] == 0:
        assert only[1]  # what was asked for is shown


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(mutation(len(LINES)), max_size=3), escaped=st.sets(st.integers(0, len(LINES) - 1), max_size=6),
       field=st.sampled_from(["interaction", "party"]), everywhere=st.booleans(), apart=st.booleans(),
       asked=st.sampled_from(PARTIES), output=st.sampled_from(["text", "json"]))
def test_reading_only_what_may_name_the_party_says_what_reading_every_line_says(
        capsys, tmp_path_factory, changes, escaped, field, everywhere, apart, asked, output) -> None:
    """`everywhere` escapes the field in every line: then no line holds the party's text as it is.
    `apart` names every party apart from its interaction (`a1-g21-1`, not `g21-1.a1`), so that
    no party id starts with its interaction's."""
    events = tmp_path_factory.mktemp("party") / "events.jsonl"
    stream = _mutated(changes, set(range(len(LINES) * 2)) if everywhere else escaped, field)
    if apart:
        stream, asked = _NAMED.sub(rb"\2-\1", stream), _NAMED.sub(rb"\2-\1", asked.encode()).decode()
    events.write_bytes(stream)
    argv = ["explain", str(events), "--party", asked, "--include-open", "--format", output]
    only = _said(capsys, argv)
    with mock.patch("rulesengine.cli.explain.lines_naming", return_value=None):
        every = _said(capsys, argv)
    assert only == every
    assert only[0] in (0, 1)
    if only[0] == 0:
        assert only[1] and asked not in PARTIES[-2:]  # what was asked for is shown
    if output == "json":  # what explaining every party says of this one, and nothing more
        _, everyone, _ = _said(capsys, argv[:2] + argv[4:])
        assert only[1].splitlines() == [line for line in everyone.splitlines() if orjson.loads(line)["party"] == asked]


def test_a_party_is_shown_its_own_interactions_rejections_only(capsys, tmp_path) -> None:
    """Of two broken interactions, the one that names the party is shown, from a file as from a pipe."""
    lines = [orjson.loads(line) for line in LINES if orjson.loads(line)["interaction"] in IDS[:2]]
    for line in lines:
        if line["event"] == "interaction.ended":
            line["ts"] = "not a time"
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    party = next(line["party"] for line in lines if line["interaction"] == IDS[1] and "party" in line)
    code, out, err = _said(capsys, ["explain", str(events), "--party", party])
    assert code == 1 and not out
    assert f"no party '{party}' in the input" in err
    assert set(re.findall(r"g21-\d", err)) == {IDS[1]}
    with mock.patch("rulesengine.cli.explain.lines_naming", return_value=None):
        assert _said(capsys, ["explain", str(events), "--party", party]) == (code, out, err)


def test_a_day_s_file_is_not_decoded_whole_for_one_party(capsys, tmp_path) -> None:
    """Only the lines that may name the party, then those of its interaction, are decoded."""
    events = tmp_path / "day.jsonl"
    events.write_text("".join(line + "\n" for line in generate_lines(3000, 5)))
    last = next(event for event in map(orjson.loads, reversed(events.read_bytes().splitlines())) if "party" in event)
    with mock.patch.object(read, "_decode", wraps=read._decode) as decode:
        code, out, _ = _said(capsys, ["explain", str(events), "--party", last["party"], "--format", "json"])
    assert code == 0 and [orjson.loads(line)["party"] for line in out.splitlines()] == [last["party"]]
    assert decode.call_count < 100  # of some 36,000 lines


def test_a_day_s_file_is_not_decoded_whole_for_one_interaction(capsys, tmp_path) -> None:
    """Only the lines holding the id are decoded: a stream of thousands of interactions, one asked for."""
    events = tmp_path / "day.jsonl"
    events.write_text("".join(line + "\n" for line in generate_lines(3000, 5)))
    asked = orjson.loads(events.read_bytes().splitlines()[-1])["interaction"]
    with mock.patch.object(read, "_decode", wraps=read._decode) as decode:
        code, out, _ = _said(capsys, ["explain", str(events), "--interaction", asked, "--format", "json"])
    assert code == 0 and {orjson.loads(line)["interaction"] for line in out.splitlines()} == {asked}
    assert decode.call_count < 100  # of some 36,000 lines


def test_a_party_of_a_parquet_file_is_explained_as_from_its_lines(capsys, tmp_path) -> None:
    from rulesengine.events.parquet import write_events

    lines = [line.encode() for line in generate_lines(40, 9)]
    (tmp_path / "events.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    write_events(lines, str(tmp_path / "events.parquet"))
    party = orjson.loads(lines[len(lines) // 2])["party"]
    said = [_said(capsys, ["explain", str(tmp_path / name), "--party", party]) for name in ("events.jsonl",
                                                                                           "events.parquet")]
    assert said[0] == said[1] and said[0][0] == 0 and said[0][1].startswith(f"{party.split('.')[0]} {party} ")


def test_lines_appended_between_the_readings_are_read_by_neither(capsys, tmp_path, monkeypatch) -> None:
    """`--party` reads a file twice; lines written to it after the first reading began (here,
    late events of the party's own interaction) are left out of both, as `run` leaves them out."""
    lines = [line for line in LINES if orjson.loads(line)["interaction"] == IDS[0]]
    party = next(orjson.loads(line)["party"] for line in lines if b'"party"' in line)
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"".join(line + b"\n" for line in lines))
    argv = ["explain", str(events), "--party", party]
    before = _said(capsys, argv)
    assert before[0] == 0 and party in before[1]
    first_reading = wanted_lines.read_batches

    def then_appended(*args, **kwargs):
        yield from first_reading(*args, **kwargs)
        with events.open("ab") as more:
            more.write(b"".join(line + b"\n" for line in lines))  # each one late: its interaction has ended

    monkeypatch.setattr(wanted_lines, "read_batches", then_appended)
    assert _said(capsys, argv) == before
    monkeypatch.undo()
    assert "E130" in _said(capsys, argv)[2]  # read from the start, they are late events
