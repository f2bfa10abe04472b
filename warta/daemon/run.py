"""The daemon's entry (`warta daemon`, `python scheduler.py`): arguments, settings, sites,
logging, signals; then `--once` or the scheduler until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.schedulers.base import BaseScheduler, SchedulerNotRunningError

from archive.store.db import make_engine, session_factory
from warta.daemon.crawls import POLL_SECONDS, CrawlWatch, Runner, ScheduledSite, StopSignal, log
from warta.daemon.service import build_scheduler, current_service, run_once
from warta.daemon.subprocess_runner import SubprocessRunner

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_DATEFMT = "%Y-%m-%dT%H:%M:%S%z"


def load_settings(overrides: Iterable[str] = ()) -> BaseSettings:
    """The project settings (crawler/settings.py) with `-s NAME=VALUE` overrides."""
    from warta.config import project_settings

    values: dict[str, object] = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"-s expects NAME=VALUE, not {item!r}")
        values[name] = value
    return project_settings(values)


def load_sites(settings: BaseSettings, only: Sequence[str] = ()) -> list[ScheduledSite]:
    # Imported here so this module (and its tests) load without the spider package.
    from spiders.registry import load_registry

    sites: list[ScheduledSite] = list(load_registry(settings.get("WARTA_SITES_FILE")))
    if not only:
        return sites
    known = {site.name for site in sites}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise ValueError(f"unknown site(s): {', '.join(unknown)}")
    return [site for site in sites if site.name in only]


def configure_logging(level: str = "INFO", handler: logging.Handler | None = None) -> None:
    """Our log to `handler` (default: timestamped lines on standard output)."""
    if handler is None:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATEFMT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # WARTA_AUTO_UPGRADE's migrations say "Context impl SQLiteImpl." at every start: not news.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))


def _install_signal_handlers(stop: StopSignal) -> None:
    def handle(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if stop.request(signum):
            log.warning("%s: stopping — no new crawls, running crawls are asked to stop", name)
        else:
            log.warning("%s again: killing running crawls now", name)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _exit_status(stop: StopSignal, code: int) -> int:
    # 128+N is the shell's "ended by signal N", here after a clean shutdown.
    return 128 + stop.signum if stop.signum else code


def main(argv: Sequence[str] | None = None, *, watch: CrawlWatch | None = None,
         log_handler: logging.Handler | None = None) -> int:
    """The daemon (`warta daemon`, `warta crawl` with --once). `watch` follows the crawls (a live
    display); `log_handler` takes our log instead of standard output."""
    parser = argparse.ArgumentParser(
        prog="warta daemon", description="Crawl every registry site on its schedule."
    )
    parser.add_argument("--once", action="store_true", help="crawl all sites now and exit")
    parser.add_argument("--sites", default="", help="comma-separated site names (default: all)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting for this invocation (repeatable)",
    )
    args = parser.parse_args(argv)
    configure_logging(args.log_level, log_handler)

    from spiders.registry import RegistryError

    try:
        settings = load_settings(args.set)
        only = [name.strip() for name in args.sites.split(",") if name.strip()]
        sites = load_sites(settings, only)
    except (RegistryError, ValueError, OSError) as exc:
        log.error("%s", exc)
        return 2
    if not sites:
        log.error("no sites to crawl in %s", settings.get("WARTA_SITES_FILE"))
        return 2

    url = settings.get("WARTA_DATABASE_URL")
    if settings.getbool("WARTA_AUTO_UPGRADE", False):
        # As the crawl extension does; deployments run `warta db upgrade` before starting instead.
        from archive.store.schema import upgrade

        upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine, writer=True)
    stop = StopSignal()
    runner: Runner = SubprocessRunner(settings, factory, stop, watch=watch)
    if settings.get("WARTA_BROKER_URL"):
        # Crawling on several machines: each crawl is a Celery task for `warta worker`.
        from warta.cluster import EnqueueRunner

        runner = EnqueueRunner(settings)
    _install_signal_handlers(stop)

    if args.once:
        log.info("crawling %d site(s) once: %s", len(sites), ", ".join(s.name for s in sites))
        results = run_once(settings, sites, runner, stop, factory, watch)
        failed = [r.site for r in results if r.failed]
        if failed:
            log.warning("failed or aborted: %s", ", ".join(failed))
        return _exit_status(stop, 1 if failed else 0)

    try:
        scheduler = build_scheduler(settings, sites, runner, engine=engine, stop=stop)
    except ValueError as exc:
        log.error("%s", exc)
        return 2

    def log_schedule(_event: SchedulerEvent) -> None:
        for job in scheduler.get_jobs():
            log.info(
                "%s: %s %s, next run %s",
                job.id,
                job.trigger,
                job.trigger.timezone,
                job.next_run_time.isoformat() if job.next_run_time else "never",
            )

    scheduler.add_listener(log_schedule, EVENT_SCHEDULER_STARTED)
    threading.Thread(
        target=_shutdown_on_stop, args=(scheduler, stop), name="stopper", daemon=True
    ).start()
    scheduler.start()  # blocks until _shutdown_on_stop shuts it down
    log.info("scheduler stopped; waiting for running crawls to finish")
    current_service().wait_idle()
    log.info("stopped")
    return 0


def _shutdown_on_stop(scheduler: BaseScheduler, stop: StopSignal) -> None:
    """Shut the scheduler down once a stop is requested, from a thread: the scheduler's locks must
    not be taken inside a signal handler, which may have interrupted the scheduler itself."""
    stop.requested.wait()
    while True:
        try:
            scheduler.shutdown(wait=False)
            return
        except SchedulerNotRunningError:
            # The signal came while the scheduler was still starting; try again once it runs.
            time.sleep(POLL_SECONDS)
