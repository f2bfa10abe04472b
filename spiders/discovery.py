"""Pure discovery logic for NewsSpider: start plans, URL building and filtering, feed and sitemap
parsing. Nothing here touches Scrapy or the network, so every rule is testable on plain values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from io import BytesIO
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
from lxml import etree

from archive.identity import urlnorm
from spiders.registry import DEFAULT_PORTS, SiteEntry

StartKind = Literal["robots", "sitemap", "feed", "modified-feed", "listing", "home"]
LinkKind = Literal["skip", "candidate", "follow", "listing"]

WORDPRESS_SITEMAP_PATHS = (
    "/wp-sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap.xml",
    "/news-sitemap.xml",
)
WORDPRESS_FEED_PATH = "/feed/"
# Every WordPress serves an Atom feed whose <updated> is the post's modified time, and honours
# the public query var orderby=modified on feeds: the posts edited last, old ones included.
WORDPRESS_MODIFIED_FEED = "/feed/atom/?orderby=modified"

# Extensions of files that are never news pages. A sitemap may still list them on purpose, so
# sitemap locations bypass this check.
_BINARY_EXTENSION_LIST = (
    "7z apk avi bin bmp css csv dmg doc docx eot eps exe flv gif gz ico iso jpeg jpg js json m4a "
    "m4v mkv mov mp3 mp4 mpeg mpg odp ods odt ogg pdf png ppt pptx psd rar rss rtf svg swf tar tgz "
    "tif tiff ttf txt wav webm webp wma wmv woff woff2 xls xlsx xml zip"
)
BINARY_EXTENSIONS = frozenset(_BINARY_EXTENSION_LIST.split(" "))

# Query parameters that only track the visitor; removing them makes one page one URL.
# One list of tracking parameters for the whole project: the archive's URL identity rules.
TRACKING_PARAMS = urlnorm.TRACKING_PARAMS
_TRACKING_PREFIXES = urlnorm.TRACKING_PREFIXES

# WordPress and site furniture that is never an article (feeds are read as feeds, not pages).
DEFAULT_IGNORE = tuple(
    re.compile(p)
    for p in (
        r"/wp-(?:admin|login\.php|json|content|includes)(?:/|$)",
        r"/xmlrpc\.php",
        r"/cdn-cgi/",
        r"/(?:comments/)?feed(?:/(?:rss2?|atom|rdf))?/?(?:$|\?)",
        r"/author/",
        r"/search/?(?:$|\?)",
        r"[?&](?:s|replytocom|share|print|like_comment|action)=",
        r"/amp/?(?:$|\?)",
        r"^[^?]*/amp/",
        r"/print/?(?:$|\?)",
        r"^[^?]*/print/",
        r"[?&]amp(?:=1)?(?:&|$)",
    )
)

# First path segments that name a listing of many articles (WordPress, Blogger, Indonesian CMSs).
LISTING_SEGMENTS = frozenset(
    {"category", "kategori", "rubrik", "kanal", "topik", "topic", "tag", "section", "label"}
)
# Whole paths that are listings on their own.
LISTING_PATHS = frozenset({"indeks", "index", "terkini", "berita-terkini", "berita", "news"})
_PAGINATION_RE = re.compile(r"/page/\d+/?$|[?&](?:page|paged)=\d+(?:&|$)")
_TAXONOMY_SITEMAP_RE = re.compile(
    r"(?:category|post_tag|tag|author|post_format|users?|taxonomies)(?:-sitemap|[-_])", re.I
)
# WordPress feed paths (posts, not comments): /feed/, /feed/atom/, /category/x/feed/ …
_FEED_PATH_RE = re.compile(r"/feed(?:/(?:rss2?|atom|rdf))?/?(?:$|\?)")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_NEXT_TEXT_RE = re.compile(
    r"^\s*(?:older posts|older entries|next(?: page)?|selanjutnya|berikutnya|lebih lama"
    r"|halaman berikutnya|[›»]|next\s*[›»]|berikutnya\s*[›»])\s*$",
    re.I,
)


# --- start plan ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartTarget:
    url: str
    kind: StartKind


def start_plan(entry: SiteEntry) -> list[StartTarget]:
    """What a crawl of `entry` requests first.

    Configured sources (sitemap_urls, feed_urls, listing_urls) replace discovery: whoever wrote
    them knows the site better than the guesses. Without them: robots.txt for its Sitemap: lines,
    the usual WordPress sitemap paths, the /feed/ path, the Atom feed ordered by modification
    date (WORDPRESS_MODIFIED_FEED, a change signal for old posts) and the home page (feeds
    announced in <link rel="alternate">, category links, and the home page's own pagination).
    """
    if entry.has_hints:
        return [
            *(StartTarget(u, "sitemap") for u in entry.sitemap_urls),
            *(StartTarget(u, "feed") for u in entry.feed_urls),
            *(StartTarget(u, "listing") for u in entry.listing_urls),
        ]
    return [
        StartTarget(site_url(entry.home_url, "/robots.txt"), "robots"),
        *(StartTarget(site_url(entry.home_url, p), "sitemap") for p in WORDPRESS_SITEMAP_PATHS),
        StartTarget(site_url(entry.home_url, WORDPRESS_FEED_PATH), "feed"),
        StartTarget(modified_feed_url(entry.home_url), "modified-feed"),
        StartTarget(entry.home_url, "home"),
    ]


def modified_feed_url(home_url: str, page: int = 1) -> str:
    """WordPress's Atom feed of the posts modified last (`paged` for the pages after the first)."""
    path, _, query = WORDPRESS_MODIFIED_FEED.partition("?")
    if page > 1:
        query += f"&paged={page}"
    return site_url(home_url, path, query)


def is_modified_feed(url: str) -> bool:
    return WORDPRESS_MODIFIED_FEED in url


def site_url(home_url: str, path: str, query: str = "") -> str:
    """`path` (and `query`) on the home URL's origin (scheme, host and port kept exactly)."""
    parts = urlsplit(home_url)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


# --- URL building --------------------------------------------------------------------------------


def listing_page_url(url: str, n: int, pattern: str) -> str:
    """Page `n` of the listing at `url` (page 1 is the URL itself).

    The URL's query string is kept and re-attached, so a WordPress category filtered by query
    still paginates as /category/x/page/2/?orderby=date.
    """
    if n <= 1:
        return url
    parts = urlsplit(url)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
    after = pattern.split("{url}", 1)[1][:1] if "{url}" in pattern else ""
    if after == "/":
        base = base.rstrip("/")
    elif after and after not in "?&#" and not base.endswith("/"):
        base += "/"
    built = pattern.format(url=base, n=n)
    if parts.query:
        built += ("&" if "?" in built else "?") + parts.query
    return built


def canonicalize(url: str, strip_params: tuple[str, ...] | frozenset[str] = ()) -> str:
    """The URL a candidate is requested under: no fragment, no tracking or site-stripped
    parameters, lower-case scheme and host, no default port, at least "/" as path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    strip = set(strip_params)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in TRACKING_PARAMS and not k.startswith(_TRACKING_PREFIXES) and k not in strip
    ]
    kept = urlencode(query, doseq=True) if len(query) != _param_count(parts.query) else parts.query
    return urlunsplit((scheme, netloc, parts.path or "/", kept, ""))


def _param_count(query: str) -> int:
    return len(parse_qsl(query, keep_blank_values=True))


# --- link filtering ------------------------------------------------------------------------------


def has_binary_extension(url: str) -> bool:
    path = urlsplit(url).path
    last = path.rsplit("/", 1)[-1]
    if "." not in last:
        return False
    return last.rsplit(".", 1)[-1].lower() in BINARY_EXTENSIONS


def is_ignored(url: str, entry: SiteEntry) -> bool:
    """Never fetched: the entry's ignore_url_patterns and the built-in non-article furniture."""
    return any(p.search(url) for p in entry.ignore_url_patterns) or any(
        p.search(url) for p in DEFAULT_IGNORE
    )


def is_pagination(url: str) -> bool:
    return bool(_PAGINATION_RE.search(url))


def looks_like_listing(url: str) -> bool:
    """A category/tag/section page or an index: a source of article links, not an article."""
    segments = [s for s in urlsplit(url).path.lower().split("/") if s]
    if not segments:
        return False
    if segments[0] in LISTING_SEGMENTS:
        return True
    if segments[:2] == ["search", "label"]:  # Blogger labels
        return True
    return len(segments) == 1 and segments[0] in LISTING_PATHS


def is_home(url: str, entry: SiteEntry) -> bool:
    return canonicalize(url) == canonicalize(entry.home_url)


def classify_link(url: str, entry: SiteEntry) -> LinkKind:
    """What to do with an in-page link.

    - skip: off-site (see SiteEntry.is_in_site for the port rule), ignored, binary, the home page,
      or pagination (pagination is followed only from listing pages, as pagination);
    - candidate: fetched and handed to the pipelines (an article or not: extract decides);
    - listing: a category/tag page, paginated when found on the home page;
    - follow: only with article_url_pattern — an in-site page fetched for its links, not stored.
    """
    if not _acceptable(url, entry) or has_binary_extension(url) or is_pagination(url):
        return "skip"
    pattern = entry.article_url_pattern
    if pattern is not None and pattern.search(url):
        return "candidate"
    if looks_like_listing(url):
        return "listing"
    if is_home(url, entry):
        return "skip"
    return "candidate" if pattern is None else "follow"


def accept_sitemap_location(url: str, entry: SiteEntry) -> bool:
    """Sitemap <loc> entries: trusted to be pages, so binary extensions pass; the article
    pattern, when given, still decides what is stored."""
    if not _acceptable(url, entry):
        return False
    pattern = entry.article_url_pattern
    return pattern is None or bool(pattern.search(url))


def accept_feed_link(url: str, entry: SiteEntry) -> bool:
    return accept_sitemap_location(url, entry) and not has_binary_extension(url)


def accept_child_sitemap(url: str, entry: SiteEntry) -> bool:
    """Sitemaps listed by an index or robots.txt, minus taxonomy/author ones (listing pages)."""
    if not url.startswith(("http://", "https://")) or not entry.is_in_site(url):
        return False
    if any(p.search(url) for p in entry.ignore_url_patterns):
        return False
    return not is_taxonomy_sitemap(url)


def accept_feed_url(url: str, entry: SiteEntry, *, title: str | None = None) -> bool:
    """A feed announced by a page: in-site, not ignored by the entry, not a comments feed.
    (The built-in ignore list names feed paths because they are never article candidates.)"""
    if not url.startswith(("http://", "https://")) or not entry.is_in_site(url):
        return False
    if any(p.search(url) for p in entry.ignore_url_patterns):
        return False
    return not is_comments_feed(url, title)


def is_taxonomy_sitemap(url: str) -> bool:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return bool(_TAXONOMY_SITEMAP_RE.search(name))


def _acceptable(url: str, entry: SiteEntry) -> bool:
    return (
        url.startswith(("http://", "https://"))
        and entry.is_in_site(url)
        and not is_ignored(url, entry)
    )


def is_feed_type(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in _FEED_TYPES


def is_feed_path(url: str) -> bool:
    """A WordPress-style posts feed URL, known without fetching it."""
    return bool(_FEED_PATH_RE.search(url.partition("#")[0])) and not is_comments_feed(url)


def is_comments_feed(url: str, title: str | None = None) -> bool:
    title = (title or "").lower()
    return "/comments/feed" in url or "comment" in title or "komentar" in title


def is_next_link_text(text: str | None) -> bool:
    """Link text of a "next page" / "older posts" control, in English or Indonesian."""
    return bool(text and _NEXT_TEXT_RE.match(" ".join(text.split())))


def charset_from_content_type(value: str | None) -> str | None:
    """The charset parameter of a Content-Type header, as sent (lower-cased, unquoted)."""
    if not value:
        return None
    for param in value.split(";")[1:]:
        key, _, raw = param.partition("=")
        if key.strip().lower() == "charset":
            charset = raw.strip().strip("'\"").strip().lower()
            return charset or None
    return None


# --- dates ---------------------------------------------------------------------------------------


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """A sitemap/feed date as an aware UTC datetime, or None if unreadable.

    Values without an offset are taken as UTC: it is only a hint, and WordPress sitemaps (most of
    what we read) always carry the offset.
    """
    if not text or not text.strip():
        return None
    value = text.strip()
    parsed = _iso(value) or _rfc2822(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _iso(value: str) -> datetime | None:
    if re.fullmatch(r"\d{4}", value):
        value += "-01-01"
    elif re.fullmatch(r"\d{4}-\d{2}", value):
        value += "-01"
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _rfc2822(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


# --- feeds ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    published: datetime | None
    updated: datetime | None = None
    """Only when the entry states it (Atom <updated>, dcterms:modified): the change signal
    incremental crawls use. RSS <pubDate> alone says nothing about later edits."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    is_feed: bool
    entries: tuple[FeedEntry, ...]


# A DOCTYPE with an internal subset: where entity declarations (XML bombs, XXE) live.
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)


def parse_feed(body: bytes, url: str) -> ParsedFeed:
    """RSS or Atom `body` fetched from `url`: entry links (resolved against the feed URL) with
    their publication date (pubDate/published, else updated) and stated update date in UTC.

    Entity declarations are removed before parsing: no feed needs its own entities, and expat
    would expand them (a billion-laughs feed costs seconds even with expat's own limits)."""
    if b"<!ENTITY" in body[:65536].upper():
        body = _DOCTYPE_SUBSET.sub(b"", body, count=1)
    parsed = feedparser.parse(body, response_headers={"content-location": url}, sanitize_html=False)
    entries = []
    for item in parsed.entries:
        link = _entry_link(item, url)
        if link:
            entries.append(FeedEntry(link, _entry_date(item), _entry_updated(item)))
    return ParsedFeed(bool(parsed.get("version")) or bool(entries), tuple(entries))


def _entry_link(item: feedparser.FeedParserDict, base: str) -> str | None:
    link = item.get("link")
    if not link:
        alternates = [
            ln.get("href")
            for ln in item.get("links", [])
            if ln.get("rel", "alternate") == "alternate"
        ]
        link = next((a for a in alternates if a), None)
    if not link:
        return None
    return urljoin(base, link.strip())


def _entry_date(item: feedparser.FeedParserDict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = item.get(key)
        if value:
            # feedparser has already normalised the struct_time to UTC.
            return datetime(*value[:6], tzinfo=UTC)
    return None


def _entry_updated(item: feedparser.FeedParserDict) -> datetime | None:
    # Plain dict lookup: feedparser's own get("updated_parsed") falls back to the publication
    # date, which would make every RSS item look edited when it was published.
    value = dict.get(item, "updated_parsed")
    return datetime(*value[:6], tzinfo=UTC) if value else None


# --- sitemaps ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    news_published: datetime | None = None
    is_news: bool = False


@dataclass(frozen=True, slots=True)
class ParsedSitemap:
    kind: Literal["urlset", "sitemapindex"] | None
    entries: tuple[SitemapEntry, ...]


def parse_sitemap(body: bytes, base_url: str = "") -> ParsedSitemap:
    """A sitemap or sitemap index (already un-gzipped), including Google News blocks.

    Anything that is not one (an HTML page served at /sitemap.xml, garbage) has kind None.
    Malformed XML is read as far as it goes. Entities are never resolved (no XXE).
    """
    kind: Literal["urlset", "sitemapindex"] | None = None
    entries: list[SitemapEntry] = []
    events = etree.iterparse(
        BytesIO(body),
        events=("start", "end"),
        recover=True,
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for event, elem in events:
            name = _local_name(elem.tag)
            if kind is None:
                if name not in ("urlset", "sitemapindex"):
                    return ParsedSitemap(None, ())
                kind = "urlset" if name == "urlset" else "sitemapindex"
                continue
            if event == "end" and name in ("url", "sitemap"):
                entry = _sitemap_entry(elem, base_url)
                if entry is not None:
                    entries.append(entry)
                _release(elem)
    except etree.LxmlError:
        pass
    return ParsedSitemap(kind, tuple(entries))


def _local_name(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _sitemap_entry(elem: etree._Element, base_url: str) -> SitemapEntry | None:
    loc = lastmod = published = None
    is_news = False
    # Direct children only: <image:image><image:loc> must not pass for the page's <loc>.
    for child in elem:
        name = _local_name(child.tag)
        if name == "loc":
            loc = (child.text or "").strip()
        elif name == "lastmod":
            lastmod = parse_w3c_datetime(child.text)
        elif name == "news":
            is_news = True
            published = _news_publication_date(child)
    if not loc:
        return None
    return SitemapEntry(urljoin(base_url, loc), lastmod, published, is_news)


def _news_publication_date(news: etree._Element) -> datetime | None:
    for node in news.iter():
        if _local_name(node.tag) == "publication_date":
            return parse_w3c_datetime(node.text)
    return None


def _release(elem: etree._Element) -> None:
    # Keep memory flat on sitemaps with tens of thousands of URLs.
    elem.clear()
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]
