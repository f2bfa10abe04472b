"""Extraction stage: fetched page bytes → an ArticleRecord, or the reason the page is no article.

A pure function of the page (no Scrapy, no database). Steps: decode the bytes whatever the charset
(BOM, HTTP charset, <meta charset>, else UTF-8 or windows-1252 by sniffing); reject what is not
HTML; let trafilatura find the title, author and main text; strip the boilerplate it leaves
(`archive.boilerplate`); date the page (`archive.pubdate`); then decide whether it is an article.

Article or not
--------------
A page is stored as an article only if all of these hold, checked in this order (the first failure
names the reject reason, counted as crawl stat ``warta/rejected/<reason>``):

1. its URL is not one that never holds an article (``non-article-url``): category, tag, author,
   pagination (``/page/N/``, ``?paged=``), search (``/search``, ``?s=``), feed, static pages
   (``/about``, ``/contact``, ``/kontak``, ``/tentang-kami``, ``/redaksi``,
   ``/pedoman-media-siber``, ``/privacy``…), log-in and admin pages, attachments, and files by
   extension (PDF, images, office documents, media); the site's home page is a listing
   (``listing-page``);
2. when the site declares an ``article_url_pattern``, the URL matches it (``url-pattern``);
3. the body is an HTML document (``empty``, ``not-html``: PDFs, images and other binaries are
   recognised by their first bytes, feeds and sitemaps by their root element);
4. it is not a listing (``listing-page``, ``why`` in the details). A page is a listing, whatever
   its markup claims (some themes stamp og:type=article on category pages), when at least three
   and 40 % of the paragraphs of its extracted text are headlines of links to other in-site
   articles (``headline-text``), end like teasers ("[…]", "…", "Baca selengkapnya";
   ``excerpt-text``), are one or the other when both kinds occur (``teaser-text``: the last page
   of a category with two teasers), or sit in teaser blocks — small blocks each holding exactly
   one h1–h4 headline link to another article (``teaser-blocks``). A page without a structured
   article signal is also a listing when it declares itself one (og:type ``website``, JSON-LD
   ``CollectionPage``/``ItemList``/``SearchResultsPage``/``ProfilePage``) while linking to at least
   ten in-site articles and carrying less than twice ``min_text_chars`` of text — even if that is
   more than an article needs;
5. the cleaned text is not empty (``no-text``) and is at least ``min_text_chars`` long (600), or at
   least ``min_text_chars_structured`` (250) when the page carries a structured article signal:
   og:type ``article``, a JSON-LD object typed NewsArticle / Article / BlogPosting /
   ReportageNewsArticle (or another NewsArticle subtype; also inside ``@graph``), or a
   ``article:published_time`` meta tag (``too-short``);
6. it has a title (``no-title``).

Pages that make the extractor itself fail are rejected as ``extraction-error`` rather than raising.
"""

from __future__ import annotations

import codecs
import logging
import re
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

from archive.boilerplate import byline_lines, clean_text
from archive.pubdate import (
    ARTICLE_TYPES,
    PublishedDate,
    find_published_date,
    iter_jsonld_objects,
    jsonld_types,
)
from archive.records import ArticleRecord, Extraction

__all__ = [
    "TRAFILATURA_OPTIONS",
    "Reject",
    "declared_canonical_url",
    "decode_html",
    "extract",
    "extract_body_text",
    "listing_evidence",
    "non_article_url_rule",
    "page_language",
    "pick_title",
    "structured_article_signal",
    "unwrap_layout_tables",
]

logger = logging.getLogger(__name__)


class Reject(StrEnum):
    """Why a page is not stored; stable, they become crawl stats ``warta/rejected/<reason>``."""

    EMPTY = "empty"
    NOT_HTML = "not-html"
    NON_ARTICLE_URL = "non-article-url"
    URL_PATTERN = "url-pattern"
    LISTING_PAGE = "listing-page"
    NO_TEXT = "no-text"
    TOO_SHORT = "too-short"
    NO_TITLE = "no-title"
    EXTRACTION_ERROR = "extraction-error"


# Measured on the real-pages benchmark (bench/realpages_f1.py): precision mode without comments
# scores a higher F1 than trafilatura's defaults, and reader comments are not article text.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
}


