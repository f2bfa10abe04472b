"""`warta crawl`'s (and `warta demo`'s) view of its crawls.

On a terminal: one live line per site, drawn by rich's progress display —

    ⠋ antara-sumsel   crawling   142 pages  30 new  3 updated  40 rejected  0 errors  0:00:12

— fed by the figures each crawl writes to its progress file (crawler/progress.py); warnings of
the daemon show above the lines. Not on a terminal (a pipe, CI, cron): nothing live, the daemon's
plain timestamped lines (a site started; a site ended, with its figures). Either way the results
are kept for the end summary (`summary_lines`): stored, new, updated, duplicates, rejected by
reason, errors by kind, bytes and the log file of each run.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from archive.crawls.run_summaries import summary_details, summary_line
from crawler.progress import read_progress

if TYPE_CHECKING:
    from warta.daemon.crawls import CrawlResult

# How often the progress files are read; the crawls write theirs every
# WARTA_PROGRESS_INTERVAL_SECONDS.
POLL_SECONDS = 0.2
NAME_WIDTH = 24
# The states a crawl's progress file reports (crawler/progress.py), and ours before its first write.
RUNNING_STATES = ("starting", "crawling", "closing")


@dataclass(slots=True)
class _SiteLine:
    task: TaskID | None
    state: str = "waiting"
    progress_path: Path | None = None
    figures: dict[str, Any] | None = None


def figures_text(state: str, figures: dict[str, Any] | None) -> str:
    """The live line after the site name: state and counters."""
    f = figures or {}
    return (
        f"{state:<9} {f.get('pages', 0):>6} pages {f.get('new', 0):>5} new "
        f"{f.get('updated', 0):>4} updated {f.get('rejected', 0):>5} rejected "
        f"{f.get('errors', 0):>4} errors"
    )


class CrawlDisplay:
    """Follows the crawls of one `warta crawl` (a warta.daemon.crawls.CrawlWatch) and shows
    them live when `console` is an interactive terminal. Use as a context manager around the
    crawls."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.results: dict[str, CrawlResult] = {}
        self._sites: dict[str, _SiteLine] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._poller: threading.Thread | None = None
        self._progress: Progress | None = None
        # A terminal that can redraw lines (not TERM=dumb); else the plain lines.
        if self.console.is_interactive:
            self._progress = Progress(
                SpinnerColumn(finished_text="·"),
                TextColumn("{task.description}"),
                TextColumn("{task.fields[line]}"),
                TimeElapsedColumn(),
                console=self.console,
                refresh_per_second=8,
            )

    @property
    def live(self) -> bool:
        return self._progress is not None

    # --- the context: the display and the thread reading progress files ------------------------

    def __enter__(self) -> CrawlDisplay:
        if self._progress is not None:
            self._progress.start()
            self._poller = threading.Thread(target=self._poll, name="live-display", daemon=True)
            self._poller.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._poller is not None:
            self._poller.join()
        if self._progress is not None:
            self._progress.stop()

    def log_handler(self) -> logging.Handler | None:
        """For the daemon's main (warta.daemon.run): on a terminal, warnings and errors only,
        printed above the live lines (which already say when a site starts and ends); None: the
        plain timestamped lines."""
        if self._progress is None:
            return None
        handler = _ConsoleHandler(self.console)
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        return handler

    # --- CrawlWatch (warta.daemon) --------------------------------------------------------------

    def waiting(self, site: str) -> None:
        with self._lock:
            task = None
            if self._progress is not None:
                task = self._progress.add_task(
                    f"{site:<{NAME_WIDTH}}", start=False, total=None,
                    line=figures_text("waiting", None),
                )
            self._sites[site] = _SiteLine(task)

    def started(self, site: str, log_path: Path | None, progress_path: Path | None) -> None:
        with self._lock:
            line = self._sites.setdefault(site, _SiteLine(None))
            line.state = "starting"
            line.progress_path = progress_path
            if self._progress is not None and line.task is not None:
                self._progress.start_task(line.task)
                self._progress.update(line.task, line=figures_text(line.state, line.figures))

    def finished(self, result: CrawlResult) -> None:
        with self._lock:
            self.results[result.site] = result
            line = self._sites.get(result.site)
            if line is None or self._progress is None or line.task is None:
                return
            line.state = result.status
            if result.run is not None:  # the recorded figures, final
                run = result.run
                line.figures = {
                    "pages": run.pages_fetched, "new": run.articles_new,
                    "updated": run.articles_updated, "rejected": run.rejected,
                    "errors": run.errors,
                }
            self._progress.update(
                line.task, total=1, completed=1, line=figures_text(line.state, line.figures)
            )
            self._progress.stop_task(line.task)

    # --- reading the crawls' figures -----------------------------------------------------------

    def _poll(self) -> None:
        while not self._done.wait(POLL_SECONDS):
            self._refresh()

    def _refresh(self) -> None:
        with self._lock:
            running = [
                line for line in self._sites.values()
                if line.progress_path is not None and line.state in RUNNING_STATES
            ]
        for line in running:
            assert line.progress_path is not None
            figures = read_progress(line.progress_path)
            if figures is None:
                continue
            with self._lock:
                if line.state not in RUNNING_STATES:
                    continue  # finished meanwhile: the recorded figures stand
                line.figures = figures
                line.state = str(figures.get("state", line.state))
                if self._progress is not None and line.task is not None:
                    self._progress.update(line.task, line=figures_text(line.state, figures))

    # --- the end ---------------------------------------------------------------------------------

    def summary_lines(self) -> list[str]:
        """Per site, in the order the crawls were started: status and figures, rejections by
        reason, errors by kind, the log file."""
        if not self.results:
            return []
        lines = ["", "Crawl summary:"]
        for site in self._sites:
            result = self.results.get(site)
            if result is None:
                continue
            detail = f" ({result.detail})" if result.detail else ""
            lines.append(f"  {site:<{NAME_WIDTH}} {result.status}{detail}")
            if result.run is not None:
                run = result.run
                took = run.duration_seconds
                lines.append(
                    f"      {summary_line(run)}" + (f", {took:.1f} s" if took is not None else "")
                )
                lines += [f"      {label}: {text}" for label, text in summary_details(run)]
            if result.log_path:
                lines.append(f"      log: {result.log_path}")
        return lines


class _ConsoleHandler(logging.Handler):
    """Log records printed through the rich console, so they land above the live lines."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            self.console.print(f"{stamp} {self.format(record)}", markup=False, highlight=False)
        except Exception:
            self.handleError(record)
