"""Rebuild every stored text from the raw pages kept in article_revisions, offline.

Run after the extractor or the cleaning rules change: `warta reextract`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.extraction import extract
from archive.identity.copies import published_fields, relink_copies
from archive.identity.fingerprint import text_hash
from archive.store.db import transaction
from archive.store.models import Article
from archive.store.writer import decompress_html


@dataclass(slots=True)
class ReextractStats:
    articles: int = 0
    changed: int = 0
    unchanged: int = 0
    kept: int = 0
    """Articles whose page the extractor now rejects: their stored text is kept as it was."""


def reextract_all(
    writer_sessions: sessionmaker[Session],
    *,
    batch_size: int = 200,
    on_progress: Callable[[int], None] | None = None,
) -> ReextractStats:
    """Re-run extraction on each article's revisions; the article takes its latest revision's."""
    stats = ReextractStats()
    last_id = 0
    while True:
        with transaction(writer_sessions) as session:
            articles = session.scalars(
                select(Article).where(Article.id > last_id).order_by(Article.id).limit(batch_size)
            ).all()
            if not articles:
                return stats
            for article in articles:
                _reextract_article(session, article, stats)
            last_id = articles[-1].id
        if on_progress is not None:
            on_progress(len(articles))


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0


def _reextract_article(session: Session, article: Article, stats: ReextractStats) -> None:
    stats.articles += 1
    latest = None
    for revision in article.revisions:
        result = extract(
            decompress_html(revision.raw_html_gz),
            revision.fetched_url,
            http_encoding=revision.http_encoding,
            # The page was judged an article when stored; only the text is rebuilt here.
            min_text_chars=0,
            min_text_chars_structured=0,
        )
        if result.article is None:
            continue
        revision.title, revision.text = result.article.title, result.article.text
        revision.text_hash = text_hash(result.article.text)
        latest = (revision, result.article)
    if latest is None:
        stats.kept += 1
        return
    revision, record = latest
    dates = published_fields(record)
    if dates["published_date"] is None:  # a date the new extractor cannot find is kept
        dates = {}
    if (
        revision.text_hash == article.text_hash
        and record.title == article.title
        and all(getattr(article, name) == value for name, value in dates.items())
    ):
        stats.unchanged += 1
        return
    old_hash = article.text_hash
    article.title, article.text, article.text_hash = record.title, record.text, revision.text_hash
    article.author = record.author or article.author
    for name, value in dates.items():
        setattr(article, name, value)
    article.language = record.language or article.language
    article.word_count = len(record.text.split())
    article.taxonomy_version = None  # its tags describe the old text: `retag` redoes them
    article.gazetteer_version = None  # and so do its regions
    # Copies are groups of one text, their original the earliest published: a new text or a
    # new date can change both.
    relink_copies(session, old_hash)
    if old_hash != article.text_hash:
        relink_copies(session, article.text_hash)
    stats.changed += 1

