"""Quotations and marked reported speech, with their speakers (de, en, ru, fr, es, it).

The extractor reads a text paragraph by paragraph in four steps, all rules and no model:

1. **Pair the quotation marks.** „…“ ‚…‘ (German), “…” ‘…’ (English), «…» ‹…› (French,
   Russian, Spanish, Italian), »…« (German books), straight "…" and '…', and the mixtures
   scraped text is full of („…”, „…", “…“). A stack pairs them: curly marks by their shape,
   straight and ambiguous ones by the characters beside them (an apostrophe between two
   letters is no quotation mark). Only the outermost quotation is kept; nested ones belong to
   its words. A mark that never closes opens a quotation only at the start of a paragraph or
   after a colon (a quote running to the end of its paragraph); otherwise it is ignored.
   Russian puts a broken quote's attribution inside the marks («A, — сказал X, — B»): it is
   split into two quotations.
2. **Split sentences** (:func:`rashomon.text.sentence_spans`), never inside a quotation, so
   "„A. B“, sagte X." is one sentence.
3. **Classify** each quotation: ``scare`` when it is a label rather than somebody's words (a
   short quotation after "so-called"/"sogenannt"/"так называемый"/"dite"/"llamado"/
   "cosiddetto", after a naming noun such as trawler/Reederei/компания/journal, a capitalised
   name in languages that do not capitalise nouns, or a short phrase in a sentence with no
   verb of saying); ``direct`` when it opens its sentence (or follows a colon, a verb of saying
   or the first part of the same quote) and the rest is attribution; else ``partial``.
4. **Find the speaker**: after the quote ("„…“, sagte X", "«…», — заявил X", "“…,” X said"),
   before it ("X said: …", "X: „…“"), elsewhere in its sentence (partial quotes: the name
   nearest the verb of saying), or in the previous or next sentence. Pronouns ("she said",
   "sagte sie", "по её словам") refer back to the last person named before; definite roles ("so
   der US-Außenminister", "— отметил политолог") to the person named beside the same role word,
   else to whoever spoke last; plural pronouns ("they said", "заявили они") to two people named
   together. The subject of the verb of saying is the speaker, not its object ("The president
   described Acosta as …"); a passive agent counts ("was said by X"). Names are capitalised runs checked with :mod:`rashomon.names`
   (name keys, stopwords, titles, country names, German common nouns), stripped of titles and roles ("BfAS-Präsident Ulrich Decker" → "Ulrich Decker"); a
   name right after a preposition ("vom Kieler Institut", "de Dieulefit") is a place or an
   organisation, not a speaker. With no name, a description is kept as a ``role`` speaker
   ("un commerçant de Dieulefit").

Marked indirect speech ("laut X, …", "according to X, …", "по словам X, …", "selon X", "según
X", "secondo X", "X sagte, dass …", "X said that …") becomes a quote of kind ``indirect`` whose
text is the reported clause.

Speakers are surface strings with their char span; linking them to canonical entities is the
entity stage's job.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..names import (
    NAME_STOPWORDS,
    NOUN_CAPITALISING,
    TITLES,
    is_common_german_noun,
    multiword_territory_codes,
    name_key,
    skeleton,
)
from ..records import Quote, QuoteKind, Speaker
from ..text import paragraph_spans, sentence_spans

__all__ = ["extract_quotes"]

# -- quotation marks -------------------------------------------------------------------------

_MARKS = frozenset("„“”\"«»‹›‚‘’'")
_MARK = re.compile("[„“”\"«»‹›‚‘’']")
# Which marks may close a quotation opened by each mark.
_CLOSERS = {
    "„": '“”"',
    "“": '”"“',
    "”": '”"',
    '"': '"”“',
    "«": "»",
    "»": "«",
    "‹": "›",
    "›": "‹",
    "‚": "‘’'",
    "‘": "’'",
    "'": "'’",
}
# Closers that look the same as an opener: they close only where they do not look like one.
_AMBIGUOUS_CLOSERS = frozenset("\"'’“”")
_BEFORE_OPENING = frozenset("([{–—-/:;„“«‹‚'\"»›‘")
_AFTER_CLOSING = frozenset(".,;:!?)]}…–—-")
_SENTENCE_END = frozenset(".!?…")


@dataclass
class _Span:
    """A paired quotation: ``open`` and ``close`` are the mark positions (close None: unclosed)."""

    open: int
    close: int
    start: int = 0
    end: int = 0
    kind: QuoteKind = "partial"
    speaker: Speaker | None = None
    via: str | None = None
    cue: str | None = None
    confidence: float = 0.0
    part_of: int | None = None
    label: bool = False
    sentence: tuple[int, int] = (0, 0)
    unclosed: bool = False
    resumed: bool = False  # the part after an attribution inside the marks («A, — сказал X, — B»)


def _can_close(opener: str, mark: str, looks_opening: bool, looks_closing: bool) -> bool:
    """Whether ``mark`` may close a quotation opened by ``opener`` here."""
    if mark not in _CLOSERS[opener]:
        return False
    if mark in _AMBIGUOUS_CLOSERS:
        return looks_closing or not looks_opening
    return True


def _can_open(mark: str, looks_opening: bool, after: str) -> bool:
    """Whether ``mark`` may open a quotation here."""
    if mark in "„«‹":
        return True
    if mark in "»›‚":
        return looks_opening and bool(after) and not after.isspace()
    if mark in "“”\"‘'":
        return looks_opening and bool(after) and not after.isspace()
    return False  # ’ is an apostrophe or a closer, never an opener


_MAX_NESTING = 8
# How far (characters) from a quotation its speaker is looked for inside one sentence: a sentence of
# hostile length must not make every quotation in it scan all of it (quadratic time).
_WINDOW = 1000


def _pair_marks(text: str, lo: int, hi: int) -> list[_Span]:
    """Outermost quotations in ``text[lo:hi]`` (one paragraph), in order."""
    stack: list[tuple[str, int]] = []
    spans: list[_Span] = []
    for found in _MARK.finditer(text, lo, hi):
        i = found.start()
        mark = text[i]
        before = text[i - 1] if i > lo else ""
        after = text[i + 1] if i + 1 < hi else ""
        if mark in "'’" and before.isalnum() and after.isalnum():
            continue  # apostrophe: don't, l'automatisation, Blinken's
        looks_opening = not before or before.isspace() or before in _BEFORE_OPENING
        looks_closing = not after or after.isspace() or after in _AFTER_CLOSING or after in _MARKS
        closed = False
        for depth in range(len(stack) - 1, -1, -1):
            if _can_close(stack[depth][0], mark, looks_opening, looks_closing):
                opened_at = stack[depth][1]
                del stack[depth:]
                if not stack:
                    spans.append(_Span(open=opened_at, close=i))
                closed = True
                break
        # Quotations nest a few levels deep at most; a deeper stack is text full of stray marks,
        # and scanning it for every mark would cost quadratic time on hostile input.
        if not closed and len(stack) < _MAX_NESTING and _can_open(mark, looks_opening, after):
            stack.append((mark, i))
    if stack:
        opened_at = stack[0][1]
        before_text = text[lo:opened_at].strip()
        if (not before_text or before_text.endswith(":")) and len(text[opened_at:hi].split()) >= 3:
            spans.append(_Span(open=opened_at, close=hi, unclosed=True))  # runs to the end of its paragraph
    spans = [part for span in spans for part in _split_inner_attribution(text, span)]
    for span in spans:
        inner_start, inner_end = span.open + 1, span.close
        while inner_start < inner_end and (text[inner_start].isspace() or text[inner_start] in ",;"):
            inner_start += 1
        while inner_end > inner_start and text[inner_end - 1].isspace():
            inner_end -= 1
        span.start, span.end = inner_start, inner_end
    return [s for s in spans if s.end > s.start and any(ch.isalnum() for ch in text[s.start : s.end])]


_INNER_ATTRIBUTION = re.compile(
    r",?\s+([—–])\s+([^\W\d_]+)(?:\s+([^\W\d_]+))?[^—–«»„“]{0,80}?(?:[,.]?\s+([—–])\s+|\s+(-),\s+)"
)


_INNER_ATTRIBUTION_ES = re.compile(r"\s*([—–])([^\W\d_]+)(?:\s+([^\W\d_]+))?[^—–«»„“]{0,80}?([—–])[,.;]?\s*")


def _split_inner_attribution(text: str, span: _Span) -> list[_Span]:
    """Split «A, — сказал X, — B» and «A —dijo X—, B» (the attribution inside the marks) into A and B."""
    for pattern in (_INNER_ATTRIBUTION, _INNER_ATTRIBUTION_ES):
        match = pattern.search(text, span.open + 1, span.close)
        if match is not None and (_is_speech(match.group(2)) or _is_speech(match.group(3) or "")):
            first = _Span(open=span.open, close=match.start(1))
            resume = match.start(4) if match.group(4) else match.start(5)
            return [first, _Span(open=resume, close=span.close, resumed=True)]
    return [span]


# -- words and names ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:[-‐'’][^\W\d_]+)*")
_ROLE_WORDS = frozenset(
    """
    chief executive director head chair chairman chairwoman spokesperson spokesman spokeswoman officer
    negotiator economist analyst professor captain deputy vice union boss campaigner champion
    secretary minister president senator envoy adviser advisor commissioner ceo cfo mp leader
    sprecher sprecherin vorsitzende vorsitzender ökonomin ökonom konteradmiral admiral abgeordnete
    abgeordneten konzernchefin konzernchef staatssekretär
    глава депутат директор министр представитель президент капитан профессор гендиректор супруга жена
    porte-parole ministre maire avocate avocat présidente président consejero consejera consejera
    presidente ministro ministra consejero portavoz alcalde analista portavoce sindaco
    député députée chanteuse chanteur singer journalist journaliste expert experte politologe
    политолог эксперт аналитик юрист специалист советник журналист экономист генсек лидер канцлер
    funzionario generale esperto giornalista
    politician official ambassador governor mayor lawmaker judge prosecutor commander chancellor premier
    bishop archbishop cardinal researcher scientist lawyer attorney activist founder commentator witness
    politiker kanzler kanzlerin wissenschaftler forscher anwalt anwältin richter general bischof kritiker
    политик посол губернатор мэр премьер премьер-министр генерал командующий судья прокурор адвокат учёный
    ученый писатель пользователь комментатор очевидец спикер пресс-секретарь сенатор председатель
    сопредседатель вице-премьер замминистра
    ambassadeur ambassadrice sénateur sénatrice gouverneur juge procureur général évêque chercheur
    chercheuse écrivain militant militante eurodéputé eurodéputée
    ambasciatore senatore governatore giudice procuratore ricercatore scrittore
    embajador embajadora senador senadora gobernador juez fiscal investigador investigadora diputado diputada
    """.split()
)
_ROLE_SUFFIXES = (
    "präsident",
    "präsidentin",
    "chef",
    "chefin",
    "führer",
    "führerin",
    "minister",
    "ministerin",
    "senatorin",
    "senator",
    "sprecher",
    "sprecherin",
    "vorsitzende",
    "experte",
    "expertin",
    "direktor",
    "direktorin",
    "leiter",
    "leiterin",
    "sekretär",
    "meister",
    "landrat",
    "stadtrat",
    "vorstand",
    "kommissar",
    "beauftragte",
    "botschafter",
    "professor",
    "professorin",
    "vertreter",
    "vertreterin",
    "redakteur",
    "redakteurin",
    "volkswirt",
    "volkswirtin",
)
_PARTICLES = frozenset({"von", "van", "de", "del", "della", "di", "da", "bin", "al", "du", "dos"})
_ARTICLES = frozenset(
    "the a an der die das dem den des ein eine einem einer eines le la les l un une el los las lo il gli i "
    "uno una".split()
)
_PREPOSITIONS = frozenset(
    """
    of from in at to for with by on near about around vom von aus in im am zum zur bei nach mit für
    über unter gegen auf an de du des à au aux en dans sur pour par chez del al con por para desde
    sobre entre di da dal della nel nella per su tra fra из в во на с со к от до для по у о об при под
    против вокруг после через без около между перед над dei degli delle della dello nei negli sui agli
    alle dal dalla gegenüber trotz wegen während seit durch ohne um
    zwischen neben hinter vor beim vors
    """.split()
)
_PRONOUNS = frozenset("he she er sie il elle él ella lui lei он она его её ее его ей ему him her ihm ihr".split())
_ITALIAN_ARTICLES = frozenset({"il"})
# Plural pronouns are not resolved: "They said" gives no speaker rather than a wrong one.
_PLURAL_PRONOUNS = frozenset(
    "they we wir ils elles nous ellos ellas nosotros loro noi они мы".split()
)  # "il ministro": an article in Italian, a pronoun in French


def _is_pronoun(word: str, language: str | None) -> bool:
    """A personal pronoun that points back to a person (``il`` is an article in Italian)."""
    lower = word.lower()
    return lower in _PRONOUNS and not (language == "it" and lower in _ITALIAN_ARTICLES)


# Possessives in "according to his figures", "según sus cálculos", "nach ihren Angaben".
_POSSESSIVES = frozenset("his her its their sein seinen seiner ihren ihrer son sa ses leur su sus suo sua suoi".split())
# Verbs (and a few nouns) of saying, matched as word prefixes; lower case.
_SPEECH_PREFIXES = (
    # de
    "enthüll",
    "sagt",
    "sagte",
    "gesagt",
    "erklär",
    "beton",
    "fügte",
    "fügt",
    "meint",
    "warnt",
    "gewarnt",
    "kritisier",
    "räumt",
    "bestätig",
    "kündigt",
    "forder",
    "sprach",
    "spricht",
    "nannte",
    "nennt",
    "bezeichne",
    "schrieb",
    "schreibt",
    "teilte",
    "hieß",
    "heißt",
    "verteidig",
    "unterstrich",
    "unterstreicht",
    "antwortet",
    "ergänzt",
    "erläuter",
    "mahnt",
    "versicher",
    "berichte",
    "beklagt",
    "lobt",
    "wertet",
    "hält",
    "rief",
    "ruft",
    "dargestellt",
    "beschrieb",
    "begrüß",
    "bekräftig",
    "versprach",
    "drohte",
    "ausdruck",
    "zitier",
    "bestand",
    "besteht",
    "schätz",
    # en
    "said",
    "says",
    "told",
    "tells",
    "added",
    "adds",
    "warned",
    "warns",
    "stated",
    "insist",
    "explained",
    "argued",
    "noted",
    "fumed",
    "hailed",
    "wrote",
    "declared",
    "claimed",
    "replied",
    "called",
    "described",
    "stressed",
    "urged",
    "urges",
    "thanked",
    "admitted",
    "confirmed",
    "announced",
    "denied",
    "promised",
    "complained",
    "criticised",
    "criticized",
    "welcomed",
    "vowed",
    "accused",
    "recalled",
    "confess",
    "reveal",
    "estimat",
    "insisted",
    # ru
    "заявил",
    "заявля",
    "сказал",
    "отметил",
    "добавил",
    "подчеркн",
    "рассказ",
    "считает",
    "говорит",
    "пояснил",
    "сообщ",
    "напомнил",
    "назвал",
    "назва",
    "признал",
    "уточнил",
    "утвержда",
    "призвал",
    "выразил",
    "пообещал",
    "предупредил",
    "полага",
    "указыва",
    "отмеча",
    # fr
    "disai",
    "révél",
    "révèl",
    "déclar",
    "affirm",
    "estim",
    "dénonc",
    "témoign",
    "assur",
    "confi",
    "expliqu",
    "ajout",
    "soulign",
    "félicit",
    "indiqu",
    "précis",
    "rappel",
    "répond",
    "martel",
    "reconn",
    "qualifi",
    "dément",
    "jugé",
    "parlé",
    "parlan",
    "parlat",
    "parlent",
    "spoke",
    "speaks",
    "calcul",
    "behaupt",
    "explain",
    "заключ",
    "ответил",
    "tweet",
    "résum",
    "calific",
    "definit",
    "annonc",
    "promet",
    "réclam",
    "croire",
    # es
    "dijo",
    "afirm",
    "explic",
    "señal",
    "añad",
    "aseguró",
    "asegura",
    "reconoc",
    "lament",
    "critic",
    "advirt",
    "advierte",
    "defend",
    "defendió",
    "defiend",
    "pidió",
    "sostien",
    "sostuvo",
    "subray",
    "destac",
    "denunci",
    "confirm",
    # it
    "detto",
    "dichiar",
    "aggiunt",
    "aggiung",
    "spieg",
    "sottoline",
    "comment",
    "avvert",
    "ricord",
    "osserv",
    "ammess",
    "afferm",
    "precis",
    "ribad",
    # found missing on real news (tests/data/quotes_news.json)
    "writes",
    "écri",
    "написа",
    "пишет",
    "называ",
    "подчерки",
    "respond",
    "maintain",
    "racont",
    "поясня",
    "высказ",
    "подытож",
    "prévien",
    "conclu",
    "incalz",
    "blasted",
    "jabbed",
    "proseg",
    "raccont",
    "добавля",
    "резюмир",
    "präzisier",
    "требует",
    "требова",
    "потребова",
    "gerügt",
    "rügte",
    "выступа",
    "выступил",
    "parlato",
    "parlando",
    "цитир",
    # common news verbs of saying found missing on the fifth batch's tuning part
    "accuses",
    "apologi",
    "admis",
    "admet",
    "admits",
    "menac",
    "threaten",
    "отреагир",
    "поинтересова",
    "kommentier",
    "festgestellt",
    "ätzt",
    "предлага",
    "подтверд",
)
# Verbs of saying too short or too common in other senses to match by their beginning.
_SPEECH_EXACT = frozenset(
    """
    dit dice afferma afirma sostiene parla parle habla lance lancé lancée reported continuato continua poursuit
    note notent
    read reads
    """.split()
)
# German subjunctive I (reported speech without a verb of saying in the sentence).
_KONJUNKTIV = frozenset(
    "sei seien habe hätten hätte werde würden könne müsse solle wolle dürfe stünden stehe gebe liege".split()
)
_SCARE_MARKERS = (
    "so-called",
    "so called",
    "sogenannt",
    "so genannt",
    "так называем",
    "так-называем",
    "называемый",
    "soi-disant",
    "dite ",
    "dits ",
    "dites ",
    "prétendu",
    "llamad",
    "denominad",
    "autodenominad",
    "supuest",
    "cosiddett",
    "sedicent",
    "the term",
    "the word",
    "the phrase",
    "known as",
    "dubbed",
    "der begriff",
    "das wort",
    "den begriff",
    "das schlagwort",
    "unter dem motto",
    "термин",
    "слово",
    "le mot",
    "le terme",
    "la palabra",
    "el término",
    "la parola",
    "il termine",
    "titled",
    "entitled",
    "titel",
    "названием",
    "intitulé",
    "titulad",
    "intitolat",
)
_LABEL_NOUNS = (
    # a quotation right after one of these nouns names it
    "trawler",
    "schiff",
    "reederei",
    "konzern",
    "unternehmen",
    "firma",
    "initiative",
    "zeitung",
    "operation",
    "programm",
    "format",
    "partei",
    "bewegung",
    "kampagne",
    "plattform",
    "marke",
    "buch",
    "film",
    "roman",
    "lied",
    "sendung",
    "magazin",
    "vessel",
    "ship",
    "company",
    "firm",
    "newspaper",
    "book",
    "novel",
    "song",
    "album",
    "show",
    "series",
    "brand",
    "campaign",
    "movement",
    "party",
    "траулер",
    "судно",
    "судна",
    "компани",
    "препарат",
    "газет",
    "корабл",
    "центр",
    "операци",
    "программ",
    "журнал",
    "книг",
    "фильм",
    "партии",
    "партия",
    "движени",
    "навир",
    "navire",
    "chalutier",
    "société",
    "opération",
    "journal",
    "livre",
    "roman",
    "chanson",
    "parti",
    "barco",
    "buque",
    "empresa",
    "operación",
    "periódico",
    "diario",
    "libro",
    "película",
    "canción",
    "partido",
    "nave",
    "peschereccio",
    "società",
    "operazione",
    "giornale",
    "canzone",
    "partito",
)
_SUBORDINATORS = frozenset(
    "who which that whose dessen deren welche welcher которая который которое которые qui que quien quienes "
    "cuyo che cui dass".split()
)
_LEADING_CONJUNCTIONS = frozenset("but and yet so aber doch und mais et pero y но а и ma e però".split())
# Capitalised at a sentence start but never a name (besides names.py's stopwords).
_FUNCTION_WORDS = frozenset(
    """
    is was are were be been has have had do does did will would can could should may might must why
    what who whom how where which while though although because since until unless per ma se
    e o ed anche come dove quando perché poi ora così ieri oggi secondo
    как когда где если хотя comme quand lorsque
    avant après puis ensuite enfin alors before after then later prima dopo
    интересно однако также впрочем затем потом
    """.split()
)
_WORDS_OF = frozenset("words termes mots worten palabras parole statement déclaration erklärung".split())
_OPINION_HOLDER = frozenset("per pour para für for".split())
_CALENDAR = frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday
    januar februar märz juni juli oktober dezember montag dienstag mittwoch donnerstag freitag samstag
    sonntag heute gestern
    """.split()
)
_INDEFINITE = frozenset("a an ein eine einer eines einem un une una uno".split())
_IN_RU = frozenset({"в", "во"})
# "В Кремле", "В немецком концерне" right before the verb (up to four words after the preposition).
_IN_BODY = re.compile(r"(?<!\w)[Вв]о?\s+((?:[^\W\d_][\w-]*\s+){0,3}[^\W\d_][\w-]*)\s+\Z")
_WRAPPED_TAIL = re.compile(r"[ \t]*,[ \t]*\n\s*[a-zà-ÿа-яё]")
_WORDS_OF_RU = frozenset("слова словам высказывание".split())
_VERB_SECOND = frozenset({"de", "nl", "sv", "da", "no"})
_PLUPERFECT = frozenset("avait avaient aveva avevano hatte hatten had".split())
_AUXILIARIES = frozenset("a ha hat has have had est s'est ont han hanno è sind ist был была было были".split())


