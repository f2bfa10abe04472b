"""Summaries of the archive for the CLI (`warta stats`, `warta demo`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.store.models import Article, ArticleRevision, ArticleTag, ArticleUrl, Site


@dataclass(slots=True)
class SiteSummary:
    site: str
    province: str
    regency: str | None
    articles: int
    urls: int
    tagged: dict[str, int]
    latest_published: date | None
    """The latest local day of publication."""


def site_summaries(session: Session, sites: list[str] | None = None) -> list[SiteSummary]:
    """Articles, URLs and tag counts per site (all sites, or those named)."""
    query = select(Site).order_by(Site.name)
    if sites:
        query = query.where(Site.name.in_(sites))
    articles = dict(
        session.execute(select(Article.site_id, func.count()).group_by(Article.site_id)).all()
    )
    urls = dict(
        session.execute(select(ArticleUrl.site_id, func.count()).group_by(ArticleUrl.site_id)).all()
    )
    latest = dict(
        session.execute(
            select(Article.site_id, func.max(Article.published_date)).group_by(Article.site_id)
        ).all()
    )
    tagged: dict[int, dict[str, int]] = {}
    for site_id, tag, count in session.execute(
        select(Article.site_id, ArticleTag.tag, func.count())
        .join(ArticleTag, ArticleTag.article_id == Article.id)
        .group_by(Article.site_id, ArticleTag.tag)
    ):
        tagged.setdefault(site_id, {})[tag] = count
    return [
        SiteSummary(
            site=site.name,
            province=site.province,
            regency=site.regency,
            articles=articles.get(site.id, 0),
            urls=urls.get(site.id, 0),
            tagged=tagged.get(site.id, {}),
            latest_published=latest.get(site.id),
        )
        for site in session.scalars(query)
    ]


def format_site_summaries(rows: list[SiteSummary]) -> str:
    header = f"{'site':<24} {'region':<42} {'articles':>8} {'urls':>6}  tags"
    lines = [header, "-" * len(header)]
    for row in rows:
        region = row.province + (f" / {row.regency}" if row.regency else "")
        tags = ", ".join(f"{tag} {n}" for tag, n in sorted(row.tagged.items())) or "-"
        lines.append(f"{row.site:<24} {region[:42]:<42} {row.articles:>8} {row.urls:>6}  {tags}")
    total = sum(r.articles for r in rows)
    lines.append(f"{'total':<24} {'':<42} {total:>8} {sum(r.urls for r in rows):>6}")
    return "\n".join(lines)


@dataclass(slots=True, frozen=True)
class ArticleState:
    site: str
    text: str
    revisions: int


def article_states(session: Session) -> dict[str, ArticleState]:
    """canonical URL → (site, current text, number of revisions) of every archived article:
    what a re-crawl is judged by."""
    revisions = dict(
        session.execute(
            select(ArticleRevision.article_id, func.count()).group_by(ArticleRevision.article_id)
        ).all()
    )
    rows = session.execute(
        select(Article.id, Article.canonical_url, Site.name, Article.text).join(Site)
    ).all()
    return {
        url: ArticleState(site, text, revisions.get(article_id, 0))
        for article_id, url, site, text in rows
    }
