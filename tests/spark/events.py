"""Event files for the Spark tests, and what `rulesengine run` makes of them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import orjson
import pyarrow as pa

from rulesengine.cli import main
from rulesengine.events.parquet import write_events

#: a broken interaction (its agent answers before being invited), a late event, a line with no
#: interaction id, and a well-formed interaction, as contract lines
BROKEN = [
    {"interaction": "b1", "seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "interaction.created", "media": "chat"},
    {"interaction": "b1", "seq": 2, "ts": "2026-03-02T10:00:01Z", "event": "party.accepted", "party": "b1.a1"},
    {"interaction": "b1", "seq": 3, "ts": "2026-03-02T10:00:02Z", "event": "interaction.ended"},
    {"interaction": "ok", "seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "interaction.created", "media": "chat"},
    {"interaction": "ok", "seq": 2, "ts": "2026-03-02T10:00:01Z", "event": "party.entered", "party": "ok.q1",
     "kind": "queue", "resource": "Chat_In"},
    {"interaction": "ok", "seq": 3, "ts": "2026-03-02T10:00:05Z", "event": "party.left", "party": "ok.q1"},
    {"interaction": "ok", "seq": 4, "ts": "2026-03-02T10:00:05Z", "event": "interaction.ended"},
    {"interaction": "ok", "seq": 5, "ts": "2026-03-02T10:00:06Z", "event": "party.left", "party": "ok.q1"},
    {"seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "interaction.created", "media": "chat"},
]


def parquet_events(lines: Iterable[bytes | str], path: Path) -> Path:
    """Event lines written as a Parquet event file."""
    write_events([line.encode() if isinstance(line, str) else line for line in lines], str(path))
    return path


def broken_file(path: Path) -> Path:
    return parquet_events([orjson.dumps(event) for event in BROKEN], path)


def run_outputs(folder: Path, *events: Path) -> tuple[pa.Table, list[bytes]]:
    """`rulesengine run --sort` over Parquet event files: its rows as Parquet, read back, and its
    rejects lines."""
    rows, rejects = folder / "run-rows.parquet", folder / "run-rejects.jsonl"
    assert main(["run", *map(str, events), "--sort", "-o", str(rows), "--rejects", str(rejects)]) in (0, 1)
    import pyarrow.parquet as pq

    return pq.read_table(rows), rejects.read_bytes().splitlines()
