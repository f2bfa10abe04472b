"""warta's one configuration source: Scrapy settings.

Every knob has its default here and can be overridden per run (`scrapy crawl SITE -s KEY=VALUE`) or
per spider. Environment variables are read here and nowhere else:

- WARTA_DATABASE_URL  — the archive database (default: SQLite file archive.db in the working dir)
- WARTA_SITES_FILE    — the site registry TOML (default: spiders/sites.toml shipped with warta)
- WARTA_TAXONOMY_FILE — the tagging taxonomy TOML (default: archive/tagging/taxonomy.toml)
- WARTA_REPORT_PATH   — where the daemon writes the coverage report after each night (default: off)
- WARTA_RUN_LOG_FILE, WARTA_PROGRESS_FILE — set by the daemon / `warta crawl` for the crawls they
  start (where the crawl's log is kept; where to write its live figures)
"""

from __future__ import annotations

import os
from pathlib import Path

BOT_NAME = "warta"
PROJECT_URL = "https://github.com/warta-news/warta"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# Spiders are built from the site registry rather than one module per site.
SPIDER_LOADER_CLASS = "spiders.loader.RegistrySpiderLoader"
# warta's `scrapy crawl` (crawler/commands/crawl.py): one line and exit 2 for a crawl that cannot
# start because of the configuration or the database, instead of a traceback.
COMMANDS_MODULE = "crawler.commands"

# --- warta -------------------------------------------------------------------------------------
WARTA_DATABASE_URL = os.environ.get("WARTA_DATABASE_URL", "sqlite:///archive.db")
WARTA_SITES_FILE = os.environ.get(
    "WARTA_SITES_FILE", str(Path(__file__).resolve().parent.parent / "spiders" / "sites.toml")
)
# The keyword taxonomy used for tagging (see archive/tagging/taxonomy.toml for the format).
WARTA_TAXONOMY_FILE = os.environ.get(
    "WARTA_TAXONOMY_FILE",
    str(Path(__file__).resolve().parent.parent / "archive" / "tagging" / "taxonomy.toml"),
)
# Pages whose cleaned text is shorter than this are not articles (unless a structured signal says so
# and the text is at least WARTA_MIN_TEXT_CHARS_STRUCTURED long).
WARTA_MIN_TEXT_CHARS = 600
WARTA_MIN_TEXT_CHARS_STRUCTURED = 250
# Extraction runs in worker processes (crawler.extraction_pool), each page within bounds.
WARTA_EXTRACT_WORKERS = 0  # 0: one per CPU core this process may use
# CPU seconds one page may cost; over it the page is rejected `extraction-timeout` (and recorded,
# so the next night skips it unless it changes) and its worker replaced. Real article pages cost
# 0.05–1 s; the budget also bounds how long a stop can wait for one page.
WARTA_EXTRACT_CPU_SECONDS = 20.0
# A worker whose resident memory passes this is killed; its page is rejected `extraction-memory`.
WARTA_EXTRACT_MEMORY_MB = 1024
# Workers are replaced after this many pages (bounds what a long crawl's caches can grow to).
WARTA_EXTRACT_MAX_PAGES_PER_WORKER = 2000
# On SIGTERM/SIGINT, pages waiting for a worker are dropped at once (fetched again next crawl);
# pages in a worker get this long before the worker is killed.
WARTA_EXTRACT_SHUTDOWN_GRACE_SECONDS = 5.0
# How deep listing pages are paginated when a site entry does not say.
WARTA_LISTING_DEPTH = 3
# How many links deep the spider follows in-site links from the home and listing pages.
WARTA_LINK_DEPTH = 2
# At most this many distinct links of one page are looked at (the rest are counted, not followed).
WARTA_MAX_LINKS_PER_PAGE = 1000

