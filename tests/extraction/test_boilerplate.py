"""Boilerplate rules: each one is exercised, body sentences survive, whitespace is normalised."""

from __future__ import annotations

import pytest

from archive.extraction.boilerplate import (
    RULES,
    byline_lines,
    clean_text,
    matching_rule,
    normalize_whitespace,
)

# Lines each rule must catch, as trafilatura leaves them on real Indonesian and English sites.
EXAMPLES: dict[str, list[str]] = {
    "read-also-heading": ["Baca Juga:", "BACA JUGA", "Baca Juga :", "Lihat juga", "Simak Juga »"],
    "read-also-link": [
        "Baca Juga: Prevalensi Stunting Bengkulu Turun Jadi 22,1 Persen",
        "BACA JUGA : Tim Pendamping Keluarga Bengkulu Siap Kawal Calon Pengantin",
        "Lihat juga: TPPS OKU Selatan Verifikasi Data Keluarga Berisiko Stunting",
        "Baca juga - Kampung KB Raih Juara",
    ],
    "read-also-link-bare": [
        "Baca juga Kampung KB Desa Tanjung Jaya Raih Juara Provinsi",
        "Lihat juga Stunting Turun? Ini Kata BKKBN",
    ],
    "related-heading": ["Berita Terkait", "Artikel Terkait:", "Related Posts:", "Berita Lainnya"],
    "comment-heading": ["Tinggalkan Balasan", "Leave a Reply", "Leave a Reply Cancel reply",
                        "Tinggalkan Komentar"],
    "comment-email-notice": [
        "Alamat email Anda tidak akan dipublikasikan. Ruas yang wajib ditandai *",
        "Alamat email Anda tidak akan dipublikasikan.",
        "Your email address will not be published. Required fields are marked *",
    ],
    "comment-required-fields": ["Ruas yang wajib ditandai *", "Required fields are marked *"],
    "comment-form-label": ["Komentar", "Komentar *", "Nama *", "Email *", "Situs Web", "Name",
                           "Website", "Comment", "0 Komentar"],
    "comment-save-details": [
        "Simpan nama, email, dan situs web saya pada peramban ini untuk komentar saya berikutnya.",
        "Save my name, email, and website in this browser for the next time I comment.",
    ],
    "comment-submit": ["Kirim Komentar", "Post Comment", "Batalkan balasan", "Δ"],
    "back-to-top": ["Back to top button", "Back to top", "Kembali ke atas"],
    "view-counter": ["oleh -215 Dilihat", "215 Dilihat", "Dibaca 1.234 kali", "1.234 views",
                     "Diposting oleh Admin Humas – Dibaca 1.234 kali", "Views: 88", "Hits: 3716",
                     "Hits:", "Dilihat: 123 kali", "Dilihat 45x",
                     "Selasa, 10 Mei 2022 08:15 - Hits: 1234"],
    # Joomla-era government sites' visitor-counter module, and its heading.
    "visitor-counter": [
        "Statistik Pengunjung",
        "Jumlah Pengunjung: 1.284.516",
        "Pengunjung Hari Ini: 312",
        "Pengunjung Online",
        "Pengunjung Online: 7 orang",
        "Total Pengunjung 210.554",
        "Total Hits",
        "Total Hits: 98.765",
        "Jumlah Pengunjung: 1.284.516 Pengunjung Hari Ini: 312",
        "Pengunjung",
        "Visitors Today: 51",
    ],
    "posted-by": ["Diposting oleh Admin Humas", "Posted by redaksi"],
    "no-more-posts": ["No More Posts Available.", "No more pages to load."],
    "share-prompt": ["Bagikan:", "Share this:", "Bagikan ini:", "Share", "Berbagi"],
    "share-button": [
        "Share on Facebook",
        "Share on Facebook Share on Twitter",
        "Facebook X WhatsApp",
        "Klik untuk berbagi di Facebook (Membuka di jendela yang baru)",
        "Click to share on Twitter (Opens in new window)",
        "Twitter",
    ],
    "like-prompt": ["Like this:", "Suka ini:", "Like Loading..."],
    "loading": ["Loading...", "Memuat...", "Loading…"],
    "advertisement": ["Advertisement", "Iklan", "Scroll to continue with content"],
    "stray-byline": ["oleh", "by", "Oleh:"],
    # detik's related list under the article: only the timestamps survive extraction.
    "timestamp": ["- Rabu, 04/11/2015 23:45 WIB", "Selasa, 23/02/2016 15:32 WIB",
                  "Selasa, 23 Februari 2016 15:06 WIB", "Kamis, 5 November 2015 - 15:56 wib",
                  "- 12/06/2024"],
    "breadcrumb": ["Home >", "Home > Berita > Daerah", "Beranda » Berita"],
    "list-marker": ["-", "•", "01", "7"],
    "newsroom-contact": ["Redaksi: redaksi[at]detikfinance.com", "hubungi : sales[at]detik.com",
                         "Email: redaksi@portal.example"],
    "advertising-prompt": ["Informasi pemasangan iklan", "Pasang Iklan di sini"],
    "photo-credit": ["Fotografer: Grandyos Zafna", "Foto: Humas Pemkab OKU Selatan"],
    "photo-chrome": ["Vote Photo", "Rating ( voters)", "MustRead", "close", "FotoBisnis",
                     "Lihat Semua Foto"],
}

