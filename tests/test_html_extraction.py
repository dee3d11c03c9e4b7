"""HTML extraction: each clean-up step on small hand-written pages, metadata, and a quality gate.

The gate reads the article-extraction benchmark from ../shared/bench (skipped when absent) and
checks body F1 with the benchmark's own metric (bench/bench_extraction.py).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from rashomon.ingest.html import EXTRACTOR_VERSION, ExtractedPage, extract_page

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATA = ROOT.parent / "shared" / "bench" / "article-extraction"
# Floor for body F1 on the 181-page benchmark, kept with the other quality floors
# (measured 0.9795; plain trafilatura 2.3.1: 0.960).
EXTRACTION_F1_FLOOR = json.loads((ROOT / "quality" / "floors.json").read_text(encoding="utf-8"))[
    "html_body_f1_extraction_benchmark"
]["floor"]

LOREM = [
    "The city council voted on Tuesday to expand the night bus network to four new districts after a year of complaints.",
    "Officials said the new routes would start in March and cost about two million euros a year to run.",
    "Residents of the outer districts had collected more than ten thousand signatures asking for the change.",
    "The opposition welcomed the decision but said the money should have come from the parking budget instead.",
    "Bus drivers' unions asked for more staff before the routes open, warning that shifts are already stretched.",
    "A first review of the new network is planned for the autumn, when passenger numbers will be published.",
]


def paragraphs(items: list[str]) -> str:
    return "\n".join(f"<p>{text}</p>" for text in items)


def page(body: str, head: str = "", lang: str = "en") -> str:
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>
<body><header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav></header>
{body}
<footer><p>Contact us · Privacy</p></footer></body></html>"""


def text_of(html: str, url: str | None = "https://news.example.org/2024/05/night-buses") -> str:
    extracted = extract_page(html, url)
    assert extracted is not None
    return extracted.text


def test_keeps_every_paragraph_of_a_plain_article():
    text = text_of(page(f"<article><h1>Night buses expand</h1>{paragraphs(LOREM)}</article>"))
    for sentence in LOREM:
        assert sentence in text


def test_headline_and_standfirst_are_not_body_text():
    html = page(
        f"""<article><h1>Night buses reach four new districts</h1>
        <h2 class="standfirst">The council approved the plan after months of complaints.</h2>
        {paragraphs(LOREM)}</article>""",
        head='<meta property="og:title" content="Night buses reach four new districts | City Post">'
        '<meta property="og:description" content="The council approved the plan after months of complaints.">',
    )
    text = text_of(html)
    assert not text.startswith("Night buses")
    assert "months of complaints" not in text
    assert text.startswith(LOREM[0])


def test_dateline_and_byline_before_the_first_paragraph_are_dropped():
    html = page(
        f"""<article><h1>Night buses reach four new districts</h1>
        <p>By Anna Berg</p><p>Published 14 May 2024, 10:32</p>{paragraphs(LOREM)}</article>""",
        head='<meta name="author" content="Anna Berg">',
    )
    text = text_of(html)
    assert "Anna Berg" not in text
    assert "10:32" not in text
    assert text.startswith(LOREM[0])


def test_related_article_teaser_list_is_removed():
    teasers = "".join(
        f'<li><a href="/story/{n}">Another story number {n} about the city</a> A short summary of that story.</li>'
        for n in range(6)
    )
    html = page(f"<article>{paragraphs(LOREM)}<ul>{teasers}</ul></article>")
    text = text_of(html)
    assert LOREM[-1] in text
    assert "Another story number" not in text


def test_link_only_blocks_inside_the_article_are_removed():
    links = "".join(f'<p><a href="/tag/{n}">Topic {n} and more</a></p>' for n in range(4))
    text = text_of(page(f"<article>{paragraphs(LOREM[:3])}{links}{paragraphs(LOREM[3:])}</article>"))
    assert "Topic 1" not in text
    assert LOREM[3] in text and LOREM[2] in text


