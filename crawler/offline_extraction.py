"""Extraction outside a crawl (`warta reextract`) with the crawl's own bounds.

The same worker pool as the crawl's pipeline, configured by the same settings
(WARTA_EXTRACT_WORKERS, WARTA_EXTRACT_CPU_SECONDS, WARTA_EXTRACT_MEMORY_MB, …): every stored page
is extracted in a worker process under its CPU and memory budget, so a page that once sent an
extractor into quadratic work is rejected `extraction-timeout` and the pass goes on, on all cores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType

from scrapy.settings import BaseSettings

from archive.extraction.records import Extraction, Reject
from archive.reprocess.reextract import StoredPage
from crawler.extraction_pool import Status, pool_from_settings
from crawler.extraction_worker import ExtractionJob


class BoundedExtractor:
    """A `PageExtractor` (archive/reprocess/reextract.py) over a pool of worker processes."""

    def __init__(self, settings: BaseSettings) -> None:
        self._loop = asyncio.new_event_loop()
        self._pool = pool_from_settings(settings)

    def __enter__(self) -> BoundedExtractor:
        async def start() -> None:
            self._pool.start()

        self._loop.run_until_complete(start())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._pool.close()
        self._loop.close()

    def __call__(self, pages: Sequence[StoredPage]) -> list[Extraction]:
        jobs = [
            ExtractionJob(page.body, page.url, http_encoding=page.http_encoding,
                          min_text_chars=0, min_text_chars_structured=0)
            for page in pages
        ]

        async def run() -> list[Extraction]:
            outcomes = await asyncio.gather(*(self._pool.extract(job) for job in jobs))
            return [
                outcome.extraction
                if outcome.extraction is not None
                # Only a pool told to stop cancels; the page stays as stored.
                else Extraction.rejected(Reject.EXTRACTION_ERROR, why=Status.CANCELLED.value)
                for outcome in outcomes
            ]

        return self._loop.run_until_complete(run())
