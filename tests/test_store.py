from __future__ import annotations

import multiprocessing
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.extraction import ArticleRecord
from archive.identity.fingerprint import normalise_text, text_hash
from archive.identity.neardup import NearDuplicateIndex, signature
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, ArticleRevision, ArticleTag, ArticleUrl
from archive.store.writer import ArchiveStore, Page, SiteInfo, decompress_html

WIB = timezone(timedelta(hours=7))

T0 = datetime(2024, 5, 28, 3, 0, tzinfo=UTC)
BODY = "Pemerintah Kabupaten Banyuasin menggelar rembuk stunting tahun 2024. " * 20


@dataclass
class FakeTag:
    tag: str
    match_count: int = 2
    matched_terms: list[str] = field(default_factory=lambda: ["stunting"])
    in_title: bool = True
    in_body: bool = True
    score: float = 1.0


def page(url: str, text: str = BODY, *, site: str = "banyuasin", when: datetime = T0,
         title: str = "Rembuk Stunting", canonical: str | None = None, **extra) -> Page:
    record = ArticleRecord(url=url, title=title, text=text, published_at=T0)
    return Page(
        site=site, fetched_url=url, canonical_url=canonical or url, record=record,
        text_hash=text_hash(text), raw_html=f"<html>{text}</html>".encode(), fetched_at=when,
        alias_urls=[url], **extra,
    )


def make_store(writer) -> ArchiveStore:  # type: ignore[no-untyped-def]
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("banyuasin", "http://a.test/", "Sumatera Selatan", "Banyuasin"))
    store.ensure_site(SiteInfo("lampung", "http://b.test/", "Lampung"))
    return store


