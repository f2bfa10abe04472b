"""`warta report`: the coverage page on a synthetic archive (SQLite and PostgreSQL), its filters
checked against counts made independently from the rows, the empty archive, the CLI, the
daemon's nightly report, and the page in a real headless Chromium."""

from __future__ import annotations

import base64
import html
import re
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from archive.reading import coverage
from archive.reading.coverage import ReportFilter, SqlContext
from archive.reading.report import CHARTS, Report, build_report, report_archive
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, ArticleRegion, ArticleTag, CrawlRun, Regency, Site
from tests import browser
from tests.conftest import ArchiveFactory
from tests.test_cli import warta
from warta.cli import main
from warta.daemon.crawls import CrawlResult, StopSignal
from warta.daemon.run import load_settings
from warta.daemon.service import CrawlService, nightly_report, run_once
from warta.synthetic_archive import fill_archive

JAKARTA = ZoneInfo("Asia/Jakarta")
# A filter that narrows on every axis and still leaves rows in each chart.
NARROW = ReportFilter(since=date(2023, 1, 1), until=date(2024, 6, 30), tags=("stunting", "kb"),
                      provinces=("riau", "Sumatera Selatan"))


@pytest.fixture(scope="module")
def archive(module_archive: ArchiveFactory) -> Iterator[tuple[str, sessionmaker[Session]]]:
    url = module_archive()
    engine = make_engine(url)
    fill_archive(engine, 600, sites=12, nights=20)
    yield url, session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def full_report(archive, tmp_path_factory) -> tuple[Report, Path]:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("report") / "report.html"
    return report_archive(archive[0], path), path


def _context(sessions: sessionmaker[Session]) -> SqlContext:
    with sessions() as session:
        return SqlContext(session.get_bind().dialect.name)


def _rows(sessions: sessionmaker[Session], query: coverage.QueryBuilder,
          where: ReportFilter) -> list[tuple[object, ...]]:
    with sessions() as session:
        return coverage.run(session, query(where, _context(sessions))).rows


def _articles(sessions: sessionmaker[Session], where: ReportFilter) -> list[tuple[Article, Site,
                                                                                   list[ArticleTag]]]:
    """The articles `where` covers, filtered in Python from the ORM rows."""
    with sessions() as session:
        tags: dict[int, list[ArticleTag]] = {}
        for tag in session.scalars(select(ArticleTag)):
            tags.setdefault(tag.article_id, []).append(tag)
        kept = []
        for article, site in session.execute(select(Article, Site).join(Site)):
            day = article.published_date
            if where.since and (day is None or day < where.since):
                continue
            if where.until and (day is None or day > where.until):
                continue
            if where.provinces and site.province.casefold() not in {
                    p.casefold() for p in where.provinces}:
                continue
            own = tags.get(article.id, [])
            if where.tags and not {t.tag for t in own} & set(where.tags):
                continue
            kept.append((article, site, own))
        return kept


# --- the page ----------------------------------------------------------------------------------
def test_every_chart_is_drawn_with_its_caption_and_sql(full_report) -> None:  # type: ignore[no-untyped-def]
    report, path = full_report
    page = path.read_text(encoding="utf-8")
    assert report.articles == 600 and report.warnings == []
    assert [chart.spec.key for chart in report.charts] == [spec.key for spec in CHARTS]
    for chart in report.charts:
        assert chart.png is not None and chart.png.startswith(b"\x89PNG"), chart.spec.key
        assert html.escape(chart.spec.caption) in page
        assert html.escape(chart.result.sql) in page
    assert "600 articles from 12 outlets" in page


def test_the_page_needs_nothing_but_itself(full_report) -> None:  # type: ignore[no-untyped-def]
    page = full_report[1].read_text(encoding="utf-8")
    sources = re.findall(r'\bsrc="([^"]*)"', page)
    assert len(sources) == len(CHARTS)
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG")
    assert "<link" not in page and "<script" not in page and "url(" not in page
    assert "@import" not in page


def test_the_sql_shown_is_the_sql_that_ran(archive, full_report) -> None:  # type: ignore[no-untyped-def]
    with archive[1]() as session:
        for chart in full_report[0].charts:
            again = [tuple(row) for row in session.execute(text(chart.result.sql))]
            assert again == chart.result.rows, chart.spec.key


# --- the filters, against counts made from the rows ------------------------------------------
def test_per_province_counts_follow_the_filter(archive) -> None:  # type: ignore[no-untyped-def]
    expected = Counter(site.province for _, site, _ in _articles(archive[1], NARROW))
    got = dict(_rows(archive[1], coverage.by_province, NARROW))
    assert set(got) == {"Riau", "Sumatera Selatan"}
    assert got == dict(expected)
    unfiltered = dict(_rows(archive[1], coverage.by_province, ReportFilter()))
    assert sum(unfiltered.values()) == 600 and sum(got.values()) < 600


