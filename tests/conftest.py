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


def _ingested(folder: Path, inputs: Path, **settings: object) -> Path:
    from rashomon import Workspace, ingest, load_settings

    with Workspace(folder) as ws:
        if settings:
            from rashomon import HashingEmbedder

            ingest([inputs], ws, load_settings(**settings), HashingEmbedder())
        else:
            ingest([inputs], ws)
    return folder


@pytest.fixture(scope="session")
def seeds_workspace(tmp_path_factory, seeds_dir: Path) -> Path:
    """A workspace folder holding the seeds, ingested with the real embedder (once a session)."""
    return _ingested(tmp_path_factory.mktemp("seeds-ws"), seeds_dir)


@pytest.fixture(scope="session")
def sample_workspace(tmp_path_factory) -> Path:
    """A workspace folder holding the bundled sample, ingested with the real embedder (once a session)."""
    return _ingested(tmp_path_factory.mktemp("sample-ws"), SAMPLE)


# -- hostile strings: a small hashing-embedder workspace for the web app's escaping -------

HOSTILE_TITLES = (
    "<script>window.__pwned('t1')</script> Minister visits the port",
    "<img src=x onerror=\"window.__pwned('t2')\"> Strike closes the port",
)
HOSTILE_TAG = "<script>window.__pwned('tag')</script>"


@pytest.fixture(scope="session")
def hostile_workspace(tmp_path_factory) -> Path:
    """A small workspace (hashing embedder: fast) whose articles carry hostile titles and text."""
    folder = tmp_path_factory.mktemp("hostile-web")
    records = [
        {
            "id": f"h{n}",
            "title": title,
            "outlet": f"Outlet {n} <b>bold</b>",
            "published": "2025-03-04",
            "language": "en",
            "text": f"{title}\n\nThe minister said the port would reopen on Monday. {title} Officials gave "
            "no more details.\n\nShare this article",
        }
        for n, title in enumerate(HOSTILE_TITLES)
    ]
    (folder / "in.json").write_text(json.dumps(records), encoding="utf-8")
    from rashomon import HashingEmbedder, Workspace, ingest, load_settings
    from rashomon.records import OutletProfile

    with Workspace(folder / "ws") as ws:
        ingest([folder / "in.json"], ws, load_settings(embedder="hashing"), HashingEmbedder())
        ws.save_outlet_profiles(
            OutletProfile(
                record["outlet"],
                country="<b>XX</b>",
                ownership="<img src=x onerror=\"window.__pwned('o')\">",
                tags=(HOSTILE_TAG, "javascript:alert(1)"),
            )
            for record in records
        )
    return folder / "ws"


# -- outlet groups: a small hashing-embedder workspace with profiles -------------------------

PROFILES_CSV = (
    "outlet,country,language,ownership,tags\n"
    "Wire One,GB,en,agency,wire\n"
    'Wire Two,US,en,cooperative,"wire; US"\n'
    "Wire Three,FR,en,agency,wire\n"
    "State Voice,RU,en,state broadcaster,state-affiliated;RU\n"
)


def strike_record(outlet: str, n: int, words: str) -> dict:
    """An article on the dock strike in Hamburg (the groups workspace's first story)."""
    return {
        "id": f"s{n}",
        "outlet": outlet,
        "published": "2025-03-04",
        "language": "en",
        "title": f"Dock workers strike in Hamburg {words}",
        "text": f"Dock workers strike in Hamburg {words}\n\nDock workers in the port of Hamburg went on strike on "
        f"Monday, the ver.di union said. The strike in Hamburg stopped container ships at the port. {words} "
        "Union leader Anna Berger said the dock workers want higher wages after the strike.",
    }


def _election(outlet: str, n: int, words: str) -> dict:
    return {
        "id": f"e{n}",
        "outlet": outlet,
        "published": "2025-03-20",
        "language": "en",
        "title": f"Freedonia votes in snap election {words}",
        "text": f"Freedonia votes in snap election {words}\n\nVoters in Freedonia chose a new parliament on Sunday "
        f"after President Rufus Firefly called a snap election. {words} Turnout in Freedonia was high, "
        "the election commission said.",
    }


