"""How a crawl's close reason and stats become its crawl_runs status and error counts."""

from __future__ import annotations

import pytest

from crawler.extensions import errors_by_kind, run_status

FETCHED = {"downloader/response_count": 10}


@pytest.mark.parametrize(
    ("reason", "stats", "status"),
    [
        ("finished", FETCHED, "ok"),
        ("finished", {**FETCHED, "warta/errors/store-database-locked": 1}, "partial"),
        ("finished", {**FETCHED, "warta/errors/too-large": 2}, "partial"),
        ("finished", {}, "failed"),
        ("closespider_timeout", FETCHED, "partial"),
        ("closespider_itemcount", FETCHED, "partial"),
        ("closespider_timeout", {}, "failed"),
        ("shutdown", FETCHED, "aborted"),
        ("site-locked", {}, "aborted"),
        ("lock-lost", FETCHED, "aborted"),
        ("some-crash", FETCHED, "failed"),
    ],
)
def test_run_status(reason: str, stats: dict[str, int], status: str) -> None:
    assert run_status(reason, stats) == status


def test_errors_by_kind_names_every_source() -> None:
    stats = {
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 2,
        "httperror/response_ignored_status_count/503": 1,
        "warta/errors/http_404": 7,
        "warta/errors/store-disk-full": 1,
        "warta/errors/offsite-redirect": 1,
        "warta/store/new": 4,
    }
    assert errors_by_kind(stats) == {
        "TimeoutError": 2, "http_503": 1, "http_404": 7, "store-disk-full": 1,
        "offsite-redirect": 1,
    }
