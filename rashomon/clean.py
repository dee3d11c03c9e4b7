"""Clean stage: take scrape debris out of an article, keep every line of the article.

The cleaner works line by line. Each line gets a reason to go, or stays:

``ui-string``
    Interface text from a multilingual lexicon: "Read more", "Die mobile Version
    verlassen", "Поделиться", cookie notices, newsletter prompts, navigation.
``photo-credit``
    Credits and captions: "Foto: dpa", "Photo: Reuters", a line that is only a
    picture word ("foto", "Фото") or only a wire/photo agency name.
``teaser``
    "Read also: …", "Lire aussi : …", "Читайте также: …" links to other articles.
``share``
    Share and subscribe lines ("Share on Facebook", "Jetzt abonnieren").
``spam-token``
    A lone lower-case token (``kucoin``, ``casino777``) or a bare URL in the run
    of debris at the very start or end of the text. A lone word in the middle of
    an article may be a heading and is kept.
``outlet-boilerplate``
    A short line that recurs in several articles of the same outlet (found by
    :func:`find_outlet_boilerplate` over a batch, then passed in).

Everything else stays, headings included. Because rules look only at a line and
at the debris run around it, ``clean_text(clean_text(x)) == clean_text(x)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .records import Article, Document, Provenance, RemovedLine

# Interface strings seen in scraped news text, by language. Matched against the
# whole line after normalisation (case, punctuation, arrows), never inside prose.
UI_STRINGS = frozenset(
    s.strip()
    for s in """
    exit mobile version|go to mobile version|view mobile version|mobile version|desktop version
    read more|read more here|continue reading|read the full article|read full story|more|show more
    see also|related|related articles|related stories|advertisement|sponsored|sponsored content
    skip to content|skip to main content|back to top|top|menu|home|search|close|print|print this page
    sign in|log in|login|register|subscribe|subscribe now|newsletter|sign up for our newsletter
    comments|leave a comment|load comments|show comments|no comments|add comment
    accept|accept all|accept cookies|cookie settings|manage cookies|privacy policy|terms of use
    listen to this article|listen|watch|watch video|video|play video|image|gallery|photo gallery
    die mobile version verlassen|zur mobilen ansicht|zur mobilen version|zur desktop-version
    mobile version verlassen|weiterlesen|mehr lesen|mehr|mehr zum thema|mehr dazu|lesen sie auch
    auch interessant|das könnte sie auch interessieren|anzeige|werbung|zum inhalt springen
    nach oben|startseite|suche|schließen|drucken|artikel drucken|anmelden|registrieren
    abonnieren|jetzt abonnieren|newsletter abonnieren|kommentare|kommentar schreiben|alle kommentare
    cookie-einstellungen|datenschutz|datenschutzerklärung|impressum|artikel anhören|vorlesen
    quitter la version mobile|version mobile|lire aussi|lire la suite|à lire aussi|voir aussi
    publicité|s'abonner|abonnez-vous|se connecter|commentaires|partager|accepter|tout accepter
    salir de la versión móvil|versión móvil|leer más|seguir leyendo|lee también|ver también
    publicidad|suscríbete|suscribirse|iniciar sesión|comentarios|compartir|aceptar
    выйти из мобильной версии|мобильная версия|полная версия|читать далее|читать также
    читайте также|подробнее|ещё|реклама|подписаться|войти|комментарии|поделиться|принять
    esci dalla versione mobile|versione mobile|leggi anche|continua a leggere|pubblicità
    wyjdź z wersji mobilnej|wersja mobilna|czytaj więcej|czytaj także|reklama|udostępnij
    mobil sürümden çık|devamını oku|ilginizi çekebilir|reklam|paylaş
    """.replace("\n", "|").split("|")
    if s.strip()
)

# Lines that start like an interface prompt; only short lines are tested.
UI_PREFIXES = (
    "this website uses cookies",
    "we use cookies",
    "by continuing to use",
    "by using this site",
    "diese website verwendet cookies",
    "wir verwenden cookies",
    "diese seite verwendet cookies",
    "ce site utilise des cookies",
    "nous utilisons des cookies",
    "en poursuivant votre navigation",
    "este sitio web utiliza cookies",
    "utilizamos cookies",
    "usamos cookies",
    "этот сайт использует cookie",
    "мы используем файлы cookie",
    "мы используем cookie",
    "questo sito utilizza cookie",
    "ta strona używa plików cookie",
    "bu site çerez",
    "sign up for our",
    "subscribe to our",
    "follow us on",
    "melden sie sich für",
    "folgen sie uns",
    "abonnieren sie unseren",
    "inscrivez-vous à notre",
    "suivez-nous sur",
    "abonnez-vous à",
    "suscríbete a nuestro",
    "síguenos en",
    "подпишитесь на",
    "подписывайтесь на",
    "следите за нами",
    "all rights reserved",
    "alle rechte vorbehalten",
    "tous droits réservés",
    "todos los derechos reservados",
    "все права защищены",
)

# "Read also: <headline>" teasers that link to other articles.
TEASER_PATTERN = re.compile(
    r"^(read also|see also|also read|read more|related|more on this|lesen sie auch|lesen sie mehr|mehr zum thema"
    r"|auch interessant|siehe auch|lire aussi|à lire aussi|voir aussi|lire également|lee también|leer más"
    r"|ver también|te puede interesar|читайте также|читайте в тему|смотрите также|по теме|leggi anche"
    r"|czytaj też|czytaj także|zobacz też|ayrıca okuyun|ilginizi çekebilir)(\s*[:»>→–—]|\s+-)",
    re.IGNORECASE,
)

SHARE_PATTERN = re.compile(
    r"^(share|teilen|partager|compartir|поделиться|condividi|udostępnij|paylaş)"
    r"(\s+(on|this|article|auf|sur|en|в|via|per))?"
    r"(\s+(facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail|vk|вконтакте|pinterest|reddit|this|article))?$"
    r"|^(artikel|beitrag|seite|article|story|post|статьей|статьёй|noticia|l'article|cet article)\s+"
    r"(teilen|share|partager|compartir|поделиться)$"
    r"|^(facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail|vk|вконтакте|pinterest|reddit)"
    r"(\s*[|/·,]\s*(facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail|vk|вконтакте|pinterest|reddit))+$",
    re.IGNORECASE,
)

_PICTURE_WORDS = r"(foto|fotos|photo|photos|bild|bilder|image|picture|credit|credits|quelle|source|фото|снимок|фотография|imagen|immagine|zdjęcie|fotoğraf|caption|bildunterschrift)"
PHOTO_CREDIT_PATTERN = re.compile(
    rf"^{_PICTURE_WORDS}\s*$"
    rf"|^{_PICTURE_WORDS}\s*[:©/|]"
    r"|^(©|\(c\)|copyright\b)"
    r"|(©|\bfoto:|\bphoto:|\bфото:|\bbild:)\s*[\w .\-/]{1,60}$",
    re.IGNORECASE,
)

# Wire, photo and picture agencies: a line that is only one of these is a credit.
AGENCIES = frozenset(
    name.strip()
    for name in """
    reuters|ap|associated press|afp|dpa|epa|getty images|getty|imago|picture alliance|picture-alliance
    keystone|xinhua|anadolu|anadolu agency|efe|ansa|tass|итар-тасс|тасс|риа новости|риа|интерфакс
    ria novosti|sputnik|shutterstock|istock|istockphoto|alamy|ap photo|afp photo|reuters photo
    kyodo|yonhap|pap|ukrinform|europa press|bloomberg|unsplash|pixabay|wikimedia commons
    """.replace("\n", "|").split("|")
    if name.strip()
)

_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_LONE_TOKEN = re.compile(r"^[^\W_][\w.\-]*$", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…»“”\"')\]]$")
_EDGE_PUNCT = re.compile(r"[\W_]*")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def normalise_line(line: str) -> str:
    """Invisible characters dropped, controls made spaces, Unicode NFC, whitespace collapsed.

    Invisible characters go before composition: a zero-width space between a
    letter and its accent must not keep them apart on the first pass only.
    """
    line = line.translate(_INVISIBLE)
    if not line.isprintable():  # only lines with controls or odd spaces need the slow path
        line = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in line)
    line = unicodedata.normalize("NFC", line)
    return re.sub(r"\s+", " ", line).strip()


def split_lines(text: str) -> list[str]:
    """Lines split on LF, CRLF and CR only: the same split wherever line numbers are given."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _lexicon_form(line: str) -> str:
    """Case-folded line without surrounding punctuation, arrows and bullets."""
    folded = line.casefold()
    # Strip the edges with two anchored matches: ``[\W_]+$`` searched over a long line retries
    # from every position and takes quadratic time (a 200,000-character "!!!…" line hung it).
    start = _EDGE_PUNCT.match(folded).end()  # type: ignore[union-attr]
    end = len(folded) - _EDGE_PUNCT.match(folded[::-1]).end()  # type: ignore[union-attr]
    return re.sub(r"\s+", " ", folded[start:end] if start < end else "")


