"""Train the shipped CRF entity models on GermEval 2014 (CC BY 4.0), and UNER EWT — reproducible.

    python bench/train_ner.py --model de   # rashomon/data/ner-de.crfsuite
    python bench/train_ner.py --model xx --extra uner-en-ewt/dev.jsonl   # rashomon/data/ner-xx.crfsuite (cross-lingual)

Data: ``../shared/bench/ner/germeval2014/train.jsonl`` (outer level, 4 classes;
see that folder's README). The dev set is only scored, never trained on. The cross-lingual
model also reads ``uner-en-ewt/dev.jsonl`` (English web text, CC BY-SA 4.0: the model it
gives is shared under CC BY-SA 4.0, see docs/ner-model.md); UNER's test split is only scored.
L-BFGS is deterministic, so the same data and settings give the same model.

The cross-lingual ``xx`` model sees German *common nouns lower-cased* (a token
tagged O, capitalised, not at the start of a sentence or after an opening quote),
so that capitalisation marks names as it does in most languages written in
Latin script, and it gets no identity features for lower-case words (see
:func:`rashomon.extract.entities.sequence_features`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.extract.entities import DATA_DIR, OPENERS, SENTENCE_END, sequence_features, word_class  # noqa: E402

NER_DATA = ROOT.parent / "shared" / "bench" / "ner"


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def english_case(tokens: list[str], tags: list[str]) -> list[str]:
    """Lower-case German common nouns: capitalised O tokens not at a sentence start.

    Titles and day/month names stay capitalised, as English writes them.
    """
    out = []
    for i, (token, tag) in enumerate(zip(tokens, tags, strict=True)):
        initial = i == 0 or tokens[i - 1] in SENTENCE_END or tokens[i - 1] in OPENERS
        keep = word_class(token) in ("title", "calendar")
        if tag == "O" and token[:1].isupper() and not token.isupper() and not initial and not keep:
            token = token.lower()
        out.append(token)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("de", "xx"), default="de")
    parser.add_argument("--c1", type=float, default=0.1, help="L1 penalty (also keeps the model small)")
    parser.add_argument("--c2", type=float, default=0.05, help="L2 penalty")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--min-freq", type=float, default=1, help="drop features seen fewer times")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--extra",
        nargs="*",
        default=[],
        help="more training files (our JSONL format, relative to ../shared/bench/ner/), taken as they are "
        "(their casing is not changed); mind each one's licence",
    )
    args = parser.parse_args()

    import pycrfsuite

    lexical = args.model == "de"
    out = args.out or DATA_DIR / f"ner-{args.model}.crfsuite"
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer = pycrfsuite.Trainer(verbose=False)
    started = time.perf_counter()
    for row in read(NER_DATA / "germeval2014" / "train.jsonl"):
        tokens = row["tokens"] if lexical else english_case(row["tokens"], row["tags"])
        trainer.append(sequence_features(tokens, lexical), row["tags"])
    for extra in args.extra:
        for row in read(NER_DATA / extra):
            trainer.append(sequence_features(row["tokens"], lexical), row["tags"])
    print(f"features built in {time.perf_counter() - started:.0f}s", flush=True)
    trainer.set_params(
        {
            "c1": args.c1,
            "c2": args.c2,
            "max_iterations": args.iterations,
            "feature.minfreq": args.min_freq,
            "feature.possible_transitions": True,
        }
    )
    trainer.train(str(out))
    print(f"trained in {time.perf_counter() - started:.0f}s -> {out} ({out.stat().st_size / 1e6:.1f} MB)")

    tagger = pycrfsuite.Tagger()
    tagger.open(str(out))
    from rashomon.evaluate import score_entities

    dev = read(NER_DATA / "germeval2014" / "dev.jsonl")
    gold = [row["tags"] for row in dev]
    predicted = [tagger.tag(sequence_features(row["tokens"], lexical)) for row in dev]
    print("germeval dev (gold tokens):", json.dumps(score_entities(gold, predicted)))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
