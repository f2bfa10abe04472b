"""Running `scrapy crawl` as child processes: the Twisted reactor cannot restart in one process,
so every crawl — from the CLI, the demo or the daemon — is its own `scrapy crawl`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from warta.config import SETTINGS_MODULE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(slots=True)
class CrawlOutcome:
    site: str
    returncode: int
    log_tail: str


def crawl_argv(site: str, overrides: Mapping[str, object] | None = None) -> list[str]:
    """The command line of `scrapy crawl SITE -s KEY=VALUE…` under this Python."""
    argv = [sys.executable, "-m", "scrapy", "crawl", site]
    for key, value in (overrides or {}).items():
        argv += ["-s", f"{key}={value}"]
    return argv


def crawl_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    # The project packages must import even when warta runs from another directory.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def run_crawl(
    site: str,
    overrides: Mapping[str, object] | None = None,
    *,
    log_file: Path | None = None,
) -> CrawlOutcome:
    """Crawl one site in a child process; its log goes to `log_file` (or is kept in memory)."""
    argv = crawl_argv(site, overrides)
    if log_file is not None:
        with log_file.open("wb") as log:
            proc = subprocess.run(argv, env=crawl_env(), stdout=log, stderr=subprocess.STDOUT)
        tail = log_file.read_text(errors="replace")[-4000:]
        return CrawlOutcome(site, proc.returncode, tail)
    proc = subprocess.run(argv, env=crawl_env(), capture_output=True, text=True)
    return CrawlOutcome(site, proc.returncode, (proc.stdout + proc.stderr)[-4000:])


def run_crawls(
    sites: Sequence[str],
    overrides: Mapping[str, object] | None = None,
    *,
    parallel: int = 2,
    log_dir: Path | None = None,
) -> Iterable[CrawlOutcome]:
    """Crawl `sites`, `parallel` at a time, yielding outcomes as they finish (in order)."""
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = [
            pool.submit(
                run_crawl, site, overrides, log_file=log_dir / f"{site}.log" if log_dir else None
            )
            for site in sites
        ]
        for future in futures:
            yield future.result()
