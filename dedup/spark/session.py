"""Building a Spark session that is safe on a laptop and usable on a cluster."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
LOCAL_DRIVER_MEMORY = "4g"


def spark_session(master: str | None = None, *, app_name: str = "dedup",
                  shuffle_partitions: int | None = None,
                  conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session for dedup jobs.

    The web UI is off. With a ``local`` master the driver is bound to 127.0.0.1, so
    nothing listens on another address. Under ``spark-submit`` (``master=None``) the
    master and addresses given to ``spark-submit`` are kept.

    Args:
        master: a Spark master URL; ``None`` keeps the one ``spark-submit`` set, or
            ``local[*]``.
        app_name: the application name.
        shuffle_partitions: ``spark.sql.shuffle.partitions`` (small values suit tests).
        conf: any other Spark settings.

    Example:
        >>> spark = spark_session("local[2]", shuffle_partitions=4)  # doctest: +SKIP
    """
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.appName(app_name)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    # Under spark-submit the JVM is already up with its master: keep it.
    submitted = master is None and "PYSPARK_GATEWAY_PORT" in os.environ
    if not submitted:
        master = master or DEFAULT_MASTER
        builder = builder.master(master)
    if master is not None and master.startswith("local"):
        # SPARK_LOCAL_IP is read when the JVM starts; without it Spark may pick the
        # host's external address for its services.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Local Python workers run this interpreter, and so see this dedup install.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # In local mode the tasks share the driver's heap; Spark's 1 GB default runs
        # out on corpora of a few hundred thousand articles. ``conf`` may override it.
        builder = (builder.config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.memory", LOCAL_DRIVER_MEMORY))
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
