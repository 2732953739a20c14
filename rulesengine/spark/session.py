"""The Spark session of `rulesengine spark-run`, and its results written as Parquet.

Started from a plain `rulesengine` (not by spark-submit), Spark runs in this machine's
JVM and its Python workers must be this Python, with this package: `PYSPARK_PYTHON`
says so unless it is set already. Spark logs at INFO on stderr by default, and logs an
error it meets with the JVM's stack trace; the command reports every error itself, in one
line, so only Spark's fatal messages are let through once the session runs.
"""

from __future__ import annotations

import os
import sys

import attrs
from pyspark.sql import SparkSession
from pyspark.sql import functions as F  # noqa: N812 (pyspark's own convention)

from rulesengine.spark.groups import REJECT
from rulesengine.spark.job import Descriptors

#: set by spark-submit for the Python program it starts, which then joins its JVM
_SUBMITTED = "PYSPARK_GATEWAY_PORT"
LOG_LEVEL = "FATAL"


def spark_session(master: str | None = None) -> SparkSession:
    """The session spark-submit made, or a new one on `master` (Spark's default: `local[*]`)."""
    if _SUBMITTED not in os.environ:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("rulesengine").config("spark.ui.showConsoleProgress", "false")
    if master is not None:
        builder = builder.master(master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(LOG_LEVEL)
    return spark


@attrs.frozen
class Written:
    """What one `write` put out."""

    rows: int
    rejected: int
    late: int


def write(result: Descriptors, rows_path: str, rejects_path: str | None) -> Written:
    """The rows, and the rejections when `rejects_path` is given, as Parquet folders, from one
    evaluation of the events (held by Spark until both are written)."""
    evaluated = result.evaluated.persist()
    try:
        result.rows.write.parquet(rows_path)
        if rejects_path is not None:
            result.rejects.write.parquet(rejects_path)
        kind = F.col(REJECT)
        counts = evaluated.agg(F.count_if(kind.isNull()), F.count_if(kind == "rejected"),
                               F.count_if(kind == "late")).collect()[0]
    finally:
        evaluated.unpersist()
    return Written(*counts)
