"""URLs that never hold an article, and the site's own article URL pattern."""

from __future__ import annotations

import pytest

from archive.extraction import extract
from archive.extraction.urls import non_article_url_rule
from tests.extraction.pages import CASES, fixture


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("https://x.example/category/kesehatan/", "category"),
        ("https://x.example/kategori/daerah/", "category"),
        ("https://x.example/tag/stunting/", "tag"),
        ("https://x.example/author/redaksi/", "author"),
        ("https://x.example/berita/page/2/", "pagination"),
        ("https://x.example/?paged=3", "pagination"),
        ("https://x.example/search/stunting", "search"),
        ("https://x.example/?s=stunting", "search"),
        ("https://x.example/feed/", "feed"),
        ("https://x.example/comments/feed/", "feed"),
        ("https://x.example/about/", "static-page"),
        ("https://x.example/contact/", "static-page"),
        ("https://x.example/kontak/", "static-page"),
        ("https://x.example/tentang-kami/", "static-page"),
        ("https://x.example/redaksi/", "static-page"),
        ("https://x.example/pedoman-media-siber/", "static-page"),
        ("https://x.example/privacy-policy/", "static-page"),
        ("https://x.example/wp-login.php?redirect_to=x", "login"),
        ("https://x.example/2024/05/rakerda/attachment/foto-1/", "attachment"),
        ("https://x.example/?attachment_id=1235", "attachment"),
        ("https://x.example/wp-content/uploads/2024/05/laporan.pdf", "attachment"),
        ("https://x.example/files/laporan-stunting-2024.pdf", "file"),
        ("https://x.example/foto/rakerda.JPG", "file"),
    ],
)
def test_non_article_urls(url: str, rule: str) -> None:
    assert non_article_url_rule(url) == rule
    result = extract(fixture("okus_rakor_dateline.html"), url)
    assert (result.reject_reason, result.details) == ("non-article-url", {"rule": rule})


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example/2024/05/28/rembuk-stunting-banyuasin/",
        "https://x.example/?p=88012",
        "https://x.example/berita/tagihan-listrik-naik-lagi/",
        "https://x.example/read/2024/05/28/123456/kampung-kb-juara",
        "https://x.example/pagelaran-budaya-sambut-hari-keluarga/",
        "https://x.example/index.php?page=berita&id=1432",
    ],
)
def test_article_urls_pass_the_url_rules(url: str) -> None:
    assert non_article_url_rule(url) is None


def test_site_article_url_pattern() -> None:
    case = CASES[0]
    pattern = r"/\d{4}/\d{2}/\d{2}/[^/]+/$"
    assert extract(fixture(case.file), case.url, article_url_pattern=pattern).article is not None
    other = "https://ipkb-bengkulu.example/rakerda-bangga-kencana-2022/"
    result = extract(fixture(case.file), other, article_url_pattern=pattern)
    assert result.reject_reason == "url-pattern"
