"""The executor's side of the Spark job, in this process: Arrow tables of events in, the rows
and rejections of `rulesengine run` out, with the rules compiled once per process."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rulesengine.cli.options import sample_path
from rulesengine.output.rows import FIELDS
from rulesengine.spark import groups, rulesets
from rulesengine.spark.groups import LINE, REASONS, REJECT, SOURCE, GroupJob, evaluate_partition
from rulesengine.spark.rulesets import RuleSet, RulesUnusable, decider_for, load_for_spark

from .events import broken_file, parquet_events, run_outputs


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    shipped, loaded = load_for_spark([], {})
    assert shipped is not None and loaded.decider is not None
    return shipped


def _placed(path: Path, uri: str) -> pa.Table:
    """A Parquet event file as Spark's reader gives it: each row with its file and row number."""
    table = pq.read_table(path)
    return (table.append_column(SOURCE, pa.array([uri] * table.num_rows))
            .append_column(LINE, pa.array(range(1, table.num_rows + 1), pa.int64())))


def evaluate_group(table: pa.Table, job: GroupJob) -> pa.Table:
    """The result of one interaction's events, as a partition of them alone gives it."""
    return pa.Table.from_batches(list(evaluate_partition(table.to_batches(), job)))


def _sorted_by_interaction(table: pa.Table) -> pa.Table:
    """What Spark hands `evaluate_partition`: events sorted by interaction (nulls first), the
    order within one interaction lost (here: reversed)."""
    reverse = table.take(pa.array(range(table.num_rows - 1, -1, -1)))
    ids = reverse.column("interaction").to_pylist()
    order = sorted(range(len(ids)), key=lambda index: (ids[index] is not None, ids[index] or ""))
    return reverse.take(pa.array(order))


def _rows_and_rejects(result: pa.Table) -> tuple[pa.Table, list[bytes]]:
    """A result split as `job.Descriptors` splits it, the rejects as `run --rejects` lines."""
    records = result.to_pylist()
    rows = pa.Table.from_pylist([{name: record[name] for name in FIELDS} for record in records
                                 if record[REJECT] is None], schema=result.select(list(FIELDS)).schema)
    rejects = [orjson.dumps({"interaction": record["interaction"], "kind": record[REJECT],
                             "reasons": orjson.loads(record[REASONS])})
               for record in records if record[REJECT] is not None]
    return rows, rejects


def test_a_partition_gives_the_rows_and_rejects_of_run(rules, tmp_path):
    """The sample and broken events in small batches: an interaction's events cross batch
    boundaries, come in reverse, and still give `run --sort`'s rows and rejects, byte for byte."""
    sample = parquet_events(Path(sample_path()).read_bytes().splitlines(), tmp_path / "sample.parquet")
    for path in (sample, broken_file(tmp_path / "broken.parquet")):
        run_rows, run_rejects = run_outputs(tmp_path, path)
        uri = f"file:{path}"
        job = GroupJob(rules, sources=((str(path), str(path)),))
        batches = _sorted_by_interaction(_placed(path, uri)).to_batches(max_chunksize=7)
        result = pa.Table.from_batches(list(evaluate_partition(batches, job)))
        rows, rejects = _rows_and_rejects(result)
        assert rows.to_pylist() == run_rows.to_pylist()
        assert [str(field.type) for field in rows.schema] == [str(field.type) for field in run_rows.schema]
        assert sorted(rejects) == sorted(run_rejects)


def test_events_without_a_place_are_read_with_every_end_last(rules, tmp_path):
    """Without `_source` and `_line` no event is late for coming after its interaction.ended
    in whatever order Spark gave, and diagnostics name them by their order."""
    path = broken_file(tmp_path / "broken.parquet")
    table = pq.read_table(path)
    ok = table.filter(pa.compute.equal(table.column("interaction"), "ok"))
    result = evaluate_group(ok, GroupJob(rules))
    assert result.column(REJECT).to_pylist() == ["rejected"]  # its queue leaves twice; nothing is late
    assert "E130" not in {reason["code"] for reason in orjson.loads(result.column(REASONS)[0].as_py())}
    broken = evaluate_group(table.filter(pa.compute.equal(table.column("interaction"), "b1")), GroupJob(rules))
    reasons = orjson.loads(broken.column(REASONS)[0].as_py())
    assert broken.column(REJECT).to_pylist() == ["rejected"]
    assert [(reason["path"], reason["line"]) for reason in reasons] == [(groups.UNPLACED, 2)]


def test_an_unnamed_source_keeps_its_uri(rules, tmp_path):
    path = broken_file(tmp_path / "broken.parquet")
    table = _placed(path, "hdfs://warehouse/events.parquet")
    b1 = table.filter(pa.compute.equal(table.column("interaction"), "b1"))
    reasons = orjson.loads(evaluate_group(b1, GroupJob(rules)).column(REASONS)[0].as_py())
    assert reasons[0]["path"] == "hdfs://warehouse/events.parquet"


def test_an_empty_partition_gives_nothing(rules):
    assert list(evaluate_partition([], GroupJob(rules))) == []


def test_the_rules_are_compiled_once_per_process_never_per_group(tmp_path, monkeypatch):
    """A rule set shipped to a process that has not compiled it (a new executor) is compiled
    on the first group and found ready by every later one."""
    site = tmp_path / "site.rules"
    site.write_text('disable rule queue.diverted_answered "ours"\nparam short_engagement: duration = 10s\n',
                    encoding="utf-8")
    shipped, _ = load_for_spark([str(site)], {"short_engagement": "30s"})
    assert shipped is not None
    monkeypatch.setattr(rulesets, "_DECIDERS", {})
    monkeypatch.setattr(rulesets.LOADS, "loads", 0)
    events = _sorted_by_interaction(pq.read_table(parquet_events(
        Path(sample_path()).read_bytes().splitlines(), tmp_path / "sample.parquet")))
    job = GroupJob(shipped)
    results = list(evaluate_partition(events.to_batches(max_chunksize=50), job))
    assert sum(batch.num_rows for batch in results) > 1000
    assert rulesets.LOADS.loads == 1
    evaluate_group(events.slice(0, 5), job)
    assert rulesets.LOADS.loads == 1


def test_the_rule_set_is_named_by_its_content():
    first = RuleSet.of([[("a.rules", "x")]], {"p": "1"})
    assert first == RuleSet.of([[("a.rules", "x")]], {"p": "1"})
    assert first.key != RuleSet.of([[("a.rules", "y")]], {"p": "1"}).key
    assert first.key != RuleSet.of([[("a.rules", "x")]], {"p": "2"}).key


def test_rules_that_do_not_load_on_an_executor_say_why():
    with pytest.raises(RulesUnusable, match=r"broken\.rules:1:6: error: R001"):
        decider_for(RuleSet.of([[("broken.rules", "rule nonsense\n")]], {}))


def test_rules_with_an_error_are_not_shipped(tmp_path):
    shipped, loaded = load_for_spark([str(tmp_path / "missing")], {})
    assert shipped is None
    assert [problem.code for problem in loaded.errors] == ["R407"]
