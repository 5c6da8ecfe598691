"""``python -m dedup.spark`` / ``spark-submit .../dedup/spark/__main__.py``: the dedup command
line as a Spark driver, e.g. ``scan --engine spark --output findings/ s3a://bucket/news/``."""

from dedup.cli.main import main

if __name__ == "__main__":
    main(prog_name="dedup")
