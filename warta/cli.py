"""The `warta` command: everything but the crawl itself (`scrapy crawl SITE` does that).

The subcommands live in warta.commands, one module per group; this module puts them together
under `main` (the console script, pyproject's `warta = "warta.cli:main"`).
"""

from __future__ import annotations

import sys

import click

from warta.commands.browsing import report, serve
from warta.commands.common import WartaError, friendly_errors
from warta.commands.crawling import crawl, daemon, demo, sites, worker
from warta.commands.db import db
from warta.commands.reading import export, rejects, runs, search, stats, status
from warta.commands.reprocess import dedup, reextract, retag

__all__ = ["WartaError", "friendly_errors", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="warta")
def main() -> None:
    """warta: a news crawler and archive for Bangga Kencana and stunting coverage.

    Crawl one site with `scrapy crawl SITE` from the project directory, or every site with
    `warta crawl`. The archive is the database named by WARTA_DATABASE_URL
    (default: sqlite:///archive.db in the working directory).
    """


for _command in (
    db, sites, crawl, daemon, worker, demo,  # warta.commands.db, .crawling
    runs, rejects, status, stats, search, export,  # .reading
    retag, reextract, dedup,  # .reprocess
    serve, report,  # .browsing
):
    main.add_command(_command)


if __name__ == "__main__":
    sys.exit(main())
