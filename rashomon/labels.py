"""Labels for events and storylines that a reader understands in their own language.

A label names what a group of articles is about with the words its articles
use: the names most of them share (people, organisations, places; countries by
their CLDR name in the reader's language) and the words that mark this group
against the rest of the corpus (*distinctive terms*, a class-based TF-IDF), plus
the date span. Each :class:`~rashomon.records.LabelTerm` keeps the articles that
use it and one sentence as evidence.

Names are the canonical entities' display names when the extract stage ran.
Terms come from the group's articles in the reader's language
(``settings.reader_language``) when it has at least two there (or only that
language), otherwise from its most common language (and say so in ``language``). Distinctiveness is measured against the
articles of that language in the same corpus, so the labels of a one-topic
corpus lean on the group's own frequent words; function words and reporting
verbs are left out with the per-language lists in ``data/stopwords.json``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .names import country_name, names_with_surfaces
from .records import Article, Entity, Event, LabelTerm, Storyline
from .text import sentence_spans

# A word as labels count it: three letters or more, hyphenated parts kept (public: naming counts
# distinctive words the same way).
WORD_PATTERN = re.compile(r"[^\W\d_]{3,}(?:-[^\W\d_]+)*", re.UNICODE)

NAMES_SHOWN = 3
TERMS_SHOWN = 2


@functools.cache
def stopwords(language: str | None) -> frozenset[str]:
    """Function words of ``language`` (lower case); empty for a language without a list."""
    table = json.loads((Path(__file__).with_name("data") / "stopwords.json").read_text(encoding="utf-8"))
    return frozenset(table.get(language or "", "").split())


def word_counts(article: Article) -> Counter[str]:
    """How often each word (less stopwords, lower-cased) occurs in an article: what labels count."""
    stop = stopwords(article.language)
    return Counter(w.lower() for w in WORD_PATTERN.findall(article.text) if w.lower() not in stop)


def _evidence(articles: Sequence[Article], needle: str, ignore_case: bool) -> tuple[str, str]:
    """The first sentence (and its article) that contains ``needle``."""
    pattern = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", re.IGNORECASE if ignore_case else 0)
    for article in articles:
        for start, end in sentence_spans(article.text, article.language):
            sentence = article.text[start:end]
            if pattern.search(sentence):
                return article.id, sentence
    return (articles[0].id, "") if articles else ("", "")


@dataclasses.dataclass
class Background:
    """Document frequencies of words per language over a whole corpus (for distinctiveness)."""

    documents: Counter[str] = dataclasses.field(default_factory=Counter)
    frequency: dict[str, Counter[str]] = dataclasses.field(default_factory=dict)
    words: dict[str, Counter[str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, articles: Iterable[Article]) -> Background:
        background = cls()
        for article in articles:
            language = article.language or ""
            counts = word_counts(article)
            background.words[article.id] = counts
            background.documents[language] += 1
            background.frequency.setdefault(language, Counter()).update(counts.keys())
        return background

    def counts(self, article: Article) -> Counter[str]:
        if article.id not in self.words:
            self.words[article.id] = word_counts(article)
        return self.words[article.id]


def _label_language(articles: Sequence[Article], reader_language: str) -> str:
    """The reader's language, unless the group has a single article in it and more in another
    (one article's words are no group's distinctive terms)."""
    languages = Counter(a.language or "" for a in articles)
    majority = sorted(languages, key=lambda language: (-languages[language], language))[0]
    if languages[reader_language] >= 2 or languages[reader_language] == len(articles):
        return reader_language
    return majority if languages[majority] >= 2 else (reader_language if reader_language in languages else majority)


def _names(articles: Sequence[Article], reader_language: str) -> list[LabelTerm]:
    presence: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    users: dict[str, list[str]] = {}
    surfaces: dict[str, Counter[str]] = {}
    reader_surfaces: dict[str, Counter[str]] = {}
    for article in articles:
        counts, written = names_with_surfaces(article.text, article.language)
        for key, count in counts.items():
            presence[key] += 1
            mentions[key] += count
            users.setdefault(key, []).append(article.id)
            if key in written:
                surfaces.setdefault(key, Counter())[written[key]] += count
                if article.language == reader_language:
                    reader_surfaces.setdefault(key, Counter())[written[key]] += count
    total = len(articles)
    out = []
    for key in presence:
        country = key.startswith("ISO:")
        if country:
            shown, language = country_name(key[4:], reader_language), reader_language
        elif key in reader_surfaces:
            shown, language = reader_surfaces[key].most_common(1)[0][0], reader_language
        elif key in surfaces:
            shown = surfaces[key].most_common(1)[0][0]
            language = next((a.language for a in articles if a.id in users[key]), None) or ""
        else:
            continue
        # Countries say less about which happening this is than people and organisations do.
        weight = presence[key] / total * (0.5 if country else 1.0) + 0.01 * math.log1p(mentions[key])
        users_of = [a for a in articles if a.id in set(users[key])]
        if country:
            article_id, sentence = users_of[0].id, ""
            for article in users_of:
                as_written = names_with_surfaces(article.text, article.language)[1].get(key)
                if as_written:
                    article_id, sentence = _evidence([article], as_written, ignore_case=False)
                    if sentence:
                        break
        else:
            article_id, sentence = _evidence(users_of, shown, ignore_case=False)
            if not sentence:
                article_id, sentence = _evidence(users_of, surfaces[key].most_common(1)[0][0], ignore_case=False)
        out.append(
            LabelTerm(
                shown,
                "country" if country else "name",
                round(weight, 4),
                language,
                tuple(users[key]),
                article_id,
                sentence,
            )
        )
    out.sort(key=lambda term: (-term.weight, term.text))
    return _join_full_names(out[:12], articles) + out[12:]


def _join_full_names(names: list[LabelTerm], articles: Sequence[Article]) -> list[LabelTerm]:
    """Two names written side by side (``Birte`` ``Hansen``) become one (``Birte Hansen``).

    Names are taken in rank order; each joins the partner it stands beside most
    often, and a joined name is not joined again (no ``State Antony Blinken``).
    """
    texts = [a.text for a in articles]
    used: set[int] = set()
    joined: dict[int, LabelTerm] = {}
    for i, term in enumerate(names):
        if i in used or term.kind != "name" or " " in term.text:
            continue
        best, best_count, best_text = -1, 0, ""
        for j, other in enumerate(names):
            if j == i or j in used or other.kind != "name" or " " in other.text:
                continue
            for pair in (f"{other.text} {term.text}", f"{term.text} {other.text}"):
                count = sum(text.count(pair) for text in texts)
                if count > best_count:
                    best, best_count, best_text = j, count, pair
        if best >= 0:
            used.update((i, best))
            other = names[best]
            article_id, sentence = _evidence(articles, best_text, ignore_case=False)
            joined[i] = dataclasses.replace(
                term,
                text=best_text,
                article_id=article_id,
                sentence=sentence,
                weight=max(term.weight, other.weight),
                article_ids=tuple(sorted(set(term.article_ids) | set(other.article_ids))),
            )
    out = [joined.get(i, term) for i, term in enumerate(names) if i not in used or i in joined]
    out.sort(key=lambda term: (-term.weight, term.text))
    return out


def _terms(
    articles: Sequence[Article],
    background: Background,
    language: str,
    names: Sequence[LabelTerm],
    name_forms: Sequence[str] = (),
) -> list[LabelTerm]:
    """Distinctive words of the group in ``language``; never a word of a name, as shown or as written."""
    chosen = [a for a in articles if (a.language or "") == language]
    if not chosen:
        return []
    taken = {
        word.lower() for text in [*(term.text for term in names), *name_forms] for word in WORD_PATTERN.findall(text)
    }
    in_group: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    for article in chosen:
        counts = background.counts(article)
        in_group.update(counts)
        documents.update(counts.keys())
    size = sum(in_group.values()) or 1
    corpus = max(1, background.documents[language])
    frequency = background.frequency.get(language, Counter())
    scored = []
    for word, count in in_group.items():
        if word in taken or count < 2 and len(chosen) > 1:
            continue
        idf = math.log((1 + corpus) / (1 + frequency[word])) + 1.0
        coverage = documents[word] / len(chosen)
        scored.append((count / size * idf * coverage, word))
    scored.sort(key=lambda item: (-item[0], item[1]))
    out = []
    for score, word in scored[: TERMS_SHOWN * 3]:
        written: Counter[str] = Counter()
        for article in chosen:
            written.update(w for w in WORD_PATTERN.findall(article.text) if w.lower() == word)
        shown = written.most_common(1)[0][0] if written else word
        users = tuple(a.id for a in chosen if word in background.counts(a))
        article_id, sentence = _evidence(chosen, shown, ignore_case=True)
        out.append(LabelTerm(shown, "term", round(score, 4), language or None, users, article_id, sentence))
    return out


def _date_span(first: str | None, last: str | None) -> str:
    if not first:
        return ""
    return first if not last or last == first else f"{first} – {last}"


def storyline_dates(
    storyline: Storyline, event_dates: Mapping[str, tuple[str | None, str | None]]
) -> tuple[str | None, str | None]:
    """A storyline's first and last dates: its events' (``event_dates``: event id → first, last)."""
    firsts = sorted(d for e in storyline.event_ids for d in [event_dates.get(e, (None, None))[0]] if d)
    lasts = sorted(d for e in storyline.event_ids for d in [event_dates.get(e, (None, None))[1]] if d)
    return (firsts[0] if firsts else None), (lasts[-1] if lasts else None)


RELABEL_STEP = 1.1
"""A storyline of more than :data:`RELABEL_ALWAYS` articles is labelled again when it has grown
by this factor (it crosses a power of it), lost articles, or is new: a storyline of thousands of
articles that gains a few keeps its words, and labelling costs what is added, not what is stored."""

RELABEL_ALWAYS = 50


def needs_label(old: Storyline | None, new: Storyline) -> bool:
    """Whether ``new`` (stored as ``old`` before an ingest, None if it was not) is labelled again
    (see :data:`RELABEL_STEP`); one that is not is :func:`redated`."""
    if old is None or not old.label:
        return True
    before, after = len(old.article_ids), len(new.article_ids)
    if after <= RELABEL_ALWAYS or before == 0 or not set(old.article_ids) <= set(new.article_ids):
        return True
    return math.floor(math.log(after, RELABEL_STEP)) != math.floor(math.log(before, RELABEL_STEP))


def redated(old: Storyline, new: Storyline, event_dates: Mapping[str, tuple[str | None, str | None]]) -> Storyline:
    """``new`` with ``old``'s label words, terms and headline, and its own dates: the span its
    label ends with is its events' now."""
    first, last = storyline_dates(new, event_dates)
    text, before = old.label, _date_span(old.first_seen, old.last_seen)
    if before and text.endswith(f" ({before})"):
        text = text[: -len(before) - 3]
    span = _date_span(first, last)
    label = f"{text} ({span})" if text and span else text
    return dataclasses.replace(
        new, label=label, headline=old.headline, terms=old.terms, first_seen=first, last_seen=last
    )


