"""`warta report`: one self-contained HTML page of coverage charts.

The page needs nothing but itself: the charts are PNGs embedded as `data:` URIs and the style
sheet is inline, so it can be mailed, archived or opened offline. Each chart has a one-line
caption, a line of figures and, in a `<details>`, the SQL that produced it.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from archive.reading import charts, coverage
from archive.reading.coverage import QueryBuilder, QueryResult, ReportFilter


@dataclass(slots=True, frozen=True)
class ChartSpec:
    key: str
    title: str
    caption: str
    """The one line under the title that says what the chart shows."""
    query: QueryBuilder
    draw: Callable[[QueryResult, dict[str, str]], bytes]
    """Rows and the tag colours → PNG."""
    figures: Callable[[QueryResult], str]
    """The line of figures under the chart."""


@dataclass(slots=True)
class RenderedChart:
    spec: ChartSpec
    result: QueryResult
    png: bytes | None
    """None when the query returned no rows."""


def _total(result: QueryResult, column: int) -> int:
    return sum(int(row[column] or 0) for row in result.rows)


def _monthly_figures(result: QueryResult) -> str:
    per_tag: dict[str, int] = {}
    for _month, tag, articles in result.rows:
        per_tag[tag] = per_tag.get(tag, 0) + int(articles)
    months = sorted({row[0] for row in result.rows})
    tags = ", ".join(f"{tag} {n:,}" for tag, n in sorted(per_tag.items(), key=lambda i: -i[1]))
    span = len(charts.month_range(months[0], months[-1]))
    return f"{span} months ({months[0]} to {months[-1]}, {len(months)} with articles): {tags}"


def _regions_figures(noun: str) -> Callable[[QueryResult], str]:
    def figures(result: QueryResult) -> str:
        top = result.rows[0]
        shown = min(len(result.rows), coverage.TOP_REGIONS)
        return (f"{len(result.rows)} {noun}, {_total(result, 1):,} articles; most: {top[0]} "
                f"({int(top[1]):,}); {shown} shown")

    return figures


def _story_figures(result: QueryResult) -> str:
    stories = _total(result, 1)
    shared = sum(int(count) for outlets, count in result.rows if int(outlets) > 1)
    widest = max(int(outlets) for outlets, _ in result.rows)
    return (f"{stories:,} stories; {shared:,} ({shared / stories:.0%}) carried by more than one "
            f"outlet; the widest reached {widest} outlets")


def _health_figures(result: QueryResult) -> str:
    sites = sorted({row[0] for row in result.rows})
    nights = sorted({row[1] for row in result.rows})
    quiet = [site for site in sites
             if all(int(row[4] or 0) == 0 for row in result.rows if row[0] == site)]
    line = (f"{len(sites)} sites over {len(nights)} nights: {_total(result, 3):,} pages, "
            f"{_total(result, 4):,} new articles, {_total(result, 5):,} 304s, "
            f"{_total(result, 6):,} errors")
    if len(sites) > charts.MAX_HEALTH_SITES:
        line += f"; the first {charts.MAX_HEALTH_SITES} sites drawn"
    if quiet:
        line += f"; no new article in any night: {', '.join(quiet[:8])}"
        line += "…" if len(quiet) > 8 else ""
    return line


def _terms_figures(result: QueryResult) -> str:
    tags = sorted({row[0] for row in result.rows})
    return (f"{len(result.rows)} distinct terms across {len(tags)} tags; at most "
            f"{coverage.TOP_TERMS_PER_TAG} drawn per tag")


def _regions_chart(result: QueryResult, _colours: dict[str, str]) -> bytes:
    return charts.horizontal_bars(result.rows[: coverage.TOP_REGIONS], xlabel="articles")


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "monthly", "Articles per month per tag",
        "How many articles each tag matched, month by month (an article with two tags counts "
        "for both).",
        coverage.monthly_by_tag,
        lambda result, colours: charts.monthly_by_tag(result.rows, colours),
        _monthly_figures,
    ),
    ChartSpec(
        "provinces", "Articles per province",
        "Articles per province of the outlet that published them (the site registry's region).",
        coverage.by_province, _regions_chart, _regions_figures("provinces"),
    ),
    ChartSpec(
        "story-provinces", "Articles per province where the story happened",
        "Articles per province of the regencies and cities they are about (dateline, title and "
        "text; an article about two provinces counts for both).",
        coverage.by_story_province, _regions_chart, _regions_figures("provinces"),
    ),
    ChartSpec(
        "regencies", "Articles per regency or city",
        "Articles per kabupaten or kota they are about, from the gazetteer's region tags "
        "(the most covered first).",
        coverage.by_regency, _regions_chart, _regions_figures("regencies and cities"),
    ),
    ChartSpec(
        "syndication", "Outlets per story",
        "Syndication reach: how many stories were carried by one, two, three … outlets, "
        "verbatim or edited.",
        coverage.outlets_per_story,
        lambda result, _colours: charts.outlets_per_story(result.rows),
        _story_figures,
    ),
    ChartSpec(
        "health", "Crawl health night by night",
        "Per site and crawl night: pages fetched, new articles, 304 not-modified replies and "
        "errors, from crawl_runs.",
        coverage.site_health,
        lambda result, _colours: charts.site_health(result.rows),
        _health_figures,
    ),
    ChartSpec(
        "terms", "Tagging by matched term",
        "Which taxonomy terms made the tags: articles in which each term matched, per tag.",
        coverage.matched_terms,
        lambda result, colours: charts.matched_terms(
            result.rows, colours, coverage.TOP_TERMS_PER_TAG),
        _terms_figures,
    ),
)


@dataclass(slots=True)
class Report:
    html: str
    charts: list[RenderedChart]
    articles: int
    """Articles the filter covers."""
    warnings: list[str]
    """Filter values that match nothing in the archive."""


def build_report(
    session: Session,
    where: ReportFilter | None = None,
    *,
    timezone: str = "Asia/Jakarta",
    archive_name: str = "",
    specs: Sequence[ChartSpec] = CHARTS,
) -> Report:
    """Query, draw and lay out every chart of the report for the archive behind `session`."""
    where = where or ReportFilter()
    context = coverage.SqlContext(session.get_bind().dialect.name, timezone)
    totals = coverage.run(session, coverage.archive_totals(where, context))
    articles, outlets, first_day, last_day = totals.rows[0]
    results: list[tuple[ChartSpec, QueryResult]] = []
    for spec in specs:
        results.append((spec, coverage.run(session, spec.query(where, context))))
    colours = charts.tag_colours(coverage.archive_tags(session))
    rendered = [
        RenderedChart(spec, result, spec.draw(result, colours) if result.rows else None)
        for spec, result in results
    ]
    stories = coverage.run(session, coverage.top_stories(where, context))
    warnings = coverage.unmatched_filter_values(session, where)
    page = _page(
        where=where, archive_name=archive_name, articles=int(articles or 0),
        outlets=int(outlets or 0), first_day=first_day, last_day=last_day,
        charts=rendered, stories=stories, warnings=warnings,
    )
    return Report(page, rendered, int(articles or 0), warnings)


def write_report(path: Path, report: Report) -> None:
    """Write the page to `path` whole or not at all (a `.part` file renamed into place), so a
    browser or web server never reads half a report."""
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(report.html, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def report_archive(
    database_url: str,
    path: Path,
    where: ReportFilter | None = None,
    *,
    timezone: str = "Asia/Jakarta",
) -> Report:
    """Build the report of the archive at `database_url` (opened read-only) and write it to
    `path`: what `warta report` and the nightly daemon (WARTA_REPORT_PATH) do."""
    from archive.store.db import make_engine, redacted_url, session_factory

    engine = make_engine(database_url, read_only=True)
    try:
        with session_factory(engine)() as session:
            report = build_report(session, where, timezone=timezone,
                                  archive_name=redacted_url(database_url))
    finally:
        engine.dispose()
    write_report(path, report)
    return report


# --- the page ------------------------------------------------------------------------------------
STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 1040px; margin: 0 auto; padding: 1.5em 1em 4em; }
h1 { margin-bottom: 0.2em; } h2 { margin: 1.8em 0 0.2em; border-top: 1px solid #ddd;
       padding-top: 0.8em; }
.meta { color: #555; margin: 0.2em 0; } .caption { margin: 0.2em 0 0.6em; }
.figures { color: #444; font-size: 0.92em; margin: 0.4em 0; }
.empty { background: #fff6e0; border: 1px solid #f0d48a; padding: 0.8em 1em; }
img { max-width: 100%; height: auto; display: block; }
details { margin: 0.4em 0; } summary { cursor: pointer; color: #1f5fa8; }
pre { background: #f5f5f5; padding: 0.7em; white-space: pre-wrap; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.6em 0; }
td, th { border-bottom: 1px solid #e4e4e4; padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; }
td.n { text-align: right; } nav a { margin-right: 1em; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _chart_section(chart: RenderedChart) -> str:
    spec = chart.spec
    parts = [
        f'<section id="{spec.key}">',
        f"<h2>{_e(spec.title)}</h2>",
        f'<p class="caption">{_e(spec.caption)}</p>',
    ]
    if chart.png is None:
        parts.append('<p class="empty">No rows for this chart with these filters.</p>')
    else:
        data = base64.b64encode(chart.png).decode("ascii")
        parts.append(f'<img alt="{_e(spec.title)}" src="data:image/png;base64,{data}">')
        parts.append(f'<p class="figures">{_e(spec.figures(chart.result))}</p>')
    parts.append(
        f"<details><summary>SQL behind this chart</summary><pre><code>{_e(chart.result.sql)}"
        "</code></pre></details>"
    )
    return "\n".join(parts)


def _stories_table(stories: QueryResult) -> str:
    if not stories.rows:
        return ""
    rows = [
        f'<tr><td class="n">{outlets}</td><td class="n">{articles}</td>'
        f'<td class="n">{copies}</td><td>{_e(day)}</td><td>{_e(site)}</td>'
        f'<td><a href="{_e(url)}">{_e(title)}</a></td></tr>'
        for outlets, articles, copies, day, site, title, url in stories.rows
    ]
    return "\n".join([
        "<h3>The most widely carried stories</h3>",
        "<table><tr><th>outlets</th><th>articles</th><th>verbatim copies</th>"
        "<th>first published</th><th>first outlet</th><th>headline</th></tr>",
        *rows,
        "</table>",
        f"<details><summary>SQL behind this table</summary><pre><code>{_e(stories.sql)}"
        "</code></pre></details>",
    ])


def _page(
    *, where: ReportFilter, archive_name: str, articles: int, outlets: int, first_day: Any,
    last_day: Any, charts: list[RenderedChart], stories: QueryResult, warnings: list[str],
) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if articles:
        summary = (f"{articles:,} articles from {outlets:,} outlets, published "
                   f"{_e(first_day) or '?'} to {_e(last_day) or '?'}.")
    else:
        summary = ""
    notice = ""
    if not articles:
        lead = ("The archive holds no articles yet." if where == ReportFilter() else
                f"No articles in this archive match {_e(where.describe())}.")
        notes = "".join(f"<br>Note: {_e(warning)}." for warning in warnings)
        notice = (f'<p class="empty">{lead} The charts below are empty, except crawl health '
                  f"when crawls were recorded.{notes}</p>")
    nav = " ".join(f'<a href="#{c.spec.key}">{_e(c.spec.title)}</a>' for c in charts)
    sections = []
    for chart in charts:
        sections.append(_chart_section(chart))
        if chart.spec.key == "syndication":
            sections.append(_stories_table(stories))
        sections.append("</section>")
    archive_line = f" · archive {_e(archive_name)}" if archive_name else ""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>warta coverage report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>warta coverage report</h1>",
        f'<p class="meta">Bangga Kencana and stunting coverage: {_e(where.describe())}'
        f"{archive_line} · generated {generated}</p>",
        f'<p class="meta">{summary}</p>' if summary else "",
        notice,
        f"<nav>{nav}</nav>",
        *sections,
        "</body></html>",
    ])
