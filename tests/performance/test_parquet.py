"""Parquet in and out: the same events and the same rows as JSON lines."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import orjson
import pyarrow
import pyarrow.parquet as parquet
import pytest

from rulesengine.decide.ruleset import load_rules
from rulesengine.events import parquet as parquet_io
from rulesengine.events.assemble import Interaction, Rejection, assemble
from rulesengine.events.parquet import read_rows, write_events
from rulesengine.events.read import InputError, ReadCounts
from rulesengine.output import parquet as parquet_rows
from rulesengine.output.parquet import ParquetWriter
from rulesengine.output.rows import FIELDS, JsonLinesWriter
from rulesengine.runtime.parallel import decide_parallel
from rulesengine.runtime.pipeline import Evaluated, decide_sources
from tests.events.test_parquet_rows import valid_rows

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "rulesengine" / "sample" / "sample.jsonl"
RULES = load_rules().decider


@pytest.fixture(scope="module")
def sample_parquet(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pq") / "sample.parquet"
    write_events(SAMPLE.read_bytes().splitlines(), str(path))
    return path


def rows_of(path: Path) -> list:
    return [row for item in decide_sources([str(path)], RULES) if isinstance(item, Evaluated) for row in item.rows]


def test_a_parquet_file_reads_as_the_same_interactions(sample_parquet: Path) -> None:
    from_json = [item for item in assemble([str(SAMPLE)]) if isinstance(item, Interaction)]
    from_parquet = [item for item in assemble([str(sample_parquet)]) if isinstance(item, Interaction)]
    assert len(from_json) > 300
    assert from_parquet == from_json  # events compare without their source position


def test_parquet_data_may_be_a_struct_or_a_map(tmp_path: Path) -> None:
    lines = SAMPLE.read_bytes().splitlines()
    records = [orjson.loads(line) for line in lines if line.startswith(b"{")]
    created = [r for r in records if r["event"] == "interaction.created"][:3]
    table = pyarrow.table({
        "interaction": [r["interaction"] for r in created], "seq": [r["seq"] for r in created],
        "ts": [r["ts"] for r in created], "event": [r["event"] for r in created],
        "media": [r["media"] for r in created],
        "data": pyarrow.array([[("flow", "x")]] * 3, type=pyarrow.map_(pyarrow.string(), pyarrow.string())),
    })
    path = tmp_path / "map.parquet"
    parquet.write_table(table, path)
    lines = list(parquet_io.event_lines(str(path)))
    assert [orjson.loads(line)["data"] for line in lines] == [{"flow": "x"}] * 3


def test_a_broken_parquet_row_is_reported_at_its_row(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    write_events([(b'{"interaction":"c1","seq":1,"ts":"2026-03-02T10:00:00Z","event":"interaction.created",'
                   b'"media":"chat"}'),
                  b'{"interaction":"c1","seq":2,"ts":"yesterday","event":"interaction.ended"}'], str(path))
    (rejection,) = assemble([str(path)])
    assert isinstance(rejection, Rejection)
    assert [(d.code, d.position.line) for d in rejection.diagnostics] == [("E105", 2)]


def test_a_file_that_is_not_parquet_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        list(assemble([str(path)]))


def test_without_pyarrow_the_error_says_how_to_install(monkeypatch, sample_parquet: Path) -> None:
    def missing():
        raise parquet_io.ParquetUnavailable(parquet_io._INSTALL_HINT)
    monkeypatch.setattr(parquet_io, "pyarrow_modules", missing)
    with pytest.raises(InputError, match=r"pip install 'rulesengine\[parquet\]'"):
        list(assemble([str(sample_parquet)]))


def test_parquet_rows_hold_the_json_rows(sample_parquet: Path, monkeypatch) -> None:
    monkeypatch.setattr(parquet_rows, "BATCH_ROWS", 100)  # several row groups
    rows = rows_of(sample_parquet)
    stream = io.BytesIO()
    writer = ParquetWriter(stream, FIELDS)
    for start in range(0, len(rows), 10):  # as the main job writes: an interaction at a time
        writer.write(rows[start:start + 10])
    writer.close()
    table = parquet.read_table(io.BytesIO(stream.getvalue()))
    json_out = io.BytesIO()
    JsonLinesWriter(json_out).write(rows)
    assert table.column_names == list(FIELDS)
    assert parquet.ParquetFile(io.BytesIO(stream.getvalue())).num_row_groups > 1
    assert table.to_pylist() == [orjson.loads(line) for line in json_out.getvalue().splitlines()]


def test_an_empty_parquet_output_still_has_the_columns() -> None:
    stream = io.BytesIO()
    writer = ParquetWriter(stream, FIELDS)
    writer.close()
    table = parquet.read_table(io.BytesIO(stream.getvalue()))
    assert (table.num_rows, table.column_names) == (0, list(FIELDS))
    assert table.schema.field("alert_ms").type == pyarrow.int64()


def test_each_worker_owns_the_rows_of_its_interactions_and_worker_0_those_with_no_id() -> None:
    """One value at a time, or several at once (in one `map` when they are all text)."""
    from rulesengine.runtime.sharing import SharedScan, owner_of_id

    scans = [SharedScan(worker, 3, {}, {}) for worker in range(3)]
    for interaction in ("c1", "c2", "g7-14", "é"):
        assert [scan.owns(interaction) for scan in scans] == [worker == owner_of_id(interaction, 3)
                                                              for worker in range(3)]
    for no_id in (None, "", 5):
        assert [scan.owns(no_id) for scan in scans] == [True, False, False]
    for values in (["c1", "c2", "g7-14", "é", "", "\ud800"], ["c1", None, "", 5, "c2"], []):
        assert scans[1].owners_of(values) == bytes(scans[1].owner(value) for value in values)


_PARENT_IMPORTS = """
import sys
from rulesengine.decide.ruleset import load_rules
from rulesengine.runtime.parallel import decide_parallel
items = list(decide_parallel([sys.argv[1]], load_rules().decider, None, jobs=2))
print(len(items), "pyarrow" in sys.modules)
"""


def test_workers_share_the_parents_import_of_pyarrow(sample_parquet: Path) -> None:
    """The parent imports pyarrow before forking: two workers importing it each cost a third of a
    second apiece (the parent reads no row itself)."""
    done = subprocess.run([sys.executable, "-c", _PARENT_IMPORTS, str(sample_parquet)], capture_output=True,
                          text=True, check=True)
    count, imported = done.stdout.split()
    assert int(count) > 0 and imported == "True"


def test_without_pyarrow_workers_still_say_how_to_install(monkeypatch, sample_parquet: Path) -> None:
    def missing():
        raise parquet_io.ParquetUnavailable(parquet_io._INSTALL_HINT)
    monkeypatch.setattr(parquet_io, "pyarrow_modules", missing)
    with pytest.raises(InputError, match=r"pip install 'rulesengine\[parquet\]'"):
        list(decide_parallel([str(sample_parquet)], RULES, None, jobs=2))


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_damaged_row_group_stops_every_worker_with_the_reader_s_error(tmp_path: Path, jobs: int) -> None:
    """The worker a damaged row group is dealt to fails to decode it; the others, waiting for
    its rows, see it stop, and the run reports its error, as one process does."""
    path = tmp_path / "damaged.parquet"
    parquet.write_table(valid_rows(5000), path, compression="snappy", row_group_size=1000)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 2000] = bytes(2000)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="not a readable Parquet file"):
        list(read_rows(str(path), ReadCounts()))
    with pytest.raises(InputError, match="not a readable Parquet file"):
        list(decide_parallel([str(path)], RULES, None, jobs=jobs))
