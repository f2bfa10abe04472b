"""The main text: trafilatura on a copy of the tree whose layout tables are unwrapped first."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

from archive.extraction.author import find_author
from archive.extraction.lean import lean_trafilatura

__all__ = [
    "TRAFILATURA_OPTIONS",
    "Extracted",
    "library_date",
    "run_trafilatura",
    "unboxed_text",
    "unwrap_layout_tables",
    "unwrapped_layout_tables",
    "with_captions",
    "without_title_lines",
]

# Measured on the real-pages benchmark (bench/realpages_f1.py): precision mode without comments
# scores a higher F1 than trafilatura's defaults, and reader comments are not article text.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
}


@dataclass(slots=True)
class Extracted:
    """What trafilatura found: the main text and the metadata warta uses."""

    text: str
    title: str | None
    author: str | None
    description: str | None
    sitename: str | None
    date_search: Callable[[], str | None]
    """htmldate's date of the page (`extensive_search` off), found when first asked."""


def run_trafilatura(tree: HtmlElement, url: str) -> Extracted | None:
    now = datetime.now(UTC)
    # trafilatura prunes the tree it is given (a copy it makes itself of a tree passed in); ours
    # needs a copy of our own only when layout tables are to be unwrapped first.
    own_copy = unwrapped_layout_tables(tree)
    date_params = {
        # The text-wide search finds sidebar dates; pubdate reads the article text instead.
        "extensive_search": False,
        "original_date": True,
        "min_date": "1995-01-01",
        "max_date": (now + timedelta(days=2)).strftime("%Y-%m-%d"),
    }
    metadata = _metadata(own_copy, url, date_params, with_date=False)
    document = _main_text(own_copy, url)
    if document is None:
        return None
    page_url = metadata.url
    return Extracted(
        text=document.text or "",
        title=metadata.title,
        author=metadata.author,
        description=metadata.description,
        sitename=metadata.sitename,
        # htmldate searches a copy of the tree; trafilatura left ours as it was.
        date_search=lambda: find_date(own_copy, **{**date_params, "url": page_url}),
    )


def _main_text(tree: HtmlElement, url: str) -> Document | None:
    with lean_trafilatura(tree):
        document = trafilatura.bare_extraction(
            tree, url=url, with_metadata=False, **TRAFILATURA_OPTIONS
        )
    return None if document is None or isinstance(document, dict) else document


def _metadata(
    tree: HtmlElement, url: str, date_params: dict[str, Any], *, with_date: bool = True
) -> Document:
    """trafilatura's `extract_metadata` without the fields warta never reads.

    `bare_extraction(with_metadata=True)` also searches categories, tags and the licence, about
    a third of its metadata pass; this is the same sequence for title, author, description,
    site name and date (tests/extraction/test_text.py holds it equal to trafilatura's).
    None of these steps changes the tree.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with suppress(Exception):  # bugs in trafilatura's json_metadata.py, as extract_metadata
        metadata = extract_meta_json(tree, metadata)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = find_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if with_date:  # run_trafilatura leaves it to Extracted.date_search, asked only if needed
        metadata.date = find_date(tree, **{**date_params, "url": metadata.url})
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        name = metadata.sitename.lstrip("@")
        lower_word = bool(name) and "." not in name and not name[0].isupper()
        metadata.sitename = name.title() if lower_word else name
    elif metadata.url and (match := META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


def library_date(tree: HtmlElement) -> str | None:
    """htmldate's full search (``original_date=True``): the fallback when the page's metadata,
    dateline and text give no date."""
    now = datetime.now(UTC)
    try:
        return find_date(  # htmldate searches a copy of a tree it is given
            tree,
            original_date=True,
            min_date="1995-01-01",
            max_date=(now + timedelta(days=2)).strftime("%Y-%m-%d"),
        )
    except ValueError:
        return None


# Old government sites lay whole pages out in tables; trafilatura then keeps the layout table
# (menus, visitor counters and article in one row) as if it were a data table. A table holding a
# heading, a nested table or a paragraph-sized block is layout, not data.
_LAYOUT_TABLE_MARKERS = (
    "(.//h1 | .//h2 | .//table"
    " | .//p[string-length(normalize-space(.)) > 400]"
    " | .//div[string-length(normalize-space(.)) > 400])[1]"
)
_ROWS = "./tr | ./*/tr"
_TABLE_PARTS = (
    "./thead | ./tbody | ./tfoot | ./caption | ./tr | ./*/tr"
    " | ./tr/td | ./tr/th | ./*/tr/td | ./*/tr/th"
)


def unwrap_layout_tables(tree: HtmlElement) -> None:
    """Turn layout tables (and their rows and cells, not nested tables') into plain divs."""
    for table in tree.xpath("//table"):
        if _is_layout(table):
            for part in table.xpath(_TABLE_PARTS):
                part.tag = "div"
            table.tag = "div"


def unwrapped_layout_tables(tree: HtmlElement) -> HtmlElement:
    """A copy of the tree with its layout tables unwrapped, or the tree itself if it has none."""
    if not any(_is_layout(table) for table in tree.iter("table")):
        return tree
    copied = deepcopy(tree)
    unwrap_layout_tables(copied)
    return copied


def _is_layout(table: HtmlElement) -> bool:
    return bool(table.xpath(_LAYOUT_TABLE_MARKERS)) or not _has_grid(table)


def _has_grid(table: HtmlElement) -> bool:
    """Whether the table has the two rows and two columns any data table has, or is one box.

    Joomla-era templates wrap every module and article part in one-row or one-column tables
    (title and print button, body, "Hits"); kept as tables they reach the text as "| … |" rows.
    A single-cell table is a box (pull quote, caption) that trafilatura keeps only as a table.
    """
    rows = table.xpath(_ROWS)
    widths = [len(row.xpath("./td | ./th")) for row in rows]
    return (len(rows) >= 2 and max(widths) >= 2) or (len(rows) <= 1 and sum(widths) <= 1)


_SINGLE_CELL = re.compile(r"\|\s*([^|]*?)\s*\|")
_SINGLE_RULE = re.compile(r"\|\s*:?-{3,}:?\s*\|")


def unboxed_text(extracted: Extracted) -> str:
    """trafilatura's text with one-cell table rows as plain lines.

    trafilatura writes a one-cell table (pull quote, caption, a template's title box) as a
    "| … |" row; as plain lines they read as text and the boilerplate and headline tests see them.
    """
    lines: list[str] = []
    for line in extracted.text.splitlines():
        stripped = line.strip()
        if _SINGLE_RULE.fullmatch(stripped):
            continue
        cell = _SINGLE_CELL.fullmatch(stripped)
        lines.append(cell.group(1) if cell else line)
    return "\n".join(lines)


def without_title_lines(
    text: str, title: str | None, furniture: frozenset[str] = frozenset()
) -> str:
    """The text without paragraphs that only repeat the title (themes print the headline again
    inside the area trafilatura keeps) or that are lines of a sidebar box (`furniture`, casefolded:
    an "Agenda" or "Terpopuler" box trafilatura took for text, with other articles' dates)."""
    drop = {" ".join(title.split()).casefold()} if title else set()
    drop |= furniture
    return "\n\n".join(
        line for line in text.split("\n\n") if " ".join(line.split()).casefold() not in drop
    )


def with_captions(text: str, captions: tuple[str, ...]) -> str:
    """A photo or video page's text with the captions trafilatura left out (its body is them)."""
    missing = [caption for caption in captions if caption not in text]
    return "\n\n".join([*([text] if text else []), *missing])
