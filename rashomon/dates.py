"""Dates that can be trusted: published dates, and the dates events happened.

* :func:`published_date` turns whatever an input says (metadata, URL) into an ISO
  date, reading day/month order by the article's language and the URL's country,
  and refuses dates in the future. When nothing trustworthy is found it says so
  (``None``) rather than guess.
* :func:`date_hints` finds event-date expressions in the text — "am Dienstag",
  "On February 28", "вчера", "le 28 février" — and resolves each against the
  published date where it is known. Each hint keeps its sentence as evidence.

Month, weekday and relative-day words in ~200 languages come from dateparser's
locale data (BSD licence), so no language is special-cased here.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from .records import Article, DateHint

# English-language sites in these countries write day before month.
_DMY_ENGLISH_TLDS = (".uk", ".au", ".nz", ".ie", ".in", ".za", ".sg", ".ng", ".ke", ".pk")
_URL_DATE = re.compile(r"(?<!\d)(20\d{2}|19\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)")


def _date_order(language: str | None, url: str | None) -> str:
    if language == "en" or language is None:
        host = re.sub(r"^[a-z]+://", "", (url or "").lower()).split("/")[0]
        return "DMY" if host.endswith(_DMY_ENGLISH_TLDS) else "MDY"
    try:
        from dateparser.languages import default_loader

        order = default_loader.get_locale(language).info.get("date_order")
    except Exception:  # unknown language code
        order = None
    return str(order or "DMY")


def _parse(value: str, language: str | None, url: str | None) -> dt.datetime | None:
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed
    except ValueError:
        pass
    import dateparser

    settings = {"DATE_ORDER": _date_order(language, url), "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year"]}
    languages = [language] if language else None
    try:
        return dateparser.parse(text, languages=languages, settings=settings)  # type: ignore[arg-type]
    except Exception:  # dateparser raises on some malformed inputs
        return None


def published_date(
    value: str | None,
    language: str | None = None,
    url: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[str | None, str | None, str | None]:
    """A trustworthy published date.

    Args:
        value: The date the input gave (any common format), or None.
        language: ISO 639-1 language of the article (day/month order).
        url: The article URL (a date in the path is used when ``value`` is missing).
        now: The time of reading; dates after it are refused (default: now, UTC).

    Returns:
        ``(iso_value, source, problem)``: the date (``YYYY-MM-DD``, or the full ISO
        timestamp when the input had a time), where it came from (``metadata`` or
        ``url``), and a note when a given date was refused. ``iso_value`` is None
        when no trustworthy date exists.
    """
    now = now or dt.datetime.now(dt.UTC)
    limit = now + dt.timedelta(days=1)  # time zones: a date "tomorrow" in UTC is fine
    problem = None
    if value and value.strip():
        parsed = _parse(value, language, url)
        if parsed is None:
            problem = f"published date {value!r} could not be read"
        else:
            comparable = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
            if comparable > limit:
                problem = f"published date {value!r} is in the future; ignored"
            else:
                has_time = bool(re.search(r"\d{1,2}:\d{2}", value))
                return (parsed.isoformat() if has_time else parsed.date().isoformat()), "metadata", None
    if url:
        match = _URL_DATE.search(url)
        if match:
            try:
                found = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                found = None
            if found and found <= limit.date():
                return found.isoformat(), "url", problem
    return None, None, problem


@dataclass(frozen=True)
class _Vocabulary:
    months: dict[str, int]
    weekdays: dict[str, int]
    relative: dict[str, int]
    pattern: re.Pattern[str]


_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = {"0 day ago": 0, "1 day ago": -1, "in 1 day": 1, "2 day ago": -2}


@functools.lru_cache(maxsize=64)
def _vocabulary(language: str) -> _Vocabulary | None:
    try:
        from dateparser.languages import default_loader

        info = default_loader.get_locale(language).info
    except Exception:  # no locale data for this language
        return None
    months = {}
    for number, name in enumerate(_MONTHS, start=1):
        for form in info.get(name, []):
            form = form.lower().rstrip(".")
            if len(form) >= 3 and form.isalpha():
                months[form] = number
    weekdays = {}
    for number, name in enumerate(_WEEKDAYS):
        forms = [f.lower() for f in info.get(name, []) if f.isalpha()]
        for form in forms:
            # Short forms ("di", "mar", "Die") collide with ordinary words; keep full names.
            if len(form) >= 5 or form == max(forms, key=len):
                weekdays[form] = number
    relative = {}
    for key, offset in _RELATIVE.items():
        for form in (info.get("relative-type") or {}).get(key, []):
            if form.replace(" ", "").replace("'", "").isalpha() and len(form) >= 3:
                relative[form.lower()] = offset
    if not months:
        return None

    def alternation(words: dict[str, int]) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

    month = alternation(months)
    parts = [
        rf"(?P<d1>\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?(?P<m1>{month})\b\.?(?:\s+(?:de\s+)?(?P<y1>\d{{4}}))?",
        rf"\b(?P<m2>{month})\b\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>\d{{4}}))?",
    ]
    if weekdays:
        parts.append(rf"\b(?P<w>{alternation(weekdays)})\b")
    if relative:
        parts.append(rf"\b(?P<r>{alternation(relative)})\b")
    return _Vocabulary(months, weekdays, relative, re.compile("|".join(parts), re.IGNORECASE))


# A sentence ends at . ! ? … before a space, except after a day number ("am 28. Dezember").
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])(?<!\b\d\.)(?<!\b\d\d\.)\s+")


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_BREAK.split(paragraph) if s.strip())
    return out


def date_hints(text: str, language: str | None, published: str | None = None, limit: int = 20) -> list[DateHint]:
    """Event-date expressions in ``text``, resolved against ``published`` when known."""
    vocabulary = _vocabulary(language or "en")
    if vocabulary is None:
        return []
    base: dt.date | None = None
    if published:
        try:
            base = dt.datetime.fromisoformat(published.replace("Z", "+00:00")).date()
        except ValueError:
            base = None
    hints: list[DateHint] = []
    for sentence in _sentences(text):
        for match in vocabulary.pattern.finditer(sentence):
            hint = _resolve(match, vocabulary, base, sentence)
            if hint is not None:
                hints.append(hint)
                if len(hints) >= limit:
                    return hints
    return hints


def _resolve(match: re.Match[str], vocabulary: _Vocabulary, base: dt.date | None, sentence: str) -> DateHint | None:
    groups = match.groupdict()
    words = match.group(0).strip()
    if groups.get("m1") or groups.get("m2"):
        day = int(groups.get("d1") or groups.get("d2") or 0)
        month = vocabulary.months[(groups.get("m1") or groups.get("m2") or "").lower().rstrip(".")]
        year_text = groups.get("y1") or groups.get("y2")
        if not 1 <= day <= 31:
            return None
        if year_text:
            year = int(year_text)
        elif base is not None:
            year = base.year
        else:
            return DateHint(words, "explicit", None, sentence, 0.0)
        try:
            resolved = dt.date(year, month, day)
        except ValueError:
            return None
        if not year_text and base is not None and resolved > base + dt.timedelta(days=7):
            resolved = resolved.replace(year=year - 1)  # "28 December" in a January article
        return DateHint(words, "explicit", resolved.isoformat(), sentence, 0.95 if year_text else 0.85)
    if groups.get("w"):
        if base is None:
            return DateHint(words, "weekday", None, sentence, 0.0)
        weekday = vocabulary.weekdays[groups["w"].lower()]
        back = (base.weekday() - weekday) % 7  # news reports the past: the latest such day on or before publication
        return DateHint(words, "weekday", (base - dt.timedelta(days=back)).isoformat(), sentence, 0.7)
    if groups.get("r"):
        if base is None:
            return DateHint(words, "relative", None, sentence, 0.0)
        offset = vocabulary.relative[groups["r"].lower()]
        return DateHint(words, "relative", (base + dt.timedelta(days=offset)).isoformat(), sentence, 0.8)
    return None


def resolve_dates(article: Article, now: dt.datetime | None = None) -> Article:
    """Dates stage: a trustworthy published date and the event-date hints of an article."""
    import dataclasses

    published, source, _problem = published_date(article.published, article.language, article.url, now)
    if published is None:
        # A dateline with a full date at the very start of a paragraph near the top
        # ("BERLIN, 3. März 2025 –") is the next best source; a date deeper in the
        # text ("a report of 18 November 2024") is what the article talks about, not when.
        top = "\n".join(paragraph[:60] for paragraph in article.paragraphs[:3])
        limit = (now or dt.datetime.now(dt.UTC)).date() + dt.timedelta(days=1)
        for hint in date_hints(top, article.language, None):
            if hint.kind == "explicit" and hint.resolved and hint.resolved <= limit.isoformat():
                published, source = hint.resolved, "text"
                break
    hints = tuple(date_hints(article.text, article.language, published))
    return dataclasses.replace(article, published=published, published_source=source, date_hints=hints)
