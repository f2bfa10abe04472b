"""Components the fault tests add to a real `scrapy crawl` with -s settings."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class BlockReactorPipeline:
    """Blocks the reactor thread (a synchronous sleep) on the first item, as a page whose
    extraction never ends would: FAULT_BLOCK_SECONDS long, touching FAULT_BLOCK_MARKER first."""

    def __init__(self, seconds: float, marker: str) -> None:
        self.seconds, self.marker, self.done = seconds, marker, False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getfloat("FAULT_BLOCK_SECONDS"),
                   crawler.settings.get("FAULT_BLOCK_MARKER"))

    def process_item(self, item: dict) -> dict:
        if not self.done:
            self.done = True
            Path(self.marker).write_text("blocking")
            time.sleep(self.seconds)
            Path(self.marker).write_text("done")
        return item
