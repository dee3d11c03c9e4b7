"""Tests for the clean stage: rashomon.clean.

Property tests (Hypothesis) for the invariants the module promises, unit tests for
the debris rules in several languages, titles and outlet boilerplate, and two
acceptance checks on real data: the seed articles in ``../shared/seeds`` and the
gold annotations of the bundled sample corpus.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rashomon.clean import (
    clean_document,
    clean_lines,
    clean_text,
    find_outlet_boilerplate,
    infer_title,
    line_reason,
    normalise_line,
)
from rashomon.ingest import decode_text, read_paths
from rashomon.records import Document

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SAMPLE = REPO / "examples" / "sample"
GOLD = REPO / "examples" / "gold.json"

_NEWLINE = re.compile(r"\r\n|\r|\n")


def raw_lines(text: str) -> list[str]:
    """Lines as the cleaner numbers them: split on \\r\\n, \\r or \\n."""
    return _NEWLINE.split(text)


def removed_texts(text: str, boilerplate: frozenset[str] = frozenset()) -> list[str]:
    return [line.text for line in clean_lines(text, boilerplate).removed]


def document(text: str, outlet: str | None, n: int) -> Document:
    return Document(
        id=f"doc{n}", source=f"doc{n}.txt", raw=text.encode(), text=text, encoding="utf-8", fmt="txt", outlet=outlet
    )


# ------------------------------------------------------------------ properties

PROSE = [
    "Die Bundesregierung hat am Montag ein neues Hilfspaket für die Häfen vorgestellt.",
    "The minister said the talks would continue next week in Brussels.",
    "« Nous ne céderons pas », a déclaré à l'AFP un délégué syndical devant le port.",
    "Министр заявил, что переговоры продолжатся на следующей неделе.",
    "Según el ministerio, la cuantía llegará a 420 millones de euros en dos años.",
    "„Wir sind keine Kostenstelle“, sagte ein Hafenarbeiter.",
    "Shares in the shipping company fell 4 percent on Friday.",
    "The recall covers 1.2 million doses delivered since October.",
]
HEADINGS = [
    "Sanktionen im Rampenlicht",
    "Angst vor der Automatisierung",
    "Who pays the bill?",
    "Hafenstreik legt Hamburg lahm",
    "Траулер задержан у Шпицбергена",
    "La sequía pone en jaque al campo andaluz",
    "2025",
]
DEBRIS = [
    "Read more",
    "Foto: dpa",
    "© AFP",
    "kucoin",
    "casino777",
    "bitcoin",
    "Reuters",
    "foto",
    "Exit mobile version",
    "Zur mobilen Ansicht",
    "Die mobile Version verlassen",
    "Share on Facebook",
    "Jetzt abonnieren",
    "Поделиться",
    "Leer más",
    "Читайте также: Путин провёл переговоры с Токаевым",
    "Lire aussi : Rotterdam, Anvers, Hambourg : la course à l'automatisation",
    "https://spam.example/win-now",
    "This website uses cookies to improve your experience.",
]
BLANK = ["", " ", "\t", "   "]

realistic_line = st.one_of(
    st.sampled_from(PROSE + HEADINGS + DEBRIS + BLANK),
    # the same lines with stray surrounding whitespace, as scrapers leave them
    st.builds(
        lambda pre, line, post: pre + line + post,
        st.sampled_from(["", " ", "\t", "\u00a0"]),
        st.sampled_from(PROSE + HEADINGS + DEBRIS),
        st.sampled_from(["", " ", "  ", "\u00a0"]),
    ),
)
realistic_text = st.builds(
    lambda lines, newline: newline.join(lines),
    st.lists(realistic_line, max_size=30),
    st.sampled_from(["\n", "\r\n", "\n\n"]),
)
boilerplate_sets = st.frozensets(st.sampled_from(PROSE + HEADINGS + ["Ihre Zeitung für Hessen"]), max_size=3)


@settings(deadline=None)
@given(st.text())
def test_clean_text_is_idempotent_on_arbitrary_text(text):
    once = clean_text(text)
    assert clean_text(once) == once


@settings(deadline=None)
@given(realistic_text, boilerplate_sets)
def test_clean_text_is_idempotent_on_realistic_lines(text, boilerplate):
    once = clean_text(text, boilerplate)
    assert clean_text(once, boilerplate) == once


@settings(deadline=None)
@given(st.text(), st.frozensets(st.text(max_size=20), max_size=3))
def test_clean_lines_never_raises_and_accounts_for_every_line(text, boilerplate):
    result = clean_lines(text, boilerplate)
    lines = raw_lines(text)
    non_blank = [no for no, line in enumerate(lines, start=1) if normalise_line(line)]
    assert len(result.paragraphs) + len(result.removed) == len(non_blank)
    numbers = [line.line_no for line in result.removed]
    assert numbers == sorted(set(numbers))
    for line in result.removed:
        assert line.line_no in non_blank
        # the removed text is the (normalised) input line at that 1-based position
        assert line.text == normalise_line(lines[line.line_no - 1])
        assert line.reason in {"ui-string", "photo-credit", "teaser", "share", "spam-token", "outlet-boilerplate"}
    assert all(paragraph and "\n" not in paragraph for paragraph in result.paragraphs)


@settings(deadline=None)
@given(realistic_text)
def test_clean_lines_removed_text_occurs_in_input(text):
    result = clean_lines(text)
    lines = raw_lines(text)
    non_blank = [line for line in lines if line.strip()]
    assert len(result.paragraphs) + len(result.removed) == len(non_blank)
    for line in result.removed:
        assert line.text in text
        assert line.text == lines[line.line_no - 1].strip("\t \u00a0")
    # nothing but debris is ever removed from realistic lines
    assert {line.text for line in result.removed} <= set(DEBRIS)
    # prose and headings are always kept, in order
    expected = [line.strip("\t \u00a0") for line in lines if line.strip("\t \u00a0") in PROSE + HEADINGS]
    kept = [p for p in result.paragraphs if p in PROSE + HEADINGS]
    assert kept == expected


@pytest.mark.parametrize(
    "text",
    ["e\u200b\u0301", "Cafe\u00ad\u0301 am Hafen", "Die Stadt Zu\u200d\u0308rich meldet Rekordwerte."],
    ids=["zwsp-lone-token", "soft-hyphen-heading", "zwj-prose"],
)
def test_clean_text_is_idempotent_with_invisible_char_before_combining_mark(text):
    once = clean_text(text)
    assert clean_text(once) == once


# ----------------------------------------------------------------- debris rules


@pytest.mark.parametrize(
    "line, reason",
    [
        ("Exit mobile version", "ui-string"),
        ("Zur mobilen Ansicht", "ui-string"),
        ("Die mobile Version verlassen", "ui-string"),
        ("Quitter la version mobile", "ui-string"),
        ("Выйти из мобильной версии", "ui-string"),
        ("Read more »", "ui-string"),
        ("Weiterlesen", "ui-string"),
        ("Leer más", "ui-string"),
        ("Поделиться", "ui-string"),
        ("Jetzt abonnieren", "ui-string"),
        ("Abonnez-vous à notre newsletter pour recevoir chaque matin l'essentiel de l'actualité", "ui-string"),
        (
            "This website uses cookies to improve your experience. By continuing to browse you agree to our use "
            "of cookies.",
            "ui-string",
        ),
        ("Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis bieten zu können.", "ui-string"),
        ("Читайте также: Путин провёл переговоры с Токаевым", "teaser"),
        ("Lire aussi : Rotterdam, Anvers, Hambourg : la course à l'automatisation des ports européens", "teaser"),
        ("Lesen Sie auch: Hafenstreik kostet Millionen", "teaser"),
        ("Read also: Drought summit ends without deal", "teaser"),
        ("Foto: dpa", "photo-credit"),
        ("© AFP", "photo-credit"),
        ("Фото: ТАСС", "photo-credit"),
        ("Photo: Reuters", "photo-credit"),
        ("foto", "photo-credit"),
        ("Reuters", "photo-credit"),
        ("Share on Facebook", "share"),
        ("Artikel teilen", "share"),
        ("Facebook | Twitter | WhatsApp", "share"),
    ],
)
def test_clean_removes_debris_line_with_reason(line, reason):
    assert line_reason(line) == reason
    text = f"Ein Titel für den Test\n\n{line}\n\nDer erste Absatz des Artikels beschreibt, was am Montag geschah."
    result = clean_lines(text)
    assert [(r.line_no, r.text, r.reason) for r in result.removed] == [(3, line, reason)]
    assert line not in result.paragraphs


@pytest.mark.parametrize("token", ["kucoin", "casino777", "bitcoin", "https://spam.example/win-now"])
def test_clean_removes_spam_token_at_edges(token):
    text = f"{token}\n\nDie USA versuchen, Kasachstan zu beruhigen\n\nDer Außenminister sprach am Dienstag.\n\n{token}"
    result = clean_lines(text)
    assert [(r.line_no, r.reason) for r in result.removed] == [(1, "spam-token"), (7, "spam-token")]
    assert result.paragraphs == ("Die USA versuchen, Kasachstan zu beruhigen", "Der Außenminister sprach am Dienstag.")


def test_clean_removes_spam_token_behind_other_debris_at_the_start():
    text = "Zur mobilen Ansicht\nkucoin\nFoto: dpa\nbitcoin\nHafenstreik legt Hamburg lahm\nDer Text beginnt hier."
    result = clean_lines(text)
    assert [(r.text, r.reason) for r in result.removed] == [
        ("Zur mobilen Ansicht", "ui-string"),
        ("kucoin", "spam-token"),
        ("Foto: dpa", "photo-credit"),
        ("bitcoin", "spam-token"),
    ]
    assert result.paragraphs == ("Hafenstreik legt Hamburg lahm", "Der Text beginnt hier.")


def test_clean_keeps_lone_lowercase_word_in_the_middle():
    text = (
        "kucoin\n\n"
        "Sanktionen im Rampenlicht\n\n"
        "Der erste Absatz des Artikels.\n\n"
        "fazit\n\n"
        "Der zweite Absatz des Artikels.\n\n"
        "casino777\n"
    )
    result = clean_lines(text)
    assert [(r.line_no, r.text, r.reason) for r in result.removed] == [
        (1, "kucoin", "spam-token"),
        (11, "casino777", "spam-token"),
    ]
    assert "fazit" in result.paragraphs


def test_clean_keeps_headings():
    text = (
        "Sanktionen im Rampenlicht\n"
        "\n"
        "Die Europäische Union hat am Montag neue Sanktionen beschlossen. Sie treffen vor allem Banken.\n"
        "\n"
        "Angst vor der Automatisierung\n"
        "\n"
        "Viele Hafenarbeiter fürchten, dass Kräne bald ohne sie auskommen.\n"
        "\n"
        "Who pays the bill?\n"
        "\n"
        "Die Kosten trägt am Ende der Steuerzahler, sagen Kritiker.\n"
    )
    result = clean_lines(text)
    assert result.removed == ()
    assert result.paragraphs[0] == "Sanktionen im Rampenlicht"
    assert "Angst vor der Automatisierung" in result.paragraphs
    assert "Who pays the bill?" in result.paragraphs
    assert len(result.paragraphs) == 6


def test_clean_keeps_prose_line_starting_with_related_hyphen():
    line = "Related-party loans at the bank rose by 40 percent last year, the regulator said."
    text = f"Bank under scrutiny\n\nThe regulator opened an inquiry on Monday.\n\n{line}\n\nThe bank denied wrongdoing."
    assert line in clean_lines(text).paragraphs


def test_clean_keeps_cjk_headline_and_last_line():
    text = (
        "美国试图安抚哈萨克斯坦\n\n"
        "美国国务卿周一抵达阿斯塔纳，与哈萨克斯坦总统举行会谈。双方讨论了贸易和安全问题。\n\n"
        "会谈持续了两个小时\n"
    )
    assert clean_lines(text).removed == ()


def test_clean_line_numbers_are_one_based_positions_in_raw_input():
    text = "\r\n".join(
        [
            "kucoin",  # 1
            "",  # 2
            "Hafenstreik legt Hamburg lahm",  # 3
            "   ",  # 4
            "Foto: dpa",  # 5
            "Der Streik begann am Montag früh.",  # 6
            "",  # 7
            "Share on Facebook",  # 8
            "Die Reeder warnen vor Millionenschäden.",  # 9
            "Jetzt abonnieren",  # 10
        ]
    )
    result = clean_lines(text)
    assert [(r.line_no, r.text) for r in result.removed] == [
        (1, "kucoin"),
        (5, "Foto: dpa"),
        (8, "Share on Facebook"),
        (10, "Jetzt abonnieren"),
    ]
    lines = text.split("\r\n")
    for removed in result.removed:
        assert lines[removed.line_no - 1].strip() == removed.text


def test_clean_outlet_boilerplate_reason():
    text = "Titel des Artikels\n\nMorgenbote – Ihre Zeitung für Hessen\n\nDer Artikel selbst."
    footer = "Morgenbote – Ihre Zeitung für Hessen"
    result = clean_lines(text, frozenset({footer}))
    assert [(r.text, r.reason) for r in result.removed] == [(footer, "outlet-boilerplate")]


def test_clean_text_joins_kept_lines_as_paragraphs():
    text = "Titel\nRead more\n  Absatz  eins.  \r\n\r\nAbsatz zwei."
    assert clean_text(text) == "Titel\n\nAbsatz eins.\n\nAbsatz zwei."


# ------------------------------------------------------------------------ titles


def test_infer_title_heading_like_first_line_is_not_inferred():
    paragraphs = ("Die USA versuchen, Kasachstan zu beruhigen", "ASTANA: Der Außenminister sagte am Dienstag …")
    assert infer_title(paragraphs) == ("Die USA versuchen, Kasachstan zu beruhigen", False)


def test_infer_title_quoted_heading_is_not_inferred():
    paragraphs = ("„Wir sind keine Kostenstelle“: Warum Hamburgs Hafenarbeiter streiken", "Der Text.")
    assert infer_title(paragraphs) == (paragraphs[0], False)


def test_infer_title_given_title_wins():
    assert infer_title(("Some lead.", "More."), "  Given   title ") == ("Given title", False)


def test_infer_title_long_first_paragraph_is_cut_from_lead():
    lead = (
        "Vor dem Hintergrund der Ereignisse in der Ukraine wirbt der Westen verstärkt um Kooperation mit den "
        "Staaten Zentralasiens, die traditionell eng mit Russland verbunden sind, und bietet ihnen Handel an. "
        "Der zweite Satz folgt."
    )
    title, inferred = infer_title((lead, "Zweiter Absatz."))
    assert inferred is True
    assert title.endswith("…")
    assert len(title) <= 118
    assert lead.startswith(title[:-1])
    assert not title[:-1].endswith(" ")  # cut at a word boundary


def test_infer_title_short_lead_sentence_is_taken_whole():
    paragraphs = ("Der Streik ist vorbei. Die Schiffe laufen wieder ein.", "Mehr dazu.")
    assert infer_title(paragraphs) == ("Der Streik ist vorbei.", True)


def test_infer_title_of_nothing():
    assert infer_title(()) == (None, True)


def test_clean_document_builds_article():
    text = "kucoin\n\nDie USA versuchen, Kasachstan zu beruhigen\n\nDer Außenminister sprach am Dienstag."
    article = clean_document(document(text, "Example", 1))
    assert article.text == "Die USA versuchen, Kasachstan zu beruhigen\n\nDer Außenminister sprach am Dienstag."
    assert article.raw_text == text
    assert [r.text for r in article.removed_lines] == ["kucoin"]
    assert (article.title, article.title_inferred) == ("Die USA versuchen, Kasachstan zu beruhigen", False)
    assert article.lead == "Der Außenminister sprach am Dienstag."


# ---------------------------------------------------------- outlet boilerplate


def test_find_outlet_boilerplate_finds_line_repeated_in_one_outlet():
    footer = "Morgenbote – Ihre Zeitung für Hessen"
    shared_quote = "„Wir sind keine Kostenstelle“"
    documents = [
        document(f"Hafenstreik Tag {n}\n\nDer Streik dauert an, Tag {n}.\n\n{footer}", "Morgenbote", n)
        for n in range(3)
    ] + [
        document(f"Reportage\n\n{shared_quote}\n\nSagt ein Hafenarbeiter.", "Die Brücke", 10),
        document(f"Streik\n\n{shared_quote}\n\nSo ein Streikender.", "Northbridge Ledger", 11),
    ]
    found = find_outlet_boilerplate(documents)
    assert footer in found
    assert shared_quote not in found
    assert "Reportage" not in found and "Streik" not in found
    # with the found set, the footer goes from each Morgenbote article
    result = clean_lines(documents[0].text, found)
    assert [(r.text, r.reason) for r in result.removed] == [(footer, "outlet-boilerplate")]


def test_find_outlet_boilerplate_needs_min_articles_and_known_outlet():
    footer = "Morgenbote – Ihre Zeitung für Hessen"
    two = [document(f"Artikel {n}\n\n{footer}", "Morgenbote", n) for n in range(2)]
    assert find_outlet_boilerplate(two) == frozenset()
    anonymous = [document(f"Artikel {n}\n\n{footer}", None, n) for n in range(4)]
    assert find_outlet_boilerplate(anonymous) == frozenset()


def test_find_outlet_boilerplate_ignores_line_in_a_minority_of_articles():
    footer = "Morgenbote – Ihre Zeitung für Hessen"
    docs = [
        document(f"Artikel {n}\n\n{footer if n < 3 else 'Anderer Schluss ' + str(n)}", "Morgenbote", n)
        for n in range(10)
    ]
    assert footer not in find_outlet_boilerplate(docs)


# --------------------------------------------------------- seeds (real data)


def _seed(prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip(f"seed folder {SEEDS} not found")
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"no seed {prefix}_*.txt in {SEEDS}")
    return decode_text(matches[0].read_bytes())[0]


@pytest.mark.parametrize(
    "prefix, expected",
    [
        ("000", ["kucoin", "Die mobile Version verlassen"]),
        ("001", []),
        ("002", []),
        ("003", ["foto", "Reuters"]),
    ],
)
def test_clean_seed_removes_exactly_the_debris(prefix, expected):
    assert removed_texts(_seed(prefix)) == expected


def test_clean_seed_titles():
    result = clean_lines(_seed("000"))
    assert infer_title(result.paragraphs) == ("Die USA versuchen, Kasachstan zu beruhigen", False)
    title, inferred = infer_title(clean_lines(_seed("002")).paragraphs)
    assert inferred is True
    assert title


# ----------------------------------------------------- sample corpus gold


def _gold() -> dict:
    return json.loads(GOLD.read_text(encoding="utf-8"))["articles"] if GOLD.is_file() else {}


SAMPLE_TXT = sorted(SAMPLE.rglob("*.txt")) if SAMPLE.is_dir() else []


@pytest.mark.parametrize("path", SAMPLE_TXT, ids=[str(p.relative_to(SAMPLE)) for p in SAMPLE_TXT])
def test_clean_sample_gold_removed_lines(path):
    gold = _gold()
    key = str(path.relative_to(SAMPLE))
    assert key in gold, f"{key} has no gold annotation"
    text = decode_text(path.read_bytes())[0]
    assert removed_texts(text) == gold[key]["removed"]


def test_clean_sample_gold_precision_recall():
    gold = _gold()
    if not SAMPLE_TXT or not gold:
        pytest.skip("sample corpus or gold.json not found")
    true_pos = false_pos = false_neg = 0
    for path in SAMPLE_TXT:
        got = Counter(removed_texts(decode_text(path.read_bytes())[0]))
        want = Counter(gold[str(path.relative_to(SAMPLE))]["removed"])
        true_pos += sum((got & want).values())
        false_pos += sum((got - want).values())
        false_neg += sum((want - got).values())
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    print(
        f"\ndebris lines over {len(SAMPLE_TXT)} sample .txt articles: "
        f"precision {precision:.3f}, recall {recall:.3f} (tp={true_pos} fp={false_pos} fn={false_neg})"
    )
    assert true_pos > 0
    assert precision >= 0.95 and recall >= 0.95


def test_clean_sample_gold_html_and_jsonl_keep_every_line():
    gold = _gold()
    if not SAMPLE.is_dir() or not gold:
        pytest.skip("sample corpus or gold.json not found")
    checked = 0
    for item in read_paths([SAMPLE]):
        assert isinstance(item, Document), f"sample input rejected: {item}"
        if item.fmt == "txt":
            continue
        path, _, record_id = item.source.partition("#")
        key = str(Path(path).relative_to(SAMPLE)) + (f"#{record_id}" if record_id else "")
        assert gold[key]["removed"] == []
        assert removed_texts(item.text) == [], key
        checked += 1
    assert checked == 6  # 3 HTML pages, 3 JSONL records
