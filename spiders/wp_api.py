"""The WordPress REST API as a discovery source: `/wp-json/wp/v2/posts` lists posts with their
link and modification date, 100 a page, filtered by `modified_after`, so a night learns every new
and edited post in one or two small JSON requests instead of paging listings. The article's HTML
page is still fetched for extraction. Pure functions, no Scrapy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from spiders.discovery import parse_w3c_datetime, site_url

POSTS_PATH = "/wp-json/wp/v2/posts"
PER_PAGE = 100
FIELDS = "id,link,modified,modified_gmt,date"
# Statuses by which a site says it serves no (open) REST API: absent, disabled by a plugin,
# closed to anonymous readers, or a page past the end.
MISSING_STATUSES = (400, 401, 403, 404, 410)


def posts_url(home_url: str, *, page: int = 1, modified_after: datetime | None = None) -> str:
    """Page `page` of the site's posts, most recently modified first, only what changed after
    `modified_after` when given."""
    params: dict[str, str | int] = {
        "per_page": PER_PAGE,
        "page": page,
        "orderby": "modified",
        "order": "desc",
        "_fields": FIELDS,
    }
    if modified_after is not None:
        # WordPress reads an offset-less value in the site's zone; the offset makes it exact.
        params["modified_after"] = modified_after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{site_url(home_url, POSTS_PATH)}?{urlencode(params)}"


def root_url(home_url: str) -> str:
    """The URL the API is remembered under (site_sources), whatever the query."""
    return site_url(home_url, POSTS_PATH)


@dataclass(frozen=True, slots=True)
class RestPost:
    link: str
    modified: datetime | None
    published: datetime | None


def parse_posts(body: bytes) -> list[RestPost] | None:
    """The posts of one API page, or None when `body` is not a REST posts answer (an HTML page
    served at the path, an error object)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, list):
        return None
    posts = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("link"), str):
            continue
        # modified_gmt is UTC; modified is the site's local time without an offset, read as
        # UTC: later than the truth in Indonesia, so it errs towards "changed".
        modified = parse_w3c_datetime(_str(item.get("modified_gmt"))) or parse_w3c_datetime(
            _str(item.get("modified"))
        )
        posts.append(RestPost(item["link"], modified, parse_w3c_datetime(_str(item.get("date")))))
    return posts


def total_pages(header: str | None) -> int:
    """X-WP-TotalPages as a number (1 when absent or unreadable)."""
    try:
        return max(int((header or "1").strip()), 1)
    except ValueError:
        return 1


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