def count(writer, model) -> int:  # type: ignore[no-untyped-def]
    with writer() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_second_crawl_of_same_page_changes_nothing(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    first = store.save(page("http://a.test/2024/05/rembuk/"))
    again = store.save(page("http://a.test/2024/05/rembuk/", when=T0 + timedelta(days=1)))
    assert (first.outcome, again.outcome) == ("new", "unchanged")
    assert first.article_id == again.article_id
    assert count(writer, Article) == 1
    assert count(writer, ArticleRevision) == 1
    with writer() as s:
        article = s.get_one(Article, first.article_id)
        assert article.last_fetched_at == T0 + timedelta(days=1)
        assert article.first_fetched_at == T0


def test_changed_body_is_a_new_revision_and_the_article_shows_it(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    url = "http://a.test/2024/05/rembuk/"
    store.save(page(url))
    changed = BODY + " Ralat: angka stunting turun menjadi 19 persen."
    result = store.save(page(url, changed, when=T0 + timedelta(hours=5), title="Rembuk (ralat)"))
    assert result.outcome == "updated"
    with writer() as s:
        article = s.get_one(Article, result.article_id)
        assert article.text == changed and article.title == "Rembuk (ralat)"
        assert [r.text for r in article.revisions] == [BODY, changed]
        assert article.last_changed_at == T0 + timedelta(hours=5)


def test_same_text_under_another_url_of_the_site_is_an_alias(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    first = store.save(page("http://a.test/rembuk/"))
    alias = store.save(page("http://a.test/?p=123"))
    assert alias.outcome == "alias" and alias.article_id == first.article_id
    with writer() as s:
        kinds = dict(s.execute(select(ArticleUrl.url, ArticleUrl.kind)).all())
    assert kinds == {"http://a.test/rembuk/": "canonical", "http://a.test/?p=123": "alias"}
    assert count(writer, Article) == 1


def test_same_text_on_another_site_is_that_outlets_own_article_linked_to_it(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    first = store.save(page("http://a.test/rembuk/"))
    copy = store.save(page("http://b.test/berita/rembuk", site="lampung", title="Salinan",
                           when=T0 + timedelta(hours=2)))
    assert copy.outcome == "new" and copy.article_id != first.article_id
    assert copy.original_id == first.article_id
    with writer() as s:
        row = s.get_one(Article, copy.article_id)
        assert (row.site_id, row.canonical_url, row.title) == (
            store.site_id("lampung"), "http://b.test/berita/rembuk", "Salinan")
        assert row.text == BODY and row.original_id == first.article_id
        assert s.get_one(Article, first.article_id).original_id is None
        url = s.scalar(select(ArticleUrl).where(ArticleUrl.url == "http://b.test/berita/rembuk"))
        assert url is not None and url.kind == "canonical" and url.article_id == row.id
    assert count(writer, ArticleRevision) == 2


def dated(url: str, site: str, day: date, hour: int | None = None, **extra) -> Page:  # type: ignore[no-untyped-def]
    """A page of BODY published on `day` (WIB), at `hour` if given, else with no time."""
    p = page(url, site=site, **extra)
    at = datetime(day.year, day.month, day.day, hour or 0, tzinfo=WIB)
    p.record.published_at, p.record.published_date = at, day
    p.record.published_time_known = hour is not None
    return p


COPY_PAGES = [
    # The aggregator's copy, published two days after the outlet's own article.
    ("http://b.test/agregat/rembuk", "lampung", date(2024, 5, 30), 9),
    ("http://a.test/rembuk/", "banyuasin", date(2024, 5, 28), 14),
    ("http://c.test/rembuk", "muba", date(2024, 5, 28), None),
]


@pytest.mark.parametrize("order", [(0, 1, 2), (1, 0, 2), (2, 0, 1), (0, 2, 1)])
def test_the_earliest_published_is_the_original_whatever_the_crawl_order(
    writer: sessionmaker[Session], order: tuple[int, ...]
) -> None:
    store = make_store(writer)
    store.ensure_site(SiteInfo("muba", "http://c.test/", "Sumatera Selatan"))
    for i in order:
        url, site, day, hour = COPY_PAGES[i]
        store.save(dated(url, site, day, hour))
    with writer() as s:
        rows = {a.canonical_url: a for a in s.scalars(select(Article))}
        by_id = {a.id: a.canonical_url for a in rows.values()}
        links = {url: by_id.get(a.original_id) for url, a in rows.items()}
    # A day-only date counts as the start of its day: before 14:00 that day.
    assert links == {
        "http://c.test/rembuk": None,
        "http://b.test/agregat/rembuk": "http://c.test/rembuk",
        "http://a.test/rembuk/": "http://c.test/rembuk",
    }


def test_an_edit_takes_the_original_out_of_its_copy_group(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    store.ensure_site(SiteInfo("muba", "http://c.test/", "Sumatera Selatan"))
    for url, site, day, hour in COPY_PAGES:
        store.save(dated(url, site, day, hour))
    edited = dated("http://c.test/rembuk", "muba", date(2024, 5, 28), when=T0 + timedelta(days=3))
    edited.record.text = BODY + " Ralat: pesertanya 120 orang."
    edited.text_hash = text_hash(edited.record.text)
    assert store.save(edited).original_id is None
    with writer() as s:
        rows = {a.canonical_url: a for a in s.scalars(select(Article))}
    # The original no longer has the text; of the two remaining copies the earlier is first.
    assert rows["http://c.test/rembuk"].original_id is None
    assert rows["http://a.test/rembuk/"].original_id is None
    assert rows["http://b.test/agregat/rembuk"].original_id == rows["http://a.test/rembuk/"].id


def test_dates_keep_their_meaning(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    wita = timezone(timedelta(hours=8))
    timed = page("http://a.test/timed/", BODY + " satu")
    timed.record.published_at = datetime(2024, 6, 12, 7, 30, tzinfo=wita)
    timed.record.published_time_known = True
    timed.record.published_date = date(2024, 6, 12)
    day_only = dated("http://a.test/day/", "banyuasin", date(2024, 6, 12))
    day_only.record.text = BODY + " dua"
    day_only.text_hash = text_hash(day_only.record.text)
    first, second = store.save(timed), store.save(day_only)
    with writer() as s:
        a, b = s.get_one(Article, first.article_id), s.get_one(Article, second.article_id)
    assert a.published_at == datetime(2024, 6, 11, 23, 30, tzinfo=UTC)
    assert (a.published_date, a.published_utc_offset_minutes, a.published_time_known) == (
        date(2024, 6, 12), 480, True)
    # No made-up midnight: the day, and nothing else.
    assert (b.published_at, b.published_date, b.published_utc_offset_minutes) == (
        None, date(2024, 6, 12), None)
    assert b.published_time_known is False


def test_raw_html_is_kept_compressed(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    p = page("http://a.test/rembuk/")
    result = store.save(p)
    with writer() as s:
        revision = s.scalars(
            select(ArticleRevision).where(ArticleRevision.article_id == result.article_id)
        ).one()
    assert decompress_html(revision.raw_html_gz) == p.raw_html
    assert len(revision.raw_html_gz) < len(p.raw_html)


def test_tags_are_stored_with_their_evidence_and_version(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    result = store.save(page("http://a.test/rembuk/", tags=[FakeTag("stunting")],
                             taxonomy_version="v1"))
    with writer() as s:
        tag = s.get_one(ArticleTag, (result.article_id, "stunting"))
    assert (tag.match_count, tag.matched_terms, tag.taxonomy_version) == (2, ["stunting"], "v1")


def _save_in_process(db_url: str, url: str, barrier) -> None:  # type: ignore[no-untyped-def]
    store = ArchiveStore(session_factory(make_engine(db_url), writer=True))
    barrier.wait()
    for _ in range(5):
        store.save(page(url))


def test_concurrent_processes_store_one_article(db_url: str, writer) -> None:  # type: ignore[no-untyped-def]
    make_store(writer)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [
        ctx.Process(target=_save_in_process, args=(db_url, "http://a.test/same/", barrier))
        for _ in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert count(writer, Article) == 1
    assert count(writer, ArticleUrl) == 1


RELEASE = (
    "Perwakilan BKKBN Provinsi Sumatera Selatan meluncurkan gerakan orang tua asuh cegah stunting "
    "di Pendopo Rumah Dinas Bupati Banyuasin. Sebanyak 1.184 anak berisiko stunting akan "
    "didampingi orang tua asuh selama enam bulan ke depan. Setiap orang tua asuh menyalurkan "
    "bantuan pangan bergizi berupa telur, ikan, susu dan sayuran yang diantar kader Tim "
    "Pendamping Keluarga ke rumah sasaran. Prevalensi stunting Banyuasin tercatat 18,9 persen "
    "dan daerah ini menargetkan angka di bawah 14 persen pada akhir 2025. Gerakan serupa akan "
    "diluncurkan di 16 kabupaten dan kota lainnya hingga Desember."
)


def test_a_print_view_never_revises_the_article_read_from_its_page(writer) -> None:  # type: ignore[no-untyped-def]
    """WP-Print serves the post between its own header and "printed from" lines; the pipeline
    folds /print/ into the post's URL, so the view arrives as a re-fetch with another text."""
    store = make_store(writer)
    url = "http://a.test/2024/05/rembuk/"
    printed = "- Sumeks - http://a.test/ -\n\n" + BODY + "\n\nArtikel dicetak dari Sumeks"
    store.save(page(url))
    view = replace(page(url, printed, when=T0 + timedelta(hours=1)), fetched_url=url + "print/")
    assert store.save(view).outcome == "unchanged"
    assert store.save(replace(view, fetched_url=url + "?amp=1")).outcome == "unchanged"
    assert count(writer, ArticleRevision) == 1
    with writer() as s:
        assert s.scalars(select(Article.text)).one() == BODY


def test_an_article_first_read_from_a_view_takes_its_page_text(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    url = "http://a.test/2024/05/rembuk/"
    printed = BODY + "\n\nArtikel dicetak dari Sumeks"
    view = replace(page(url, printed), fetched_url=url + "print/")
    assert store.save(view).outcome == "new"
    # All the archive had read was the view: a change there is taken as an edit...
    edited = printed + " Ralat."
    later = replace(page(url, edited, when=T0 + timedelta(hours=1)), fetched_url=url + "print/")
    assert store.save(later).outcome == "updated"
    # ...until the page itself is read; from then on the view does not count.
    assert store.save(page(url, when=T0 + timedelta(hours=2))).outcome == "updated"
    assert store.save(replace(later, fetched_at=T0 + timedelta(hours=3))).outcome == "unchanged"
    with writer() as s:
        article = s.scalars(select(Article)).one()
        assert article.text == BODY
        assert [r.fetched_url for r in article.revisions] == [url + "print/", url + "print/", url]


def test_an_update_reindexes_the_article_for_near_duplicates(writer) -> None:  # type: ignore[no-untyped-def]
    """A stub replaced by the full release: copies of the release must find the article."""
    store = ArchiveStore(writer, cluster_index=NearDuplicateIndex())
    store.ensure_site(SiteInfo("banyuasin", "http://a.test/", "Sumatera Selatan"))
    store.ensure_site(SiteInfo("lampung", "http://b.test/", "Lampung"))
    url = "http://a.test/2024/11/genting/"
    first = store.save(page(url, BODY, signature=signature(BODY)))
    updated = store.save(
        page(url, RELEASE, when=T0 + timedelta(hours=3), signature=signature(RELEASE))
    )
    assert updated.outcome == "updated" and updated.cluster_id == first.cluster_id
    copy = RELEASE.replace("Gerakan serupa akan", "Gerakan yang sama juga akan") + (
        " Sumber: Humas BKKBN Sumsel"
    )
    assert signature(copy).similarity(signature(RELEASE)) >= 0.4
    assert signature(copy).similarity(signature(BODY)) < 0.4
    other = store.save(
        page("http://b.test/genting", copy, site="lampung", signature=signature(copy))
    )
    assert other.outcome == "new" and other.cluster_id == first.cluster_id


@pytest.mark.parametrize("old_slug_first", [True, False])
def test_the_url_the_site_names_becomes_canonical_whatever_came_first(
    writer: sessionmaker[Session], old_slug_first: bool
) -> None:
    """A stale cache serves the post under its old slug with no rel=canonical; the post itself
    names its URL. Either order gives one article under the named URL."""
    post, old = "http://a.test/2024/10/tpk-lampung", "http://a.test/2024/10/tpk-2450"
    store = make_store(writer)
    order = (old, post) if old_slug_first else (post, old)
    results = [store.save(page(u, canonical_declared=u == post)) for u in order]
    assert [r.outcome for r in results] == ["new", "alias"]
    with writer() as s:
        article = s.scalars(select(Article)).one()
        kinds = dict(s.execute(select(ArticleUrl.url, ArticleUrl.kind)).all())
    assert article.canonical_url == post
    assert kinds == {post: "canonical", old: "alias"}


def test_an_undeclared_twin_never_takes_the_canonical(writer) -> None:  # type: ignore[no-untyped-def]
    store = make_store(writer)
    first = store.save(page("http://a.test/rembuk/", canonical_declared=True))
    store.save(page("http://a.test/rembuk-lama/"))
    store.save(page("http://b.test/salinan/", site="lampung", canonical_declared=True))
    with writer() as s:
        assert s.get_one(Article, first.article_id).canonical_url == "http://a.test/rembuk/"
        kinds = dict(s.execute(select(ArticleUrl.url, ArticleUrl.kind)).all())
    assert kinds == {
        "http://a.test/rembuk/": "canonical",
        "http://a.test/rembuk-lama/": "alias",
        "http://b.test/salinan/": "canonical",
    }


def test_a_copy_migrated_from_a_syndication_url_takes_its_own_page_when_fetched(writer) -> None:  # type: ignore[no-untyped-def]
    """Migration 0003 made copies out of 'syndication' URLs with the original's title and no
    date or revision: the first fetch of the copy's page fills them in, text unchanged."""
    store = make_store(writer)
    first = store.save(page("http://a.test/rembuk/"))
    with writer() as s, s.begin():
        original = s.get_one(Article, first.article_id)
        copy = Article(site_id=store.site_id("lampung"), canonical_url="http://b.test/salinan",
                       title=original.title, text=BODY, text_hash=original.text_hash,
                       word_count=original.word_count, original_id=original.id)
        s.add(copy)
        s.flush()
        s.add(ArticleUrl(article_id=copy.id, site_id=copy.site_id, url=copy.canonical_url,
                         kind="canonical"))
    fetched = dated("http://b.test/salinan", "lampung", date(2024, 5, 29), 9, title="Salinan")
    result = store.save(fetched)
    assert (result.outcome, result.original_id) == ("updated", first.article_id)
    with writer() as s:
        row = s.scalar(select(Article).where(Article.canonical_url == "http://b.test/salinan"))
        assert row is not None and row.title == "Salinan"
        assert row.published_date == date(2024, 5, 29) and len(row.revisions) == 1
    assert store.save(replace(fetched, fetched_at=T0 + timedelta(days=1))).outcome == "unchanged"


@pytest.mark.parametrize("text", [
    "“Stunting” turun 1,5%… di Kota_Baru — kata Bupati.\u00a0Café ½ STRAßE",
    "Kampung KB: 10 ibu-ibu\u200b, ١٢٣ dan ２０２４!\n\n\tSelesai_",
    "plain ascii, with: punctuation_and   spaces ",
    "",
    "—…“”",
    "lone \ud800 surrogate",
])
def test_text_fingerprint_is_the_casefolded_word_runs(text: str) -> None:
    # The stored text_hash values depend on this form: letter-and-digit runs of the NFKC,
    # casefolded text, joined by single spaces.
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold())
    assert normalise_text(text) == " ".join(words)
