"""Dates that can be trusted: published dates, and the dates events happened.

* :func:`published_date` turns whatever an input says (metadata, URL) into an ISO
  date, reading day/month order by the article's language and the URL's country,
  and refuses implausible dates: before :data:`EARLIEST_PUBLISHED` (no news page
  on the web is older) or after now plus :data:`CLOCK_TOLERANCE`. When nothing
  trustworthy is found it says so (``None``) rather than guess.
* :func:`dateline_date` reads a published date from the text only where it
  stands as a dateline ("HAMBURG, 3. März 2025 –") or on a byline/date line near
  the top ("By Jane Doe | March 3, 2025"), never a date the story talks about.
* :func:`date_hints` finds event-date expressions in the text — "am Dienstag",
  "On February 28", "вчера", "le 28 février" — and resolves each against the
  published date where it is known. Each hint keeps its sentence as evidence.

Month, weekday and relative-day words in ~200 languages come from dateparser's
locale data (BSD licence), so no language is special-cased here. Date
arithmetic never overflows: a hint that would leave the calendar stays
unresolved.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from .records import Article, DateHint
from .text import sentence_spans

EARLIEST_PUBLISHED = dt.date(1990, 1, 1)
"""No published date before this is believed: the web did not exist (``0001-01-01`` is a CMS default)."""
CLOCK_TOLERANCE = dt.timedelta(days=1)
"""How far past now a published date may lie (time zones, clocks a little ahead)."""

# English-language sites in these countries write day before month.
_DMY_ENGLISH_TLDS = (".uk", ".au", ".nz", ".ie", ".in", ".za", ".sg", ".ng", ".ke", ".pk")
_URL_DATE = re.compile(r"(?<!\d)(20\d{2}|199\d)[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)")


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


def implausible(day: dt.date, now: dt.datetime | None = None) -> str | None:
    """Why ``day`` cannot be a published date (before 1990, or after now), or None when it can."""
    now = now or dt.datetime.now(dt.UTC)
    if day < EARLIEST_PUBLISHED:
        return f"is before {EARLIEST_PUBLISHED.year}, older than any news page on the web"
    if day > (now + CLOCK_TOLERANCE).date():
        return "is in the future"
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
        now: The time of reading; dates after it (plus :data:`CLOCK_TOLERANCE`) are
            refused, and so are dates before :data:`EARLIEST_PUBLISHED` (default: now, UTC).

    Returns:
        ``(iso_value, source, problem)``: the date (``YYYY-MM-DD``, or the full ISO
        timestamp when the input had a time), where it came from (``metadata`` or
        ``url``), and a note when a given date was refused. ``iso_value`` is None
        when no trustworthy date exists.
    """
    now = now or dt.datetime.now(dt.UTC)
    limit = now + CLOCK_TOLERANCE  # time zones: a date "tomorrow" in UTC is fine
    problem = None
    if value and value.strip():
        parsed = _parse(value[:200], language, url)  # no date needs more; dateparser is slow on long text
        if parsed is None:
            problem = f"published date {value[:80]!r} could not be read; ignored"
        else:
            comparable = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
            try:
                day = comparable.astimezone(dt.UTC).date() if comparable <= limit else None
            except OverflowError:  # 0001-01-01 with a positive offset leaves the calendar
                day = dt.date.min
            reason = "is in the future" if day is None else implausible(day, now)
            if reason:
                problem = f"published date {value[:80]!r} {reason}; ignored"
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
            if found and implausible(found, now) is None:
                return found.isoformat(), "url", problem
    return None, None, problem


@dataclass(frozen=True)
class DateVocabulary:
    """The date words of one language: month, weekday and relative-day names, and their pattern."""

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
def date_vocabulary(language: str) -> DateVocabulary | None:
    """The date words of ``language`` (from dateparser's locale data); None when it has none."""
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
    return DateVocabulary(months, weekdays, relative, re.compile("|".join(parts), re.IGNORECASE))


def date_hints(text: str, language: str | None, published: str | None = None, limit: int = 20) -> list[DateHint]:
    """Event-date expressions in ``text``, resolved against ``published`` when known."""
    vocabulary = date_vocabulary(language or "en")
    if vocabulary is None:
        return []
    base: dt.date | None = None
    if published:
        try:
            base = dt.datetime.fromisoformat(published.replace("Z", "+00:00")).date()
        except ValueError:
            base = None
    hints: list[DateHint] = []
    for start, end in sentence_spans(text, language):
        sentence = text[start:end]
        for match in vocabulary.pattern.finditer(sentence):
            hint = _resolve(match, vocabulary, base, sentence)
            if hint is not None:
                hints.append(hint)
                if len(hints) >= limit:
                    return hints
    return hints


def _resolve(match: re.Match[str], vocabulary: DateVocabulary, base: dt.date | None, sentence: str) -> DateHint | None:
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
            if not year_text and base is not None and resolved > (_shift(base, 7) or resolved):
                resolved = resolved.replace(year=year - 1)  # "28 December" in a January article
        except ValueError:  # 31 April, 29 February, year 0
            return None
        return DateHint(words, "explicit", resolved.isoformat(), sentence, 0.95 if year_text else 0.85)
    if groups.get("w"):
        if base is None:
            return DateHint(words, "weekday", None, sentence, 0.0)
        weekday = vocabulary.weekdays[groups["w"].lower()]
        back = (base.weekday() - weekday) % 7  # news reports the past: the latest such day on or before publication
        when = _shift(base, -back)
        return DateHint(words, "weekday", when.isoformat() if when else None, sentence, 0.7 if when else 0.0)
    if groups.get("r"):
        if base is None:
            return DateHint(words, "relative", None, sentence, 0.0)
        offset = vocabulary.relative[groups["r"].lower()]
        when = _shift(base, offset)
        return DateHint(words, "relative", when.isoformat() if when else None, sentence, 0.8 if when else 0.0)
    return None


