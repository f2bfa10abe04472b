"""A robots.txt that 404'd is not asked for again within the re-probe cycle (issue 11: zero
repeated 404 probes). Scrapy's own robots.txt middleware would fetch it on every crawl; warta's
(crawler/middlewares.py) reads the site's memory first. Two real `scrapy crawl` nights against a
small `*.go.id`-style site of the regional web, which has no robots.txt."""

from __future__ import annotations

from pathlib import Path

from archive.store.schema import upgrade
from tests.e2e.crawling import scrapy_crawl
from warta.sampleweb import SampleWeb
from warta.sampleweb.regional import RegionalWeb


def _stat(stderr: str, key: str) -> int:
    for line in stderr.splitlines():
        if f"'{key}':" in line:
            return int(line.split(":")[-1].strip().rstrip(",}"))
    return 0


def test_a_missing_robots_txt_is_not_fetched_again_within_the_cycle(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(db_url)
    with RegionalWeb(makes=["goid-joomla"], articles_per_site=6, seed=5) as web:
        (site,) = web.site_names
        registry = web.registry_toml(tmp_path / "sites.toml")

        def robots_requests() -> list[int]:
            return [r.status for r in web.request_log(site) if r.path == "/robots.txt"]

        first = scrapy_crawl(site, registry, db_url)
        assert robots_requests() and set(robots_requests()) == {404}
        assert _stat(first.stderr, "warta/discovery/robots_skipped_missing") == 0

        web.next_night()
        web.clear_request_log()
        second = scrapy_crawl(site, registry, db_url)
        assert robots_requests() == []
        assert _stat(second.stderr, "warta/discovery/robots_skipped_missing") == 1
        assert web.request_log(site), "night 2 fetched nothing at all"

        # Past the cycle the file is asked for again (it may have appeared since).
        web.clear_request_log()
        scrapy_crawl(site, registry, db_url, "-s", "WARTA_REPROBE_MISSING_DAYS=0")
        assert 404 in robots_requests()


def test_a_site_whose_entry_names_its_listings_remembers_it_too(tmp_path: Path) -> None:
    # demo-bkkbn-sumsel's registry entry names its listing, so the spider never probes
    # robots.txt itself: only Scrapy's middleware asks, and what it found must be remembered.
    site = "demo-bkkbn-sumsel"
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(db_url)
    with SampleWeb() as web:
        registry = web.registry_toml(tmp_path / "sites.toml")

        def robots_requests() -> list[int]:
            return [r.status for r in web.request_log(site) if r.path == "/robots.txt"]

        scrapy_crawl(site, registry, db_url)
        assert robots_requests() == [404]
        web.clear_request_log()
        second = scrapy_crawl(site, registry, db_url)
        assert robots_requests() == []
        assert _stat(second.stderr, "warta/discovery/robots_skipped_missing") == 1
