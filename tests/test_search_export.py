from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from archive.reading.export import iter_records, write_records
from archive.reading.filters import ArticleFilter
from archive.reading.search import fts5_query, search
from archive.store.writer import ArchiveStore, SiteInfo
from tests.test_store import FakeTag, page

STUNTING = "Pemkab Banyuasin menggelar rembuk stunting untuk menurunkan angka stunting. " * 8
KB = "Pelayanan KB gratis di Bandar Lampung diikuti ratusan akseptor baru bulan ini. " * 8
ROAD = "Jalan lintas timur di Ogan Ilir diperbaiki menjelang arus mudik tahun ini. " * 8


@pytest.fixture
def store(writer):  # type: ignore[no-untyped-def]
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("banyuasin", "http://a.test/", "Sumatera Selatan", "Banyuasin"))
    store.ensure_site(SiteInfo("lampung", "http://b.test/", "Lampung", "Kota Bandar Lampung"))
    store.save(page("http://a.test/rembuk/", STUNTING, title="Rembuk Stunting Banyuasin",
                    tags=[FakeTag("stunting")], taxonomy_version="v1"))
    store.save(page("http://b.test/kb/", KB, site="lampung", title="Layanan KB Gratis",
                    when=datetime(2024, 6, 1, tzinfo=UTC), tags=[FakeTag("kb")],
                    taxonomy_version="v1"))
    store.save(page("http://a.test/jalan/", ROAD, title="Perbaikan Jalan", tags=[],
                    taxonomy_version="v1"))
    return store


def test_fts5_query_quotes_terms_so_operators_are_words() -> None:
    assert fts5_query("rembuk stunting") == '"rembuk" "stunting"'
    assert fts5_query('"rembuk stunting" AND') == '"rembuk stunting" "AND"'
    assert fts5_query("  ?! ") == ""


def test_search_finds_ranked_hits_with_snippets(store, writer) -> None:  # type: ignore[no-untyped-def]
    with writer() as session:
        hits = search(session, "rembuk stunting")
    assert [h.title for h in hits] == ["Rembuk Stunting Banyuasin"]
    assert "[rembuk]" in hits[0].snippet.lower()


def test_search_filters_by_tag_site_and_region(store, writer) -> None:  # type: ignore[no-untyped-def]
    with writer() as session:
        assert search(session, "tahun", ArticleFilter(tags=("stunting",))) == []
        assert [h.title for h in search(session, "jalan", ArticleFilter(sites=("banyuasin",)))] == [
            "Perbaikan Jalan"
        ]
        assert search(session, "jalan", ArticleFilter(region="lampung")) == []
        hits = search(session, "akseptor", ArticleFilter(region="Kota Bandar Lampung"))
        assert [h.site for h in hits] == ["lampung"]


def test_search_index_follows_updates(store, writer) -> None:  # type: ignore[no-untyped-def]
    store.save(page("http://a.test/jalan/", ROAD + " Jembatan Musi juga diperbaiki.",
                    title="Perbaikan Jalan dan Jembatan"))
    with writer() as session:
        assert [h.title for h in search(session, "jembatan musi")] == [
            "Perbaikan Jalan dan Jembatan"
        ]


def test_export_jsonl_streams_documented_fields(store, writer) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    with writer() as session:
        n = write_records(iter_records(session, batch_size=1), out, "jsonl")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert n == 3 and len(records) == 3
    first = records[0]
    assert first["url"] == "http://a.test/rembuk/" and first["tags"] == ["stunting"]
    assert first["site"] == "banyuasin" and first["province"] == "Sumatera Selatan"
    assert first["published"].startswith("2024-05-28")


def test_export_csv_with_filters(store, writer) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    where = ArticleFilter(tags=("kb", "stunting"), since=date(2024, 5, 28), until=date(2024, 5, 28))
    with writer() as session:
        write_records(iter_records(session, where), out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["site"], r["tags"]) for r in rows] == [("banyuasin", "stunting"), ("lampung", "kb")]


def test_unknown_export_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        write_records(iter([]), io.StringIO(), "xml")


