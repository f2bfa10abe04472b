"""What the daemon deals in: the sites it schedules, how a crawl ended, who watches the crawls,
the stop request; and its logger ("warta.scheduler", the name its log lines carry)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from archive.crawls.run_summaries import RunSummary

# How often a supervising thread looks at its child and at the stop flags.
POLL_SECONDS = 0.2

log = logging.getLogger("warta.scheduler")


class ScheduledSite(Protocol):
    """What the daemon needs of a registry entry (spiders.registry.SiteEntry has it)."""

    @property
    def name(self) -> str: ...
    @property
    def schedule(self) -> str | None: ...
    @property
    def timezone(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """How one scheduled crawl ended, for logs and the --once exit status.

    status: 'ok', 'partial', 'failed', 'aborted' (as crawl_runs), or 'skipped' (not started:
    site locked, or the daemon stopping).
    """

    site: str
    status: str
    returncode: int | None = None
    detail: str = ""
    run: RunSummary | None = None
    """The figures of the run the crawl recorded, when it recorded one."""
    log_path: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "aborted")


class CrawlWatch(Protocol):
    """Someone following the crawls as they go: `warta crawl`'s display (warta/live.py).

    `live`: the crawls should write their live figures to a progress file (crawler/progress.py),
    passed to `started`. Called from the crawl threads."""

    @property
    def live(self) -> bool: ...
    def waiting(self, site: str) -> None: ...
    def started(self, site: str, log_path: Path | None, progress_path: Path | None) -> None: ...
    def finished(self, result: CrawlResult) -> None: ...


Runner = Callable[[str], CrawlResult]
"""Crawls one site to completion and says how it went. SubprocessRunner is the real one."""


class StopSignal:
    """The daemon's stop request, set from a signal handler and read by the crawl threads.

    A signal handler runs between two bytecodes of the main thread, which may hold any lock; the
    handler only sets these Events, which the main thread never waits on, so it cannot block.
    """

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.force = threading.Event()
        self.signum: int | None = None

    def request(self, signum: int | None = None) -> bool:
        """Ask for a graceful stop; a second request asks to kill at once. True on the first."""
        if self.requested.is_set():
            self.force.set()
            return False
        self.signum = signum
        self.requested.set()
        return True
