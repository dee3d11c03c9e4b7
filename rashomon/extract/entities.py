"""Named entities: persons, organisations, locations and other names, per language.

A recogniser is anything with ``recognize(text, language) -> list[Mention]``
(:class:`EntityRecognizer`); the default, :class:`DefaultRecognizer`, picks a
backend by language, all offline and CPU-only:

* ``de``: a BiLSTM-CRF tagger we trained on GermEval 2014 (CC BY 4.0), shipped in
  ``rashomon/data/ner-de.npz`` and run with numpy (:mod:`rashomon.extract.tagger`;
  see ``docs/ner-model.md``).
* ``ru``: Natasha's Slovnet news NER (MIT; weights bundled in the ``natasha``
  package, nothing downloaded), corrected by a guided BiLSTM-CRF that reads Slovnet's
  tags (:class:`GuidedRecognizer`, ``ner-ru.npz``, trained on FactRuEval-2016 dev, MIT).
* ``es``: the cross-lingual CRF (``ner-xx.crfsuite``), better than the tagger on
  Spanish dev data.
* every other language: a *cross-lingual* BiLSTM-CRF (``ner-xx.npz``) trained on the
  same GermEval data with German-specific evidence removed, plus UNER English web text:
  German common nouns are lower-cased in training (so capitalisation marks names, as
  it does in en/fr/es/it/pl).

``DefaultRecognizer(neural=False)`` uses the linear-chain CRFs for every language
but Russian instead (``ner-de.crfsuite``, ``ner-xx.crfsuite``; the default until
2026-12-07) and Slovnet alone for Russian: 1–9 points worse on most test sets, about
twice as fast.

Offsets are character offsets into the text given, so ``text[m.start:m.end] ==
m.surface`` always holds.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..names import name_key
from ..records import Mention

__all__ = [
    "CrfRecognizer",
    "DefaultRecognizer",
    "EntityRecognizer",
    "GuidedRecognizer",
    "NeuralRecognizer",
    "SlovnetRecognizer",
    "recognize_entities",
    "sequence_features",
    "tokenize",
]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
LABELS = ("PER", "ORG", "LOC", "MISC")


@runtime_checkable
class EntityRecognizer(Protocol):
    """Finds named-entity mentions in one text."""

    def recognize(self, text: str, language: str | None) -> list[Mention]:
        """Mentions in ``text``, in order, not overlapping, offsets into ``text``."""
        ...


# -- tokens -------------------------------------------------------------------

# Abbreviations whose full stop belongs to the word (so "Dr. Müller" is not cut
# into two sentences); initials ("J.") and dotted acronyms ("U.S.") likewise.
_ABBREVIATION = (
    r"(?:Dr|Prof|Mr|Mrs|Ms|Mt|St|Jr|Sr|Gen|Col|Lt|Sgt|Gov|Sen|Rep|Inc|Ltd|Corp|Co|Nr|bzw|ca|vs|"
    r"usw|etc|ggf|Hr|Fr|Mme|Mlle|Sra|Sr|Dña|Sig|Dott|Hl|Bd|Abs|Art|Jh|Mio|Mrd|Tsd|dt|engl|franz|"
    r"г|гг|т|ул|им|проф|акад|тов|мин|млн|млрд|руб|St)\.(?!\w)"
)
_TOKEN = re.compile(
    rf"{_ABBREVIATION}"
    r"|(?:[^\W\d_]\.){2,}"  # U.S., z.B.
    r"|[^\W\d_]\.(?=\s+[^\W\d_])"  # initials: J. F. Kennedy
    r"|\d+(?:[.,:/]\d+)*"
    r"|\w+(?:[-&]\w+|['’](?![sS]\b)\w+)*"  # keeps O'Brien and Baden-Baden, cuts Kazakhstan|'s
    r"|['’][sS]\b"  # English possessive, as CoNLL and UD tokenise it
    r"|\S",
    re.UNICODE,
)
SENTENCE_END = frozenset({".", "!", "?", "…"})


def tokenize(text: str) -> list[tuple[int, int]]:
    """Character spans of the tokens of ``text`` (words, numbers, single punctuation)."""
    return [match.span() for match in _TOKEN.finditer(text)]


def _sequences(text: str, spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Cut tokens into sentence-like sequences: at line breaks and after . ! ? …"""
    sequences: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    previous_end = 0
    for start, end in spans:
        if current and "\n" in text[previous_end:start]:
            sequences.append(current)
            current = []
        current.append((start, end))
        previous_end = end
        if text[start:end] in SENTENCE_END and len(current) > 1:
            sequences.append(current)
            current = []
    if current:
        sequences.append(current)
    return sequences


# -- features -----------------------------------------------------------------

