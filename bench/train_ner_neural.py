"""Train the neural entity taggers (BiLSTM-CRF, ``rashomon.extract.tagger``) — reproducible.

    pip install torch==2.13.0        # training only; Rashomon runs the model with numpy
    python bench/train_ner_neural.py --model de    # rashomon/data/ner-de.npz
    python bench/train_ner_neural.py --model xx --extra uner-en-ewt/dev.jsonl   # rashomon/data/ner-xx.npz
    python bench/train_ner_neural.py --model ru    # rashomon/data/ner-ru.npz (reads Slovnet's tags)

Data as in ``bench/train_ner.py``: GermEval 2014 train (CC BY 4.0) — recased for the
cross-lingual ``xx`` model — and, for ``xx``, UNER English-EWT dev (CC BY-SA 4.0). The epoch
kept is the one with the best GermEval dev F1 (dev recased for ``xx``), scored by the shipped
numpy tagger itself; test sets are never read here. Fixed seeds and one thread: the same data
and settings give the same weights.

The Russian ``ru`` model is trained on FactRuEval-2016's devset (MIT; the corpus has no train
split): its first 80 % of sentences (document order) train, the last 20 % choose the epoch.
It is *guided*: besides the words it reads Slovnet's BIO tags for the same sentence (Natasha's
Russian news tagger, bundled in the ``natasha`` wheel), so it learns where FactRuEval's
annotation differs from Slovnet's (``--no-guide`` trains the same network on the words alone).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from train_ner import NER_DATA, english_case, read  # noqa: E402

from rashomon.evaluate import score_entities  # noqa: E402
from rashomon.extract.tagger import (  # noqa: E402
    CHAR_BUCKETS,
    FLAGS,
    GUIDE_TAGS,
    SHAPE_BUCKETS,
    SUFFIX_BUCKETS,
    TAGS,
    WORD_BUCKETS,
    NeuralTagger,
    allowed_starts,
    allowed_transitions,
    model_path,
    piece_vectors,
    word_inputs,
)


def slovnet_tags(rows: list[dict]) -> list[list[str]]:
    """Slovnet's BIO tags for each row's space-joined tokens, as the shipped recogniser gives them."""
    from rashomon.evaluate import tag_tokens
    from rashomon.extract.entities import _slovnet

    slovnet = _slovnet()
    if slovnet is None:
        raise SystemExit("the ru model reads Slovnet's tags: pip install natasha")
    return [tag_tokens(slovnet.recognize, row["tokens"], "ru") for row in rows]


def build(rows: list[dict], lexical: bool, recase: bool, guides: list[list[str]] | None = None) -> list[dict]:
    out = []
    index = {tag: i for i, tag in enumerate(TAGS)}
    for number, row in enumerate(rows):
        tokens = english_case(row["tokens"], row["tags"]) if recase else row["tokens"]
        if not tokens:
            continue
        item = word_inputs(tokens, lexical, guides[number] if guides is not None else None)
        item["tags"] = np.array([index[t] for t in row["tags"]], dtype=np.int64)
        item["tokens"] = tokens
        out.append(item)
    return out


THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)  # 1.01: never


def choose_thresholds(
    path: Path,
    tokens: list[list[str]],
    gold: list[list[str]],
    guides: list[list[str]],
    labels: tuple[str, ...],
    tagged: list | None = None,
) -> None:
    """Choose the guided model's merge thresholds (``merge_guided``) on held-out sentences and
    write them into its header; of equal scores the higher thresholds (fewer changes) win.
    ``tagged``: the held-out sentences' tags and marginals (cross-validation: from the fold
    models); else the model at ``path`` tags them."""
    from rashomon.extract.entities import merge_guided, spans_from_tags

    if tagged is None:
        tagged = NeuralTagger(path).tag_many(tokens, guides)
    guide_spans = [spans_from_tags(g) for g in guides]
    tagger_spans = [[(a, b, label, float(marg[a:b].min())) for a, b, label in spans_from_tags(t)] for t, marg in tagged]

    def merged(replace: float, add: float) -> list[list[str]]:
        out = []
        for n, guide, mine in zip((len(t) for t in tokens), guide_spans, tagger_spans, strict=True):
            kept, accepted = merge_guided([g[:2] for g in guide], [(a, b, c) for a, b, _, c in mine], replace, add)
            tags = ["O"] * n
            for a, b, label in [guide[i] for i in kept] + [mine[j][:3] for j in accepted]:
                tags[a:b] = ["B-" + label] + ["I-" + label] * (b - a - 1)
            out.append(tags)
        return out

    grid = {(r, a): score_entities(gold, merged(r, a), labels)["f1"] for r in THRESHOLDS for a in THRESHOLDS}
    replace, add = max(grid, key=lambda k: (round(grid[k], 6), k))
    print(
        f"guide alone {grid[(1.01, 1.01)]:.4f}, tagger alone {score_entities(gold, [t for t, _ in tagged], labels)['f1']:.4f}"
    )
    print(f"merge thresholds: replace {replace}, add {add}: held-out F1 {grid[(replace, add)]:.4f}")
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files if key != "header"}
        header = json.loads(bytes(data["header"]).decode("utf-8"))
    header.update(
        {
            "replace_threshold": replace,
            "add_threshold": add,
            "held_out_f1_merged": round(grid[(replace, add)], 4),
            "held_out_f1_guide": round(grid[(1.01, 1.01)], 4),
            "held_out_sentences": len(tokens),
        }
    )
    with path.open("wb") as handle:
        np.savez_compressed(handle, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays)


def main() -> None:  # noqa: C901, PLR0915
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("de", "xx", "ru"), default="de")
    parser.add_argument("--no-guide", action="store_true", help="ru: do not read Slovnet's tags (words only)")
    parser.add_argument("--holdout", type=float, default=0.2, help="ru: share of FactRuEval dev (its end) held out")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--guide-dropout", type=float, default=0.0, help="ru: dropout on the guide's columns")
    parser.add_argument(
        "--folds",
        type=int,
        default=0,
        help="ru: K-fold cross-validation over FactRuEval dev (contiguous blocks, document order): every model "
        "keeps its last epoch; with --fold I train the model that leaves block I out (to --out), without it train "
        "on all of dev and choose the merge thresholds on the fold models' held-out blocks (--fold-models)",
    )
    parser.add_argument("--fold", type=int, default=None)
    parser.add_argument("--fold-models", nargs="*", type=Path, default=[], help="ru: the K fold models, in order")
    parser.add_argument("--extra", nargs="*", default=[])
    parser.add_argument("--epochs", type=int, default=None, help="8 (de, xx); 20 (ru: fewer sentences)")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--first-dim", type=int, default=128)
    parser.add_argument("--last-dim", type=int, default=64)
    parser.add_argument("--word-dim", type=int, default=48)
    parser.add_argument("--char-filters", type=int, default=0, help="a character CNN with this many filters (0: none)")
    parser.add_argument("--char-dim", type=int, default=24)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--word-dropout", type=float, default=0.1)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--limit", type=int, default=0, help="first N training sentences (quick look)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--select",
        nargs="*",
        default=[],
        help="more dev files (relative to ../shared/bench/ner/, as FILE or FILE:LANG) whose F1, averaged with "
        "GermEval dev's, chooses the epoch kept; they are only scored, never trained on",
    )
    parser.add_argument("--keep-epochs", action="store_true", help="also write each epoch's model beside --out")
    args = parser.parse_args()

    import torch
    from torch import nn

    if args.epochs is None:
        args.epochs = 20 if args.model == "ru" else 8
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    lexical = args.model in ("de", "ru")
    recase = args.model == "xx"
    guided = args.model == "ru" and not args.no_guide
    out_path = args.out or model_path(args.model)

    started = time.perf_counter()
    dev_guides: list[list[str]] | None = None
    if args.model == "ru":
        train_file = NER_DATA / "factrueval2016" / "dev.jsonl"
        everything = read(train_file)
        if args.folds:
            bounds = [round(len(everything) * i / args.folds) for i in range(args.folds + 1)]
            if args.fold is None:
                rows, dev_rows, cut = everything, [], len(everything)
            else:
                low, high = bounds[args.fold], bounds[args.fold + 1]
                rows, dev_rows, cut = everything[:low] + everything[high:], everything[low:high], low
        else:
            cut = round(len(everything) * (1 - args.holdout))
            rows, dev_rows = everything[:cut], everything[cut:]
        if args.limit:
            rows = rows[: args.limit]
        guides = slovnet_tags(rows) if guided else None
        dev_guides = slovnet_tags(dev_rows) if guided else None
        train = build(rows, lexical, False, guides)
        dev_name = f"factrueval2016/dev.jsonl[{cut}:{cut + len(dev_rows)}]"
        if args.folds and args.fold is None:
            dev_name = f"{args.folds}-fold cross-validation over factrueval2016/dev.jsonl (merge thresholds)"
    else:
        train_file = NER_DATA / "germeval2014" / "train.jsonl"
        rows = read(train_file)
        if args.limit:
            rows = rows[: args.limit]
        train = build(rows, lexical, recase)
        dev_rows = read(NER_DATA / "germeval2014" / "dev.jsonl")
        dev_name = "germeval2014/dev.jsonl"
    for extra in args.extra:
        train += build(read(NER_DATA / extra), lexical, False)
    dev_tokens = [english_case(r["tokens"], r["tags"]) if recase else r["tokens"] for r in dev_rows]
    dev_gold = [r["tags"] for r in dev_rows]
    # FactRuEval has (almost) no MISC: the Russian model is chosen on PER/ORG/LOC.
    dev_labels = ("PER", "ORG", "LOC") if args.model == "ru" else ("PER", "ORG", "LOC", "MISC")
    guide_columns = len(GUIDE_TAGS) if guided else 0
    print(f"{len(train)} sentences, features in {time.perf_counter() - started:.0f}s", flush=True)

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.first_proj = nn.Linear(512, args.first_dim, bias=False)
            self.last_proj = nn.Linear(512, args.last_dim, bias=False)
            self.shape_emb = nn.Embedding(SHAPE_BUCKETS, 16)
            dim = args.first_dim + args.last_dim + 16 + FLAGS + guide_columns
            self.word_emb = nn.Embedding(WORD_BUCKETS, args.word_dim)
            dim += args.word_dim
            if lexical:
                self.suffix_emb = nn.Embedding(SUFFIX_BUCKETS, 16)
                dim += 16
            if args.char_filters:
                self.char_emb = nn.Embedding(CHAR_BUCKETS, args.char_dim, padding_idx=0)
                self.char_conv = nn.Conv1d(args.char_dim, args.char_filters, 3, padding=1)
                dim += args.char_filters
            self.drop = nn.Dropout(args.dropout)
            self.lstm = nn.LSTM(dim, args.hidden, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * args.hidden, len(TAGS))
            self.transitions = nn.Parameter(torch.zeros(len(TAGS), len(TAGS)))
            self.start = nn.Parameter(torch.zeros(len(TAGS)))
            self.end = nn.Parameter(torch.zeros(len(TAGS)))

        def forward(self, batch: list[dict], train_mode: bool) -> tuple[torch.Tensor, torch.Tensor]:
            lengths = torch.tensor([len(s["first"]) for s in batch])
            cat = {key: torch.cat([torch.as_tensor(s[key]) for s in batch]) for key in ("shape", "word", "suffix")}
            first = torch.from_numpy(piece_vectors(np.concatenate([s["first"] for s in batch])))
            last = torch.from_numpy(piece_vectors(np.concatenate([s["last"] for s in batch])))
            flags = torch.from_numpy(np.concatenate([s["flags"] for s in batch]))
            word = cat["word"]
            if train_mode and args.word_dropout:
                word = torch.where(torch.rand(word.shape) < args.word_dropout, torch.zeros_like(word), word)
            parts = [
                self.first_proj(first),
                self.last_proj(last),
                self.shape_emb(cat["shape"]),
                self.word_emb(word),
            ]
            if lexical:
                parts.append(self.suffix_emb(cat["suffix"]))
            if args.char_filters:
                chars = torch.cat([torch.as_tensor(s["chars"]) for s in batch])
                conv = self.char_conv(self.char_emb(chars).transpose(1, 2))  # (n, F, L)
                parts.append(torch.tanh(conv.max(dim=2).values))
            if guide_columns:
                # The guide's columns have their own dropout (none by default): the model should
                # learn to trust the guide where the corpus agrees with it.
                parts.append(flags[:, :-guide_columns])
                guide = nn.functional.dropout(flags[:, -guide_columns:], args.guide_dropout, self.training)
                flat = torch.cat([self.drop(torch.cat(parts, dim=1)), guide], dim=1)
            else:
                parts.append(flags)
                flat = self.drop(torch.cat(parts, dim=1))
            padded = nn.utils.rnn.pad_sequence(list(torch.split(flat, lengths.tolist())), batch_first=True)
            packed = nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
            hidden, _ = self.lstm(packed)
            hidden, _ = nn.utils.rnn.pad_packed_sequence(hidden, batch_first=True)
            return self.out(self.drop(hidden)), lengths

    mask_t = torch.from_numpy(allowed_transitions())
    mask_s = torch.from_numpy(allowed_starts())

    def crf_nll(model: Model, scores: torch.Tensor, lengths: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
        trans = model.transitions.masked_fill(~mask_t, -1e4)
        start = model.start.masked_fill(~mask_s, -1e4)
        batch, length, _ = scores.shape
        live = torch.arange(length)[None, :] < lengths[:, None]
        rows = torch.arange(batch)
        # score of the gold path
        gold_score = start[gold[:, 0]] + scores[rows, 0, gold[:, 0]]
        for t in range(1, length):
            step = trans[gold[:, t - 1], gold[:, t]] + scores[rows, t, gold[:, t]]
            gold_score = gold_score + step * live[:, t]
        gold_score = gold_score + model.end[gold[rows, lengths - 1]]
        alpha = start[None, :] + scores[:, 0]
        for t in range(1, length):
            step = torch.logsumexp(alpha[:, :, None] + trans[None], dim=1) + scores[:, t]
            alpha = torch.where(live[:, t, None], step, alpha)
        total = torch.logsumexp(alpha + model.end[None, :], dim=1)
        return (total - gold_score).sum() / lengths.sum()

    def export(model: Model, path: Path, extra_header: dict) -> None:
        state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
        arrays = {
            "first_proj": state["first_proj.weight"].T,
            "last_proj": state["last_proj.weight"].T,
            "shape_emb": state["shape_emb.weight"],
            "word_emb": state["word_emb.weight"],
            "lstm_w_ih": state["lstm.weight_ih_l0"],
            "lstm_w_hh": state["lstm.weight_hh_l0"],
            "lstm_b": state["lstm.bias_ih_l0"] + state["lstm.bias_hh_l0"],
            "lstm_w_ih_r": state["lstm.weight_ih_l0_reverse"],
            "lstm_w_hh_r": state["lstm.weight_hh_l0_reverse"],
            "lstm_b_r": state["lstm.bias_ih_l0_reverse"] + state["lstm.bias_hh_l0_reverse"],
            "out_w": state["out.weight"],
            "out_b": state["out.bias"],
            "transitions": state["transitions"],
            "start": state["start"],
            "end": state["end"],
        }
        if lexical:
            arrays["suffix_emb"] = state["suffix_emb.weight"]
        if args.char_filters:
            arrays["char_emb"] = state["char_emb.weight"]
            arrays["char_conv_w"] = state["char_conv.weight"]
            arrays["char_conv_b"] = state["char_conv.bias"]
        header = {"lexical": lexical, "tags": list(TAGS), "guide_columns": guide_columns, **extra_header}
        if guided:
            header["guide"] = "slovnet-ru"
        arrays16 = {k: v.astype(np.float16) for k, v in arrays.items()}
        with path.open("wb") as handle:
            np.savez_compressed(handle, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays16)

    selection = []
    for spec in args.select:
        name, _, language = spec.partition(":")
        chosen = [r for r in read(NER_DATA / name) if not language or r.get("lang", language) == language]
        selection.append((spec, [r["tokens"] for r in chosen], [r["tags"] for r in chosen]))

    def dev_f1(path: Path) -> dict:
        if not dev_rows:  # training on everything: the last epoch is kept
            return {"f1": 0.0, "precision": 0.0, "recall": 0.0, "selection": 0.0}
        tagger = NeuralTagger(path)
        predicted = [tags for tags, _ in tagger.tag_many(dev_tokens, dev_guides)]
        score = score_entities(dev_gold, predicted, dev_labels)
        scores = [score["f1"]]
        for spec, tokens, gold in selection:
            other = score_entities(gold, [tags for tags, _ in tagger.tag_many(tokens)], ("PER", "ORG", "LOC"))
            print(f"  {spec}: F1-3 {other['f1']:.4f}", flush=True)
            scores.append(other["f1"])
        score["selection"] = sum(scores) / len(scores)
        return score

    model = Model()
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    order = sorted(range(len(train)), key=lambda i: len(train[i]["tags"]))
    batches = [order[i : i + args.batch] for i in range(0, len(order), args.batch)]
    best, best_epoch = -1.0, 0
    scratch = out_path.with_suffix(".epoch.npz")
    settings = {
        k: (str(v) if isinstance(v, Path) else [getattr(x, "name", x) for x in v] if isinstance(v, list) else v)
        for k, v in vars(args).items()
    }
    for epoch in range(1, args.epochs + 1):
        model.train()
        random.shuffle(batches)
        total = 0.0
        tick = time.perf_counter()
        for number, batch_ids in enumerate(batches):
            batch = [train[i] for i in batch_ids]
            scores, lengths = model(batch, True)
            gold = nn.utils.rnn.pad_sequence([torch.from_numpy(s["tags"]) for s in batch], batch_first=True)
            loss = crf_nll(model, scores, lengths, gold)
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            total += float(loss.detach())
            if number % 200 == 0:
                print(f"  epoch {epoch} batch {number}/{len(batches)} loss {total / (number + 1):.4f}", flush=True)
        for group in optimiser.param_groups:
            group["lr"] *= 0.8
        model.eval()
        export(model, scratch, {})
        score = dev_f1(scratch)
        if epoch == 1:  # the numpy tagger must compute what torch computes
            pool = dev_tokens[:16] or [item["tokens"] for item in train[:16]]
            pool_guides = (dev_guides[:16] if dev_rows else guides[:16]) if guided and dev_guides is not None else None
            few = sorted(pool, key=len, reverse=True)
            few_guides = None
            if pool_guides is not None:
                by_id = {id(t): g for t, g in zip(pool, pool_guides, strict=True)}
                few_guides = [by_id[id(t)] for t in few]
            sample = [word_inputs(t, lexical, few_guides[i] if few_guides else None) for i, t in enumerate(few)]
            with torch.no_grad():
                reference, _ = model(sample, False)
            mine, _ = NeuralTagger(scratch).emissions(few, few_guides)
            live = np.arange(mine.shape[1])[None, :] < np.array([len(t) for t in few])[:, None]
            gap = float(np.abs(reference.numpy()[live] - mine[live]).max())
            print(f"  numpy vs torch emissions: max difference {gap:.4f} (float16 weights)", flush=True)
            assert gap < 0.1, gap
        print(
            f"epoch {epoch}: loss {total / len(batches):.4f}, {time.perf_counter() - tick:.0f}s, "
            f"dev P {score['precision']:.4f} R {score['recall']:.4f} F1 {score['f1']:.4f}",
            flush=True,
        )
        if args.keep_epochs:
            export(model, out_path.with_suffix(f".e{epoch}.npz"), {"epoch": epoch})
        if score["selection"] > best or args.folds:
            best, best_epoch = score["selection"], epoch
            data_hash = hashlib.sha256(train_file.read_bytes()).hexdigest()[:16]
            export(
                model,
                out_path,
                {
                    "name": f"ner-{args.model}-bilstm-crf-{2 if args.char_filters else 1}",
                    "epoch": epoch,
                    "settings": settings,
                    **(
                        {
                            "train_file": str(train_file.relative_to(NER_DATA)),
                            "train_sha256_16": data_hash,
                            **({"dev_f1_3class": round(score["f1"], 4)} if dev_rows else {}),
                        }
                        if args.model == "ru"
                        else {"germeval_train_sha256_16": data_hash, "germeval_dev_f1_4class": round(score["f1"], 4)}
                    ),
                    "selected_on": [dev_name, *args.select],
                    **({"selection_score": round(score["selection"], 4)} if dev_rows else {}),
                },
            )
    scratch.unlink(missing_ok=True)
    if guided and dev_guides is not None and not args.folds:
        choose_thresholds(out_path, dev_tokens, dev_gold, dev_guides, dev_labels)
    elif guided and args.folds and args.fold is None:
        if len(args.fold_models) != args.folds:
            raise SystemExit(f"--fold-models: give the {args.folds} fold models")
        tokens, gold, guide_tags, tagged = [], [], [], []
        for i, path in enumerate(args.fold_models):
            held = everything[bounds[i] : bounds[i + 1]]
            held_guides = slovnet_tags(held)
            tokens += [r["tokens"] for r in held]
            gold += [r["tags"] for r in held]
            guide_tags += held_guides
            tagged += NeuralTagger(path).tag_many([r["tokens"] for r in held], held_guides)
        choose_thresholds(out_path, tokens, gold, guide_tags, dev_labels, tagged)
    print(f"best epoch {best_epoch}: selection score {best:.4f} -> {out_path} ({out_path.stat().st_size / 1e6:.1f} MB)")
    print(f"total {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
