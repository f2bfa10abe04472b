"""The sample web's content model: sites, articles, static pages and files, loaded from the TOML
files in ``data/``.

Everything here is plain data. Rendering lives in ``pages``, serving and ground truth in
``server``. The five seed articles (shared/seeds) are copied into the data files with the naive
extractor's boilerplate removed and the published typos kept; every other article, person and
figure is invented for testing.

Body markup: paragraphs are separated by a blank line; ``[[text|/path]]`` is an in-site link.
"""

from __future__ import annotations

import copy
import re
import struct
import tomllib
import zlib
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources
from typing import Any, Literal, TypeVar

WIB = timezone(timedelta(hours=7), "WIB")

DATA_PACKAGE = "warta.sampleweb.data"
SITE_FILES = (
    "karyanasional.toml",
    "maklumatnews.toml",
    "sumeks-banyuasin.toml",
    "ipkb-bengkulu.toml",
    "bkkbn-sumsel.toml",
)

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

_LINK_RE = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")

ArticleKind = Literal["article", "notice"]
_T = TypeVar("_T")


def indonesian_date(d: date | datetime, *, weekday: bool = True) -> str:
    """ "Selasa, 28 Mei 2024" — how Indonesian sites print a date."""
    text = f"{d.day} {BULAN[d.month - 1]} {d.year}"
    return f"{HARI[d.weekday()]}, {text}" if weekday else text


def plain(paragraph: str) -> str:
    """A body paragraph as a reader sees it: link markup reduced to the link text."""
    return _LINK_RE.sub(lambda m: m.group(1), paragraph)


def paragraph_links(paragraph: str) -> list[tuple[str, str]]:
    """(text, path) of every ``[[text|/path]]`` link in a paragraph."""
    return [(m.group(1), m.group(2)) for m in _LINK_RE.finditer(paragraph)]


def split_paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


@dataclass
class Article:
    """One post. ``path`` is filled in from the site's permalink pattern when added to a site."""

    slug: str
    title: str
    published: datetime
    """Aware. Drives ordering, feeds and sitemaps; what the *page* shows depends on the site."""
    body: list[str]
    category: str
    author: str | None = "Redaksi"
    author_slug: str | None = None
    tags: list[str] = field(default_factory=list)
    modified: datetime | None = None
    post_id: int = 0
    kind: ArticleKind = "article"
    """'notice': a short post ("pengumuman") that looks like an article but is not one."""
    topical: bool = True
    """About Bangga Kencana / KB / stunting (a human judgement, for taggers)."""
    key_sentences: list[str] = field(default_factory=list)
    """Distinctive passages of the body that a correct extractor must keep verbatim."""
    related: list[str] = field(default_factory=list)
    """Slugs linked from an inline "Baca Juga" paragraph."""
    related_after: int = 2
    image: str | None = None
    caption: str | None = None
    views: int = 0
    only_via: list[str] = field(default_factory=list)
    """Design intent: the only pages (site paths) from which this article can be discovered."""
    seed: str | None = None
    show_date: bool = True
    """go.id pages: False = no date cell, only the dateline in the text dates the page."""
    aliases: list[str] = field(default_factory=list)
    """Extra paths serving the same page (none by default; for URL-identity tests)."""
    legacy_paths: list[str] = field(default_factory=list)
    """Old paths (a slug changed after publishing) still serving the post from a stale page
    cache: the same text and layout, but a head without rel=canonical or og:url."""
    amp: bool = False
    """WordPress: an AMP rendering at ``<path>amp/`` and ``<path>?amp=1`` (canonical: the post)."""
    print_view: bool = False
    """WordPress: a print view at ``<path>print/`` and ``<path>?print=1`` (canonical: the post)."""
    path: str = ""

    def __post_init__(self) -> None:
        if self.published.tzinfo is None:
            raise ValueError(f"{self.slug}: published must be timezone-aware")
        if not self.author:
            self.author = None
        if self.modified is None:
            # WordPress records a small edit shortly after publishing on most posts.
            self.modified = self.published + timedelta(hours=2)
        if self.author_slug is None and self.author:
            self.author_slug = re.sub(r"[^a-z0-9]+", "-", self.author.lower()).strip("-")

    @property
    def last_modified(self) -> datetime:
        assert self.modified is not None
        return self.modified

    def paragraphs(self) -> list[str]:
        return [plain(p) for p in self.body]

    def text(self) -> str:
        return "\n\n".join(self.paragraphs())

    def word_count(self) -> int:
        return len(self.text().split())


