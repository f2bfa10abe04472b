"""Incremental crawling end to end: real `scrapy crawl` processes, three nights, against sample web
sites whose content changes between the first two.

Sites: demo-karyanasional (robots.txt, Yoast sitemaps with <lastmod>, a news sitemap, RSS, home
page), demo-maklumatnews (WordPress core sitemaps without index <lastmod>, RSS and Atom) and
demo-bkkbn-sumsel (a government CMS found only through its configured listing, no dates at all).
Between night 1 and night 2 each of the first and last gets a new post and one archived post is
edited; night 3 follows an unchanged web.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from archive.identity.urlnorm import normalise_url
from archive.reading.reports import article_states
from archive.store.db import make_engine, session_factory
from archive.store.models import CrawlRun, FetchState, Site
from archive.store.schema import upgrade
from tests.conftest import ArchiveFactory
from tests.e2e.crawling import LOCAL_WEB_SETTINGS, REPO_ROOT
from warta.sampleweb import Article as Post
from warta.sampleweb import RequestRecord, SampleWeb, load_sites

SITES = ("demo-karyanasional", "demo-maklumatnews", "demo-bkkbn-sumsel")


def crawl_all(registry: Path, db_url: str, logs: Path, night: str) -> None:
    """One night: every site crawled at once, one process each (as the daemon runs them); the
    same command line as tests/e2e/crawling.scrapy_crawl, run in parallel to keep this quick."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    procs = []
    for name in SITES:
        log = logs / f"{night}-{name}.log"
        argv = [sys.executable, "-m", "scrapy", "crawl", name,
                "-s", f"WARTA_SITES_FILE={registry}", "-s", f"WARTA_DATABASE_URL={db_url}",
                "-s", f"LOG_FILE={log}"]  # fmt: skip
        for key, value in LOCAL_WEB_SETTINGS.items():
            argv += ["-s", f"{key}={value}"]
        procs.append((log, subprocess.Popen(argv, cwd=REPO_ROOT, env=env)))
    for log, proc in procs:
        assert proc.wait(timeout=120) == 0, log.read_text()[-3000:]
        text = log.read_text()
        assert " ERROR: " not in text and "Traceback" not in text, text[-3000:]


def post(slug: str, category: str, key: str) -> Post:
    body = [
        "Perwakilan BKKBN bersama pemerintah kabupaten menggelar rapat koordinasi percepatan "
        "penurunan stunting yang diikuti camat, kepala puskesmas dan kader Tim Pendamping "
        "Keluarga dari seluruh kecamatan pada Senin pagi.",
        key,
        "Menurut kepala dinas, pendampingan keluarga berisiko stunting dilakukan melalui "
        "kunjungan rumah, pemberian makanan tambahan dan penyuluhan gizi seimbang bagi ibu "
        "hamil serta keluarga yang memiliki anak di bawah dua tahun.",
        "Program Bangga Kencana juga mendorong pasangan usia subur menggunakan alat kontrasepsi "
        "modern agar jarak kelahiran terjaga dan kesehatan ibu serta anak lebih terjamin di "
        "masa mendatang, ujarnya kepada wartawan seusai acara.",
    ]
    now = datetime.now(UTC) - timedelta(minutes=5)
    return Post(
        slug=slug,
        title=slug.replace("-", " ").title(),
        published=now,
        modified=now,
        body=body,
        category=category,
        key_sentences=[key],
    )


def archive_state(db_url: str) -> dict[str, tuple[str, str, int]]:
    """canonical URL -> (site, text, revisions)."""
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        states = article_states(session)
    engine.dispose()
    return {url: (st.site, st.text, st.revisions) for url, st in states.items()}


def latest_runs(db_url: str) -> dict[str, CrawlRun]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        newest = select(func.max(CrawlRun.id)).group_by(CrawlRun.site_id)
        rows = session.execute(
            select(Site.name, CrawlRun).join(Site).where(CrawlRun.id.in_(newest))
        ).all()
    engine.dispose()
    return {name: run for name, run in rows}


