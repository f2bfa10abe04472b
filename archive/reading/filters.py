"""The article filters shared by search and export: tag, site, region and a date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select

from archive.store.models import Article, ArticleTag, Site


@dataclass(slots=True, frozen=True)
class ArticleFilter:
    tags: tuple[str, ...] = ()
    """Articles carrying any of these tags."""
    sites: tuple[str, ...] = ()
    region: str | None = None
    """Matches the province or the regency/city, case-insensitively."""
    since: date | None = None
    """Published on or after this day (the outlet's local day, `published_date`)."""
    until: date | None = None
    """Published on or before this day (the outlet's local day)."""

    def apply(self, query: Select[Any]) -> Select[Any]:
        """`query` (which selects from articles joined to sites) narrowed by this filter."""
        if self.tags:
            tagged = select(ArticleTag.article_id).where(ArticleTag.tag.in_(self.tags))
            query = query.where(Article.id.in_(tagged))
        if self.sites:
            query = query.where(Site.name.in_(self.sites))
        if self.region:
            region = self.region.casefold()
            query = query.where(
                or_(func.lower(Site.province) == region, func.lower(Site.regency) == region)
            )
        if self.since:
            query = query.where(Article.published_date >= self.since)
        if self.until:
            query = query.where(Article.published_date <= self.until)
        return query

