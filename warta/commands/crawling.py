"""Crawling commands: `warta sites`, `crawl`, `daemon`, `worker` and `demo`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from warta.commands.common import (
    WartaError,
    archive_url,
    friendly_errors,
    print_summaries,
    read_sessions,
    warta_settings,
)


@click.command()
@click.option("--file", "sites_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Registry file (default: setting WARTA_SITES_FILE).")
@click.option("--discovered", is_flag=True,
              help="Also show, per site, the sources crawls found in the archive (sitemaps, "
                   "feeds, listings, REST API) and the guesses that do not exist.")
@friendly_errors
def sites(sites_file: Path | None, discovered: bool) -> None:
    """List the configured news sites with their regions and discovery hints.

    Validates the registry: a broken entry is reported with file, entry and field.

    \b
    Examples:
      warta sites
      warta sites --discovered
    """
    from spiders.loader import build_spider_classes
    from spiders.registry import load_registry

    path = sites_file or Path(warta_settings().get("WARTA_SITES_FILE"))
    entries = load_registry(path)
    build_spider_classes(entries)  # `spider = "module:Class"` checked as `scrapy list` does
    if discovered:
        _print_discovered([e.name for e in entries])
        return
    click.echo(f"{len(entries)} sites in {path}")
    for entry in entries:
        region = entry.province + (f" / {entry.regency}" if entry.regency else "")
        hints = [
            name
            for name, value in (
                ("sitemaps", entry.sitemap_urls),
                ("feeds", entry.feed_urls),
                ("listings", entry.listing_urls),
                ("article-pattern", entry.article_url_pattern),
            )
            if value
        ]
        click.echo(
            f"  {entry.name:<24} {region:<45} {entry.home_url}"
            f"  [{', '.join(hints) or 'auto-discovery'}]"
        )


def _print_discovered(names: list[str]) -> None:
    """What crawls found per site: one line per source, found ones first, with when checked."""
    from archive.crawls.site_memory import discovered_sources

    rows = discovered_sources(read_sessions(), names)
    by_site: dict[str, list[Any]] = {}
    for row in rows:
        by_site.setdefault(row.site, []).append(row)
    for name in names:
        found = [r for r in by_site.get(name, []) if r.status == "found"]
        missing = [r for r in by_site.get(name, []) if r.status != "found"]
        if not found and not missing:
            click.echo(f"{name}: not crawled yet")
            continue
        click.echo(f"{name}: {len(found)} sources found, {len(missing)} missing")
        for row in found + missing:
            checked = row.last_checked_at.strftime("%Y-%m-%d %H:%M")
            click.echo(f"  {row.status:<8} {row.kind:<9} {row.url}  (checked {checked} UTC)")


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("site_names", nargs=-1)
@click.option("-s", "--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Setting for this run (WARTA_MAX_PARALLEL_CRAWLS, WARTA_CRAWL_COMMAND, ...).")
@friendly_errors
def crawl(site_names: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Crawl the named sites (default: every configured site) now, each in its own
    `scrapy crawl`, WARTA_MAX_PARALLEL_CRAWLS at a time, then show what the archive holds.

    A site another crawl is working on (the daemon, a manual `scrapy crawl`) is skipped.
    On a terminal each site has a live line (pages, new/updated articles, rejected, errors,
    elapsed); each crawl's full Scrapy log goes to a file (WARTA_LOG_DIR, default logs/ next to
    the archive), named in the end summary and in crawl_runs.log_path.

    Example: warta crawl antara-sumsel antara-lampung
    """
    from warta.daemon.run import main as run_daemon
    from warta.live import CrawlDisplay

    # Always here and now, even on a cluster machine (WARTA_BROKER_URL set): `warta daemon
    # --once` is the way to enqueue every site for the workers.
    argv = ["--once", "--sites", ",".join(site_names), "-s", "WARTA_BROKER_URL="]
    for override in overrides:
        argv += ["-s", override]
    # On a terminal, one live line per site; otherwise plain timestamped lines. Scrapy's own log
    # goes to a file per run either way (WARTA_LOG_DIR), named in the summary.
    with CrawlDisplay() as display:
        code = run_daemon(argv, watch=display, log_handler=display.log_handler())
    for line in display.summary_lines():
        click.echo(line)
    # The archive the crawls wrote to, -s WARTA_DATABASE_URL=... included.
    print_summaries(list(site_names) or None, _crawled_archive(overrides))
    if code:
        raise WartaError(
            f"some crawls failed or were stopped (exit {code}); see the summary and their logs"
        )


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def daemon(args: tuple[str, ...]) -> None:
    """Run the nightly scheduler (scheduler.py): every site on its cron schedule.

    Options: --once (crawl everything now and exit), --sites a,b, --log-level LEVEL,
    -s NAME=VALUE. See docs/deployment.md for running it under systemd.
    """
    from warta.daemon.run import main as run_daemon

    sys.exit(run_daemon(list(args)))


@click.command()
@click.option("--concurrency", "-c", default=1, show_default=True,
              help="Crawls this worker runs at once.")
@click.option("--log-level", default="INFO", show_default=True, help="DEBUG, INFO, WARNING, ERROR")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a setting (repeatable).")
def worker(concurrency: int, log_level: str, overrides: tuple[str, ...]) -> None:
    """Run a Celery worker that crawls the sites the daemon enqueues (crawling on several
    machines; needs `pip install warta[cluster]`, WARTA_BROKER_URL and a shared PostgreSQL
    archive). See docs/deployment.md.

    Example: WARTA_BROKER_URL=redis://10.0.0.5:6379/0 warta worker --concurrency 2
    """
    from warta.daemon.run import configure_logging, load_settings

    try:
        settings = load_settings(overrides)
        if not settings.get("WARTA_BROKER_URL"):
            raise ValueError("WARTA_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0)")
        from warta.cluster import run_worker
    except ImportError as exc:
        raise WartaError(f"{exc}: install the cluster extra, pip install 'warta[cluster]'") from exc
    except ValueError as exc:
        raise WartaError(str(exc)) from exc
    configure_logging(log_level)
    sys.exit(run_worker(settings, concurrency=concurrency, log_level=log_level))


def _crawled_archive(overrides: tuple[str, ...]) -> str | None:
    from warta.daemon.run import load_settings

    try:
        return str(load_settings(overrides).get("WARTA_DATABASE_URL"))
    except ValueError:  # a malformed -s: the crawl said so already
        return None


@click.command()
@click.option("--keep-serving", is_flag=True, help="Keep the sample web up after the crawl.")
@click.option("--parallel", default=2, show_default=True, help="Sites crawled at once.")
@friendly_errors
def demo(keep_serving: bool, parallel: int) -> None:
    """Crawl the bundled sample web, offline, into the archive, and show what was stored.

    Serves the sample news sites on 127.0.0.1, runs a real `scrapy crawl` per site into the
    archive (WARTA_DATABASE_URL, default archive.db here) and prints per-site counts.
    """
    from warta.demo import run_demo

    code = run_demo(archive_url(), parallel=parallel, keep_serving=keep_serving, echo=click.echo)
    if code:
        raise WartaError(f"some demo crawls failed (exit {code}); see the log above")
