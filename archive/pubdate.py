"""When an article was published, as an aware datetime.

Sources, most trusted first:

1. page metadata: JSON-LD ``datePublished`` (also inside ``@graph``), then ``<meta>`` tags such as
   ``article:published_time`` and ``<time itemprop="datePublished">``, then the date htmldate found
   (non-extensive search: headers, URL, date-classed elements), then the date old CMSs print in a
   marked element: Joomla's ``<td class="createdate">Selasa, 10 Mei 2022 08:15</td>`` and
   ``<dd class="published">``, an ``itemprop="datePublished"`` element's text, else a short byline
   element ("Ditulis oleh Administrator Rabu, 09 Maret 2022");
2. an Indonesian dateline in the article text: "Selasa, 28 Mei 2024", "28 Mei 2024 10:15 WIB",
   "Palembang(10/03/2022)", "Jumat,(1/11/24)", "Selasa (23/2/2020)"; a day and month without a year
   ("(28/5)", "Selasa, 5/4") borrows the year from the hinted date or a date in the URL, else it is
   skipped;
3. the date the sitemap or feed announced (``hinted``).

When the chosen date has no time of day but a less trusted source gives a time on the same day, that
time is used. Datetimes are in Asia/Jakarta, or Asia/Makassar / Asia/Jayapura when the text says
WITA / WIT; a date without a time is midnight Asia/Jakarta with ``time_known=False``. Dates before
1995 or more than two days in the future are implausible and ignored.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

__all__ = [
    "ARTICLE_TYPES",
    "JAKARTA",
    "PublishedDate",
    "date_from_markup",
    "date_from_metadata",
    "date_from_text",
    "find_published_date",
    "is_plausible",
    "iter_jsonld_objects",
    "jsonld_types",
    "parse_metadata_datetime",
]

JAKARTA = ZoneInfo("Asia/Jakarta")
_ZONES: dict[str, tzinfo] = {
    "WIB": JAKARTA,
    "WITA": ZoneInfo("Asia/Makassar"),
    "WIT": ZoneInfo("Asia/Jayapura"),
}
EARLIEST = datetime(1995, 1, 1, tzinfo=JAKARTA)
MAX_AHEAD = timedelta(days=2)
# Datelines sit at the top of the article; dates further down are usually about other events.
LEAD_CHARS = 1200


@dataclass(frozen=True, slots=True)
class PublishedDate:
    at: datetime
    time_known: bool
    source: str
    """'jsonld', 'meta', 'htmldate', 'markup', 'text' or 'hint'."""


def find_published_date(
    tree: HtmlElement | None,
    url: str,
    text: str,
    *,
    hinted: datetime | None = None,
    htmldate_result: str | None = None,
    now: datetime | None = None,
) -> PublishedDate | None:
    """The best plausible publication date of a page, or None.

    `htmldate_result` is the date htmldate (or trafilatura, which runs it) already found, so the
    page need not be searched twice.
    """
    now = now or datetime.now(UTC)
    hint = _from_datetime(hinted, "hint") if hinted else None
    if hint is not None and not is_plausible(hint.at, now):
        hint = None
    meta = date_from_metadata(tree, now=now) if tree is not None else None
    if meta is None and htmldate_result:
        meta = _plausible(parse_metadata_datetime(htmldate_result, "htmldate"), now)
    url_date = _date_in_url(url)
    markup = None
    if tree is not None:
        markup_ref = meta.at if meta else hint.at if hint else url_date
        markup = date_from_markup(tree, year_reference=markup_ref, now=now)
    year_ref = meta.at if meta else markup.at if markup else hint.at if hint else url_date
    in_text = date_from_text(text, year_reference=year_ref, now=now)
    # The printed date also gives the time of day that htmldate's day-only result lacks.
    ranked = [d for d in (meta, markup, in_text, hint) if d is not None]
    if not ranked:
        return None
    return _with_known_time(ranked[0], ranked[1:])


def date_from_metadata(tree: HtmlElement, *, now: datetime | None = None) -> PublishedDate | None:
    """Publication date declared in JSON-LD or <meta>/<time> markup."""
    now = now or datetime.now(UTC)
    for value in _jsonld_dates(tree):
        if found := _plausible(parse_metadata_datetime(value, "jsonld"), now):
            return found
    for value in _meta_dates(tree):
        if found := _plausible(parse_metadata_datetime(value, "meta"), now):
            return found
    return None


# Elements in which a CMS prints the publication date as text rather than as metadata. Only names
# that mean "this article's creation date": generic "date" classes also mark sidebar and comment
# dates.
_DATE_ELEMENTS_XPATH = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' createdate ')]"
    " | //dd[contains(concat(' ', normalize-space(@class), ' '), ' published ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' create ')]"
    " | //*[@itemprop='datePublished'][not(self::meta)]"
)


# "Ditulis oleh Administrator Rabu, 09 Maret 2022": a byline element that also dates the article.
_BYLINE = re.compile(
    r"(?:ditulis|diposting|dipublikasikan|diterbitkan|posted|written|published)\s+(?:oleh|by|on)\b",
    re.IGNORECASE,
)
_MAX_BYLINE_CHARS = 150


def date_from_markup(
    tree: HtmlElement, *, year_reference: datetime | None = None, now: datetime | None = None
) -> PublishedDate | None:
    """The date printed in the first element marked as the article's creation date that has one,
    else in the first short byline element ("Ditulis oleh Admin Rabu, 09 Maret 2022").

    Joomla prints "Selasa, 10 Mei 2022 08:15" in such an element; trafilatura drops these short
    lines from the text, so the text dateline cannot see them.
    """
    now = now or datetime.now(UTC)
    for element in tree.xpath(_DATE_ELEMENTS_XPATH):
        for attribute in ("datetime", "content", "title"):
            value = element.get(attribute)
            if value and (found := _plausible(parse_metadata_datetime(value, "markup"), now)):
                return found
        if found := _printed_date(element, year_reference, now):
            return found
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "head"):
            continue
        own = (element.text or "").lstrip()
        if _BYLINE.match(own) and (found := _printed_date(element, year_reference, now)):
            return found
    return None


def _printed_date(
    element: HtmlElement, year_reference: datetime | None, now: datetime
) -> PublishedDate | None:
    printed = " ".join(element.text_content().split())
    if not printed or len(printed) > _MAX_BYLINE_CHARS:
        return None
    found = date_from_text(printed, year_reference=year_reference, now=now)
    return replace(found, source="markup") if found else None


def parse_metadata_datetime(value: str, source: str = "meta") -> PublishedDate | None:
    """Parse an ISO-8601-ish metadata value; naive times are taken as Asia/Jakarta."""
    value = value.strip()
    match = _ISO.match(value)
    if not match:
        return _parse_rfc2822(value, source)
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
        clock = time(int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0))
        zone = _offset_zone(match["tz"]) if match["tz"] else JAKARTA
    except ValueError:
        return None
    # CMSs that only store a day emit it as midnight (in whatever zone): the day is what they mean.
    if clock == time(0, 0):
        return PublishedDate(_midnight(day), False, source)
    moment = datetime.combine(day, clock, tzinfo=zone).astimezone(JAKARTA)
    return PublishedDate(moment, True, source)


def _parse_rfc2822(value: str, source: str) -> PublishedDate | None:
    """Feeds and some meta tags use "Tue, 28 May 2024 10:15:00 +0700"."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return _from_datetime(moment, source)


