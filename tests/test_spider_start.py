"""NewsSpider: start() of every real site offline, the callbacks on hand-made responses, and one
real `scrapy crawl` against a tiny site served from 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.items import PageItem
from spiders.loader import RegistrySpiderLoader, build_spider_class
from spiders.news import NewsSpider
from spiders.registry import SiteEntry, load_registry

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "spiders" / "sites.toml"
REAL = load_registry(SITES)


def make_spider(entry: SiteEntry, cls: type[NewsSpider] | None = None, **settings: Any) -> Any:
    spidercls = cls or build_spider_class(entry)
    crawler = get_crawler(spidercls, {"WARTA_LINK_DEPTH": 2, "WARTA_LISTING_DEPTH": 3, **settings})
    return spidercls.from_crawler(crawler)


def start_requests(spider: NewsSpider) -> list[Request]:
    async def collect(gen: AsyncIterator[Any]) -> list[Any]:
        return [r async for r in gen]

    return asyncio.run(collect(spider.start()))


# --- start() of every real registry entry ---------------------------------------------------------


@pytest.mark.parametrize("entry", REAL, ids=[e.name for e in REAL])
def test_real_site_start_yields_well_formed_requests_to_its_own_site(entry: SiteEntry) -> None:
    loader = RegistrySpiderLoader.from_settings(Settings({"WARTA_SITES_FILE": str(SITES)}))
    spidercls = loader.load(entry.name)
    spider = make_spider(entry, spidercls)
    requests = start_requests(spider)
    assert requests
    urls = [r.url for r in requests]
    assert len(set(urls)) == len(urls)
    for request in requests:
        assert isinstance(request, Request)
        assert request.method == "GET"
        assert entry.is_in_site(request.url), request.url
        assert request.callback is not None and request.callback.__self__ is spider
        assert request.meta["warta_kind"] in {"robots", "sitemap", "feed", "rest-api", "listing"}
    if not entry.has_hints:
        assert urls[0] == entry.home_url.rstrip("/") + "/robots.txt"
        assert urls[-1] == entry.home_url
        assert requests[-1].cb_kwargs == {"root": entry.home_url, "page": 1, "home": True}
    assert spider.allowed_domains == list(entry.hosts)


def test_spider_without_registry_entry_is_refused() -> None:
    class Bare(NewsSpider):
        name = "bare"

    with pytest.raises(TypeError, match="no registry entry"):
        Bare()


# --- callbacks on hand-made responses -------------------------------------------------------------

HOME = "http://news.test:8080/"
ENTRY = SiteEntry(name="fixture", home_url=HOME, province="Sumatera Selatan")


def html(url: str, body: str, **kw: Any) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url), **kw)


def run(callback_result: Iterator[Any] | None) -> list[Any]:
    return list(callback_result or [])


def by_kind(results: list[Any], kind: str) -> list[Request]:
    return [r for r in results if isinstance(r, Request) and r.meta["warta_kind"] == kind]


def stat(spider: NewsSpider, key: str) -> Any:
    return spider.crawler.stats.get_value(key)


def test_robots_sitemap_lines_become_sitemap_requests() -> None:
    spider = make_spider(ENTRY)
    body = (
        b"User-agent: *\nDisallow: /wp-admin/\n"
        b"Sitemap: http://news.test:8080/sitemap_index.xml\n"
        b"Sitemap: /news-sitemap.xml\n"
        b"Sitemap: http://news.test:9090/sitemap.xml\n"
        b"sitemap: http://news.test:8080/category-sitemap.xml\n"
    )
    response = TextResponse(HOME + "robots.txt", body=body, request=Request(HOME + "robots.txt"))
    requests = run(spider.parse_robots(response))
    assert [r.url for r in requests] == [HOME + "sitemap_index.xml", HOME + "news-sitemap.xml"]
    assert all(r.callback == spider.parse_sitemap for r in requests)


SITEMAP_INDEX = b"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://news.test:8080/post-sitemap.xml.gz</loc></sitemap>
<sitemap><loc>http://news.test:8080/category-sitemap.xml</loc></sitemap>
<sitemap><loc>http://other.test/post-sitemap.xml</loc></sitemap>
</sitemapindex>"""

URLSET = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>http://news.test:8080/2024/05/28/rembuk-stunting/</loc><lastmod>2024-05-28</lastmod></url>
<url><loc>http://news.test:8080/laporan.pdf</loc></url>
<url><loc>http://news.test:9090/2024/05/28/port-lain/</loc></url>
<url><loc>http://news.test:8080/2024/05/29/news/</loc>
  <news:news><news:publication_date>2024-05-29T08:00:00+07:00</news:publication_date></news:news>
