"""Crawl life cycle in the archive: the site row, the site lock and the crawl_runs record."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import reactor
from twisted.internet.task import LoopingCall

from archive.db import make_engine, session_factory, transaction
from archive.locks import acquire_site_lock, holder_id, refresh_site_lock, release_site_lock
from archive.models import CrawlRun, utcnow
from archive.schema import upgrade
from archive.store import ArchiveStore, SiteInfo

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Finish reasons meaning the run was stopped from outside rather than done.
ABORT_REASONS = {"shutdown", "site-locked", "lock-lost", "cancelled"}
# Stats whose keys (after the prefix) are error kinds.
ERROR_STAT_PREFIXES = (
    "downloader/exception_type_count/",
    "spider_exceptions/",
    "httperror/response_ignored_status_count/",
)


def run_status(reason: str, stats: dict[str, Any]) -> str:
    """'ok', 'partial', 'failed' or 'aborted' for a run that closed with `reason` and `stats`."""
    if reason in ABORT_REASONS:
        return "aborted"
    fetched = stats.get("downloader/response_count", 0)
    if reason != "finished" or fetched == 0:
        return "failed"
    return "partial" if errors_by_kind(stats) else "ok"


def errors_by_kind(stats: dict[str, Any]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for key, value in stats.items():
        for prefix in ERROR_STAT_PREFIXES:
            if key.startswith(prefix):
                kind = key.removeprefix(prefix).rsplit(".", 1)[-1]
                if prefix.startswith("httperror"):
                    kind = f"http_{kind}"
                kinds[kind] = kinds.get(kind, 0) + int(value)
    return kinds


class CrawlRunRecorder:
    """Opens a crawl_runs row when the spider opens and closes it with the counts at the end.

    Also takes the archive's lock on the site, so a manual `scrapy crawl` and the daemon never
    crawl one site at once: a crawl that finds the site locked closes at once ('site-locked').
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        url = settings.get("WARTA_DATABASE_URL")
        if settings.getbool("WARTA_AUTO_UPGRADE"):
            upgrade(url)
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine, writer=True)
        self.lock_ttl = timedelta(seconds=settings.getint("WARTA_LOCK_TTL_SECONDS"))
        self.holder = holder_id()
        self.run_id: int | None = None
        self.locked = False
        self.heartbeat: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        entry = getattr(spider, "site", None)
        if entry is None:
            raise NotConfigured("CrawlRunRecorder needs a registry spider (spider.site)")
        site_id = ArchiveStore(self.sessions).ensure_site(
            SiteInfo(entry.name, entry.home_url, entry.province, entry.regency, entry.language)
        )
        self.locked = acquire_site_lock(self.sessions, entry.name, self.holder, self.lock_ttl)
        with transaction(self.sessions) as session:
            run = CrawlRun(site_id=site_id, started_at=utcnow(), status="running")
            session.add(run)
            session.flush()
            self.run_id = run.id
        if not self.locked:
            logger.error("site %s is being crawled by another process; not crawling", entry.name)
            # Closing from inside spider_opened would race the engine's own start-up.
            reactor.callLater(0, self._close, "site-locked")
            return
        self.heartbeat = LoopingCall(self._heartbeat)
        self.heartbeat.start(max(self.lock_ttl.total_seconds() / 3, 1), now=False)

    def _close(self, reason: str) -> None:
        engine = self.crawler.engine
        assert engine is not None
        deferred_from_coro(engine.close_spider_async(reason=reason))

    def _heartbeat(self) -> None:
        # Refreshed on a clock, not per response: a slow, throttled crawl must keep its lock, and
        # only a dead crawl's lock may expire.
        spider = self.crawler.spider
        if refresh_site_lock(self.sessions, spider.site.name, self.holder, self.lock_ttl):
            return
        logger.error("lost the lock on site %s to another crawl; stopping", spider.site.name)
        self.locked = False
        self._close("lock-lost")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        stats = self.crawler.stats.get_stats()
        with transaction(self.sessions) as session:
            run = session.get_one(CrawlRun, self.run_id)
            fill_run(run, reason, stats)
        if self.locked:
            release_site_lock(self.sessions, spider.site.name, self.holder)
        self.engine.dispose()


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
