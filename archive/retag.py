"""Re-apply the current taxonomy to the whole archive (`warta retag`): no re-crawl needed.

Resumable: each batch commits, and only articles tagged by another taxonomy version (or never)
are picked up, so an interrupted run continues where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from archive.db import transaction
from archive.models import Article
from archive.store import replace_tags
from archive.tagging import Tagger
from archive.tagging.taxonomy import Taxonomy


def stale_condition(version: str):  # type: ignore[no-untyped-def]
    return or_(Article.taxonomy_version.is_(None), Article.taxonomy_version != version)


def count_stale(session: Session, taxonomy: Taxonomy) -> int:
    return session.scalar(
        select(func.count()).select_from(Article).where(stale_condition(taxonomy.version))
    ) or 0


def retag_archive(
    writer_sessions: sessionmaker[Session],
    taxonomy: Taxonomy,
    *,
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Tag every stale article with `taxonomy`; returns how many were re-tagged."""
    tagger = Tagger(taxonomy)
    done = 0
    last_id = 0
    while True:
        with transaction(writer_sessions) as session:
            rows = session.execute(
                select(Article.id, Article.title, Article.text)
                .where(stale_condition(taxonomy.version), Article.id > last_id)
                .order_by(Article.id)
                .limit(batch_size)
            ).all()
            for article_id, title, text in rows:
                replace_tags(session, article_id, tagger.tag(title, text), taxonomy.version)
        if not rows:
            return done
        last_id = rows[-1][0]
        done += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
