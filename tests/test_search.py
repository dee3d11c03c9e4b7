"""Search: the query language, full text (words and trigrams), semantic search, merging, about()."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rashomon import Document, HashingEmbedder, Workspace, ingest, load_settings
from rashomon.cli import cli
from rashomon.errors import QueryError
from rashomon.ingest import make_id
from rashomon.pipeline import ingest_items
from rashomon.search import (
    RRF_K,
    Words,
    about,
    fold,
    make_snippet,
    nearest,
    parse_query,
    search,
    vector_chunks,
)
from rashomon.similarity import load_pair_model

ROOT = Path(__file__).resolve().parents[1]
FAST = {"extract": False, "framing": False, "compare": False}


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_ws(tmp_path_factory, seeds_dir: Path, sample_dir: Path):
    """The seeds and the sample corpus in one workspace, with the real embedder (built once)."""
    folder = tmp_path_factory.mktemp("search") / "ws"
    with Workspace(folder) as ws:
        ingest([seeds_dir, sample_dir], ws)
    ws = Workspace(folder)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def seeds(real_ws) -> dict[str, str]:
    """Seed file number ("000" … "003") -> article id."""
    rows = real_ws.connection.execute("SELECT id, source FROM articles").fetchall()
    return {Path(source).name[:3]: article_id for article_id, source in rows if "/seeds/" in source}


def _doc(
    text: str, *, language: str | None = None, url: str | None = None, outlet: str = "Crafted", **more
) -> Document:
    raw = text.encode("utf-8")
    return Document(
        id=make_id("crafted", raw),
        source=url or f"crafted/{make_id(raw)}.txt",
        raw=raw,
        text=text,
        encoding="utf-8",
        fmt="txt",
        url=url,
        outlet=outlet,
        language=language,
        **more,
    )


CRAFTED = [
    _doc(
        "Streik im Hafen\n\nDie Hafenarbeiter in Hamburg streiken seit Montag. Der Außenminister äußerte sich "
        "besorgt über die Lage im Hafen.",
        language="de",
        outlet="Morgenpost",
        published="2025-03-03",
    ),
    _doc(
        "Dockers strike in Hamburg\n\nPort workers in Hamburg walked out on Monday. Ships queue in the North Sea.",
        language="en",
        outlet="Ledger",
        published="2025-03-04",
    ),
    _doc(
        "布林肯访问阿斯塔纳\n\n美国国务卿布林肯周二抵达阿斯塔纳，与哈萨克斯坦总统举行会谈。双方讨论了地区安全。",
        language="zh",
        outlet="新闻社",
        published="2025-02-28",
    ),
    _doc(
        "ブリンケン長官がアスタナを訪問\n\nブリンケン国務長官は火曜日にアスタナを訪問し、大統領と会談した。",
        language="ja",
        outlet="日報",
        published="2025-02-28",
    ),
]


@pytest.fixture(scope="module")
def small_ws(tmp_path_factory):
    """Crafted articles in de, en, zh and ja, with the deterministic test embedder."""
    folder = tmp_path_factory.mktemp("small") / "ws"
    ws = Workspace(folder)
    ingest_items(CRAFTED, ws, load_settings(embedder="hashing", **FAST), HashingEmbedder())
    yield ws
    ws.close()


def _ids(results) -> list[str]:
    return [hit.article_id for hit in results.hits]


def _text_ids(ws, query: str) -> set[str]:
    return set(_ids(search(ws, query, limit=200, mode="text")))


# -- the seeds' Blinken visit, from German and from English -------------------------------------


@pytest.mark.slow
def test_search_finds_blinken_visit_from_a_german_query(real_ws, seeds) -> None:
    blinken_event = real_ws.events_of_articles([seeds["000"]])
    text = search(real_ws, "Besuch Blinken Kasachstan", mode="text")
    assert _ids(text) == [seeds["002"]]  # the only text with all three words
    assert text.hits[0].snippet.segments() and any(match for _, match in text.hits[0].snippet.segments())
    semantic = search(real_ws, "Besuch des amerikanischen Außenministers in Kasachstan", mode="semantic", limit=5)
    top = _ids(semantic)[:3]
    assert {seeds["000"], seeds["002"]} <= set(top)
    assert seeds["003"] in _ids(semantic)  # across languages: the English telling of the visit
    assert all(hit.matched == ("semantic",) and hit.similarity is not None for hit in semantic.hits)
    assert {hit.event_id for hit in semantic.hits[:2]} == blinken_event


@pytest.mark.slow
def test_search_finds_blinken_visit_from_an_english_query(real_ws, seeds) -> None:
    text = search(real_ws, "Blinken visit Central Asia", mode="text")
    assert _ids(text) == [seeds["003"]]
    semantic = search(real_ws, "Blinken visit Central Asia", mode="semantic", limit=5)
    assert set(_ids(semantic)[:3]) == {seeds["000"], seeds["002"], seeds["003"]}  # German tellings too
    both = search(real_ws, "Blinken visit Central Asia", mode="both", limit=5)
    first = both.hits[0]
    assert first.article_id == seeds["003"] and first.matched == ("text", "semantic")
    assert first.score == pytest.approx(1 / (RRF_K + first.text_rank) + 1 / (RRF_K + first.semantic_rank), abs=1e-6)
    assert {seeds["000"], seeds["002"]} <= set(_ids(both))
    assert all(a.score >= b.score for a, b in zip(both.hits, both.hits[1:], strict=False))


@pytest.mark.slow
def test_search_semantic_results_obey_the_filters(real_ws, seeds) -> None:
    english = search(real_ws, "lang:en Blinken Kasachstan", mode="semantic", limit=10)
    assert english.hits and {hit.language for hit in english.hits} == {"en"}
    assert _ids(english)[0] == seeds["003"]
    without = search(real_ws, "Blinken Kasachstan NOT Tokajew", mode="semantic", limit=10)
    tokajew = _text_ids(real_ws, "Tokajew")
    assert tokajew and not tokajew & set(_ids(without))


@pytest.mark.slow
def test_search_hit_says_event_storyline_outlet_and_date(real_ws) -> None:
    results = search(real_ws, 'outlet:"Northbridge Ledger" Hamburg', mode="text")
    assert results.hits
    for hit in results.hits:
        assert hit.outlet == "Northbridge Ledger"
        assert hit.event_id and hit.event_id.startswith("ev-")
        assert hit.storyline_id and hit.storyline_id.startswith("st-")
        assert hit.published and hit.published.startswith("2025-")
        assert hit.text_score is not None and hit.text_score > 0


# -- the query language narrows and widens as it should ------------------------------------------


@pytest.mark.slow
def test_search_diacritics_are_folded(real_ws, seeds) -> None:
    assert seeds["000"] in _text_ids(real_ws, "Unterstutzung")  # the text writes Unterstützung
    assert _text_ids(real_ws, "Unterstutzung") == _text_ids(real_ws, "UNTERSTÜTZUNG")
    assert fold("Ångström Müller") == "angstrom muller"


@pytest.mark.slow
def test_search_operators_narrow_and_widen(real_ws, seeds) -> None:
    blinken, tokajew = _text_ids(real_ws, "Blinken"), _text_ids(real_ws, "Tokajew")
    hafen = _text_ids(real_ws, "Hafen")
    assert blinken and tokajew and hafen
    assert _text_ids(real_ws, "Blinken Tokajew") == blinken & tokajew == _text_ids(real_ws, "Blinken AND Tokajew")
    assert _text_ids(real_ws, "Blinken OR Hafen") == blinken | hafen
    assert _text_ids(real_ws, "Blinken NOT Tokajew") == blinken - tokajew == _text_ids(real_ws, "Blinken -Tokajew")
    assert blinken - tokajew  # the case is not empty
    assert _text_ids(real_ws, "(Blinken OR Hafen) NOT Tokajew") == (blinken | hafen) - tokajew
    assert _text_ids(real_ws, "Streik*") > _text_ids(real_ws, "Streik")  # streiken, Streiks…
    assert _text_ids(real_ws, "Hamburg*") > _text_ids(real_ws, "Hamburg")  # Hamburger, Hamburgs…
    assert _text_ids(real_ws, "Hafenarbeiter") < _text_ids(real_ws, "Hafen*")
    phrase = _text_ids(real_ws, '"Antony Blinken"')
    assert phrase and phrase <= blinken
    assert _text_ids(real_ws, '"Blinken Antony"') == set()  # a phrase keeps its order
    assert _text_ids(real_ws, "blinken tokajew") == _text_ids(real_ws, "Blinken Tokajew")
    assert _text_ids(real_ws, "Blinken and Tokajew") == _text_ids(real_ws, "Blinken Tokajew") & _text_ids(
        real_ws, "and"
    )


@pytest.mark.slow
def test_search_field_filters(real_ws, seeds) -> None:
    blinken = _text_ids(real_ws, "Blinken")
    english = _text_ids(real_ws, "Blinken lang:en")
    assert english == {seeds["003"]} and english < blinken
    assert _text_ids(real_ws, "Blinken lang:eng") == english  # any ISO 639 form
    assert _text_ids(real_ws, "Blinken (lang:en OR lang:de)") == blinken
    assert _text_ids(real_ws, "Blinken NOT lang:en") == blinken - english
    ledger = search(real_ws, "outlet:northbridge-ledger.example", mode="text", limit=50)  # the site works too
    assert ledger.hits and {hit.outlet for hit in ledger.hits} == {"Northbridge Ledger"}
    march = search(real_ws, "from:2025-03-01 to:2025-03-31", mode="text", limit=50)
    assert march.hits and all("2025-03-01" <= hit.published[:10] <= "2025-03-31" for hit in march.hits)
    assert march.hits[0].matched == ("filter",)
    assert [h.published[:10] for h in march.hits] == sorted((h.published[:10] for h in march.hits), reverse=True)
    assert _text_ids(real_ws, "to:2025-03") == _text_ids(real_ws, "to:2025-03-31")
    assert _text_ids(real_ws, "Streik from:2025-03-10") < _text_ids(real_ws, "Streik")
    assert _text_ids(real_ws, "title:Hamburg") < _text_ids(real_ws, "Hamburg")
    assert _text_ids(real_ws, "title:Hafen*") == _text_ids(
        real_ws, "title:Hafenstreik OR title:Hafen OR title:Hafenarbeiter"
    )
    assert _text_ids(real_ws, "title:Hafen*") > _text_ids(real_ws, "title:Hafen")


@pytest.mark.slow
def test_search_entity_filter_finds_articles_naming_the_entity(real_ws, seeds) -> None:
    named = _text_ids(real_ws, "entity:Blinken")
    assert {seeds["000"], seeds["002"], seeds["003"]} <= named
    assert seeds["001"] not in named
    assert _text_ids(real_ws, 'entity:"antony blinken"') == named  # case aside, its full name
    tokayev = _text_ids(real_ws, "entity:Tokayev")
    assert tokayev and tokayev == _text_ids(real_ws, "entity:Tokajew")  # any way it was written
    nobody = search(real_ws, "entity:Blinkenstein", mode="text")
    assert nobody.hits == () and nobody.notes


# -- scripts without spaces ------------------------------------------------------------------------


def test_search_trigram_index_finds_chinese_and_japanese_substrings(small_ws) -> None:
    chinese, japanese = (_ids(search(small_ws, q, mode="text")) for q in ("阿斯塔纳", "アスタナ"))
    zh_id, ja_id = CRAFTED[2].id, CRAFTED[3].id
    assert chinese == [zh_id] and japanese == [ja_id]
    assert _ids(search(small_ws, "会谈", mode="text")) == [zh_id]  # two characters: scanned
    assert _ids(search(small_ws, "哈萨克斯坦总统", mode="text")) == [zh_id]  # inside a clause
    assert _ids(search(small_ws, "会谈 lang:ja", mode="text")) == []
    hit = search(small_ws, "阿斯塔纳", mode="text").hits[0]
    assert [text for text, match in hit.snippet.segments() if match] == ["阿斯塔纳"]
    assert _ids(search(small_ws, "title:布林肯", mode="text")) == [zh_id]


def test_search_snippet_offsets_point_at_the_matches() -> None:
    text = "Erster Satz ohne Treffer. Der Außenminister traf in Astana ein, sagte der AUSSENMINISTER nicht."
    snippet = make_snippet(text, "de", [Words("aussenminister"), Words("Außenminister"), Words("astan", prefix=True)])
    assert snippet.text.startswith("Der Außenminister")
    marked = [snippet.text[s:e] for s, e in snippet.matches]
    assert marked == ["Außenminister", "Astana", "AUSSENMINISTER"]
    assert "".join(piece for piece, _ in snippet.segments()) == snippet.text
    long = "Wort " * 200 + "Treffer hier " + "Wort " * 200
    cut = make_snippet(long, "de", [Words("Treffer")])
    assert len(cut.text) <= 300 and cut.text.startswith("…") and cut.text.endswith("…")
    assert [cut.text[s:e] for s, e in cut.matches] == ["Treffer"]


# -- hostile queries -----------------------------------------------------------------------------

HOSTILE = [
    '"',
    '"unclosed phrase',
    "(",
    ")",
    "((a)",
    "a)",
    "AND",
    "OR b",
    "a OR",
    "NOT",
    "a NOT",
    "*",
    "**",
    "*a",
    "a*b",
    ":",
    "::",
    "lang:",
    "lang:xx-yy-zz1",
    "from:2025-13-01",
    "to:yesterday",
    "foo:bar",
    "text:Hafen",
    "rowid:1",
    "rank:1",
    "search_words:x",
    "NEAR(Hafen Streik, 2)",
    "NEAR(",
    "Hafen NEAR Streik",
    "{title text}: Hafen",
    "title:",
    "^Hafen",
    "Hafen + Streik",
    "'; DROP TABLE articles; --",
    "Robert'); DROP TABLE search_words;--",
    '" OR 1=1 --',
    "\x00",
    "Hafen\x00Streik",
    "\ud800",
    "-",
    "--",
    "- -a",
    "()",
    "(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))",
    "a " * 200,
    "x" * 5000,
    "entity:'; DROP TABLE entities; --",
    'outlet:"',
    'title:""',
    '""',
    "!!!",
    "Hafen*  *",
    "会",
    "%_\\",
    "lang:de OR",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_search_hostile_queries_give_our_error_or_results(small_ws, query: str) -> None:
    for mode in ("text", "both"):
        try:
            results = search(small_ws, query, mode=mode)
        except QueryError as error:
            assert str(error) and "\n" not in str(error)
            continue
        assert isinstance(results.hits, tuple)
    # The workspace is untouched.
    count = small_ws.connection.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert count == len(CRAFTED)
    assert small_ws.connection.execute("SELECT COUNT(*) FROM search_words").fetchone()[0] == len(CRAFTED)


@pytest.mark.parametrize(
    "query, where",
    [
        ('"unclosed', "Unclosed quote at position 1"),
        ("(a", "Unclosed '(' at position 1"),
        ("a)", "Unmatched ')' at position 2"),
        ("a OR", "OR at position 3 needs something after it"),
        ("AND a", "AND at position 1 needs something before it"),
        ("a*b", "'*' at position 2 may only end a word"),
        ("foo:bar", "Unknown field 'foo'"),
        ("from:2025-13-01", "is not a date"),
        ("lang:xyz1", "is not a language code"),
        ("!!!", "Nothing to search for"),
        ("lang:", "needs a value"),
        ("title:a*b", "'*' at position 8 may only end a word"),
        ("title:*", "needs a value"),
    ],
)
def test_search_malformed_query_says_what_and_where(query: str, where: str) -> None:
    with pytest.raises(QueryError, match=None) as caught:
        parse_query(query)
    assert where in str(caught.value)


QUERY_PIECES = st.sampled_from(
    [
        '"',
        "(",
        ")",
        "AND",
        "OR",
        "NOT",
        "-",
        "*",
        ":",
        "lang:",
        "lang:de",
        "entity:",
        "title:",
        "outlet:",
        "from:",
        "to:2025",
        "NEAR(",
        "Hafen",
        "Streik",
        "阿斯塔纳",
        "会",
        " ",
        " ",
        "'",
        ";",
        "DROP TABLE articles",
        "\x00",
        "rowid",
        "rank",
        "{",
        "}",
        "^",
        "+",
        ",",
        "%",
        "\\",
    ]
)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), st.lists(QUERY_PIECES | st.text(max_size=4), max_size=14).map("".join)))
def test_search_arbitrary_query_text_never_raises_an_sqlite_error(small_ws, query: str) -> None:
    try:
        search(small_ws, query, mode="both", limit=5)
    except QueryError:
        pass
    except sqlite3.Error as error:  # pragma: no cover - what the test is for
        pytest.fail(f"sqlite3 error for {query!r}: {error}")


# -- incremental indexing and the migration -------------------------------------------------------


def _rows(ws, table: str) -> int:
    return ws.connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_search_index_grows_with_each_ingest_and_not_on_reingest(tmp_path: Path) -> None:
    settings = load_settings(embedder="hashing", **FAST)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Hafenstreik in Hamburg\n\nDie Hafenarbeiter streiken.", encoding="utf-8")
    with Workspace(tmp_path / "ws") as ws:
        ingest([folder], ws, settings, HashingEmbedder())
        assert _rows(ws, "search_words") == _rows(ws, "search_vectors") == 1
        assert _ids(search(ws, "Trawler", mode="text")) == []
        (folder / "b.txt").write_text("Trawler vor Spitzbergen\n\nNorwegen setzt einen Trawler fest.", encoding="utf-8")
        ingest([folder], ws, settings, HashingEmbedder())
        assert _rows(ws, "search_words") == _rows(ws, "search_vectors") == 2
        found = search(ws, "Trawler", mode="text")
        assert len(found.hits) == 1 and found.hits[0].title == "Trawler vor Spitzbergen"
        changes = ws.connection.total_changes
        again = ingest([folder], ws, settings, HashingEmbedder())
        assert again.added == () and ws.connection.total_changes == changes  # nothing written at all
        assert _rows(ws, "search_words") == 2


def test_search_new_version_of_a_page_replaces_its_index_row(tmp_path: Path) -> None:
    settings = load_settings(embedder="hashing", **FAST)
    url = "https://news.example/minister"
    first = _doc("Minister resigns\n\nThe minister resigned after a vote of no confidence.", url=url)
    edited = _doc("Minister resigns\n\nThe minister resigned after a vote she narrowly lost.", url=url)
    with Workspace(tmp_path / "ws") as ws:
        ingest_items([first], ws, settings, HashingEmbedder())
        assert len(search(ws, "confidence", mode="text").hits) == 1
        changed = ingest_items([edited], ws, settings, HashingEmbedder())
        assert len(changed.versions) == 1
        assert _rows(ws, "search_words") == 1
        assert search(ws, "confidence", mode="text").hits == ()
        hit = search(ws, "narrowly", mode="text").hits[0]
        assert hit.article_id == changed.versions[0] and "narrowly lost" in hit.snippet.text


def test_search_migration_backfills_a_workspace_made_before_it(tmp_path: Path) -> None:
    settings = load_settings(embedder="hashing", **FAST)
    url = "https://news.example/port"
    with Workspace(tmp_path / "ws") as ws:
        ingest_items(CRAFTED, ws, settings, HashingEmbedder())
        ingest_items([_doc("Port strike\n\nDockers walk out.", url=url)], ws, settings, HashingEmbedder())
        ingest_items(
            [_doc("Port strike\n\nDockers walk out again, now for good.", url=url)], ws, settings, HashingEmbedder()
        )
        # Back to schema 13: what a workspace written before search existed holds.
        for statement in (
            "DROP TABLE search_words",
            "DROP TABLE search_trigrams",
            "DROP TABLE search_vectors",
            "DROP INDEX articles_outlet",
            "DROP INDEX articles_domain",
            "DROP INDEX articles_language",
            "DROP INDEX articles_published_day",
            "PRAGMA user_version = 13",
        ):
            ws.connection.execute(statement)
    with Workspace(tmp_path / "ws") as ws:
        assert ws.schema_version >= 14
        articles = _rows(ws, "articles")
        assert _rows(ws, "search_words") == _rows(ws, "search_vectors") == articles == len(CRAFTED) + 1
        assert _rows(ws, "search_trigrams") == 2  # the Chinese and the Japanese article
        assert _ids(search(ws, "Hafenarbeiter", mode="text")) == [CRAFTED[0].id]
        assert len(search(ws, "阿斯塔纳", mode="text").hits) == 1
        assert len(search(ws, "good", mode="text").hits) == 1  # the latest version was indexed
        assert search(ws, "Hamburg", mode="semantic", embedder=HashingEmbedder()).hits


# -- semantic search at any size ----------------------------------------------------------------


def test_search_nearest_in_chunks_equals_brute_force(small_ws) -> None:
    rng = np.random.default_rng(7)
    query = rng.normal(size=256).astype(np.float32)
    query /= np.linalg.norm(query)
    seqs, matrix = next(vector_chunks(small_ws.connection, chunk=10_000))
    expected = [int(seqs[i]) for i in np.argsort(-(matrix @ query))[:3]]
    for chunk in (1, 2, 3, 100):
        assert [seq for seq, _ in nearest(small_ws.connection, query, 3, chunk=chunk)] == expected
    allowed = np.array(sorted(seqs[:2]), dtype=np.int64)
    assert {seq for seq, _ in nearest(small_ws.connection, query, 3, allowed, chunk=1)} == set(allowed)


def test_search_semantic_mode_needs_words(small_ws) -> None:
    with pytest.raises(QueryError, match="needs words"):
        search(small_ws, "lang:de", mode="semantic")
    assert search(small_ws, "lang:de", mode="both").hits  # filters alone: the filtered list


# -- which stored event is this text about --------------------------------------------------------


@pytest.mark.slow
def test_about_ranks_the_event_a_text_is_about_first(real_ws, seeds) -> None:
    blinken = real_ws.events_of_articles([seeds["000"]]).pop()
    text = (
        "US Secretary of State Antony Blinken met Kazakhstan's President Kassym-Jomart Tokayev in Astana on "
        "Tuesday, on his first trip to Central Asia, and assured the country of Washington's support for its "
        "independence and sovereignty.\n\nBlinken then travelled on to Uzbekistan."
    )
    matches = about(real_ws, text)
    assert matches[0].event_id == blinken and matches[0].would_join
    assert matches[0].score > matches[1].score
    assert "Blinken" in " ".join(matches[0].shared_names)
    # The grouping's pair score: its names parts (other and country names) add up to names_similarity.
    model, best = load_pair_model(), matches[0]
    extremes = sorted(
        model.score(best.similarity, *parts) for parts in ((best.names_similarity, 0.0), (0.0, best.names_similarity))
    )
    assert extremes[0] - 2e-4 <= best.score <= extremes[1] + 2e-4
    strike = real_ws.events_of_articles(_text_ids(real_ws, "Hafenstreik")).pop()
    port = about(real_ws, "Dock workers at the port of Hamburg went on strike; container ships wait in the North Sea.")
    assert port[0].event_id == strike
    with pytest.raises(QueryError):
        about(real_ws, "   ")


# -- the CLI ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_search_and_about(real_ws, seeds) -> None:
    runner = CliRunner()
    folder = str(real_ws.folder)
    result = runner.invoke(cli, ["search", "Blinken Tokajew", "--workspace", folder, "--mode", "text", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["mode"] == "text" and {h["article_id"] for h in data["hits"]} == _text_ids(real_ws, "Blinken Tokajew")
    assert data["hits"][0]["snippet"]["matches"]
    listed = runner.invoke(cli, ["search", "Blinken visit", "--workspace", folder, "-n", "2"])
    assert listed.exit_code == 0 and seeds["003"] in listed.output
    bad = runner.invoke(cli, ["search", '"Blinken', "--workspace", folder])
    assert bad.exit_code == 1 and "Unclosed quote" in bad.output
    seed = next(
        Path(p) for p in real_ws.connection.execute("SELECT source FROM articles") for p in p if "/seeds/002" in p
    )
    about_file = runner.invoke(cli, ["about", str(seed), "--workspace", folder, "--json"])
    assert about_file.exit_code == 0, about_file.output
    assert json.loads(about_file.output)[0]["event_id"] == real_ws.events_of_articles([seeds["002"]]).pop()
    about_text = runner.invoke(
        cli, ["about", "Hafenstreik in Hamburg: die Hafenarbeiter streiken", "--workspace", folder]
    )
    assert about_text.exit_code == 0 and "ev-" in about_text.output
