"""Plain records passed between the pipeline stages, and the reasons a page is not stored; no
Scrapy, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = ["ArticleRecord", "Extraction", "Reject"]


class Reject(StrEnum):
    """Why a page is not stored; stable, they become crawl stats ``warta/rejected/<reason>``."""

    EMPTY = "empty"
    NOT_HTML = "not-html"
    NON_ARTICLE_URL = "non-article-url"
    URL_PATTERN = "url-pattern"
    LISTING_PAGE = "listing-page"
    NO_TEXT = "no-text"
    TOO_SHORT = "too-short"
    NO_TITLE = "no-title"
    EXTRACTION_ERROR = "extraction-error"
    # Set by the crawl's extraction pool (crawler.extraction_pool), never by `extract` itself.
    EXTRACTION_TIMEOUT = "extraction-timeout"
    EXTRACTION_MEMORY = "extraction-memory"


@dataclass(slots=True)
class ArticleRecord:
    """What extraction keeps of one article page."""

    url: str
    """The URL the page was fetched from (after redirects)."""
    title: str
    text: str
    """Cleaned body: paragraphs separated by one blank line, no boilerplate."""
    author: str | None = None
    published_at: datetime | None = None
    """Timezone-aware; midnight Asia/Jakarta when only the day is known (`published_time_known`)."""
    published_time_known: bool = False
    published_date: date | None = None
    """The calendar day of publication in the outlet's own zone (WIB/WITA/WIT), whenever any date
    is known; unlike `published_at` it never drifts across days when written in UTC."""
    language: str | None = None
    declared_canonical_url: str | None = None
    """rel=canonical or og:url as the page declares it; identity decides whether to trust it."""
    description: str | None = None
    page_type: str | None = None
    """The structured signal that made this an article: 'jsonld:NewsArticle', 'og:article', ..."""


@dataclass(slots=True)
class Extraction:
    """Outcome of looking at one fetched page: an article, or the reason it is not one."""

    article: ArticleRecord | None
    reject_reason: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    @classmethod
    def rejected(cls, reason: str, **details: str) -> Extraction:
        return cls(article=None, reject_reason=reason, details=details)
