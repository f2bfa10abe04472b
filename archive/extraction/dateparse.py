"""Reading dates: ISO-8601 / RFC 2822 metadata values and Indonesian datelines in text.

Datetimes keep the outlet's local offset: the offset the value states (+07:00 WIB, +08:00 WITA,
+09:00 WIT, or another), Asia/Makassar / Asia/Jayapura when the text says WITA / WIT, else
Asia/Jakarta; a value stated in UTC is shown in Asia/Jakarta. A date without a time is midnight
Asia/Jakarta with ``time_known=False``: only its day means anything. Dates before 1995 or more than
two days in the future are implausible.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "JAKARTA",
    "LEAD_CHARS",
    "PublishedDate",
    "date_from_text",
    "date_in_url",
    "from_datetime",
    "is_plausible",
    "local_time",
    "midnight",
    "parse_metadata_datetime",
    "plausible",
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
    """'jsonld', 'meta', 'htmldate', 'dateline', 'markup', 'text' or 'hint'."""
    utc_wall: datetime | None = None
    """The naive clock reading of a value stated in UTC ("…T10:08:58Z"): some CMSs write local
    time with a Z, which only a printed dateline can reveal."""

    @property
    def day(self) -> date:
        """The calendar day in the date's own (local) zone."""
        return self.at.date()


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
        return PublishedDate(midnight(day), False, source)
    stated = datetime.combine(day, clock, tzinfo=zone)
    utc_wall = stated.replace(tzinfo=None) if stated.utcoffset() == timedelta(0) else None
    return PublishedDate(local_time(stated), True, source, utc_wall)


def _parse_rfc2822(value: str, source: str) -> PublishedDate | None:
    """Feeds and some meta tags use "Tue, 28 May 2024 10:15:00 +0700"."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return from_datetime(moment, source)


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


# --- metadata values ---------------------------------------------------------------------------

_ISO = re.compile(
    r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:\s*[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)

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
    r"(?:\s*[,|/–-]?\s*(?:(?P<at>(?:pada\s+)?pukul|pkl\.?|jam|at)\s*)?"
    r"(?P<H>[01]?\d|2[0-3])(?P<sep>[:.])(?P<M>[0-5]\d)(?::[0-5]\d)?(?!\d)"
    r"(?:\s*(?P<tz>(?i:WITA|WIT|WIB))\b)?)?"
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
        return _Found(midnight(day), False, source)
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


def date_in_url(url: str) -> datetime | None:
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return midnight(date(int(match[1]), int(match[2]), int(match[3] or 1)))
    except ValueError:
        return None


# --- helpers ------------------------------------------------------------------------------------


def from_datetime(moment: datetime, source: str) -> PublishedDate:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=JAKARTA)
    if moment.time() == time(0, 0):
        return PublishedDate(midnight(moment.date()), False, source)
    return PublishedDate(local_time(moment), True, source)


def local_time(moment: datetime) -> datetime:
    """`moment` with its stated offset, or in Asia/Jakarta when stated in UTC."""
    return moment.astimezone(JAKARTA) if moment.utcoffset() == timedelta(0) else moment


def plausible(found: PublishedDate | None, now: datetime) -> PublishedDate | None:
    return found if found is not None and is_plausible(found.at, now) else None


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=JAKARTA)


def _offset_zone(raw: str) -> tzinfo:
    if raw == "Z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
