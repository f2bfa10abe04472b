"""When an article was published: the best of the page's date sources.

Sources, most trusted first (all read from the one `PageSignals` and the cleaned text):

1. page metadata: JSON-LD ``datePublished`` (also inside ``@graph``), then ``<meta>`` tags such as
   ``article:published_time``, ``pubdate``, ``dc.date`` (also with a space before the ``T``), and
   ``<time itemprop="datePublished">``. A value stated in UTC whose clock reading is exactly the
   printed dateline's ("2015-11-05 T10:08:58Z" on a page showing "10:08 WIB") means local time;
2. the dateline printed next to the headline, between the ``<h1>`` and the body (or just above
   the headline), whatever its class: "Rabu, 12/06/2024 14:30 WIB", "Selasa, 23 Februari 2016
   15:06 WIB", "Rabu, 4 November 2015 | 21:04 WIB";
3. the date old CMSs print in a marked element: Joomla's ``<td class="createdate">``, ``<dd
   class="published">``, an ``itemprop="datePublished"`` element's text, else a short byline
   element ("Ditulis oleh Administrator Rabu, 09 Maret 2022");
4. an Indonesian dateline in the article text, its first lines first: "Palembang(10/03/2022)",
   "Jumat,(1/11/24)", "Selasa (23/2/2020)"; a day and month without a year ("(28/5)") borrows
   the year from a date above, the hinted date or a date in the URL, else it is skipped;
5. the date htmldate found in trafilatura's run (headers, URL, date-classed elements);
6. the date the sitemap or feed announced (``hinted``);
7. htmldate's full search (``original_date=True``), the library's reading of the whole page, when
   nothing above dates it.

Sidebars, "popular"/"related"/"Baca Juga" lists, top bars and footers are never read: the
dateline search skips them and the text search sees only the cleaned article text. When the chosen
date has no time of day but a less trusted source gives a time on the same day, that time is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from archive.extraction.dateparse import (
    PublishedDate,
    date_from_text,
    date_in_url,
    from_datetime,
    is_plausible,
    parse_metadata_datetime,
    plausible,
)
from archive.extraction.signals import PageSignals

__all__ = [
    "date_from_datelines",
    "date_from_markup",
    "date_from_metadata",
    "find_published_date",
]


def find_published_date(
    signals: PageSignals | None,
    url: str,
    text: str,
    *,
    hinted: datetime | None = None,
    htmldate_result: str | None = None,
    htmldate_quick: Callable[[], str | None] | None = None,
    htmldate_search: Callable[[], str | None] | None = None,
    now: datetime | None = None,
) -> PublishedDate | None:
    """The best plausible publication date of a page, or None.

    `htmldate_result` is the date htmldate (or trafilatura, which runs it) already found, so the
    page need not be searched twice; `htmldate_quick` finds it when asked, only where it can
    matter (no page date, or one without its time of day: htmldate costs ~5% of extraction);
    `htmldate_search` runs htmldate's full search, called only when no other source of the page
    has a date.
    """
    now = now or datetime.now(UTC)
    hint = from_datetime(hinted, "hint") if hinted else None
    if hint is not None and not is_plausible(hint.at, now):
        hint = None
    url_date = date_in_url(url)
    meta = dateline = markup = None
    if signals is not None:
        meta = date_from_metadata(signals, now=now)
        dateline_ref = meta.at if meta else hint.at if hint else url_date
        dateline = date_from_datelines(signals, year_reference=dateline_ref, now=now)
        if meta is not None and dateline is not None:
            meta = _utc_meaning_local(meta, dateline, signals.utc_date_values)
        markup_ref = meta.at if meta else dateline.at if dateline else dateline_ref
        if not (meta and meta.time_known):  # else it comes first and needs no other's time
            markup = date_from_markup(signals, year_reference=markup_ref, now=now)
    page_dates = [d for d in (meta, dateline, markup) if d is not None]
    year_ref = page_dates[0].at if page_dates else hint.at if hint else url_date
    in_text = None
    if not (page_dates and page_dates[0].time_known):
        # Read only where it can matter: a page date with its time of day is chosen as it is,
        # and the text search reads the whole text.
        in_text = date_from_text(text, year_reference=year_ref, now=now)
    library = None
    first = page_dates[0] if page_dates else in_text
    if htmldate_result is None and htmldate_quick is not None and not (first and first.time_known):
        htmldate_result = htmldate_quick()
    if htmldate_result:
        library = plausible(parse_metadata_datetime(htmldate_result, "htmldate"), now)
    ranked = [d for d in (*page_dates, in_text, library, hint) if d is not None]
    if not ranked and htmldate_search is not None and (found := htmldate_search()):
        # htmldate's full search reads the whole page: only when nothing better dates it.
        library = plausible(parse_metadata_datetime(found, "htmldate"), now)
        ranked = [library] if library is not None else []
    if not ranked:
        return None
    # The printed date also gives the time of day that a day-only source lacks.
    return _with_known_time(ranked[0], ranked[1:])


def date_from_datelines(
    signals: PageSignals, *, year_reference: datetime | None = None, now: datetime | None = None
) -> PublishedDate | None:
    """The first date printed next to the headline (nearest first)."""
    now = now or datetime.now(UTC)
    for printed in signals.datelines:
        if found := date_from_text(printed, year_reference=year_reference, now=now):
            return replace(found, source="dateline")
    return None


# A "Z" that means local time shows as exactly the zone's offset between the two readings.
_SAME_CLOCK = timedelta(minutes=2)


def _utc_meaning_local(
    meta: PublishedDate, dateline: PublishedDate, utc_values: tuple[str, ...] = ()
) -> PublishedDate:
    """The metadata date, read as local time when the page's UTC clock readings are its local
    ones: the published value's or another date tag's (detik's ``dateCreated``) is exactly the
    printed dateline's clock."""
    if meta.utc_wall is None or not dateline.time_known:
        return meta
    local_clock = dateline.at.replace(tzinfo=None)
    walls = [meta.utc_wall]
    for value in utc_values:
        found = parse_metadata_datetime(value)
        if found is not None and found.utc_wall is not None:
            walls.append(found.utc_wall)
    if all(abs(wall - local_clock) > _SAME_CLOCK for wall in walls):
        return meta
    return replace(meta, at=meta.utc_wall.replace(tzinfo=dateline.at.tzinfo), utc_wall=None)


def date_from_metadata(
    signals: PageSignals, *, now: datetime | None = None
) -> PublishedDate | None:
    """Publication date declared in JSON-LD or <meta>/<time> markup."""
    now = now or datetime.now(UTC)
    for source, value in signals.metadata_dates:
        if found := plausible(parse_metadata_datetime(value, source), now):
            return found
    return None


def date_from_markup(
    signals: PageSignals, *, year_reference: datetime | None = None, now: datetime | None = None
) -> PublishedDate | None:
    """The date printed in the first element marked as the article's creation date that has one,
    else in the first short byline element ("Ditulis oleh Admin Rabu, 09 Maret 2022").

    Joomla prints "Selasa, 10 Mei 2022 08:15" in such an element; trafilatura drops these short
    lines from the text, so the text dateline cannot see them.
    """
    now = now or datetime.now(UTC)
    for marked in signals.marked_dates:
        for value in marked.attributes:
            if found := plausible(parse_metadata_datetime(value, "markup"), now):
                return found
        if found := _printed_date(marked.printed, year_reference, now):
            return found
    for printed in signals.byline_texts:
        if found := _printed_date(printed, year_reference, now):
            return found
    return None


_MAX_PRINTED_CHARS = 150


def _printed_date(
    printed: str, year_reference: datetime | None, now: datetime
) -> PublishedDate | None:
    if not printed or len(printed) > _MAX_PRINTED_CHARS:
        return None
    found = date_from_text(printed, year_reference=year_reference, now=now)
    return replace(found, source="markup") if found else None


# --- helpers ------------------------------------------------------------------------------------


def _with_known_time(best: PublishedDate, others: Iterable[PublishedDate]) -> PublishedDate:
    if best.time_known:
        return best
    for other in others:
        if other.time_known and other.day == best.day:
            return replace(best, at=other.at, time_known=True)
    return best