def _shift(base: dt.date, days: int) -> dt.date | None:
    """``base`` moved by ``days``; None where that leaves the calendar (before year 1, after 9999)."""
    try:
        return base + dt.timedelta(days=days)
    except OverflowError:
        return None


# Lower-case words a byline or date line may hold besides names, dates and times.
_DATELINE_WORDS = frozenset(
    """
    published updated posted modified last created am pm gmt utc cet cest est edt pst
    veröffentlicht aktualisiert zuletzt erstellt stand uhr
    publié publiée mis jour modifié
    publicado actualizado actualizada atualizado
    pubblicato aggiornato ore
    опубликовано обновлено обновлен опубликован
    opublikowano aktualizacja zaktualizowano godz
    gepubliceerd bijgewerkt
    """.split()
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d.])(?:(?P<iso>(?:19|20)\d\d-\d\d-\d\d)|(?P<a>\d{1,2})[./](?P<b>\d{1,2})[./](?P<y>(?:19|20)\d\d))(?![\d.]?\d)"
)
_TIME = re.compile(r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?\b")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:[.'’-][^\W\d_]+)*\.?")
_DATELINE_END = re.compile(r"^\s*(?:\(\w+\)\s*)?(?:[-–—:|/]|\s*$)")
_DATELINE_LINE_MAX = 140  # a byline or date line is short; longer lines are prose


def _dates_in(paragraph: str, language: str | None) -> list[tuple[int, int, dt.date]]:
    """Full dates (day, month and year) in ``paragraph`` with their offsets."""
    found: list[tuple[int, int, dt.date]] = []
    vocabulary = date_vocabulary(language or "en")
    if vocabulary is not None:
        for match in vocabulary.pattern.finditer(paragraph):
            if match.group("y1") or match.group("y2"):
                hint = _resolve(match, vocabulary, None, paragraph)
                if hint is not None and hint.resolved:
                    found.append((match.start(), match.end(), dt.date.fromisoformat(hint.resolved)))
    day_first = _date_order(language, None).index("D") < _date_order(language, None).index("M")
    for match in _NUMERIC_DATE.finditer(paragraph):
        try:
            if match.group("iso"):
                day = dt.date.fromisoformat(match.group("iso"))
            else:
                a, b = int(match.group("a")), int(match.group("b"))
                day = dt.date(int(match.group("y")), b if day_first else a, a if day_first else b)
        except ValueError:
            continue
        found.append((match.start(), match.end(), day))
    return sorted(found)


def _is_byline(rest: str, names: frozenset[str]) -> bool:
    """True when what is left of a short line besides its date is a byline: names, outlet, date words."""
    words = _WORD.findall(_TIME.sub(" ", rest))
    if len(words) > 12:
        return False
    for word in words:
        plain = word.rstrip(".").lower()
        if word[0].isupper() or len(plain) <= 3 or plain in _DATELINE_WORDS or plain in names:
            continue
        return False  # a lower-case word of the story ("fell", "began"): prose, not a byline
    return True


def _is_dateline_start(before: str, after: str) -> bool:
    """True for "PLACE, DATE –" (or "DATE –") at the start of a paragraph."""
    words = _WORD.findall(re.sub(r"\([^()]{0,40}\)", " ", before))  # "MOSKAU (dpa)," : the agency
    if len(words) > 4 or any(not word[0].isupper() for word in words):
        return False
    if re.search(r"[.!?]\s", before):
        return False
    return bool(_DATELINE_END.match(after))


def dateline_date(article: Article, now: dt.datetime | None = None, paragraphs: int = 4) -> str | None:
    """The published date a dateline or byline near the top of the text gives, or None.

    A date counts only where it stands as a dateline at the start of one of the
    first ``paragraphs`` paragraphs ("BERLIN, 3. März 2025 –", "March 3, 2025 —")
    or on a short line that holds nothing but names, the outlet, date words and
    times ("Von Anna Berg | 03.03.2025, 10:15 Uhr"). A date inside a sentence
    ("Constantinople fell on May 29, 1453") is what the story talks about, never
    when it was published; implausible dates (see :func:`implausible`) are refused.
    """
    names = frozenset(word.lower() for word in _WORD.findall(f"{article.outlet or ''} {article.author or ''}"))
    for paragraph in article.paragraphs[:paragraphs]:
        paragraph = paragraph.strip()
        for start, end, day in _dates_in(paragraph[:_DATELINE_LINE_MAX], article.language):
            before, after = paragraph[:start], paragraph[end:]
            short = len(paragraph) <= _DATELINE_LINE_MAX
            if (short and _is_byline(before + " " + after, names)) or _is_dateline_start(before, after):
                if implausible(day, now) is None:
                    return day.isoformat()
    return None


def resolve_dates(article: Article, now: dt.datetime | None = None) -> Article:
    """Dates stage: a trustworthy published date and the event-date hints of an article.

    A published date the input gave but that had to be refused (unreadable,
    before 1990, in the future) is noted in the article's provenance.
    """
    import dataclasses

    published, source, problem = published_date(article.published, article.language, article.url, now)
    if published is None:
        published = dateline_date(article, now)
        source = "text" if published else None
    hints = tuple(date_hints(article.text, article.language, published))
    provenance = article.provenance
    if problem and provenance is not None and problem not in provenance.notes:
        provenance = dataclasses.replace(provenance, notes=(*provenance.notes, problem))
    return dataclasses.replace(
        article, published=published, published_source=source, date_hints=hints, provenance=provenance
    )
