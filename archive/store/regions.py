"""Writing region tags (`article_regions`) and the gazetteer's reference rows (`regencies`).

Used by the store (crawl) and by `warta retag`; kept apart from archive/store/writer.py so the
store's page logic does not grow with every stage that writes per-article rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from archive.store.models import Article, ArticleRegion, Regency
from archive.tagging.gazetteer import Gazetteer, regency_rows

# Built once, like the store's statements (archive/store/writer.py): its cache key is memoised.
INSERT_REGIONS = insert(ArticleRegion.__table__)


class RegionResult(Protocol):
    region_code: str
    score: float
    matched_forms: Sequence[str]
    in_dateline: bool
    in_title: bool
    in_body: bool


def replace_regions(
    session: Session, article_id: int, regions: Iterable[RegionResult], version: str
) -> None:
    """Make `regions` the article's regions, produced by gazetteer `version`."""
    session.execute(delete(ArticleRegion).where(ArticleRegion.article_id == article_id))
    if rows := region_values(article_id, regions, version):
        # A Core insert: the rows are written, never read back as objects.
        session.connection().execute(INSERT_REGIONS, rows)
    session.execute(
        update(Article).where(Article.id == article_id).values(gazetteer_version=version)
    )


def region_values(
    article_id: int, regions: Iterable[RegionResult], version: str
) -> list[dict[str, Any]]:
    """`article_regions` rows for a Core insert."""
    return [
        {
            "article_id": article_id,
            "region_code": r.region_code,
            "score": r.score,
            "matched_forms": list(r.matched_forms),
            "in_dateline": r.in_dateline,
            "in_title": r.in_title,
            "in_body": r.in_body,
            "gazetteer_version": version,
        }
        for r in regions
    ]


def sync_regencies(session: Session, gazetteer: Gazetteer) -> int:
    """Make the `regencies` rows those of `gazetteer` (names, kinds, provinces); returns how many
    rows changed. Rows of codes the gazetteer no longer has are kept: articles may still point
    at them until they are re-tagged."""
    changed = 0
    for row in regency_rows(gazetteer):
        current = session.get(Regency, row["code"])
        if current is None:
            session.add(Regency(**row))
            changed += 1
            continue
        if any(getattr(current, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(current, k, v)
            changed += 1
    session.flush()
    return changed
