"""Streaming exports of the archive as JSON Lines or CSV (`warta export`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import timedelta, timezone
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from archive.reading.filters import ArticleFilter
from archive.store.models import Article, ArticleRegion, ArticleTag, ArticleUrl, Regency, Site

# The documented export record; the README lists what each field holds.
EXPORT_FIELDS = [
    "url", "site", "province", "regency", "title", "author", "published", "language",
    "tags", "regencies", "regency_codes", "cluster", "outlets", "original_url", "aliases", "text",
]
LIST_FIELDS = ("tags", "regencies", "regency_codes", "outlets", "aliases")
"""Lists in JSON Lines; `;`-joined in CSV."""
FORMATS = ("jsonl", "csv")
WIB_OFFSET_MINUTES = 420


def published_iso(article: Article) -> str | None:
    """ISO 8601 as the outlet printed it: the local time with its offset when the time is known
    (`2024-06-12T14:30:00+07:00`), else the local day (`2024-06-12`)."""
    if article.published_at is not None:
        minutes = article.published_utc_offset_minutes
        zone = timezone(timedelta(minutes=WIB_OFFSET_MINUTES if minutes is None else minutes))
        return article.published_at.astimezone(zone).isoformat()
    if article.published_date is not None:
        return article.published_date.isoformat()
    return None


def iter_records(
    session: Session, where: ArticleFilter | None = None, *, batch_size: int = 500
) -> Iterator[dict[str, Any]]:
    """One dict per article, oldest first, streamed in batches (memory stays flat)."""
    where = where or ArticleFilter()
    last_id = 0
    while True:
        stmt = (
            select(Article, Site)
            .join(Site, Site.id == Article.site_id)
            .where(Article.id > last_id)
            .order_by(Article.id)
            .limit(batch_size)
        )
        rows = session.execute(where.apply(stmt)).all()
        if not rows:
            return
        ids = [article.id for article, _ in rows]
        tags = _grouped(session, select(ArticleTag.article_id, ArticleTag.tag)
                        .where(ArticleTag.article_id.in_(ids)).order_by(ArticleTag.tag))
        # The regencies the article is about, strongest first (as v_articles.regencies).
        regions = _grouped(session, select(ArticleRegion.article_id,
                                           ArticleRegion.region_code, Regency.name)
                           .outerjoin(Regency, Regency.code == ArticleRegion.region_code)
                           .where(ArticleRegion.article_id.in_(ids))
                           .order_by(ArticleRegion.score.desc(), ArticleRegion.region_code),
                           pairs=True)
        aliases = _grouped(session, select(ArticleUrl.article_id, ArticleUrl.url)
                           .where(ArticleUrl.article_id.in_(ids), ArticleUrl.kind == "alias")
                           .order_by(ArticleUrl.url))
        clusters = {a.cluster_id for a, _ in rows if a.cluster_id is not None}
        outlets = _grouped(session, select(Article.cluster_id, Site.name).distinct()
                           .join(Site, Site.id == Article.site_id)
                           .where(Article.cluster_id.in_(clusters)).order_by(Site.name))
        original = aliased(Article)
        originals = dict(session.execute(
            select(Article.id, original.canonical_url)
            .join(original, original.id == Article.original_id)
            .where(Article.id.in_(ids))
        ).all())
        for article, site in rows:
            yield {
                "url": article.canonical_url,
                "site": site.name,
                "province": site.province,
                "regency": site.regency,
                "title": article.title,
                "author": article.author,
                "published": published_iso(article),
                "language": article.language,
                "tags": tags.get(article.id, []),
                "regencies": [name or code for code, name in regions.get(article.id, [])],
                "regency_codes": [code for code, _ in regions.get(article.id, [])],
                "cluster": article.cluster_id,
                # Every outlet that carried the story, this one included.
                "outlets": outlets.get(article.cluster_id, [site.name]),
                "original_url": originals.get(article.id),
                "aliases": aliases.get(article.id, []),
                "text": article.text,
            }
        last_id = ids[-1]
        session.expunge_all()


def _grouped(session: Session, query: Any, *, pairs: bool = False) -> dict[Any, list[Any]]:
    """(key, value) rows as {key: [values in row order]}; with `pairs`, (key, a, b) rows as
    {key: [(a, b), ...]}."""
    out: dict[Any, list[Any]] = {}
    for key, *values in session.execute(query):
        out.setdefault(key, []).append(tuple(values) if pairs else values[0])
    return out


def csv_row(record: dict[str, Any], list_fields: Sequence[str] = LIST_FIELDS) -> dict[str, Any]:
    return {**record, **{name: ";".join(record[name]) for name in list_fields}}


def write_records(records: Iterator[dict[str, Any]], out: IO[str], fmt: str) -> int:
    """Write `records` to `out` as `fmt` ('jsonl' or 'csv'); returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    count = 0
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for record in records:
        writer.writerow(csv_row(record))
        count += 1
    return count
