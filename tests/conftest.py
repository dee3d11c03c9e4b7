"""Shared fixtures: paths to the sample corpus, the seeds and the benchmark data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "examples" / "sample"
GOLD = ROOT / "examples" / "gold.json"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    if not path.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    return path


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def gold() -> dict:
    return json.loads(GOLD.read_text(encoding="utf-8"))


def gold_key(source: str, root: Path = SAMPLE) -> str:
    """The gold.json key of an article source (path relative to the sample, ``#id`` kept)."""
    path, _, record = source.partition("#")
    key = Path(path).resolve().relative_to(root.resolve()).as_posix()
    return f"{key}#{record}" if record else key


@pytest.fixture(scope="session")
def sample_analysis():
    """The full pipeline on the bundled sample, with the real embedder (run once)."""
    from rashomon import analyze

    return analyze([SAMPLE])


@pytest.fixture(scope="session")
def seeds_analysis(seeds_dir):
    from rashomon import analyze

    return analyze([seeds_dir])