def test_comment_section_kept_by_the_container_is_removed():
    comments = "".join(
        f'<li class="comment"><div class="comment-content"><p>Reader {n} thinks the buses should run all '
        f"night long and also on the public holidays of the whole year.</p></div></li>"
        for n in range(3)
    )
    html = page(
        f'<article><div class="entry">{paragraphs(LOREM)}<ol class="comment-list">{comments}</ol></div></article>'
    )
    text = text_of(html)
    assert LOREM[-1] in text
    assert "Reader 1 thinks" not in text


def test_trailing_newsletter_and_copyright_lines_are_removed():
    html = page(
        f"""<article>{paragraphs(LOREM)}
        <p>Sign up for our newsletter to get the latest city news in your inbox.</p>
        <p>Copyright 2024 City Post. All rights reserved.</p></article>"""
    )
    text = text_of(html)
    assert text.rstrip().endswith(LOREM[-1])


def test_boilerplate_phrase_inside_the_article_is_kept():
    quoted = (
        "The mayor said residents could subscribe to route alerts, which several hundred people did on the first day."
    )
    html = page(f"<article>{paragraphs(LOREM[:3])}<p>{quoted}</p>{paragraphs(LOREM[3:])}</article>")
    assert quoted in text_of(html)


def test_repeated_blocks_are_kept_once():
    html = page(f"<article>{paragraphs(LOREM)}<p>{LOREM[1]}</p></article>")
    assert text_of(html).count(LOREM[1]) == 1


def test_paragraphs_split_over_sibling_containers_are_rescued():
    html = page(
        f"""<article>
        <div class="article-body grid-item">{paragraphs(LOREM[:3])}</div>
        <div class="ad-slot"><span>Advertisement</span></div>
        <div class="article-body grid-item">{paragraphs(LOREM[3:])}</div>
        </article>"""
    )
    text = text_of(html)
    positions = [text.find(sentence) for sentence in LOREM]
    assert all(position >= 0 for position in positions), text
    assert positions == sorted(positions)


def test_layout_table_side_column_is_dropped():
    side = "".join(f"<p>Top story {n}: a short teaser about something else entirely.</p>" for n in range(3))
    html = page(
        f"""<table><tr><td><h1>Night buses reach four new districts</h1>{paragraphs(LOREM)}</td>
        <td><h3>Top stories</h3>{side}</td></tr></table>"""
    )
    text = text_of(html)
    assert LOREM[0] in text and LOREM[-1] in text
    assert "Top story 1" not in text


def test_embedded_post_in_the_article_is_kept_in_place():
    tweet = (
        '<div class="social-embed"><blockquote class="twitter-tweet"><p>Finally night buses in our district, '
        'after two years of asking!</p>&mdash; Resident (@resident) <a href="https://x.example/1">May 14, 2024</a>'
        "</blockquote></div>"
    )
    text = text_of(
        page(f'<article><div class="body">{paragraphs(LOREM[:3])}{tweet}{paragraphs(LOREM[3:])}</div></article>')
    )
    assert "Finally night buses in our district" in text
    assert text.find(LOREM[2]) < text.find("Finally night buses") < text.find(LOREM[3])


def test_navigation_menu_run_is_removed():
    menu = "".join(
        f"<p>Section {name}</p>" for name in ["Politics", "Sport", "Culture", "Travel", "Weather", "Jobs", "Cars"]
    )
    text = text_of(page(f"<article>{menu}{paragraphs(LOREM)}</article>"))
    assert "Section Sport" not in text
    assert LOREM[0] in text


def test_tag_list_under_a_tags_header_is_removed():
    html = page(
        f"""<article>{paragraphs(LOREM)}<p>Tags</p>
        <p>night buses, city council, public transport, outer districts</p></article>"""
    )
    assert text_of(html).rstrip().endswith(LOREM[-1])


def test_teaser_before_the_headline_is_removed():
    html = page(
        f"""<div class="main"><p>Most read: a short teaser about another story on the site.</p>
        <h1>Night buses reach four new districts</h1>{paragraphs(LOREM)}</div>""",
        head="<title>Night buses reach four new districts</title>",
    )
    text = text_of(html)
    assert "Most read" not in text
    assert text.startswith(LOREM[0])


