"""The main job on Spark (the optional `spark` extra): a DataFrame of contract events in, a
DataFrame of descriptor rows and one of rejections out, each interaction decided on an
executor by the same code as `rulesengine run`.

    rules, loaded = load_for_spark(["site/"], {"short_engagement": "30s"})
    result = descriptors(spark.read.parquet("events/"), rules)
    result.rows.write.parquet("rows/")          # the columns of `run`'s Parquet output
    result.rejects.write.parquet("rejects/")    # interaction, kind, reasons (JSON text)

`rulesengine spark-run` does the same for Parquet paths, without Python code.
"""

from __future__ import annotations

from rulesengine.spark.job import Descriptors, descriptors, read_events
from rulesengine.spark.rulesets import RuleSet, load_for_spark

__all__ = ["Descriptors", "RuleSet", "descriptors", "load_for_spark", "read_events"]