def test_analyst_views_flatten_tags_and_count_per_day(store, writer) -> None:  # type: ignore[no-untyped-def]
    with writer() as session:
        articles = session.execute(
            text("SELECT site, title, tags, published_date FROM v_articles ORDER BY article_id")
        ).all()
        daily = session.execute(
            text("SELECT day, tag, site, province, articles FROM v_daily_counts "
                 "ORDER BY site, tag NULLS FIRST")
        ).all()
    assert articles[0] == ("banyuasin", "Rembuk Stunting Banyuasin", "stunting", "2024-05-28")
    assert articles[2][2] is None  # untagged
    assert daily == [
        ("2024-05-28", None, "banyuasin", "Sumatera Selatan", 1),
        ("2024-05-28", "stunting", "banyuasin", "Sumatera Selatan", 1),
        ("2024-05-28", "kb", "lampung", "Lampung", 1),
    ]


def test_export_gives_dates_as_the_outlet_printed_them_and_names_copies(writer) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta, timezone

    from archive.identity.neardup import NearDuplicateIndex, signature

    store = ArchiveStore(writer, cluster_index=NearDuplicateIndex())
    store.ensure_site(SiteInfo("banyuasin", "http://a.test/", "Sumatera Selatan", "Banyuasin"))
    store.ensure_site(SiteInfo("agregat", "http://c.test/", "Sumatera Selatan"))
    original = page("http://a.test/rembuk/", STUNTING, title="Rembuk",
                    signature=signature(STUNTING))
    original.alias_urls = ["http://a.test/rembuk/", "http://a.test/?p=7"]
    original.record.published_date = date(2024, 6, 12)
    copy = page("http://c.test/read/1/rembuk/", STUNTING, site="agregat", title="Rembuk (salinan)",
                signature=signature(STUNTING))
    copy.record.published_at = datetime(2024, 6, 12, 14, 30, tzinfo=timezone(timedelta(hours=7)))
    copy.record.published_time_known = True
    copy.record.published_date = date(2024, 6, 12)
    store.save(copy)  # the copy first: the original is still the earliest published
    store.save(original)
    out = io.StringIO()
    with writer() as session:
        write_records(iter_records(session), out, "jsonl")
        csv_out = io.StringIO()
        write_records(iter_records(session), csv_out, "csv")
        stories = session.execute(text(
            "SELECT first_url, first_published, outlets, articles, verbatim_copies, sites"
            " FROM v_stories"
        )).all()
        view = session.execute(text(
            "SELECT url, published, published_date, original_url FROM v_articles ORDER BY url"
        )).all()
    records = {r["url"]: r for r in map(json.loads, out.getvalue().splitlines())}
    mine, theirs = records["http://c.test/read/1/rembuk/"], records["http://a.test/rembuk/"]
    assert theirs["published"] == "2024-06-12" and theirs["original_url"] is None
    assert theirs["aliases"] == ["http://a.test/?p=7"]
    assert mine["published"] == "2024-06-12T14:30:00+07:00"
    assert mine["original_url"] == "http://a.test/rembuk/" and mine["aliases"] == []
    assert mine["cluster"] == theirs["cluster"] is not None
    assert mine["outlets"] == theirs["outlets"] == ["agregat", "banyuasin"]
    rows = {r["url"]: r for r in csv.DictReader(io.StringIO(csv_out.getvalue()))}
    assert rows["http://c.test/read/1/rembuk/"]["outlets"] == "agregat;banyuasin"
    assert rows["http://a.test/rembuk/"]["aliases"] == "http://a.test/?p=7"
    assert stories == [("http://a.test/rembuk/", "2024-06-12", 2, 2, 1, "agregat,banyuasin")]
    assert view == [
        ("http://a.test/rembuk/", "2024-06-12", "2024-06-12", None),
        ("http://c.test/read/1/rembuk/", "2024-06-12T14:30:00+07:00", "2024-06-12",
         "http://a.test/rembuk/"),
    ]


def test_phrase_quotes_mean_the_same_on_every_database(store, writer) -> None:  # type: ignore[no-untyped-def]
    with writer() as session:
        assert [h.title for h in search(session, '"rembuk stunting"')] == [
            "Rembuk Stunting Banyuasin"
        ]
        assert search(session, '"stunting rembuk"') == []  # both words, not as a phrase
        assert [h.title for h in search(session, "stunting rembuk")] == [
            "Rembuk Stunting Banyuasin"
        ]
        # Words that would be operators elsewhere (websearch_to_tsquery, FTS5) are words here.
        assert search(session, "rembuk or jalan") == []
        assert search(session, "rembuk -stunting") != []
