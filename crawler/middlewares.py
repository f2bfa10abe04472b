"""Downloader middlewares of warta's own.

RememberedRobotsTxtMiddleware is Scrapy's robots.txt middleware with one change: it does not ask a
site for a robots.txt the archive remembers as missing (a 404 within WARTA_REPROBE_MISSING_DAYS,
see spiders/nightly.py). Scrapy's middleware fetches robots.txt once per crawl, so on a site
without one every night began with the same 404; after a 404 Scrapy allows everything, which is
what this middleware does without the request. What this middleware's own request finds is
noted in the night plan too, so sites whose registry entry names their sitemaps (and whose
spider never probes robots.txt itself) remember it as well. On the re-probe cycle the file is
asked for again, and once it exists Scrapy's middleware reads it every night.

HeadMetaRefreshMiddleware is Scrapy's meta-refresh middleware reading only what Scrapy's reads
(the first 4,096 characters), decoded from the body's first bytes. Scrapy's takes them from
`response.text`, which decodes the whole page: on a sitemap candidate nothing else in the crawl
process decodes it (the extraction workers get the bytes), so that was a page's worth of
decoding per page for 4 kB of it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from w3lib.encoding import html_to_unicode
from w3lib.html import get_base_url, get_meta_refresh

# Scrapy's get_meta_refresh and get_base_url read this many characters of the page.
_HEAD_CHARS = 4096
# Enough bytes for _HEAD_CHARS characters in any encoding (at most 4 bytes a character, plus a
# byte-order mark), so the head decodes exactly as the same characters of the whole page do.
_HEAD_BYTES = 4 * _HEAD_CHARS + 4


class RememberedRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        if url.netloc not in self._parsers and self._remembered_missing(
            f"{url.scheme}://{url.netloc}/robots.txt"
        ):
            self._parsers[url.netloc] = None  # as Scrapy leaves it after a 404: all allowed
            self._stats.inc_value("warta/discovery/robots_skipped_missing")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        plan = getattr(self.crawler.spider, "plan", None)
        if plan is not None and response.status in (404, 410):
            plan.check(response.url, "robots", False, datetime.now(UTC))
        await super()._parse_robots(response, netloc, request)

    def _remembered_missing(self, robots_url: str) -> bool:
        plan = getattr(self.crawler.spider, "plan", None)
        skip = getattr(plan, "skip_source", None)
        return bool(skip is not None and skip(robots_url))


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware (same settings, same decisions), decoding only the head."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if (
            request.meta.get("dont_redirect", False)
            or request.method == "HEAD"
            or not isinstance(response, HtmlResponse)
            or urlparse_cached(request).scheme not in {"http", "https"}
        ):
            return response
        head = _head_text(response)
        interval, url = get_meta_refresh(
            head,
            get_base_url(head, response.url, response.encoding),
            response.encoding,
            ignore_tags=self._ignore_tags,
        )
        if not url:
            return response
        redirected = self._redirect_request_using_get(request, response, url)
        if urlparse_cached(redirected).scheme not in {"http", "https"}:
            return response
        if cast("float", interval) < self._maxdelay:
            return self._redirect(redirected, request, "meta refresh")
        return response


def _head_text(response: HtmlResponse) -> str:
    """`response.text[:4096]` without decoding the rest (or the whole, when already decoded)."""
    # The encoding first: inferring it may decode (and cache) the whole body anyway.
    encoding = response.encoding
    if getattr(response, "_cached_ubody", None) is not None or len(response.body) <= _HEAD_BYTES:
        return response.text[:_HEAD_CHARS]
    # As TextResponse.text decodes, on the first bytes only.
    return html_to_unicode(f"charset={encoding}", response.body[:_HEAD_BYTES])[1][:_HEAD_CHARS]
