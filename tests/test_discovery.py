"""spiders.discovery: pure URL, feed and sitemap logic (no Scrapy, no network)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from spiders import discovery
from spiders.registry import SiteEntry


def site(home: str = "https://news.test/", **kw: object) -> SiteEntry:
    return SiteEntry(name="t", home_url=home, province="Lampung", **kw)  # type: ignore[arg-type]


# --- start plan -----------------------------------------------------------------------------------


def test_start_plan_without_hints_uses_robots_wordpress_paths_feed_and_home() -> None:
    plan = discovery.start_plan(site("http://news.test:8080/"))
    assert [(t.kind, t.url) for t in plan] == [
        ("robots", "http://news.test:8080/robots.txt"),
        ("sitemap", "http://news.test:8080/wp-sitemap.xml"),
        ("sitemap", "http://news.test:8080/sitemap_index.xml"),
        ("sitemap", "http://news.test:8080/sitemap.xml"),
        ("sitemap", "http://news.test:8080/news-sitemap.xml"),
        ("feed", "http://news.test:8080/feed/"),
        ("modified-feed", "http://news.test:8080/feed/atom/?orderby=modified"),
        ("home", "http://news.test:8080/"),
    ]


def test_start_plan_with_hints_uses_only_the_hints() -> None:
    entry = site(
        sitemap_urls=("https://news.test/s.xml",),
        feed_urls=("https://news.test/rss",),
        listing_urls=("https://news.test/kategori/kb/",),
    )
    plan = discovery.start_plan(entry)
    assert [(t.kind, t.url) for t in plan] == [
        ("sitemap", "https://news.test/s.xml"),
        ("feed", "https://news.test/rss"),
        ("listing", "https://news.test/kategori/kb/"),
    ]


def test_start_plan_home_under_a_path_keeps_the_origin() -> None:
    plan = discovery.start_plan(site("https://news.test/portal/"))
    assert plan[0].url == "https://news.test/robots.txt"
    assert plan[-1].url == "https://news.test/portal/"


# --- pagination -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "n", "pattern", "expected"),
    [
        ("https://n.test/kategori/kb/", 1, "{url}page/{n}/", "https://n.test/kategori/kb/"),
        ("https://n.test/kategori/kb/", 2, "{url}page/{n}/", "https://n.test/kategori/kb/page/2/"),
        ("https://n.test/kategori/kb", 3, "{url}page/{n}/", "https://n.test/kategori/kb/page/3/"),
        ("https://n.test/", 2, "{url}page/{n}/", "https://n.test/page/2/"),
        ("https://n.test", 2, "{url}page/{n}/", "https://n.test/page/2/"),
        ("https://n.test/indeks", 2, "{url}?page={n}", "https://n.test/indeks?page=2"),
        ("https://n.test/indeks/", 4, "{url}/{n}", "https://n.test/indeks/4"),
        (
            "https://n.test/category/kb/?orderby=date",
            2,
            "{url}page/{n}/",
            "https://n.test/category/kb/page/2/?orderby=date",
        ),
        ("https://n.test/list?c=1", 2, "{url}?p={n}", "https://n.test/list?p=2&c=1"),
        ("http://n.test:8080/kb/", 2, "{url}page/{n}/", "http://n.test:8080/kb/page/2/"),
    ],
)
def test_listing_page_url(url: str, n: int, pattern: str, expected: str) -> None:
    assert discovery.listing_page_url(url, n, pattern) == expected


def test_pagination_urls_are_recognised() -> None:
    assert discovery.is_pagination("https://n.test/page/2/")
    assert discovery.is_pagination("https://n.test/category/kb/page/12")
    assert discovery.is_pagination("https://n.test/2024/05/28/x?page=2")
    assert not discovery.is_pagination("https://n.test/page-about-us/")


# --- canonicalisation -----------------------------------------------------------------------------


def test_canonicalize_drops_fragment_tracking_and_default_port() -> None:
    assert (
        discovery.canonicalize("HTTPS://News.Test:443/a?utm_source=x&id=3&fbclid=y#comments")
        == "https://news.test/a?id=3"
    )


def test_canonicalize_keeps_explicit_port_and_query_untouched() -> None:
    assert discovery.canonicalize("http://news.test:8080") == "http://news.test:8080/"
    assert discovery.canonicalize("https://n.test/?p=123&b=%20") == "https://n.test/?p=123&b=%20"


def test_canonicalize_strips_site_specific_params() -> None:
    url = "https://n.test/read/1/x?page=all&src=home"
    assert discovery.canonicalize(url, ("src",)) == "https://n.test/read/1/x?page=all"


# --- in-site filtering and the port rule ----------------------------------------------------------


def test_home_with_explicit_port_owns_only_that_port() -> None:
    entry = site("http://news.test:8080/")
    assert entry.is_in_site("http://news.test:8080/x")
    assert not entry.is_in_site("http://news.test:9090/x")
    assert not entry.is_in_site("http://news.test/x")
    assert not entry.is_in_site("https://news.test:8080/x")  # a port speaks one scheme


def test_explicit_port_rule_holds_for_allowed_domains_too() -> None:
    entry = site("http://127.0.0.1:8081/", allowed_domains=("127.0.0.1",))
    assert entry.is_in_site("http://127.0.0.1:8081/a")
    assert not entry.is_in_site("http://127.0.0.1:8082/a")


def test_default_port_site_accepts_http_https_and_subdomains() -> None:
    entry = site("https://www.news.test/", allowed_domains=("news.test", "cdn-news.test"))
    assert entry.is_in_site("http://news.test/a")
    assert entry.is_in_site("https://m.news.test/a")
    assert entry.is_in_site("https://img.cdn-news.test/a")
    assert not entry.is_in_site("https://news.test:8443/a")
    assert not entry.is_in_site("https://othernews.test/a")
    assert not entry.is_in_site("https://news.test.evil.test/a")
    assert not entry.is_in_site("ftp://news.test/a")
    assert not entry.is_in_site("http://news.test:bad/a")


def test_classify_link_without_article_pattern() -> None:
    entry = site("http://news.test:8080/")
    c = discovery.classify_link
    assert c("http://news.test:8080/2024/05/rakerda-bangga-kencana/", entry) == "candidate"
    assert c("http://news.test:9090/2024/05/x/", entry) == "skip"  # other port, other site
    assert c("http://other.test:8080/x/", entry) == "skip"
    assert c("http://news.test:8080/category/stunting/", entry) == "listing"
    assert c("http://news.test:8080/kategori/kb/", entry) == "listing"
    assert c("http://news.test:8080/tag/bkkbn/", entry) == "listing"
    assert c("http://news.test:8080/page/2/", entry) == "skip"
    assert c("http://news.test:8080/", entry) == "skip"
    assert c("http://news.test:8080/feed/", entry) == "skip"
    assert c("http://news.test:8080/wp-login.php", entry) == "skip"
    assert c("http://news.test:8080/?s=stunting", entry) == "skip"
    assert c("http://news.test:8080/author/andre/", entry) == "skip"
    assert c("http://news.test:8080/x/amp/", entry) == "skip"
    assert c("mailto:redaksi@news.test", entry) == "skip"


def test_classify_link_with_article_pattern_follows_other_links() -> None:
    entry = site(
        "https://sumsel.antaranews.com/",
        article_url_pattern=re.compile(r"^https://sumsel\.antaranews\.com/berita/\d+/"),
    )
    c = discovery.classify_link
    assert c("https://sumsel.antaranews.com/berita/745053/bkkbn-sumsel", entry) == "candidate"
    assert c("https://sumsel.antaranews.com/daerah/banyuasin", entry) == "follow"
    assert c("https://sumsel.antaranews.com/amp/berita/745053/x", entry) == "skip"


def test_ignore_url_patterns_apply_everywhere() -> None:
    entry = site(ignore_url_patterns=(re.compile(r"/video/"),))
    assert discovery.classify_link("https://news.test/video/1/x", entry) == "skip"
    assert not discovery.accept_sitemap_location("https://news.test/video/1/x", entry)
    assert not discovery.accept_child_sitemap("https://news.test/video/sitemap.xml", entry)


@pytest.mark.parametrize(
    "url",
    [
        "https://n.test/wp-content/uploads/2024/05/foto.JPG",
        "https://n.test/files/laporan.pdf",
        "https://n.test/a/b.docx",
        "https://n.test/x.mp4?autoplay=1",
    ],
)
def test_binary_links_are_skipped_but_not_from_sitemaps(url: str) -> None:
    entry = site("https://n.test/")
    assert discovery.has_binary_extension(url)
    assert discovery.classify_link(url, entry) == "skip"
    if "/wp-content/" not in url:
        assert discovery.accept_sitemap_location(url, entry)
    assert not discovery.accept_feed_link(url, entry)


def test_pages_with_dots_are_not_binary() -> None:
    assert not discovery.has_binary_extension("https://n.test/berita/2024/05/28/v1.2-rilis")
    assert not discovery.has_binary_extension("https://n.test/read/index.html")
    assert not discovery.has_binary_extension("https://n.test/read/index.php?id=3")


def test_sitemap_locations_respect_article_pattern_and_site() -> None:
    entry = site(article_url_pattern=re.compile(r"/berita/\d+/"))
    assert discovery.accept_sitemap_location("https://news.test/berita/1/x", entry)
    assert not discovery.accept_sitemap_location("https://news.test/tentang-kami/", entry)
    assert not discovery.accept_sitemap_location("https://elsewhere.test/berita/1/x", entry)


def test_taxonomy_sitemaps_are_skipped() -> None:
    entry = site()
    for name in (
        "category-sitemap.xml",
        "post_tag-sitemap.xml",
        "author-sitemap.xml",
        "wp-sitemap-taxonomies-category-1.xml",
        "wp-sitemap-users-1.xml",
    ):
        assert not discovery.accept_child_sitemap(f"https://news.test/{name}", entry), name
    for name in (
        "post-sitemap.xml",
        "post-sitemap2.xml.gz",
        "wp-sitemap-posts-post-1.xml",
        "news-sitemap.xml",
        "sitemap-news.xml",
    ):
        assert discovery.accept_child_sitemap(f"https://news.test/{name}", entry), name


def test_feed_helpers() -> None:
    entry = site("http://news.test:8080/")
    assert discovery.is_feed_type("application/rss+xml; charset=UTF-8")
    assert discovery.is_feed_type("application/atom+xml")
    assert not discovery.is_feed_type("text/html")
    assert discovery.accept_feed_url("http://news.test:8080/feed/", entry)
    assert not discovery.accept_feed_url("http://news.test:8080/comments/feed/", entry)
    assert not discovery.accept_feed_url("http://news.test:8080/x/feed/", entry, title="Komentar")
    assert not discovery.accept_feed_url("http://news.test:9090/feed/", entry)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Older posts", True),
        ("  Berikutnya » ", True),
        ("Selanjutnya", True),
        ("»", True),
        ("Baca selanjutnya: stunting turun", False),
        (None, False),
    ],
)
def test_next_link_text(text: str | None, expected: bool) -> None:
    assert discovery.is_next_link_text(text) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/html; charset=UTF-8", "utf-8"),
        ('text/html;charset="windows-1252"', "windows-1252"),
        ("text/html", None),
        (None, None),
        ("text/html; charset=", None),
    ],
)
def test_charset_from_content_type(value: str | None, expected: str | None) -> None:
    assert discovery.charset_from_content_type(value) == expected


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-28T10:30:00+07:00", datetime(2024, 5, 28, 3, 30, tzinfo=UTC)),
        ("2024-05-28T03:30:00Z", datetime(2024, 5, 28, 3, 30, tzinfo=UTC)),
        ("2024-05-28T10:30+07:00", datetime(2024, 5, 28, 3, 30, tzinfo=UTC)),
        ("2024-05-28T10:30:00.123+07:00", datetime(2024, 5, 28, 3, 30, 0, 123000, tzinfo=UTC)),
        ("2024-05-28", datetime(2024, 5, 28, tzinfo=UTC)),
        ("2024-05", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-28 10:30:00", datetime(2024, 5, 28, 10, 30, tzinfo=UTC)),
        ("Tue, 28 May 2024 10:30:00 +0700", datetime(2024, 5, 28, 3, 30, tzinfo=UTC)),
        ("kemarin", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_w3c_datetime(text: str | None, expected: datetime | None) -> None:
    parsed = discovery.parse_w3c_datetime(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


# --- feeds ----------------------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Karya Nasional</title>
  <link>https://karyanasional.test/</link>
  <item>
    <title>BKKBN Lampung Gelar Rakerda</title>
    <link>https://karyanasional.test/2021/02/23/bkkbn-lampung-gelar-rakerda/</link>
    <pubDate>Tue, 23 Feb 2021 14:05:00 +0700</pubDate>
  </item>
  <item>
    <title>Relative link</title>
    <link>/2021/02/24/relatif/</link>
  </item>
  <item><title>No link at all</title></item>
</channel>
</rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>BKKBN Bengkulu</title>
  <id>urn:x</id>
  <updated>2022-04-06T08:00:00Z</updated>
  <entry>
    <title>Pemprov Bengkulu Gelar Rakerda Bangga Kencana 2022</title>
    <link rel="alternate" href="https://bengkulu.test/pemprov-bengkulu-gelar-rakerda/"/>
    <id>urn:1</id>
    <published>2022-04-05T09:00:00+07:00</published>
    <updated>2022-04-06T08:00:00Z</updated>
  </entry>
  <entry>
    <title>Only updated</title>
    <link href="https://bengkulu.test/only-updated/"/>
    <id>urn:2</id>
    <updated>2022-04-07T01:02:03Z</updated>
  </entry>
</feed>"""