@dataclass
class StaticPage:
    slug: str
    title: str
    body: list[str]
    in_menu: bool = False
    in_footer: bool = True
    path: str = ""


@dataclass
class SiteFile:
    path: str
    kind: Literal["pdf", "png", "css"]
    title: str = ""


@dataclass
class Style:
    """How a site looks and which discovery surfaces it offers. Defaults: a plain WordPress site."""

    theme: Literal["wordpress", "goid", "cms", "portal"] = "wordpress"
    """'cms' and 'portal' are the foreign sites of `warta.sampleweb.foreign`."""
    encoding: str = "utf-8"
    title_sep: str = " - "
    domain_label: str = ""
    # --- discovery -------------------------------------------------------------------------------
    robots: bool = True
    robots_sitemaps: list[str] = field(default_factory=list)
    robots_disallow: list[str] = field(default_factory=lambda: ["/wp-admin/"])
    sitemaps: Literal["yoast", "core", "category", "none"] = "none"
    post_sitemap_size: int = 1000
    """Yoast: posts in /post-sitemap.xml; the older rest go to the gzipped /post-sitemap2.xml.gz."""
    category_sitemap: str = ""
    """'category' sitemaps: path of a sitemap listing one category's posts only."""
    sitemap_category: str = ""
    page_sitemap_files: list[str] = field(default_factory=list)
    news_sitemap: int = 0
    feed_count: int = 0
    atom: bool = False
    home_count: int = 5
    home_category: str = ""
    sidebar_count: int = 5
    sidebar_category: str = ""
    per_page: int = 5
    popular: list[str] = field(default_factory=list)
    search_links: list[str] = field(default_factory=list)
    search_count: int = 5
    listing_query: str = ""
    """go.id: listing pages are ``<listing>?<listing_query>=N`` instead of ``page/N/``."""
    trending: list[tuple[str, str]] = field(default_factory=list)
    """WordPress: (site path, link text) pairs shown in a "Sedang Ramai" sidebar block on every
    page — share and campaign links as visitors pass them around (tracking parameters,
    fragments, AMP and print views, ``/?p=ID``)."""
    # --- furniture -------------------------------------------------------------------------------
    comment_lang: Literal["id", "en", ""] = "id"
    share: Literal["bagikan", "jetpack", ""] = "bagikan"
    view_counter: bool = False
    infinite_scroll: bool = False
    back_to_top: bool = False
    kicker: bool = False
    author_links: bool = True
    tag_links: bool = True
    baca_juga_label: str = "Baca Juga:"
    wp_theme: str = "twentytwentyone"
    # --- dates -----------------------------------------------------------------------------------
    time_element: bool = True
    og_published: Literal["local", "utc", ""] = "local"
    jsonld: Literal["yoast", "simple", ""] = ""
    date_text: Literal["date", "datetime", ""] = ""
    """An Indonesian date in the byline ("Selasa, 28 Mei 2024", optionally "| 13:25 WIB")."""

    @property
    def page_gives_time(self) -> bool:
        """Whether article pages state the publication time (not just the day)."""
        return (
            self.time_element
            or bool(self.og_published)
            or bool(self.jsonld)
            or self.date_text == "datetime"
        )


