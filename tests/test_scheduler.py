"""The crawl daemon: schedules, catch-up of a missed night, parallel limit, locks, shutdown.

Nothing here waits for a cron time: jobs are made due by setting their next run time (on a
scheduler started paused), or by a stored fire time in the past. Crawls are fake: an in-process
runner, or a small script standing in for `scrapy crawl` (WARTA_CRAWL_COMMAND).
"""

from __future__ import annotations

import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES, JobEvent
from apscheduler.schedulers.background import BackgroundScheduler
from scrapy.settings import Settings
from sqlalchemy import Engine, MetaData, Table, select, update
from sqlalchemy.orm import Session, sessionmaker

import scheduler
from archive.crawls.locks import acquire_site_lock, lock_holder
from archive.store.db import make_engine, session_factory, transaction
from archive.store.models import Base, CrawlRun, Site, utcnow
from warta.daemon.crawls import CrawlResult, StopSignal
from warta.daemon.schedule import cron_trigger
from warta.daemon.service import JOBS_TABLE, CrawlService, build_scheduler, run_once
from warta.daemon.subprocess_runner import (
    SubprocessRunner,
    _child_env,
    absolute_database_url,
    crawl_command,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
TIMEOUT = 20.0  # upper bound for waits on other threads and processes, never reached when green
SCHEDULER_PY = Path(scheduler.__file__).resolve()
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} [A-Z]+ [\w.]+: ")


@dataclass(frozen=True)
class FakeSite:
    name: str
    schedule: str | None = None
    timezone: str | None = None


class FakeRunner:
    """Records crawls; with `block`, each crawl waits until released (to observe overlap)."""

    def __init__(self, *, block: bool = False, status: str = "ok") -> None:
        self.block = block
        self.status = status
        self.calls: list[str] = []
        self.active = 0
        self.peak = 0
        self.release = threading.Event()
        self._cond = threading.Condition()

    def __call__(self, site: str) -> CrawlResult:
        with self._cond:
            self.calls.append(site)
            self.active += 1
            self.peak = max(self.peak, self.active)
            self._cond.notify_all()
        try:
            if self.block:
                assert self.release.wait(TIMEOUT)
            return CrawlResult(site, self.status, 0)
        finally:
            with self._cond:
                self.active -= 1
                self._cond.notify_all()

    def wait_for(self, predicate: Any) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), TIMEOUT)


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "archive.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with transaction(session_factory(engine)) as session:
        for name in ("alpha", "beta", "gamma"):
            session.add(
                Site(name=name, home_url=f"http://{name}.test/", province="Jambi", language="id")
            )
    engine.dispose()
    return path


