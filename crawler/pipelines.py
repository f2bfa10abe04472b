"""Item pipelines, in the order set by ITEM_PIPELINES: extract → identify/dedup → tag → store.

Each is a thin Scrapy wrapper around a pure function or the archive store; what a stage decides
is counted in the crawl stats under `warta/…`. Two kinds of item pass through without being
articles: a page judged not to be one (`reject_reason` set: the store remembers it, so the next
crawl need not fetch it again, then drops it) and an archived article's URL that answered
304 Not Modified (the store records that it was seen).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy.exc import DBAPIError
from twisted.internet.task import LoopingCall
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from archive.crawls.seen import record_fetch_state, touch_article_url
from archive.identity.fingerprint import text_hash
from archive.identity.neardup import NearDuplicateIndex, signature
from archive.identity.urlnorm import (
    canonical_url,
    declared_canonical,
    hosts_for_site,
    normalise_url,
)
from archive.store.db import error_kind, is_transient, make_engine, session_factory
from archive.store.writer import ArchiveStore, Page
from archive.tagging import Tagger, load_taxonomy
from archive.tagging.regions import RegionTagger
from crawler.extraction_pool import pool_from_settings
from crawler.extraction_worker import ExtractionJob

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.items import PageItem

logger = logging.getLogger(__name__)


def is_not_modified(item: PageItem) -> bool:
    return item.get("status") == 304


def is_article(item: PageItem) -> bool:
    return "article" in item and not item.get("reject_reason")


@contextmanager
def timed(stats: StatsCollector, stage: str) -> Iterator[None]:
    """Adds the wall time of the block to stat `warta/time/<stage>` (seconds): the per-stage
    split that bench/throughput_bench.py prints."""
    started = time.perf_counter()
    try:
        yield
    finally:
        stats.inc_value(f"warta/time/{stage}", time.perf_counter() - started)


def _site_entry(crawler: Crawler) -> Any:
    spider = crawler.spider
    entry = getattr(spider, "site", None)
    if entry is None:
        raise NotConfigured("warta pipelines need a registry spider (spider.site)")
    return entry


class ExtractPipeline:
    """Raw page → ArticleRecord, in a worker process; drops pages that are no article, counting why.

    The page goes to the extraction pool (crawler.extraction_pool: WARTA_EXTRACT_WORKERS processes,
    each page bounded by WARTA_EXTRACT_CPU_SECONDS of CPU time and WARTA_EXTRACT_MEMORY_MB), so the
    reactor keeps downloading while pages are extracted and no page can stall the crawl. A page
    over a bound is rejected (`extraction-timeout`, `extraction-memory`) and recorded like any
    rejected page; a page still waiting when the crawl stops is dropped unrecorded, to be fetched
    again by the next crawl.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        settings = crawler.settings
        self.min_text_chars = settings.getint("WARTA_MIN_TEXT_CHARS")
        self.min_text_chars_structured = settings.getint("WARTA_MIN_TEXT_CHARS_STRUCTURED")
        self.pool = pool_from_settings(settings)
        self.watch: LoopingCall | None = None
        self.engine_was_running = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.pool.start()
        self.stats.set_value("warta/extract/workers", self.pool.size)
        self.watch = LoopingCall(self._watch_engine)
        self.watch.start(0.25, now=False)

    def _watch_engine(self) -> None:
        # Scrapy signals nothing when a stop begins (SIGTERM, CLOSESPIDER_*), only when it is
        # over — and it waits for the pipelines first. So the pool is told by watching the engine.
        engine = self.crawler.engine
        if engine is None:
            return
        self.engine_was_running |= engine.running
        slot = getattr(engine, "_slot", None)
        closing = slot is not None and getattr(slot, "closing", None) is not None
        if closing or (self.engine_was_running and not engine.running):
            self.pool.begin_shutdown()

    def close_spider(self) -> None:
        if self.watch is not None and self.watch.running:
            self.watch.stop()
        self.pool.close()
        self.stats.set_value("warta/extract/worker_restarts", self.pool.restarts)

    async def process_item(self, item: PageItem) -> PageItem:
        if is_not_modified(item):
            return item
        entry = _site_entry(self.crawler)
        job = ExtractionJob(
            body=item["body"],
            url=item["url"],
            http_encoding=item.get("http_encoding"),
            article_url_pattern=entry.article_url_pattern,
            min_text_chars=self.min_text_chars,
            min_text_chars_structured=self.min_text_chars_structured,
            hinted_published_at=item.get("hinted_published_at"),
        )
        outcome = await self.pool.extract(job)
        self.stats.inc_value("warta/time/extract_wait", outcome.wait_seconds)
        self.stats.inc_value("warta/time/extract_cpu", outcome.cpu_seconds)
        if outcome.extraction is None:
            self.stats.inc_value("warta/extract/cancelled")
            raise DropItem(f"not extracted, the crawl is stopping: {item['url']}",
                           log_level="INFO")
        result = outcome.extraction
        self.stats.inc_value("warta/extract/pages")
        if result.article is None:
            self.stats.inc_value(f"warta/rejected/{result.reject_reason}")
            self.stats.inc_value("warta/rejected")
            item["reject_reason"] = result.reject_reason
            return item
        record = result.article
        item["article"] = record
        item["title"] = record.title
        item["author"] = record.author
        item["published_at"] = record.published_at.isoformat() if record.published_at else None
        item["language"] = record.language
        item["text"] = record.text
        self.stats.inc_value("warta/extracted")
        return item


