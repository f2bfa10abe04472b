"""`warta serve`: a real Datasette server on 127.0.0.1 over a crawled archive, queried through
its JSON API — full-text search, each canned query, the facets, the schema's descriptions.

One module-scoped archive: real `scrapy crawl` runs of the sample web's aggregator and the
outlet it copies word for word (a story carried by two outlets), plus a site that cannot be
reached (a failed run, a site with no article). On SQLite the archive file itself is served;
on PostgreSQL its snapshot (`warta export --format sqlite -o archive.db`), the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from archive.identity.urlnorm import normalise_url
from archive.reading.canned_queries import CANNED_QUERIES
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, ArticleRegion, ArticleTag, Regency, Site
from tests.conftest import ArchiveFactory
from tests.e2e.crawling import REPO_ROOT, scrapy_crawl
from warta.sampleweb import SampleWeb
from warta.sampleweb.truth import ExpectedArticle

SILENT_SITE = "demo-silent"
# A registry entry nobody answers for (the discard port is closed): a failed run.
SILENT_ENTRY = f"""
[[site]]
name = "{SILENT_SITE}"
home_url = "http://127.0.0.1:9/"
province = "Aceh"
language = "id"
"""
STARTUP_TIMEOUT_S = 120


@dataclass
class Served:
    base: str
    db_file: Path
    sha256: str
    truth: dict[str, ExpectedArticle]
    """Normalised URL -> the article the crawled sites published."""
    aggregator: str
    outlet: str
    copy_url: str
    original_url: str
    tags: dict[str, set[str]]
    """Normalised URL -> its tags, as the archive's store wrote them."""
    provinces: dict[str, str]
    regions: dict[str, set[tuple[str, str]]]
    """Normalised URL -> the (province, regency) pairs the region tagger stored for it."""

    def get(self, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode(params)
        url = f"{self.base}{path}{'?' + query if query else ''}"
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)

    def query(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self.get(f"/archive/{name}.json", _shape="array", **params)


def _site_of(url: str, base_urls: dict[str, str]) -> str:
    return next(name for name, base in base_urls.items() if url.startswith(base))


def _crawl(tmp: Path, db_url: str) -> dict[str, Any]:
    with SampleWeb(aggregator=True) as web:
        expected = web.aggregator_expectations()
        copy_url, original_url = sorted(expected.verbatim.items())[0]
        outlet = _site_of(original_url, web.base_urls)
        registry = web.registry_toml(tmp / "sites.toml")
        with registry.open("a", encoding="utf-8") as out:
            out.write(SILENT_ENTRY)
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda site: scrapy_crawl(site, registry, db_url,
                                                    check=site != SILENT_SITE),
                          [expected.site, outlet, SILENT_SITE]))
        truth = {normalise_url(a.url): a for a in web.expected_articles()
                 if a.site in (expected.site, outlet)}
    return {"aggregator": expected.site, "outlet": outlet, "truth": truth,
            "copy_url": normalise_url(copy_url), "original_url": normalise_url(original_url)}


def _stored_tags(
    db_url: str,
) -> tuple[dict[str, set[str]], dict[str, str], dict[str, set[tuple[str, str]]]]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            tags: dict[str, set[str]] = {}
            for url, tag in session.execute(
                select(Article.canonical_url, ArticleTag.tag)
                .join(ArticleTag, ArticleTag.article_id == Article.id)
            ):
                tags.setdefault(url, set()).add(tag)
            provinces = dict(session.execute(
                select(Article.canonical_url, Site.province).join(Site, Site.id == Article.site_id)
            ).all())
            regions: dict[str, set[tuple[str, str]]] = {}
            for url, province, regency in session.execute(
                select(Article.canonical_url, Regency.province, Regency.name)
                .join(ArticleRegion, ArticleRegion.article_id == Article.id)
                .join(Regency, Regency.code == ArticleRegion.region_code)
            ):
                regions.setdefault(url, set()).add((province, regency))
    finally:
        engine.dispose()
    return tags, provinces, regions


def _cli_env(db_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    if db_url:
        env["WARTA_DATABASE_URL"] = db_url
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(proc: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"warta serve exited {proc.returncode}:\n{proc.stdout.read()}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=5):
                return
        except OSError:
            time.sleep(0.2)  # polling for readiness, not a fixed wait
    raise AssertionError(f"warta serve did not answer on {base}")


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, module_archive: ArchiveFactory
) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("browse")
    db_url = module_archive(migrated=False)
    crawl = _crawl(tmp, db_url)
    tags, provinces, regions = _stored_tags(db_url)
    if make_url(db_url).get_backend_name() == "sqlite":
        db_file = Path(str(make_url(db_url).database))
    else:
        db_file = tmp / "archive.db"
        subprocess.run([sys.executable, "-m", "warta.cli", "export", "--format", "sqlite",
                        "-o", str(db_file)], cwd=REPO_ROOT, env=_cli_env(db_url), check=True,
                       capture_output=True, text=True, timeout=300)
    assert db_file.name == "archive.db"  # Datasette's database name is the file's stem
    sha256 = hashlib.sha256(db_file.read_bytes()).hexdigest()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "warta.cli", "serve", str(db_file), "--port", str(port)],
        cwd=tmp, env=_cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_until_up(proc, base)
        yield Served(base, db_file, sha256, crawl["truth"], crawl["aggregator"], crawl["outlet"],
                     crawl["copy_url"], crawl["original_url"], tags, provinces, regions)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()


