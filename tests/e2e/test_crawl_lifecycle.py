"""A real `scrapy crawl`'s life cycle in the archive: the site lock and the run record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from archive.crawls.locks import acquire_site_lock, lock_holder
from archive.store.db import make_engine, session_factory
from archive.store.models import Article
from archive.store.schema import upgrade
from tests.conftest import ArchiveFactory
from tests.e2e.crawling import LOCAL_WEB_SETTINGS, REPO_ROOT, runs, scrapy_crawl
from warta.sampleweb import SampleWeb

SITE = "demo-karyanasional"


def test_a_site_locked_by_another_crawl_is_not_crawled(
    tmp_path: Path, new_archive: ArchiveFactory
) -> None:
    db_url = new_archive(migrated=False)
    upgrade(db_url)
    engine = make_engine(db_url)
    writer = session_factory(engine, writer=True)
    assert acquire_site_lock(writer, SITE, "daemon-host:4242", timedelta(minutes=10))
    with SampleWeb() as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        scrapy_crawl(SITE, registry, db_url)
        assert len(web.request_log(SITE)) == 0
    [run] = runs(db_url)
    assert (run.status, run.finish_reason, run.pages_fetched) == ("aborted", "site-locked", 0)
    assert lock_holder(writer, SITE) == "daemon-host:4242"  # still the other crawl's
    with writer() as session:
        assert session.scalars(select(Article)).all() == []
    engine.dispose()


def test_sigterm_closes_the_crawl_and_records_it_aborted(
    tmp_path: Path, new_archive: ArchiveFactory
) -> None:
    db_url = new_archive(migrated=False)
    upgrade(db_url)
    # Slow responses keep the crawl busy long enough to be interrupted mid-way.
    with SampleWeb(latency=0.3) as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        argv = [sys.executable, "-m", "scrapy", "crawl", SITE,
                "-s", f"WARTA_SITES_FILE={registry}", "-s", f"WARTA_DATABASE_URL={db_url}",
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
        for key, value in LOCAL_WEB_SETTINGS.items():
            if key != "CONCURRENT_REQUESTS_PER_DOMAIN":
                argv += ["-s", f"{key}={value}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
        proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(web.request_log(SITE)) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
        fetched = len(web.request_log(SITE))
    assert proc.returncode == 0, stderr[-3000:]
    [run] = runs(db_url)
    assert (run.status, run.finish_reason) == ("aborted", "shutdown")
    assert run.finished_at is not None and 0 < run.pages_fetched <= fetched
    engine = make_engine(db_url)
    assert lock_holder(session_factory(engine), SITE) is None  # released on the way out
    engine.dispose()
