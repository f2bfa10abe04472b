"""NewsSpider: the one generic spider behind every registry site.

Discovery runs through sitemaps (robots.txt, WordPress paths or configured), RSS/Atom feeds,
listing pages (paginated) and in-site links; every candidate page is fetched once and handed to
the pipelines as a PageItem, which decide whether it is an article. The pure rules live in
spiders/discovery.py; this module only wires them to Scrapy.

Incremental crawling (the decisions are in spiders/incremental.py): at spider open the spider
loads what the archive knows about the site's URLs; known articles are skipped unless a sitemap
<lastmod> or feed <updated> says they changed or, lacking a date, a listing/feed/news sitemap that
lists them changed (then they are revalidated); known non-articles until they are due for a
recheck; every request to a URL with stored validators is conditional, and a 304 ends the
branch (a 304 article becomes a status-304 PageItem the store records as seen). Discovery pages'
validators are written back only when the crawl finished, and without validators where the
crawl could not follow everything behind them. An empty archive gives a full crawl.

Stats: warta/discovered/<via> (unique candidates per source: sitemap, news-sitemap, feed,
listing, link), warta/not_fetched (candidates not requested: should_fetch or incremental),
warta/sitemaps, warta/feeds and warta/listing_pages (documents read); incremental ones under
warta/incremental/: known_urls, conditional (requests sent with validators),
not_modified/<kind> (304s by meta["warta_kind"]), changed, revalidate, recheck_rejected,
skipped_lastmod, skipped_known, skipped_rejected, skipped_discovery, listing_stopped,
home_rechecks, incomplete_pages and discovery_recorded. Drops, counted into the run record:
warta/errors/http_<status> (a listed page that answered an HTTP error), warta/rejected/<reason>
and warta/errors/<reason> for pages refused by a bound (too-large: over DOWNLOAD_MAXSIZE, also
once decompressed; offsite-redirect), and warta/sitemap_batches (sitemap candidates fed from the
backlog when the crawl ran dry).
"""

from __future__ import annotations