@dataclass(frozen=True)
class _Name:
    start: int
    end: int
    text: str
    tokens: int
    after_preposition: bool


class _Context:
    """Per-text state: the words, quotations and sentences of one text, with fast look-ups."""

    def __init__(self, text: str, language: str | None) -> None:
        self.text = text
        self.language = language
        self.spans: list[_Span] = []
        self.sentences: list[tuple[int, int]] = []
        self.paragraph_of: list[int] = []  # paragraph index of each sentence
        self.words = list(_WORD.finditer(text))
        self._word_starts = [w.start() for w in self.words]
        self._word_ends = [w.end() for w in self.words]
        self._span_opens: list[int] = []
        self._sentence_starts: list[int] = []
        self.by_sentence: dict[tuple[int, int], list[_Span]] = {}
        self._evidence: dict[str, bool] = {}

    def evidenced(self, word: str) -> bool:
        """True when the text uses ``word`` as a name somewhere, by the rules of
        :func:`rashomon.names.names_with_surfaces`: a capitalised word away from the start of a
        sentence is evidence; in German, where every noun is capitalised, only when it stands
        beside another capitalised word that is no common noun ("Antony Blinken") or after a
        title ("Präsident Tokajew"). Checked lazily, word by word, for speed."""
        if self.language not in NOUN_CAPITALISING:
            return word.lower()[:5] in self._capitalised_prefixes
        if word not in self._evidence:
            self._evidence[word] = self._german_evidence(word)
        return self._evidence[word]

    def _german_evidence(self, word: str) -> bool:
        """Whether a German word stands as a name somewhere in the text."""
        key = name_key(word)
        if key is None or key.startswith("ISO:"):
            return False
        words = self.words
        for index in self._by_prefix.get(word.lower()[:3], ()):
            match = words[index]
            last = _last_part(match.group(0))
            if self.is_initial(match.start()) or last.lower() in TITLES or is_common_german_noun(last):
                continue
            if name_key(last[:-2] if last[-2:] in ("'s", "’s") else last) != key:
                continue
            neighbours = []
            if index and self.text[words[index - 1].end() : match.start()] == " ":
                neighbours.append(words[index - 1].group(0))
            if index + 1 < len(words) and self.text[match.end() : words[index + 1].start()] == " ":
                neighbours.append(words[index + 1].group(0))
            if any(n[:1].isupper() and (n.lower() in TITLES or not is_common_german_noun(n)) for n in neighbours):
                return True
        return False

    @functools.cached_property
    def _by_prefix(self) -> dict[str, list[int]]:
        """Capitalised words by their first three letters (index into :attr:`words`)."""
        table: dict[str, list[int]] = {}
        for index, match in enumerate(self.words):
            word = match.group(0)
            if word[0].isupper():
                table.setdefault(_last_part(word).lower()[:3], []).append(index)
        return table

    @functools.cached_property
    def _capitalised_prefixes(self) -> set[str]:
        """First letters of every capitalised word away from a sentence start (languages that
        capitalise names only: there each such word is evidence of a name)."""
        return {
            _last_part(m.group(0)).lower()[:5]
            for m in self.words
            if m.group(0)[0].isupper() and not self.is_initial(m.start())
        }

    def index(self) -> None:
        """Sort quotations and sentences once they are all known, for fast look-ups."""
        self.spans.sort(key=lambda s: s.open)
        self._span_opens = [s.open for s in self.spans]
        self._sentence_starts = [lo for lo, _ in self.sentences]

    def in_sentence(self, sentence: tuple[int, int]) -> list[_Span]:
        """The quotations (and labels) that open in a sentence, in order."""
        return self.by_sentence.get(sentence, [])

    def words_in(self, lo: int, hi: int) -> list[re.Match[str]]:
        """The words that lie wholly inside ``text[lo:hi]``."""
        first = bisect.bisect_left(self._word_starts, lo)
        last = bisect.bisect_right(self._word_ends, hi)
        return self.words[first:last] if last > first else []

    def span_at(self, position: int) -> _Span | None:
        """The quotation (or label) whose marks enclose ``position``."""
        index = bisect.bisect_right(self._span_opens, position) - 1
        if index >= 0 and self.spans[index].open <= position <= self.spans[index].close:
            return self.spans[index]
        return None

    def is_initial(self, position: int) -> bool:
        """True when a word at ``position`` starts its sentence (after any quotation mark)."""
        index = self.sentence_index(position)
        lo = self.sentences[index][0] if self.sentences else 0
        return not self.text[lo:position].strip(" \t\"'„“”«»‚‘’‹›–—-*•([")

    def _usable(self, word: str, position: int) -> bool:
        """A capitalised word that may belong to a name (not a title, role, stopword or country)."""
        if word[-2:] in ("'s", "’s"):
            word = word[:-2]
        last = _last_part(word)
        if not word[:1].isupper() or not last[:1].isupper() or _is_role(word):
            return False
        lower = word.lower()
        if lower in NAME_STOPWORDS or lower in _CALENDAR or lower in _FUNCTION_WORDS or len(last) < 2:
            return False
        if self.language in NOUN_CAPITALISING and lower in _GERMAN_DETERMINERS:
            return False  # "Seiner Ansicht nach …": a possessive at a sentence start
        if lower in _PREPOSITIONS - _PARTICLES or lower in _LEADING_CONJUNCTIONS:
            return False  # "Durch Zufall entdeckten …", "Aber Berg sagte": capitalised at a sentence start

        if word.isupper() and len(word) > 5:
            return False
        if self.is_initial(position) and not self.evidenced(last):
            # "Moritz Brandl: …": a first word counts when a name word follows it.
            following = self.words_in(position + len(word), position + len(word) + 40)[:1]
            return bool(
                following
                and self.text[position + len(word) : following[0].start()] == " "
                and not self.is_initial(following[0].start())
                and self._usable(following[0].group(0), following[0].start())
                and not is_common_german_noun(word)
                and (self.language not in NOUN_CAPITALISING or not is_common_german_noun(following[0].group(0)))
            )
        return True

    @staticmethod
    def _country(word: str) -> bool:
        """Whether a word names a country (in any inflection names.py knows)."""
        key = name_key(_last_part(word))
        return key is not None and key.startswith("ISO:")

    def quoted(self, position: int) -> bool:
        """Whether ``position`` lies inside a quotation (labels excluded)."""
        span = self.span_at(position)
        return span is not None and not span.label

    def names(self, lo: int, hi: int, include_labels: bool = True) -> list[_Name]:
        """Name runs in ``text[lo:hi]`` outside quotations (titles and roles stripped)."""
        found: list[_Name] = []
        words = [m for m in self.words_in(lo, hi) if self.span_at(m.start()) is None]
        noun_capitalising = self.language in NOUN_CAPITALISING
        i = 0
        while i < len(words):
            if not self._usable(words[i].group(0), words[i].start()):
                i += 1
                continue
            j = i
            while j + 1 < len(words):
                gap = self.text[words[j].end() : words[j + 1].start()]
                nxt = words[j + 1].group(0)
                same_script = _script(nxt) == _script(words[i].group(0))
                if gap in (" ", "\u00a0") and same_script and self._usable(nxt, words[j + 1].start()):
                    j += 1
                elif (
                    gap == " "
                    and nxt in _PARTICLES
                    and j + 2 < len(words)
                    and self.text[words[j + 1].end() : words[j + 2].start()] == " "
                    and self._usable(words[j + 2].group(0), words[j + 2].start())
                ):
                    j += 2
                else:
                    break
            run = words[i : j + 1]
            # An acronym before a name is its organisation ("МИД Ольга Веденеева").
            while (
                len(run) > 1
                and run[0].group(0).isupper()
                and not run[1].group(0).isupper()
                and run[1].group(0) not in _PARTICLES
            ):
                run = run[1:]
            # Countries and common nouns before a name are not part of it ("Kasachstans Hauptstadt Astana").
            while len(run) > 1 and (
                (
                    self._country(run[0].group(0))
                    and (len(run) >= 3 or run[0].group(0)[-1:] == "s" or not run[1].group(0)[:1].isupper())
                )
                or (noun_capitalising and is_common_german_noun(run[0].group(0)))
            ):
                run = run[1:]
            tokens = [w.group(0) for w in run]
            keyed = any(self.evidenced(_last_part(t)) for t in tokens)
            countries = all(self._country(t) for t in tokens) or _is_multiword_country(tokens)
            if countries:
                accept = False
            elif noun_capitalising:
                plain = [t for t in tokens if not is_common_german_noun(t) and t not in _PARTICLES]
                accept = keyed or len(plain) >= 2
            else:
                accept = True
            if (
                accept
                and j + 2 < len(words)
                and self.text[words[j].end() : words[j + 1].start()] == " "
                and _is_role(words[j + 1].group(0))
                and self._usable(words[j + 2].group(0), words[j + 2].start())
            ):
                accept = False  # "Senate Minority Leader Chuck Schumer": the office, then the person
            if accept:
                start, end = run[0].start(), run[-1].end()
                after_preposition = self._after_preposition(words, i, start)
                if after_preposition and len(run) >= 3 and self._role_before_preposition(words, i):
                    # "il ministro della Difesa Nobuo Kishi": the office's department, then the person.
                    run = run[1:]
                    start, after_preposition = run[0].start(), False
                surface = self.text[start:end]
                if surface[-2:] in ("'s", "’s"):
                    surface, end = surface[:-2], end - 2
                found.append(_Name(start, end, surface, len(run), after_preposition))
            i = j + 1
        if include_labels:
            first = bisect.bisect_left(self._span_opens, lo - 1)
            last = bisect.bisect_right(self._span_opens, hi)
            for span in self.spans[first:last]:
                if span.label and lo <= span.start and span.end <= hi and span.kind == "scare":
                    content = self.text[span.start : span.end]
                    if content[:1].isupper() and not (noun_capitalising and len(content.split()) == 1):
                        found.append(_Name(span.start, span.end, content, len(content.split()), False))
            found.sort(key=lambda n: n.start)
        return found

    def _after_preposition(self, words: list[re.Match[str]], index: int, start: int) -> bool:
        """Whether the name starting at ``words[index]`` follows a preposition (a place, not a speaker)."""
        romance = self.language in ("es", "fr", "it")
        k = index - 1
        # In French "des" is "de les" ("du ministère des Affaires étrangères"), in German an article.
        while k >= 0 and words[k].group(0).lower() in _ARTICLES and not (romance and words[k].group(0) in ("a", "des")):
            k -= 1
        if k >= 0 and (words[k].group(0).lower() in _PREPOSITIONS or (romance and words[k].group(0) == "a")):
            if words[k].group(0).lower() in _OPINION_HOLDER and self.is_initial(words[k].start()):
                return False  # "Per Lorenzo Aquilani, …", "Pour X, …": in X's view
            return "," not in self.text[words[k].end() : start]
        return False

    @staticmethod
    def _role_before_preposition(words: list[re.Match[str]], index: int) -> bool:
        """Whether a role word stands before the preposition that precedes ``words[index]``."""
        k = index - 2  # before the preposition, with no article after it ("of the Kazakh Foreign Ministry")
        while k >= 0 and words[k].group(0).lower() in _ARTICLES:
            k -= 1
        return (
            index >= 1 and words[index - 1].group(0).lower() in _PREPOSITIONS and k >= 0 and _is_role(words[k].group(0))
        )

    def sentence_index(self, position: int) -> int:
        """Index of the sentence that holds ``position``."""
        return max(0, bisect.bisect_right(self._sentence_starts, position) - 1)


