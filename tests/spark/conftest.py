"""One local Spark for every Spark test: starting one costs seconds, so it is started once."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from rulesengine.spark.session import LOG_LEVEL


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """`local[2]`, as many shuffle partitions as cores, no web UI and no progress bars; its
    Python workers are this Python. `rulesengine spark-run` run in this process joins it."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("rulesengine-tests")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel(LOG_LEVEL)
    yield session
    session.stop()
