"""trafilatura's extraction without the work that cannot change warta's result.

Three internals of trafilatura.core are replaced (it calls them by their module-global names),
engaged only inside `lean_trafilatura` — any other caller in the process, such as the benchmarks'
plain-trafilatura baseline, gets trafilatura's own behaviour:

- the fallback cascade (`compare_extraction`: readability, then jusText) runs only for a main text
  warta cannot trust (below);
- the two tree copies only the cascade reads are made only when it runs;
- a prune whose XPath can select only elements whose id or class matches a regex no id or class
  of the page matches is skipped: it would delete nothing. Each such XPath calls back into Python
  for every element it tests (`re:test`), and the three of them cost about a tenth of warta's
  extraction; the page's ids and classes are read once.

trafilatura is pinned (pyproject.toml) because these are its internals; tests/extraction/
test_lean.py fails if a release changes what is relied on here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import copy
from dataclasses import dataclass
from typing import Any

import trafilatura.core as trafilatura_core
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.external import compare_extraction
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.xpaths import (
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
)

__all__ = ["RESCUE_BELOW_CHARS", "lean_trafilatura"]

# The cascade rescues pages trafilatura's own extractor under-reads, and costs about a fifth of
# warta's extraction on every page (it re-prunes and re-reads the raw tree with regex XPaths). On
# the 181 AEB pages it changed what warta keeps on 6: five whose main text was under 250
# characters, and an 878-character article it made worse; on the 29 Indonesian pages, one whose
# main text was 100 characters. So a main text at least this long skips it, unless it is
# structurally deficient (no paragraphs, or more tables than paragraphs), where trafilatura takes
# readability's text whatever its length. (trafilatura's `fast=True` is not the same: it also
# keeps teaser boxes, which cost a real Indonesian page its precision.)
RESCUE_BELOW_CHARS = 600


@dataclass(frozen=True, slots=True)
class _Run:
    rescue_below: int
    idle_prunes: frozenset[Any]
    """The prune XPaths that select nothing on this page."""


_run: ContextVar[_Run | None] = ContextVar("warta_lean_trafilatura", default=None)


@contextmanager
def lean_trafilatura(tree: HtmlElement) -> Iterator[None]:
    """trafilatura's extraction of `tree` (or a copy of it) without the needless work."""
    token = _run.set(_Run(RESCUE_BELOW_CHARS, idle_prunes(tree)))
    try:
        yield
    finally:
        _run.reset(token)


# --- the cascade and its copies -------------------------------------------------------------------

_prepare_tree = trafilatura_core._prepare_tree
_extract_and_compare = trafilatura_core._extract_and_compare


@dataclass(frozen=True, slots=True)
class DeferredBackup:
    """The cleaned, unconverted tree the cascade reads, made only if the cascade runs.

    trafilatura copies the cleaned tree before converting its tags, for the cascade alone; made
    when needed from the same raw tree (which nothing changes in between) it is the same tree.
    """

    tree: HtmlElement
    options: Any

    def make(self) -> HtmlElement:
        return tree_cleaning(copy(self.tree), self.options)


def _lean_prepare_tree(tree: HtmlElement, options: Any, url: str | None) -> tuple[Any, Any]:
    """trafilatura's `_prepare_tree`, its backup deferred while engaged."""
    if _run.get() is None:
        return _prepare_tree(tree, options, url)
    cleaned = convert_tags(tree_cleaning(copy(tree), options), options, url)
    return cleaned, DeferredBackup(tree, options)


def _gated_extract_and_compare(
    cleaned_tree: HtmlElement, backup: Any, tree: HtmlElement, options: Any
) -> tuple[Any, str]:
    """trafilatura's main extractor, then its cascade unless the main text can be trusted."""
    run = _run.get()
    if run is None or not isinstance(backup, DeferredBackup):
        return _extract_and_compare(cleaned_tree, backup, tree, options)
    body, text = extract_content(cleaned_tree, options)
    if options.fast or (len(text) >= run.rescue_below and not _deficient(body)):
        return body, text
    return compare_extraction(backup.make(), copy(tree), body, text, options)


def _deficient(body: Any) -> bool:
    """trafilatura's own test for a structurally deficient extraction (`_prefer_readability`)."""
    return not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(
        body.findall(".//p")
    )


# --- prunes that would delete nothing ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegexGate:
    """An XPath of the form `.//*[<tags>][re:test(@id, ID) or re:test(@class, CLASS)]…`: every
    element it selects has an id matching `ID` or a class matching `CLASS`."""

    expression: Any
    id_regex: re.Pattern[str]
    class_regex: re.Pattern[str]
    literals: tuple[str, ...]
    """Text every match of either regex contains: a page without any needs no regex search."""


def _gate(expression: Any, id_regex: str, class_regex: str, literals: tuple[str, ...]) -> RegexGate:
    # MULTILINE: the regexes search the page's values joined by newlines (see `idle_prunes`).
    return RegexGate(expression, re.compile(id_regex, re.MULTILINE),
                     re.compile(class_regex, re.MULTILINE), literals)


_MVP = "mvp-post-add-(?:box|wrap)|infinite-?scroll"
_COMMENT_ID = "^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)"
_COMMENT_CLASS = "^[Cc]omment(?!ary)|(?:article|post)-comments"
_COMMENT_LITERALS = ("omment", "comol", "disqus_thread")
GATES = (
    _gate(RAW_TREE_PRUNE_XPATH[0], _MVP, _MVP, ("mvp-post-add-", "infinite")),
    _gate(REMOVE_COMMENTS_AND_LISTS_XPATH[0], _COMMENT_ID, _COMMENT_CLASS, _COMMENT_LITERALS),
    _gate(REMOVE_COMMENTS_XPATH[0], _COMMENT_ID, _COMMENT_CLASS, _COMMENT_LITERALS),
)
_IDS = etree.XPath("//@id", smart_strings=False)
_CLASSES = etree.XPath("//@class", smart_strings=False)


def idle_prunes(tree: HtmlElement) -> frozenset[Any]:
    """The gated XPaths that select nothing in `tree` (nor in any tree made from it by removing
    elements or attributes, as trafilatura's cleaning does).

    lxml's `re:test` is `re.search` on each value; joined by newlines and searched with
    MULTILINE, a regex matches the joined text wherever it matches one value (`^` also after a
    newline, and a lookahead that fails before a value's end fails before a newline too).
    """
    ids = "\n".join(_IDS(tree))
    classes = "\n".join(_CLASSES(tree))
    return frozenset(
        gate.expression
        for gate in GATES
        if not any(literal in ids or literal in classes for literal in gate.literals)
        or not (gate.id_regex.search(ids) or gate.class_regex.search(classes))
    )


_prune = trafilatura_core.prune_unwanted_nodes


def _lean_prune(tree: HtmlElement, nodelist: list[Any], with_backup: bool = False) -> Any:
    """trafilatura's `prune_unwanted_nodes` without the XPaths known to select nothing."""
    run = _run.get()
    if run is not None and run.idle_prunes:
        nodelist = [expression for expression in nodelist if expression not in run.idle_prunes]
        if not nodelist:
            return tree
    return _prune(tree, nodelist, with_backup)


trafilatura_core._prepare_tree = _lean_prepare_tree
trafilatura_core._extract_and_compare = _gated_extract_and_compare
trafilatura_core.prune_unwanted_nodes = _lean_prune
