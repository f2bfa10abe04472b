"""Tagging behaviour: every trap from the issue, scoring, and the evaluation set's F1."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from archive.tagging import Tagger, TagMatch
from archive.tagging.taxonomy import load_taxonomy, parse_taxonomy

EVAL_SET = Path(__file__).parent / "fixtures" / "tagging_eval.jsonl"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy())


def tags_of(tagger: Tagger, title: str, text: str = "") -> set[str]:
    return {m.tag for m in tagger.tag(title, text)}


def match_for(tagger: Tagger, tag: str, title: str, text: str = "") -> TagMatch:
    found = [m for m in tagger.tag(title, text) if m.tag == tag]
    assert found, f"{tag} not tagged"
    return found[0]


# --- Bangga Kencana ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Rakerda Program BANGGA KENCANA 2023",
        "Dukungan untuk program Bangga-Kencana di desa",
        "Sosialisasi BanggaKencana di sekolah",
        "Kampanye #banggakencana dan #BanggaKencana",
        "program bangga  kencana tingkat kecamatan",
        "program Bangga\nKencana tingkat kecamatan",
        "program Bangga\u00a0Kencana tingkat kecamatan",
        "program Bang\u00adga Kencana tingkat kecamatan",
        "program Bánggá Kencana tingkat kecamatan",
        "program ＢＡＮＧＧＡ ＫＥＮＣＡＮＡ",
        "program Bangga Kencananya belum optimal",
        "Program Pembangunan Keluarga, Kependudukan dan Keluarga Berencana",
        "Program Pembangunan Keluarga Kependudukan dan Keluarga Berencana",
        "Program Pembangunan Keluarga, Kependudukan, dan Keluarga Berencana",
        "capaian program KKBPK tahun 2018",
        "Program Kependudukan, Keluarga Berencana dan Pembangunan Keluarga",
        "Percepatan Implementasi Program Bangka Kencana Melalui Lintas Sektoral",
    ],
)
def test_bangga_kencana_variants(tagger: Tagger, text: str) -> None:
    assert "bangga-kencana" in tags_of(tagger, "", text)


@pytest.mark.parametrize(
    "text",
    [
        "Harga timah anjlok, penambang di Bangka Tengah menjerit.",
        "Banjir rendam ratusan rumah di Pangkalpinang, Bangka Belitung.",
        "Warga Perumahan Griya Bangka Kencana mengeluhkan genangan air.",
        "CV Bangka Kencana Abadi memenangi tender jalan desa.",
        "PHRI menggelar musyawarah daerah di Hotel Kencana Palembang.",
        "Pesilat putri Kencana Dewi menyumbang medali emas.",
        "Orang tuanya mengaku bangga Kencana bisa mengharumkan nama daerah.",
        "\u201cKami sangat bangga Kencana terpilih,\u201d kata kepala sekolah.",
        "Kereta Kencana keraton dikirab pada malam satu Suro.",
        "Kabupaten Bangka. Kencana Motor membuka cabang baru.",  # across a full stop
        "Saya bangga, Kencana sudah berjuang.",
    ],
)
def test_bangka_and_kencana_traps(tagger: Tagger, text: str) -> None:
    assert "bangga-kencana" not in tags_of(tagger, "", text)


def test_misspelling_needs_programme_context(tagger: Tagger) -> None:
    assert "bangga-kencana" in tags_of(tagger, "Penyuluh kawal program Bangka Kencana")
    assert "bangga-kencana" not in tags_of(tagger, "Festival Bangka Kencana Culture di pantai")


# --- stunting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Angka stunting di desa turun", "stunting"),
        ("Kalau stuntingnya sudah tidak ada lagi", "stunting"),
        ("Penanganan stunting-nya melibatkan kader", "stunting"),
        ("Stuntinglah yang jadi prioritas", "stunting"),
        ("Apakah stuntingkah penyebabnya?", "stunting"),
        ("STUNTING MASIH TINGGI", "stunting"),
        ("Kampanye #CegahStunting di car free day", "stunting"),
        ("Cegah tengkes sejak dalam kandungan", "tengkes"),
        ("Program Percepatan Penurunan Stunting tahun 2024", "Percepatan Penurunan Stunting"),
        ("Program Percepatan Penurunanan Stunting", "Percepatan Penurunan Stunting"),
        ("Rapat TPPS kabupaten", "TPPS"),
        ("Desa menggelar rembuk stunting", "rembuk stunting"),
        ("Banyak anak kerdil di wilayah pesisir", "anak kerdil"),
        ("Kurang gizi kronis membuat balita gagal tumbuh", "gagal tumbuh"),
        ("Janin yang kekurangan asupan dapat gagal tumbuh", "gagal tumbuh"),
        ("Sebagian balita itu tergolong kerdil akibat kurang gizi", "kerdil"),
        ("Data balita pendek diverifikasi ulang", "balita pendek"),
        ("Balita itu terlalu pendek untuk usianya", "pendek untuk usianya"),
        ("Anaknya lebih pendek dibandingkan anak seusianya", "pendek untuk usianya"),
    ],
)
def test_stunting_variants(tagger: Tagger, text: str, term: str) -> None:
    assert term in match_for(tagger, "stunting", "", text).matched_terms


@pytest.mark.parametrize(
    "text",
    [
        "Aktor laga itu melakukan adegan berbahaya tanpa stuntman.",
        "Tim stunt asal Hong Kong menggarap adegan kejar-kejaran.",
        "Tom Cruise performed his own stunts again.",
        "Seorang stuntwoman asal Bandung tembus Hollywood.",
        "Aksi itu disebut warganet sebagai publicity stunt.",
        "Ekonomi Sumatera Selatan gagal tumbuh di atas lima persen.",
        "Anak usaha BUMN yang gagal tumbuh terus merugi.",
        "Bibit kopi bantuan pemerintah banyak yang gagal tumbuh.",
        "Padi terserang virus kerdil rumput dan kerdil hampa.",
        "Taman bermain anak dilengkapi tanaman hias kerdil.",
        "Penolakan itu lahir dari pemikiran kerdil.",
        "Pameran bonsai menampilkan 400 pohon kerdil.",
        "Festival film pendek untuk usia anak-anak digelar.",
        "Rambut pasien gagal tumbuh setelah transplantasi.",
    ],
)
def test_stunting_traps(tagger: Tagger, text: str) -> None:
    assert "stunting" not in tags_of(tagger, "", text)


def test_context_window_is_counted_in_words(tagger: Tagger) -> None:
    far = "Balita " + "lalu " * 8 + "gagal tumbuh."
    near = "Balita " + "lalu " * 7 + "gagal tumbuh."
    assert "stunting" not in tags_of(tagger, "", far)
    assert "stunting" in tags_of(tagger, "", near)


# --- kb, tpps, posyandu --------------------------------------------------------------------------


def test_tpps_full_name_counts_for_both_tags(tagger: Tagger) -> None:
    result = {m.tag: m for m in tagger.tag("Tim Percepatan Penurunan Stunting (TPPS) Rapat", "")}
    assert set(result) == {"stunting", "tpps"}
    # The nested "Percepatan Penurunan Stunting" and "stunting" are the same mention.
    assert result["stunting"].match_count == 2
    assert result["stunting"].matched_terms == ["TPPS", "Tim Percepatan Penurunan Stunting"]
    assert result["tpps"].match_count == 2


@pytest.mark.parametrize(
    "text",
    [
        "Pelayanan KB gratis bagi 500 akseptor baru di puskesmas.",
        "Penyuluh mengajak pasangan muda untuk ber-KB. Peserta KB aktif naik.",
        "Sebanyak 34 pria menjalani vasektomi. Partisipasi KB pria masih rendah.",
        "Kampung KB Desa Tugu Mulyo dinilai tim provinsi. Kampung KB ini membina UPPKA.",
    ],
)
def test_family_planning(tagger: Tagger, text: str) -> None:
    assert "kb" in tags_of(tagger, "", text)


@pytest.mark.parametrize(
    "text",
    [
        "Wisuda santri PAUD/KB/TK Islam Terpadu. Program KB kami berbasis bermain.",
        "Kelompok Bermain (KB) Tunas Bangsa menggelar lomba. Program KB Tunas Bangsa ...",
        "KB-TK Aisyiyah menerima bantuan program pembelajaran. KB-TK Aisyiyah berterima kasih.",
        "PT Bank KB Bukopin menyalurkan kredit program UMKM. KB Bukopin optimistis.",
        "Unggah foto maksimal 200 KB dan berkas program maksimal 500 KB.",
        "DPC PKB mengusung kader sendiri.",
        "Guru KB dan TK mengikuti pelatihan program Kurikulum Merdeka.",
        "Badan Kependudukan dan Keluarga Berencana Nasional dan Dinas Pengendalian Penduduk dan "
        "Keluarga Berencana meninjau keluarga berisiko stunting.",
        "Program Pembangunan Keluarga, Kependudukan dan Keluarga Berencana dibahas DPRD.",
        "Hadir kepala OPD pengelola program KB kabupaten/kota.",  # one passing mention
    ],
)
def test_family_planning_traps(tagger: Tagger, text: str) -> None:
    assert "kb" not in tags_of(tagger, "", text)


def test_posyandu(tagger: Tagger) -> None:
    assert "posyandu" in tags_of(tagger, "Gedung Posyandunya Rusak")
    assert "posyandu" in tags_of(tagger, "", "Posyandu-posyandu dipadati ibu-ibu.")
    assert "posyandu" in tags_of(tagger, "", "Pos pelayanan terpadu jadi garda terdepan.")
    assert "posyandu" not in tags_of(tagger, "", "Rumah kosong di Jalan Posyandu dibobol maling.")
    assert "posyandu" not in tags_of(tagger, "", "Gg. Posyandu tergenang air.")


# --- scoring and the TagMatch record -------------------------------------------------------------


def test_score_weighs_title_three_to_one(tagger: Tagger) -> None:
    m = match_for(
        tagger, "stunting", "Stunting di Desa", "Stunting turun. Kasus stunting baru tidak ada."
    )
    assert (m.match_count, m.in_title, m.in_body) == (3, True, True)
    assert m.score == 3 * 1 + 1 * 2
    body_only = match_for(tagger, "stunting", "Rapat Desa", "Stunting turun.")
    assert (body_only.score, body_only.in_title, body_only.in_body) == (1.0, False, True)


def test_min_score_threshold(tagger: Tagger) -> None:
    # kb needs 2: one body mention is not enough, one title mention is.
    assert "kb" not in tags_of(tagger, "", "Pelayanan KB digelar.")
    assert "kb" in tags_of(tagger, "Pelayanan KB Digelar", "")
    assert "kb" in tags_of(tagger, "", "Pelayanan KB digelar untuk 40 akseptor.")


def test_matched_terms_are_distinct_canonical_and_sorted(tagger: Tagger) -> None:
    text = "TENGKES, stuntingnya, Stunting, tengkes, REMBUK-STUNTING"
    m = match_for(tagger, "stunting", "", text)
    assert m.matched_terms == ["rembuk stunting", "stunting", "tengkes"]
    assert m.match_count == 5


def test_tag_match_fits_article_tags_row(tagger: Tagger) -> None:
    from archive.store.models import ArticleTag

    m = match_for(tagger, "stunting", "Stunting", "")
    row = ArticleTag(article_id=1, **dataclasses.asdict(m))
    assert row.taxonomy_version == tagger.version == load_taxonomy().version
    assert row.matched_terms == ["stunting"]


def test_empty_input(tagger: Tagger) -> None:
    assert tagger.tag("", "") == []
    assert tagger.tag(None, None) == []


def test_results_come_in_taxonomy_order(tagger: Tagger) -> None:
    result = tagger.tag("Posyandu dan Stunting", "Program Bangga Kencana dan TPPS")
    names = [m.tag for m in result]
    assert names == [n for n in tagger.taxonomy.names if n in names]
    assert set(names) == {"bangga-kencana", "stunting", "tpps", "posyandu"}


def test_explain_reports_why(tagger: Tagger) -> None:
    hits = tagger.explain("", "Ekonomi gagal tumbuh. Balita gagal tumbuh. Padi tumbuh kerdil.")
    statuses = [(h.tag, h.term, h.status) for h in hits]
    assert ("stunting", "gagal tumbuh", "excluded") in statuses
    assert ("stunting", "gagal tumbuh", "counted") in statuses
    assert ("stunting", "kerdil", "excluded") in statuses


def test_no_regex_is_compiled_while_tagging(
    tagger: Tagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything is compiled once, in the constructor."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("regex compiled during tag()")

    monkeypatch.setattr(re, "compile", refuse)
    monkeypatch.setattr(re, "finditer", refuse)
    monkeypatch.setattr(re, "search", refuse)
    assert tags_of(tagger, "Stunting", "Program Bangga Kencana dan posyandu")


def test_user_suffixes_and_weights() -> None:
    tax = parse_taxonomy(
        """
