"""Fault injection, storage and life cycle (issue 10, rows 1, 2, 4, 5, 9, 10 and the kill -9
loop): real `scrapy crawl` processes of the sample web into a real SQLite file that another
process locks, that fills its disk, that is killed, or that is read as another user.

What they assert: nothing lost after the next crawl, no duplicate, no run left 'running', the
run's status and counts honest.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from scrapy.settings import Settings
from sqlalchemy import func, select

from archive.crawls.locks import acquire_site_lock, holder_id, lock_holder
from archive.identity.urlnorm import normalise_url
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, FetchState
from archive.store.schema import upgrade
from tests.e2e.crawling import LOCAL_WEB_SETTINGS, REPO_ROOT, runs, scrapy_crawl
from warta import demo
from warta.daemon.crawls import StopSignal
from warta.daemon.subprocess_runner import SubprocessRunner
from warta.sampleweb import SampleWeb

SITE = "demo-karyanasional"
TIMEOUT = 120.0


def stored_urls(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        urls = list(session.scalars(select(Article.canonical_url)))
    engine.dispose()
    return urls


def expected_urls(web: SampleWeb) -> set[str]:
    return {normalise_url(a.url) for a in web.expected_articles(SITE)}


def crawl_argv(registry: Path, db_url: str, *extra: str) -> list[str]:
    argv = [sys.executable, "-m", "scrapy", "crawl", SITE,
            "-s", f"WARTA_SITES_FILE={registry}", "-s", f"WARTA_DATABASE_URL={db_url}"]
    for key, value in LOCAL_WEB_SETTINGS.items():
        argv += ["-s", f"{key}={value}"]
    return argv + list(extra)


def start_crawl(registry: Path, db_url: str, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    return subprocess.Popen(crawl_argv(registry, db_url, *extra), cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for(condition, what: str, timeout: float = TIMEOUT) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def has_run(db_url: str) -> bool:
    try:
        return bool(runs(db_url))
    except Exception:
        return False


class StderrWatch:
    """Collects a process's stderr lines on a thread, so a test can wait for one."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self.lines.append(line)

    def saw(self, needle: str) -> bool:
        return any(needle in line for line in list(self.lines))

    @property
    def text(self) -> str:
        self.thread.join(timeout=10)
        return "".join(self.lines)


class ExclusiveLocker:
    """Another process holding `BEGIN EXCLUSIVE` on the archive until released."""

    SCRIPT = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)\n"
        "conn.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "conn.execute('COMMIT')\n"
    )

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", self.SCRIPT, str(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=30)


def test_row01_a_write_lock_held_mid_crawl_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db_url = f"sqlite:///{path}"
    upgrade(db_url)
    with SampleWeb(latency=0.1) as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        proc = start_crawl(registry, db_url, "-s", "WARTA_SQLITE_BUSY_TIMEOUT_SECONDS=0.2",
                           "-s", "WARTA_STORE_RETRIES=2", "-s",
                           "WARTA_STORE_RETRY_DELAY_SECONDS=0.1")
        watch = StderrWatch(proc)
        wait_for(lambda: has_run(db_url), "the run row")
        locker = ExclusiveLocker(path)
        try:
            wait_for(lambda: watch.saw("could not store"), "a page that cannot be stored")
        finally:
            locker.release()
        assert proc.wait(timeout=TIMEOUT) == 0, watch.text[-3000:]
        [run] = runs(db_url)
        failed = run.errors_by_kind.get("store-database-locked", 0)
        assert run.status == "partial" and failed >= 1, (run.status, run.errors_by_kind)
        assert "retry 1/2" in watch.text
        # The crawl kept no discovery validators: next night reads its sources in full.
        engine = make_engine(db_url)
        with session_factory(engine)() as session:
            validators = session.scalars(
                select(FetchState).where(FetchState.kind == "discovery",
                                         FetchState.etag.is_not(None))
            ).all()
        engine.dispose()
        assert validators == []

        scrapy_crawl(SITE, registry, db_url)
        urls = stored_urls(db_url)
        assert sorted(urls) == sorted(set(urls)) and set(urls) == expected_urls(web)
        assert runs(db_url)[-1].status == "ok"


