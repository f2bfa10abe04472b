"""Which pages a crawl run rejected, and why: `warta rejects --run N`.

No schema of its own: ``fetch_state`` keeps every rejected URL with its reason and the time it was
last fetched, and ``crawl_runs`` the site and the start and finish of each run; a run's rejected
pages are its site's rejected URLs fetched between the two. A URL fetched again by a later run
belongs to that later run (fetch_state remembers only the last fetch), which is also what an
operator acting on the newest run wants.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.store.models import CrawlRun, FetchState, Site

__all__ = ["RejectedPage", "format_rejects", "run_rejects"]


@dataclass(frozen=True, slots=True)
class RejectedPage:
    url: str
    reason: str
    fetched_at: datetime


class UnknownRun(LookupError):
    """No crawl run has this id."""


def run_rejects(session: Session, run_id: int) -> tuple[str, list[RejectedPage]]:
    """The site name of run `run_id` and the pages it rejected, by reason then URL."""
    found = session.execute(
        select(CrawlRun, Site.name).join(Site, CrawlRun.site_id == Site.id).where(
            CrawlRun.id == run_id
        )
    ).first()
    if found is None:
        raise UnknownRun(run_id)
    run, site = found
    stmt = select(FetchState.url, FetchState.reject_reason, FetchState.last_fetched_at).where(
        FetchState.site_id == run.site_id,
        FetchState.kind == "rejected",
        FetchState.last_fetched_at >= run.started_at,
    )
    if run.finished_at is not None:
        stmt = stmt.where(FetchState.last_fetched_at <= run.finished_at)
    pages = [
        RejectedPage(url, reason or "unknown", _aware(fetched_at))
        for url, reason, fetched_at in session.execute(stmt)
    ]
    return site, sorted(pages, key=lambda page: (page.reason, page.url))


def format_rejects(site: str, run_id: int, pages: Sequence[RejectedPage]) -> str:
    """One line per rejected URL ("reason  url"), then the count per reason."""
    if not pages:
        return f"Run {run_id} ({site}) rejected no pages."
    width = max(len(page.reason) for page in pages)
    lines = [f"{page.reason:<{width}}  {page.url}" for page in pages]
    counts = Counter(page.reason for page in pages)
    summary = ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items()))
    lines.append(f"Run {run_id} ({site}): {len(pages)} rejected pages ({summary}).")
    return "\n".join(lines)


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
