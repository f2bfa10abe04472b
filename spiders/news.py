"""NewsSpider: the one generic spider behind every registry site.

Discovery runs through sitemaps (robots.txt, WordPress paths or configured), RSS/Atom feeds,
listing pages (paginated) and in-site links; every candidate page is fetched once and handed to
the pipelines as a PageItem, which decide whether it is an article. The pure rules live in
spiders/discovery.py; this module only wires them to Scrapy.

Stats: warta/discovered/<via> (unique candidates per source: sitemap, news-sitemap, feed,
listing, link), warta/not_fetched (candidates should_fetch declined), warta/sitemaps,
warta/feeds and warta/listing_pages (documents read).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.items import PageItem
from spiders import discovery
from spiders.registry import SiteEntry

logger = logging.getLogger(__name__)

_FEED_LINKS = "link[rel~=alternate][href], a[rel~=alternate][href]"
_NEXT_LINKS = (
    "link[rel~=next]::attr(href), a[rel~=next]::attr(href), a.next::attr(href),"
    " .nav-previous a::attr(href), a.next.page-numbers::attr(href)"
)


class NewsSpider(scrapy.Spider):
    """Generic news-site spider; the loader subclasses it per registry entry (`name`, `site`)."""

    # Set on each per-site subclass by spiders.loader; pipelines read it as `spider.site`.
    site: ClassVar[SiteEntry]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(getattr(type(self), "site", None), SiteEntry):
            raise TypeError(f"{type(self).__name__} has no registry entry (class attribute site)")
        # Host names only: Scrapy's OffsiteMiddleware ignores ports, so is_in_site does the rest.
        self.allowed_domains = list(self.site.hosts)
        self._seen_candidates: set[str] = set()

    # --- hooks ------------------------------------------------------------------------------------

    def should_fetch(self, url: str, *, lastmod: datetime | None = None) -> bool:
        """Whether to request a candidate page; incremental crawling overrides this."""
        return True

    def build_request(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        kind: str,
        cb_kwargs: dict[str, Any] | None = None,
    ) -> Request:
        """Every request the spider makes goes through here (conditional headers go here later).

        `kind` (robots, sitemap, feed, listing, follow, candidate) is kept in meta["warta_kind"].
        """
        return Request(url, callback=callback, cb_kwargs=cb_kwargs or {}, meta={"warta_kind": kind})

    # --- start ------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> Iterator[Request]:
        """The start plan (see discovery.start_plan) as requests; synchronous for easy testing."""
        builders: dict[str, Callable[[str], Request]] = {
            "robots": lambda url: self.build_request(url, self.parse_robots, kind="robots"),
            "sitemap": self._sitemap_request,
            "feed": self._feed_request,
            "listing": lambda url: self._listing_request(url, url, 1),
            "home": lambda url: self._listing_request(url, url, 1, home=True),
        }
        for target in discovery.start_plan(self.site):
            yield builders[target.kind](target.url)

    # --- robots and sitemaps ----------------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if discovery.accept_child_sitemap(url, self.site):
                yield self._sitemap_request(url)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = self._sitemap_body(response)
        parsed = discovery.parse_sitemap(body, response.url) if body else None
        if parsed is None or parsed.kind is None:
            # /sitemap.xml answered by the home page, an empty body, a size limit: not a sitemap.
            logger.debug("not a sitemap: %s", response.url)
            return
        self._inc("warta/sitemaps")
        if parsed.kind == "sitemapindex":
            for child in parsed.entries:
                if discovery.accept_child_sitemap(child.loc, self.site):
                    yield self._sitemap_request(child.loc)
            return
        for item in parsed.entries:
            if not discovery.accept_sitemap_location(item.loc, self.site):
                continue
            via = "news-sitemap" if item.is_news else "sitemap"
            request = self._candidate(
                item.loc, via, lastmod=item.lastmod, published=item.news_published
            )
            if request is not None:
                yield request

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

    def parse_feed(self, response: Response) -> Iterator[Request]:
        parsed = discovery.parse_feed(response.body, response.url)
        if not parsed.is_feed:
            logger.debug("not a feed: %s", response.url)
            return
        self._inc("warta/feeds")
        for entry in parsed.entries:
            if discovery.accept_feed_link(entry.url, self.site):
                request = self._candidate(entry.url, "feed", published=entry.published)
                if request is not None:
                    yield request

    # --- listings ---------------------------------------------------------------------------------

    def parse_listing(
        self, response: Response, root: str, page: int, home: bool = False
    ) -> Iterator[Request]:
        """A listing page (or the home page): its articles, its next page, and — on the home page —
        the site's feeds and category listings."""
        if not isinstance(response, TextResponse) or not self.site.is_in_site(response.url):
            return
        self._inc("warta/listing_pages")
        if home and page == 1:
            yield from self._announced_feeds(response)
        for url in self._links(response):
            kind = discovery.classify_link(url, self.site)
            if kind == "listing" and home and page == 1:
                yield self._listing_request(url, url, 1)
            else:
                yield from self._link_request(url, kind, "listing", depth=1)
        if page < self._listing_depth():
            yield from self._next_pages(response, root, page, home)

    def _announced_feeds(self, response: TextResponse) -> Iterator[Request]:
        for link in response.css(_FEED_LINKS):
            if not discovery.is_feed_type(link.attrib.get("type")):
                continue
            url = response.urljoin(link.attrib["href"])
            if discovery.accept_feed_url(url, self.site, title=link.attrib.get("title")):
                yield self._feed_request(url)

    def _next_pages(
        self, response: TextResponse, root: str, page: int, home: bool
    ) -> Iterator[Request]:
        built = discovery.listing_page_url(root, page + 1, self.site.listing_page_pattern)
        found = [response.urljoin(href) for href in response.css(_NEXT_LINKS).getall()]
        found += [
            response.urljoin(a.attrib["href"])
            for a in response.css("a[href]")
            if discovery.is_next_link_text(a.css("::text").get())
        ]
        for url in dict.fromkeys([built, *found]):
            if self.site.is_in_site(url):
                yield self._listing_request(root, url, page + 1, home=home)

    def _listing_depth(self) -> int:
        return self.site.listing_depth or self.settings.getint("WARTA_LISTING_DEPTH")

    # --- pages ------------------------------------------------------------------------------------

    def parse_page(
        self,
        response: Response,
        via: str,
        published: datetime | None = None,
        depth: int | None = None,
    ) -> Iterator[PageItem | Request]:
        """A candidate page: always an item (extract decides article-or-not), plus its links when
        it was reached by links and the link depth allows."""
        if not self.site.is_in_site(response.url):
            logger.debug("redirected out of the site, dropped: %s", response.url)
            return
        yield self.page_item(response, via, published)
        yield from self._follow_links(response, depth)

    def parse_follow(self, response: Response, depth: int) -> Iterator[Request]:
        """An in-site page that is not an article candidate (article_url_pattern): links only."""
        if self.site.is_in_site(response.url):
            yield from self._follow_links(response, depth)

    def page_item(
        self, response: Response, via: str, published: datetime | None = None
    ) -> PageItem:
        headers = response.headers
        return PageItem(
            site=self.name,
            url=response.url,
            status=response.status,
            body=response.body,
            http_encoding=discovery.charset_from_content_type(_header(headers, b"Content-Type")),
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            fetched_at=datetime.now(UTC),
            discovered_via=via,
            hinted_published_at=published,
        )

    def _follow_links(self, response: Response, depth: int | None) -> Iterator[Request]:
        # Sitemap and feed candidates carry no depth: their links are the sitemap's job.
        max_depth = self.settings.getint("WARTA_LINK_DEPTH")
        if depth is None or depth >= max_depth or not isinstance(response, TextResponse):
            return
        for url in self._links(response):
            kind = discovery.classify_link(url, self.site)
            yield from self._link_request(url, kind, "link", depth=depth + 1)

    # --- requests ---------------------------------------------------------------------------------

    def _link_request(self, url: str, kind: str, via: str, *, depth: int) -> Iterable[Request]:
        if kind == "candidate":
            request = self._candidate(url, via, depth=depth)
            return [request] if request is not None else []
        # A follow page is fetched only for its links, so none at the last depth.
        if kind == "follow" and depth < self.settings.getint("WARTA_LINK_DEPTH"):
            return [
                self.build_request(
                    url, self.parse_follow, kind="follow", cb_kwargs={"depth": depth}
                )
            ]
        return []

    def _candidate(
        self,
        url: str,
        via: str,
        *,
        lastmod: datetime | None = None,
        published: datetime | None = None,
        depth: int | None = None,
    ) -> Request | None:
        """The one request for a candidate page, or None if already seen or not wanted."""
        url = discovery.canonicalize(url, self.site.strip_query_params)
        if url in self._seen_candidates:
            return None
        self._seen_candidates.add(url)
        self._inc(f"warta/discovered/{via}")
        if not self.should_fetch(url, lastmod=lastmod):
            self._inc("warta/not_fetched")
            return None
        return self.build_request(
            url,
            self.parse_page,
            kind="candidate",
            cb_kwargs={"via": via, "published": published, "depth": depth},
        )

    def _sitemap_request(self, url: str) -> Request:
        return self.build_request(url, self.parse_sitemap, kind="sitemap")

    def _feed_request(self, url: str) -> Request:
        return self.build_request(url, self.parse_feed, kind="feed")

    def _listing_request(self, root: str, url: str, page: int, *, home: bool = False) -> Request:
        return self.build_request(
            url,
            self.parse_listing,
            kind="listing",
            cb_kwargs={"root": root, "page": page, "home": home},
        )

    def _links(self, response: TextResponse) -> Iterator[str]:
        seen: set[str] = set()
        for href in response.css("a[href]::attr(href), area[href]::attr(href)").getall():
            url = discovery.canonicalize(
                response.urljoin(href.strip()), self.site.strip_query_params
            )
            if url not in seen:
                seen.add(url)
                yield url

    def _inc(self, key: str) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.inc_value(key)


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1").strip() if value else None
