"""Crawl life cycle in the archive: the site row, the site lock and the crawl_runs record.

A crawl that cannot record itself does not run: the site row, the lock and the run row are
written when the extension is built (Crawler.crawl, before the engine exists), so a database that
is unreachable, read-only or full makes the crawl fail to start — `scrapy crawl` (our command,
crawler/commands/crawl.py) prints one line and exits 2 — instead of crawling unrecorded (Scrapy
swallows exceptions raised in signal handlers such as spider_opened). A crawl that fails to start
after that (a bad taxonomy in a pipeline) has its run closed 'failed' by the command.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import reactor

from archive.crawls.locks import (
    LockHeartbeat,
    acquire_site_lock_freeing_dead,
    holder_id,
    release_site_lock,
)
from archive.crawls.runs import close_unfinished_runs
from archive.store.db import make_engine, session_factory, transaction
from archive.store.models import CrawlRun, utcnow
from archive.store.schema import upgrade
from archive.store.writer import ArchiveStore, SiteInfo

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

# Finish reasons meaning the run was stopped from outside rather than done.
ABORT_REASONS = {"shutdown", "site-locked", "lock-lost", "cancelled"}
# Finish reasons of Scrapy's CloseSpider extension (CLOSESPIDER_*): stopped by a limit we set.
LIMIT_REASON_PREFIX = "closespider_"
# Stats whose keys (after the prefix) are error kinds.
ERROR_STAT_PREFIXES = (
    "downloader/exception_type_count/",
    "spider_exceptions/",
    "httperror/response_ignored_status_count/",
    "warta/errors/",
)


def run_status(reason: str, stats: dict[str, Any]) -> str:
    """'ok', 'partial', 'failed' or 'aborted' for a run that closed with `reason` and `stats`.

    A run cut short by a CLOSESPIDER_* limit that fetched pages is 'partial': it did work, just
    not all of it."""
    if reason in ABORT_REASONS:
        return "aborted"
    fetched = stats.get("downloader/response_count", 0)
    if fetched == 0:
        return "failed"
    if reason.startswith(LIMIT_REASON_PREFIX):
        return "partial"
    if reason != "finished":
        return "failed"
    return "partial" if errors_by_kind(stats) else "ok"


def errors_by_kind(stats: dict[str, Any]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for key, value in stats.items():
        for prefix in ERROR_STAT_PREFIXES:
            if key.startswith(prefix):
                kind = key.removeprefix(prefix)
                if prefix != "warta/errors/":
                    kind = kind.rsplit(".", 1)[-1]
                if prefix.startswith("httperror"):
                    kind = f"http_{kind}"
                kinds[kind] = kinds.get(kind, 0) + int(value)
    return kinds


def _site_info(entry: Any) -> SiteInfo:
    return SiteInfo(entry.name, entry.home_url, entry.province, entry.regency, entry.language)


class CrawlRunRecorder:
    """Opens a crawl_runs row before the crawl starts and closes it with the counts at the end.

    Also takes the archive's lock on the site, so a manual `scrapy crawl` and the daemon never
    crawl one site at once: a crawl that finds the site locked by a live process closes at once
    ('site-locked'); a lock left by a dead process on this host is freed, and runs such a process
    left 'running' are closed 'aborted' ('orphaned').
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.entry = getattr(crawler.spider, "site", None)
        if self.entry is None:
            raise NotConfigured("CrawlRunRecorder needs a registry spider (spider.site)")
        url = settings.get("WARTA_DATABASE_URL")
        if settings.getbool("WARTA_AUTO_UPGRADE"):
            upgrade(url)
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine, writer=True)
        self.lock_ttl = timedelta(seconds=settings.getfloat("WARTA_LOCK_TTL_SECONDS"))
        self.holder = holder_id()
        self.run_id: int | None = None
        self.locked = False
        self.locked_by: str | None = None
        self.heartbeat: LockHeartbeat | None = None
        self.closed = False
        self.close_error: str | None = None
        """Why the run record could not be closed (then `scrapy crawl` exits non-zero)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        try:
            ext.open_run()
        except Exception:
            ext.engine.dispose()
            raise
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def open_run(self) -> None:
        """Site row first (so any later failure has a site to be recorded against), then the
        lock, the orphans of dead crawls, and this run's row. Raises on any database error."""
        name = self.entry.name
        site_id = ArchiveStore(self.sessions).ensure_site(_site_info(self.entry))
        self.locked, self.locked_by = acquire_site_lock_freeing_dead(
            self.sessions, name, self.holder, self.lock_ttl
        )
        try:
            with transaction(self.sessions) as session:
                if self.locked:
                    # We hold the lock: a run still 'running' has no live crawler.
                    orphans = close_unfinished_runs(
                        session, name, status="aborted", reason="orphaned",
                        started_before=utcnow(),
                    )
                    if orphans:
                        logger.warning("site %s: closed orphaned runs %s as aborted", name, orphans)
                run = CrawlRun(
                    site_id=site_id, started_at=utcnow(), status="running",
                    # Where the supervisor (daemon, `warta crawl`) keeps this crawl's log.
                    log_path=self.crawler.settings.get("WARTA_RUN_LOG_FILE") or None,
                )
                session.add(run)
                session.flush()
                self.run_id = run.id
        except Exception:
            self._release_lock()
            raise

    def spider_opened(self, spider: Spider) -> None:
        if not self.locked:
            logger.error(
                "site %s is being crawled by another process (%s); not crawling",
                self.entry.name, self.locked_by or "unknown",
            )
            # Closing from inside spider_opened would race the engine's own start-up.
            reactor.callLater(0, self._close, "site-locked")
            return
        self.heartbeat = LockHeartbeat(
            self.sessions, self.entry.name, self.holder, self.lock_ttl,
            on_lost=lambda: reactor.callFromThread(self._lock_lost),
        )
        self.heartbeat.start()

    def _close(self, reason: str) -> None:
        engine = self.crawler.engine
        assert engine is not None
        deferred_from_coro(engine.close_spider_async(reason=reason))

    def _lock_lost(self) -> None:
        logger.error("lost the lock on site %s to another crawl; stopping", self.entry.name)
        self.locked = False
        if not self.closed:
            self._close("lock-lost")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.closed = True
        if self.heartbeat is not None:
            self.heartbeat.stop()
        stats = self.crawler.stats.get_stats()
        try:
            with transaction(self.sessions) as session:
                run = session.get_one(CrawlRun, self.run_id)
                fill_run(run, reason, stats)
        except Exception as exc:
            # The next crawl of the site closes the orphan; `scrapy crawl` exits non-zero.
            self.close_error = f"could not record the end of run {self.run_id}: {exc}"
            logger.error("site %s: %s", self.entry.name, " ".join(self.close_error.split()))
        self._release_lock()
        self.engine.dispose()

    def startup_failed(self, message: str) -> None:
        """The crawl failed after its run was opened but before the spider opened (a pipeline
        that could not be built): close the run 'failed' and free the lock."""
        if self.closed:
            return
        self.closed = True
        try:
            with transaction(self.sessions) as session:
                run = session.get_one(CrawlRun, self.run_id)
                run.finished_at = utcnow()
                run.status = "failed" if self.locked else "aborted"
                run.finish_reason = ("startup: " + message)[:100]
        except Exception as exc:
            logger.error("site %s: could not record the failed start: %s", self.entry.name, exc)
        self._release_lock()
        self.engine.dispose()

    def _release_lock(self) -> None:
        if not self.locked:
            return
        try:
            release_site_lock(self.sessions, self.entry.name, self.holder)
        except Exception as exc:  # expires after its TTL, or is freed as a dead holder's
            logger.error("site %s: could not release the lock: %s", self.entry.name, exc)
        self.locked = False


