"""Ground truth: what a correct crawl of the sample web stores, and how each article can be found.

Reachability is computed from the rendered pages themselves (links parsed out of the HTML, sitemap
<loc>s, feed links, robots.txt Sitemap: lines), not from the content model, so a template change
that leaks a link to a "pagination-only" article shows up as a failing ``only_via`` check.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from warta.sampleweb.content import WIB, Article, Site
from warta.sampleweb.pages import HTML_NON_ARTICLE_KINDS, Resource

# Everything the templates inject around article text. A correct extractor keeps none of these;
# no article body contains any of them (tests/test_sampleweb.py checks both directions).
BOILERPLATE_LINES: tuple[str, ...] = (
    # WordPress comment forms, Indonesian and English
    "Tinggalkan Balasan",
    "Batalkan balasan",
    "Alamat email Anda tidak akan dipublikasikan.",
    "Ruas yang wajib ditandai",
    "Simpan nama, email, dan situs web saya",
    "Kirim Komentar",
    "Leave a Reply",
    "Your email address will not be published.",
    "Required fields are marked",
    "Save my name, email, and website",
    "Post Comment",
    # theme furniture
    "Back to top button",
    "No More Posts Available.",
    "No more pages to load.",
    "Muat Lebih",
    "Dilihat",  # view counters: "oleh -215 Dilihat"
    "Baca Juga",  # inline related-post paragraphs: "Baca Juga: <title>", "Baca Juga : <title>"
    "Bagikan:",
    "Share this:",
    "Like this:",
    "Tags:",
    "Trending:",
    "Langsung ke konten",
    "Berita Terkini",
    "Berita Terbaru",
    "Berita Populer",
    "Berita Terkait",
    "All Rights Reserved",
    "Hak Cipta",
    # government CMS modules
    "Statistik Pengunjung",
    "Jumlah Pengunjung",
    "Pengunjung Hari Ini",
    "Hits:",
)

WELL_KNOWN_ROOTS = (
    "/robots.txt",
    "/",
    "/wp-sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap.xml",
    "/news-sitemap.xml",
    "/feed/",
)
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_ATOM_NS = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True, slots=True)
class ExpectedArticle:
    """One article a correct crawl stores exactly once."""

    site: str
    url: str
    title: str
    """Exactly the entry title (h1.entry-title / td.contentheading), typos included."""
    published_date: date
    """The publication day in Asia/Jakarta (WIB)."""
    published_at: datetime | None
    """Aware datetime when the page states the time (metadata or byline), else None."""
    date_source: str
    """'metadata' (time element / meta / JSON-LD), 'byline-text' (an Indonesian date printed on
    the page, no metadata) or 'dateline' (only the dateline inside the text)."""
    author: str | None
    key_sentences: tuple[str, ...]
    """Passages that must survive extraction verbatim."""
    paragraphs: tuple[str, ...]
    """The body as published, one string per paragraph ("Baca Juga" lines excluded)."""
    topical: bool
    """About Bangga Kencana / KB / stunting (human judgement)."""
    listed_on: tuple[str, ...]
    """Every discoverable page (HTML, sitemap, feed) that links to this article."""
    only_via: tuple[str, ...]
    """When non-empty: the design promise that `listed_on` is exactly these pages."""
    seed: str | None


@dataclass(frozen=True, slots=True)
class NonArticle:
    """A discoverable URL that must never be stored as an article."""

    site: str
    url: str
    kind: str
    content_type: str


@dataclass(frozen=True, slots=True)
class GroundTruth:
    articles: tuple[ExpectedArticle, ...]
    non_articles: tuple[NonArticle, ...]

    @property
    def non_article_urls(self) -> tuple[str, ...]:
        return tuple(n.url for n in self.non_articles)


# --- link graph ----------------------------------------------------------------------------------


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        href = values.get("href")
        if not href:
            return
        if tag in ("a", "area"):
            self.links.append(href)
        elif tag == "link":
            rel = set(values.get("rel", "").lower().split())
            if rel & {"alternate", "next", "prev"}:
                self.links.append(href)


def resource_links(resource: Resource, page_url: str, encoding: str) -> list[str]:
    """Absolute URLs a crawler can find in `resource`."""
    body = resource.body
    if resource.kind == "robots":
        return [
            line.split(":", 1)[1].strip()
            for line in body.decode("utf-8").splitlines()
            if line.lower().startswith("sitemap:")
        ]
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    if resource.kind in ("sitemap-index", "sitemap", "news-sitemap"):
        root = ElementTree.fromstring(body)
        # Direct children only: <image:loc> inside <image:image> is not a page.
        return [
            (loc.text or "").strip()
            for entry in root
            for loc in entry
            if loc.tag == _SITEMAP_NS + "loc"
        ]
    if resource.kind == "rss":
        root = ElementTree.fromstring(body)
        return [(link.text or "").strip() for link in root.iterfind("./channel/item/link")]
    if resource.kind == "atom":
        root = ElementTree.fromstring(body)
        return [
            link.get("href", "")
            for link in root.iterfind(f"./{_ATOM_NS}entry/{_ATOM_NS}link")
            if link.get("rel", "alternate") == "alternate"
        ]
    if resource.content_type.startswith("text/html"):
        parser = _LinkParser()
        parser.feed(body.decode(encoding))
        return [urljoin(page_url, href) for href in parser.links]
    return []


def link_graph(routes: Mapping[str, Resource], base: str, encoding: str) -> dict[str, set[str]]:
    """route key -> route keys it links to (in-site, existing routes only, fragments dropped)."""
    netloc = urlsplit(base).netloc
    origin = base.rstrip("/")
    graph: dict[str, set[str]] = {}
    for key, resource in routes.items():
        targets = set()
        for url in resource_links(resource, origin + key, encoding):
            parts = urlsplit(url)
            if parts.netloc != netloc:
                continue
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if target in routes and target != key:
                targets.add(target)
        graph[key] = targets
    return graph


def reachable(graph: Mapping[str, set[str]], roots: Iterable[str], without: str = "") -> set[str]:
    seen: set[str] = set()
    stack = [r for r in roots if r in graph and r != without]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(t for t in graph[node] if t not in seen and t != without)
    return seen


def site_roots(site: Site, routes: Mapping[str, Resource]) -> list[str]:
    """Where discovery can start: the well-known paths that exist plus the registry hints."""
    hinted = [
        path
        for key in ("sitemap_urls", "feed_urls", "listing_urls")
        for path in site.registry.get(key, [])
    ]
    return [p for p in dict.fromkeys([*WELL_KNOWN_ROOTS, *hinted]) if p in routes]


# --- records -------------------------------------------------------------------------------------


def expected_article(
    site: Site, article: Article, origin: str, listed_on: Iterable[str]
) -> ExpectedArticle:
    style = site.style
    local = article.published.astimezone(WIB)
    stated_time = style.theme == "wordpress" and style.page_gives_time
    if style.theme == "goid":
        date_source = "byline-text" if article.show_date else "dateline"
    elif style.theme in ("cms", "portal"):  # warta.sampleweb.foreign
        stated_time = style.theme == "cms"
        date_source = "byline-text" if stated_time else "dateline"
    elif style.page_gives_time:
        date_source = "metadata"
    else:
        date_source = "byline-text"
    return ExpectedArticle(
        site=site.name,
        url=origin + article.path,
        title=article.title,
        published_date=local.date(),
        published_at=local if stated_time else None,
        date_source=date_source,
        author=article.author,
        key_sentences=tuple(article.key_sentences),
        paragraphs=tuple(article.paragraphs()),
        topical=article.topical,
        listed_on=tuple(origin + p for p in sorted(listed_on)),
        only_via=tuple(origin + p for p in article.only_via),
        seed=article.seed,
    )


def site_truth(
    site: Site, routes: Mapping[str, Resource], base: str
) -> tuple[list[ExpectedArticle], list[NonArticle]]:
    origin = base.rstrip("/")
    graph = link_graph(routes, base, site.style.encoding)
    roots = site_roots(site, routes)
    everything = reachable(graph, roots)
    articles = []
    for article in site.real_articles():
        found = reachable(graph, roots, without=article.path)
        listed_on = [p for p in found if article.path in graph[p]]
        articles.append(expected_article(site, article, origin, listed_on))
    non_articles = [
        NonArticle(site.name, origin + key, r.kind, r.content_type)
        for key, r in sorted(routes.items())
        if key in everything and (r.kind in HTML_NON_ARTICLE_KINDS or r.kind == "file")
    ]
    return articles, non_articles
