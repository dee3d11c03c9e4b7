"""Body-text clean-up on top of trafilatura: what its main-text pass keeps that readers don't want.

trafilatura finds the article container well but its output still carries headline,
standfirst, dateline and byline lines, repeated blocks, link-heavy teaser lists ("related",
"most read"), menus, promo and comment boxes, newsletter and copyright footers; it drops
embedded posts (tweets) that the article quotes; and when a site splits one article over
several sibling containers it keeps only the first. This module works on trafilatura's
block list (one entry per paragraph, heading, list item …) plus the original DOM, where each
block is found again by its text, and:

* flattens layout tables, keeping only the cells that carry the article,
* drops blocks whose source element is mostly link text (teasers, tag clouds),
* drops blocks inside a comment/related/promo/share box that holds a minority of the text,
* rescues paragraphs from sibling containers shaped like the article's own container,
* rescues block quotes (embedded posts) inside the article's container, in place,
* drops what comes before the headline, and headline/standfirst/dateline/byline lines,
* drops runs of menu-like lines and exact repeats of an earlier block,
* drops trailing boilerplate (newsletter, copyright, credits, tag lists, teaser lists).

Everything here is generic: no site names, no per-page rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")

# Source elements whose text makes up one block of the article.
_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figcaption", "td", "dd", "pre")

# Lines that close an article with site furniture rather than article text; matched only at the
# end of the body (and only when short), so that an article quoting such a phrase keeps it.
_TRAILING_BOILERPLATE = re.compile(
    r"""(
        ^(write\s+to|contact\s+(the\s+)?(writer|author|reporter)|have\s+a\s+tip|email\s+the\s+writer)\b
      | \b(subscribe|sign\s+up|newsletter|inbox)\b
      | ^(copyright|©|\(c\))|\ball\s+rights\s+reserved\b
      | \b(share\s+(this|it)|like\s+this\s+story|follow\s+(us|\S+)\s+on\s+(twitter|facebook|instagram))\b
      | ^(tags?|topics?|related|read\s+more|see\s+also|more\s+from|also\s+on|most\s+(read|popular))\b
      | ^(print(\s+(this\s+)?article)?|order\s+reprints|comments?)$
      | \b(this\s+copy\s+is\s+for\s+your\s+personal)\b
      | \b(an\s+error\s+has\s+occurred|thanks?\s+(you\s+)?for\s+(signing\s+up|subscribing))\b
      | ^(mehr\s+zum\s+thema|lesen\s+sie\s+auch|weitere\s+artikel|lire\s+aussi|à\s+lire\s+aussi|leia\s+também|leia\s+mais|
          veja\s+também|lee\s+también|leggi\s+anche|читайте\s+также|смотрите\s+также)\b
      | \b(abonnieren|abonnez|inscreva|suscr[ií]bete|iscriviti|подпишитесь)\b
      | ^\(?((additional\s+)?reporting|writing|editing|edited|compiled)\s+by\b|\bcontributed\s+(to\s+)?(this\s+)?report
      | ^(source|sources|filed\s+under|posted\s+in|categories|category)\s*:
      | \b(you\s+may\s+also\s+like|more\s+stories|recommended\s+for\s+you)\b
      | \b(comments|coment[aá]rios|comentarios|commentaires|kommentare|commenti|комментари\w*)\b
      | \bclick\s+here\b|\[[a-z_]+\s+[a-z_]+=|\[/[a-z_]+\]    # leaked [shortcode attr=…] markup
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_BOILERPLATE_WORDS = 60
_TAIL_NEUTRAL_WORDS = 6
_ITEM_MARK = re.compile(r"^[-•*]\s+")
_URL_ONLY = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
# class/id words of page furniture that trafilatura sometimes keeps inside the article container
_FURNITURE = re.compile(
    r"(^|[-_\s])(comments?|comment-?list|respond|replies|reply|related|recommended|newsletter|promo|"
    r"subscribe|signup|share|sharing|social|tags?|breadcrumbs?|author-?bio|more-?stories|read-?more|"
    r"outbrain|taboola|disqus|sidebar|widget)($|[-_\s])",
    re.IGNORECASE,
)
_FURNITURE_DEPTH = 8
# for embedded posts, which sit in "social-embed" boxes: only comment and teaser boxes count
_NOT_EMBEDS = re.compile(
    r"(^|[-_\s])(comments?|comment-?list|respond|replies|reply|related|recommended|newsletter|promo|"
    r"more-?stories|read-?more|outbrain|taboola|disqus|sidebar)($|[-_\s])",
    re.IGNORECASE,
)
LAYOUT_CELL_SHARE = 0.3  # layout-table cells with less text than this share of the largest are dropped


@dataclass
class Block:
    """One line of extracted body text and what is known about where it came from."""

    text: str
    kind: str  # trafilatura tag: p, head, item, quote, cell, …
    key: str = ""
    link_density: float | None = None
    starts_with_link: bool = False


def normalise(text: str) -> str:
    """Lower-cased words joined by single spaces, for comparing lines across sources."""
    return " ".join(_WORD.findall(text.lower()))


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _is_layout_table(table: etree._Element) -> bool:
    """A table used for page layout: some cell holds paragraphs, headings or lists."""
    return any(cell.find(tag) is not None for cell in table.iter("cell") for tag in ("p", "head", "list", "quote"))


def _walk(element: etree._Element, blocks: list[Block]) -> None:
    from trafilatura.xml import xmltotxt

    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "table" and _is_layout_table(child):
            # a layout table: keep the cells that carry the article, not its side columns
            cells = [cell for row in child.findall("row") for cell in row.findall("cell")]
            sizes = [sum(len("".join(p.itertext())) for p in cell.iter("p", "quote", "item")) for cell in cells]
            largest = max(sizes, default=0)
            for cell, size in zip(cells, sizes, strict=True):
                if size >= LAYOUT_CELL_SHARE * largest:
                    _walk(cell, blocks)
            continue
        if child.tag == "list":
            items = [item for item in child if item.tag == "item"]
            if items and all(item.find("list") is None for item in items):
                for item in items:
                    text = _SPACE.sub(" ", xmltotxt(item, False)).strip()
                    if text:
                        blocks.append(Block(_ITEM_MARK.sub("", text), "item"))
                continue
        text = xmltotxt(child, False).strip()
        for line in text.split("\n"):
            line = _SPACE.sub(" ", line).strip()
            if line:
                blocks.append(Block(line, child.tag))


def blocks_from_body(body: etree._Element) -> list[Block]:
    """trafilatura's body element as a flat list of text blocks (list items one by one)."""
    blocks: list[Block] = []
    _walk(body, blocks)
    for block in blocks:
        block.key = normalise(block.text)
    return blocks


def _element_text(element: lxml_html.HtmlElement) -> str:
    return _SPACE.sub(" ", element.text_content()).strip()


@dataclass
class SourceIndex:
    """Block-level elements of the original page, found by their normalised text."""

    by_key: dict[str, lxml_html.HtmlElement]
    order: dict[lxml_html.HtmlElement, int]


def index_source(tree: lxml_html.HtmlElement) -> SourceIndex:
    by_key: dict[str, lxml_html.HtmlElement] = {}
    order: dict[lxml_html.HtmlElement, int] = {}
    for position, element in enumerate(tree.iter(*_BLOCK_TAGS)):
        order[element] = position
        key = normalise(element.text_content())
        if key and key not in by_key:
            by_key[key] = element
    return SourceIndex(by_key, order)


def link_density(element: lxml_html.HtmlElement) -> float:
    total = len(normalise(element.text_content()))
    if not total:
        return 0.0
    linked = sum(len(normalise(a.text_content())) + 1 for a in element.iter("a"))
    return min(1.0, linked / total)


_DATELINE = re.compile(
    r"""(
        \b\d{1,2}[:h]\d{2}\b                                  # a clock time
      | \b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b                    # 19/11/2019, 2019-11-19
      | \b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b
      | \b\d{1,2}\.?\s+(de\s+)?[^\W\d_]{3,}\.?\s+(de\s+)?\d{4}\b   # 18 November 2019, 22 de outubro de 2010
      | ^(by|von|par|por|di|от)\s                               # a byline
      | \b(published|updated|posted|min(ute)?s?\s+read|reading\s+time|tempo\s+de\s+leitura|lesezeit)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_LEADING_WINDOW = 6
_LEADING_MAX_WORDS = 12
_LEADING_HEAD_MAX_WORDS = 30
_BEFORE_HEADLINE_SHARE = 0.25


def _matches(key: str, others: set[str]) -> bool:
    return any(key == k or (len(key) >= 20 and (k.startswith(key) or key.startswith(k))) for k in others)


def starts_with_link(element: lxml_html.HtmlElement) -> bool:
    """Whether the element's first words are link text."""
    for node in element.iter():
        if isinstance(node.tag, str) and node.text and node.text.strip():
            return node.tag == "a" or any(parent.tag == "a" for parent in node.iterancestors())
        if node is not element and node.tail and node.tail.strip():
            return False
    return False


def drop_leading(
    blocks: list[Block],
    titles: Iterable[str | None],
    description: str | None = None,
    author: str | None = None,
) -> list[Block]:
    """Headline, standfirst, dateline and byline blocks before the article's first paragraph.

    Only the first few blocks are looked at, and only until one is kept.
    """
    title_keys = {normalise(t) for t in titles if t} - {""}
    description_key = normalise(description or "")
    author_key = normalise(author or "")
    start = 0
    # whatever comes before the headline is page furniture (teasers, section names)
    if title_keys:
        total = sum(word_count(block.text) for block in blocks) or 1
        for index, block in enumerate(blocks[:_LEADING_WINDOW]):
            if index and block.key and _matches(block.key, title_keys):
                if sum(word_count(b.text) for b in blocks[:index]) < _BEFORE_HEADLINE_SHARE * total:
                    start = index
                break
    while start < min(len(blocks), _LEADING_WINDOW):
        block = blocks[start]
        words = word_count(block.text)
        if not block.key:
            start += 1
        elif _URL_ONLY.match(block.text) or (title_keys and _matches(block.key, title_keys)):
            start += 1
        elif block.kind == "head" and words <= _LEADING_HEAD_MAX_WORDS and start + 1 < len(blocks):
            start += 1  # a heading before any paragraph is the headline or a standfirst
        elif description_key and block.kind != "p" and _matches(block.key, {description_key}):
            start += 1
        elif words <= _LEADING_MAX_WORDS and (_DATELINE.search(block.text) or (author_key and author_key in block.key)):
            start += 1
        elif words <= _MAX_BOILERPLATE_WORDS and _TRAILING_BOILERPLATE.search(block.text):
            start += 1
        else:
            break
    return blocks[start:]


MENU_RUN = 6  # this many consecutive very short lines in a row are a menu, not an article
_MENU_MAX_WORDS = 3
_MENU_MAX_CHARS = 30


def drop_menus(blocks: list[Block]) -> list[Block]:
    """Runs of very short lines without sentence punctuation: navigation menus and tag clouds."""

    def menu_like(block: Block) -> bool:
        return (
            word_count(block.text) <= _MENU_MAX_WORDS
            and len(block.text) <= _MENU_MAX_CHARS
            and not re.search(r"[.!?:;,。！？、；：]", block.text)
        )

    kept: list[Block] = []
    run: list[Block] = []
    for block in [*blocks, None]:
        if block is not None and menu_like(block):
            run.append(block)
            continue
        if len(run) < MENU_RUN:
            kept.extend(run)
        run = []
        if block is not None:
            kept.append(block)
    return kept


def drop_repeats(blocks: list[Block], min_words: int = 1) -> list[Block]:
    seen: set[str] = set()
    kept: list[Block] = []
    for block in blocks:
        if block.key in seen and word_count(block.text) >= min_words:
            continue
        seen.add(block.key)
        kept.append(block)
    return kept


def _furniture_ancestor(
    element: lxml_html.HtmlElement, pattern: re.Pattern[str] = _FURNITURE
) -> lxml_html.HtmlElement | None:
    for depth, ancestor in enumerate(element.iterancestors()):
        if depth >= _FURNITURE_DEPTH or ancestor.tag in ("body", "html"):
            return None
        marks = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if marks.strip() and pattern.search(marks):
            return ancestor
        if ancestor.tag in ("article", "main"):
            return None
    return None


def drop_furniture(blocks: list[Block], source: SourceIndex) -> list[Block]:
    """Blocks inside a comments/related/newsletter/share box that holds a minority of the article.

    The box must hold fewer than half of the blocks we found in the page, so a site that
    names its whole article container "post-share-enabled" does not lose its article.
    """
    elements = [source.by_key.get(block.key) for block in blocks]
    located = [e for e in elements if e is not None]
    if not located:
        return blocks
    boxes = {}
    for element in located:
        box = _furniture_ancestor(element)
        if box is not None:
            boxes[element] = box
    if not boxes:
        return blocks
    inside: dict[lxml_html.HtmlElement, int] = {}
    for box in boxes.values():
        if box not in inside:
            inside[box] = sum(1 for e in located if any(a is box for a in e.iterancestors()))
    kept = []
    for block, element in zip(blocks, elements, strict=True):
        box = boxes.get(element) if element is not None else None
        if box is not None and inside[box] * 2 < len(located):
            continue
        kept.append(block)
    return kept


def drop_linky(blocks: list[Block], source: SourceIndex, threshold: float, max_words: int) -> list[Block]:
    """Blocks whose source element is mostly links: teaser lists, tag lists, "more on …"."""
    kept: list[Block] = []
    for block in blocks:
        element = source.by_key.get(block.key)
        if element is not None:
            block.link_density = link_density(element)
            block.starts_with_link = starts_with_link(element)
            if block.link_density >= threshold and word_count(block.text) <= max_words:
                continue
        kept.append(block)
    return kept


def _is_keyword_list(text: str) -> bool:
    """ "tag one, tag two, tag three, …": a comma list of short phrases with no sentence in it."""
    parts = [part for part in text.split(",") if part.strip()]
    return len(parts) >= 3 and "." not in text.rstrip(".") and max(word_count(part) for part in parts) <= 4


_TAGS_HEADER = re.compile(
    r"^(tags?|topics?|keywords?|schlagw[öo]rter|stichw[öo]rter|palavras[- ]chave|etiquetas|mots[- ]cl[ée]s|теги|метки)\b",
    re.IGNORECASE,
)


def _is_tag_list(blocks: list[Block], index: int) -> bool:
    """A keyword list right under a "Tags" / "Topics" header."""
    return index > 0 and bool(_TAGS_HEADER.match(blocks[index - 1].text)) and _is_keyword_list(blocks[index].text)


def drop_trailing_boilerplate(blocks: list[Block], window: int = 12) -> list[Block]:
    """Site furniture after the last real paragraph: only looks at the tail of the body."""
    end = len(blocks)
    first_tail = max(0, len(blocks) - window)
    index = end - 1
    while index >= first_tail:
        block = blocks[index]
        short = word_count(block.text) <= _MAX_BOILERPLATE_WORDS
        if short and (
            _TRAILING_BOILERPLATE.search(block.text) or block.kind in ("head",) or _is_tag_list(blocks, index)
        ):
            end = index
        elif short and block.link_density is not None and block.link_density >= 0.5:
            end = index
        elif block.kind == "item" and block.starts_with_link:
            end = index  # a teaser list: each item opens with a link to another article
        elif word_count(block.text) <= _TAIL_NEUTRAL_WORDS and len(block.text) <= 40 and index > first_tail:
            pass  # "Thank you", "Sorry!": goes if boilerplate sits above it, stays otherwise
        else:
            break
        index -= 1
    return blocks[:end]


def _common_container(elements: list[lxml_html.HtmlElement]) -> lxml_html.HtmlElement | None:
    """Lowest element holding all the given elements."""
    if not elements:
        return None
    chain = [elements[0], *elements[0].iterancestors()]
    for candidate in chain:
        if all(e is candidate or any(a is candidate for a in e.iterancestors()) for e in elements[1:]):
            return candidate
    return None


def _quote_lines(quote: lxml_html.HtmlElement) -> list[str]:
    """An embedded post (tweet, Instagram caption) as lines: its paragraphs, then its attribution."""
    lines: list[str] = []
    rest: list[str] = []
    for child in quote:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "p":
            lines.append(_element_text(child))
        else:
            rest.append(child.text_content())
        if child.tail:
            rest.append(child.tail)
    if quote.text and quote.text.strip():
        rest.insert(0, quote.text)
    tail = _SPACE.sub(" ", " ".join(rest)).strip()
    return [line for line in [*lines, tail] if line]


def rescue_quotes(blocks: list[Block], source: SourceIndex) -> list[Block]:
    """Block quotes inside the article's container that trafilatura left out (embedded posts).

    Embedded tweets and similar posts are ``<blockquote>`` elements that extractors drop as
    widgets, but they are often what the article is about. Those inside the container of
    the kept paragraphs come back, in document order.
    """
    elements = [source.by_key.get(block.key) for block in blocks if block.kind == "p"]
    located = [e for e in elements if e is not None and e.tag == "p"]
    if len(located) < 2:
        return blocks
    container = _common_container(located)
    if container is None or container.tag in ("html", "body"):
        return blocks
    have = {block.key for block in blocks}
    extra: list[tuple[int, Block]] = []
    for quote in container.iter("blockquote"):
        if (
            any(a.tag == "blockquote" for a in quote.iterancestors())
            or _furniture_ancestor(quote, _NOT_EMBEDS) is not None
        ):
            continue
        lines = _quote_lines(quote)
        keys = [normalise(line) for line in lines]
        if not lines or all(key in have for key in keys) or word_count(" ".join(lines)) < 5:
            continue
        if any(key in have for key in keys):
            continue  # partly kept already: leave trafilatura's choice alone
        position = source.order.get(quote, 0)
        for line, key in zip(lines, keys, strict=True):
            have.add(key)
            extra.append((position, Block(line, "quote", key)))
    return _merge(blocks, extra, source)


def _merge(blocks: list[Block], extra: list[tuple[int, Block]], source: SourceIndex) -> list[Block]:
    """Insert extra blocks among the kept ones by document position."""
    if not extra:
        return blocks
    positioned: list[tuple[int, int, Block]] = []
    current = -1
    for rank, block in enumerate(blocks):
        element = source.by_key.get(block.key)
        if element is not None and element in source.order:
            current = max(current, source.order[element])
        positioned.append((current, rank, block))
    positioned.extend((position, len(blocks) + rank, block) for rank, (position, block) in enumerate(extra))
    positioned.sort(key=lambda triple: (triple[0], triple[1]))
    return [block for _, _, block in positioned]


def _signature(element: lxml_html.HtmlElement) -> tuple[str, str]:
    return element.tag, " ".join(sorted((element.get("class") or "").split()))


def _container_paragraphs(container: lxml_html.HtmlElement) -> Iterator[lxml_html.HtmlElement]:
    yield from container.iter("p", "h2", "h3", "blockquote")


def rescue_siblings(blocks: list[Block], source: SourceIndex, min_words: int, max_link_density: float) -> list[Block]:
    """Paragraphs in sibling containers shaped like the article's own container.

    Some sites cut an article into several ``<div class="article-body">`` blocks separated by
    ads; trafilatura keeps the first. When the paragraphs we kept share one parent and the page
    holds other elements with exactly that tag and class list, their paragraphs are appended in
    document order.
    """
    elements = [source.by_key.get(block.key) for block in blocks if block.kind == "p"]
    parents = {e.getparent() for e in elements if e is not None and e.tag == "p"}
    parents.discard(None)
    if len(parents) != 1:
        return blocks
    parent = next(iter(parents))
    tag, classes = _signature(parent)
    if not classes:
        return blocks
    root = parent.getroottree().getroot()
    siblings = [
        element
        for element in root.iter(tag)
        if element is not parent and _signature(element) == (tag, classes) and parent not in element.iterancestors()
    ]
    if not siblings:
        return blocks
    have = {block.key for block in blocks}
    extra: list[tuple[int, Block]] = []
    for container in siblings:
        if any(ancestor is parent for ancestor in container.iterancestors()):
            continue
        for element in _container_paragraphs(container):
            text = _element_text(element)
            key = normalise(text)
            if not key or key in have or word_count(text) < min_words:
                continue
            if link_density(element) > max_link_density or _furniture_ancestor(element) is not None:
                continue
            have.add(key)
            extra.append((source.order.get(element, 0), Block(text, "p", key)))
    return _merge(blocks, extra, source)
