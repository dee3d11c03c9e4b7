"""The neural entity tagger: CRF decoding and marginals against brute force, and the shipped models."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rashomon.extract.entities import (
    DefaultRecognizer,
    GuidedRecognizer,
    NeuralRecognizer,
    _names_only,
    _sequences,
    _slovnet,
    merge_guided,
    tokenize,
)
from rashomon.extract.tagger import (
    GUIDE_TAGS,
    TAGS,
    _marginals,
    _viterbi,
    allowed_starts,
    allowed_transitions,
    model_path,
    word_inputs,
)

T = len(TAGS)


def _crf(seed: int, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(1, length, T)).astype(np.float32)
    trans = np.where(allowed_transitions(), rng.normal(size=(T, T)), -1e4).astype(np.float32)
    start = np.where(allowed_starts(), rng.normal(size=T), -1e4).astype(np.float32)
    end = rng.normal(size=T).astype(np.float32)
    return scores, trans, start, end


def _path_scores(scores: np.ndarray, trans: np.ndarray, start: np.ndarray, end: np.ndarray) -> dict[tuple, float]:
    length = scores.shape[1]
    out = {}
    for path in itertools.product(range(T), repeat=length):
        total = start[path[0]] + scores[0, 0, path[0]] + end[path[-1]]
        for t in range(1, length):
            total += trans[path[t - 1], path[t]] + scores[0, t, path[t]]
        out[path] = float(total)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_viterbi_and_marginals_match_brute_force(seed: int) -> None:
    scores, trans, start, end = _crf(seed, 3)
    every = _path_scores(scores, trans, start, end)
    best = max(every, key=every.get)  # type: ignore[arg-type]
    assert tuple(_viterbi(scores, np.array([3]), trans, start, end)[0]) == best
    weights = np.exp(np.array(list(every.values())) - max(every.values()))
    weights /= weights.sum()
    expected = np.zeros((3, T))
    for path, weight in zip(every, weights, strict=True):
        for t, tag in enumerate(path):
            expected[t, tag] += weight
    got = _marginals(scores, np.array([3]), trans, start, end)[0]
    assert np.allclose(got, expected, atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=1, max_size=5), st.integers(0, 10_000))
def test_batched_decoding_equals_one_at_a_time_and_stays_bio(lengths: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    longest = max(lengths)
    scores = rng.normal(size=(len(lengths), longest, T)).astype(np.float32)
    _, trans, start, end = _crf(seed, 1)
    batched = _viterbi(scores, np.array(lengths), trans, start, end)
    marginals = _marginals(scores, np.array(lengths), trans, start, end)
    for row, n in enumerate(lengths):
        alone = _viterbi(scores[row : row + 1, :n], np.array([n]), trans, start, end)[0]
        assert list(batched[row, :n]) == list(alone)
        assert np.allclose(marginals[row, :n].sum(axis=1), 1.0, atol=1e-4)
        tags = [TAGS[k] for k in alone]
        for before, tag in zip(["O", *tags], tags, strict=False):
            if tag.startswith("I-"):
                assert before[2:] == tag[2:], tags


def test_inputs_are_strings_free_buckets() -> None:
    inputs = word_inputs(["Angela", "Merkel", "sagte", "am", "Montag", "in", "BERLIN", "."], lexical=True)
    assert {key: value.shape[0] for key, value in inputs.items()} == dict.fromkeys(inputs, 8)
    assert inputs["flags"][0, 14] == 1.0  # sentence start
    assert inputs["flags"][6, 16] == 1.0  # a shouted word is read title-cased
    assert inputs["word"].min() >= 0 and inputs["first"].min() >= 0


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        (
            "de",
            "Bundeskanzler Olaf Scholz traf am Montag in Paris den französischen Präsidenten Emmanuel Macron.",
            {("Olaf Scholz", "PER"), ("Paris", "LOC"), ("Emmanuel Macron", "PER")},
        ),
        (
            "xx",
            "Secretary of State Antony Blinken met the foreign ministers of Kazakhstan and Uzbekistan in Astana.",
            {("Antony Blinken", "PER"), ("Kazakhstan", "LOC"), ("Uzbekistan", "LOC"), ("Astana", "LOC")},
        ),
    ],
)
def test_shipped_models_find_names_with_offsets_and_confidence(model: str, text: str, expected: set) -> None:
    path = model_path(model)
    if not path.is_file():
        pytest.skip(f"{path} not built")
    mentions = NeuralRecognizer(path).recognize(text)
    assert expected <= {(m.surface, m.label) for m in mentions}
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface
        assert 0.0 < mention.confidence <= 1.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from([*"Ab Zé.\n,-ßКи'\"", "Berlin ", "Paris ", "Anna "]), max_size=80).map("".join))
def test_any_text_gives_ordered_mentions_inside_the_text(text: str) -> None:
    path = model_path("xx")
    if not path.is_file():
        pytest.skip(f"{path} not built")
    mentions = NeuralRecognizer(path).recognize(text)
    last = 0
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface
        assert mention.start >= last
        last = mention.end


def test_cached_word_gates_change_nothing() -> None:
    path = model_path("de")
    if not path.is_file():
        pytest.skip(f"{path} not built")
    from rashomon.extract.tagger import NeuralTagger

    sentences = [["Olaf", "Scholz", "sprach", "in", "BERLIN", "mit", "Scholz", "."], ["Scholz", "lachte", "."]]
    cold = NeuralTagger(path).emissions(sentences)[0]
    warm = NeuralTagger(path)
    warm.emissions([["Scholz", "und", "Berlin", "sprach", "Olaf"]])  # fills the cache, other contexts
    assert np.allclose(warm.emissions(sentences)[0], cold, atol=1e-4)


def test_a_full_word_cache_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    path = model_path("de")
    if not path.is_file():
        pytest.skip(f"{path} not built")
    from rashomon.extract import tagger

    monkeypatch.setattr(tagger, "CACHE_WORDS", 5)
    sentences = [["Olaf", "Scholz", "sprach", "in", "Berlin", "."], ["Angela", "Merkel", "lachte", "."]]
    reference = tagger.NeuralTagger(path).tag_many(sentences)
    small = tagger.NeuralTagger(path)
    for sentence in sentences:
        small.tag_many([sentence])
    assert [tags for tags, _ in small.tag_many(sentences)] == [tags for tags, _ in reference]
    assert len(small._cache) <= 5


def test_an_article_gets_the_same_tags_whatever_was_tagged_before() -> None:
    path = model_path("xx")
    if not path.is_file():
        pytest.skip(f"{path} not built")
    from rashomon.extract.tagger import NeuralTagger

    article = [["Antony", "Blinken", "met", "Kassym-Jomart", "Tokayev", "in", "Astana", "."], ["Blinken", "left", "."]]
    alone = NeuralTagger(path).tag_many(article)
    busy = NeuralTagger(path)
    busy.tag_many([["Tokayev", "spoke", "."], ["Many", "other", "words", "came", "first", "in", "Astana", "."]])
    again = busy.tag_many(article)
    for (tags, marginals), (tags2, marginals2) in zip(alone, again, strict=True):
        assert tags == tags2 and np.array_equal(marginals, marginals2)


def test_merge_guided_replaces_adds_and_keeps() -> None:
    guide = [(0, 5), (10, 15), (20, 25)]
    tagged = [(0, 8, 0.95), (10, 15, 0.4), (30, 35, 0.99), (40, 45, 0.5)]
    # (0, 8) replaces (0, 5); (10, 15) is too unsure to replace; (30, 35) is new and sure enough.
    kept, accepted = merge_guided(guide, tagged, replace=0.7, add=0.9)
    assert kept == [1, 2] and accepted == [0, 2]
    assert merge_guided(guide, tagged, replace=1.01, add=1.01) == ([0, 1, 2], [])  # the guide alone
    assert merge_guided(guide, tagged, replace=0.0, add=0.0) == ([2], [0, 1, 2, 3])  # the tagger wherever it speaks


def test_guide_columns_are_context_and_change_the_tags_only_through_the_guide() -> None:
    tokens = ["Партия", "«", "Яблоко", "»", "заявила"]
    plain = word_inputs(tokens, True)
    guided = word_inputs(tokens, True, ["O", "O", "B-ORG", "I-ORG", "O"])
    assert guided["flags"].shape == (5, plain["flags"].shape[1] + len(GUIDE_TAGS))
    assert np.array_equal(guided["flags"][:, : plain["flags"].shape[1]], plain["flags"])
    assert guided["flags"][2, -len(GUIDE_TAGS) :].tolist() == [0, 0, 1, 0, 0, 0]
    with pytest.raises(ValueError, match="length"):
        word_inputs(tokens, True, ["O"])


def test_russian_guided_tagger_follows_factrueval_conventions() -> None:
    """The shipped Russian model corrects Slovnet where FactRuEval-2016 annotates otherwise: an
    organisation's descriptor is part of its name ("Правительство Кипра", where Slovnet finds
    the place "Кипра"; "Корпорация Philips"), and "ЕС" is an organisation."""
    path = model_path("ru")
    if not path.is_file() or _slovnet() is None:
        pytest.skip("ner-ru.npz or Slovnet missing")
    recognizer = DefaultRecognizer().backend("ru")
    assert isinstance(recognizer, GuidedRecognizer) and recognizer.name == "bilstm-ru"
    text = (
        "Правительство Кипра и компания Microsoft подписали соглашение в Никосии. Корпорация Philips "
        "объявила о сокращении. Министр иностранных дел Сергей Лавров прибыл в Вашингтон. Представители ЕС приехали."
    )
    mentions = recognizer.recognize(text, "ru")
    got = {(m.surface, m.label) for m in mentions}
    assert {("Правительство Кипра", "ORG"), ("Корпорация Philips", "ORG"), ("ЕС", "ORG")} <= got
    assert {("Microsoft", "ORG"), ("Сергей Лавров", "PER"), ("Вашингтон", "LOC")} <= got
    last = 0
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface and mention.start >= last
        assert 0.0 < mention.confidence <= 1.0
        assert mention.recognizer in ("bilstm-ru", "slovnet-ru")
        last = mention.end
    # Without the guided model Russian goes to Slovnet alone, as before.
    alone = DefaultRecognizer(russian_tagger=False).backend("ru")
    assert alone.name == "slovnet-ru"  # type: ignore[attr-defined]
    assert ("Кипра", "LOC") in {(m.surface, m.label) for m in alone.recognize(text, "ru")}


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from([*"Ая Ж.\n,-«»", "Москва ", "Путин ", "мэрии ", "ООН ", "Анна "]), max_size=60).map(
        "".join
    )
)
def test_guided_russian_mentions_are_ordered_disjoint_and_inside_the_text(text: str) -> None:
    if not model_path("ru").is_file() or _slovnet() is None:
        pytest.skip("ner-ru.npz or Slovnet missing")
    mentions = DefaultRecognizer().recognize(text, "ru")
    last = 0
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface
        assert mention.start >= last
        last = mention.end


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_character_ids_mark_both_ends_and_keep_a_long_word_s_ends(token: str) -> None:
    from rashomon.extract.tagger import CHAR_BUCKETS, CHAR_LEN, _chars

    ids = _chars(token)
    assert len(ids) == CHAR_LEN and all(0 <= i < CHAR_BUCKETS for i in ids)
    used = [i for i in ids if i]
    assert len(used) == min(len(token), CHAR_LEN - 2) + 2 and ids[: len(used)] == tuple(used)
    assert used[0] == _chars("")[0] and used[-1] == _chars("")[1]  # start and end marks
    if len(token) > CHAR_LEN - 2:  # the first and the last letters of a long word are read
        assert used[1:4] == list(_chars(token[:3])[1:4])
        assert used[-4:-1] == list(_chars(token[-3:])[1:4])


def test_character_cnn_is_the_convolution_torch_computes() -> None:
    """Conv1d(padding=1) over the embedded characters, maximum over positions, tanh: written out."""
    path = model_path("de")
    if not path.is_file():
        pytest.skip(f"{path} not built")
    from rashomon.extract.tagger import NeuralTagger

    tagger = NeuralTagger(path)
    weights = tagger._prepared()
    if "char_emb" not in weights:
        pytest.skip("this model reads no characters")
    chars = word_inputs(["Bundesärztekammer", "Kaká", "in", "."], lexical=True)["chars"]
    embedded = weights["char_emb"][chars].astype(np.float64)  # (n, L, C)
    conv, bias = weights["char_conv_w"].astype(np.float64), weights["char_conv_b"]  # (F, C, 3)
    n, length, _ = embedded.shape
    expected = np.zeros((n, conv.shape[0]))
    for word in range(n):
        best = np.full(conv.shape[0], -np.inf)
        for position in range(length):
            total = np.zeros(conv.shape[0])
            for offset in range(3):
                source = position + offset - 1
                if 0 <= source < length:
                    total += conv[:, :, offset] @ embedded[word, source]
            best = np.maximum(best, total)
        expected[word] = np.tanh(best + bias)
    assert np.allclose(tagger._char_features(chars, exact=True), expected, atol=1e-9)
    assert np.allclose(tagger._char_features(chars, exact=False), expected, atol=1e-4)


def test_uncased_sentences_are_not_run_and_lose_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cross-lingual model keeps only capitalised and numeric words, so a sentence without
    any (Arabic, Chinese) is not run through the network; the mentions are the ones running it gives."""
    text = (
        "قال وزير الخارجية إن المحادثات ستستمر الأسبوع المقبل في العاصمة. "
        "وأضاف أن الوفد سيعود بعد ذلك.\n\n"
        "Antony Blinken traf Kassym-Jomart Tokajew am 1. März in Astana. "
        "北京和东京的代表也参加了会议。"
    )
    recognizer = NeuralRecognizer(model_path("xx"), name="bilstm-xx")
    seen: list[list[str]] = []
    original = recognizer.tagger.tag_many

    def spy(sentences, guides=None):  # type: ignore[no-untyped-def]
        seen.extend(sentences)
        return original(sentences, guides)

    monkeypatch.setattr(recognizer.tagger, "tag_many", spy)
    found = recognizer.recognize(text, "ar")
    assert seen and all(any(t[:1].isupper() or t[:1].isdigit() for t in tokens) for tokens in seen)
    assert not any("الخارجية" in tokens for tokens in seen)
    monkeypatch.undo()
    every = recognizer.tagger.tag_many
    words = [[text[a:b] for a, b in sequence] for sequence in _sequences(text, tokenize(text))]
    full = [(tags, marginals) for tags, marginals in every(words)]
    assert all(
        set(_names_only(tokens, tags)) == {"O"}
        for tokens, (tags, _m) in zip(words, full, strict=True)
        if not any(t[:1].isupper() or t[:1].isdigit() for t in tokens)
    )
    assert {m.surface for m in found} >= {"Antony Blinken", "Astana"}
