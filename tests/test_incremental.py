"""Incremental crawling: the pure decisions (spiders/incremental.py), the feed/sitemap signals they
read (spiders/discovery.py), and NewsSpider's wiring of them on hand-made responses — no network.
The same logic against a changing web, with real crawls, is tests/e2e/test_incremental_crawl.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from archive.crawls.seen import KnownUrl, load_known_urls, record_fetch_state
from archive.crawls.site_memory import SiteMemory
from archive.store.db import make_engine, session_factory
from archive.store.models import FetchState
from archive.store.writer import ArchiveStore, SiteInfo
from crawler.items import PageItem
from spiders import discovery
from spiders.incremental import (
    Decision,
    DiscoveryFetch,
    Policy,
    decide_candidate,
    discovery_records,
    is_newer,
    is_transient_status,
    latest_instant,
    listing_has_news,
    rechecks_after_home_not_modified,
    stalest_articles,
    validators,
)
from spiders.loader import build_spider_class
from spiders.news import NewsSpider
from spiders.nightly import NightlyPolicy, NightPlan
from spiders.registry import SiteEntry

NOW = datetime(2024, 6, 10, 18, 0, tzinfo=UTC)
LAST_NIGHT = NOW - timedelta(days=1)
HOUR = timedelta(hours=1)


def article(
    fetched: datetime = LAST_NIGHT, etag: str | None = '"a1"', lm: str | None = None
) -> KnownUrl:
    return KnownUrl("article", fetched, etag, lm)


# --- candidates ----------------------------------------------------------------------------------


def test_unknown_urls_are_fetched_plainly() -> None:
    assert decide_candidate(None, now=NOW) == Decision("fetch", "unknown")
    assert decide_candidate(None, changed_at=NOW, listed_by_changed_page=True, now=NOW).fetch


def test_known_article_is_skipped_without_a_signal() -> None:
    assert decide_candidate(article(), now=NOW) == Decision("skip", "skipped_known")


def test_known_article_with_newer_date_is_revalidated() -> None:
    decision = decide_candidate(article(), changed_at=LAST_NIGHT + HOUR, now=NOW)
    assert decision == Decision("conditional", "changed")


def test_known_article_with_older_date_is_skipped_even_when_its_listing_changed() -> None:
    # A date for the URL itself beats the weaker "the page listing it changed".
    decision = decide_candidate(
        article(), changed_at=LAST_NIGHT - 2 * HOUR, listed_by_changed_page=True, now=NOW
    )
    assert decision == Decision("skip", "skipped_lastmod")


def test_undated_article_on_a_changed_listing_is_revalidated() -> None:
    decision = decide_candidate(article(), listed_by_changed_page=True, now=NOW)
    assert decision == Decision("conditional", "revalidate")


def test_clock_slack_errs_towards_fetching() -> None:
    # The site's clock runs 10 minutes slow: an edit right after our fetch still counts.
    late = decide_candidate(article(), changed_at=LAST_NIGHT - timedelta(minutes=10), now=NOW)
    assert late.action == "conditional"
    strict = Policy(clock_slack=timedelta(0))
    assert not decide_candidate(
        article(), changed_at=LAST_NIGHT - timedelta(minutes=10), now=NOW, policy=strict
    ).fetch


def test_a_bare_date_covers_its_whole_day() -> None:
    fetched = datetime(2024, 5, 28, 3, 0, tzinfo=UTC)
    same_day = datetime(2024, 5, 28, tzinfo=UTC)  # <lastmod>2024-05-28</lastmod>
    assert latest_instant(same_day) == datetime(2024, 5, 29, tzinfo=UTC)
    assert is_newer(same_day, fetched, timedelta(0))
    assert not is_newer(datetime(2024, 5, 26, tzinfo=UTC), fetched, timedelta(0))
    precise = datetime(2024, 5, 28, 2, 59, tzinfo=UTC)
    assert latest_instant(precise) == precise
    assert not is_newer(precise, fetched, timedelta(0))


def test_rejected_pages_wait_for_their_recheck_and_then_are_fetched_in_full() -> None:
    recent = KnownUrl("rejected", NOW - timedelta(days=3), '"r"', None)
    old = KnownUrl("rejected", NOW - timedelta(days=31), '"r"', None)
    assert decide_candidate(recent, changed_at=NOW, now=NOW) == Decision("skip", "skipped_rejected")
    assert decide_candidate(old, now=NOW) == Decision("fetch", "recheck_rejected")
    assert decide_candidate(
        recent, now=NOW, policy=Policy(rejected_recheck=timedelta(days=2))
    ).fetch
    # Not conditional: a 304 on a rejected page would leave nothing to record.
    assert validators(old, "candidate") == {}


def test_discovery_pages_listed_as_candidates_are_skipped() -> None:
    home = KnownUrl("discovery", LAST_NIGHT, '"h"', None)
    assert decide_candidate(home, changed_at=NOW, now=NOW) == Decision("skip", "skipped_discovery")


# --- conditional requests ------------------------------------------------------------------------


def test_validators_match_the_kind_of_request() -> None:
    both = KnownUrl("article", LAST_NIGHT, '"e1"', "Mon, 10 Jun 2024 01:00:00 GMT")
    assert validators(both, "candidate") == {
        "If-None-Match": '"e1"',
        "If-Modified-Since": "Mon, 10 Jun 2024 01:00:00 GMT",
    }
    assert validators(both, "sitemap") == {}
    sitemap = KnownUrl("discovery", LAST_NIGHT, None, "Mon, 10 Jun 2024 01:00:00 GMT")
    for kind in ("robots", "sitemap", "feed", "listing", "follow"):
        assert validators(sitemap, kind) == {"If-Modified-Since": "Mon, 10 Jun 2024 01:00:00 GMT"}
    assert validators(sitemap, "candidate") == {}
    assert validators(KnownUrl("discovery", LAST_NIGHT), "sitemap") == {}
    assert validators(None, "candidate") == {}


# --- listings ------------------------------------------------------------------------------------


def test_listing_has_news_ignores_known_urls_and_repeats_of_earlier_pages() -> None:
    known = {"https://n.test/lama"}.__contains__
    sidebar = "https://n.test/baru-di-sidebar"
    assert listing_has_news(["https://n.test/lama", sidebar], known, earlier=set())
    # Page 2 repeats the sidebar of page 1 and otherwise lists known posts: stop.
    assert not listing_has_news(["https://n.test/lama", sidebar], known, earlier={sidebar})
    assert listing_has_news(["https://n.test/lebih-baru"], known, earlier={sidebar})
    assert not listing_has_news([], known, earlier=set())


ENTRY = SiteEntry(name="fixture", home_url="http://news.test:8080/", province="Jambi")
H = "http://news.test:8080/"


def test_home_304_rechecks_known_category_listings_and_feeds_only() -> None:
    d = KnownUrl("discovery", LAST_NIGHT, '"x"', None)
    known: dict[str, Any] = {
        H: d,
        H + "category/kb/": d,
        H + "category/kb/page/2/": d,
        H + "tag/stunting/": d,
        H + "feed/": d,
        H + "feed/atom/": d,
        H + "comments/feed/": d,
        H + "post-sitemap.xml": d,
        "http://other.test/category/kb/": d,
        H + "category/arsip/": KnownUrl("rejected", LAST_NIGHT),
        H + "2024/05/28/rembuk-stunting": KnownUrl("article", LAST_NIGHT),
    }
    assert sorted(rechecks_after_home_not_modified(known, ENTRY)) == [
        (H + "category/kb/", "listing"),
        (H + "feed/", "feed"),
        (H + "feed/atom/", "feed"),
        (H + "tag/stunting/", "listing"),
    ]


# --- trusting discovery pages --------------------------------------------------------------------


def test_discovery_records_drop_validators_of_containers_and_incomplete_pages() -> None:
    fetches = [
        DiscoveryFetch(H + "robots.txt", NOW, '"r"', None, container=True),
        DiscoveryFetch(H + "wp-sitemap.xml", NOW, '"i"', "lm", container=True),
        DiscoveryFetch(H + "post-sitemap.xml", NOW, '"p"', "lm"),
        DiscoveryFetch(H + "feed/", NOW, '"f"', "lm"),
    ]
    records = {r.url: (r.etag, r.last_modified) for r in discovery_records(fetches, {H + "feed/"})}
    assert records == {
        H + "robots.txt": (None, None),
        H + "wp-sitemap.xml": (None, None),
        H + "post-sitemap.xml": ('"p"', "lm"),
        H + "feed/": (None, None),
    }


@pytest.mark.parametrize(
    ("status", "transient"),
    [(None, True), (500, True), (503, True), (429, True), (408, True), (404, False), (410, False),
     (403, False)],
)  # fmt: skip
def test_transient_failures(status: int | None, transient: bool) -> None:
    assert is_transient_status(status) is transient


# --- signals read by discovery -------------------------------------------------------------------


def test_feed_entries_carry_an_update_date_only_when_stated() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"
    xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>t</title>
    <item><link>https://n.test/a/</link><pubDate>Thu, 30 May 2024 09:00:00 +0700</pubDate></item>
    <item><link>https://n.test/b/</link><pubDate>Thu, 30 May 2024 09:00:00 +0700</pubDate>
    <dcterms:modified>2024-06-01T00:00:00Z</dcterms:modified></item></channel></rss>"""
    a, b = discovery.parse_feed(rss, "https://n.test/feed/").entries
    assert a.updated is None
    assert b.updated == datetime(2024, 6, 1, tzinfo=UTC)
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><link href="https://n.test/c/"/><id>1</id><published>2024-05-30T02:00:00Z</published>
    <updated>2024-06-02T03:04:05Z</updated></entry></feed>"""
    (c,) = discovery.parse_feed(atom, "https://n.test/feed/atom/").entries
    assert (c.published, c.updated) == (
        datetime(2024, 5, 30, 2, tzinfo=UTC),
        datetime(2024, 6, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_feed_paths() -> None:
    assert discovery.is_feed_path("https://n.test/feed/")
    assert discovery.is_feed_path("https://n.test/category/kb/feed/atom/")
    assert not discovery.is_feed_path("https://n.test/comments/feed/")
    assert not discovery.is_feed_path("https://n.test/feedback/")


# --- NewsSpider wiring ---------------------------------------------------------------------------

STORE = {"crawler.pipelines.StorePipeline": 900}


def make_spider(db_url: str | None = None, **settings: Any) -> Any:
    spidercls = build_spider_class(ENTRY)
    values: dict[str, Any] = {"WARTA_LINK_DEPTH": 2, "WARTA_LISTING_DEPTH": 3, **settings}
    if db_url is not None:
        values = {"ITEM_PIPELINES": STORE, **values, "WARTA_DATABASE_URL": db_url}
    return spidercls.from_crawler(get_crawler(spidercls, values))


def results(gen: Iterator[Any] | None) -> list[Any]:
    return list(gen or [])


def requests_of(items: list[Any], kind: str) -> list[Request]:
    return [r for r in items if isinstance(r, Request) and r.meta["warta_kind"] == kind]


def stat(spider: NewsSpider, key: str) -> Any:
    return spider.crawler.stats.get_value(key)


def respond(request: Request, body: bytes = b"", status: int = 200, **headers: str) -> Response:
    cls = XmlResponse if request.meta["warta_kind"] in ("sitemap", "feed") else HtmlResponse
    return cls(
        request.url,
        status=status,
        body=body,
        request=request,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
        encoding="utf-8",
    )


OLD = H + "2024/05/28/lama/"
EDITED = H + "2024/05/29/diedit/"
FRESH = H + "2024/06/10/baru/"
URLSET = f"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{OLD}</loc><lastmod>2024-05-28T10:00:00+07:00</lastmod></url>
<url><loc>{EDITED}</loc><lastmod>2024-06-10T08:00:00+00:00</lastmod></url>
<url><loc>{FRESH}</loc><lastmod>2024-06-10T09:00:00+00:00</lastmod></url>
</urlset>""".encode()


