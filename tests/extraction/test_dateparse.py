"""Reading dates: Indonesian datelines in text and metadata values; aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archive.extraction.dateparse import (
    JAKARTA,
    LEAD_CHARS,
    date_from_text,
    is_plausible,
    parse_metadata_datetime,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
REF_2024 = datetime(2024, 5, 30, tzinfo=JAKARTA)


def jakarta(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=JAKARTA)


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
