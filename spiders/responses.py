"""Small readings of Scrapy responses that every part of NewsSpider needs."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

# Statuses by which a server says a guessed URL does not exist.
MISSING_STATUSES = (404, 410)


def header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1").strip() if value else None


def meta_of(response: Response) -> dict[str, Any]:
    try:
        return response.meta
    except AttributeError:  # a response built without a request (tests, tools)
        return {}


def original_url(meta: dict[str, Any], url: str) -> str:
    """The URL first requested (before redirects): the one the next crawl requests again."""
    redirects = meta.get("redirect_urls")
    return redirects[0] if redirects else url
