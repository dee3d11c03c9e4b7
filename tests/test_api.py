"""The public API and the configuration layers."""

from __future__ import annotations

from pathlib import Path

import pytest

import rashomon
from rashomon import ConfigError, RashomonError, load_settings
from rashomon.errors import InputError, NotFound, StoreError, UnsupportedInput


def test_exported_members_exist_and_are_listed_once() -> None:
    assert len(rashomon.__all__) == len(set(rashomon.__all__))
    for name in rashomon.__all__:
        assert hasattr(rashomon, name), name
    public = {name for name in dir(rashomon) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(rashomon, name)).__name__ == "module"}
    assert public - modules - {"logging"} <= set(rashomon.__all__)


def test_error_tree_has_one_root() -> None:
    for error in (ConfigError, InputError, UnsupportedInput, StoreError, NotFound):
        assert issubclass(error, RashomonError)


def test_config_layers_in_order(tmp_path: Path) -> None:
    config = tmp_path / "rashomon.toml"
    config.write_text("[rashomon]\nevent_threshold = 0.7\nstoryline_threshold = 0.5\nname_weight = 0.3\n")
    env = {"RASHOMON_STORYLINE_THRESHOLD": "0.45", "RASHOMON_NAME_WEIGHT": "0.25"}
    settings = load_settings(config, environ=env, name_weight="0.1")
    assert settings.event_threshold == 0.7  # file beats default
    assert settings.storyline_threshold == 0.45  # environment beats file
    assert settings.name_weight == 0.1  # explicit override beats environment


def test_config_rejects_unknown_names_and_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No setting named 'treshold'"):
        load_settings(treshold=1)
    with pytest.raises(ConfigError, match="expects a float"):
        load_settings(event_threshold="high")
    bad = tmp_path / "bad.toml"
    bad.write_text("event_threshold = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_library_adds_only_a_null_handler() -> None:
    import logging

    handlers = logging.getLogger("rashomon").handlers
    assert handlers and all(isinstance(h, logging.NullHandler) for h in handlers)