def _entity_names(articles: Sequence[Article], entities: Sequence[Entity]) -> list[LabelTerm]:
    """Label names from canonical entities: display names in the reader's language, linked across spellings."""
    members = {article.id for article in articles}
    language_of = {article.id: article.language for article in articles}
    out = []
    for entity in entities:
        mentions = [m for m in entity.mentions if m.article_id in members]
        if not mentions or entity.label == "MISC":
            continue
        users = tuple(dict.fromkeys(m.article_id for m in mentions))
        country = entity.key.startswith(("ISO:", "REG:"))
        # Countries and world regions say less about which happening this is than the people,
        # organisations and towns in it.
        weight = len(users) / len(members) * (0.5 if country else 1.0) + 0.01 * math.log1p(len(mentions))
        evidence = next((m for m in mentions if entity.name in m.sentence), mentions[0])
        out.append(
            LabelTerm(
                entity.name,
                "country" if country else "name",
                round(weight, 4),
                language_of.get(evidence.article_id),
                users,
                evidence.article_id,
                evidence.sentence,
            )
        )
    out.sort(key=lambda term: (-term.weight, term.text))
    return out


def label_terms(
    articles: Sequence[Article],
    background: Background,
    reader_language: str,
    entities: Sequence[Entity] | None = None,
) -> tuple[tuple[LabelTerm, ...], str]:
    """The names and distinctive terms of a group of articles, and the label they make (without dates).

    Names come from the canonical ``entities`` when the extract stage ran, else from
    :mod:`rashomon.names` (orthographic name keys).
    """
    if not articles:
        return (), ""
    names = _entity_names(articles, entities) if entities is not None else _names(articles, reader_language)
    members = {article.id for article in articles}
    name_forms = [
        alias
        for entity in entities or ()
        if any(m.article_id in members for m in entity.mentions)
        for alias in entity.aliases
    ]
    terms = _terms(articles, background, _label_language(articles, reader_language), names, name_forms)
    # A name only one article of a larger group mentions is no key name of the group.
    key_names = [n for n in names if len(n.article_ids) > 1 or len(articles) == 1][:NAMES_SHOWN]
    shown = key_names + terms[:TERMS_SHOWN]
    return tuple(shown + [t for t in names[:6] if t not in shown]), " · ".join(t.text for t in shown)