def test_monthly_counts_follow_the_filter(archive) -> None:  # type: ignore[no-untyped-def]
    expected = Counter(
        (article.published_date.isoformat()[:7], tag.tag)
        for article, _, tags in _articles(archive[1], NARROW) for tag in tags
        if tag.tag in NARROW.tags
    )
    got = {(month, tag): int(n) for month, tag, n in
           _rows(archive[1], coverage.monthly_by_tag, NARROW)}
    assert got == dict(expected) and got
    assert min(month for month, _ in got) >= "2023-01" and max(m for m, _ in got) <= "2024-06"


def test_matched_terms_follow_the_filter(archive) -> None:  # type: ignore[no-untyped-def]
    expected = Counter(
        (tag.tag, term) for _, _, tags in _articles(archive[1], NARROW) for tag in tags
        if tag.tag in NARROW.tags for term in tag.matched_terms
    )
    got = {(tag, term): n for tag, term, n in _rows(archive[1], coverage.matched_terms, NARROW)}
    assert got == dict(expected) and {tag for tag, _ in got} == {"stunting", "kb"}


def test_where_it_happened_follows_the_filter(archive) -> None:  # type: ignore[no-untyped-def]
    # The province filter means the regencies' provinces here, not the outlets'.
    by_time_and_tag = ReportFilter(since=NARROW.since, until=NARROW.until, tags=NARROW.tags)
    kept = {article.id for article, _, _ in _articles(archive[1], by_time_and_tag)}
    provinces = {p.casefold() for p in NARROW.provinces}
    with archive[1]() as session:
        regions = session.execute(
            select(ArticleRegion.article_id, Regency.name, Regency.province)
            .join(Regency, Regency.code == ArticleRegion.region_code)
        ).all()
    about = [(article_id, regency, province) for article_id, regency, province in regions
             if article_id in kept and province.casefold() in provinces]
    per_regency = dict(_rows(archive[1], coverage.by_regency, NARROW))
    assert per_regency == dict(Counter(regency for _, regency, _ in about)) and per_regency
    per_province = dict(_rows(archive[1], coverage.by_story_province, NARROW))
    assert per_province == {
        province: len({a for a, _, p in about if p == province}) for _, _, province in about}
    assert set(per_province) == {"Riau", "Sumatera Selatan"}


def test_outlets_per_story_follow_the_filter(archive) -> None:  # type: ignore[no-untyped-def]
    everything = _articles(archive[1], ReportFilter())
    matching = {article.id for article, _, _ in _articles(
        archive[1], ReportFilter(tags=NARROW.tags, provinces=NARROW.provinces))}
    stories: dict[int, list[tuple[Article, Site]]] = {}
    for article, site, _ in everything:
        stories.setdefault(article.cluster_id, []).append((article, site))
    expected: Counter[int] = Counter()
    for members in stories.values():
        first = min(members, key=lambda m: (m[0].published_date, m[0].published_at is not None,
                                            m[0].published_at, m[0].canonical_url))[0]
        if not NARROW.since <= first.published_date <= NARROW.until:
            continue
        if any(article.id in matching for article, _ in members):
            expected[len({site.id for _, site in members})] += 1
    got = dict(_rows(archive[1], coverage.outlets_per_story, NARROW))
    assert got == dict(expected) and max(got) > 1


