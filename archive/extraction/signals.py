"""What the page's markup declares about itself, read once per page into a `PageSignals` value.

Title, date, article-or-not and identity all consume this one value: the <meta> tags, the JSON-LD
objects (walked once, also inside ``@graph``/``mainEntity``), the declared canonical URL, the
candidate titles and headings, the site names, the structured article signal, the declared listing
type, the declared language, and the dates the markup prints (metadata values, dated elements,
bylines, and the dateline next to the headline).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from archive.extraction.headline import datelines, furniture_lines, headline_element, own_h1s
from archive.extraction.jsonld import ARTICLE_TYPES, iter_jsonld_objects, jsonld_types
from archive.extraction.textnorm import norm, one_line, squash

__all__ = [
    "ARTICLE_TYPES",
    "MarkedDate",
    "PageSignals",
    "iter_jsonld_objects",
    "jsonld_types",
    "norm",
    "one_line",
    "read_signals",
    "squash",
]

_LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"})
_SITE_TYPES = frozenset({"WebSite", "Organization", "NewsMediaOrganization"})


@dataclass(frozen=True, slots=True)
class MarkedDate:
    """An element the CMS marks as the article's creation date (Joomla's ``createdate``, an
    ``itemprop="datePublished"`` element): its date-bearing attributes and its printed text."""

    attributes: tuple[str, ...]
    printed: str


@dataclass(frozen=True, slots=True)
class PageSignals:
    url: str
    meta: dict[str, str]
    """Content of the first <meta> per property, name or http-equiv, keys lower-cased."""
    jsonld: tuple[dict[str, object], ...]
    canonical_url: str | None
    """rel=canonical, else og:url, made absolute."""
    og_title: str
    twitter_title: str
    title_element: str
    jsonld_headline: str | None
    """The headline of the first article-typed JSON-LD object that has one."""
    headings: tuple[str, ...]
    """Texts of the elements that may hold the article's heading, in page order, once each."""
    h1s: tuple[str, ...]
    site_names: frozenset[str]
    """Declared site names (og:site_name, application-name, JSON-LD WebSite/Organization),
    squashed."""
    article_signal: str | None
    """'jsonld:<Type>', 'og:article' or 'meta:article:published_time'; None when there is none."""
    declared_listing: str | None
    """'jsonld:<CollectionPage…>' or 'og:website' when the page declares itself a listing."""
    declared_languages: tuple[str, ...]
    """The non-empty language declarations in order: html lang, og:locale, Content-Language."""
    metadata_dates: tuple[tuple[str, str], ...]
    """(source, value): JSON-LD datePublished (article-typed objects first), then <meta> date
    tags in order of trust, then <time itemprop=datePublished|pubdate datetime>."""
    utc_date_values: tuple[str, ...]
    """Every date-like <meta> value stated in UTC ("…Z"), published or not (detik's
    ``dateCreated``): one whose clock reading is a printed dateline's shows the CMS writes local
    time with a Z."""
    marked_dates: tuple[MarkedDate, ...]
    byline_texts: tuple[str, ...]
    """Short elements starting like a byline ("Ditulis oleh Admin Rabu, 09 Maret 2022")."""
    headline: str | None
    """The text of the element showing the article's headline: the first heading (h1–h3 or a
    title-classed element) that a declared title spells out, else the page's only <h1>."""
    media_page: bool
    """A photo or video page (gallery URL, og:type video, JSON-LD ImageGallery/VideoObject):
    its text is its captions."""
    captions: tuple[str, ...]
    """On a media page: figcaption and caption-classed texts, else the page description."""
    furniture_lines: frozenset[str]
    """Short dated texts of sidebar and related boxes, casefolded: never article text."""
    datelines: tuple[str, ...]
    """Short texts next to the headline, nearest first (those between it and the body before
    those above it): where outlets print "Rabu, 12/06/2024 14:30 WIB", whatever the class."""

    def meta_value(self, key: str) -> str:
        return self.meta.get(key.lower(), "")


def read_signals(tree: HtmlElement, url: str) -> PageSignals:
    """Read every declaration of the page once."""
    meta = _meta_tags(tree)
    jsonld = tuple(iter_jsonld_objects(tree))
    jsonld_headline = _jsonld_headline(jsonld)
    title_element = _title_element(tree)
    declared_titles = [jsonld_headline, meta.get("og:title"), meta.get("twitter:title"),
                       title_element]
    headline = headline_element(tree, url, [t for t in declared_titles if t])
    return PageSignals(
        url=url,
        meta=meta,
        jsonld=jsonld,
        canonical_url=_canonical(tree, meta, url),
        og_title=meta.get("og:title", ""),
        twitter_title=meta.get("twitter:title", ""),
        title_element=title_element,
        jsonld_headline=jsonld_headline,
        headings=_headings(tree),
        h1s=tuple(one_line(h1.text_content()) for h1 in own_h1s(tree, url)),
        site_names=_site_names(meta, jsonld),
        article_signal=_article_signal(meta, jsonld),
        declared_listing=_declared_listing(meta, jsonld),
        declared_languages=_declared_languages(tree, meta),
        metadata_dates=(*_jsonld_dates(jsonld), *_meta_dates(tree)),
        utc_date_values=_utc_date_values(tree),
        marked_dates=_marked_dates(tree),
        byline_texts=_byline_texts(tree),
        headline=one_line(headline.text_content()) if headline is not None else None,
        media_page=(media := _is_media_page(url, meta, jsonld)),
        captions=_captions(tree, meta) if media else (),
        furniture_lines=furniture_lines(tree),
        datelines=datelines(tree, headline) if headline is not None else (),
    )


