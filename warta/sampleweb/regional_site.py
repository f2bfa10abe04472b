"""The regional benchmark web's content model: site makes, sites and posts.

A *make* is how a site is built (WordPress with the REST API open, WordPress core sitemaps, a
custom CMS, a Joomla-era ``*.go.id`` site, a portal with listings only …): which discovery
surfaces it has, its URL shapes and what its validators do. Rendering lives in
``regional_pages`` (HTML) and ``regional_feeds`` (robots.txt, sitemaps, feeds, REST API);
serving in ``regional``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from warta.sampleweb.content import WIB
from warta.sampleweb.regional_text import PLACES, generate_article

Family = Literal["wordpress", "cms", "goid", "portal"]
SitemapKind = Literal["yoast", "core", "cms", "plain", ""]
FeedKind = Literal["wordpress", "cms", "joomla", ""]


@dataclass(frozen=True, slots=True)
class Make:
    key: str
    family: Family
    sitemap: SitemapKind
    feed: FeedKind
    rest_api: bool = False
    """WordPress REST API open (``/wp-json/wp/v2/posts``); other WordPress makes answer 401."""
    atom: bool = False
    per_request_noise: bool = False
    """A view counter and a form token change the body on every request, not only nightly."""
    robots: bool = True
    encoding: str = "utf-8"
    validators: Literal["etag", "last-modified"] = "etag"
    """HTML pages carry an ETag (a CDN's hash of the body) or only a Last-Modified (the time the
    page cache was rebuilt, nightly)."""


MAKES: tuple[Make, ...] = (
    Make("wordpress-rest", "wordpress", "yoast", "wordpress", rest_api=True, atom=True),
    Make("portal-listings", "portal", "", ""),
    Make("custom-cms", "cms", "cms", "cms", per_request_noise=True),
    Make(
        "goid-joomla",
        "goid",
        "plain",
        "joomla",
        robots=False,
        encoding="windows-1252",
        validators="last-modified",
    ),
    Make("wordpress-core", "wordpress", "core", "wordpress"),
    Make("wordpress-feed", "wordpress", "", "wordpress"),
)
MAKES_BY_KEY = {m.key: m for m in MAKES}

# (name, title, province, regency, home place) per make, in MAKES order.
_IDENTITIES = (
    ("kabarsriwijaya", "Kabar Sriwijaya", "Sumatera Selatan", "Kabupaten Ogan Ilir", "Indralaya"),
    ("wartarafflesia", "Warta Rafflesia", "Bengkulu", "Kabupaten Seluma", "Tais"),
    ("lintasbengkulu", "Lintas Bengkulu", "Bengkulu", None, "Bengkulu"),
    ("dppkb-kaur", "DPPKB Kabupaten Kaur", "Bengkulu", "Kabupaten Kaur", "Bintuhan"),
    ("suaralamtim", "Suara Lampung Timur", "Lampung", "Kabupaten Lampung Timur", "Sukadana"),
    ("okuraya", "OKU Raya", "Sumatera Selatan", "Kabupaten Ogan Komering Ulu", "Baturaja"),
)
CATEGORIES: dict[str, str] = {
    "kesehatan": "Kesehatan",
    "pemerintahan": "Pemerintahan",
    "keluarga": "Keluarga",
    "daerah": "Daerah",
}


@dataclass(slots=True)
class RegionalPost:
    """One post: what the site serves and what a correct crawl stores (the ground truth)."""

    site: str
    post_id: int
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    category: str
    author: str
    published: datetime
    """Aware; what the page, the listings and the feeds show."""
    modified: datetime
    """Aware; sitemap <lastmod>, Atom <updated>, REST ``modified``."""
    key_sentence: str
    """A sentence only this post has; after an edit, the newest correction."""
    path: str = ""
    url: str = ""
    """Absolute, once the web runs."""
    topical: bool = True
    edits: int = 0
    backdated: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class RegionalSite:
    name: str
    make: Make
    title: str
    province: str
    regency: str | None
    place: str
    posts: list[RegionalPost] = field(default_factory=list)
    """Newest first."""
    per_page: int = 10
    categories: tuple[str, ...] = tuple(CATEGORIES)
    """Slugs of the categories in use (CATEGORIES order)."""

    @property
    def domain_label(self) -> str:
        tld = ".go.id" if self.make.family == "goid" else ".com"
        return self.name.replace("-", "").upper() + tld.upper()

    def sort(self) -> None:
        self.posts.sort(key=lambda p: (p.published, p.post_id), reverse=True)

    def post_by(self, url_or_slug: str) -> RegionalPost:
        for post in self.posts:
            if url_or_slug in (post.slug, post.url, post.path, str(post.post_id)):
                return post
        raise KeyError(f"{self.name}: no post {url_or_slug!r}")

    def in_category(self, category: str) -> list[RegionalPost]:
        return [p for p in self.posts if p.category == category]

    def next_id(self) -> int:
        return max((p.post_id for p in self.posts), default=1000) + 1

    # --- URL shapes ------------------------------------------------------------------------------

    def post_path(self, post: RegionalPost) -> str:
        local = post.published.astimezone(WIB)
        family, key = self.make.family, self.make.key
        if family == "cms":
            return f"/berita/{post.post_id}/{post.slug}"
        if family == "goid":
            return f"/berita/{post.post_id}-{post.slug}"
        if family == "portal":
            return f"/read/{post.post_id}/{post.slug}"
        if key == "wordpress-rest":
            return f"/{local:%Y/%m/%d}/{post.slug}/"
        if key == "wordpress-core":
            return f"/{post.slug}/"
        return f"/{local:%Y/%m}/{post.slug}/"

    def listings(self) -> dict[str, list[RegionalPost]]:
        """Listing roots (site paths) and their posts, newest first. Every make lists all posts
        under one root and each category under its own."""
        family = self.make.family
        if family == "wordpress":
            out = {"/": self.posts}
            out.update({f"/category/{c}/": self.in_category(c) for c in self.categories})
        elif family == "cms":
            out = {"/indeks": self.posts}
            out.update({f"/rubrik/{c}": self.in_category(c) for c in self.categories})
        elif family == "portal":
            out = {"/terkini": self.posts}
            out.update({f"/kanal/{c}": self.in_category(c) for c in self.categories})
        else:
            out = {"/berita": self.posts}
        return out

    def listing_path(self, root: str, page: int) -> str:
        """Page `page` of the listing at `root`, as the site links it."""
        if page <= 1:
            return root
        family = self.make.family
        if family == "wordpress":
            return f"{root}page/{page}/"
        if family == "goid":
            return f"{root}?start={(page - 1) * self.per_page}"
        return f"{root}?page={page}"

    def page_count(self, posts: list[RegionalPost]) -> int:
        return max(1, -(-len(posts) // self.per_page))

    def listing_pages_of(self, post: RegionalPost) -> dict[str, int]:
        """{listing root: page number} of every listing that shows `post`."""
        out = {}
        for root, posts in self.listings().items():
            if post in posts:
                out[root] = posts.index(post) // self.per_page + 1
        return out


def build_site(
    index: int,
    make: Make,
    articles: int,
    seed: int,
    start: datetime,
    per_page: int = 10,
    categories: int = len(CATEGORIES),
) -> RegionalSite:
    """Site number `index` of make `make` with `articles` posts, the newest a day before
    `start`, about two a day going back."""
    name, title, province, regency, place = _IDENTITIES[MAKES.index(make)]
    if index >= len(MAKES):
        name, title = f"{name}{index // len(MAKES) + 1}", f"{title} {index // len(MAKES) + 1}"
    if not 1 <= categories <= len(CATEGORIES):
        raise ValueError(f"categories must be between 1 and {len(CATEGORIES)}")
    site = RegionalSite(name, make, title, province, regency, place, per_page=per_page,
                        categories=tuple(CATEGORIES)[:categories])  # fmt: skip
    rng = random.Random(f"{seed}-{name}")
    when = start - timedelta(days=1)
    for _ in range(articles):
        when -= timedelta(hours=rng.randint(4, 20), minutes=rng.randint(0, 59))
        published = when.replace(second=0, microsecond=0)
        # Most posts get a small correction shortly after going up; some weeks later.
        modified = published + timedelta(minutes=rng.randint(5, 180))
        if rng.random() < 0.1:
            modified = published + timedelta(days=rng.randint(2, 20), minutes=rng.randint(0, 999))
            if modified > start - timedelta(hours=1):
                span = start - timedelta(hours=1) - published
                modified = (published + span * rng.uniform(0.3, 0.9)).replace(microsecond=0)
        add_generated(site, rng, published, modified)
    return site


def add_generated(
    site: RegionalSite,
    rng: random.Random,
    published: datetime,
    modified: datetime,
    *,
    category: str | None = None,
) -> RegionalPost:
    post_id = site.next_id()
    topical = rng.random() < 0.8
    place = rng.choice((site.place, *PLACES[:12]))
    dateline = ""
    if site.make.family in ("wordpress", "cms"):
        dateline = f"{place.upper()}, {site.domain_label} –"
    text = generate_article(
        rng, f"{site.name}-{post_id}", place=place, dateline=dateline, topical=topical
    )
    titles = {p.title for p in site.posts}
    title = text.title if text.title not in titles else f"{text.title} ({post_id})"
    slug = "-".join(
        "".join(ch for ch in word.lower() if ch.isalnum()) for word in title.split()[:9]
    ).strip("-")
    post = RegionalPost(
        site=site.name,
        post_id=post_id,
        slug=f"{slug}-{post_id}" if site.make.family == "wordpress" else slug,
        title=title,
        paragraphs=text.paragraphs,
        category=category or rng.choice(site.categories),
        author=f"{rng.choice(('Redaksi', 'Tim Liputan', 'Kontributor'))} {site.place}",
        published=published,
        modified=max(modified, published),
        key_sentence=text.key_sentence,
        topical=topical,
    )
    post.path = site.post_path(post)
    site.posts.append(post)
    site.sort()
    return post
