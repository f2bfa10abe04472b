"""Listing pages for NewsSpider: the home page, category listings and their pagination.

Pagination rule (issue 11): once the archive knows the site, a listing is paged past page N
only when page N's own items (not its sidebars of popular or latest posts, which repeat on every
page) include an article the archive did not know before this crawl began. Articles fetched
earlier in the same crawl still count as new: a post shown on page 1 and, pushed down by a newer
one, on page 2 must not stop the pagination that would find a backdated post on page 3. A deep
pass (the site's first crawl, then every WARTA_DEEP_PASS_DAYS on sites without a sitemap or REST
API to show backdated posts) pages every listing to WARTA_DEEP_PASS_MAX_PAGES.

A listing that shows its items' change dates ("Terakhir diperbarui …", spiders/listing_dates.py)
is remembered as a "dated-listing": its dates are change signals like a feed's <updated>, and a
sitemap (whose <lastmod> may be missing) no longer replaces it on ordinary nights.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.http import Request, Response, TextResponse

from spiders import discovery, incremental
from spiders.listing_dates import shown_change_dates

if TYPE_CHECKING:
    from spiders.nightly import NightPlan
    from spiders.registry import SiteEntry

_FEED_LINKS = "link[rel~=alternate][href], a[rel~=alternate][href]"
_NEXT_LINKS = (
    "link[rel~=next]::attr(href), a[rel~=next]::attr(href), a.next::attr(href),"
    " .nav-previous a::attr(href), a.next.page-numbers::attr(href)"
)
# Page furniture whose links are not the listing's own items: sidebars and widgets of popular,
# latest or related posts, menus, headers and footers.
_FURNITURE = (
    "ancestor::aside or ancestor::nav or ancestor::footer or ancestor::header or "
    "ancestor::*[re:test(concat(@class, ' ', @id), "
    "'sidebar|widget|popular|populer|terpopuler|trending|related|terkait|terbaru|latest', 'i')]"
)
_OWN_LINKS = f"//a[@href][not({_FURNITURE})]/@href"


def own_item_links(response: TextResponse) -> list[str]:
    """The hrefs of a listing page outside its furniture (all of them when nothing is left:
    a page built only of what looks like widgets is still the listing)."""
    own = response.xpath(_OWN_LINKS).getall()
    return own or response.css("a[href]::attr(href)").getall()


def listing_has_news(candidates: Iterable[str], known_before: Callable[[str], bool]) -> bool:
    """Whether a listing page is worth paginating past: one of its own items is an article the
    archive did not know when this crawl began."""
    return any(not known_before(url) for url in candidates)


class ListingPages:
    """The listing half of NewsSpider (mixed in; it uses the spider's request helpers)."""

    site: SiteEntry
    plan: NightPlan
    known: dict[str, Any]
    settings: Any
    _discovery_requested: set[str]
    _incomplete: set[str]

    # Provided by NewsSpider.
    _not_modified: Callable[..., bool]
    _guess_missing: Callable[..., bool]
    _remember: Callable[..., None]
    _inc: Callable[..., None]
    _links: Callable[[TextResponse], Iterator[str]]
    _link_request: Callable[..., Iterable[Request]]
    _feed_request: Callable[..., Request]
    _unless_missing: Callable[[Request], Iterator[Request]]
    build_request: Callable[..., Request]
    archive_url: Callable[[], str | None]
    known_url: Callable[[str], Any]

    def parse_listing(
        self, response: Response, root: str, page: int, home: bool = False
    ) -> Iterator[Request]:
        """A listing page (or the home page): its articles, its next page, and — on the home page —
        the site's feeds and category listings."""
        if self._not_modified(response):
            if home and page == 1:
                yield from self._home_rechecks(response)
            return
        if self._guess_missing(response):
            # A built page URL the site does not have (it paginates otherwise, or the listing
            # ends there): remembered, so neither a night nor the next deep pass within the
            # re-probe cycle asks for it again.
            self.plan.check(response.url, "listing", False, datetime.now(UTC))
            return
        if not isinstance(response, TextResponse) or not self.site.is_in_site(response.url):
            return
        self._inc("warta/listing_pages")
        self._remember(response)
        if page == 1:
            self.plan.check(root, "listing", True, datetime.now(UTC))
        if home and page == 1:
            yield from self._announced_feeds(response)
        own = {self._canonical(response.urljoin(href.strip())) for href in own_item_links(response)}
        # Where the items show when they were changed, that date decides (like a feed's
        # <updated>), and links without one (sidebars) are not revalidated blindly.
        shown = shown_change_dates(response, own, self._canonical)
        if shown:
            self._inc("warta/listing_dates/items", len(shown))
            if page == 1:
                self.plan.check(root, "dated-listing", True, datetime.now(UTC))
        candidates = []
        for url in self._links(response):
            kind = discovery.classify_link(url, self.site)
            if kind == "candidate" and url in own:
                candidates.append(url)
            if kind == "listing" and home and page == 1:
                yield from self._unless_missing(self._listing_request(url, url, 1, parent=response))
            else:
                yield from self._link_request(
                    url, kind, "listing", depth=1, parent=response, revalidate=not shown,
                    changed_at=shown.get(url),
                )
        deep = self._deep_pass()
        news = not self.known or deep or listing_has_news(
            candidates, lambda u: self.known_url(u) is not None
        )
        if page < self._listing_depth():
            if news:
                yield from self._next_pages(response, root, page, home)
            else:
                self._inc("warta/incremental/listing_stopped")

    def _canonical(self, url: str) -> str:
        return discovery.canonicalize(url, self.site.strip_query_params)

    def _deep_pass(self) -> bool:
        """Tonight pages every listing to full depth: the plan says a deep pass is due and no
        dated source (a sitemap, the REST API) already shows backdated posts."""
        if not self.plan.deep_pass or self.archive_url() is None:
            return False
        return not (self.plan.found_sources("sitemap") or self.plan.found_sources("rest-api"))

    def _home_rechecks(self, response: Response) -> Iterator[Request]:
        for url, kind in incremental.rechecks_after_home_not_modified(self.known, self.site):
            if url in self._discovery_requested:
                continue
            self._inc("warta/incremental/home_rechecks")
            if kind == "feed":
                yield from self._unless_missing(self._feed_request(url, parent=response))
            else:
                yield from self._unless_missing(self._listing_request(url, url, 1, parent=response))

    def _announced_feeds(self, response: TextResponse) -> Iterator[Request]:
        for link in response.css(_FEED_LINKS):
            if not discovery.is_feed_type(link.attrib.get("type")):
                continue
            url = response.urljoin(link.attrib["href"])
            if discovery.accept_feed_url(url, self.site, title=link.attrib.get("title")):
                yield from self._unless_missing(self._feed_request(url, parent=response))

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
        # The built URL (WordPress's /page/N/) only where the page links no next page itself:
        # a site that links its pages paginates its own way.
        for url in dict.fromkeys(found or [built]):
            if self.site.is_in_site(url):
                yield from self._unless_missing(
                    self._listing_request(
                        root, url, page + 1, home=home, parent=response, guess=url not in found
                    )
                )

    def _listing_depth(self) -> int:
        if self._deep_pass():
            return self.settings.getint("WARTA_DEEP_PASS_MAX_PAGES", 50)
        return self.site.listing_depth or self.settings.getint("WARTA_LISTING_DEPTH")

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

