"""The report's charts, drawn by matplotlib from the grouped rows of `coverage`'s queries.

Figures are built with `matplotlib.figure.Figure` and rendered by the Agg canvas, never through
pyplot: no global figure state and no GUI backend, so a report can be written from the daemon's
threads. Every function returns PNG bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from archive.reading.coverage import pivot

DPI = 100
WIDTH = 10.0  # inches: 1000 px, the page's column
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
)
# The crawl-health measures, in the query's column order, with their colour maps.
HEALTH_SERIES = (
    ("pages", "pages fetched", "Blues"),
    ("new_articles", "new articles", "Greens"),
    ("not_modified", "304 not modified", "Greys"),
    ("errors", "errors", "Reds"),
)
# Rows beyond this many sites would make an unreadably tall image.
MAX_HEALTH_SITES = 80


def tag_colours(tags: Sequence[str]) -> dict[str, str]:
    """One colour per tag, the same in every chart of a report."""
    return {tag: PALETTE[i % len(PALETTE)] for i, tag in enumerate(sorted(set(tags)))}


def _figure(height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _sparse_ticks(axes: Axes, labels: Sequence[str], most: int = 18) -> None:
    """Category labels on the x axis, every n-th one when there are many."""
    step = max(1, math.ceil(len(labels) / most))
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [labels[i] for i in positions], rotation=45, ha="right")


def _tidy(axes: Axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)


def month_range(first: str, last: str) -> list[str]:
    """Every 'YYYY-MM' from `first` to `last`, so a month without articles shows as a zero
    rather than vanishing from the time axis."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_by_tag(rows: Sequence[tuple[Any, ...]], colours: dict[str, str]) -> bytes:
    """(month, tag, articles) → one line per tag over the months."""
    present, series = pivot(rows)
    months = month_range(min(present), max(present))
    figure, axes = _figure(4.2)
    for tag in sorted(series):
        values = [series[tag].get(month, 0) for month in months]
        axes.plot(range(len(months)), values, marker="o", markersize=3, linewidth=1.6,
                  label=tag, color=colours.get(tag, PALETTE[0]))
    _sparse_ticks(axes, [str(m) for m in months])
    axes.set_ylabel("articles")
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(frameon=False, ncols=min(len(series), 5), loc="upper left")
    _tidy(axes)
    return _png(figure)


def horizontal_bars(
    rows: Sequence[tuple[Any, ...]], *, xlabel: str, colour: str = PALETTE[0]
) -> bytes:
    """(label, value) rows, largest first → horizontal bars, largest on top."""
    labels = [str(label) if label is not None else "(unknown)" for label, _ in rows]
    values = [float(value or 0) for _, value in rows]
    figure, axes = _figure(max(2.0, 0.8 + 0.28 * len(rows)))
    positions = range(len(rows))
    axes.barh(positions, values, color=colour)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    for position, value in zip(positions, values, strict=True):
        axes.annotate(f"{value:,.0f}", (value, position), xytext=(3, 0),
                      textcoords="offset points", va="center", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)


def outlets_per_story(rows: Sequence[tuple[Any, ...]]) -> bytes:
    """(outlets, stories) → bars: how many stories reached 1, 2, 3 … outlets."""
    outlets = [int(n) for n, _ in rows]
    stories = [int(count) for _, count in rows]
    figure, axes = _figure(3.6)
    axes.bar(outlets, stories, color=PALETTE[0], width=0.7)
    axes.set_xticks(outlets, [str(n) for n in outlets])
    axes.set_xlabel("outlets that carried the story")
    axes.set_ylabel("stories")
    if stories and max(stories) > 50 * max(1, min(stories)):
        axes.set_yscale("log")  # single-outlet stories would flatten the rest
    else:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    for n, count in zip(outlets, stories, strict=True):
        axes.annotate(f"{count:,}", (n, count), xytext=(0, 2), textcoords="offset points",
                      ha="center", fontsize=8)
    _tidy(axes)
    return _png(figure)


def site_health(rows: Sequence[tuple[Any, ...]]) -> bytes:
    """(site, night, runs, pages, new_articles, not_modified, errors) → four heat maps, sites by
    nights, one per measure: an outlet that went quiet is a pale row of new articles, a bad
    night a red column of errors. A night without a run is left blank."""
    sites = sorted({str(row[0]) for row in rows})[:MAX_HEALTH_SITES]
    nights = sorted({str(row[1]) for row in rows})
    site_index = {site: i for i, site in enumerate(sites)}
    night_index = {night: j for j, night in enumerate(nights)}
    grids = {key: np.full((len(sites), len(nights)), np.nan) for key, _, _ in HEALTH_SERIES}
    for row in rows:
        i = site_index.get(str(row[0]))
        if i is None:
            continue
        j = night_index[str(row[1])]
        for offset, (key, _, _) in enumerate(HEALTH_SERIES):
            grids[key][i, j] = float(row[3 + offset] or 0)
    panel_height = 0.9 + 0.16 * len(sites)
    figure = Figure(figsize=(WIDTH, 2 * panel_height + 0.4), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    panels = figure.subplots(2, 2, squeeze=False, sharex=True, sharey=True)
    for axes, (key, label, colourmap) in zip(panels.flat, HEALTH_SERIES, strict=True):
        grid = np.ma.masked_invalid(grids[key])
        cmap = matplotlib.colormaps[colourmap].with_extremes(bad="#eeeeee")
        image = axes.imshow(grid, aspect="auto", interpolation="nearest", cmap=cmap,
                            vmin=0, vmax=max(1.0, float(np.nanmax(grids[key]))))
        axes.set_title(label, fontsize=9, loc="left")
        figure.colorbar(image, ax=axes, shrink=0.9, pad=0.01)
        axes.tick_params(labelsize=7)
    step = max(1, math.ceil(len(nights) / 8))
    ticks = list(range(0, len(nights), step))
    for axes in panels[1]:
        axes.set_xticks(ticks, [nights[j] for j in ticks], rotation=45, ha="right")
    for axes in panels[:, 0]:
        axes.set_yticks(range(len(sites)), sites)
    return _png(figure)


def matched_terms(
    rows: Sequence[tuple[Any, ...]], colours: dict[str, str], per_tag: int
) -> bytes:
    """(tag, term, articles), each tag's terms most frequent first → bars grouped by tag, at
    most `per_tag` terms each."""
    kept: list[tuple[str, str, float]] = []
    counts: dict[str, int] = {}
    for tag, term, articles in rows:
        counts[tag] = counts.get(tag, 0) + 1
        if counts[tag] <= per_tag:
            kept.append((str(tag), str(term), float(articles)))
    figure, axes = _figure(max(2.0, 0.9 + 0.24 * len(kept)))
    positions = range(len(kept))
    bar_colours = [colours.get(tag, PALETTE[0]) for tag, _, _ in kept]
    axes.barh(positions, [articles for _, _, articles in kept], color=bar_colours)
    axes.set_yticks(positions, [f"{term}  ({tag})" for tag, term, _ in kept], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("articles in which the term matched")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    for position, (_, _, value) in zip(positions, kept, strict=True):
        axes.annotate(f"{value:,.0f}", (value, position), xytext=(3, 0),
                      textcoords="offset points", va="center", fontsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)
