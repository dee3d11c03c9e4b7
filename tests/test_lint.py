"""Lint, format and type checks, with the tool settings in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ["rashomon", "tests", "bench"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.fail(f"{name} is not installed in this environment; run `make test`, which installs it")
    return path


def test_lint_ruff_check_passes() -> None:
    result = run(tool("ruff"), "check", *TARGETS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_ruff_format_is_applied() -> None:
    result = run(tool("ruff"), "format", "--check", *TARGETS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_mypy_passes_on_the_package() -> None:
    result = run(sys.executable, "-m", "mypy", "rashomon")
    assert result.returncode == 0, result.stdout + result.stderr
