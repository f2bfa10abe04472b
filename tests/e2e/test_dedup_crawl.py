"""One article per outlet, one story per cluster, end to end: real `scrapy crawl` processes
over the sample web's dedup scenario (warta.sampleweb.dedup), three times.

Crawl 1: demo-bkkbn-sumsel (the press release's outlet) first, then the other four sites at once.
Crawl 2: every site again, nothing changed. Then one post's body is edited and its site crawled.

The scenario: URL variants of one post on demo-karyanasional and one on demo-maklumatnews
(tracking parameters, a fragment, no trailing slash, AMP and print views, /?p=ID, an old slug
served without rel=canonical, an old permalink with it), a press release copied verbatim and
edited (2 and 3 of 14 sentences reworded, a "Sumber: …" line) across four sites, and two
outlets' own reports of one event.
"""

from __future__ import annotations

import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from archive.extraction import extract
from archive.identity.fingerprint import text_hash
from archive.identity.urlnorm import canonical_url, normalise_url
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, ArticleRevision, ArticleUrl, Site
from spiders.registry import SiteEntry, load_registry
from tests.conftest import ArchiveFactory
from tests.e2e.crawling import scrapy_crawl
from warta.sampleweb import RequestRecord, SampleWeb
from warta.sampleweb.dedup import VARIANT_POSTS, DedupExpectations

RELEASE_SITE = "demo-bkkbn-sumsel"
EDITED_SITE = "demo-karyanasional"
EDITED_SLUG = VARIANT_POSTS[EDITED_SITE]
CORRECTION = "Ralat: jumlah TPK yang dikukuhkan adalah 2.540 tim, bukan 2.450 tim."

# What the scenario web must give, spelt out (the expectations object derives the same).
ARTICLES = 38  # 32 of the plain web + release, verbatim copy, 2 edited copies, 2 reports
URL_KINDS = {"canonical": 38, "alias": 2}


@dataclass(frozen=True)
class Row:
    id: int
    site: str
    title: str
    text: str
    cluster_id: int | None
    original: str | None
    """Canonical URL of the article this one is a verbatim copy of."""
    urls: dict[str, tuple[str, str]]
    """url -> (kind, site)"""
    revisions: tuple[tuple[str, str], ...]
    """(fetched_url, text) in order"""


def snapshot(db_url: str) -> dict[str, Row]:
    """The archive as canonical URL -> Row."""
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            sites = dict(session.execute(select(Site.id, Site.name)).all())
            urls: dict[int, dict[str, tuple[str, str]]] = {}
            for row in session.scalars(select(ArticleUrl)):
                urls.setdefault(row.article_id, {})[row.url] = (row.kind, sites[row.site_id])
            revisions: dict[int, list[tuple[str, str]]] = {}
            query = select(ArticleRevision).order_by(ArticleRevision.id)
            for rev in session.scalars(query):
                revisions.setdefault(rev.article_id, []).append((rev.fetched_url, rev.text))
            articles = list(session.scalars(select(Article)))
            canonical = {a.id: a.canonical_url for a in articles}
            return {
                a.canonical_url: Row(
                    a.id,
                    sites[a.site_id],
                    a.title,
                    a.text,
                    a.cluster_id,
                    canonical.get(a.original_id) if a.original_id is not None else None,
                    urls.get(a.id, {}),
                    tuple(revisions.get(a.id, ())),
                )
                for a in articles
            }
    finally:
        engine.dispose()


@dataclass
class Run:
    web: SampleWeb
    registry: Path
    expected: DedupExpectations
    first: dict[str, Row]
    second: dict[str, Row]
    edited: dict[str, Row]
    log1: list[RequestRecord]
    edited_url: str


