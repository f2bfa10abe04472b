"""Crawling on several machines: the daemon enqueues every site on a Redis broker, two `warta
worker` processes crawl them into one PostgreSQL archive; a worker killed mid-crawl has its site
crawled again by the other, with nothing lost or stored twice.

Needs PostgreSQL (WARTA_TEST_POSTGRES_URL), redis-server and the `cluster` extra; `.ci/run` and
`make test-postgres` provide them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.identity.urlnorm import normalise_url
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, ArticleRevision, CrawlRun, Site, SiteLock
from tests.databases import PostgresDatabases
from tests.e2e.crawling import LOCAL_WEB_SETTINGS, REPO_ROOT
from warta.sampleweb import SampleWeb

pytest.importorskip("celery", reason="the cluster extra: pip install -e '.[cluster]'")
REDIS_SERVER = os.environ.get("WARTA_TEST_REDIS_SERVER") or shutil.which("redis-server")
pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server not installed"),
]
KILLED_SITE = "demo-karyanasional"  # the site with the most pages: a crawl long enough to kill


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert REDIS_SERVER is not None
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        wait_for(answers, 30, "redis-server")
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


class Cluster:
    """Workers and a daemon as an operator starts them: `warta` processes with -s settings."""

    def __init__(self, broker_url: str, db_url: str, registry: Path, logs: Path) -> None:
        self.settings = {
            "WARTA_BROKER_URL": broker_url,
            "WARTA_DATABASE_URL": db_url,
            "WARTA_SITES_FILE": str(registry),
            "WARTA_CRAWL_COMMAND": self.crawl_command(),
            "WARTA_CLUSTER_RETRY_SECONDS": "3",
            # The crawls' own log files, kept with the test's (default: logs/ in the repo).
            "WARTA_LOG_DIR": str(logs / "crawls"),
        }
        self.logs = logs
        self.workers: list[subprocess.Popen[bytes]] = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}

    @staticmethod
    def crawl_command(**settings: str) -> str:
        """A worker's WARTA_CRAWL_COMMAND: `scrapy crawl` with the local web's settings."""
        crawl = ["{python}", "-m", "scrapy", "crawl", "{site}"]
        for key, value in {**LOCAL_WEB_SETTINGS, **settings}.items():
            crawl += ["-s", f"{key}={value}"]
        return shlex.join(crawl)

    def argv(self, *args: str, **extra: str) -> list[str]:
        argv = [sys.executable, "-m", "warta.cli", *args]
        for key, value in {**self.settings, **extra}.items():
            argv += ["-s", f"{key}={value}"]
        return argv

    def start_worker(self, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker{len(self.workers)}.log").open("wb")
        proc = subprocess.Popen(self.argv("worker", **extra), cwd=REPO_ROOT, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def enqueue(self, *sites: str) -> None:
        args = ["daemon", "--once"] + (["--sites", ",".join(sites)] if sites else [])
        proc = subprocess.run(self.argv(*args), cwd=REPO_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "queued" in proc.stdout

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.workers:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def worker_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.glob("*.log"))


def runs_by_site(factory) -> dict[str, list[CrawlRun]]:  # type: ignore[no-untyped-def]
    with factory() as session:
        rows = session.execute(
            select(Site.name, CrawlRun).join(Site, Site.id == CrawlRun.site_id)
        ).all()
    by_site: dict[str, list[CrawlRun]] = {}
    for name, run in rows:
        by_site.setdefault(name, []).append(run)
    return by_site


def stored_urls(factory) -> list[str]:  # type: ignore[no-untyped-def]
    with factory() as session:
        return list(session.scalars(select(Article.canonical_url)))


@pytest.fixture
def archive(postgres_databases: PostgresDatabases | None) -> Iterator[tuple[str, object]]:
    if postgres_databases is None:
        pytest.skip("PostgreSQL: set WARTA_TEST_POSTGRES_URL (or run `make test-postgres`)")
    url = postgres_databases.create()
    engine = make_engine(url)
    yield url, session_factory(engine)
    engine.dispose()
    postgres_databases.drop(url)


def test_two_workers_crawl_every_site_once(redis_url: str, archive, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db_url, factory = archive
    with SampleWeb() as web:
        cluster = Cluster(f"{redis_url}/0", db_url, web.registry_toml(tmp_path / "sites.toml"),
                          tmp_path)
        try:
            cluster.start_worker()
            cluster.start_worker()
            cluster.enqueue()
            sites = set(web.base_urls)

            def all_done() -> bool:
                runs = runs_by_site(factory)
                return set(runs) == sites and all(
                    r.status != "running" for rs in runs.values() for r in rs
                )

            wait_for(all_done, 400, "every site crawled")
            time.sleep(2)  # a duplicate delivery would have started by now
            runs = runs_by_site(factory)
            expected = sorted(normalise_url(a.url) for a in web.expected_articles())
            urls = stored_urls(factory)
        finally:
            cluster.stop()
    assert {site: [r.status for r in rs] for site, rs in runs.items()} == {
        site: ["ok"] for site in sites
    }, cluster.worker_logs()
    assert sorted(urls) == expected
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ArticleRevision)) == len(expected)


def test_a_killed_workers_site_is_crawled_again_by_the_other(  # type: ignore[no-untyped-def]
    redis_url: str, archive, tmp_path: Path
) -> None:
    db_url, factory = archive
    with SampleWeb() as web:
        cluster = Cluster(f"{redis_url}/1", db_url, web.registry_toml(tmp_path / "sites.toml"),
                          tmp_path)
        # The first worker alone takes the task, and crawls slowly (DOWNLOAD_DELAY) so the crawl
        # is still running when the worker is killed. The other crawls at full speed, so a short
        # visibility timeout (longer than the kill takes, and than its crawl) suffices; it looks
        # for the overdue task every second instead of kombu's ~100 s.
        timeout = {"WARTA_BROKER_VISIBILITY_TIMEOUT_SECONDS": "30",
                   "WARTA_BROKER_RESTORE_INTERVAL_SECONDS": "1"}
        try:
            victim = cluster.start_worker(
                WARTA_CRAWL_COMMAND=cluster.crawl_command(DOWNLOAD_DELAY="0.5"), **timeout
            )
            cluster.enqueue(KILLED_SITE)

            def lock_holder_pid() -> int | None:
                with factory() as session:
                    holder = session.scalar(select(SiteLock.holder))
                return int(holder.rpartition(":")[2]) if holder else None

            def crawling_and_stored() -> int | None:
                return lock_holder_pid() if stored_urls(factory) else None

            wait_for(lock_holder_pid, 120, "the first worker's crawl to start")
            cluster.start_worker(**timeout)  # the other worker, now that the task is taken
            crawl_pid = int(wait_for(crawling_and_stored, 120, "the crawl to store an article"))  # type: ignore[arg-type]
            parent = int(Path(f"/proc/{crawl_pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            assert parent == victim.pid  # the crawl is the first worker's
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            stored_when_killed = len(stored_urls(factory))

            def crawled_again() -> bool:
                return any(r.status == "ok" for r in runs_by_site(factory).get(KILLED_SITE, []))

            wait_for(crawled_again, 300, "the site crawled again by the other worker")
            runs = runs_by_site(factory)[KILLED_SITE]
            expected = sorted(
                normalise_url(a.url) for a in web.expected_articles() if a.site == KILLED_SITE
            )
            urls = stored_urls(factory)
        finally:
            cluster.stop()
    assert sorted(r.status for r in runs) == ["aborted", "ok"], cluster.worker_logs()
    assert stored_when_killed < len(expected)  # it was killed mid-crawl
    assert sorted(urls) == expected
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ArticleRevision)) == len(expected)
