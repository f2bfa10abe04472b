"""Publication dates: metadata first, then Indonesian datelines, then the hint; aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from lxml.html import HtmlElement, fromstring

from archive.pubdate import (
    JAKARTA,
    LEAD_CHARS,
    date_from_markup,
    date_from_metadata,
    date_from_text,
    find_published_date,
    is_plausible,
    parse_metadata_datetime,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
REF_2024 = datetime(2024, 5, 30, tzinfo=JAKARTA)


def jakarta(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=JAKARTA)


def page(head: str = "", body: str = "<p>Isi berita.</p>") -> HtmlElement:
    return fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


# --- datelines in text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "time_known"),
    [
        ("Selasa, 28 Mei 2024 – Pemerintah Kabupaten...", jakarta(2024, 5, 28), False),
        ("PALEMBANG – 28 Mei 2024 10:15 WIB, rapat dimulai.", jakarta(2024, 5, 28, 10, 15), True),
        ("Jakarta (28/5/2024) - BKKBN menggelar rapat.", jakarta(2024, 5, 28), False),
        ("Palembang(10/03/2022) bertempat di Hotel Harper", jakarta(2022, 3, 10), False),
        ("Joni Rafles pimpin rapat tahun 2024, Jumat,(1/11/24).", jakarta(2024, 11, 1), False),
        ("di Ballroom Hotel Emersia, Selasa (23/2/2020).", jakarta(2020, 2, 23), False),
        ("Rabu, 5 Juni 2024 pukul 09.30 WIB", jakarta(2024, 6, 5, 9, 30), True),
        ("Kamis, 17 Agustus 2023", jakarta(2023, 8, 17), False),
        ("Senin, 4 Nopember 2019 rapat", jakarta(2019, 11, 4), False),
    ],
)
def test_indonesian_datelines(text: str, expected: datetime, time_known: bool) -> None:
    found = date_from_text(text, now=NOW)
    assert found is not None
    assert found.at == expected
    assert found.time_known is time_known
    assert found.at.tzinfo is not None
    assert found.source == "text"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dilaksanakan di Ruang Rapat Sekda, Selasa (28/5).", jakarta(2024, 5, 28)),
        ("Ketua panitia pelaksana Rakerda, Selasa, 5/4. ( Photo AKIE )", jakarta(2024, 4, 5)),
    ],
)
def test_day_and_month_take_the_year_from_the_reference(text: str, expected: datetime) -> None:
    found = date_from_text(text, year_reference=REF_2024, now=NOW)
    assert found is not None
    assert found.at == expected


def test_day_and_month_without_a_year_source_are_skipped() -> None:
    assert date_from_text("di Ruang Rapat Sekda, Selasa (28/5).", now=NOW) is None


def test_day_and_month_near_new_year_take_the_adjacent_year() -> None:
    reference = jakarta(2025, 1, 2)
    found = date_from_text("Rapat digelar Selasa (31/12).", year_reference=reference, now=NOW)
    assert found is not None
    assert found.at == jakarta(2024, 12, 31)


def test_wita_and_wit_keep_their_own_offsets() -> None:
    wita = date_from_text("Kamis, 30 Mei 2024 pukul 09.30 WITA", now=NOW)
    wit = date_from_text("Jayapura, 30 Mei 2024 09:30 WIT", now=NOW)
    assert wita is not None and wit is not None
    assert wita.at.utcoffset() == timedelta(hours=8)
    assert wit.at.utcoffset() == timedelta(hours=9)
    assert wita.at == jakarta(2024, 5, 30, 8, 30)
    assert wit.at == jakarta(2024, 5, 30, 7, 30)


@pytest.mark.parametrize(
    "text",
    [
        "Sebanyak 1/2 dari peserta hadir secara daring.",  # a ratio, not a date
        "Nomor 12/3 tentang pedoman",  # no weekday, no parentheses, no year
        "Rapat pada 10.000 peserta",
        "Berdiri pada Selasa (12/3/1990) silam.",  # implausibly old
        "Dijadwalkan Senin, 1 Desember 2025.",  # too far in the future for NOW
        "Tanggal 31/2/2024 tidak ada.",
    ],
)
def test_non_dates_and_implausible_dates_are_ignored(text: str) -> None:
    assert date_from_text(text, now=NOW) is None


def test_first_dateline_wins() -> None:
    text = "Palembang(10/03/2022) rakerda. Rakernas pada 28 Januari 2021 di Jakarta."
    found = date_from_text(text, now=NOW)
    assert found is not None
    assert found.at == jakarta(2022, 3, 10)


def test_dates_deep_in_the_text_need_a_weekday() -> None:
    filler = "Kalimat pengisi tanpa tanggal. " * (LEAD_CHARS // 30 + 5)
    assert date_from_text(filler + "Rakernas pada 28 Januari 2021.", now=NOW) is None
    found = date_from_text(filler + "Acara digelar Kamis, 28 Januari 2021.", now=NOW)
    assert found is not None
    assert found.at == jakarta(2021, 1, 28)


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


@pytest.mark.parametrize(
    ("value", "expected", "time_known"),
    [
        ("2024-05-28", jakarta(2024, 5, 28), False),
        ("2024-05-28T00:00:00+00:00", jakarta(2024, 5, 28), False),  # a day stored as midnight
        ("2024-05-28T10:15:00", jakarta(2024, 5, 28, 10, 15), True),  # naive: local time
        ("2024-05-28T10:15:00+08:00", jakarta(2024, 5, 28, 9, 15), True),
        ("2024-05-28T03:15:00Z", jakarta(2024, 5, 28, 10, 15), True),
        ("2024/05/28 10:15", jakarta(2024, 5, 28, 10, 15), True),
        ("Tue, 28 May 2024 10:15:00 +0700", jakarta(2024, 5, 28, 10, 15), True),
    ],
)
def test_parse_metadata_datetime(value: str, expected: datetime, time_known: bool) -> None:
    found = parse_metadata_datetime(value)
    assert found is not None
    assert found.at == expected
    assert found.time_known is time_known
    assert found.at.tzinfo is not None


@pytest.mark.parametrize("value", ["", "kemarin", "2024-13-45", "28 Mei"])
def test_unparsable_metadata(value: str) -> None:
    assert parse_metadata_datetime(value) is None


def test_plausibility_window() -> None:
    assert is_plausible(jakarta(1995, 1, 1), NOW)
    assert not is_plausible(jakarta(1994, 12, 31), NOW)
    assert is_plausible(NOW + timedelta(days=1), NOW)
    assert not is_plausible(NOW + timedelta(days=3), NOW)


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


def test_htmldate_result_counts_as_metadata() -> None:
    found = find_published_date(page(), "https://x.example/a/", "Jumat,(1/11/24).",
                                htmldate_result="2024-10-31", now=NOW)
    assert found is not None
    assert (found.at, found.source) == (jakarta(2024, 10, 31), "htmldate")


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
