"""Downloader middlewares of warta's own.

RememberedRobotsTxtMiddleware is Scrapy's robots.txt middleware with one change: it does not ask a
site for a robots.txt the archive remembers as missing (a 404 within WARTA_REPROBE_MISSING_DAYS,
see spiders/nightly.py). Scrapy's middleware fetches robots.txt once per crawl, so on a site
without one every night began with the same 404; after a 404 Scrapy allows everything, which is
what this middleware does without the request. What this middleware's own request finds is
noted in the night plan too, so sites whose registry entry names their sitemaps (and whose
spider never probes robots.txt itself) remember it as well. On the re-probe cycle the file is
asked for again, and once it exists Scrapy's middleware reads it every night.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached


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
