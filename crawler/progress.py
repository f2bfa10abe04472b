"""A crawl's live figures for whoever supervises it: `warta crawl`'s progress display.

The supervisor names a file (setting WARTA_PROGRESS_FILE, set by the daemon's SubprocessRunner
when it shows a live display); every WARTA_PROGRESS_INTERVAL_SECONDS the crawl replaces it with
one small JSON object of counters read from the crawler stats. Replacing (write, then rename) means
a reader never sees half a file; reading the stats in the reactor thread means no locking. Unset,
the extension is not built: a bare `scrapy crawl` or the daemon pays nothing.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from crawler.extensions import errors_by_kind

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler


def progress_figures(stats: dict[str, Any]) -> dict[str, int]:
    """The counters a live line shows, from Scrapy's stats (the run record's keys)."""

    def count(key: str) -> int:
        return int(stats.get(key, 0))

    return {
        "pages": count("downloader/response_count"),
        "not_modified": count("downloader/response_status_count/304"),
        "new": count("warta/store/new"),
        "updated": count("warta/store/updated"),
        "unchanged": count("warta/store/unchanged"),
        "duplicates": count("warta/store/alias") + count("warta/store/syndicated"),
        "rejected": count("warta/rejected"),
        "errors": sum(errors_by_kind(stats).values()),
        "bytes": count("downloader/response_bytes"),
    }


def read_progress(path: Path) -> dict[str, Any] | None:
    """The figures last written to `path`, or None before the first write."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class CrawlProgress:
    """Writes the crawl's figures and state ('crawling', then 'closing') to WARTA_PROGRESS_FILE."""

    def __init__(self, crawler: Crawler, path: Path, interval: float) -> None:
        self.crawler = crawler
        self.path = path
        self.interval = interval
        self.state = "starting"
        self.loop = LoopingCall(self.write)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        target = crawler.settings.get("WARTA_PROGRESS_FILE")
        if not target:
            raise NotConfigured("no WARTA_PROGRESS_FILE: nobody is watching")
        interval = crawler.settings.getfloat("WARTA_PROGRESS_INTERVAL_SECONDS")
        ext = cls(crawler, Path(target), max(interval, 0.05))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.state = "crawling"
        self.loop.start(self.interval, now=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop.running:
            self.loop.stop()
        self.state = "closing"
        self.write()

    def write(self) -> None:
        assert self.crawler.stats is not None
        record = {"state": self.state, "at": time.time(),
                  **progress_figures(self.crawler.stats.get_stats())}
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            # The display is a convenience: a full disk or a removed directory must not stop the
            # crawl (the run record says how it went).
            pass