def date_from_text(
    text: str, *, year_reference: datetime | None = None, now: datetime | None = None
) -> PublishedDate | None:
    """The first plausible Indonesian dateline in the text.

    The lead (first LEAD_CHARS characters) is searched for any date form; below it only forms
    anchored by a weekday name are trusted.
    """
    now = now or datetime.now(UTC)
    for position, found in _text_dates(text, year_reference):
        if position >= LEAD_CHARS and not found.source.endswith("weekday"):
            continue
        if is_plausible(found.at, now):
            return PublishedDate(found.at, found.time_known, "text")
    return None


def is_plausible(moment: datetime, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return EARLIEST <= moment <= now + MAX_AHEAD


# --- metadata -----------------------------------------------------------------------------------

_ISO = re.compile(
    r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_META_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "article.published",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "published-date",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "dcterms.date",
    "parsely-pub-date",
    "sailthru.date",
)
_JSON_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _jsonld_dates(tree: HtmlElement) -> Iterator[str]:
    """datePublished values, article-typed objects before the rest (e.g. a WebPage)."""
    later: list[str] = []
    for obj in iter_jsonld_objects(tree):
        value = obj.get("datePublished")
        if not isinstance(value, str):
            continue
        if jsonld_types(obj) & ARTICLE_TYPES:
            yield value
        else:
            later.append(value)
    yield from later


def _meta_dates(tree: HtmlElement) -> Iterator[str]:
    by_key: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key in _META_DATE_KEYS and content and key not in by_key:
            by_key[key] = content
    for key in _META_DATE_KEYS:
        if key in by_key:
            yield by_key[key]
    for element in tree.xpath('//time[@itemprop="datePublished" or @pubdate][@datetime]'):
        yield element.get("datetime", "")


ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "LiveBlogPosting",
        "SocialMediaPosting",
    }
)


