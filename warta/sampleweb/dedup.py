"""The deduplication scenario: URL variants and copies across outlets, with the archive a correct
crawl of them produces ("one article, one row per outlet; one story, one cluster").

    with SampleWeb(dedup=True) as web:
        ...  # crawl every site, demo-bkkbn-sumsel (the press release's outlet) first
        expected = web.dedup_expectations()

Off by default: the plain sample web and its ground truth do not change. Enabled, it adds:

- URL variants of one post on each of two WordPress sites: tracking parameters (utm_*, fbclid),
  a #comments fragment, the path without its trailing slash (301), the AMP view (``amp/`` and
  ``?amp=1``), ``/?p=ID`` (301 to the permalink), an old-slug URL served from a stale page cache
  without rel=canonical (an alias only the text can reveal) and, on demo-maklumatnews, an
  old-permalink path serving the post with its canonical (an alias the page declares) — linked
  from a "Sedang Ramai" block in the sidebar of every page, as popular-post widgets keep stale
  links; and the print view (``print/``, ``?print=1``, a WP-Print page: the post between a
  header and a "dicetak dari" footer), linked from the post itself as WP-Print does. Host
  variants (``m.``, ``amp.``, upper case) cannot be served here, every site being 127.0.0.1 on
  its own port; tests/test_urlnorm.py covers them.
- One press release (data/dedup.toml) on demo-bkkbn-sumsel, copied verbatim by
  demo-maklumatnews under its own headline (that outlet's own article, linked to the release as
  its original), and edited by demo-karyanasional (new headline and dateline, 2 of 14 sentences
  reworded) and demo-ipkb-bengkulu (3 of 14, plus a "Sumber: …" line): four articles, one
  story cluster.
- Two outlets' own reports of one event (demo-karyanasional, demo-maklumatnews), sharing names,
  figures and a quote: two stories.

Discovery is kept whole: demo-ipkb-bengkulu's feed grows by one item, so the post the new one
pushes down stays in the feed (its registry entry reads only the feed and a Berita sitemap).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from warta.sampleweb.content import DATA_PACKAGE, Article, Site, split_paragraphs
from warta.sampleweb.pages import view_path

SCENARIO_FILE = "dedup.toml"
SITES = (
    "demo-bkkbn-sumsel",
    "demo-maklumatnews",
    "demo-karyanasional",
    "demo-ipkb-bengkulu",
)

Role = Literal["release", "verbatim", "edited", "independent"]
VariantKind = Literal[
    "tracking",
    "click-id",
    "fragment",
    "no-slash",
    "amp",
    "amp-query",
    "print",
    "print-query",
    "post-id",
    "legacy",
    "alias",
]

# Furniture of the variant pages and the trending block: a correct extractor keeps none of it.
VARIANT_BOILERPLATE_LINES: tuple[str, ...] = (
    "Sedang Ramai",
    "Tinggalkan komentar",
    "Kembali ke atas",
    "Artikel dicetak dari",
    "URL artikel:",
)

# The posts whose URL variants are served and linked, per site.
VARIANT_POSTS = {
    "demo-karyanasional": (
        "pemprov-lampung-kukuhkan-2-450-tim-pendamping-keluarga-sasar-keluarga-berisiko-stunting"
    ),
    "demo-maklumatnews": "percepat-penurunan-stunting-pemkab-okus-gelar-rakor",
}
_SENTENCE_END = re.compile(r"(?<=[.!?”])\s+(?=[A-Z“])")
_LEGACY_PATH = "/2024/10/14/pemprov-lampung-kukuhkan-2450-tpk/"
_OLD_PERMALINK = "/oku-selatan/percepat-penurunan-stunting-pemkab-okus-gelar-rakor/"


@dataclass(frozen=True, slots=True)
class ScenarioPost:
    site: str
    slug: str
    role: Role
    copy_of: str | None = None
    """The release's slug, for copies."""
    edited_sentences: int = 0
    """Edited copies: how many of the release's sentences were rewritten."""
    event: str | None = None
    """Independent reports of one event share it."""


@dataclass(frozen=True, slots=True)
class VariantSpec:
    site: str
    slug: str
    kind: VariantKind
    path: str
    """Site path as linked: path, query and fragment."""
    linked_from: Literal["trending", "post"]
    """Where the link is: the "Sedang Ramai" block of every page, or the post's own page (the
    print plugin's links, as WP-Print places them)."""


