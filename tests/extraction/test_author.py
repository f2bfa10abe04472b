"""warta's author search reads what trafilatura's `extract_author` reads, without its deep copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import fromstring
from trafilatura.metadata import extract_author

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


@pytest.mark.parametrize("byline", BYLINES)
def test_bylines_with_discarded_parts(byline: str) -> None:
    tree = fromstring(f"<html><body><article><h1>Judul</h1>{byline}<p>Isi.</p></article>"
                      "</body></html>")
    assert find_author(tree) == extract_author(tree)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_fixture_pages(page: Path) -> None:
    tree = read_page(page.read_bytes(), None)
    assert find_author(tree) == extract_author(tree)
