"""Listing pages are rejected, whatever their markup claims."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from archive.extraction import Reject, extract, extract_body_text
from archive.extraction.listing import _plain_root_path
from tests.extraction.pages import JOOMLA_BASE, fixture

LISTING_URL = "https://sumexss.example/berita-daerah/"


def test_listing_page_is_rejected_although_it_has_text() -> None:
    body = fixture("listing_berita_daerah.html")
    # The excerpts alone are longer than an article's minimum.
    assert len(extract_body_text(body, LISTING_URL)) > 1000
    result = extract(body, LISTING_URL)
    assert result.reject_reason == Reject.LISTING_PAGE
    assert result.reject_reason == "listing-page"


def test_listing_page_posing_as_an_article_is_still_rejected() -> None:
    # Some themes stamp og:type=article everywhere, and not every excerpt ends with "[…]".
    html = fixture("listing_berita_daerah.html").decode()
    html = html.replace('content="website"', 'content="article"').replace(" […]", "")
    result = extract(html.encode(), LISTING_URL)
    assert result.reject_reason == "listing-page"
    assert result.details == {"why": "teaser-blocks"}


def test_index_page_declared_as_website_is_a_listing() -> None:
    links = "".join(
        f'<li><a href="https://sumexss.example/berita-nomor-{i}-tentang-stunting-di-daerah/">'
        f"Berita nomor {i} tentang stunting di daerah</a></li>"
        for i in range(12)
    )
    intro = "Indeks berita Sumatera Selatan tentang keluarga berencana dan stunting. " * 10
    body = (
        '<html><head><title>Indeks Berita</title><meta property="og:type" content="website">'
        f"</head><body><main><h1>Indeks Berita</h1><p>{intro}</p><ul>{links}</ul></main>"
        "</body></html>"
    ).encode()
    result = extract(body, "https://sumexss.example/indeks-berita/")
    assert result.reject_reason == "listing-page"


def test_listing_at_a_category_url_and_the_home_page() -> None:
    body = fixture("listing_berita_daerah.html")
    category = extract(body, "https://sumexss.example/category/berita-daerah/")
    assert (category.reject_reason, category.details) == ("non-article-url", {"rule": "category"})
    home = extract(body, "https://sumexss.example/")
    assert (home.reject_reason, home.details) == ("listing-page", {"why": "home-page"})


def test_joomla_listing_page_with_two_teasers_is_rejected() -> None:
    # The last page of the news category: two headline links, each with an excerpt ending "...".
    body = fixture("sumsel_joomla_listing_page2_cp1252.html")
    result = extract(body, JOOMLA_BASE + "?hal=2")
    assert (result.reject_reason, result.details) == ("listing-page", {"why": "teaser-text"})


@pytest.mark.parametrize(
    "href",
    ["/a", "/a/", "/a?", "/a#", "/a?#", "/a?b#c", "/a#b?c", "/a//b", "/a/./b", "/a/../b",
     "/.well-known/x", "/a;p", "/a b", "/a%20b", "/a?b=/../c", "/a#/../c", "/", "//x.com/a",
     "/berita/2024/06/12/judul.html", "/a\\b", "/é", "/a?x=1&y=2"],
)
def test_root_relative_links_join_as_urljoin_joins_them(href: str) -> None:
    base = "https://www.example.co.id/berita/2024/06/12/judul?x=1#c"
    if (path := _plain_root_path(href)) is not None:
        assert "https://www.example.co.id" + href == urljoin(base, href)
        assert path == urlsplit(urljoin(base, href)).path
