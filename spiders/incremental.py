"""Pure decisions of incremental crawling: what a nightly crawl may skip, what it revalidates with a
conditional request, and which discovery pages' validators it may trust next night.

Nothing here touches Scrapy, the network or the database: NewsSpider feeds in what the archive
knows (archive.crawls.seen.KnownUrl) and what a sitemap, feed or link says, and acts on the answer.

The one rule behind every decision: a URL the archive already holds is skipped unless a signal
says it changed, and a discovery page is only trusted to be "nothing new behind it" (304) when the
crawl that last read it followed everything it pointed to.

Signals, strongest first: a date for the URL itself (sitemap <lastmod>, a feed entry's <updated>)
decides alone. Without one, a page that lists the URL and has itself changed since last night (a
listing, a feed, a news sitemap answering 200 rather than 304) is the only hint an edit may have
happened, so its archived articles are revalidated with conditional requests: sites that publish
no dates (listing-only CMSs, RSS without <updated>) would otherwise never show us an edit. This
stays cheap: the pages that change are the newest ones, a 304 carries no body, and an unchanged
night revalidates nothing because its listings answer 304. Plain sitemaps without <lastmod> are
left out: a changed sitemap lists thousands of URLs, not the few newest.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal, Protocol

from spiders import discovery
from spiders.registry import SiteEntry

Action = Literal["fetch", "conditional", "skip"]

# Request kinds (meta["warta_kind"]) whose pages lead to articles rather than being ones.
DISCOVERY_KINDS = frozenset({"robots", "sitemap", "feed", "listing", "follow", "rest-api"})

DEFAULT_REJECTED_RECHECK = timedelta(days=30)
DEFAULT_CLOCK_SLACK = timedelta(hours=1)


class Known(Protocol):
    """What archive.crawls.seen.KnownUrl offers (a protocol: this module needs no database
    import)."""

    @property
    def kind(self) -> str: ...
    @property
    def last_fetched_at(self) -> datetime: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def fetch_url(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Policy:
    rejected_recheck: timedelta = DEFAULT_REJECTED_RECHECK
    """A page judged not to be an article is fetched again only after this long."""
    clock_slack: timedelta = DEFAULT_CLOCK_SLACK
    """A change date counts as newer than our fetch unless it is older by at least this much:
    the site's clock is not ours, and CMSs in WIB sometimes label local time as UTC."""


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: str
    """Why, as a stats suffix: unknown, changed, revalidate, recheck_rejected (fetched) or
    skipped_lastmod, skipped_known, skipped_rejected, skipped_discovery (skipped)."""

    @property
    def fetch(self) -> bool:
        return self.action != "skip"


def decide_candidate(
    known: Known | None,
    *,
    changed_at: datetime | None = None,
    listed_by_changed_page: bool = False,
    now: datetime,
    policy: Policy = Policy(),
) -> Decision:
    """Whether to request a candidate page (an article or not: extract decides).

    `changed_at` is the source's change date for the URL: a sitemap <lastmod> or a feed
    entry's <updated>; None when the source gives none (links, news sitemaps, RSS items).
    `listed_by_changed_page`: the URL was found on a listing, feed or news sitemap that answered
    200 — it changed since the last crawl, perhaps because this article did.
    """
    if known is None:
        return Decision("fetch", "unknown")
    if known.kind == "article":
        if changed_at is not None:
            if is_newer(changed_at, known.last_fetched_at, policy.clock_slack):
                return Decision("conditional", "changed")
            return Decision("skip", "skipped_lastmod")
        if listed_by_changed_page:
            return Decision("conditional", "revalidate")
        return Decision("skip", "skipped_known")
    if known.kind == "rejected":
        # Not revalidated conditionally: a 304 would leave the store nothing to record, so the
        # page would come up for a recheck again every night.
        if now - known.last_fetched_at >= policy.rejected_recheck:
            return Decision("fetch", "recheck_rejected")
        return Decision("skip", "skipped_rejected")
    if known.kind == "discovery":
        # A sitemap, feed or listing page listed as a candidate (a home page in a page sitemap):
        # it is read as what it is, never stored as an article.
        return Decision("skip", "skipped_discovery")
    return Decision("fetch", "unknown")


def is_newer(changed_at: datetime, fetched_at: datetime, slack: timedelta) -> bool:
    """Whether a change stamp may be later than our fetch, erring towards yes."""
    return latest_instant(changed_at) > fetched_at - slack


def latest_instant(stamp: datetime) -> datetime:
    """The latest moment a parsed sitemap/feed date can stand for.

    A bare date (<lastmod>2024-05-28</lastmod>, parsed as midnight UTC) covers the whole day: an
    edit that afternoon still carries it, so it is read as the end of that day.
    """
    stamp = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
    if stamp.astimezone(UTC).timetz().replace(tzinfo=None) == time(0):
        return stamp + timedelta(days=1)
    return stamp


