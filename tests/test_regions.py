"""Where the story happened: the gazetteer, the region tagger, its labelled-set floors, storage,
the views, export and retag (archive/tagging/regions.py, archive/store/regions.py)."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, text

from archive.reading.export import iter_records, write_records
from archive.reprocess.retag import count_stale, retag_archive
from archive.store.models import Article, ArticleRegion, Regency
from archive.store.writer import ArchiveStore, SiteInfo
from archive.tagging.gazetteer import (
    DEFAULT_GAZETTEER_PATH,
    GazetteerError,
    load_gazetteer,
    parse_gazetteer,
)
from archive.tagging.regions import RegionTagger
from archive.tagging.taxonomy import load_taxonomy
from bench.regions_eval import DEFAULT_REALPAGES, evaluate, load_items
from tests.test_store import page
from warta.user_errors import describe


@pytest.fixture(scope="module")
def tagger() -> RegionTagger:
    return RegionTagger()


def regions(tagger: RegionTagger, title: str, body: str = "") -> list[str]:
    return [m.region_code for m in tagger.tag(title, body)]


# --- the gazetteer --------------------------------------------------------------------------------


def test_gazetteer_has_every_kabupaten_and_kota_of_the_ten_provinces() -> None:
    g = load_gazetteer()
    per_province = Counter(r.province for r in g.regencies)
    assert per_province == {
        "Aceh": 23, "Sumatera Utara": 33, "Sumatera Barat": 19, "Riau": 12, "Jambi": 11,
        "Sumatera Selatan": 17, "Bengkulu": 10, "Lampung": 15, "Kepulauan Bangka Belitung": 7,
        "Kepulauan Riau": 7,
    }
    banyuasin = g.regency("16.07")
    assert (banyuasin.full_name, banyuasin.kind, banyuasin.province) == (
        "Kabupaten Banyuasin", "kabupaten", "Sumatera Selatan")
    assert g.regency("16.71").full_name == "Kota Palembang"
    assert {"OKUS", "OKU Selatan"} <= set(g.regency("16.08").aliases)
    assert "Muba" in g.regency("16.06").aliases


BAD_ENTRIES = [
    ('"16.07" = { kind = "kab", name = "Banyuasin" }',
     "regions.toml: regency '16.07': field 'kind': must be 'kabupaten' or 'kota', not 'kab'"),
    ('"16.7" = { kind = "kabupaten", name = "Banyuasin" }',
     "regions.toml: regency '16.7': code must be Kemendagri's \"PP.RR\""),
    ('"99.01" = { kind = "kabupaten", name = "Atlantis" }',
     "regions.toml: regency '99.01': province '99' is not in [provinces]"),
    ('"16.71" = { kind = "kabupaten", name = "Palembang" }',
     "regions.toml: regency '16.71': field 'kind': kabupaten does not fit the code"),
    ('"16.07" = { kind = "kabupaten", name = "Banyuasin", alias = ["B"] }',
     "regions.toml: regency '16.07': unknown field 'alias'"),
    ('"16.07" = { kind = "kabupaten", name = "Banyuasin", aliases = ["Sumsel"] }',
     "regions.toml: regency '16.07': form 'Sumsel' also names province '16'"),
    ('"16.07" = { kind = "kabupaten", name = "Banyuasin", aliases = [",x"] }',
     "regions.toml: regency '16.07': field 'aliases': ',x' must begin with a letter"),
]


@pytest.mark.parametrize(("entry", "message"), BAD_ENTRIES)
def test_a_bad_entry_is_one_line_naming_file_and_entry(entry: str, message: str) -> None:
    doc = f'[provinces]\n"16" = {{ name = "Sumatera Selatan", aliases = ["Sumsel"] }}\n' \
          f"[regencies]\n{entry}\n"
    with pytest.raises(GazetteerError) as err:
        parse_gazetteer(doc, "regions.toml")
    assert str(err.value).startswith(message)
    assert describe(err.value) == str(err.value) and "\n" not in str(err.value)


def test_invalid_toml_and_an_unreadable_file_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match=r"^x.toml: invalid TOML: "):
        parse_gazetteer("[provinces\n", "x.toml")
    with pytest.raises(GazetteerError, match="cannot read"):
        load_gazetteer(tmp_path / "missing.toml")


def test_version_follows_the_content_not_the_layout() -> None:
    shipped = DEFAULT_GAZETTEER_PATH.read_text(encoding="utf-8")
    assert parse_gazetteer("# a comment\n" + shipped).version == load_gazetteer().version
    changed = shipped.replace('aliases = ["Muba", "Sekayu"]', 'aliases = ["Muba"]')
    assert parse_gazetteer(changed).version != load_gazetteer().version


# --- the tagger -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # datelines, in the forms outlets write them
        ("Rapat stunting", "BANYUASIN, SUMEKS.CO – Pemkab menggelar rapat.", ["16.07"]),
        ("Rapat stunting", "BANYUASIN,SUMEXSS-Dalam rangka rapat.", ["16.07"]),
        ("Rakerda", "Palembang(10/03/2022) bertempat di sebuah hotel.", ["16.71"]),
        ("Rakerda", "PALEMBANG - Rapat digelar.", ["16.71"]),
        ("Rakor", "MAKLUMATNEWS.com,OKUS – Asisten pimpin rapat.", ["16.08"]),
        ("Rakor", "TRIBUNSUMSEL.COM, MUARA ENIM - Rapat digelar.", ["16.03"]),
        ("Rakor", "Lampung Selatan (ANTARA) - Rapat digelar.", ["18.01"]),
        ("Rakor", "Jakarta (ANTARA) - Rapat digelar.", []),
        # a dateline the province shares is the city; in a sentence it is the province
        ("Rakor", "JAMBI, KOMPAS.com - Rapat digelar di Provinsi Jambi.", ["15.71"]),
        ("Rakor di Jambi", "Rapat se-Jambi digelar. Jambi siap.", []),
        ("Rakor", "Pemerintah Kota Jambi menggelar rapat. Wali Kota Jambi hadir.", ["15.71"]),
        ("Stunting di Bengkulu Utara", "Kabupaten Bengkulu Utara turun.", ["17.03"]),
        # short forms; capitals-only forms only in capitals
        ("Pemkab Muba dan PALI", "", ["16.06", "16.12"]),
        ("OKUT dan OKU Timur", "", ["16.09"]),
        ("Tips kopi", "Pali, kata warga, tebing curam. Oku ini.", []),
        ("BKKBN Babel", "Provinsi Kepulauan Bangka Belitung menggelar rapat di Babel.", []),
        # traps
        ("Banjir", "PALEMBANG - Banjir di Jalan Lampung dan Jl. Mesuji, Palembang.", ["16.71"]),
        ("Pencuri", "Polisi meringkus Agam (24). Pak Agam kaget. Bu Seluma juga.", []),
        ("Juliari Batubara Bebas", "Juliari Batubara bebas bersyarat.", []),
        ("Bupati Batubara Tinjau", "Pemkab Batubara meninjau posyandu.", ["12.19"]),
        ("Kota Tua", "Warga kota ramai. Kota ini indah.", []),
        ("Medan Berat Menuju Ladang", "Petani melewati medan berat dan padang rumput.", []),
        ("Dari Sabang sampai Merauke", "Program dari Sabang sampai Merauke.", []),
        ("Kerja sama media", "Tribun Medan, Lampung Post dan Jambi Independent.", []),
        ("Polres Metro Jakarta Barat", "Kapolres Metro Jakarta Barat bicara.", []),
        ("Panen", "BANYUASIN - Petani Kecamatan Muara Padang panen. Muara Padang.", ["16.07"]),
        # a passing mention is not what the story is about
        ("Kader dilatih", "Kader berlatih.\n\nSeorang pelatih pernah di Palembang.", []),
        ("Kader dilatih", "Kader berlatih.\n\nPelatih dari Palembang; Palembang jauh.", ["16.71"]),
        # the press office's dateline gives way to the regency the title names
        ("Ogan Ilir Luncurkan Rumah Data", "Palembang – BKKBN mendampingi Ogan Ilir.", ["16.10"]),
    ],
)
def test_regions_of(tagger: RegionTagger, title: str, body: str, expected: list[str]) -> None:
    assert sorted(regions(tagger, title, body)) == sorted(expected)


def test_a_match_carries_its_evidence(tagger: RegionTagger) -> None:
    [m] = tagger.tag("Pemkab OKUS Gelar Rakor",
                     "MAKLUMATNEWS.com,OKUS – Kabupaten OKU Selatan menggelar rakor.\n\nLagi.")
    assert (m.region_code, m.in_dateline, m.in_title, m.in_body) == ("16.08", True, True, True)
    assert m.matched_forms == ["OKU Selatan", "OKUS"]
    assert m.score == 4 + 3 + 2  # dateline, title, one mention in the lead
    assert m.gazetteer_version == tagger.version
    statuses = {(h.text, h.status) for h in tagger.explain("Jalan Lahat", "Pak Lahat")}
    assert statuses == {("Lahat", "street"), ("Lahat", "person")}


def test_labelled_set_floors(tagger: RegionTagger) -> None:
    """The floors the shipped gazetteer must keep (bench/regions_eval.py prints the figures)."""
    items = load_items()
    if DEFAULT_REALPAGES.exists():
        assert sum(i.id.startswith("realpages:") for i in items) == 29
    assert sum(i.id.startswith("trap:") for i in items) >= 25
    assert sum(i.id.startswith(("sampleweb:", "dedup:", "foreign:")) for i in items) >= 45
    assert sum(i.id.startswith("tagging_eval:") for i in items) >= 190
    scores = evaluate(tagger, items)
    precision, recall, _ = scores.overall
    assert precision >= 0.97, scores.errors
    # Stories placed only by a kecamatan or village the gazetteer does not know ("unnamed") are
    # missed by design; of the regions the text names, nearly all are found.
    assert recall >= 0.8, scores.errors
    named_tp = sum(scores.by_kind[k]["tp_gold"] for k in ("dateline", "title", "body"))
    named_fn = sum(scores.by_kind[k]["fn"] for k in ("dateline", "title", "body"))
    assert named_tp / (named_tp + named_fn) >= 0.97, scores.errors
    for kind in ("dateline", "title", "body"):
        c = scores.by_kind[kind]
        assert c["tp_pred"] >= 20 and c["fp"] <= 2, (kind, c, scores.errors)


# --- storage, views, export, retag ---------------------------------------------------------------

OKUS_BODY = ("MAKLUMATNEWS.com,OKUS – Pemkab OKU Selatan menggelar rembuk stunting bersama "
             "Kabupaten Banyuasin dan Pemkab Banyuasin. " * 6)


def _store_tagged(writer, tagger: RegionTagger) -> ArchiveStore:  # type: ignore[no-untyped-def]
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("maklumat", "http://m.test/", "Sumatera Selatan"))
    taxonomy = load_taxonomy()
    title = "Rembuk Stunting OKUS"
    from archive.tagging import Tagger

    store.save(page("http://m.test/rembuk/", OKUS_BODY, site="maklumat", title=title,
                    tags=Tagger(taxonomy).tag(title, OKUS_BODY),
                    taxonomy_version=taxonomy.version,
                    regions=tagger.tag(title, OKUS_BODY), gazetteer_version=tagger.version))
    return store


def test_regions_are_stored_and_shown_in_the_views_and_export(writer, engine, tagger) -> None:  # type: ignore[no-untyped-def]
    _store_tagged(writer, tagger)
    with writer() as session:
        rows = session.scalars(select(ArticleRegion).order_by(ArticleRegion.region_code)).all()
        assert [(r.region_code, r.in_dateline, r.gazetteer_version) for r in rows] == [
            ("16.07", False, tagger.version), ("16.08", True, tagger.version)]
        assert session.scalar(select(Article.gazetteer_version)) == tagger.version
    with engine.connect() as conn:
        assert conn.execute(text("SELECT regencies FROM v_articles")).scalar_one() == (
            "Kabupaten Ogan Komering Ulu Selatan,Kabupaten Banyuasin")
        view = conn.execute(text(
            "SELECT regency_code, regency, kind, province, site, tags, in_dateline "
            "FROM v_article_regions ORDER BY score DESC")).all()
    assert [tuple(r) for r in view] == [
        ("16.08", "Kabupaten Ogan Komering Ulu Selatan", "kabupaten", "Sumatera Selatan",
         "maklumat", "stunting", True),
        ("16.07", "Kabupaten Banyuasin", "kabupaten", "Sumatera Selatan", "maklumat",
         "stunting", False),
    ]
    with writer() as session:
        [record] = list(iter_records(session))
        out = io.StringIO()
        write_records(iter([record]), out, "csv")
    assert record["regencies"] == ["Kabupaten Ogan Komering Ulu Selatan", "Kabupaten Banyuasin"]
    assert record["regency_codes"] == ["16.08", "16.07"]
    assert "16.08;16.07" in out.getvalue()
    assert json.loads(json.dumps(record))["regency_codes"] == ["16.08", "16.07"]


def test_retag_reapplies_a_changed_gazetteer_and_refreshes_regencies(writer, tagger) -> None:  # type: ignore[no-untyped-def]
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("maklumat", "http://m.test/", "Sumatera Selatan"))
    store.save(page("http://m.test/rembuk/", OKUS_BODY, site="maklumat", title="Rembuk"))
    taxonomy = load_taxonomy()
    shipped = load_gazetteer()
    with writer() as session:
        assert count_stale(session, taxonomy, shipped) == 1  # never tagged
    assert retag_archive(writer, taxonomy, gazetteer=shipped) == 1
    assert retag_archive(writer, taxonomy, gazetteer=shipped) == 0
    with writer() as session:
        assert set(session.scalars(select(ArticleRegion.region_code))) == {"16.07", "16.08"}

    # A gazetteer that renames OKU Selatan and drops Banyuasin's bare name: only regions are redone.
    text_ = DEFAULT_GAZETTEER_PATH.read_text(encoding="utf-8")
    text_ = text_.replace('name = "Ogan Komering Ulu Selatan"', 'name = "OKU Selatan Raya"')
    text_ = text_.replace('name = "Banyuasin", aliases', 'name = "Banyuasin", qualified = '
                          '["Banyuasin"], aliases')
    changed = parse_gazetteer(text_, "changed.toml")
    assert changed.version != shipped.version
    with writer() as session:
        tags_version = session.scalar(select(Article.taxonomy_version))
    assert retag_archive(writer, taxonomy, gazetteer=changed) == 1
    with writer() as session:
        rows = session.scalars(select(ArticleRegion)).all()
        assert {(r.region_code, r.gazetteer_version) for r in rows} == {
            ("16.07", changed.version), ("16.08", changed.version)}
        assert session.get_one(Regency, "16.08").name == "Kabupaten OKU Selatan Raya"
        assert session.scalar(select(Article.taxonomy_version)) == tags_version
