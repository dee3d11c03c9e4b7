"""`--profile`: wall time per stage, each second counted once, nothing left over between runs."""

from __future__ import annotations

import re
import time
from pathlib import Path

from click.testing import CliRunner
from conftest import SAMPLE

from rashomon.cli import cli
from rashomon.profiling import StageTimer, stage

STAGES = (
    "read",
    "clean",
    "language",
    "dates",
    "dedup",
    "entities",
    "quotes",
    "figures",
    "framing",
    "embed",
    "cluster",
    "canonical",
    "links",
    "labels",
    "compare",
    "write",
    "read back",
    "report",
)
ROW = re.compile(r"^(?P<stage>[a-z][a-z ]*?)\s+(?P<seconds>\d+\.\d\d)\s+(?P<share>\d+(?:\.\d)?%)", re.M)


def profile_rows(stderr: str) -> dict[str, float]:
    return {m["stage"]: float(m["seconds"]) for m in ROW.finditer(stderr)}


def test_profiling_analyze_prints_each_stage_and_they_add_up_to_the_total(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--set", "embedder=hashing", "analyze", str(SAMPLE), "--out", str(tmp_path / "out"), "--profile"]
    )
    assert result.exit_code == 0, result.output
    rows = profile_rows(result.stderr)
    assert set(STAGES) <= set(rows), set(STAGES) - set(rows)
    total = rows.pop("total")
    assert total > 0
    assert abs(sum(rows.values()) - total) <= 0.02 * len(rows) + 0.01 * total  # rounding of each row


def test_profiling_ingest_prints_its_stages(tmp_path: Path) -> None:
    args = ["--set", "embedder=hashing", "ingest", str(SAMPLE / "en"), "--workspace", str(tmp_path / "ws"), "--profile"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = profile_rows(result.stderr)
    assert {"read", "clean", "embed", "cluster", "write", "total"} <= set(rows)
    assert "report" not in rows


def test_profiling_is_silent_without_the_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--set", "embedder=hashing", "analyze", str(SAMPLE / "en"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "time per stage" not in result.stderr


def test_profiling_counts_nested_stages_once_and_keeps_runs_apart() -> None:
    with StageTimer() as first:
        with stage("framing"):
            time.sleep(0.02)
            with stage("embed"):
                time.sleep(0.03)
            time.sleep(0.01)
    assert first.seconds["embed"] >= 0.03
    assert 0.03 <= first.seconds["framing"] < first.seconds["embed"] + 0.02
    assert abs(sum(first.seconds.values()) - first.total) < 1e-3
    with stage("embed"):  # no timer active: nothing is recorded anywhere
        pass
    with StageTimer() as second:
        pass
    assert "embed" not in second.seconds and first.calls["embed"] == 1