OPENERS = frozenset({'"', "„", "“", "«", "‚", "‘", "'", "(", "[", ":", "-", "–", "—"})


# Words that stand inside names in many languages ("Bank of America", "Leonardo da
# Vinci", "Ludwig van Beethoven"): the cross-lingual model sees them as one class.
_PARTICLES = frozenset(
    "of the and for de di da del della dei des du la le les van von der den zu y e et und & al el bin ibn".split()
)
# Particles that join organisation or place names but not a person's ("Merziev of
# Uzbekistan" is two names).
_NOT_IN_PERSON_NAMES = frozenset({"of", "the", "and", "for", "&"})
# A conjunction followed by an article joins two names, not one ("the Ministry of Defence
# and the University of Oxford", "el Partido Popular y la Universidad de Sevilla").
_CONJUNCTIONS = frozenset({"and", "und", "et", "y", "e", "i"})
_ARTICLES = frozenset(
    {"the", "der", "die", "das", "den", "le", "la", "les", "l", "el", "los", "las", "il", "lo", "gli"}
)
# Titles and offices written before a name; capitalised in English ("President
# Tokayev") and in German, so they are evidence that the *next* word is a name.
_TITLES = frozenset(
    """
    president secretary minister prime chancellor king queen prince princess pope general senator governor
    mayor judge ambassador chairman chairwoman chief director spokesman spokeswoman commissioner sheikh emir
    sultan archbishop bishop cardinal saint sir lord lady mr mrs ms dr prof professor colonel captain major
    lieutenant sergeant admiral marshal deputy vice foreign finance defence defense interior premier state
    präsident präsidentin kanzler kanzlerin ministerin außenminister außenministerin bundeskanzler
    bundeskanzlerin ministerpräsident regierungschef staatschef könig königin papst bürgermeister
    botschafter vorsitzende sprecher sprecherin herr frau
    président présidente ministre roi reine pape maire ambassadeur monsieur madame
    presidente ministro ministra rey reina papa alcalde embajador señor señora
    re regina sindaco ambasciatore signor signora
    prezydent premier minister król królowa papież burmistrz ambasador pan pani
    """.split()
)


# Nouns that head the names of organisations or places in many languages ("Labour Party",
# "Bundesministerium", "Université de Lyon", "Red River"): written with a capital inside a
# name, they tell the cross-lingual model what kind of name it is reading.
_NAME_HEADS = {
    "org": frozenset(
        """
        party partei parti partido partito partia ministry ministerium ministère ministerio ministero
        ministerstwo department departement département council rat conseil consejo consiglio rada
        committee komitee ausschuss comité comitato komitet commission kommission commissione komisja
        university universität université universidad università uniwersytet college institute institut
        instituto istituto academy akademie académie academia akademia bank banque banco banca
        company corporation corp inc ltd llc plc gmbh ag sa spa group gruppe groupe grupo gruppo grupa
        association verband verein association asociación associazione stowarzyszenie union unión unione
        federation föderation fédération federación federazione federacja agency agentur agence agencia
        agenzia agencja office amt bureau oficina ufficio urząd court gericht gerichtshof cour tribunal
        tribunale sąd parliament parlament parlement parlamento senate senat sénat senado senato
        assembly versammlung assemblée asamblea assemblea zgromadzenie army armee armée ejército esercito
        armia police polizei polizia policja policía club fc news times post press zeitung journal
        television radio airlines airways motors foundation stiftung fondation fundación fondazione
        fundacja organization organisation organización organizzazione organizacja front movement
        bewegung mouvement movimiento movimento ruch league liga ligue lega
        """.split()
    ),
    "loc": frozenset(
        """
        river fluss fleuve rivière río rio fiume rzeka mount mountain mountains berg mont monte góra
        lake see lac lago jezioro sea meer mer mar mare morze ocean ozean océan océano oceano ocean
        island islands insel île isla isola wyspa valley tal vallée valle dolina street straße strasse
        rue calle via ulica avenue square platz place plaza piazza plac bay bucht baie bahía baia zatoka
        gulf golf golfe golfo region province provinz provincia prowincja county city stadt ville ciudad
        città miasto district bezirk
        """.split()
    ),
}


def name_head(token: str) -> str | None:
    """``org`` or ``loc`` for a capitalised noun that heads organisation or place names."""
    if not token[:1].isupper():
        return None
    lower = token.lower()
    for kind, words in _NAME_HEADS.items():
        if lower in words:
            return kind
    return None


