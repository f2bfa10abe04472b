"""The nightly jobs: the crawl service every job runs through (parallel limit, locked sites,
orphaned runs), the APScheduler scheduler with its persistent job store, `--once`, and the
coverage report written when a night's crawls are over."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor as FuturePool
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.util import utc_timestamp_to_datetime
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from archive.crawls.locks import holder_is_dead_local, lock_holder, release_site_lock
from archive.crawls.run_summaries import summary_line
from archive.crawls.runs import close_unfinished_runs
from archive.store.db import make_engine, session_factory, transaction
from archive.store.models import utcnow
from warta.daemon.crawls import (
    POLL_SECONDS,
    CrawlResult,
    CrawlWatch,
    Runner,
    ScheduledSite,
    StopSignal,
    log,
)
from warta.daemon.schedule import DEFAULT_TIMEZONE, site_trigger

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

JOBS_TABLE = "apscheduler_jobs"
# The persistent job store pickles a *reference* to the job function, so it must be importable by
# this name in whatever process runs the jobs: the top-level scheduler.py re-exports it, and the
# name stays the one stored jobs of earlier versions carry.
JOB_FUNC = "scheduler:run_scheduled_crawl"

DEFAULT_MAX_PARALLEL_CRAWLS = 2
DEFAULT_MISFIRE_GRACE_SECONDS = 6 * 3600


class CrawlService:
    """What every crawl job does: wait for a parallel slot, skip a locked site, run the crawl.

    The parallel limit is this semaphore rather than the executor's thread count: APScheduler
    checks the misfire grace time when a job's *thread* starts, so a job queued behind long crawls
    in a small pool would be dropped as missed. Every job gets a thread at once and waits here.
    """

    def __init__(
        self,
        runner: Runner,
        factory: sessionmaker[Session],
        *,
        max_parallel: int,
        stop: StopSignal,
        after_night: Callable[[], None] | None = None,
        watch: CrawlWatch | None = None,
    ) -> None:
        if max_parallel < 1:
            raise ValueError(f"WARTA_MAX_PARALLEL_CRAWLS must be at least 1, not {max_parallel}")
        self.runner = runner
        self.factory = factory
        self.stop = stop
        self.after_night = after_night
        """Called when the last running or waiting crawl ends (the night is over)."""
        self.watch = watch
        self._slots = threading.BoundedSemaphore(max_parallel)
        self._active = 0
        self._idle = threading.Condition()

    def run_site(self, site: str) -> CrawlResult:
        with self._idle:
            self._active += 1
        if self.watch is not None:
            self.watch.waiting(site)
        try:
            result = self._run_site(site)
        finally:
            with self._idle:
                self._active -= 1
                night_over = self._active == 0
                self._idle.notify_all()
        level = logging.WARNING if result.failed else logging.INFO
        detail = f" ({result.detail})" if result.detail else ""
        figures = f": {summary_line(result.run)}" if result.run else ""
        where = f"; log {result.log_path}" if result.log_path else ""
        log.log(level, "%s: %s%s%s%s", site, result.status, detail, figures, where)
        if self.watch is not None:
            self.watch.finished(result)
        if night_over and self.after_night is not None and not self.stop.requested.is_set():
            self.after_night()
        return result

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no crawl job is running or waiting for a slot; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def _run_site(self, site: str) -> CrawlResult:
        while not self._slots.acquire(timeout=POLL_SECONDS):
            if self.stop.requested.is_set():
                return CrawlResult(site, "skipped", detail="daemon stopping")
        try:
            if self.stop.requested.is_set():
                return CrawlResult(site, "skipped", detail="daemon stopping")
            holder = lock_holder(self.factory, site)
            if holder is not None:
                if holder_is_dead_local(holder) and release_site_lock(self.factory, site, holder):
                    log.warning("%s: released the lock of dead process %s", site, holder)
                else:
                    return CrawlResult(site, "skipped", detail=f"site locked by {holder}")
            self._close_orphans(site)
            return self.runner(site)
        except Exception as exc:
            log.exception("%s: crawl job failed", site)
            return CrawlResult(site, "failed", detail=f"daemon error: {exc}")
        finally:
            self._slots.release()

    def _close_orphans(self, site: str) -> None:
        """Runs left 'running' while the site is unlocked have no live crawler (a daemon or host
        killed mid-crawl): close them as aborted so they do not show as running forever."""
        with transaction(self.factory) as session:
            closed = close_unfinished_runs(
                session, site, status="aborted", reason="orphaned", started_before=utcnow()
            )
        if closed:
            log.warning("%s: closed orphaned runs %s as aborted", site, closed)


def nightly_report(
    settings: BaseSettings, *, crawls_here: bool | None = None
) -> Callable[[], None] | None:
    """What to do when a night's crawls are over: write the coverage report of the whole archive
    to WARTA_REPORT_PATH (None when the setting is empty). A failure is logged, never raised:
    the crawls are what matters.

    `crawls_here` (default: WARTA_BROKER_URL is unset) is False for a daemon that only enqueues
    crawls for a cluster's workers: its night is over before any crawl has begun, so it writes
    no report; the workers do, each when its last crawl ends (warta/cluster.py)."""
    path = str(settings.get("WARTA_REPORT_PATH") or "")
    if crawls_here is None:
        crawls_here = not settings.get("WARTA_BROKER_URL")
    if not path or not crawls_here:
        return None
    url = str(settings.get("WARTA_DATABASE_URL"))
    zone = str(settings.get("WARTA_TIMEZONE", DEFAULT_TIMEZONE))

    def write_report() -> None:
        from archive.reading.report import report_archive

        started = time.monotonic()
        try:
            report = report_archive(url, Path(path), timezone=zone)
        except Exception:
            log.exception("could not write the coverage report to %s", path)
            return
        log.info("coverage report written to %s (%d articles, %.1f s)", path, report.articles,
                 time.monotonic() - started)

    return write_report


_service: CrawlService | None = None


def current_service() -> CrawlService:
    """The service the jobs of the last build_scheduler() in this process run through."""
    if _service is None:
        raise RuntimeError("no crawl service: build_scheduler() was not called in this process")
    return _service


def run_scheduled_crawl(site: str) -> str:
    """The job function (referenced by name in the job store): crawl `site` now."""
    return current_service().run_site(site).status


def build_scheduler(
    settings: BaseSettings,
    sites: Sequence[ScheduledSite],
    runner: Runner,
    *,
    engine: Engine | None = None,
    stop: StopSignal | None = None,
    scheduler_class: type[BaseScheduler] = BlockingScheduler,
) -> BaseScheduler:
    """The daemon's scheduler, not yet started: one cron job per site in the persistent job store.

    A job's stored fire time that has already passed (the daemon was down then) is kept, so the
    missed night runs once at start-up (coalesce) within the misfire grace; a future one is
    recomputed from the current schedule, so schedule changes apply at the next restart. Stored
    jobs of sites no longer scheduled are deleted before start, or they would still run.
    """
    global _service
    engine = engine or make_engine(settings.get("WARTA_DATABASE_URL"))
    stop = stop or StopSignal()
    max_parallel = settings.getint("WARTA_MAX_PARALLEL_CRAWLS", DEFAULT_MAX_PARALLEL_CRAWLS)
    factory = session_factory(engine, writer=True)
    _service = CrawlService(runner, factory, max_parallel=max_parallel, stop=stop,
                            after_night=nightly_report(settings))

    names = [site.name for site in sites]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate site names in {names}")
    triggers = {site.name: site_trigger(site, settings) for site in sites}

    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.jobs_t.create(engine, checkfirst=True)
    with engine.begin() as conn:
        conn.execute(store.jobs_t.delete().where(store.jobs_t.c.id.not_in(names)))
        stored = dict(conn.execute(select(store.jobs_t.c.id, store.jobs_t.c.next_run_time)).all())

    grace = settings.getint("WARTA_MISFIRE_GRACE_SECONDS", DEFAULT_MISFIRE_GRACE_SECONDS)
    scheduler = scheduler_class(
        jobstores={"default": store},
        # One thread per site (see CrawlService): the crawl limit is enforced there.
        executors={"default": ThreadPoolExecutor(max_workers=max(len(sites), 1))},
        timezone=settings.get("WARTA_TIMEZONE", DEFAULT_TIMEZONE),
    )
    now = datetime.now(UTC).timestamp()
    for name in names:
        extra: dict[str, Any] = {}
        stored_at = stored.get(name)
        if stored_at is not None and stored_at <= now:
            extra["next_run_time"] = utc_timestamp_to_datetime(stored_at)
            log.info(
                "%s: run due at %s was missed while the daemon was down: runs now if within the "
                "misfire grace",
                name,
                extra["next_run_time"].isoformat(),
            )
        scheduler.add_job(
            JOB_FUNC,
            trigger=triggers[name],
            args=[name],
            id=name,
            name=f"crawl {name}",
            replace_existing=True,
            # Missed fire times (the daemon was down) make one run, not one per night.
            coalesce=True,
            # 0 or less: no limit — a missed night runs however late the daemon comes back.
            misfire_grace_time=grace if grace > 0 else None,
            max_instances=1,
            **extra,
        )
    return scheduler


def run_once(
    settings: BaseSettings,
    sites: Sequence[ScheduledSite],
    runner: Runner,
    stop: StopSignal,
    factory: sessionmaker[Session],
    watch: CrawlWatch | None = None,
) -> list[CrawlResult]:
    """Crawl every site now, in parallel up to the limit; stops early on `stop`. Then write the
    coverage report if WARTA_REPORT_PATH is set."""
    service = CrawlService(
        runner,
        factory,
        max_parallel=settings.getint("WARTA_MAX_PARALLEL_CRAWLS", DEFAULT_MAX_PARALLEL_CRAWLS),
        stop=stop,
        watch=watch,
    )
    with FuturePool(max_workers=max(len(sites), 1), thread_name_prefix="crawl") as pool:
        futures = [pool.submit(service.run_site, site.name) for site in sites]
        results = [future.result() for future in futures]
    # Here the night is over when every crawl has returned (the threads start one by one, so
    # the service's idle moment could come between two of them).
    report = nightly_report(settings)
    if report is not None and not stop.requested.is_set():
        report()
    return results