@functools.lru_cache(maxsize=65536)
def _last_part(word: str) -> str:
    """The last part of a hyphenated word ("BfAS-Präsident" → "Präsident")."""
    return word.replace("‐", "-").rsplit("-", 1)[-1]


def _is_multiword_country(tokens: list[str]) -> bool:
    """A run of words that names a country ("Vereinigte Staaten")."""
    return len(tokens) >= 2 and tuple(skeleton(t)[:4] for t in tokens) in multiword_territory_codes()


def _script(word: str) -> str:
    """The script of a word, so that name runs do not mix Latin and Cyrillic."""
    return "cyrillic" if re.search(r"[а-яА-ЯёЁ]", word) else "latin"


@functools.lru_cache(maxsize=65536)
def _is_role(word: str) -> bool:
    """A title, function or role word ("Präsident", "spokeswoman", "Bürgermeisterin")."""
    lower = word.lower()
    last = _last_part(lower)
    if len(last) > 6 and last.endswith("in") and _is_role(word[:-2]):
        return True  # German feminine forms: Bürgermeisterin, Außenministerin
    if _AGE_ROLE.match(lower):
        return True  # "der 52-Jährige", "the 52-year-old", "52-летний": a person described by age
    return (
        lower in _ROLE_WORDS
        or last in _ROLE_WORDS
        or lower in TITLES
        or last in TITLES
        or (len(last) > 5 and last.endswith(_ROLE_SUFFIXES))
    )


_AGE_ROLE = re.compile(r"\d{1,3}-?(?:jährige[rn]?|year-old|летн\w*|enne|ans)$")
_ELISION = re.compile(r"^(?:qu|[dlsnjmc])['’]")


@functools.lru_cache(maxsize=65536)
def _is_speech(word: str) -> bool:
    """A verb (or noun) of saying, matched by its beginning."""
    lower = _ELISION.sub("", word.lower().strip("'’"))  # "qu'écrivent", "d'écrire"
    if lower in _SPEECH_EXACT:
        return True
    return len(lower) >= 4 and lower.startswith(_SPEECH_PREFIXES)


def _speech_verbs(ctx: _Context, lo: int, hi: int) -> list[re.Match[str]]:
    """The verbs of saying in ``text[lo:hi]``, outside quotations (in German not the capitalised
    nouns inside a sentence: "Verteidigungspolitik" is no "verteidigt")."""
    german = ctx.language in NOUN_CAPITALISING
    return [
        m
        for m in ctx.words_in(lo, hi)
        if _is_speech(m.group(0))
        and not ctx.quoted(m.start())
        and not (
            german
            and m.group(0)[:1].isupper()
            and not m.group(0).lower().startswith("ausdruck")  # "zum Ausdruck bringen"
            and not ctx.is_initial(m.start())
        )
    ]


def _pick(names: list[_Name]) -> _Name | None:
    """The speaker among name runs: the first full name (two or more words), else the first name."""
    usable = [n for n in names if not n.after_preposition]
    for name in usable:
        if name.tokens >= 2:
            return name
    return usable[0] if usable else None


def _speaker(name: _Name) -> Speaker:
    """A name run as a speaker."""
    return Speaker(name.text, name.start, name.end, "name")


def _role(ctx: _Context, lo: int, hi: int) -> Speaker | None:
    """A description used as speaker ("a Commission spokesperson"), trimmed to its words."""
    segment = ctx.text[lo:hi]
    words = list(_WORD.finditer(segment))
    while words and words[0].group(0).lower() in _LEADING_CONJUNCTIONS:
        words = words[1:]
    while words and words[-1].group(0).lower() in _AUXILIARIES | (_FUNCTION_WORDS - _AS_WORDS):
        words = words[:-1]  # "The Pope later apologised": the role ends before the adverb
    if words and words[0].group(0).lower() in (_FUNCTION_WORDS | _PLUPERFECT) - _AS_WORDS:
        return None  # "Avant d'ajouter …", "», avait par exemple déclaré X": no subject before the verb
    if words and words[0].group(0).lower() in _PREPOSITIONS - _ARTICLES:
        # "В своих посланиях советник": the role after an opening phrase; else no speaker
        # ("gegenüber der Presse", "Auf dem Treffen").
        at = next((i for i, w in enumerate(words) if i and _is_role(w.group(0))), None)
        if at is None:
            return None
        words = words[at - 1 :] if words[at - 1].group(0).lower() in _ARTICLES else words[at:]
    if not words or len(words) > 12:
        return None
    cut = len(words)
    romance = ctx.language in ("fr", "it", "es")
    for index, word in enumerate(words):
        lower = word.group(0).lower()
        if index and (lower in _SUBORDINATORS or (lower in _AUXILIARIES and (lower != "a" or romance))):
            cut = index  # "La chanteuse a eu l'honnêteté d'écrire": the role ends at the auxiliary
            break
    words = words[:cut]
    if not words or all(w.group(0).lower() in _ARTICLES | _PRONOUNS for w in words):
        return None
    if words[0].group(0).lower() in _PLURAL_PRONOUNS:
        return None
    start, end = lo + words[0].start(), lo + words[-1].end()
    return Speaker(ctx.text[start:end], start, end, "role")


# Languages without articles: a bare role noun ("— отметил политолог") is definite.
_ARTICLELESS = frozenset({"ru", "pl", "uk"})


def _refers_back(role: Speaker, language: str | None = None) -> bool:
    """A definite person role ("der US-Außenminister", "the minister") names someone named before."""
    words = role.name.split()
    if any(w.lower() in _INDEFINITE for w in words):
        return False  # "el director de compras de una planta": somebody new
    for index, word in enumerate(words[1:], start=1):
        if word.lower() in _PREPOSITIONS or re.match(r"(?:d|de|del)['’]", word.lower()):
            words = words[:index]
            break
    first = re.split(r"['’]", words[0].lower())[0]
    definite = first in {"the", "der", "die", "das", "dem", "den", "le", "la", "l", "el", "il", "lo"} or (
        language in _ARTICLELESS
    )
    heads = words[1:] + [re.split(r"['’]", words[0])[-1]]
    return definite and len(words) <= 3 and any(_is_role(w) or w.lower() in _OUTLET_NOUNS for w in heads)


# Nouns that stand for a news outlet named before ("the paper", "die Zeitung", "l'agence", "издание").
_OUTLET_NOUNS = frozenset(
    """
    paper newspaper daily tabloid agency magazine outlet broadcaster zeitung blatt magazin agentur sender
    journal quotidien hebdomadaire agence giornale quotidiano agenzia periodico diario газета издание
    агентство телеканал
    """.split()
)


def _previous_outlet(ctx: _Context, position: int, role: Speaker) -> Speaker | None:
    """The outlet a definite "the paper" stands for: up to five sentences back, a name after the same
    noun ("the weekly Die Woche"), else the last source given by a
    cue ("according to The Daily Post", "laut dem Kurier", "selon Le Courrier") or as "The …" ("The
    Daily Post reported")."""
    index = ctx.sentence_index(position)
    for back in range(index, max(-1, index - 6), -1):
        lo, hi = ctx.sentences[back]
        lo, hi = max(lo, position - _WINDOW), min(hi, position)
        names = ctx.names(lo, hi, include_labels=False)
        for name in reversed(names):  # "l'hebdomadaire Die Woche": the name after the same noun
            lead = [w.group(0).lower() for w in _WORD.finditer(ctx.text, max(lo, name.start - 40), name.start)][-3:]
            if set(lead) & (_OUTLET_NOUNS & {w.lower() for w in _WORD.findall(ctx.text, role.start, role.end)}):
                return _speaker(name)
        cues = [c for c in _INDIRECT_CUES.finditer(ctx.text, lo, hi) if not ctx.quoted(c.start())]
        if cues:
            source, via, _ = _cue_source(ctx, cues[-1], hi)
            if source is not None and via == "cue" and not set(source.name.lower().split()) & _INDEFINITE:
                return source
        for name in reversed(names):
            article = re.search(r"(?<!\w)The\s+\Z", ctx.text[max(lo, name.start - 5) : name.start])
            if article is not None:
                start = name.start - len(article.group(0))
                return Speaker(ctx.text[start : name.end], start, name.end, "name")
    return None