@contextlib.contextmanager
def small_disk(tmp_path: Path, size_mb: int = 8) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("ab") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


def test_row02_a_full_disk_stops_the_crawl_loudly_and_the_next_crawl_recovers(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path) as disk, SampleWeb(latency=0.1) as web:
        db_url = f"sqlite:///{disk / 'archive.db'}"
        upgrade(db_url)
        registry = web.registry_toml(tmp_path / "sites.toml")
        # Full before the crawl: it does not run unrecorded, it says so and exits non-zero.
        filler = fill(disk)
        proc = scrapy_crawl(SITE, registry, db_url, check=False)
        assert proc.returncode == 2, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr
        [line] = [ln for ln in proc.stderr.splitlines() if ln.startswith("scrapy crawl: error:")]
        assert "disk is full" in line or "database" in line
        assert web.request_log(SITE) == []
        filler.unlink()

        # Full mid-crawl, for good: pages fail loudly, the run's end cannot be written either.
        proc2 = start_crawl(registry, db_url)
        watch = StderrWatch(proc2)
        wait_for(lambda: has_run(db_url), "the run row")
        filler = fill(disk)
        returncode = proc2.wait(timeout=TIMEOUT)
        log = watch.text
        assert "(disk-full): database or disk is full" in log, log[-3000:]
        end_lost = "could not record the end" in log
        assert returncode == (1 if end_lost else 0), log[-3000:]
        filler.unlink()

        # Space again: the next crawl frees the dead crawl's lock, closes its orphan, and stores
        # everything once.
        scrapy_crawl(SITE, registry, db_url)
        urls = stored_urls(db_url)
        assert sorted(urls) == sorted(set(urls)) and set(urls) == expected_urls(web)
        # The crawl refused at the start could record nothing (the disk was full): its exit
        # status was the report.
        second, third = runs(db_url)
        if end_lost:
            assert (second.status, second.finish_reason) == ("aborted", "orphaned")
        else:
            assert second.status == "partial" and second.errors_by_kind.get("store-disk-full")
        assert third.status == "ok"


