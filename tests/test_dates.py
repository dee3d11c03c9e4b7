"""Published dates that can be trusted, and event-date hints resolved against them."""

from __future__ import annotations

import datetime as dt

import pytest

from rashomon.dates import date_hints, published_date, resolve_dates
from rashomon.records import Article

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def test_dates_iso_values_pass_through() -> None:
    assert published_date("2025-03-04", "de", now=NOW) == ("2025-03-04", "metadata", None)
    value, source, _ = published_date("2025-03-04T10:15:00+01:00", "en", now=NOW)
    assert value == "2025-03-04T10:15:00+01:00" and source == "metadata"


@pytest.mark.parametrize(
    ("value", "language", "url", "expected"),
    [
        ("03/04/2025", "en", "https://www.example.com/a", "2025-03-04"),  # US: month first
        ("03/04/2025", "en", "https://www.example.co.uk/a", "2025-04-03"),  # UK: day first
        ("03/04/2025", "de", None, "2025-04-03"),
        ("03.04.2025", "ru", None, "2025-04-03"),
        ("4. März 2025", "de", None, "2025-03-04"),
        ("4 mars 2025", "fr", None, "2025-03-04"),
        ("4 марта 2025", "ru", None, "2025-03-04"),
        ("March 4, 2025", "en", None, "2025-03-04"),
    ],
)
def test_dates_day_month_order_follows_language_and_country(value, language, url, expected) -> None:
    assert published_date(value, language, url, NOW)[0] == expected


def test_dates_future_dates_are_refused_with_a_reason() -> None:
    value, source, problem = published_date("2031-01-01", "en", now=NOW)
    assert value is None and source is None and "future" in (problem or "")


def test_dates_a_future_metadata_date_falls_back_to_the_url() -> None:
    value, source, problem = published_date("2031-01-01", "en", "https://x.example/2025/05/30/story", NOW)
    assert (value, source) == ("2025-05-30", "url") and "future" in (problem or "")


def test_dates_missing_date_is_said_not_guessed() -> None:
    assert published_date(None, "en", "https://x.example/news/story", NOW) == (None, None, None)
    value, _, problem = published_date("sometime last spring-ish", "en", now=NOW)
    assert value is None and "could not be read" in (problem or "")


def test_dates_impossible_url_dates_are_ignored() -> None:
    assert published_date(None, "en", "https://x.example/2025/02/31/story", NOW)[0] is None


@pytest.mark.parametrize(
    ("text", "language", "published", "expected"),
    [
        ("Blinken hat am Dienstag die Unterstützung zugesagt.", "de", "2023-03-01", ("weekday", "2023-02-28")),
        ("On February 28, the secretary visited Astana.", "en", "2023-03-02", ("explicit", "2023-02-28")),
        ("Вчера министр прибыл в Астану.", "ru", "2023-03-01", ("relative", "2023-02-28")),
        ("Le 28 février, il était à Astana.", "fr", "2023-03-01", ("explicit", "2023-02-28")),
        ("El 28 de febrero el ministro llegó.", "es", "2023-03-01", ("explicit", "2023-02-28")),
        ("Das Treffen fand am 28. Dezember statt.", "de", "2024-01-03", ("explicit", "2023-12-28")),
        ("The strike began on Monday.", "en", "2025-03-03", ("weekday", "2025-03-03")),
    ],
)
def test_dates_hints_resolve_against_the_published_date(text, language, published, expected) -> None:
    hints = date_hints(text, language, published)
    assert [(h.kind, h.resolved) for h in hints] == [expected]
    assert hints[0].sentence == text and 0 < hints[0].confidence <= 1


def test_dates_hints_without_published_date_stay_unresolved_unless_absolute() -> None:
    relative = date_hints("Gestern traf er Tokajew.", "de", None)
    assert [(h.kind, h.resolved, h.confidence) for h in relative] == [("relative", None, 0.0)]
    absolute = date_hints("On February 28, 2023 he arrived.", "en", None)
    assert [(h.kind, h.resolved) for h in absolute] == [("explicit", "2023-02-28")]


def test_dates_short_weekday_abbreviations_are_not_hints() -> None:
    # German "Die" is listed as an abbreviation of Dienstag; it must not count.
    assert date_hints("Die Regierung tagte. Mar del Plata liegt am Meer.", "de", "2025-03-03") == []


def test_dates_resolve_dates_stage_fills_article_fields() -> None:
    article = Article(
        id="a",
        source="s",
        raw_text="x",
        text="Am Montag begann der Streik.",
        language="de",
        published="2025-03-05",
        url="https://x.example/a",
    )
    resolved = resolve_dates(article, NOW)
    assert resolved.published == "2025-03-05" and resolved.published_source == "metadata"
    assert [h.resolved for h in resolved.date_hints] == ["2025-03-03"]