# --- meta, canonical, language ------------------------------------------------------------------


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = (meta.get("content") or "").strip()
        for name in (meta.get("property"), meta.get("name"), meta.get("http-equiv")):
            if name and name.strip():
                found.setdefault(name.strip().lower(), content)
    return found


def _canonical(tree: HtmlElement, meta: dict[str, str], url: str) -> str | None:
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and (href := (link.get("href") or "").strip()):
            return urljoin(url, href)
    og_url = meta.get("og:url", "")
    return urljoin(url, og_url) if og_url else None


_LANG_DECLARATIONS = ("og:locale", "content-language", "language")


def _declared_languages(tree: HtmlElement, meta: dict[str, str]) -> tuple[str, ...]:
    root = tree.getroottree().getroot()
    values = [root.get("lang") or "", root.get("xml:lang") or ""]
    values += [meta.get(key, "") for key in _LANG_DECLARATIONS]
    return tuple(value.strip() for value in values if value.strip())


# --- titles and site names ----------------------------------------------------------------------

# Where a CMS puts the article's own heading: <h1>/<h2>, and the title markup of WordPress
# (.entry-title), Joomla (.contentheading, itemprop=headline) and other themes.
_HEADING_CLASSES = frozenset({"contentheading", "entry-title", "post-title", "article-title"})
# `contains(@class, …)` only preselects: the class tokens are checked in Python, cheaper than
# XPath's `contains(concat(' ', normalize-space(@class), ' '), ' … ')` on every element.
_HEADINGS_XPATH = " | ".join(
    [
        "//h1",
        "//h2",
        # A <meta itemprop="headline"> is often the SEO title again, site name and all.
        "//*[@itemprop='headline'][not(self::meta)]",
        "//*[{}]".format(
            " or ".join(f"contains(@class, '{name}')" for name in sorted(_HEADING_CLASSES))
        ),
    ]
)
# XPath's normalize-space() splits on these four, not on every Unicode space.
_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _class_tokens(element: HtmlElement) -> set[str]:
    return set(_XML_SPACE.split(element.get("class") or ""))


def _headings(tree: HtmlElement) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for element in tree.xpath(_HEADINGS_XPATH):
        if (
            element.tag not in ("h1", "h2")
            and (element.get("itemprop") != "headline" or element.tag == "meta")
            and not _class_tokens(element) & _HEADING_CLASSES
        ):
            continue
        if text := one_line(element.text_content()):
            found.setdefault(text, None)
    return tuple(found)


def _title_element(tree: HtmlElement) -> str:
    title = tree.find(".//title")
    return one_line(title.text_content()) if title is not None else ""


def _jsonld_headline(jsonld: tuple[dict[str, object], ...]) -> str | None:
    for obj in jsonld:
        headline = obj.get("headline")
        if jsonld_types(obj) & ARTICLE_TYPES and isinstance(headline, str) and headline.strip():
            return html.unescape(headline)
    return None


def _site_names(meta: dict[str, str], jsonld: tuple[dict[str, object], ...]) -> frozenset[str]:
    names = {meta.get("og:site_name", ""), meta.get("application-name", "")}
    for obj in jsonld:
        if jsonld_types(obj) & _SITE_TYPES and isinstance(name := obj.get("name"), str):
            names.add(name)
    return frozenset(squash(name) for name in names if name)


# --- article or listing -------------------------------------------------------------------------


def _article_signal(meta: dict[str, str], jsonld: tuple[dict[str, object], ...]) -> str | None:
    for obj in jsonld:
        if types := jsonld_types(obj) & ARTICLE_TYPES:
            return f"jsonld:{sorted(types)[0]}"
    if meta.get("og:type", "").lower() == "article":
        return "og:article"
    if meta.get("article:published_time"):
        return "meta:article:published_time"
    return None


def _declared_listing(meta: dict[str, str], jsonld: tuple[dict[str, object], ...]) -> str | None:
    for obj in jsonld:
        if types := jsonld_types(obj) & _LISTING_TYPES:
            return f"jsonld:{sorted(types)[0]}"
    if meta.get("og:type", "").lower() == "website":
        return "og:website"
    return None


