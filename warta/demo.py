"""`warta demo`: the whole path, offline — the bundled sample web served on 127.0.0.1, crawled by
real `scrapy crawl` processes into the archive, and a summary of what was stored."""

from __future__ import annotations

import contextlib
import shlex
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from archive.reading.reports import format_site_summaries, site_summaries
from archive.store.db import make_engine, redacted_url, session_factory
from archive.store.schema import upgrade
from warta.live import CrawlDisplay
from warta.sampleweb import SampleWeb

# The sample web is local: the real-site politeness (delays, AutoThrottle, 2 requests per
# domain) would only make the demo slow. Relaxed through settings, like any operator would.
# (The telnet console needs no override: it is off by default, crawler/settings.py.)
LOCAL_WEB_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
}


def crawl_command() -> str:
    parts = ["{python}", "-m", "scrapy", "crawl", "{site}"]
    for key, value in LOCAL_WEB_SETTINGS.items():
        parts += ["-s", f"{key}={value}"]
    return shlex.join(parts)


def run_demo(
    database_url: str,
    *,
    parallel: int = 2,
    keep_serving: bool = False,
    echo: Callable[[str], None] = print,
) -> int:
    """Serve, crawl (a live line per site on a terminal, Scrapy's logs in files), summarise.
    Returns the daemon-style exit status of the crawls."""
    from warta.daemon.run import main as run_daemon

    upgrade(database_url)
    with tempfile.TemporaryDirectory(prefix="warta-demo-") as tmp, SampleWeb() as web:
        registry = web.registry_toml(Path(tmp) / "sites.toml")
        echo(f"Sample web: {len(web.base_urls)} news sites on 127.0.0.1")
        for name, url in web.base_urls.items():
            echo(f"  {name:<24} {url}")
        echo(f"Crawling into {redacted_url(database_url)} ...")
        with CrawlDisplay() as display:
            code = run_daemon([
                "--once",
                "-s", f"WARTA_SITES_FILE={registry}",
                "-s", f"WARTA_DATABASE_URL={database_url}",
                "-s", f"WARTA_MAX_PARALLEL_CRAWLS={parallel}",
                "-s", f"WARTA_CRAWL_COMMAND={crawl_command()}",
            ], watch=display, log_handler=display.log_handler())
        for line in display.summary_lines():
            echo(line)
        engine = make_engine(database_url)
        with session_factory(engine)() as session:
            echo(format_site_summaries(site_summaries(session, list(web.base_urls))))
        engine.dispose()
        echo('\nTry: warta search "rembuk stunting"  ·  warta runs  ·  warta export -o out.jsonl')
        if keep_serving:
            echo("Serving the sample web until Ctrl-C.")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    return code
