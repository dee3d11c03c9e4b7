"""Quote extraction on the bundled sample: precision, recall and speaker accuracy per language.

Gold: ``examples/quotes_gold.json`` (annotated by hand; see its ``about`` field). Each article of
``examples/sample`` is read and cleaned as the pipeline does (no embedding), and
:func:`rashomon.extract.quotes.extract_quotes` runs on its text with the gold language.

Scores (a predicted and a gold quote match when their character spans overlap, one to one):

* **quotations**: direct and partial quotes. Precision and recall of detection; among the matched
  ones, *speaker accuracy* (the predicted speaker shares a word with the gold speaker — first four
  letters, so inflected forms such as "Сергея Бурова"/"Сергей Буров" agree — or both are none) and
  *kind accuracy* (direct vs partial).
* **scare**: precision and recall of telling scare quotes (labels, names, titles) apart.
* **indirect**: precision, recall and speaker accuracy of marked reported speech.

Usage: python bench/eval_quotes.py [--json] [--verbose] [--repeat 200]
Prints a Markdown table and the extractor's speed; never gates CI (tests/test_quotes.py has the floors).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import Document, clean_document, read_paths  # noqa: E402
from rashomon.extract.quotes import extract_quotes  # noqa: E402
from rashomon.records import Quote  # noqa: E402

SAMPLE = ROOT / "examples" / "sample"
GOLD = ROOT / "examples" / "quotes_gold.json"
HELDOUT = ROOT / "examples" / "quotes_heldout.json"
QUOTATIONS = ("direct", "partial")
_STOP = frozenset("the der die das des dem den von of de la le les du del los las el und and".split())


@dataclass(frozen=True)
class GoldQuote:
    text: str
    start: int
    end: int
    kind: str
    speaker: str | None


def gold_key(source: str) -> str:
    path, _, record = source.partition("#")
    key = Path(path).resolve().relative_to(SAMPLE.resolve()).as_posix()
    return f"{key}#{record}" if record else key


def load_articles() -> dict[str, str]:
    """Cleaned text of every sample article, by gold key."""
    texts: dict[str, str] = {}
    for document in read_paths([SAMPLE]):
        if isinstance(document, Document):
            texts[gold_key(document.source)] = clean_document(document).text
    return texts


def locate(text: str, quotes: list[dict]) -> list[GoldQuote]:
    """Gold quotes with their spans: each found in text order after the previous one."""
    located: list[GoldQuote] = []
    cursor = 0
    for quote in quotes:
        start = text.find(quote["text"], cursor)
        if start == -1:
            start = text.find(quote["text"])
        if start == -1:
            raise ValueError(f"gold quote not in its article: {quote['text'][:60]!r}")
        end = start + len(quote["text"])
        located.append(GoldQuote(quote["text"], start, end, quote["kind"], quote["speaker"]))
        cursor = start + 1
    return located


def _stems(name: str | None) -> set[str]:
    words = re.findall(r"[^\W\d_]+", (name or "").lower())
    return {w[:4] for w in words if len(w) >= 3 and w not in _STOP}


def same_speaker(predicted: str | None, gold: str | None) -> bool:
    """True when both are none, or the names share a word (by its first four letters)."""
    if predicted is None or gold is None:
        return predicted is None and gold is None
    return bool(_stems(predicted) & _stems(gold))


def match(predicted: list[Quote], gold: list[GoldQuote]) -> list[tuple[Quote, GoldQuote]]:
    """One-to-one pairs of overlapping spans, largest overlap first."""
    candidates = []
    for i, p in enumerate(predicted):
        for j, g in enumerate(gold):
            overlap = min(p.end, g.end) - max(p.start, g.start)
            if overlap > 0:
                candidates.append((overlap, i, j))
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for _, i, j in sorted(candidates, reverse=True):
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((predicted[i], gold[j]))
    return pairs


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def load_corpus(corpus: str) -> list[tuple[str, str, str, list[dict]]]:
    """(key, language, text, gold quotes) for ``sample`` (the bundled corpus) or ``heldout``."""
    if corpus == "heldout":
        entries = json.loads(HELDOUT.read_text(encoding="utf-8"))["articles"]
        return [(e["id"], e["language"], e["text"], e["quotes"]) for e in entries]
    gold_data = json.loads(GOLD.read_text(encoding="utf-8"))["articles"]
    texts = load_articles()
    return [(key, e["language"], texts[key], e["quotes"]) for key, e in sorted(gold_data.items())]


def evaluate(verbose: bool = False, corpus: str = "sample") -> dict[str, dict[str, float]]:
    """Scores per language and ``all`` on ``sample`` or ``heldout``; see the module docstring."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, language, text, quotes in load_corpus(corpus):
        gold = locate(text, quotes)
        predicted = extract_quotes(text, language)
        for group, kinds in (("q", QUOTATIONS), ("s", ("scare",)), ("i", ("indirect",))):
            p = [q for q in predicted if q.kind in kinds]
            g = [q for q in gold if q.kind in kinds]
            pairs = match(p, g)
            for bucket in (language, "all"):
                counts[bucket][group + "_pred"] += len(p)
                counts[bucket][group + "_gold"] += len(g)
                counts[bucket][group + "_tp"] += len(pairs)
                counts[bucket][group + "_speaker"] += sum(
                    same_speaker(a.speaker.name if a.speaker else None, b.speaker) for a, b in pairs
                )
                counts[bucket][group + "_kind"] += sum(a.kind == b.kind for a, b in pairs)
            if verbose:
                matched_p = {id(a) for a, _ in pairs}
                matched_g = {id(b) for _, b in pairs}
                for a, b in pairs:
                    said = a.speaker.name if a.speaker else None
                    if not same_speaker(said, b.speaker) or a.kind != b.kind:
                        print(f"{key}: {b.text[:50]!r} {a.kind}/{b.kind} speaker {said!r} vs {b.speaker!r}")
                for a in p:
                    if id(a) not in matched_p:
                        print(f"{key}: extra {a.kind} {a.text[:60]!r}")
                for b in g:
                    if id(b) not in matched_g:
                        print(f"{key}: missed {b.kind} {b.text[:60]!r}")
    scores: dict[str, dict[str, float]] = {}
    for bucket, c in counts.items():
        scores[bucket] = {
            "quotes_gold": c["q_gold"],
            "quotes_precision": _ratio(c["q_tp"], c["q_pred"]),
            "quotes_recall": _ratio(c["q_tp"], c["q_gold"]),
            "quotes_speaker_accuracy": _ratio(c["q_speaker"], c["q_tp"]),
            "quotes_kind_accuracy": _ratio(c["q_kind"], c["q_tp"]),
            "scare_gold": c["s_gold"],
            "scare_precision": _ratio(c["s_tp"], c["s_pred"]),
            "scare_recall": _ratio(c["s_tp"], c["s_gold"]),
            "indirect_gold": c["i_gold"],
            "indirect_precision": _ratio(c["i_tp"], c["i_pred"]),
            "indirect_recall": _ratio(c["i_tp"], c["i_gold"]),
            "indirect_speaker_accuracy": _ratio(c["i_speaker"], c["i_tp"]),
        }
    return scores