def test_parse_rss_feed() -> None:
    parsed = discovery.parse_feed(RSS, "https://karyanasional.test/feed/")
    assert parsed.is_feed
    assert parsed.entries == (
        discovery.FeedEntry(
            "https://karyanasional.test/2021/02/23/bkkbn-lampung-gelar-rakerda/",
            datetime(2021, 2, 23, 7, 5, tzinfo=UTC),
        ),
        discovery.FeedEntry("https://karyanasional.test/2021/02/24/relatif/", None),
    )


def test_parse_atom_feed() -> None:
    parsed = discovery.parse_feed(ATOM, "https://bengkulu.test/feed/atom/")
    assert parsed.is_feed
    assert [(e.url, e.published) for e in parsed.entries] == [
        (
            "https://bengkulu.test/pemprov-bengkulu-gelar-rakerda/",
            datetime(2022, 4, 5, 2, 0, tzinfo=UTC),
        ),
        ("https://bengkulu.test/only-updated/", datetime(2022, 4, 7, 1, 2, 3, tzinfo=UTC)),
    ]


def test_html_is_not_a_feed() -> None:
    parsed = discovery.parse_feed(b"<html><body><p>Not found</p></body></html>", "https://n/feed/")
    assert not parsed.is_feed
    assert parsed.entries == ()


