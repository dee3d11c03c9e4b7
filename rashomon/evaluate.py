"""Evaluation: how well Rashomon's similarity and grouping agree with people.

* :func:`evaluate_similarity` scores article pairs (SemEval-2022 Task 8 format:
  ``pair_id, lang1, lang2, text1, text2``, optional ``title1``/``title2`` and human
  ``overall`` 1 = same story … 4 = unrelated) and reports the Pearson correlation
  with the human score, overall and per language pair (sign flipped, so higher is
  better). Without human scores it only returns each pair's similarity.
* :func:`evaluate_clusters` groups articles with gold event ids (and optionally
  gold storyline ids) through the real pipeline stages and reports B-cubed
  precision, recall and F1.
* :func:`evaluate_framing` labels articles annotated in the SemEval-2023 Task 3
  format (``id, lang, text, genre, frames, paragraph_techniques``) with
  :mod:`rashomon.compare.framing` and reports genre macro-F1, frames micro-F1 and
  paragraph-level techniques micro-F1, overall and per language.
* :func:`evaluate_ner` tags sentences annotated with BIO tags over PER/ORG/LOC/MISC
  (``tokens, tags, lang``): each sentence's tokens joined with spaces go through the
  entity recogniser as an article's text would, the mentions are mapped back to the
  tokens and scored entity by entity (exact span and label), per language.
* :func:`claim_alignment` scores the sentences the comparison aligns into claims against
  annotated groups of sentences that state the same thing (pair precision, group recall).

All back the ``rashomon eval`` command and the quality gates.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .clean import clean_document
from .cluster import Grouper, article_features, pair_score
from .config import Settings
from .dates import resolve_dates
from .embed import Embedder, embed_articles
from .errors import InputError
from .ingest.files import make_id
from .language import FastTextDetector, detect_language
from .records import Article, Document, Mention, article_order

if TYPE_CHECKING:
    from collections.abc import Callable

    from .compare.framing import FramingModel

NER_LABELS = ("PER", "ORG", "LOC", "MISC")
"""The entity classes a BIO-tagged evaluation file may use."""
NER_SCORED_LABELS = ("PER", "ORG", "LOC")
"""The classes :func:`evaluate_ner` scores (MISC is ignored on both sides)."""


def _article(text: str, title: str | None, language: str | None, key: str, **meta: Any) -> Article:
    body = f"{title}\n\n{text}" if title and not text.lstrip().startswith(title) else text
    document = Document(
        id=key,
        source=key,
        raw=body.encode("utf-8"),
        text=body,
        encoding="utf-8",
        fmt="json",
        origin="record",
        title=title or None,
        language=language or None,
        **meta,
    )
    return clean_document(document)


def pair_scores(
    left: Sequence[Article], right: Sequence[Article], settings: Settings, embedder: Embedder
) -> np.ndarray:
    """The grouping stage's pair score for each (left[i], right[i])."""
    vectors_left = embed_articles(left, embedder, settings.embed_chars)
    vectors_right = embed_articles(right, embedder, settings.embed_chars)
    return np.array(
        [
            pair_score(article_features(a, va, settings), article_features(b, vb, settings), settings)[0]
            for a, b, va, vb in zip(left, right, vectors_left, vectors_right, strict=True)
        ],
        dtype=np.float64,
    )


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def evaluate_similarity(rows: Iterable[Mapping[str, Any]], settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Similarity of each pair and, where human ``overall`` scores exist, Pearson correlations.

    Returns:
        ``{"n", "pearson", "per_language_pair": {"de-en": {"n", "pearson"}, ...},
        "pairs": [{"pair_id", "similarity"}, ...]}``; ``pearson`` is None without scores.
    """
    rows = list(rows)
    for number, row in enumerate(rows, start=1):
        for field in ("text1", "text2"):
            if not isinstance(row.get(field), str) or not row[field].strip():
                raise InputError(f"pair {number} ({row.get('pair_id', '?')}) has no {field!r}")
    left = [
        _article(r["text1"], r.get("title1"), r.get("lang1"), f"{r.get('pair_id', i)}:1") for i, r in enumerate(rows)
    ]
    right = [
        _article(r["text2"], r.get("title2"), r.get("lang2"), f"{r.get('pair_id', i)}:2") for i, r in enumerate(rows)
    ]
    scores = pair_scores(left, right, settings, embedder)
    human = [r.get("overall") for r in rows]
    scored = [i for i, value in enumerate(human) if isinstance(value, (int, float)) and not math.isnan(value)]
    per_pair: dict[str, list[int]] = defaultdict(list)
    for i in scored:
        per_pair[f"{rows[i].get('lang1', '?')}-{rows[i].get('lang2', '?')}"].append(i)
    target = np.array([-float(human[i]) for i in scored])  # type: ignore[arg-type]
    return {
        "n": len(rows),
        "pearson": _pearson(scores[scored], target) if scored else None,
        "per_language_pair": {
            key: {"n": len(idx), "pearson": _pearson(scores[idx], -np.array([float(human[i]) for i in idx]))}  # type: ignore[arg-type]
            for key, idx in sorted(per_pair.items())
        },
        "pairs": [
            {"pair_id": r.get("pair_id", str(i)), "similarity": round(float(s), 6)}
            for i, (r, s) in enumerate(zip(rows, scores, strict=True))
        ],
    }


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering against gold labels (same keys)."""
    items = list(gold)
    if not items:
        return 0.0, 0.0, 0.0
    members_p: dict[str, set[str]] = defaultdict(set)
    members_g: dict[str, set[str]] = defaultdict(set)
    for item in items:
        members_p[predicted[item]].add(item)
        members_g[gold[item]].add(item)
    precision = recall = 0.0
    for item in items:
        same_p, same_g = members_p[predicted[item]], members_g[gold[item]]
        overlap = len(same_p & same_g)
        precision += overlap / len(same_p)
        recall += overlap / len(same_g)
    precision, recall = precision / len(items), recall / len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def claim_alignment(
    claims: Iterable[Sequence[tuple[str, Hashable]]], groups: Sequence[Sequence[tuple[str, Hashable]]]
) -> dict[str, Any]:
    """Aligned sentences (claims) against annotated groups of sentences that state one thing.

    A sentence is ``(article id, place)``. Each claim's sentences are paired across articles; a
    pair is right when one group holds both. Every two articles a group has sentences in make one
    unit of recall, found when some predicted pair links a sentence of the group in one to one in
    the other (a group's sentences in one article are alternatives). Returns the counts (``right``,
    ``predicted``, ``found``, ``units``) and ``precision`` and ``recall`` (1.0 when nothing to count).
    """
    pairs = {
        frozenset((a, b))
        for members in claims
        for a, b in itertools.combinations(dict.fromkeys(members), 2)
        if a[0] != b[0]
    }
    gold = [set(group) for group in groups]
    right = sum(any(pair <= group for group in gold) for pair in pairs)
    units = found = 0
    for group in groups:
        for a, b in itertools.combinations(sorted({article for article, _ in group}), 2):
            units += 1
            left, other = [x for x in group if x[0] == a], [y for y in group if y[0] == b]
            found += any(frozenset((x, y)) in pairs for x in left for y in other)
    return {
        "right": right,
        "predicted": len(pairs),
        "found": found,
        "units": units,
        "precision": right / len(pairs) if pairs else 1.0,
        "recall": found / units if units else 1.0,
    }


def evaluate_clusters(records: Iterable[Mapping[str, Any]], settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Group articles with gold ``event`` ids through the pipeline; B-cubed against the gold.

    Each record needs ``text`` and ``event`` (or ``event_id``); ``id``, ``title``,
    ``language``, ``published``, ``outlet``, ``url`` and ``storyline`` are optional.

    Returns:
        ``{"n", "precision", "recall", "f1"}``, plus ``"storylines": {"precision",
        "recall", "f1"}`` when the records carry gold storylines.
    """
    detector = FastTextDetector()
    articles: list[Article] = []
    gold_events: dict[str, str] = {}
    gold_storylines: dict[str, str] = {}
    for number, record in enumerate(records, start=1):
        text, event = record.get("text"), record.get("event", record.get("event_id"))
        if not isinstance(text, str) or not text.strip() or event is None:
            raise InputError(f"record {number} needs a non-empty 'text' and an 'event' id")
        key = str(record.get("id") or make_id("eval", text, str(number)))
        if key in gold_events:
            raise InputError(f"record {number}: id {key!r} appears twice")
        meta = {k: str(record[k]) for k in ("published", "outlet", "url") if record.get(k)}
        article = _article(text, record.get("title"), record.get("language"), key, **meta)
        articles.append(resolve_dates(detect_language(article, detector)))
        gold_events[key] = str(event)
        if record.get("storyline") is not None:
            gold_storylines[key] = str(record["storyline"])
    ordered = sorted(articles, key=article_order)
    vectors = embed_articles(ordered, embedder, settings.embed_chars)
    grouper = Grouper(settings)
    for article, vector in zip(ordered, vectors, strict=True):
        grouper.add(article_features(article, vector, settings))
    predicted_events = {grouper.features[i].article_id: str(e) for i, e in enumerate(grouper.event_of)}
    precision, recall, f1 = bcubed(predicted_events, gold_events)
    result: dict[str, Any] = {"n": len(articles), "precision": precision, "recall": recall, "f1": f1}
    if gold_storylines and len(gold_storylines) == len(gold_events):
        predicted_storylines = {
            grouper.features[i].article_id: str(grouper.storyline_of_event[e]) for i, e in enumerate(grouper.event_of)
        }
        sp, sr, sf = bcubed(predicted_storylines, gold_storylines)
        result["storylines"] = {"precision": sp, "recall": sr, "f1": sf}
    return result


def _check_framing_row(row: Any, where: str) -> None:
    """Raise :class:`InputError` naming ``where`` unless ``row`` is in the task's format."""
    from .compare.framing import FRAMES, GENRES, TECHNIQUES

    if not isinstance(row, dict):
        raise InputError(f"{where}: not a JSON object")
    if not isinstance(row.get("text"), str):
        raise InputError(f"{where}: needs a 'text' string")
    if row.get("lang") is not None and not isinstance(row["lang"], str):
        raise InputError(f"{where}: 'lang' must be a language code such as \"en\"")
    if row.get("genre") is not None and row["genre"] not in GENRES:
        raise InputError(f"{where}: genre {row['genre']!r} is not one of {', '.join(GENRES)} (or null)")
    frames = row.get("frames", [])
    if not isinstance(frames, list) or any(f not in FRAMES for f in frames):
        unknown = [f for f in frames if f not in FRAMES] if isinstance(frames, list) else frames
        raise InputError(f"{where}: 'frames' must be a list of the 14 frame names; unknown: {unknown!r}")
    techniques = row.get("paragraph_techniques") or {}
    if not isinstance(techniques, dict):
        raise InputError(f"{where}: 'paragraph_techniques' must map line numbers to lists of techniques")
    for line, names in techniques.items():
        if not str(line).isdigit() or int(line) < 1:
            raise InputError(f"{where}: paragraph {line!r} is not a line number (1, 2, …)")
        if not isinstance(names, list) or any(n not in TECHNIQUES for n in names):
            raise InputError(f"{where}: paragraph {line}: unknown techniques {names!r}")


def _jsonl_lines(path: Path) -> list[tuple[int, Any]]:
    """``(line number, value)`` of each non-empty line of a JSONL file; :class:`InputError` naming
    file and line for a file that is not UTF-8, a line that is not JSON, or no records."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read as UTF-8 text: {error}") from None
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append((number, json.loads(line)))
        except ValueError as error:
            raise InputError(f"{path}: line {number} is not valid JSON: {error}") from None
    if not out:
        raise InputError(f"{path}: no records")
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file (the ``eval`` files); :class:`InputError` naming file and line."""
    rows = []
    for number, row in _jsonl_lines(path):
        if not isinstance(row, dict):
            raise InputError(f"{path}: line {number} is not a JSON object")
        rows.append(row)
    return rows


def read_framing_file(path: Path) -> list[dict[str, Any]]:
    """Rows of a SemEval-2023 Task 3 JSONL file; a bad line is an :class:`InputError` naming file and line."""
    rows = []
    for number, row in _jsonl_lines(path):
        _check_framing_row(row, f"{path}: line {number}")
        rows.append(row)
    return rows


def evaluate_framing(rows: Iterable[Mapping[str, Any]], model: FramingModel | None = None) -> dict[str, Any]:
    """Label annotated articles and score the labels against the annotation.

    Rows without a gold genre are left out of the genre score. Techniques are scored
    per paragraph (each non-empty line's set; an unannotated line counts as none).

    Returns:
        ``{"n", "genre_macro_f1", "frames_micro_f1", "techniques_micro_f1",
        "per_language": {lang: {"n", "genre_macro_f1", "frames_micro_f1",
        "techniques_micro_f1"}}}``; a score is None when nothing was there to score.
    """
    from .compare.framing import ScoredArticle, frame_articles, framing_metrics, numbered_paragraphs

    rows = list(rows)
    for number, row in enumerate(rows, start=1):
        _check_framing_row(row, f"record {number}")
    framings = frame_articles([str(row["text"]) for row in rows], model)
    items = []
    for row, framing in zip(rows, framings, strict=True):
        gold = {int(line): frozenset(names) for line, names in (row.get("paragraph_techniques") or {}).items()}
        found: dict[int, set[str]] = defaultdict(set)
        for technique in framing.techniques:
            found[technique.paragraph].add(technique.name)
        lines = sorted({p.line for p in numbered_paragraphs(row["text"])} | set(gold))
        items.append(
            ScoredArticle(
                language=str(row.get("lang") or "?"),
                gold_genre=row.get("genre"),
                genre=framing.genre,
                gold_frames=frozenset(row.get("frames", [])),
                frames=frozenset(label.name for label in framing.frames),
                gold_techniques=tuple(gold.get(line, frozenset()) for line in lines),
                techniques=tuple(frozenset(found.get(line, ())) for line in lines),
            )
        )
    return framing_metrics(items)


# -- named entities --------------------------------------------------------------


def tag_tokens(
    recognize: Callable[[str, str | None], list[Mention]], tokens: Sequence[str], language: str | None
) -> list[str]:
    """BIO tags for a pre-tokenised sentence, found by recognising its space-joined text.

    ``recognize`` is :func:`rashomon.extract.entities.recognize_entities` or a
    recogniser's ``recognize``. A mention covers every token it overlaps.
    """
    text = " ".join(tokens)
    starts, ends, offset = [], [], 0
    for token in tokens:
        starts.append(offset)
        ends.append(offset + len(token))
        offset += len(token) + 1
    tags = ["O"] * len(tokens)
    for mention in recognize(text, language):
        first = next((i for i, end in enumerate(ends) if end > mention.start), None)
        last = next((i for i in range(len(tokens) - 1, -1, -1) if starts[i] < mention.end), None)
        if first is None or last is None or last < first:
            continue
        tags[first] = "B-" + mention.label
        for i in range(first + 1, last + 1):
            tags[i] = "I-" + mention.label
    return tags


def entity_counts(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str] = NER_LABELS
) -> dict[str, list[int]]:
    """``{label: [true positives, predicted, gold]}`` of entity spans (exact span and label) over sentences."""
    from .extract.entities import spans_from_tags

    counts = {label: [0, 0, 0] for label in labels}
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        g = {s for s in spans_from_tags(gold_tags) if s[2] in counts}
        p = {s for s in spans_from_tags(predicted_tags) if s[2] in counts}
        for s in g & p:
            counts[s[2]][0] += 1
        for s in p:
            counts[s[2]][1] += 1
        for s in g:
            counts[s[2]][2] += 1
    return counts


def _prf(true: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = true / predicted if predicted else 0.0
    recall = true / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if true else 0.0
    return precision, recall, f1


def score_entities(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str] = NER_LABELS
) -> dict[str, Any]:
    """Entity-level exact-match scores, micro-averaged over ``labels``.

    Returns:
        ``{"precision", "recall", "f1", "per_label": {label: F1 or None}}``; a label
        that occurs on neither side has F1 None.
    """
    counts = entity_counts(gold, predicted, labels)
    precision, recall, f1 = _prf(*(sum(c[k] for c in counts.values()) for k in range(3)))
    per_label = {label: 2 * t / (p + g) if p + g else None for label, (t, p, g) in counts.items()}
    return {"precision": precision, "recall": recall, "f1": f1, "per_label": per_label}


def _check_ner_row(row: Any, where: str) -> None:
    """Raise :class:`InputError` naming ``where`` unless ``row`` is a BIO-tagged sentence."""
    if not isinstance(row, dict):
        raise InputError(f"{where}: not a JSON object")
    tokens, tags = row.get("tokens"), row.get("tags")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise InputError(f"{where}: needs 'tokens', a list of strings")
    if not isinstance(tags, list) or len(tags) != len(tokens):
        raise InputError(f"{where}: needs 'tags', one BIO tag per token ({len(tokens)} tokens)")
    for tag in tags:
        prefix, _, label = str(tag).partition("-")
        if not (tag == "O" or (prefix in ("B", "I") and label in NER_LABELS)):
            raise InputError(f"{where}: tag {tag!r} is not O or B-/I- with one of {', '.join(NER_LABELS)}")
    if row.get("lang") is not None and not isinstance(row["lang"], str):
        raise InputError(f"{where}: 'lang' must be a language code such as \"en\"")


def read_ner_file(path: Path) -> list[dict[str, Any]]:
    """Rows of a BIO-tagged JSONL file (``tokens, tags, lang``); a bad line is an :class:`InputError`."""
    rows = []
    for number, row in _jsonl_lines(path):
        _check_ner_row(row, f"{path}: line {number}")
        rows.append(row)
    return rows


def evaluate_ner(
    rows: Iterable[Mapping[str, Any]],
    recognize: Callable[[str, str | None], list[Mention]] | None = None,
) -> dict[str, Any]:
    """Recognise entities in BIO-tagged sentences and score them against the tags.

    Each sentence's tokens are joined with single spaces and the text goes through
    ``recognize`` (default: :func:`rashomon.extract.entities.recognize_entities`,
    what the extract stage uses) with the row's ``lang``; the mentions are mapped back
    to the tokens. Entities are scored by exact span and label over PER, ORG and LOC
    (MISC is ignored on both sides), micro-averaged per language and over all rows.

    Returns:
        ``{"n", "precision", "recall", "f1", "per_language": {lang: {"n", "precision",
        "recall", "f1"}}}``; a row without ``lang`` counts under ``"?"``.
    """
    if recognize is None:
        from .extract.entities import recognize_entities

        recognize = recognize_entities
    rows = list(rows)
    for number, row in enumerate(rows, start=1):
        _check_ner_row(row, f"record {number}")
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_language[str(row.get("lang") or "?")].append(i)
    totals = [0, 0, 0]
    per_language: dict[str, dict[str, Any]] = {}
    for language, indices in sorted(by_language.items()):
        code = None if language == "?" else language
        gold = [rows[i]["tags"] for i in indices]
        predicted = [tag_tokens(recognize, rows[i]["tokens"], code) for i in indices]
        counts = entity_counts(gold, predicted, NER_SCORED_LABELS)
        sums = [sum(c[k] for c in counts.values()) for k in range(3)]
        totals = [a + b for a, b in zip(totals, sums, strict=True)]
        precision, recall, f1 = _prf(*sums)
        per_language[language] = {"n": len(indices), "precision": precision, "recall": recall, "f1": f1}
    precision, recall, f1 = _prf(*totals)
    return {"n": len(rows), "precision": precision, "recall": recall, "f1": f1, "per_language": per_language}