def _previous_person(
    ctx: _Context, position: int, sentences_back: int = 3, role: Speaker | None = None, gender: str | None = None
) -> Speaker | None:
    """The last person named before ``position`` (for pronouns and definite roles).

    Sentence by sentence backwards: for a role ("the minister", "— отметил политолог"), a person
    named beside the same role word ("Foreign Minister Anna Berg", "Anna Berg, the minister"; up to
    eight sentences back); then the speaker of an earlier quotation; then the subject of a verb of
    saying ("Гуреев напомнил …"); then the last full name, else the last name.
    """
    if role is not None and any(re.split(r"['’]", w)[-1].lower() in _OUTLET_NOUNS for w in role.name.split()[:3]):
        return _previous_outlet(ctx, position, role)
    if role is None and gender is None:
        gender = _pronoun_gender(ctx, position)  # the pronoun's gender, where the language marks it
    index = ctx.sentence_index(position)
    head = next((w for w in (role.name.split() if role else ()) if _is_role(w)), None)
    reach = 8 if head is not None else sentences_back
    fallback = None
    for back in range(index, max(-1, index - reach - 1), -1):
        sentence_lo, sentence_hi = ctx.sentences[back]
        lo, hi = max(sentence_lo, position - _WINDOW), min(sentence_hi, position)
        names = [n for n in ctx.names(lo, hi, include_labels=False) if not n.after_preposition and _personal(ctx, n)]
        if ctx.language in NOUN_CAPITALISING:
            names = [n for n in names if n.tokens > 1 or not _after_determiner(ctx, n.start)]
        if gender is not None:
            names = [n for n in names if _name_gender(ctx, n.text, n.start) in (None, gender)]
        if head is not None:
            titled = _titled(ctx, names, _last_part(head).lower())
            if titled is not None:
                return _speaker(titled)
        if index - back > sentences_back:
            continue
        if back == index:
            if names:
                return _speaker(names[-1])
            continue
        for span in reversed(ctx.in_sentence(ctx.sentences[back])[-50:]):
            if span.open < hi and span.speaker and not span.label:
                if gender is not None and _name_gender(ctx, span.speaker.name, span.speaker.start) not in (
                    None,
                    gender,
                ):
                    continue
                return span.speaker
        verbs = _speech_verbs(ctx, lo, hi)
        # The subject of a verb of saying: just before it, or opening the sentence ("Blinken für seinen
        # Teil unterstrich …").
        speaking = [
            n
            for n in names
            if any(
                _words_between(ctx, n.end, v.start()) <= (2 if _words_between(ctx, lo, n.start) else 4)
                for v in verbs
                if v.start() >= n.end
            )
        ]
        full = [n for n in names if n.tokens >= 2]
        if speaking:
            return _speaker(speaking[-1])
        if role is None and verbs and _pronoun_before_verb(ctx, lo, hi, verbs) is not None:
            continue  # "Later she said that she visited the fair": she, named farther back
        # A pronoun stands for the subject of the sentence before, the name that opens it ("Mara Lind,
        # too, defended Tom Reed … 'It was long ago!' he blasted"), before a later full name.
        opening = [n for n in names if _words_between(ctx, lo, n.start) <= 1]
        inverted = any(  # "…, заявил в интервью CNN президент Владимир Зеленский": the subject after the verb
            ctx.text[max(lo, v.start() - 3) : v.start()].strip()[-1:] in (",", "—", "–")
            and any(n.start > v.end() and _words_between(ctx, v.end(), n.start) <= 8 for n in names)
            for v in verbs
        )
        if opening and role is None and not inverted:
            return _speaker(opening[0])
        if (full or names) and role is None:
            return _speaker((full or names)[-1])
        if (full or names) and fallback is None:
            fallback = _speaker((full or names)[-1])
    if fallback is None and head is not None:
        # "Hier zeigte sich der Papst streng:" — the bearer of the role named paragraphs before, farther
        # than the window: up to twenty sentences back, each read up to the window.
        for back in range(index - 1, max(-1, index - 21), -1):
            sentence_lo, sentence_hi = ctx.sentences[back]
            far = ctx.names(max(sentence_lo, sentence_hi - _WINDOW), sentence_hi, include_labels=False)
            titled = _titled(
                ctx, [n for n in far if not n.after_preposition and _personal(ctx, n)], _last_part(head).lower()
            )
            if titled is not None:
                return _speaker(titled)
    if fallback is None and role is None:
        # Nobody named in the sentences just before: the speaker of the latest quotation in the eight
        # sentences before that ("…, fragt Bölke. … Er zeigt auf … „…“, sagt er").
        for back in range(index - sentences_back - 1, max(-1, index - 9), -1):
            for span in reversed(ctx.in_sentence(ctx.sentences[back])[-50:]):
                if span.speaker and not span.label and span.speaker.kind == "name":
                    if gender is not None and _name_gender(ctx, span.speaker.name, span.speaker.start) not in (
                        None,
                        gender,
                    ):
                        continue
                    return span.speaker
        # Else the last person named in those sentences ("Laut Igor Berg … . … erklärte er: „…“").
        for back in range(index - sentences_back - 1, max(-1, index - 9), -1):
            lo, hi = ctx.sentences[back]
            lo = max(lo, hi - _WINDOW)
            names = [
                n for n in ctx.names(lo, hi, include_labels=False) if not n.after_preposition and _personal(ctx, n)
            ]
            if ctx.language in NOUN_CAPITALISING:
                names = [n for n in names if n.tokens > 1 or not _after_determiner(ctx, n.start)]
            if gender is not None:
                names = [n for n in names if _name_gender(ctx, n.text, n.start) in (None, gender)]
            if names:
                return _speaker(names[-1])
    return fallback  # a role refers to somebody who spoke before rather than to the last name


_FEMININE = frozenset("she her elle lei ella она её ее ей неё нее".split())
_MASCULINE = frozenset("he him his il lui él он его ему него".split())
_FEMININE_TITLE = re.compile(r"(?:Mrs|Ms|Mme|Madame|Mlle|Frau|Signora|Sra|госпожа|г-жа)\.?\s+\Z")
_MASCULINE_TITLE = re.compile(r"(?:Mr|M|Monsieur|Herr|Signor|Sr|господин|г-н)\.?\s+\Z")
_RU_MASCULINE = ("ов", "ев", "ёв", "ин", "ын", "ий", "ый", "ой")


def _pronoun_gender(ctx: _Context, position: int) -> str | None:
    """ "f" or "m" for a gendered personal pronoun at ``position`` ("she", "elle", "она"), else None."""
    word = _WORD.match(ctx.text, position)
    lower = word.group(0).lower() if word else ""
    if ctx.language == "it" and lower == "lui":
        return "m"
    return "f" if lower in _FEMININE else "m" if lower in _MASCULINE else None


def _name_gender(ctx: _Context, name: str, start: int) -> str | None:
    """A name's gender where the text marks it: a title before it ("Mme", "Herr") or a masculine Russian
    surname in the nominative ("Петров"); None where it does not."""
    lead = ctx.text[max(0, start - 12) : start]
    if _FEMININE_TITLE.search(lead):
        return "f"
    if _MASCULINE_TITLE.search(lead):
        return "m"
    last = name.split()[-1].lower() if name.split() else ""
    # Only the masculine nominative is unambiguous: "Петрова" may be Петров's genitive.
    if _script(last) == "cyrillic" and len(last) > 4 and last.endswith(_RU_MASCULINE):
        return "m"
    return None


def _personal(ctx: _Context, name: _Name) -> bool:
    """Whether a name may be a person's: not an acronym ("НАТО", "CNN") nor a title after "the"
    ("The Wall Street Journal")."""
    if all(t.isupper() for t in name.text.split()):
        return False
    return re.search(r"(?<!\w)[Tt]he\s+\Z", ctx.text[max(0, name.start - 5) : name.start]) is None


_AGENT_PREPOSITIONS = frozenset("by par von durch da por от".split())
_AND = frozenset("and und et e y и".split())


def _previous_group(ctx: _Context, position: int) -> Speaker | None:
    """Who "they" are: the last two names joined by "and" ("Schumer and Pelosi said …") in the
    sentence or the two before it, else an earlier quotation's speaker of that shape."""
    index = ctx.sentence_index(position)
    for back in range(index, max(-1, index - 3), -1):
        lo, hi = ctx.sentences[back]
        lo, hi = max(lo, position - _WINDOW), min(hi, position)
        names = [n for n in ctx.names(lo, hi, include_labels=False) if not n.after_preposition]
        for left, right in zip(reversed(names[:-1]), reversed(names[1:]), strict=True):
            between = _WORD.findall(ctx.text, left.end, right.start)
            if 0 < len(between) <= 5 and between[-1].lower() in _AND:  # "X and Y", "X (D-NY) and Y"
                return Speaker(ctx.text[left.start : right.end], left.start, right.end, "name")
        for span in reversed(ctx.in_sentence(ctx.sentences[back])[-50:]):
            if span.open < hi and span.speaker and not span.label and _is_group(span.speaker.name):
                return span.speaker
    return None


def _is_group(name: str) -> bool:
    """Whether a speaker names several people ("Chuck Schumer and Nancy Pelosi")."""
    return any(w.lower() in _AND for w in name.split())


def _same_role(word: str, head: str) -> bool:
    """Whether a word names the same role as ``head`` ("Außenministerin"/"minister", "министра"/"министр")."""
    word = _last_part(word).lower()
    return word[:6] == head[:6] or (len(head) >= 6 and head in word) or (len(word) >= 6 and word in head)


def _titled(ctx: _Context, names: list[_Name], head: str) -> _Name | None:
    """The last of ``names`` that stands beside the role word ``head`` (organisations left out)."""
    for name in reversed(names):
        if any(len(t) > 1 and t.isupper() for t in name.text.split()):
            continue  # "Польши РИА": an agency, not the minister
        # "Foreign Minister Anna Berg", "Anna Berg, the minister", "Иван Петров … занимает пост министра"
        sentence_end = ctx.sentences[ctx.sentence_index(name.start)][1] if ctx.sentences else name.end + 60
        around = ctx.words_in(max(0, name.start - 60), name.start)[-4:]
        around += ctx.words_in(name.end, min(sentence_end, name.end + 60))[:5]
        if any(_same_role(w.group(0), head) for w in around if not ctx.quoted(w.start())):
            return name
    return None


# -- attribution ---------------------------------------------------------------------------------


def _after(ctx: _Context, span: _Span, hi: int) -> tuple[Speaker | None, str | None, str | None]:
    """Speaker named after the quote: "„…“, sagte X", "«…», — заявил X", "“…,” X said"."""
    text = ctx.text
    tail_start = span.close + 1
    separator = re.match(r"[\s,]*(?:[—–-]\s*)?", text[tail_start:hi])
    position = tail_start + (separator.end() if separator else 0)
    separated = bool(re.search(r"[,—–-]", text[span.close : position])) or text[span.end - 1 : span.end] in (
        ",",
        "!",
        "?",
    )
    if not separated:
        line_end = text.find("\n", position, position + 100)
        byline = _byline(ctx, position, line_end if line_end != -1 else min(len(text), position + 100))
        if byline is not None:  # "“…” Dave Weigel." (the sentence may end at the quotation mark)
            return byline, "after", None
    headline = _HEADLINE_DASH.match(text, tail_start)
    if headline is not None and ctx.paragraph_of[ctx.sentence_index(span.open)] == 0:
        # A headline: "„…“ – Friedrich Merz weist das zurück": the person the dash leads to.
        names = ctx.names(headline.end(), min(len(text), headline.end() + 60), include_labels=False)
        if names and names[0].start == headline.end() and _personal(ctx, names[0]):
            return _speaker(names[0]), "after", None
    if (
        not separated
        and text[span.end - 1 : span.end] in (".", "!", "?", "…")
        and text[position : position + 1].isupper()
    ):
        # "« Nous resterons fermes. » C'est ce qu'a déclaré Jean Martin.": a sentence of its own after the
        # quotation, opened by a verb of saying (in its first four words) and its subject.
        opening = list(_WORD.finditer(text, position, hi))[:4]
        verb_word = next((w for w in opening if _is_speech(w.group(0))), None)
        if verb_word is not None:
            names = ctx.names(verb_word.end(), min(hi, verb_word.end() + 60), include_labels=False)
            if names and _words_between(ctx, verb_word.end(), names[0].start) <= 2 and _personal(ctx, names[0]):
                return _speaker(names[0]), "after", verb_word.group(0)
    if position >= hi or not separated:
        return None, None, None
    tail = list(_WORD.finditer(text, position, hi))
    if not tail:
        return None, None, None
    if (
        len(tail) > 2
        and tail[0].group(0).lower() in _CLITICS.get(ctx.language or "", ())
        and (tail[1].group(0).lower() in _AUXILIARIES or _is_speech(tail[1].group(0)))
    ):
        tail = tail[1:]  # "«…», lui a répondu Joe Biden", "—le dijo Ana Pérez": the object pronoun is not the speaker
    words_of = next((k for k in range(min(3, len(tail))) if tail[k].group(0).lower() in _WORDS_OF_RU), None)
    if words_of is not None and all(not w.group(0)[:1].isupper() for w in tail[:words_of]):
        # "«…», – приводит слова Петрова пресс-служба": whose words are given, not who gives them.
        owner = ctx.names(tail[words_of].end(), min(hi, tail[words_of].end() + 80), include_labels=False)
        if owner and _words_between(ctx, tail[words_of].end(), owner[0].start) == 0:
            return _speaker(owner[0]), "after", tail[0].group(0)
    source = _source_after(ctx, tail, hi)
    if source is not None:
        return source, "after", tail[0].group(0)  # "«…», selon Biden", "„…“, laut Scholz"
    if tail[0].group(0).lower() in _AUXILIARIES | _PLUPERFECT:
        # "a déclaré X", "ha detto X", "s'est félicité X", "ha poi ulteriormente precisato X", "avait par
        # exemple déclaré X"
        verb_at = next((k for k in range(1, min(5, len(tail))) if _is_speech(tail[k].group(0))), None)
        if verb_at is not None and all(w.group(0).islower() for w in tail[1:verb_at]):
            tail = tail[verb_at:]
    document = _DOCUMENT.match(text, tail[0].start())
    if document is not None:
        # The document and whose it is: "в заявлении на сайте министерства" (to the clause's end, six words).
        end = document.end(1)
        for word in _WORD.finditer(text, end, _clause_end(ctx, end, hi)):
            if _words_between(ctx, document.start(1), word.end()) > 6:
                break
            end = word.end()
        return Speaker(text[document.start(1) : end], document.start(1), end, "role"), "after", tail[0].group(0)
    first = tail[0].group(0)
    if re.search(r"-(?:ils|elles)$", first) or (
        len(tail) > 1 and _is_speech(first) and re.search(r"-(?:ils|elles)$", tail[1].group(0))
    ):
        group = _previous_group(ctx, span.open)  # "ont-ils déclaré", "disent-elles"
        return group, ("pronoun" if group else None), first
    if re.search(r"-t-(?:il|elle)$|-(?:il|elle)$", first) or (
        len(tail) > 1 and _is_speech(first) and re.search(r"-t-(?:il|elle)$|-(?:il|elle)$", tail[1].group(0))
    ):
        elle = re.search(r"-(?:t-)?elle$", first) or (len(tail) > 1 and re.search(r"-(?:t-)?elle$", tail[1].group(0)))
        antecedent = _previous_person(ctx, span.open, gender="f" if elle else "m")  # "a-t-il dit", "dit-elle"
        return antecedent, ("pronoun" if antecedent else None), first
    if _is_pronoun(first, ctx.language) and len(tail) > 1 and _is_speech(tail[1].group(0)):
        antecedent = _previous_person(ctx, span.open, gender=_pronoun_gender(ctx, tail[0].start()))  # "…," she said
        return antecedent, ("pronoun" if antecedent else None), tail[1].group(0)
    if first.lower() in _PLURAL_PRONOUNS and len(tail) > 1 and _is_speech(tail[1].group(0)):
        group = _previous_group(ctx, span.open)  # "…," they said
        return group, ("pronoun" if group else None), tail[1].group(0)
    inverted = first[:1].islower() and first.lower() not in _ARTICLES
    verb = next((w for w in tail[:2] if _is_speech(w.group(0))), None) if inverted else None
    if inverted and (verb is not None or first.lower() == "so"):
        # Verb first: "sagte Blinken", "lance Mehmet Yilmaz", "so Tokajew", "veut croire Claire Mounier".
        cue = verb.group(0) if verb else first
        after_verb = verb.end() if verb else tail[0].end()
        stop = next((w.start() for w in tail if w.start() > after_verb and w.group(0).lower() in _SUBORDINATORS), hi)
        words_after = [w for w in tail if w.start() >= after_verb]
        if verb is not None and (not words_after or words_after[0].group(0).lower() in _LEADING_CONJUNCTIONS):
            # "«…», ha ribadito e ha sottolineato …" — no subject: the person of the sentences before.
            # "«…», spiega." The subject is left out: the person of the sentences before.
            antecedent = _previous_person(ctx, span.open)
            return antecedent, ("previous" if antecedent else None), cue
        plural_sie = ctx.language == "de" and cue.lower().endswith("en") and cue[:1].islower()
        if words_after and words_after[0].group(0).lower() == "sie" and plural_sie:
            group = _previous_group(ctx, span.open)  # "„…“, sagten sie"
            return group, ("pronoun" if group else None), cue
        if words_after and _is_pronoun(words_after[0].group(0), ctx.language):
            antecedent = _previous_person(ctx, span.open, gender=_pronoun_gender(ctx, words_after[0].start()))
            return antecedent, ("pronoun" if antecedent else None), cue
        if (
            verb is not None
            and verb.group(0).lower().startswith(_QUOTING)
            and words_after
            and words_after[0].group(0).lower() in _OBJECT_FORMS | {"ihn", "lo", "la", "le"}
        ):
            antecedent = _previous_person(ctx, span.open)  # "«…», — цитирует его агентство"
            return antecedent, ("pronoun" if antecedent else None), cue
        if words_after and words_after[0].group(0).lower() in _PLURAL_PRONOUNS:
            group = _previous_group(ctx, span.open)  # "«…», — заявили они", "„…“, sagten sie"
            return group, ("pronoun" if group else None), cue
        if (
            verb is not None
            and _impersonal_plural(ctx, verb)
            and words_after
            and words_after[0].group(0).lower() in _IN_RU
        ):
            # "«…», — заявили в Кремле": a body speaks through the impersonal plural.
            body_words = [w for w in words_after[1:5] if w.end() <= _clause_end(ctx, words_after[0].end(), stop)]
            if body_words:
                start, end = body_words[0].start(), body_words[-1].end()
                return Speaker(text[start:end], start, end, "role"), "after", cue
        if verb is not None and words_after and words_after[0].group(0).lower() in _AGENT_PREPOSITIONS:
            # Passive: "“…,” was said by Anna Berg", "« … », a été déclaré par Anna Berg".
            agent = [n for n in ctx.names(words_after[0].end(), stop, include_labels=False)]
            if agent and _words_between(ctx, words_after[0].end(), agent[0].start) <= 3:
                return _speaker(agent[0]), "after", cue
        one_of = _ONE_OF.match(text, words_after[0].start()) if words_after else None
        if one_of is not None:
            # "«…», — написал один из читателей сайта DM": one of a group, not the site named after.
            role = _role(ctx, one_of.start(), _clause_end(ctx, after_verb, stop))
            return role, ("after" if role else None), cue
        near = [
            n
            for n in ctx.names(after_verb, stop, include_labels=False)
            if _words_between(ctx, after_verb, n.start) <= 6
        ]
        name = _pick(near)
        between = [w.group(0) for w in tail if after_verb <= w.start() and name is not None and w.end() <= name.start]
        if name is not None and name.text.isupper() and between and any(_is_role(w) for w in between):
            # "— подчеркнул канцлер ФРГ": the role of an abbreviated country or body, not the body.
            start = next(w.start() for w in tail if w.start() >= after_verb)
            body = Speaker(text[start : name.end], start, name.end, "role")
            antecedent = _previous_person(ctx, span.open, role=body) if _refers_back(body, ctx.language) else None
            return (antecedent, "role", cue) if antecedent else (body, "after", cue)
        if name is not None:
            return _speaker(name), "after", cue
        role_end = _clause_end(ctx, after_verb, stop)
        apposed = [n for n in ctx.names(role_end, stop, include_labels=False) if n.tokens >= 2]
        if apposed and not ctx.text[role_end : apposed[0].start].strip(" ,"):
            # "sagte der stellvertretende Ständige Vertreter Russlands bei der UN, Dmitri Poljanski."
            return _speaker(apposed[0]), "after", cue
        role = _role(ctx, after_verb, role_end)
        if role and _refers_back(role, ctx.language):
            antecedent = _previous_person(ctx, span.open, role=role)
            if antecedent:
                return antecedent, "role", cue
        return role, ("after" if role else None), cue
    # Subject first: "Villalba told reporters", "a Commission spokesperson told reporters".
    verb = next((w for w in tail[:7] if _is_speech(w.group(0))), None)
    if verb is None or "," in text[position : verb.start()]:
        return None, None, None
    names = ctx.names(position, verb.start(), include_labels=False)
    if first.lower() in _ARTICLES or not names:
        role = _role(ctx, position, verb.start())
        if role and _refers_back(role, ctx.language):
            antecedent = _previous_person(ctx, span.open, role=role)
            if antecedent:
                return antecedent, "role", verb.group(0)
        return role, ("after" if role else None), verb.group(0)
    name = _pick(names)
    return (_speaker(name), "after", verb.group(0)) if name else (None, None, None)