# --- sitemaps -------------------------------------------------------------------------------------

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://n.test/post-sitemap.xml</loc><lastmod>2024-05-28T10:00:00+07:00</lastmod></sitemap>
  <sitemap><loc> https://n.test/post-sitemap2.xml.gz </loc></sitemap>
  <sitemap><lastmod>2024-05-28</lastmod></sitemap>
</sitemapindex>"""

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://n.test/2024/05/28/rembuk-stunting-banyuasin/</loc>
    <image:image><image:loc>https://n.test/wp-content/uploads/foto.jpg</image:loc></image:image>
    <news:news>
      <news:publication><news:name>Sumexss</news:name><news:language>id</news:language></news:publication>
      <news:publication_date>2024-05-28T14:15:00+07:00</news:publication_date>
      <news:title>Rembuk Stunting</news:title>
    </news:news>
  </url>
  <url>
    <loc>https://n.test/2024/05/27/plain/</loc>
    <lastmod>2024-05-27</lastmod>
  </url>
</urlset>"""


def test_parse_sitemap_index() -> None:
    parsed = discovery.parse_sitemap(INDEX)
    assert parsed.kind == "sitemapindex"
    assert [e.loc for e in parsed.entries] == [
        "https://n.test/post-sitemap.xml",
        "https://n.test/post-sitemap2.xml.gz",
    ]
    assert parsed.entries[0].lastmod == datetime(2024, 5, 28, 3, tzinfo=UTC)


