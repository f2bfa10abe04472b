"""Real `scrapy crawl` runs on the foreign sites (warta.sampleweb.foreign): a custom CMS reachable
only through /indeks?page=N and a windows-1252 government portal dated only in the first body
line, with sidebars of other articles' dates, news briefs and a photo page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from archive.identity.fingerprint import normalise_text
from archive.identity.urlnorm import normalise_url
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, ArticleUrl, CrawlRun, Site
from tests.e2e.crawling import REPO_ROOT, scrapy_crawl
from warta.sampleweb import SampleWeb
from warta.sampleweb.foreign import load_foreign_sites

# The feed carries the extraction record itself, so the date's meaning (a day, or an instant
# with its offset) is checked as extraction produced it.
FEED_FIELDS = "site,url,canonical_url,title,published_at,article,outcome"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleWeb, str, Path]]:
    tmp = tmp_path_factory.mktemp("foreign")
    db_url = f"sqlite:///{tmp / 'archive.db'}"
    with SampleWeb(load_foreign_sites()) as web:
        registry = web.registry_toml(tmp / "sites.toml")
        for site in web.base_urls:
            scrapy_crawl(site, registry, db_url, "-O", str(tmp / f"{site}.jsonl"),
                         "-s", f"FEED_EXPORT_FIELDS={FEED_FIELDS}")
        yield web, db_url, tmp


@pytest.fixture(scope="module")
def sessions(crawled):  # type: ignore[no-untyped-def]
    engine = make_engine(crawled[1])
    yield session_factory(engine)
    engine.dispose()


def feed(crawled) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    web, _, tmp = crawled
    rows: dict[str, dict[str, Any]] = {}
    for site in web.base_urls:
        for line in (tmp / f"{site}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows[normalise_url(row["canonical_url"])] = row
    return rows


def test_every_article_is_stored_exactly_once(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    web = crawled[0]
    expected = {normalise_url(a.url) for a in web.expected_articles()}
    assert len(expected) == 10
    with sessions() as session:
        stored = [a.canonical_url for a in session.scalars(select(Article))]
        urls = set(session.scalars(select(ArticleUrl.url)))
    assert sorted(stored) == sorted(expected)
    assert not urls & {normalise_url(u) for u in web.non_article_urls()}


def test_titles_and_dates_are_exact(crawled) -> None:  # type: ignore[no-untyped-def]
    rows = feed(crawled)
    for exp in crawled[0].expected_articles():
        row = rows[normalise_url(exp.url)]
        record = row["article"]
        assert row["title"] == exp.title, exp.url
        assert date.fromisoformat(record["published_date"]) == exp.published_date, exp.url
        if exp.published_at is None:
            # Only a day is printed: a day is stored, never a made-up midnight.
            assert row.get("published_at") is None, exp.url
            assert record["published_time_known"] is False, exp.url
        else:
            stated = datetime.fromisoformat(row["published_at"])
            assert stated == exp.published_at, exp.url
            assert stated.utcoffset() == timedelta(hours=7), exp.url
            assert record["published_time_known"] is True, exp.url


def test_timed_dates_are_stored(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        stored = {a.canonical_url: a for a in session.scalars(select(Article))}
    for exp in crawled[0].expected_articles():
        article = stored[normalise_url(exp.url)]
        if exp.published_at is not None:
            assert article.published_at is not None
            assert abs(article.published_at - exp.published_at) < timedelta(minutes=1), exp.url
            assert article.published_time_known


def test_briefs_and_the_photo_page_keep_their_text(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        stored = {a.canonical_url: a for a in session.scalars(select(Article))}
    short = 0
    for exp in crawled[0].expected_articles():
        text = normalise_text(stored[normalise_url(exp.url)].text)
        for sentence in exp.key_sentences:
            assert normalise_text(sentence) in text, (exp.url, sentence)
        short += len(text) < 600
    assert short >= 4  # three briefs and the photo caption


def test_sidebar_and_top_bar_dates_never_win(crawled) -> None:  # type: ignore[no-untyped-def]
    # The top bar's "today" (14 June) and the Agenda's 17 June are on every page.
    days = {date.fromisoformat(row["article"]["published_date"]) for row in feed(crawled).values()}
    assert not days & {date(2024, 6, 14), date(2024, 6, 17)}


def test_rejected_pages_are_counted_and_listed(crawled, sessions) -> None:  # type: ignore[no-untyped-def]
    _, db_url, _ = crawled
    with sessions() as session:
        runs = session.execute(
            select(CrawlRun.id, Site.name, CrawlRun.rejected, CrawlRun.rejected_by_reason)
            .join(Site, CrawlRun.site_id == Site.id)
        ).all()
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == 2
    run_id, site, rejected, by_reason = next(r for r in runs if r.name == "foreign-kabarkota")
    assert rejected == sum(by_reason.values()) > 0
    listed = warta("rejects", "--run", str(run_id), db_url=db_url)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == rejected + 1
    assert f"Run {run_id} ({site}): {rejected} rejected pages" in lines[-1]
    assert any(line.split()[-1].endswith("/redaksi") for line in lines[:-1])
    assert all(line.split()[0] in by_reason for line in lines[:-1])
    unknown = warta("rejects", "--run", "999", db_url=db_url)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines()[-1].endswith("(see `warta runs`)")


def warta(*args: str, db_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    env["WARTA_DATABASE_URL"] = db_url
    return subprocess.run([sys.executable, "-m", "warta.cli", *args], capture_output=True,
                          text=True, env=env, cwd=REPO_ROOT, timeout=120)
