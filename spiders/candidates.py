"""Candidate pages for NewsSpider: a fetched page becomes a PageItem (extraction decides whether
it is an article), and its in-site links become candidate requests, within the link depth and
the incremental rules (spiders/incremental.py). Also the answers every discovery document
shares: a 304, a guessed URL that 404'd, and the validators remembered for the next night.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.http import Request, Response, TextResponse

from crawler.items import PageItem
from spiders import discovery, incremental
from spiders.responses import MISSING_STATUSES
from spiders.responses import header as _header
from spiders.responses import meta_of as _meta
from spiders.responses import original_url as _original_url

if TYPE_CHECKING:
    from spiders.nightly import NightPlan
    from spiders.registry import SiteEntry

logger = logging.getLogger(__name__)



class CandidatePages:
    """The page half of NewsSpider (mixed in; it uses the spider's request helpers and state)."""

    name: str
    site: SiteEntry
    plan: NightPlan
    settings: Any
    policy: incremental.Policy
    _seen_candidates: set[str]
    _undated_skips: set[str]
    _requested_candidates: set[str]
    _discovery_fetches: dict[str, incremental.DiscoveryFetch]

    # Provided by NewsSpider.
    _inc: Callable[..., None]
    _refuse: Callable[[str, str], None]
    build_request: Callable[..., Request]
    known_url: Callable[[str], Any]
    should_fetch: Callable[..., bool]
    revalidation_budget: int
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
            conditional=_was_conditional(response),
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
        changed_at: datetime | None = None,
    ) -> Iterable[Request]:
        if kind == "candidate":
            request = self._candidate(
                url, via, depth=depth, parent=parent, revalidate=revalidate, changed_at=changed_at
            )
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
            # Seen already, but skipped for want of a date (a news sitemap, a listing): a
            # source that dates the URL (a sitemap's <lastmod>) decides again.
            if changed_at is None or url not in self._undated_skips:
                return None
            self._undated_skips.discard(url)
            self._inc("warta/incremental/dated_later")
        else:
            self._seen_candidates.add(url)
            self._inc(f"warta/discovered/{via}")
        known = self.known_url(url)
        if known is not None:
            # A changed listing is a reason to refetch its articles only where the site's
            # validators can be trusted (or, not known yet, within the night's budget).
            listed = revalidate and changed_at is None and known.kind == "article"
            if listed and not self.plan.may_revalidate_listed(self.revalidation_budget):
                self._inc("warta/revalidate/listed_not_trusted")
                revalidate = False
            decision = incremental.decide_candidate(
                known,
                changed_at=changed_at,
                listed_by_changed_page=revalidate,
                now=datetime.now(UTC),
                policy=self.policy,
            )
            self._inc(f"warta/incremental/{decision.reason}")
            if decision.reason == "revalidate":
                self.plan.revalidated += 1
                self._inc("warta/revalidate/listed")
            if not decision.fetch:
                self._inc("warta/not_fetched")
                if changed_at is None:
                    self._undated_skips.add(url)
                return None
        if not self.should_fetch(url, lastmod=lastmod):
            self._inc("warta/not_fetched")
            return None
        self._requested_candidates.add(url)
        return self.build_request(
            url,
            self.parse_page,
            kind="candidate",
            cb_kwargs={"via": via, "published": published, "depth": depth},
            parent=parent,
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


def _was_conditional(response: Response) -> bool:
    """Whether the request behind `response` carried validators (If-None-Match/-Modified-Since)."""
    try:
        headers = response.request.headers  # type: ignore[union-attr]
    except AttributeError:  # a response built without a request (tests, tools)
        return False
    return bool(headers.get(b"If-None-Match") or headers.get(b"If-Modified-Since"))