GROUP_RECORDS = [
    strike_record("Wire One", 1, "Ships wait."),
    strike_record("Wire Two", 2, "Cranes stand still."),
    strike_record("Wire Three", 3, "Talks resume Friday."),
    strike_record("Daily Clarion", 4, "Shops worry."),
    _election("State Voice", 5, "Observers praise the vote."),
    _election("Wire One", 6, "Counting goes on."),
]


@pytest.fixture(scope="session")
def groups_workspace(tmp_path_factory) -> Path:
    """Two stories (hashing embedder): a strike three wire outlets cover and the state outlet does
    not, and an election the state outlet and one wire cover; profiles imported from CSV."""
    folder = tmp_path_factory.mktemp("groups")
    (folder / "in.json").write_text(json.dumps(GROUP_RECORDS), encoding="utf-8")
    (folder / "profiles.csv").write_text(PROFILES_CSV, encoding="utf-8")
    from rashomon import HashingEmbedder, Workspace, ingest, load_settings
    from rashomon.outlets import read_profiles

    with Workspace(folder / "ws") as ws:
        ingest([folder / "in.json"], ws, load_settings(embedder="hashing"), HashingEmbedder())
        ws.save_outlet_profiles(read_profiles(folder / "profiles.csv"))
    return folder / "ws"


@pytest.fixture(scope="session")
def chromium():
    """Headless system Chromium driven by Playwright (no browser download), once a session."""
    import shutil

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no Chromium installed (`apt-get install chromium`; `make` does it)")
    from playwright.sync_api import sync_playwright  # pinned in requirements.lock: missing is an error

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def live_server():
    """Start an ASGI app on a free loopback port in a thread (uvicorn, as `rashomon serve` runs
    it): ``live_server(app)`` returns its base URL; every server stops at the session's end."""
    import threading
    import time

    import uvicorn

    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app) -> str:
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.02)
        running.append((server, thread))
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


# Fixtures that load the real embedding model or run the whole pipeline with it.
_SLOW_FIXTURES = frozenset(
    {
        "sample_analysis",
        "seeds_analysis",
        "seeds_export",
        "seeds_prefix",
        "seed_features",
        "seeds_workspace",
        "sample_workspace",
    }
)
# Tests that load the real model or run the whole pipeline on real data themselves (2 s or more
# each on 2 cores; `pytest --durations=40` shows the list to keep here).
_SLOW_TESTS = frozenset(
    {
        "test_quality_framing_cross_validated_on_semeval_third",
        "test_quality_pair_similarity_on_semeval",
        "test_quality_ner_f1",
        "test_quality_combiner_cross_validated_on_semeval",
        "test_eval_similarity_on_semeval_pairs_correlates_with_people",
        "test_eval_clusters_on_the_sample_corpus",
        "test_cli_demo_writes_report_and_summary",
        "test_cli_workspace_commands",
        "test_cli_analyze_reports_each_rejection_and_still_succeeds",
        "test_store_round_trip_keeps_articles_equal",
        "test_store_duplicate_content_under_another_name_is_recorded",
        "test_store_round_trips_framing_labels",
        "test_store_keeps_provenance_and_date_hints",
        "test_body_f1_on_the_article_extraction_benchmark",
        "test_streaming_a_large_file_keeps_memory_low",
        "test_canonical_links_spellings_scripts_and_inflections_across_languages",
        "test_workspace_loads_its_saved_grouping_instead_of_regrouping",
        "test_reliability_show_with_a_wrong_id_names_the_kinds_of_id",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` the tests that run the real model or the whole pipeline (``make test-fast`` skips them)."""
    for item in items:
        name = getattr(item, "originalname", item.name)
        if name in _SLOW_TESTS or _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def fetched_page(text: str, fetched_at: str, published: str = "2025-03-03"):  # type: ignore[no-untyped-def]
    """A web page as the fetcher hands it to ingest, always from the same address (so a second
    fetch with another text is a later version of the same article)."""
    from rashomon.ingest.files import make_id
    from rashomon.records import Document

    raw = text.encode("utf-8")
    return Document(
        id=make_id("url", raw),
        source="https://news.example/a",
        raw=raw,
        text=text,
        encoding="utf-8",
        fmt="txt",
        url="https://news.example/a",
        outlet="News",
        published=published,
        origin="url",
        fetched_at=fetched_at,
    )