@dataclass(frozen=True, slots=True)
class UrlVariant:
    """One variant URL of a post, as linked from the trending block."""

    site: str
    kind: VariantKind
    url: str
    """Absolute, as linked (query and fragment included)."""
    article_url: str
    """The post's own URL: the canonical every variant must resolve to."""
    status: int
    """What the server answers: 200, or 301 to `article_url` ("no-slash", "post-id")."""
    linked_from: Literal["trending", "post"]
    declares_canonical: bool
    """The page served names `article_url` in rel=canonical (False: "legacy", and redirects)."""
    new_alias: bool
    """A correct archive records this URL as one more 'alias' row of the article: it is not
    the canonical URL under any normalisation ("legacy", "alias")."""


@dataclass(frozen=True, slots=True)
class DedupScenario:
    posts: tuple[ScenarioPost, ...]
    variants: tuple[VariantSpec, ...]

    def post(self, role: Role) -> list[ScenarioPost]:
        return [p for p in self.posts if p.role == role]


@dataclass(frozen=True, slots=True)
class DedupExpectations:
    """The archive after crawling the scenario web, every site, in any order."""

    articles: tuple[str, ...]
    """URL of every page stored as an article of its own: every outlet's, copies included."""
    alias_urls: Mapping[str, str]
    """Alias URL -> URL of its article: other URLs of the same post on the same site."""
    copies: Mapping[str, str]
    """Verbatim copy URL -> URL of its original (the same text on another site, published
    earlier): the copy's article is linked to the original's."""
    clusters: tuple[frozenset[str], ...]
    """Every story cluster of more than one article, as article URLs."""
    independent: tuple[frozenset[str], ...]
    """Reports of one event by different outlets: never two of one group in one cluster."""
    variants: tuple[UrlVariant, ...]
    outlets: Mapping[str, frozenset[str]]
    """Release URL -> every site that carried the story (verbatim or edited)."""

    @property
    def url_kinds(self) -> dict[str, int]:
        """article_urls rows per kind."""
        return {"canonical": len(self.articles), "alias": len(self.alias_urls)}


# --- building ------------------------------------------------------------------------------------


def load_scenario_posts() -> list[tuple[ScenarioPost, Article]]:
    """The scenario's posts with fresh Article objects (copies get the release's body)."""
    raw = tomllib.loads(resources.files(DATA_PACKAGE).joinpath(SCENARIO_FILE).read_text("utf-8"))
    tables: list[dict[str, Any]] = raw["article"]
    bodies = {t["slug"]: t.get("body") for t in tables}
    out = []
    for table in tables:
        values = dict(table)
        post = ScenarioPost(
            site=values.pop("site"),
            slug=values["slug"],
            role=values.pop("role"),
            copy_of=values.pop("copy_of", None),
            edited_sentences=values.pop("edited_sentences", 0),
            event=values.pop("event", None),
        )
        if post.role == "verbatim":
            if "body" in values or post.copy_of is None:
                raise ValueError(f"{SCENARIO_FILE}: {post.slug}: a verbatim copy takes its body")
            values["body"] = bodies[post.copy_of]
        values["body"] = split_paragraphs(values["body"])
        out.append((post, Article(**values)))
    return out


def apply(sites: Mapping[str, Site]) -> DedupScenario:
    """Add the scenario to `sites` (the bundled ones), in place."""
    missing = [name for name in SITES if name not in sites]
    if missing:
        raise ValueError(f"the dedup scenario needs the bundled sites {missing}")
    posts = []
    for post, article in load_scenario_posts():
        site = sites[post.site]
        site.add(article)
        # Listings and feeds that show the new post change when it is published.
        site.changed_at = max(site.changed_at, article.published)
        posts.append(post)
    # One post more in a feed of "every post": the oldest would fall out of it otherwise.
    sites["demo-ipkb-bengkulu"].style.feed_count += 1

    variants: list[VariantSpec] = []
    for name, slug in VARIANT_POSTS.items():
        site = sites[name]
        article = site.article(slug)
        article.amp = True
        article.print_view = True
        specs = _variant_specs(name, article)
        for spec in specs:
            if spec.kind == "legacy":
                article.legacy_paths.append(spec.path)
            elif spec.kind == "alias":
                article.aliases.append(spec.path)
        site.style.trending = [
            (spec.path, _label(spec, article)) for spec in specs if spec.linked_from == "trending"
        ]
        variants += specs
    return DedupScenario(tuple(posts), tuple(variants))


