"""Looking at the archive: `warta serve` (Datasette) and `warta report` (coverage report)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from warta.commands.common import (
    WartaError,
    archive_url,
    friendly_errors,
    redacted,
    sqlite_path,
    warta_settings,
)


@click.command()
@click.argument("db_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 shows the archive to your whole network).")
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
@click.option("-i", "--immutable", is_flag=True,
              help="The file will not change (a snapshot): faster counts, never re-read.")
@click.option("--open", "open_browser", is_flag=True, help="Open a browser on it.")
@friendly_errors
def serve(db_file: Path | None, host: str, port: int, immutable: bool,
          open_browser: bool) -> None:
    """Browse the archive in Datasette: search, facets, canned queries, the schema's docs.

    DB_FILE defaults to the WARTA_DATABASE_URL SQLite file. The archive is opened read-only.
    A PostgreSQL archive: serve its snapshot.

    \b
    Examples:
      warta serve                       # archive.db on http://127.0.0.1:8001/archive
      warta export --format sqlite -o snapshot.db && warta serve snapshot.db -i
    """
    from warta.browse import NotServable
    from warta.browse import serve as run_datasette

    if db_file is None:
        db_file = sqlite_file(archive_url())
    try:
        run_datasette(db_file, host=host, port=port, immutable=immutable,
                      open_browser=open_browser, warn=lambda line: click.echo(line, err=True))
    except NotServable as exc:
        raise WartaError(str(exc)) from exc


def sqlite_file(url: str) -> Path:
    """The file of a SQLite archive URL; a clear error for any other database."""
    path = sqlite_path(url)
    if path is None:
        raise WartaError(
            f"WARTA_DATABASE_URL is {redacted(url)}, not a SQLite file: Datasette reads SQLite; "
            "write a snapshot with `warta export --format sqlite -o snapshot.db` and run "
            "`warta serve snapshot.db`"
        )
    return path


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default="report.html", show_default=True, help="The HTML file to write.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]),
              help="Articles published on or after this day (the outlet's local day).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]),
              help="Articles published on or before this day.")
@click.option("--tag", "tags", multiple=True, help="Only articles with this tag (repeatable).")
@click.option("--province", "provinces", multiple=True,
              help="Only outlets in this province (repeatable), e.g. 'Sumatera Selatan'; in "
                   "the where-it-happened charts, regencies in it.")
@friendly_errors
def report(output: Path, since: Any, until: Any, tags: tuple[str, ...],
           provinces: tuple[str, ...]) -> None:
    """Write the coverage report: one self-contained HTML page (charts embedded, works
    offline) with articles per month per tag, per province and per regency/city, outlets per
    story, crawl health night by night and tagging by matched term, each chart with its
    caption and its SQL. Set WARTA_REPORT_PATH to have the daemon write it every night.

    \b
    Example:
      warta report -o report.html --since 2024-01-01 --tag stunting
      warta report -o sumsel.html --province "Sumatera Selatan"
    """
    from archive.reading.coverage import ReportFilter
    from archive.reading.report import report_archive

    if since and until and since > until:
        raise WartaError(f"--since {since.date()} is after --until {until.date()}")
    where = ReportFilter(
        since=since.date() if since else None, until=until.date() if until else None,
        tags=tags, provinces=provinces,
    )
    if not output.parent.is_dir():
        raise WartaError(f"cannot write {output}: no directory {output.parent}")
    try:
        written = report_archive(archive_url(), output, where,
                                 timezone=str(warta_settings().get("WARTA_TIMEZONE")))
    except FileNotFoundError:
        raise  # no archive there: friendly_errors says so
    except OSError as exc:
        raise WartaError(f"cannot write {output}: {exc.strerror or exc}") from exc
    for warning in written.warnings:
        click.echo(f"warning: {warning}", err=True)
    drawn = sum(1 for chart in written.charts if chart.png is not None)
    click.echo(f"wrote {output}: {written.articles:,} articles, {drawn} of "
               f"{len(written.charts)} charts drawn ({where.describe()})")