def known_site(spider: NewsSpider) -> None:
    # Articles are known in urlnorm's identity form: no trailing slash.
    spider.known = {
        OLD.rstrip("/"): article(),
        EDITED.rstrip("/"): article(etag='"e-old"'),
        H + "post-sitemap.xml": KnownUrl("discovery", LAST_NIGHT, '"s1"', None),
        H + "kontak/": KnownUrl("rejected", datetime.now(UTC) - timedelta(days=1)),
    }


def test_first_crawl_requests_are_plain() -> None:
    spider = make_spider()
    (request,) = [r for r in spider.initial_requests() if r.meta["warta_kind"] == "robots"]
    assert b"If-None-Match" not in request.headers
    # Only the statuses of a missing guess (a site without robots.txt is remembered as such).
    assert request.meta["handle_httpstatus_list"] == [404, 410]


def test_sitemap_skips_unchanged_articles_and_revalidates_edited_ones() -> None:
    spider = make_spider()
    known_site(spider)
    sitemap = spider.build_request(H + "post-sitemap.xml", spider.parse_sitemap, kind="sitemap")
    assert sitemap.headers[b"If-None-Match"] == b'"s1"'
    assert sitemap.meta["handle_httpstatus_list"] == [304]
    out = results(spider.parse_sitemap(respond(sitemap, URLSET, ETag='"s2"')))
    by_url = {r.url: r for r in requests_of(out, "candidate")}
    assert sorted(by_url) == [EDITED, FRESH]
    assert by_url[EDITED].headers[b"If-None-Match"] == b'"e-old"'
    assert by_url[EDITED].meta["handle_httpstatus_list"] == [304]
    assert b"If-None-Match" not in by_url[FRESH].headers
    assert by_url[FRESH].meta["warta_chain"] == (H + "post-sitemap.xml",)
    assert stat(spider, "warta/incremental/skipped_lastmod") == 1
    assert stat(spider, "warta/incremental/changed") == 1
    assert stat(spider, "warta/not_fetched") == 1


