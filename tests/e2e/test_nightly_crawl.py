"""Issue 11 end to end: a night costs what changed, on sites that do not hold still.

Real `scrapy crawl` processes, three nights, one archive, against three sites of the regional
benchmark web (warta.sampleweb.regional) whose pages change every night (a "popular" sidebar and
the top bar's date, so bodies and ETags change while the articles do not): a WordPress site with
its REST API open, a portal with listings only (no sitemap, no feed), and a WordPress site with
feeds only (no sitemap, REST API closed), whose edits only its Atom feed ordered by modified date
dates. Night 2 follows an unchanged web; before night 3 each site gets a new post, an edited post
and a post backdated onto listing page 3, and night 3 is the portal's deep-pass night (as one is
once a week).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from archive.reading.reports import article_states
from archive.store.db import make_engine, session_factory
from archive.store.models import Site, SiteCrawlState, SiteSource
from archive.store.schema import upgrade
from tests.e2e.crawling import REPO_ROOT, scrapy_crawl
from warta.sampleweb.regional import RegionalPost, RegionalRequest, RegionalWeb

MAKES = ("wordpress-rest", "portal-listings", "wordpress-feed")
MODIFIED_FEED = "/feed/atom/?orderby=modified"


@dataclass
class Nights:
    registry: Path
    db_url: str
    rest_site: str
    portal: str
    feed_site: str
    logs: dict[int, list[RegionalRequest]] = field(default_factory=dict)
    posts: dict[int, set[str]] = field(default_factory=dict)
    """Night -> the post paths the web served that night, per site (site + path)."""
    texts: dict[int, dict[str, str]] = field(default_factory=dict)
    changed: dict[str, list[RegionalPost]] = field(default_factory=dict)
    """'new', 'edited', 'backdated' -> the posts changed before night 3."""
    stderr: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def sites(self) -> tuple[str, str]:
        return (self.rest_site, self.portal)

    def log(self, night: int, site: str) -> list[RegionalRequest]:
        return [r for r in self.logs[night] if r.site == site]

    def article_fetches(self, night: int, site: str) -> list[RegionalRequest]:
        return [r for r in self.log(night, site) if f"{site}{r.path}" in self.posts[1]]


def _texts(db_url: str) -> dict[str, str]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        states = article_states(session)
    engine.dispose()
    return {url: state.text for url, state in states.items()}


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nights]:
    tmp = tmp_path_factory.mktemp("nightly")
    db_url = f"sqlite:///{tmp / 'archive.db'}"
    upgrade(db_url)
    # Three posts a listing page: a post backdated onto page 3 of its category stays small.
    with RegionalWeb(makes=list(MAKES), articles_per_site=30, seed=11, per_page=3) as web:
        rest_site, portal, feed_site = web.site_names
        state = Nights(web.registry_toml(tmp / "sites.toml"), db_url, rest_site, portal, feed_site)

        def night(number: int, extra: dict[str, tuple[str, ...]] | None = None) -> None:
            web.clear_request_log()
            with ThreadPoolExecutor(len(web.site_names)) as pool:
                procs = list(pool.map(
                    lambda site: scrapy_crawl(
                        site, state.registry, db_url, *(extra or {}).get(site, ())
                    ),
                    web.site_names,
                ))
            state.stderr[number] = dict(zip(web.site_names, (p.stderr for p in procs), strict=True))
            state.logs[number] = web.request_log()
            state.posts[number] = {
                f"{p.site}{p.path}" for p in web.expected_articles()
            }
            state.texts[number] = _texts(db_url)

        night(1)
        web.next_night()
        night(2)
        web.next_night()
        state.changed = {"new": [], "edited": [], "backdated": []}
        for site in web.site_names:
            posts = web.expected_articles(site)
            state.changed["edited"].append(web.edit_post(site, posts[len(posts) // 2].url))
            state.changed["new"].append(web.add_post(site))
            biggest = Counter(p.category for p in posts).most_common(1)[0][0]
            state.changed["backdated"].append(web.add_post(site, min_page=3, category=biggest))
        # For the portal, a week after its last deep pass; the REST site finds everything alone.
        night(3, {portal: ("-s", "WARTA_DEEP_PASS_DAYS=0")})
        yield state


def _stat(stderr: str, key: str) -> int:
    for line in stderr.splitlines():
        if f"'{key}':" in line:
            return int(line.split(":")[-1].strip().rstrip(",}"))
    return 0


def test_night_one_captures_every_article(nights: Nights) -> None:
    stored = nights.texts[1]
    assert len(stored) == 90, sorted(stored)


def test_guesses_that_404d_are_not_probed_again_within_the_cycle(nights: Nights) -> None:
    missing1 = {(r.site, r.path) for r in nights.logs[1] if r.status in (401, 404)}
    assert missing1  # /wp-sitemap.xml, /feed/ on the portal, a closed REST API …
    for night in (2, 3):
        again = {(r.site, r.path) for r in nights.logs[night] if r.status in (401, 404)}
        assert not again & missing1, again & missing1
    for site in nights.sites:
        assert _stat(nights.stderr[2][site], "warta/discovery/skipped_missing") > 0, site


def test_warta_sites_discovered_shows_found_and_missing_sources(nights: Nights) -> None:
    engine = make_engine(nights.db_url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Site.name, SiteSource.kind, SiteSource.status, SiteSource.url)
            .join(Site, Site.id == SiteSource.site_id)
        ).all()
    engine.dispose()
    found = {(name, kind) for name, kind, status, _ in rows if status == "found"}
    assert (nights.rest_site, "rest-api") in found
    assert (nights.portal, "listing") in found
    assert not {(n, k) for n, k in found if n == nights.portal} & {
        (nights.portal, "sitemap"), (nights.portal, "feed"), (nights.portal, "rest-api")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "warta.cli", "sites", "--discovered",
         "--file", str(nights.registry)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={"WARTA_DATABASE_URL": nights.db_url, "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{nights.portal}: " in proc.stdout
    assert "missing  sitemap" in proc.stdout and "found    rest-api" in proc.stdout


def test_noisy_validators_are_found_out_and_no_longer_used(nights: Nights) -> None:
    engine = make_engine(nights.db_url)
    with session_factory(engine)() as session:
        trusted = dict(session.execute(
            select(Site.name, SiteCrawlState.validators_trusted).join(
                Site, Site.id == SiteCrawlState.site_id)
        ).all())
    engine.dispose()
    assert {site: trusted[site] for site in nights.sites} == {
        nights.rest_site: False, nights.portal: False
    }
    # Night 2 asked conditionally and got 200s with the same text; night 3 no longer asks.
    assert any(r.conditional and r.status == 200
               for site in nights.sites for r in nights.article_fetches(2, site))
    for site in nights.sites:
        assert not any(r.conditional for r in nights.article_fetches(3, site))


def test_an_unchanged_night_refetches_only_its_revalidation_budget(nights: Nights) -> None:
    for site in nights.sites:
        budget = _stat(nights.stderr[2][site], "warta/revalidate/budget")
        assert budget == 2  # 30 articles, a 30-day cycle: the floor
        fetched = [r for r in nights.article_fetches(2, site) if r.status == 200]
        assert 0 < len(fetched) <= budget, fetched
    bytes1 = sum(r.bytes for r in nights.logs[1])
    bytes2 = sum(r.bytes for r in nights.logs[2])
    assert bytes2 < 0.25 * bytes1, (bytes1, bytes2)


def test_the_rest_api_replaces_listings_and_finds_what_changed(nights: Nights) -> None:
    site = nights.rest_site
    for night in (2, 3):
        paths = [r.path for r in nights.log(night, site)]
        assert "/" not in paths and not any("/category/" in p for p in paths), paths
        assert any("modified_after=" in p for p in paths if p.startswith("/wp-json/")), paths
    stored = nights.texts[3]
    for kind in ("new", "edited", "backdated"):
        post = next(p for p in nights.changed[kind] if p.site == site)
        assert any(post.key_sentence in text for text in stored.values()), (kind, post.url)


def test_a_deep_pass_finds_the_post_backdated_onto_page_three(nights: Nights) -> None:
    site = nights.portal
    stored = nights.texts[3]
    for kind in ("new", "backdated"):
        post = next(p for p in nights.changed[kind] if p.site == site)
        assert any(post.key_sentence in text for text in stored.values()), (kind, post.url)
    # An ordinary night stops each listing at its first page without news.
    assert _stat(nights.stderr[2][site], "warta/incremental/listing_stopped") > 0
    assert not any("/page/3" in r.path or "page=3" in r.path for r in nights.log(2, site))


def test_an_old_post_edited_on_a_feed_only_wordpress_is_dated_by_its_atom_feed(
    nights: Nights,
) -> None:
    site = nights.feed_site
    edited = next(p for p in nights.changed["edited"] if p.site == site)
    path = urlsplit(edited.url).path
    feed = [(night, r.status) for night in (1, 2, 3) for r in nights.log(night, site)
            if r.path == MODIFIED_FEED]
    # Read every night; unchanged on night 2, so a 304 that costs no body.
    assert feed == [(1, 200), (2, 304), (3, 200)], feed
    assert [r.status for r in nights.log(3, site) if r.path == path] == [200]
    # Refetched for the feed's <updated> (no listing read tonight shows a post that old, and the
    # rolling revalidation is not what fetched it), and stored as a new revision.
    assert _stat(nights.stderr[3][site], "warta/incremental/changed") >= 1
    assert any(edited.key_sentence in text for text in nights.texts[3].values())
    # Where the REST API answers it says more: the feed is not read there after night 1.
    rest_site = [r for n in (2, 3) for r in nights.log(n, nights.rest_site)]
    assert not [r for r in rest_site if r.path == MODIFIED_FEED]


def test_a_modified_feed_that_404d_is_not_probed_again_within_the_cycle(nights: Nights) -> None:
    asked = [(night, r.status) for night in (1, 2, 3) for r in nights.log(night, nights.portal)
             if r.path == MODIFIED_FEED]
    assert asked == [(1, 404)], asked
