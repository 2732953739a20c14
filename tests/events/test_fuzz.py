"""Mutated event streams: whatever happens to a few lines, the run neither crashes nor loses
or changes anything else, and `--jobs 2` says exactly what `--jobs 1` says.

Each example takes a small generated stream and mutates some of its lines: cut short,
deleted, duplicated, moved, fields swapped or given other types, given another
interaction's id, nested deep, `data` quoting another interaction, control characters,
huge values, stray bytes. Then `rulesengine run --include-open` runs on it with one
and with two workers, and:

- it ends with status 0, 1 or 2, with no traceback and nothing a terminal would obey;
- every untouched interaction gives exactly the rows it gave unmutated;
- every touched interaction is in the rows or in the rejects;
- the rows, the rejects and the diagnostics are the same bytes with either `--jobs`, and with
  three workers dealt blocks of a few lines each.

An interaction is touched when a line of its own is mutated, or when a mutation
gives one of its ids to a line; being quoted in another line's `data` does not touch it.

The suite runs a few dozen examples; `python -m benchmarks.fuzz --examples 2000` runs
as many as asked (`RULESENGINE_FUZZ_EXAMPLES`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections import defaultdict
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.cli import main
from rulesengine.events import read
from rulesengine.events.generate import generate_lines

EXAMPLES = int(os.environ.get("RULESENGINE_FUZZ_EXAMPLES", "25"))
LINES = [line.encode() for line in generate_lines(8, 21)]
IDS = sorted({orjson.loads(line)["interaction"] for line in LINES})
VALUES = [None, True, 0, -1, 2**64, 1.5, "", "x", [], {}, [1, {"a": None}], {"interaction": IDS[0]}]
CONTROLS = ["\x1b]0;owned\x07", "\x00", "\r", "\u202e", "\\u001b[2J"]
#: what a terminal would obey rather than show, bar the line ends and tabs diagnostics are made of
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


@st.composite
def mutation(draw, count: int):
    """One change to the line at a drawn index, as a function of the list of lines."""
    index = draw(st.integers(0, count - 1))
    kind = draw(st.sampled_from(["truncate", "delete", "duplicate", "move", "swap fields", "retype", "deep",
                                 "control", "huge", "bytes", "other id", "quote"]))
    position = draw(st.sampled_from([0, 1, 20, 60, 120, 400, 700, 990, 3000]))
    value = draw(st.sampled_from(VALUES))
    text = draw(st.sampled_from(CONTROLS))
    stray = draw(st.binary(min_size=1, max_size=4))
    target = draw(st.integers(0, count - 1))
    choice = draw(st.randoms(use_true_random=False))
    return index, kind, position, value, text, stray, target, choice


def apply(lines: list[bytes], owners: list[set[str]], change) -> tuple[list[bytes], list[set[str]], set[str]]:
    """The lines after one change, who owns each of them, and the interactions it touched."""
    index, kind, position, value, text, stray, target, choice = change
    index, target = index % len(lines), target % len(lines)
    changed, owners = list(lines), list(owners)
    touched = set(owners[index])
    if kind == "delete":
        del owners[index]
    elif kind == "duplicate":
        owners.insert(target, owners[index])
    elif kind == "move":
        owners.insert(target, owners.pop(index))
    elif kind == "other id":
        owners[index] = owners[index] | {IDS[target % len(IDS)]}
        touched |= owners[index]
    return _changed(changed, index, kind, position, value, text, stray, target, choice), owners, touched


def _changed(changed: list[bytes], index: int, kind: str, position: int, value: object, text: str, stray: bytes,
             target: int, choice) -> list[bytes]:
    raw = changed[index]
    if kind == "truncate":
        changed[index] = raw[:position % max(len(raw), 1)]
    elif kind == "delete":
        del changed[index]
    elif kind == "duplicate":
        changed.insert(target, raw)
    elif kind == "move":
        changed.insert(target, changed.pop(index))
    elif kind == "other id":
        changed[index] = re.sub(rb'"interaction":"[^"]*"', b'"interaction":"%s"' % IDS[target % len(IDS)].encode(),
                                raw)
    elif kind == "bytes":
        at = position % (len(raw) + 1)
        changed[index] = raw[:at] + stray.replace(b"\n", b"").replace(b"\r", b"") + raw[at:]
    elif kind == "deep":
        changed[index] = raw[:-1] + b',"deep":' + b"[" * position + b"]" * position + b"}"
    elif kind == "quote":
        changed[index] = b'{"data":{"raw":{"interaction":"%s"}},' % IDS[target % len(IDS)].encode() + raw[1:]
    elif kind == "control":
        changed[index] = raw[:-1] + b',"note":"' + text.encode() + b'"}'
    else:
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            record = None
        if type(record) is not dict:  # broken by an earlier change: break it some more
            changed[index] = raw + text.encode()
            return changed
        keys = sorted(record) or ["interaction"]
        if kind == "swap fields" and len(keys) > 1:
            first, second = choice.sample(keys, 2)
            record[first], record[second] = record[second], record[first]
        elif kind in ("retype", "swap fields"):
            record[choice.choice(keys)] = value
        else:
            record[choice.choice(keys)] = "h" * 100_000
        changed[index] = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()  # 2**64 too
    return changed


def run(events: Path, folder: Path, jobs: str) -> tuple[int, bytes, bytes, str]:
    rows, rejects, err = folder / f"rows{jobs}.jsonl", folder / f"rejects{jobs}.jsonl", io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["run", str(events), "--include-open", "--jobs", jobs, "-o", str(rows),
                     "--rejects", str(rejects)])
    return (code, rows.read_bytes() if rows.exists() else b"", rejects.read_bytes() if rejects.exists() else b"",
            re.sub(r"in \d+\.\d\ds", "in <time>s", err.getvalue()))


def rows_by_interaction(rows: bytes) -> dict[str, list[bytes]]:
    grouped = defaultdict(list)
    for row in rows.splitlines():
        grouped[orjson.loads(row)["interaction"]].append(row)
    return grouped


@pytest.fixture(scope="module")
def unmutated(tmp_path_factory) -> dict[str, list[bytes]]:
    folder = tmp_path_factory.mktemp("unmutated")
    events = folder / "events.jsonl"
    events.write_bytes(b"".join(line + b"\n" for line in LINES))
    code, rows, rejects, _ = run(events, folder, "1")
    assert (code, rejects) == (0, b"")
    grouped = rows_by_interaction(rows)
    assert sorted(grouped) == IDS
    return grouped


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(changes=st.lists(mutation(len(LINES)), min_size=1, max_size=3))
def test_mutated_lines_never_crash_lose_or_change_anything_else(unmutated, tmp_path_factory, changes) -> None:
    lines, owners = list(LINES), [{orjson.loads(line)["interaction"]} for line in LINES]
    touched: set[str] = set()
    for change in changes:
        lines, owners, more = apply(lines, owners, change)
        touched |= more
    folder = tmp_path_factory.mktemp("mutated")
    events = folder / "events.jsonl"
    events.write_bytes(b"".join(line + b"\n" for line in lines))
    one = run(events, folder, "1")
    two = run(events, folder, "2")
    assert one == two
    with pytest.MonkeyPatch.context() as patch:  # blocks of a few lines each, dealt among three workers
        patch.setattr(read, "_BLOCK", 512)
        assert run(events, folder, "3") == one
    code, rows, rejects, err = one
    assert code in (0, 1, 2) and "Traceback" not in err
    assert not TERMINAL_CONTROLS.search(err)
    produced = rows_by_interaction(rows)
    rejected = {orjson.loads(line)["interaction"] for line in rejects.splitlines()}
    for id_ in IDS:
        if id_ in touched:
            assert id_ in produced or id_ in rejected, id_
        else:
            assert produced.get(id_) == unmutated[id_], id_
