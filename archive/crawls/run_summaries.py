"""What one crawl run did, read back from its crawl_runs row: the daemon's end-of-crawl log line
and `warta crawl`'s end summary (stored, new, updated, duplicates, rejected by reason, errors by
kind, bytes, the log file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.store.models import CrawlRun, Site

__all__ = ["RunSummary", "format_bytes", "latest_run", "summary_details", "summary_line"]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One crawl_runs row's figures."""

    run_id: int
    site: str
    status: str
    finish_reason: str | None
    started_at: datetime
    finished_at: datetime | None
    pages_fetched: int = 0
    not_modified: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: int = 0
    bytes_received: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    log_path: str | None = None

    @property
    def stored(self) -> int:
        """Articles the store wrote or confirmed: new, updated and unchanged ones."""
        return self.articles_new + self.articles_updated + self.articles_unchanged

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def latest_run(session: Session, site: str, since: datetime) -> RunSummary | None:
    """The site's newest run started at or after `since` (the crawl just supervised), if any."""
    row = session.execute(
        select(CrawlRun, Site.name)
        .join(Site, CrawlRun.site_id == Site.id)
        .where(Site.name == site, CrawlRun.started_at >= since)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    run, name = row
    return RunSummary(
        run_id=run.id,
        site=name,
        status=run.status,
        finish_reason=run.finish_reason,
        started_at=run.started_at,
        finished_at=run.finished_at,
        pages_fetched=run.pages_fetched or 0,
        not_modified=run.not_modified or 0,
        articles_new=run.articles_new or 0,
        articles_updated=run.articles_updated or 0,
        articles_unchanged=run.articles_unchanged or 0,
        duplicates=run.duplicates or 0,
        rejected=run.rejected or 0,
        errors=run.errors or 0,
        bytes_received=run.bytes_received or 0,
        rejected_by_reason=_counts(run.rejected_by_reason),
        errors_by_kind=_counts(run.errors_by_kind),
        log_path=run.log_path,
    )


def _counts(value: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in (value or {}).items()}


def format_bytes(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def summary_line(run: RunSummary) -> str:
    """One line: 'run 12: 42 pages (3 not modified), 20 stored (18 new, 2 updated, 0 unchanged),
    1 duplicates, 15 rejected, 0 errors, 1.2 MB'."""
    return (
        f"run {run.run_id}: {run.pages_fetched} pages ({run.not_modified} not modified), "
        f"{run.stored} stored ({run.articles_new} new, {run.articles_updated} updated, "
        f"{run.articles_unchanged} unchanged), {run.duplicates} duplicates, "
        f"{run.rejected} rejected, {run.errors} errors, {format_bytes(run.bytes_received)}"
    )


def summary_details(run: RunSummary) -> list[tuple[str, str]]:
    """(label, text) rows after the line: rejections by reason, errors by kind, the log."""
    rows = []
    if run.rejected_by_reason:
        rows.append(("rejected", _by_count(run.rejected_by_reason)))
    if run.errors_by_kind:
        rows.append(("errors", _by_count(run.errors_by_kind)))
    return rows


def _by_count(counts: dict[str, int]) -> str:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{name} {count}" for name, count in ordered)