def extract(
    body: bytes,
    url: str,
    *,
    http_encoding: str | None = None,
    article_url_pattern: str | None = None,
    min_text_chars: int = 600,
    min_text_chars_structured: int = 250,
    hinted_published_at: datetime | None = None,
) -> Extraction:
    """Turn one fetched page into an article record or a rejection; never raises on page content.

    `article_url_pattern` is a regex searched in the URL; an invalid one raises `re.error` since it
    is configuration, not page content.
    """
    pattern = _compile(article_url_pattern) if article_url_pattern else None
    try:
        return _extract(
            body,
            url,
            http_encoding=http_encoding,
            article_url_pattern=pattern,
            min_text_chars=min_text_chars,
            min_text_chars_structured=min_text_chars_structured,
            hinted_published_at=hinted_published_at,
        )
    except Exception as exc:  # a crawler must survive any page; the log keeps the evidence
        logger.exception("extraction failed for %s", url)
        return Extraction.rejected(Reject.EXTRACTION_ERROR, error=type(exc).__name__)


def extract_body_text(body: bytes, url: str, *, http_encoding: str | None = None) -> str:
    """The cleaned article text `extract` would store, without deciding whether it is an article.

    For scoring the extractor (bench/realpages_f1.py); "" when there is no text at all.
    """
    tree = _read_page(body, http_encoding)
    if isinstance(tree, Extraction):
        return ""
    extracted = _run_trafilatura(tree, url)
    return clean_text(_unboxed_text(extracted)) if extracted else ""


# --- the stages ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Extracted:
    text: str
    title: str | None
    author: str | None
    description: str | None
    sitename: str | None
    date: str | None


def _extract(
    body: bytes,
    url: str,
    *,
    http_encoding: str | None,
    article_url_pattern: re.Pattern[str] | None,
    min_text_chars: int,
    min_text_chars_structured: int,
    hinted_published_at: datetime | None,
) -> Extraction:
    if rule := non_article_url_rule(url):
        return Extraction.rejected(Reject.NON_ARTICLE_URL, rule=rule)
    if _is_home_url(url):
        return Extraction.rejected(Reject.LISTING_PAGE, why="home-page")
    if article_url_pattern is not None and not article_url_pattern.search(url):
        return Extraction.rejected(Reject.URL_PATTERN, pattern=article_url_pattern.pattern)

    tree = _read_page(body, http_encoding)
    if isinstance(tree, Extraction):
        return tree
    extracted = _run_trafilatura(tree, url)
    raw_text = _unboxed_text(extracted) if extracted else ""
    text = clean_text(raw_text)
    signal = structured_article_signal(tree)

    why = listing_evidence(
        tree,
        url,
        text,
        article_url_pattern=article_url_pattern,
        structured_signal=signal,
        min_text_chars=min_text_chars,
    )
    if why:
        return Extraction.rejected(Reject.LISTING_PAGE, why=why)
    if not text:
        return Extraction.rejected(Reject.NO_TEXT)
    needed = min_text_chars_structured if signal else min_text_chars
    if len(text) < needed:
        return Extraction.rejected(Reject.TOO_SHORT, chars=str(len(text)), needed=str(needed))
    title = pick_title(tree, extracted, url)
    if not title:
        return Extraction.rejected(Reject.NO_TITLE)

    # Byline lines ("Ditulis oleh Admin Rabu, 09 Maret 2022") are furniture in the text but often
    # the only place the page dates the article, so the date search sees them first.
    published = find_published_date(
        tree,
        url,
        "\n\n".join([*byline_lines(raw_text), text]),
        hinted=hinted_published_at,
        htmldate_result=extracted.date if extracted else None,
    )
    return Extraction(article=_record(tree, url, title, text, extracted, signal, published))


def _record(
    tree: HtmlElement,
    url: str,
    title: str,
    text: str,
    extracted: _Extracted | None,
    signal: str | None,
    published: PublishedDate | None,
) -> ArticleRecord:
    return ArticleRecord(
        url=url,
        title=title,
        text=text,
        author=_clean_author(extracted.author if extracted else None),
        published_at=published.at if published else None,
        published_time_known=published.time_known if published else False,
        published_date=published.at.date() if published else None,
        language=page_language(tree, text),
        declared_canonical_url=declared_canonical_url(tree, url),
        description=(_one_line(extracted.description) or None) if extracted else None,
        page_type=signal,
    )


_SINGLE_CELL = re.compile(r"\|\s*([^|]*?)\s*\|")
_SINGLE_RULE = re.compile(r"\|\s*:?-{3,}:?\s*\|")


def _unboxed_text(extracted: _Extracted) -> str:
    """trafilatura's text with one-cell table rows as plain lines.

    trafilatura writes a one-cell table (pull quote, caption, a template's title box) as a
    "| … |" row; as plain lines they read as text and the boilerplate and headline tests see them.
    """
    lines: list[str] = []
    for line in extracted.text.splitlines():
        stripped = line.strip()
        if _SINGLE_RULE.fullmatch(stripped):
            continue
        cell = _SINGLE_CELL.fullmatch(stripped)
        lines.append(cell.group(1) if cell else line)
    return "\n".join(lines)


