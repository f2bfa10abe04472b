"""No page can stall a crawl: real `scrapy crawl` runs against pages that are huge or costly to
extract, and a SIGTERM that arrives while a page is being extracted.

On SQLite only: the bounds are the extraction pool's, the same on either backend (the PostgreSQL
variants of the store, the lock and the run record are in test_crawl_sampleweb,
test_crawl_lifecycle and test_store)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from archive.store.db import make_engine, session_factory
from archive.store.models import Article, CrawlRun, FetchState, SiteLock
from tests.e2e.crawling import LOCAL_WEB_SETTINGS, REPO_ROOT, scrapy_crawl
from tests.e2e.heavyweb import article_page, gallery_page, serve

SITE = "heavy-web"
ARTICLES = {f"/berita/kader-posyandu-desa-{n}-ikuti-pelatihan": article_page(n) for n in range(5)}
HUGE = "/galeri/foto-kegiatan-posyandu-sepanjang-tahun"  # 12 MB of small blocks
COSTLY = "/galeri/foto-rembuk-stunting-kecamatan"  # ~1 MB, several CPU seconds to extract


def archive_state(db_url: str) -> tuple[set[str], dict[str, str | None], list[CrawlRun]]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        urls = {a.canonical_url for a in session.scalars(select(Article))}
        rejected = {f.url: f.reject_reason for f in session.scalars(select(FetchState))
                    if f.kind == "rejected"}
        runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        locks = list(session.scalars(select(SiteLock)))
    engine.dispose()
    assert locks == [], "the site lock must be released"
    return urls, rejected, runs


def test_huge_and_costly_pages_are_rejected_and_the_crawl_goes_on(
    tmp_path: Path, sqlite_db_url: str
) -> None:
    db_url = sqlite_db_url
    huge = gallery_page(110_000)
    assert len(huge) > 12 * 2**20 * 0.95
    pages = {**ARTICLES, HUGE: huge, COSTLY: gallery_page(8_000, seed=2)}
    with serve(pages) as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        # A budget normal articles stay far below (they cost ~0.05 s) and the gallery far above.
        proc = scrapy_crawl(SITE, registry, db_url, "-s", "WARTA_EXTRACT_CPU_SECONDS=1.5")
        assert proc.returncode == 0
        stored, rejected, runs = archive_state(db_url)
        assert stored == {web.base_url.rstrip("/") + path for path in ARTICLES}
        assert rejected.get(web.base_url.rstrip("/") + COSTLY) == "extraction-timeout"
        [run] = runs
        assert run.articles_new == len(ARTICLES)
        assert run.rejected_by_reason.get("extraction-timeout") == 1
        assert "extraction-timeout" in proc.stderr  # one warning line names the page
        assert web.base_url.rstrip("/") + HUGE not in stored

        # The next night does not pay for the costly page again: it is known as rejected.
        scrapy_crawl(SITE, registry, db_url, "-s", "WARTA_EXTRACT_CPU_SECONDS=1.5",
                     "-s", "WARTA_REVALIDATE_MAX=0")
        assert web.fetched(COSTLY) == 1


def test_sigterm_during_extraction_stops_the_crawl_within_the_bound(
    tmp_path: Path, sqlite_db_url: str
) -> None:
    db_url = sqlite_db_url
    # Costly enough to keep a worker busy for far longer than the stop may take.
    pages = {**ARTICLES, COSTLY: gallery_page(60_000, seed=3)}
    with serve(pages) as web:
        registry = web.registry_toml(tmp_path / "sites.toml")
        argv = [sys.executable, "-m", "scrapy", "crawl", SITE,
                "-s", f"WARTA_SITES_FILE={registry}", "-s", f"WARTA_DATABASE_URL={db_url}",
                "-s", "WARTA_EXTRACT_CPU_SECONDS=600", "-s", "WARTA_EXTRACT_WORKERS=2"]
        for key, value in LOCAL_WEB_SETTINGS.items():
            argv += ["-s", f"{key}={value}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
        proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            # Wait until every page was fetched and the ordinary articles are stored, so the
            # costly page is the one in a worker when the signal comes.
            for _ in range(1200):
                if web.fetched(COSTLY) and len(archive_state_urls(db_url)) == len(ARTICLES):
                    break
                assert proc.poll() is None, proc.communicate()[1][-3000:]
                time.sleep(0.1)
            else:
                raise AssertionError("the crawl never reached the costly page")
            time.sleep(0.5)
            sent = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=60)
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
        # The bound is functional (an unbounded stop ran for 14 minutes), not a speed target.
        assert took < 30, f"the crawl took {took:.0f}s to stop"
        stored, rejected, runs = archive_state(db_url)
        assert stored == {web.base_url.rstrip("/") + path for path in ARTICLES}
        [run] = runs
        assert (run.status, run.finish_reason) == ("aborted", "shutdown"), stderr[-3000:]
        # Never extracted, so not recorded: the next crawl fetches it again.
        assert web.base_url.rstrip("/") + COSTLY not in rejected


def archive_state_urls(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return {a.canonical_url for a in session.scalars(select(Article))}
    finally:
        engine.dispose()
