"""Rashomon: the same event, many tellings.

A library first: ingest → clean → language → embed → cluster → extract →
(compare →) report. The CLI (:mod:`rashomon.cli`) is a thin adapter over the
functions exported here.
"""

import logging

from .clean import clean_document, clean_lines, clean_text, find_outlet_boilerplate, infer_title
from .cluster import Grouper, article_features
from .compare.framing import frame_article, frame_articles
from .compare.stage import compare_event, compare_events
from .config import SETTINGS, Settings, load_settings
from .embed import Embedder, HashingEmbedder, USEEmbedder, embed_articles
from .errors import ConfigError, InputError, NotFound, RashomonError, StoreError, UnsupportedInput
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
from .report import render_html
from .store import Workspace

__version__ = "0.1.0"

# The library never configures logging; only the CLI does.
logging.getLogger(__name__).addHandler(logging.NullHandler())

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
]