_HEADLINE_DASH = re.compile(r"[ \t]+[—–-][ \t]+")
_DOCUMENT = re.compile(
    r"(?:говорится|сказано|отмечается|утверждается|heißt es|hieß es|si legge|peut-on lire|lit-on)\s+"
    r"(?:в|во|in|im|nel|nella|dans|sur)\s+(?:(?:der|dem|einer|einem|le|la|l['’]|les|un|une)\s*)?([^\W\d_]{3,})",
    re.IGNORECASE,
)
_ONE_OF = re.compile(
    r"(?:один|одна|одно|one|l['’]une?|uno|una|einer|eine)\s+(?:из|of|des|dei|degli|delle|der)\s", re.IGNORECASE
)


# Object pronouns between a quotation and its verb ("«…», lui a répondu X"); Italian "lui" is a subject.
_CLITICS = {
    "fr": frozenset("lui leur nous vous me te".split()),
    "es": frozenset("le les me nos te".split()),
    "it": frozenset("gli le mi ci ti".split()),
}
_SOURCE_WORDS = frozenset("selon según secondo laut".split())


def _source_after(ctx: _Context, tail: list[re.Match[str]], hi: int) -> Speaker | None:
    """The X of "selon X", "según X", "laut X", "according to X" right after a quotation."""
    first = tail[0].group(0).lower()
    if first == "according" and len(tail) > 1 and tail[1].group(0).lower() == "to":
        after = tail[1].end()
    elif first in _SOURCE_WORDS:
        after = tail[0].end()
    else:
        return None
    names = [n for n in ctx.names(after, hi, include_labels=False) if _words_between(ctx, after, n.start) <= 2]
    if names:
        return _speaker(names[0])
    role = _definite_role(ctx, list(_WORD.finditer(ctx.text, after, min(hi, after + 40)))[:3])
    if role is not None and _refers_back(role, ctx.language):
        return _previous_person(ctx, role.start, role=role) or role  # "« … », selon le ministre"
    return None


_BYLINE_END = re.compile(r"[ \t]*(?:[.,;(]|\n|\Z)")


def _byline(ctx: _Context, position: int, hi: int) -> Speaker | None:
    """A full name standing alone right after a quotation, as a signature: "“…” Dave Weigel.",
    "“…” –William Blackstone, English Common Law"."""
    text = ctx.text
    dash = re.match(r"[ \t]*(?:[—–-]|\()?[ \t]*", text[position:hi])
    start = position + (dash.end() if dash else 0)
    names = ctx.names(start, min(hi, start + 80), include_labels=False)
    if not names or names[0].start != start or names[0].tokens < 2:
        return None
    name = names[0]
    if dash and "(" in dash.group(0):  # an epigraph's source in brackets: "« … » (Jean Martin)"
        return _speaker(name) if re.match(r"[ \t]*[),]", text[name.end :]) else None
    return _speaker(name) if _BYLINE_END.match(text, name.end) else None


def _clause_end(ctx: _Context, lo: int, hi: int) -> int:
    """The first comma in ``text[lo:hi]``, else ``hi``."""
    comma = ctx.text.find(",", lo, hi)
    return comma if comma != -1 else hi


def _words_between(ctx: _Context, lo: int, hi: int) -> int:
    """How many words lie between two offsets."""
    return len(_WORD.findall(ctx.text, lo, hi)) if hi > lo else 0


def _before(ctx: _Context, span: _Span, lo: int) -> tuple[Speaker | None, str | None, str | None]:
    """Speaker named before a colon that introduces the quote: "X said: …", "X: „…“"."""
    head = ctx.text[lo : span.open].rstrip()
    if head.endswith(","):
        # "… and defiantly declared, “…”": a verb of saying right before the comma introduces it too.
        last = _WORD.findall(head[-40:])
        if not last or not _is_speech(last[-1]):
            return None, None, None
    elif not head.endswith(":"):
        return None, None, None
    colon = lo + len(head) - 1
    clause_lo = lo
    verbs = _speech_verbs(ctx, clause_lo, colon)
    words = list(_WORD.finditer(ctx.text, clause_lo, colon))
    verb_index = [i for i, w in enumerate(words) if _is_speech(w.group(0))]
    pronoun = next(
        (
            w
            for i, w in enumerate(words)
            if _is_pronoun(w.group(0), ctx.language) and (i == 0 or any(abs(i - v) <= 2 for v in verb_index))
        ),
        None,
    )
    names = ctx.names(clause_lo, colon, include_labels=False)
    name = _pick(names)
    if verbs:
        # "According to MEMRI, Khecharem also said:": the name right before the verb, unless an
        # apposition stands between ("Derek Hollis, of the group Pensioners' Voice, said:").
        adjacent = [
            n
            for n in names
            if n.end <= verbs[-1].start() and not n.after_preposition and "," not in ctx.text[n.end : verbs[-1].start()]
        ]
        if adjacent:
            name = adjacent[-1]
        elif names and not names[0].after_preposition and _words_between(ctx, clause_lo, names[0].start) == 0:
            name = names[0]  # "Goldwater took on …, voted against the Civil Rights Act …, declared, “…”"
    if not verbs and head.endswith(":"):
        at_colon = [n for n in names if not n.after_preposition and _words_between(ctx, n.end, colon) == 0]
        if at_colon:
            name = at_colon[-1]
        elif name is None and pronoun is None and words and len(words) <= 4 and _is_role(words[0].group(0)):
            first_word = words[0]
            return Speaker(first_word.group(0), first_word.start(), first_word.end(), "role"), "before", ":"
        elif name is None and pronoun is None:
            role = _definite_role(ctx, words)
            antecedent = _previous_person(ctx, role.start, role=role) if role is not None else None
            if antecedent is not None:
                return antecedent, "role", ":"
    if pronoun is not None and name is None:
        antecedent = _previous_person(ctx, pronoun.start())
        return antecedent, ("pronoun" if antecedent else None), (verbs[0].group(0) if verbs else ":")
    if name is not None:
        return _speaker(name), "before", (verbs[0].group(0) if verbs else ":")
    if verbs:
        role = _role(ctx, clause_lo, verbs[0].start())
        if role is not None and not _described_person(role) and " " not in role.name:
            # Verb-second order: "Zunächst behauptete die Gymnasiastin: …" — the subject follows the verb.
            following = _role(ctx, verbs[0].end(), colon)
            if following is not None and following.name.split()[0].lower() in _ARTICLES:
                words_of = following.name.split()
                cut = next((i for i, w in enumerate(words_of[1:], 1) if w.lower() in _PREPOSITIONS), len(words_of))
                end = following.start + len(" ".join(words_of[:cut]))
                role = Speaker(ctx.text[following.start : end], following.start, end, "role")
        comma = ctx.text.rfind(",", clause_lo, verbs[0].start())
        if role is None and comma != -1 and 0 < _words_between(ctx, comma, verbs[0].start()) <= 4:
            role = _role(ctx, comma + 1, verbs[0].start())  # "In a statement, the ministry said: “…”"
        if role is None:
            # "In einem Interview verteidigte die Ministerin ihren Plan: „…“": the subject after the verb.
            after_verb = [w for w in words if w.start() >= verbs[0].end()]
            role = _definite_role(ctx, after_verb)
        if role and _refers_back(role, ctx.language):
            # "La députée macroniste de Nantes y écrit ceci : « … »" — the deputy named before.
            antecedent = _previous_person(ctx, role.start, role=role)
            if antecedent:
                return antecedent, "role", verbs[0].group(0)
        if role:
            return role, "before", verbs[0].group(0)
    return None, None, None


def _definite_role(ctx: _Context, words: list[re.Match[str]]) -> Speaker | None:
    """The first definite role ("der Papst", "the minister", "la ministre"; in Russian a bare role noun
    not after a preposition, "В интервью министр …") among ``words``."""
    for index, word in enumerate(words):
        lower = word.group(0).lower()
        if index + 1 < len(words) and lower in _DEFINITE and _is_role(words[index + 1].group(0)):
            end = words[index + 1].end()
            return Speaker(ctx.text[word.start() : end], word.start(), end, "role")
        if ctx.language in _ARTICLELESS and _is_role(word.group(0)) and word.group(0)[:1].islower():
            if index == 0 or words[index - 1].group(0).lower() not in _PREPOSITIONS:
                return Speaker(word.group(0), word.start(), word.end(), "role")
    return None


_GERMAN_DETERMINERS = frozenset(
    "sein seine seinem seinen seiner seines ihr ihre ihrem ihren ihrer ihres unser unsere unserem unseren unserer "
    "mein meine meinem meinen meiner dein deine euer eure dieser diese dieses diesem diesen jener jene".split()
)
_AS_WORDS = frozenset("как comme come wie as".split())
_DEFINITE = frozenset("the der die den dem le la il lo el".split())
_ZUFOLGE = re.compile(r"\s+zufolge\b")


def _source_in(ctx: _Context, lo: int, hi: int) -> Speaker | None:
    """The source a sentence reports ("according to X", "laut X", "selon X", "X zufolge")."""
    cue = _INDIRECT_CUES.search(ctx.text, lo, hi)
    if cue is not None and not ctx.quoted(cue.start()):
        speaker, _, _ = _cue_source(ctx, cue, hi)
        if speaker is not None and speaker.kind == "name":
            return speaker
    if ctx.language == "de":
        for match in _ZUFOLGE.finditer(ctx.text, lo, hi):
            names = [n for n in ctx.names(lo, match.start() + 1, include_labels=False) if n.end == match.start()]
            if names:
                return _speaker(names[-1])
    return None


