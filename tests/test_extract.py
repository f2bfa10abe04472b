"""The extraction stage on hand-made WordPress-style pages built from real Indonesian articles."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

import archive.extract as extract_module
from archive.boilerplate import matching_rule
from archive.extract import Reject, decode_html, extract, extract_body_text, non_article_url_rule
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