[defaults]
suffixes = []
title_weight = 5
[tags.imunisasi]
description = "Immunisation."
terms = ["imunisasi"]
"""
    )
    t = Tagger(tax)
    assert t.tag("", "imunisasinya") == []
    assert t.tag("Imunisasi", "")[0].score == 5


def test_user_exclusion_phrase() -> None:
    tax = parse_taxonomy(
        """
[tags.kencana]
description = "Anything Kencana, except the hotel."
terms = ["kencana"]
exclusions = ["Hotel Kencana"]
"""
    )
    t = Tagger(tax)
    assert t.tag("", "Musda di Hotel Kencana") == []
    assert t.tag("", "HOTEL-KENCANA") == []
    assert [m.tag for m in t.tag("", "Kereta Kencana")] == ["kencana"]


def test_scanner_guard_keeps_patterns_of_every_shape() -> None:
    # The scanner only looks past word boundaries whose next character can begin a source: the
    # guard must admit digits, grouped alternatives, optional leading words and classes.
    tax = parse_taxonomy(
        r"""
[tags.kb]
description = "Family planning, written every way."
terms = ["keluarga berencana"]
patterns = [
    { term = "KB count", regex = '\d+ akseptor' },
    { term = "Kampung KB", regex = '(?:kampung|desa) kb' },
    { term = "Super KB", regex = '(?:super )?pil kb' },
    { term = "Vasektomi", regex = '[vw]asektomi' },
]
"""
    )
    t = Tagger(tax)
    guard = re.match(r"\\b\(\?=\[([^\]]*)\]\)", t._scanner.pattern)
    assert guard is not None and guard.group(1) == r"\ddkpsvw"
    for text, term in [
        ("Ada 120 akseptor baru", "KB count"),
        ("Desa KB Sukamaju", "Kampung KB"),
        ("Peserta super pil KB", "Super KB"),
        ("Pil KB gratis", "Super KB"),
        ("Layanan wasektomi", "Vasektomi"),
        ("Program keluarga berencana", "keluarga berencana"),
    ]:
        assert [m.matched_terms for m in t.tag("", text)] == [[term]], text
    assert t.tag("", "akseptor pil tanpa kb") == []


def test_scanner_without_guard_when_a_first_character_is_unknown() -> None:
    tax = parse_taxonomy(
        r"""