# --- full-text search --------------------------------------------------------------------------


def test_search_finds_the_article_by_its_words(served: Served) -> None:
    url, article = sorted(served.truth.items())[0]
    words = " ".join(article.key_sentences[0].split()[:4])
    rows = served.get("/archive/articles.json", _search=words, _shape="array")
    assert url in {row["canonical_url"] for row in rows}
    view_rows = served.get("/archive/v_articles.json", _search=words, _shape="array")
    assert {row["url"] for row in view_rows} == {row["canonical_url"] for row in rows}


def test_search_without_a_match_is_empty_and_operators_are_words(served: Served) -> None:
    assert served.get("/archive/articles.json", _search="zzqxj", _shape="array") == []
    # FTS5 syntax in the user's words is escaped, not a syntax error.
    assert isinstance(served.get("/archive/v_articles.json", _search='stunting" OR (',
                                 _shape="array"), list)


# --- canned queries ----------------------------------------------------------------------------


def test_every_canned_query_answers(served: Served) -> None:
    database = served.get("/archive.json")
    assert {q["name"] for q in database["queries"]} == {q.name for q in CANNED_QUERIES}
    for query in CANNED_QUERIES:
        assert isinstance(served.query(query.name), list), query.name


def test_coverage_by_province_and_month_counts_every_tagged_article(served: Served) -> None:
    expected: Counter[tuple[str, str, str]] = Counter()
    for url, tags in served.tags.items():
        month = served.truth[url].published_date.isoformat()[:7]
        for tag in tags:
            expected[(tag, served.provinces[url], month)] += 1
    rows = served.query("coverage_by_province_month")
    assert {(r["tag"], r["province"], r["month"]): r["articles"] for r in rows} == expected
    assert [r["month"] for r in rows] == sorted((r["month"] for r in rows), reverse=True)
    stunting = served.query("coverage_by_province_month", tag="stunting")
    assert stunting and {r["tag"] for r in stunting} == {"stunting"}


def test_coverage_by_regency_counts_where_the_story_happened(served: Served) -> None:
    expected: Counter[tuple[str, str, str, str]] = Counter()
    for url, places in served.regions.items():
        month = served.truth[url].published_date.isoformat()[:7]
        for tag in served.tags.get(url, ()):
            for province, regency in places:
                expected[(tag, province, regency, month)] += 1
    assert expected, "the sample web's articles name regencies"
    rows = served.query("coverage_by_regency_month")
    assert {(r["tag"], r["province"], r["regency"], r["month"]): r["articles"]
            for r in rows} == expected
    province = sorted(p for places in served.regions.values() for p, _ in places)[0]
    assert {r["province"] for r in served.query("coverage_by_regency_month",
                                                province=province)} == {province}


@pytest.mark.parametrize(("query", "tag"), [("latest_stunting", "stunting"),
                                            ("latest_bangga_kencana", "bangga-kencana")])
def test_latest_tagged_articles_newest_first(served: Served, query: str, tag: str) -> None:
    expected = {url for url, tags in served.tags.items() if tag in tags}
    assert expected, f"the sample web has {tag} articles"
    rows = served.query(query)
    assert {r["url"] for r in rows} == expected
    days = [served.truth[r["url"]].published_date for r in rows]
    assert days == sorted(days, reverse=True)
    assert len(served.query(query, limit=1)) == 1
    assert served.query(query, province="Papua") == []


def test_stories_by_outlets_puts_the_copied_story_first(served: Served) -> None:
    rows = served.query("stories_by_outlets")
    top = rows[0]
    assert top["outlets"] == 2
    assert top["sites"] == ",".join(sorted([served.aggregator, served.outlet]))
    assert top["first_url"] == served.original_url
    assert top["verbatim_copies"] >= 1
    assert sum(r["articles"] for r in rows) == len(served.truth)  # every article in one story
    # The same stories as v_stories says, for the rows shown.
    stories = {r["cluster_id"]: r for r in served.get("/archive/v_stories.json", _shape="array",
                                                      _size="max")}
    for row in rows:
        story = stories[row["cluster_id"]]
        assert row == {key: story[key] for key in row}
    assert len(served.query("stories_by_outlets", limit="1")) == 1
    # A number from the URL is compared as a number, not as text.
    widely = served.query("stories_by_outlets", min_outlets="2")
    assert widely and all(r["outlets"] >= 2 for r in widely)
    assert top in widely


