"""What the page's markup declares about itself, read once per page into a `PageSignals` value.

Title, date, article-or-not and identity all consume this one value: the <meta> tags, the JSON-LD
objects (walked once, also inside ``@graph``/``mainEntity``), the declared canonical URL, the
candidate titles and headings, the site names, the structured article signal, the declared listing
type, the declared language, and the dates the markup prints (metadata values, dated elements,
bylines, and the dateline next to the headline).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

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
    headline = _headline_element(tree, url, [t for t in declared_titles if t])
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
        h1s=tuple(one_line(h1.text_content()) for h1 in _own_h1s(tree, url)),
        site_names=_site_names(meta, jsonld),
        article_signal=_article_signal(meta, jsonld),
        declared_listing=_declared_listing(meta, jsonld),
        declared_languages=_declared_languages(tree, meta),
        metadata_dates=(*_jsonld_dates(jsonld), *_meta_dates(tree)),
        marked_dates=_marked_dates(tree),
        byline_texts=_byline_texts(tree),
        headline=one_line(headline.text_content()) if headline is not None else None,
        media_page=(media := _is_media_page(url, meta, jsonld)),
        captions=_captions(tree, meta) if media else (),
        furniture_lines=_furniture_lines(tree),
        datelines=_datelines(tree, headline) if headline is not None else (),
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
_HEADINGS_XPATH = " | ".join(
    [
        "//h1",
        "//h2",
        # A <meta itemprop="headline"> is often the SEO title again, site name and all.
        "//*[@itemprop='headline'][not(self::meta)]",
        *(
            f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
            for name in ("contentheading", "entry-title", "post-title", "article-title")
        ),
    ]
)


def _headings(tree: HtmlElement) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for element in tree.xpath(_HEADINGS_XPATH):
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


# Elements in which a CMS prints the publication date as text rather than as metadata. Only names
# that mean "this article's creation date": generic "date" classes also mark sidebar and comment
# dates.
_DATE_ELEMENTS_XPATH = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' createdate ')]"
    " | //dd[contains(concat(' ', normalize-space(@class), ' '), ' published ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' create ')]"
    " | //*[@itemprop='datePublished'][not(self::meta)]"
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


# --- the headline and the dateline next to it -----------------------------------------------------

_TITLE_CLASS = re.compile(r"title|judul|jdl|headline|heading", re.IGNORECASE)
_HEADLINE_TAGS = frozenset({"h1", "h2", "h3"})
_MIN_HEADLINE_CHARS = 10
_MIN_HEADLINE_SHARE = 0.4
_TITLE_PARTS = re.compile(r"\s+[-|–—:»·•]+\s+")
_MIN_CORE_CHARS = 15
# Page furniture whose dates are other articles' ("Terpopuler", "Baca Juga", related lists) or the
# day of the visit (top bars), never the article's.
# A class or id token names furniture when it starts or ends with one of these words
# ("sidebar-left", "widget_recent", "relateds--grid", "footer"), not when the word is inside it
# ("content-sidebar-wrap" holds the article).
_FURNITURE_WORDS = (
    r"(?:related|relateds|terkait|popular|populer|terpopuler|trending|sidebar|widget|footer"
    r"|copyright|nav|navbar|menu|topbar|top-bar|ticker|breaking|comments?|komentar|baca-juga"
    r"|bacajuga|lainnya|terbaru|latest|recent|indeks|agenda|samping|modul)"
)
_FURNITURE_NAME = re.compile(
    rf"{_FURNITURE_WORDS}(?:[-_].*)?|.*[-_]{_FURNITURE_WORDS}", re.IGNORECASE
)
_SKIPPED_TAGS = frozenset({"a", "script", "style", "nav", "aside", "footer", "noscript", "option"})
_DATELINE_MAX_CHARS = 150
_DATELINE_WINDOW_AFTER = 40
_DATELINE_WINDOW_BEFORE = 12
_BODY_TEXT_CHARS = 200


def _headline_element(
    tree: HtmlElement, url: str, declared_titles: list[str]
) -> HtmlElement | None:
    titles = [norm(title) for title in declared_titles]
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in _HEADLINE_TAGS and not _TITLE_CLASS.search(
            element.get("class") or ""
        ):
            continue
        text = norm(element.text_content())
        if len(text) < _MIN_HEADLINE_CHARS or any(a.tag == "a" for a in element.iterancestors()):
            continue
        if any(text in title and len(text) >= _MIN_HEADLINE_SHARE * len(title) for title in titles):
            return element
    # Some templates print the headline in a plain <div>: the declared title, minus its site
    # name, spelled out exactly.
    cores = {part for title in titles for part in _TITLE_PARTS.split(title)
             if len(part) >= _MIN_CORE_CHARS}
    if cores:
        for element in tree.iter("div", "span", "p", "strong", "td", "h4", "h5"):
            if norm(element.text_content()) in cores and not any(
                a.tag in ("a", "head") for a in element.iterancestors()
            ):
                return element
    h1s = _own_h1s(tree, url)
    return h1s[0] if len(h1s) == 1 else None


def _own_h1s(tree: HtmlElement, url: str) -> list[HtmlElement]:
    """The <h1>s with text that are not a link to another page: a theme's logo or section label
    ("<h1><a href="/kanal/inpicture">Inpicture</a></h1>") is not the article's headline."""
    own: list[HtmlElement] = []
    for h1 in tree.iter("h1"):
        text = one_line(h1.text_content())
        if not text:
            continue
        links = [a for a in h1.iter("a") if one_line(a.text_content()) == text]
        here = url.split("#", 1)[0].rstrip("/")
        if any(urljoin(url, a.get("href") or "").split("#", 1)[0].rstrip("/") != here
               for a in links):
            continue
        own.append(h1)
    return own


