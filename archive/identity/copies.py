"""Verbatim copies across outlets: one article row per outlet, linked to the text's original.

An aggregator or a second outlet that republishes an article word for word gets its own row (its
site, URL, date and text), so "how many outlets carried this" is a count of rows. Rows with the
same `text_hash` form a copy group; its original is the earliest published row and every other
row points at it with `original_id`. The group is recomputed from the rows whenever one joins or
leaves it, so the links come out the same whatever order the pages were crawled in.

Also here: how a record's date is stored (`published_fields`), since "earliest published" is
judged on those columns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.extraction.records import ArticleRecord
from archive.store.models import Article

_NO_DAY = date.max
_START_OF_DAY = datetime.min.replace(tzinfo=UTC)


def published_fields(record: ArticleRecord) -> dict[str, Any]:
    """The article columns for `record`'s date: the instant and its offset only when the page
    states a time (`published_time_known`), the outlet's local day whenever a date is known."""
    at = record.published_at if record.published_time_known else None
    day = record.published_date
    if day is None and record.published_at is not None:
        # A record made before published_date existed: its instant is in the outlet's zone.
        day = record.published_at.date()
    offset = at.utcoffset() if at is not None else None
    return {
        "published_at": at,
        "published_time_known": at is not None,
        "published_date": day,
        "published_utc_offset_minutes": (
            int(offset.total_seconds() // 60) if offset is not None else None
        ),
    }


def first_published_key(
    published_date: date | None, published_at: datetime | None, canonical_url: str
) -> tuple[date, datetime, str]:
    """Sort key, earliest published first: by local day, then by instant, undated last. A day
    without a time counts as the start of its day: an outlet that prints only the day published
    no later than a copy stamped that evening. The URL breaks ties, so the order never depends
    on ids, which follow crawl order. The views sort the same way (migration 0003)."""
    return (published_date or _NO_DAY, published_at or _START_OF_DAY, canonical_url)


def relink_copies(session: Session, text_hash: str) -> int | None:
    """Link every article of `text_hash` to the group's original (the earliest published),
    unlinking the original itself; returns the original's id (None: no article has that text).
    Pending ORM changes are flushed first, so an article just added or edited counts."""
    session.flush()
    rows = session.execute(
        select(
            Article.id,
            Article.published_date,
            Article.published_at,
            Article.canonical_url,
            Article.original_id,
        ).where(Article.text_hash == text_hash)
    ).all()
    if not rows:
        return None
    original = min(rows, key=lambda r: first_published_key(r[1], r[2], r[3]))[0]
    for article_id, _day, _at, _url, current in rows:
        wanted = None if article_id == original else original
        if current != wanted:
            session.execute(
                update(Article).where(Article.id == article_id).values(original_id=wanted)
            )
    return original