def _cue_source(ctx: _Context, cue: re.Match[str], hi: int) -> tuple[Speaker | None, str | None, int]:
    """Who "laut X", "according to X", "по словам X" names; returns (speaker, via, end of X)."""
    text = ctx.text
    if any(p in cue.group(0).lower().split() for p in _PRONOUNS):  # по его словам
        antecedent = _previous_person(ctx, cue.start())
        return antecedent, ("pronoun" if antecedent else None), cue.end()
    words = list(_WORD.finditer(text, cue.end(), hi))
    if words and words[0].group(0).lower() in _POSSESSIVES:  # "según sus cálculos"
        antecedent = _previous_person(ctx, cue.start())
        comma = text.find(",", cue.end(), hi)
        return antecedent, ("pronoun" if antecedent else None), comma if comma != -1 else words[0].end()
    comma = text.find(",", cue.end(), hi)
    if comma != -1 and _words_between(ctx, cue.end(), comma) <= 8:
        end = comma
    elif (
        len(_WORD.findall(text, ctx.sentences[ctx.sentence_index(cue.start())][0], cue.start())) > 1
        and len(words) <= 8
        and not text[words[-1].end() if words else cue.end() : hi].strip(' .!?…)»“”"')
    ):
        end = words[-1].end() if words else cue.end()  # "…, according to people familiar with it."
    else:
        end = cue.end()
        seen_capital = False
        for index, word in enumerate(words[:8]):
            token = word.group(0)
            following = words[index + 1].group(0) if index + 1 < len(words) else ""
            if token[:1].isupper():
                seen_capital = True
                end = word.end()
            elif not seen_capital and (token.lower() in _ARTICLES or following[:1].isupper()):
                end = word.end()  # "dem russischen Außenminister"
            elif not seen_capital and index and words[index - 1].group(0).lower() in _ARTICLES:
                end = word.end()  # "selon le texte dont …", "according to the report": a document speaks
                break
            elif seen_capital and token in _PARTICLES and following[:1].isupper():
                continue
            else:
                break
    if end <= cue.end():
        return None, None, cue.end()
    first = _WORD.search(text, cue.end(), end)
    if first and _is_pronoun(first.group(0), ctx.language):
        antecedent = _previous_person(ctx, cue.start())
        return antecedent, ("pronoun" if antecedent else None), end
    names = ctx.names(cue.end(), end)
    name = _pick(names)
    if name is None and names and {w.lower() for w in _WORD.findall(text, cue.end(), names[0].start)} & _WORDS_OF:
        name = names[0]  # "selon les termes de Jérôme Lê", "in the words of X"
    if name is not None:
        return _speaker(name), "cue", end
    role = _role(ctx, cue.end(), end)
    if role and _refers_back(role, ctx.language):
        antecedent = _previous_person(ctx, cue.start(), role=role)
        if antecedent:
            return antecedent, "role", end
    return role, ("cue" if role else None), end


def _in_sentence(ctx: _Context, span: _Span, lo: int, hi: int) -> tuple[Speaker | None, str | None, str | None]:
    """Speaker of a partial quote named in its own clause: the subject of the verb of saying."""
    text = ctx.text
    # The clause: cut at semicolons and colons that lie outside quotations.
    sentence_lo, colon = lo, None
    for cut in re.finditer(r"[;:]", text[lo:hi]):
        position = lo + cut.start()
        if ctx.quoted(position):
            continue
        if position < span.open:
            lo = position + 1
            colon = position if cut.group(0) == ":" else None
        elif position > span.close:
            hi = position
            break
    if colon is not None and not _speech_verbs(ctx, lo, hi) and _speech_verbs(ctx, sentence_lo, colon):
        # "Dann räumte sie ein: Ein Bericht habe „Auffälligkeiten“ vermerkt."
        body = _impersonal_body(ctx, sentence_lo, colon)
        if body is not None:
            return body, "sentence", None
        head = _Span(open=colon + 1, close=colon + 1)
        speaker, via, cue_word = _before(ctx, head, sentence_lo)
        if speaker is not None:
            return speaker, via, cue_word
    cue = _INDIRECT_CUES.search(text, lo, span.open)
    reported_by_subject = any(_THAT.search(text, v.end(), span.open) for v in _speech_verbs(ctx, lo, span.open))
    if cue is None and not reported_by_subject:
        # "souligne la « mixité », selon les termes de Jérôme Lê." — but not in "X a indiqué que
        # « … », selon les propos rapportés par Le Parisien": there X speaks, the cue names the reporter.
        trailing = _INDIRECT_CUES.search(text, span.close, hi)
        if trailing and "," in text[span.close : trailing.start()] and not ctx.quoted(trailing.start()):
            cue = trailing
    if cue and not ctx.quoted(cue.start()):
        speaker, via, _ = _cue_source(ctx, cue, hi)
        verbs_before = _speech_verbs(ctx, lo, cue.start())
        cue_subject = (
            next(
                (
                    n
                    for n in ctx.names(lo, verbs_before[0].start(), include_labels=False)
                    if not n.after_preposition or _words_between(ctx, lo, n.start) <= 5
                ),
                None,
            )
            if verbs_before
            else None
        )
        if speaker is not None and speaker.kind == "role" and cue_subject is not None:
            # "Il ministero della Difesa di Roma … ha precisato di aver, secondo il protocollo, «…»": the
            # cue_subject of the verb of saying speaks (with its description), the cue names a rule.
            first = _WORD.search(text, lo, cue_subject.end)
            start = first.start() if first is not None else cue_subject.start
            return (
                Speaker(text[start : cue_subject.end], start, cue_subject.end, "role"),
                "sentence",
                verbs_before[0].group(0),
            )
        if speaker is not None:
            return speaker, via, cue.group(0)
    if cue is None and ctx.language == "de":
        source = _source_in(ctx, lo, span.open)  # "Den Worten Bergs zufolge sollte der Westen „…“"
        if source is not None:
            return source, "sentence", "zufolge"
    verbs = _speech_verbs(ctx, lo, hi)
    names = [n for n in ctx.names(lo, hi) if not n.after_preposition and n.start != span.start]
    if not verbs:
        lowered = {w.lower() for w in _WORD.findall(text, lo, hi)}
        if ctx.language in NOUN_CAPITALISING and lowered & _KONJUNKTIV:
            return None, None, None  # reported speech: the speaker is in an earlier sentence
        leading = [
            n
            for n in names
            if n.end <= span.open
            and _words_between(ctx, lo, n.start) <= 3
            and ctx.span_at(n.start) is None
            and not (ctx.language in NOUN_CAPITALISING and _after_article(ctx, n.start))
        ]
        if leading:
            return _speaker(leading[0]), "sentence", None
        just_before = list(_WORD.finditer(text, max(lo, span.open - 40), span.open))[-1:]
        first_quoted = _WORD.search(text, span.start, span.end)
        if (
            just_before
            and first_quoted is not None
            and _is_pronoun(just_before[0].group(0), ctx.language)
            and _is_speech(first_quoted.group(0))
        ):
            # "… он «считает, что …»": the verb of saying opens the quotation, its subject is a pronoun.
            antecedent = _previous_person(ctx, just_before[0].start())
            return antecedent, ("pronoun" if antecedent else None), None
        return None, None, None
    verb = min(verbs, key=lambda v: abs(v.start() - span.open))
    body = _impersonal_body(ctx, lo, span.open)
    if body is not None:
        return body, "sentence", verb.group(0)
    words = [w for w in ctx.words_in(lo, hi) if not ctx.quoted(w.start())]
    position = next(i for i, w in enumerate(words) if w.start() == verb.start())
    nearby = words[max(0, position - 3) : position] + words[position + 1 : position + 2]
    pronoun = next((w for w in nearby if _is_pronoun(w.group(0), ctx.language)), None)
    comma = text.rfind(",", span.close, verb.start())
    if verb.start() > span.close and comma != -1 and _words_between(ctx, comma, verb.start()) <= 4:
        # "…, the three bishops said": the subject stands right before the trailing verb.
        subject = [n for n in names if n.start > comma and n.end <= verb.start()]
        if subject:
            return _speaker(subject[-1]), "sentence", verb.group(0)
        if pronoun is None:
            role = _role(ctx, comma + 1, verb.start())
            if role is not None:
                return role, "sentence", verb.group(0)
            # "…, утверждал министр иностранных дел Украины Дмитрий Кулеба": the subject after the verb.
            inverted = [n for n in names if n.start >= verb.end() and _words_between(ctx, verb.end(), n.start) <= 8]
            if inverted:
                return _speaker(_pick(inverted) or inverted[0]), "sentence", verb.group(0)
    before = [n for n in names if n.end <= verb.start()]
    if (
        ctx.language in _VERB_SECOND
        and before
        and verb.start() < span.open
        and text[lo : verb.start()].rstrip().endswith(",")
        and pronoun is None
    ):
        # Verb-second order after a fronted clause: "Als Anna Berg ging, kommentierte das der Sprecher Tom
        # Weiß mit den Worten „…“" — the subject follows the verb; the name before is in the clause.
        subject_after = [
            n for n in names if verb.end() <= n.start < span.open and _words_between(ctx, verb.end(), n.start) <= 6
        ]
        if subject_after:
            return _speaker(_pick(subject_after) or subject_after[0]), "sentence", verb.group(0)
    if pronoun is not None and not (before and _words_between(ctx, before[-1].end, verb.start()) <= 1):
        antecedent = _previous_person(ctx, pronoun.start())
        return antecedent, ("pronoun" if antecedent else None), verb.group(0)
    if before:
        lead = text[max(lo, verb.start() - 4) : verb.start()].strip()
        sentence_subject = [n for n in before if _words_between(ctx, lo, n.start) == 0]
        subject_pronoun = next(
            (
                w
                for w in list(_WORD.finditer(text, lo, before[0].start))[:4]
                if _is_pronoun(w.group(0), ctx.language) and w.group(0).lower() not in _OBJECT_FORMS
            ),
            None,
        )
        if (
            lead[-1:] in ("—", "–", ",")
            and (sentence_subject or subject_pronoun)
            and before[-1] not in sentence_subject
        ):
            # "Лиза Тросс …: с одной стороны, она назвала Москву … Лондону …, с другой — пообещала «…»": the
            # verb opens a clause of its own, its subject is the sentence's, not the last name before it.
            if sentence_subject:
                return _speaker(sentence_subject[0]), "sentence", verb.group(0)
            antecedent = _previous_person(ctx, subject_pronoun.start()) if subject_pronoun else None
            return antecedent, ("pronoun" if antecedent else None), verb.group(0)
        return _speaker(before[-1]), "sentence", verb.group(0)
    opening = [w.group(0).lower() for w in ctx.words_in(lo, verb.start())]
    inverted = [n for n in names if n.start >= verb.end() and _words_between(ctx, verb.end(), n.start) <= 2]
    # (A verb opening the clause with a name right after it is inverted order: "Заявил Лавров, что …".)
    if verb.start() < span.open and all(w in _LEADING_CONJUNCTIONS for w in opening) and (opening or not inverted):
        # No subject: "И призвал страны Запада «…»", "Und forderte die Länder auf, „…“" — the person
        # of the sentences before, not the object after the verb.
        antecedent = _previous_person(ctx, lo)
        return antecedent, ("previous" if antecedent else None), verb.group(0)
    if verb.start() < span.open and pronoun is None and _words_between(ctx, lo, verb.start()) <= 6:
        # "The president described Acosta as …", "A second source tells The Beacon that …": the
        # subject is a description; the name after the verb is its object.
        described = _role(ctx, lo, verb.start())
        if described is not None and _described_person(described):
            if _refers_back(described, ctx.language):
                antecedent = _previous_person(ctx, described.start, role=described)
                if antecedent:
                    return antecedent, "role", verb.group(0)
            return described, "sentence", verb.group(0)
    after = [n for n in names if n.start >= verb.end() and _words_between(ctx, verb.end(), n.start) <= 6]
    if after:
        return _speaker(_pick(after) or after[0]), "sentence", verb.group(0)
    # The subject's clause: after the last comma before the verb ("За два года до …, в 2006 году
    # политик заявил, что …").
    comma_before = text.rfind(",", lo, verb.start())
    after_comma = _WORD.search(text, comma_before + 1, verb.start()) if comma_before != -1 else None
    if (
        after_comma is not None
        and not ctx.quoted(comma_before)
        and _words_between(ctx, lo, verb.start()) > 8
        and after_comma.group(0).lower() not in _SUBORDINATORS | {"что", "dass", "that", "que", "che", "qu"}
    ):
        lo = comma_before + 1
    if _words_between(ctx, lo, verb.start()) <= 8 and verb.start() < span.open:
        first = _WORD.search(text, lo, verb.start())
        if first is not None and not _is_pronoun(first.group(0), ctx.language):
            # "Schon 2019 hatte er … gerügt": a subject pronoun among the first three words.
            first = next(
                (
                    w
                    for w in list(_WORD.finditer(text, lo, verb.start()))[1:3]
                    if _is_pronoun(w.group(0), ctx.language) and w.group(0).lower() not in _OBJECT_FORMS
                ),
                first,
            )
        if first is not None and _is_pronoun(first.group(0), ctx.language):
            antecedent = _previous_person(ctx, first.start())  # "Il s'est aussi dit « prêt »"
            return antecedent, ("pronoun" if antecedent else None), verb.group(0)
        role = _role(ctx, lo, verb.start())
        if role is not None and role.name.lower() in _AS_WORDS:
            # "Как отметил журналист, …", "Comme l'a dit le ministre, …": the subject follows the verb.
            stop = _clause_end(ctx, verb.end(), span.open if span.open > verb.end() else hi)
            following_names = [n for n in names if verb.end() <= n.start and n.end <= stop]
            if following_names:
                return _speaker(following_names[0]), "sentence", verb.group(0)
            role = _role(ctx, verb.end(), stop)
        if role is not None and not _described_person(role) and " " not in role.name:
            # German verb-second order: "Schließlich sagt der Croupier „…“" — the subject follows the verb.
            mark = _MARK.search(text, verb.end(), span.open)
            stop = _clause_end(ctx, verb.end(), mark.start() if mark else span.open)
            following = _role(ctx, verb.end(), stop)
            if following is not None and following.name.split()[0].lower() in _ARTICLES:
                role = following
        if role and _refers_back(role, ctx.language):
            antecedent = _previous_person(ctx, min(span.open, role.start), role=role)
            if antecedent:
                return antecedent, "role", verb.group(0)
        if role:
            return role, "sentence", verb.group(0)
    opening_pronoun = next(
        (
            w
            for w in list(_WORD.finditer(text, lo, min(span.open, verb.start())))[:3]
            if _is_pronoun(w.group(0), ctx.language)
        ),
        None,
    )
    if opening_pronoun is not None and not before:
        # "Dass er den Streit als „Bruderzwist“ bezeichnete, …": the subject pronoun opens the clause.
        antecedent = _previous_person(ctx, opening_pronoun.start())
        return antecedent, ("pronoun" if antecedent else None), verb.group(0)
    return None, None, verb.group(0)


def _beside(ctx: _Context, name: _Name, verbs: list[re.Match[str]]) -> bool:
    """Whether a name stands right before (two words) or after (three words) a verb of saying."""
    return any(
        0 <= _words_between(ctx, name.end, v.start()) <= 2
        if name.end <= v.start()
        else 0 <= _words_between(ctx, v.end(), name.start) <= 3
        for v in verbs
    )


def _after_article(ctx: _Context, position: int) -> bool:
    """Whether the word before ``position`` is an article ("Die Parolen": a noun, not a name)."""
    before = ctx.words_in(max(0, position - 12), position)
    return bool(before) and before[-1].group(0).lower() in _ARTICLES


def _after_determiner(ctx: _Context, position: int) -> bool:
    """Whether an article or a German possessive or demonstrative stands before ``position`` ("der
    Klimawandel", "Seiner Ansicht"): the capitalised word is a noun."""
    before = ctx.words_in(max(0, position - 12), position)
    return bool(before) and before[-1].group(0).lower() in _ARTICLES | _GERMAN_DETERMINERS


