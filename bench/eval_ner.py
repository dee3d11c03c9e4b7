"""Evaluate the entity recognisers on every labelled set in ../shared/bench/ner/.

    python bench/eval_ner.py                 # all sets, writes bench/results/ner.md (not kept in git; the table goes into BENCHMARKS.md)
    python bench/eval_ner.py --limit 500     # first 500 sentences of each, quick look
    python bench/eval_ner.py --crf           # with the CRFs instead of the taggers (DefaultRecognizer(neural=False))
    python bench/eval_ner.py --lang ru --slovnet   # Russian sets only, on Slovnet alone (before ner-ru.npz)

How it is fair: each test sentence's tokens are joined with single spaces and the
*text* goes through :func:`rashomon.extract.entities.recognize_entities` exactly
as an article would (our tokenizer, our sentence cutting); the mentions' character
spans are mapped back to the gold tokens. Scores are entity-level exact match
(micro-averaged): 4-class (PER/ORG/LOC/MISC) where the set has MISC, and 3-class
(PER/ORG/LOC; MISC ignored on both sides) everywhere. Tagging and scoring are
:mod:`rashomon.evaluate`'s (``tag_tokens``, ``score_entities``), the same code as
``rashomon eval ner FILE.jsonl``, which scores any one file this way per language.

Speed: sentences are concatenated into ~2,000-character "articles" and tagged
on one thread; we report ms per article and tokens per second.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
NER_DATA = ROOT.parent / "shared" / "bench" / "ner"

# (dataset folder, language, has MISC, domain)
TEST_SETS = [
    ("germeval2014", "de", True, "Wikipedia + news"),
    ("conll2003", "de", True, "news (FR 1992)"),
    ("wikiann", "de", False, "Wikipedia (silver)"),
    ("conll2003", "en", True, "news (Reuters 1996)"),
    ("wikigold", "en", True, "Wikipedia"),
    ("uner-en-ewt", "en", False, "web text"),
    ("wikiann", "en", False, "Wikipedia (silver)"),
    ("factrueval2016", "ru", False, "news"),
    ("nerel", "ru", True, "news (Wikinews)"),
    ("bsnlp2019", "ru", True, "news"),
    ("wikiann", "ru", False, "Wikipedia (silver)"),
    ("conll2002", "es", True, "news (EFE 2000)"),
    ("wikiann", "es", False, "Wikipedia (silver)"),
    ("bsnlp2019", "pl", True, "news"),
    ("wikiann", "pl", False, "Wikipedia (silver)"),
    ("wikineural", "fr", True, "Wikipedia (silver)"),
    ("wikineural", "it", True, "Wikipedia (silver)"),
]

# Published test F1 for the same data, as given in ../shared/bench/ner/README.md.
PUBLISHED = {
    ("germeval2014", "de"): "79.1 ExB (2014 best); 89.08 GELECTRA-large — official 12-class outer metric",
    ("conll2003", "en"): "92.8 BERT-large; 93.09 Flair; 92.59 dslim/bert-base-NER",
    ("nerel", "ru"): "84.99 MRC — nested 29 types, not comparable",
}


def read(path: Path, language: str | None = None, limit: int | None = None) -> list[dict]:
    """Rows of a JSONL test file (of one language), at most ``limit``."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if language is None or row.get("lang", language) == language:
                rows.append(row)
                if limit is not None and len(rows) >= limit:
                    break
    return rows


def speed(recognize, rows: list[dict], language: str, article_chars: int = 2000) -> dict:
    """ms per ~2,000-character article and tokens per second (one thread)."""
    articles, current = [], ""
    for row in rows:
        sentence = " ".join(row["tokens"])
        current = f"{current} {sentence}" if current else sentence
        if len(current) >= article_chars:
            articles.append(current[: article_chars + 200])
            current = ""
        if len(articles) >= 40:
            break
    if not articles:
        articles = [current]
    recognize(articles[0], language)  # load the model outside the timing
    tokens = sum(len(a.split()) for a in articles)
    started = time.perf_counter()
    for article in articles:
        recognize(article, language)
    elapsed = time.perf_counter() - started
    return {
        "ms_per_2000_chars": round(elapsed * 1000 / sum(len(a) for a in articles) * 2000, 2),
        "tokens_per_s": round(tokens / elapsed),
    }


def rounded(scores: dict) -> dict:
    """:func:`rashomon.evaluate.score_entities`'s result with every float to 4 places."""

    def four(value):
        return round(value, 4) if isinstance(value, float) else value

    return {
        k: ({label: four(f) for label, f in v.items()} if isinstance(v, dict) else four(v)) for k, v in scores.items()
    }