</url>
</urlset>"""


def test_sitemap_index_yields_child_sitemaps_but_not_taxonomies_or_offsite() -> None:
    spider = make_spider(ENTRY)
    url = HOME + "sitemap_index.xml"
    requests = run(spider.parse_sitemap(XmlResponse(url, body=SITEMAP_INDEX, request=Request(url))))
    assert [r.url for r in requests] == [HOME + "post-sitemap.xml.gz"]
    assert stat(spider, "warta/sitemaps") == 1


def test_gzipped_urlset_yields_candidates_with_dates_and_counts() -> None:
    seen: list[tuple[str, datetime | None]] = []

    class Recording(build_spider_class(ENTRY)):  # type: ignore[misc]
        def should_fetch(self, url: str, *, lastmod: datetime | None = None) -> bool:
            seen.append((url, lastmod))
            return True

    spider = make_spider(ENTRY, Recording)
    url = HOME + "post-sitemap.xml.gz"
    response = Response(url, body=gzip.compress(URLSET), request=Request(url))
    requests = run(spider.parse_sitemap(response))
    assert [(r.url, r.cb_kwargs["via"]) for r in requests] == [
        (HOME + "2024/05/28/rembuk-stunting/", "sitemap"),
        (HOME + "laporan.pdf", "sitemap"),  # binary extensions are fine from sitemaps
        (HOME + "2024/05/29/news/", "news-sitemap"),
    ]
    assert requests[2].cb_kwargs["published"] == datetime(2024, 5, 29, 1, tzinfo=UTC)
    assert requests[0].cb_kwargs["published"] is None
    assert seen[0] == (HOME + "2024/05/28/rembuk-stunting/", datetime(2024, 5, 28, tzinfo=UTC))
    assert all(
        r.callback == spider.parse_page and r.meta["warta_kind"] == "candidate" for r in requests
    )
    assert stat(spider, "warta/discovered/sitemap") == 2
    assert stat(spider, "warta/discovered/news-sitemap") == 1


def test_missing_or_html_sitemap_is_quietly_ignored() -> None:
    spider = make_spider(ENTRY)
    url = HOME + "sitemap.xml"
    assert run(spider.parse_sitemap(html(url, "<html><body>Beranda</body></html>"))) == []
    assert stat(spider, "warta/sitemaps") is None


def test_should_fetch_can_decline_candidates() -> None:
    class Nothing(build_spider_class(ENTRY)):  # type: ignore[misc]
        def should_fetch(self, url: str, *, lastmod: datetime | None = None) -> bool:
            return False

    spider = make_spider(ENTRY, Nothing)
    url = HOME + "s.xml"
    assert run(spider.parse_sitemap(XmlResponse(url, body=URLSET, request=Request(url)))) == []
    assert stat(spider, "warta/not_fetched") == 3
    assert stat(spider, "warta/discovered/sitemap") == 2


FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><link>http://news.test:8080/2024/05/30/dari-feed/#respond</link>
<pubDate>Thu, 30 May 2024 09:00:00 +0700</pubDate></item>
<item><link>http://news.test:8080/2024/05/28/rembuk-stunting/?utm_source=rss</link></item>
<item><link>http://news.test:8080/files/foto.jpg</link></item>
</channel></rss>"""


def test_feed_entries_become_candidates_once_each() -> None:
    spider = make_spider(ENTRY)
    url = HOME + "feed/"
    requests = run(spider.parse_feed(XmlResponse(url, body=FEED, request=Request(url))))
    assert [(r.url, r.cb_kwargs["via"], r.cb_kwargs["published"]) for r in requests] == [
        (HOME + "2024/05/30/dari-feed/", "feed", datetime(2024, 5, 30, 2, tzinfo=UTC)),
        (HOME + "2024/05/28/rembuk-stunting/", "feed", None),
    ]
    assert stat(spider, "warta/feeds") == 1
    # The same URLs from a sitemap later are not requested again.
    sitemap = XmlResponse(HOME + "s.xml", body=URLSET, request=Request(HOME + "s.xml"))
    again = run(spider.parse_sitemap(sitemap))
    assert HOME + "2024/05/28/rembuk-stunting/" not in [r.url for r in again]
    assert stat(spider, "warta/discovered/feed") == 2


