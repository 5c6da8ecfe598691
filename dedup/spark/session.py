"""Building a Spark session that is safe on a laptop and usable on a cluster."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"


def spark_session(master: str | None = None, *, app_name: str = "dedup",
                  shuffle_partitions: int | None = None,
                  conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session for dedup jobs.

    With a ``local`` master the web UI is off and the driver is bound to 127.0.0.1,
    so nothing listens on another address. Under ``spark-submit`` (``master=None``)
    the master and addresses given to ``spark-submit`` are kept.

    Args:
        master: a Spark master URL; ``None`` keeps the one ``spark-submit`` set, or
            ``local[*]``.
        app_name: the application name.
        shuffle_partitions: ``spark.sql.shuffle.partitions`` (small values suit tests).
        conf: any other Spark settings.

    Example:
        >>> spark = spark_session("local[2]", shuffle_partitions=4)  # doctest: +SKIP
    """
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    # Python workers run the same interpreter (and so see the same dedup install).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    submitted = SparkConf().get("spark.master", None)
    master = master or submitted or DEFAULT_MASTER
    builder = (SparkSession.builder.appName(app_name).master(master)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):
        builder = (builder.config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1"))
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
