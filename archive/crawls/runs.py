"""Crawl-run history: the queries behind `warta runs` and `warta status`, their plain-text tables,
and the daemon's housekeeping of runs whose crawler died without closing them.

Failure streak rule (`warta status`): walking a site's runs from the newest, 'failed' runs extend
the streak, 'ok' and 'partial' end it (partial = the site answered, with some errors), and 'aborted'
and 'running' runs are skipped — they neither break nor extend it. An aborted run was stopped by us
(daemon shutdown, Ctrl-C) and says nothing about the site's health: a site failing every night is
still flagged when a deploy interrupted one night in between, and one interrupted good night does
not make a healthy site look broken. The alert counts *nights* — distinct local dates
(Asia/Jakarta by default) — so a morning of manual retries after one bad night is one night, not
three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from archive.store.models import CrawlRun, Site, utcnow

JAKARTA = ZoneInfo("Asia/Jakarta")
SUCCESS_STATUSES = ("ok", "partial")
FAILED = "failed"

__all__ = [
    "JAKARTA",
    "RunRow",
    "SiteStatus",
    "close_unfinished_runs",
    "format_runs_table",
    "format_status_table",
    "recent_runs",
    "site_statuses",
]


@dataclass(frozen=True, slots=True)
class RunRow:
    """One crawl_runs row with its site's name, as `warta runs` shows it."""

    id: int
    site: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    finish_reason: str | None
    pages_fetched: int
    not_modified: int
    articles_new: int
    articles_updated: int
    duplicates: int
    errors: int
    errors_by_kind: dict[str, Any] = field(default_factory=dict)
    log_path: str | None = None
    """The crawl's log file (WARTA_LOG_DIR), when it had one."""

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """One site's health, as `warta status` shows it."""

    site: str
    last_run: RunRow | None
    last_success_at: datetime | None
    """started_at of the newest 'ok' or 'partial' run."""
    consecutive_failures: int
    """'failed' runs since the last success (aborted and running ones skipped)."""
    failed_nights: int
    """Distinct local dates among those failures."""
    alert: bool
    """failed_nights ≥ alert_after."""


def _row(run: CrawlRun, site_name: str) -> RunRow:
    return RunRow(
        id=run.id,
        site=site_name,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        finish_reason=run.finish_reason,
        pages_fetched=run.pages_fetched,
        not_modified=run.not_modified,
        articles_new=run.articles_new,
        articles_updated=run.articles_updated,
        duplicates=run.duplicates,
        errors=run.errors,
        errors_by_kind=dict(run.errors_by_kind or {}),
        log_path=run.log_path,
    )


def recent_runs(session: Session, *, site: str | None = None, limit: int = 20) -> list[RunRow]:
    """The newest `limit` runs, newest first, of every site or of `site`."""
    stmt = (
        select(CrawlRun, Site.name)
        .join(Site, CrawlRun.site_id == Site.id)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
    )
    if site is not None:
        stmt = stmt.where(Site.name == site)
    return [_row(run, name) for run, name in session.execute(stmt)]


