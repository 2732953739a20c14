"""Sharing interactions among worker processes changes nothing but the order of results."""

from __future__ import annotations

import io
import os
from pathlib import Path

import attrs
import orjson
import pytest

from rulesengine.decide.ruleset import load_rules
from rulesengine.events.assemble import LATE_WINDOW, Rejection
from rulesengine.events.generate import generate_lines
from rulesengine.events.parquet import write_events
from rulesengine.events.read import InputError
from rulesengine.output.rows import CsvWriter, JsonLinesWriter
from rulesengine.runtime.parallel import Rendered, decide_parallel
from rulesengine.runtime.pipeline import Evaluated, RunStats, decide_sources
from tests.performance.test_sharing import high_enough

ROOT = Path(__file__).resolve().parents[2]
FLOWS = sorted((ROOT / "tests" / "flows").glob("*.jsonl"))
BROKEN = sorted((ROOT / "tests" / "events" / "broken").glob("*.jsonl"))
SAMPLE = ROOT / "rulesengine" / "sample" / "sample.jsonl"
RULES = load_rules().decider


def single(paths: list[str], writer=JsonLinesWriter, include_open: bool = False,
           late_window: int = LATE_WINDOW) -> tuple[list, RunStats]:
    """Results of one process, in order: rendered rows, or rejections as their JSON."""
    stats = RunStats()
    results = []
    for item in decide_sources(paths, RULES, stats=stats, include_open=include_open, late_window=late_window):
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


def shared(paths: list[str], jobs: int, writer=JsonLinesWriter, include_open: bool = False,
           late_window: int = LATE_WINDOW) -> tuple[list, RunStats]:
    stats = RunStats()
    results = []
    for item in decide_parallel(paths, RULES, writer, jobs=jobs, stats=stats, include_open=include_open,
                                  late_window=late_window):
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
    one = [item for item in decide_sources([generated], RULES) if isinstance(item, Evaluated)]
    shared_rows = [item for item in decide_parallel([generated], RULES, None, jobs=2)
                   if isinstance(item, Evaluated)]
    assert len(one) > 300
    assert shared_rows == one


def test_an_unreadable_source_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(decide_parallel([str(tmp_path / "missing.jsonl")], RULES, JsonLinesWriter, jobs=2))


class FailsOn:
    """Rules that break down on one interaction, as a bug in a worker would."""

    def __init__(self, interaction: str) -> None:
        self.interaction = interaction

    def decide(self, model):
        if model.id == self.interaction:
            raise ZeroDivisionError(f"cannot decide {model.id}")
        return RULES.decide(model)


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_failing_worker_stops_the_run_with_its_own_error(generated: str, jobs: int) -> None:
    """The other workers stop too, for want of the owners it deals; its error is the one raised."""
    first = next(item for item in decide_sources([generated], RULES) if isinstance(item, Evaluated))
    raised = f"(?s)a worker process failed.*ZeroDivisionError: cannot decide {first.interaction}"
    with pytest.raises(RuntimeError, match=raised):
        list(decide_parallel([generated], FailsOn(first.interaction), JsonLinesWriter, jobs=jobs))


@pytest.fixture(scope="module")
def late(tmp_path_factory) -> str:
    """Generated chats, then a late `customer.left` for one interaction in ten, oldest first."""
    lines = list(generate_lines(300, 13))
    ended = [orjson.loads(line) for line in lines if '"interaction.ended"' in line]
    lines += [orjson.dumps({"interaction": event["interaction"], "seq": 99, "ts": event["ts"],
                            "event": "customer.left"}).decode() for event in ended[::10]]
    path = tmp_path_factory.mktemp("late") / "late.jsonl"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("jobs", [2, 3])
def test_late_events_are_judged_as_one_process_judges_them(late: str, jobs: int) -> None:
    """With a window of 1,500 lines, the late lines of the older interactions come too late to be
    recognised (they open new interactions, held open); the newer ones are late events."""
    one, one_stats = single([late], late_window=1_500)
    assert one_stats.stream.late_events >= 5 and one_stats.stream.held_open >= 5
    results, stats = shared([late], jobs, late_window=1_500)
    assert results == one
    assert attrs.asdict(stats) == attrs.asdict(one_stats)


def test_a_small_input_runs_on_one_process_unless_jobs_are_asked_for(tmp_path):
    """Forking workers costs more than it saves on a few thousand lines; `--jobs` still rules."""
    from rulesengine.runtime.parallel import SMALL_INPUT, default_jobs, jobs_for

    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_bytes(b"\n" * (SMALL_INPUT - 1))
    large.write_bytes(b"\n" * SMALL_INPUT)
    assert jobs_for([str(small)], None) == 1
    assert jobs_for([str(small), str(small)], None) == default_jobs()
    assert jobs_for([str(large)], None) == default_jobs()
    assert jobs_for([str(small)], 2) == 2
    assert jobs_for([str(tmp_path / "missing.jsonl")], None) == default_jobs()


def test_a_program_holding_many_files_open_can_run_on_workers(generated: str, tmp_path: Path) -> None:
    """The pipes between workers then get numbers past 1024, which `select()` refuses: the
    workers wait on them with `poll`, and the run gives what one process gives. From Parquet,
    a worker waits on its pipes for the rows of every row group dealt to another."""
    events = tmp_path / "events.parquet"
    write_events(Path(generated).read_bytes().splitlines(), str(events))
    past = high_enough(1100)
    held = [os.open(os.devnull, os.O_RDONLY)]
    try:
        while held[-1] < past:
            held.append(os.open(os.devnull, os.O_RDONLY))
        one, _ = single([generated, str(events)])
        results, _ = shared([generated, str(events)], 2)
    finally:
        for fd in held:
            os.close(fd)
    assert results == one