@functools.lru_cache(maxsize=1)
def _calendar_words() -> frozenset[str]:
    """Day and month names (lower-cased) in the languages we tag, from CLDR via Babel."""
    from babel import Locale

    words: set[str] = set()
    for code in ("en", "de", "fr", "es", "it", "pl", "pt", "nl", "sv", "da", "cs", "ro"):
        locale = Locale.parse(code)
        for table in (locale.days, locale.months):
            for context in ("format", "stand-alone"):
                for width in ("wide", "abbreviated"):
                    words.update(name.lower().rstrip(".") for name in table[context][width].values())
    return frozenset(word for word in words if len(word) > 2)


def word_class(token: str) -> str | None:
    """Cross-lingual class of a word: ``particle``, ``title``, ``calendar`` or None."""
    lower = token.lower()
    if lower in _PARTICLES:
        return "particle"
    if lower in _TITLES:
        return "title"
    if lower in _calendar_words():
        return "calendar"
    return None


@functools.lru_cache(maxsize=1)
def _piece_clusters() -> tuple[Any, Any, Any, Any]:
    """The SentencePiece tokenizer of the bundled USE model and the piece cluster tables.

    Built by ``bench/build_ner_clusters.py`` from that model's piece embeddings.
    """
    import numpy as np

    from ..embed import use_tokenizer

    tokenizer = use_tokenizer()  # compiled when sentencepiece is installed: same ids, shared with the embedder
    with np.load(DATA_DIR / "ner-clusters.npz") as tables:
        return tokenizer, tables["c64"].tolist(), tables["c256"].tolist(), tables["c1024"].tolist()


def _cluster_features(token: str) -> tuple[list[str], str]:
    """Cluster features of a word (first and last piece) and its coarse context class."""
    tokenizer, c64, c256, c1024 = _piece_clusters()
    pieces = tokenizer.encode(token, out_type=int, add_bos=False, add_eos=False)
    if not pieces:
        return [], "k?"
    first, last = pieces[0], pieces[-1]
    features = [f"k64={c64[first]}", f"k256={c256[first]}", f"k1024={c1024[first]}"]
    if len(pieces) > 1:
        features.append(f"k256L={c256[last]}")
    return features, f"k{c256[first]}"


@functools.lru_cache(maxsize=200_000)
def word_shape(token: str) -> str:
    """Short word shape: ``Xx``, ``X``, ``d``, ``Xx-Xx``, ``X.X.`` (runs collapsed)."""
    out: list[str] = []
    for char in token:
        if char.isupper():
            kind = "X"
        elif char.isalpha():
            kind = "x"
        elif char.isdigit():
            kind = "d"
        else:
            kind = char
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)[:6]


@functools.lru_cache(maxsize=200_000)
def _word_features(token: str, lexical: bool, shouted: bool = False) -> tuple[tuple[str, ...], str, bool, str]:
    """Features of one token by itself, its context key, whether it is capitalised, its cluster."""
    lower = token.lower()
    shape = word_shape(token)
    capitalised = token[:1].isupper()
    features = ["sh=" + shape]
    if shouted:
        features.append("shouted")
    elif token.isupper() and len(token) > 1:
        features.append("allcaps")
    if len(token) == 1 and not token.isalnum():
        features.append("punct=" + token)
    if any(char.isdigit() for char in token):
        features.append("digit")
    if lexical or capitalised:
        features.append("w=" + lower)
        if len(lower) > 3:
            features.extend(("s2=" + lower[-2:], "s3=" + lower[-3:], "s4=" + lower[-4:], "p3=" + lower[:3]))
            if lexical and len(lower) > 5:
                features.append("s5=" + lower[-5:])
    if capitalised and len(token) >= 2:
        key = name_key(token)
        if key is not None and key.startswith("ISO:"):
            features.append("gaz=country")
    clusters, cluster_context = _cluster_features(token) if token.isalpha() else ([], "")
    features.extend(clusters)
    kind = None if lexical else word_class(token)
    if kind is not None:
        features.append("class=" + kind)
    head = None if lexical else name_head(token)
    if head is not None:
        features.append("head=" + head)
    if lexical:
        context = lower
    elif kind is not None:
        context = kind
    elif head is not None:
        context = "H:" + head
    elif capitalised:
        context = "C:" + lower
    elif not token.isalnum():
        context = token
    else:
        context = cluster_context or shape
    return tuple(features), context, capitalised, cluster_context