def _described_person(role: Speaker) -> bool:
    """A description that names a speaker: a role word or an article-led noun phrase ("a second source")."""
    words = role.name.split()
    return any(_is_role(w) for w in words[:4]) or (len(words) >= 2 and words[0].lower() in _ARTICLES)


def _neighbour(ctx: _Context, span: _Span, step: int) -> tuple[Speaker | None, str | None]:
    """Speaker from the previous (step -1, up to two sentences back) or next sentence (step 1)."""
    index = ctx.sentence_index(span.open)
    paragraph = ctx.paragraph_of[index]
    reach = (
        range(index - 1, max(-1, index - 3), -1) if step < 0 else range(index + 1, min(len(ctx.sentences), index + 2))
    )
    for other in reach:
        if step > 0 and ctx.paragraph_of[other] != paragraph:
            break
        far = step < 0 and paragraph - ctx.paragraph_of[other] > 1
        if far and (paragraph - ctx.paragraph_of[other] > 2 or _names_between(ctx, ctx.sentences[other][1], span.open)):
            break
        lo, hi = ctx.sentences[other]
        quoted = [s for s in ctx.in_sentence((lo, hi))[-50:] if s.kind in ("direct", "partial")]
        lo, hi = (max(lo, hi - _WINDOW), hi) if step < 0 else (lo, min(hi, lo + _WINDOW))
        if step < 0:
            with_speaker = [s for s in quoted if s.speaker is not None]
            if with_speaker:
                # (also across one short paragraph that names nobody: "“…,” she said.\n\nThe crowd
                # cheered.\n\n“…”")
                return with_speaker[-1].speaker, "previous"
            if far:
                break
            if quoted:
                return None, None  # the previous sentence quotes somebody we do not know
            verbs = _speech_verbs(ctx, lo, hi)
            source = None if verbs else _source_in(ctx, lo, hi)
            if source is not None:
                return source, "previous"  # "Igor Berg zufolge fehlen Medikamente. \n „…“"
            names = ctx.names(lo, hi, include_labels=False)
            name = _pick(names)
            introduces = ctx.text[lo:hi].rstrip().endswith(":")
            if name and verbs:
                # The name beside the verb of saying ("Grassley said"), not the first one of the sentence.
                beside = [n for n in names if not n.after_preposition and _beside(ctx, n, verbs)]
                if not beside:
                    # "A day later, she said that … the Spring Fair …": the pronoun speaks.
                    speaking = _pronoun_before_verb(ctx, lo, hi, verbs)
                    antecedent = _previous_person(ctx, speaking.start()) if speaking is not None else None
                    if antecedent is not None:
                        return antecedent, "pronoun"
                return _speaker(beside[-1] if beside else name), "previous"
            if name and introduces:
                return _speaker(name), "previous"
            if (
                name is not None
                and name.tokens >= 2
                and _words_between(ctx, lo, name.start) == 0
                and other == index - 1
            ):
                that = _THAT.search(ctx.text, name.end, min(hi, name.end + 40))
                if that is not None and _words_between(ctx, name.end, that.start()) <= 2:
                    return (
                        _speaker(name),
                        "previous",
                    )  # "Anna Berg points out that … . “…”"  # "Bei n-tv zeigte sich Prof. Klaus Stöhr überzeugt:"
            if introduces and not name and other == index - 1:
                # "Dann ruderte sie zurück. Mit bemerkenswerten Argumenten: »…«" — the person a pronoun
                # near the start of this or the sentence before stands for.
                antecedent = _introducing_pronoun(ctx, other)
                if antecedent is not None:
                    return antecedent, "pronoun"
            if verbs and not name:
                words = list(_WORD.finditer(ctx.text, lo, hi))
                if words and _is_pronoun(words[0].group(0), ctx.language):
                    antecedent = _previous_person(ctx, lo)
                    if antecedent:
                        return antecedent, "pronoun"
                role = _role(ctx, lo, verbs[0].start())
                if role is not None and _described_person(role):
                    # "Der Finanzprofessor schrieb:" — the professor named before.
                    antecedent = _previous_person(ctx, lo, role=role) if _refers_back(role, ctx.language) else None
                    return (antecedent, "role") if antecedent else (role, "previous")
        else:
            if quoted:
                return None, None
            verbs = _speech_verbs(ctx, lo, hi)
            name = _pick(ctx.names(lo, hi, include_labels=False))
            if verbs and name and _words_between(ctx, lo, verbs[0].start()) <= 6:
                return _speaker(name), "next"
    return None, None


_THUS = frozenset("così so ainsi так".split())


def _thus(ctx: _Context, span: _Span) -> tuple[Speaker | None, str | None]:
    """«…». Così Luca Bianchi al termine del vertice.": "thus X" opening the next sentence of the paragraph."""
    index = ctx.sentence_index(span.open)
    if index + 1 >= len(ctx.sentences) or ctx.paragraph_of[index + 1] != ctx.paragraph_of[index]:
        return None, None
    lo, hi = ctx.sentences[index + 1]
    first = _WORD.search(ctx.text, lo, hi)
    if first is None or first.group(0).lower() not in _THUS or ctx.text[lo : first.start()].strip():
        return None, None
    names = ctx.names(first.end(), min(hi, first.end() + 60), include_labels=False)
    if names and _words_between(ctx, first.end(), names[0].start) <= 1 and _personal(ctx, names[0]):
        return _speaker(names[0]), "next"
    return None, None


def _names_between(ctx: _Context, lo: int, hi: int) -> bool:
    """Whether anybody is named (or any quotation stands) in ``text[lo:hi]``."""
    if hi - lo > _WINDOW:
        return True
    return bool(ctx.names(lo, hi, include_labels=False)) or any(lo <= s.open < hi for s in ctx.spans if not s.label)


def _next_opens_saying(ctx: _Context, span: _Span) -> bool:
    """Whether the sentence after a quotation, in its paragraph, opens with a verb of saying in its
    first four words ("Lo dice …", "So sagte …", "C'est ce qu'a déclaré …")."""
    index = ctx.sentence_index(span.open)
    if index + 1 >= len(ctx.sentences) or ctx.paragraph_of[index + 1] != ctx.paragraph_of[index]:
        return False
    if ctx.text[span.close + 1 : ctx.sentences[index][1]].strip(" .!?…\"'»“”’"):
        return False  # the quotation does not end its sentence
    lo, hi = ctx.sentences[index + 1]
    words = list(_WORD.finditer(ctx.text, lo, hi))[:4]
    return any(_is_speech(w.group(0)) for w in words)


def _pronoun_before_verb(ctx: _Context, lo: int, hi: int, verbs: list[re.Match[str]]) -> re.Match[str] | None:
    """A subject pronoun right before the first verb of saying of ``text[lo:hi]`` ("she said")."""
    words = [w for w in ctx.words_in(lo, verbs[0].start()) if not ctx.quoted(w.start())]
    if words and _is_pronoun(words[-1].group(0), ctx.language) and words[-1].group(0).lower() not in _OBJECT_FORMS:
        return words[-1]
    return None


_QUOTING = ("цитир", "zitier", "quot", "cita", "cite")
_OBJECT_FORMS = frozenset("him her ihm ihr lui его её ее ей ему".split())


def _introducing_pronoun(ctx: _Context, index: int) -> Speaker | None:
    """The antecedent of a personal pronoun among the first words of sentence ``index`` or the one
    before it, in the same paragraph, where neither names anybody."""
    for other in (index, index - 1):
        if other < 0 or ctx.paragraph_of[other] != ctx.paragraph_of[index]:
            return None
        lo, hi = ctx.sentences[other]
        if ctx.names(lo, hi, include_labels=False):
            return None
        words = list(_WORD.finditer(ctx.text, lo, hi))[:4]
        pronoun = next((w for w in words if _is_pronoun(w.group(0), ctx.language)), None)
        if pronoun is not None:
            return _previous_person(ctx, pronoun.start())
    return None


# -- classification --------------------------------------------------------------------------------


def _is_label(ctx: _Context, span: _Span, lo: int) -> bool:
    """A quoted label or title (a scare quote) rather than somebody's words."""
    text = ctx.text
    content = text[span.start : span.end]
    words = content.split()
    if len(words) > 4 or span.close >= len(text) or text[span.close] not in _CLOSERS_FLAT:
        return False
    before = text[max(lo, span.open - 40) : span.open].lower()
    if any(marker in before[-30:] for marker in _SCARE_MARKERS):
        return True
    preceding = [w.group(0).lower() for w in _WORD.finditer(text, max(lo, span.open - 60), span.open)]
    while preceding and preceding[-1] in _ARTICLES:
        preceding.pop()
    if preceding and preceding[-1].endswith(_LABEL_NOUNS) and len(preceding[-1]) >= 4:
        return content[:1].isupper() or any(ch.isdigit() for ch in content)
    if content.rstrip(".!?…,;:")[-1:].isdigit() or re.search(r"\d", content) and len(words) <= 2:
        return True
    noun_capitalising = ctx.language in NOUN_CAPITALISING
    lead = text[lo : span.open].strip(" \t-–—")
    if content[:1].isupper() and lead and not lead.endswith(":"):
        capitalised = all(w[:1].isupper() or w.lower() in _PARTICLES for w in words)
        if not noun_capitalising or (len(words) >= 2 and capitalised):
            if content.rstrip()[-1:] not in _SENTENCE_END:
                return True
    return False


_CLOSERS_FLAT = frozenset("".join(_CLOSERS.values()))
_RUNS_ON = re.compile(r" ([^\W\d_]+)")


def _runs_on(ctx: _Context, span: _Span) -> bool:
    """A short quoted term that the writer's sentence runs on from: "«Наркотик изнасилования» может
    утопить …", "«крипта» уже давно стала …" (no comma, dash or verb of saying after it)."""
    content = ctx.text[span.start : span.end]
    if len(content.split()) > 4 or content.rstrip()[-1:] in ".!?…,;:" or span.unclosed:
        return False
    follower = _RUNS_ON.match(ctx.text, span.close + 1)
    if follower is None or not follower.group(1)[:1].islower():
        return False
    word = follower.group(1)
    return not _is_speech(word) and not _is_pronoun(word, ctx.language) and word.lower() not in _AUXILIARIES


def _short_unattributed(ctx: _Context, span: _Span, lo: int, hi: int) -> bool:
    """A short quoted phrase in a sentence nobody speaks in: the writer's scare quote."""
    words = ctx.text[span.start : span.end].split()
    if len(words) > 3:
        return False
    if _speech_verbs(ctx, lo, hi) or _INDIRECT_CUES.search(ctx.text, lo, hi):
        return False
    sentence_words = {w.lower() for w in _WORD.findall(ctx.text, lo, hi)}
    if ctx.language in NOUN_CAPITALISING or ctx.language is None:
        if sentence_words & _KONJUNKTIV:
            return False
    return True


def _reported(ctx: _Context, lo: int, hi: int) -> bool:
    """German reported speech without a verb of saying: a subjunctive I in the sentence."""
    if ctx.language not in NOUN_CAPITALISING or _speech_verbs(ctx, lo, hi):
        return False
    return bool({w.group(0).lower() for w in ctx.words_in(lo, hi)} & _KONJUNKTIV)


def _opens_sentence(ctx: _Context, span: _Span, lo: int) -> bool:
    """Whether a quotation opens its sentence (or follows a colon or "he said")."""
    lead = ctx.text[lo : span.open].strip(" \t-–—•*")
    if not lead or lead.endswith(":"):
        return True
    words = list(_WORD.finditer(lead))
    # "He said "…"": a verb of saying right before a capitalised quotation.
    return bool(
        words
        and _is_speech(words[-1].group(0))
        and ctx.text[span.start : span.start + 1].isupper()
        and lead.rstrip(",")[-1:].isalpha()
        and len(ctx.text[span.start : span.end].split()) >= 4
    )


# -- indirect speech ---------------------------------------------------------------------------------

_INDIRECT_CUES = re.compile(
    r"(?<!\w)(?:laut|according to|по (?:его |её |ее |их )?(?:словам|мнению)|по данным|selon|según|secondo|"
    r"nach angaben|nach worten)(?!\w)",
    re.IGNORECASE,
)
_THAT = re.compile(r"(?:,\s*(?:dass|что|que|che)\b|\b(?:that|que|che)\b|,\s*(?:dass|что))", re.IGNORECASE)


_THAT_COMMA = re.compile(
    r"(?:[\s«»„“”\"]+[^\W\d_]+){0,4}?[«»„“”\"]?,\s*(?:(?:dass|что|que|che)\b|qu['’]|(?:er|sie|es) )"
)
_THAT_PLAIN = re.compile(r"(?:[\s«»„“”\"]+[^\W\d_]+){0,2}?[«»„“”\"]?\s+(?:de\s+)?(?:(?:that|que|che|что)\b|qu['’])")
_NOT_SPEAKERS = frozenset("it this es das это il ce esto esta questo".split()) | _PLURAL_PRONOUNS


def _indirect(ctx: _Context, lo: int, hi: int, spans_here: list[_Span]) -> Iterator[_Span]:
    """Marked reported speech in a sentence that holds no direct quotation."""
    text = ctx.text
    if any(s.kind == "direct" for s in spans_here):
        return
    semicolon = next((m.start() for m in re.finditer(";", text[lo:hi]) if not ctx.quoted(lo + m.start())), None)
    cue = _INDIRECT_CUES.search(text, lo, hi)
    if cue and not ctx.quoted(cue.start()):
        speaker, via, source_end = _cue_source(ctx, cue, hi)
        at_start = len(_WORD.findall(text, lo, cue.start())) <= 1  # "Laut X", "Однако, по данным X"
        clause_hi = lo + semicolon if semicolon is not None and lo + semicolon > source_end else hi
        if at_start:
            span = _clause_span(ctx, source_end, clause_hi)
        elif not text[source_end:hi].strip(" .!?…"):
            span = _clause_span(ctx, lo, cue.start())  # "…, according to X."
        else:
            span = None
        if span is not None and speaker is not None:
            span.speaker, span.via, span.cue = speaker, via, cue.group(0)
            span.confidence = 0.6 if speaker.kind == "name" else 0.5
            yield span
        return
    for verb in _speech_verbs(ctx, lo, hi):
        if verb.group(0).lower() in {"so", "словам"}:
            continue
        follow = text[verb.end() : min(hi, verb.end() + 80)]
        that = _THAT_COMMA.match(follow) or _THAT_PLAIN.match(follow)
        if that is None:
            continue
        clause_lo = verb.end() + that.end() - (3 if that.group(0).endswith(" ") else 0)
        clause_hi = lo + semicolon if semicolon is not None and lo + semicolon > clause_lo else hi
        span = _clause_span(ctx, clause_lo, clause_hi)
        if span is None or span.end - span.start < 12:
            continue
        comma = text.rfind(",", lo, verb.start())
        words_before = list(_WORD.finditer(text, comma + 1 if comma != -1 else lo, verb.start()))
        while words_before and words_before[0].group(0).lower() in _LEADING_CONJUNCTIONS:
            words_before = words_before[1:]
        first = words_before[0].group(0).lower() if words_before else ""
        names = [n for n in ctx.names(lo, verb.start(), include_labels=True) if not n.after_preposition]
        inverted = [n for n in ctx.names(verb.end(), verb.end() + that.end()) if not n.after_preposition]
        if words_before and _is_pronoun(words_before[-1].group(0), ctx.language):
            span.speaker = _previous_person(ctx, words_before[-1].start())
            span.via = "pronoun" if span.speaker else None
        elif names:
            span.speaker, span.via = _speaker(names[-1]), "sentence"
        elif inverted and (not words_before or first in _PREPOSITIONS or len(words_before) > 4):
            span.speaker, span.via = _speaker(inverted[0]), "sentence"
        elif _is_pronoun(first, ctx.language):
            span.speaker = _previous_person(ctx, lo)
            span.via = "pronoun" if span.speaker else None
        elif 0 < len(words_before) <= 6 and first not in _NOT_SPEAKERS and first not in _PREPOSITIONS:
            span.speaker = _role(ctx, words_before[0].start(), verb.start())
            span.via = "sentence" if span.speaker else None
        if span.speaker is None:
            continue
        span.cue = verb.group(0)
        span.confidence = 0.6 if span.speaker.kind == "name" else 0.5
        yield span
        return