def _variant_specs(site: str, article: Article) -> list[VariantSpec]:
    path = article.path
    kinds: list[tuple[VariantKind, str]]
    if site == "demo-karyanasional":
        kinds = [
            ("tracking", path + "?utm_source=facebook&utm_medium=social&utm_campaign=tpk-lampung"),
            ("click-id", path + "?fbclid=IwAR3kT9sFq0v2LxWcPz8"),
            ("fragment", path + "#comments"),
            ("no-slash", path.rstrip("/")),
            ("amp", view_path(path, "amp")),
            ("amp-query", path + "?amp=1"),
            ("print", view_path(path, "print")),
            ("print-query", path + "?print=1"),
            ("post-id", f"/?p={article.post_id}"),
            ("legacy", _LEGACY_PATH),
        ]
    else:
        kinds = [
            ("tracking", path + "?utm_source=whatsapp&utm_medium=share"),
            ("no-slash", path.rstrip("/")),
            ("amp", view_path(path, "amp")),
            ("amp-query", path + "?amp=1"),
            ("print", view_path(path, "print")),
            ("print-query", path + "?print=1"),
            ("post-id", f"/?p={article.post_id}"),
            ("alias", _OLD_PERMALINK),
        ]
    return [
        VariantSpec(site, article.slug, kind, p, "post" if kind.startswith("print") else "trending")
        for kind, p in kinds
    ]


def _label(spec: VariantSpec, article: Article) -> str:
    if spec.kind == "fragment":
        return f"{article.title} (3 komentar)"
    if spec.kind in ("amp", "amp-query"):
        return f"{article.title} [versi ringan]"
    return article.title


# --- expectations --------------------------------------------------------------------------------


def expectations(
    scenario: DedupScenario,
    sites: Mapping[str, Site],
    url: Callable[[str, str], str],
    article_urls: Iterable[str],
) -> DedupExpectations:
    """What the archive must hold; `url(site, path)` makes absolute URLs, `article_urls` are the
    URLs of every article page of the web (the ground truth's)."""

    def post_url(site: str, slug: str) -> str:
        return url(site, sites[site].article(slug).path)

    def of(post: ScenarioPost) -> str:
        return post_url(post.site, post.slug)

    releases = {p.slug: p for p in scenario.post("release")}
    copies = {of(p): of(releases[p.copy_of or ""]) for p in scenario.post("verbatim")}
    articles = tuple(article_urls)

    variants = []
    for spec in scenario.variants:
        target = post_url(spec.site, spec.slug)
        redirect = spec.kind in ("no-slash", "post-id")
        variants.append(
            UrlVariant(
                site=spec.site,
                kind=spec.kind,
                url=url(spec.site, spec.path),
                article_url=target,
                status=301 if redirect else 200,
                declares_canonical=not redirect and spec.kind != "legacy",
                new_alias=spec.kind in ("legacy", "alias"),
                linked_from=spec.linked_from,
            )
        )
    aliases = {v.url: v.article_url for v in variants if v.new_alias}

    clusters = []
    outlets = {}
    for slug, release in releases.items():
        edited = [p for p in scenario.post("edited") if p.copy_of == slug]
        verbatim = [p for p in scenario.post("verbatim") if p.copy_of == slug]
        clusters.append(frozenset([of(release), *(of(p) for p in [*edited, *verbatim])]))
        outlets[of(release)] = frozenset(p.site for p in [release, *edited, *verbatim])
    events: dict[str, list[str]] = {}
    for post in scenario.post("independent"):
        events.setdefault(post.event or post.slug, []).append(of(post))
    return DedupExpectations(
        articles=articles,
        alias_urls=aliases,
        copies=copies,
        clusters=tuple(clusters),
        independent=tuple(frozenset(group) for group in events.values()),
        variants=tuple(variants),
        outlets=outlets,
    )


def sentences(paragraphs: Sequence[str]) -> list[str]:
    """The sentences of a body: split after . ! ? (or a closing quote) before a capital letter
    or an opening quote. Enough to count what an edited copy rewrote; abbreviations before a
    name ("Dra. Rita") would split, and the release has none."""
    return [s for p in paragraphs for s in _SENTENCE_END.split(p) if s.strip()]