def sequence_features(tokens: Sequence[str], lexical: bool = True) -> list[list[str]]:
    """CRF features for one token sequence (a sentence).

    Args:
        tokens: The words of one sentence.
        lexical: True for a language-specific model (every word's identity is a
            feature); False for the cross-lingual model, where only capitalised
            words and punctuation keep their identity.

    Returns:
        One list of feature strings per token.
    """
    # A word in capitals that is too long for an acronym ("PITTSBURGH", a headline)
    # is read as if title-cased; training text has few of them.
    shouted = [token.isupper() and token.isalpha() and len(token) >= 5 for token in tokens]
    tokens = [token.capitalize() if loud else token for token, loud in zip(tokens, shouted, strict=True)]
    words = [_word_features(token, lexical, loud) for token, loud in zip(tokens, shouted, strict=True)]
    shapes = [word_shape(token) for token in tokens]
    length = len(tokens)
    sequence: list[list[str]] = []
    for i, (own, context, capitalised, _) in enumerate(words):
        features = ["bias", *own]
        if i == 0 or tokens[i - 1] in SENTENCE_END:
            features.append("BOS")
        elif tokens[i - 1] in OPENERS:
            features.append("after_opener")
        if i == length - 1:
            features.append("EOS")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < length:
                features.append(f"{offset}:w={words[j][1]}")
                features.append(f"{offset}:sh={shapes[j]}")
                if words[j][3] and (lexical or offset in (-1, 1)):
                    features.append(f"{offset}:k={words[j][3]}")
            else:
                features.append(f"{offset}:pad")
        if i > 0:
            features.append(f"-1|0={words[i - 1][1]}|{context}")
            features.append(f"sh-1|0={shapes[i - 1]}|{shapes[i]}")
            if lexical:
                features.append(f"k-1|0={words[i - 1][3]}|{words[i][3]}")
        if i + 1 < length:
            features.append(f"0|+1={context}|{words[i + 1][1]}")
            features.append(f"sh0|+1={shapes[i]}|{shapes[i + 1]}")
        run = 0
        j = i - 1
        while j >= 0 and words[j][2] and run < 3:
            run += 1
            j -= 1
        k = i + 1
        while k < length and words[k][2] and run < 3:
            run += 1
            k += 1
        if capitalised:
            features.append(f"caprun={run}")
        sequence.append(features)
    return sequence


# -- backends -----------------------------------------------------------------