def test_parse_news_sitemap_reads_publication_date_and_lastmod() -> None:
    parsed = discovery.parse_sitemap(NEWS)
    assert parsed.kind == "urlset"
    news, plain = parsed.entries
    assert news == discovery.SitemapEntry(
        "https://n.test/2024/05/28/rembuk-stunting-banyuasin/",
        lastmod=None,
        news_published=datetime(2024, 5, 28, 7, 15, tzinfo=UTC),
        is_news=True,
    )
    assert plain == discovery.SitemapEntry(
        "https://n.test/2024/05/27/plain/", lastmod=datetime(2024, 5, 27, tzinfo=UTC)
    )


def test_parse_sitemap_without_namespace_and_relative_loc() -> None:
    body = b"<urlset><url><loc>/a/</loc></url></urlset>"
    parsed = discovery.parse_sitemap(body, "http://news.test:8080/sitemap.xml")
    assert [e.loc for e in parsed.entries] == ["http://news.test:8080/a/"]


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>",
        b"",
        b"not xml at all",
        b"<rss version='2.0'><channel></channel></rss>",
    ],
)
def test_non_sitemaps_have_no_kind(body: bytes) -> None:
    assert discovery.parse_sitemap(body) == discovery.ParsedSitemap(None, ())


def test_truncated_sitemap_keeps_what_it_read() -> None:
    body = NEWS[: NEWS.index(b"<loc>https://n.test/2024/05/27")]
    parsed = discovery.parse_sitemap(body)
    assert parsed.kind == "urlset"
    assert [e.loc for e in parsed.entries] == [
        "https://n.test/2024/05/28/rembuk-stunting-banyuasin/"
    ]


def test_sitemap_entities_are_not_resolved() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>https://n.test/&x;</loc></url></urlset>"
    )
    parsed = discovery.parse_sitemap(body)
    assert all("root:" not in e.loc for e in parsed.entries)


def test_a_feed_with_entity_declarations_is_read_without_expanding_them() -> None:
    laughs = '<!ENTITY a0 "xxxxxxxxxx">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 9)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{laughs}<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>&a8;&x;</title>'
        "<item><title>t</title><link>https://x.example/berita/1</link></item>"
        "</channel></rss>"
    ).encode()
    parsed = discovery.parse_feed(body, "https://x.example/feed/")
    assert [e.url for e in parsed.entries] == ["https://x.example/berita/1"]
