"""Extraction stage: fetched page bytes → an ArticleRecord, or the reason the page is no article.

A pure function of the page (no Scrapy, no database). The page goes through the package's modules
in order: `urls` (URLs that never hold an article), `decode` (bytes → tree, whatever the charset;
not-HTML sniffing), `signals` (everything the markup declares, read once into `PageSignals`),
`text` (trafilatura), `boilerplate` (the furniture trafilatura leaves), `listing`, `titles`,
`dates`; this module decides whether it is an article and builds the record.

Article or not
--------------
A page is stored as an article only if all of these hold, checked in this order (the first failure
names the reject reason, counted as crawl stat ``warta/rejected/<reason>``):

1. its URL is not one that never holds an article (``non-article-url``): category, tag, author,
   pagination (``/page/N/``, ``?paged=``), search (``/search``, ``?s=``), feed, static pages
   (``/about``, ``/contact``, ``/kontak``, ``/tentang-kami``, ``/redaksi``,
   ``/pedoman-media-siber``, ``/privacy``…), log-in and admin pages, attachments, and files by
   extension (PDF, images, office documents, media); the site's home page is a listing
   (``listing-page``);
2. when the site declares an ``article_url_pattern``, the URL matches it (``url-pattern``);
3. the body is an HTML document (``empty``, ``not-html``: PDFs, images and other binaries are
   recognised by their first bytes, feeds and sitemaps by their root element);
4. it is not a listing (``listing-page``, ``why`` in the details). A page is a listing, whatever
   its markup claims (some themes stamp og:type=article on category pages), when at least three
   and 40 % of the paragraphs of its extracted text are headlines of links to other in-site
   articles (``headline-text``), end like teasers ("[…]", "…", "Baca selengkapnya";
   ``excerpt-text``), are one or the other when both kinds occur (``teaser-text``: the last page
   of a category with two teasers), or sit in teaser blocks — small blocks each holding exactly
   one h1–h4 headline link to another article (``teaser-blocks``). A page without a structured
   article signal is also a listing when it declares itself one (og:type ``website``, JSON-LD
   ``CollectionPage``/``ItemList``/``SearchResultsPage``/``ProfilePage``) while linking to at least
   ten in-site articles and carrying less than twice ``min_text_chars`` of text — even if that is
   more than an article needs;
5. the cleaned text is not empty (``no-text``) and is at least ``min_text_chars`` long (600), or at
   least ``min_text_chars_structured`` (250) when the page carries a structured article signal:
   og:type ``article``, a JSON-LD object typed NewsArticle / Article / BlogPosting /
   ReportageNewsArticle (or another NewsArticle subtype; also inside ``@graph``), or a
   ``article:published_time`` meta tag (``too-short``);
6. it has a title (``no-title``).

Pages that make the extractor itself fail are rejected as ``extraction-error`` rather than raising.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from functools import lru_cache

from archive.extraction.boilerplate import clean_text, cleaned_and_bylines
from archive.extraction.dateparse import PublishedDate
from archive.extraction.dates import find_published_date
from archive.extraction.decode import read_page
from archive.extraction.language import page_language
from archive.extraction.listing import listing_evidence
from archive.extraction.records import ArticleRecord, Extraction, Reject
from archive.extraction.signals import PageSignals, norm, one_line, read_signals
from archive.extraction.text import (
    Extracted,
    library_date,
    run_trafilatura,
    unboxed_text,
    with_captions,
    without_title_lines,
)
from archive.extraction.titles import clean_author, pick_title
from archive.extraction.urls import is_home_url, non_article_url_rule

__all__ = ["extract", "extract_body_text"]

logger = logging.getLogger(__name__)


def extract(
    body: bytes,
    url: str,
    *,
    http_encoding: str | None = None,
    article_url_pattern: str | None = None,
    min_text_chars: int = 600,
    min_text_chars_structured: int = 250,
    hinted_published_at: datetime | None = None,
) -> Extraction:
    """Turn one fetched page into an article record or a rejection; never raises on page content.

    `article_url_pattern` is a regex searched in the URL; an invalid one raises `re.error` since it
    is configuration, not page content.
    """
    pattern = _compile(article_url_pattern) if article_url_pattern else None
    try:
        return _extract(
            body,
            url,
            http_encoding=http_encoding,
            article_url_pattern=pattern,
            min_text_chars=min_text_chars,
            min_text_chars_structured=min_text_chars_structured,
            hinted_published_at=hinted_published_at,
        )
    except Exception as exc:  # a crawler must survive any page; the log keeps the evidence
        logger.exception("extraction failed for %s", url)
        return Extraction.rejected(Reject.EXTRACTION_ERROR, error=type(exc).__name__)


def extract_body_text(body: bytes, url: str, *, http_encoding: str | None = None) -> str:
    """The cleaned article text `extract` would store, without deciding whether it is an article.

    For scoring the extractor (bench/realpages_f1.py); "" when there is no text at all.
    """
    tree = read_page(body, http_encoding)
    if isinstance(tree, Extraction):
        return ""
    signals = read_signals(tree, url)
    extracted = run_trafilatura(tree, url)
    if not extracted:
        return ""
    title = pick_title(signals, extracted, url)
    return without_title_lines(clean_text(unboxed_text(extracted)), title, signals.furniture_lines)


def _extract(
    body: bytes,
    url: str,
    *,
    http_encoding: str | None,
    article_url_pattern: re.Pattern[str] | None,
    min_text_chars: int,
    min_text_chars_structured: int,
    hinted_published_at: datetime | None,
) -> Extraction:
    if rule := non_article_url_rule(url):
        return Extraction.rejected(Reject.NON_ARTICLE_URL, rule=rule)
    if is_home_url(url):
        return Extraction.rejected(Reject.LISTING_PAGE, why="home-page")
    if article_url_pattern is not None and not article_url_pattern.search(url):
        return Extraction.rejected(Reject.URL_PATTERN, pattern=article_url_pattern.pattern)

    tree = read_page(body, http_encoding)
    if isinstance(tree, Extraction):
        return tree
    signals = read_signals(tree, url)
    extracted = run_trafilatura(tree, url)
    raw_text = unboxed_text(extracted) if extracted else ""
    title = pick_title(signals, extracted, url)
    cleaned, bylines = cleaned_and_bylines(raw_text)
    text = without_title_lines(cleaned, title, signals.furniture_lines)

    why = listing_evidence(
        tree, signals, text, article_url_pattern=article_url_pattern, min_text_chars=min_text_chars
    )
    if why:
        return Extraction.rejected(Reject.LISTING_PAGE, why=why)
    # Byline lines ("Ditulis oleh Admin Rabu, 09 Maret 2022") are furniture in the text but often
    # the only place the page dates the article, so the date search sees them first.
    published = find_published_date(
        signals,
        url,
        "\n\n".join([*bylines, text]),
        hinted=hinted_published_at,
        htmldate_quick=extracted.date_search if extracted else None,
        htmldate_search=lambda: library_date(tree),
    )
    if signals.media_page:
        text = with_captions(text, signals.captions)
    if not text:
        return Extraction.rejected(Reject.NO_TEXT)
    needed = _needed_chars(signals, title, published, min_text_chars, min_text_chars_structured)
    if len(text) < needed:
        return Extraction.rejected(Reject.TOO_SHORT, chars=str(len(text)), needed=str(needed))
    if not title:
        return Extraction.rejected(Reject.NO_TITLE)
    return Extraction(article=_record(signals, title, text, extracted, published))


# A photo or video page's text is its captions: a line or two.
_MEDIA_PAGE_CHARS = 60


def _needed_chars(
    signals: PageSignals,
    title: str | None,
    published: PublishedDate | None,
    min_text_chars: int,
    min_text_chars_structured: int,
) -> int:
    """How much text makes the page an article: length is one signal among several.

    Markup declaring an article, or the evidence a reader sees — the page's own headline as its
    title and a date the page prints — lower the bar to `min_text_chars_structured` (news briefs
    of a few hundred characters); a photo or video page with that evidence needs only captions.
    """
    own_headline = bool(title and signals.headline and norm(title) in norm(signals.headline))
    dated = published is not None and published.source not in ("hint", "htmldate")
    evidence = own_headline and dated
    if signals.media_page and (evidence or signals.article_signal):
        return min(_MEDIA_PAGE_CHARS, min_text_chars_structured)
    if signals.article_signal or evidence:
        return min_text_chars_structured
    return min_text_chars


def _record(
    signals: PageSignals,
    title: str,
    text: str,
    extracted: Extracted | None,
    published: PublishedDate | None,
) -> ArticleRecord:
    known = published is not None and published.time_known
    return ArticleRecord(
        url=signals.url,
        title=title,
        text=text,
        author=clean_author(extracted.author if extracted else None),
        # An instant only when the page states a time of day; a day alone stays a day.
        published_at=published.at if published is not None and known else None,
        published_time_known=known,
        published_date=published.day if published else None,
        language=page_language(signals, text),
        declared_canonical_url=signals.canonical_url,
        description=(one_line(extracted.description) or None) if extracted else None,
        page_type=signals.article_signal,
    )


@lru_cache(maxsize=64)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
