"""Train the shipped framing model on SemEval-2023 Task 3 (six languages) — reproducible.

    python bench/train_framing.py            # cross-validate, then write rashomon/data/framing.npz
    python bench/train_framing.py --cv-only  # only print the cross-validated scores
    python bench/train_framing.py --speed    # time the shipped model on 200 articles of the data

Data: ``../shared/bench/framing/train.jsonl`` (931 articles in de, en, fr, it, pl, ru;
research use only, see docs/framing-model.md). Paragraph embeddings are cached in
``--cache`` (outside the repository) under a hash of the paragraphs, so a second run
skips the encoder. Full-batch training from zeros is deterministic: the same data and settings
give the same model. The model file holds weights and thresholds only, no text.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.compare.framing import (  # noqa: E402
    MODEL_FILE,
    DiskCachedEmbedder,
    TrainingSet,
    TrainingSettings,
    cross_validate,
    data_fingerprint,
    frame_articles,
    train,
    training_set,
)
from rashomon.embed import USEEmbedder  # noqa: E402

DATA = ROOT.parent / "shared" / "bench" / "framing" / "train.jsonl"


def load(path: Path, cache: Path) -> tuple[TrainingSet, float]:
    """The training set's features (paragraph vectors from the cache when there), and the encoding time."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = DiskCachedEmbedder(USEEmbedder(threads=1), cache / "framing")
    return training_set(rows, embedder), embedder.seconds


def print_scores(title: str, scores: dict) -> None:
    print(f"\n{title}")
    print(f"{'lang':<6}{'n':>5}{'genre macro-F1':>16}{'frames micro-F1':>17}{'techniques micro-F1':>21}")

    def row(name: str, s: dict) -> None:
        genre = "–" if s["genre_macro_f1"] is None else f"{s['genre_macro_f1']:.3f}"
        print(f"{name:<6}{s['n']:>5}{genre:>16}{s['frames_micro_f1']:>17.3f}{s['techniques_micro_f1']:>21.3f}")

    for lang, s in scores["per_language"].items():
        row(lang, s)
    row("all", scores)


def time_inference(path: Path, count: int = 200) -> None:
    """Milliseconds per article of :func:`frame_articles` (model loaded beforehand, one process)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:count]]
    texts = [row["text"] for row in rows]
    frame_articles(texts[:1])  # load the encoder and the weights
    started = time.perf_counter()
    frame_articles(texts)
    seconds = time.perf_counter() - started
    chars = sum(len(t) for t in texts) / len(texts)
    print(
        f"inference: {1000 * seconds / len(texts):.0f} ms per article (mean {chars:,.0f} characters), {len(texts)} articles"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "rashomon")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--cv-only", action="store_true")
    parser.add_argument("--l2", type=float, default=None, help="override both L2 penalties")
    parser.add_argument("--speed", action="store_true", help="only time the shipped model")
    args = parser.parse_args()
    if args.speed:
        time_inference(args.data)
        return

    settings = TrainingSettings()
    if args.l2 is not None:
        settings = TrainingSettings(l2_articles=args.l2, l2_paragraphs=args.l2)
    data, encode_seconds = load(args.data, args.cache)
    print(f"{len(data.ids)} articles, {len(data.owner)} paragraphs; encoding took {encode_seconds:.0f} s")

    started = time.perf_counter()
    scores = cross_validate(data, folds=5, settings=settings)
    print(f"5-fold cross-validation (thresholds tuned in nested 3-fold) took {time.perf_counter() - started:.0f} s")
    print_scores("Cross-validated scores (out-of-fold)", scores)
    if args.cv_only:
        return
    started = time.perf_counter()
    meta = {
        "name": "framing-linear-usem3-3",
        "data": "SemEval-2023 Task 3 training set (de en fr it pl ru)",
        "data_sha256": data_fingerprint(args.data),
        "articles": len(data.ids),
        "embedder": USEEmbedder.name,
        "cv": {k: v for k, v in scores.items() if k != "oof"},
    }
    weights = train(data, scores["oof"], settings, meta)
    weights.save(args.out)
    print(
        f"trained in {time.perf_counter() - started:.0f} s; wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)"
    )
    print("techniques never asserted (out-of-fold F1 below the minimum):", weights.meta["techniques_never_asserted"])


if __name__ == "__main__":
    main()