def test_crawl_health_follows_the_filter(archive) -> None:  # type: ignore[no-untyped-def]
    with archive[1]() as session:
        runs = session.execute(select(CrawlRun, Site).join(Site)).all()
    nights = sorted({run.started_at.astimezone(JAKARTA).date() for run, _ in runs})
    since = nights[len(nights) // 2]
    where = ReportFilter(since=since, tags=("ignored-by-this-chart",), provinces=("Riau",))
    expected = Counter(
        (site.name, run.started_at.astimezone(JAKARTA).date().isoformat())
        for run, site in runs
        if site.province == "Riau" and run.started_at.astimezone(JAKARTA).date() >= since
    )
    got = {(site, night): runs for site, night, runs, *_ in
           _rows(archive[1], coverage.site_health, where)}
    assert got == dict(expected) and got
    assert all(night >= since.isoformat() for _, night in got)


# --- nothing to show ---------------------------------------------------------------------------
def test_an_empty_archive_gives_a_page_that_says_so(db_url: str, tmp_path: Path) -> None:
    report = report_archive(db_url, tmp_path / "empty.html")
    page = (tmp_path / "empty.html").read_text(encoding="utf-8")
    assert report.articles == 0 and all(chart.png is None for chart in report.charts)
    assert "The archive holds no articles yet." in page and "<img" not in page
    assert page.count("No rows for this chart with these filters.") == len(CHARTS)


def test_a_filter_without_rows_names_the_value_that_matched_nothing(archive) -> None:  # type: ignore[no-untyped-def]
    where = ReportFilter(tags=("stuntnig",), provinces=("Jawa Barat",))
    with archive[1]() as session:
        report = build_report(session, where)
    assert report.articles == 0
    assert [w.split(" (")[0] for w in report.warnings] == [
        "no article carries the tag stuntnig", "no outlet is in the province Jawa Barat"]
    assert "No articles in this archive match tagged stuntnig" in report.html
    # Crawl health ignores tags, so only the province leaves it empty here too.
    assert all(chart.png is None for chart in report.charts)


# --- the command and the daemon --------------------------------------------------------------
def test_the_command_writes_the_page_and_refuses_bad_input(sqlite_db_url: str,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = warta("report", "-o", str(out), "--tag", "stunting", db_url=sqlite_db_url)
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}: 0 articles, 0 of {len(CHARTS)} charts drawn" in done.stdout
    assert "warning: no article carries the tag stunting" in done.stderr
    assert "warta coverage report" in out.read_text(encoding="utf-8")
    # The refusals in-process (a process each would only cost start-up time).
    runner = CliRunner(env={"WARTA_DATABASE_URL": sqlite_db_url})
    backwards = runner.invoke(main, ["report", "--since", "2024-02-01", "--until", "2024-01-01",
                                     "-o", str(out)])
    assert backwards.exit_code == 2
    assert backwards.output.strip() == "Error: --since 2024-02-01 is after --until 2024-01-01"
    nowhere = runner.invoke(main, ["report", "-o", str(tmp_path / "no" / "r.html")])
    assert nowhere.exit_code == 2
    assert nowhere.output.strip() == (
        f"Error: cannot write {tmp_path / 'no' / 'r.html'}: no directory {tmp_path / 'no'}")


def test_the_daemon_writes_the_report_when_the_night_is_over(sqlite_db_url: str,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "nightly.html"
    settings = load_settings(
        [f"WARTA_DATABASE_URL={sqlite_db_url}", f"WARTA_REPORT_PATH={out}"])
    crawled: list[str] = []

    def runner(site: str) -> CrawlResult:
        assert not out.exists(), "the report must wait for the night's last crawl"
        crawled.append(site)
        return CrawlResult(site, "ok", 0)

    sites = [FakeSite("a"), FakeSite("b"), FakeSite("c")]
    engine = make_engine(sqlite_db_url)
    results = run_once(settings, sites, runner, StopSignal(),
                       session_factory(engine, writer=True))
    engine.dispose()
    assert sorted(crawled) == ["a", "b", "c"] and all(r.status == "ok" for r in results)
    assert "The archive holds no articles yet." in out.read_text(encoding="utf-8")


def test_a_report_that_cannot_be_written_does_not_fail_the_night(
        sqlite_db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "missing-directory" / "nightly.html"
    settings = load_settings(
        [f"WARTA_DATABASE_URL={sqlite_db_url}", f"WARTA_REPORT_PATH={out}"])
    engine = make_engine(sqlite_db_url)
    results = run_once(settings, [FakeSite("a")], lambda site: CrawlResult(site, "ok", 0),
                       StopSignal(), session_factory(engine, writer=True))
    engine.dispose()
    assert [r.status for r in results] == ["ok"]
    assert f"could not write the coverage report to {out}" in caplog.text


def test_the_scheduled_service_reports_once_its_last_crawl_ends(sqlite_db_url: str) -> None:
    reports: list[int] = []
    entered = threading.Semaphore(0)
    release = threading.Event()

    def runner(site: str) -> CrawlResult:
        entered.release()
        assert release.wait(30)
        return CrawlResult(site, "ok", 0)

    engine = make_engine(sqlite_db_url)
    service = CrawlService(
        runner, session_factory(engine, writer=True), max_parallel=2,
        stop=StopSignal(), after_night=lambda: reports.append(len(reports)))
    threads = [threading.Thread(target=service.run_site, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    assert entered.acquire(timeout=30) and entered.acquire(timeout=30)
    assert reports == []  # both crawls running: the night is not over
    release.set()
    for thread in threads:
        thread.join(30)
    engine.dispose()
    assert reports == [0]


def test_a_daemon_that_only_enqueues_leaves_the_report_to_the_workers(tmp_path: Path) -> None:
    out = tmp_path / "nightly.html"
    cluster = load_settings(
        [f"WARTA_REPORT_PATH={out}", "WARTA_BROKER_URL=redis://127.0.0.1:1/0"])
    assert nightly_report(cluster) is None
    assert callable(nightly_report(cluster, crawls_here=True))
    assert nightly_report(load_settings(["WARTA_REPORT_PATH="])) is None


class FakeSite:
    def __init__(self, name: str) -> None:
        self.name = name
        self.schedule = None
        self.timezone = None


# --- in a real browser -------------------------------------------------------------------------
@pytest.mark.skipif(browser.missing_reason() is not None, reason=str(browser.missing_reason()))
def test_the_page_renders_in_headless_chromium(full_report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.render(full_report[1])
    assert page.title == "warta coverage report"
    assert len(page.images) == len(CHARTS)
    for image in page.images:
        assert image["complete"] and image["scheme"] == "data", image
        assert image["width"] > 0 and image["height"] > 0, image
    for spec in CHARTS:
        assert spec.caption in page.text and spec.title in page.text
    shot = tmp_path / "report.png"
    shot.write_bytes(page.screenshot)
    assert page.screenshot.startswith(b"\x89PNG")
    # The whole page, not the 900-pixel window: the PNG's height (bytes 20-24 of IHDR).
    assert int.from_bytes(page.screenshot[20:24], "big") > 2000

