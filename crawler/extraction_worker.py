"""The body of one extraction worker process (see crawler.extraction_pool).

A worker receives one job at a time over its pipe, runs the pure extraction function on it and
sends the outcome back. It ignores SIGINT and SIGTERM: the crawl process decides when a worker
stops (a terminal's Ctrl-C or systemd's stop reaches the whole process group, and a worker that
died on it would look like a page that killed it). The crawl process kills a worker that overruns
its budget anyway, so the soft limit here only spares the respawn on pages stuck in Python code.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from archive.extraction import extract
from archive.extraction.records import Extraction, Reject

TIMEOUT_REASON = Reject.EXTRACTION_TIMEOUT


@dataclass(frozen=True, slots=True)
class ExtractionJob:
    """What one page's extraction needs: the page and the site's extraction settings."""

    body: bytes
    url: str
    http_encoding: str | None = None
    article_url_pattern: str | None = None
    min_text_chars: int = 600
    min_text_chars_structured: int = 250
    hinted_published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class JobResult:
    extraction: Extraction
    cpu_seconds: float
    """CPU time the worker spent on this job."""


class _OverBudget(BaseException):
    """Raised by the CPU-time alarm. A BaseException, so the extractor's own `except Exception`
    (which turns failures into `extraction-error`) cannot swallow it."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _OverBudget


def run_job(job: ExtractionJob) -> Extraction:
    return extract(
        job.body,
        job.url,
        http_encoding=job.http_encoding,
        article_url_pattern=job.article_url_pattern,
        min_text_chars=job.min_text_chars,
        min_text_chars_structured=job.min_text_chars_structured,
        hinted_published_at=job.hinted_published_at,
    )


def serve(
    conn: Connection, cpu_budget: float, runner: Callable[[ExtractionJob], Extraction] = run_job
) -> None:
    """Worker main loop: jobs in, JobResults out, until the pipe closes or None arrives.

    `runner` is `run_job` but for tests, which pass pages that misbehave in chosen ways."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGPROF, _on_alarm)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the crawl process is gone
            return
        if job is None:
            return
        started = time.process_time()
        try:
            # ITIMER_PROF counts this process's CPU time (user + system), not wall time: a busy
            # machine slows a page down without making it "too expensive".
            signal.setitimer(signal.ITIMER_PROF, cpu_budget)
            try:
                extraction = runner(job)
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
        except _OverBudget:
            extraction = Extraction.rejected(TIMEOUT_REASON, limit=f"{cpu_budget:g}s cpu")
        result = JobResult(extraction, time.process_time() - started)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return
