"""``python -m rashomon.spark`` and ``spark-submit .../rashomon/spark/__main__.py``: the same as
``rashomon spark run`` (the master comes from ``--master`` or from spark-submit). The global
options (``--set NAME=VALUE``, ``--config FILE``, ``-v``) may be given anywhere."""

from __future__ import annotations

import sys

from rashomon.cli import main

GLOBAL_WITH_VALUE = ("--set", "--config")


def arguments(given: list[str]) -> list[str]:
    """``rashomon`` arguments for the given ones: global options first, then ``spark run`` and the rest."""
    leading: list[str] = []
    rest: list[str] = []
    items = iter(given)
    for item in items:
        if item in GLOBAL_WITH_VALUE:
            leading += [item, next(items, "")]
        elif item.startswith(tuple(option + "=" for option in GLOBAL_WITH_VALUE)) or item in ("-v", "-vv", "--verbose"):
            leading.append(item)
        else:
            rest.append(item)
    return [*leading, "spark", "run", *rest]


if __name__ == "__main__":
    sys.argv = [sys.argv[0], *arguments(sys.argv[1:])]
    main()