def label_groups(
    articles: Sequence[Article],
    events: Sequence[Event],
    storylines: Sequence[Storyline],
    reader_language: str = "en",
    entities: Sequence[Entity] | None = None,
    background: Background | None = None,
    event_dates: Mapping[str, tuple[str | None, str | None]] | None = None,
) -> tuple[list[Event], list[Storyline]]:
    """Events and storylines with labels, terms and date spans drawn from their articles.

    Args:
        articles: Every article of the corpus (the background for distinctiveness).
        events, storylines: The groups to label (``label`` is replaced; the old
            label is kept as ``headline`` when none is set).
        reader_language: ISO 639-1 code of the language to label in.
        entities: Canonical entities from the extract stage, if it ran (better names).
        background: The document frequencies words are weighed against (a workspace keeps
            them for every stored article); by default, those of ``articles``.
        event_dates: First and last dates of every event (a storyline's span is its events'),
            when ``events`` are not all of them.
    """
    by_id = {article.id: article for article in articles}
    background = background or Background.of(articles)
    # Which entities each article names, so a group looks at its own entities only (not all of them).
    named_in: dict[str, list[int]] = defaultdict(list)
    for index, entity in enumerate(entities or ()):
        for article_id in dict.fromkeys(m.article_id for m in entity.mentions):
            named_in[article_id].append(index)

    def named(members: Sequence[Article]) -> list[Entity] | None:
        if not entities:
            return None  # no extract stage: names from the text
        return [entities[i] for i in sorted({i for a in members for i in named_in.get(a.id, ())})]

    labelled_events = []
    for event in events:
        members = [by_id[i] for i in event.article_ids if i in by_id]
        terms, text = label_terms(members, background, reader_language, named(members))
        span = _date_span(event.first_seen, event.last_seen)
        label = f"{text} ({span})" if text and span else text or event.headline or event.label
        labelled_events.append(
            dataclasses.replace(event, label=label, headline=event.headline or event.label, terms=terms)
        )
    event_dates = dict(event_dates or {}) | {e.id: (e.first_seen, e.last_seen) for e in labelled_events}
    labelled_storylines = []
    for storyline in storylines:
        members = [by_id[i] for i in storyline.article_ids if i in by_id]
        terms, text = label_terms(members, background, reader_language, named(members))
        first, last = storyline_dates(storyline, event_dates)
        span = _date_span(first, last)
        label = f"{text} ({span})" if text and span else text or storyline.headline or storyline.label
        labelled_storylines.append(
            dataclasses.replace(
                storyline,
                label=label,
                headline=storyline.headline or storyline.label,
                terms=terms,
                first_seen=first,
                last_seen=last,
            )
        )
    return labelled_events, labelled_storylines
