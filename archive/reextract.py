"""Rebuild every stored text from the raw pages kept in article_revisions, offline.

Run after the extractor or the cleaning rules change: `warta reextract`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.db import transaction
from archive.extraction import extract
from archive.fingerprint import text_hash
from archive.models import Article
from archive.store import decompress_html


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
    if revision.text_hash == article.text_hash and record.title == article.title:
        stats.unchanged += 1
        return
    article.title, article.text, article.text_hash = record.title, record.text, revision.text_hash
    article.author = record.author or article.author
    article.published_at = record.published_at or article.published_at
    article.published_time_known = record.published_time_known
    article.language = record.language or article.language
    article.word_count = len(record.text.split())
    article.taxonomy_version = None  # its tags describe the old text: `retag` redoes them
    stats.changed += 1