def crawl(sites: list[str], registry: Path, db_url: str) -> None:
    """Crawl `sites` at once, one process each, as the daemon would."""
    with ThreadPoolExecutor(len(sites)) as pool:
        procs = list(pool.map(lambda s: scrapy_crawl(s, registry, db_url), sites))
    for proc in procs:
        assert "Traceback" not in proc.stderr and " ERROR: " not in proc.stderr, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, module_archive: ArchiveFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("dedup")
    db_url = module_archive(migrated=False)  # the first crawl migrates it
    with SampleWeb(dedup=True) as web:
        registry = web.registry_toml(tmp / "sites.toml")
        others = [s for s in web.base_urls if s != RELEASE_SITE]
        # The release first, then the copies at once (the copy-first order: test_aggregator_crawl).
        crawl([RELEASE_SITE], registry, db_url)
        crawl(others, registry, db_url)
        first = snapshot(db_url)
        log1 = web.request_log()
        crawl(list(web.base_urls), registry, db_url)
        second = snapshot(db_url)
        expected = web.dedup_expectations()
        post = web.site(EDITED_SITE).article(EDITED_SLUG)
        web.edit_article(EDITED_SITE, EDITED_SLUG, body=[*post.body, CORRECTION])
        crawl([EDITED_SITE], registry, db_url)
        edited = snapshot(db_url)
        edited_url = normalise_url(web.url(EDITED_SITE, post.path))
        yield Run(web, registry, expected, first, second, edited, log1, edited_url)


def n(url: str) -> str:
    return normalise_url(url)


def owners(archive: dict[str, Row]) -> dict[str, tuple[str, str]]:
    """Every recorded URL -> (its kind, the canonical URL of its article)."""
    return {
        url: (kind, canonical)
        for canonical, row in archive.items()
        for url, (kind, _) in row.urls.items()
    }


# --- identity and exact duplicates ---------------------------------------------------------------


def test_one_row_per_story(run: Run) -> None:
    assert len(run.expected.articles) == ARTICLES
    assert len(run.first) == ARTICLES
    assert set(run.first) == {n(u) for u in run.expected.articles}


def test_urls_are_recorded_by_kind(run: Run) -> None:
    assert run.expected.url_kinds == URL_KINDS
    urls = owners(run.first)
    assert Counter(kind for kind, _ in urls.values()) == URL_KINDS
    for canonical, row in run.first.items():
        assert row.urls[canonical] == ("canonical", row.site)
    assert {u: c for u, (kind, c) in urls.items() if kind == "alias"} == {
        n(alias): n(article) for alias, article in run.expected.alias_urls.items()
    }
    # Every URL is its own site's: a copy elsewhere is an article of that site.
    for row in run.first.values():
        for url, (_kind, site) in row.urls.items():
            assert site == row.site, url


def test_verbatim_copy_is_its_outlets_article_linked_to_the_release(run: Run) -> None:
    ((copy, release),) = run.expected.copies.items()
    original, mirror = run.first[n(release)], run.first[n(copy)]
    assert (original.site, mirror.site) == (RELEASE_SITE, "demo-maklumatnews")
    assert mirror.original == n(release) and original.original is None
    assert mirror.text == original.text and mirror.title != original.title
    assert mirror.urls == {n(copy): ("canonical", "demo-maklumatnews")}
    assert [r.original for r in run.first.values() if r.original] == [n(release)]
    # The outlets that carried the release: its cluster's articles' sites.
    carried = {r.site for r in run.first.values() if r.cluster_id == original.cluster_id}
    assert carried == run.expected.outlets[release]
    assert len(carried) == 4


