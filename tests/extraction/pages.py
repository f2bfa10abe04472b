"""Hand-made WordPress-style and Joomla-era pages built from real Indonesian articles, shared by
the extraction tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archive.extraction import ArticleRecord, extract
from archive.extraction.dateparse import JAKARTA

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"


def fixture(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def jakarta(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=JAKARTA)


@dataclass(frozen=True)
class Case:
    file: str
    url: str
    title: str
    published_at: datetime
    time_known: bool
    page_type: str | None
    body_sentences: tuple[str, ...]


CASES = [
    Case(
        file="bengkulu_rakerda_wp.html",
        url="https://ipkb-bengkulu.example/2022/04/05/pemprov-bengkulu-gelar-rakerda-bangga-kencana-2022/",
        title="Pemprov Bengkulu Gelar Rakerda Bangga Kencana 2022",
        published_at=jakarta(2022, 4, 5, 14, 32, 10),
        time_known=True,
        page_type="og:article",
        body_sentences=(
            "Rakerda tersebut berlangsung selama dua hari sejak 5 – 6 April – 2022 di salahsatu "
            "hotel di Kota Bengkulu.",
            "dengan target yang ditetapkan nasional di Bengkulu. ( rs )",
        ),
    ),
    Case(
        file="banyuasin_rembuk_jsonld.html",
        url="https://sumexss.example/upaya-menurunkan-angka-stunting-pemkab-banyuasin-gelar-rakor-dan-rembuk-stunting/",
        title="Upaya Menurunkan Angka Stunting Pemkab Banyuasin Gelar Rapat Koordinasi dan Rembuk "
        "Stunting 2024 di Ruang Rapat Sekda",
        published_at=jakarta(2024, 5, 28, 9, 12),
        time_known=True,
        page_type="jsonld:NewsArticle",
        body_sentences=(
            "dilaksanakan di Ruang Rapat Sekda, Selasa (28/5).",
            "ibu hamil dan balita secara berkelanjutan,” paparnya.",
        ),
    ),
    Case(
        file="okus_rakor_dateline.html",
        url="https://maklumatnews.example/percepat-penurunan-stunting-pemkab-okus-gelar-rakor/",
        title="Percepat Penurunan Stunting, Pemkab OKUS Gelar Rakor",
        published_at=jakarta(2024, 11, 1),
        time_known=False,
        page_type=None,
        body_sentences=(
            "Rapat Koordinasi Tim Percepatan Penurunan Stunting tahun 2024, Jumat,(1/11/24).",
            # "Baca juga" inside sentences, mid-sentence and at the start, is body text.
            "Ia meminta setiap kader posyandu agar rajin membaca buku KIA, lalu Baca juga catatan "
            "tumbuh kembang balita bersama orang tua saat kunjungan rumah.",
            "Baca juga hasil pengukuran serentak bulan Juni, kata dia, supaya intervensi gizi "
            "tepat sasaran.",
            "Reporter : Iskandar",
        ),
    ),
    Case(
        file="lampung_rakerda_og.html",
        url="https://karyanasional.example/bkkbn-lampung-gelar-rakerda-dan-rakornis-kemitraan-bangga-kencana-2021/",
        title="BKKBN Lampung Gelar Rakerda dan Rakornis Kemitraan Bangga Kencana 2021",
        # The metadata wins over the dateline's mistyped "Selasa (23/2/2020)".
        published_at=jakarta(2021, 2, 23, 10, 5),
        time_known=True,
        page_type="og:article",
        body_sentences=(
            "bertempat di Ballroom Hotel Emersia, Selasa (23/2/2020).",
            "ungkap Riana. (Helmi)",
        ),
    ),
    Case(
        file="sumsel_rakerda_cp1252.html",
        url="https://sumsel.bkkbn.example/index.php?page=berita&id=1432",
        title="Selenggarakan Rapat Kerja Daerah, Gubernur Perintahkan Pemerintah Provinsi dan "
        "Kabupaten/Kota Prioritaskan Program Bangga Kencana dan Program Percepatan Penurunanan "
        "Stunting di Sumatera Selatan",
        published_at=jakarta(2022, 3, 10),
        time_known=False,
        page_type=None,
        body_sentences=(
            "Palembang(10/03/2022) bertempat di Hotel Harper Palembang",
            "kue kering “Café Pempek” binaan kelompok akseptor KB – yang dikunjungi Gubernur",
        ),
    ),
]

# Page furniture of the fixtures that must never reach the archive.
FURNITURE = [
    "Baca Juga",
    "BACA JUGA",
    "Lihat juga",
    "Prevalensi Stunting Bengkulu Turun Jadi 22,1 Persen",
    "Pemprov Lampung Targetkan Prevalensi Stunting Turun Jadi 14 Persen",
    "Tinggalkan Balasan",
    "Alamat email Anda",
    "Ruas yang wajib",
    "Leave a Reply",
    "Your email address",
    "Simpan nama",
    "Kirim Komentar",
    "Dilihat",
    "Dibaca",
    "Back to top",
    "No More Posts",
    "No more pages",
    "Bagikan",
    "Share",
    "Like this",
    "Suka ini",
    "Loading",
    "Memuat",
    "Berita Terbaru",
    "Terpopuler",
    "Beranda",
    "Copyright",
    "Pedoman Media Siber",
    "Hari ini: 128",
]


def assert_published(article: ArticleRecord, expected: datetime, time_known: bool) -> None:
    """A date keeps its meaning: an instant only when the page states a time, the local day
    always."""
    assert article.published_time_known is time_known
    if time_known:
        assert article.published_at == expected
        assert article.published_at is not None and article.published_at.tzinfo is not None
    else:
        assert article.published_at is None
    assert article.published_date == expected.date()


def article_of(case: Case, **kwargs: object) -> ArticleRecord:
    result = extract(fixture(case.file), case.url, **kwargs)  # type: ignore[arg-type]
    assert result.reject_reason is None, (result.reject_reason, result.details)
    assert result.article is not None
    return result.article

CP1252 = CASES[4]


# --- Joomla-era table-layout government sites ---------------------------------------------------
# Pages saved from the sample web's demo-bkkbn-sumsel site, windows-1252 bytes as served: the title
# sits in <td class="contentheading">, <title> appends " - BKKBN Sumsel", a visitor-counter module
# and "Hits: N" surround the article, and every part of the page is a table.

JOOMLA_BASE = "https://sumsel.bkkbn.example/berita/"
JOOMLA_CASES = [
    Case(
        file="sumsel_joomla_kampung_kb_cp1252.html",
        url=JOOMLA_BASE + "412-kampung-kb-sehati-desa-sukamaju-raih-juara-i-tingkat-provinsi.html",
        # The site name inside the headline stays; only the appended one goes.
        title="Kampung KB “Sehati” Desa Sukamaju Raih Juara I Tingkat Provinsi – BKKBN Sumsel "
        "Beri Apresiasi",
        published_at=jakarta(2024, 6, 20),
        time_known=False,
        page_type=None,
        body_sentences=(
            "Palembang – Kampung KB “Sehati” Desa Sukamaju, Kecamatan Sekayu, Kabupaten Musi "
            "Banyuasin, meraih juara pertama",
            "Tim dari BKKBN Pusat dijadwalkan melakukan verifikasi lapangan pada bulan Agustus.",
        ),
    ),
    Case(
        file="sumsel_joomla_pelayanan_kb_cp1252.html",
        url=JOOMLA_BASE + "388-pelayanan-kb-serentak-di-17-kabupaten-kota-sumsel-layani-12-460-"
        "akseptor.html",
        # trafilatura reads this <title> as site "Pelayanan … 12.460 Akseptor" (the part with a
        # dot) and title "BKKBN Sumsel".
        title="Pelayanan KB Serentak di 17 Kabupaten/Kota Sumsel Layani 12.460 Akseptor",
        published_at=jakarta(2023, 8, 2),
        time_known=False,
        page_type=None,
        body_sentences=(
            "Palembang – Rabu (2/8/2023), Perwakilan BKKBN Provinsi Sumatera Selatan",
            "yang turut melayani pemasangan implan menyebutkan bahwa",
        ),
    ),
]
JOOMLA_FURNITURE = [
    "Statistik Pengunjung",
    "Jumlah Pengunjung",
    "Pengunjung Hari Ini",
    "Hits",
    "Cetak",
    "Pengumuman",
    "Unduhan",
    "Berita Terbaru",
    "Tautan",
    "Hak Cipta",
    "Berencana itu Keren",
]


def joomla_page(
    *, title: str | None = None, heading: str | None = None, head: str = "", row: str = "",
    dateline: bool = True,
) -> bytes:
    """The Pelayanan KB fixture with its <title>, heading cell, <head> or first rows changed."""
    html = fixture(JOOMLA_CASES[1].file).decode("cp1252")
    old_title = JOOMLA_CASES[1].title
    if title is not None:
        html = html.replace(f"<title>{old_title} - BKKBN Sumsel</title>", f"<title>{title}</title>")
    if heading is not None:
        html = html.replace(f'<td class="contentheading" width="100%">{old_title}</td>', heading)
    if not dateline:
        html = html.replace("Rabu (2/8/2023), ", "")
    html = html.replace("</head>", f"{head}</head>")
    body_table = '<table class="contentpaneopen">\n'
    html = html.replace(body_table, body_table + row)
    return html.encode("cp1252")


PELAYANAN = "Pelayanan KB Serentak di 17 Kabupaten/Kota Sumsel Layani 12.460 Akseptor"
NEUTRAL_URL = "https://berita-daerah.example/berita/388-pelayanan-kb-serentak.html"
