"""The same stages on Apache Spark: a thin adapter over the local pipeline's functions.

:func:`run` reads articles (JSONL, Parquet, WARC files or cc-pyspark path lists), runs every
per-article stage per partition, finds copies and groups events and storylines across the whole
corpus, and writes Parquet tables (``docs/export.md``); :func:`import_output` loads them into a
workspace. :func:`session` makes a SparkSession configured for Rashomon. PySpark is needed only
for :func:`run` and :func:`session` (``pip install 'rashomon[spark]'``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from .job import RunSummary, SparkOptions, run
from .load import import_output
from .tables import is_spark_output

__all__ = ["RunSummary", "SparkOptions", "import_output", "is_spark_output", "run", "session"]


def session(master: str | None = None, app_name: str = "rashomon", config: dict[str, str] | None = None) -> Any:
    """A SparkSession whose Python workers run this interpreter (``PYSPARK_PYTHON``).

    Args:
        master: Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``); None leaves it
            to ``spark-submit`` (or ``local[*]`` when run directly).
        app_name: The application's name in the Spark UI.
        config: More Spark settings (``spark.sql.shuffle.partitions`` …).
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
