"""Item pipelines, in the order set by ITEM_PIPELINES: extract → identify/dedup → tag → store.

Each is a thin Scrapy wrapper around a pure function or the archive store; what a stage decides
is counted in the crawl stats under `warta/…`. Two kinds of item pass through without being
articles: a page judged not to be one (`reject_reason` set: the store remembers it, so the next
crawl need not fetch it again, then drops it) and an archived article's URL that answered
304 Not Modified (the store records that it was seen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured

from archive.db import make_engine, session_factory
from archive.extraction import extract
from archive.fingerprint import text_hash
from archive.neardup import NearDuplicateIndex, signature
from archive.seen import record_fetch_state, touch_article_url
from archive.store import ArchiveStore, Page
from archive.tagging import Tagger
from archive.taxonomy import load_taxonomy
from archive.urlnorm import canonical_url, declared_canonical, hosts_for_site, normalise_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.items import PageItem


def is_not_modified(item: PageItem) -> bool:
    return item.get("status") == 304


def is_article(item: PageItem) -> bool:
    return "article" in item and not item.get("reject_reason")


def _site_entry(crawler: Crawler) -> Any:
    spider = crawler.spider
    entry = getattr(spider, "site", None)
    if entry is None:
        raise NotConfigured("warta pipelines need a registry spider (spider.site)")
    return entry


class ExtractPipeline:
    """Raw page → ArticleRecord; drops pages that are not articles, counting why."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        settings = crawler.settings
        self.min_text_chars = settings.getint("WARTA_MIN_TEXT_CHARS")
        self.min_text_chars_structured = settings.getint("WARTA_MIN_TEXT_CHARS_STRUCTURED")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: PageItem) -> PageItem:
        if is_not_modified(item):
            return item
        entry = _site_entry(self.crawler)
        result = extract(
            item["body"],
            item["url"],
            http_encoding=item.get("http_encoding"),
            article_url_pattern=entry.article_url_pattern,
            min_text_chars=self.min_text_chars,
            min_text_chars_structured=self.min_text_chars_structured,
            hinted_published_at=item.get("hinted_published_at"),
        )
        if result.article is None:
            self.stats.inc_value(f"warta/rejected/{result.reject_reason}")
            self.stats.inc_value("warta/rejected")
            item["reject_reason"] = result.reject_reason
            return item
        record = result.article
        item["article"] = record
        item["title"] = record.title
        item["author"] = record.author
        item["published_at"] = record.published_at.isoformat() if record.published_at else None
        item["language"] = record.language
        item["text"] = record.text
        self.stats.inc_value("warta/extracted")
        return item


class IdentifyPipeline:
    """Decides the article's identity: canonical URL, aliases, text hash, near-dup signature."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: PageItem) -> PageItem:
        if not is_article(item):
            return item
        entry = _site_entry(self.crawler)
        record = item["article"]
        strip = entry.strip_query_params
        # Port-pinned like the registry: on one host, another port is another site.
        hosts = hosts_for_site(entry.home_url, entry.allowed_domains)
        declared = declared_canonical(
            item["url"], record.declared_canonical_url, site_hosts=hosts, strip_params=strip
        )
        item["canonical_declared"] = declared is not None
        item["canonical_url"] = declared or canonical_url(
            item["url"], None, site_hosts=hosts, strip_params=strip
        )
        # The URLs that redirected here (e.g. WordPress's /?p=123) are this article's too.
        answered = [*item.get("redirect_urls", ()), item["url"]]
        item["alias_urls"] = list(
            dict.fromkeys(normalise_url(url, strip_params=strip) for url in answered)
        )
        item["text_hash"] = text_hash(record.text)
        item["signature"] = signature(record.text)
        return item


class TagPipeline:
    """Applies the keyword taxonomy (WARTA_TAXONOMY_FILE) to title and text."""

    def __init__(self, crawler: Crawler) -> None:
        self.taxonomy = load_taxonomy(crawler.settings.get("WARTA_TAXONOMY_FILE"))
        self.tagger = Tagger(self.taxonomy)
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: PageItem) -> PageItem:
        if not is_article(item):
            return item
        matches = self.tagger.tag(item["title"], item["text"])
        item["tag_matches"] = matches
        item["taxonomy_version"] = self.taxonomy.version
        item["tags"] = [m.tag for m in matches]
        for m in matches:
            self.stats.inc_value(f"warta/tagged/{m.tag}")
        return item


class StorePipeline:
    """Writes the article into the archive (WARTA_DATABASE_URL)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self.engine = make_engine(crawler.settings.get("WARTA_DATABASE_URL"))
        self.sessions = session_factory(self.engine, writer=True)
        self.store = ArchiveStore(self.sessions, cluster_index=NearDuplicateIndex())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def close_spider(self) -> None:
        self.engine.dispose()

    def process_item(self, item: PageItem) -> PageItem:
        # The archive keys URLs in their normal form, as the identify stage wrote them.
        url = normalise_url(item["url"], strip_params=_site_entry(self.crawler).strip_query_params)
        if is_not_modified(item):
            if touch_article_url(self.sessions, url, item["fetched_at"]):
                self.stats.inc_value("warta/store/not_modified")
            raise DropItem(f"not modified: {item['url']}", log_level="DEBUG")
        if item.get("reject_reason"):
            record_fetch_state(
                self.sessions, item["site"], url, "rejected", item["fetched_at"],
                etag=item.get("etag"), last_modified=item.get("last_modified"),
                reject_reason=item["reject_reason"],
            )
            raise DropItem(f"not an article ({item['reject_reason']}): {item['url']}")
        record = item["article"]
        page = Page(
            site=item["site"],
            fetched_url=item["url"],
            canonical_url=item["canonical_url"],
            record=record,
            text_hash=item["text_hash"],
            raw_html=item["body"],
            fetched_at=item["fetched_at"],
            http_encoding=item.get("http_encoding"),
            etag=item.get("etag"),
            last_modified=item.get("last_modified"),
            alias_urls=item.get("alias_urls", ()),
            canonical_declared=item["canonical_declared"],
            tags=item.get("tag_matches"),
            taxonomy_version=item.get("taxonomy_version"),
            signature=item.get("signature"),
        )
        result = self.store.save(page)
        item["article_id"] = result.article_id
        item["cluster_id"] = result.cluster_id
        item["outcome"] = result.outcome
        self.stats.inc_value(f"warta/store/{result.outcome}")
        return item