def evaluate(
    limit: int | None = None, neural: bool = True, languages: Sequence[str] = (), russian_tagger: bool | None = None
) -> list[dict]:
    """Score the default recogniser (``neural=False``: with the CRFs instead of the taggers;
    ``russian_tagger`` False: Slovnet alone for Russian; None: as ``neural``) on every test set found; one result row per set."""
    sys.path.insert(0, str(ROOT))
    from rashomon.evaluate import NER_SCORED_LABELS, score_entities, tag_tokens
    from rashomon.extract.entities import DefaultRecognizer

    recognizer = DefaultRecognizer(neural=neural, russian_tagger=russian_tagger)
    results = []
    for folder, language, has_misc, domain in TEST_SETS:
        if languages and language not in languages:
            continue
        path = NER_DATA / folder / "test.jsonl"
        if not path.is_file():
            continue
        rows = read(path, language, limit)
        gold = [row["tags"] for row in rows]
        predicted = [tag_tokens(recognizer.recognize, row["tokens"], language) for row in rows]
        result = {
            "dataset": folder,
            "lang": language,
            "domain": domain,
            "sentences": len(rows),
            "backend": getattr(recognizer.backend(language), "name", "?"),
            "four": rounded(score_entities(gold, predicted)) if has_misc else None,
            "three": rounded(score_entities(gold, predicted, NER_SCORED_LABELS)),
            "speed": speed(recognizer.recognize, rows, language),
            "published": PUBLISHED.get((folder, language), ""),
        }
        print(json.dumps(result), flush=True)
        results.append(result)
    return results


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}"


def markdown(results: list[dict], limit: int | None) -> str:
    """The results as the Markdown section for BENCHMARKS.md."""
    lines = [
        "## Named entities (extract stage)",
        "",
        "Entity-level exact-match F1 (%) on the test split of every set in `../shared/bench/ner/`"
        + (f" (first {limit} sentences each)" if limit else "")
        + ". Each sentence's tokens are joined with spaces and the text goes through "
        "`recognize_entities` as an article would; mention spans are mapped back to the gold tokens. "
        "F1-4 counts PER/ORG/LOC/MISC; F1-3 ignores MISC on both sides. "
        "Speed: one thread, ~2,000-character articles cut from the same set, timed after the scoring pass "
        "(word caches warm; cold first-pass times are in `docs/ner-model.md`, from `bench/speed_ner.py`). "
        "Produced by `python bench/eval_ner.py`.",
        "",
        "| set | lang | domain | backend | sentences | F1-4 | F1-3 | PER | ORG | LOC | MISC | ms / 2k chars | tokens/s | published (same data) |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        per_label = (r["four"] or r["three"])["per_label"]
        lines.append(
            f"| {r['dataset']} | {r['lang']} | {r['domain']} | {r['backend']} | {r['sentences']:,} | "
            f"{_pct(r['four']['f1']) if r['four'] else '—'} | {_pct(r['three']['f1'])} | "
            f"{_pct(per_label['PER'])} | {_pct(per_label['ORG'])} | {_pct(per_label['LOC'])} | "
            f"{_pct(per_label.get('MISC')) if r['four'] else '—'} | "
            f"{r['speed']['ms_per_2000_chars']} | {r['speed']['tokens_per_s']:,} | {r['published'] or '—'} |"
        )
    lines += [
        "",
        "Where we lose: every language is below the issue's aim of 85. German (a CRF trained on GermEval "
        "train) is 7–8 points under the best 2014 shared-task system and ~17 under fine-tuned transformers; "
        "CoNLL-2003 German annotates nationality adjectives as MISC, which GermEval (and so our model) does not. "
        "English and the other Latin-script languages use a cross-lingual CRF trained on recased GermEval "
        "and 2,001 English web sentences (UNER EWT dev; no English news data with a licence that lets us "
        "ship the model): about 32 points under published CoNLL-2003 systems, with ORG and MISC weakest. "
        "Russian uses Slovnet (no MISC class). "
        "WikiANN/WikiNEuRal are silver Wikipedia annotations, not news. Model choices and limits: "
        "`docs/ner-model.md`.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Evaluate the entity recognisers.")
    parser.add_argument("--limit", type=int, default=None, help="first N sentences of each set")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ner.md")
    parser.add_argument("--crf", action="store_true", help="DefaultRecognizer(neural=False): the CRFs, not the taggers")
    parser.add_argument("--neural", action="store_true", help="the default since 2026-12-07 (kept for old commands)")
    parser.add_argument("--lang", nargs="*", default=[], help="only the sets of these languages")
    parser.add_argument(
        "--slovnet", action="store_true", help="Russian on Slovnet alone (without the guided tagger ner-ru.npz)"
    )
    args = parser.parse_args()
    results = evaluate(args.limit, not args.crf, args.lang, False if args.slovnet else None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    args.out.write_text(markdown(results, args.limit), encoding="utf-8")
    print(markdown(results, args.limit))


if __name__ == "__main__":
    main()