def record_failed_start(settings: BaseSettings, entry: Any, message: str) -> None:
    """A crawl that died before CrawlRunRecorder could open its run (the spider could not be
    built): record a 'failed' run if the archive can take it, so `warta status` counts the night.
    Best effort: a database that cannot be written is the error being reported."""
    try:
        engine = make_engine(settings.get("WARTA_DATABASE_URL"))
    except Exception:
        return
    try:
        sessions = session_factory(engine, writer=True)
        site_id = ArchiveStore(sessions).ensure_site(_site_info(entry))
        with transaction(sessions) as session:
            now = utcnow()
            session.add(
                CrawlRun(
                    site_id=site_id, started_at=now, finished_at=now, status="failed",
                    finish_reason=("startup: " + message)[:100], errors_by_kind={},
                    rejected_by_reason={},
                    log_path=settings.get("WARTA_RUN_LOG_FILE") or None,
                )
            )
    except Exception as exc:
        logger.debug("could not record the failed start of %s: %s", entry.name, exc)
    finally:
        engine.dispose()


def fill_run(run: CrawlRun, reason: str, stats: dict[str, Any]) -> None:
    def count(key: str) -> int:
        return int(stats.get(key, 0))

    run.finished_at = utcnow()
    run.finish_reason = reason
    run.status = run_status(reason, stats)
    run.pages_fetched = count("downloader/response_count")
    run.not_modified = count("downloader/response_status_count/304")
    run.articles_new = count("warta/store/new")
    run.articles_updated = count("warta/store/updated")
    run.articles_unchanged = count("warta/store/unchanged")
    run.duplicates = count("warta/store/alias") + count("warta/store/syndicated")
    run.rejected = count("warta/rejected")
    run.rejected_by_reason = {
        key.removeprefix("warta/rejected/"): int(value)
        for key, value in stats.items()
        if key.startswith("warta/rejected/")
    }
    run.errors_by_kind = errors_by_kind(stats)
    run.errors = sum(run.errors_by_kind.values())
    run.bytes_received = count("downloader/response_bytes")