import logging
import struct
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Self

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.conf import build_component_list
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.misc import load_object
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from archive.db import make_engine, session_factory
from archive.seen import KnownUrl, load_known_urls, record_fetch_state
from archive.urlnorm import normalise_url
from crawler.items import PageItem
from crawler.pipelines import StorePipeline
from spiders import discovery, incremental
from spiders.registry import SiteEntry

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Statuses by which a server says a guessed URL does not exist.
MISSING_STATUSES = (404, 410)
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
        # Incremental state: empty `known` (no archive, first crawl, WARTA_INCREMENTAL off)
        # means a full crawl.
        self.known: dict[str, KnownUrl] = {}
        self.policy = incremental.Policy()
        self._discovery_fetches: dict[str, incremental.DiscoveryFetch] = {}
        self._incomplete: set[str] = set()
        self._discovery_requested: set[str] = set()
        self._listing_links: dict[str, set[str]] = {}
        # Pages refused by a bound (too large, off-site redirect): normalised URL → reason, when.
        self._refused: dict[str, tuple[str, datetime]] = {}
        # Sitemap candidates not yet handed to the scheduler (see _batched).
        self._backlog: deque[Iterator[Request]] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.policy = incremental.Policy(
            rejected_recheck=timedelta(days=settings.getfloat("WARTA_RECHECK_REJECTED_DAYS", 30)),
            clock_slack=timedelta(seconds=settings.getfloat("WARTA_LASTMOD_SLACK_SECONDS", 3600)),
        )
        crawler.signals.connect(spider.load_known, signal=signals.spider_opened)
        crawler.signals.connect(spider._feed_backlog, signal=signals.spider_idle)
        return spider

    # --- archive state ----------------------------------------------------------------------------

    def archive_url(self) -> str | None:
        """The archive this crawl stores into, or None: incremental crawling needs the store
        (ITEM_PIPELINES without it, as in `-O` exports and tests, means a full crawl) and
        WARTA_INCREMENTAL (off: a full re-crawl, revisions still deduplicated by the store)."""
        crawler = getattr(self, "crawler", None)
        if crawler is None:
            return None
        settings = crawler.settings
        if not settings.getbool("WARTA_INCREMENTAL", True) or not _stores(settings):
            return None
        return settings.get("WARTA_DATABASE_URL") or None

    def load_known(self) -> None:
        """What the archive knows about this site, loaded once when the spider opens."""
        url = self.archive_url()
        if url is None:
            return
        engine = make_engine(url)
        try:
            self.known = load_known_urls(session_factory(engine), self.site.name)
        finally:
            engine.dispose()
        self._set("warta/incremental/known_urls", len(self.known))
        logger.info("incremental: %d URLs of %s known to the archive", len(self.known), self.name)

    def closed(self, reason: str) -> None:
        """Write back what this crawl learnt about pages that are not articles.

        Pages refused by a bound (too large, redirected off the site) are recorded as rejected
        whatever the finish, so the next night does not fetch them again unless a signal says
        they changed. Discovery pages' validators only after a finished crawl: a crawl stopped
        half-way must not make the next night skip a sitemap it did not follow; and none at all
        (the pages are remembered without validators, so read in full next night) when a page
        could not be stored: its source must not answer 304 and hide it."""
        url = self.archive_url()
        if url is None:
            return
        records: list[incremental.DiscoveryFetch] = []
        if reason == "finished" and self._discovery_fetches:
            incomplete: set[str] = set(self._incomplete)
            if self._stat("warta/store/failed"):
                incomplete.update(self._discovery_fetches)
                logger.warning(
                    "%s: pages could not be stored; discovery validators not kept", self.name
                )
            records = incremental.discovery_records(self._discovery_fetches.values(), incomplete)
        if not records and not self._refused:
            return
        engine = make_engine(url)
        try:
            sessions = session_factory(engine, writer=True)
            for page_url, (refused_reason, fetched_at) in self._refused.items():
                record_fetch_state(
                    sessions, self.site.name, page_url, "rejected", fetched_at,
                    reject_reason=refused_reason,
                )
            for fetch in records:
                record_fetch_state(
                    sessions,
                    self.site.name,
                    fetch.url,
                    "discovery",
                    fetch.fetched_at,
                    etag=fetch.etag,
                    last_modified=fetch.last_modified,
                )
        except Exception as exc:
            # The archive is already complete; only next night's shortcuts are lost.
            logger.error("could not record discovery pages of %s: %s", self.name, exc)
            return
        finally:
            engine.dispose()
        self._set("warta/incremental/discovery_recorded", len(records))

    def known_url(self, url: str) -> KnownUrl | None:
        """The archive's knowledge of `url`: discovery pages and rejected pages are stored as
        fetched, articles in urlnorm's identity form."""
        if not self.known:
            return None
        hit = self.known.get(url)
        if hit is None:
            try:
                hit = self.known.get(normalise_url(url, strip_params=self.site.strip_query_params))
            except ValueError:
                return None
        return hit

    # --- hooks ------------------------------------------------------------------------------------

    def should_fetch(self, url: str, *, lastmod: datetime | None = None) -> bool:
        """Whether to request a candidate page the incremental rules would fetch; a hook for
        site-specific spiders."""
        return True

    def build_request(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        kind: str,
        cb_kwargs: dict[str, Any] | None = None,
        parent: Response | None = None,
        guess: bool = False,
    ) -> Request:
        """Every request the spider makes goes through here.

        `kind` (robots, sitemap, feed, listing, follow, candidate) is kept in meta["warta_kind"];
        meta["warta_chain"] holds the discovery pages that led here (from `parent`, the response
        being parsed), so a failure can be charged to them. A URL with stored validators gets a
        conditional request that lets a 304 through to the callback.
        """
        meta: dict[str, Any] = {"warta_kind": kind}
        if guess:
            # A guessed URL (WordPress's usual paths, a built next page) may well not exist:
            # its 404 reaches the callback as a normal miss, not as a crawl error.
            meta["warta_guess"] = True
            meta["handle_httpstatus_list"] = list(MISSING_STATUSES)
        chain = self._chain(parent)
        if chain:
            meta["warta_chain"] = chain
        headers = incremental.validators(self.known_url(url), kind)
        if headers:
            meta["handle_httpstatus_list"] = [*meta.get("handle_httpstatus_list", ()), 304]
            self._inc("warta/incremental/conditional")
        if kind in incremental.DISCOVERY_KINDS:
            self._discovery_requested.add(url)
        return Request(
            url,
            callback=callback,
            errback=self.request_failed,
            cb_kwargs=cb_kwargs or {},
            meta=meta,
            headers=headers or None,
        )

    def request_failed(self, failure: Failure) -> Failure | None:
        """Charge a failure that may pass (timeout, 5xx, 429) to the discovery pages that led
        to the request, count it by kind in the run record, and log it as one line that says
        what failed: a dead site or a broken link is news for the operator, not a traceback.
        A page refused for its size (DOWNLOAD_MAXSIZE, also once decompressed) is 'too-large'
        and remembered, so the next night does not fetch it again unless it changes."""
        request: Request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("warta_kind", "page")
        status: int | None = None
        if _is_too_large(failure):
            self._refuse(_original_url(request.meta, request.url), "too-large")
            self.logger.warning("refused %s (%s): larger than DOWNLOAD_MAXSIZE", request.url, kind)
            return None
        if failure.check(HttpError):
            status = failure.value.response.status
            self._inc(f"warta/errors/http_{status}")
        elif failure.check(IgnoreRequest):
            return failure  # robots.txt, offsite, filters: decided, not failed
        if incremental.is_transient_status(status):
            chain = request.meta.get("warta_chain", ())
            if request.meta.get("warta_kind") in incremental.DISCOVERY_KINDS:
                chain = (*chain, _original_url(request.meta, request.url))
            new = set(chain) - self._incomplete
            self._incomplete.update(chain)
            if new:
                self._inc("warta/incremental/incomplete_pages", len(new))
        if status is None:
            self.logger.error(
                "could not fetch %s (%s): %s", request.url, kind, _failure_message(failure)
            )
        else:
            self.logger.warning("could not fetch %s (%s): HTTP %d", request.url, kind, status)
        return None

    def _refuse(self, url: str, reason: str) -> None:
        """Count a page refused by a bound, as a reject and an error of the run, and remember it."""
        self._inc(f"warta/rejected/{reason}")
        self._inc("warta/rejected")
        self._inc(f"warta/errors/{reason}")
        try:
            key = normalise_url(url, strip_params=self.site.strip_query_params)
        except ValueError:
            key = url
        self._refused[key] = (reason, datetime.now(UTC))

    # --- start ------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> Iterator[Request]:
        """The start plan (see discovery.start_plan) as requests; synchronous for easy testing.
        Known discovery pages among them are requested conditionally (build_request)."""
        # Without hints the sitemap and feed URLs are WordPress's usual paths: guesses.
        guess = not self.site.has_hints
        builders: dict[str, Callable[[str], Request]] = {
            "robots": lambda url: self.build_request(url, self.parse_robots, kind="robots"),
            "sitemap": lambda url: self._sitemap_request(url, guess=guess),
            "feed": lambda url: self._feed_request(url, guess=guess),
            "listing": lambda url: self._listing_request(url, url, 1),
            "home": lambda url: self._listing_request(url, url, 1, home=True),
        }
        for target in discovery.start_plan(self.site):
            yield builders[target.kind](target.url)
        yield from self._revalidate_stalest()

    def _revalidate_stalest(self) -> Iterator[Request]:
        """A few archived articles, the longest unchecked, asked for again every crawl
        (conditionally where the server allows): bounded staleness where no signal exists."""
        count = self.settings.getint("WARTA_REVALIDATE_PER_CRAWL", 0) if self.known else 0
        for url in incremental.stalest_articles(self.known, count):
            self._seen_candidates.add(discovery.canonicalize(url, self.site.strip_query_params))
            self._inc("warta/incremental/revalidate_stalest")
            yield self.build_request(
                url,
                self.parse_page,
                kind="candidate",
                cb_kwargs={"via": "revalidate", "published": None, "depth": None},
            )

    # --- robots and sitemaps ----------------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        if self._not_modified(response):
            return
        # A container: robots.txt does not change when the sitemaps it names do.
        self._remember(response, container=True)
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if discovery.accept_child_sitemap(url, self.site):
                yield self._sitemap_request(url, parent=response)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if self._not_modified(response) or self._guess_missing(response):
            return
        body = self._sitemap_body(response)
        parsed = discovery.parse_sitemap(body, response.url) if body else None
        if parsed is None or parsed.kind is None:
            # /sitemap.xml answered by the home page, an empty body, a size limit: not a sitemap.
            logger.debug("not a sitemap: %s", response.url)
            if body is not None:
                self._remember(response)
            return
        self._inc("warta/sitemaps")
        if parsed.kind == "sitemapindex":
            # A container too: WordPress core indexes carry no <lastmod>, so an index can stay
            # byte-identical while its children change.
            self._remember(response, container=True)
            for child in parsed.entries:
                if discovery.accept_child_sitemap(child.loc, self.site):
                    yield self._sitemap_request(child.loc, parent=response)
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
        """spider_idle: hand the scheduler the next batch of backlogged sitemap candidates."""
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
        if self._not_modified(response) or self._guess_missing(response):
            return
        self._remember(response)
        parsed = discovery.parse_feed(response.body, response.url)
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

    # --- listings ---------------------------------------------------------------------------------

    def parse_listing(
        self, response: Response, root: str, page: int, home: bool = False
    ) -> Iterator[Request]:
        """A listing page (or the home page): its articles, its next page, and — on the home page —
        the site's feeds and category listings.

        Once the archive knows the site, pagination stops at a page that links no candidate
        new to the archive and to this listing's earlier pages."""
        if self._not_modified(response):
            if home and page == 1:
                yield from self._home_rechecks(response)
            return
        if self._guess_missing(response):
            return
        if not isinstance(response, TextResponse) or not self.site.is_in_site(response.url):
            return
        self._inc("warta/listing_pages")
        self._remember(response)
        if home and page == 1:
            yield from self._announced_feeds(response)
        candidates = []
        for url in self._links(response):
            kind = discovery.classify_link(url, self.site)
            if kind == "candidate":
                candidates.append(url)
            if kind == "listing" and home and page == 1:
                yield self._listing_request(url, url, 1, parent=response)
            else:
                yield from self._link_request(
                    url, kind, "listing", depth=1, parent=response, revalidate=True
                )
        earlier = self._listing_links.setdefault(root, set())
        news = not self.known or incremental.listing_has_news(
            candidates, lambda u: self.known_url(u) is not None, earlier
        )
        earlier.update(candidates)
        if page < self._listing_depth():
            if news:
                yield from self._next_pages(response, root, page, home)
            else:
                self._inc("warta/incremental/listing_stopped")

    def _home_rechecks(self, response: Response) -> Iterator[Request]:
        for url, kind in incremental.rechecks_after_home_not_modified(self.known, self.site):
            if url in self._discovery_requested:
                continue
            self._inc("warta/incremental/home_rechecks")
            if kind == "feed":
                yield self._feed_request(url, parent=response)
            else:
                yield self._listing_request(url, url, 1, parent=response)

    def _announced_feeds(self, response: TextResponse) -> Iterator[Request]:
        for link in response.css(_FEED_LINKS):
            if not discovery.is_feed_type(link.attrib.get("type")):
                continue
            url = response.urljoin(link.attrib["href"])
            if discovery.accept_feed_url(url, self.site, title=link.attrib.get("title")):
                yield self._feed_request(url, parent=response)

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
                yield self._listing_request(
                    root, url, page + 1, home=home, parent=response, guess=url not in found
                )

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
        it was reached by links and the link depth allows. An archived article answering 304
        gives a status-304 item (the store records it was seen) and nothing else."""
        if self._not_modified(response):
            if self.site.is_in_site(response.url):
                yield self.page_item(response, via, published)
            return
        if not self.site.is_in_site(response.url):
            requested = _original_url(_meta(response), response.url)
            logger.warning("redirected off the site, not stored: %s -> %s", requested, response.url)
            self._refuse(requested, "offsite-redirect")
            return
        yield self.page_item(response, via, published)
        yield from self._follow_links(response, depth)

    def parse_follow(self, response: Response, depth: int) -> Iterator[Request]:
        """An in-site page that is not an article candidate (article_url_pattern): links only."""
        if self._not_modified(response):
            return
        if self.site.is_in_site(response.url):
            self._remember(response)
            yield from self._follow_links(response, depth, revalidate=True)

    def page_item(
        self, response: Response, via: str, published: datetime | None = None
    ) -> PageItem:
        headers = response.headers
        return PageItem(
            site=self.name,
            url=response.url,
            redirect_urls=list(_meta(response).get("redirect_urls", ())),
            status=response.status,
            body=response.body,
            http_encoding=discovery.charset_from_content_type(_header(headers, b"Content-Type")),
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            fetched_at=datetime.now(UTC),
            discovered_via=via,
            hinted_published_at=published,
        )

    def _follow_links(
        self, response: Response, depth: int | None, *, revalidate: bool = False
    ) -> Iterator[Request]:
        # Sitemap and feed candidates carry no depth: their links are the sitemap's job.
        max_depth = self.settings.getint("WARTA_LINK_DEPTH")
        if depth is None or depth >= max_depth or not isinstance(response, TextResponse):
            return
        for url in self._links(response):
            kind = discovery.classify_link(url, self.site)
            yield from self._link_request(
                url, kind, "link", depth=depth + 1, parent=response, revalidate=revalidate
            )

    # --- incremental helpers ----------------------------------------------------------------------

    def _not_modified(self, response: Response) -> bool:
        """Whether `response` is a 304 (only conditional requests let one through); a 304
        discovery page is remembered as revalidated."""
        if response.status != 304:
            return False
        meta = _meta(response)
        kind = meta.get("warta_kind", "unknown")
        self._inc(f"warta/incremental/not_modified/{kind}")
        if kind in incremental.DISCOVERY_KINDS:
            key = _original_url(meta, response.url)
            known = self.known_url(key)
            self._discovery_fetches[key] = incremental.DiscoveryFetch(
                key,
                datetime.now(UTC),
                _header(response.headers, b"ETag") or (known.etag if known else None),
                _header(response.headers, b"Last-Modified")
                or (known.last_modified if known else None),
            )
        return True

    def _guess_missing(self, response: Response) -> bool:
        """Whether `response` says a guessed URL does not exist (counted, not an error)."""
        if response.status not in MISSING_STATUSES or not _meta(response).get("warta_guess"):
            return False
        self._inc("warta/discovery/guess_missing")
        return True

    def _remember(self, response: Response, *, container: bool = False) -> None:
        """Note a discovery page read in full, to be recorded at a finished close."""
        key = _original_url(_meta(response), response.url)
        self._discovery_fetches[key] = incremental.DiscoveryFetch(
            key,
            datetime.now(UTC),
            _header(response.headers, b"ETag"),
            _header(response.headers, b"Last-Modified"),
            container=container,
        )

    def _chain(self, parent: Response | None) -> tuple[str, ...]:
        if parent is None:
            return ()
        meta = _meta(parent)
        chain: tuple[str, ...] = meta.get("warta_chain", ())
        if meta.get("warta_kind") in incremental.DISCOVERY_KINDS:
            chain = (*chain, _original_url(meta, parent.url))
        return chain

    # --- requests ---------------------------------------------------------------------------------

    def _link_request(
        self,
        url: str,
        kind: str,
        via: str,
        *,
        depth: int,
        parent: Response | None = None,
        revalidate: bool = False,
    ) -> Iterable[Request]:
        if kind == "candidate":
            request = self._candidate(url, via, depth=depth, parent=parent, revalidate=revalidate)
            return [request] if request is not None else []
        # A follow page is fetched only for its links, so none at the last depth.
        if kind == "follow" and depth < self.settings.getint("WARTA_LINK_DEPTH"):
            return [
                self.build_request(
                    url,
                    self.parse_follow,
                    kind="follow",
                    cb_kwargs={"depth": depth},
                    parent=parent,
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
        changed_at: datetime | None = None,
        revalidate: bool = False,
        parent: Response | None = None,
    ) -> Request | None:
        """The one request for a candidate page, or None if already seen or not wanted.

        `changed_at`: the source's change date (sitemap <lastmod>, feed <updated>) that lets an
        archived article be fetched again; `revalidate`: without a date, the source is a page
        that changed (incremental.decide_candidate)."""
        url = discovery.canonicalize(url, self.site.strip_query_params)
        if url in self._seen_candidates:
            return None
        self._seen_candidates.add(url)
        self._inc(f"warta/discovered/{via}")
        known = self.known_url(url)
        if known is not None:
            decision = incremental.decide_candidate(
                known,
                changed_at=changed_at,
                listed_by_changed_page=revalidate,
                now=datetime.now(UTC),
                policy=self.policy,
            )
            self._inc(f"warta/incremental/{decision.reason}")
            if not decision.fetch:
                self._inc("warta/not_fetched")
                return None
        if not self.should_fetch(url, lastmod=lastmod):
            self._inc("warta/not_fetched")
            return None
        return self.build_request(
            url,
            self.parse_page,
            kind="candidate",
            cb_kwargs={"via": via, "published": published, "depth": depth},
            parent=parent,
        )

    def _sitemap_request(
        self, url: str, *, parent: Response | None = None, guess: bool = False
    ) -> Request:
        return self.build_request(
            url, self.parse_sitemap, kind="sitemap", parent=parent, guess=guess
        )

    def _feed_request(
        self, url: str, *, parent: Response | None = None, guess: bool = False
    ) -> Request:
        return self.build_request(url, self.parse_feed, kind="feed", parent=parent, guess=guess)

    def _listing_request(
        self,
        root: str,
        url: str,
        page: int,
        *,
        home: bool = False,
        parent: Response | None = None,
        guess: bool = False,
    ) -> Request:
        return self.build_request(
            url,
            self.parse_listing,
            kind="listing",
            cb_kwargs={"root": root, "page": page, "home": home},
            parent=parent,
            guess=guess,
        )

    def _links(self, response: TextResponse) -> Iterator[str]:
        # Bounded: each link costs the reactor thread URL work, and a gallery page of 60,000
        # thumbnails kept it busy for half a minute (a stop waited for it). News pages link to a
        # few hundred URLs; listings paginate.
        limit = self.settings.getint("WARTA_MAX_LINKS_PER_PAGE", 1000)
        seen: set[str] = set()
        for href in response.css("a[href]::attr(href), area[href]::attr(href)").getall():
            url = discovery.canonicalize(
                response.urljoin(href.strip()), self.site.strip_query_params
            )
            if url not in seen:
                if len(seen) >= limit:
                    self._inc("warta/links/truncated_pages")
                    logger.info("%s links to more than %d URLs; only those were followed",
                                response.url, limit)
                    return
                seen.add(url)
                yield url

    def _inc(self, key: str, count: int = 1) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.inc_value(key, count)

    def _stat(self, key: str) -> int:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        return int(stats.get_value(key, 0)) if stats is not None else 0

    def _set(self, key: str, value: int) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.set_value(key, value)


def _is_too_large(failure: Failure) -> bool:
    """Whether Scrapy refused the response for DOWNLOAD_MAXSIZE: cancelled while downloading, or
    ignored when it inflated past the limit (a gzip bomb)."""
    if failure.check(DownloadCancelledError, CancelledError):
        return True
    return bool(failure.check(IgnoreRequest)) and "DOWNLOAD_MAXSIZE" in str(failure.value)


def _failure_message(failure: Failure) -> str:
    """A failure as words: some exceptions (a cancelled download) carry no message."""
    message = " ".join(failure.getErrorMessage().split())
    name = failure.type.__name__ if failure.type else "error"
    return f"{name}: {message}" if message and message != name else name


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1").strip() if value else None


def _stores(settings: Any) -> bool:
    """Whether ITEM_PIPELINES includes the archive store (or a subclass of it)."""
    for path in build_component_list(settings.getwithbase("ITEM_PIPELINES")):
        try:
            component = load_object(path)
        except (ImportError, NameError, ValueError):
            continue
        if isinstance(component, type) and issubclass(component, StorePipeline):
            return True
    return False


def _meta(response: Response) -> dict[str, Any]:
    try:
        return response.meta
    except AttributeError:  # a response built without a request (tests, tools)
        return {}


def _original_url(meta: dict[str, Any], url: str) -> str:
    """The URL first requested (before redirects): the one the next crawl requests again."""
    redirects = meta.get("redirect_urls")
    return redirects[0] if redirects else url