def speed(repeat: int) -> float:
    """Milliseconds per 2,000 characters of article text (all sample articles, ``repeat`` passes)."""
    texts = [(text, language) for _, language, text, _ in load_corpus("sample")]
    characters = sum(len(text) for text, _ in texts) * repeat
    for text, language in texts:  # warm-up: Babel's country tables load once per process
        extract_quotes(text, language)
    started = time.process_time()  # CPU time: other jobs on the machine do not count
    for _ in range(repeat):
        for text, language in texts:
            extract_quotes(text, language)
    return (time.process_time() - started) * 1000 / (characters / 2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--verbose", action="store_true", help="list every miss and wrong speaker")
    parser.add_argument("--repeat", type=int, default=50, help="passes over the sample for the speed figure")
    parser.add_argument("--corpus", choices=["sample", "heldout", "both"], default="both")
    args = parser.parse_args()
    corpora = ["sample", "heldout"] if args.corpus == "both" else [args.corpus]
    results = {corpus: evaluate(args.verbose, corpus) for corpus in corpora}
    ms = speed(args.repeat)
    if args.json:
        print(json.dumps({"scores": results, "ms_per_2000_chars": ms}, indent=2))
        return
    for corpus, scores in results.items():
        print(f"\n### {corpus}\n")
        table(scores)
    print(f"\nSpeed: {ms:.3f} ms per 2,000 characters (mean over the sample, {args.repeat} passes).")


def table(scores: dict[str, dict[str, float]]) -> None:
    order = sorted(k for k in scores if k != "all") + ["all"]
    print(
        "| Language | Quotes (gold) | Precision | Recall | Speaker acc. | Kind acc. | Scare P / R (gold) "
        "| Indirect P / R (gold) | Indirect speaker |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for bucket in order:
        s = scores[bucket]
        print(
            f"| {bucket} | {s['quotes_gold']:.0f} | {s['quotes_precision']:.3f} | {s['quotes_recall']:.3f} "
            f"| {s['quotes_speaker_accuracy']:.3f} | {s['quotes_kind_accuracy']:.3f} "
            f"| {s['scare_precision']:.2f} / {s['scare_recall']:.2f} ({s['scare_gold']:.0f}) "
            f"| {s['indirect_precision']:.2f} / {s['indirect_recall']:.2f} ({s['indirect_gold']:.0f}) "
            f"| {s['indirect_speaker_accuracy']:.2f} |"
        )


if __name__ == "__main__":
    main()
