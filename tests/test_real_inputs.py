"""The whole pipeline over real texts no one here wrote (CI-sized slices of ../shared/bench).

``bench/bench_real_inputs.py`` runs every text; these slices keep the promise in the suite:
no internal error, no implausible published date, and the 181 extraction pages analysed with
the body F1 of the export at the floor.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (DATA / "article-extraction").is_dir(), reason="../shared/bench is not beside the repo"),
]


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_real_inputs", ROOT / "bench" / "bench_real_inputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _floor(name: str) -> float:
    return float(json.loads((ROOT / "quality" / "floors.json").read_text(encoding="utf-8"))[name]["floor"])


def test_real_inputs_the_181_extraction_pages_analyse_with_the_body_f1_at_the_floor() -> None:
    result = _bench().run_corpus("html", DATA, None, "hashing")
    assert result["inputs"] == 181 and result["articles"] == 181, result
    assert result["internal_errors"] == 0 and result["implausible_dates"] == 0, result
    assert result["body_f1"] >= _floor("pipeline_html_body_f1"), result


@pytest.mark.parametrize("corpus", ["framing", "similarity", "ner"])
def test_real_inputs_a_slice_of_each_corpus_analyses_without_internal_errors(corpus: str) -> None:
    result = _bench().run_corpus(corpus, DATA, 30, "hashing")
    assert result["articles"] >= 25, result
    assert result["internal_errors"] == 0 and result["implausible_dates"] == 0, result
