"""`scrapy crawl SITE` as Scrapy ships it, with the failures a user can cause told in one line.

Scrapy's own command prints a traceback and exits 1 when the crawl cannot start (an unknown
spider, an exception in a component's from_crawler: a database that cannot be opened or written,
a broken taxonomy, an archive at an unknown schema revision). This one prints one line naming the
problem and its fix, records the failed start in crawl_runs when the archive can take it, and
exits 2; a crawl whose end could not be recorded exits 1. Everything else — `-s`, `-a`, `-o/-O`,
`scrapy list` and the other commands — is Scrapy's.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from twisted.python.failure import Failure

from warta.user_errors import describe

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler

    from crawler.extensions import CrawlRunRecorder

logger = logging.getLogger(__name__)

USER_ERROR_EXIT = 2


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        assert self.crawler_process
        name = args[0]
        try:
            crawler = self._create_crawler(name)
        except KeyError:
            self._fail(f"no site named {name!r} in the registry (`scrapy list` shows them)")
            return
        except Exception as exc:
            self._fail_or_raise(exc)
            return
        errors: list[BaseException] = []
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        _on_error(started, errors.append)
        self.crawler_process.start()
        if errors:
            self._failed_start(crawler, errors[0])
            return
        recorder = _recorder(crawler)
        if (recorder is not None and recorder.close_error) or self.crawler_process.bootstrap_failed:
            self.exitcode = 1

    def _failed_start(self, crawler: Crawler, exc: BaseException) -> None:
        from crawler.extensions import record_failed_start

        message = describe(exc)
        recorded = message or f"{type(exc).__name__}: {exc}"
        recorder = _recorder(crawler)
        if recorder is not None:
            recorder.startup_failed(recorded)
        elif (entry := getattr(crawler.spidercls, "site", None)) is not None:
            record_failed_start(crawler.settings, entry, recorded)
        self._fail_or_raise(exc, message)

    def _fail_or_raise(self, exc: BaseException, message: str | None = None) -> None:
        message = message or describe(exc)
        if message is None:
            # Not a user error: a bug, with its traceback.
            logger.error("crawl failed to start", exc_info=(type(exc), exc, exc.__traceback__))
            self.exitcode = 1
            return
        self._fail(message)

    def _fail(self, message: str) -> None:
        sys.stderr.write(f"scrapy crawl: error: {message}\n")
        sys.stderr.flush()
        self.exitcode = USER_ERROR_EXIT


def _recorder(crawler: Crawler) -> CrawlRunRecorder | None:
    # Imported late: crawler.extensions imports the reactor, which Scrapy installs after
    # loading the commands.
    from crawler.extensions import CrawlRunRecorder

    try:
        extensions = crawler.extensions
    except (AttributeError, RuntimeError):  # the crawl failed before building them
        return None
    for ext in extensions.middlewares:
        if isinstance(ext, CrawlRunRecorder):
            return ext
    return None


def _on_error(started: Any, collect: Any) -> None:
    """Collect the start-up exception of a crawl (an asyncio Task or a Deferred), marking it
    handled so neither asyncio nor Twisted prints it again as an unhandled traceback."""
    if isinstance(started, asyncio.Future):

        def done(task: asyncio.Future[Any]) -> None:
            if not task.cancelled() and task.exception() is not None:
                collect(task.exception())

        started.add_done_callback(done)
        return

    def errback(failure: Failure) -> None:
        collect(failure.value)

    started.addErrback(errback)
