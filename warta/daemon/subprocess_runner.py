"""The crawl of one site as a supervised child process (`scrapy crawl SITE`): its command and
environment, its log file, SIGTERM/SIGKILL on stop or timeout, and how it ended in crawl_runs."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Row, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from archive.crawls.locks import holder_is_dead_local, lock_holder, release_site_lock
from archive.crawls.run_summaries import latest_run
from archive.crawls.runs import close_unfinished_runs
from archive.store.db import transaction
from archive.store.models import CrawlRun, Site, utcnow
from warta.daemon.crawls import POLL_SECONDS, CrawlResult, CrawlWatch, StopSignal, log
from warta.run_logs import log_dir, new_progress_file, open_run_log, pump_output

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# The project checkout (scheduler.py, scrapy.cfg): where the child crawls run.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_CRAWL_TIMEOUT_SECONDS = 6 * 3600
DEFAULT_SHUTDOWN_GRACE_SECONDS = 180
DEFAULT_CRAWL_COMMAND = "{python} -m scrapy crawl {site}"


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
            latest = _latest_run(session, site, launched_at)
            recorded = latest.status if latest is not None else None
            if latest is not None and recorded != "running":
                if recorded == "aborted" and latest.finish_reason == "site-locked":
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


def _latest_run(session: Session, site: str, since: datetime) -> Row[tuple[str, str | None]] | None:
    """Status and finish reason of the site's last run started since `since`."""
    return session.execute(
        select(CrawlRun.status, CrawlRun.finish_reason)
        .join(Site, CrawlRun.site_id == Site.id)
        .where(Site.name == site, CrawlRun.started_at >= since)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    ).first()


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already gone
        os.killpg(pgid, signum)
