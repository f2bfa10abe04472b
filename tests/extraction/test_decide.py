"""`extract` end to end: article metadata, clean bodies, thresholds, rejections that never raise."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

import pytest

import archive.extraction.text as text_module
from archive.extraction import Reject, extract
from archive.extraction.boilerplate import matching_rule
from archive.extraction.dateparse import JAKARTA
from tests.extraction.pages import (
    CASES,
    FURNITURE,
    JOOMLA_CASES,
    JOOMLA_FURNITURE,
    Case,
    article_of,
    assert_published,
    fixture,
    jakarta,
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_article_metadata(case: Case) -> None:
    article = article_of(case)
    assert article.title == case.title
    assert_published(article, case.published_at, case.time_known)
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


def test_length_thresholds() -> None:
    okus, banyuasin = CASES[2], CASES[1]
    # The OKUS page has its own headline and a dateline: evidence enough for the lower bar.
    assert extract(fixture(okus.file), okus.url, min_text_chars=5000).article is not None
    undated = fixture(okus.file).decode().replace("Jumat,(1/11/24)", "Jumat").encode()
    short = extract(undated, okus.url, min_text_chars=5000)
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

    monkeypatch.setattr(text_module.trafilatura, "bare_extraction", explode)
    case = CASES[0]
    result = extract(fixture(case.file), case.url)
    assert result.reject_reason == "extraction-error"
    assert result.details == {"error": "RecursionError"}


def test_reject_reasons_are_stable_kebab_case() -> None:
    assert {reason.value for reason in Reject} == {
        "empty", "not-html", "non-article-url", "url-pattern", "listing-page", "no-text",
        "too-short", "no-title", "extraction-error", "extraction-timeout", "extraction-memory",
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
    assert_published(article, jakarta(2024, 5, 28), False)
    assert article.page_type is None


@pytest.mark.parametrize("case", JOOMLA_CASES, ids=lambda c: c.file)
def test_joomla_table_layout_article(case: Case) -> None:
    article = article_of(case)
    assert article.title == case.title
    assert_published(article, case.published_at, case.time_known)
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


# --- article or not, by evidence -------------------------------------------------------------

BRIEF = ("Kampung KB Kelurahan Talang Jambe menerima 12 set alat ukur antropometri dari DPPKB "
         "Kota Palembang, Selasa sore. Alat itu akan dipakai di enam posyandu untuk pengukuran "
         "balita yang lebih akurat dan untuk kelas ibu balita setiap bulan, kata lurah setempat.")


def brief_page(dateline: str) -> bytes:
    return (
        "<html><head><title>Talang Jambe Terima Alat Ukur - KabarKota</title></head><body>"
        "<h1>Talang Jambe Terima Alat Ukur</h1>"
        f'<div class="info"><span class="waktu">{dateline}</span></div>'
        f'<div class="isi"><p>{BRIEF}</p></div></body></html>'
    ).encode()


def test_a_dated_brief_under_its_own_headline_is_an_article() -> None:
    url = "https://kabar.example/baca/4104/talang-jambe-terima-alat-ukur"
    result = extract(brief_page("Selasa, 11/06/2024 16:40 WIB"), url)
    assert result.article is not None, result.details
    assert result.article.published_at == jakarta(2024, 6, 11, 16, 40)
    assert result.article.published_date is not None
    # Without a date nothing but length speaks for it.
    undated = extract(brief_page("Redaksi"), url)
    assert (undated.reject_reason, undated.details["needed"]) == ("too-short", "600")


def test_a_photo_page_keeps_its_caption() -> None:
    caption = ("Ribuan warga mengikuti senam bersama memperingati Hari Keluarga Nasional "
               "di Palembang.")
    body = (
        "<html><head><title>FOTO: Senam Bersama - KabarKota</title></head><body>"
        '<h1>FOTO: Senam Bersama</h1><span class="waktu">Minggu, 09/06/2024 07:45 WIB</span>'
        f"<figure><img src='/media/senam.png'><figcaption>{caption}</figcaption></figure>"
        "</body></html>"
    ).encode()
    result = extract(body, "https://kabar.example/foto/4106/senam-bersama")
    assert result.article is not None, result.details
    assert caption in result.article.text
