"""warta's crawl daemon: crawls every registry site nightly, each in its own child process.

    python scheduler.py [--once] [--sites a,b] [--log-level INFO] [-s NAME=VALUE ...]
    warta daemon ...            (the same, through the CLI)

One APScheduler 3 cron job per site (default 01:00 Asia/Jakarta; a registry entry's `schedule` and
`timezone` override it). Jobs live in the archive database (table apscheduler_jobs), so a night
missed while the server was down runs once when the daemon comes back, if within the misfire grace.
A crawl is `python -m scrapy crawl SITE` in a child process — the Twisted reactor cannot be
restarted in one process — with its whole output (Scrapy's log) written to a file per run,
WARTA_LOG_DIR/<site>-<UTC start time>.log, whose path is logged and kept in crawl_runs.log_path.
The daemon's own log is plain timestamped lines: a site's crawl started, and ended with its figures.

No site is crawled twice at once: a job never overlaps itself (max_instances=1), and the per-site
lock in the archive database, taken by the crawler itself at spider open, keeps the daemon and a
manual `scrapy crawl` apart; the daemon does not start a crawl whose site is locked.

SIGTERM or SIGINT stops it gracefully: no new crawls, SIGTERM once to each running crawl (Scrapy
closes the spider with reason 'shutdown', recorded as 'aborted'), and SIGKILL after
WARTA_SHUTDOWN_GRACE_SECONDS. A second signal kills the crawls at once. A run a dead crawler left
'running' is closed by the daemon (see `SubprocessRunner`).

Settings (Scrapy settings, crawler/settings.py; `-s NAME=VALUE` overrides for one invocation):
WARTA_SCHEDULE, WARTA_TIMEZONE, WARTA_MAX_PARALLEL_CRAWLS, WARTA_MISFIRE_GRACE_SECONDS,
WARTA_CRAWL_TIMEOUT_SECONDS, WARTA_SHUTDOWN_GRACE_SECONDS, WARTA_CRAWL_COMMAND, WARTA_LOG_DIR,
WARTA_REPORT_PATH (the coverage report written when a night's last crawl ends), plus
WARTA_DATABASE_URL and WARTA_SITES_FILE. Defaults are below.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor as FuturePool
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler, SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.util import utc_timestamp_to_datetime
from sqlalchemy import Engine, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from archive.crawls.locks import holder_is_dead_local, lock_holder, release_site_lock
from archive.crawls.run_summaries import RunSummary, latest_run, summary_line
from archive.crawls.runs import close_unfinished_runs
from archive.store.db import make_engine, session_factory, transaction
from archive.store.models import CrawlRun, Site, utcnow
from warta.run_logs import log_dir, new_progress_file, open_run_log, pump_output

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

PROJECT_ROOT = Path(__file__).resolve().parent
JOBS_TABLE = "apscheduler_jobs"
# The persistent job store pickles a *reference* to the job function, so it must be importable by
# this name in whatever process starts the daemon (see the __main__ shim at the end).
JOB_FUNC = "scheduler:run_scheduled_crawl"

DEFAULT_SCHEDULE = "0 1 * * *"
DEFAULT_TIMEZONE = "Asia/Jakarta"
DEFAULT_MAX_PARALLEL_CRAWLS = 2
DEFAULT_MISFIRE_GRACE_SECONDS = 6 * 3600
DEFAULT_CRAWL_TIMEOUT_SECONDS = 6 * 3600
DEFAULT_SHUTDOWN_GRACE_SECONDS = 180
DEFAULT_CRAWL_COMMAND = "{python} -m scrapy crawl {site}"

# How often a supervising thread looks at its child and at the stop flags.
POLL_SECONDS = 0.2

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_DATEFMT = "%Y-%m-%dT%H:%M:%S%z"

log = logging.getLogger("warta.scheduler")


class ScheduledSite(Protocol):
    """What the daemon needs of a registry entry (spiders.registry.SiteEntry has it)."""

    @property
    def name(self) -> str: ...
    @property
    def schedule(self) -> str | None: ...
    @property
    def timezone(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """How one scheduled crawl ended, for logs and the --once exit status.

    status: 'ok', 'partial', 'failed', 'aborted' (as crawl_runs), or 'skipped' (not started:
    site locked, or the daemon stopping).
    """

    site: str
    status: str
    returncode: int | None = None
    detail: str = ""
    run: RunSummary | None = None
    """The figures of the run the crawl recorded, when it recorded one."""
    log_path: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "aborted")


class CrawlWatch(Protocol):
    """Someone following the crawls as they go: `warta crawl`'s display (warta/live.py).

    `live`: the crawls should write their live figures to a progress file (crawler/progress.py),
    passed to `started`. Called from the crawl threads."""

    @property
    def live(self) -> bool: ...
    def waiting(self, site: str) -> None: ...
    def started(self, site: str, log_path: Path | None, progress_path: Path | None) -> None: ...
    def finished(self, result: CrawlResult) -> None: ...


Runner = Callable[[str], CrawlResult]
"""Crawls one site to completion and says how it went. SubprocessRunner is the real one."""


class StopSignal:
    """The daemon's stop request, set from a signal handler and read by the crawl threads.

    A signal handler runs between two bytecodes of the main thread, which may hold any lock; the
    handler only sets these Events, which the main thread never waits on, so it cannot block.
    """

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.force = threading.Event()
        self.signum: int | None = None

    def request(self, signum: int | None = None) -> bool:
        """Ask for a graceful stop; a second request asks to kill at once. True on the first."""
        if self.requested.is_set():
            self.force.set()
            return False
        self.signum = signum
        self.requested.set()
        return True


# --- settings ----------------------------------------------------------------------------------


def crawl_command(settings: BaseSettings, site: str) -> list[str]:
    """argv of the child crawl: WARTA_CRAWL_COMMAND, a string (shell-quoted) or a list, with
    `{site}` and `{python}` (this interpreter) filled in; the site is appended if not placed."""
    raw: Any = settings.get("WARTA_CRAWL_COMMAND") or DEFAULT_CRAWL_COMMAND
    template = shlex.split(raw) if isinstance(raw, str) else [str(part) for part in raw]
    if not template:
        raise ValueError("WARTA_CRAWL_COMMAND is empty")
    argv = [part.replace("{python}", sys.executable) for part in template]
    if not any("{site}" in part for part in argv):
        argv.append("{site}")
    return [part.replace("{site}", site) for part in argv]


CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """A trigger for a standard 5-field crontab expression.

    APScheduler 3 numbers weekdays from Monday = 0, crontab from Sunday = 0 (or 7), so a plain
    `from_crontab("0 1 * * 1")` would fire on Tuesdays. Numeric weekdays are rewritten as day
    names, which both agree on.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    fields[4] = _crontab_weekdays(fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)