def _datelines(tree: HtmlElement, headline: HtmlElement) -> tuple[str, ...]:
    # `elements` keeps every proxy alive, so lxml hands out the same objects below and their ids
    # stay valid.
    elements = [e for e in tree.iter() if isinstance(e.tag, str)]
    inside = set(map(id, headline.iter()))
    around = {id(a) for a in headline.iterancestors()}
    position = next(i for i, element in enumerate(elements) if element is headline)
    after: list[str] = []
    for element in elements[position + 1 : position + 1 + _DATELINE_WINDOW_AFTER]:
        if id(element) in inside:
            continue
        own = one_line(element.text)
        if len(own) > _BODY_TEXT_CHARS:
            break  # the body has begun
        if text := _dateline_text(element):
            after.append(text)
    before: list[str] = []
    for element in reversed(elements[max(0, position - _DATELINE_WINDOW_BEFORE) : position]):
        if id(element) not in around and (text := _dateline_text(element)):
            before.append(text)
    return tuple(dict.fromkeys([*after, *before]))


def _furniture_lines(tree: HtmlElement) -> frozenset[str]:
    """The short dated texts inside elements named as page furniture (sidebars,
    "Terpopuler"/related boxes, agendas) that hold a small part of the page's text: lines of
    those are never the article's, even where trafilatura keeps them."""
    body = tree.find(".//body")
    total = len((body if body is not None else tree).text_content())
    found: set[str] = set()
    for element in tree.iter("div", "aside", "section", "ul", "table", "td"):
        names = f"{element.get('class') or ''} {element.get('id') or ''}".split()
        if not any(_FURNITURE_NAME.fullmatch(name) for name in names):
            continue
        if len(element.text_content()) >= _FURNITURE_SHARE * total:
            continue
        for inner in element.iter():
            text = norm(inner.text_content()) if isinstance(inner.tag, str) else ""
            # Only dated lines: a box's dates are what would mislead, its other lines may be
            # shared with the article (a headline, a lead).
            if 0 < len(text) <= 200 and any(c.isdigit() for c in text):
                found.add(text)
    return frozenset(found)


_FURNITURE_SHARE = 0.3


def _dateline_text(element: HtmlElement) -> str | None:
    if element.tag in _SKIPPED_TAGS:
        return None
    text = one_line(element.text_content())
    if not (6 <= len(text) <= _DATELINE_MAX_CHARS) or not any(c.isdigit() for c in text):
        return None
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            break
        if node.tag in _SKIPPED_TAGS:
            return None
        names = f"{node.get('class') or ''} {node.get('id') or ''}".split()
        if any(_FURNITURE_NAME.fullmatch(name) for name in names):
            return None
    return text


# --- JSON-LD ------------------------------------------------------------------------------------

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


# --- text normalisation for comparisons ---------------------------------------------------------


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def norm(text: str) -> str:
    return one_line(text).casefold()


def squash(text: str) -> str:
    """Site names compare without case, spaces or punctuation ("TheHill" is "The Hill")."""
    return re.sub(r"\W+", "", text.casefold())