def spans_from_tags(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """BIO tags to ``(first, last + 1, label)`` token spans (a stray I- starts a span)."""
    spans: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        if start >= 0 and (prefix != "I" or kind != label):
            spans.append((start, i, label))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, label = i, kind
    return spans


def _may_name(token: str) -> bool:
    """Whether the cross-lingual model's tag may stand on ``token`` (capitalised or numeric);
    :func:`_names_only` clears every other word's tag unless it is a particle inside a name."""
    return token[:1].isupper() or token[:1].isdigit()


def _names_only(tokens: Sequence[str], tags: list[str]) -> list[str]:
    """Cut entity spans at words that cannot be inside a name (cross-lingual model).

    Without word identities the cross-lingual model cannot tell a title of a work
    ("Vom Winde verweht", which GermEval tags) from a name followed by a verb;
    in the languages it serves names are capitalised, so a lower-case word ends
    a span unless it is a particle between two words of the same name ("Bank of
    America"); a span never starts with a particle ("the", "The"), and titles
    ("President", "Secretary") are not part of a person's name.
    """
    tags = list(tags)
    for i, token in enumerate(tokens):
        if tags[i] == "O":
            continue
        kind = word_class(token)
        if kind == "calendar" or (kind == "title" and tags[i].endswith("PER")):
            tags[i] = "O"
        elif kind != "particle" and not _may_name(token):
            tags[i] = "O"
    for i, token in enumerate(tokens):
        if tags[i] == "O" or word_class(token) != "particle":
            continue
        label = tags[i][2:]
        if label == "PER" and token.lower() in _NOT_IN_PERSON_NAMES:
            tags[i] = "O"
            continue
        before = i > 0 and tags[i - 1] != "O" and tags[i - 1][2:] == label
        after = i + 1 < len(tags) and tags[i + 1] == "I-" + label
        if not (before and after):
            tags[i] = "O"
        elif token.lower() in _CONJUNCTIONS and tokens[i + 1].lower() in _ARTICLES:
            tags[i] = tags[i + 1] = "O"
            if i + 2 < len(tags) and tags[i + 2] == "I-" + label:
                tags[i + 2] = "B-" + label
    return tags


class CrfRecognizer:
    """A linear-chain CRF (python-crfsuite) over :func:`sequence_features`.

    Args:
        model_path: A ``.crfsuite`` model file.
        lexical: Whether the model was trained with word identities of all words
            (True) or cross-lingually (False); must match its training.
        name: Recorded as :attr:`Mention.recognizer`.
    """

    def __init__(self, model_path: str | os.PathLike[str], lexical: bool = True, name: str = "crf") -> None:
        self.model_path = str(model_path)
        self.lexical = lexical
        self.name = name
        self._tagger: Any = None

    def __getstate__(self) -> dict[str, Any]:
        # The crfsuite tagger is a C object; it is reopened lazily after unpickling.
        return {**self.__dict__, "_tagger": None}

    def _open(self) -> Any:
        if self._tagger is None:
            import pycrfsuite

            tagger = pycrfsuite.Tagger()
            tagger.open(self.model_path)
            self._tagger = tagger
        return self._tagger

    def tag(self, tokens: Sequence[str]) -> list[tuple[int, int, str, float]]:
        """Entity spans ``(first, last + 1, label, confidence)`` over one token sequence."""
        if not tokens:
            return []
        tagger = self._open()
        tagger.set(sequence_features(tokens, self.lexical))
        tags = tagger.tag()
        if not self.lexical:
            tags = _names_only(tokens, tags)
        result = []
        for first, stop, label in spans_from_tags(tags):
            confidence = min(tagger.marginal(tags[i], i) for i in range(first, stop))
            result.append((first, stop, label, round(float(confidence), 4)))
        return result

    def recognize(self, text: str, language: str | None = None) -> list[Mention]:
        """Mentions in ``text`` (``language`` is not used: the model is fixed)."""
        mentions: list[Mention] = []
        spans = tokenize(text)
        for sequence in _sequences(text, spans):
            tokens = [text[start:end] for start, end in sequence]
            for first, stop, label, confidence in self.tag(tokens):
                start, end = sequence[first][0], sequence[stop - 1][1]
                mentions.append(Mention(start, end, text[start:end], label, confidence, self.name))  # type: ignore[arg-type]
        return _consistent(text, spans, mentions, self.name)


class NeuralRecognizer:
    """The BiLSTM-CRF tagger of :mod:`rashomon.extract.tagger` (numpy inference).

    Same tokens, sentence cuts and clean-up as :class:`CrfRecognizer`; all the sentences of a
    text are tagged in one batch.

    Args:
        model_path: A ``.npz`` model written by ``bench/train_ner_neural.py``.
        name: Recorded as :attr:`Mention.recognizer`.
    """

    def __init__(self, model_path: str | os.PathLike[str], name: str = "bilstm") -> None:
        from .tagger import NeuralTagger

        self.tagger = NeuralTagger(model_path)
        self.name = name

    def recognize(self, text: str, language: str | None = None) -> list[Mention]:
        """Mentions in ``text`` (``language`` is not used: the model is fixed)."""
        spans = tokenize(text)
        sequences = _sequences(text, spans)
        words = [[text[start:end] for start, end in sequence] for sequence in sequences]
        mentions: list[Mention] = []
        for sequence, tokens, (tags, marginals) in zip(sequences, words, self._tag(words), strict=True):
            if not self.tagger.lexical:
                tags = _names_only(tokens, tags)
            for first, stop, label in spans_from_tags(tags):
                start, end = sequence[first][0], sequence[stop - 1][1]
                confidence = round(float(marginals[first:stop].min()), 4)
                mentions.append(Mention(start, end, text[start:end], label, confidence, self.name))  # type: ignore[arg-type]
        return _consistent(text, spans, mentions, self.name)

    def _tag(self, words: list[list[str]]) -> list[tuple[list[str], Any]]:
        """The tagger's tags and marginals per sentence. The cross-lingual model's tags are cut
        to capitalised and numeric words (:func:`_names_only`), so a sentence with neither (an
        uncased script: Arabic, Chinese, Hindi, …) cannot hold a mention and is not run."""
        import numpy as np

        if self.tagger.lexical:
            return self.tagger.tag_many(words)
        named = [i for i, tokens in enumerate(words) if any(map(_may_name, tokens))]
        tagged = dict(zip(named, self.tagger.tag_many([words[i] for i in named]) if named else [], strict=True))
        return [tagged.get(i) or (["O"] * len(t), np.ones(len(t), np.float32)) for i, t in enumerate(words)]


_DEFINED_ACRONYM = re.compile(r"\s*\(\s*([^\W\d_]{2,10})\s*\)")


def _acronyms(text: str, spans: list[tuple[int, int]], mentions: list[Mention], name: str) -> list[Mention]:
    """Mentions for the acronyms a text defines after a multi-word name, wherever they occur."""
    defined: dict[str, tuple[str, float]] = {}
    for mention in mentions:
        words = [word for word in mention.surface.split() if word[:1].isupper()]
        match = _DEFINED_ACRONYM.match(text, mention.end)
        if len(words) < 2 or match is None or mention.label == "PER":
            continue
        acronym = match.group(1)
        if acronym.isupper() and acronym == "".join(word[0] for word in words).upper():
            defined.setdefault(acronym, (mention.label, mention.confidence))
    if not defined:
        return mentions
    result = []
    for mention in mentions:
        label = defined.get(mention.surface, (mention.label, 0.0))[0]
        if label != mention.label:
            mention = Mention(mention.start, mention.end, mention.surface, label, mention.confidence, name)  # type: ignore[arg-type]
        result.append(mention)
    covered = {i for m in result for i in range(m.start, m.end)}
    for start, end in spans:
        word = text[start:end]
        if word in defined and start not in covered:
            label, confidence = defined[word]
            result.append(Mention(start, end, word, label, round(confidence / 2, 4), name))  # type: ignore[arg-type]
    result.sort(key=lambda m: m.start)
    return result


def _consistent(text: str, spans: list[tuple[int, int]], mentions: list[Mention], name: str) -> list[Mention]:
    """One label per name within a text, and surnames of full names found again.

    A tagger sees one sentence at a time, so "Blinken" alone may come out as a
    place although "Antony Blinken" was a person two sentences earlier. Within
    one text: a word that ends a multi-word person name is a person wherever it
    stands alone (also with a genitive -s), and otherwise each surface takes the
    label its mentions most confidently agree on. An acronym defined in brackets
    after a name ("Collective Security Treaty Organization (CSTO)", initials
    matching) carries that name's label wherever it stands in the text.
    """
    if not mentions:
        return mentions
    mentions = _acronyms(text, spans, mentions, name)
    surnames: dict[str, float] = {}
    votes: dict[str, dict[str, float]] = {}
    for mention in mentions:
        words = mention.surface.split()
        if (
            mention.label == "PER"
            and len(words) >= 2
            and words[-1][:1].isupper()
            and len(words[-1]) > 2
            and word_class(words[-1]) is None
            and not (name_key(words[-1]) or "").startswith("ISO:")
        ):
            surnames[words[-1]] = max(surnames.get(words[-1], 0.0), mention.confidence)
        table = votes.setdefault(mention.surface, {})
        table[mention.label] = table.get(mention.label, 0.0) + mention.confidence

    def surname_of(word: str) -> str | None:
        if word in surnames:
            return word
        for suffix in ("s", "'s", "’s"):
            if word.endswith(suffix) and word[: -len(suffix)] in surnames:
                return word[: -len(suffix)]
        return None

    result = []
    for mention in mentions:
        label: str = mention.label
        if " " not in mention.surface and surname_of(mention.surface):
            label = "PER"
        else:
            table = votes[mention.surface]
            label = max(table, key=lambda kind: (table[kind], kind == mention.label))
        if label != mention.label:
            mention = Mention(mention.start, mention.end, mention.surface, label, mention.confidence, name)  # type: ignore[arg-type]
        result.append(mention)
    if surnames:
        covered = {i for m in result for i in range(m.start, m.end)}
        for start, end in spans:
            word = text[start:end]
            if start not in covered and word[:1].isupper() and surname_of(word):
                result.append(Mention(start, end, word, "PER", round(surnames[surname_of(word) or word] / 2, 4), name))
        result.sort(key=lambda m: m.start)
    return result


def _natasha_data() -> Path | None:
    """Folder of the model files bundled in the ``natasha`` package (not imported)."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class SlovnetRecognizer:
    """Russian news NER: Slovnet's CNN-CRF tagger on Navec embeddings (Natasha project).

    The weights (``slovnet_ner_news_v1``, 2.4 MB; ``navec_news_v1``, 25 MB) ship
    inside the ``natasha`` wheel under the MIT licence; nothing is downloaded.
    Slovnet knows PER, ORG and LOC (no MISC).
    """

    name = "slovnet-ru"

    def __init__(self) -> None:
        self._model: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"_model": None}

    @staticmethod
    def available() -> bool:
        """Whether the natasha/slovnet packages and their bundled weights are installed."""
        data = _natasha_data()
        return (
            data is not None
            and (data / "model" / "slovnet_ner_news_v1.tar").is_file()
            and importlib.util.find_spec("slovnet") is not None
        )

    def _open(self) -> Any:
        if self._model is None:
            from navec import Navec
            from slovnet import NER

            data = _natasha_data()
            if data is None:
                raise RuntimeError("the natasha package is not installed: pip install natasha")
            model = NER.load(str(data / "model" / "slovnet_ner_news_v1.tar"))
            model.navec(Navec.load(str(data / "emb" / "navec_news_v1_1B_250K_300d_100q.tar")))
            self._model = model
        return self._model

    def recognize(self, text: str, language: str | None = "ru") -> list[Mention]:
        """Mentions in ``text`` (Russian)."""
        if not text.strip():
            return []
        markup = self._open()(text)
        mentions = []
        for span in markup.spans:
            start, end = span.start, span.stop
            # Slovnet's spans are token-aligned; trim any whitespace it may include.
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end and span.type in LABELS:
                mentions.append(Mention(start, end, text[start:end], span.type, 1.0, self.name))
        return mentions


def merge_guided(
    guide: Sequence[tuple[int, int]], tagged: Sequence[tuple[int, int, float]], replace: float, add: float
) -> tuple[list[int], list[int]]:
    """Which guide spans stay and which tagger spans are taken (:class:`GuidedRecognizer`).

    Spans are ``(start, end)`` intervals, tagger spans with a confidence. A tagger span that
    overlaps guide spans replaces them from confidence ``replace``; one that overlaps none is
    taken from ``add``; a guide span stays unless a taken tagger span overlaps it.
    Returns the indices of the guide spans kept and of the tagger spans taken.
    """
    accepted = []
    for j, (start, end, confidence) in enumerate(tagged):
        touches = any(a < end and start < b for a, b in guide)
        if confidence >= (replace if touches else add):
            accepted.append(j)
    kept = [i for i, (a, b) in enumerate(guide) if not any(tagged[j][0] < b and a < tagged[j][1] for j in accepted)]
    return kept, accepted


def _guide_tags(sequence: list[tuple[int, int]], mentions: list[Mention]) -> list[str]:
    """BIO tags of one token sequence from another recogniser's mentions (a mention covers
    every token it overlaps, as :func:`rashomon.evaluate.tag_tokens` maps them)."""
    tags = ["O"] * len(sequence)
    if not sequence:
        return tags
    low, high = sequence[0][0], sequence[-1][1]
    for mention in mentions:
        if mention.end <= low or mention.start >= high or mention.label not in ("PER", "ORG", "LOC"):
            continue
        inside = [i for i, (start, end) in enumerate(sequence) if start < mention.end and mention.start < end]
        if not inside:
            continue
        tags[inside[0]] = "B-" + mention.label
        for i in inside[1:]:
            tags[i] = "I-" + mention.label
    return tags


def _name_words(text: str, sequence: Sequence[tuple[int, int]], first: int, stop: int) -> tuple[int, int] | None:
    """The tokens ``first:stop`` without the descriptor words and quotes around a name
    (FactRuEval counts "партии « Яблоко »" as the organisation; Rashomon's mentions are names,
    "Яблоко", as every other backend gives them); None when no word of it starts with a capital
    or a digit."""

    def token(i: int) -> str:
        return text[sequence[i][0] : sequence[i][1]]

    while first < stop and not (token(first)[:1].isupper() or token(first)[:1].isdigit()):
        first += 1
    while stop > first and not any(char.isalnum() for char in token(stop - 1)):
        stop -= 1
    return (first, stop) if first < stop else None


class GuidedRecognizer:
    """Another recogniser's mentions, corrected by a guided BiLSTM-CRF tagger.

    The tagger (:mod:`rashomon.extract.tagger`, a model with ``guide_columns``) reads the
    words and the guide's BIO tags and was trained on a corpus whose conventions differ from
    the guide's (``ner-ru.npz``: FactRuEval-2016 over Slovnet). Its spans are merged with the
    guide's: a tagger span that overlaps guide mentions replaces them when its confidence (the
    lowest CRF marginal of its tags) reaches ``replace``; one that overlaps none is added from
    ``add``; guide mentions the tagger does not touch stay as they are. The two thresholds were
    chosen on held-out training data and are stored in the model file.

    Args:
        guide: The recogniser whose mentions are corrected (Slovnet for Russian).
        model_path: A guided ``.npz`` model written by ``bench/train_ner_neural.py``.
        name: Recorded as :attr:`Mention.recognizer` for the tagger's spans; the guide's
            untouched mentions keep the guide's name.
    """

    def __init__(self, guide: EntityRecognizer, model_path: str | os.PathLike[str], name: str = "guided") -> None:
        from .tagger import NeuralTagger

        self.guide = guide
        self.tagger = NeuralTagger(model_path)
        self.name = name
        self._thresholds: tuple[float, float] | None = None

    def thresholds(self) -> tuple[float, float]:
        """``(replace, add)`` confidence thresholds, from the model's header."""
        if self._thresholds is None:
            header = self.tagger.header()
            self._thresholds = (float(header.get("replace_threshold", 0.0)), float(header.get("add_threshold", 0.0)))
        return self._thresholds

    def recognize(self, text: str, language: str | None = None) -> list[Mention]:
        """Mentions in ``text``, in order, not overlapping."""
        guided = self.guide.recognize(text, language)
        spans = tokenize(text)
        sequences = _sequences(text, spans)
        if not sequences:
            return guided
        words = [[text[start:end] for start, end in sequence] for sequence in sequences]
        guides = [_guide_tags(sequence, guided) for sequence in sequences]
        replace, add = self.thresholds()
        found: list[Mention] = []
        for sequence, (tags, marginals) in zip(sequences, self.tagger.tag_many(words, guides), strict=True):
            for first, stop, label in spans_from_tags(tags):
                confidence = round(float(marginals[first:stop].min()), 4)
                named = _name_words(text, sequence, first, stop)
                if named is None:
                    continue
                start, end = sequence[named[0]][0], sequence[named[1] - 1][1]
                found.append(Mention(start, end, text[start:end], label, confidence, self.name))  # type: ignore[arg-type]
        kept, accepted = merge_guided(
            [(m.start, m.end) for m in guided], [(m.start, m.end, m.confidence) for m in found], replace, add
        )
        result = [guided[i] for i in kept] + [found[i] for i in accepted]
        result.sort(key=lambda m: m.start)
        return result


