"""`explain` and `graph` with `--interaction` read only the lines that may be that interaction's:
on mutated streams, some ids escaped, what they say is what reading every line says."""

from __future__ import annotations

import re
from unittest import mock

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.cli import main
from rulesengine.events import read
from rulesengine.events.generate import generate_lines
from tests.events.test_fuzz import IDS, LINES, apply, mutation

#: an id asked for that is in the stream, one that only begins another's, and one that is nowhere
ASKED = [*IDS, IDS[0][:-1], "nowhere"]


def _escaped(line: bytes) -> bytes:
    """The line with the first character of its id written as a `\\u` escape."""
    return re.sub(rb'"interaction":"([^"\\])', lambda found: b'"interaction":"\\u%04x' % found.group(1)[0], line,
                  count=1)


def _said(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(mutation(len(LINES)), max_size=3), escaped=st.sets(st.integers(0, len(LINES) - 1), max_size=6),
       asked=st.sampled_from(ASKED), command=st.sampled_from(["explain", "graph"]))
def test_reading_only_what_may_be_the_interaction_s_says_what_reading_every_line_says(
        capsys, tmp_path_factory, changes, escaped, asked, command) -> None:
    lines, owners = list(LINES), [{orjson.loads(line)["interaction"]} for line in LINES]
    for change in changes:
        lines, owners, _ = apply(lines, owners, change)
    lines = [_escaped(line) if at in escaped else line for at, line in enumerate(lines)]
    events = tmp_path_factory.mktemp("one") / "events.jsonl"
    events.write_bytes(b"\n".join(lines) + b"\n")
    argv = [command, str(events), "--interaction", asked, "--include-open"]
    only = _said(capsys, argv)
    with mock.patch(f"rulesengine.cli.{command}.lines_for", return_value=None):
        every = _said(capsys, argv)
    assert only == every
    assert only[0] in (0, 1)
    if asked in IDS and only[0] == 0:
        assert only[1]  # what was asked for is shown


def test_a_day_s_file_is_not_decoded_whole_for_one_interaction(capsys, tmp_path) -> None:
    """Only the lines holding the id are decoded: a stream of thousands of interactions, one asked for."""
    events = tmp_path / "day.jsonl"
    events.write_text("".join(line + "\n" for line in generate_lines(3000, 5)))
    asked = orjson.loads(events.read_bytes().splitlines()[-1])["interaction"]
    with mock.patch.object(read, "_decode", wraps=read._decode) as decode:
        code, out, _ = _said(capsys, ["explain", str(events), "--interaction", asked, "--format", "json"])
    assert code == 0 and {orjson.loads(line)["interaction"] for line in out.splitlines()} == {asked}
    assert decode.call_count < 100  # of some 36,000 lines
