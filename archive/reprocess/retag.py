"""Re-apply the current taxonomy and gazetteer to the whole archive (`warta retag`): no re-crawl.

Resumable: each batch commits, and only articles tagged by another taxonomy or gazetteer version
(or never) are picked up, so an interrupted run continues where it stopped. An article whose
keyword tags are current but whose regions are stale (or the other way round) has only the stale
half redone.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from archive.store.db import transaction
from archive.store.models import Article
from archive.store.regions import replace_regions, sync_regencies
from archive.store.writer import replace_tags
from archive.tagging import Tagger
from archive.tagging.gazetteer import Gazetteer, load_gazetteer
from archive.tagging.regions import RegionTagger
from archive.tagging.taxonomy import Taxonomy


def _stale_version(column, version: str):  # type: ignore[no-untyped-def]
    return or_(column.is_(None), column != version)


def stale_condition(version: str, gazetteer_version: str | None = None):  # type: ignore[no-untyped-def]
    condition = _stale_version(Article.taxonomy_version, version)
    if gazetteer_version is None:
        return condition
    return or_(condition, _stale_version(Article.gazetteer_version, gazetteer_version))


def count_stale(session: Session, taxonomy: Taxonomy, gazetteer: Gazetteer | None = None) -> int:
    gazetteer = gazetteer if gazetteer is not None else load_gazetteer()
    return session.scalar(
        select(func.count())
        .select_from(Article)
        .where(stale_condition(taxonomy.version, gazetteer.version))
    ) or 0


def retag_archive(
    writer_sessions: sessionmaker[Session],
    taxonomy: Taxonomy,
    *,
    gazetteer: Gazetteer | None = None,
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Tag every stale article with `taxonomy` and `gazetteer` (default: the shipped one);
    returns how many were re-tagged. The `regencies` reference rows follow the gazetteer."""
    gazetteer = gazetteer if gazetteer is not None else load_gazetteer()
    tagger = Tagger(taxonomy)
    regions = RegionTagger(gazetteer)
    with transaction(writer_sessions) as session:
        sync_regencies(session, gazetteer)
    done = 0
    last_id = 0
    while True:
        with transaction(writer_sessions) as session:
            rows = session.execute(
                select(Article.id, Article.title, Article.text, Article.taxonomy_version,
                       Article.gazetteer_version)
                .where(stale_condition(taxonomy.version, gazetteer.version), Article.id > last_id)
                .order_by(Article.id)
                .limit(batch_size)
            ).all()
            for article_id, title, text, taxonomy_version, gazetteer_version in rows:
                if taxonomy_version != taxonomy.version:
                    replace_tags(session, article_id, tagger.tag(title, text), taxonomy.version)
                if gazetteer_version != gazetteer.version:
                    replace_regions(
                        session, article_id, regions.tag(title, text), gazetteer.version
                    )
        if not rows:
            return done
        last_id = rows[-1][0]
        done += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
