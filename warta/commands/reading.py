"""Reading the archive: `warta runs`, `rejects`, `status`, `stats`, `search` and `export`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from warta.commands.common import (
    F,
    WartaError,
    archive_url,
    friendly_errors,
    print_summaries,
    read_sessions,
    sqlite_path,
)


@click.command()
@click.option("--site", help="Only this site.")
@click.option("--limit", default=20, show_default=True, help="Runs to show.")
@click.option("--logs", is_flag=True, help="Also show each run's log file (WARTA_LOG_DIR).")
@friendly_errors
def runs(site: str | None, limit: int, logs: bool) -> None:
    """Recent crawl runs: status, pages, 304s, new/updated articles, errors; with --logs, the
    file holding each run's Scrapy log.

    \b
    Example:
      warta runs --site antara-sumsel --logs
    """
    from archive.crawls.runs import format_runs_table, recent_runs

    with read_sessions()() as session:
        rows = recent_runs(session, site=site, limit=limit)
    click.echo(format_runs_table(rows, logs=logs))


@click.command()
@click.option("--run", "run_id", type=int, required=True, help="The crawl run (see `warta runs`).")
@friendly_errors
def rejects(run_id: int) -> None:
    """The pages a crawl run rejected, with their reasons.

    \b
    Example:
      warta runs --site demo-maklumatnews
      warta rejects --run 12
    """
    from archive.crawls.rejects import UnknownRun, format_rejects, run_rejects

    with read_sessions()() as session:
        try:
            site, pages = run_rejects(session, run_id)
        except UnknownRun:
            raise WartaError(f"no crawl run with id {run_id} (see `warta runs`)") from None
    click.echo(format_rejects(site, run_id, pages))


@click.command()
@click.option("--alert-after", default=3, show_default=True,
              help="Flag a site after this many failed nights in a row.")
@friendly_errors
def status(alert_after: int) -> None:
    """Each site's last run, last success and failures in a row; exits 1 if a site is flagged."""
    from archive.crawls.runs import format_status_table, site_statuses

    with read_sessions()() as session:
        statuses = site_statuses(session, alert_after=alert_after)
    click.echo(format_status_table(statuses))
    if any(s.alert for s in statuses):
        sys.exit(1)


@click.command()
@click.option("--site", "site_names", multiple=True, help="Only these sites.")
@friendly_errors
def stats(site_names: tuple[str, ...]) -> None:
    """Articles, URLs and tags per site in the archive."""
    print_summaries(list(site_names) or None)


def filter_options(func: F) -> F:
    """--tag/--site/--region/--since/--until, shared by search and export."""
    options = [
        click.option("--tag", "tags", multiple=True, help="Only articles with this tag."),
        click.option("--site", "site_names", multiple=True, help="Only this site (repeatable)."),
        click.option("--region", help="Province or regency/city, e.g. 'Sumatera Selatan'."),
        click.option("--since", type=click.DateTime(["%Y-%m-%d"]),
                     help="Published on or after this day (WIB), YYYY-MM-DD."),
        click.option("--until", type=click.DateTime(["%Y-%m-%d"]),
                     help="Published on or before this day (WIB), YYYY-MM-DD."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _article_filter(
    tags: tuple[str, ...], site_names: tuple[str, ...], region: str | None,
    since: Any, until: Any,
) -> Any:
    from archive.reading.filters import ArticleFilter

    return ArticleFilter(
        tags=tags, sites=site_names, region=region,
        since=since.date() if since else None, until=until.date() if until else None,
    )


def _day(day: Any) -> str:
    return day.isoformat() if day else "????-??-??"


@click.command()
@click.argument("query")
@filter_options
@click.option("--limit", default=20, show_default=True, help="Hits to show.")
@friendly_errors
def search(query: str, tags: tuple[str, ...], site_names: tuple[str, ...], region: str | None,
           since: Any, until: Any, limit: int) -> None:
    """Full-text search, best hits first, with snippets.

    Example: warta search "rembuk stunting" --tag stunting --region "Sumatera Selatan"
    --since 2024-01-01
    """
    from archive.reading.search import search as run_search

    where = _article_filter(tags, site_names, region, since, until)
    with read_sessions()() as session:
        hits = run_search(session, query, where, limit=limit)
    if not hits:
        click.echo("no matches")
        return
    for rank, hit in enumerate(hits, 1):
        day = _day(hit.published_date)
        click.echo(f"{rank:>3}. {day}  {hit.site}  {hit.title}")
        click.echo(f"     {hit.url}")
        click.echo(f"     {' '.join(hit.snippet.split())}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "sqlite"]), default="jsonl",
              show_default=True,
              help="sqlite: a snapshot of the whole archive for `warta serve` (needs -o).")
@filter_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
@friendly_errors
def export(fmt: str, tags: tuple[str, ...], site_names: tuple[str, ...], region: str | None,
           since: Any, until: Any, output: Path | None) -> None:
    """Stream articles as JSON Lines or CSV, or write a SQLite snapshot of the archive.

    Fields: url, site, province, regency, title, author, published, language, tags, cluster,
    outlets, original_url, aliases, text.

    `--format sqlite -o FILE` copies the whole archive (PostgreSQL or SQLite) into a new SQLite
    file with the same schema, views and full-text index, for `warta serve FILE`.

    \b
    Examples:
      warta export --format csv --tag bangga-kencana --since 2024-01-01 -o bk.csv
      warta export --format sqlite -o snapshot.db && warta serve snapshot.db
    """
    from archive.reading.export import iter_records, write_records

    if fmt == "sqlite":
        if any((tags, site_names, region, since, until)):
            raise WartaError("--format sqlite copies the whole archive: drop --tag/--site/"
                             "--region/--since/--until (filter in `warta serve` instead)")
        if output is None:
            raise WartaError("--format sqlite needs a file: -o snapshot.db")
        _write_snapshot(output)
        return
    where = _article_filter(tags, site_names, region, since, until)
    with read_sessions()() as session:
        if output is None:
            count = write_records(iter_records(session, where), sys.stdout, fmt)
        else:
            tmp = output.with_name(output.name + ".part")
            try:
                out = tmp.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise WartaError(f"cannot write {output}: {exc.strerror}") from exc
            with out:
                count = write_records(iter_records(session, where), out, fmt)
            tmp.replace(output)  # a failed export never leaves a truncated file behind
    click.echo(f"exported {count} articles", err=True)


def _write_snapshot(output: Path) -> None:
    from archive.reading.snapshot import SourceNotAtHead, write_sqlite_snapshot

    archive_file = sqlite_path(archive_url())
    if archive_file is not None and output.resolve() == archive_file.resolve():
        raise WartaError(f"{output} is the archive itself: give another file")
    from tqdm import tqdm

    with tqdm(desc="snapshot", unit="row", disable=None) as bar:
        try:
            result = write_sqlite_snapshot(archive_url(), output,
                                           on_rows=lambda _table, n: bar.update(n))
        except SourceNotAtHead as exc:
            raise WartaError(str(exc)) from exc
        except OSError as exc:
            raise WartaError(f"cannot write {output}: {exc.strerror or exc}") from exc
    rows = result.rows
    click.echo(f"wrote {output}: {rows.get('articles', 0)} articles, {rows.get('sites', 0)} "
               f"sites, {rows.get('crawl_runs', 0)} crawl runs; open it with "
               f"`warta serve {output}`", err=True)