[tags.x]
description = "A source whose first character the guard cannot name."
terms = ["posyandu"]
patterns = [{ term = "Not-a kencana", regex = '[^a]encana' }]
"""
    )
    t = Tagger(tax)
    assert t._scanner.pattern.startswith(r"\b(?=(?:")
    assert [m.tag for m in t.tag("", "Kereta Kencana di posyandu")] == ["x"]


# --- evaluation set ------------------------------------------------------------------------------


def load_eval() -> list[dict]:
    with EVAL_SET.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_eval_set_shape() -> None:
    items = load_eval()
    names = set(load_taxonomy().names)
    assert len(items) >= 150
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item) == {"id", "title", "text", "tags", "note"}
        assert set(item["tags"]) <= names, item["id"]
    counts = Counter(t for i in items for t in i["tags"])
    assert all(counts[n] >= 15 for n in names), counts
    assert sum(1 for i in items if not i["tags"]) >= 40  # traps and unrelated news


def test_eval_f1_per_tag(tagger: Tagger) -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for item in load_eval():
        got = tags_of(tagger, item["title"], item["text"])
        want = set(item["tags"])
        tp.update(got & want)
        fp.update(got - want)
        fn.update(want - got)
    for name in tagger.taxonomy.names:
        f1 = 2 * tp[name] / (2 * tp[name] + fp[name] + fn[name])
        assert f1 >= 0.97, f"{name}: F1 {f1:.3f} (fp {fp[name]}, fn {fn[name]})"
