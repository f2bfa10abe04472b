"""The change date a listing shows for each of its items, as a change signal (issue 11).

Some CMSs print when a post was last changed next to its teaser: Joomla's category blog with
"Show Modify Date" ("Last Updated …", "Terakhir diperbarui …"), portals that print "Diperbarui
…" under an edited headline. Where a site publishes no other change date (a sitemap without
<lastmod>, no Atom feed, no REST API), that date is the cheapest trustworthy signal: it comes
with the listing page the crawl reads anyway, and is read like a feed entry's <updated>.

A date belongs to the listing item around it: the nearest enclosing element that links to
exactly one of the page's own article candidates. A date in a block that links to several
(a whole column) is left unassigned rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from parsel import Selector
from scrapy.http import TextResponse

from archive.extraction.dateparse import date_from_text, parse_metadata_datetime

# The label, then the date: "Terakhir diperbarui: Rabu, 2 Desember 2026 14:05 WIB",
# "Diperbarui 02/12/2026 14:05", "Last Updated ( Wednesday, 02 December 2026 14:05 )".
_LABEL = re.compile(
    r"(?:terakhir\s+(?:di)?perbarui|diperbarui|last\s+updated|updated)\s*(?:pada\s+)?[:(]?",
    re.IGNORECASE,
)
_LABEL_NODES = (
    "//text()[re:test(., 'perbarui|updated', 'i')][not(ancestor::script or ancestor::style)]/.."
)
# How far up from the date its item may be: a teaser is a few elements deep, a column more.
_ITEM_DEPTH = 6
# The date follows its label closely; further text is the excerpt.
_DATE_CHARS = 80


def shown_change_dates(
    response: TextResponse, own: Collection[str], canonical: Callable[[str], str]
) -> dict[str, datetime]:
    """{canonical item URL: the change date shown for it, in UTC} for the listing page's own
    items (`own`, canonical URLs) that show one. A date without a time stands for the end of
    its day (an edit that afternoon still shows it)."""
    found: dict[str, datetime] = {}
    now = datetime.now(UTC)
    for holder in response.xpath(_LABEL_NODES):
        at = _shown_date(holder, now)
        if at is None:
            continue
        url = _item_of(holder, response, own, canonical)
        if url is not None:
            found[url] = max(found.get(url, at), at)
    return found


def _shown_date(holder: Selector, now: datetime) -> datetime | None:
    text = " ".join(" ".join(holder.xpath(".//text()").getall()).split())
    match = _LABEL.search(text)
    if match is None:
        return None
    stamp = holder.xpath(".//time/@datetime").get()
    if stamp:
        parsed = parse_metadata_datetime(stamp)
        if parsed is not None:
            return parsed.at.astimezone(UTC)
    shown = date_from_text(text[match.end() : match.end() + _DATE_CHARS], now=now)
    if shown is None:
        return None
    at = shown.at if shown.time_known else shown.at + timedelta(days=1)
    return at.astimezone(UTC)


def _item_of(
    holder: Selector,
    response: TextResponse,
    own: Collection[str],
    canonical: Callable[[str], str],
) -> str | None:
    """The one own candidate the nearest enclosing block links to, or None."""
    ancestors = holder.xpath("ancestor-or-self::*")[::-1][:_ITEM_DEPTH]
    for block in ancestors:
        targets = {
            url
            for href in block.xpath(".//a/@href").getall()
            if (url := canonical(response.urljoin(href.strip()))) in own
        }
        if len(targets) == 1:
            return targets.pop()
        if targets:
            return None
    return None