def site_statuses(
    session: Session, *, alert_after: int = 3, tz: tzinfo = JAKARTA
) -> list[SiteStatus]:
    """Every site in the archive (by name) with its last run, last success and failure streak.

    `tz` decides which calendar night a failure belongs to (see the module docstring).
    """
    sites = session.execute(select(Site.id, Site.name).order_by(Site.name)).all()

    newest = select(
        CrawlRun.id,
        func.row_number()
        .over(
            partition_by=CrawlRun.site_id,
            order_by=(CrawlRun.started_at.desc(), CrawlRun.id.desc()),
        )
        .label("rn"),
    ).subquery()
    last_runs = {
        run.site_id: run
        for run in session.scalars(
            select(CrawlRun).join(newest, newest.c.id == CrawlRun.id).where(newest.c.rn == 1)
        )
    }

    last_success = (
        select(CrawlRun.site_id, func.max(CrawlRun.started_at).label("at"))
        .where(CrawlRun.status.in_(SUCCESS_STATUSES))
        .group_by(CrawlRun.site_id)
        .subquery()
    )
    success_at = {
        site_id: at
        for site_id, at in session.execute(select(last_success.c.site_id, last_success.c.at))
    }

    # Only the failures after each site's last success are read: the current streak, not history.
    streak_rows = session.execute(
        select(CrawlRun.site_id, CrawlRun.started_at)
        .outerjoin(last_success, last_success.c.site_id == CrawlRun.site_id)
        .where(
            CrawlRun.status == FAILED,
            (last_success.c.at.is_(None)) | (CrawlRun.started_at > last_success.c.at),
        )
    )
    failures: dict[int, list[datetime]] = {}
    for site_id, started_at in streak_rows:
        failures.setdefault(site_id, []).append(started_at)

    statuses = []
    for site_id, name in sites:
        failed_at = failures.get(site_id, [])
        nights = len({_as_utc(at).astimezone(tz).date() for at in failed_at})
        last = last_runs.get(site_id)
        at = success_at.get(site_id)
        statuses.append(
            SiteStatus(
                site=name,
                last_run=_row(last, name) if last is not None else None,
                last_success_at=_as_utc(at) if at is not None else None,
                consecutive_failures=len(failed_at),
                failed_nights=nights,
                alert=nights >= alert_after,
            )
        )
    return statuses


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def close_unfinished_runs(
    session: Session,
    site_name: str,
    *,
    status: str,
    reason: str,
    started_since: datetime | None = None,
    started_before: datetime | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Mark a site's runs still 'running' in the given window as `status` (finished now, with
    `reason`); returns their ids. For the daemon, after the crawler that owned them has died."""
    site_id = session.scalar(select(Site.id).where(Site.name == site_name))
    if site_id is None:
        return []
    conditions = [CrawlRun.site_id == site_id, CrawlRun.status == "running"]
    if started_since is not None:
        conditions.append(CrawlRun.started_at >= started_since)
    if started_before is not None:
        conditions.append(CrawlRun.started_at < started_before)
    ids = list(session.scalars(select(CrawlRun.id).where(and_(*conditions))))
    if ids:
        session.execute(
            update(CrawlRun)
            # Re-checking 'running' keeps a run the crawler closed meanwhile as it recorded it.
            .where(CrawlRun.id.in_(ids), CrawlRun.status == "running")
            .values(status=status, finish_reason=reason, finished_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
    return ids


# --- plain-text rendering ---------------------------------------------------------------------


def _when(value: datetime | None, tz: tzinfo) -> str:
    if value is None:
        return "-"
    return _as_utc(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _errors(row: RunRow) -> str:
    if not row.errors and not row.errors_by_kind:
        return "0"
    if not row.errors_by_kind:
        return str(row.errors)
    kinds = ", ".join(f"{kind}={count}" for kind, count in sorted(row.errors_by_kind.items()))
    return f"{row.errors} ({kinds})"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _zone_label(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz.tzname(None) or "UTC")


def format_runs_table(
    rows: Sequence[RunRow], *, tz: tzinfo = JAKARTA, logs: bool = False
) -> str:
    """`warta runs`: one line per run, times in `tz`; `logs` adds each run's log file, last
    (paths are long: the other columns stay aligned)."""
    if not rows:
        return "No crawl runs recorded."
    header = [
        "id",
        "site",
        f"started ({_zone_label(tz)})",
        "took",
        "status",
        "pages",
        "304",
        "new",
        "updated",
        "dup",
        "errors",
        "reason",
        *(["log"] if logs else []),
    ]
    body = [
        [
            str(r.id),
            r.site,
            _when(r.started_at, tz),
            _duration(r.duration_seconds),
            r.status,
            str(r.pages_fetched),
            str(r.not_modified),
            str(r.articles_new),
            str(r.articles_updated),
            str(r.duplicates),
            _errors(r),
            r.finish_reason or "",
            *([r.log_path or "-"] if logs else []),
        ]
        for r in rows
    ]
    return _table(header, body, numeric={0, 5, 6, 7, 8, 9})


def format_status_table(statuses: Sequence[SiteStatus], *, tz: tzinfo = JAKARTA) -> str:
    """`warta status`: one line per site, then an ALERT line for each flagged site."""
    if not statuses:
        return "No sites in the archive yet."
    header = [
        "site",
        f"last run ({_zone_label(tz)})",
        "status",
        f"last success ({_zone_label(tz)})",
        "failed in a row",
        "",
    ]
    body = []
    for s in statuses:
        last = s.last_run
        body.append(
            [
                s.site,
                _when(last.started_at, tz) if last else "never",
                last.status if last else "-",
                _when(s.last_success_at, tz) if s.last_success_at else "never",
                str(s.consecutive_failures),
                "ALERT" if s.alert else "",
            ]
        )
    text = _table(header, body, numeric={4})
    alerts = [
        f"ALERT: {s.site} failed {s.failed_nights} nights running"
        + (f" (last success {_when(s.last_success_at, tz)})" if s.last_success_at else "")
        for s in statuses
        if s.alert
    ]
    return "\n".join([text, "", *alerts]) if alerts else text
