"""Which file an event came from, named as `run` names it, and the order files are read in."""

from __future__ import annotations

from pathlib import Path

from rulesengine.spark.groups import local_path
from rulesengine.spark.job import _key, _rank


def test_spark_file_uris_are_local_paths_and_other_uris_stay():
    assert local_path("file:/data/my%20events.parquet") == "/data/my events.parquet"
    assert local_path("file:///data/events.parquet") == "/data/events.parquet"
    assert local_path("hdfs://lake/events/part-0.parquet") == "hdfs://lake/events/part-0.parquet"


def test_a_path_given_is_keyed_as_spark_names_its_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _key("events.parquet") == str(Path(tmp_path / "events.parquet").resolve())
    assert _key("file:///data/events") == "/data/events"
    assert _key("s3a://lake/events/") == "s3a://lake/events/"


def test_files_are_read_in_the_order_of_the_paths_that_hold_them():
    given = [("s3a://lake/tuesday/", "s3a://lake/tuesday/"), ("/data/monday.parquet", "monday.parquet")]
    assert _rank("/data/monday.parquet", given) == 1
    assert _rank("s3a://lake/tuesday/part-0.parquet", given) == 0
    assert _rank("s3a://lake/tuesdays/part-0.parquet", given) == 2
