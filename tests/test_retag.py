from __future__ import annotations

from sqlalchemy import select

from archive.reprocess.retag import count_stale, retag_archive
from archive.store.models import Article, ArticleTag
from archive.store.writer import ArchiveStore, SiteInfo
from archive.tagging.taxonomy import load_taxonomy, parse_taxonomy
from tests.test_store import page

STUNTING = "Pemkab Banyuasin menggelar rembuk stunting untuk menurunkan angka stunting. " * 8
POSYANDU = "Kader posyandu di Desa Sukamaju menimbang balita setiap bulan di posyandu. " * 8

EXTRA = """
include_default = true

[tags.penimbangan]
description = "Weighing children at the posyandu"
terms = ["menimbang balita"]
"""


def stored(writer) -> dict[str, tuple[str | None, list[str]]]:  # type: ignore[no-untyped-def]
    with writer() as session:
        tags: dict[int, list[str]] = {}
        for article_id, tag in session.execute(select(ArticleTag.article_id, ArticleTag.tag)):
            tags.setdefault(article_id, []).append(tag)
        return {
            a.canonical_url: (a.taxonomy_version, sorted(tags.get(a.id, [])))
            for a in session.scalars(select(Article))
        }


def test_retag_applies_a_changed_taxonomy_without_a_recrawl(writer) -> None:  # type: ignore[no-untyped-def]
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("banyuasin", "http://a.test/", "Sumatera Selatan"))
    store.save(page("http://a.test/rembuk/", STUNTING))  # stored untagged
    store.save(page("http://a.test/posyandu/", POSYANDU, title="Kader Posyandu Sukamaju"))

    default = load_taxonomy()
    with writer() as session:
        assert count_stale(session, default) == 2
    batches: list[int] = []
    assert retag_archive(writer, default, batch_size=1, on_batch=batches.append) == 2
    assert batches == [1, 1]
    assert stored(writer) == {
        "http://a.test/rembuk/": (default.version, ["stunting"]),
        "http://a.test/posyandu/": (default.version, ["posyandu"]),
    }
    assert retag_archive(writer, default) == 0  # nothing stale: resumable, idempotent

    extended = parse_taxonomy(EXTRA, "user.toml")
    assert extended.version != default.version
    assert retag_archive(writer, extended) == 2
    assert stored(writer)["http://a.test/posyandu/"] == (
        extended.version, ["penimbangan", "posyandu"]
    )
