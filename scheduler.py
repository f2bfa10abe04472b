"""warta's crawl daemon: crawls every registry site nightly, each in its own child process.

    python scheduler.py [--once] [--sites a,b] [--log-level INFO] [-s NAME=VALUE ...]
    warta daemon ...            (the same, through the CLI)

One APScheduler 3 cron job per site (default 01:00 Asia/Jakarta; a registry entry's `schedule` and
`timezone` override it). Jobs live in the archive database (table apscheduler_jobs), so a night
missed while the server was down runs once when the daemon comes back, if within the misfire grace.
A crawl is `python -m scrapy crawl SITE` in a child process — the Twisted reactor cannot be
restarted in one process — with its whole output (Scrapy's log) written to a file per run,
WARTA_LOG_DIR/<site>-<UTC start time>.log, whose path is logged and kept in crawl_runs.log_path.
The daemon's own log is plain timestamped lines: a site's crawl started, and ended with its figures.

No site is crawled twice at once: a job never overlaps itself (max_instances=1), and the per-site
lock in the archive database, taken by the crawler itself at spider open, keeps the daemon and a
manual `scrapy crawl` apart; the daemon does not start a crawl whose site is locked.

SIGTERM or SIGINT stops it gracefully: no new crawls, SIGTERM once to each running crawl (Scrapy
closes the spider with reason 'shutdown', recorded as 'aborted'), and SIGKILL after
WARTA_SHUTDOWN_GRACE_SECONDS. A second signal kills the crawls at once. A run a dead crawler left
'running' is closed by the daemon (see `SubprocessRunner`).

Settings (Scrapy settings, crawler/settings.py; `-s NAME=VALUE` overrides for one invocation):
WARTA_SCHEDULE, WARTA_TIMEZONE, WARTA_MAX_PARALLEL_CRAWLS, WARTA_MISFIRE_GRACE_SECONDS,
WARTA_CRAWL_TIMEOUT_SECONDS, WARTA_SHUTDOWN_GRACE_SECONDS, WARTA_CRAWL_COMMAND, WARTA_LOG_DIR,
WARTA_REPORT_PATH (the coverage report written when a night's last crawl ends), plus
WARTA_DATABASE_URL and WARTA_SITES_FILE.

This file is the entry; the daemon is the package warta.daemon: `crawls` (what a crawl is to it,
the stop request), `schedule` (cron triggers), `subprocess_runner` (one supervised child crawl),
`service` (the jobs, the scheduler, --once, the nightly report) and `run` (main, with the
defaults and settings it reads).
"""

from __future__ import annotations

import sys

from warta.daemon.run import main

# The job function, by the name the persistent job store refers to (warta.daemon.service.JOB_FUNC):
# run as `python scheduler.py` too, the jobs find it here, and its state is warta.daemon.service's.
from warta.daemon.service import run_scheduled_crawl

__all__ = ["main", "run_scheduled_crawl"]

if __name__ == "__main__":
    sys.exit(main())
