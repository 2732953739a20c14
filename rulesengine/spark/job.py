"""The Spark side: events grouped by interaction, each group evaluated on an executor
(`groups.GroupJob`), the result split into the rows and the rejections.

pyspark is imported here only; the executors run `groups`, which needs pyarrow alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import attrs
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: N812 (pyspark's own convention)

from rulesengine.output.rows import FIELDS
from rulesengine.spark.groups import COLUMNS, LINE, REASONS, REJECT, SOURCE, GroupJob, evaluate_partition, local_path
from rulesengine.spark.rulesets import RuleSet

#: Spark's names for the pyarrow types of `groups.COLUMNS`
_SPARK_TYPES = {"string": "string", "int64": "bigint", "bool_": "boolean"}
#: the schema of a group's result, in Spark's DDL
RESULT_SCHEMA = ", ".join(f"`{name}` {_SPARK_TYPES[kind]}" for name, kind in COLUMNS)


@attrs.frozen
class Descriptors:
    """One evaluation of the events: `rows` and `rejects` both read `evaluated`, so persist it
    when you use both (`spark-run` does), or Spark evaluates the events twice."""

    evaluated: DataFrame

    @property
    def rows(self) -> DataFrame:
        """One row per party, the columns of `run`'s Parquet output, ordered as `run --sort`
        orders them (by interaction, then as `run` writes an interaction's rows)."""
        return self.evaluated.filter(F.col(REJECT).isNull()).select(*FIELDS)

    @property
    def rejects(self) -> DataFrame:
        """One row per rejected interaction or late event, as `run --rejects` writes it:
        `interaction`, `kind` and `reasons` (the list of reasons as JSON text)."""
        return (self.evaluated.filter(F.col(REJECT).isNotNull())
                .select("interaction", F.col(REJECT).alias("kind"), F.col(REASONS).alias("reasons")))


def descriptors(events: DataFrame, rules: RuleSet, *, include_open: bool = False,
                sources: Sequence[tuple[str, str]] = (), partitions: int | None = None) -> Descriptors:
    """The descriptor rows and rejections of a DataFrame of contract events (the columns of a
    Parquet event file, `data` as JSON text, a struct or a map).

    Events that carry their place (`_source`, `_line`: `read_events` adds them) are read in
    the order `run` reads them and diagnostics point at them; `sources` names their files.
    Interactions are spread over `partitions` ranges of their ids (by default as many as
    the events have partitions, and at least one per core); each is one task.
    """
    job = GroupJob(rules, include_open, tuple(sources))
    if partitions is None:
        partitions = max(events.rdd.getNumPartitions(), events.sparkSession.sparkContext.defaultParallelism)
    grouped = events.repartitionByRange(partitions, "interaction").sortWithinPartitions("interaction")
    return Descriptors(grouped.mapInArrow(partial(evaluate_partition, job=job), RESULT_SCHEMA))


def read_events(spark: SparkSession, paths: Sequence[str]) -> tuple[DataFrame, tuple[tuple[str, str], ...]]:
    """Parquet event files (or folders of them) with each event's place, and the names of
    their files for `descriptors`, in reading order: a file given by name keeps the name it
    was given, as in `run`'s diagnostics."""
    events = spark.read.option("mergeSchema", "true").parquet(*paths)  # files may hold different fields
    placed = events.select("*", F.col("_metadata.file_path").alias(SOURCE),
                           (F.col("_metadata.row_index") + 1).alias(LINE))
    given = [(_key(path), path) for path in paths]
    named = [(file, next((name for key, name in given if key == file), file))
             for file in sorted(local_path(uri) for uri in events.inputFiles())]
    return placed, tuple(sorted(named, key=lambda pair: _rank(pair[0], given)))


def _key(path: str) -> str:
    """A path as given, the way Spark names it: a local path absolute, a URI as `local_path` has it."""
    return str(Path(path).resolve()) if "://" not in path and not path.startswith("file:") else local_path(path)


def _rank(file: str, given: Sequence[tuple[str, str]]) -> int:
    """Where a file comes in the reading order: that of the path given that is it or holds it."""
    return min((number for number, (key, _) in enumerate(given)
                if file == key or file.startswith(key.rstrip("/") + "/")), default=len(given))
