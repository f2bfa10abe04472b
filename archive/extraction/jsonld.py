"""JSON-LD: every object of a page's ld+json blocks, however sloppily a CMS wrote them."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

from lxml.html import HtmlElement

__all__ = ["ARTICLE_TYPES", "iter_jsonld_objects", "jsonld_types"]

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "LiveBlogPosting",
        "SocialMediaPosting",
    }
)

_JSON_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def iter_jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, object]]:
    """Every JSON object in the page's JSON-LD blocks: top level, lists, @graph and mainEntity."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        data = _load_json(script.text or "")
        if data is not None:
            yield from _walk_jsonld(data, depth=0)


def jsonld_types(obj: dict[str, object]) -> set[str]:
    kind = obj.get("@type")
    names = kind if isinstance(kind, list) else [kind]
    # "https://schema.org/NewsArticle" and "NewsArticle" are the same type.
    return {name.rsplit("/", 1)[-1] for name in names if isinstance(name, str)}


def _walk_jsonld(data: object, depth: int) -> Iterator[dict[str, object]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), list | dict):
                yield from _walk_jsonld(data[key], depth + 1)


def _load_json(raw: str) -> object | None:
    # CMS templates emit HTML-escaped entities, comment wrappers and trailing commas.
    raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
    if not raw:
        return None
    for candidate in (raw, _JSON_TRAILING_COMMA.sub(r"\1", raw), html.unescape(raw)):
        try:
            return json.loads(candidate, strict=False)
        except ValueError:
            continue
    return None