# --- decoding and sniffing ----------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"\xd0\xcf\x11\xe0", "ms-office"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
    (b"ID3", "mp3"),
    (b"OggS", "ogg"),
    (b"wOFF", "font"),
    (b"wOF2", "font"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_NOT_HTML_ROOTS = frozenset({"rss", "feed", "urlset", "sitemapindex", "rdf:rdf", "svg", "kml"})
_HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|title|meta|div|p|article|main|section|h[1-6]|table|br)\b",
    re.IGNORECASE,
)
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)*\s*<([A-Za-z][\w:.-]*)",
                     re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SNIFF_BYTES = 4096


def _read_page(body: bytes, http_encoding: str | None) -> HtmlElement | Extraction:
    """The decoded, parsed page, or the rejection of bytes that are no HTML page."""
    if not body or not body.strip():
        return Extraction.rejected(Reject.EMPTY)
    if kind := _binary_kind(body, http_encoding):
        return Extraction.rejected(Reject.NOT_HTML, kind=kind)
    html = decode_html(body, http_encoding)
    if kind := _not_html_kind(html):
        return Extraction.rejected(Reject.NOT_HTML, kind=kind)
    tree = load_html(_CONTROL.sub("", html))
    if tree is None:
        return Extraction.rejected(Reject.NOT_HTML, kind="unparsable")
    return tree


def _binary_kind(body: bytes, http_encoding: str | None) -> str | None:
    head = body[:_SNIFF_BYTES]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"AVI ", b"WAVE"):
        return "riff"
    if head[4:8] == b"ftyp":
        return "mp4"
    # UTF-16/32 text is full of NULs, so NULs mean "binary" only when no such encoding applies.
    encodings = (read_bom(body)[0], resolve_encoding(http_encoding) if http_encoding else None)
    wide = any(enc and enc.startswith(("utf-16", "utf-32")) for enc in encodings)
    if not wide and b"\x00" in head:
        return "binary"
    return None


def _not_html_kind(html: str) -> str | None:
    head = html[:_SNIFF_BYTES].lstrip("\ufeff \t\r\n")
    if head[:1] in ("{", "["):
        return "json"
    root = _PROLOG.match(head)
    if root and root.group(1).lower() in _NOT_HTML_ROOTS:
        return root.group(1).lower()
    if _HTML_TAG.search(html, 0, 262144) is None:
        return "text"
    return None


def decode_html(body: bytes, http_encoding: str | None = None) -> str:
    """Decode page bytes: BOM, then HTTP charset, then <meta> charset, then UTF-8 or windows-1252.

    A declared charset is used only if the bytes decode cleanly with it: misdeclared pages (a
    windows-1252 .go.id page served as UTF-8) are common, and a clean decode under another
    candidate is the better evidence. Valid UTF-8 with non-ASCII text wins over a declared
    single-byte charset for the same reason.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom) :].decode(bom_encoding, "replace")
    candidates = _declared_encodings(body, http_encoding)
    if (not candidates or _single_byte(candidates[0])) and _is_multibyte_utf8(body):
        return _decode(body, "utf-8")
    for encoding in candidates:
        if _decodes_cleanly(body, encoding):
            return _decode(body, encoding)
    for encoding in ("utf-8", "cp1252"):
        if _decodes_cleanly(body, encoding):
            return _decode(body, encoding)
    return _decode(body, candidates[0] if candidates else "cp1252")


def _declared_encodings(body: bytes, http_encoding: str | None) -> list[str]:
    found: list[str] = []
    for raw in (http_encoding, html_body_declared_encoding(body[:_SNIFF_BYTES * 4])):
        encoding = resolve_encoding(raw) if raw else None
        if encoding and encoding not in found:
            found.append(encoding)
    return found


def _decode(body: bytes, encoding: str) -> str:
    return body.decode(encoding, "replace")


def _decodes_cleanly(body: bytes, encoding: str) -> bool:
    """True if the bytes are valid in `encoding`, allowing a character cut off at the end."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        decoder.decode(body, final=False)
    except (UnicodeError, LookupError):  # utf-16 raises UnicodeError itself
        return False
    return True


def _is_multibyte_utf8(body: bytes) -> bool:
    return not body.isascii() and _decodes_cleanly(body, "utf-8")


