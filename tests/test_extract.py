"""The extraction stage on hand-made WordPress-style pages built from real Indonesian articles."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml.html import fromstring

import archive.extract as extract_module
from archive.boilerplate import matching_rule
from archive.extract import (
    Reject,
    decode_html,
    extract,
    extract_body_text,
    non_article_url_rule,
    unwrap_layout_tables,
)
from archive.pubdate import JAKARTA
from archive.records import ArticleRecord

PAGES = Path(__file__).parent / "fixtures" / "pages"


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


def article_of(case: Case, **kwargs: object) -> ArticleRecord:
    result = extract(fixture(case.file), case.url, **kwargs)  # type: ignore[arg-type]
    assert result.reject_reason is None, (result.reject_reason, result.details)
    assert result.article is not None
    return result.article


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_article_metadata(case: Case) -> None:
    article = article_of(case)
    assert article.title == case.title
    assert article.published_at == case.published_at
    assert article.published_at is not None and article.published_at.tzinfo is not None
    assert article.published_time_known is case.time_known
    assert article.page_type == case.page_type
    assert article.language == "id"
    assert article.url == case.url


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_no_boilerplate_survives(case: Case) -> None:
    text = article_of(case).text
    for line in text.split("\n\n"):
        assert matching_rule(line) is None, line
    for furniture in FURNITURE:
        assert furniture not in text, furniture


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_body_sentences_survive(case: Case) -> None:
    text = article_of(case).text
    for sentence in case.body_sentences:
        assert sentence in text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_paragraphs_are_separated_by_one_blank_line(case: Case) -> None:
    text = article_of(case).text
    assert "\n\n\n" not in text
    assert text == text.strip()
    paragraphs = text.split("\n\n")
    assert len(paragraphs) >= 4
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)


def test_author_canonical_and_description() -> None:
    bengkulu = article_of(CASES[0])
    assert bengkulu.author == "Redaksi IPKB"
    assert bengkulu.declared_canonical_url == CASES[0].url
    assert bengkulu.description is not None and bengkulu.description.startswith("Pemerintah")
    okus = article_of(CASES[2])
    assert okus.declared_canonical_url == CASES[2].url
    assert okus.description is None


# --- charsets -----------------------------------------------------------------------------------

CP1252 = CASES[4]


@pytest.mark.parametrize("http_encoding", [None, "windows-1252", "ISO-8859-1", "utf-8"])
def test_windows_1252_page_decodes_whatever_the_http_header_says(http_encoding: str | None) -> None:
    article = article_of(CP1252, http_encoding=http_encoding)
    assert "\ufffd" not in article.text
    assert "Café Pempek" in article.text
    assert "UPPKA – mulai" in article.text
    assert "“Penguatan Program Bangga Kencana" in article.text
    assert article.title == CP1252.title


def test_utf16_and_bom_pages() -> None:
    case = CASES[2]
    html = fixture(case.file).decode("utf-8")
    for body in (html.encode("utf-16"), b"\xef\xbb\xbf" + html.encode("utf-8")):
        result = extract(body, case.url)
        assert result.article is not None
        assert result.article.title == case.title


def test_decode_prefers_a_clean_decode_over_a_wrong_declaration() -> None:
    body = '<html><head><meta charset="utf-8"></head><body>Café – ok</body></html>'
    assert "Café – ok" in decode_html(body.encode("cp1252"))
    # Real UTF-8 declared as latin-1 by a misconfigured server.
    assert "Café – ok" in decode_html(body.encode("utf-8"), "iso-8859-1")
    # A UTF-8 page cut off in the middle of a character still decodes as UTF-8.
    assert "Café – ok" in decode_html(body.encode("utf-8")[:-3] + "é".encode()[:1])


# --- not articles -------------------------------------------------------------------------------

LISTING_URL = "https://sumexss.example/berita-daerah/"


def test_listing_page_is_rejected_although_it_has_text() -> None:
    body = fixture("listing_berita_daerah.html")
    # The excerpts alone are longer than an article's minimum.
    assert len(extract_body_text(body, LISTING_URL)) > 1000
    result = extract(body, LISTING_URL)
    assert result.reject_reason == Reject.LISTING_PAGE
    assert result.reject_reason == "listing-page"


def test_listing_page_posing_as_an_article_is_still_rejected() -> None:
    # Some themes stamp og:type=article everywhere, and not every excerpt ends with "[…]".
    html = fixture("listing_berita_daerah.html").decode()
    html = html.replace('content="website"', 'content="article"').replace(" […]", "")
    result = extract(html.encode(), LISTING_URL)
    assert result.reject_reason == "listing-page"
    assert result.details == {"why": "teaser-blocks"}


def test_index_page_declared_as_website_is_a_listing() -> None:
    links = "".join(
        f'<li><a href="https://sumexss.example/berita-nomor-{i}-tentang-stunting-di-daerah/">'
        f"Berita nomor {i} tentang stunting di daerah</a></li>"
        for i in range(12)
    )
    intro = "Indeks berita Sumatera Selatan tentang keluarga berencana dan stunting. " * 10
    body = (
        '<html><head><title>Indeks Berita</title><meta property="og:type" content="website">'
        f"</head><body><main><h1>Indeks Berita</h1><p>{intro}</p><ul>{links}</ul></main>"
        "</body></html>"
    ).encode()
    result = extract(body, "https://sumexss.example/indeks-berita/")
    assert result.reject_reason == "listing-page"


def test_listing_at_a_category_url_and_the_home_page() -> None:
    body = fixture("listing_berita_daerah.html")
    category = extract(body, "https://sumexss.example/category/berita-daerah/")
    assert (category.reject_reason, category.details) == ("non-article-url", {"rule": "category"})
    home = extract(body, "https://sumexss.example/")
    assert (home.reject_reason, home.details) == ("listing-page", {"why": "home-page"})


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("https://x.example/category/kesehatan/", "category"),
        ("https://x.example/kategori/daerah/", "category"),
        ("https://x.example/tag/stunting/", "tag"),
        ("https://x.example/author/redaksi/", "author"),
        ("https://x.example/berita/page/2/", "pagination"),
        ("https://x.example/?paged=3", "pagination"),
        ("https://x.example/search/stunting", "search"),
        ("https://x.example/?s=stunting", "search"),
        ("https://x.example/feed/", "feed"),
        ("https://x.example/comments/feed/", "feed"),
        ("https://x.example/about/", "static-page"),
        ("https://x.example/contact/", "static-page"),
        ("https://x.example/kontak/", "static-page"),
        ("https://x.example/tentang-kami/", "static-page"),
        ("https://x.example/redaksi/", "static-page"),
        ("https://x.example/pedoman-media-siber/", "static-page"),
        ("https://x.example/privacy-policy/", "static-page"),
        ("https://x.example/wp-login.php?redirect_to=x", "login"),
        ("https://x.example/2024/05/rakerda/attachment/foto-1/", "attachment"),
        ("https://x.example/?attachment_id=1235", "attachment"),
        ("https://x.example/wp-content/uploads/2024/05/laporan.pdf", "attachment"),
        ("https://x.example/files/laporan-stunting-2024.pdf", "file"),
        ("https://x.example/foto/rakerda.JPG", "file"),
    ],
)
def test_non_article_urls(url: str, rule: str) -> None:
    assert non_article_url_rule(url) == rule
    result = extract(fixture("okus_rakor_dateline.html"), url)
    assert (result.reject_reason, result.details) == ("non-article-url", {"rule": rule})


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example/2024/05/28/rembuk-stunting-banyuasin/",
        "https://x.example/?p=88012",
        "https://x.example/berita/tagihan-listrik-naik-lagi/",
        "https://x.example/read/2024/05/28/123456/kampung-kb-juara",
        "https://x.example/pagelaran-budaya-sambut-hari-keluarga/",
        "https://x.example/index.php?page=berita&id=1432",
    ],
)
def test_article_urls_pass_the_url_rules(url: str) -> None:
    assert non_article_url_rule(url) is None


def test_site_article_url_pattern() -> None:
    case = CASES[0]
    pattern = r"/\d{4}/\d{2}/\d{2}/[^/]+/$"
    assert extract(fixture(case.file), case.url, article_url_pattern=pattern).article is not None
    other = "https://ipkb-bengkulu.example/rakerda-bangga-kencana-2022/"
    result = extract(fixture(case.file), other, article_url_pattern=pattern)
    assert result.reject_reason == "url-pattern"


def test_length_thresholds() -> None:
    okus, banyuasin = CASES[2], CASES[1]
    short = extract(fixture(okus.file), okus.url, min_text_chars=5000)
    assert short.reject_reason == "too-short"
    assert short.details["needed"] == "5000"
    # A structured article signal lowers the bar to min_text_chars_structured.
    structured = extract(fixture(banyuasin.file), banyuasin.url, min_text_chars=5000)
    assert structured.article is not None
    too_short = extract(fixture(banyuasin.file), banyuasin.url, min_text_chars=5000,
                        min_text_chars_structured=5000)
    assert too_short.reject_reason == "too-short"


def test_no_title() -> None:
    paragraph = "<p>" + "Kader posyandu mendampingi keluarga berisiko stunting di desa. " * 20
    body = f"<html><body><div>{paragraph}</p>{paragraph}</p></div></body></html>".encode()
    assert extract(body, "https://x.example/berita-tanpa-judul-sama-sekali/").reject_reason == (
        "no-title"
    )


def test_no_text() -> None:
    body = b"<html><head><title>Kosong</title></head><body><div><img src='x.jpg'></div></body>"
    assert extract(body, "https://x.example/halaman-kosong-tanpa-isi/").reject_reason == "no-text"


@pytest.mark.parametrize(
    ("body", "reason", "kind"),
    [
        (b"", "empty", None),
        (b"  \r\n ", "empty", None),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>", "not-html", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "not-html", "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "not-html", "jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "not-html", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "not-html", "riff"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not-html", "zip"),
        (b"\x00\x01\x02binary\x00data", "not-html", "binary"),
        (b'{"status": "ok", "data": []}', "not-html", "json"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><item><description>'
         b"<![CDATA[<p>Berita</p>]]></description></item></channel></rss>", "not-html", "rss"),
        (b'<?xml version="1.0"?><urlset><url><loc>https://x.example/a</loc></url></urlset>',
         "not-html", "urlset"),
        (b"Hanya teks biasa tanpa tag apa pun.", "not-html", "text"),
    ],
)
def test_non_html_bodies(body: bytes, reason: str, kind: str | None) -> None:
    result = extract(body, "https://x.example/berita/rakerda-bangga-kencana-2022/")
    assert result.article is None
    assert result.reject_reason == reason
    assert result.details.get("kind") == kind


def _garbage() -> list[bytes]:
    rng = random.Random(20240528)
    page = fixture("bengkulu_rakerda_wp.html")
    return [
        *(bytes(rng.getrandbits(8) for _ in range(size)) for size in (1, 17, 4096)),
        *(page[:cut] for cut in (1, 15, 200, 1500, len(page) // 2, len(page) - 7)),
        b"<html>",
        b"<html><body><p>" + "é".encode()[:1],
        b"<div>" * 50_000,
        b"<html><head><meta charset='klingon'></head><body><p>teks</p></body></html>",
        b"<<<>>><!-- <p> --><![CDATA[",
        b"<html>" + bytes(range(1, 32)) + b"</html>",
        "<html><body>\ud800</body></html>".encode("utf-8", "surrogatepass"),
    ]


@pytest.mark.parametrize("body", _garbage())
def test_garbage_never_raises(body: bytes) -> None:
    result = extract(body, "https://x.example/berita/rakerda-bangga-kencana-2022/")
    assert (result.article is None) != (result.reject_reason is None)
    if result.reject_reason is not None:
        assert result.reject_reason in set(Reject)


def test_extractor_failure_becomes_a_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RecursionError("lxml gave up")

    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", explode)
    case = CASES[0]
    result = extract(fixture(case.file), case.url)
    assert result.reject_reason == "extraction-error"
    assert result.details == {"error": "RecursionError"}


def test_reject_reasons_are_stable_kebab_case() -> None:
    assert {reason.value for reason in Reject} == {
        "empty", "not-html", "non-article-url", "url-pattern", "listing-page", "no-text",
        "too-short", "no-title", "extraction-error",
    }
    assert all(re.fullmatch(r"[a-z]+(?:-[a-z]+)*", reason) for reason in Reject)
    assert f"warta/rejected/{Reject.TOO_SHORT}" == "warta/rejected/too-short"


# --- dates from the crawl -----------------------------------------------------------------------


def test_hinted_date_is_used_when_the_page_has_none() -> None:
    case = CASES[2]
    html = fixture(case.file).decode().replace("Jumat,(1/11/24)", "Jumat")
    hint = datetime(2024, 11, 1, 3, 20, tzinfo=UTC)
    article = extract(html.encode(), case.url, hinted_published_at=hint).article
    assert article is not None
    assert article.published_at == jakarta(2024, 11, 1, 10, 20)
    assert article.published_time_known


def test_day_month_dateline_with_the_hinted_year() -> None:
    # The Banyuasin page without its JSON-LD: only "Selasa (28/5)" and the sitemap's date remain.
    case = CASES[1]
    html = re.sub(r'<script type="application/ld\+json">.*?</script>', "",
                  fixture(case.file).decode(), flags=re.DOTALL)
    html = html.replace("28 Mei 2024", "")
    hint = datetime(2024, 5, 28, tzinfo=JAKARTA)
    article = extract(html.encode(), case.url, hinted_published_at=hint).article
    assert article is not None
    assert article.published_at == jakarta(2024, 5, 28)
    assert not article.published_time_known
    assert article.page_type is None


def test_extract_body_text_ignores_the_verdict() -> None:
    case = CASES[2]
    text = extract_body_text(fixture(case.file), case.url)
    assert text == article_of(case).text
    assert extract_body_text(b"%PDF-1.4", case.url) == ""


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


@pytest.mark.parametrize("case", JOOMLA_CASES, ids=lambda c: c.file)
def test_joomla_table_layout_article(case: Case) -> None:
    article = article_of(case)
    assert article.title == case.title
    assert article.published_at == case.published_at
    assert article.published_time_known is case.time_known
    assert article.page_type == case.page_type
    assert article.language == "id"
    for sentence in case.body_sentences:
        assert sentence in article.text
    for furniture in JOOMLA_FURNITURE:
        assert furniture not in article.text, furniture
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) >= 5
    # The layout tables are gone: no "| … |" rows, one paragraph per <p>.
    assert not any(p.startswith("|") or p.endswith("|") for p in paragraphs)
    assert all(matching_rule(p) is None for p in paragraphs)


def test_joomla_listing_page_with_two_teasers_is_rejected() -> None:
    # The last page of the news category: two headline links, each with an excerpt ending "...".
    body = fixture("sumsel_joomla_listing_page2_cp1252.html")
    result = extract(body, JOOMLA_BASE + "?hal=2")
    assert (result.reject_reason, result.details) == ("listing-page", {"why": "teaser-text"})


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


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        # The site name before the headline, and the WordPress / microdata heading markup.
        (f"BKKBN Sumsel :: {PELAYANAN}", f'<td><h2 class="entry-title">{PELAYANAN}</h2></td>'),
        (f"{PELAYANAN} | Berita | BKKBN Sumsel",
         f'<td><div itemprop="headline">{PELAYANAN}</div></td>'),
        # An SEO title cut short.
        ("Pelayanan KB Serentak di 17 Kabupaten... - BKKBN Sumsel", None),
        (f"{PELAYANAN} - BKKBN Sumsel", f"<td><h1>{PELAYANAN}</h1></td>"),
    ],
)
def test_the_heading_the_title_spells_out_is_the_title(title: str, heading: str | None) -> None:
    article = extract(joomla_page(title=title, heading=heading), JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.title == PELAYANAN


def test_a_sidebar_heading_the_title_does_not_spell_out_is_not_the_title() -> None:
    heading = f'<td class="contentheading">{PELAYANAN}</td><td><h2>Berita Terbaru</h2></td>'
    article = extract(joomla_page(heading=heading), JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.title == PELAYANAN


def test_a_lone_h1_beats_a_section_heading_a_generic_title_spells_out() -> None:
    heading = f'<td><h1>{PELAYANAN}</h1></td><td><h2 class="componentheading">Berita</h2></td>'
    body = joomla_page(title="Berita | Perwakilan BKKBN Provinsi Sumatera Selatan", heading=heading)
    article = extract(body, JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.title == PELAYANAN


@pytest.mark.parametrize(
    ("url", "head", "expected"),
    [
        # The suffix is the declared site name.
        (NEUTRAL_URL, '<meta property="og:site_name" content="BKKBN Sumsel">', PELAYANAN),
        # Every word of the suffix is in the host name.
        ("https://sumsel.bkkbn.go.id/berita/388-pelayanan-kb-serentak.html", "", PELAYANAN),
        # Nothing says what the suffix is: the whole <title>, never trafilatura's "BKKBN Sumsel".
        (NEUTRAL_URL, "", f"{PELAYANAN} - BKKBN Sumsel"),
    ],
)
def test_title_without_a_heading_loses_only_a_known_site_name(
    url: str, head: str, expected: str
) -> None:
    body = joomla_page(heading=f"<td>{PELAYANAN}</td>", head=head)
    article = extract(body, url).article
    assert article is not None
    assert article.title == expected


def test_site_name_inside_the_headline_stays() -> None:
    title = "Kampung KB Sehati Raih Juara – BKKBN Sumsel Beri Apresiasi"
    body = joomla_page(title=f"{title} - BKKBN Sumsel", heading="<td></td>",
                       head='<meta property="og:site_name" content="BKKBN Sumsel">')
    article = extract(body, JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.title == title


@pytest.mark.parametrize(
    ("row", "expected", "time_known"),
    [
        # Joomla 1.5: "Ditulis oleh" and the date in rows of their own; trafilatura drops both.
        ('<tr><td colspan="2"><span class="small">Ditulis oleh Administrator</span></td></tr>'
         '<tr><td valign="top" colspan="2" class="createdate">Selasa, 10 Mei 2022 08:15</td></tr>',
         jakarta(2022, 5, 10, 8, 15), True),
        # Author and date on one line.
        ('<tr><td class="small">Ditulis oleh Administrator Rabu, 09 Maret 2022</td></tr>',
         jakarta(2022, 3, 9), False),
        ("<tr><td><p>Ditulis oleh Administrator Rabu, 09 Maret 2022</p></td></tr>",
         jakarta(2022, 3, 9), False),
        # A date that is only in a view-counter line of the text.
        ("<tr><td><p>Selasa, 10 Mei 2022 08:15 - Dilihat: 123 kali</p></td></tr>",
         jakarta(2022, 5, 10, 8, 15), True),
    ],
)
def test_joomla_dates(row: str, expected: datetime, time_known: bool) -> None:
    article = extract(joomla_page(row=row, dateline=False), JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.published_at == expected
    assert article.published_time_known is time_known
    assert "Ditulis oleh" not in article.text
    assert "Dilihat" not in article.text


def test_layout_tables_become_divs_but_data_tables_and_boxes_stay() -> None:
    tree = fromstring(
        "<html><body>"
        '<table id="module"><tr><th>Statistik Pengunjung</th></tr><tr><td>312</td></tr></table>'
        '<table id="heading"><tr><td>Judul</td><td>Cetak</td></tr></table>'
        '<table id="data"><tr><th>Kabupaten</th><th>Akseptor</th></tr>'
        "<tr><td>Palembang</td><td>1.204</td></tr></table>"
        '<table id="box"><tr><td>“Kutipan dari narasumber.”</td></tr></table>'
        "</body></html>"
    )
    unwrap_layout_tables(tree)
    tags = {element.get("id"): element.tag for element in tree.iter() if element.get("id")}
    assert tags == {"module": "div", "heading": "div", "data": "table", "box": "table"}
    assert not tree.xpath("//div[@id='module']//td | //div[@id='heading']//td")


def test_one_cell_table_reads_as_a_plain_paragraph() -> None:
    paragraph = "<p>" + "Kader posyandu mendampingi keluarga berisiko stunting. " * 8 + "</p>"
    quote = "“Kampung KB yang hidup adalah yang kelompok kegiatannya berjalan,” tegasnya."
    body = (
        f"<html><body><article><h1>Judul</h1>{paragraph}"
        f"<table><tr><td>{quote}</td></tr></table>{paragraph}</article></body></html>"
    ).encode()
    text = extract_body_text(body, "https://x.example/berita/kampung-kb-yang-hidup/")
    assert f"\n\n{quote}\n\n" in text
    assert "|" not in text
