"""Search a workspace: full text, semantic (across languages), or both in one ranked list.

A plain library: the CLI (``rashomon search``, ``rashomon about``) and the web app call
:func:`search` and :func:`about`; nothing here prints or renders. Results carry offsets, never
markup, so each caller escapes the scraped text its own way.

Query syntax
------------
Our own small parser reads the query; the text a user types never reaches SQLite's FTS5 query
language unquoted (every word and phrase is passed as an FTS5 string), so a query is either
understood or refused with a :class:`~rashomon.errors.QueryError` that says what to change.

=========================  =================================================================
``Blinken Astana``         both words (AND is implied between items)
``"Antony Blinken"``       the words next to each other, in this order (a phrase)
``Kasach*``                a word starting with ``Kasach`` (prefix; ``*`` only ends a word)
``Blinken OR Tokayev``     either (``OR`` binds looser than AND: ``a b OR c`` is ``(a b) OR c``)
``NOT Biden``, ``-Biden``  without it (``Blinken NOT Biden``: Blinken, and no Biden)
``( … )``                  grouping: ``Blinken (Astana OR Taschkent)``
``title:Streik``           in the title only (a word, ``word*`` or ``"a phrase"``)
``outlet:"Die Brücke"``    from this outlet (or site: ``outlet:dailyclarion.example``)
``lang:de``                in this language (any ISO 639 code: ``de``, ``deu``, ``de-AT``)
``entity:Blinken``         mentioning this canonical entity, by any of its names or its ``en-`` id
``from:2025-03-01``        published on or after this day (``2025-03`` and ``2025`` work too)
``to:2025-03-31``          published on or before this day (articles without a date are left out)
=========================  =================================================================

Operators are written in capitals; ``and``, ``or`` and ``not`` are words. Field filters combine
with everything else (``lang:de OR lang:ru``, ``NOT outlet:x``). Case and diacritics do not
matter: ``Tokajew`` finds ``TOKAJEW``, ``Muller`` finds ``Müller`` and ``Sao Paulo`` finds
``São Paulo`` (letters that are not a letter with a mark stay themselves: ``ß`` is not ``ss``,
``Mueller`` is not ``Müller``). Words are cut as SQLite's ``unicode61`` tokenizer cuts them:
``US-Außenminister`` is the phrase ``us außenminister``.

Scripts without spaces
----------------------
Chinese, Japanese, Thai, Lao, Khmer, Burmese and Tibetan write no spaces between words, so a
word index sees a whole clause as one token. Articles in those languages are also kept in a
trigram index, and a query item holding a character of those scripts is looked up there as a
substring (``北京`` finds ``在北京举行``); an item of one or two such characters is matched by a
scan of that (small) index.

Ranking and merging
-------------------
Full text is ranked by BM25 (title weighted twice the body). Semantic search embeds the query's
words (not its filters) with the workspace's own embedder and ranks the stored article vectors
by cosine, by brute force over the vectors in chunks of :data:`VECTOR_CHUNK` (memory stays a few
megabytes whatever the size; about 40 ms per 20,000 articles, see BENCHMARKS.md; fine up to
about 100,000, beyond which an approximate index is wanted). The same filters restrict both.

``mode="both"`` merges the two lists by **reciprocal rank fusion** (Cormack, Clarke and
Büttcher, SIGIR 2009): an article scores ``Σ 1 / (RRF_K + rank)`` over the lists it is in.
BM25 scores and cosines live on unrelated scales (BM25 grows with the query's length and the
corpus; a short query's cosines with the articles of its story lie between 0.2 and 0.5), so adding or normalising them would
need calibration per workspace; ranks need none, and an article found both ways rises above one
found one way. Each hit says how it was found (``matched``).

"Which stored event is this text about": :func:`about` embeds a text the way an article is
embedded, reads its names, and scores each event with the grouping's own pair score (mean
embedding cosine with the event's members plus ``name_weight`` × their mean names similarity,
:func:`rashomon.cluster.combine`), saying whether grouping would put the text into the event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
import sqlite3
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from .cluster import article_features, combine, parse_published
from .config import Settings, load_settings
from .errors import QueryError, StoreError
from .names import shared_names
from .records import Document
from .text import sentence_spans

if TYPE_CHECKING:
    from .embed import Embedder
    from .store import Workspace

Mode = Literal["text", "semantic", "both"]
MODES: tuple[Mode, ...] = ("text", "semantic", "both")
RRF_K = 60  # the constant of reciprocal rank fusion (the value its authors found robust)
VECTOR_CHUNK = 4096  # article vectors scored at a time (8 MB at 512 dimensions)
MAX_QUERY_CHARS = 1000
MAX_ITEMS = 64  # words, phrases and filters in one query
MAX_DEPTH = 16  # nested parentheses
SNIPPET_CHARS = 280
# Semantic hits below this cosine are left out: with the default embedder a short query and an
# article on another story mostly score under it (a query and an article on its story, 0.2 to 0.5:
# BENCHMARKS.md, "Search"). A lone name is not embedded usefully; the full-text side finds it.
MIN_SIMILARITY = 0.15
FIELDS = ("title", "outlet", "lang", "entity", "from", "to")
# Languages written without spaces between words (ISO 639-1, else 639-3): also trigram-indexed.
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "dz", "yue", "wuu"})
_NO_SPACE_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)
_TOKEN = re.compile(r"[^\W_]+")  # what unicode61 keeps as a token, after folding
_OPERATORS = ("AND", "OR", "NOT")


# -- the index (written by the store, inside the transaction that stores the article) ------


def index_article(
    db: sqlite3.Connection,
    seq: int,
    title: str | None,
    text: str,
    language: str | None,
    vector: np.ndarray | None = None,
) -> None:
    """Index (or index again) one stored article for search: its row ``seq`` gets ``title`` and
    ``text`` (the latest version's), and ``vector`` when given. Called by
    :meth:`rashomon.store.Workspace.add_article` and ``add_version`` in their write transaction."""
    db.execute("DELETE FROM search_words WHERE rowid = ?", (seq,))
    db.execute("INSERT INTO search_words (rowid, title, text) VALUES (?, ?, ?)", (seq, title or "", text))
    db.execute("DELETE FROM search_trigrams WHERE rowid = ?", (seq,))
    if language in NO_SPACE_LANGUAGES:
        db.execute("INSERT INTO search_trigrams (rowid, title, text) VALUES (?, ?, ?)", (seq, title or "", text))
    if vector is not None:
        db.execute(
            "INSERT OR REPLACE INTO search_vectors (seq, vector) VALUES (?, ?)",
            (seq, np.asarray(vector, dtype=np.float32).tobytes()),
        )


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """A sentence of the article (cut to :data:`SNIPPET_CHARS` around its first match) and where
    the query matched in it: ``text[start:end]`` for each ``(start, end)`` in ``matches``."""

    text: str
    matches: tuple[tuple[int, int], ...] = ()

    def segments(self) -> list[tuple[str, bool]]:
        """The text in pieces, each with whether it is a match: what a caller escapes and marks."""
        out: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.matches:
            if start > at:
                out.append((self.text[at:start], False))
            out.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out


@dataclass(frozen=True)
class SearchHit:
    """One article found.

    Attributes:
        article_id, title, outlet, language, published: the article (``outlet`` is who tells it:
            the outlet, else the site); title and snippet are of its latest version.
        event_id, storyline_id: the event and storyline holding it.
        score: what the list is ordered by: the fused score (``both``), BM25 made positive
            (``text``) or the cosine (``semantic``).
        matched: how it was found: ``text`` (full text), ``semantic``, or ``filter`` (a query of
            filters only).
        text_rank, semantic_rank: its place (1 = first) in each list it is in.
        text_score: BM25 made positive (higher is better), when it matched the words.
        similarity: cosine of the query's and the article's vectors, when semantic search ran.
        snippet: the sentence that matches best, with match offsets.
        title_matches: match offsets in ``title``.
    """

    article_id: str
    title: str | None
    outlet: str | None
    language: str | None
    published: str | None
    event_id: str | None
    storyline_id: str | None
    score: float
    matched: tuple[str, ...]
    snippet: Snippet
    title_matches: tuple[tuple[int, int], ...] = ()
    text_rank: int | None = None
    semantic_rank: int | None = None
    text_score: float | None = None
    similarity: float | None = None


@dataclass(frozen=True)
class SearchResults:
    """What :func:`search` found: the hits of one page, how many articles the full-text query
    matches in all (``text_total``), and notes on the query (an entity nobody is named as)."""

    query: str
    mode: Mode
    hits: tuple[SearchHit, ...]
    text_total: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventMatch:
    """A stored event a text may be about (see :func:`about`).

    Attributes:
        score: the grouping's pair score of the text with the event: ``similarity`` +
            ``name_weight`` × ``names_similarity``.
        similarity: mean embedding cosine of the text with the event's articles.
        names_similarity: mean similarity of the names it shares with them.
        shared_names: the names the text shares with the event, as the event writes them.
        would_join: whether grouping would place the text in this event (score at least
            ``event_threshold`` and evidence of the same time, as for an ingested article).
    """

    event_id: str
    storyline_id: str | None
    label: str
    headline: str
    articles: int
    first_seen: str | None
    last_seen: str | None
    score: float
    similarity: float
    names_similarity: float
    shared_names: tuple[str, ...]
    would_join: bool


def as_dict(item: SearchResults | Sequence[EventMatch]) -> dict | list:  # type: ignore[type-arg]
    """Search results or event matches as plain JSON-ready data."""
    if isinstance(item, SearchResults):
        return dataclasses.asdict(item)
    return [dataclasses.asdict(match) for match in item]


# -- folding and matching, as the index tokenises ------------------------------------------


def fold(text: str) -> str:
    """Lower case without diacritics (``Ångström`` → ``angstrom``), character for character where
    it can be: what the word index compares (``unicode61 remove_diacritics 2``)."""
    return "".join(_fold_char(ch) for ch in text)


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character folded (possibly to none, or to several); cached: texts repeat characters."""
    if ch.isascii():
        return ch.lower()
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _folded_with_origins(text: str) -> tuple[str, list[int] | None]:
    """``fold(text)`` and, for each of its characters, the index of the character it came from
    (None when each character folds to exactly one: the offsets are the same)."""
    if text.isascii():
        return text.lower(), None
    parts = list(map(_fold_char, text))
    folded = "".join(parts)
    if len(folded) == len(text) and all(len(part) == 1 for part in parts):
        return folded, None
    origins: list[int] = []
    for index, part in enumerate(parts):
        origins.extend([index] * len(part))
    return folded, origins


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


# -- the parsed query ----------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """Words to find: one word or a phrase (``prefix``: the last word is a prefix); ``title``:
    in titles only. Written in a script without spaces, they are found as a substring."""

    value: str
    phrase: bool = False
    prefix: bool = False
    title: bool = False

    @property
    def no_spaces(self) -> bool:
        return bool(_NO_SPACE_SCRIPT.search(self.value))


@dataclass(frozen=True)
class Filter:
    """A field filter: ``field`` one of outlet, lang, entity, from, to; ``value`` as normalised."""

    field: str
    value: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Words | Filter | Not | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed query (:func:`parse_query`): the tree, and the words semantic search embeds."""

    text: str
    tree: Node

    @property
    def positive_words(self) -> list[Words]:
        """The words not under a NOT: what ranks and highlights."""
        return list(_positive_words(self.tree))

    @property
    def semantic_text(self) -> str:
        """The query's words and phrases (not filters, not negated words), for the embedder."""
        return " ".join(words.value for words in self.positive_words)


def _positive_words(node: Node) -> Iterator[Words]:
    if isinstance(node, Words):
        yield node
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _positive_words(child)


def parse_query(text: str) -> Query:
    """Parse a query written in the syntax of this module's docstring.

    Raises:
        QueryError: with what is wrong and where (1-based character position), e.g. an unclosed
            quote or parenthesis, an operator with nothing to apply to, an unknown field, a bad
            date, or a query with nothing to search for.
    """
    if not isinstance(text, str):
        raise QueryError("A query is text.")
    # NUL ends a string inside SQLite's FTS5; lone surrogates cannot be stored as UTF-8.
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"The query is {len(text)} characters long; at most {MAX_QUERY_CHARS} are read.")
    parser = _Parser(_lex(text))
    tree = parser.parse()
    if tree is None:
        raise QueryError(
            'Nothing to search for: give a word, a "phrase" or a filter such as lang:de (see docs/search.md).'
        )
    if parser.items > MAX_ITEMS:
        raise QueryError(f"The query has {parser.items} words, phrases and filters; at most {MAX_ITEMS} are read.")
    return Query(text, tree)