def _single_byte(encoding: str) -> bool:
    return encoding.startswith(("cp125", "iso8859", "latin", "windows-125", "ascii"))


# --- trafilatura --------------------------------------------------------------------------------


def _run_trafilatura(tree: HtmlElement, url: str) -> _Extracted | None:
    now = datetime.now(UTC)
    own_copy = deepcopy(tree)  # trafilatura prunes the tree it is given; ours is still needed
    unwrap_layout_tables(own_copy)
    document = trafilatura.bare_extraction(
        own_copy,
        url=url,
        with_metadata=True,
        date_extraction_params={
            # The text-wide search finds sidebar dates; pubdate reads the article text instead.
            "extensive_search": False,
            "original_date": True,
            "min_date": "1995-01-01",
            "max_date": (now + timedelta(days=2)).strftime("%Y-%m-%d"),
        },
        **TRAFILATURA_OPTIONS,
    )
    if document is None or isinstance(document, dict):
        return None
    return _Extracted(
        text=document.text or "",
        title=document.title,
        author=document.author,
        description=document.description,
        sitename=document.sitename,
        date=document.date,
    )


# Old government sites lay whole pages out in tables; trafilatura then keeps the layout table
# (menus, visitor counters and article in one row) as if it were a data table. A table holding a
# heading, a nested table or a paragraph-sized block is layout, not data.
_LAYOUT_TABLE_MARKERS = (
    "(.//h1 | .//h2 | .//table"
    " | .//p[string-length(normalize-space(.)) > 400]"
    " | .//div[string-length(normalize-space(.)) > 400])[1]"
)
_ROWS = "./tr | ./*/tr"
_TABLE_PARTS = (
    "./thead | ./tbody | ./tfoot | ./caption | ./tr | ./*/tr"
    " | ./tr/td | ./tr/th | ./*/tr/td | ./*/tr/th"
)


def unwrap_layout_tables(tree: HtmlElement) -> None:
    """Turn layout tables (and their rows and cells, not nested tables') into plain divs."""
    for table in tree.xpath("//table"):
        if table.xpath(_LAYOUT_TABLE_MARKERS) or not _has_grid(table):
            for part in table.xpath(_TABLE_PARTS):
                part.tag = "div"
            table.tag = "div"


def _has_grid(table: HtmlElement) -> bool:
    """Whether the table has the two rows and two columns any data table has, or is one box.

    Joomla-era templates wrap every module and article part in one-row or one-column tables
    (title and print button, body, "Hits"); kept as tables they reach the text as "| … |" rows.
    A single-cell table is a box (pull quote, caption) that trafilatura keeps only as a table.
    """
    rows = table.xpath(_ROWS)
    widths = [len(row.xpath("./td | ./th")) for row in rows]
    return (len(rows) >= 2 and max(widths) >= 2) or (len(rows) <= 1 and sum(widths) <= 1)


# --- structured signals and listing pages -------------------------------------------------------

_LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"})
# A listing links to at least a page of teasers; article pages with a "latest news" sidebar also
# link to many, which is why link counts alone never decide.
_MANY_ARTICLE_LINKS = 10
_TEASER_DEPTH = 5
_MIN_TEASER_LINES = 3
_TEASER_LINE_SHARE = 0.4
_EXCERPT_END = re.compile(r"(?:\[\s*(?:…|\.\.\.)\s*\]|…|\.\.\.|baca selengkapnya\W*|"
                          r"read more\W*|selengkapnya\W*)$", re.IGNORECASE)


def structured_article_signal(tree: HtmlElement) -> str | None:
    """The markup that says "this is an article": 'jsonld:<Type>', 'og:article' or
    'meta:article:published_time'; None when there is none."""
    for obj in iter_jsonld_objects(tree):
        types = jsonld_types(obj) & ARTICLE_TYPES
        if types:
            return f"jsonld:{sorted(types)[0]}"
    if _meta(tree, "og:type").lower() == "article":
        return "og:article"
    if _meta(tree, "article:published_time"):
        return "meta:article:published_time"
    return None


@dataclass(frozen=True, slots=True)
class _Link:
    element: HtmlElement
    target: str
    anchor: str
    """Normalised anchor text."""