def _crontab_weekdays(field: str) -> str:
    if not any(char.isdigit() for char in field):
        return field  # '*' or names: the same in both
    days: set[int] = set()
    for part in field.split(","):
        span, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if step < 1:
            raise ValueError(f"bad weekday step in {field!r}")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            first, last = (_crontab_weekday(end) for end in span.split("-", 1))
        else:
            first = _crontab_weekday(span)
            last = 6 if slash else first  # '1/2' = from Monday, every other day
        if first > last:
            raise ValueError(f"bad weekday range {span!r}")
        days.update(day % 7 for day in range(first, last + 1, step))
    # Listed Monday first, APScheduler's week order.
    return ",".join(CRON_WEEKDAYS[day] for day in sorted(days, key=lambda d: (d + 6) % 7))


def _crontab_weekday(text: str) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text)  # 7 is Sunday too; kept as 7 so that '5-7' is a valid range
    if text.lower() in CRON_WEEKDAYS:
        return CRON_WEEKDAYS.index(text.lower())
    raise ValueError(f"bad weekday {text!r}")


def site_trigger(site: ScheduledSite, settings: BaseSettings) -> CronTrigger:
    """The site's cron trigger: its own schedule/timezone, else the deployment's."""
    expression = site.schedule or settings.get("WARTA_SCHEDULE", DEFAULT_SCHEDULE)
    zone = site.timezone or settings.get("WARTA_TIMEZONE", DEFAULT_TIMEZONE)
    try:
        return cron_trigger(expression, zone)
    except (ValueError, LookupError) as exc:
        raise ValueError(
            f"site {site.name!r}: bad schedule {expression!r} ({zone}): {exc}"
        ) from exc