def line_reason(line: str) -> str | None:
    """Why a line is debris on its own, regardless of its position; None if it may stay."""
    form = _lexicon_form(line)
    if not form:
        return "ui-string" if line.strip() else None
    words = form.split(maxsplit=40)  # only "40 or fewer?" matters; a 50 MB line has millions
    if len(words) <= 8 and form in UI_STRINGS:
        return "ui-string"
    if len(words) <= 40 and form.startswith(UI_PREFIXES):
        return "ui-string"
    if len(words) <= 25 and TEASER_PATTERN.match(line.strip()):
        return "teaser"
    if len(words) <= 6 and SHARE_PATTERN.match(form):
        return "share"
    if len(words) <= 12 and (PHOTO_CREDIT_PATTERN.search(line.strip()) or form in AGENCIES):
        return "photo-credit"
    return None


def _edge_candidate(line: str) -> bool:
    """A lone lower-case token or bare URL: debris only at the edges of a text."""
    stripped = line.strip()
    if _URL.match(stripped):
        return True
    # Needs a lower-case letter: digits and caseless scripts (a CJK headline) are not spam tokens.
    return bool(_LONE_TOKEN.match(stripped)) and stripped == stripped.lower() and any(ch.islower() for ch in stripped)


@dataclass(frozen=True)
class CleanResult:
    """Kept paragraphs and the lines taken out (line numbers are 1-based, in the input)."""

    paragraphs: tuple[str, ...]
    removed: tuple[RemovedLine, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def clean_lines(text: str, boilerplate: frozenset[str] = frozenset()) -> CleanResult:
    """Classify every line of ``text``; return what is kept and what went, with reasons.

    Args:
        text: Decoded article text, lines separated by any newline convention.
        boilerplate: Normalised lines known to repeat across one outlet's articles.

    Returns:
        A :class:`CleanResult` with the kept lines as paragraphs.
    """
    lines = split_lines(text)
    numbered = [(i + 1, normalise_line(raw)) for i, raw in enumerate(lines)]
    numbered = [(no, line) for no, line in numbered if line]
    reasons: dict[int, str] = {}
    for no, line in numbered:
        reason = line_reason(line)
        if reason is None and line in boilerplate:
            reason = "outlet-boilerplate"
        if reason:
            reasons[no] = reason

    def sweep(order: Iterable[tuple[int, str]]) -> None:
        for no, line in order:
            if no in reasons:
                continue
            if _edge_candidate(line):
                reasons[no] = "spam-token"
                continue
            break

    sweep(numbered)
    sweep(reversed(numbered))
    kept = tuple(line for no, line in numbered if no not in reasons)
    removed = tuple(RemovedLine(no, line, reasons[no]) for no, line in numbered if no in reasons)
    return CleanResult(kept, removed)


def clean_text(text: str, boilerplate: frozenset[str] = frozenset()) -> str:
    """The cleaned text alone: kept lines as paragraphs separated by a blank line."""
    return clean_lines(text, boilerplate).text


_HEADING_END = re.compile(r"[.,;…]$")


def looks_like_heading(line: str) -> bool:
    """A heading: short, no final sentence punctuation, starts with a letter or digit."""
    words = line.split(maxsplit=20)
    return (
        1 <= len(words) <= 20
        and len(line) <= 160
        and not _HEADING_END.search(line)
        and (line[:1].isalnum() or line[:1] in "„“\"«‘'")
    )


def infer_title(paragraphs: tuple[str, ...], given: str | None = None) -> tuple[str | None, bool]:
    """Title from metadata, else a heading-like first line, else the lead's first sentence.

    Returns:
        ``(title, inferred)``; ``inferred`` is True when the title was cut from the lead.
    """
    if given and given.strip():
        return normalise_line(given), False
    if not paragraphs:
        return None, True
    first = paragraphs[0]
    if len(paragraphs) > 1 and looks_like_heading(first):
        return first, False
    sentence = re.split(r"(?<=[.!?…])\s+", first, maxsplit=1)[0]
    if len(sentence) > 120:
        sentence = sentence[:117].rsplit(" ", 1)[0] + "…"
    return sentence, True


def clean_document(document: Document, boilerplate: frozenset[str] = frozenset()) -> Article:
    """Turn a :class:`Document` into an :class:`Article`: debris out, title found."""
    result = clean_lines(document.text, boilerplate)
    title, inferred = infer_title(result.paragraphs, document.title)
    return Article(
        id=document.id,
        source=document.source,
        raw_text=document.text,
        text=result.text,
        removed_lines=result.removed,
        title=title,
        title_inferred=inferred,
        language=document.language,
        language_confidence=1.0 if document.language else 0.0,
        outlet=document.outlet,
        url=document.url,
        published=document.published,
        fmt=document.fmt,
        provenance=provenance_of(document),
        author=document.author,
        domain=document.domain or domain_of(document.url),
    )


def domain_of(url: str | None) -> str | None:
    """The host name of a URL without ``www.`` (``https://www.example.com/a`` → ``example.com``)."""
    if not url or "://" not in url:
        return None
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # "http://[not-an-ip" and its kin: no domain rather than a crash
        return None
    return host.removeprefix("www.") or None


def provenance_of(document: Document) -> Provenance:
    """Provenance record of a document: origin, raw-bytes hash, extractor and pipeline versions."""
    import hashlib

    from . import __version__

    extractor = document.extractor
    if extractor is None and document.fmt == "html":
        from importlib.metadata import version

        from .ingest.html import EXTRACTOR_NAME, EXTRACTOR_VERSION

        extractor = f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION} (trafilatura {version('trafilatura')})"
    return Provenance(
        origin=document.origin,
        source=document.source,
        sha256=hashlib.sha256(document.raw).hexdigest(),
        fetched_at=document.fetched_at,
        record_id=document.record_id,
        extractor=extractor,
        pipeline=f"rashomon {__version__}",
    )


