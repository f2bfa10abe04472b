from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from archive.extraction import extract
from archive.extraction.records import ArticleRecord
from archive.identity.fingerprint import text_hash
from archive.reprocess.reextract import reextract_all
from archive.store.models import Article
from archive.store.writer import ArchiveStore, Page, SiteInfo
from crawler.offline_extraction import BoundedExtractor
from tests.e2e.heavyweb import gallery_page
from warta.config import project_settings

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = "http://sumsel.example.go.id/berita/412-kampung-kb.html"


def store_with_old_text(writer, **page_fields: object) -> tuple[ArchiveStore, str]:  # type: ignore[no-untyped-def]
    """The Joomla page stored as an older extractor might have: with page furniture left in.
    Returns the store and the text today's extractor gives."""
    raw = (PAGES / "sumsel_joomla_kampung_kb_cp1252.html").read_bytes()
    record = extract(raw, URL).article
    assert record is not None
    good_text = record.text
    record.text = good_text + "\n\nStatistik Pengunjung\n\nHits: 3716"
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("bkkbn-sumsel", "http://sumsel.example.go.id/", "Sumatera Selatan"))
    store.save(Page(site="bkkbn-sumsel", fetched_url=URL, canonical_url=URL, record=record,
                    text_hash=text_hash(record.text), raw_html=raw, fetched_at=datetime.now(UTC),
                    **page_fields))  # type: ignore[arg-type]
    return store, good_text


def test_reextract_rebuilds_texts_from_the_kept_raw_pages(writer) -> None:  # type: ignore[no-untyped-def]
    _, good_text = store_with_old_text(writer, regions=[],
                                       gazetteer_version="regions-of-the-old-text")

    stats = reextract_all(writer)
    assert (stats.articles, stats.changed, stats.kept) == (1, 1, 0)
    with writer() as session:
        article = session.scalars(select(Article)).one()
        assert article.text == good_text
        assert article.text_hash == text_hash(good_text)
        assert article.revisions[0].text == good_text
        assert article.taxonomy_version is None  # its tags are re-done by `warta retag`
        assert article.gazetteer_version is None  # and its regions
    assert reextract_all(writer).unchanged == 1


def test_reextract_writes_the_date_fields(writer) -> None:  # type: ignore[no-untyped-def]
    raw = (PAGES / "sumsel_joomla_kampung_kb_cp1252.html").read_bytes()
    url = "http://sumsel.example.go.id/berita/412-kampung-kb.html"
    record = extract(raw, url).article
    assert record is not None and record.published_date is not None
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("bkkbn-sumsel", "http://sumsel.example.go.id/", "Sumatera Selatan"))
    store.save(Page(site="bkkbn-sumsel", fetched_url=url, canonical_url=url, record=record,
                    text_hash=text_hash(record.text), raw_html=raw, fetched_at=datetime.now(UTC)))
    with writer() as session, session.begin():
        # As migration 0003 left a row whose old date was lost.
        article = session.scalars(select(Article)).one()
        article.published_date = None
        article.published_at = None
    assert reextract_all(writer).changed == 1
    with writer() as session:
        article = session.scalars(select(Article)).one()
        assert article.published_date == record.published_date
        assert article.published_time_known == record.published_time_known
        assert (article.published_at is not None) == record.published_time_known


def test_reextract_bounds_every_page_like_a_crawl(writer) -> None:  # type: ignore[no-untyped-def]
    """A stored page that overruns the extraction budget is left as stored; the others are
    rebuilt (the pass runs in the crawl's worker pool, not unbounded in process)."""
    store, good_text = store_with_old_text(writer)
    # A gallery of thousands of small blocks: several seconds of CPU, far over a 1 s budget
    # that the ordinary page stays far below.
    gallery_url = "http://sumsel.example.go.id/galeri/413-foto-kegiatan.html"
    gallery = ArticleRecord(url=gallery_url, title="Foto kegiatan", text="Foto kegiatan kader.")
    store.save(Page(site="bkkbn-sumsel", fetched_url=gallery_url, canonical_url=gallery_url,
                    record=gallery, text_hash=text_hash(gallery.text),
                    raw_html=gallery_page(8_000, seed=2), fetched_at=datetime.now(UTC)))

    settings = project_settings({"WARTA_EXTRACT_CPU_SECONDS": 1.0, "WARTA_EXTRACT_WORKERS": 2})
    with BoundedExtractor(settings) as extractor:
        stats = reextract_all(writer, extract_pages=extractor)
    assert (stats.articles, stats.changed, stats.kept) == (2, 1, 1)
    assert stats.rejected == {"extraction-timeout": 1}
    with writer() as session:
        texts = {a.canonical_url: a.text for a in session.scalars(select(Article))}
    assert texts == {URL: good_text, gallery_url: "Foto kegiatan kader."}