def listing_evidence(
    tree: HtmlElement,
    url: str,
    text: str,
    *,
    article_url_pattern: re.Pattern[str] | None = None,
    structured_signal: str | None = None,
    min_text_chars: int = 600,
) -> str | None:
    """Why this page is a listing rather than one article, or None.

    The text-shape tests apply to every page, because some themes stamp og:type=article on
    category pages too; the page's own "I am a collection" declaration only counts when nothing
    says it is an article.
    """
    links = _article_links(tree, url, article_url_pattern)
    lines = [line for line in text.split("\n\n") if line]
    anchors = {link.anchor for link in links if len(link.anchor) >= 15}
    headlines = [_norm(line.lstrip("-•* ")) in anchors for line in lines]
    if _most(sum(headlines), lines):
        return "headline-text"
    excerpts = [_EXCERPT_END.search(line) is not None for line in lines]
    if _most(sum(excerpts), lines):
        return "excerpt-text"
    # The last page of a category may hold two teasers: headline and excerpt lines together.
    teasers = [headline or excerpt for headline, excerpt in zip(headlines, excerpts, strict=True)]
    if any(headlines) and any(excerpts) and _most(sum(teasers), lines):
        return "teaser-text"
    if _most(_teaser_lines(tree, lines, links), lines):
        return "teaser-blocks"
    if structured_signal is None and (declared := _declared_listing(tree)):
        targets = {link.target for link in links}
        if len(targets) >= _MANY_ARTICLE_LINKS and len(text) < 2 * min_text_chars:
            return declared
    return None


def _most(count: int, lines: list[str]) -> bool:
    return count >= _MIN_TEASER_LINES and count >= _TEASER_LINE_SHARE * len(lines)


def _declared_listing(tree: HtmlElement) -> str | None:
    for obj in iter_jsonld_objects(tree):
        if types := jsonld_types(obj) & _LISTING_TYPES:
            return f"jsonld:{sorted(types)[0]}"
    if _meta(tree, "og:type").lower() == "website":
        return "og:website"
    return None


def _teaser_lines(tree: HtmlElement, lines: list[str], links: list[_Link]) -> int:
    """How many paragraphs sit in a teaser: a small block holding exactly one headline link.

    A listing's excerpts each sit a few levels below their own headline (h1–h4) link; an article's
    paragraphs share one body that holds no such link, or several (related posts).
    """
    headline_links = _headline_links(links)
    if not headline_links:
        return 0
    teaser_targets: list[str] = []
    for owner in _text_owners(tree, lines):
        for block in [owner, *owner.iterancestors()][:_TEASER_DEPTH]:
            inside = {link.target for link in headline_links if id(block) in link.ancestor_ids}
            if inside:
                if len(inside) == 1:
                    teaser_targets.append(inside.pop())
                break
    # Paragraphs of one article that happen to sit under one headline link are not teasers.
    return len(teaser_targets) if len(set(teaser_targets)) >= _MIN_TEASER_LINES else 0


@dataclass(frozen=True, slots=True)
class _HeadlineLink:
    target: str
    ancestors: tuple[HtmlElement, ...]
    """Held so that lxml keeps handing out the same proxy objects, making `ancestor_ids` valid."""
    ancestor_ids: frozenset[int]


def _headline_links(links: list[_Link]) -> list[_HeadlineLink]:
    """The links that are a headline: inside an h1–h4."""
    found: list[_HeadlineLink] = []
    for link in links:
        ancestors = tuple(link.element.iterancestors())
        if any(a.tag in ("h1", "h2", "h3", "h4") for a in ancestors):
            found.append(_HeadlineLink(link.target, ancestors, frozenset(map(id, ancestors))))
    return found


def _text_owners(tree: HtmlElement, lines: list[str]) -> list[HtmlElement]:
    """The elements whose own text starts each paragraph (first 40 characters), where found."""
    nodes: list[tuple[str, HtmlElement]] = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        if element.text and element.text.strip():
            nodes.append((_one_line(element.text), element))
        parent = element.getparent()
        if element.tail and element.tail.strip() and parent is not None:
            nodes.append((_one_line(element.tail), parent))
    owners: list[HtmlElement] = []
    for line in lines:
        probe = line.lstrip("-•* ")[:40]
        if len(probe) < 20:
            continue
        owner = next((element for text, element in nodes if probe in text), None)
        if owner is not None:
            owners.append(owner)
    return owners


def _article_links(
    tree: HtmlElement, url: str, article_url_pattern: re.Pattern[str] | None
) -> list[_Link]:
    """Links to other in-site pages that look like articles."""
    here = urlsplit(url)
    host = _bare_host(here.netloc)
    own_path = here.path.rstrip("/")
    links: list[_Link] = []
    for element in tree.iter("a"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "whatsapp:")):
            continue
        target_url = urljoin(url, href)
        target = urlsplit(target_url)
        if _bare_host(target.netloc) != host or target.path.rstrip("/") == own_path:
            continue
        if article_url_pattern is not None:
            if not article_url_pattern.search(target_url):
                continue
        elif not _looks_like_article_path(target.path) or non_article_url_rule(target_url):
            continue
        links.append(_Link(element, target_url.split("#", 1)[0], _norm(element.text_content())))
    return links