def find_outlet_boilerplate(documents: Iterable[Document], min_articles: int = 3) -> frozenset[str]:
    """Short lines that recur in ``min_articles`` or more articles of one outlet.

    Only articles with a known outlet count; a line must be at most 12 words and
    appear in at least half of that outlet's articles, so quotes shared by two
    reports are not mistaken for boilerplate.
    """
    sizes, per_outlet = outlet_line_counts(documents)
    return boilerplate_of(sizes, per_outlet, min_articles)


def outlet_line_counts(documents: Iterable[Document]) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """The counts :func:`find_outlet_boilerplate` decides on: articles per outlet, and per outlet
    the number of its articles each short line appears in. Counts of parts of a corpus add up to
    the corpus's (the Spark job counts per partition and sums)."""
    per_outlet: dict[str, Counter[str]] = defaultdict(Counter)
    sizes: Counter[str] = Counter()
    for document in documents:
        if not document.outlet:
            continue
        sizes[document.outlet] += 1
        lines = {normalise_line(line) for line in split_lines(document.text)}
        per_outlet[document.outlet].update(line for line in lines if line and len(line.split(maxsplit=12)) <= 12)
    return sizes, dict(per_outlet)


def boilerplate_of(
    sizes: Counter[str] | dict[str, int], per_outlet: dict[str, Counter[str]], min_articles: int = 3
) -> frozenset[str]:
    """The boilerplate lines among :func:`outlet_line_counts`' counts."""
    found: set[str] = set()
    for outlet, counts in per_outlet.items():
        for line, count in counts.items():
            if count >= min_articles and count * 2 >= sizes[outlet]:
                found.add(line)
    return frozenset(found)