def test_row04_a_read_only_copy_of_the_archive_reads(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with SampleWeb() as web:
        scrapy_crawl(SITE, web.registry_toml(tmp_path / "sites.toml"), db_url)
    copy_dir = Path(tempfile.mkdtemp(prefix="warta-ro-"))
    try:
        copy = copy_dir / "archive.db"
        shutil.copy(tmp_path / "archive.db", copy)
        copy.chmod(0o444)
        copy_dir.chmod(0o555)
        before = copy.read_bytes()
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        if shutil.which("setpriv") is None:
            as_nobody = []  # root: mode=ro is what keeps the file unwritten
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
        env.update(WARTA_DATABASE_URL=f"sqlite:///{copy}", PYTHONDONTWRITEBYTECODE="1",
                   HOME=str(copy_dir))
        for args in (["stats"], ["search", "stunting"], ["export", "--format", "csv"],
                     ["runs"], ["status"]):
            result = subprocess.run([*as_nobody, sys.executable, "-m", "warta.cli", *args],
                                    capture_output=True, text=True, env=env, cwd=REPO_ROOT,
                                    timeout=120)
            assert result.returncode == 0, (args, result.stderr)
            assert result.stdout.strip(), args
        assert copy.read_bytes() == before
        assert sorted(p.name for p in copy_dir.iterdir()) == ["archive.db"]
    finally:
        copy_dir.chmod(0o755)
        shutil.rmtree(copy_dir)


def test_row05_the_lock_outlives_a_blocked_reactor(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(db_url)
    marker = tmp_path / "blocking"
    pipelines = (
        '{"tests.e2e.fault_components.BlockReactorPipeline": 50,'
        ' "crawler.pipelines.ExtractPipeline": 100, "crawler.pipelines.IdentifyPipeline": 200,'
        ' "crawler.pipelines.TagPipeline": 300, "crawler.pipelines.StorePipeline": 900}'
    )
    engine = make_engine(db_url)
    writer = session_factory(engine, writer=True)
    with SampleWeb() as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        proc = start_crawl(registry, db_url, "-s", "WARTA_LOCK_TTL_SECONDS=1.5",
                           "-s", f"ITEM_PIPELINES={pipelines}", "-s", "FAULT_BLOCK_SECONDS=6",
                           "-s", f"FAULT_BLOCK_MARKER={marker}")
        watch = StderrWatch(proc)
        wait_for(marker.exists, "the reactor to block")
        # Four TTLs with the reactor blocked: the heartbeat thread keeps the lock.
        tries = 0
        while marker.read_text() == "blocking" and tries < 20:
            assert not acquire_site_lock(writer, SITE, "intruder:1", timedelta(seconds=60))
            tries += 1
            time.sleep(0.25)
        assert tries >= 16
        assert proc.wait(timeout=TIMEOUT) == 0, watch.text[-3000:]
        [run] = runs(db_url)
        assert (run.status, run.finish_reason) == ("ok", "finished")
        assert set(stored_urls(db_url)) == expected_urls(web)
    assert lock_holder(writer, SITE) is None
    engine.dispose()


def kill_midway(registry: Path, db_url: str, web: SampleWeb, *, after: float) -> None:
    proc = start_crawl(registry, db_url)
    watch = StderrWatch(proc)
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    watch.thread.join(timeout=10)


def test_row09_scrapy_crawl_after_a_kill_frees_the_dead_lock_and_closes_the_orphan(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(db_url)
    with SampleWeb(latency=0.2) as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        proc = start_crawl(registry, db_url)
        wait_for(lambda: len(web.request_log(SITE)) >= 5, "the crawl to be under way")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        engine = make_engine(db_url)
        assert lock_holder(session_factory(engine), SITE) is not None  # the dead crawl's
        engine.dispose()
        again = scrapy_crawl(SITE, registry, db_url)
        assert "being crawled by another process" not in again.stderr
        killed, clean = runs(db_url)
        assert (killed.status, killed.finish_reason) == ("aborted", "orphaned")
        assert clean.status == "ok"
        urls = stored_urls(db_url)
        assert sorted(urls) == sorted(set(urls)) and set(urls) == expected_urls(web)


def test_kill9_loop_five_kills_then_one_clean_crawl(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(db_url)
    moments = random.Random(10).sample([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0], 5)
    with SampleWeb(latency=0.1) as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        for after in moments:
            kill_midway(registry, db_url, web, after=after)
        scrapy_crawl(SITE, registry, db_url)
        urls = stored_urls(db_url)
        assert len(urls) == len(set(urls)), "duplicates"
        assert set(urls) == expected_urls(web), "lost articles"
    statuses = [run.status for run in runs(db_url)]
    assert "running" not in statuses and statuses[-1] == "ok", statuses
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == len(set(urls))
    assert lock_holder(session_factory(engine), SITE) is None
    engine.dispose()


def test_row10_the_daemon_reports_a_site_locked_by_a_manual_crawl_as_skipped(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(db_url)
    engine = make_engine(db_url)
    writer = session_factory(engine, writer=True)
    with SampleWeb() as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        settings = Settings({"WARTA_DATABASE_URL": db_url, "WARTA_SITES_FILE": str(registry),
                             "WARTA_CRAWL_COMMAND": demo.crawl_command()})
        # The manual crawl (alive: this process) takes the site after the daemon looked.
        assert acquire_site_lock(writer, SITE, holder_id(), timedelta(minutes=5))
        result = SubprocessRunner(settings, writer, StopSignal())(SITE)
    assert (result.status, result.failed) == ("skipped", False), result
    assert lock_holder(writer, SITE) == holder_id()
    engine.dispose()


def test_row04_a_read_only_engine_never_writes_the_file(tmp_path: Path) -> None:
    """Row 4's mechanism, without another user: a read-only engine never writes the file."""
    path = tmp_path / "archive.db"
    upgrade(f"sqlite:///{path}")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")  # as a copy made with the plain sqlite3 tool
    conn.close()
    before = path.read_bytes()
    engine = make_engine(f"sqlite:///{path}", read_only=True)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 0
    engine.dispose()
    assert path.read_bytes() == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
