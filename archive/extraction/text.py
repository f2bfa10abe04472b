"""The main text: trafilatura on a copy of the tree whose layout tables are unwrapped first."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from copy import copy, deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import trafilatura
import trafilatura.core as trafilatura_core
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.external import compare_extraction
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.main_extractor import extract_content
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


# trafilatura's fallback cascade (`compare_extraction`: readability, then jusText) rescues pages
# its own extractor under-reads, and costs about a fifth of warta's extraction on every page (it
# re-prunes and re-reads the raw tree with regex XPaths). On the 181 AEB pages it changed what
# warta keeps on 6: five whose main text was under 250 characters, and an 878-character article
# it made worse; on the 29 Indonesian pages, one whose main text was 100 characters. So a main
# text at least this long skips it, unless it is structurally deficient (no paragraphs, or more
# tables than paragraphs), where trafilatura takes readability's text whatever its length.
# (trafilatura's `fast=True` is not the same: it also keeps teaser boxes, which cost a real
# Indonesian page its precision.)
RESCUE_BELOW_CHARS = 600

_rescue_below: ContextVar[int | None] = ContextVar("warta_rescue_below", default=None)
_prepare_tree = trafilatura_core._prepare_tree
_extract_and_compare = trafilatura_core._extract_and_compare


@dataclass(frozen=True, slots=True)
class _DeferredBackup:
    """The cleaned, unconverted tree the cascade reads, made only if the cascade runs.

    trafilatura copies the cleaned tree before converting its tags, for the cascade alone; made
    when needed from the same raw tree (which nothing changes in between) it is the same tree.
    """

    tree: HtmlElement
    options: Any

    def make(self) -> HtmlElement:
        return tree_cleaning(copy(self.tree), self.options)


def _lean_prepare_tree(tree: HtmlElement, options: Any, url: str | None) -> tuple[Any, Any]:
    """trafilatura's `_prepare_tree`, its backup deferred while `run_trafilatura` runs."""
    if _rescue_below.get() is None:
        return _prepare_tree(tree, options, url)
    cleaned = convert_tags(tree_cleaning(copy(tree), options), options, url)
    return cleaned, _DeferredBackup(tree, options)


def _gated_extract_and_compare(
    cleaned_tree: HtmlElement, backup: Any, tree: HtmlElement, options: Any
) -> tuple[Any, str]:
    """trafilatura's main extractor, then its cascade unless the main text can be trusted.

    Installed in trafilatura.core (which calls both by their module-global names) but engaged
    only inside `run_trafilatura`: any other caller in the process (the benchmarks'
    plain-trafilatura baseline) gets trafilatura's own behaviour. Skipping the cascade also
    skips the two tree copies only it reads.
    """
    below = _rescue_below.get()
    if below is None or not isinstance(backup, _DeferredBackup):
        return _extract_and_compare(cleaned_tree, backup, tree, options)
    body, text = extract_content(cleaned_tree, options)
    if options.fast or (len(text) >= below and not _deficient(body)):
        return body, text
    return compare_extraction(backup.make(), copy(tree), body, text, options)


def _deficient(body: Any) -> bool:
    """trafilatura's own test for a structurally deficient extraction (`_prefer_readability`)."""
    return not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(
        body.findall(".//p")
    )


trafilatura_core._prepare_tree = _lean_prepare_tree
trafilatura_core._extract_and_compare = _gated_extract_and_compare


def _main_text(tree: HtmlElement, url: str) -> Document | None:
    token = _rescue_below.set(RESCUE_BELOW_CHARS)
    try:
        document = trafilatura.bare_extraction(
            tree, url=url, with_metadata=False, **TRAFILATURA_OPTIONS
        )
    finally:
        _rescue_below.reset(token)
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
