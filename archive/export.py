"""Streaming exports of the archive as JSON Lines or CSV (`warta export`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.filters import ArticleFilter
from archive.models import Article, ArticleTag, Site

# The documented export record; the README lists what each field holds.
EXPORT_FIELDS = [
    "url", "site", "province", "regency", "title", "author", "published", "language",
    "tags", "cluster", "text",
]
FORMATS = ("jsonl", "csv")


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
        tags: dict[int, list[str]] = {}
        for article_id, tag in session.execute(
            select(ArticleTag.article_id, ArticleTag.tag)
            .where(ArticleTag.article_id.in_(ids))
            .order_by(ArticleTag.tag)
        ):
            tags.setdefault(article_id, []).append(tag)
        for article, site in rows:
            yield {
                "url": article.canonical_url,
                "site": site.name,
                "province": site.province,
                "regency": site.regency,
                "title": article.title,
                "author": article.author,
                "published": article.published_at.isoformat() if article.published_at else None,
                "language": article.language,
                "tags": tags.get(article.id, []),
                "cluster": article.cluster_id,
                "text": article.text,
            }
        last_id = ids[-1]
        session.expunge_all()


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
        writer.writerow({**record, "tags": ";".join(record["tags"])})
        count += 1
    return count