@functools.lru_cache(maxsize=4)
def _crf(model: str, lexical: bool) -> CrfRecognizer:
    return CrfRecognizer(DATA_DIR / f"ner-{model}.crfsuite", lexical=lexical, name=f"crf-{model}")


@functools.lru_cache(maxsize=1)
def _slovnet() -> SlovnetRecognizer | None:
    return SlovnetRecognizer() if SlovnetRecognizer.available() else None


def _mostly_cyrillic(text: str) -> bool:
    """Whether most letters of the first 2,000 characters are Cyrillic."""
    letters = [char for char in text[:2000] if char.isalpha()]
    cyrillic = sum("\u0400" <= char <= "\u04ff" for char in letters)
    return bool(letters) and cyrillic > len(letters) / 2


@functools.lru_cache(maxsize=1)
def _guided_russian() -> GuidedRecognizer | None:
    slovnet = _slovnet()
    path = DATA_DIR / "ner-ru.npz"
    return GuidedRecognizer(slovnet, path, name="bilstm-ru") if slovnet is not None and path.is_file() else None


@functools.lru_cache(maxsize=4)
def _neural(model: str) -> NeuralRecognizer:
    return NeuralRecognizer(DATA_DIR / f"ner-{model}.npz", name=f"bilstm-{model}")


