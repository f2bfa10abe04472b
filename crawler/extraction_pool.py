"""Extraction in worker processes, each page bounded in CPU time and memory.

Extraction is the crawl's CPU-heavy stage (trafilatura and its fallbacks); run in Scrapy's reactor
thread it uses one core and a single pathological page (a gallery of thousands of small blocks sent
jusText into quadratic work for 14 minutes) stops everything, SIGTERM included. Here the reactor
hands each page to one of N worker processes and awaits the outcome, so pages keep downloading
while workers work and a page that overruns its budget costs one worker, not the night.

Bounds, per page:
- CPU time: the worker's own alarm (ITIMER_PROF) interrupts Python code at the budget; the crawl
  process also watches the worker's CPU time in /proc and kills it a little later, for pages stuck
  in C code. A wall-clock backstop (many times the budget) covers a worker that stops running.
- memory: a worker whose resident set passes the limit is killed.
A killed worker is replaced before its next page.

Back-pressure comes from Scrapy: the scraper holds at most SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes of
responses in processing and stops downloading while over it, so the pages waiting here are bounded.

Stopping: once the crawl is told to stop, pages still waiting for a worker are cancelled at once
(they were not extracted, so nothing is recorded of them and the next crawl fetches them again) and
pages in a worker get a short grace before the worker is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

from archive.extraction.records import Extraction, Reject
from crawler.extraction_worker import TIMEOUT_REASON, ExtractionJob, JobResult, run_job, serve

Runner = Callable[[ExtractionJob], Extraction]

logger = logging.getLogger(__name__)

# How much CPU time past the budget a worker gets before the crawl process kills it: its own alarm
# normally fires first and ends the page cleanly, without a respawn.
_HARD_KILL_MARGIN_SECONDS = 2.0
_POLL_SECONDS = 0.05
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class Status(StrEnum):
    DONE = "done"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    WORKER_DIED = "worker-died"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    extraction: Extraction | None
    """None only when CANCELLED: the page was not looked at and must not be recorded."""
    cpu_seconds: float = 0.0
    wait_seconds: float = 0.0
    """Time the page waited for a free worker."""


def default_pool_size() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def pool_from_settings(settings: Any) -> ExtractionPool:
    """The pool the settings describe (WARTA_EXTRACT_*): the crawl's and `warta reextract`'s."""
    return ExtractionPool(
        settings.getint("WARTA_EXTRACT_WORKERS") or default_pool_size(),
        cpu_budget=settings.getfloat("WARTA_EXTRACT_CPU_SECONDS"),
        memory_limit_bytes=settings.getint("WARTA_EXTRACT_MEMORY_MB") * 2**20,
        max_jobs_per_worker=settings.getint("WARTA_EXTRACT_MAX_PAGES_PER_WORKER"),
        shutdown_grace=settings.getfloat("WARTA_EXTRACT_SHUTDOWN_GRACE_SECONDS"),
    )


class _Worker:
    """One worker process and the crawl's end of its pipe; used by one thread at a time."""

    def __init__(self, context: BaseContext, cpu_budget: float, runner: Runner) -> None:
        parent, child = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child, cpu_budget, runner), name="warta-extract", daemon=True
        )
        self.process.start()
        child.close()
        self.conn: Connection = parent
        self.jobs_done = 0

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the process, from /proc (None where there is none)."""
        try:
            with open(f"/proc/{self.process.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def rss_bytes(self) -> int | None:
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * _PAGE_SIZE
        except (OSError, IndexError, ValueError):
            return None

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
            self.process.join(2)
        self.kill()


class _Slot:
    """A place in the pool; holds a live worker or None until one is needed."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None


@dataclass(slots=True)
class _Pending:
    job: ExtractionJob
    future: asyncio.Future[Outcome]
    queued_at: float


