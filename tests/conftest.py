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


@pytest.fixture(scope="session")
def seeds_export(seeds_analysis) -> dict:
    """The seeds' analysis through the export contract, as a user gets it."""
    from rashomon import to_dict

    return to_dict(seeds_analysis)


@pytest.fixture(scope="session")
def seeds_prefix(seeds_analysis) -> dict[str, str]:
    """Article id -> the seed file's number ("000" … "003")."""
    return {a.id: Path(a.source).name[:3] for a in seeds_analysis.articles}


@pytest.fixture(scope="session")
def seed_features(seeds_dir):
    """The seeds' grouping features (real embedder) and each article's file prefix ("000" …)."""
    from rashomon import USEEmbedder, embed_articles, load_settings, read_paths
    from rashomon.cluster import article_features
    from rashomon.pipeline import prepare
    from rashomon.records import Document

    settings = load_settings()
    documents = [d for d in read_paths([seeds_dir]) if isinstance(d, Document)]
    articles, _ = prepare(documents, settings)
    vectors = embed_articles(articles, USEEmbedder(), settings.embed_chars)
    features = [article_features(a, v, settings) for a, v in zip(articles, vectors, strict=True)]
    return features, {a.id: Path(a.source).name[:3] for a in articles}


@pytest.fixture()
def seed_copies(tmp_path: Path, seeds_dir: Path) -> Path:
    """A folder holding copies of the seed files (to ingest, edit or add to)."""
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    for seed in sorted(seeds_dir.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    return folder


# Fixtures that load the real embedding model or run the whole pipeline with it.
_SLOW_FIXTURES = frozenset({"sample_analysis", "seeds_analysis", "seeds_export", "seeds_prefix", "seed_features"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses a fixture running the real model (``make test-fast`` skips them)."""
    for item in items:
        if _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
