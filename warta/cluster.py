"""Crawling on several machines: Celery tasks on a Redis broker, one task per site crawl.

When WARTA_BROKER_URL is set, the daemon (scheduler.py) sends each site's crawl as a task instead
of running it itself (`EnqueueRunner`), and `warta worker` runs a Celery worker whose tasks are the
same supervised child `scrapy crawl` the daemon would run (warta.daemon's CrawlService and
SubprocessRunner), against the shared archive. Sites are the unit of distribution: politeness is
per site, and the archive's site lock still guarantees one crawl per site at a time.

Delivery: tasks are acknowledged late (after the crawl) and rejected back to the queue when the
worker is lost, so a worker killed mid-crawl has its site crawled again by another once the
broker's visibility timeout has passed; the archive's identity rules make that rerun store
nothing twice. The visibility timeout must be longer than any crawl (a task unacknowledged for
longer is handed out again): by default the crawl timeout plus an hour.
"""

from __future__ import annotations

import logging
import shlex
from typing import Any

from celery import Celery, Task
from celery.exceptions import Reject
from celery.signals import worker_shutting_down
from scrapy.settings import BaseSettings

from archive.store.db import make_engine, redacted_url, session_factory
from warta.daemon.crawls import CrawlResult, StopSignal
from warta.daemon.service import CrawlService, nightly_report
from warta.daemon.subprocess_runner import (
    DEFAULT_CRAWL_COMMAND,
    DEFAULT_CRAWL_TIMEOUT_SECONDS,
    SubprocessRunner,
)

log = logging.getLogger("warta.cluster")

TASK_NAME = "warta.crawl_site"
QUEUE = "warta-crawls"
DEFAULT_RETRY_SECONDS = 300
DEFAULT_MAX_RETRIES = 12

# The worker process's crawl machinery, built by run_worker() before the first task.
_service: CrawlService | None = None
_stop = StopSignal()
_retry_seconds = DEFAULT_RETRY_SECONDS


def visibility_timeout(settings: BaseSettings) -> int:
    """Seconds a delivered task may stay unacknowledged before the broker hands it out again."""
    configured = settings.getint("WARTA_BROKER_VISIBILITY_TIMEOUT_SECONDS", 0)
    if configured > 0:
        return configured
    crawl_timeout = settings.getfloat(
        "WARTA_CRAWL_TIMEOUT_SECONDS", DEFAULT_CRAWL_TIMEOUT_SECONDS
    )
    return int(max(crawl_timeout, 0) or DEFAULT_CRAWL_TIMEOUT_SECONDS) + 3600


def transport_options(settings: BaseSettings) -> dict[str, int]:
    """The Redis transport's options: the visibility timeout and, when set, how often a worker
    looks for tasks whose timeout has passed."""
    options = {"visibility_timeout": visibility_timeout(settings)}
    # kombu looks every 10 s but scans Redis on every 10th look only, so a task is handed out
    # again up to ~100 s after its timeout: nothing beside an hour's timeout, but most of the
    # wait with a short one (tests, or a deployment whose crawls are short).
    restore = settings.getint("WARTA_BROKER_RESTORE_INTERVAL_SECONDS", 0)
    if restore > 0:
        options |= {"unacked_restore_interval": restore, "unacked_restore_throttle": 1}
    return options


def make_app(settings: BaseSettings) -> Celery:
    broker_url = str(settings.get("WARTA_BROKER_URL") or "")
    if not broker_url:
        raise ValueError("WARTA_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0)")
    app = Celery("warta", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # One crawl reserved per free slot: a waiting task stays in the queue for idle workers.
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport_options(settings),
    )
    app.task(
        name=TASK_NAME,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=settings.getint("WARTA_CLUSTER_MAX_RETRIES", DEFAULT_MAX_RETRIES),
    )(crawl_site)
    return app


def crawl_site(task: Task, site: str) -> str:
    """The task: crawl `site` now in a child `scrapy crawl`, as the local daemon would.

    A site locked by another crawl is tried again later (the holder may be a dead machine whose
    lock has not expired yet); a crawl stopped by this worker's shutdown goes back to the queue.
    """
    if _service is None:
        raise RuntimeError("no crawl service: the task runs only in `warta worker`")
    result = _service.run_site(site)
    if _stop.requested.is_set() and result.status in ("skipped", "aborted"):
        raise Reject(f"{site}: worker stopping", requeue=True)
    if result.status == "skipped" and result.detail.startswith("site locked"):
        raise task.retry(countdown=_retry_seconds)
    return result.status


class EnqueueRunner:
    """The daemon's runner when WARTA_BROKER_URL is set: a crawl becomes a task for the workers."""

    def __init__(self, settings: BaseSettings) -> None:
        self.app = make_app(settings)
        log.info("crawls go to the workers through %s",
                 redacted_url(str(settings.get("WARTA_BROKER_URL"))))

    def __call__(self, site: str) -> CrawlResult:
        self.app.send_task(TASK_NAME, args=[site], queue=QUEUE)
        return CrawlResult(site, "queued", detail=f"task sent to queue {QUEUE}")


def worker_settings(settings: BaseSettings) -> BaseSettings:
    """`settings` with the crawl command wrapped so a crawl dies with its worker
    (warta/pdeathsig.py)."""
    raw: Any = settings.get("WARTA_CRAWL_COMMAND") or DEFAULT_CRAWL_COMMAND
    template = shlex.split(raw) if isinstance(raw, str) else [str(part) for part in raw]
    copy = settings.copy()
    copy.set("WARTA_CRAWL_COMMAND", ["{python}", "-m", "warta.pdeathsig", *template],
             priority="cmdline")
    return copy


def run_worker(settings: BaseSettings, *, concurrency: int, log_level: str = "INFO") -> int:
    """Serve crawl tasks until stopped: `concurrency` crawls at once in this process."""
    global _service, _retry_seconds
    if concurrency < 1:
        raise ValueError(f"--concurrency must be at least 1, not {concurrency}")
    app = make_app(settings)
    crawl_settings = worker_settings(settings)
    factory = session_factory(make_engine(settings.get("WARTA_DATABASE_URL")), writer=True)
    runner = SubprocessRunner(crawl_settings, factory, _stop)
    _service = CrawlService(
        runner, factory, max_parallel=concurrency, stop=_stop,
        # Each worker writes the shared archive's report when its own last crawl ends: the one
        # that finishes last leaves the night's whole report.
        after_night=nightly_report(settings, crawls_here=True),
    )
    _retry_seconds = settings.getint("WARTA_CLUSTER_RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
    app.worker_main([
        "worker", "--pool", "threads", "--concurrency", str(concurrency),
        "--queues", QUEUE, "--loglevel", log_level.upper(), "--without-gossip",
        "--without-mingle",
    ])
    return 0


@worker_shutting_down.connect
def _on_worker_shutting_down(**_kwargs: Any) -> None:
    # Celery's warm shutdown waits for running tasks; a crawl can take hours, so ask the crawls
    # to stop (they record their run 'aborted' and release their lock) and requeue their sites.
    _stop.request()