class IdentifyPipeline:
    """Decides the article's identity: canonical URL, aliases, text hash, near-dup signature."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self._hosts: tuple[Any, list[str]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: PageItem) -> PageItem:
        if not is_article(item):
            return item
        with timed(self.stats, "identify"):
            return self._identify(item)

    def _site_hosts(self, entry: Any) -> list[str]:
        # Port-pinned like the registry: on one host, another port is another site. Worked out
        # once per registry entry, not per page.
        if self._hosts is None or self._hosts[0] is not entry:
            self._hosts = (entry, hosts_for_site(entry.home_url, entry.allowed_domains))
        return self._hosts[1]

    def _identify(self, item: PageItem) -> PageItem:
        entry = _site_entry(self.crawler)
        record = item["article"]
        strip = entry.strip_query_params
        hosts = self._site_hosts(entry)
        declared = declared_canonical(
            item["url"], record.declared_canonical_url, site_hosts=hosts, strip_params=strip
        )
        item["canonical_declared"] = declared is not None
        item["canonical_url"] = declared or canonical_url(
            item["url"], None, site_hosts=hosts, strip_params=strip
        )
        # The URLs that redirected here (e.g. WordPress's /?p=123) are this article's too.
        answered = [*item.get("redirect_urls", ()), item["url"]]
        item["alias_urls"] = list(
            dict.fromkeys(normalise_url(url, strip_params=strip) for url in answered)
        )
        item["text_hash"] = text_hash(record.text)
        item["signature"] = signature(record.text)
        return item


class TagPipeline:
    """Applies the keyword taxonomy (WARTA_TAXONOMY_FILE) to title and text, and finds the
    regencies the article is about (the gazetteer, archive/tagging/regions.toml)."""

    def __init__(self, crawler: Crawler) -> None:
        self.taxonomy = load_taxonomy(crawler.settings.get("WARTA_TAXONOMY_FILE"))
        self.tagger = Tagger(self.taxonomy)
        self.regions = RegionTagger()
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: PageItem) -> PageItem:
        if not is_article(item):
            return item
        with timed(self.stats, "tag"):
            matches = self.tagger.tag(item["title"], item["text"])
        item["tag_matches"] = matches
        item["taxonomy_version"] = self.taxonomy.version
        item["tags"] = [m.tag for m in matches]
        for m in matches:
            self.stats.inc_value(f"warta/tagged/{m.tag}")
        with timed(self.stats, "tag"):
            item["region_matches"] = self.regions.tag(item["title"], item["text"])
        item["gazetteer_version"] = self.regions.version
        return item


class StorePipeline:
    """Writes the article into the archive (WARTA_DATABASE_URL), off the reactor.

    The database work runs on one writer thread (the store's identity decisions stay one
    transaction per page, in order), so a locked or slow database never blocks the crawl's event
    loop. Transient errors (SQLite locked/busy, PostgreSQL serialization failures and deadlocks)
    are retried WARTA_STORE_RETRIES times with exponential backoff; a page that still cannot be
    stored is counted under warta/errors/store-<kind> and warta/store/failed, which makes the run
    'partial' and keeps the crawl from saving the discovery validators that would hide the page
    next night (spiders/news.py). Nothing is dropped without a count and an ERROR line.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        settings = crawler.settings
        busy_timeout = settings.getfloat("WARTA_SQLITE_BUSY_TIMEOUT_SECONDS", 30.0)
        self.engine = make_engine(
            settings.get("WARTA_DATABASE_URL"), busy_timeout_ms=int(busy_timeout * 1000)
        )
        self.sessions = session_factory(self.engine, writer=True)
        self.store = ArchiveStore(self.sessions, cluster_index=NearDuplicateIndex())
        self.retries = max(settings.getint("WARTA_STORE_RETRIES", 5), 0)
        self.retry_delay = settings.getfloat("WARTA_STORE_RETRY_DELAY_SECONDS", 1.0)
        self._writer = ThreadPool(minthreads=1, maxthreads=1, name="warta-store")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        # Started here, not in __init__: a crawl that fails to start must not leave a thread.
        self._writer.start()

    def close_spider(self) -> None:
        self._writer.stop()  # waits for the write in progress
        self.engine.dispose()

    async def process_item(self, item: PageItem) -> PageItem:
        # The archive keys URLs in their normal form, as the identify stage wrote them.
        url = normalise_url(item["url"], strip_params=_site_entry(self.crawler).strip_query_params)
        # Imported here: importing it at module load would install a reactor before Scrapy's.
        from twisted.internet import reactor

        try:
            outcome = await maybe_deferred_to_future(
                deferToThreadPool(reactor, self._writer, self._with_retries, self._write, item, url)
            )
        except Exception as exc:
            self._failed(item, exc)
            raise DropItem(f"not stored: {item['url']}", log_level="DEBUG") from None
        if outcome == "not-modified-unknown":
            raise DropItem(f"not modified: {item['url']}", log_level="DEBUG")
        if outcome == "not-modified":
            self.stats.inc_value("warta/store/not_modified")
            raise DropItem(f"not modified: {item['url']}", log_level="DEBUG")
        if outcome == "rejected":
            raise DropItem(f"not an article ({item['reject_reason']}): {item['url']}")
        self.stats.inc_value(f"warta/store/{item['outcome']}")
        if item["outcome"] == "unchanged" and item.get("conditional"):
            # A 200 to a conditional request, the same text: the page's validators follow
            # something else (spiders/nightly.py stops trusting them).
            self.stats.inc_value("warta/validators/noisy")
        if outcome == "stored-copy":
            self.stats.inc_value("warta/store/copies")
        return item

    def _failed(self, item: PageItem, exc: BaseException) -> None:
        kind = error_kind(exc)
        self.stats.inc_value(f"warta/errors/store-{kind}")
        self.stats.inc_value("warta/store/failed")
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
        if isinstance(exc, DBAPIError):
            logger.error("could not store %s (%s): %s", item["url"], kind, detail)
        else:
            logger.error("could not store %s (%s): %s", item["url"], kind, detail, exc_info=exc)

    def _with_retries(self, write: Any, *args: Any) -> str:
        # On the writer thread: sleeping here blocks nothing but later writes.
        for attempt in range(self.retries + 1):
            try:
                return write(*args)
            except DBAPIError as exc:
                if attempt == self.retries or not is_transient(exc):
                    raise
                delay = self.retry_delay * 2**attempt
                logger.warning(
                    "store: %s (%s); retry %d/%d in %.1fs",
                    args[0]["url"], error_kind(exc), attempt + 1, self.retries, delay,
                )
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _write(self, item: PageItem, url: str) -> str:
        """The database work for one item; runs on the writer thread."""
        with timed(self.stats, "store"):
            return self._write_untimed(item, url)

    def _write_untimed(self, item: PageItem, url: str) -> str:
        if is_not_modified(item):
            known = touch_article_url(self.sessions, url, item["fetched_at"])
            return "not-modified" if known else "not-modified-unknown"
        if item.get("reject_reason"):
            record_fetch_state(
                self.sessions, item["site"], url, "rejected", item["fetched_at"],
                etag=item.get("etag"), last_modified=item.get("last_modified"),
                reject_reason=item["reject_reason"],
            )
            return "rejected"
        record = item["article"]
        page = Page(
            site=item["site"],
            fetched_url=item["url"],
            canonical_url=item["canonical_url"],
            record=record,
            text_hash=item["text_hash"],
            raw_html=item["body"],
            fetched_at=item["fetched_at"],
            http_encoding=item.get("http_encoding"),
            etag=item.get("etag"),
            last_modified=item.get("last_modified"),
            alias_urls=item.get("alias_urls", ()),
            canonical_declared=item["canonical_declared"],
            tags=item.get("tag_matches"),
            taxonomy_version=item.get("taxonomy_version"),
            regions=item.get("region_matches"),
            gazetteer_version=item.get("gazetteer_version"),
            signature=item.get("signature"),
        )
        result = self.store.save(page)
        item["article_id"] = result.article_id
        item["cluster_id"] = result.cluster_id
        item["outcome"] = result.outcome
        if result.outcome == "new" and result.original_id is not None:
            # A verbatim copy of another outlet's article: a row of its own, linked to it.
            return "stored-copy"
        return "stored"