def test_every_variant_fetched_maps_to_its_article(run: Run) -> None:
    urls = owners(run.first)
    requested = {(r.site, r.path): r.status for r in run.log1}
    fetched = []
    for variant in run.expected.variants:
        article = n(variant.article_url)
        assert article in run.first
        if variant.status == 301:
            # A redirect is followed, not recorded (spider items carry the final URL only);
            # "/post" and "/post/" are one identity anyway.
            assert urls.get(n(variant.url), ("", article))[1] == article, variant
        else:
            # Every page variant, fetched or not, resolves to the article by its URL alone.
            assert urls[n(variant.url)][1] == article, variant
        parts = urlsplit(variant.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if (variant.site, target) in requested:
            assert requested[variant.site, target] == variant.status, variant
            fetched.append(variant.kind)
    # The variants that reach the store (the rest the spider folds or ignores before fetching).
    assert {"legacy", "alias"} <= set(fetched), fetched


def test_every_variant_page_identifies_as_its_article(run: Run) -> None:
    """Extract and identify every variant page the web serves, as the pipelines would, whether
    or not the spider fetches it: AMP and print views name the post as canonical; the old slug
    has the post's text."""
    entries = {e.name: e for e in load_registry(run.registry)}
    for variant in run.expected.variants:
        canonical, text = identify(variant.url, entries[variant.site])
        own_canonical, own_text = identify(variant.article_url, entries[variant.site])
        assert own_canonical == n(variant.article_url)
        if variant.kind == "legacy":
            assert canonical == n(variant.url) and text_hash(text) == text_hash(own_text)
        else:
            assert canonical == own_canonical, variant
        if variant.kind not in ("print", "print-query"):
            assert text_hash(text) == text_hash(own_text), variant


def identify(url: str, entry: SiteEntry) -> tuple[str, str]:
    with urllib.request.urlopen(url.partition("#")[0], timeout=10) as response:
        body, final = response.read(), response.url
    result = extract(body, final, article_url_pattern=entry.article_url_pattern)
    assert result.article is not None, (url, result.reject_reason)
    declared = result.article.declared_canonical_url
    return canonical_url(final, declared, site_hosts=entry.hosts), result.article.text


# --- near duplicates -----------------------------------------------------------------------------


def clusters(archive: dict[str, Row]) -> dict[int | None, set[str]]:
    out: dict[int | None, set[str]] = {}
    for url, row in archive.items():
        out.setdefault(row.cluster_id, set()).add(url)
    return out


def test_edited_copies_join_the_release_in_one_cluster(run: Run) -> None:
    groups = clusters(run.first)
    assert None not in groups
    multi = [members for members in groups.values() if len(members) > 1]
    assert multi == [{n(u) for u in cluster} for cluster in run.expected.clusters]
    assert len(multi) == 1 and len(multi[0]) == 4
    sites = {run.first[u].site for u in multi[0]}
    assert sites == {
        "demo-bkkbn-sumsel", "demo-maklumatnews", "demo-karyanasional", "demo-ipkb-bengkulu"
    }
    assert len(groups) == ARTICLES - 3


def test_independent_reports_of_one_event_stay_apart(run: Run) -> None:
    groups = clusters(run.first)
    (reports,) = run.expected.independent
    ids = [run.first[n(u)].cluster_id for u in reports]
    assert len(ids) == 2 and len(set(ids)) == 2
    for cluster_id in ids:
        assert len(groups[cluster_id]) == 1


# --- revisions -----------------------------------------------------------------------------------


def test_first_crawl_stores_one_revision_each(run: Run) -> None:
    assert sum(len(r.revisions) for r in run.first.values()) == ARTICLES
    assert all(len(r.revisions) == 1 for r in run.first.values())
    # No view of a post (the print page) stands in for its text.
    for row in run.first.values():
        assert "Artikel dicetak dari" not in row.text


def test_unchanged_second_crawl_adds_nothing(run: Run) -> None:
    assert run.second == run.first


def test_edited_body_is_a_new_revision_and_nothing_else_changes(run: Run) -> None:
    before, after = run.second, run.edited
    assert set(after) == set(before)
    assert sum(len(r.revisions) for r in after.values()) == ARTICLES + 1
    row = after[run.edited_url]
    assert len(row.revisions) == 2
    assert CORRECTION in row.text and CORRECTION in row.revisions[1][1]
    assert CORRECTION not in row.revisions[0][1]
    assert row.cluster_id == before[run.edited_url].cluster_id
    assert row.urls == before[run.edited_url].urls
    for url, other in after.items():
        if url != run.edited_url:
            assert other == before[url], url
