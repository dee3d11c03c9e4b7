"""``python -m rashomon.spark`` and ``spark-submit .../rashomon/spark/__main__.py``: the same as
``rashomon spark run`` (the master comes from ``--master`` or from spark-submit)."""

from __future__ import annotations

import sys

from rashomon.cli import main

if __name__ == "__main__":
    sys.argv = [sys.argv[0], "spark", "run", *sys.argv[1:]]
    main()
