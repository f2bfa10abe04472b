"""Publication dates: metadata first, then Indonesian datelines, then the hint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from lxml.html import fromstring

from archive.extraction import extract
from archive.extraction.dateparse import JAKARTA
from archive.extraction.dates import date_from_markup, date_from_metadata, find_published_date
from archive.extraction.signals import PageSignals, read_signals
from tests.extraction.pages import JOOMLA_CASES, assert_published, joomla_page

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
REF_2024 = datetime(2024, 5, 30, tzinfo=JAKARTA)


def jakarta(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=JAKARTA)


def page(head: str = "", body: str = "<p>Isi berita.</p>") -> PageSignals:
    tree = fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    return read_signals(tree, "https://x.example/a/")


# --- metadata -------------------------------------------------------------------------------

JSONLD_GRAPH = """<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "datePublished": "2024-05-27T08:00:00+07:00"},
  {"@type": "NewsArticle", "headline": "Rembuk Stunting",
   "datePublished": "2024-05-28T09:12:00+07:00"}
]}</script>"""


def test_jsonld_date_inside_graph_prefers_the_article_object() -> None:
    found = date_from_metadata(page(JSONLD_GRAPH), now=NOW)
    assert found is not None
    assert found.at == jakarta(2024, 5, 28, 9, 12)
    assert found.time_known
    assert found.source == "jsonld"


def test_jsonld_beats_meta_tags() -> None:
    head = JSONLD_GRAPH + '<meta property="article:published_time" content="2024-01-01T10:00:00Z">'
    found = date_from_metadata(page(head), now=NOW)
    assert found is not None
    assert found.source == "jsonld"


def test_sloppy_jsonld_is_still_read() -> None:
    head = """<script type="application/ld+json">
      {"@type": "Article", "datePublished": "2023-08-17T07:00:00+07:00",}
    </script>"""
    found = date_from_metadata(page(head), now=NOW)
    assert found is not None
    assert found.at == jakarta(2023, 8, 17, 7, 0)


def test_article_published_time_is_converted_to_jakarta() -> None:
    head = '<meta property="article:published_time" content="2022-04-05T07:32:10+00:00">'
    found = date_from_metadata(page(head), now=NOW)
    assert found is not None
    assert found.at == jakarta(2022, 4, 5, 14, 32, 10)
    assert found.at.tzinfo == JAKARTA
    assert found.source == "meta"


def test_time_element_with_itemprop() -> None:
    body = '<time itemprop="datePublished" datetime="2021-02-23T10:05">23 Februari 2021</time>'
    found = date_from_metadata(page(body=body), now=NOW)
    assert found is not None
    assert found.at == jakarta(2021, 2, 23, 10, 5)


def test_implausible_metadata_is_skipped() -> None:
    head = (
        '<meta property="article:published_time" content="1970-01-01T00:00:00Z">'
        '<meta name="pubdate" content="2023-03-01">'
    )
    found = date_from_metadata(page(head), now=NOW)
    assert found is not None
    assert found.at == jakarta(2023, 3, 1)


# --- dates printed in marked elements (Joomla) --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected", "time_known"),
    [
        # Joomla 1.5: author and date in rows of the article table.
        ('<table><tr><td><span class="small">Ditulis oleh Administrator</span></td></tr>'
         '<tr><td valign="top" class="createdate">Selasa, 10 Mei 2022 08:15</td></tr></table>',
         jakarta(2022, 5, 10, 8, 15), True),
        # Joomla 2.5/3 article info.
        ('<dl class="article-info"><dd class="create">Dibuat: Rabu, 09 Maret 2022 08:15</dd>'
         "</dl>", jakarta(2022, 3, 9, 8, 15), True),
        ('<dl class="article-info"><dd class="published">Diterbitkan: 09 Maret 2022</dd></dl>',
         jakarta(2022, 3, 9), False),
        ('<span itemprop="datePublished">Kamis, 20 Juni 2024</span>', jakarta(2024, 6, 20), False),
        ('<abbr class="published createdate" title="2022-03-09T08:15:00+07:00">9 Maret</abbr>',
         jakarta(2022, 3, 9, 8, 15), True),
        # Author and date on one line, in no marked element.
        ("<p>Ditulis oleh Administrator <b>Rabu, 09 Maret 2022</b></p>", jakarta(2022, 3, 9),
         False),
        ('<td class="small">Posted by Admin on Wednesday, 09 March 2022 08:15</td>',
         jakarta(2022, 3, 9, 8, 15), True),
    ],
)
def test_date_printed_in_marked_elements(body: str, expected: datetime, time_known: bool) -> None:
    found = date_from_markup(page(body=body), now=NOW)
    assert found is not None
    assert (found.at, found.time_known, found.source) == (expected, time_known, "markup")


@pytest.mark.parametrize(
    "body",
    [
        # Generic date classes mark sidebar and comment dates too.
        '<span class="date">Selasa, 10 Mei 2022</span>',
        '<li class="published">Selasa, 10 Mei 2022</li>',
        # A paragraph that merely starts like a byline is no byline.
        "<p>Ditulis oleh siswa SMA Negeri 1 Prabumulih pada lomba menulis, esai itu kemudian "
        "dibacakan di depan Kepala Perwakilan BKKBN Provinsi Sumatera Selatan dan para guru "
        "pembimbing, Selasa, 10 Mei 2022, di aula sekolah.</p>",
        '<td class="createdate">Tanggal tidak tersedia</td>',
    ],
)
def test_unmarked_or_undated_elements_give_no_markup_date(body: str) -> None:
    assert date_from_markup(page(body=body), now=NOW) is None


def test_markup_date_beats_a_dateline_and_takes_the_year_of_a_short_one() -> None:
    tree = page(body='<td class="createdate">Rabu, 09 Maret 2022</td>')
    found = find_published_date(tree, "https://x.example/a/", "Palembang, Selasa (8/3).", now=NOW)
    assert found is not None
    assert (found.at, found.source) == (jakarta(2022, 3, 9), "markup")
    # With the same day in the text, the dateline's time of day completes it.
    found = find_published_date(tree, "https://x.example/a/", "Rabu (9/3) pukul 10.00 WIB",
                                now=NOW)
    assert found is not None
    assert (found.at, found.time_known) == (jakarta(2022, 3, 9, 10, 0), True)


def test_metadata_beats_a_markup_date_but_takes_its_time() -> None:
    tree = page('<meta name="pubdate" content="2022-03-09">',
                '<td class="createdate">Rabu, 09 Maret 2022 08:15</td>')
    found = find_published_date(tree, "https://x.example/a/", "", now=NOW)
    assert found is not None
    assert (found.at, found.time_known, found.source) == (jakarta(2022, 3, 9, 8, 15), True, "meta")


# --- choosing among sources -----------------------------------------------------------------


def test_metadata_beats_a_dateline() -> None:
    tree = page('<meta property="article:published_time" content="2021-02-23T10:05:00+07:00">')
    found = find_published_date(tree, "https://x.example/a/", "Lampung, Selasa (23/2/2020).",
                                now=NOW)
    assert found is not None
    assert found.at == jakarta(2021, 2, 23, 10, 5)
    assert found.source == "meta"


def test_dateline_when_there_is_no_metadata() -> None:
    found = find_published_date(page(), "https://x.example/a/", "Jumat,(1/11/24).", now=NOW)
    assert found is not None
    assert (found.at, found.time_known, found.source) == (jakarta(2024, 11, 1), False, "text")


def test_htmldate_result_is_a_fallback_after_the_pages_own_dates() -> None:
    found = find_published_date(page(), "https://x.example/a/", "Tanpa tanggal.",
                                htmldate_result="2024-10-31", now=NOW)
    assert found is not None
    assert (found.at, found.source) == (jakarta(2024, 10, 31), "htmldate")
    # The page's own dateline beats htmldate's guess (which may be a sidebar's date).
    found = find_published_date(page(), "https://x.example/a/", "Jumat,(1/11/24).",
                                htmldate_result="2024-10-31", now=NOW)
    assert found is not None
    assert (found.at, found.source) == (jakarta(2024, 11, 1), "text")


def test_hint_is_the_last_resort() -> None:
    hint = datetime(2024, 5, 28, 1, 30, tzinfo=UTC)
    found = find_published_date(page(), "https://x.example/a/", "Tanpa tanggal.", hinted=hint,
                                now=NOW)
    assert found is not None
    assert found.at == jakarta(2024, 5, 28, 8, 30)
    assert found.time_known
    assert found.source == "hint"


def test_hint_gives_the_year_and_the_time_of_a_day_month_dateline() -> None:
    hint = datetime(2024, 5, 28, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    found = find_published_date(page(), "https://x.example/a/", "Sekda, Selasa (28/5).",
                                hinted=hint, now=NOW)
    assert found is not None
    assert found.at == jakarta(2024, 5, 28, 8, 0)
    assert found.time_known
    assert found.source == "text"


def test_url_date_gives_the_year_of_a_day_month_dateline() -> None:
    url = "https://x.example/2023/04/05/rakerda-bangga-kencana/"
    found = find_published_date(page(), url, "Ketua panitia, Selasa, 5/4.", now=NOW)
    assert found is not None
    assert found.at == jakarta(2023, 4, 5)


def test_day_only_metadata_takes_the_time_from_a_same_day_dateline() -> None:
    tree = page('<meta name="pubdate" content="2024-05-28">')
    found = find_published_date(tree, "https://x.example/a/", "28 Mei 2024 10:15 WIB", now=NOW)
    assert found is not None
    assert found.at == jakarta(2024, 5, 28, 10, 15)
    assert found.time_known


def test_naive_hint_is_taken_as_jakarta_time() -> None:
    naive = datetime(2024, 5, 28, 9, 0)
    found = find_published_date(page(), "https://x.example/a/", "", hinted=naive, now=NOW)
    assert found is not None
    assert found.at == jakarta(2024, 5, 28, 9, 0)
    assert found.at.tzinfo == ZoneInfo("Asia/Jakarta")


def test_nothing_found() -> None:
    assert find_published_date(page(), "https://x.example/a/", "Tanpa tanggal.", now=NOW) is None


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
    assert_published(article, expected, time_known)
    assert "Ditulis oleh" not in article.text
    assert "Dilihat" not in article.text


# --- real Indonesian markup -----------------------------------------------------------------


def test_a_space_before_the_t_and_a_z_that_means_wib() -> None:
    # detik: pubdate "2015-11-05 T10:08:58Z" while the page prints "10:08 WIB".
    tree = page('<meta name="pubdate" content="2015-11-05 T10:08:58Z">',
                "<h1>Google Umbar Kelemahan Galaxy S6 Edge</h1>"
                '<div class="date">Kamis, 05/11/2015 10:08 WIB</div><p>Isi.</p>')
    found = find_published_date(tree, "https://x.example/a/", "", now=NOW)
    assert found is not None
    assert found.at == jakarta(2015, 11, 5, 10, 8, 58)
    assert found.time_known and found.source == "meta"
    # Without a dateline agreeing with it, the Z is UTC.
    found = find_published_date(page('<meta name="pubdate" content="2015-11-05 T10:08:58Z">'),
                                "https://x.example/a/", "", now=NOW)
    assert found is not None
    assert found.at == jakarta(2015, 11, 5, 17, 8, 58)


def test_the_dateline_beats_the_text_and_gives_the_time() -> None:
    tree = page(body="<h1>Polres Serahkan Anggota</h1>"
                '<div class="msmall grey">Rabu, 4 November 2015 | 21:04 WIB</div><p>Isi.</p>')
    found = find_published_date(tree, "https://x.example/read/2015/11/04/x", "Selasa (3/11).",
                                htmldate_result="2015-11-04", now=NOW)
    assert found is not None
    assert (found.at, found.time_known, found.source) == (
        jakarta(2015, 11, 4, 21, 4), True, "dateline")


def test_a_stated_offset_is_kept() -> None:
    found = date_from_metadata(
        page('<meta property="article:published_time" content="2024-06-12T14:30:00+08:00">'),
        now=NOW,
    )
    assert found is not None
    assert found.at.utcoffset() == timedelta(hours=8)
    assert found.day.isoformat() == "2024-06-12"


def test_htmldate_full_search_only_when_nothing_else_dates_the_page() -> None:
    calls: list[int] = []

    def search() -> str:
        calls.append(1)
        return "2024-06-12"

    found = find_published_date(page(), "https://x.example/a/", "Tanpa tanggal.",
                                htmldate_search=search, now=NOW)
    assert found is not None and found.source == "htmldate" and calls == [1]
    found = find_published_date(page(), "https://x.example/a/", "Rabu (12/6/2024).",
                                htmldate_search=search, now=NOW)
    assert found is not None and found.source == "text" and calls == [1]
