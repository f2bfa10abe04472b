"""Crawl-run queries and tables behind `warta runs` and `warta status`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.crawls.runs import (
    close_unfinished_runs,
    format_runs_table,
    format_status_table,
    recent_runs,
    site_statuses,
)
from archive.store.db import make_engine, session_factory, transaction
from archive.store.models import Base, CrawlRun, Site
from tests.test_cli import warta

# 01:00 WIB (Asia/Jakarta, UTC+7) on 1 June 2024 is 18:00 UTC on 31 May.
NIGHT1 = datetime(2024, 5, 31, 18, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    with transaction(factory) as s:
        for name in ("alpha", "beta", "gamma", "idle"):
            s.add(
                Site(
                    name=name,
                    home_url=f"https://{name}.example/",
                    province="Lampung",
                    language="id",
                )
            )
    with factory() as s:
        yield s
    engine.dispose()


def add_run(session: Session, site: str, status: str, started: datetime, **counts: object) -> int:
    site_id = session.scalar(select(Site.id).where(Site.name == site))
    run = CrawlRun(
        site_id=site_id,
        started_at=started,
        finished_at=None if status == "running" else started + timedelta(minutes=42, seconds=7),
        status=status,
        finish_reason={"ok": "finished", "running": None}.get(status, status),
        **counts,
    )
    session.add(run)
    session.commit()
    return run.id


def test_recent_runs_newest_first_with_filter_and_limit(session: Session) -> None:
    add_run(session, "alpha", "ok", NIGHT1, pages_fetched=120, articles_new=7)
    add_run(session, "beta", "failed", NIGHT1 + timedelta(minutes=1))
    newest = add_run(
        session,
        "alpha",
        "partial",
        NIGHT1 + DAY,
        errors=3,
        errors_by_kind={"TimeoutError": 2, "http_503": 1},
    )

    rows = recent_runs(session, limit=10)
    assert [(r.site, r.status) for r in rows] == [
        ("alpha", "partial"),
        ("beta", "failed"),
        ("alpha", "ok"),
    ]
    assert rows[0].id == newest
    assert rows[0].errors_by_kind == {"TimeoutError": 2, "http_503": 1}
    assert rows[0].duration_seconds == 42 * 60 + 7
    assert rows[0].started_at.tzinfo is not None

    assert [r.status for r in recent_runs(session, site="alpha", limit=10)] == ["partial", "ok"]
    assert len(recent_runs(session, limit=1)) == 1
    assert recent_runs(session, site="nope", limit=5) == []


def test_failure_streak_and_alert(session: Session) -> None:
    # alpha: ok, then failed three nights running, with an aborted night (daemon restart)
    # in between that neither breaks nor extends the streak.
    add_run(session, "alpha", "ok", NIGHT1)
    add_run(session, "alpha", "failed", NIGHT1 + DAY)
    add_run(session, "alpha", "aborted", NIGHT1 + 2 * DAY)
    add_run(session, "alpha", "failed", NIGHT1 + 3 * DAY)
    add_run(session, "alpha", "failed", NIGHT1 + 4 * DAY)
    # beta: two bad nights, then recovered with a partial run.
    add_run(session, "beta", "failed", NIGHT1)
    add_run(session, "beta", "failed", NIGHT1 + DAY)
    add_run(session, "beta", "partial", NIGHT1 + 2 * DAY)
    # gamma: one bad night and two manual retries the same morning: three failures, one night;
    # and a crawl running right now does not count either way.
    add_run(session, "gamma", "failed", NIGHT1)
    add_run(session, "gamma", "failed", NIGHT1 + timedelta(hours=3))
    add_run(session, "gamma", "failed", NIGHT1 + timedelta(hours=4))
    add_run(session, "gamma", "running", NIGHT1 + timedelta(hours=5))

    by_site = {s.site: s for s in site_statuses(session)}
    assert list(by_site) == ["alpha", "beta", "gamma", "idle"]

    alpha = by_site["alpha"]
    assert alpha.consecutive_failures == 3 and alpha.failed_nights == 3 and alpha.alert
    assert alpha.last_success_at == NIGHT1
    assert alpha.last_run is not None and alpha.last_run.status == "failed"

    beta = by_site["beta"]
    assert (beta.consecutive_failures, beta.alert) == (0, False)
    assert beta.last_success_at == NIGHT1 + 2 * DAY

    gamma = by_site["gamma"]
    assert (gamma.consecutive_failures, gamma.failed_nights, gamma.alert) == (3, 1, False)
    assert gamma.last_success_at is None
    assert gamma.last_run is not None and gamma.last_run.status == "running"

    idle = by_site["idle"]
    assert idle.last_run is None and idle.last_success_at is None and not idle.alert

    # The threshold is a parameter.
    assert {s.site for s in site_statuses(session, alert_after=1) if s.alert} == {"alpha", "gamma"}


def test_nights_are_local_dates(session: Session) -> None:
    # 23:30 and 01:30 WIB are two nights even though both fall on one UTC date.
    add_run(session, "alpha", "failed", datetime(2024, 6, 1, 16, 30, tzinfo=UTC))
    add_run(session, "alpha", "failed", datetime(2024, 6, 1, 18, 30, tzinfo=UTC))
    (alpha,) = [s for s in site_statuses(session) if s.site == "alpha"]
    assert alpha.failed_nights == 2
    (alpha_utc,) = [s for s in site_statuses(session, tz=UTC) if s.site == "alpha"]
    assert alpha_utc.failed_nights == 1


def test_tables(session: Session, tmp_path: Path) -> None:
    alpha_log = "/srv/warta/logs/alpha-20240531T180000Z.log"
    add_run(
        session,
        "alpha",
        "ok",
        NIGHT1,
        pages_fetched=120,
        not_modified=80,
        articles_new=7,
        articles_updated=2,
        duplicates=1,
        log_path=alpha_log,
    )
    for night in (1, 2, 3):
        add_run(
            session,
            "beta",
            "failed",
            NIGHT1 + night * DAY,
            errors=4,
            errors_by_kind={"DNSLookupError": 4},
        )

    runs = format_runs_table(recent_runs(session, limit=10))
    lines = runs.splitlines()
    assert lines[0].split()[:3] == ["id", "site", "started"]
    assert "Asia/Jakarta" in lines[0]
    alpha_line = next(line for line in lines if " alpha " in line)
    # Times are shown in WIB: 18:00 UTC is 01:00 the next day.
    assert "2024-06-01 01:00" in alpha_line
    assert "42:07" in alpha_line and "120" in alpha_line and " ok " in alpha_line
    assert "4 (DNSLookupError=4)" in runs
    assert "log" not in lines[0] and alpha_log not in runs

    # `warta runs --logs`: each run's log file, last; "-" for a run without one.
    # A process of its own: the settings module reads WARTA_DATABASE_URL once per process.
    cli = warta("runs", "--logs", db_url=f"sqlite:///{tmp_path / 'archive.db'}")
    assert cli.returncode == 0, cli.stderr
    with_logs = cli.stdout.splitlines()
    assert with_logs[0].split()[-1] == "log"
    assert next(line for line in with_logs if " alpha " in line).endswith(f"finished  {alpha_log}")
    assert all(line.endswith(" -") for line in with_logs if " beta " in line)

    status = format_status_table(site_statuses(session))
    assert "ALERT: beta failed 3 nights running" in status
    beta_line = next(line for line in status.splitlines() if line.startswith("beta"))
    assert beta_line.endswith("ALERT") and "never" in beta_line
    idle_line = next(line for line in status.splitlines() if line.startswith("idle"))
    assert "never" in idle_line and "ALERT" not in idle_line

    assert format_runs_table([]) == "No crawl runs recorded."
    assert format_status_table([]) == "No sites in the archive yet."


def test_close_unfinished_runs(session: Session) -> None:
    old = add_run(session, "alpha", "running", NIGHT1)
    new = add_run(session, "alpha", "running", NIGHT1 + DAY)
    done = add_run(session, "alpha", "ok", NIGHT1 + DAY + timedelta(hours=1))
    other = add_run(session, "beta", "running", NIGHT1 + DAY)

    closed = close_unfinished_runs(
        session, "alpha", status="aborted", reason="daemon shutdown", started_since=NIGHT1 + DAY
    )
    session.commit()
    assert closed == [new]
    statuses = {r.id: (r.status, r.finish_reason) for r in recent_runs(session, limit=10)}
    assert statuses[new] == ("aborted", "daemon shutdown")
    assert statuses[old] == ("running", None)
    assert statuses[done] == ("ok", "finished")
    assert statuses[other] == ("running", None)

    closed = close_unfinished_runs(
        session, "alpha", status="aborted", reason="orphaned", started_before=NIGHT1 + DAY
    )
    session.commit()
    assert closed == [old]
    assert close_unfinished_runs(session, "unknown-site", status="failed", reason="x") == []
