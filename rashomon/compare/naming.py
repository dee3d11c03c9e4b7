"""Naming choices: the words each outlet uses for the same thing, with evidence.

Two findings, both pointing at their sentences:

- **Contested terms** (:func:`find_terms`, :func:`naming_choices`): a curated multilingual lexicon
  (``rashomon/data/naming.json``, extended or overridden by the file the ``naming_lexicon``
  setting names) groups the competing names of one *referent* — Russia's war against Ukraine is a
  "war", an "invasion", a "war of aggression", a "special military operation", a "conflict" or
  "the events in Ukraine" — and gives each *term* the stance it signals. Forms are matched per
  language with inflections ("Angriffskrieges", "специальной военной операции", "СВО"); a use
  preceded by "so-called"/"sogenannte"/"так называемая", or standing alone in quotation marks,
  is marked scare-quoted. The format, the stances and how to extend them: ``docs/naming.md``.
- **Distinctive words** (:func:`distinctive_terms`): within one language, the words an outlet
  uses markedly more than the other outlets, by the log-odds ratio with an informative
  Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words"), each with its z-score,
  counts and one or two sentences.

Loading a lexicon validates it; a bad file raises :class:`~rashomon.errors.ConfigError` naming
the file, the place in it and what is wrong.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..labels import WORD_PATTERN, stopwords
from ..records import (
    Article,
    DistinctiveTerm,
    NamingChoice,
    OutletNaming,
    TermCount,
    TermEvidence,
    TermUse,
)
from ..text import Span, sentence_spans

__all__ = [
    "CONTEXT_SCOPES",
    "PACKAGED_LEXICON",
    "Lexicon",
    "LexiconReferent",
    "LexiconTerm",
    "distinctive_terms",
    "find_terms",
    "load_lexicon",
    "naming_choices",
]

PACKAGED_LEXICON = Path(__file__).resolve().parents[1] / "data" / "naming.json"
CONTEXT_SCOPES = ("text", "sentence", "none")
"""Where a referent's context words must appear for a term to count: anywhere in the text,
in the term's own sentence, or nowhere (the term is unambiguous)."""

EVIDENCE_PER_TERM = 3

# -- the lexicon --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LexiconTerm:
    """One naming choice for a referent: its forms per language and the stance it signals.

    Attributes:
        id: Unique within its referent (``special-military-operation``).
        referent: The referent's id.
        label: An English gloss to show ("special military operation").
        stance: One of the lexicon's stances.
        echoes: Whose official or campaign language it is (``russian-government``), or None.
        forms: Per language (ISO 639-1), the match forms (see ``docs/naming.md``).
        exclude: Per language, forms whose matches veto an overlapping match ("war crimes").
        context_scope: Overrides the referent's ``context_scope`` when set.
        note: Anything a reader should know about the term (usage differs by language …).
    """

    id: str
    referent: str
    label: str
    stance: str
    echoes: str | None
    forms: Mapping[str, tuple[str, ...]]
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    context_scope: str | None = None
    note: str = ""


@dataclass(frozen=True)
class LexiconReferent:
    """One thing that is named in contested ways, and its terms (in lexicon order).

    Attributes:
        id: ``war-in-ukraine``, ``government-vs-regime`` …
        description: What is named.
        context: Forms of which one must appear (see ``context_scope``) for a term to count:
            "Krieg" names the war in Ukraine only near "Ukraine", "Russland", "Kreml" ….
        context_scope: ``text``, ``sentence`` or ``none`` (see :data:`CONTEXT_SCOPES`).
        terms: Its naming choices.
    """

    id: str
    description: str
    context: tuple[str, ...]
    context_scope: str
    terms: tuple[LexiconTerm, ...]