# Body sentences that merely contain the words, at the start or mid-sentence.
BODY_LINES = [
    "Ia meminta setiap kader posyandu agar rajin membaca buku KIA, lalu Baca juga catatan tumbuh "
    "kembang balita bersama orang tua saat kunjungan rumah.",
    "Baca juga hasil pengukuran serentak bulan Juni, kata dia, supaya intervensi tepat sasaran.",
    "Lihat juga bagaimana kader mendampingi calon pengantin di desa.",
    "Komentar warga di media sosial beragam setelah data stunting diumumkan.",
    "Nama kegiatan ini adalah Rembuk Stunting Tingkat Kabupaten Banyuasin Tahun 2024.",
    "Oleh karena itu, mulai dari tingkat provinsi hingga lini lapangan harus membangun sinergitas.",
    "Dilihat dari data 2021, stunting di Bengkulu masih sebesar 22,1 persen.",
    "Facebook dan WhatsApp menjadi sarana sosialisasi program Bangga Kencana.",
    "Materi dibagikan kepada 500 peserta, ujar Nesianto.",
    "Reporter : Iskandar",
    "andre",
    "( rs )",
    # Sentences about visitors and hits, not counters.
    "Pengunjung hari ini mencapai 5.000 orang.",
    "Jumlah pengunjung Pantai Panjang meningkat 20 persen selama libur Lebaran.",
    "Total pengunjung pameran produk UPPKA tercatat 1.200 orang selama tiga hari.",
    "Statistik pengunjung posyandu menunjukkan kenaikan sejak Januari.",
    "Hits",
    # Dates inside sentences, numbers with units, and a caption are text.
    "Rapat digelar Rabu, 12/06/2024 14:30 WIB di aula kantor bupati.",
    "2024",
    "125 keluarga",
    "Foto bersama peserta rembuk stunting di halaman kantor bupati, Rabu (12/6/2024).",
]


def test_every_rule_has_examples() -> None:
    assert set(EXAMPLES) == {rule.name for rule in RULES}


@pytest.mark.parametrize(
    ("rule_name", "line"), [(name, line) for name, lines in EXAMPLES.items() for line in lines]
)
def test_rule_catches_its_examples(rule_name: str, line: str) -> None:
    rule = matching_rule(line)
    assert rule is not None, line
    assert rule.name == rule_name


@pytest.mark.parametrize("line", BODY_LINES)
def test_body_lines_are_not_boilerplate(line: str) -> None:
    assert matching_rule(line) is None
    assert clean_text(line) == line


def test_rules_are_line_anchored() -> None:
    sentence = "Warga diminta Tinggalkan Balasan yang kasar, kata Camat, dan Bagikan: informasi."
    assert clean_text(sentence) == sentence


SEED_004 = """Upaya Menurunkan Angka Stunting Pemkab Banyuasin Gelar Rapat Koordinasi

oleh -215 Dilihat
oleh

BANYUASIN,SUMEXSS-Dalam rangka upaya menurunkan angka stunting, Pemerintah Kabupaten Banyuasin \
mengadakan Rapat Koordinasi, dilaksanakan di Ruang Rapat Sekda, Selasa (28/5).

andre

Tinggalkan Balasan

Alamat email Anda tidak akan dipublikasikan. Ruas yang wajib ditandai *

No More Posts Available.

No more pages to load."""