def test_dates_a_dateline_with_a_full_date_is_used_when_nothing_else_says() -> None:
    article = Article(
        id="a",
        source="s",
        raw_text="x",
        language="de",
        text="Streik im Hafen\n\nHAMBURG, 3. März 2025 – Am Montag legten die Hafenarbeiter die Arbeit nieder.",
    )
    resolved = resolve_dates(article, NOW)
    assert (resolved.published, resolved.published_source) == ("2025-03-03", "text")
    assert [h.resolved for h in resolved.date_hints if h.kind == "weekday"] == ["2025-03-03"]
    future = Article(id="b", source="s", raw_text="x", language="en", text="LONDON, March 3, 2031 - Something.")
    assert resolve_dates(future, NOW).published is None


def test_dates_a_date_the_article_talks_about_is_not_its_published_date() -> None:
    article = Article(
        id="c",
        source="s",
        raw_text="x",
        language="de",
        text="Anhörung\n\nEs war still im Saal. Dann räumte sie ein, ein interner Bericht vom "
        "18. November 2024 habe Probleme vermerkt.",
    )
    resolved = resolve_dates(article, NOW)
    assert resolved.published is None and resolved.published_source is None
    assert [h.resolved for h in resolved.date_hints] == ["2024-11-18"]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "0001-01-01", "1453-05-29", "1989-12-31", "9999-12-31"])
def test_dates_implausible_metadata_dates_are_refused_with_a_reason(value) -> None:
    published, source, problem = published_date(value, "en", now=NOW)
    assert published is None and source is None
    assert "ignored" in (problem or "") and value in (problem or "")


def test_dates_the_earliest_plausible_date_is_1990() -> None:
    assert published_date("1990-01-01", "en", now=NOW)[0] == "1990-01-01"
    assert published_date(None, "en", "https://x.example/1989/05/04/a", NOW)[0] is None
    assert published_date(None, "en", "https://x.example/1995/05/04/a", NOW)[0] == "1995-05-04"


def test_dates_a_refused_date_is_kept_in_the_provenance() -> None:
    from rashomon.records import Provenance

    article = Article(
        id="p",
        source="s",
        raw_text="x",
        text="On Tuesday the council met. Yesterday it voted.",
        language="en",
        published="0001-01-01T00:00:00Z",
        provenance=Provenance("file", "s", "0" * 64),
    )
    resolved = resolve_dates(article, NOW)
    assert resolved.published is None
    assert resolved.provenance is not None and any("0001-01-01" in n for n in resolved.provenance.notes)
    assert all(h.resolved is None for h in resolved.date_hints)


@pytest.mark.parametrize("published", ["0001-01-01", "0001-01-02", "9999-12-31"])
def test_dates_hint_arithmetic_never_overflows(published) -> None:
    text = "On Monday and on Sunday, yesterday and tomorrow, on 31 December and on January 1 they met."
    hints = date_hints(text, "en", published)
    assert hints and all(h.resolved is None or "0001" <= h.resolved <= "9999-12-31" for h in hints)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Constantinople fell to the Ottomans on May 29, 1453, after a siege.", "en", None),
        ("Then, on August 5, 2014, the ships met in the gulf.", "en", None),
        ("Der Vertrag wurde am 3. März 2015 unterzeichnet.", "de", None),
        ("Title\n\nBy Jane Doe | March 3, 2025\n\nThe council met on Monday.", "en", "2025-03-03"),
        ("Titel\n\nVon Anna Berg, 03.03.2025, 10:15 Uhr\n\nDer Rat tagte.", "de", "2025-03-03"),
        ("Title\n\nPublished 2025-03-03 10:15 GMT\n\nText.", "en", "2025-03-03"),
        ("WASHINGTON, March 3, 2025 — The secretary flew to Astana.", "en", "2025-03-03"),
        ("MOSKAU (dpa), 3. März 2025: Der Minister sprach.", "de", "2025-03-03"),
        ("Title\n\nMay 29, 1453 — Constantinople fell.", "en", None),  # a dateline, but before the web
    ],
)
def test_dates_a_body_date_is_published_only_as_a_dateline_or_byline(text, language, expected) -> None:
    article = Article(id="d", source="s", raw_text=text, text=text, language=language)
    resolved = resolve_dates(article, NOW)
    assert resolved.published == expected
    assert resolved.published_source == ("text" if expected else None)