@dataclass(frozen=True)
class _Token:
    kind: str  # ( ) OP NEG WORDS FIELD
    position: int  # 1-based
    value: str = ""
    prefix: bool = False
    phrase: bool = False
    field: str = ""


def _closing_quote(text: str, start: int) -> int:
    end = text.find('"', start + 1)
    if end < 0:
        raise QueryError(f'Unclosed quote at position {start + 1}: end the phrase with " (or remove the quote).')
    return end


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, i + 1))
            i += 1
        elif ch == '"':
            end = _closing_quote(text, i)
            prefix = end + 1 < size and text[end + 1] == "*"
            tokens.append(_Token("WORDS", i + 1, text[i + 1 : end], prefix=prefix, phrase=True))
            i = end + 1 + prefix
            while i < size and text[i] == "*":
                i += 1
        elif ch == "-" and i + 1 < size and not text[i + 1].isspace() and text[i + 1] not in "-)":
            tokens.append(_Token("NEG", i + 1))
            i += 1
        else:
            j = i
            while j < size and not text[j].isspace() and text[j] not in '()"':
                j += 1
            run = text[i:j]
            field = re.match(r"([A-Za-z]+):", run)
            if run in _OPERATORS:
                tokens.append(_Token("OP", i + 1, run))
            elif field:
                name = field.group(1).lower()
                name = "lang" if name == "language" else name
                if name not in FIELDS:
                    raise QueryError(
                        f"Unknown field {field.group(1)!r} at position {i + 1}; fields are "
                        f"{', '.join(f + ':' for f in FIELDS)}. To search for the text itself, put it in "
                        f'quotes: "{run}".'
                    )
                value = run[field.end() :]
                phrase = False
                if not value and j < size and text[j] == '"':
                    end = _closing_quote(text, j)
                    value, phrase, j = text[j + 1 : end], True, end + 1
                prefix = j < size and text[j] == "*"
                while j < size and text[j] == "*":
                    j += 1
                if name == "title" and not phrase:  # title:minist* is a prefix, as minist* is
                    bare = value.rstrip("*")
                    if "*" in bare:
                        raise QueryError(
                            f"'*' at position {i + 1 + field.end() + bare.index('*')} may only end a word: "
                            "prefix search is title:word* (e.g. title:minist*)."
                        )
                    prefix, value = bare != value, bare
                if not value.strip():
                    raise QueryError(f"The field {name}: at position {i + 1} needs a value, e.g. {_EXAMPLE[name]}.")
                tokens.append(_Token("FIELD", i + 1, value, field=name, phrase=phrase, prefix=prefix))
            else:
                stripped = run.rstrip("*")
                if "*" in stripped or not stripped:
                    raise QueryError(
                        f"'*' at position {i + 1 + run.index('*')} may only end a word: prefix search is "
                        "word* (e.g. minist*). To search for a '*' itself, put it in quotes."
                    )
                tokens.append(_Token("WORDS", i + 1, stripped, prefix=stripped != run))
            i = j
    return tokens