HOME_PAGE = """<html><head>
<link rel="alternate" type="application/rss+xml" title="Feed" href="/feed/">
<link rel="alternate" type="application/rss+xml" title="Feed Komentar" href="/comments/feed/">
<link rel="alternate" type="application/atom+xml" href="http://news.test:9090/feed/atom/">
<link rel="next" href="/page/2/">
</head><body>
<a href="/2024/05/31/dari-home/">Dari home</a>
<a href="/2024/05/31/dari-home/#comments">Komentar</a>
<a href="/category/kb/">KB</a>
<a href="/files/laporan.pdf">Unduh</a>
<a href="http://news.test:9090/2024/05/31/port-lain/">port lain</a>
<a href="http://elsewhere.test/2024/x/">luar</a>
<a href="/">Beranda</a>
<a href="/page/2/">Older posts</a>
<a href="mailto:redaksi@news.test">Surel</a>
</body></html>"""


def test_home_page_discovers_feeds_listings_candidates_and_next_page() -> None:
    spider = make_spider(ENTRY)
    results = run(spider.parse_listing(html(HOME, HOME_PAGE), root=HOME, page=1, home=True))
    assert [r.url for r in by_kind(results, "feed")] == [HOME + "feed/"]
    assert [r.url for r in by_kind(results, "candidate")] == [HOME + "2024/05/31/dari-home/"]
    candidate = by_kind(results, "candidate")[0]
    assert candidate.cb_kwargs == {"via": "listing", "published": None, "depth": 1}
    listings = by_kind(results, "listing")
    assert [(r.url, r.cb_kwargs["page"]) for r in listings] == [
        (HOME + "category/kb/", 1),
        (HOME + "page/2/", 2),
    ]
    assert listings[1].cb_kwargs["root"] == HOME
    assert stat(spider, "warta/listing_pages") == 1
    assert stat(spider, "warta/discovered/listing") == 1


def test_listing_pagination_stops_at_the_depth() -> None:
    spider = make_spider(ENTRY, WARTA_LISTING_DEPTH=2)
    root = HOME + "category/kb/"
    page2 = html(root + "page/2/", '<a class="next" href="/category/kb/page/3/">»</a>')
    assert by_kind(run(spider.parse_listing(page2, root=root, page=2)), "listing") == []
    page1 = html(root, '<a href="/category/lain/">lain</a><a href="/tag/x/">x</a>')
    listings = by_kind(run(spider.parse_listing(page1, root=root, page=1)), "listing")
    # Only the next page: category links are listings only when found on the home page.
    assert [r.url for r in listings] == [root + "page/2/"]


def test_entry_listing_depth_overrides_the_setting() -> None:
    entry = SiteEntry(name="deep", home_url=HOME, province="Jambi", listing_depth=1)
    spider = make_spider(entry)
    page = html(HOME, '<a href="/page/2/">Next</a>')
    assert by_kind(run(spider.parse_listing(page, root=HOME, page=1, home=True)), "listing") == []


def test_page_item_fields() -> None:
    spider = make_spider(ENTRY)
    url = HOME + "2024/05/31/dari-home/"
    response = html(
        url,
        '<html><body><p>Rembuk stunting</p><a href="/2024/06/03/lewat-tautan/">x</a></body></html>',
        headers={
            "Content-Type": "text/html; charset=UTF-8",
            "ETag": '"abc"',
            "Last-Modified": "Fri, 31 May 2024 02:00:00 GMT",
        },
    )
    before = datetime.now(UTC)
    results = run(spider.parse_page(response, via="listing", published=None, depth=1))
    item = results[0]
    assert isinstance(item, PageItem)
    assert dict(item) | {"fetched_at": None} == {
        "site": "fixture",
        "url": url,
        "redirect_urls": [],
        "status": 200,
        "body": response.body,
        "http_encoding": "utf-8",
        "etag": '"abc"',
        "last_modified": "Fri, 31 May 2024 02:00:00 GMT",
        "fetched_at": None,
        "discovered_via": "listing",
        "hinted_published_at": None,
        "conditional": False,
    }
    assert before <= item["fetched_at"] <= datetime.now(UTC)
    assert item["fetched_at"].tzinfo is UTC
    links = by_kind(results, "candidate")
    assert [(r.url, r.cb_kwargs["via"], r.cb_kwargs["depth"]) for r in links] == [
        (HOME + "2024/06/03/lewat-tautan/", "link", 2)
    ]