def test_promo_box_inside_the_article_is_removed():
    promo = '<div class="promo"><p>Our reporters cover the city every day; support local journalism with a membership today.</p></div>'
    text = text_of(
        page(f'<article><div class="entry">{paragraphs(LOREM[:3])}{promo}{paragraphs(LOREM[3:])}</div></article>')
    )
    assert "support local journalism" not in text
    assert LOREM[2] in text and LOREM[3] in text


def test_comments_shaped_like_the_article_are_not_rescued():
    comment = (
        '<li class="comment"><div class="text-block">'
        "<p>I have waited for these night buses for years and I am glad the council finally listened.</p></div></li>"
    )
    html = page(
        f"""<article><div class="text-block">{paragraphs(LOREM)}</div></article>
        <section id="comments"><ol class="comment-list">{comment * 2}</ol></section>"""
    )
    text = text_of(html)
    assert LOREM[-1] in text
    assert "I have waited" not in text


def test_metadata_fields():
    head = """<title>Night buses reach four new districts - City Post</title>
    <meta property="og:site_name" content="City Post">
    <meta property="og:title" content="Night buses reach four new districts">
    <meta name="author" content="Anna Berg">
    <meta property="article:published_time" content="2024-05-14T10:32:00+02:00">
    <meta property="og:locale" content="de_DE">
    <link rel="canonical" href="/2024/05/night-buses">"""
    html = page(f"<article><h1>Night buses reach four new districts</h1>{paragraphs(LOREM)}</article>", head, lang="")
    extracted = extract_page(html, "https://www.news.example.org/2024/05/night-buses?utm=feed")
    assert isinstance(extracted, ExtractedPage)
    assert extracted.title == "Night buses reach four new districts"
    assert extracted.author == "Anna Berg"
    assert extracted.published == "2024-05-14"
    assert extracted.sitename == "City Post"
    assert extracted.canonical_url == "https://www.news.example.org/2024/05/night-buses"
    assert extracted.hostname == "news.example.org"
    assert extracted.language == "de"


def test_title_prefers_the_h1_headline_and_strips_site_names():
    head = "<title>Council approves night buses | Politics | City Post</title>"
    html = page(f"<article><h1>Council approves night buses for four districts</h1>{paragraphs(LOREM)}</article>", head)
    extracted = extract_page(html)
    assert extracted is not None
    assert extracted.title == "Council approves night buses for four districts"

    no_h1 = page(f"<article>{paragraphs(LOREM)}</article>", head)
    extracted = extract_page(no_h1)
    assert extracted is not None
    assert extracted.title == "Council approves night buses"


def test_metadata_from_json_ld_and_html_lang():
    head = """<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
    "headline": "Night buses", "datePublished": "2023-11-02T08:00:00Z", "author": [{"@type": "Person", "name": "Jan Novak"}]}
    </script>"""
    extracted = extract_page(page(f"<article>{paragraphs(LOREM)}</article>", head, lang="pl-PL"))
    assert extracted is not None
    assert extracted.author == "Jan Novak"
    assert extracted.published == "2023-11-02"
    assert extracted.language == "pl"


def test_page_without_article_text_gives_none():
    assert extract_page("<html><head><title>Empty</title></head><body></body></html>") is None


def test_extractor_version_is_bumped():
    assert EXTRACTOR_VERSION != "1"


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_extraction", ROOT / "bench" / "bench_extraction.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_metric_matches_the_reference_definition():
    bench = _load_bench()
    assert bench.page_counts("one two three four five", "one two three four five") == (1.0, 0.0, 0.0)
    tp, fp, fn = bench.page_counts("one two three four five", "")
    assert (tp, fp, fn) == (0.0, 0.0, 1.0)
    # empty predictions count against recall only
    f1, precision, recall = bench.scores([(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)])
    assert precision == 1.0 and recall == 0.5


@pytest.mark.skipif(not (BENCH_DATA / "ground-truth.json").exists(), reason="benchmark data not available")
def test_body_f1_on_the_article_extraction_benchmark():
    bench = _load_bench()
    pages = bench.load_pages(BENCH_DATA)
    f1, precision, recall = bench.evaluate_ours(pages)
    assert f1 >= EXTRACTION_F1_FLOOR, (f1, precision, recall)
