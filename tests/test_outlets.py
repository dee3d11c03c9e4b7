"""Outlet profiles and groups: reading profiles from CSV and TOML, group coverage, blindspots,
and the `rashomon outlets` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PROFILES_CSV

from rashomon import Workspace
from rashomon.cli import cli
from rashomon.errors import InputError
from rashomon.outlets import BLINDSPOT_MIN_ARTICLES, blindspots, group_coverage, read_profiles
from rashomon.records import OutletProfile

PROFILES_TOML = """
[[outlet]]
outlet = "Wire One"
country = "GB"
tags = ["wire"]

[outlets."State Voice"]
ownership = "state broadcaster"
tags = ["state-affiliated", "RU"]
"""


def test_outlets_profiles_read_from_csv_split_tags_and_keep_the_last_of_an_outlet(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(PROFILES_CSV + "Wire One,GB,en,agency,wire;pool\n", encoding="utf-8")
    profiles = {p.outlet: p for p in read_profiles(path)}
    assert profiles["Wire Two"] == OutletProfile("Wire Two", "US", "en", "cooperative", ("wire", "US"))
    assert profiles["State Voice"].tags == ("state-affiliated", "RU")
    assert profiles["Wire One"].tags == ("wire", "pool") and len(profiles) == 4


def test_outlets_profiles_read_from_toml_in_both_forms(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(PROFILES_TOML, encoding="utf-8")
    profiles = {p.outlet: p for p in read_profiles(path)}
    assert profiles["Wire One"] == OutletProfile("Wire One", "GB", None, None, ("wire",))
    assert profiles["State Voice"] == OutletProfile(
        "State Voice", None, None, "state broadcaster", ("state-affiliated", "RU")
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.csv", "name,tags\nx,y\n", "outlet"),
        ("b.csv", "outlet,colour\nx,red\n", "unknown field"),
        ("c.csv", "outlet,tags\n,wire\n", "row 2"),
        ("d.toml", "[[outlet]]\ncountry = 'GB'\n", "no outlet name"),
        ("e.toml", "[[outlet]]\noutlet = 'x'\ntags = 3\n", "tags"),
        ("f.toml", "outlet = [", "not valid TOML"),
        ("g.json", "{}", ".csv or a .toml"),
    ],
)
def test_outlets_a_malformed_profile_file_is_refused_naming_where(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_profiles(path)


def test_outlets_group_coverage_counts_an_article_in_each_group_of_its_outlet() -> None:
    groups = {"A": ["wire", "US"], "B": ["wire"], "C": ["state"]}
    coverage = group_coverage(["A", "A", "B", "C", "D"], groups)
    assert list(coverage) == ["wire", "US", "state"]
    assert coverage["wire"].articles == 3 and coverage["wire"].share == pytest.approx(0.6)
    assert coverage["wire"].outlets == (("A", 2), ("B", 1))


def test_outlets_blindspot_needs_a_covering_group_and_a_quiet_one_the_workspace_reads() -> None:
    groups = {"A": ["wire"], "B": ["wire"], "C": ["wire"], "S": ["state"], "T": ["state"]}
    tellers = ["A", "B", "C", "A"] + ["X"] * 6  # 10 articles, none by the state outlets
    found = blindspots(tellers, groups, present={"A", "B", "C", "S", "X"})
    assert [(b.group, b.covered_by) for b in found] == [("state", "wire")]
    assert found[0].covering_outlets == (("A", 2), ("B", 1), ("C", 1)) and found[0].quiet_outlets == (("S", 0),)
    # One state article in ten is 10%: not "barely" any more.
    assert not blindspots([*tellers[:-1], "S"], groups, present={"A", "B", "C", "S", "X"})
    # A group with no outlet in the workspace is not flagged (its silence says nothing).
    assert not blindspots(tellers, groups, present={"A", "B", "C", "X"})
    # Nor when no other group has enough articles.
    assert not blindspots(["A"] * (BLINDSPOT_MIN_ARTICLES - 1), groups, present={"A", "S"})


def test_outlets_store_round_trip_and_tellers(groups_workspace: Path) -> None:
    with Workspace(groups_workspace) as ws:
        profiles = ws.outlet_profiles()
        assert profiles["State Voice"].ownership == "state broadcaster"
        assert ws.outlet_groups()["Wire Two"] == ["wire", "US"]
        assert ws.tellers() == {"Wire One": 2, "Daily Clarion": 1, "State Voice": 1, "Wire Three": 1, "Wire Two": 1}
        assert [a.id for a in ws.articles_told_by("Wire One")] == ["s1", "e6"]


def test_cli_outlets_import_and_show(tmp_path: Path, groups_workspace: Path) -> None:
    runner = CliRunner()
    groups_workspace = Path(shutil.copytree(groups_workspace, tmp_path / "ws"))
    path = tmp_path / "more.toml"
    path.write_text('[outlets."Daily Clarion"]\ncountry = "US"\ntags = ["tabloid"]\n[outlets."Nobody"]\n', "utf-8")
    result = runner.invoke(cli, ["outlets", "import", str(path), "--workspace", str(groups_workspace)])
    assert result.exit_code == 0, result.output
    assert "2 outlet profile(s) stored" in result.output and "Nobody" in result.output  # named as unknown
    shown = runner.invoke(cli, ["outlets", "show", "--workspace", str(groups_workspace), "--json"])
    rows = {row["outlet"]: row for row in json.loads(shown.output)}
    assert rows["Daily Clarion"]["tags"] == ["tabloid"] and rows["Daily Clarion"]["articles"] == 1
    assert rows["Nobody"]["articles"] == 0
    one = runner.invoke(cli, ["outlets", "show", "State Voice", "--workspace", str(groups_workspace)])
    assert one.exit_code == 0 and "state-affiliated" in one.output
    missing = runner.invoke(cli, ["outlets", "show", "Nowhere", "--workspace", str(groups_workspace)])
    assert missing.exit_code == 1 and "No outlet" in missing.output
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nx\n", "utf-8")
    refused = runner.invoke(cli, ["outlets", "import", str(bad), "--workspace", str(groups_workspace)])
    assert refused.exit_code == 1 and "outlet" in refused.output