def test_sitemap_304_ends_the_branch() -> None:
    spider = make_spider()
    known_site(spider)
    sitemap = spider.build_request(H + "post-sitemap.xml", spider.parse_sitemap, kind="sitemap")
    assert results(spider.parse_sitemap(respond(sitemap, status=304, ETag='"s1"'))) == []
    assert stat(spider, "warta/incremental/not_modified/sitemap") == 1
    assert stat(spider, "warta/sitemaps") is None


def test_article_304_becomes_a_not_modified_item() -> None:
    spider = make_spider()
    known_site(spider)
    request = spider._candidate(EDITED, "sitemap", changed_at=NOW)
    assert request is not None and request.headers[b"If-None-Match"] == b'"e-old"'
    out = results(spider.parse_page(respond(request, status=304), via="sitemap"))
    (item,) = out
    assert isinstance(item, PageItem)
    assert (item["status"], item["url"], item["body"], item["site"]) == (
        304,
        EDITED,
        b"",
        "fixture",
    )
    assert item["fetched_at"].tzinfo is UTC
    assert stat(spider, "warta/incremental/not_modified/candidate") == 1


def test_links_to_known_pages_are_skipped_unless_their_listing_changed() -> None:
    spider = make_spider()
    known_site(spider)
    page = f'<a href="{OLD}">lama</a><a href="{H}kontak/">kontak</a><a href="{FRESH}">baru</a>'
    # From an article's own links: no hint that the known post changed.
    req = spider.build_request(H + "2024/06/09/lain/", spider.parse_page, kind="candidate")
    out = results(spider.parse_page(respond(req, page.encode()), via="link", depth=1))
    assert [r.url for r in requests_of(out, "candidate")] == [FRESH]
    assert stat(spider, "warta/incremental/skipped_known") == 1
    assert stat(spider, "warta/incremental/skipped_rejected") == 1


