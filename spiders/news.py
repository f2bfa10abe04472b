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

The night plan (spiders/nightly.py, issue 11) adds what the archive remembers per site: sources
remembered missing are not requested until due for a re-probe; where the REST API or a sitemap
answered before, the home page's listings are read only on deep-pass nights; noisy validators
are not sent; revalidation without a signal is budgeted (listed articles, then at spider_idle
the rolling revalidation of the stalest). The parts live in spiders/sources.py (robots,
sitemaps, feeds, REST API), spiders/listings.py (listings and pagination) and
spiders/candidates.py (candidate pages, their items and links).

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
backlog when the crawl ran dry). Nightly ones: warta/discovery/skipped_missing,
…/listings_replaced_by_rest_api, …/listings_replaced_by_sitemap, …/rest_api_missing,
warta/rest_api/pages, warta/revalidate/budget, …/listed, …/listed_not_trusted, …/rolling,
warta/incremental/dated_later (a URL skipped undated, then dated by a sitemap),
warta/feeds/modified_pages, warta/listing_dates/items, …/listings_read_for_dates, and
warta/validators/noisy (counted by the store), …/untrusted, …/trusted (the crawl's judgement).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Self

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from archive.crawls.seen import KnownUrl, load_known_urls, record_fetch_state
from archive.crawls.site_memory import SiteMemory, load_site_memory, record_crawl_lessons
from archive.identity.urlnorm import normalise_url
from archive.store.db import make_engine, session_factory
from crawler.pipelines import StorePipeline
from spiders import discovery, incremental, wp_api
from spiders.candidates import CandidatePages
from spiders.listings import ListingPages
from spiders.nightly import NightlyPolicy, NightPlan, revalidation_budget
from spiders.registry import SiteEntry
from spiders.responses import MISSING_STATUSES
from spiders.responses import original_url as _original_url
from spiders.sources import SourcePages

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)



