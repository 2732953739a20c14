"""Sharing interactions among worker processes changes nothing but the order of results."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import attrs
import orjson
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rulesengine.assemble import Rejection
from rulesengine.generate import generate_lines
from rulesengine.loader import InputError, parse_line
from rulesengine.output import CsvWriter, JsonLinesWriter
from rulesengine.parallel import Rendered, evaluate_parallel, owner, share
from rulesengine.pipeline import Evaluated, RunStats, evaluate
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


PLAIN = '{{"interaction":"{id}","seq":1,"ts":"2026-03-02T10:00:00Z","event":"customer.left"}}'
LINES = st.tuples(st.one_of(SHAPES, st.just(PLAIN)), IDS | st.sampled_from(["c3", "c4", "c5"]),
                  st.sampled_from(["utf-8", "latin-1"]), st.sampled_from(["\n", "\r\n", ""]))


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=12), jobs=st.integers(1, 5), plain=st.booleans())
def test_every_line_goes_to_the_worker_of_its_interaction(lines: list, jobs: int, plain: bool) -> None:
    """Blocks of plain lines take the block-wide short cut, any other block goes line by line.
    Latin-1 makes `é` invalid UTF-8: the loader salvages such an id from the broken line."""
    if plain:
        lines = [(PLAIN, key, "utf-8", "\n") for _, key, _, _ in lines if "\\" not in key]
    block = [(shape.format(id=key, id_raw=7) + end).encode(encoding) for shape, key, encoding, end in lines]
    assume(block)
    for raw in block:
        assert owner(raw, jobs) == expected_owner(raw.rstrip(b"\r\n"), jobs)
    for worker in range(jobs):
        assert share(worker, jobs)(block) == [
            (index, raw) for index, raw in enumerate(block) if expected_owner(raw.rstrip(b"\r\n"), jobs) == worker]


def single(paths: list[str], writer=JsonLinesWriter, include_open: bool = False) -> tuple[list, RunStats]:
    """Results of one process, in order: rendered rows, or rejections as their JSON."""
    stats = RunStats()
    results = []
    for item in evaluate(paths, RULES, stats=stats, include_open=include_open):
        if isinstance(item, Rejection):
            results.append(orjson.dumps(item.to_json()))
            continue
        buffer = io.BytesIO()
        out = writer(buffer)
        buffer.seek(0)
        buffer.truncate()
        out.write(item.rows)
        results.append((item.interaction, buffer.getvalue(), len(item.rows), item.problems, item.undecided))
    return results, stats


def shared(paths: list[str], jobs: int, writer=JsonLinesWriter,
           include_open: bool = False) -> tuple[list, RunStats]:
    stats = RunStats()
    results = []
    for item in evaluate_parallel(paths, RULES, writer, jobs=jobs, stats=stats, include_open=include_open):
        if isinstance(item, Rejection):
            results.append(orjson.dumps(item.to_json()))
        else:
            assert isinstance(item, Rendered)
            results.append((item.interaction, item.data, item.rows, item.problems, item.undecided))
    return results, stats


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("gen") / "events.jsonl"
    path.write_text("".join(f"{line}\n" for line in generate_lines(400, 11)), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def cut_short(tmp_path_factory) -> str:
    """A stream that stops mid-way: interactions still open at the end, one of them broken."""
    lines = list(generate_lines(300, 12))[:-400]
    lines.insert(len(lines) - 50, lines[-1].replace('"seq":', '"seq":"x"', 1))
    path = tmp_path_factory.mktemp("gen") / "cut.jsonl"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("jobs", "include_open"), [(1, False), (2, False), (3, False), (2, True)])
def test_workers_give_the_results_and_counts_of_one_process_in_its_order(
        generated: str, cut_short: str, jobs: int, include_open: bool) -> None:
    paths = [*map(str, FLOWS), *map(str, BROKEN), str(SAMPLE), generated, cut_short]
    one, one_stats = single(paths, include_open=include_open)
    results, stats = shared(paths, jobs, include_open=include_open)
    assert len([r for r in one if isinstance(r, tuple)]) > 700
    assert len([r for r in one if isinstance(r, bytes)]) >= len(BROKEN)
    stream = one_stats.stream
    assert stream.late_events and stream.bad_lines  # the broken files and the repeated ids
    assert stream.held_open if not include_open else not stream.held_open
    assert results == one
    assert attrs.asdict(stats) == attrs.asdict(one_stats)


def test_workers_write_csv_rows_without_headers(generated: str) -> None:
    one, _ = single([generated], CsvWriter)
    results, _ = shared([generated], 2, CsvWriter)
    assert results == one
    assert not any(data.startswith(b"interaction,") for _, data, _, _, _ in results)


def test_without_a_writer_workers_send_rows(generated: str) -> None:
    one = [item for item in evaluate([generated], RULES) if isinstance(item, Evaluated)]
    shared_rows = [item for item in evaluate_parallel([generated], RULES, None, jobs=2)
                   if isinstance(item, Evaluated)]
    assert len(one) > 300
    assert shared_rows == one


def test_an_unreadable_source_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(evaluate_parallel([str(tmp_path / "missing.jsonl")], RULES, JsonLinesWriter, jobs=2))
