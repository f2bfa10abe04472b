"""Running real `scrapy crawl` processes against the local sample web, for the e2e tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from archive.store.db import make_engine, session_factory
from archive.store.models import CrawlRun
from warta import demo

REPO_ROOT = Path(__file__).resolve().parents[2]

# The demo's relaxed politeness for a local web, with the log kept for failing tests.
LOCAL_WEB_SETTINGS = {**demo.LOCAL_WEB_SETTINGS, "LOG_LEVEL": "INFO"}


def scrapy_crawl(
    site: str, registry: Path, db_url: str, *extra: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl SITE` from the project root, as an operator would type it."""
    argv = [sys.executable, "-m", "scrapy", "crawl", site,
            "-s", f"WARTA_SITES_FILE={registry}", "-s", f"WARTA_DATABASE_URL={db_url}"]
    for key, value in LOCAL_WEB_SETTINGS.items():
        argv += ["-s", f"{key}={value}"]
    argv += list(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    proc = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"scrapy crawl {site} exited {proc.returncode}:\n{proc.stderr[-5000:]}"
        )
    return proc


def runs(db_url: str) -> list[CrawlRun]:
    """The archive's crawl_runs rows, oldest first."""
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        rows = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    engine.dispose()
    return rows