class NewsSpider(CandidatePages, SourcePages, ListingPages, scrapy.Spider):
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
        self._undated_skips: set[str] = set()
        # Candidates requested tonight (keys): what the rolling revalidation leaves out.
        self._requested_candidates: set[str] = set()
        # Incremental state: empty `known` (no archive, first crawl, WARTA_INCREMENTAL off)
        # means a full crawl.
        self.known: dict[str, KnownUrl] = {}
        self.policy = incremental.Policy()
        # What the archive remembers about the site (sources, validators, deep pass) and what
        # this crawl learns; an empty memory (first crawl, no archive) probes everything.
        self.plan = NightPlan(SiteMemory(), NightlyPolicy(), datetime.now(UTC))
        self._budget: int | None = None
        self._rolled = False
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
        spider.plan.policy = NightlyPolicy(
            reprobe_missing=timedelta(days=settings.getfloat("WARTA_REPROBE_MISSING_DAYS", 7)),
            revalidate_cycle_days=settings.getfloat("WARTA_REVALIDATE_CYCLE_DAYS", 30),
            revalidate_min=settings.getint("WARTA_REVALIDATE_MIN", 2),
            revalidate_max=settings.getint("WARTA_REVALIDATE_MAX", 200),
            deep_pass=timedelta(days=settings.getfloat("WARTA_DEEP_PASS_DAYS", 7)),
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
            sessions = session_factory(engine)
            self.known = load_known_urls(sessions, self.site.name)
            self.plan.memory = load_site_memory(sessions, self.site.name)
        finally:
            engine.dispose()
        self._set("warta/incremental/known_urls", len(self.known))
        self._set("warta/revalidate/budget", self.revalidation_budget)
        if self.plan.validators_trusted is False:
            self._set("warta/validators/untrusted", 1)
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
        store_failed = bool(self._stat("warta/store/failed"))
        lessons = self.plan.lessons(
            # A crawl that lost pages (transient failures, store errors) does not move the REST
            # API's `modified_after` or the deep pass: next night looks as far back again.
            finished=reason == "finished",
            complete=not self._incomplete and not store_failed,
            noisy_pages=self._stat("warta/validators/noisy"),
            not_modified_pages=self._stat("warta/incremental/not_modified/candidate"),
            now=datetime.now(UTC),
        )
        if lessons.validators_trusted is not None:
            self._set("warta/validators/trusted", int(lessons.validators_trusted))
        engine = make_engine(url)
        try:
            sessions = session_factory(engine, writer=True)
            record_crawl_lessons(sessions, self.site.name, lessons)
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
            logger.error("could not record discovery state of %s: %s", self.name, exc)
            return
        finally:
            engine.dispose()
        self._set("warta/incremental/discovery_recorded", len(records))

    @property
    def revalidation_budget(self) -> int:
        """Archived articles this night may refetch without a change signal (spiders/nightly)."""
        if self._budget is None:
            # Aliases count too: close enough, and cheap to know.
            articles = sum(1 for k in self.known.values() if k.kind == "article")
            self._budget = revalidation_budget(articles, self.plan.policy)
        return self._budget

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
        if headers and kind == "candidate" and self.plan.validators_trusted is False:
            # The site's article ETags change with its sidebars: a conditional request only
            # costs headers, and a 200 to it says nothing. (Listings keep theirs: a 304 there
            # still saves a page, and a 200 costs nothing more.)
            headers = {}
        if headers and kind == "listing" and self._deep_pass():
            # A deep pass reads every listing to its end: a 304 for page 1 says nothing of a
            # post backdated onto page 3, and would end the pass there.
            headers = {}
        if headers:
            meta["handle_httpstatus_list"] = [*meta.get("handle_httpstatus_list", ()), 304]
            self._inc("warta/incremental/conditional")
        if kind in incremental.DISCOVERY_KINDS:
            self._discovery_requested.add(url)
        if kind == "rest-api":
            meta["handle_httpstatus_list"] = list(wp_api.MISSING_STATUSES)
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
            if status in MISSING_STATUSES and kind in ("sitemap", "feed", "listing"):
                # A source linked from the site that does not exist: not asked for nightly.
                self.plan.check(
                    _original_url(request.meta, request.url), kind, False, datetime.now(UTC)
                )
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
        Known discovery pages among them are requested conditionally (build_request); sources
        the archive remembers as missing are left out until due for a re-probe; where the
        WordPress REST API answered before, it replaces the home page's listings."""
        # Without hints the sitemap and feed URLs are WordPress's usual paths: guesses.
        guess = not self.site.has_hints
        rest = self._rest_api_request()
        builders: dict[str, Callable[[str], Request]] = {
            "robots": lambda url: self.build_request(
                url, self.parse_robots, kind="robots", guess=True
            ),
            "sitemap": lambda url: self._sitemap_request(url, guess=guess),
            "feed": lambda url: self._feed_request(url, guess=guess),
            "modified-feed": lambda url: self._feed_request(url, guess=guess),
            "listing": lambda url: self._listing_request(url, url, 1),
            "home": lambda url: self._listing_request(url, url, 1, home=True),
        }
        for target in discovery.start_plan(self.site):
            if target.kind == "modified-feed" and self._rest_api_known():
                continue  # the REST API's modified_after already dates every edit
            if target.kind == "home":
                if rest is not None:
                    yield rest
                if self._listings_replaced():
                    continue
            yield from self._unless_missing(builders[target.kind](target.url))

    def _listings_replaced(self) -> bool:
        """Whether tonight skips the home page and the listings behind it: where the REST API
        or a sitemap answered before, they list every post (backdated ones too), and listings
        add only noisy pages; they are still read on deep-pass nights, in case the sitemap
        lags behind the site."""
        if not self.known or self.plan.deep_pass:
            return False
        if self._rest_api_known():
            self._inc("warta/discovery/listings_replaced_by_rest_api")
            return True
        if self.plan.found_sources("sitemap"):
            if self.plan.found_sources("dated-listing"):
                # The listings show when posts changed: a sitemap (without <lastmod> as often as
                # not) lists every post but not that.
                self._inc("warta/discovery/listings_read_for_dates")
                return False
            self._inc("warta/discovery/listings_replaced_by_sitemap")
            return True
        return False

    def _unless_missing(self, request: Request) -> Iterator[Request]:
        """`request`, unless its URL is a source the archive remembers as missing and not yet
        due for a re-probe (WARTA_REPROBE_MISSING_DAYS)."""
        if self.plan.skip_source(_original_url(request.meta, request.url)):
            self._inc("warta/discovery/skipped_missing")
            return
        yield request

    def _rolling_revalidation(self) -> list[Request]:
        """The night's rolling share of the revalidation budget (NightPlan.rolling_count),
        spent on the archived articles checked longest ago that this crawl has not requested
        (conditionally where the site's validators are trusted): bounded staleness where no
        signal exists."""
        left = self.plan.rolling_count(self.revalidation_budget) if self.known else 0
        if not left:
            return []
        picks = incremental.rolling_picks(
            self.known,
            left,
            self._requested_candidates,
            lambda url: discovery.canonicalize(url, self.site.strip_query_params),
        )
        requests = []
        for url in picks:
            key = discovery.canonicalize(url, self.site.strip_query_params)
            self._seen_candidates.add(key)
            self._requested_candidates.add(key)
            self._inc("warta/revalidate/rolling")
            requests.append(
                self.build_request(
                    url,
                    self.parse_page,
                    kind="candidate",
                    cb_kwargs={"via": "revalidate", "published": None, "depth": None},
                )
            )
        return requests

    # --- pages ------------------------------------------------------------------------------------

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