# Nightly re-crawls fetch only what is new or changed (sitemap lastmod, feed dates, conditional
# requests, known URLs skipped); False re-fetches everything (the store still adds no duplicate).
WARTA_INCREMENTAL = True
# Revalidation: every night refetches a share of each site's archive without a change signal
# (conditionally where the site's validators are trusted), the longest unchecked first, so the
# whole archive is re-checked about once every WARTA_REVALIDATE_CYCLE_DAYS; at least
# WARTA_REVALIDATE_MIN, at most WARTA_REVALIDATE_MAX articles a night. The articles a changed
# listing shows are refetched from the same budget where the site's validators are not known yet,
# on top of it (half as many again, at most) where they are noisy.
WARTA_REVALIDATE_CYCLE_DAYS = 30
WARTA_REVALIDATE_MIN = 2
WARTA_REVALIDATE_MAX = 200
# Discovery is remembered per site (table site_sources): a guessed sitemap, feed, listing page
# or REST API that answered 404 is probed again only after this many days.
WARTA_REPROBE_MISSING_DAYS = 7
# Every this many days (and on a site's first crawl) listings are paged to full depth, at most
# WARTA_DEEP_PASS_MAX_PAGES pages each, on sites without a sitemap or REST API: backdated posts
# land deep in a listing and nightly pagination stops at the first page without news.
WARTA_DEEP_PASS_DAYS = 7
WARTA_DEEP_PASS_MAX_PAGES = 50
# The WordPress REST API (/wp-json/wp/v2/posts?modified_after=…) as a source where a site
# serves it: it replaces the home page's listings; at most this many API pages a crawl.
WARTA_WP_REST_API = True
WARTA_REST_API_MAX_PAGES = 100
# WordPress's Atom feed ordered by modified date (/feed/atom/?orderby=modified, 10 posts a page)
# dates edits of old posts on sites without an open REST API; its next page (&paged=N) is read
# while every entry of a page changed since the last crawl, up to this many pages.
WARTA_MODIFIED_FEED_MAX_PAGES = 10
# Pages judged not to be articles are looked at again after this many days.
WARTA_RECHECK_REJECTED_DAYS = 30
# A <lastmod>/<updated> must be this much older than our last fetch to count as "not newer"
# (servers' clocks and time zones are often off).
WARTA_LASTMOD_SLACK_SECONDS = 3600
# Bring the archive schema up to date when a crawl opens it (a fresh directory just works).
WARTA_AUTO_UPGRADE = True
# A crawl holds the archive's lock on its site; a crashed crawl's lock expires after this.
WARTA_LOCK_TTL_SECONDS = 15 * 60
# Storing a page is retried this many times, with exponential backoff from
# WARTA_STORE_RETRY_DELAY_SECONDS, on transient database errors (locked, busy, serialization
# failures); a page still not stored makes the run 'partial' and its sources are re-read next
# crawl. WARTA_SQLITE_BUSY_TIMEOUT_SECONDS is how long one SQLite statement waits for the lock.
WARTA_STORE_RETRIES = 5
WARTA_STORE_RETRY_DELAY_SECONDS = 1.0
WARTA_SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
# Candidate pages of a sitemap go to the scheduler this many at a time, the next batch when the
# crawl runs dry: a sitemap of 200,000 URLs does not put 200,000 requests in memory at once.
WARTA_SITEMAP_BATCH = 1000

# --- the nightly daemon (scheduler.py, `warta daemon`) ----------------------------------------
WARTA_SCHEDULE = "0 1 * * *"  # crontab; per site with `schedule` in the registry
WARTA_TIMEZONE = "Asia/Jakarta"
WARTA_MAX_PARALLEL_CRAWLS = 2
# A night missed while the server was down still runs at start-up if this late at most.
WARTA_MISFIRE_GRACE_SECONDS = 20 * 3600
WARTA_CRAWL_TIMEOUT_SECONDS = 6 * 3600
# When a night's last crawl ends, write the coverage report of the whole archive (`warta report`:
# one self-contained HTML file) here, e.g. /var/www/warta/report.html; empty: no report. Also
# after `warta crawl` and `warta demo`. A failed report is logged and never fails a crawl.
WARTA_REPORT_PATH = os.environ.get("WARTA_REPORT_PATH", "")