@pytest.fixture
def archive(db_file: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{db_file}")
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(archive: Engine) -> sessionmaker[Session]:
    return session_factory(archive, writer=True)


def make_settings(db_file: Path, **values: Any) -> Settings:
    return Settings({"WARTA_DATABASE_URL": f"sqlite:///{db_file}", **values})


def background(
    settings: Settings,
    sites: list[FakeSite],
    runner: Any,
    engine: Engine,
    stop: StopSignal | None = None,
) -> BackgroundScheduler:
    sched = build_scheduler(
        settings, sites, runner, engine=engine, stop=stop, scheduler_class=BackgroundScheduler
    )
    assert isinstance(sched, BackgroundScheduler)
    return sched


def store_next_run_time(engine: Engine, job_id: str, when: datetime) -> None:
    """Set a stored job's next fire time as a daemon stopped before that time would have left it.

    (Not with modify_job on a scheduler: one last look for due jobs after its shutdown would
    consume a past fire time.)
    """
    jobs = Table(JOBS_TABLE, MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        state = pickle.loads(conn.scalar(select(jobs.c.job_state).where(jobs.c.id == job_id)))
        state["next_run_time"] = when
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(next_run_time=when.timestamp(), job_state=pickle.dumps(state))
        )


def run_now(sched: BackgroundScheduler, *job_ids: str) -> None:
    for job_id in job_ids:
        sched.modify_job(job_id, next_run_time=datetime.now(UTC))


# --- schedules ---------------------------------------------------------------------------------


def test_default_schedule_is_01_jakarta_and_sites_can_override(db_file: Path, archive: Engine):
    sites = [FakeSite("alpha"), FakeSite("beta", schedule="30 2 * * 1", timezone="Asia/Makassar")]
    sched = background(make_settings(db_file), sites, FakeRunner(), archive)
    noon = datetime(2024, 6, 5, 12, 0, tzinfo=JAKARTA)  # a Wednesday

    alpha = sched.get_job("alpha")
    assert str(alpha.trigger.timezone) == "Asia/Jakarta"
    assert alpha.trigger.get_next_fire_time(None, noon) == datetime(
        2024, 6, 6, 1, 0, tzinfo=JAKARTA
    )

    beta = sched.get_job("beta")
    makassar = ZoneInfo("Asia/Makassar")
    assert str(beta.trigger.timezone) == "Asia/Makassar"
    # Next Monday 02:30 WITA.
    assert beta.trigger.get_next_fire_time(None, noon) == datetime(
        2024, 6, 10, 2, 30, tzinfo=makassar
    )

    for job in (alpha, beta):
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 6 * 3600
        assert job.func_ref == "scheduler:run_scheduled_crawl" and job.args == (job.id,)


def test_deployment_schedule_and_timezone_settings(db_file: Path, archive: Engine):
    settings = make_settings(
        db_file,
        WARTA_SCHEDULE="15 3 * * *",
        WARTA_TIMEZONE="Asia/Jayapura",
        WARTA_MISFIRE_GRACE_SECONDS=0,
    )
    sites = [FakeSite("alpha"), FakeSite("beta", timezone="Asia/Jakarta")]
    sched = background(settings, sites, FakeRunner(), archive)
    noon = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
    jayapura = ZoneInfo("Asia/Jayapura")
    alpha, beta = sched.get_job("alpha"), sched.get_job("beta")
    assert alpha.trigger.get_next_fire_time(None, noon) == datetime(
        2024, 6, 6, 3, 15, tzinfo=jayapura
    )
    # A site's own zone with the deployment's cron expression.
    assert beta.trigger.get_next_fire_time(None, noon) == datetime(
        2024, 6, 6, 3, 15, tzinfo=JAKARTA
    )
    assert alpha.misfire_grace_time is None  # 0 = catch up however late


def test_bad_schedule_is_reported_with_the_site(db_file: Path, archive: Engine):
    with pytest.raises(ValueError, match="site 'beta': bad schedule"):
        background(
            make_settings(db_file), [FakeSite("beta", schedule="61 1 * * *")], FakeRunner(), archive
        )


@pytest.mark.parametrize(
    ("weekday_field", "fires_on"),
    [
        ("1", {"Mon"}),
        ("0", {"Sun"}),
        ("7", {"Sun"}),
        ("1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("5-7", {"Fri", "Sat", "Sun"}),
        ("0,6", {"Sat", "Sun"}),
        ("*/2", {"Sun", "Tue", "Thu", "Sat"}),
        ("sat,sun", {"Sat", "Sun"}),
        ("*", {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}),
    ],
)
def test_weekdays_follow_crontab_not_apscheduler(weekday_field: str, fires_on: set[str]) -> None:
    # APScheduler 3 alone would read '1' as Tuesday.
    trigger = cron_trigger(f"0 1 * * {weekday_field}", "Asia/Jakarta")
    fire, days = None, set()
    start = datetime(2024, 6, 3, 0, 0, tzinfo=JAKARTA)  # a Monday
    for _ in range(7):
        fire = trigger.get_next_fire_time(fire, fire + timedelta(minutes=1) if fire else start)
        if fire is None or fire >= start + timedelta(days=7):
            break
        days.add(fire.strftime("%a"))
    assert days == fires_on


@pytest.mark.parametrize("bad", ["0 1 * *", "0 1 * * 8", "0 1 * * 5-1", "0 25 * * *"])
def test_bad_cron_expressions(bad: str) -> None:
    with pytest.raises(ValueError):
        cron_trigger(bad, "Asia/Jakarta")


def test_crawl_command_setting() -> None:
    default = crawl_command(Settings(), "alpha")
    assert default == [sys.executable, "-m", "scrapy", "crawl", "alpha"]
    wrapped = crawl_command(
        Settings({"WARTA_CRAWL_COMMAND": "nice -n 10 {python} -m scrapy crawl"}), "alpha"
    )
    assert wrapped == ["nice", "-n", "10", sys.executable, "-m", "scrapy", "crawl", "alpha"]
    as_list = crawl_command(Settings({"WARTA_CRAWL_COMMAND": ["run", "--site={site}", "x"]}), "b")
    assert as_list == ["run", "--site=b", "x"]


# --- running jobs ------------------------------------------------------------------------------


def test_triggered_job_crawls_its_site(db_file: Path, archive: Engine) -> None:
    runner = FakeRunner()
    sched = background(
        make_settings(db_file), [FakeSite("alpha"), FakeSite("beta")], runner, archive
    )
    sched.start(paused=True)
    try:
        run_now(sched, "beta")
        sched.resume()
        assert runner.wait_for(lambda r: r.calls == ["beta"])
    finally:
        sched.shutdown(wait=True)
    assert runner.calls == ["beta"]


def test_missed_night_runs_once_at_startup(db_file: Path, archive: Engine) -> None:
    # The grace covers the latest missed 01:00 whatever time of day the test runs.
    settings = make_settings(db_file, WARTA_MISFIRE_GRACE_SECONDS=2 * 24 * 3600)
    sites = [FakeSite("alpha"), FakeSite("beta")]

    # A daemon ran before and stored alpha's next run: three nights ago. Then the server was down.
    first = background(settings, sites, FakeRunner(), archive)
    first.start(paused=True)
    first.shutdown()
    three_nights_ago = datetime.combine(
        datetime.now(JAKARTA).date() - timedelta(days=3),
        datetime.min.time().replace(hour=1),
        tzinfo=JAKARTA,
    )
    store_next_run_time(archive, "alpha", three_nights_ago)

    # Back up: the three missed nights of alpha coalesce into one crawl; beta is not due.
    runner = FakeRunner()
    second = background(settings, sites, runner, archive)
    executed = threading.Event()
    second.add_listener(lambda event: executed.set(), EVENT_JOB_EXECUTED)
    second.start()
    try:
        assert executed.wait(TIMEOUT)
    finally:
        second.shutdown(wait=True)
    assert runner.calls == ["alpha"]

    # The store now holds alpha's next night, in the future.
    third = background(settings, sites, FakeRunner(), archive)
    third.start(paused=True)
    try:
        next_run = third.get_job("alpha").next_run_time
        assert next_run > datetime.now(UTC)
        assert next_run - datetime.now(UTC) <= timedelta(days=1)
    finally:
        third.shutdown()


def test_stored_jobs_follow_the_current_configuration(db_file: Path, archive: Engine) -> None:
    settings = make_settings(db_file)
    first = background(settings, [FakeSite("alpha"), FakeSite("beta")], FakeRunner(), archive)
    first.start(paused=True)
    first.shutdown()

    # beta left the registry and alpha moved to 05:45: beta's job must not run any more, and
    # alpha's future fire time is recomputed from its new schedule.
    second = background(settings, [FakeSite("alpha", schedule="45 5 * * *")], FakeRunner(), archive)
    second.start(paused=True)
    try:
        assert [job.id for job in second.get_jobs()] == ["alpha"]
        local = second.get_job("alpha").next_run_time.astimezone(JAKARTA)
        assert (local.hour, local.minute) == (5, 45)
    finally:
        second.shutdown()


def test_parallel_limit(db_file: Path, archive: Engine) -> None:
    runner = FakeRunner(block=True)
    settings = make_settings(db_file, WARTA_MAX_PARALLEL_CRAWLS=2)
    names = ["alpha", "beta", "gamma"]
    sched = background(settings, [FakeSite(n) for n in names], runner, archive)
    sched.start(paused=True)
    try:
        run_now(sched, *names)
        sched.resume()
        assert runner.wait_for(lambda r: r.active == 2)
        # Give a third crawl every chance to start if the limit were broken.
        time.sleep(0.3)
        assert runner.active == 2 and len(runner.calls) == 2
        runner.release.set()
        assert runner.wait_for(lambda r: len(r.calls) == 3 and r.active == 0)
    finally:
        runner.release.set()
        sched.shutdown(wait=True)
    assert runner.peak == 2
    assert sorted(runner.calls) == names


def test_a_running_job_is_not_started_twice(db_file: Path, archive: Engine) -> None:
    runner = FakeRunner(block=True)
    sched = background(make_settings(db_file), [FakeSite("alpha")], runner, archive)
    skipped = threading.Event()

    def on_max_instances(event: JobEvent) -> None:
        skipped.set()

    sched.add_listener(on_max_instances, EVENT_JOB_MAX_INSTANCES)
    sched.start(paused=True)
    try:
        run_now(sched, "alpha")
        sched.resume()
        assert runner.wait_for(lambda r: r.active == 1)
        run_now(sched, "alpha")  # the next night comes while the crawl still runs
        assert skipped.wait(TIMEOUT)
    finally:
        runner.release.set()
        sched.shutdown(wait=True)
    assert runner.calls == ["alpha"]


def _hold_lock_in_subprocess(db_file: Path, site: str) -> subprocess.Popen[str]:
    """Another process (a manual `scrapy crawl`) holding the site's lock until its stdin closes."""
    code = (
        "import sys; from datetime import timedelta\n"
        "from archive.store.db import make_engine, session_factory\n"
        "from archive.crawls.locks import acquire_site_lock, holder_id\n"
        f"f = session_factory(make_engine({f'sqlite:///{db_file}'!r}), writer=True)\n"
        f"assert acquire_site_lock(f, {site!r}, holder_id(), timedelta(minutes=15))\n"
        "print('held', flush=True); sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=SCHEDULER_PY.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_locked_site_is_skipped(db_file: Path, sessions: sessionmaker[Session]) -> None:
    holder = _hold_lock_in_subprocess(db_file, "alpha")
    runner = FakeRunner()
    service = CrawlService(runner, sessions, max_parallel=2, stop=StopSignal())
    try:
        result = service.run_site("alpha")
        assert result.status == "skipped" and f":{holder.pid}" in result.detail
        assert runner.calls == []
        assert service.run_site("beta").status == "ok"  # other sites are not held up
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(TIMEOUT)
    # The manual crawl finished (its process is gone): the daemon's next run goes ahead, and
    # releases the dead process's lock rather than waiting out its TTL.
    assert lock_holder(sessions, "alpha") is not None
    assert service.run_site("alpha").status == "ok"
    assert runner.calls == ["beta", "alpha"]


def test_locked_site_is_skipped_by_a_scheduled_job(db_file: Path, archive: Engine) -> None:
    factory = session_factory(archive, writer=True)
    assert acquire_site_lock(factory, "alpha", "other-host:4242", timedelta(minutes=15))
    runner = FakeRunner()
    sched = background(make_settings(db_file), [FakeSite("alpha")], runner, archive)
    done = threading.Event()
    results: list[Any] = []

    def on_executed(event: Any) -> None:
        results.append(event.retval)
        done.set()

    sched.add_listener(on_executed, EVENT_JOB_EXECUTED)
    sched.start(paused=True)
    try:
        run_now(sched, "alpha")
        sched.resume()
        assert done.wait(TIMEOUT)
    finally:
        sched.shutdown(wait=True)
    assert results == ["skipped"] and runner.calls == []


def test_orphaned_runs_are_closed_before_a_crawl(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        alpha = session.scalar(select(Site.id).where(Site.name == "alpha"))
        session.add(CrawlRun(site_id=alpha, started_at=utcnow() - timedelta(days=1)))
    CrawlService(FakeRunner(), sessions, max_parallel=1, stop=StopSignal()).run_site("alpha")
    with sessions() as session:
        run = session.scalars(select(CrawlRun)).one()
        assert (run.status, run.finish_reason) == ("aborted", "orphaned")


def test_stop_request_skips_waiting_crawls(db_file: Path, sessions: sessionmaker[Session]) -> None:
    runner = FakeRunner(block=True)
    stop = StopSignal()
    service = CrawlService(runner, sessions, max_parallel=1, stop=stop)
    first = threading.Thread(target=service.run_site, args=("alpha",))
    first.start()
    assert runner.wait_for(lambda r: r.active == 1)
    queued: list[CrawlResult] = []
    second = threading.Thread(target=lambda: queued.append(service.run_site("beta")))
    second.start()
    assert stop.request(signal.SIGTERM)
    second.join(TIMEOUT)
    assert queued == [CrawlResult("beta", "skipped", detail="daemon stopping")]
    runner.release.set()
    first.join(TIMEOUT)
    assert service.wait_idle(TIMEOUT)
    assert runner.calls == ["alpha"]
    assert not stop.force.is_set()
    assert not stop.request(signal.SIGTERM) and stop.force.is_set()  # a second signal: kill now


def test_run_once_reports_failures(db_file: Path, sessions: sessionmaker[Session]) -> None:
    settings = make_settings(db_file, WARTA_MAX_PARALLEL_CRAWLS=3)
    sites = [FakeSite(n) for n in ("alpha", "beta")]
    results = run_once(settings, sites, FakeRunner(status="failed"), StopSignal(), sessions)
    assert [(r.site, r.failed) for r in results] == [("alpha", True), ("beta", True)]
    results = run_once(settings, sites, FakeRunner(status="partial"), StopSignal(), sessions)
    assert not any(r.failed for r in results)


# --- real child processes ----------------------------------------------------------------------

FAKE_CRAWL = r'''
"""Stands in for `scrapy crawl SITE`, behaving like warta's crawl extension."""
import os, signal, sys, time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, os.getcwd())  # the daemon starts crawls in the project root
from sqlalchemy import select
from archive.store.db import make_engine, session_factory, transaction
from archive.crawls.locks import acquire_site_lock, holder_id, release_site_lock
from archive.store.models import CrawlRun, Site, utcnow

mode, markers, site = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
assert site == os.environ["WARTA_SITE"]
factory = session_factory(make_engine(os.environ["WARTA_DATABASE_URL"]), writer=True)
terms = []

def on_term(signum, frame):
    terms.append(signum)
    with (markers / f"{site}.sigterm").open("a") as out:
        out.write("SIGTERM\n")

signal.signal(signal.SIGTERM, on_term)
assert acquire_site_lock(factory, site, holder_id(), timedelta(minutes=15))
with transaction(factory) as session:
    site_id = session.scalar(select(Site.id).where(Site.name == site))
    run = CrawlRun(site_id=site_id, started_at=utcnow(), status="running")
    session.add(run)
    session.flush()
    run_id = run.id
print(f"crawling {site}, mode {mode}", flush=True)
(markers / f"{site}.started").write_text(str(os.getpid()))

def close(status, reason):
    with transaction(factory) as session:
        run = session.get(CrawlRun, run_id)
        run.status, run.finish_reason, run.finished_at = status, reason, utcnow()
    release_site_lock(factory, site, holder_id())

if mode == "ok":
    close("ok", "finished")
    sys.exit(0)
if mode == "crash":
    sys.exit(3)  # dies with its run 'running' and its lock held
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    time.sleep(0.02)
    if terms and mode == "graceful":  # Scrapy: close the spider, reason 'shutdown'
        close("aborted", "shutdown")
        sys.exit(0)
    if terms and mode == "term-dies":  # stops without closing its run
        sys.exit(0)
    # mode "ignore-term": keeps crawling until SIGKILL
sys.exit(4)
'''


@pytest.fixture
def fake_crawl(tmp_path: Path) -> Path:
    script = tmp_path / "fake_crawl.py"
    script.write_text(FAKE_CRAWL)
    (tmp_path / "markers").mkdir()
    return script


def fake_command(fake_crawl: Path, mode: str) -> str:
    return f"{{python}} {fake_crawl} {mode} {fake_crawl.parent / 'markers'} {{site}}"


def wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def runs_of(sessions: sessionmaker[Session], site: str) -> list[tuple[str, str | None]]:
    with sessions() as session:
        rows = session.execute(
            select(CrawlRun.status, CrawlRun.finish_reason)
            .join(Site, CrawlRun.site_id == Site.id)
            .where(Site.name == site)
            .order_by(CrawlRun.id)
        )
        return [(status, reason) for status, reason in rows]


@pytest.mark.parametrize(
    ("mode", "status", "reason"),
    [("ok", "ok", "finished"), ("crash", "failed", "crawler died (exit code 3)")],
)
def test_subprocess_runner_outcomes(
    db_file: Path,
    sessions: sessionmaker[Session],
    fake_crawl: Path,
    mode: str,
    status: str,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(db_file, WARTA_CRAWL_COMMAND=fake_command(fake_crawl, mode))
    caplog.set_level("INFO")
    result = CrawlService(
        SubprocessRunner(settings, sessions, StopSignal()), sessions, max_parallel=1,
        stop=StopSignal(),
    ).run_site("alpha")
    assert result.status == status
    assert runs_of(sessions, "alpha") == [(status, reason)]
    assert lock_holder(sessions, "alpha") is None  # a crashed crawl's lock is released too
    # The crawl's output is in its own log file, beside the archive, not in the daemon's log.
    assert result.log_path is not None
    log_file = Path(result.log_path)
    assert log_file.parent == db_file.parent / "logs" and log_file.name.startswith("alpha-")
    assert log_file.read_text() == f"crawling alpha, mode {mode}\n"
    assert not any(r.name == "warta.crawl.alpha" for r in caplog.records)
    # The end line: status, figures of the recorded run, where the log is.
    detail = "" if mode == "ok" else f" ({reason})"
    assert caplog.records[-1].getMessage() == (
        f"alpha: {status}{detail}: run 1: 0 pages (0 not modified), 0 stored (0 new, 0 updated,"
        f" 0 unchanged), 0 duplicates, 0 rejected, 0 errors, 0 B; log {log_file}"
    )


def test_subprocess_runner_kills_a_crawl_ignoring_sigterm(
    db_file: Path, sessions: sessionmaker[Session], fake_crawl: Path
) -> None:
    settings = make_settings(
        db_file,
        WARTA_CRAWL_COMMAND=fake_command(fake_crawl, "ignore-term"),
        WARTA_SHUTDOWN_GRACE_SECONDS=0.5,
    )
    stop = StopSignal()
    runner = SubprocessRunner(settings, sessions, stop)
    markers = fake_crawl.parent / "markers"
    stopper = threading.Thread(
        target=lambda: (wait_for_file(markers / "alpha.started"), stop.request(signal.SIGTERM))
    )
    stopper.start()
    result = runner("alpha")
    stopper.join(TIMEOUT)
    assert (result.status, result.returncode) == ("aborted", -signal.SIGKILL)
    assert (markers / "alpha.sigterm").read_text() == "SIGTERM\n"  # exactly once
    assert runs_of(sessions, "alpha") == [("aborted", "daemon shutdown")]
    assert lock_holder(sessions, "alpha") is None


def test_subprocess_runner_timeout(
    db_file: Path, sessions: sessionmaker[Session], fake_crawl: Path
) -> None:
    settings = make_settings(
        db_file,
        WARTA_CRAWL_COMMAND=fake_command(fake_crawl, "term-dies"),
        WARTA_CRAWL_TIMEOUT_SECONDS=0.5,
    )
    result = SubprocessRunner(settings, sessions, StopSignal())("alpha")
    assert result.status == "failed"
    assert runs_of(sessions, "alpha") == [("failed", "daemon timeout")]


def _daemon_env(db_file: Path, sites_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        WARTA_DATABASE_URL=f"sqlite:///{db_file}",
        WARTA_SITES_FILE=str(sites_file),
        SCRAPY_SETTINGS_MODULE="crawler.settings",
    )
    return env


@pytest.fixture
def sites_file(tmp_path: Path) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(
        "".join(
            f'[[site]]\nname = "{name}"\nhome_url = "http://{name}.test/"\nprovince = "Jambi"\n\n'
            for name in ("alpha", "beta")
        )
    )
    return path


def _start_daemon(args: list[str], db_file: Path, sites_file: Path) -> subprocess.Popen[str]:
    # The test archive is made by create_all, not by the migrations.
    return subprocess.Popen(
        [sys.executable, str(SCHEDULER_PY), "-s", "WARTA_AUTO_UPGRADE=false", *args],
        cwd=SCHEDULER_PY.parent,
        env=_daemon_env(db_file, sites_file),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _assert_log_format(output: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and all(LOG_LINE.match(line) for line in lines), output


def test_once_sigterm_stops_the_crawl_and_records_it_aborted(
    db_file: Path, sessions: sessionmaker[Session], fake_crawl: Path, sites_file: Path
) -> None:
    markers = fake_crawl.parent / "markers"
    daemon = _start_daemon(
        [
            "--once",
            "--sites",
            "alpha",
            "-s",
            f"WARTA_CRAWL_COMMAND={fake_command(fake_crawl, 'term-dies')}",
        ],
        db_file,
        sites_file,
    )
    try:
        wait_for_file(markers / "alpha.started")
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=TIMEOUT)
    finally:
        daemon.kill()
    assert daemon.returncode == 128 + signal.SIGTERM, output  # exited by itself, not by signal
    assert (markers / "alpha.sigterm").read_text() == "SIGTERM\n"
    assert runs_of(sessions, "alpha") == [("aborted", "daemon shutdown")]
    assert lock_holder(sessions, "alpha") is None
    # The crawl's output went to its log file, named in the daemon's plain lines.
    assert "crawling alpha, mode term-dies" not in output
    (log_file,) = (db_file.parent / "logs").glob("alpha-*.log")
    assert log_file.read_text() == "crawling alpha, mode term-dies\n"
    assert re.search(rf"alpha: aborted \(daemon shutdown\): run \d+: .*; log {log_file}\n", output)
    _assert_log_format(output)


def test_daemon_catches_up_then_stops_gracefully_on_sigterm(
    db_file: Path,
    archive: Engine,
    sessions: sessionmaker[Session],
    fake_crawl: Path,
    sites_file: Path,
) -> None:
    # A previous daemon left alpha due a minute ago (the server went down before it ran).
    settings = make_settings(db_file)
    earlier = background(settings, [FakeSite("alpha"), FakeSite("beta")], FakeRunner(), archive)
    earlier.start(paused=True)
    earlier.shutdown()
    store_next_run_time(archive, "alpha", datetime.now(UTC) - timedelta(minutes=1))

    markers = fake_crawl.parent / "markers"
    daemon = _start_daemon(
        ["-s", f"WARTA_CRAWL_COMMAND={fake_command(fake_crawl, 'graceful')}"], db_file, sites_file
    )
    try:
        wait_for_file(markers / "alpha.started")
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=TIMEOUT)
    finally:
        daemon.kill()
    assert daemon.returncode == 0, output
    assert (markers / "alpha.sigterm").read_text() == "SIGTERM\n"
    assert not (markers / "beta.started").exists()
    # The crawl closed its own run (Scrapy's graceful shutdown); the daemon left it as recorded.
    assert runs_of(sessions, "alpha") == [("aborted", "shutdown")]
    assert any(line.endswith("warta.scheduler: stopped") for line in output.splitlines())
    _assert_log_format(output)


def test_unknown_site_is_an_error(db_file: Path, sites_file: Path) -> None:
    daemon = _start_daemon(["--once", "--sites", "alpha,nope"], db_file, sites_file)
    output, _ = daemon.communicate(timeout=TIMEOUT)
    assert daemon.returncode == 2
    assert "unknown site(s): nope" in output


def test_job_function_runs_through_the_built_service(db_file: Path, archive: Engine) -> None:
    # The job store keeps only a reference to the job function; it finds the runner through the
    # service that build_scheduler installed in this process.
    runner = FakeRunner()
    background(make_settings(db_file), [FakeSite("alpha")], runner, archive)
    assert scheduler.run_scheduled_crawl("alpha") == "ok"
    assert runner.calls == ["alpha"]


def test_child_gets_the_daemons_archive_as_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The crawl runs in the project root; a relative archive path must still mean the daemon's.
    monkeypatch.chdir(tmp_path)
    settings = Settings(
        {"WARTA_DATABASE_URL": "sqlite:///data/archive.db", "WARTA_SITES_FILE": "sites.toml"}
    )
    env = _child_env(settings, "alpha")
    assert env["WARTA_DATABASE_URL"] == f"sqlite:///{tmp_path}/data/archive.db"
    assert env["WARTA_SITES_FILE"] == str(tmp_path / "sites.toml")
    assert env["WARTA_SITE"] == "alpha"
    pg = "postgresql+psycopg://warta:secret@db/warta"
    assert absolute_database_url(pg) == pg


def test_a_log_dir_that_cannot_be_written_does_not_stop_the_crawl(
    db_file: Path, sessions: sessionmaker[Session], fake_crawl: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = db_file.parent / "not-a-dir"
    blocker.write_text("")
    settings = make_settings(
        db_file, WARTA_CRAWL_COMMAND=fake_command(fake_crawl, "ok"), WARTA_LOG_DIR=str(blocker)
    )
    caplog.set_level("INFO")
    result = SubprocessRunner(settings, sessions, StopSignal())("alpha")
    assert (result.status, result.log_path) == ("ok", None)
    assert any(f"cannot write a log file in {blocker}" in r.getMessage() for r in caplog.records)
    # The output is relayed into the daemon's log instead.
    assert any(
        r.name == "warta.crawl.alpha" and r.getMessage() == "crawling alpha, mode ok"
        for r in caplog.records
    )