def test_changed_listing_revalidates_its_known_articles_and_stops_paginating() -> None:
    spider = make_spider()
    known_site(spider)
    root = H + "category/kb/"
    listing = spider._listing_request(root, root, 1)
    page1 = (
        f'<a href="{FRESH}">baru</a><a href="{OLD}">lama</a><a href="/category/kb/page/2/">Next</a>'
    )
    out = results(spider.parse_listing(respond(listing, page1.encode()), root=root, page=1))
    candidates = requests_of(out, "candidate")
    assert [(r.url, b"If-None-Match" in r.headers) for r in candidates] == [
        (FRESH, False),
        (OLD, True),
    ]
    assert [r.url for r in requests_of(out, "listing")] == [root + "page/2/"]
    # Page 2: the new post again in a sidebar widget, known posts as its own items: the
    # listing ends here.
    page2 = (
        f'<aside class="widget"><a href="{FRESH}">baru</a></aside>'
        f'<a href="{EDITED}">x</a><a href="/category/kb/page/3/">Next</a>'
    )
    request2 = requests_of(out, "listing")[0]
    out2 = results(spider.parse_listing(respond(request2, page2.encode()), root=root, page=2))
    assert requests_of(out2, "listing") == []
    assert stat(spider, "warta/incremental/listing_stopped") == 1
    assert stat(spider, "warta/incremental/revalidate") == 2