# Languages where the cross-lingual CRF beats the cross-lingual BiLSTM on the language's own
# dev data (CoNLL-2002 Spanish dev, PER/ORG/LOC: 60.3 against 57.9; docs/ner-model.md).
_CRF_BETTER = frozenset({"es"})


class DefaultRecognizer:
    """The best offline backend per language (see the module docstring).

    Args:
        russian: Use Slovnet for Russian when it is installed (else the
            cross-lingual tagger).
        neural: Use the BiLSTM-CRF taggers where they are better on dev data
            (German, and every language but Russian and Spanish; the default).
            False: the CRFs, a few points worse and about twice as fast.
        russian_tagger: Correct Slovnet's Russian mentions with the guided BiLSTM-CRF
            (``ner-ru.npz``, :class:`GuidedRecognizer`); False: Slovnet alone. None (the
            default): as ``neural``.
    """

    def __init__(self, russian: bool = True, neural: bool = True, russian_tagger: bool | None = None) -> None:
        self.russian = russian
        self.neural = neural
        self.russian_tagger = neural if russian_tagger is None else russian_tagger

    def backend(self, language: str | None) -> EntityRecognizer:
        """The recogniser used for ``language`` (ISO 639-1, or None if unknown)."""
        code = (language or "").lower().split("-")[0].split("_")[0]
        if code == "de":
            return _neural("de") if self.neural else _crf("de", True)
        if code == "ru" and self.russian:
            guided = _guided_russian() if self.russian_tagger else None
            if guided is not None:
                return guided
            slovnet = _slovnet()
            if slovnet is not None:
                return slovnet
        if self.neural and code not in _CRF_BETTER:
            return _neural("xx")
        return _crf("xx", False)

    def recognize(self, text: str, language: str | None) -> list[Mention]:
        """Mentions in ``text``, in order of position.

        With no language given, a text written mostly in Cyrillic goes to the
        Russian backend; anything else to the cross-lingual model.
        """
        if not text or not text.strip():
            return []
        if not language and _mostly_cyrillic(text):
            language = "ru"
        return self.backend(language).recognize(text, language)


_DEFAULT = DefaultRecognizer()


def recognize_entities(text: str, language: str | None) -> list[Mention]:
    """Named-entity mentions in ``text`` with the default backend for ``language``.

    Args:
        text: Any text (an article, a sentence); offsets refer to it as given.
        language: ISO 639-1 code (``de``, ``en``, ``ru`` ...), or None if unknown.

    Returns:
        Mentions in order of position, not overlapping, with
        ``text[m.start:m.end] == m.surface``.
    """
    return _DEFAULT.recognize(text, language)
