"""Copies in the pipeline: exact copies fold into one article with several sources, near copies point
to their original, in one-shot analysis and in a workspace alike."""

from __future__ import annotations

import json
from pathlib import Path

from rashomon import HashingEmbedder, Workspace, analyze, ingest, load_settings, to_dict

WIRE = (
    "Port workers in Hamburg began a 48-hour strike on Monday, halting container traffic at Germany's largest port. "
    "The union said about 8,000 members had joined the walkout after talks with terminal operators over pay and "
    "automation broke down last week. Operators said ships would be diverted to Rotterdam and Antwerp while the "
    "strike lasted, and that perishable cargo was being moved to cold storage outside the port. A spokesman for the "
    "operators called the strike disproportionate and said a new offer had been on the table since Friday. "
    "Economists warned that a longer stoppage could disrupt supply chains already strained by delays in the Red Sea."
)


def write(folder: Path, name: str, text: str, outlet: str, published: str) -> None:
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (folder / f"{name}.meta.json").write_text(json.dumps({"outlet": outlet, "published": published}), encoding="utf-8")


def corpus(folder: Path) -> Path:
    folder.mkdir()
    write(folder, "a_wire", "Hamburg port strike\n\n" + WIRE, "Wire Service", "2025-03-03")
    write(folder, "b_reprint", "Hamburg port strike\n\n" + WIRE.replace("  ", " "), "Daily Reprint", "2025-03-03")
    intro = "Our correspondent reports from the docks, where the mood was tense on Monday morning. "
    write(folder, "c_rewrite", "Strike at the port\n\n" + intro + WIRE[: len(WIRE) - 120], "Local Herald", "2025-03-04")
    write(
        folder,
        "d_other",
        "Drought talks in Seville\n\nRegional leaders met in Seville on Tuesday to discuss water "
        "rationing as reservoirs fell to record lows after three dry winters in a row.",
        "Sur Diario",
        "2025-06-10",
    )
    return folder


SETTINGS = load_settings(embedder="hashing")


def test_syndication_in_analysis(tmp_path: Path) -> None:
    analysis = analyze([corpus(tmp_path / "in")], SETTINGS, HashingEmbedder())
    by_source = {Path(a.source).stem: a for a in analysis.articles}
    # The wire story and its exact reprint (same date) are one article: the first in corpus
    # order (date, then id) is kept, the other is one of its sources.
    (kept,) = {"a_wire", "b_reprint"} & set(by_source)
    folded = ({"a_wire", "b_reprint"} - {kept}).pop()
    assert set(by_source) == {kept, "c_rewrite", "d_other"}
    assert [Path(s).stem for s in by_source[kept].other_sources] == [folded]
    assert by_source["c_rewrite"].copy_of == by_source[kept].id
    assert 0.4 <= (by_source["c_rewrite"].copy_similarity or 0) < 1.0
    assert by_source["d_other"].copy_of is None
    exported = to_dict(analysis)
    group = next(g for g in exported["copies"] if g["original_id"] == by_source[kept].id)
    assert {link["kind"] for link in group["links"]} == {"exact", "near"}


def test_syndication_in_a_workspace(tmp_path: Path) -> None:
    folder = corpus(tmp_path / "in")
    with Workspace(tmp_path / "ws") as ws:
        first = ingest([folder / "a_wire.txt", folder / "d_other.txt"], ws, SETTINGS, HashingEmbedder())
        assert len(first.added) == 2
        later = ingest([folder], ws, SETTINGS, HashingEmbedder())
        assert len(later.added) == 1 and later.duplicates == 0 and later.unchanged == 2
        articles = {Path(a.source).stem: a for a in ws.articles()}
        assert set(articles) == {"a_wire", "c_rewrite", "d_other"}
        assert articles["c_rewrite"].copy_of == articles["a_wire"].id
        assert [Path(s).stem for s in articles["a_wire"].other_sources] == ["b_reprint"]
        exported = to_dict(ws.analysis())
        # The same copy groups a one-shot run gives: the near copy and the exact reprint.
        (group,) = exported["copies"]
        assert group["original_id"] == articles["a_wire"].id and articles["c_rewrite"].id in group["copy_ids"]
        assert {link["kind"] for link in group["links"]} == {"exact", "near"}