def test_a_post_new_tonight_keeps_paginating_though_an_earlier_page_listed_it() -> None:
    # Issue 11: a new post pushed from page 1 to page 2 by a newer one is still news on page 2
    # (it was unknown when the crawl began), so page 3, where a backdated post sits, is read.
    spider = make_spider()
    known_site(spider)
    root = H + "category/kb/"
    listing = spider._listing_request(root, root, 1)
    page1 = f'<a href="{FRESH}">baru</a><a href="{OLD}">lama</a>'
    results(spider.parse_listing(respond(listing, page1.encode()), root=root, page=1))
    request2 = spider._listing_request(root, root + "page/2/", 2)
    page2 = f'<main><a href="{FRESH}">baru</a><a href="{EDITED}">x</a></main>'
    out2 = results(spider.parse_listing(respond(request2, page2.encode()), root=root, page=2))
    assert [r.url for r in requests_of(out2, "listing")] == [root + "page/3/"]
    assert not stat(spider, "warta/incremental/listing_stopped")


def test_first_crawl_paginates_as_before() -> None:
    spider = make_spider()
    root = H + "category/kb/"
    listing = spider._listing_request(root, root, 2)
    page = f'<a href="{OLD}">lama</a><a href="/category/kb/page/3/">Next</a>'
    results(spider.parse_listing(respond(listing, page.encode()), root=root, page=1))
    out = results(spider.parse_listing(respond(listing, page.encode()), root=root, page=2))
    assert [r.url for r in requests_of(out, "listing")] == [root + "page/3/"]


def test_home_304_revalidates_known_listings_and_feeds() -> None:
    spider = make_spider()
    known_site(spider)
    d = KnownUrl("discovery", LAST_NIGHT, '"x"', None)
    spider.known |= {H: d, H + "category/kb/": d, H + "feed/": d}
    requested = list(spider.initial_requests())  # the start plan asks for /feed/ itself
    home = next(r for r in requested if r.cb_kwargs.get("home"))
    assert home.headers[b"If-None-Match"] == b'"x"'
    out = results(spider.parse_listing(respond(home, status=304), root=H, page=1, home=True))
    assert [(r.url, r.meta["warta_kind"]) for r in out] == [(H + "category/kb/", "listing")]
    assert out[0].headers[b"If-None-Match"] == b'"x"'
    assert out[0].meta["warta_chain"] == (H,)


def test_transient_failure_marks_the_pages_that_led_to_it() -> None:
    spider = make_spider()
    known_site(spider)
    sitemap = spider.build_request(H + "post-sitemap.xml", spider.parse_sitemap, kind="sitemap")
    out = results(spider.parse_sitemap(respond(sitemap, URLSET)))
    fresh = next(r for r in out if r.url == FRESH)

    def fail(request: Request, error: Exception) -> None:
        failure = Failure(error)
        failure.request = request  # type: ignore[attr-defined]
        assert spider.request_failed(failure) is None  # handled: logged once, counted by Scrapy

    fail(fresh, HttpError(respond(fresh, status=404), "gone"))
    assert spider._incomplete == set()
    fail(fresh, TxTimeoutError())
    assert spider._incomplete == {H + "post-sitemap.xml"}
    assert stat(spider, "warta/incremental/incomplete_pages") == 1


