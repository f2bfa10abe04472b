"""The nightly rules of issue 11 on plain values (spiders/nightly.py, spiders/wp_api.py) and the
site memory they read and write (archive/crawls/site_memory.py) on a real archive."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session, sessionmaker

from archive.crawls.seen import KnownUrl
from archive.crawls.site_memory import (
    CrawlLessons,
    SiteMemory,
    SourceCheck,
    SourceState,
    discovered_sources,
    load_site_memory,
    record_crawl_lessons,
)
from archive.store.models import Site
from spiders import wp_api
from spiders.incremental import rolling_picks
from spiders.nightly import NightlyPolicy, NightPlan, judge_validators, revalidation_budget

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
H = "http://news.test/"


def plan(memory: SiteMemory | None = None, **policy: object) -> NightPlan:
    return NightPlan(memory or SiteMemory(), NightlyPolicy(**policy), NOW)  # type: ignore[arg-type]


def test_budget_is_a_share_of_the_archive_within_floor_and_ceiling() -> None:
    policy = NightlyPolicy(revalidate_cycle_days=30, revalidate_min=2, revalidate_max=50)
    assert revalidation_budget(200, policy) == 7  # the whole archive in about a month
    assert revalidation_budget(30, policy) == 2  # the floor, not the old 20 (the whole site)
    assert revalidation_budget(1, policy) == 1  # never more than the archive
    assert revalidation_budget(0, policy) == 0
    assert revalidation_budget(100_000, policy) == 50


def test_validators_are_judged_by_the_majority_of_the_evidence() -> None:
    assert judge_validators(noisy_pages=0, not_modified_pages=0) is None
    assert judge_validators(noisy_pages=1, not_modified_pages=0) is None  # one page says little
    assert judge_validators(noisy_pages=3, not_modified_pages=0) is False
    assert judge_validators(noisy_pages=1, not_modified_pages=4) is True


def test_missing_sources_are_skipped_until_due_for_a_reprobe() -> None:
    memory = SiteMemory(sources={
        H + "feed/": SourceState(H + "feed/", "feed", False, NOW - timedelta(days=2)),
        H + "old/": SourceState(H + "old/", "sitemap", False, NOW - timedelta(days=8)),
        H + "sitemap.xml": SourceState(H + "sitemap.xml", "sitemap", True, NOW),
    })
    night = plan(memory, reprobe_missing=timedelta(days=7))
    assert night.skip_source(H + "feed/")
    assert not night.skip_source(H + "old/")
    assert not night.skip_source(H + "sitemap.xml")
    assert not night.skip_source(H + "never-seen.xml")
    assert night.found_sources("sitemap") == [H + "sitemap.xml"]


def test_listed_articles_are_refetched_by_trust() -> None:
    assert plan(SiteMemory(validators_trusted=True)).may_revalidate_listed(budget=0)
    noisy = plan(SiteMemory(validators_trusted=False, validators_checked_at=NOW))
    assert not noisy.may_revalidate_listed(budget=1)
    noisy.revalidated = 3
    assert noisy.may_revalidate_listed(budget=8) and not noisy.may_revalidate_listed(budget=7)
    unknown = plan()
    assert unknown.may_revalidate_listed(budget=1)
    unknown.revalidated = 1
    assert not unknown.may_revalidate_listed(budget=1)
    # A noisy judgement older than the cycle is examined again.
    stale = SiteMemory(validators_trusted=False, validators_checked_at=NOW - timedelta(days=31))
    assert plan(stale, revalidate_cycle_days=30).validators_trusted is None


def test_a_noisy_sites_whole_archive_is_rechecked_within_the_cycle() -> None:
    # The benchmark's listings-only portal (issue 11): 200 articles, the 10 newest on a listing
    # that "changes" every night (sidebars), nothing new posted, nights minutes apart. The
    # listed revalidation takes the newest articles each night; the rolling one must still
    # reach every other article within the cycle.
    policy = NightlyPolicy(revalidate_cycle_days=30)
    urls = [f"{H}read/{n}" for n in range(200)]  # newest first, fetched in that order
    fetched = {url: NOW + timedelta(seconds=n) for n, url in enumerate(urls)}
    budget = revalidation_budget(len(urls), policy)
    for night in range(2, 32):
        started = NOW + timedelta(minutes=10 * night)
        memory = SiteMemory(validators_trusted=False, validators_checked_at=started)
        tonight = NightPlan(memory, policy, started)
        requested = set()
        for url in urls[:10]:
            if tonight.may_revalidate_listed(budget):
                tonight.revalidated += 1
                requested.add(url)
        known = {url: KnownUrl("article", at) for url, at in fetched.items()}
        rolled = rolling_picks(known, tonight.rolling_count(budget), requested, str)
        assert len(rolled) == budget and not requested & set(rolled)
        for n, url in enumerate(sorted(requested | set(rolled))):
            fetched[url] = started + timedelta(seconds=n)
    unchecked = [url for url, at in fetched.items() if at < NOW + timedelta(minutes=20)]
    assert not unchecked, f"{len(unchecked)} articles not rechecked within 30 nights"


def test_deep_pass_is_due_on_the_first_crawl_and_then_weekly() -> None:
    assert plan().deep_pass
    assert not plan(SiteMemory(last_deep_pass_at=NOW - timedelta(days=3))).deep_pass
    assert plan(SiteMemory(last_deep_pass_at=NOW - timedelta(days=7))).deep_pass


def test_lessons_of_an_unfinished_crawl_keep_the_rest_api_window() -> None:
    night = plan()
    night.check(H + "feed/", "feed", True, NOW)
    night.check(H + "feed/", "feed", False, NOW)  # found wins within one crawl
    lessons = night.lessons(
        finished=False, complete=True, noisy_pages=2, not_modified_pages=0, now=NOW
    )  # two pages: enough to judge
    assert lessons.sources == (SourceCheck(H + "feed/", "feed", True, NOW),)
    assert lessons.validators_trusted is False
    assert lessons.complete_crawl_at is None and lessons.deep_pass_at is None
    # Finished but a page lost (a timeout): the deep pass happened, the REST window stays.
    lossy = night.lessons(
        finished=True, complete=False, noisy_pages=0, not_modified_pages=0, now=NOW
    )
    assert lossy.deep_pass_at == NOW and lossy.complete_crawl_at is None
    done = night.lessons(finished=True, complete=True, noisy_pages=0, not_modified_pages=0,
                         now=NOW)
    assert done.complete_crawl_at == NOW and done.deep_pass_at == NOW


def test_rest_api_url_asks_for_what_changed_since() -> None:
    url = wp_api.posts_url("http://127.0.0.1:8080/", page=2, modified_after=NOW)
    parts = urlsplit(url)
    assert parts.path == "/wp-json/wp/v2/posts"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "per_page": "100", "page": "2", "orderby": "modified", "order": "desc",
        "_fields": "id,link,modified,modified_gmt,date", "modified_after": "2026-12-01T18:00:00Z",
    }
    assert "modified_after" not in wp_api.posts_url("http://127.0.0.1:8080/")


def test_rest_api_posts_are_read_and_anything_else_is_not_an_api() -> None:
    body = json.dumps([
        {"id": 1, "link": H + "a/", "modified": "2026-12-01T20:00:00",
         "modified_gmt": "2026-12-01T13:00:00", "date": "2026-11-30T08:00:00"},
        {"id": 2, "link": H + "b/", "modified": "2026-12-01T09:00:00"},
        {"id": 3},
    ]).encode()
    posts = wp_api.parse_posts(body)
    assert posts is not None
    assert [(p.link, p.modified) for p in posts] == [
        (H + "a/", datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),  # modified_gmt preferred
        (H + "b/", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ]
    assert wp_api.parse_posts(b"<html>not json</html>") is None
    assert wp_api.parse_posts(b'{"code": "rest_no_route"}') is None
    assert wp_api.total_pages("3") == 3 and wp_api.total_pages(None) == 1
    assert wp_api.total_pages("x") == 1


def _site(writer: sessionmaker[Session], name: str = "s") -> None:
    with writer.begin() as session:
        session.add(Site(name=name, home_url=H, province="Jambi", language="id"))


def test_site_memory_round_trip(writer: sessionmaker[Session]) -> None:
    _site(writer)
    earlier = NOW - timedelta(days=1)
    record_crawl_lessons(writer, "s", CrawlLessons(
        sources=(SourceCheck(H + "feed/", "feed", True, earlier),
                 SourceCheck(H + "wp-sitemap.xml", "sitemap", False, earlier)),
        validators_trusted=False, noisy_pages=4, not_modified_pages=1, checked_at=earlier,
        deep_pass_at=earlier, complete_crawl_at=earlier,
    ))
    # Next night: the feed is gone; no validator evidence; not finished.
    record_crawl_lessons(writer, "s", CrawlLessons(
        sources=(SourceCheck(H + "feed/", "feed", False, NOW),), checked_at=NOW,
    ))
    memory = load_site_memory(writer, "s")
    assert memory.sources[H + "feed/"] == SourceState(H + "feed/", "feed", False, NOW, earlier)
    assert not memory.sources[H + "wp-sitemap.xml"].found
    assert memory.validators_trusted is False and memory.validators_checked_at == earlier
    assert memory.last_deep_pass_at == earlier and memory.last_complete_crawl_at == earlier
    rows = discovered_sources(writer, ["s"])
    assert [(r.kind, r.status) for r in rows] == [("feed", "missing"), ("sitemap", "missing")]
    assert load_site_memory(writer, "unknown") == SiteMemory()