def test_quiet_sites_lists_sites_without_recent_articles(served: Served) -> None:
    every_site = {served.aggregator, served.outlet, SILENT_SITE}
    # The sample web's articles are from 2023-2024: with the default 30 days every site is quiet,
    # the one that never published first.
    rows = served.query("quiet_sites")
    assert {r["site"] for r in rows} == every_site
    assert rows[0]["site"] == SILENT_SITE and rows[0]["last_published_date"] is None
    newest = max(a.published_date for a in served.truth.values() if a.site == served.outlet)
    assert next(r for r in rows if r["site"] == served.outlet)["last_published_date"] == (
        newest.isoformat())
    # Over a million days only the site without any article is quiet.
    assert [r["site"] for r in served.query("quiet_sites", days="1000000")] == [SILENT_SITE]


def test_failed_runs_are_the_unreachable_sites(served: Served) -> None:
    rows = served.query("failed_runs")
    assert [(r["site"], r["status"]) for r in rows] == [(SILENT_SITE, "failed")]
    assert rows[0]["pages_fetched"] == 0
    assert served.query("failed_runs", site=served.outlet) == []


# --- facets ------------------------------------------------------------------------------------


def _facets(served: Served, **params: Any) -> dict[str, dict[str, int]]:
    data = served.get("/archive/v_articles.json", _size="0", **params)
    return {name: {str(r["value"]): r["count"] for r in facet["results"]}
            for name, facet in data["facet_results"].items()}


def test_v_articles_facets_by_tag_site_province_and_month(served: Served) -> None:
    facets = _facets(served)
    tag_counts = Counter(tag for tags in served.tags.values() for tag in tags)
    assert facets["tags"] == dict(tag_counts)
    assert facets["site"] == dict(Counter(a.site for a in served.truth.values()))
    assert facets["province"] == dict(Counter(served.provinces.values()))
    months = Counter(a.published_date.isoformat()[:7] for a in served.truth.values())
    assert facets["published_date"] == dict(months)
    regencies = Counter(regency for places in served.regions.values() for _, regency in places)
    assert facets["regencies"] == dict(regencies)
    assert "regency" in facets  # the outlet's


def test_v_article_regions_facets_by_province_and_regency(served: Served) -> None:
    data = served.get("/archive/v_article_regions.json", _size="0")
    facets = {name: {str(r["value"]): r["count"] for r in facet["results"]}
              for name, facet in data["facet_results"].items()}
    pairs = [place for places in served.regions.values() for place in places]
    assert facets["regency"] == dict(Counter(regency for _, regency in pairs))
    assert facets["province"] == dict(Counter(province for province, _ in pairs))
    assert set(facets) >= {"tags", "published_date", "site"}


def test_choosing_a_tag_or_a_month_filters_the_articles(served: Served) -> None:
    stunting = sum("stunting" in tags for tags in served.tags.values())
    data = served.get("/archive/v_articles.json", _size="0", tags__listcontains="stunting")
    assert data["filtered_table_rows_count"] == stunting
    # An exact item, not a substring of one.
    data = served.get("/archive/v_articles.json", _size="0", tags__listcontains="stunt")
    assert data["filtered_table_rows_count"] == 0
    month, count = Counter(a.published_date.isoformat()[:7]
                           for a in served.truth.values()).most_common(1)[0]
    data = served.get("/archive/v_articles.json", _size="0", published_date__startswith=month)
    assert data["filtered_table_rows_count"] == count


# --- the schema's documentation ----------------------------------------------------------------


def test_every_table_view_and_column_shown_has_its_description(served: Served) -> None:
    database = served.get("/archive.json")
    metadata = served.get("/-/metadata.json")["databases"]["archive"]["tables"]
    shown = [t["name"] for t in database["tables"] if not t["hidden"]]
    shown += [v["name"] for v in database["views"]]
    assert {"articles", "sites", "crawl_runs", "v_articles", "v_stories"} <= set(shown)
    missing = []
    for name in shown:
        described = metadata.get(name, {})
        if not described.get("description"):
            missing.append(name)
        columns = served.get(f"/archive/{name}.json", _size="0")["columns"]
        missing += [f"{name}.{c}" for c in columns
                    if not described.get("columns", {}).get(c)]
    assert missing == []


def test_the_table_page_shows_the_documentation(served: Served) -> None:
    with urllib.request.urlopen(f"{served.base}/archive/v_stories", timeout=60) as response:
        page = response.read().decode("utf-8")
    assert "distinct sites that carried the story" in page


def test_serving_never_writes_the_archive(served: Served) -> None:
    # Last in the module: every query above has run.
    assert hashlib.sha256(served.db_file.read_bytes()).hexdigest() == served.sha256
