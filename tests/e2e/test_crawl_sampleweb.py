"""The whole path on the bundled sample web: real `scrapy crawl` processes into an archive
(SQLite and PostgreSQL), one site first, then the others at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from archive.identity.fingerprint import normalise_text
from archive.identity.urlnorm import normalise_url
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, ArticleRevision, ArticleUrl, CrawlRun, Site
from tests.conftest import ArchiveFactory
from tests.e2e.crawling import scrapy_crawl
from warta.sampleweb import BOILERPLATE_LINES, SampleWeb

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory, module_archive: ArchiveFactory
) -> Iterator[tuple[SampleWeb, str, Path]]:
    """The sample web crawled once, every site, into one archive; feeds exported per site."""
    tmp = tmp_path_factory.mktemp("e2e")
    db_url = module_archive(migrated=False)  # the first crawl migrates it
    with SampleWeb() as web:
        registry = web.registry_toml(tmp / "sites.toml")
        def crawl(site: str) -> None:
            scrapy_crawl(site, registry, db_url, "-O", str(tmp / f"{site}.jsonl"))

        # The first crawl alone (it migrates the archive), then the others at once, as the
        # daemon runs them.
        first, *others = web.base_urls
        crawl(first)
        with ThreadPoolExecutor(len(others)) as pool:
            list(pool.map(crawl, others))
        yield web, db_url, tmp


@pytest.fixture(scope="module")
def sessions(crawled):  # type: ignore[no-untyped-def]
    engine = make_engine(crawled[1])
    yield session_factory(engine)
    engine.dispose()


def stored(sessions) -> dict[str, Article]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return {a.canonical_url: a for a in session.scalars(select(Article))}


def test_every_article_is_stored_exactly_once(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    web = crawled[0]
    expected = {normalise_url(a.url) for a in web.expected_articles()}
    articles = stored(sessions)
    assert len(expected) == 32
    assert set(articles) == expected
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == len(expected)


def test_no_non_article_is_stored(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    web = crawled[0]
    with sessions() as session:
        urls = set(session.scalars(select(ArticleUrl.url)))
    leaked = urls & {normalise_url(u) for u in web.non_article_urls()}
    assert not leaked


def test_no_boilerplate_line_in_any_text(sessions) -> None:  # type: ignore[no-untyped-def]
    left = [
        (url, line)
        for url, article in stored(sessions).items()
        for line in BOILERPLATE_LINES
        if line in article.text
    ]
    assert left == []


def test_titles_dates_and_key_sentences_are_right(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    articles = stored(sessions)
    for exp in crawled[0].expected_articles():
        article = articles[normalise_url(exp.url)]
        assert article.title == exp.title, exp.url
        # The outlet's local day always; the instant only with a time (the page's or a feed's).
        assert article.published_date == exp.published_date, exp.url
        assert article.published_time_known == (article.published_at is not None), exp.url
        if article.published_at is not None:
            assert article.published_at.astimezone(WIB).date() == exp.published_date, exp.url
        if exp.published_at is not None:
            assert abs(article.published_at - exp.published_at) < timedelta(minutes=1), exp.url
            assert article.published_time_known
        text = normalise_text(article.text)
        for sentence in exp.key_sentences:
            assert normalise_text(sentence) in text, (exp.url, sentence)


def test_sites_runs_and_revisions_are_recorded(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    web = crawled[0]
    with sessions() as session:
        sites = {s.name: s for s in session.scalars(select(Site))}
        runs = session.scalars(select(CrawlRun)).all()
        revisions = session.scalar(select(func.count()).select_from(ArticleRevision))
    assert set(sites) == set(web.base_urls)
    assert sites["demo-maklumatnews"].regency
    statuses = [(r.site_id, r.status, r.errors_by_kind) for r in runs]
    assert {r.status for r in runs} == {"ok"}, statuses
    assert sum(r.articles_new for r in runs) == 32
    # The sites with no article URL pattern fetch their category, tag, author and static pages
    # as candidates, and the extractor turns them down, with reasons.
    for name in ("demo-karyanasional", "demo-maklumatnews"):
        run = next(r for r in runs if r.site_id == sites[name].id)
        assert run.rejected > 0 and sum(run.rejected_by_reason.values()) == run.rejected
        assert "non-article-url" in run.rejected_by_reason
    assert revisions == 32


def test_feed_export_keeps_working(crawled) -> None:  # type: ignore[no-untyped-def]
    web, _, tmp = crawled
    exported = [
        json.loads(line)
        for site in web.base_urls
        for line in (tmp / f"{site}.jsonl").read_text().splitlines()
    ]
    assert len(exported) == 32
    assert {"url", "title", "text", "published_at", "tags", "outcome"} <= set(exported[0])
    assert {e["outcome"] for e in exported} == {"new"}


def test_the_crawl_tags_where_each_story_happened(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    """The tag stage's regions, stored with their gazetteer version, match the labelled set
    (tests/fixtures/regions_labelled.toml) for every crawled article."""
    from archive.store.models import ArticleRegion
    from archive.tagging.gazetteer import load_gazetteer
    from bench.regions_eval import load_items

    labels = {i.title: set(i.regions) for i in load_items(realpages=None)
              if i.id.startswith("sampleweb:")}
    with sessions() as session:
        found: dict[int, set[str]] = {}
        for article_id, code in session.execute(
            select(ArticleRegion.article_id, ArticleRegion.region_code)
        ):
            found.setdefault(article_id, set()).add(code)
        articles = session.scalars(select(Article)).all()
        regencies = dict(session.execute(text("SELECT url, regencies FROM v_articles")).all())
    assert {a.gazetteer_version for a in articles} == {load_gazetteer().version}
    assert {a.title: found.get(a.id, set()) for a in articles} == labels
    okus = [url for url, names in regencies.items() if "okus" in url]
    assert okus and {regencies[u] for u in okus} == {"Kabupaten Ogan Komering Ulu Selatan"}


def test_second_crawl_updates_never_duplicates(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    _, db_url, tmp = crawled
    before = stored(sessions)
    scrapy_crawl("demo-karyanasional", tmp / "sites.toml", db_url)
    after = stored(sessions)
    assert set(after) == set(before)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ArticleRevision)) == 32
