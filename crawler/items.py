"""The item that flows through the pipelines: a fetched page with its context, filled in stage by
stage (extract → identify/dedup → tag → store)."""

from __future__ import annotations

import scrapy


class PageItem(scrapy.Item):
    # Set by the spider: the raw page and where it came from.
    site = scrapy.Field()  # site name (registry entry = spider name)
    url = scrapy.Field()  # fetched URL, after redirects
    redirect_urls = scrapy.Field()  # URLs that redirected to it, in order
    status = scrapy.Field()  # HTTP status
    body = scrapy.Field()  # raw bytes as received
    http_encoding = scrapy.Field()  # charset from Content-Type, or None
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    fetched_at = scrapy.Field()  # aware datetime (UTC)
    discovered_via = scrapy.Field()  # 'sitemap', 'news-sitemap', 'feed', 'listing', 'link'
    hinted_published_at = scrapy.Field()  # from news:publication_date / feed pubDate, if any
    conditional = scrapy.Field()  # requested with validators (If-None-Match / If-Modified-Since)

    # Set by ExtractPipeline.
    reject_reason = scrapy.Field()  # why the page is not an article (then nothing else is set)
    article = scrapy.Field()  # archive.extraction.ArticleRecord
    title = scrapy.Field()
    author = scrapy.Field()
    published_at = scrapy.Field()  # ISO 8601 string for exports
    language = scrapy.Field()
    text = scrapy.Field()

    # Set by IdentifyPipeline.
    canonical_url = scrapy.Field()
    canonical_declared = scrapy.Field()  # the page itself names canonical_url
    alias_urls = scrapy.Field()  # other normalised URLs this page answered to
    text_hash = scrapy.Field()
    signature = scrapy.Field()  # near-duplicate MinHash signature

    # Set by TagPipeline.
    tags = scrapy.Field()  # list of tag names, for exports
    tag_matches = scrapy.Field()  # archive.tagging.TagMatch list
    taxonomy_version = scrapy.Field()
    region_matches = scrapy.Field()  # archive.tagging.regions.RegionMatch list
    gazetteer_version = scrapy.Field()

    # Set by StorePipeline.
    article_id = scrapy.Field()
    cluster_id = scrapy.Field()
    outcome = scrapy.Field()  # 'new', 'updated', 'unchanged', 'alias', 'syndicated'