@dataclass(frozen=True)
class Lexicon:
    """A validated naming lexicon: referents, their terms, and the stances they may signal.

    Attributes:
        referents: In file order (the packaged file's, then new ones from the user's).
        stances: Each stance and what it means.
        sources: The files it was built from.
    """

    referents: tuple[LexiconReferent, ...]
    stances: Mapping[str, str]
    sources: tuple[str, ...] = ()
    _compiled: dict[str | None, list[_CompiledReferent]] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )

    def referent(self, referent_id: str) -> LexiconReferent:
        """The referent with this id (``KeyError`` if there is none)."""
        for referent in self.referents:
            if referent.id == referent_id:
                return referent
        raise KeyError(referent_id)

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language some term has forms in, sorted."""
        return tuple(sorted({lang for r in self.referents for t in r.terms for lang in t.forms}))

    def term(self, referent_id: str, term_id: str) -> LexiconTerm:
        """One term of one referent (``KeyError`` if there is none)."""
        for term in self.referent(referent_id).terms:
            if term.id == term_id:
                return term
        raise KeyError(f"{referent_id}/{term_id}")


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_LANGUAGE = re.compile(r"[a-z]{2,3}\Z")
_TOP_KEYS = {"about", "stances", "referents"}
_REFERENT_KEYS = {"description", "context", "context_scope", "terms", "disabled", "note"}
_TERM_KEYS = {"label", "stance", "echoes", "forms", "exclude", "context_scope", "note", "disabled"}


class _LexiconProblem(Exception):
    """A problem in a lexicon file, with where it is ("referent 'x', term 'y'")."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (json keeps the last one silently)."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _LexiconProblem(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _read_json(path: Path) -> dict[str, Any]:
    """The file's JSON object, or a ConfigError that says what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"Naming lexicon {path}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"Naming lexicon {path}: is not UTF-8 text") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"Naming lexicon {path}: is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except _LexiconProblem as problem:
        raise ConfigError(f"Naming lexicon {path}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f'Naming lexicon {path}: the top level must be an object with "referents"')
    return data


def _strings(value: Any, where: str) -> tuple[str, ...]:
    """A list of non-empty strings, stripped."""
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise _LexiconProblem(f"{where} must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def _forms_by_language(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    """Forms per language code, each form checked."""
    if not isinstance(value, dict):
        raise _LexiconProblem(f"{where} must be an object mapping language codes to lists of forms")
    out = {}
    for language, forms in value.items():
        if not _LANGUAGE.match(language):
            raise _LexiconProblem(f"{where}: {language!r} is not a lower-case ISO 639-1 language code")
        out[language] = _strings(forms, f"{where} [{language}]")
        for form in out[language]:
            _check_form(form, f"{where} [{language}]")
    return out


def _check_keys(entry: Any, allowed: set[str], where: str) -> dict[str, Any]:
    """An object with known keys only (a typo is an error, not an ignored key)."""
    if not isinstance(entry, dict):
        raise _LexiconProblem(f"{where} must be an object")
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _LexiconProblem(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}"
        )
    return entry


def _scope(value: Any, where: str) -> str:
    """A valid context scope."""
    if value not in CONTEXT_SCOPES:
        raise _LexiconProblem(f"{where}: context_scope {value!r} is not one of {', '.join(CONTEXT_SCOPES)}")
    return value


def _merge(base: dict[str, Any], data: dict[str, Any]) -> None:
    """Merge one file's content into ``base`` (referents, terms and stances), validating it."""
    _check_keys(data, _TOP_KEYS, "the top level")
    stances = data.get("stances", {})
    if not isinstance(stances, dict) or not all(isinstance(v, str) and v.strip() for v in stances.values()):
        raise _LexiconProblem('"stances" must map each stance name to a description')
    for name, description in stances.items():
        if not _SLUG.match(name):
            raise _LexiconProblem(f"stance {name!r}: names are lower-case words joined by hyphens")
        base["stances"][name] = description
    referents = data.get("referents", {})
    if not isinstance(referents, dict):
        raise _LexiconProblem('"referents" must be an object mapping referent ids to referents')
    for referent_id, entry in referents.items():
        where = f"referent {referent_id!r}"
        if not _SLUG.match(referent_id):
            raise _LexiconProblem(f"{where}: ids are lower-case words joined by hyphens")
        entry = _check_keys(entry, _REFERENT_KEYS, where)
        if entry.get("disabled") is True:
            base["referents"].pop(referent_id, None)
            continue
        known = base["referents"].get(referent_id)
        if known is None:
            if not isinstance(entry.get("description"), str) or not entry["description"].strip():
                raise _LexiconProblem(f'{where}: a new referent needs a "description"')
            known = base["referents"][referent_id] = {
                "description": "",
                "context": (),
                "context_scope": "text",
                "terms": {},
            }
        if "description" in entry:
            if not isinstance(entry["description"], str):
                raise _LexiconProblem(f'{where}: "description" must be a string')
            known["description"] = entry["description"].strip()
        if "context" in entry:
            known["context"] = _strings(entry["context"], f"{where}, context")
            for form in known["context"]:
                _check_form(form, f"{where}, context")
        if "context_scope" in entry:
            known["context_scope"] = _scope(entry["context_scope"], where)
        terms = entry.get("terms", {})
        if not isinstance(terms, dict):
            raise _LexiconProblem(f'{where}: "terms" must be an object mapping term ids to terms')
        for term_id, term in terms.items():
            _merge_term(known["terms"], term_id, term, f"{where}, term {term_id!r}")


def _merge_term(terms: dict[str, Any], term_id: str, entry: Any, where: str) -> None:
    """Add one term to a referent's terms, or update it field by field."""
    if not _SLUG.match(term_id):
        raise _LexiconProblem(f"{where}: ids are lower-case words joined by hyphens")
    entry = _check_keys(entry, _TERM_KEYS, where)
    if entry.get("disabled") is True:
        terms.pop(term_id, None)
        return
    known = terms.get(term_id)
    if known is None:
        if "stance" not in entry or "forms" not in entry:
            raise _LexiconProblem(f'{where}: a new term needs a "stance" and "forms"')
        known = terms[term_id] = {"forms": {}, "exclude": {}, "echoes": None, "note": "", "context_scope": None}
        known["label"] = term_id.replace("-", " ")
    for key in ("label", "stance", "note"):
        if key in entry:
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise _LexiconProblem(f"{where}: {key!r} must be a non-empty string")
            known[key] = entry[key].strip()
    if "echoes" in entry:
        echoes = entry["echoes"]
        if echoes is not None and (not isinstance(echoes, str) or not _SLUG.match(echoes)):
            raise _LexiconProblem(f'{where}: "echoes" must be null or lower-case words joined by hyphens')
        known["echoes"] = echoes
    if "context_scope" in entry:
        known["context_scope"] = _scope(entry["context_scope"], where)
    # A language listed replaces that language's forms; languages not listed keep theirs.
    if "forms" in entry:
        known["forms"].update(_forms_by_language(entry["forms"], f"{where}, forms"))
    if "exclude" in entry:
        known["exclude"].update(_forms_by_language(entry["exclude"], f"{where}, exclude"))
    if not any(known["forms"].values()):
        raise _LexiconProblem(f"{where}: has no forms in any language")


def _build(base: dict[str, Any], sources: tuple[str, ...]) -> Lexicon:
    """The merged content as a Lexicon; every stance must be defined by now."""
    referents = []
    for referent_id, entry in base["referents"].items():
        terms = []
        for term_id, term in entry["terms"].items():
            if term["stance"] not in base["stances"]:
                raise _LexiconProblem(
                    f"referent {referent_id!r}, term {term_id!r}: unknown stance {term['stance']!r}; "
                    f'use one of {", ".join(sorted(base["stances"]))} or describe it under "stances"'
                )
            terms.append(
                LexiconTerm(
                    id=term_id,
                    referent=referent_id,
                    label=term["label"],
                    stance=term["stance"],
                    echoes=term["echoes"],
                    forms={lang: forms for lang, forms in term["forms"].items() if forms},
                    exclude=dict(term["exclude"]),
                    context_scope=term["context_scope"],
                    note=term["note"],
                )
            )
        if terms:
            referents.append(
                LexiconReferent(
                    referent_id, entry["description"], entry["context"], entry["context_scope"], tuple(terms)
                )
            )
    return Lexicon(tuple(referents), dict(base["stances"]), sources)


def _load(files: tuple[Path, ...]) -> Lexicon:
    """The lexicon from the packaged file and the user's, merged in order."""
    base: dict[str, Any] = {"stances": {}, "referents": {}}
    lexicon = Lexicon((), {})
    for count, path in enumerate(files, start=1):
        data = _read_json(path)
        try:
            _merge(base, data)
            # Built after each file, so a problem is blamed on the file that brought it.
            lexicon = _build(base, tuple(str(p) for p in files[:count]))
        except _LexiconProblem as problem:
            raise ConfigError(f"Naming lexicon {path}: {problem}") from None
    return lexicon


@functools.lru_cache(maxsize=16)
def _load_cached(files: tuple[Path, ...], stamps: tuple[int, ...]) -> Lexicon:
    del stamps  # part of the cache key only: an edited file is read again
    return _load(files)


def load_lexicon(user_file: str | os.PathLike[str] | None = None) -> Lexicon:
    """The packaged naming lexicon, with a user's file merged over it.

    A user file has the packaged file's format (``docs/naming.md``). Its stances are added; a
    referent it names is added or updated (description, context); a term it names is added, or
    updated field by field — its forms for a language replace the packaged forms for that
    language, other languages keep theirs; ``"disabled": true`` drops a term or a referent.

    Args:
        user_file: Path of the user's JSON file (the ``naming_lexicon`` setting); empty or None
            for the packaged lexicon alone.

    Raises:
        ConfigError: the file is missing, not JSON, or breaks the format; the message names the
            file, the referent and term, and what to change.
    """
    files = [PACKAGED_LEXICON]
    if user_file:
        path = Path(user_file)
        if not path.is_file():
            raise ConfigError(f"Naming lexicon {path}: no such file; check the naming_lexicon setting")
        files.append(path)
    stamps = tuple(p.stat().st_mtime_ns for p in files)
    return _load_cached(tuple(files), stamps)


# -- forms --------------------------------------------------------------------------------------
# A form is a phrase: words separated by spaces, "*" for any letters, "{a,b,}" for alternatives
# (the empty one included), "(words)" for optional words, "-" for any hyphen, "'" for any
# apostrophe; a word in capitals only (СВО, SMO) matches capitals only. "re:" starts a raw
# regular expression. Every form matches whole words, case-insensitively.

_HYPHEN = "[-‐‑]"
_APOSTROPHE = "['’ʼ]"
_BRACES = re.compile(r"\{([^{}]*)\}")


def _word_regex(word: str) -> str:
    """The regular expression of one word of a form (no spaces outside braces)."""
    out = []
    position = 0
    while position < len(word):
        char = word[position]
        if char == "{":
            close = word.find("}", position)
            if close < 0:
                raise _LexiconProblem(f"unclosed '{{' in {word!r}")
            options = word[position + 1 : close].split(",")
            out.append("(?:" + "|".join(_plain_regex(option) for option in options) + ")")
            position = close + 1
            continue
        out.append(_plain_regex(char))
        position += 1
    regex = "".join(out)
    if _is_acronym(word):
        regex = f"(?-i:{regex})"  # an acronym: "СВО", never "сво"
    return regex


def _is_acronym(word: str) -> bool:
    """A word in capitals only (two letters or more): matched as written."""
    letters = [c for c in _BRACES.sub("", word) if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _plain_regex(text: str) -> str:
    """The regular expression of form text without braces: wildcards, hyphens, apostrophes, spaces."""
    out = []
    for char in text:
        if char == "*":
            out.append(r"\w*")
        elif char in "-‐‑":
            out.append(_HYPHEN)
        elif char in "'’ʼ":
            out.append(_APOSTROPHE)
        elif char == " ":
            out.append(r"\s+")
        elif char in "(){}":
            raise _LexiconProblem(f"misplaced {char!r}")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _form_regex(form: str) -> str:
    """The regular expression of a whole form (words, optional words, or a raw ``re:``)."""
    if form.startswith("re:"):
        return form[3:]
    words = _split_words(form)
    if not words:
        raise _LexiconProblem("empty form")
    parts = []
    for index, word in enumerate(words):
        optional = word.startswith("(") and word.endswith(")")
        if optional and index == 0:
            raise _LexiconProblem(f"a form cannot start with an optional word: {form!r}")
        if optional:
            inner = _split_words(word[1:-1])
            if not inner:
                raise _LexiconProblem(f"empty optional words in {form!r}")
            parts.append(r"(?:\s+" + r"\s+".join(_word_regex(w) for w in inner) + ")?")
        else:
            regex = _word_regex(word)
            parts.append(regex if index == 0 else rf"\s+{regex}")
    return "".join(parts)


def _split_words(form: str) -> list[str]:
    """Words of a form, keeping spaces inside braces ("{in der,im}") and parentheses ("(de la)")."""
    words, current, depth = [], "", 0
    for char in form:
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == " " and depth == 0:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words


@functools.cache
def _compile_form(form: str) -> _Form:
    """A form, compiled once (the lexicon's forms are shared by every language's matcher)."""
    anchor, starts_word = _anchor(form)
    if form.startswith("re:") or any(_is_acronym(word) for word in _split_words(form)):
        return _Form(_careful_pattern(form), True, anchor, starts_word, form)
    # Matched on the lower-cased text without flags or a look-behind: the regex engine can then
    # jump to the form's first letters, some fifty times faster than a case-insensitive scan.
    return _Form(re.compile(rf"(?:{_form_regex(form.lower())})(?!\w)"), False, anchor, starts_word, form)


@functools.lru_cache(maxsize=4096)
def _careful_pattern(form: str) -> re.Pattern[str]:
    """The form matched on the text as written (acronyms, raw expressions, texts lower() changes)."""
    return re.compile(rf"(?<!\w)(?:{_form_regex(form)})(?!\w)", re.IGNORECASE)


def _check_form(form: str, where: str) -> None:
    try:
        compiled = _compile_form(form)
    except _LexiconProblem as problem:
        raise _LexiconProblem(f"{where}: form {form!r}: {problem}") from None
    except re.error as error:
        raise _LexiconProblem(f"{where}: form {form!r} is not a valid pattern ({error})") from None
    if compiled.pattern.fullmatch(""):
        raise _LexiconProblem(f"{where}: form {form!r} matches the empty string")


def _anchor(form: str) -> tuple[str, bool]:
    """The longest run of plain letters a match of ``form`` must contain (lower case, or "" for
    none), and whether it starts a word (then some word of the text must start with it)."""
    if form.startswith("re:"):
        return "", False
    plain = re.sub(r"\{[^{}]*\}|\([^()]*\)", "\0", form)
    runs = [(m.group().lower(), m.start()) for m in re.finditer(r"[^\W\d_]+", plain)]
    if not runs:
        return "", False
    anchor, start = max(runs, key=lambda run: len(run[0]))
    before = plain[start - 1] if start else " "
    return anchor, before not in "*\0" and not before.isalnum()


def _is_word_char(char: str) -> bool:
    """What ``\\w`` matches: a letter, a digit or an underscore."""
    return char.isalnum() or char == "_"


class _Text:
    """A text being searched: its lower-case copy and sorted word list, made once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()
        # lower() changes the length of a few strings ("İ"); offsets must stay the text's own.
        self.same_length = len(self.lowered) == len(text)
        self._words: list[str] | None = None
        self.context: dict[tuple[str, ...], bool] = {}

    def has(self, anchor: str, starts_word: bool) -> bool:
        if not anchor:
            return True
        if not starts_word:
            return anchor in self.lowered
        if self._words is None:
            self._words = sorted(set(re.findall(r"\w+", self.lowered)))
        index = bisect.bisect_left(self._words, anchor)
        return index < len(self._words) and self._words[index].startswith(anchor)


@dataclass(frozen=True)
class _Form:
    pattern: re.Pattern[str]
    on_original: bool  # acronyms and raw expressions: matched on the text as written
    anchor: str
    starts_word: bool
    form: str

    def finditer(self, text: _Text) -> Iterator[tuple[int, int]]:
        """(start, end) of each whole-word match in the text."""
        if not text.has(self.anchor, self.starts_word):
            return
        if self.on_original or not text.same_length:
            pattern = self.pattern if self.on_original else _careful_pattern(self.form)
            for found in pattern.finditer(text.text):
                yield found.span()
            return
        lowered, position = text.lowered, 0
        while (match := self.pattern.search(lowered, position)) is not None:
            start, end = match.span()
            if start and _is_word_char(lowered[start - 1]):
                position = start + 1  # began inside a word: look again from the next letter
                continue
            yield start, end
            position = max(end, start + 1)


@dataclass(frozen=True)
class _CompiledTerm:
    term: LexiconTerm
    order: int
    scope: str
    forms: tuple[tuple[str, _Form], ...]  # (language, form)
    exclude: tuple[_Form, ...]


@dataclass(frozen=True)
class _CompiledReferent:
    referent: LexiconReferent
    context: tuple[_Form, ...]
    terms: tuple[_CompiledTerm, ...]

    def in_text(self, text: _Text) -> bool:
        """Some context form occurs in the text (cached per text: referents share contexts)."""
        key = self.referent.context
        if key not in text.context:
            text.context[key] = any(next(form.finditer(text), None) for form in self.context)
        return text.context[key]

    def in_window(self, window: str) -> bool:
        searched = _Text(window)
        return any(next(form.finditer(searched), None) for form in self.context)


def _forms(forms: Iterable[str]) -> tuple[_Form, ...]:
    """Compiled forms."""
    return tuple(_compile_form(form) for form in forms)


def _compiled(lexicon: Lexicon, language: str | None) -> list[_CompiledReferent]:
    """The lexicon's matchers for one language (or all, for None), compiled once per lexicon."""
    if language in lexicon._compiled:
        return lexicon._compiled[language]
    out = []
    for referent in lexicon.referents:
        terms = []
        for order, term in enumerate(referent.terms):
            languages = [language] if language else sorted(term.forms)
            forms = tuple((lang, form) for lang in languages for form in _forms(term.forms.get(lang, ())))
            if not forms:
                continue
            exclude = tuple(form for lang in languages for form in _forms(term.exclude.get(lang, ())))
            scope = term.context_scope or referent.context_scope
            terms.append(_CompiledTerm(term, order, scope if referent.context else "none", forms, exclude))
        if terms:
            out.append(_CompiledReferent(referent, _forms(referent.context), tuple(terms)))
    lexicon._compiled[language] = out
    return out


# -- finding terms ------------------------------------------------------------------------------

_SCARE_MARKERS = re.compile(
    r"(?<!\w)(?:so[-‐ ]?called|so[- ]?genannt\w*|sogenannt\w*|sog\.|так\s+называем\w*|так\s+зван\w*|"
    r"soi[-‐]disant\w*|prétendu\w*|cosiddett\w*|sedicent\w*|presunt\w*|"
    r"supuest\w*|mal\s+llamad\w*|autoproclamad\w*|autoproclamé\w*|selbsternannt\w*|self[-‐]styled|"
    r"self[-‐]proclaimed|самопровозглаш\w*|самопроголошен\w*|tzw\.|tak\s+zwan\w*|rzekom\w*)"
    r"\s+(?:\w+\s+)?[„“”\"«»‹›‚‘']?\s*\Z",
    re.IGNORECASE,
)
_QUOTES = frozenset("„“”\"«»‹›‚‘’'")
_APOSTROPHES = frozenset("’'")


def _is_quote(text: str, index: int) -> bool:
    """A quotation mark at ``index`` (an apostrophe inside a word is none)."""
    char = text[index]
    if char not in _QUOTES:
        return False
    if char in _APOSTROPHES:  # "Russia's", "l'invasion": an apostrophe, not a quotation mark
        before = text[index - 1] if index > 0 else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        return not (before.isalpha() and after.isalpha())
    return True


def _scare_quoted(text: str, start: int, end: int, sentence_start: int, sentence_end: int) -> bool:
    """The term follows "so-called" and its kin, or stands in quotation marks (with one word at most)."""
    if _SCARE_MARKERS.search(text, max(sentence_start, start - 48), start):
        return True
    opening = next((i for i in range(start - 1, max(sentence_start, start - 40) - 1, -1) if _is_quote(text, i)), -1)
    if opening < 0 or len(text[opening + 1 : start].split()) > 1:
        return False
    closing = next((i for i in range(end, min(sentence_end, end + 40)) if _is_quote(text, i)), -1)
    return closing >= 0 and len(text[end:closing].split()) <= 1


def find_terms(text: str, language: str | None, lexicon: Lexicon | None = None) -> list[TermUse]:
    """Every use of a lexicon term in ``text``, in text order.

    Within one referent overlapping matches are resolved longest first ("war of aggression",
    not "war" and "aggression"); one span may name two referents ("Kiev regime": a spelling of
    the capital and a name for its government).

    Args:
        text: The text to search (an article's ``text``); offsets point into it.
        language: ISO 639-1 code whose forms are matched; None matches every language's forms
            (use it for snippets of unknown language only: German "war" is English "war").
        lexicon: The lexicon (default: the packaged one, :func:`load_lexicon`).

    Returns:
        One :class:`~rashomon.records.TermUse` per use, with its sentence and offsets
        (``text[use.start:use.end] == use.surface``).
    """
    if not text:
        return []
    lexicon = lexicon or load_lexicon()
    searched = _Text(text)
    sentences: list[Span] | None = None
    starts: list[int] = []

    def sentence_of(position: int) -> tuple[int, int]:
        nonlocal sentences, starts
        if sentences is None:
            sentences = sentence_spans(text, language) or [Span(0, len(text))]
            starts = [s for s, _ in sentences]
        index = max(0, bisect.bisect_right(starts, position) - 1)
        return sentences[index]

    found: list[TermUse] = []
    for compiled in _compiled(lexicon, language):
        candidates: list[tuple[int, int, int, _CompiledTerm, str]] = []
        for term in compiled.terms:
            if term.scope == "text" and not compiled.in_text(searched):
                continue
            vetoes: list[tuple[int, int]] | None = None
            for form_language, form in term.forms:
                for start, end in form.finditer(searched):
                    if start == end:
                        continue
                    if vetoes is None:
                        vetoes = [span for veto in term.exclude for span in veto.finditer(searched)]
                    if any(s < end and start < e for s, e in vetoes):
                        continue
                    if term.scope == "sentence":
                        s_start, s_end = sentence_of(start)
                        if not compiled.in_window(text[s_start : max(s_end, end)]):
                            continue
                    candidates.append((start, end, term.order, term, form_language))
        # Longest first, then earliest, then the term listed first.
        candidates.sort(key=lambda c: (c[0] - c[1], c[0], c[2]))
        taken: list[tuple[int, int]] = []
        for start, end, _, term, form_language in candidates:
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            s_start, s_end = sentence_of(start)
            found.append(
                TermUse(
                    referent=compiled.referent.id,
                    term=term.term.id,
                    stance=term.term.stance,
                    echoes=term.term.echoes,
                    language=form_language,
                    surface=text[start:end],
                    start=start,
                    end=end,
                    sentence=text[s_start:s_end],
                    sentence_start=s_start,
                    scare_quoted=_scare_quoted(text, start, end, s_start, s_end),
                )
            )
    found.sort(key=lambda use: (use.start, use.end, use.referent))
    return found


def naming_choices(articles: Iterable[Article], lexicon: Lexicon | None = None) -> list[NamingChoice]:
    """Per referent, per outlet, the terms it uses, with counts and evidence.

    Only referents at least one outlet names are returned, in lexicon order; outlets in each by
    name, terms in each outlet most used first. Articles without an outlet (or domain) each
    stand for themselves, so they are never pooled into one anonymous "outlet".

    Args:
        articles: The articles to compare (typically one event's), each searched in its own
            ``language``.
        lexicon: The lexicon (default: the packaged one).
    """
    lexicon = lexicon or load_lexicon()
    articles = list(articles)
    per_outlet = Counter(a.teller for a in articles)
    # referent -> outlet -> term -> uses
    uses: dict[str, dict[str, dict[str, list[TermUse]]]] = {}
    for article in articles:
        for use in find_terms(article.text, article.language, lexicon):
            use = dataclasses.replace(use, article_id=article.id)
            uses.setdefault(use.referent, {}).setdefault(article.teller, {}).setdefault(use.term, []).append(use)
    languages = {a.id: a.language for a in articles}
    out = []
    for referent in lexicon.referents:
        by_outlet = uses.get(referent.id)
        if not by_outlet:
            continue
        labels = {term.id: term.label for term in referent.terms}
        outlets = []
        for outlet in sorted(by_outlet):
            counts = []
            for term_id, term_uses in by_outlet[outlet].items():
                first = term_uses[0]
                surfaces = Counter(use.surface for use in term_uses)
                counts.append(
                    TermCount(
                        term=term_id,
                        label=labels.get(term_id, term_id),
                        stance=first.stance,
                        echoes=first.echoes,
                        count=len(term_uses),
                        scare_quoted=sum(use.scare_quoted for use in term_uses),
                        surfaces=tuple(s for s, _ in sorted(surfaces.items(), key=lambda item: (-item[1], item[0]))),
                        article_ids=tuple(dict.fromkeys(use.article_id or "" for use in term_uses)),
                        evidence=tuple(term_uses[:EVIDENCE_PER_TERM]),
                    )
                )
            counts.sort(key=lambda c: (-c.count, c.term))
            article_ids = tuple(dict.fromkeys(a for c in counts for a in c.article_ids))
            ordered = tuple(a.id for a in articles if a.id in article_ids)
            outlets.append(
                OutletNaming(
                    outlet=outlet,
                    languages=tuple(sorted({languages[a] or "" for a in ordered} - {""})),
                    articles=per_outlet[outlet],
                    article_ids=ordered,
                    terms=tuple(counts),
                )
            )
        stance_sets = {frozenset(c.stance for c in o.terms if c.scare_quoted < c.count) for o in outlets}
        out.append(
            NamingChoice(referent.id, referent.description, tuple(outlets), len(outlets) > 1 and len(stance_sets) > 1)
        )
    return out


# -- distinctive words --------------------------------------------------------------------------


def _document(doc: Article | str) -> tuple[str, str, str | None]:
    """(id, text, language) of a document; a bare string gets an id from its content."""
    if isinstance(doc, Article):
        return doc.id, doc.text, doc.language
    return "txt-" + hashlib.sha1(doc.encode("utf-8")).hexdigest()[:12], doc, None


def _tokens(text: str, stop: frozenset[str]) -> Iterable[tuple[str, str]]:
    """(lower-case word, as written) for each word of the text that is not a stopword."""
    for match in WORD_PATTERN.finditer(text):
        surface = match.group()
        word = surface.lower()
        if word not in stop:
            yield word, surface


def distinctive_terms(
    docs_by_outlet: Mapping[str, Sequence[Article | str]],
    language: str,
    top: int = 10,
    *,
    background: Iterable[str] | Mapping[str, int] | None = None,
    min_count: int = 2,
    min_z: float = 1.96,
    prior_scale: float = 0.1,
) -> dict[str, tuple[DistinctiveTerm, ...]]:
    """The words each outlet uses markedly more than the other outlets, within one language.

    For each outlet *i* and word *w*, against the other outlets pooled (*j*), with prior
    counts ``α_w = prior_scale · N · p_w`` (``p_w``: the word's share of the pooled counts of all
    outlets, plus the background's if given; ``N``: the pooled number of words)::

        δ_w = log((y_iw + α_w) / (n_i + α_0 − y_iw − α_w)) − log((y_jw + α_w) / (n_j + α_0 − y_jw − α_w))
        z_w = δ_w / sqrt(1 / (y_iw + α_w) + 1 / (y_jw + α_w))

    (Monroe, Colaresi & Quinn 2008, eq. 16, 18–20). Words are the labels' tokens (letters, three
    or more, hyphenated compounds kept), lower-cased, without the language's stopwords.
    Results do not depend on the order of outlets or documents.

    Args:
        docs_by_outlet: Each outlet's documents: articles (their ``id``, ``text`` and
            ``language``; articles in another language are skipped) or plain texts.
        language: The language compared in (for stopwords, and to pick the articles).
        top: Words kept per outlet, highest z first.
        background: Optional texts (or word counts) of a larger corpus in the same language,
            sharpening the prior.
        min_count: A word needs this many uses in the outlet.
        min_z: A word needs at least this z-score (1.96: 5 % two-sided).
        prior_scale: Strength of the prior relative to the compared corpus (0.1: a tenth of its
            words; larger shrinks rare words' odds harder towards the pooled rate).

    Returns:
        Outlet name → its distinctive words (empty when fewer than two outlets have words).
    """
    stop = stopwords(language)
    outlets = sorted(docs_by_outlet)
    counts: dict[str, Counter[str]] = {}
    documents: dict[str, Counter[str]] = {}
    surfaces: dict[str, dict[str, Counter[str]]] = {}
    texts: dict[str, list[tuple[str, str, str | None]]] = {}
    for outlet in outlets:
        counts[outlet], documents[outlet], surfaces[outlet], texts[outlet] = Counter(), Counter(), {}, []
        for doc in docs_by_outlet[outlet]:
            doc_id, text, doc_language = _document(doc)
            if doc_language not in (None, language):
                continue
            texts[outlet].append((doc_id, text, doc_language))
            seen = set()
            for word, surface in _tokens(text, stop):
                counts[outlet][word] += 1
                surfaces[outlet].setdefault(word, Counter())[surface] += 1
                seen.add(word)
            documents[outlet].update(seen)
        texts[outlet].sort(key=lambda entry: entry[:2])
    active = [o for o in outlets if counts[o]]
    if len(active) < 2:
        return {outlet: () for outlet in outlets}

    vocabulary = sorted(set().union(*(counts[o] for o in active)))
    if len(vocabulary) < 2:  # one word is no choice of words (and the odds are undefined)
        return {outlet: () for outlet in outlets}
    index = {word: i for i, word in enumerate(vocabulary)}
    matrix = np.zeros((len(active), len(vocabulary)), dtype=np.float64)
    for row, outlet in enumerate(active):
        for word, count in counts[outlet].items():
            matrix[row, index[word]] = count
    pooled = matrix.sum(axis=0)
    total = pooled.sum()
    shape = pooled.copy()
    if background is not None:
        extra = (
            background
            if isinstance(background, Mapping)
            else Counter(w for text in background for w, _ in _tokens(text, stop))
        )
        for word, count in extra.items():
            if word in index:
                shape[index[word]] += count
    shape /= shape.sum()
    alpha = prior_scale * total * shape
    alpha_0 = alpha.sum()

    out: dict[str, tuple[DistinctiveTerm, ...]] = {outlet: () for outlet in outlets}
    for row, outlet in enumerate(active):
        mine = matrix[row]
        rest = pooled - mine
        n_i, n_j = mine.sum(), total - mine.sum()
        delta = np.log((mine + alpha) / (n_i + alpha_0 - mine - alpha)) - np.log(
            (rest + alpha) / (n_j + alpha_0 - rest - alpha)
        )
        z = delta / np.sqrt(1.0 / (mine + alpha) + 1.0 / (rest + alpha))
        eligible = np.flatnonzero((mine >= min_count) & (z >= min_z))
        # Highest z first; ties by the word, so the order never depends on the input's.
        ranked = sorted(eligible, key=lambda i: (-round(float(z[i]), 9), vocabulary[i]))[:top]
        terms = []
        for i in ranked:
            word = vocabulary[i]
            written = surfaces[outlet][word]
            shown = sorted(written.items(), key=lambda item: (-item[1], item[0]))[0][0]
            terms.append(
                DistinctiveTerm(
                    outlet=outlet,
                    language=language,
                    word=shown,
                    z=round(float(z[i]), 4),
                    log_odds=round(float(delta[i]), 4),
                    count=int(mine[i]),
                    other_count=int(rest[i]),
                    documents=documents[outlet][word],
                    evidence=_word_evidence(texts[outlet], word),
                )
            )
        out[outlet] = tuple(terms)
    return out


def _word_evidence(
    texts: Sequence[tuple[str, str, str | None]], word: str, wanted: int = 2
) -> tuple[TermEvidence, ...]:
    """The word's first use in each of the first ``wanted`` documents (by id) that use it."""
    strict = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
    loose = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    out = []
    for doc_id, text, doc_language in texts:
        match = strict.search(text) or loose.search(text)
        if not match:
            continue
        start, end = match.span()
        spans = sentence_spans(text, doc_language) or [Span(0, len(text))]
        s_start, s_end = next(((s, e) for s, e in spans if s <= start < e), (start, end))
        out.append(TermEvidence(doc_id, start, end, text[s_start:s_end], s_start))
        if len(out) == wanted:
            break
    return tuple(out)
