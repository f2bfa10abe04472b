"""What the archive remembers per site between crawls, beyond its URLs (archive/crawls/seen.py):
which discovery sources exist, whether the site's validators can be trusted, when the last deep
pass and the last finished crawl were. Tables site_sources and site_crawl_state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.store.db import transaction
from archive.store.models import Site, SiteCrawlState, SiteSource

# "dated-listing": a listing whose items show their change date (spiders/listing_dates.py).
SOURCE_KINDS = ("robots", "sitemap", "feed", "listing", "dated-listing", "rest-api")


@dataclass(frozen=True, slots=True)
class SourceState:
    url: str
    kind: str
    found: bool
    last_checked_at: datetime
    last_found_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SourceCheck:
    """One source as this crawl saw it: found (it answered as what it was taken for) or not."""

    url: str
    kind: str
    found: bool
    checked_at: datetime


@dataclass(slots=True)
class SiteMemory:
    sources: dict[str, SourceState] = field(default_factory=dict)
    validators_trusted: bool | None = None
    validators_checked_at: datetime | None = None
    last_deep_pass_at: datetime | None = None
    last_complete_crawl_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CrawlLessons:
    """What one crawl learnt, written back at its close."""

    sources: tuple[SourceCheck, ...] = ()
    validators_trusted: bool | None = None
    """None: the crawl saw no evidence either way (the stored judgement stays)."""
    noisy_pages: int = 0
    not_modified_pages: int = 0
    checked_at: datetime | None = None
    deep_pass_at: datetime | None = None
    complete_crawl_at: datetime | None = None


def load_site_memory(sessions: sessionmaker[Session], site_name: str) -> SiteMemory:
    memory = SiteMemory()
    with sessions() as session:
        site_id = session.scalar(select(Site.id).where(Site.name == site_name))
        if site_id is None:
            return memory
        for row in session.scalars(select(SiteSource).where(SiteSource.site_id == site_id)):
            memory.sources[row.url] = SourceState(
                row.url, row.kind, row.status == "found", row.last_checked_at, row.last_found_at
            )
        state = session.get(SiteCrawlState, site_id)
        if state is not None:
            memory.validators_trusted = state.validators_trusted
            memory.validators_checked_at = state.validators_checked_at
            memory.last_deep_pass_at = state.last_deep_pass_at
            memory.last_complete_crawl_at = state.last_complete_crawl_at
    return memory


def record_crawl_lessons(
    sessions: sessionmaker[Session], site_name: str, lessons: CrawlLessons
) -> None:
    """Write back one crawl's lessons in one transaction. A source found once and missing now
    is kept as missing (a site that dropped its feed), with when it was last found."""
    with transaction(sessions) as session:
        site_id = session.scalar(select(Site.id).where(Site.name == site_name))
        if site_id is None:
            raise LookupError(f"site {site_name!r} is not in the archive")
        rows = {
            row.url: row
            for row in session.scalars(select(SiteSource).where(SiteSource.site_id == site_id))
        }
        for check in lessons.sources:
            row = rows.get(check.url)
            if row is None:
                row = SiteSource(
                    site_id=site_id, url=check.url, kind=check.kind,
                    first_checked_at=check.checked_at,
                )
                session.add(row)
                rows[check.url] = row
            row.status = "found" if check.found else "missing"
            row.last_checked_at = check.checked_at
            if check.found:
                row.kind = check.kind
                row.last_found_at = check.checked_at
        state = session.get(SiteCrawlState, site_id)
        if state is None:
            state = SiteCrawlState(site_id=site_id, noisy_validator_pages=0, not_modified_pages=0)
            session.add(state)
        if lessons.validators_trusted is not None:
            state.validators_trusted = lessons.validators_trusted
            state.validators_checked_at = lessons.checked_at
            state.noisy_validator_pages = lessons.noisy_pages
            state.not_modified_pages = lessons.not_modified_pages
        if lessons.deep_pass_at is not None:
            state.last_deep_pass_at = lessons.deep_pass_at
        if lessons.complete_crawl_at is not None:
            state.last_complete_crawl_at = lessons.complete_crawl_at


@dataclass(frozen=True, slots=True)
class DiscoveredRow:
    site: str
    url: str
    kind: str
    status: str
    last_checked_at: datetime
    last_found_at: datetime | None


def discovered_sources(
    sessions: sessionmaker[Session], site_names: Iterable[str] | None = None
) -> list[DiscoveredRow]:
    """Every remembered source, by site, found ones first (for `warta sites --discovered`)."""
    query = (
        select(Site.name, SiteSource)
        .join(Site, Site.id == SiteSource.site_id)
        .order_by(Site.name, SiteSource.status, SiteSource.kind, SiteSource.url)
    )
    names = list(site_names or ())
    if names:
        query = query.where(Site.name.in_(names))
    with sessions() as session:
        return [
            DiscoveredRow(name, row.url, row.kind, row.status, row.last_checked_at,
                          row.last_found_at)
            for name, row in session.execute(query)
        ]