# Every crawl the daemon or `warta crawl` starts writes its full Scrapy log to a file of its own,
# <site>-<UTC start time>.log, in this directory ("": logs/ next to a SQLite archive, else logs/ in
# the working directory). The path is kept in crawl_runs.log_path.
WARTA_LOG_DIR = ""
# Set for a child crawl by its supervisor (warta.daemon.subprocess_runner); empty for a bare crawl.
WARTA_RUN_LOG_FILE = os.environ.get("WARTA_RUN_LOG_FILE", "")
# `warta crawl` on a terminal shows live figures, which each crawl writes to this file this often
# (crawler/progress.py); empty: no file, no cost.
WARTA_PROGRESS_FILE = os.environ.get("WARTA_PROGRESS_FILE", "")
WARTA_PROGRESS_INTERVAL_SECONDS = 0.25

# --- crawling on several machines (warta/cluster.py, `warta worker`) --------------------------
# A Celery broker (redis://host:6379/0): when set, the daemon enqueues one task per site crawl
# and `warta worker` processes run them; unset, the daemon crawls on this machine.
WARTA_BROKER_URL = os.environ.get("WARTA_BROKER_URL", "")
# A task unacknowledged this long is handed out again; 0: the crawl timeout plus an hour.
WARTA_BROKER_VISIBILITY_TIMEOUT_SECONDS = 0
# How often a worker looks for tasks past that timeout; 0: kombu's default (a Redis scan
# about every 100 s).
WARTA_BROKER_RESTORE_INTERVAL_SECONDS = 0
# A task whose site is locked by another crawl is tried again this much later, this many times.
WARTA_CLUSTER_RETRY_SECONDS = 300
WARTA_CLUSTER_MAX_RETRIES = 12
WARTA_SHUTDOWN_GRACE_SECONDS = 180
# The crawl child process; `{python}` and `{site}` are filled in (deployments may wrap scrapy).
WARTA_CRAWL_COMMAND = "{python} -m scrapy crawl {site}"

# --- politeness (real sites) --------------------------------------------------------------------
USER_AGENT = f"warta/0.1 (+{PROJECT_URL}; news archive for Bangga Kencana and stunting research)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# Items processed in parallel per response. Scrapy starts that many asyncio tasks for every
# response's output, whatever it holds: at the default 100 that cost 0.84 ms of CPU per response
# (0.17 ms at 16) for pages that yield one item; a listing's requests need no more either.
CONCURRENT_ITEMS = 16
RETRY_TIMES = 2
# No news page needs more. A bigger one (also once decompressed: gzip bombs) is cancelled before
# it can exhaust memory or reach extraction, counted as 'too-large' in the run record and not
# fetched again until a signal says it changed.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Scrapy's robots.txt middleware, minus the nightly request for a robots.txt the archive
# remembers as missing (crawler/middlewares.py); same priority as Scrapy's.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RememberedRobotsTxtMiddleware": 100,
    # Scrapy's order (DOWNLOADER_MIDDLEWARES_BASE), reading only the page's head.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.HeadMetaRefreshMiddleware": 580,
}

# --- pipeline: spider → item → extract → identify/dedup → tag → store -----------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 100,
    "crawler.pipelines.IdentifyPipeline": 200,
    "crawler.pipelines.TagPipeline": 300,
    "crawler.pipelines.StorePipeline": 900,
}
EXTENSIONS = {
    "crawler.extensions.CrawlRunRecorder": 500,
    "crawler.progress.CrawlProgress": 510,
}
# Exported fields for `scrapy crawl SITE -O file.jsonl` (the raw page bytes stay out).
FEED_EXPORT_FIELDS = [
    "site",
    "url",
    "canonical_url",
    "title",
    "author",
    "published_at",
    "language",
    "text",
    "tags",
    "article_id",
    "cluster_id",
    "outcome",
]
FEED_EXPORT_ENCODING = "utf-8"

# Scrapy's telnet console and its remote-control HTTP server each listen on a port of every crawl;
# a nightly daemon's crawls have no use for either, so they are off unless asked for (-s).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Rejected pages are normal; say so quietly rather than as warnings.
DROPITEM_LOG_LEVEL = "INFO"
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