# --- at the archive: load at open, write back at a finished close --------------------------------


@pytest.fixture
def site_db(db_url: str) -> str:
    engine = make_engine(db_url)
    ArchiveStore(session_factory(engine, writer=True)).ensure_site(SiteInfo("fixture", H, "Jambi"))
    engine.dispose()
    return db_url


def discovery_rows(db_url: str) -> dict[str, tuple[str | None, str | None]]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        rows = session.scalars(select(FetchState).where(FetchState.kind == "discovery")).all()
        found = {r.url: (r.etag, r.last_modified) for r in rows}
    engine.dispose()
    return found


def crawl_discovery(spider: NewsSpider) -> None:
    robots = spider.build_request(H + "robots.txt", spider.parse_robots, kind="robots")
    body = f"Sitemap: {H}post-sitemap.xml\n".encode()
    results(spider.parse_robots(respond(robots, body, ETag='"r"')))
    sitemap = spider.build_request(H + "post-sitemap.xml", spider.parse_sitemap, kind="sitemap")
    results(
        spider.parse_sitemap(
            respond(sitemap, URLSET, ETag='"s"', Last_Modified="Mon, 10 Jun 2024 09:00:00 GMT")
        )
    )


def test_finished_crawl_records_discovery_validators(site_db: str) -> None:
    spider = make_spider(site_db)
    spider.load_known()
    assert spider.known == {}
    crawl_discovery(spider)
    spider.closed("finished")
    assert discovery_rows(site_db) == {
        H + "robots.txt": (None, None),  # a container: read in full every night
        H + "post-sitemap.xml": ('"s"', "Mon, 10 Jun 2024 09:00:00 GMT"),
    }
    assert stat(spider, "warta/incremental/discovery_recorded") == 2
    # The next crawl starts from them.
    again = make_spider(site_db)
    again.load_known()
    sitemap = again._sitemap_request(H + "post-sitemap.xml")
    assert sitemap.headers[b"If-None-Match"] == b'"s"'
    assert stat(again, "warta/incremental/known_urls") == 2


@pytest.mark.parametrize("reason", ["shutdown", "cancelled", "lock-lost", "closespider_timeout"])
def test_unfinished_crawl_records_nothing(site_db: str, reason: str) -> None:
    spider = make_spider(site_db)
    crawl_discovery(spider)
    spider.closed(reason)
    assert discovery_rows(site_db) == {}


def test_304_keeps_the_stored_validators(site_db: str) -> None:
    engine = make_engine(site_db)
    record_fetch_state(
        session_factory(engine, writer=True), "fixture", H + "feed/", "discovery", LAST_NIGHT,
        etag='"f1"', last_modified="Sun, 09 Jun 2024 00:00:00 GMT",
    )  # fmt: skip
    engine.dispose()
    spider = make_spider(site_db)
    spider.load_known()
    feed = spider._feed_request(H + "feed/")
    assert results(spider.parse_feed(respond(feed, status=304))) == []
    spider.closed("finished")
    assert discovery_rows(site_db) == {H + "feed/": ('"f1"', "Sun, 09 Jun 2024 00:00:00 GMT")}
    engine = make_engine(site_db)
    known = load_known_urls(session_factory(engine), "fixture")
    engine.dispose()
    assert known[H + "feed/"].last_fetched_at > LAST_NIGHT


def test_without_the_store_the_crawl_is_a_full_one(site_db: str) -> None:
    spider = make_spider(site_db, ITEM_PIPELINES={})
    spider.load_known()  # nothing loaded: a `-O` export or a test crawl stores nothing
    assert spider.archive_url() is None
    off = make_spider(site_db, WARTA_INCREMENTAL=False)
    assert off.archive_url() is None
    assert make_spider(site_db).archive_url() == site_db


def test_the_stalest_archived_articles_are_revalidated_first() -> None:
    day = datetime(2024, 5, 1, tzinfo=UTC)
    known = {
        "http://s.test/a": KnownUrl("article", day + timedelta(days=3)),
        "http://s.test/b": KnownUrl("article", day),
        "http://s.test/listing": KnownUrl("discovery", day - timedelta(days=9)),
        "http://s.test/c": KnownUrl("article", day + timedelta(days=1)),
    }
    assert stalest_articles(known, 2) == ["http://s.test/b", "http://s.test/c"]
    assert stalest_articles(known, 0) == []


