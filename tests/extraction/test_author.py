"""warta's author search reads what trafilatura's `extract_author` reads, without its deep copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import HtmlElement, fromstring
from trafilatura.metadata import extract_author
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from archive.extraction.author import find_author
from archive.extraction.decode import read_page

PAGES = sorted((Path(__file__).parent.parent / "fixtures" / "pages").glob("*.htm*"))

# Bylines whose discarded parts (dates, figures, share boxes, comments) sit between, before or
# after the name, with and without text around them: the kept tails join as trafilatura's
# delete_element joins them.
BYLINES = [
    '<div class="author">Oleh <time>12 Juni 2024</time>Rina Sari</div>',
    '<div class="author"><time>12 Juni</time>Rina <span class="date">Rabu</span>Sari</div>',
    '<p class="byline">Penulis: <span class="meta-date">x</span><span class="date">y</span>'
    " Budi</p>",
    '<span class="author-name"><figure>foto</figure>Siti Aminah<figure>x</figure> Editor</span>',
    '<div id="comments"><span class="author">Pembaca</span></div>'
    '<span class="author">Dewi Lestari</span>',
    '<div class="sidebar"><a rel="author">Admin</a></div><div class="byline">Ahmad</div>',
    '<div class="author">ab</div><div class="writer">Kontributor Palembang</div>',
]


def _article_page(markup: str) -> HtmlElement:
    return fromstring(f"<html><body><article><h1>Judul</h1>{markup}<p>Isi.</p></article>"
                      "</body></html>")


@pytest.mark.parametrize("byline", BYLINES)
def test_bylines_with_discarded_parts(byline: str) -> None:
    tree = _article_page(byline)
    assert find_author(tree) == extract_author(tree)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_fixture_pages(page: Path) -> None:
    tree = read_page(page.read_bytes(), None)
    assert find_author(tree) == extract_author(tree)


# The XPaths archive/extraction/author.py spells out as Python conditions. A trafilatura release
# that changes one fails here: translate the change there, then update this copy.
TRANSLATED = [
    "//*[self::a or self::address or self::div or self::link or self::p or self::span or"
    " self::strong][ @rel='author' or @id='author' or @class='author' or @itemprop='author name'"
    " or rel='me' or @data-testid='AuthorCard' or @data-testid='AuthorURL' or re:test(@class,"
    " 'author-?name|AuthorName|authorName')]|//author",
    "//*[self::a or self::div or self::h3 or self::h4 or self::p or self::span][ @class='byline'"
    " or @class='username' or @class='byl' or @class='BBL' or contains(@itemprop, 'author') or"
    " re:test(@id, 'author|zuozhe|bianji|xiaobian') or re:test(@class, 'author|channel-name|"
    "zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name')]",
    "//*[ contains(@data-component, 'Byline') or contains(@itemprop, 'author') or re:test(@id,"
    " '[Aa]uthor') or re:test(@class, '[Aa]uthor|screenname|writer|[Bb]yline')]",
    ".//*[self::a or self::div or self::section or self::span][ @id='comments' or"
    " @class='comments' or @class='title' or @class='date' or re:test(@id, '^comments|"
    "comment-?list|ProductReviews') or re:test(@class, '^[Cc]omments|commentlist|comments-list|"
    "sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)|print|category|"
    "meta-date|meta-reviewer') or contains(@data-component, 'Figure')]",
    "//time|//figure",
]


def test_the_translated_xpaths_are_trafilaturas() -> None:
    assert [" ".join(x.path.split()) for x in [*AUTHOR_XPATHS, *AUTHOR_DISCARD_XPATHS]] == [
        " ".join(x.split()) for x in TRANSLATED
    ]


# One page per condition of the translated XPaths, each where trafilatura finds the author by
# that condition alone (or discards the candidate by it).
CONDITIONS = [
    '<a rel="author">Rina Sari</a>',
    '<span id="author">Rina Sari</span>',
    '<address itemprop="author name">Rina Sari</address>',
    '<strong data-testid="AuthorURL">Rina Sari</strong>',
    '<p class="x-authorName">Rina Sari</p>',
    "<author>Rina Sari</author>",
    '<div><rel>me</rel>Rina Sari</div>',
    '<h3 class="username">Rina Sari</h3>',
    '<h4 itemprop="creator author">Rina Sari</h4>',
    '<span id="zuozhe-1">Rina Sari</span>',
    '<div class="posted-by">Rina Sari</div>',
    '<li data-component="TheByline">Rina Sari</li>',
    '<td id="Author">Rina Sari</td>',
    '<em class="screenname">Rina Sari</em>',
    '<section class="sidebar"><span class="author">Pembaca</span></section>'
    '<span class="author">Rina Sari</span>',
    '<div id="commentlist"><span class="author">Pembaca</span></div><b class="writer">Rina</b>',
    '<span data-component="Figure"><i class="author">Foto</i></span><i class="author">Rina</i>',
    '<div class="Comments-x"><p class="byline">Pembaca</p></div><p class="byline">Rina S</p>',
]


@pytest.mark.parametrize("markup", CONDITIONS)
def test_each_condition_as_trafilatura(markup: str) -> None:
    tree = _article_page(markup)
    assert find_author(tree) == extract_author(tree) is not None
