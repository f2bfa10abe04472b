"""Where a supervised crawl's output goes: its run's log file (WARTA_LOG_DIR/<site>-<UTC start
time>.log) and, for a live display, its progress file (crawler/progress.py). Used by
warta.daemon's SubprocessRunner, for the daemon, `warta crawl` and the cluster workers alike."""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def log_dir(settings: BaseSettings, database_url: str) -> Path:
    """Where the crawls' log files go: WARTA_LOG_DIR, else logs/ beside a SQLite archive file
    (`database_url`, its path absolute), else logs/ in the working directory."""
    configured = settings.get("WARTA_LOG_DIR")
    if configured:
        return Path(os.path.abspath(configured))
    parsed = make_url(database_url)
    database = parsed.database
    if (
        parsed.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and not database.startswith("file:")
    ):
        return Path(database).parent / "logs"
    return Path(os.path.abspath("logs"))


def open_run_log(directory: Path, site: str, started: datetime) -> tuple[Path, IO[bytes]]:
    """A new log file for one run of `site`, named by site and UTC start time (a suffix if a
    run of the same second has one already)."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{site}-{started.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    for attempt in range(1, 100):
        path = directory / (f"{stem}.log" if attempt == 1 else f"{stem}-{attempt}.log")
        try:
            return path, path.open("xb", buffering=0)
        except FileExistsError:
            continue
    raise FileExistsError(f"{directory}/{stem}*.log: too many runs in one second")


def pump_output(stream: IO[bytes], site: str, sink: IO[bytes] | None) -> None:
    """Child output → its run's log file (unbuffered, so it can be followed with `tail -f`), or,
    without one, → our log, one record per line, under the site's logger name."""
    if sink is not None:
        writing = True
        with stream, sink:
            for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
                if not writing:
                    continue
                try:
                    sink.write(chunk)
                except OSError as exc:
                    # A full disk must not stop the crawl: the pipe is still drained (a child
                    # blocked on a full pipe would hang), the rest of its output dropped.
                    logging.getLogger("warta.scheduler").error(
                        "%s: log file %s: %s; the rest of this crawl's log is lost",
                        site, getattr(sink, "name", "?"), exc,
                    )
                    writing = False
        return
    child_log = logging.getLogger(f"warta.crawl.{site}")
    with stream:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip()
            if line:
                child_log.info("%s", line)


def new_progress_file(site: str) -> Path:
    """A fresh path (no file yet) for a crawl's live figures."""
    fd, name = tempfile.mkstemp(prefix=f"warta-{site}-", suffix=".progress.json")
    os.close(fd)
    os.unlink(name)  # the crawl creates it at its first write: absent means "not started yet"
    return Path(name)