def validators(known: Known | None, kind: str) -> dict[str, str]:
    """Conditional request headers for a request of `kind` (meta["warta_kind"]) to a known URL.

    Candidates are revalidated only as archived articles (a 304 is then recorded as "seen");
    discovery requests only against a discovery page's own validators.
    """
    if known is None:
        return {}
    wanted = "discovery" if kind in DISCOVERY_KINDS else "article" if kind == "candidate" else ""
    if known.kind != wanted:
        return {}
    headers: dict[str, str] = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


# --- listings ------------------------------------------------------------------------------------


def listing_has_news(
    candidates: Iterable[str],
    is_known: Callable[[str], bool],
    earlier: Collection[str],
) -> bool:
    """Whether a listing page is worth paginating past: it links a candidate the archive does
    not know and that earlier pages of the same listing did not link already.

    The second condition matters on real sites: a sidebar of latest posts repeats on every page
    of every listing, so one new post would otherwise keep each listing paginating to its depth.
    """
    return any(url not in earlier and not is_known(url) for url in candidates)


def rechecks_after_home_not_modified(
    known: Mapping[str, Known], entry: SiteEntry
) -> Iterator[tuple[str, Literal["listing", "feed"]]]:
    """What to revalidate when the home page answers 304.

    An unchanged home page means its links are unchanged, not the listings and feeds behind
    them: a category the home page does not show can still have a new post. So the category
    listings and feeds the archive knows as discovery pages are revalidated (each costs a 304
    when nothing changed). Pagination pages are left to their first page.
    """
    for url, info in known.items():
        if info.kind != "discovery" or not entry.is_in_site(url):
            continue
        if discovery.is_feed_path(url) and discovery.accept_feed_url(url, entry):
            yield url, "feed"
        elif (
            discovery.looks_like_listing(url)
            and not discovery.is_pagination(url)
            and not discovery.is_ignored(url, entry)
        ):
            yield url, "listing"


# --- trusting discovery pages --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscoveryFetch:
    """A discovery page as this crawl read it (200) or revalidated it (304)."""

    url: str
    fetched_at: datetime
    etag: str | None
    last_modified: str | None
    container: bool = False
    """robots.txt or a sitemap index: its body lists other discovery pages without saying when
    they change (robots.txt never does; WordPress core indexes carry no <lastmod>), so a 304 on
    it would hide changes behind it. Always read in full."""


def discovery_records(
    fetches: Iterable[DiscoveryFetch], incomplete: Collection[str]
) -> list[DiscoveryFetch]:
    """What to remember about this crawl's discovery pages (only after a finished crawl).

    A page is remembered without validators — so next night reads it in full again — when it
    is a container, or when something it led to failed for a reason that may pass (timeouts,
    5xx, 429): a 304 next night would otherwise hide the page it failed to get for good.
    """
    out = []
    for fetch in fetches:
        if fetch.container or fetch.url in incomplete:
            fetch = DiscoveryFetch(fetch.url, fetch.fetched_at, None, None, fetch.container)
        out.append(fetch)
    return out


def is_transient_status(status: int | None) -> bool:
    """Whether a failed request may succeed on another night. None: no HTTP answer at all
    (timeout, DNS, connection refused)."""
    return status is None or status >= 500 or status in (408, 425, 429)


def rolling_picks(
    known: Mapping[str, Known],
    count: int,
    fetched: Collection[str],
    key: Callable[[str], str],
) -> list[str]:
    """The rolling revalidation's `count` articles: the stalest whose key (`key(url)`) this
    crawl has not requested (`fetched`), oldest first.

    Only what was requested is left out, not everything the crawl came across: a listing
    shows its newest articles every night, and those it did not refetch (the listed
    revalidation's allowance spent) were left out of the rolling order too, so an article
    kept on the first listing page went unchecked for as long as it stayed there."""
    picks: list[str] = []
    for url in stalest_articles(known, count + len(fetched)):
        if len(picks) >= count:
            break
        if key(url) not in fetched:
            picks.append(url)
    return picks


def stalest_articles(known: Mapping[str, Known], count: int) -> list[str]:
    """The `count` archived articles fetched longest ago, oldest first.

    Revalidating a few of them every crawl (conditionally, where the site sends validators)
    bounds how stale any article can get on a site that publishes no change dates at all: an
    edit there raises no signal, so without this it would only be seen if the article happened
    to be linked from a listing page the crawl reads."""
    if count <= 0:
        return []
    articles = [
        (k.last_fetched_at, k.fetch_url or url)
        for url, k in known.items()
        if k.kind == "article"
    ]
    return [url for _, url in sorted(articles)[:count]]

