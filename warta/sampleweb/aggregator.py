"""The aggregator scenario: a site that republishes the other sample sites' articles, verbatim
and edited, with the archive a correct crawl of it produces ("every outlet keeps its article").

    with SampleWeb(aggregator=True) as web:
        ...  # crawl demo-kabarsumbagsel before or after the outlets it copies: same archive
        expected = web.aggregator_expectations()

Off by default: the plain sample web and its ground truth do not change. Enabled, it adds the
site of data/aggregator.toml, whose posts are copies of bundled articles made at load time (a
verbatim copy takes the source's paragraphs, link markup reduced to its text; an edited copy
applies its `edits` and `append`). Each copy is published after its source, as aggregators do,
so the source is always the story's original.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from warta.sampleweb.content import DATA_PACKAGE, Article, Site, load_site, plain

SITE_FILE = "aggregator.toml"
SITE_NAME = "demo-kabarsumbagsel"

Role = Literal["verbatim", "edited"]


@dataclass(frozen=True, slots=True)
class CopySpec:
    slug: str
    """The copy's slug on the aggregator."""
    source_site: str
    source_slug: str
    role: Role


@dataclass(frozen=True, slots=True)
class AggregatorScenario:
    site: str
    copies: tuple[CopySpec, ...]


@dataclass(frozen=True, slots=True)
class AggregatorExpectations:
    """The archive after crawling the aggregator and the outlets it copies, in any order."""

    site: str
    """The aggregator's site name."""
    sources: tuple[str, ...]
    """The outlets it copies from."""
    verbatim: Mapping[str, str]
    """Copy URL -> URL of the original it must be linked to (its source, published earlier)."""
    edited: Mapping[str, str]
    """Copy URL -> source URL: one story cluster, but not a verbatim copy (no link)."""
    outlets: Mapping[str, frozenset[str]]
    """Source URL -> every site that carried the story."""

    @property
    def copies(self) -> dict[str, str]:
        return {**self.verbatim, **self.edited}


def apply(sites: dict[str, Site]) -> AggregatorScenario:
    """Add the aggregator site to `sites` (the bundled ones), in place."""
    site = load_site(SITE_FILE)
    if site.name in sites:
        raise ValueError(f"{SITE_FILE}: site {site.name!r} exists")
    raw = tomllib.loads(resources.files(DATA_PACKAGE).joinpath(SITE_FILE).read_text("utf-8"))
    specs = []
    for table in raw.get("copy", []):
        spec, article = _copy(table, sites)
        site.add(article)
        site.changed_at = max(site.changed_at, article.published)
        specs.append(spec)
    sites[site.name] = site
    return AggregatorScenario(site.name, tuple(specs))


def _copy(table: dict[str, Any], sites: Mapping[str, Site]) -> tuple[CopySpec, Article]:
    values = dict(table)
    source_site, source_slug = values.pop("source_site"), values.pop("source_slug")
    if source_site not in sites:
        raise ValueError(f"{SITE_FILE}: the aggregator copies from {source_site!r}, not loaded")
    source = sites[source_site].article(source_slug)
    role: Role = values.pop("role")
    edits: list[list[str]] = values.pop("edits", [])
    append: str | None = values.pop("append", None)
    if role == "verbatim" and (edits or append):
        raise ValueError(f"{SITE_FILE}: {source_slug}: a verbatim copy has no edits")
    body = [plain(p) for p in source.body]
    for old, new in edits:
        hits = [i for i, p in enumerate(body) if old in p]
        if len(hits) != 1:
            raise ValueError(f"{SITE_FILE}: {source_slug}: edit {old!r} matches {len(hits)}x")
        body[hits[0]] = body[hits[0]].replace(old, new)
    if append:
        body.append(append)
    text = "\n\n".join(body)
    published = values.pop("published")
    if published <= source.published:
        raise ValueError(f"{SITE_FILE}: {source_slug}: a copy is published after its source")
    article = Article(
        slug=values.pop("slug", source.slug),
        title=values.pop("title", source.title),
        published=published,
        body=body,
        category=values.pop("category"),
        author=values.pop("author", source.author),
        topical=source.topical,
        key_sentences=[k for k in source.key_sentences if k in text],
    )
    if values:
        raise ValueError(f"{SITE_FILE}: {source_slug}: unknown keys {sorted(values)}")
    return CopySpec(article.slug, source_site, source_slug, role), article


def expectations(
    scenario: AggregatorScenario, sites: Mapping[str, Site], url: Callable[[str, str], str]
) -> AggregatorExpectations:
    """What the archive must hold; `url(site, path)` makes absolute URLs."""

    def of(site: str, slug: str) -> str:
        return url(site, sites[site].article(slug).path)

    verbatim, edited = {}, {}
    outlets: dict[str, set[str]] = {}
    for spec in scenario.copies:
        copy, source = of(scenario.site, spec.slug), of(spec.source_site, spec.source_slug)
        (verbatim if spec.role == "verbatim" else edited)[copy] = source
        outlets.setdefault(source, {spec.source_site}).add(scenario.site)
    return AggregatorExpectations(
        site=scenario.site,
        sources=tuple(sorted({spec.source_site for spec in scenario.copies})),
        verbatim=verbatim,
        edited=edited,
        outlets={k: frozenset(v) for k, v in outlets.items()},
    )