# --- photo and video pages ----------------------------------------------------------------------

_MEDIA_URL = re.compile(
    r"(?:^|[/.\-_])(?:foto|fotos|photo|photos|galeri|gallery|inpicture|readfoto|video|videos)"
    r"(?:$|[/.\-_])",
    re.IGNORECASE,
)
_MEDIA_TYPES = frozenset({"ImageGallery", "MediaGallery", "VideoObject", "Photograph"})
_CAPTION_XPATH = (
    "//figcaption | //*[contains(translate(@class, 'CAPTION', 'caption'), 'caption')]"
)
_MAX_CAPTION_CHARS = 600


def _is_media_page(url: str, meta: dict[str, str], jsonld: tuple[dict[str, object], ...]) -> bool:
    parts = urlsplit(url)
    if _MEDIA_URL.search(parts.netloc.split(".", 1)[0]) or _MEDIA_URL.search(parts.path):
        return True
    if meta.get("og:type", "").lower().startswith("video"):
        return True
    return any(jsonld_types(obj) & _MEDIA_TYPES for obj in jsonld)


def _captions(tree: HtmlElement, meta: dict[str, str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for element in tree.xpath(_CAPTION_XPATH):
        text = one_line(element.text_content())
        if 20 <= len(text) <= _MAX_CAPTION_CHARS:
            found.setdefault(text, None)
    if not found:
        description = one_line(meta.get("og:description") or meta.get("description"))
        if description:
            found[description] = None
    return tuple(found)


# --- dates the markup declares or prints --------------------------------------------------------

_META_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "article.published",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "published-date",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "dcterms.date",
    "parsely-pub-date",
    "sailthru.date",
)


def _jsonld_dates(jsonld: tuple[dict[str, object], ...]) -> list[tuple[str, str]]:
    first: list[tuple[str, str]] = []
    later: list[tuple[str, str]] = []
    for obj in jsonld:
        value = obj.get("datePublished")
        if isinstance(value, str):
            (first if jsonld_types(obj) & ARTICLE_TYPES else later).append(("jsonld", value))
    return first + later


def _meta_dates(tree: HtmlElement) -> list[tuple[str, str]]:
    by_key: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key in _META_DATE_KEYS and content and key not in by_key:
            by_key[key] = content
    found = [("meta", by_key[key]) for key in _META_DATE_KEYS if key in by_key]
    for element in tree.xpath('//time[@itemprop="datePublished" or @pubdate][@datetime]'):
        found.append(("meta", element.get("datetime", "")))
    return found


def _utc_date_values(tree: HtmlElement) -> tuple[str, ...]:
    found: list[str] = []
    for meta in tree.iter("meta"):
        key = " ".join(
            (meta.get(name) or "") for name in ("property", "name", "itemprop")
        ).lower()
        content = (meta.get("content") or "").strip()
        if ("date" in key or "time" in key) and content.upper().endswith("Z"):
            found.append(content)
    return tuple(found)


# Elements in which a CMS prints the publication date as text rather than as metadata. Only names
# that mean "this article's creation date": generic "date" classes also mark sidebar and comment
# dates.
_DATE_ELEMENTS_XPATH = (
    "//*[contains(@class, 'createdate')]"
    " | //dd[contains(@class, 'published') or contains(@class, 'create')]"
    " | //*[@itemprop='datePublished'][not(self::meta)]"
)


def _is_date_element(element: HtmlElement) -> bool:
    """The exact test `_DATE_ELEMENTS_XPATH` preselects for (whole class tokens)."""
    if element.get("itemprop") == "datePublished" and element.tag != "meta":
        return True
    tokens = _class_tokens(element)
    return "createdate" in tokens or (
        element.tag == "dd" and ("published" in tokens or "create" in tokens)
    )


_DATE_ATTRIBUTES = ("datetime", "content", "title")
# "Ditulis oleh Administrator Rabu, 09 Maret 2022": a byline element that also dates the article.
_BYLINE = re.compile(
    r"(?:ditulis|diposting|dipublikasikan|diterbitkan|posted|written|published)\s+(?:oleh|by|on)\b",
    re.IGNORECASE,
)
_MAX_PRINTED_CHARS = 150


def _marked_dates(tree: HtmlElement) -> tuple[MarkedDate, ...]:
    return tuple(
        MarkedDate(
            tuple(value for name in _DATE_ATTRIBUTES if (value := element.get(name))),
            one_line(element.text_content()),
        )
        for element in tree.xpath(_DATE_ELEMENTS_XPATH)
        if _is_date_element(element)
    )


def _byline_texts(tree: HtmlElement) -> tuple[str, ...]:
    found: list[str] = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "head"):
            continue
        if _BYLINE.match((element.text or "").lstrip()):
            printed = one_line(element.text_content())
            if printed and len(printed) <= _MAX_PRINTED_CHARS:
                found.append(printed)
    return tuple(found)
