"""Sharing interactions among worker processes changes nothing but the order of results."""

from __future__ import annotations

import io
import zlib
from collections import Counter
from pathlib import Path

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.assemble import Rejection
from rulesengine.generate import generate_lines
from rulesengine.loader import InputError, parse_line
from rulesengine.output import CsvWriter, JsonLinesWriter
from rulesengine.parallel import Rendered, evaluate_parallel, owner, share
from rulesengine.pipeline import RunStats, evaluate
from rulesengine.ruleset import load_rules

ROOT = Path(__file__).resolve().parents[2]
FLOWS = sorted((ROOT / "tests" / "flows").glob("*.jsonl"))
BROKEN = sorted((ROOT / "tests" / "events" / "broken").glob("*.jsonl"))
SAMPLE = ROOT / "rulesengine" / "sample" / "sample.jsonl"
RULES = load_rules().evaluator


def expected_owner(raw: bytes, jobs: int) -> int:
    key = parse_line(raw, "", 0).interaction
    return 0 if key is None else zlib.crc32(key.encode("utf-8", "surrogatepass")) % jobs


IDS = st.sampled_from(["c1", "c2", "é1", "", "a\\u00e91", "a\\\"b", "\\ud800x"])
SHAPES = st.sampled_from([
    '{{"interaction":"{id}","seq":1,"ts":"2026-03-02T10:00:00Z","event":"customer.left"}}',
    '{{"seq":1,"interaction":"{id}","event":"customer.left"}}',
    '{{ "interaction" : "{id}", "seq": 1}}',
    '{{"interaction":"{id}","data":{{"interaction":"other"}}}}',
    '{{"interaction":"{id}","interaction":"second"}}',
    '{{"interaction":"{id}","seq":1,',
    '{{"interaction":{id_raw}}}',
    '["interaction","{id}"]',
])


@settings(max_examples=300, deadline=None)
@given(shape=SHAPES, key=IDS, jobs=st.integers(1, 5), encoding=st.sampled_from(["utf-8", "latin-1"]))
def test_every_line_goes_to_the_worker_of_its_interaction(shape: str, key: str, jobs: int, encoding: str) -> None:
    """Latin-1 makes `é` invalid UTF-8: the loader salvages such an id from the broken line."""
    raw = shape.format(id=key, id_raw=7).encode(encoding)
    assert owner(raw, jobs) == expected_owner(raw, jobs)
    assert [share(worker, jobs)(raw) for worker in range(jobs)] == [
        worker == expected_owner(raw, jobs) for worker in range(jobs)]


def single(paths: list[str], writer=JsonLinesWriter) -> tuple[Counter, Counter, RunStats]:
    stats = RunStats()
    rows, rejects = Counter(), Counter()
    for item in evaluate(paths, RULES, stats=stats):
        if isinstance(item, Rejection):
            rejects[orjson.dumps(item.to_json())] += 1
            continue
        buffer = io.BytesIO()
        out = writer(buffer)
        buffer.seek(0)
        buffer.truncate()
        out.write(item.rows)
        rows[item.interaction, buffer.getvalue(), item.problems, item.undecided] += 1
    return rows, rejects, stats


def shared(paths: list[str], jobs: int, writer=JsonLinesWriter) -> tuple[Counter, Counter, RunStats]:
    stats = RunStats()
    rows, rejects = Counter(), Counter()
    for item in evaluate_parallel(paths, RULES, writer, jobs=jobs, stats=stats):
        if isinstance(item, Rejection):
            rejects[orjson.dumps(item.to_json())] += 1
        else:
            assert isinstance(item, Rendered)
            rows[item.interaction, item.data, item.problems, item.undecided] += 1
    return rows, rejects, stats


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("gen") / "events.jsonl"
    path.write_text("".join(f"{line}\n" for line in generate_lines(400, 11)), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_give_the_rows_rejections_and_counts_of_one_process(generated: str, jobs: int) -> None:
    paths = [*map(str, FLOWS), *map(str, BROKEN), str(SAMPLE), generated]
    one_rows, one_rejects, one_stats = single(paths)
    rows, rejects, stats = shared(paths, jobs)
    assert sum(one_rows.values()) > 700
    assert sum(one_rejects.values()) >= len(BROKEN)
    assert (rows, rejects) == (one_rows, one_rejects)
    assert attrs.asdict(stats) == attrs.asdict(one_stats)


def test_workers_write_csv_rows_without_headers(generated: str) -> None:
    one_rows, _, _ = single([generated], CsvWriter)
    rows, _, _ = shared([generated], 2, CsvWriter)
    assert rows == one_rows
    assert not any(data.startswith(b"interaction,") for _, data, _, _ in rows)


def test_an_unreadable_source_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(evaluate_parallel([str(tmp_path / "missing.jsonl")], RULES, JsonLinesWriter, jobs=2))