def _clause_span(ctx: _Context, lo: int, hi: int) -> _Span | None:
    """The reported clause in ``text[lo:hi]``, trimmed, as an indirect-speech span."""
    text = ctx.text
    while lo < hi and (text[lo].isspace() or text[lo] in ",;:–—-"):
        lo += 1
    while hi > lo and (text[hi - 1].isspace() or text[hi - 1] in ".,;:!?…–—-"):
        hi -= 1
    if len(_WORD.findall(text, lo, hi)) < 3:
        return None
    span = _Span(open=lo, close=hi, start=lo, end=hi, kind="indirect")
    return span


# -- the extractor -------------------------------------------------------------------------------------


def extract_quotes(text: str, language: str | None) -> list[Quote]:
    """Find quotations and marked reported speech in a text, with their speakers.

    Args:
        text: Article text (paragraphs separated by newlines), e.g. ``Article.text``.
        language: ISO 639-1 code (``de``, ``en``, ``ru``, ``fr``, ``es``, ``it``) or None;
            it decides how capitalised words are read (German capitalises every noun).

    Returns:
        The quotes in text order. ``text[q.start:q.end] == q.text`` for every quote; scare
        quotes are returned with ``kind="scare"`` and no speaker.
    """
    if not text or not text.strip():
        return []
    ctx = _Context(text, language)
    paragraph_starts = []
    for lo, hi in paragraph_spans(text):
        paragraph_starts.append(lo)
        ctx.spans.extend(_pair_marks(text, lo, hi))
    # Never a sentence boundary inside a quotation: "„A. B“, sagte X." is one sentence.
    for sentence in sentence_spans(text, language, unbroken=[(s.open, s.close + 1) for s in ctx.spans]):
        ctx.sentences.append(sentence)
        ctx.paragraph_of.append(bisect.bisect_right(paragraph_starts, sentence.start) - 1)
    ctx.index()
    # Labels first: a scare quote's words are a name, never a quotation to attribute.
    for span in ctx.spans:
        index = ctx.sentence_index(span.open)
        lo, hi = ctx.sentences[index]
        span.sentence = (lo, hi)
        ctx.by_sentence.setdefault(span.sentence, []).append(span)
        lo, hi = max(lo, span.open - _WINDOW), min(hi, span.close + _WINDOW)
        lead = text[lo : span.open].strip(" \t-–—•*")
        if span.resumed:
            continue  # the rest of a quotation broken by its attribution is never a label
        if lead and not lead.endswith(":") and (_is_label(ctx, span, lo) or _short_unattributed(ctx, span, lo, hi)):
            span.kind, span.label, span.confidence = "scare", True, 0.6
        elif (not lead or lead.endswith(":")) and _runs_on(ctx, span):
            span.kind, span.label, span.confidence = "scare", True, 0.6
    quotations = {key: [s for s in spans if not s.label] for key, spans in ctx.by_sentence.items()}
    place = {id(s): k for spans in quotations.values() for k, s in enumerate(spans)}
    for span in ctx.spans:
        if span.label:
            continue
        # A sentence of hostile length: look for the speaker near the quotation only (linear time).
        lo, hi = max(span.sentence[0], span.open - _WINDOW), min(span.sentence[1], span.close + _WINDOW)
        same = quotations[span.sentence]
        previous = same[max(0, place[id(span)] - 1) : place[id(span)]]
        gap_words = _words_between(ctx, previous[-1].close, span.open) if previous else 99
        continued = (
            bool(previous)
            and gap_words <= 8
            and previous[-1].kind == "direct"
            and (
                text[previous[-1].close + 1 : span.open].rstrip()[-1:] in (",", ":", ";", "—", "–")
                or text[span.open] in "—–"
                or (span.resumed and text[span.open] == "-")
            )
        )
        if continued or _opens_sentence(ctx, span, lo):
            span.kind = "direct"
        else:
            span.kind = "partial"
        nxt = same[place[id(span)] + 1 : place[id(span)] + 2]
        tail_hi = nxt[0].open if nxt else hi
        speaker, via, cue = None, None, None
        named_between = (
            continued
            and previous[-1].speaker is not None
            and previous[-1].close < previous[-1].speaker.start < span.open
        )
        if named_between:
            first = previous[-1].part_of if previous[-1].part_of is not None else previous[-1].start
            speaker, via, cue, span.part_of = previous[-1].speaker, "continued", previous[-1].cue, first
        elif span.kind == "direct":
            speaker, via, cue = _after(ctx, span, tail_hi)
            wrapped = _WRAPPED_TAIL.match(text, span.close + 1)
            index = ctx.sentence_index(span.open)
            if speaker is None and not nxt and wrapped and index + 1 < len(ctx.sentences):
                # A hard-wrapped text: "„…“,\n\nheißt es in der Depesche." — the attribution runs on below.
                speaker, via, cue = _after(ctx, span, min(ctx.sentences[index + 1][1], span.close + _WINDOW))
        if speaker is None and span.kind == "direct" and not continued:
            speaker, via, cue = _before(ctx, span, lo)
        if speaker is None and continued and previous[-1].speaker is not None:
            first = previous[-1].part_of if previous[-1].part_of is not None else previous[-1].start
            speaker, via, cue, span.part_of = previous[-1].speaker, "continued", previous[-1].cue, first
        if speaker is None and span.kind == "partial":
            speaker, via, cue = _in_sentence(ctx, span, lo, hi)
            if speaker is None and cue and _subjectless(ctx, span, lo, cue):
                # A verb of saying with no subject of its own ("Avant d'ajouter que « … »", "and went on
                # to call it “…”"): the current speaker, carried over from the quotation just before.
                speaker, via = _carried_over(ctx, span)
        span.speaker, span.via, span.cue = speaker, via, cue
        if speaker is None and span.kind == "direct" and not (cue or "").strip():
            # A quote standing alone: named in the sentence before, else the one after; first the one
            # after where it opens with a verb of saying ("“…”. Lo dice il deputato Luca Zani").
            span.speaker, span.via = _neighbour(ctx, span, 1) if _next_opens_saying(ctx, span) else _thus(ctx, span)
            if span.speaker is None:
                span.speaker, span.via = _neighbour(ctx, span, -1)
            if span.speaker is None:
                span.speaker, span.via = _neighbour(ctx, span, 1)
        # A later part of the same statement inherits a speaker found after it ("„A“ — „B“, sagte X").
        if span.speaker is not None and span.via in ("after", "before") and previous:
            earlier = previous[-1]
            if earlier.speaker is None and earlier.kind == "direct" and gap_words <= 2:
                earlier.speaker, earlier.via = span.speaker, "continued"
        if span.speaker is None and span.kind == "partial" and _reported(ctx, lo, hi):
            # "Der Bericht habe „keinen Hinweis“ enthalten": subjunctive, the speaker was named before.
            span.speaker, span.via = _neighbour(ctx, span, -1)
            if span.speaker is not None and span.via == "previous":
                span.confidence = 0.5
        span.confidence = span.confidence or _confidence(span)
    # A later part of the same statement may have taken the speaker: fill the earlier part.
    for span in ctx.spans:
        if not span.label and span.speaker is None and span.kind == "direct":
            later = quotations[span.sentence][place[id(span)] + 1 : place[id(span)] + 2]
            if later and later[0].speaker is not None and _words_between(ctx, span.close, later[0].open) <= 6:
                span.speaker, span.via = later[0].speaker, later[0].via
    _repeated_words(ctx)
    indirect: list[_Span] = []
    for lo, hi in ctx.sentences:
        here = ctx.in_sentence((lo, hi))
        for span in _indirect(ctx, lo, hi, here):
            if not any(s.open <= span.start < s.close or span.start <= s.open < span.end for s in here if not s.label):
                span.sentence = (lo, hi)
                indirect.append(span)
    quotes = [_to_quote(ctx, span) for span in sorted(ctx.spans + indirect, key=lambda s: s.start)]
    return quotes


def _impersonal_plural(ctx: _Context, verb: re.Match[str]) -> bool:
    """A Russian past plural verb of saying with no subject of its own ("заявили", "сообщили")."""
    if ctx.language != "ru" or not verb.group(0).lower().endswith("ли"):
        return False
    after = _WORD.search(ctx.text, verb.end(), verb.end() + 30)
    return not (after and after.group(0).lower() in _PLURAL_PRONOUNS)


def _impersonal_body(ctx: _Context, lo: int, hi: int) -> Speaker | None:
    """The body that speaks through an impersonal plural in ``text[lo:hi]`` ("В концерне подтвердили …")."""
    for verb in _speech_verbs(ctx, lo, hi):
        if _impersonal_plural(ctx, verb):
            body = _IN_BODY.search(ctx.text, lo, verb.start())
            if body is not None and not ctx.quoted(body.start()):
                return Speaker(body.group(1), body.start(1), body.end(1), "role")
    return None


def _stems(ctx: _Context, span: _Span) -> set[str]:
    """The quoted words' beginnings (five letters, words of four letters or more), for comparing quotations."""
    return {w.lower()[:5] for w in _WORD.findall(ctx.text, span.start, span.end) if len(w) >= 4}


def _repeated_words(ctx: _Context) -> None:
    """A quotation nobody is named for takes the speaker of another quotation of the same words: a
    headline or subheading quoting what the article attributes further down ("“We Have Urban Ebola”"
    over "“We have urban Ebola,” the official said"), a quotation repeated after its attribution."""
    # (bounded, so that a text of thousands of quotations stays linear)
    attributed = [(s, _stems(ctx, s)) for s in ctx.spans if not s.label and s.speaker is not None][:200]
    if not attributed:
        return
    unattributed = [s for s in ctx.spans if not s.label and s.speaker is None and s.kind in ("direct", "partial")]
    for span in unattributed[:50]:
        stems = _stems(ctx, span)
        if len(stems) < 2:
            continue
        best, best_share = None, 0.75
        for other, other_stems in attributed:
            share = len(stems & other_stems) / len(stems)
            if other is not span and share >= best_share and not (other.open <= span.open < other.close):
                best, best_share = other, share
        if best is not None and best.speaker is not None:
            span.speaker, span.via = best.speaker, ("next" if best.open > span.open else "previous")
            span.confidence = _confidence(span)


def _spans_before(ctx: _Context, span: _Span, reach: int = 50) -> list[_Span]:
    """Up to ``reach`` quotation spans opening before ``span``, nearest first (a bounded look back)."""
    at = bisect.bisect_left(ctx._span_opens, span.open)
    return ctx.spans[max(0, at - reach) : at][::-1]


def _subjectless(ctx: _Context, span: _Span, lo: int, cue: str) -> bool:
    """Whether the verb of saying ``cue`` before ``span`` stands in a clause that names nobody before it:
    at most three words, none capitalised after the first, no role among them."""
    verb = next((v for v in _speech_verbs(ctx, lo, span.open) if v.group(0) == cue), None)
    if verb is None:
        return False
    words = [w.group(0) for w in ctx.words_in(lo, verb.start()) if not ctx.quoted(w.start())]
    if len(words) > 3 or any(w[:1].isupper() for w in words[1:]) or any(_is_role(w) for w in words):
        return False
    return not words or words[0].lower() in _FUNCTION_WORDS | _LEADING_CONJUNCTIONS | _PREPOSITIONS


def _carried_over(ctx: _Context, span: _Span) -> tuple[Speaker | None, str | None]:
    """The speaker of the latest attributed quotation before ``span``, when it stands at most two
    sentences back in the same or the paragraph before and nobody is named between them."""
    index = ctx.sentence_index(span.open)
    for earlier in _spans_before(ctx, span):
        if earlier.close >= span.open or earlier.label:
            continue
        if earlier.speaker is None:
            if index - ctx.sentence_index(earlier.open) > 2:
                break
            continue
        back = ctx.sentence_index(earlier.open)
        if index - back > 2 or ctx.paragraph_of[index] - ctx.paragraph_of[back] > 1:
            break
        if back + 1 < index and _names_between(ctx, ctx.sentences[back + 1][0], ctx.sentences[index][0]):
            break  # somebody else named in a sentence between
        return earlier.speaker, "previous"
    return None, None


def _confidence(span: _Span) -> float:
    """How sure the quote and its speaker are, from how they were found."""
    if span.kind == "scare":
        return 0.6
    base = {"direct": 0.9, "partial": 0.75}.get(span.kind, 0.5)
    if span.unclosed:
        base -= 0.3  # the closing mark is missing: where the quote ends is a guess
    if span.speaker is None:
        base -= 0.2
    elif span.via in ("previous", "next", "pronoun", "role"):
        base -= 0.1
    if span.speaker is not None and span.speaker.kind == "role":
        base -= 0.05
    return round(base, 2)


def _to_quote(ctx: _Context, span: _Span) -> Quote:
    """The public record of an internal span."""
    lo, hi = span.sentence
    speaker = None if span.kind == "scare" else span.speaker
    return Quote(
        text=ctx.text[span.start : span.end],
        start=span.start,
        end=span.end,
        kind=span.kind,
        speaker=speaker,
        speaker_via=span.via if speaker else None,
        sentence=ctx.text[lo:hi],
        sentence_start=lo,
        confidence=span.confidence or _confidence(span),
        cue=span.cue if span.kind != "scare" else None,
        part_of=span.part_of,
    )