def test_pages_at_the_link_depth_or_from_sitemaps_follow_no_links() -> None:
    spider = make_spider(ENTRY)
    body = '<a href="/2024/06/04/terlalu-dalam/">x</a>'
    deep = run(spider.parse_page(html(HOME + "a/", body), via="link", depth=2))
    from_sitemap = run(spider.parse_page(html(HOME + "b/", body), via="sitemap", depth=None))
    assert [type(r) for r in deep + from_sitemap] == [PageItem, PageItem]


def test_page_redirected_out_of_the_site_is_dropped() -> None:
    spider = make_spider(ENTRY)
    assert run(spider.parse_page(html("http://news.test:9090/x/", "x"), via="sitemap")) == []


def test_non_html_candidate_still_yields_an_item() -> None:
    spider = make_spider(ENTRY)
    url = HOME + "laporan.pdf"
    response = Response(url, body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    (item,) = run(spider.parse_page(response, via="sitemap"))
    assert item["body"] == b"%PDF-1.4" and item["http_encoding"] is None


def test_article_pattern_sites_follow_other_links_without_items() -> None:
    entry = SiteEntry(
        name="antara-fixture",
        home_url=HOME,
        province="Bengkulu",
        article_url_pattern=re.compile(r"/berita/\d+/"),
    )
    spider = make_spider(entry)
    body = '<a href="/berita/1/a">a</a><a href="/daerah/kota-bengkulu">daerah</a>'
    results = run(spider.parse_listing(html(HOME, body), root=HOME, page=3, home=True))
    assert [r.url for r in by_kind(results, "candidate")] == [HOME + "berita/1/a"]
    (follow,) = by_kind(results, "follow")
    assert follow.url == HOME + "daerah/kota-bengkulu"
    assert follow.cb_kwargs == {"depth": 1}
    deeper = run(spider.parse_follow(html(follow.url, body + '<a href="/berita/2/b">b</a>'), 1))
    assert [r.url for r in by_kind(deeper, "candidate")] == [HOME + "berita/2/b"]
    assert by_kind(deeper, "follow") == []  # a follow page at the last depth would yield nothing


# --- a real crawl against a tiny site on 127.0.0.1 ------------------------------------------------


def article(title: str, links: str = "") -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>Percepatan penurunan stunting di Kabupaten Banyuasin.</p>{links}</body></html>"
    ).encode()


def fixture_routes(base: str, other: str) -> dict[str, tuple[str, bytes]]:
    xml = "application/xml"
    htm = "text/html; charset=utf-8"
    posts = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/2024/05/28/rembuk-stunting/</loc><lastmod>2024-05-28</lastmod></url>"
        "</urlset>"
    ).encode()
    return {
        "/robots.txt": (
            "text/plain",
            f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap_index.xml\n".encode(),
        ),
        "/sitemap_index.xml": (
            xml,
            (
                '<?xml version="1.0"?>'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{base}/post-sitemap.xml.gz</loc></sitemap>"
                f"<sitemap><loc>{base}/category-sitemap.xml</loc></sitemap>"
                f"<sitemap><loc>{base}/news-sitemap.xml</loc></sitemap>"
                "</sitemapindex>"
            ).encode(),
        ),
        "/post-sitemap.xml.gz": ("application/x-gzip", gzip.compress(posts)),
        "/category-sitemap.xml": (xml, b"<urlset></urlset>"),
        "/news-sitemap.xml": (
            xml,
            (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
                ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                f"<url><loc>{base}/2024/05/29/berita-news/</loc><news:news>"
                "<news:publication_date>2024-05-29T08:00:00+07:00</news:publication_date>"
                "</news:news></url></urlset>"
            ).encode(),
        ),
        "/feed/": (
            "application/rss+xml; charset=UTF-8",
            (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>'
                f"<item><link>{base}/2024/05/30/dari-feed/</link>"
                "<pubDate>Thu, 30 May 2024 09:00:00 +0700</pubDate></item>"
                "</channel></rss>"
            ).encode(),
        ),
        "/": (
            htm,
            (
                '<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">'
                "</head><body>"
                '<a href="/2024/05/31/dari-home/">a</a>'
                '<a href="/2024/05/28/rembuk-stunting/#comments">b</a>'
                '<a href="/category/kb/">kb</a>'
                '<a href="/private/rahasia/">c</a>'
                '<a href="/files/laporan.pdf">d</a>'
                f'<a href="{other}/2024/05/31/port-lain/">e</a>'
                "</body></html>"
            ).encode(),
        ),
        "/category/kb/": (
            htm,
            b'<a href="/2024/06/01/dari-kategori/">x</a><a rel="next" href="/category/kb/page/2/">'
            b"Older posts</a>",
        ),
        "/category/kb/page/2/": (htm, b'<a href="/2024/06/02/halaman-dua/">x</a>'),
        "/2024/05/28/rembuk-stunting/": (htm, article("Rembuk Stunting")),
        "/2024/05/29/berita-news/": (htm, article("Berita News")),
        "/2024/05/30/dari-feed/": (htm, article("Dari Feed")),
        "/2024/05/31/dari-home/": (
            htm,
            article("Dari Home", '<a href="/2024/06/03/lewat-tautan/">lanjut</a>'),
        ),
        "/2024/06/01/dari-kategori/": (htm, article("Dari Kategori")),
        "/2024/06/02/halaman-dua/": (htm, article("Halaman Dua")),
        "/2024/06/03/lewat-tautan/": (
            htm,
            article("Lewat Tautan", '<a href="/2024/06/04/terlalu-dalam/">lagi</a>'),
        ),
        "/2024/06/04/terlalu-dalam/": (htm, article("Terlalu Dalam")),
        "/private/rahasia/": (htm, article("Rahasia")),
    }