def iter_jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, object]]:
    """Every JSON object in the page's JSON-LD blocks: top level, lists, @graph and mainEntity."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        data = _load_json(script.text or "")
        if data is not None:
            yield from _walk_jsonld(data, depth=0)


def jsonld_types(obj: dict[str, object]) -> set[str]:
    kind = obj.get("@type")
    names = kind if isinstance(kind, list) else [kind]
    # "https://schema.org/NewsArticle" and "NewsArticle" are the same type.
    return {name.rsplit("/", 1)[-1] for name in names if isinstance(name, str)}


def _walk_jsonld(data: object, depth: int) -> Iterator[dict[str, object]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), list | dict):
                yield from _walk_jsonld(data[key], depth + 1)


def _load_json(raw: str) -> object | None:
    # CMS templates emit HTML-escaped entities, comment wrappers and trailing commas.
    raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
    if not raw:
        return None
    for candidate in (raw, _JSON_TRAILING_COMMA.sub(r"\1", raw), html.unescape(raw)):
        try:
            return json.loads(candidate, strict=False)
        except ValueError:
            continue
    return None


# --- text ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _calendar_words() -> tuple[dict[str, int], frozenset[str]]:
    """Month numbers and weekday names from dateparser's Indonesian and English locale data."""
    from dateparser.languages.loader import default_loader

    months: dict[str, int] = {}
    weekdays: set[str] = set()
    month_keys = ("january", "february", "march", "april", "may", "june", "july", "august",
                  "september", "october", "november", "december")
    day_keys = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    for code in ("id", "en"):
        info = default_loader.get_locale(code).info
        for number, key in enumerate(month_keys, 1):
            for word in info.get(key, []):
                if word.isalpha():
                    months.setdefault(word.lower(), number)
        for key in day_keys:
            weekdays.update(word.lower() for word in info.get(key, []) if len(word) > 3)
    weekdays.add("jum'at")
    return months, frozenset(weekdays)


_TIME = (
    r"(?:\s*[,|/–-]?\s*(?:(?P<at>pukul|pkl\.?|jam)\s*)?"
    r"(?P<H>[01]?\d|2[0-3])(?P<sep>[:.])(?P<M>[0-5]\d)(?::[0-5]\d)?(?!\d)"
    r"(?:\s*(?P<tz>WITA|WIT|WIB)\b)?)?"
)
_WEEKDAY = r"(?P<wd>[A-Za-z']{4,7})"


@lru_cache(maxsize=1)
def _text_patterns() -> tuple[re.Pattern[str], ...]:
    long_form = re.compile(
        rf"(?:\b{_WEEKDAY}\s*,?\s*)?(?<!\d)(?P<d>\d{{1,2}})\s+(?P<mon>[A-Za-z]{{3,9}})\.?,?\s+"
        rf"(?P<y>(?:19|20)\d\d)(?!\d){_TIME}",
    )
    numeric = re.compile(
        rf"(?:\b{_WEEKDAY}\s*,?\s*)?(?P<open>\(\s*)?(?<![\d/])(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})"
        rf"(?:/(?P<y>\d{{4}}|\d\d))?(?![\d/])(?(open)\s*\)){_TIME}",
    )
    return long_form, numeric


