"""Rashomon: the same event, many tellings.

A library first: ingest → clean → language → embed → cluster → extract →
(compare →) report. The CLI (:mod:`rashomon.cli`) is a thin adapter over the
functions exported here.
"""

import importlib
import logging
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clean import clean_document, clean_lines, clean_text, find_outlet_boilerplate, infer_title
    from .cluster import Grouper, article_features
    from .compare.framing import frame_article, frame_articles
    from .compare.stage import compare_event, compare_events
    from .config import SETTINGS, Settings, load_settings
    from .embed import Embedder, HashingEmbedder, USEEmbedder, embed_articles
    from .errors import ConfigError, InputError, NotFound, QueryError, RashomonError, StoreError, UnsupportedInput
    from .export import to_csv, to_dict, to_json, to_jsonl, to_markdown
    from .extract.stage import extract_article, extract_articles, extract_corpus
    from .ingest import read_paths
    from .language import FastTextDetector, detect_language
    from .pipeline import IngestSummary, analyze, ingest, ingest_items, with_comparisons
    from .records import (
        SCHEMA_VERSION,
        Analysis,
        Article,
        BriefLine,
        Claim,
        Comparison,
        CrossItem,
        CrossLink,
        DateHint,
        Disagreement,
        Document,
        Entity,
        EntityMention,
        Event,
        Evidence,
        Extraction,
        Figure,
        FrameLabel,
        Framing,
        LabelTerm,
        Link,
        Mention,
        Provenance,
        Quote,
        Rejected,
        RemovedLine,
        Source,
        Speaker,
        Storyline,
        TechniqueLabel,
        Tone,
        Voice,
    )
    from .report import ReportFiles, render_html, write_report
    from .search import EventMatch, SearchHit, SearchResults, Snippet, about, search
    from .store import Workspace

__version__ = "0.1.0"

# The library never configures logging; only the CLI does.
logging.getLogger(__name__).addHandler(logging.NullHandler())

# The public names and the module each comes from. A name is imported the first time it is used
# (PEP 562), so ``import rashomon.cli`` or ``rashomon.store`` does not load every stage's models
# and libraries: a command that only reads the workspace starts in a fraction of a second.
_EXPORTS: dict[str, tuple[str, ...]] = {
    ".clean": ("clean_document", "clean_lines", "clean_text", "find_outlet_boilerplate", "infer_title"),
    ".cluster": ("Grouper", "article_features"),
    ".compare.framing": ("frame_article", "frame_articles"),
    ".compare.stage": ("compare_event", "compare_events"),
    ".config": ("SETTINGS", "Settings", "load_settings"),
    ".embed": ("Embedder", "HashingEmbedder", "USEEmbedder", "embed_articles"),
    ".errors": (
        "ConfigError",
        "InputError",
        "NotFound",
        "QueryError",
        "RashomonError",
        "StoreError",
        "UnsupportedInput",
    ),
    ".export": ("to_csv", "to_dict", "to_json", "to_jsonl", "to_markdown"),
    ".extract.stage": ("extract_article", "extract_articles", "extract_corpus"),
    ".ingest": ("read_paths",),
    ".language": ("FastTextDetector", "detect_language"),
    ".pipeline": ("IngestSummary", "analyze", "ingest", "ingest_items", "with_comparisons"),
    ".records": (
        "SCHEMA_VERSION",
        "Analysis",
        "Article",
        "BriefLine",
        "Claim",
        "Comparison",
        "CrossItem",
        "CrossLink",
        "DateHint",
        "Disagreement",
        "Document",
        "Entity",
        "EntityMention",
        "Event",
        "Evidence",
        "Extraction",
        "Figure",
        "FrameLabel",
        "Framing",
        "LabelTerm",
        "Link",
        "Mention",
        "Provenance",
        "Quote",
        "Rejected",
        "RemovedLine",
        "Source",
        "Speaker",
        "Storyline",
        "TechniqueLabel",
        "Tone",
        "Voice",
    ),
    ".report": ("ReportFiles", "render_html", "write_report"),
    ".search": ("EventMatch", "SearchHit", "SearchResults", "Snippet", "about", "search"),
    ".store": ("Workspace",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package module: importing a submodule named like an exported function (the reader
    ``rashomon.ingest``, the function :func:`ingest`) binds the submodule on its package; here it
    does not hide the function (``import rashomon.ingest`` still finds it in ``sys.modules``)."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and name in _MODULE_OF:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "frame_articles",
    "frame_article",
    "TechniqueLabel",
    "Framing",
    "FrameLabel",
    "Tone",
    "with_comparisons",
    "compare_events",
    "compare_event",
    "Voice",
    "Source",
    "Evidence",
    "Disagreement",
    "Comparison",
    "Claim",
    "BriefLine",
    "SCHEMA_VERSION",
    "SETTINGS",
    "Analysis",
    "Article",
    "ConfigError",
    "CrossItem",
    "CrossLink",
    "DateHint",
    "Document",
    "Embedder",
    "Entity",
    "EntityMention",
    "Event",
    "Extraction",
    "Figure",
    "FastTextDetector",
    "Grouper",
    "HashingEmbedder",
    "IngestSummary",
    "InputError",
    "LabelTerm",
    "Link",
    "Mention",
    "NotFound",
    "Provenance",
    "Quote",
    "RashomonError",
    "Rejected",
    "RemovedLine",
    "ReportFiles",
    "Settings",
    "Speaker",
    "StoreError",
    "Storyline",
    "USEEmbedder",
    "UnsupportedInput",
    "Workspace",
    "__version__",
    "analyze",
    "article_features",
    "clean_document",
    "clean_lines",
    "clean_text",
    "detect_language",
    "embed_articles",
    "extract_article",
    "extract_articles",
    "extract_corpus",
    "find_outlet_boilerplate",
    "infer_title",
    "ingest",
    "ingest_items",
    "load_settings",
    "read_paths",
    "render_html",
    "to_csv",
    "to_dict",
    "to_json",
    "to_jsonl",
    "to_markdown",
    "write_report",
    "QueryError",
    "EventMatch",
    "SearchHit",
    "SearchResults",
    "Snippet",
    "about",
    "search",
]