def _resolve(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():  # the awaiting task may have been cancelled meanwhile
        future.set_result(outcome)


class ExtractionPool:
    """N extraction worker processes behind an awaitable `extract(job)`.

    Each worker has a feeder thread of its own that takes the next page from one shared queue as
    soon as its worker is free and hands the outcome back to the event loop: a worker never waits
    for the (often busy) event loop to be given its next page.
    """

    def __init__(
        self,
        size: int,
        *,
        cpu_budget: float,
        memory_limit_bytes: int,
        max_jobs_per_worker: int,
        shutdown_grace: float,
        runner: Runner = run_job,
    ) -> None:
        self.size = size
        self.runner = runner
        self.cpu_budget = cpu_budget
        self.memory_limit_bytes = memory_limit_bytes
        self.max_jobs_per_worker = max_jobs_per_worker
        self.shutdown_grace = shutdown_grace
        # Generous: only for a worker that stops running altogether (stopped, swapped out).
        self.wall_backstop = max(60.0, 10 * cpu_budget)
        self.restarts = 0
        self._context: BaseContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._feeders: list[threading.Thread] = []
        self._all_slots = [_Slot() for _ in range(size)]
        self._stopping = threading.Event()
        self._stop_requested_at = 0.0
        self._lock = threading.Lock()

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the feeder threads, which create the worker processes in the background (the
        crawl need not wait for them). Call from the event loop that will await `extract`."""
        # forkserver: workers are forked from a small clean server process that has the extractor
        # imported, so a replacement worker starts in milliseconds, and no worker inherits the
        # crawl process's threads, sockets or database connections.
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        self._context = multiprocessing.get_context(method)
        if method == "forkserver":
            self._context.set_forkserver_preload(["crawler.extraction_worker"])
        self._loop = asyncio.get_running_loop()
        for n, slot in enumerate(self._all_slots):
            feeder = threading.Thread(target=self._feed, args=(slot,), daemon=True,
                                      name=f"warta-extract-{n}")
            feeder.start()
            self._feeders.append(feeder)

    def begin_shutdown(self) -> None:
        """Cancel the pages waiting for a worker; give the ones in a worker `shutdown_grace`."""
        if self._stopping.is_set():
            return
        self._stop_requested_at = time.monotonic()
        self._stopping.set()
        while True:
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                break
            if pending is not None:
                self._deliver(pending, Outcome(Status.CANCELLED, None))

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def close(self) -> None:
        self.begin_shutdown()
        for _ in self._feeders:
            self._queue.put(None)
        for feeder in self._feeders:
            feeder.join(self.shutdown_grace + 10)
        for slot in self._all_slots:
            if slot.worker is not None:
                slot.worker.stop()
                slot.worker = None

    # --- extracting ---------------------------------------------------------------------------

    async def extract(self, job: ExtractionJob) -> Outcome:
        assert self._loop is not None, "start() first"
        if self.stopping:
            return Outcome(Status.CANCELLED, None)
        future: asyncio.Future[Outcome] = self._loop.create_future()
        self._queue.put(_Pending(job, future, time.monotonic()))
        return await future

    def _feed(self, slot: _Slot) -> None:
        """A feeder thread: the next page to this slot's worker, its outcome to the event loop."""
        with contextlib.suppress(Exception):  # a worker that cannot start now is retried later
            self._ensure_worker(slot)
        while (pending := self._queue.get()) is not None:
            if self.stopping:
                self._deliver(pending, Outcome(Status.CANCELLED, None))
                continue
            waited = time.monotonic() - pending.queued_at
            try:
                outcome = self._run(slot, pending.job)
            except Exception as exc:  # e.g. no worker process could be started
                logger.error("extraction of %s failed in the pool: %s", pending.job.url, exc)
                outcome = Outcome(Status.WORKER_DIED,
                                  Extraction.rejected(Reject.EXTRACTION_ERROR, error=str(exc)))
            self._deliver(pending, replace(outcome, wait_seconds=waited))

    def _deliver(self, pending: _Pending, outcome: Outcome) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody awaits it any more
            self._loop.call_soon_threadsafe(_resolve, pending.future, outcome)

    def _ensure_worker(self, slot: _Slot) -> _Worker:
        worker = slot.worker
        if worker is not None and (not worker.alive() or
                                   worker.jobs_done >= self.max_jobs_per_worker):
            worker.stop()
            worker = None
        if worker is None:
            assert self._context is not None
            worker = slot.worker = _Worker(self._context, self.cpu_budget, self.runner)
        return worker

    def _replace(self, slot: _Slot) -> None:
        if slot.worker is not None:
            slot.worker.kill()
            slot.worker = None
        with self._lock:
            self.restarts += 1

    def _run(self, slot: _Slot, job: ExtractionJob) -> Outcome:
        """Runs in a feeder thread: send the job, then wait for its result within the bounds."""
        if self.stopping:
            return Outcome(Status.CANCELLED, None)
        worker = self._ensure_worker(slot)
        try:
            worker.conn.send(job)
        except (BrokenPipeError, EOFError, OSError):
            self._replace(slot)
            worker = self._ensure_worker(slot)
            worker.conn.send(job)
        started = time.monotonic()
        cpu_at_start = worker.cpu_seconds()
        while True:
            try:
                if worker.conn.poll(_POLL_SECONDS):
                    result: JobResult = worker.conn.recv()
                    worker.jobs_done += 1
                    timed_out = result.extraction.reject_reason == TIMEOUT_REASON
                    status = Status.TIMEOUT if timed_out else Status.DONE
                    return Outcome(status, result.extraction, result.cpu_seconds)
            except (EOFError, OSError):
                return self._lost(slot, job, Status.WORKER_DIED, "the worker process died")
            if not worker.alive():
                return self._lost(slot, job, Status.WORKER_DIED, "the worker process died")
            cpu_now = worker.cpu_seconds()
            cpu_used = None
            if cpu_now is not None and cpu_at_start is not None:
                cpu_used = cpu_now - cpu_at_start
            wall = time.monotonic() - started
            if (cpu_used is not None and cpu_used > self.cpu_budget + _HARD_KILL_MARGIN_SECONDS) \
                    or wall > self.wall_backstop:
                return self._lost(slot, job, Status.TIMEOUT, "over its CPU-time budget",
                                  cpu_used or wall)
            rss = worker.rss_bytes()
            if rss is not None and rss > self.memory_limit_bytes:
                return self._lost(slot, job, Status.MEMORY, "over its memory limit",
                                  cpu_used or 0.0)
            if self.stopping and time.monotonic() - self._stop_requested_at > self.shutdown_grace:
                self._replace(slot)
                return Outcome(Status.CANCELLED, None, cpu_used or 0.0)

    def _lost(
        self, slot: _Slot, job: ExtractionJob, status: Status, why: str, cpu: float = 0.0
    ) -> Outcome:
        """The worker was killed (or died) on this page: replace it and reject the page."""
        self._replace(slot)
        if status is Status.WORKER_DIED and self.stopping:
            return Outcome(Status.CANCELLED, None, cpu)
        logger.warning("extraction of %s stopped: %s; worker replaced", job.url, why)
        reason = {
            Status.TIMEOUT: Reject.EXTRACTION_TIMEOUT,
            Status.MEMORY: Reject.EXTRACTION_MEMORY,
        }.get(status, Reject.EXTRACTION_ERROR)
        limit = (f"{self.cpu_budget:g}s cpu" if status is Status.TIMEOUT
                 else f"{self.memory_limit_bytes // 2**20} MB" if status is Status.MEMORY
                 else "worker died")
        return Outcome(status, Extraction.rejected(reason, limit=limit), cpu)
