"""Rebuild every stored text from the raw pages kept in article_revisions, offline.

Run after the extractor or the cleaning rules change: `warta reextract`. The pages are extracted
by a `PageExtractor` given by the caller: `warta reextract` uses the crawl's bounded worker pool
(crawler/offline_extraction.py), so a stored page that once hung an extractor cannot hang this
pass either; tests and small archives may extract in process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.extraction import extract
from archive.extraction.records import Extraction
from archive.identity.copies import published_fields, relink_copies
from archive.identity.fingerprint import text_hash
from archive.store.db import transaction
from archive.store.models import Article, ArticleRevision
from archive.store.writer import decompress_html


@dataclass(frozen=True, slots=True)
class StoredPage:
    """One stored revision's raw page, as it was fetched."""

    body: bytes
    url: str
    http_encoding: str | None


PageExtractor = Callable[[Sequence[StoredPage]], list[Extraction]]
"""Extracts a batch of pages, one Extraction each, in order. The page was judged an article when
stored, so only its text is rebuilt: no length floor applies."""


def extract_in_process(pages: Sequence[StoredPage]) -> list[Extraction]:
    """Unbounded, in this process: for tests and archives whose pages are known to be sane."""
    return [
        extract(page.body, page.url, http_encoding=page.http_encoding, min_text_chars=0,
                min_text_chars_structured=0)
        for page in pages
    ]


@dataclass(slots=True)
class ReextractStats:
    articles: int = 0
    changed: int = 0
    unchanged: int = 0
    kept: int = 0
    """Articles whose page the extractor now rejects: their stored text is kept as it was."""
    rejected: dict[str, int] = field(default_factory=dict)
    """Revisions the extractor rejected, by reason (`extraction-timeout` for a page over its
    CPU budget, …)."""


def reextract_all(
    writer_sessions: sessionmaker[Session],
    *,
    batch_size: int = 200,
    on_progress: Callable[[int], None] | None = None,
    extract_pages: PageExtractor = extract_in_process,
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
            revisions = [(article, revision) for article in articles
                         for revision in article.revisions]
            results = extract_pages([
                StoredPage(decompress_html(revision.raw_html_gz), revision.fetched_url,
                           revision.http_encoding)
                for _, revision in revisions
            ])
            by_article: dict[int, list[tuple[ArticleRevision, Extraction]]] = {}
            for (article, revision), result in zip(revisions, results, strict=True):
                by_article.setdefault(article.id, []).append((revision, result))
            for article in articles:
                _reextract_article(session, article, by_article.get(article.id, []), stats)
            last_id = articles[-1].id
        if on_progress is not None:
            on_progress(len(articles))


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0


def _reextract_article(
    session: Session,
    article: Article,
    results: list[tuple[ArticleRevision, Extraction]],
    stats: ReextractStats,
) -> None:
    stats.articles += 1
    latest = None
    for revision, result in results:
        if result.article is None:
            reason = result.reject_reason or "rejected"
            stats.rejected[reason] = stats.rejected.get(reason, 0) + 1
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

