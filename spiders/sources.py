"""Discovery documents for NewsSpider: robots.txt, sitemaps, feeds and the WordPress REST API
(mixed into the spider; the pure parsing is in spiders/discovery.py and spiders/wp_api.py).

Each source tells the night plan (spiders/nightly.py) whether it exists, so the archive
remembers it (table site_sources) and a guess that 404'd is not asked for nightly.

WordPress's Atom feed ordered by modified date (discovery.WORDPRESS_MODIFIED_FEED) is the change
signal of WordPress sites whose REST API is closed: its entries' <updated> date edits of old posts,
and its next page is read while every entry of a page changed since the last finished crawl.
"""

from __future__ import annotations

import logging
import struct
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import sitemap_urls_from_robots

from spiders import discovery, wp_api
from spiders.responses import header as _header
from spiders.responses import meta_of as _meta
from spiders.responses import original_url as _original_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from spiders import incremental
    from spiders.nightly import NightPlan
    from spiders.registry import SiteEntry

logger = logging.getLogger(__name__)


class SourcePages:
    """The sources half of NewsSpider (mixed in; it uses the spider's request helpers)."""

    site: SiteEntry
    plan: NightPlan
    policy: incremental.Policy
    known: dict[str, Any]
    settings: Any
    crawler: Crawler
    _backlog: deque[Iterator[Request]]
    _rolled: bool

    # Provided by NewsSpider and ListingPages.
    _not_modified: Callable[..., bool]
    _guess_missing: Callable[..., bool]
    _remember: Callable[..., None]
    _inc: Callable[..., None]
    _candidate: Callable[..., Request | None]
    _unless_missing: Callable[[Request], Iterator[Request]]
    _rolling_revalidation: Callable[[], list[Request]]
    _listing_request: Callable[..., Request]
    build_request: Callable[..., Request]

    # --- robots and sitemaps ----------------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        source = _original_url(_meta(response), response.url)
        if self._not_modified(response):
            return
        if self._guess_missing(response):
            # No robots.txt: normal (everything allowed), and remembered like a missing guess.
            self.plan.check(source, "robots", False, datetime.now(UTC))
            return
        self.plan.check(source, "robots", True, datetime.now(UTC))
        # A container: robots.txt does not change when the sitemaps it names do.
        self._remember(response, container=True)
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if discovery.accept_child_sitemap(url, self.site):
                yield from self._unless_missing(self._sitemap_request(url, parent=response))

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        source = _original_url(_meta(response), response.url)
        if self._not_modified(response):
            self.plan.check(source, "sitemap", True, datetime.now(UTC))
            return
        if self._guess_missing(response):
            self.plan.check(source, "sitemap", False, datetime.now(UTC))
            return
        body = self._sitemap_body(response)
        parsed = discovery.parse_sitemap(body, response.url) if body else None
        if parsed is None or parsed.kind is None:
            # /sitemap.xml answered by the home page, an empty body, a size limit: not a sitemap.
            logger.debug("not a sitemap: %s", response.url)
            if body is not None:
                self._remember(response)
                self.plan.check(source, "sitemap", False, datetime.now(UTC))
            return
        self.plan.check(source, "sitemap", True, datetime.now(UTC))
        self._inc("warta/sitemaps")
        if parsed.kind == "sitemapindex":
            # A container too: WordPress core indexes carry no <lastmod>, so an index can stay
            # byte-identical while its children change.
            self._remember(response, container=True)
            for child in parsed.entries:
                if discovery.accept_child_sitemap(child.loc, self.site):
                    yield from self._unless_missing(
                        self._sitemap_request(child.loc, parent=response)
                    )
            return
        self._remember(response)
        yield from self._batched(self._sitemap_candidates(parsed, response))

    def _sitemap_candidates(
        self, parsed: discovery.ParsedSitemap, response: Response
    ) -> Iterator[Request]:
        for item in parsed.entries:
            if not discovery.accept_sitemap_location(item.loc, self.site):
                continue
            via = "news-sitemap" if item.is_news else "sitemap"
            request = self._candidate(
                item.loc,
                via,
                lastmod=item.lastmod,
                published=item.news_published,
                changed_at=item.lastmod,
                # A news sitemap lists only the newest posts; a plain one may list thousands.
                revalidate=item.is_news,
                parent=response,
            )
            if request is not None:
                yield request

    def _batched(self, requests: Iterator[Request]) -> Iterator[Request]:
        """The first WARTA_SITEMAP_BATCH requests now, the rest kept lazily in the backlog and
        fed when the crawl runs dry (spider_idle): a huge sitemap costs the scheduler one batch of
        requests, not all of them at once."""
        size = max(self.settings.getint("WARTA_SITEMAP_BATCH", 1000), 1)
        for count, request in enumerate(requests, 1):
            yield request
            if count >= size:
                self._backlog.append(requests)
                return

    def _feed_backlog(self) -> None:
        """spider_idle: hand the scheduler the next batch of backlogged sitemap candidates;
        when none are left, once, the rolling revalidation (last, so that it spends only what
        the listings' revalidations left of the budget)."""
        engine = self.crawler.engine
        size = max(self.settings.getint("WARTA_SITEMAP_BATCH", 1000), 1)
        sent = 0
        while self._backlog and sent < size:
            request = next(self._backlog[0], None)
            if request is None:
                self._backlog.popleft()
                continue
            engine.crawl(request)
            sent += 1
        if sent:
            self._inc("warta/sitemap_batches")
            raise DontCloseSpider
        if not self._rolled:
            self._rolled = True
            rolling = self._rolling_revalidation()
            for request in rolling:
                engine.crawl(request)
            if rolling:
                raise DontCloseSpider

    def _sitemap_body(self, response: Response) -> bytes | None:
        if not gzip_magic_number(response):
            # Served with Content-Encoding: gzip, HttpCompressionMiddleware already inflated it.
            return response.body
        max_size = response.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            return gunzip(response.body, max_size=max_size)
        # ValueError: over DOWNLOAD_MAXSIZE once inflated; the rest: a broken archive.
        except (ValueError, OSError, EOFError, struct.error):
            logger.warning("unreadable gzipped sitemap: %s", response.url)
            return None

    # --- feeds ------------------------------------------------------------------------------------

    def parse_feed(self, response: Response, page: int = 1) -> Iterator[Request]:
        """A feed: its entries are candidates, dated by their <updated> where stated. Pages after
        the first (the modified-order feed's `paged`, read only while every entry changed) are
        not sources of their own: neither remembered nor checked."""
        source = _original_url(_meta(response), response.url)
        first = page == 1
        if self._not_modified(response):
            if first:
                self.plan.check(source, "feed", True, datetime.now(UTC))
            return
        if self._guess_missing(response):
            if first:
                self.plan.check(source, "feed", False, datetime.now(UTC))
            return
        parsed = discovery.parse_feed(response.body, response.url)
        if first:
            self._remember(response)
            self.plan.check(source, "feed", parsed.is_feed, datetime.now(UTC))
        if not parsed.is_feed:
            logger.debug("not a feed: %s", response.url)
            return
        self._inc("warta/feeds")
        for entry in parsed.entries:
            if discovery.accept_feed_link(entry.url, self.site):
                request = self._candidate(
                    entry.url,
                    "feed",
                    published=entry.published,
                    changed_at=entry.updated,
                    revalidate=True,
                    parent=response,
                )
                if request is not None:
                    yield request
        if discovery.is_modified_feed(source) and self._all_changed(parsed):
            limit = self.settings.getint("WARTA_MODIFIED_FEED_MAX_PAGES", 10)
            if page < limit:
                self._inc("warta/feeds/modified_pages")
                yield self._feed_request(
                    discovery.modified_feed_url(self.site.home_url, page + 1),
                    parent=response,
                    guess=True,
                    page=page + 1,
                )

    def _all_changed(self, parsed: discovery.ParsedFeed) -> bool:
        """Whether every entry of a modified-order feed page was modified since the last finished
        crawl began: then the next page may hold more edits (a night of more than 10)."""
        since = self.plan.memory.last_complete_crawl_at
        if not self.known or since is None or not parsed.entries:
            return False
        since -= self.policy.clock_slack
        return all(e.updated is not None and e.updated > since for e in parsed.entries)

    # --- WordPress REST API -------------------------------------------------------------------

    def _rest_api_known(self) -> bool:
        return self.plan.source_found(wp_api.root_url(self.site.home_url), "rest-api")

    def _rest_api_request(self, page: int = 1) -> Request | None:
        """Page `page` of the site's posts by the REST API, modified since the last finished
        crawl began (all posts on a first crawl); None where it is off, remembered missing, or
        on a site with configured sources."""
        root = wp_api.root_url(self.site.home_url)
        if not self.settings.getbool("WARTA_WP_REST_API", True) or self.site.has_hints:
            return None
        if self.plan.skip_source(root):
            self._inc("warta/discovery/skipped_missing")
            return None
        since = self.plan.memory.last_complete_crawl_at if self.known else None
        if since is not None:
            since -= self.policy.clock_slack
        return self.build_request(
            wp_api.posts_url(self.site.home_url, page=page, modified_after=since),
            self.parse_rest_api,
            kind="rest-api",
            cb_kwargs={"page": page},
        )

    def parse_rest_api(self, response: Response, page: int) -> Iterator[Request]:
        """One page of the REST API's posts: each is a candidate dated by its `modified`. If the
        API does not answer as one, the listings it replaced are read after all."""
        root = wp_api.root_url(self.site.home_url)
        posts = wp_api.parse_posts(response.body) if response.status == 200 else None
        if posts is None:
            if page == 1:
                self._inc("warta/discovery/rest_api_missing")
                self.plan.check(root, "rest-api", False, datetime.now(UTC))
                if self._rest_api_known() and not self.plan.found_sources("sitemap"):
                    yield self._listing_request(
                        self.site.home_url, self.site.home_url, 1, home=True
                    )
            return
        self._inc("warta/rest_api/pages")
        if page == 1:
            self.plan.check(root, "rest-api", True, datetime.now(UTC))
            pages = wp_api.total_pages(_header(response.headers, b"X-WP-TotalPages"))
            limit = self.settings.getint("WARTA_REST_API_MAX_PAGES", 100)
            for number in range(2, min(pages, limit) + 1):
                request = self._rest_api_request(number)
                if request is not None:
                    yield request
        for post in posts:
            if not discovery.accept_feed_link(post.link, self.site):
                continue
            request = self._candidate(
                post.link,
                "rest-api",
                published=post.published,
                changed_at=post.modified,
                parent=response,
            )
            if request is not None:
                yield request

    def _sitemap_request(
        self, url: str, *, parent: Response | None = None, guess: bool = False
    ) -> Request:
        return self.build_request(
            url, self.parse_sitemap, kind="sitemap", parent=parent, guess=guess
        )

    def _feed_request(
        self, url: str, *, parent: Response | None = None, guess: bool = False, page: int = 1
    ) -> Request:
        return self.build_request(
            url, self.parse_feed, kind="feed", cb_kwargs={"page": page}, parent=parent, guess=guess
        )
