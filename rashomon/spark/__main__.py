"""``python -m rashomon.spark`` (what ``spark-submit`` runs): the same as ``rashomon spark run``."""

from __future__ import annotations

import sys

from ..cli import main

if __name__ == "__main__":
    sys.argv = [sys.argv[0], "spark", "run", *sys.argv[1:]]
    main()