def _child_env(settings: BaseSettings, site: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    # The child must crawl into the archive and registry the daemon checks locks and runs in,
    # including values given to the daemon with -s; made absolute because the child runs in the
    # project root, not in the daemon's working directory.
    env["WARTA_DATABASE_URL"] = absolute_database_url(str(settings.get("WARTA_DATABASE_URL")))
    env["WARTA_SITES_FILE"] = os.path.abspath(str(settings.get("WARTA_SITES_FILE")))
    env["WARTA_SITE"] = site
    # The project packages must import whatever the crawl command is (a wrapper, another cwd).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    # Line by line, as it happens: the output is relayed into the daemon's log.
    env["PYTHONUNBUFFERED"] = "1"
    return env


def absolute_database_url(url: str) -> str:
    """`url` with a relative SQLite file path made absolute (from this process's directory)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if database.startswith("file:") or os.path.isabs(database):
        return url
    return parsed.set(database=os.path.abspath(database)).render_as_string(hide_password=False)


def _positive_or_none(value: float) -> float | None:
    return value if value > 0 else None


# --- the crawl of one site ---------------------------------------------------------------------


class SubprocessRunner:
    """Runs one crawl as a child process and supervises it.

    The child runs in its own session (process group): a Ctrl-C on the daemon's terminal does not
    reach it directly, and the daemon forwards exactly one SIGTERM — a second one would make Scrapy
    shut down uncleanly. Signals go to the whole group so a wrapper command's own children are
    stopped too.

    A run the child left 'running' (it was killed, or died before closing its spider) is closed by
    the daemon, found as the site's 'running' crawl_runs rows started since the child was launched —
    the site lock guarantees no other crawler of that site started in that window, unless the lock
    is now held by someone alive, in which case the rows are left alone. Such a run becomes
    'aborted' when the daemon stopped it for shutdown, 'failed' otherwise (timeout, crash).
    A child that failed before recording any run (bad command, import error) gets a 'failed' run
    recorded for it, when the site is in the archive, so `warta status` sees the failure.
    """

    def __init__(
        self,
        settings: BaseSettings,
        factory: sessionmaker[Session],
        stop: StopSignal,
        *,
        cwd: Path = PROJECT_ROOT,
        watch: CrawlWatch | None = None,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.stop = stop
        self.cwd = cwd
        self.watch = watch
        self.log_dir = log_dir(
            settings, absolute_database_url(str(settings.get("WARTA_DATABASE_URL")))
        )
        self.timeout = _positive_or_none(
            settings.getfloat("WARTA_CRAWL_TIMEOUT_SECONDS", DEFAULT_CRAWL_TIMEOUT_SECONDS)
        )
        self.grace = settings.getfloat(
            "WARTA_SHUTDOWN_GRACE_SECONDS", DEFAULT_SHUTDOWN_GRACE_SECONDS
        )

    def __call__(self, site: str) -> CrawlResult:
        argv = crawl_command(self.settings, site)
        launched_at = utcnow()
        if self.stop.requested.is_set():
            return CrawlResult(site, "skipped", detail="daemon stopping")
        log_path, log_file = self._open_log(site, launched_at)
        progress_path = new_progress_file(site) if self.watch and self.watch.live else None
        env = _child_env(self.settings, site)
        env["WARTA_RUN_LOG_FILE"] = str(log_path or "")
        env["WARTA_PROGRESS_FILE"] = str(progress_path or "")
        try:
            proc = subprocess.Popen(
                argv,
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            log.error("%s: cannot start %s: %s", site, shlex.join(argv), exc)
            if log_file is not None:
                log_file.close()
            result = self._settle(
                site, launched_at, returncode=None, stopped_for=None, log_path=log_path
            )
            return self._with_run(result, launched_at, log_path)
        log.info("%s: crawl started (pid %d), log %s", site, proc.pid, log_path or "below")
        log.debug("%s: crawl command: %s", site, shlex.join(argv))
        if self.watch is not None:
            self.watch.started(site, log_path, progress_path)
        assert proc.stdout is not None
        pump = threading.Thread(
            target=pump_output, args=(proc.stdout, site, log_file), name=f"log-{site}", daemon=True
        )
        pump.start()
        try:
            returncode, stopped_for = self._supervise(proc, site)
            # The pipe closes when the last process of the group holding it exits; a wrapper's
            # straggler is given the grace period, then killed.
            pump.join(self.grace if stopped_for else 5.0)
            if pump.is_alive():
                _signal_group(proc.pid, signal.SIGKILL)
                pump.join(5.0)
        finally:
            if progress_path is not None:
                tmp = progress_path.with_name(progress_path.name + ".tmp")
                for leftover in (progress_path, tmp):
                    leftover.unlink(missing_ok=True)
        result = self._settle(
            site, launched_at, returncode=returncode, stopped_for=stopped_for, log_path=log_path
        )
        return self._with_run(result, launched_at, log_path)

    def _open_log(self, site: str, launched_at: datetime) -> tuple[Path | None, IO[bytes] | None]:
        try:
            return open_run_log(self.log_dir, site, launched_at)
        except OSError as exc:
            # Crawl anyway: its output goes into this log instead, as lines of warta.crawl.SITE.
            log.error("%s: cannot write a log file in %s: %s", site, self.log_dir, exc)
            return None, None

    def _with_run(
        self, result: CrawlResult, launched_at: datetime, log_path: Path | None
    ) -> CrawlResult:
        """`result` with the figures of the run the crawl recorded (for the end-of-crawl line)."""
        try:
            with self.factory() as session:
                run = latest_run(session, result.site, launched_at)
        except Exception as exc:  # the archive went away: the status is still worth reporting
            log.error("%s: cannot read the run record: %s", result.site, exc)
            run = None
        return replace(result, run=run, log_path=str(log_path) if log_path else None)

    def _supervise(self, proc: subprocess.Popen[bytes], site: str) -> tuple[int, str | None]:
        """Wait for the child; SIGTERM it on stop or timeout, SIGKILL after the grace period."""
        deadline = time.monotonic() + self.timeout if self.timeout else None
        stopped_for: str | None = None
        terminated_at: float | None = None
        killed = False
        while True:
            try:
                return proc.wait(timeout=POLL_SECONDS), stopped_for
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if terminated_at is None:
                if self.stop.requested.is_set():
                    stopped_for = "shutdown"
                elif deadline is not None and now >= deadline:
                    stopped_for = "timeout"
                if stopped_for:
                    log.warning("%s: %s: sending SIGTERM to the crawl", site, stopped_for)
                    _signal_group(proc.pid, signal.SIGTERM)
                    terminated_at = now
            elif not killed and (self.stop.force.is_set() or now - terminated_at >= self.grace):
                log.error("%s: crawl still running after SIGTERM: sending SIGKILL", site)
                _signal_group(proc.pid, signal.SIGKILL)
                killed = True

    def _settle(
        self,
        site: str,
        launched_at: datetime,
        *,
        returncode: int | None,
        stopped_for: str | None,
        log_path: Path | None = None,
    ) -> CrawlResult:
        """Work out how the crawl ended from its crawl_runs row, closing one left 'running'."""
        holder = lock_holder(self.factory, site)
        if holder is not None and holder_is_dead_local(holder):
            # Our killed child's lock (or a wrapper's): nobody can release it but us.
            release_site_lock(self.factory, site, holder)
            holder = None
        if returncode is None:
            cause = "could not start"
        elif returncode < 0:
            cause = f"killed by signal {-returncode}"
        else:
            cause = f"exit code {returncode}"
        if stopped_for == "shutdown":
            status, reason = "aborted", "daemon shutdown"
        elif stopped_for == "timeout":
            status, reason = "failed", "daemon timeout"
        else:
            status, reason = "failed", f"crawler died ({cause})"

        with transaction(self.factory) as session:
            if holder is None:
                closed = close_unfinished_runs(
                    session, site, status=status, reason=reason, started_since=launched_at
                )
                if closed:
                    log.warning(
                        "%s: run %s left 'running', recorded %s (%s)", site, closed, status, reason
                    )
                    return CrawlResult(site, status, returncode, reason)
            recorded = session.scalars(
                select(CrawlRun.status)
                .join(Site, CrawlRun.site_id == Site.id)
                .where(Site.name == site, CrawlRun.started_at >= launched_at)
                .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
                .limit(1)
            ).first()
            if recorded is not None and recorded != "running":
                if recorded == "aborted" and _last_reason(session, site, launched_at) == (
                    "site-locked"
                ):
                    # Another crawl (a manual `scrapy crawl`) took the site between our lock
                    # check and the child's start: skipped, as for a site found locked.
                    return CrawlResult(site, "skipped", returncode, "site locked by another crawl")
                return CrawlResult(site, recorded, returncode, "" if returncode == 0 else cause)
            if stopped_for == "shutdown":
                return CrawlResult(site, "aborted", returncode, reason)
            if returncode == 0 and stopped_for is None:
                # Scrapy exits 0 even when the spider closed early (e.g. reason 'locked').
                return CrawlResult(site, "ok", returncode, "no crawl run recorded")
            site_id = session.scalar(select(Site.id).where(Site.name == site))
            if site_id is not None and recorded is None:
                session.execute(
                    insert(CrawlRun).values(
                        site_id=site_id,
                        started_at=launched_at,
                        finished_at=utcnow(),
                        status=status,
                        finish_reason=reason,
                        errors_by_kind={},
                        rejected_by_reason={},
                        log_path=str(log_path) if log_path else None,
                    )
                )
            return CrawlResult(site, status, returncode, reason)


def _last_reason(session: Session, site: str, since: datetime) -> str | None:
    return session.scalars(
        select(CrawlRun.finish_reason)
        .join(Site, CrawlRun.site_id == Site.id)
        .where(Site.name == site, CrawlRun.started_at >= since)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    ).first()


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already gone
        os.killpg(pgid, signum)


# --- scheduling --------------------------------------------------------------------------------


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


# --- entry points ------------------------------------------------------------------------------


def load_settings(overrides: Iterable[str] = ()) -> BaseSettings:
    """The project settings (crawler/settings.py) with `-s NAME=VALUE` overrides."""
    from warta.config import project_settings

    values: dict[str, object] = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"-s expects NAME=VALUE, not {item!r}")
        values[name] = value
    return project_settings(values)


def load_sites(settings: BaseSettings, only: Sequence[str] = ()) -> list[ScheduledSite]:
    # Imported here so this module (and its tests) load without the spider package.
    from spiders.registry import load_registry

    sites: list[ScheduledSite] = list(load_registry(settings.get("WARTA_SITES_FILE")))
    if not only:
        return sites
    known = {site.name for site in sites}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise ValueError(f"unknown site(s): {', '.join(unknown)}")
    return [site for site in sites if site.name in only]


def configure_logging(level: str = "INFO", handler: logging.Handler | None = None) -> None:
    """Our log to `handler` (default: timestamped lines on standard output)."""
    if handler is None:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATEFMT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # WARTA_AUTO_UPGRADE's migrations say "Context impl SQLiteImpl." at every start: not news.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))


def _install_signal_handlers(stop: StopSignal) -> None:
    def handle(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if stop.request(signum):
            log.warning("%s: stopping — no new crawls, running crawls are asked to stop", name)
        else:
            log.warning("%s again: killing running crawls now", name)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


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


def _exit_status(stop: StopSignal, code: int) -> int:
    # 128+N is the shell's "ended by signal N", here after a clean shutdown.
    return 128 + stop.signum if stop.signum else code


def main(argv: Sequence[str] | None = None, *, watch: CrawlWatch | None = None,
         log_handler: logging.Handler | None = None) -> int:
    """The daemon (`warta daemon`, `warta crawl` with --once). `watch` follows the crawls (a live
    display); `log_handler` takes our log instead of standard output."""
    parser = argparse.ArgumentParser(
        prog="warta daemon", description="Crawl every registry site on its schedule."
    )
    parser.add_argument("--once", action="store_true", help="crawl all sites now and exit")
    parser.add_argument("--sites", default="", help="comma-separated site names (default: all)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting for this invocation (repeatable)",
    )
    args = parser.parse_args(argv)
    configure_logging(args.log_level, log_handler)

    from spiders.registry import RegistryError

    try:
        settings = load_settings(args.set)
        only = [name.strip() for name in args.sites.split(",") if name.strip()]
        sites = load_sites(settings, only)
    except (RegistryError, ValueError, OSError) as exc:
        log.error("%s", exc)
        return 2
    if not sites:
        log.error("no sites to crawl in %s", settings.get("WARTA_SITES_FILE"))
        return 2

    url = settings.get("WARTA_DATABASE_URL")
    if settings.getbool("WARTA_AUTO_UPGRADE", False):
        # As the crawl extension does; deployments run `warta db upgrade` before starting instead.
        from archive.store.schema import upgrade

        upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine, writer=True)
    stop = StopSignal()
    runner: Runner = SubprocessRunner(settings, factory, stop, watch=watch)
    if settings.get("WARTA_BROKER_URL"):
        # Crawling on several machines: each crawl is a Celery task for `warta worker`.
        from warta.cluster import EnqueueRunner

        runner = EnqueueRunner(settings)
    _install_signal_handlers(stop)

    if args.once:
        log.info("crawling %d site(s) once: %s", len(sites), ", ".join(s.name for s in sites))
        results = run_once(settings, sites, runner, stop, factory, watch)
        failed = [r.site for r in results if r.failed]
        if failed:
            log.warning("failed or aborted: %s", ", ".join(failed))
        return _exit_status(stop, 1 if failed else 0)

    try:
        scheduler = build_scheduler(settings, sites, runner, engine=engine, stop=stop)
    except ValueError as exc:
        log.error("%s", exc)
        return 2

    def log_schedule(_event: SchedulerEvent) -> None:
        for job in scheduler.get_jobs():
            log.info(
                "%s: %s %s, next run %s",
                job.id,
                job.trigger,
                job.trigger.timezone,
                job.next_run_time.isoformat() if job.next_run_time else "never",
            )

    scheduler.add_listener(log_schedule, EVENT_SCHEDULER_STARTED)
    threading.Thread(
        target=_shutdown_on_stop, args=(scheduler, stop), name="stopper", daemon=True
    ).start()
    scheduler.start()  # blocks until _shutdown_on_stop shuts it down
    log.info("scheduler stopped; waiting for running crawls to finish")
    current_service().wait_idle()
    log.info("stopped")
    return 0


def _shutdown_on_stop(scheduler: BaseScheduler, stop: StopSignal) -> None:
    """Shut the scheduler down once a stop is requested, from a thread: the scheduler's locks must
    not be taken inside a signal handler, which may have interrupted the scheduler itself."""
    stop.requested.wait()
    while True:
        try:
            scheduler.shutdown(wait=False)
            return
        except SchedulerNotRunningError:
            # The signal came while the scheduler was still starting; try again once it runs.
            time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    # Run as the module `scheduler`, not `__main__`: the job store refers to JOB_FUNC by that name,
    # and the job must see the service this run sets up.
    sys.path.insert(0, str(PROJECT_ROOT))
    import scheduler as _self

    sys.exit(_self.main())
