"""What the archive already knows about a site's URLs: the state incremental crawls start from.

Scrapy's own "seen" state (dupefilter, deltafetch) lives per process; ours lives in the archive
so every crawl — daemon or manual, on any machine — starts from the same knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from archive.store.db import transaction
from archive.store.models import Article, ArticleRevision, ArticleUrl, FetchState, Site


@dataclass(slots=True, frozen=True)
class KnownUrl:
    kind: str
    """'article' (an archived article's URL), 'discovery' (sitemap, feed, listing) or 'rejected'."""
    last_fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    fetch_url: str | None = None
    """For an article: the URL its page was last fetched from, as the site spells it (the
    archive's key is normalised, e.g. without WordPress's trailing slash, which would redirect)."""


def load_known_urls(sessions: sessionmaker[Session], site_name: str) -> dict[str, KnownUrl]:
    """Every URL of `site_name` the archive knows, with when it was last fetched and the
    validators for a conditional request."""
    known: dict[str, KnownUrl] = {}
    with sessions() as session:
        site_id = session.scalar(select(Site.id).where(Site.name == site_name))
        if site_id is None:
            return known
        for url, kind, fetched, etag, modified in session.execute(
            select(
                FetchState.url, FetchState.kind, FetchState.last_fetched_at, FetchState.etag,
                FetchState.last_modified,
            ).where(FetchState.site_id == site_id)
        ):
            known[url] = KnownUrl(kind, fetched, etag, modified)
        latest = (
            select(func.max(ArticleRevision.id))
            .join(Article, Article.id == ArticleRevision.article_id)
            .where(Article.site_id == site_id)
            .group_by(ArticleRevision.article_id)
        )
        fetched_from = dict(
            session.execute(
                select(ArticleRevision.article_id, ArticleRevision.fetched_url).where(
                    ArticleRevision.id.in_(latest)
                )
            ).all()
        )
        for url, article_id, kind, fetched, etag, modified in session.execute(
            select(
                ArticleUrl.url, ArticleUrl.article_id, ArticleUrl.kind, ArticleUrl.last_seen_at,
                ArticleUrl.etag, ArticleUrl.last_modified,
            ).where(ArticleUrl.site_id == site_id)
        ):
            fetch_url = fetched_from.get(article_id) if kind == "canonical" else None
            known[url] = KnownUrl("article", fetched, etag, modified, fetch_url)
    return known


def record_fetch_state(
    sessions: sessionmaker[Session],
    site_name: str,
    url: str,
    kind: str,
    fetched_at: datetime,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    reject_reason: str | None = None,
) -> None:
    """Remember a non-article URL (discovery page or rejected page) and its validators."""
    with transaction(sessions) as session:
        row = session.scalar(select(FetchState).where(FetchState.url == url))
        if row is None:
            site_id = session.scalar(select(Site.id).where(Site.name == site_name))
            if site_id is None:
                raise LookupError(f"site {site_name!r} is not in the archive")
            row = FetchState(site_id=site_id, url=url)
            session.add(row)
        row.kind, row.reject_reason = kind, reject_reason
        row.etag, row.last_modified, row.last_fetched_at = etag, last_modified, fetched_at


def touch_article_url(sessions: sessionmaker[Session], url: str, fetched_at: datetime) -> bool:
    """Record that an archived article's URL answered '304 Not Modified' at `fetched_at`.
    Returns False when the URL is not an archived article's."""
    with transaction(sessions) as session:
        article_id = session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == url))
        if article_id is None:
            return False
        session.execute(
            update(ArticleUrl).where(ArticleUrl.url == url).values(last_seen_at=fetched_at)
        )
        session.execute(
            update(Article)
            .where(Article.id == article_id, Article.last_fetched_at < fetched_at)
            .values(last_fetched_at=fetched_at)
        )
        return True