def test_seed_article_tail_is_removed() -> None:
    assert clean_text(SEED_004) == (
        "Upaya Menurunkan Angka Stunting Pemkab Banyuasin Gelar Rapat Koordinasi\n\n"
        "BANYUASIN,SUMEXSS-Dalam rangka upaya menurunkan angka stunting, Pemerintah Kabupaten "
        "Banyuasin mengadakan Rapat Koordinasi, dilaksanakan di Ruang Rapat Sekda, Selasa (28/5)."
        "\n\nandre"
    )


def test_english_comment_form_and_back_to_top_are_removed() -> None:
    text = (
        "Reporter : Iskandar\n\nLeave a Reply\n\n"
        "Your email address will not be published. Required fields are marked *\n\n"
        "Back to top button"
    )
    assert clean_text(text) == "Reporter : Iskandar"


def test_bare_read_also_heading_takes_its_list() -> None:
    text = (
        "Paragraf pertama.\nBACA JUGA :\n- Pemprov Lampung Targetkan Stunting Turun\n"
        "- Ratusan Akseptor KB Ikuti Pelayanan Serentak\nParagraf kedua."
    )
    assert clean_text(text) == "Paragraf pertama.\n\nParagraf kedua."


def test_bare_read_also_heading_takes_one_headline() -> None:
    text = "Paragraf pertama.\nBaca Juga:\nKampung KB Desa Tanjung Jaya Raih Juara\nParagraf kedua."
    assert clean_text(text) == "Paragraf pertama.\n\nParagraf kedua."


def test_bare_read_also_heading_leaves_a_following_sentence() -> None:
    text = "Baca Juga:\nRakerda berlangsung selama dua hari di Kota Bengkulu."
    assert clean_text(text) == "Rakerda berlangsung selama dua hari di Kota Bengkulu."


def test_whitespace_is_normalised_to_one_blank_line_between_paragraphs() -> None:
    text = "  Satu\u00a0 dua\t tiga \r\n\r\n\r\n\nEmpat\u200b lima\n   \nenam  "
    assert clean_text(text) == "Satu dua tiga\n\nEmpat lima\n\nenam"
    assert normalize_whitespace(text) == "Satu dua tiga\n\nEmpat lima\n\nenam"


def test_cleaning_is_idempotent() -> None:
    once = clean_text(SEED_004)
    assert clean_text(once) == once


def test_empty_text() -> None:
    assert clean_text("") == ""
    assert clean_text("Tinggalkan Balasan\n\nBack to top button") == ""


def test_visitor_counter_heading_takes_its_entries() -> None:
    text = (
        "Paragraf pertama.\nPengunjung\nHari ini: 128\nTotal: 210.554\n"
        "Statistik Pengunjung\nJumlah Pengunjung: 1.284.516\nKemarin: 1.020\nParagraf kedua."
    )
    assert clean_text(text) == "Paragraf pertama.\n\nParagraf kedua."


def test_visitor_counter_entries_need_the_heading() -> None:
    # "Total: 12.460" alone is a figure of the article, not a counter.
    text = "Hasil pelayanan KB serentak:\nTotal: 12.460\nImplan: 4.735"
    assert clean_text(text) == "Hasil pelayanan KB serentak:\n\nTotal: 12.460\n\nImplan: 4.735"


def test_visitor_counter_rule_only_takes_short_lines() -> None:
    many = " ".join(["Pengunjung Hari Ini: 312"] * 8)
    assert len(many) > 160
    assert matching_rule(many) is None


def test_byline_lines_are_the_dropped_lines_about_the_article() -> None:
    text = (
        "Ditulis oleh Administrator Rabu, 09 Maret 2022\nStatistik Pengunjung\n"
        "Isi berita.\nSelasa, 10 Mei 2022 08:15 - Dibaca 12 kali\nBaca Juga: Judul Lain"
    )
    assert byline_lines(text) == [
        "Ditulis oleh Administrator Rabu, 09 Maret 2022",
        "Selasa, 10 Mei 2022 08:15 - Dibaca 12 kali",
    ]
    assert clean_text(text) == "Isi berita."
