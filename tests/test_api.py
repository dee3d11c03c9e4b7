"""The public API and the configuration layers."""

from __future__ import annotations

import ast
import subprocess
import sys
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
    assert public - modules - {"logging", "importlib", "sys", "types", "TYPE_CHECKING", "Any"} <= set(rashomon.__all__)


def test_lazy_exports_match_what_type_checkers_see() -> None:
    """``rashomon/__init__.py`` imports its names lazily (PEP 562) and, for type checkers, in an
    ``if TYPE_CHECKING`` block: both lists must name the same names from the same modules."""
    tree = ast.parse(Path(rashomon.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    seen = {
        ("." * node.level + (node.module or ""), alias.name)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    lazy = {(module, name) for module, names in rashomon._EXPORTS.items() for name in names}
    assert seen == lazy
    assert {name for _module, name in lazy} | {"__version__"} == set(rashomon.__all__)


def test_a_submodule_named_like_a_function_does_not_hide_it() -> None:
    code = "import rashomon.ingest, rashomon; print(callable(rashomon.ingest) and rashomon.ingest.__module__)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == [
        "rashomon.pipeline"
    ]


def test_reading_commands_do_not_load_the_pipeline() -> None:
    """`show`, `stories`, `export` only read the workspace: importing the CLI must not load the
    stages' models and libraries (they cost most of a second before any work)."""
    code = (
        "import sys, rashomon.cli; "
        "print(' '.join(m for m in ('rashomon.pipeline', 'rashomon.clean', 'rashomon.compare.stage', "
        "'rashomon.embed', 'rashomon.language', 'rashomon.report', 'jinja2', 'trafilatura') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


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