class FixtureServer:
    """A ThreadingHTTPServer on 127.0.0.1 serving fixed routes and logging the paths asked for."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.requested: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requested.append(self.path)
                content_type, body = server.routes.get(self.path, ("text/html", b"not found"))
                self.send_response(200 if self.path in server.routes else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_real_crawl_discovers_through_every_source(tmp_path: Path) -> None:
    with FixtureServer() as site, FixtureServer() as other:
        site.routes = fixture_routes(site.base, other.base)
        other.routes = {"/2024/05/31/port-lain/": ("text/html", article("Port Lain"))}
        registry = tmp_path / "sites.toml"
        registry.write_text(
            f'[[site]]\nname = "fixture"\nhome_url = "{site.base}/"\n'
            'province = "Sumatera Selatan"\nregency = "Kabupaten Banyuasin"\n',
            encoding="utf-8",
        )
        out = tmp_path / "out.jsonl"
        result = subprocess.run(
            [
                sys.executable, "-m", "scrapy", "crawl", "fixture",
                "-s", f"WARTA_SITES_FILE={registry}",
                "-s", "ROBOTSTXT_OBEY=True",
                "-s", "DOWNLOAD_DELAY=0",
                "-s", "AUTOTHROTTLE_ENABLED=False",
                "-s", "ITEM_PIPELINES={}",
                "-s", "EXTENSIONS={}",
                "-s", "TELNETCONSOLE_ENABLED=False",
                "-s", "FEED_EXPORT_FIELDS=site,url,status,discovered_via,hinted_published_at",
                "-O", str(out),
            ],
            cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stderr
    assert " ERROR: " not in log, log[-3000:]

    items = [json.loads(line) for line in out.read_text().splitlines()]
    via = {item["url"].removeprefix(site.base): item["discovered_via"] for item in items}
    assert len(via) == len(items), "a page was stored twice"
    assert via.pop("/2024/05/28/rembuk-stunting/") in {"sitemap", "listing"}
    assert via == {
        "/2024/05/29/berita-news/": "news-sitemap",
        "/2024/05/30/dari-feed/": "feed",
        "/2024/05/31/dari-home/": "listing",
        "/2024/06/01/dari-kategori/": "listing",
        "/2024/06/02/halaman-dua/": "listing",
        "/2024/06/03/lewat-tautan/": "link",
    }
    published = {i["url"].removeprefix(site.base): i["hinted_published_at"] for i in items}
    assert published["/2024/05/29/berita-news/"].startswith("2024-05-29T01:00:00")
    assert published["/2024/05/30/dari-feed/"].startswith("2024-05-30T02:00:00")
    assert all(i["site"] == "fixture" and i["status"] == 200 for i in items)

    assert other.requested == []  # same host, other port: another site
    for never in (
        "/private/rahasia/",
        "/2024/06/04/terlalu-dalam/",
        "/category-sitemap.xml",
        "/files/laporan.pdf",
    ):
        assert never not in site.requested, never
    assert site.requested.count("/2024/05/28/rembuk-stunting/") == 1
    assert "'warta/sitemaps': 3" in log
    assert "'warta/feeds': 1" in log


def test_oversized_gzipped_sitemap_is_skipped_not_fatal() -> None:
    spider = make_spider(ENTRY, DOWNLOAD_MAXSIZE=100)
    url = HOME + "big.xml.gz"
    response = Response(url, body=gzip.compress(URLSET * 3), request=Request(url))
    assert run(spider.parse_sitemap(response)) == []
