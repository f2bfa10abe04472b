"""Change signals for sites with no sitemap <lastmod> or REST API (issue 11): WordPress's Atom
feed ordered by modification date, and the change date a listing shows per item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from archive.crawls.seen import KnownUrl
from archive.crawls.site_memory import SiteMemory, SourceState
from spiders import discovery
from spiders.listing_dates import shown_change_dates
from spiders.loader import build_spider_class
from spiders.registry import SiteEntry

HOME = "http://news.test:8080/"
ENTRY = SiteEntry(name="signals", home_url=HOME, province="Bengkulu")
NOW = datetime.now(UTC).replace(microsecond=0)
LAST_CRAWL = NOW - timedelta(days=1)


def spider(known: dict[str, KnownUrl], **sources: SourceState) -> Any:
    cls = build_spider_class(ENTRY)
    made = cls.from_crawler(get_crawler(cls, {"WARTA_LINK_DEPTH": 2, "WARTA_LISTING_DEPTH": 3}))
    made.known = known
    made.plan.memory = SiteMemory(sources=dict(sources), last_complete_crawl_at=LAST_CRAWL)
    return made


def post(n: int) -> str:
    return f"{HOME}2024/05/post-{n}/"


def archived(*numbers: int) -> dict[str, KnownUrl]:
    fetched = LAST_CRAWL + timedelta(minutes=5)
    return {post(n).rstrip("/"): KnownUrl("article", fetched, fetch_url=post(n)) for n in numbers}


def atom(updated: list[tuple[int, datetime]]) -> bytes:
    entries = "".join(
        f'<entry><title>p{n}</title><link rel="alternate" href="{post(n)}"/><id>{n}</id>'
        f"<published>2024-05-01T00:00:00Z</published>"
        f"<updated>{at.isoformat()}</updated></entry>"
        for n, at in updated
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>t</title><id>x</id><updated>{NOW.isoformat()}</updated>{entries}</feed>"
    ).encode()


def feed_response(url: str, body: bytes) -> XmlResponse:
    return XmlResponse(url, body=body, request=Request(url))


def test_start_plan_reads_the_modified_feed_unless_the_rest_api_answers() -> None:
    url = discovery.modified_feed_url(HOME)
    assert url == HOME + "feed/atom/?orderby=modified"
    assert discovery.modified_feed_url(HOME, 3) == url + "&paged=3"
    plain = [r.url for r in spider({}).initial_requests()]
    assert url in plain
    root = HOME + "wp-json/wp/v2/posts"
    rest = SourceState(root, "rest-api", True, LAST_CRAWL)
    assert url not in [r.url for r in spider(archived(1), **{root: rest}).initial_requests()]


def test_modified_feed_dates_edits_of_old_posts_and_pages_on_while_all_changed() -> None:
    crawler = spider(archived(*range(1, 30)))
    url = discovery.modified_feed_url(HOME)
    edited = NOW - timedelta(minutes=10)
    page1 = atom([(n, edited) for n in range(1, 11)])
    results = list(crawler.parse_feed(feed_response(url, page1)))
    candidates = [r.url for r in results if r.meta["warta_kind"] == "candidate"]
    assert candidates == [post(n) for n in range(1, 11)]
    (more,) = [r for r in results if r.meta["warta_kind"] == "feed"]
    assert more.url == url + "&paged=2" and more.cb_kwargs == {"page": 2}
    assert more.meta["warta_guess"]
    # Page 2 ends the edits: its old entries are skipped, and there is no page 3.
    old = LAST_CRAWL - timedelta(days=30)
    page2 = atom([(11, edited), *((n, old) for n in range(12, 21))])
    results = list(crawler.parse_feed(feed_response(more.url, page2), page=2))
    assert [r.url for r in results] == [post(11)]
    # Only the first page is a source of its own.
    assert set(crawler.plan.checks) == {url}
    missing = HtmlResponse(more.url, status=404, body=b"", request=more)
    assert list(crawler.parse_feed(missing, page=2)) == []
    assert set(crawler.plan.checks) == {url}


def test_the_first_crawl_reads_one_page_of_the_modified_feed() -> None:
    crawler = spider({})
    crawler.plan.memory = SiteMemory()
    url = discovery.modified_feed_url(HOME)
    results = list(crawler.parse_feed(feed_response(url, atom([(n, NOW) for n in range(10)]))))
    assert all(r.meta["warta_kind"] == "candidate" for r in results)


GOID_LISTING = """<html><body><table><tr><td class="maincol">
<table class="contentpaneopen"><tr><td><a href="/2024/05/post-1/">Satu</a></td></tr>
<tr><td class="createdate">Senin, 6 Mei 2024 <span class="modifydate">Terakhir diperbarui:
Rabu, 2 Desember 2026 14:05 WIB</span></td></tr><tr><td>Ringkasan ...</td></tr></table>
<table class="contentpaneopen"><tr><td><a href="/2024/05/post-2/">Dua</a></td></tr>
<tr><td class="createdate">Senin, 6 Mei 2024 <span class="modifydate">Terakhir diperbarui:
Senin, 6 Mei 2024 09:00 WIB</span></td></tr></table>
<table class="contentpaneopen"><tr><td><a href="/2024/05/post-3/">Tiga</a></td></tr>
<tr><td>Diperbarui 3 Juni 2024</td></tr></table>
</td><td class="rightcol"><a href="/2024/05/post-4/">Terbaru</a></td></tr></table>
<div><a href="/2024/05/post-5/">a</a><a href="/2024/05/post-6/">b</a>
<span>Diperbarui: Selasa, 1 Desember 2026 10:00 WIB</span></div>
</body></html>"""


def listing(body: str) -> HtmlResponse:
    url = HOME + "berita"
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))


def test_shown_change_dates_belong_to_their_own_item_only() -> None:
    own = {post(n) for n in range(1, 7)}
    dates = shown_change_dates(listing(GOID_LISTING), own, discovery.canonicalize)
    wib = timedelta(hours=7)
    assert dates == {
        post(1): datetime(2026, 12, 2, 14, 5, tzinfo=UTC) - wib,
        post(2): datetime(2024, 5, 6, 9, 0, tzinfo=UTC) - wib,
        # A day without a time: the end of that day (an edit that afternoon still shows it).
        post(3): datetime(2024, 6, 4, tzinfo=UTC) - wib,
    }  # the block linking two posts is not guessed at


def test_a_dated_listing_refetches_what_it_shows_changed_and_nothing_blindly() -> None:
    crawler = spider(archived(1, 2, 3, 4))
    crawler.plan.memory.last_complete_crawl_at = datetime(2024, 7, 1, tzinfo=UTC)
    for n in (1, 2, 3, 4):
        crawler.known[post(n).rstrip("/")] = KnownUrl(
            "article", datetime(2024, 7, 1, tzinfo=UTC), fetch_url=post(n)
        )
    results = list(crawler.parse_listing(listing(GOID_LISTING), root=HOME + "berita", page=1))
    fetched = [r.url for r in results if r.meta["warta_kind"] == "candidate"]
    # Post 1 shows an edit after our fetch; 2 and 3 older ones; 4 (a sidebar) no date at all;
    # 5 and 6 are new to the archive.
    assert fetched == [post(1), post(5), post(6)]
    assert crawler.plan.checks[HOME + "berita"].kind == "dated-listing"
    assert crawler.crawler.stats.get_value("warta/revalidate/listed") is None