def test_a_dated_source_decides_again_for_a_url_an_undated_one_skipped() -> None:
    # Issue 11: a news sitemap (no <lastmod>) lists an edited post first; on a site with noisy
    # validators that is no reason to refetch it, but the monthly sitemap's <lastmod> is.
    spider = make_spider()
    known_site(spider)
    spider.plan.memory.validators_trusted = False
    spider._budget = 1  # half of it for listed articles: none
    assert spider._candidate(EDITED, "news-sitemap", revalidate=True) is None
    again = spider._candidate(EDITED, "sitemap", changed_at=datetime.now(UTC))
    assert again is not None and again.url == EDITED
    assert b"If-None-Match" not in again.headers  # noisy validators are not sent
    assert spider._candidate(EDITED, "sitemap", changed_at=datetime.now(UTC)) is None
    assert stat(spider, "warta/incremental/dated_later") == 1
    assert stat(spider, "warta/revalidate/listed_not_trusted") == 1


def test_rolling_revalidation_takes_listed_articles_the_listing_did_not_refetch() -> None:
    # Issue 11: a noisy site's listing shows its newest articles every night; those beyond the
    # listed allowance were left out of the rolling order too (they had been "seen"), so an
    # edit to one of them went unseen for as long as it stayed on the listing.
    spider = make_spider()
    spider.known = {
        OLD.rstrip("/"): KnownUrl("article", LAST_NIGHT, None, None, OLD),
        EDITED.rstrip("/"): KnownUrl("article", LAST_NIGHT - HOUR, None, None, EDITED),
    }
    spider.plan.memory.validators_trusted = False
    spider.plan.memory.validators_checked_at = datetime.now(UTC)
    spider._budget = 1  # half of it for listed articles: none
    assert spider._candidate(EDITED, "listing", revalidate=True) is None
    assert stat(spider, "warta/revalidate/listed_not_trusted") == 1
    (rolled,) = spider._rolling_revalidation()
    assert rolled.url == EDITED  # the stalest, though the listing showed it
    assert stat(spider, "warta/revalidate/rolling") == 1


def test_rolling_revalidation_leaves_out_what_the_crawl_requested() -> None:
    spider = make_spider()
    spider.known = {
        OLD.rstrip("/"): KnownUrl("article", LAST_NIGHT, None, None, OLD),
        EDITED.rstrip("/"): KnownUrl("article", LAST_NIGHT - HOUR, None, None, EDITED),
    }
    spider.plan.memory.validators_trusted = True
    spider._budget = 1
    assert spider._candidate(EDITED, "listing", revalidate=True) is not None
    # The listed refetch (a free 304 where validators are trusted) leaves the rolling share whole.
    assert [r.url for r in spider._rolling_revalidation()] == [OLD]


def test_a_deep_pass_reads_listings_without_validators(tmp_path: Any) -> None:
    # Issue 11: a listing page 1 that has not changed answers 304, which ends its branch; on a
    # deep-pass night that would leave a post backdated onto page 3 unfound.
    spider = make_spider(f"sqlite:///{tmp_path / 'archive.db'}")
    known_site(spider)
    root = H + "category/kb/"
    spider.known[root] = KnownUrl("discovery", LAST_NIGHT, '"l1"', None)
    memory = SiteMemory(last_complete_crawl_at=LAST_NIGHT)
    tonight = LAST_NIGHT + timedelta(days=1)
    spider.plan = NightPlan(memory, NightlyPolicy(), tonight)  # no deep pass ever yet
    assert spider.plan.deep_pass
    assert b"If-None-Match" not in spider._listing_request(root, root, 1).headers
    # An ordinary night keeps the conditional request: a 304 there saves the page.
    spider.plan = NightPlan(
        replace(memory, last_deep_pass_at=LAST_NIGHT), NightlyPolicy(), tonight
    )
    assert not spider.plan.deep_pass
    assert spider._listing_request(root, root, 1).headers[b"If-None-Match"] == b'"l1"'