_SLUG_WORD = re.compile(r"[a-z0-9]+", re.IGNORECASE)
_DATED_PATH = re.compile(r"/(?:19|20)\d\d/\d{1,2}/")
_NUMERIC_ID = re.compile(r"(?:^|/|-)\d{5,}(?:$|/|-|\.)")


def _looks_like_article_path(path: str) -> bool:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    slug = re.sub(r"\.(?:html?|php|aspx?)$", "", last)
    words = _SLUG_WORD.findall(slug)
    return (
        (len(words) >= 3 and "-" in slug)
        or _DATED_PATH.search(path) is not None
        or (_NUMERIC_ID.search(path) is not None and len(words) >= 1)
    )


# --- URLs ---------------------------------------------------------------------------------------

_NON_ARTICLE_SEGMENTS: dict[str, str] = {
    **dict.fromkeys(("category", "kategori", "categories"), "category"),
    **dict.fromkeys(("tag", "tags", "topik", "topic", "label"), "tag"),
    **dict.fromkeys(("author", "penulis"), "author"),
    **dict.fromkeys(("search", "cari", "pencarian"), "search"),
    **dict.fromkeys(("feed", "rss"), "feed"),
    **dict.fromkeys(
        (
            "about", "about-us", "contact", "contact-us", "kontak", "kontak-kami", "hubungi-kami",
            "tentang-kami", "redaksi", "susunan-redaksi", "pedoman-media-siber",
            "pedoman-pemberitaan-media-siber", "pedoman-siber", "privacy", "privacy-policy",
            "kebijakan-privasi", "disclaimer", "syarat-dan-ketentuan", "terms", "terms-of-service",
            "karir", "iklan", "info-iklan",
        ),
        "static-page",
    ),
    **dict.fromkeys(
        ("wp-login.php", "wp-login", "wp-admin", "wp-json", "xmlrpc.php", "login", "register"),
        "login",
    ),
    **dict.fromkeys(("attachment", "wp-content"), "attachment"),
}
_NON_ARTICLE_QUERY: dict[str, str] = {
    "s": "search",
    "paged": "pagination",
    "attachment_id": "attachment",
    "cat": "category",
    "tag": "tag",
    "author": "author",
    "feed": "feed",
}
_FILE_EXTENSIONS = frozenset(
    {
        *("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "csv", "txt"),
        *("jpg", "jpeg", "png", "gif", "webp", "svg", "bmp", "ico", "tif", "tiff", "avif", "heic"),
        *("mp3", "mp4", "m4a", "wav", "ogg", "webm", "avi", "mov", "wmv", "flv"),
        *("zip", "rar", "7z", "gz", "tgz", "apk", "exe"),
        *("xml", "json", "rss", "atom", "css", "js"),
    }
)
_ROOT_PATHS = frozenset({"", "/", "/index.php", "/index.html", "/index.htm", "/home", "/beranda"})


def non_article_url_rule(url: str) -> str | None:
    """The kind of page this URL always is when that is never an article ('category', 'tag',
    'author', 'pagination', 'search', 'feed', 'static-page', 'login', 'attachment', 'file')."""
    parts = urlsplit(url)
    segments = [s.lower() for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments):
        if segment == "page" and i + 1 < len(segments) and segments[i + 1].isdigit():
            return "pagination"
        if segment in _NON_ARTICLE_SEGMENTS:
            return _NON_ARTICLE_SEGMENTS[segment]
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _NON_ARTICLE_QUERY:
            return _NON_ARTICLE_QUERY[key.lower()]
    if segments and "." in segments[-1]:
        extension = segments[-1].rsplit(".", 1)[-1]
        if extension in _FILE_EXTENSIONS:
            return "file"
    return None


def _is_home_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.path.lower() not in _ROOT_PATHS:
        return False
    # "/?p=123" is a WordPress post; only tracking parameters leave a root URL the home page.
    return all(key.lower().startswith("utm_") for key, _ in parse_qsl(parts.query))


def declared_canonical_url(tree: HtmlElement, url: str) -> str | None:
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and (href := (link.get("href") or "").strip()):
            return urljoin(url, href)
    og_url = _meta(tree, "og:url")
    return urljoin(url, og_url) if og_url else None


# --- title, author, language --------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"\s+[-|–—:»·•]+\s+")
_SEPARATOR_BEFORE = re.compile(r"\s[-|–—:»·•]+\s$")
_SEPARATOR_AFTER = re.compile(r"^\s[-|–—:»·•]+\s")
_TRUNCATED = ("...", "…")
# Where a CMS puts the article's own heading: <h1>/<h2>, and the title markup of WordPress
# (.entry-title), Joomla (.contentheading, itemprop=headline) and other themes.
_HEADINGS_XPATH = " | ".join(
    [
        "//h1",
        "//h2",
        # A <meta itemprop="headline"> is often the SEO title again, site name and all.
        "//*[@itemprop='headline'][not(self::meta)]",
        *(
            f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
            for name in ("contentheading", "entry-title", "post-title", "article-title")
        ),
    ]
)


def pick_title(
    tree: HtmlElement, extracted: _Extracted | None, url: str | None = None
) -> str | None:
    """The article's own title, without the " - Site Name" suffixes of <title> and og:title.

    The JSON-LD headline and the page's own heading are what the author typed; <title>/og:title
    often carry the SEO title with the site name appended. The heading is known by the title
    spelling it out between separators ("<heading> - BKKBN Sumsel"), which also tells it from
    the sidebar's headings and from a title that mentions the site name inside the headline.
    """
    site_names = _site_names(tree, extracted)
    host = _bare_host(urlsplit(url).netloc) if url else ""
    for obj in iter_jsonld_objects(tree):
        headline = obj.get("headline")
        if jsonld_types(obj) & ARTICLE_TYPES and isinstance(headline, str) and headline.strip():
            return _strip_site_name(unescape(headline), site_names, host)
    meta_titles = [t for t in (_meta(tree, "og:title"), _meta(tree, "twitter:title"),
                               _title_element(tree)) if t]
    headings = [h for h in _headings(tree) if _squash(h) not in site_names]
    spelled_out = [h for h in headings if any(_title_spells(t, h) for t in meta_titles)]
    heading = max(spelled_out, key=len, default=None)
    h1s = [t for t in (_one_line(h.text_content()) for h in tree.iter("h1")) if t]
    h1s = [t for t in h1s if _squash(t) not in site_names]
    # A lone <h1> still beats a section heading that a generic title happens to spell out
    # ("Berita | BKKBN Sumsel"); the article's heading is most of its title.
    if heading and (len(h1s) != 1 or any(
        2 * len(heading) >= len(t) and _title_spells(t, heading) for t in meta_titles
    )):
        return heading
    if len(h1s) == 1:
        return h1s[0]
    for h1 in h1s:
        if any(_norm(h1) in _norm(title) for title in meta_titles):
            return h1
    for title in meta_titles:
        if stripped := _strip_site_name(title, site_names, host):
            return stripped
    if extracted and extracted.title:
        return _strip_site_name(extracted.title, site_names, host)
    return h1s[0] if h1s else None


def _headings(tree: HtmlElement) -> list[str]:
    """Texts of the elements that may hold the article's heading, in page order, once each."""
    found: dict[str, None] = {}
    for element in tree.xpath(_HEADINGS_XPATH):
        if text := _one_line(element.text_content()):
            found.setdefault(text, None)
    return list(found)


def _title_spells(title: str, heading: str) -> bool:
    """Whether `title` is `heading`, alone or between separators ("Site :: <heading> | Berita"),
    or cut short with an ellipsis ("<start of heading>... - Site")."""
    title, heading = _norm(title), _norm(heading)
    start = title.find(heading)
    while start >= 0:
        before, after = title[:start], title[start + len(heading) :]
        if (not before or _SEPARATOR_BEFORE.search(before)) and (
            not after or _SEPARATOR_AFTER.match(after)
        ):
            return True
        start = title.find(heading, start + 1)
    parts = [title, *(title[: m.start()] for m in _TITLE_SEPARATORS.finditer(title))]
    for part in parts:
        if part.endswith(_TRUNCATED):
            stem = part.rstrip(" .…")
            if len(stem) >= _MIN_TRUNCATED_TITLE and heading.startswith(stem):
                return True
    return False


_MIN_TRUNCATED_TITLE = 20


def _site_names(tree: HtmlElement, extracted: _Extracted | None) -> set[str]:
    names = {_meta(tree, "og:site_name"), _meta(tree, "application-name")}
    # Without a declared name trafilatura takes whichever part of <title> holds a dot, which is
    # as often the headline ("… Layani 12.460 Akseptor - BKKBN Sumsel") as the site.
    if extracted and extracted.sitename and _norm(extracted.sitename) not in _norm(
        _title_element(tree)
    ):
        names.add(extracted.sitename)
    for obj in iter_jsonld_objects(tree):
        if jsonld_types(obj) & {"WebSite", "Organization", "NewsMediaOrganization"}:
            name = obj.get("name")
            if isinstance(name, str):
                names.add(name)
    return {_squash(name) for name in names if name}


def _strip_site_name(title: str, site_names: set[str], host: str = "") -> str:
    """Drop a leading or trailing site name ("Judul - Sumeks", "Sumeks | Judul")."""
    title = _one_line(title)
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    last, first = separators[-1], separators[0]
    if _is_site_name(title[last.end() :], site_names, host):
        return title[: last.start()].strip()
    if _is_site_name(title[: first.start()], site_names, host):
        return title[first.end() :].strip()
    return title


def _is_site_name(text: str, site_names: set[str], host: str = "") -> bool:
    return _squash(text) in site_names or _looks_like_host(text) or _named_after_host(text, host)


def _looks_like_host(text: str) -> bool:
    return re.fullmatch(r"[\w-]+(?:\.[\w-]+)*\.(?:com|co\.id|id|net|org|go\.id|news)", text.strip(),
                        re.IGNORECASE) is not None


_MAX_SITE_NAME_WORDS = 4


def _named_after_host(text: str, host: str) -> bool:
    """Whether every word of a short title part is in the host name: "BKKBN Sumsel" on
    sumsel.bkkbn.go.id, "Tribun Sumsel" on sumsel.tribunnews.com."""
    words = re.findall(r"[^\W_]+", text.casefold())
    if not host or not words or len(words) > _MAX_SITE_NAME_WORDS or sum(map(len, words)) < 4:
        return False
    return all(len(word) >= 2 and word in host for word in words)


def _title_element(tree: HtmlElement) -> str:
    title = tree.find(".//title")
    return _one_line(title.text_content()) if title is not None else ""


_BYLINE_PREFIX = re.compile(r"^(?:oleh|by|penulis|reporter|editor)\s*[:\-–]?\s*", re.IGNORECASE)


def _clean_author(author: str | None) -> str | None:
    if not author:
        return None
    author = _BYLINE_PREFIX.sub("", _one_line(author))
    if not author or "://" in author or len(author) > 120:
        return None
    return author


_LANG_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")
_INDONESIAN_WORDS = frozenset(
    {
        *("yang", "dan", "di", "dengan", "untuk", "dari", "ini", "itu", "dalam", "pada", "tidak"),
        *("akan", "juga", "adalah", "oleh", "ke", "kepada", "bahwa", "telah", "sebagai"),
    }
)
_ENGLISH_WORDS = frozenset(
    {
        *("the", "and", "of", "to", "in", "is", "that", "for", "with", "on", "was", "as", "by"),
        *("are", "this", "from", "it", "be", "have", "at"),
    }
)


def page_language(tree: HtmlElement, text: str) -> str | None:
    """ISO 639-1 code: the page's declaration (html lang, og:locale, Content-Language), else a
    common-word vote between Indonesian and English on the text."""
    root = tree.getroottree().getroot()
    declared = [
        root.get("lang") or "",
        root.get("xml:lang") or "",
        _meta(tree, "og:locale"),
        _meta(tree, "content-language"),
        _meta(tree, "language"),
    ]
    for value in declared:
        match = _LANG_CODE.match(value.strip())
        if match:
            return match.group(1).lower()
    return _vote_language(text)


def _vote_language(text: str) -> str | None:
    words = re.findall(r"[a-z]+", text.lower())[:2000]
    indonesian = sum(word in _INDONESIAN_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    if max(indonesian, english) < 10:
        return None
    if indonesian >= 2 * english:
        return "id"
    if english >= 2 * indonesian:
        return "en"
    return None


# --- small helpers ------------------------------------------------------------------------------


def _meta(tree: HtmlElement, key: str) -> str:
    """Content of the first <meta> whose property, name or http-equiv is `key`, any case."""
    key = key.lower()
    for meta in tree.iter("meta"):
        names = (meta.get("property"), meta.get("name"), meta.get("http-equiv"))
        if any(name and name.strip().lower() == key for name in names):
            return (meta.get("content") or "").strip()
    return ""


def _bare_host(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1].split(":", 1)[0]
    return host.removeprefix("www.")


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _norm(text: str) -> str:
    return _one_line(text).casefold()


def _squash(text: str) -> str:
    """Site names compare without case, spaces or punctuation ("TheHill" is "The Hill")."""
    return re.sub(r"\W+", "", text.casefold())


@lru_cache(maxsize=64)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
