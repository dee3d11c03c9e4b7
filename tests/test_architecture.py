"""Module boundaries the package keeps, checked on its source with ``ast``.

* No module imports a private name (``_x``) from another Rashomon module, nor reads one as an
  attribute of an imported Rashomon module: a name two modules share is public, with a docstring.
  Private *modules* (``ingest/_html_body.py``) may be imported.
* Paragraphs and sentences are cut in one place, :mod:`rashomon.text`: no other module defines a
  sentence or paragraph splitter, or imports a sentence-splitting library.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rashomon"
TEXT_MODULE = PACKAGE / "text.py"
SPLITTER_NAME = re.compile(r"^_*(?:split_?)?(?:sentences|paragraphs|sentence_spans|paragraph_spans|sentenize)$")
SPLITTER_LIBRARIES = {"pysbd", "razdel", "nltk", "syntok", "blingfire", "sentencepiece_splitter", "spacy", "stanza"}
# Properties that only read rashomon.text, not splitters of their own.
ALLOWED_SPLITTER_NAMES = {("records.py", "paragraphs")}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package_of(path: Path, level: int, module: str | None) -> Path:
    """The folder or module a relative (``level`` > 0) or absolute ``rashomon.x`` import names."""
    base = path.parent
    for _ in range(level - 1):
        base = base.parent
    if level == 0:
        base = PACKAGE.parent
    return base.joinpath(*module.split(".")) if module else base


def private_imports(path: Path, source: str | None = None) -> list[str]:
    """``file:line: what`` for each private name ``path`` (or ``source`` as if it were there) takes
    from another Rashomon module."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    found: list[str] = []
    modules: set[str] = set()  # local names bound to Rashomon modules
    where = path.relative_to(PACKAGE.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if not (node.level > 0 or (node.module or "").split(".")[0] == "rashomon"):
                continue
            target = _package_of(path, node.level, node.module)
            for alias in node.names:
                is_module = (target / f"{alias.name}.py").is_file() or (target / alias.name).is_dir()
                if is_module:
                    modules.add(alias.asname or alias.name)
                elif _is_private(alias.name):
                    found.append(
                        f"{where}:{node.lineno}: from {'.' * node.level}{node.module or ''} import {alias.name}"
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "rashomon":
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _is_private(node.attr)
        ):
            found.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def splitters(path: Path, source: str | None = None) -> list[str]:
    """``file:line: what`` for each sentence or paragraph splitter ``path`` (or ``source`` as if it
    were there) defines or imports."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    where = path.relative_to(PACKAGE.parent)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and SPLITTER_NAME.search(node.name):
            if (path.name, node.name) not in ALLOWED_SPLITTER_NAMES:
                found.append(f"{where}:{node.lineno}: def {node.name}")
        elif isinstance(node, ast.Import):
            found += [
                f"{where}:{node.lineno}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in SPLITTER_LIBRARIES
            ]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] in SPLITTER_LIBRARIES
        ):
            found.append(f"{where}:{node.lineno}: from {node.module} import ...")
    return found


def test_architecture_no_private_name_crosses_modules() -> None:
    found = [line for path in _modules() for line in private_imports(path)]
    assert not found, "private names used across modules (make them public, with a docstring):\n" + "\n".join(found)


def test_architecture_one_sentence_splitter() -> None:
    found = [line for path in _modules() if path != TEXT_MODULE for line in splitters(path)]
    assert not found, "split text with rashomon.text, not here:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from ..names import _TITLES\n", 1),
        ("from rashomon.dates import _vocabulary\n", 1),
        ("from .. import names\nnames._TITLES\n", 1),
        ("import rashomon.names as n\nn._x\n", 1),
        ("from ..names import TITLES, __all__\n", 0),
        ("from ..ingest import _html_body\n", 0),  # a private module, not a private name
        ("from collections import _chain\n", 0),  # not ours
    ],
)
def test_architecture_private_import_check_finds_them(source, expected) -> None:
    found = private_imports(PACKAGE / "extract" / "probe.py", source)  # as if it were extract/probe.py
    assert len(found) == expected, found


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def _sentences(text):\n    pass\n", 1),
        ("def split_sentences(text):\n    pass\n", 1),
        ("def paragraphs(text):\n    pass\n", 1),
        ("import pysbd\n", 1),
        ("from razdel import sentenize\n", 1),
        ("def _sentence_of(spans, index):\n    pass\n", 0),
        ("def _split_words(form):\n    pass\n", 0),
    ],
)
def test_architecture_splitter_check_finds_them(source, expected) -> None:
    found = splitters(PACKAGE / "probe.py", source)
    assert len(found) == expected, found