@dataclass(frozen=True, slots=True)
class _Found:
    at: datetime
    time_known: bool
    source: str


def _text_dates(text: str, year_reference: datetime | None) -> Iterator[tuple[int, _Found]]:
    months, weekdays = _calendar_words()
    hits: list[tuple[int, _Found]] = []
    for pattern in _text_patterns():
        for match in pattern.finditer(text):
            found = _interpret(match, months, weekdays, year_reference)
            if found is not None:
                start = match.start("d") if not match["wd"] else match.start()
                hits.append((start, found))
    yield from sorted(hits, key=lambda hit: hit[0])


def _interpret(
    match: re.Match[str],
    months: dict[str, int],
    weekdays: frozenset[str],
    year_reference: datetime | None,
) -> _Found | None:
    groups = match.groupdict()
    has_weekday = bool(groups["wd"]) and groups["wd"].lower() in weekdays
    if "mon" in groups:
        month = months.get(groups["mon"].lower())
    else:
        month = int(groups["m"])
        # A bare "12/3" mid-sentence is as likely a ratio as a date; a dateline is parenthesised
        # or follows a weekday name.
        full_year = groups["y"] is not None and len(groups["y"]) == 4
        if not (has_weekday or groups.get("open") or full_year):
            return None
    if month is None:
        return None
    year = _year(groups["y"], int(groups["d"]), month, year_reference)
    if year is None:
        return None
    try:
        day = date(year, month, int(groups["d"]))
    except ValueError:
        return None
    source = "text-weekday" if has_weekday else "text"
    clock = _clock(groups)
    if clock is None:
        return _Found(_midnight(day), False, source)
    hour, minute, zone = clock
    return _Found(datetime.combine(day, time(hour, minute), tzinfo=zone), True, source)


def _clock(groups: dict[str, str | None]) -> tuple[int, int, tzinfo] | None:
    if groups["H"] is None or groups["M"] is None:
        return None
    # "10.15" is a time only when announced ("pukul 10.15") or zoned ("10.15 WIB"); otherwise it
    # may be a number continuing the sentence.
    if groups["sep"] == "." and not (groups["at"] or groups["tz"]):
        return None
    zone = _ZONES[groups["tz"].upper()] if groups["tz"] else JAKARTA
    return int(groups["H"]), int(groups["M"]), zone


def _year(raw: str | None, day: int, month: int, reference: datetime | None) -> int | None:
    if raw is not None and len(raw) == 4:
        return int(raw)
    if raw is not None:
        return 2000 + int(raw)
    if reference is None:
        return None
    ref = reference.astimezone(JAKARTA).date()
    # The dateline is near the reference date; around New Year that can be the adjacent year.
    candidates = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    return min(candidates, key=lambda c: abs((c - ref).days)).year


_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])(?:/(0?[1-9]|[12]\d|3[01]))?(?=/|$|\D)")


def _date_in_url(url: str) -> datetime | None:
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return _midnight(date(int(match[1]), int(match[2]), int(match[3] or 1)))
    except ValueError:
        return None


# --- helpers ------------------------------------------------------------------------------------


def _with_known_time(best: PublishedDate, others: Iterable[PublishedDate]) -> PublishedDate:
    if best.time_known:
        return best
    day = best.at.astimezone(JAKARTA).date()
    for other in others:
        if other.time_known and other.at.astimezone(JAKARTA).date() == day:
            return replace(best, at=other.at, time_known=True)
    return best


def _from_datetime(moment: datetime, source: str) -> PublishedDate:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=JAKARTA)
    if moment.time() == time(0, 0):
        return PublishedDate(_midnight(moment.date()), False, source)
    return PublishedDate(moment.astimezone(JAKARTA), True, source)


def _plausible(found: PublishedDate | None, now: datetime) -> PublishedDate | None:
    return found if found is not None and is_plausible(found.at, now) else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=JAKARTA)


def _offset_zone(raw: str) -> tzinfo:
    if raw == "Z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
