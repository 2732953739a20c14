"""`run --format table`: fitted to the terminal, every column with --wide or in a pipe."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine import Engine
from rulesengine.cli import main
from rulesengine.cli.options import sample_path
from rulesengine.output.rows import Row
from rulesengine.output.table import HEADERS, render

FLOWS = Path(__file__).parents[1] / "flows"
#: a transfer, the longest flow id, a queue abandonment: every column at its widest
CLOSED = [str(FLOWS / f"{name}.jsonl") for name in (
    "c03_transfer", "c06a_conference_failed_unknown_visibility", "c09_abandoned_in_queue")]


@pytest.fixture(scope="module")
def events(tmp_path_factory) -> list[str]:
    """The closed flows, and the conference flow cut before its interaction.ended."""
    lines = (FLOWS / "c05_conference.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    still_open = tmp_path_factory.mktemp("open") / "c05_still_open.jsonl"
    still_open.write_text("".join(line for line in lines if "interaction.ended" not in line),
                          encoding="utf-8")
    return [*CLOSED, str(still_open)]


def table(capsysbinary, *argv: str) -> str:
    assert main(["run", *argv, "--format", "table", "--include-open"]) == 0
    return capsysbinary.readouterr().out.decode()


def column(text: str, name: str) -> list[str]:
    """The cells of one column of a rendered table, found under its header."""
    header, *lines = text.splitlines()
    starts = [header.index(title) for title in header.split()]
    start = header.index(name)
    end = next((at for at in starts if at > start), None)
    return [line[start:end].rstrip() for line in lines]


def row(**fields) -> Row:
    values = {"interaction": "i1", "party": "i1.a1", "kind": "agent", "resource": "Agent1", "record": "IRF",
                  "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T10:01:00Z", "alert_ms": 1000,
                  "engage_ms": 59000, "resource_role": "RoutedTo", "role_reason": "Unspecified",
                  "technical_result": "Completed", "result_reason": "Unspecified", "rule": "r1 + r2",
                  "rule_at": "a.rules:1 + a.rules:2", "provisional": False}
    return Row(**{**values, **fields})


# ---- what a cell says ------------------------------------------------------------------------

@pytest.mark.parametrize(("parts", "descriptor"), [
    (("RoutedTo", "Unspecified", "Redirected", "Revoked"), "RoutedTo/Redirected [Revoked]"),
    (("InConference", "ConferenceJoined", "None", "Unspecified"), "InConference [ConferenceJoined]/None"),
    (("InConference", "ConferenceJoined", "Completed", "ShortEngagement"),
     "InConference [ConferenceJoined]/Completed [ShortEngagement]"),
    (("Unspecified", "Unspecified", "Unspecified", "Unspecified"), "Unspecified/Unspecified"),
])
def test_the_descriptor_shows_every_reason_that_is_not_unspecified(parts, descriptor):
    role, role_reason, result, result_reason = parts
    shown = row(resource_role=role, role_reason=role_reason, technical_result=result,
                result_reason=result_reason)
    assert shown.descriptor == descriptor
    assert column(render([shown]), "descriptor") == [descriptor]


def test_a_party_loses_its_interaction_prefix_only_in_a_fitted_table():
    rows = [row(party="i1.a1"), row(party="agent-7"), row(party="i1.")]
    assert [line.split()[1] for line in render(rows, 200).splitlines()[1:]] == ["a1", "agent-7", "i1."]
    assert [line.split()[1] for line in render(rows).splitlines()[1:]] == ["i1.a1", "agent-7", "i1."]


def test_a_provisional_row_says_so_even_when_its_descriptor_is_cut():
    rows = [row(), row(party="i1.a2", provisional=True, technical_result="CustomerAbandoned",
                       result_reason="AbandonedWhileRinging")]
    assert column(render(rows), "descriptor") == [
        "RoutedTo/Completed", "RoutedTo/CustomerAbandoned [AbandonedWhileRinging] (provisional)"]
    narrow = render(rows, 60)
    assert column(narrow, "descriptor") == ["RoutedTo/Completed", "RoutedTo/Custom… (provisional)"]
    assert max(len(line) for line in narrow.splitlines()) == 60


# ---- fitted to a width -----------------------------------------------------------------------

@pytest.mark.parametrize("columns", [80, 120])
def test_the_table_fits_the_width_it_is_given(capsysbinary, monkeypatch, events, snapshot, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    shown = table(capsysbinary, *events)
    assert max(len(line) for line in shown.splitlines()) <= columns
    assert "(provisional)" in shown
    assert shown == snapshot


@pytest.fixture(scope="module")
def sample_rows() -> list[Row]:
    return [item for item in Engine.from_rules().run(sample_path()) if isinstance(item, Row)]


@settings(max_examples=60, deadline=None)
@given(width=st.integers(min_value=0, max_value=260))
def test_a_narrower_width_never_shows_more(sample_rows, width):
    fitted = render(sample_rows, width).splitlines()
    wider = render(sample_rows, width + 1).splitlines()
    columns = fitted[0].split()
    assert columns == [name for name in HEADERS if name in columns]
    assert set(columns) <= set(wider[0].split())
    assert len(fitted) == len(sample_rows) + 1
    floor = len("interaction  party  resource") + 2 + 20  # nothing is cut further
    assert max(len(line) for line in fitted) <= max(width, floor)


def test_a_width_that_holds_everything_cuts_nothing(sample_rows):
    """Only the parties lose their prefix: the whole table, as wide as that leaves it."""
    roomy = render(sample_rows, 1000)
    assert roomy.splitlines()[0].split() == list(HEADERS)
    assert "…" not in roomy
    assert render(sample_rows, max(len(line) for line in roomy.splitlines())) == roomy
    for name in HEADERS:
        if name != "party":
            assert column(roomy, name) == column(render(sample_rows), name)


# ---- every column ------------------------------------------------------------------------------

def test_in_a_pipe_without_columns_the_table_has_every_column_in_full(capsysbinary, events):
    shown = table(capsysbinary, *events)
    assert shown.splitlines()[0].split() == list(HEADERS)
    assert "  c03_transfer.a1  " in shown
    assert shown == table(capsysbinary, *events, "--wide")


def test_wide_shows_every_column_whatever_the_width(capsysbinary, monkeypatch, events):
    wide = table(capsysbinary, *events, "--wide")
    monkeypatch.setenv("COLUMNS", "80")
    assert table(capsysbinary, *events, "--wide") == wide


def test_wide_is_only_for_the_table(capsysbinary):
    assert main(["run", *CLOSED, "--wide"]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert err == b"rulesengine run: error: --wide applies to --format table only\n"


# ---- a real terminal ---------------------------------------------------------------------------

def test_on_a_terminal_the_table_fits_its_window():
    """Run in a pseudo-terminal 72 columns wide, with no COLUMNS to go by."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 72, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "rulesengine", "run", *CLOSED, "--format", "table"],
                               stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    shown = b""
    while chunk := _read(leader):
        shown += chunk
    os.close(leader)
    assert process.wait() == 0
    lines = shown.decode().replace("\r\n", "\n").splitlines()
    assert lines[0].split() == ["interaction", "party", "resource", "descriptor"]
    assert max(len(line) for line in lines) <= 72
    assert lines[1].split()[1] == "q1"


def _read(descriptor: int) -> bytes:
    """What the terminal shows next; nothing once the program has closed it."""
    try:
        return os.read(descriptor, 65536)
    except OSError:  # Linux reports a closed pseudo-terminal as EIO
        return b""
