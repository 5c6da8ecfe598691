"""Corpus-scale deduplication on Apache Spark (``pip install 'dedup[spark]'``).

The Spark engine runs the library's own pure functions inside Spark tasks and gives
the local engine's answers::

    from dedup.spark import deduplicate, spark_session
    spark = spark_session("local[*]")
    result = deduplicate(spark.read.json("news.jsonl"), keep="first")
    result.findings.select("json").write.text("findings/")
    result.canonical.write.json("canonical/")

pyspark is imported only when a function here is called.
"""

from __future__ import annotations

from .engine import FINDING_SCHEMA, SparkEngineError, SparkResult, deduplicate, with_ordinal
from .session import spark_session

__all__ = ["FINDING_SCHEMA", "SparkEngineError", "SparkResult", "deduplicate", "spark_session",
           "with_ordinal"]