@dataclass
class Site:
    name: str
    title: str
    tagline: str
    province: str
    permalink: str
    """Article path pattern: {yyyy} {mm} {dd} {slug} {id}."""
    page_permalink: str = "/{slug}/"
    regency: str | None = None
    language: str = "id"
    categories: dict[str, str] = field(default_factory=dict)
    menu: list[str] = field(default_factory=list)
    footer: str = ""
    address: str = ""
    style: Style = field(default_factory=Style)
    articles: list[Article] = field(default_factory=list)
    pages: list[StaticPage] = field(default_factory=list)
    files: list[SiteFile] = field(default_factory=list)
    registry: dict[str, Any] = field(default_factory=dict)
    """Registry hints for this site, with site paths where the registry wants URLs."""
    layout_date: datetime = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
    """Last-Modified of pages that depend on no article (static pages, files)."""
    changed_at: datetime = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
    """Bumped when articles are added or removed: every "latest posts" list may have changed."""

    def __post_init__(self) -> None:
        for page in self.pages:
            page.path = page.path or self.page_permalink.format(slug=page.slug)
        for article in self.articles:
            self._place(article)
        self.sort()

    # --- queries ---------------------------------------------------------------------------------

    def sort(self) -> None:
        self.articles.sort(key=lambda a: a.published, reverse=True)

    def article(self, slug: str) -> Article:
        for a in self.articles:
            if a.slug == slug:
                return a
        raise KeyError(f"{self.name}: no article {slug!r}")

    def posts(self, *, category: str = "", tag: str = "", author: str = "") -> list[Article]:
        """Posts newest first (notices included: WordPress lists them like any post)."""
        out = self.articles
        if category:
            out = [a for a in out if a.category == category]
        if tag:
            out = [a for a in out if tag in a.tags]
        if author:
            out = [a for a in out if a.author_slug == author]
        return list(out)

    def real_articles(self) -> list[Article]:
        return [a for a in self.articles if a.kind == "article"]

    def category_name(self, slug: str) -> str:
        return self.categories.get(slug, slug.replace("-", " ").title())

    def file(self, path: str) -> SiteFile | None:
        return next((f for f in self.files if f.path == path), None)

    # --- mutation helpers (SampleWeb wraps these with locking) ------------------------------------

    def add(self, article: Article) -> Article:
        if any(a.slug == article.slug for a in self.articles):
            raise ValueError(f"{self.name}: article {article.slug!r} exists")
        if not article.post_id:
            article.post_id = max((a.post_id for a in self.articles), default=100) + 1
        self._place(article)
        self.articles.append(article)
        self.sort()
        return article

    def _place(self, article: Article) -> None:
        if article.category not in self.categories:
            raise ValueError(f"{self.name}: {article.slug}: unknown category {article.category!r}")
        local = article.published.astimezone(WIB)
        article.path = article.path or self.permalink.format(
            yyyy=f"{local.year:04d}",
            mm=f"{local.month:02d}",
            dd=f"{local.day:02d}",
            slug=article.slug,
            id=article.post_id,
        )
        if article.image and self.file(article.image) is None:
            self.files.append(SiteFile(article.image, "png", article.caption or article.title))


# --- loading -------------------------------------------------------------------------------------


def load_sites() -> list[Site]:
    """Fresh copies of the bundled sites (callers may mutate them freely)."""
    return [load_site(name) for name in SITE_FILES]


def load_site(filename: str) -> Site:
    """A fresh copy of the site of one data file (`data/<filename>`)."""
    raw = tomllib.loads(resources.files(DATA_PACKAGE).joinpath(filename).read_text("utf-8"))
    info = dict(raw["site"])
    style = _build(Style, info.pop("style", {}), filename)
    articles = [_article(a, filename) for a in raw.get("article", [])]
    pages = [
        _build(StaticPage, {**p, "body": split_paragraphs(p["body"])}, filename)
        for p in raw.get("page", [])
    ]
    files = [_build(SiteFile, f, filename) for f in raw.get("file", [])]
    return _build(
        Site,
        {**info, "style": style, "articles": articles, "pages": pages, "files": files},
        filename,
    )


def _article(table: dict[str, Any], filename: str) -> Article:
    values = dict(table)
    values["body"] = split_paragraphs(values["body"])
    return _build(Article, values, filename)


def _build(cls: type[_T], values: dict[str, Any], where: str) -> _T:
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{where}: {cls.__name__}: unknown keys {unknown}")
    return cls(**copy.deepcopy(values))


# --- tiny binary files ---------------------------------------------------------------------------


def tiny_png(seed: str) -> bytes:
    """A valid 8x8 RGB PNG whose colour depends on `seed` (distinct files, distinct ETags)."""
    rgb = zlib.crc32(seed.encode()).to_bytes(4, "big")[:3]
    raw = b"".join(b"\x00" + rgb * 8 for _ in range(8))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def tiny_pdf(title: str) -> bytes:
    """A valid one-page PDF 1.4 showing `title` (ASCII only), with a correct xref table."""
    text = title.encode("ascii", "replace").replace(b"\\", b"\\\\")
    text = text.replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 36 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


TINY_CSS = b"body{font-family:sans-serif;margin:0}.screen-reader-text{position:absolute}\n"