def discovery_urls(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        urls = set(session.scalars(select(FetchState.url).where(FetchState.kind == "discovery")))
    engine.dispose()
    return urls


def totals(log: list[RequestRecord]) -> tuple[int, int]:
    return len(log), sum(r.bytes_sent for r in log)


def test_second_night_fetches_only_what_changed(
    tmp_path: Path, new_archive: ArchiveFactory
) -> None:
    db_url = new_archive(migrated=False)
    upgrade(db_url)  # once, not raced by three first crawls
    with SampleWeb([s for s in load_sites() if s.name in SITES]) as web:
        registry = web.registry_toml(tmp_path / "sites.toml")

        def url_of(site: str, path: str) -> str:
            return normalise_url(web.url(site, path))

        # --- night 1: empty archive ---------------------------------------------------------
        crawl_all(registry, db_url, tmp_path, "night1")
        requests1, bytes1 = totals(web.request_log())
        night1 = archive_state(db_url)
        assert {site for site, _, _ in night1.values()} == set(SITES)
        assert all(revs == 1 for _, _, revs in night1.values())
        assert len(discovery_urls(db_url)) >= 10  # sitemaps, feeds, listings, home pages

        # --- between the nights: two new posts, two edits -----------------------------------
        key_ka = "Kabupaten Tulang Bawang menargetkan 1.250 keluarga berisiko terdampingi."
        key_bk = "Kota Lubuklinggau mencatat 317 calon pengantin mengikuti skrining kesehatan."
        new_ka = web.add_article(
            "demo-karyanasional", post("tulang-bawang-dampingi-keluarga", "kesehatan", key_ka)
        )
        new_bk = web.add_article(
            "demo-bkkbn-sumsel", post("lubuklinggau-skrining-catin", "berita", key_bk)
        )
        new_posts = {
            url_of("demo-karyanasional", new_ka.path): key_ka,
            url_of("demo-bkkbn-sumsel", new_bk.path): key_bk,
        }
        # Edited: an old karyanasional post (its sitemap <lastmod> moves) and the newest
        # bkkbn-sumsel article (no dates anywhere: found again through its changed listing).
        ka = web.site("demo-karyanasional")
        old_ka = next(a for a in reversed(ka.real_articles()) if url_of(ka.name, a.path) in night1)
        bk = web.site("demo-bkkbn-sumsel")
        top_bk = next(
            a for a in bk.real_articles() if a is not new_bk and url_of(bk.name, a.path) in night1
        )
        edits = {}
        for site, target in (("demo-karyanasional", old_ka), ("demo-bkkbn-sumsel", top_bk)):
            sentence = f"Ralat: jumlah peserta {target.slug[:20]} yang benar adalah 4.321 orang."
            web.edit_article(site, target.slug, body=[*target.body, sentence])
            edits[url_of(site, target.path)] = sentence

        # --- night 2 ------------------------------------------------------------------------
        web.clear_request_log()
        crawl_all(registry, db_url, tmp_path, "night2")
        log2 = web.request_log()
        requests2, bytes2 = totals(log2)
        night2 = archive_state(db_url)
        runs2 = latest_runs(db_url)

        # --- night 3: nothing changed ---------------------------------------------------------
        web.clear_request_log()
        crawl_all(registry, db_url, tmp_path, "night3")
        log3 = web.request_log()
        requests3, bytes3 = totals(log3)
        night3 = archive_state(db_url)
        runs3 = latest_runs(db_url)
        night1_paths = {
            site: {a.path for a in web.site(site).articles if url_of(site, a.path) in night1}
            for site in SITES
        }

    # Night 2 costs less than night 1: on sites this small a new post changes the home and
    # listing pages that reach most of the site, so its known posts are revalidated (304s).
    assert requests2 < requests1, (requests1, requests2)
    assert bytes2 < bytes1 / 2, (bytes1, bytes2)
    assert sum(r.not_modified for r in runs2.values()) > 0
    assert runs2["demo-karyanasional"].not_modified > 0
    assert all(
        r.status in ("ok", "partial") and r.finish_reason == "finished" for r in runs2.values()
    )

    # Every new post stored once, with its text.
    for url, key in new_posts.items():
        assert url in night2 and url not in night1
        assert key in night2[url][1] and night2[url][2] == 1
        assert sum(key in text for _, text, _ in night2.values()) == 1
    # Every edited post has a second revision showing the new text.
    for url, sentence in edits.items():
        assert night2[url][2] == 2, url
        assert sentence in night2[url][1]
        assert sentence not in night1[url][1]
    # Nothing else was revised or stored twice.
    assert len(night2) == len(night1) + 2
    for url, (_, text, _) in night1.items():
        if url not in edits:
            assert night2[url][2] == 1, url
            assert night2[url][1] == text
    assert sum(r.duplicates for r in runs2.values()) == 0
    assert sum(r.articles_new for r in runs2.values()) == 2
    assert sum(r.articles_updated for r in runs2.values()) == 2
    # A night-1 article is never downloaded again without validators: skipped, or revalidated.
    for record in log2:
        if record.path in night1_paths[record.site]:
            assert record.conditional, record

    # Night 3, nothing changed: a few conditional requests, almost no bytes.
    assert bytes3 <= 0.05 * bytes1, (bytes1, bytes3, [
        (r.site, r.path, r.status, r.bytes_sent) for r in log3 if r.bytes_sent])
    assert requests3 < requests2
    assert night3 == night2
    assert sum(r.not_modified for r in runs3.values()) >= 3
    fetched3 = Counter(
        r.site
        for r in log3
        if r.status == 200 and r.path in night1_paths[r.site] | {new_ka.path, new_bk.path}
    )
    # At most the night's revalidation budget per site (WARTA_REVALIDATE_MIN, 2, on sites this
    # small): the rolling revalidation asks conditionally, and an article whose "latest posts"
    # box now shows night 2's post answers 200 with its old text.
    assert all(count <= 2 for count in fetched3.values()), fetched3