_EXAMPLE = {
    "title": "title:Streik",
    "outlet": 'outlet:"Die Brücke"',
    "lang": "lang:de",
    "entity": "entity:Blinken",
    "from": "from:2025-03-01",
    "to": "to:2025-03-31",
}


class _Parser:
    """Recursive descent: or := and (OR and)* ; and := unary (AND? unary)* ; unary := (NOT|-) unary | primary."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0
        self.items = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def parse(self) -> Node | None:
        node = self.parse_or()
        token = self.peek()
        if token is not None:  # only a stray ')' stops parse_or early
            raise QueryError(f"Unmatched ')' at position {token.position}: remove it or open it with '('.")
        return node

    def _ends_item(self, token: _Token | None) -> bool:
        return token is None or token.kind == ")" or (token.kind == "OP" and token.value in ("AND", "OR"))

    def parse_or(self) -> Node | None:
        parts = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "OP" and token.value == "OR":
            self.at += 1
            if self._ends_item(self.peek()):
                raise QueryError(f"OR at position {token.position} needs something after it.")
            parts.append(self.parse_and())
        kept = tuple(p for p in parts if p is not None)
        return None if not kept else kept[0] if len(kept) == 1 else Or(kept)

    def parse_and(self) -> Node | None:
        parts: list[Node | None] = []
        first = self.peek()
        if first is not None and first.kind == "OP" and first.value in ("AND", "OR"):
            raise QueryError(f"{first.value} at position {first.position} needs something before it.")
        while not self._ends_item(token := self.peek()) or (
            token is not None and token.kind == "OP" and token.value == "AND"
        ):
            assert token is not None
            if token.kind == "OP" and token.value == "AND":
                self.at += 1
                if self._ends_item(self.peek()):
                    raise QueryError(f"AND at position {token.position} needs something after it.")
                continue
            parts.append(self.parse_unary())
        kept = tuple(p for p in parts if p is not None)
        return None if not kept else kept[0] if len(kept) == 1 else And(kept)

    def parse_unary(self) -> Node | None:
        token = self.peek()
        assert token is not None
        if token.kind == "NEG" or (token.kind == "OP" and token.value == "NOT"):
            self.at += 1
            if self._ends_item(self.peek()):
                raise QueryError(
                    f"{'NOT' if token.kind == 'OP' else '-'} at position {token.position} needs something after it."
                )
            child = self.parse_unary()
            if child is None:
                return None
            return child.child if isinstance(child, Not) else Not(child)
        return self.parse_primary()

    def parse_primary(self) -> Node | None:
        token = self.peek()
        assert token is not None
        self.at += 1
        if token.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"Parentheses nest deeper than {MAX_DEPTH} levels at position {token.position}.")
            node = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QueryError(f"Unclosed '(' at position {token.position}: close it with ')'.")
            self.at += 1
            self.depth -= 1
            return node
        if token.kind == "OP":  # a NOT in place of an item is handled by parse_unary
            raise QueryError(f"{token.value} at position {token.position} needs something before it.")
        self.items += 1
        if token.kind == "FIELD":
            return _field(token)
        words = Words(token.value.strip(), phrase=token.phrase, prefix=token.prefix)
        return words if words.no_spaces or _tokens(words.value) else None


def _field(token: _Token) -> Node | None:
    value = token.value.strip()
    if token.field == "title":
        words = Words(value, phrase=token.phrase, prefix=token.prefix, title=True)
        return words if words.no_spaces or _tokens(value) else None
    if token.field == "lang":
        from .language import iso_language

        code = iso_language(value)
        if code is None:
            raise QueryError(
                f"lang:{value} at position {token.position} is not a language code; use an ISO 639 code "
                "such as de, en, ru or zh."
            )
        return Filter("lang", code)
    if token.field in ("from", "to"):
        return Filter(token.field, _day(value, token))
    return Filter(token.field, value)


def _day(value: str, token: _Token) -> str:
    """The first (``from:``) or last (``to:``) day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value)
    try:
        if match is None:
            raise ValueError
        year, month, day = int(match.group(1)), match.group(2), match.group(3)
        if token.field == "from":
            return dt.date(year, int(month or 1), int(day or 1)).isoformat()
        if day:
            return dt.date(year, int(month), int(day)).isoformat()
        if month:
            following = dt.date(year + int(month) // 12, int(month) % 12 + 1, 1)
            return (following - dt.timedelta(days=1)).isoformat()
        return dt.date(year, 12, 31).isoformat()
    except ValueError:
        raise QueryError(
            f"{token.field}:{value} at position {token.position} is not a date; write YYYY-MM-DD "
            f"(or YYYY-MM, YYYY), e.g. {_EXAMPLE[token.field]}."
        ) from None


# -- from the tree to SQL ------------------------------------------------------------------


def _fts_string(words: Words) -> str:
    """An FTS5 query for ``words``: always one quoted string (so no FTS5 syntax can get in)."""
    quoted = '"' + words.value.replace('"', '""') + '"'
    if words.prefix and not words.no_spaces:
        quoted += "*"
    return f"title : {quoted}" if words.title else quoted


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class _Compiler:
    """A query tree as one SQL compound SELECT of article ``seq`` values, with its parameters."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.notes: list[str] = []

    def select(self, node: Node) -> tuple[str, list[object]]:
        if isinstance(node, Words):
            return self.words(node)
        if isinstance(node, Filter):
            return self.filter(node)
        if isinstance(node, Not):
            sql, params = self.select(node.child)
            return f"SELECT seq FROM articles EXCEPT SELECT seq FROM ({sql})", params
        if isinstance(node, Or):
            parts = [self.select(child) for child in node.children]
            return " UNION ".join(f"SELECT seq FROM ({sql})" for sql, _ in parts), [p for _, ps in parts for p in ps]
        positive = [self.select(c) for c in node.children if not isinstance(c, Not)]
        negative = [self.select(c.child) for c in node.children if isinstance(c, Not)]
        sql = " INTERSECT ".join(f"SELECT seq FROM ({s})" for s, _ in positive) or "SELECT seq FROM articles"
        sql += "".join(f" EXCEPT SELECT seq FROM ({s})" for s, _ in negative)
        return sql, [p for _, ps in [*positive, *negative] for p in ps]

    def words(self, words: Words) -> tuple[str, list[object]]:
        if not words.no_spaces:
            return "SELECT rowid AS seq FROM search_words WHERE search_words MATCH ?", [_fts_string(words)]
        if len(words.value) >= 3:
            return "SELECT rowid AS seq FROM search_trigrams WHERE search_trigrams MATCH ?", [_fts_string(words)]
        # Under three characters the trigram index has nothing to look up: scan its (few) rows.
        if words.title:
            return "SELECT rowid AS seq FROM search_trigrams WHERE title LIKE ? ESCAPE '\\'", [_like(words.value)]
        pattern = _like(words.value)
        return (
            "SELECT rowid AS seq FROM search_trigrams WHERE title LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\'",
            [pattern, pattern],
        )

    def filter(self, node: Filter) -> tuple[str, list[object]]:
        if node.field == "outlet":
            return (
                "SELECT seq FROM articles WHERE outlet = ? COLLATE NOCASE OR domain = ? COLLATE NOCASE",
                [node.value, node.value],
            )
        if node.field == "lang":
            return "SELECT seq FROM articles WHERE language = ?", [node.value]
        if node.field == "from":
            return "SELECT seq FROM articles WHERE substr(published, 1, 10) >= ?", [node.value]
        if node.field == "to":
            return "SELECT seq FROM articles WHERE substr(published, 1, 10) <= ?", [node.value]
        entities = entity_ids(self.connection, node.value)
        if not entities:
            self.notes.append(f"No entity is named {node.value!r}; entity:{node.value} matches nothing.")
        marks = ", ".join("?" * len(entities)) or "NULL"
        return (
            "SELECT a.seq AS seq FROM articles a WHERE a.id IN (SELECT m.article_id FROM entity_mentions m"
            f" JOIN entity_keys k ON k.key = m.key WHERE k.entity_id IN ({marks}))",
            list(entities),
        )


def entity_ids(connection: sqlite3.Connection, name: str) -> list[str]:
    """The canonical entities called ``name`` (case and diacritics aside) or written so, or with
    this ``en-`` id; failing those, those with ``name`` as one word of their name."""
    connection.create_function("rashomon_fold", 1, _fold_or_null, deterministic=True)
    wanted = fold(name.strip())
    rows = connection.execute(
        "SELECT id FROM entities WHERE id = ? OR rashomon_fold(name) = ?"
        " OR EXISTS (SELECT 1 FROM json_each(entities.aliases) WHERE rashomon_fold(value) = ?) ORDER BY id",
        (name.strip(), wanted, wanted),
    ).fetchall()
    if not rows:
        rows = connection.execute(
            "SELECT id FROM entities WHERE instr(' ' || rashomon_fold(name) || ' ', ?) > 0 ORDER BY id",
            (f" {wanted} ",),
        ).fetchall()
    return [row[0] for row in rows]


def _fold_or_null(value: object) -> str | None:
    return fold(value) if isinstance(value, str) else None


def _restriction(node: Node) -> Node | None:
    """What the semantic list must satisfy: the tree with its words taken as true (None: nothing);
    words under a NOT still exclude."""
    if isinstance(node, Words):
        return None
    if isinstance(node, Filter | Not):
        return node
    parts = [_restriction(child) for child in node.children]
    if isinstance(node, Or):
        if any(part is None for part in parts):
            return None
        return Or(tuple(p for p in parts if p is not None))
    kept = tuple(p for p in parts if p is not None)
    return None if not kept else kept[0] if len(kept) == 1 else And(kept)


# -- snippets --------------------------------------------------------------------------------


def _match_spans(text: str, items: Sequence[Words]) -> list[tuple[tuple[int, int], set[int]]]:
    """Where each of ``items`` occurs in ``text``: (start, end) spans with the items found there."""
    if not items or not text:
        return []
    folded, origins = _folded_with_origins(text)

    def span(start: int, end: int) -> tuple[int, int]:  # folded offsets -> offsets in ``text``
        return (start, end) if origins is None else (origins[start], origins[end - 1] + 1)

    found: dict[tuple[int, int], set[int]] = {}
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    at_word: dict[str, list[int]] = {}
    for position, (token, _, _) in enumerate(tokens):
        at_word.setdefault(token, []).append(position)
    for number, item in enumerate(items):
        if item.no_spaces:
            needle = fold(item.value)
            start = folded.find(needle)
            while needle and start >= 0:
                found.setdefault(span(start, start + len(needle)), set()).add(number)
                start = folded.find(needle, start + len(needle))
            continue
        wanted = _tokens(item.value)
        if not wanted:
            continue
        if len(wanted) == 1 and item.prefix:
            starts = [p for p, (token, _, _) in enumerate(tokens) if token.startswith(wanted[0])]
        else:
            starts = at_word.get(wanted[0], [])
        for at in starts:
            window = tokens[at : at + len(wanted)]
            if len(window) < len(wanted):
                continue
            same = all(token == word for (token, _, _), word in zip(window[1:-1], wanted[1:-1], strict=True))
            last = window[-1][0]
            if same and (last.startswith(wanted[-1]) if item.prefix else last == wanted[-1]):
                found.setdefault(span(window[0][1], window[-1][2]), set()).add(number)
    return sorted(found.items())


def _disjoint(spans: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return tuple(out)


def make_snippet(text: str, language: str | None, items: Sequence[Words], title: str | None = None) -> Snippet:
    """The sentence of ``text`` where the most of ``items`` occur (the first one with the most),
    cut to :data:`SNIPPET_CHARS` around its first match; without a match, the lead's first sentence."""
    body_items = [item for item in items if not item.title]
    spans = _match_spans(text, body_items)
    sentences = sentence_spans(text, language)
    best: tuple[int, int, int] | None = None  # (-distinct items, sentence number, sentence index)
    for number, (start, end) in enumerate(sentences):
        inside = set().union(*(found for (s, e), found in spans if s >= start and e <= end)) if spans else set()
        if inside and (best is None or (-len(inside), number) < best[:2]):
            best = (-len(inside), number, number)
    if best is None:
        chosen = next((s for s in sentences if title is None or text[s.start : s.end].strip() != title.strip()), None)
        if chosen is None:
            return Snippet(text[:SNIPPET_CHARS])
        return Snippet(_cut(text[chosen.start : chosen.end], 0)[0])
    start, end = sentences[best[2]]
    matches = [(s - start, e - start) for (s, e), _ in spans if s >= start and e <= end]
    sentence, shift = _cut(text[start:end], matches[0][0])
    kept = [(s - shift, e - shift) for s, e in matches]
    length = len(sentence)
    return Snippet(sentence, _disjoint([(s, e) for s, e in kept if s >= 0 and e <= length]))


def _cut(sentence: str, first_match: int) -> tuple[str, int]:
    """``sentence`` cut to :data:`SNIPPET_CHARS` around ``first_match`` (with "…" where cut) and
    how far its start moved (negative offsets mean "…" was put in front)."""
    if len(sentence) <= SNIPPET_CHARS:
        return sentence, 0
    start = max(0, min(first_match - SNIPPET_CHARS // 3, len(sentence) - SNIPPET_CHARS))
    if start > 0:
        space = sentence.find(" ", start)
        start = space + 1 if 0 < space < first_match else start
    end = start + SNIPPET_CHARS
    if end < len(sentence):
        space = sentence.rfind(" ", start, end)
        end = space if space > first_match else end
    piece = sentence[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(sentence) else ""
    return prefix + piece + suffix, start - len(prefix)


# -- the embedder ----------------------------------------------------------------------------


def workspace_embedder(workspace: Workspace, settings: Settings | None = None) -> Embedder:
    """The embedder the workspace's article vectors were made with (the default one for a new or
    empty workspace).

    Raises:
        StoreError: if the workspace's vectors come from an embedder this installation lacks.
    """
    from .embed import HashingEmbedder
    from .pipeline import default_embedder

    settings = settings or load_settings()
    row = workspace.connection.execute("SELECT embedder, length(vector) FROM articles ORDER BY seq LIMIT 1").fetchone()
    if row is None:
        return default_embedder(settings)
    name, size = row[0], row[1]
    if name == HashingEmbedder.name:
        return HashingEmbedder(dimension=size // 4)
    embedder = default_embedder(settings)
    if embedder.name != name:
        raise StoreError(
            f"Workspace {workspace.folder} was built with embedder {name}; this installation has {embedder.name}. "
            "Search it with --mode text, or ingest into a new workspace."
        )
    return embedder


def _check_embedder(workspace: Workspace, embedder: Embedder) -> None:
    row = workspace.connection.execute("SELECT embedder FROM articles ORDER BY seq LIMIT 1").fetchone()
    if row is not None and row[0] != embedder.name:
        raise StoreError(
            f"Workspace {workspace.folder} was built with embedder {row[0]}; the query would be embedded with "
            f"{embedder.name}. Use the workspace's embedder (rashomon.search.workspace_embedder)."
        )


def vector_chunks(connection: sqlite3.Connection, chunk: int = VECTOR_CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The stored article vectors, ``chunk`` at a time: ``(seqs, matrix)`` in seq order."""
    last = -1
    while True:
        rows = connection.execute(
            "SELECT seq, vector FROM search_vectors WHERE seq > ? ORDER BY seq LIMIT ?", (last, chunk)
        ).fetchall()
        if not rows:
            return
        seqs = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), -1)
        yield seqs, matrix
        last = int(seqs[-1])


def nearest(
    connection: sqlite3.Connection,
    vector: np.ndarray,
    k: int,
    allowed: np.ndarray | None = None,
    chunk: int = VECTOR_CHUNK,
) -> list[tuple[int, float]]:
    """The ``k`` stored articles whose vectors are most like ``vector`` (cosine; vectors are unit
    length), best first, as ``(seq, cosine)``; only those in ``allowed`` (sorted seqs), if given.
    Brute force, chunk by chunk: memory stays that of one chunk and ``k`` candidates."""
    query = np.asarray(vector, dtype=np.float32)
    best_seqs = np.zeros(0, dtype=np.int64)
    best_scores = np.zeros(0, dtype=np.float32)
    for seqs, matrix in vector_chunks(connection, chunk):
        if matrix.shape[1] != query.shape[0]:
            raise StoreError(
                f"Stored vectors have {matrix.shape[1]} dimensions, the query {query.shape[0]}: "
                "the query is embedded with another embedder than the workspace's."
            )
        scores = matrix @ query
        if allowed is not None:
            keep = np.isin(seqs, allowed, assume_unique=True)
            seqs, scores = seqs[keep], scores[keep]
        best_seqs = np.concatenate([best_seqs, seqs])
        best_scores = np.concatenate([best_scores, scores])
        if len(best_scores) > k:
            top = np.argpartition(-best_scores, k - 1)[:k]
            best_seqs, best_scores = best_seqs[top], best_scores[top]
    order = np.lexsort((best_seqs, -best_scores))
    return [(int(best_seqs[i]), float(best_scores[i])) for i in order[:k]]


# -- search ------------------------------------------------------------------------------------


def search(
    workspace: Workspace,
    query: str,
    limit: int = 20,
    mode: Mode = "both",
    offset: int = 0,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    min_similarity: float = MIN_SIMILARITY,
) -> SearchResults:
    """Find articles in a workspace (query syntax, ranking and merging: see the module docstring).

    Args:
        workspace: The workspace to search (only read).
        query: The query as the user typed it.
        limit: Hits to return.
        mode: ``text`` (full text), ``semantic`` (the query's words embedded, compared with the
            article vectors), or ``both`` merged by reciprocal rank fusion.
        offset: Hits to skip (the next page starts at ``offset + limit``).
        settings: For the default embedder; the packaged defaults if None.
        embedder: The embedder for the query; must be the workspace's (by default it is).
        min_similarity: Semantic hits below this cosine are left out.

    Raises:
        QueryError: if the query cannot be read, or ``mode`` is not one of :data:`MODES`.
        StoreError: if the workspace cannot be read or its vectors' embedder is not available.
    """
    if mode not in MODES:
        raise QueryError(f"Unknown search mode {mode!r}; use one of {', '.join(MODES)}.")
    if limit < 1 or offset < 0:
        raise QueryError("limit must be at least 1 and offset at least 0.")
    parsed = parse_query(query)
    connection = workspace.connection
    compiler = _Compiler(connection)
    want = offset + limit
    depth = want if mode != "both" else max(2 * want, 50)  # each list's depth before fusion
    text_list: list[tuple[int, float | None]] = []
    text_total = 0
    semantic_list: list[tuple[int, float]] = []
    positive = parsed.positive_words
    try:
        if mode in ("text", "both"):
            text_list, text_total = _text_hits(connection, compiler, parsed, depth if mode == "both" else want)
        if mode in ("semantic", "both") and positive:
            embedder = embedder or workspace_embedder(workspace, settings)
            _check_embedder(workspace, embedder)
            restriction = _restriction(parsed.tree)
            allowed = None
            if restriction is not None:
                sql, params = compiler.select(restriction)
                allowed = np.array(sorted(row[0] for row in connection.execute(sql, params)), dtype=np.int64)
            vector = np.asarray(embedder.encode([parsed.semantic_text]), dtype=np.float32)[0]
            semantic_list = [hit for hit in nearest(connection, vector, depth, allowed) if hit[1] >= min_similarity]
        elif mode == "semantic":
            raise QueryError("Semantic search needs words to compare (not only filters): add some, or use --mode text.")
    except sqlite3.Error as error:  # the workspace, not the query: queries reach SQLite as parameters only
        raise StoreError(f"Cannot search workspace {workspace.folder}: {error}.") from None
    ranked = _fuse(mode, text_list, semantic_list, bool(positive))[offset:want]
    hits = _hits(connection, ranked, positive)
    return SearchResults(parsed.text, mode, tuple(hits), text_total, tuple(dict.fromkeys(compiler.notes)))


def matching_ids(
    workspace: Workspace, query: str, among: Collection[str] | None = None
) -> tuple[set[str], tuple[str, ...]]:
    """Every article the query matches by its words and filters (the full-text side, unranked and
    unlimited; semantic search has no such set), with notes on the query.

    What timelines count (the articles of each day that match), and what a saved search alerts
    on (``among``: only these article ids, the ones an ingest added).

    Raises:
        QueryError: if the query cannot be read.
        StoreError: if the workspace cannot be read.
    """
    parsed = parse_query(query)
    compiler = _Compiler(workspace.connection)
    sql, params = compiler.select(parsed.tree)
    try:
        if among is None:
            rows = workspace.connection.execute(
                f"SELECT a.id FROM articles a WHERE a.seq IN ({sql})", params
            ).fetchall()
        else:
            rows = []
            chosen = sorted(among)
            for start in range(0, len(chosen), 500):
                part = chosen[start : start + 500]
                rows += workspace.connection.execute(
                    f"SELECT a.id FROM articles a WHERE a.id IN ({', '.join('?' * len(part))}) AND a.seq IN ({sql})",
                    [*part, *params],
                ).fetchall()
    except sqlite3.Error as error:
        raise StoreError(f"Cannot search workspace {workspace.folder}: {error}.") from None
    return {row[0] for row in rows}, tuple(dict.fromkeys(compiler.notes))


def _text_hits(
    connection: sqlite3.Connection, compiler: _Compiler, parsed: Query, depth: int
) -> tuple[list[tuple[int, float | None]], int]:
    """The full-text list, best first, up to ``depth``: ``(seq, BM25 made positive)``, and how
    many articles match in all."""
    sql, params = compiler.select(parsed.tree)
    positive = parsed.positive_words
    words = [_fts_string(w) for w in positive if not w.no_spaces]
    trigrams = [_fts_string(w) for w in positive if w.no_spaces and len(w.value) >= 3]
    parts = [f"hits(seq) AS MATERIALIZED ({sql})"]
    joins, scores = "", []
    if words:
        parts.append(
            "w(seq, s) AS MATERIALIZED (SELECT rowid, bm25(search_words, 2.0, 1.0) FROM search_words"
            " WHERE search_words MATCH ?)"
        )
        params = [*params, " OR ".join(f"({w})" for w in words)]
        joins += " LEFT JOIN w ON w.seq = hits.seq"
        scores.append("COALESCE(w.s, 0)")
    if trigrams:
        parts.append(
            "t(seq, s) AS MATERIALIZED (SELECT rowid, bm25(search_trigrams, 2.0, 1.0) FROM search_trigrams"
            " WHERE search_trigrams MATCH ?)"
        )
        params = [*params, " OR ".join(f"({t})" for t in trigrams)]
        joins += " LEFT JOIN t ON t.seq = hits.seq"
        scores.append("COALESCE(t.s, 0)")
    if positive:
        select = (
            f"SELECT hits.seq, {' + '.join(scores) or '0'} AS s, COUNT(*) OVER () FROM hits{joins}"
            " ORDER BY s, hits.seq DESC LIMIT ?"
        )
    else:  # filters only: the newest first
        select = (
            "SELECT hits.seq, NULL, COUNT(*) OVER () FROM hits JOIN articles a ON a.seq = hits.seq"
            " ORDER BY substr(a.published, 1, 10) DESC, hits.seq DESC LIMIT ?"
        )
    rows = connection.execute(f"WITH {', '.join(parts)} {select}", [*params, depth]).fetchall()
    total = int(rows[0][2]) if rows else 0
    return [(int(row[0]), None if row[1] is None else -float(row[1])) for row in rows], total


@dataclass
class _Ranked:
    seq: int
    score: float
    matched: tuple[str, ...]
    text_rank: int | None = None
    semantic_rank: int | None = None
    text_score: float | None = None
    similarity: float | None = None


def _fuse(
    mode: Mode, text_list: list[tuple[int, float | None]], semantic_list: list[tuple[int, float]], words: bool
) -> list[_Ranked]:
    """One ranked list from the full-text and semantic ones (reciprocal rank fusion for ``both``)."""
    found: dict[int, _Ranked] = {}
    for rank, (seq, score) in enumerate(text_list, start=1):
        how = "text" if words else "filter"
        value = (score or 0.0) if mode == "text" else 1.0 / (RRF_K + rank)
        found[seq] = _Ranked(seq, value, (how,), rank, None, score)
    for rank, (seq, cosine) in enumerate(semantic_list, start=1):
        fused = 1.0 / (RRF_K + rank)
        hit = found.get(seq)
        if hit is None:
            found[seq] = _Ranked(seq, cosine if mode == "semantic" else fused, ("semantic",), None, rank, None, cosine)
        else:
            hit.score += fused
            hit.matched += ("semantic",)
            hit.semantic_rank, hit.similarity = rank, cosine
    if mode == "both":
        return sorted(found.values(), key=lambda h: (-h.score, h.text_rank or 10**9, h.semantic_rank or 10**9))
    return list(found.values())  # one list, already in order


def _hits(connection: sqlite3.Connection, ranked: list[_Ranked], items: Sequence[Words]) -> list[SearchHit]:
    if not ranked:
        return []
    seqs = [hit.seq for hit in ranked]
    marks = ", ".join("?" * len(seqs))
    meta = {
        row[0]: row
        for row in connection.execute(
            f"SELECT seq, id, outlet, domain, language, published FROM articles WHERE seq IN ({marks})", seqs
        )
    }
    indexed = {
        row[0]: (row[1], row[2])
        for row in connection.execute(f"SELECT rowid, title, text FROM search_words WHERE rowid IN ({marks})", seqs)
    }
    ids = [meta[seq][1] for seq in seqs if seq in meta]
    groups = {
        row[0]: (row[1], row[2])
        for row in connection.execute(
            "SELECT ea.article_id, ea.event_id, se.storyline_id FROM event_articles ea"
            f" LEFT JOIN storyline_events se ON se.event_id = ea.event_id WHERE ea.article_id IN ({marks})",
            ids,
        )
    }
    out = []
    for hit in ranked:
        if hit.seq not in meta:
            continue
        _seq, article_id, outlet, domain, language, published = meta[hit.seq]
        title, text = indexed.get(hit.seq, ("", ""))
        title_spans = _disjoint([span for span, _ in _match_spans(title or "", items)])
        event_id, storyline_id = groups.get(article_id, (None, None))
        out.append(
            SearchHit(
                article_id=article_id,
                title=title or None,
                outlet=outlet or domain,
                language=language,
                published=published,
                event_id=event_id,
                storyline_id=storyline_id,
                score=round(hit.score, 6),
                matched=hit.matched,
                snippet=make_snippet(text, language, items, title),
                title_matches=title_spans,
                text_rank=hit.text_rank,
                semantic_rank=hit.semantic_rank,
                text_score=None if hit.text_score is None else round(hit.text_score, 6),
                similarity=None if hit.similarity is None else round(hit.similarity, 6),
            )
        )
    return out


# -- which stored event is this text about -----------------------------------------------------


def about(
    workspace: Workspace,
    item: str | Document,
    limit: int = 5,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    candidates: int = 50,
) -> list[EventMatch]:
    """The stored events a text is most likely about, best first.

    The text is cleaned, its language detected and its dates read as an ingested article's would
    be, then embedded the same way and its names read. Every event gets the mean cosine of the
    text with its articles (one pass over the stored vectors, in chunks); the ``candidates`` best
    are scored with the grouping's pair score (adding the names they share,
    :func:`rashomon.cluster.combine`), and the ``limit`` best of those returned.

    Args:
        workspace: The workspace (only read).
        item: The text, or a :class:`~rashomon.records.Document` read from a file.
        limit: Events to return.
        settings: Grouping settings (thresholds, name weight); the packaged defaults if None.
        embedder: Must be the workspace's (by default it is).

    Raises:
        QueryError: if the text is empty or nothing is left of it after cleaning.
        StoreError: if the workspace's vectors' embedder is not available.
    """
    from .embed import embed_articles
    from .ingest import make_id
    from .pipeline import prepare

    settings = settings or load_settings()
    if isinstance(item, str):
        if not item.strip():
            raise QueryError("There is no text to compare with the stored events.")
        raw = item.encode("utf-8", "replace")
        item = Document(make_id("text", raw.decode("utf-8")), "<text>", raw, raw.decode("utf-8"), "utf-8", "txt")
    articles, _rejected = prepare([item], settings)
    if not articles:
        raise QueryError(f"Nothing is left of {item.source} after cleaning: there is no text to compare.")
    article = articles[0]
    embedder = embedder or workspace_embedder(workspace, settings)
    _check_embedder(workspace, embedder)
    vector = embed_articles([article], embedder, settings.embed_chars)[0]
    features = article_features(article, vector, settings)
    connection = workspace.connection
    event_of = dict(
        connection.execute("SELECT a.seq, ea.event_id FROM event_articles ea JOIN articles a ON a.id = ea.article_id")
    )
    if not event_of:
        return []
    names = sorted(set(event_of.values()))
    number = {event: n for n, event in enumerate(names)}
    sums = np.zeros(len(names), dtype=np.float64)
    counts = np.zeros(len(names), dtype=np.float64)
    for seqs, matrix in vector_chunks(connection):
        cosines = matrix @ features.vector
        owners = np.array([number.get(event_of.get(int(s), ""), -1) for s in seqs])
        keep = owners >= 0
        np.add.at(sums, owners[keep], cosines[keep])
        np.add.at(counts, owners[keep], 1.0)
    means = np.divide(sums, counts, out=np.full_like(sums, -2.0), where=counts > 0)
    chosen = [names[i] for i in np.lexsort((np.arange(len(names)), -means))[:candidates] if counts[i] > 0]
    matches = [_event_match(workspace, event, float(means[number[event]]), features, settings) for event in chosen]
    matches.sort(key=lambda m: (-m.score, m.event_id))
    return matches[:limit]


def _event_match(
    workspace: Workspace, event_id: str, similarity: float, features: object, settings: Settings
) -> EventMatch:
    from .cluster import ArticleFeatures

    assert isinstance(features, ArticleFeatures)
    connection = workspace.connection
    event = workspace.events_by_id([event_id], terms=False)[0]
    rows = connection.execute(
        "SELECT f.names, f.surfaces FROM features f JOIN event_articles ea ON ea.article_id = f.article_id"
        " WHERE ea.event_id = ?",
        (event_id,),
    ).fetchall()
    summed: dict[str, float] = {}
    surfaces: dict[str, str] = {}
    for names_json, surfaces_json in rows:
        for key, weight in json.loads(names_json).items():
            summed[key] = summed.get(key, 0.0) + weight
        for key, surface in json.loads(surfaces_json).items():
            surfaces.setdefault(key, surface)
    count = max(1, len(event.article_ids))
    mean_names = {key: weight / count for key, weight in summed.items()}
    score, names_similarity = combine(similarity, features.names, mean_names, settings)
    shared = tuple(
        surfaces.get(key) or features.surfaces.get(key) or key for key in shared_names(features.names, mean_names)
    )
    storyline = workspace.storylines_of_events([event_id])
    days = [
        parse_published(row[0])
        for row in connection.execute(
            "SELECT a.published FROM articles a JOIN event_articles ea ON ea.article_id = a.id WHERE ea.event_id = ?",
            (event_id,),
        )
    ]
    return EventMatch(
        event_id=event_id,
        storyline_id=min(storyline) if storyline else None,
        label=event.label,
        headline=event.headline,
        articles=len(event.article_ids),
        first_seen=event.first_seen,
        last_seen=event.last_seen,
        score=round(score, 4),
        similarity=round(similarity, 4),
        names_similarity=round(names_similarity, 4),
        shared_names=shared,
        would_join=score >= settings.event_threshold
        and _same_time(features.published, days, names_similarity, settings),
    )


def _same_time(published: dt.date | None, days: Sequence[dt.date | None], names: float, settings: Settings) -> bool:
    """Grouping's evidence of the same time for a text dated ``published`` and an event whose
    articles are dated ``days``: every date within ``event_window_days``, or, where a date is
    missing, names shared at least ``event_names_threshold``."""
    known = [day for day in days if day is not None]
    if published is not None and known:
        window = settings.event_window_days
        if abs((published - min(known)).days) > window or abs((max(known) - published).days) > window:
            return False
        if len(known) == len(days):
            return True
    return names >= settings.event_names_threshold
