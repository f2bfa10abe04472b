"""Where a supervised crawl's log goes (warta/run_logs.py)."""

from __future__ import annotations

import errno
import io
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.settings import Settings

from warta.run_logs import log_dir, open_run_log, pump_output

TIMEOUT = 20.0  # never reached when green


def test_log_dir_setting_else_beside_a_sqlite_archive_else_the_working_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    archive = f"sqlite:///{tmp_path}/data/archive.db"
    assert log_dir(Settings({"WARTA_LOG_DIR": "runs"}), archive) == tmp_path / "runs"
    assert log_dir(Settings(), archive) == tmp_path / "data" / "logs"
    assert log_dir(Settings(), "postgresql+psycopg://warta@db/warta") == tmp_path / "logs"
    assert log_dir(Settings(), "sqlite://") == tmp_path / "logs"  # in memory


def test_run_log_names_are_site_and_utc_start_and_never_reused(tmp_path: Path) -> None:
    started = datetime(2026, 12, 1, 23, 5, 9, tzinfo=UTC)
    first, out1 = open_run_log(tmp_path / "logs", "alpha", started)
    second, out2 = open_run_log(tmp_path / "logs", "alpha", started)
    out1.close()
    out2.close()
    assert first.name == "alpha-20261201T230509Z.log"
    assert second.name == "alpha-20261201T230509Z-2.log"


class FullDisk(io.RawIOBase):
    name = "full.log"

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_log_file_that_cannot_be_written_still_drains_the_crawls_output(
    caplog: pytest.LogCaptureFixture,
) -> None:
    read_end, write_end = os.pipe()
    pump = threading.Thread(
        target=pump_output, args=(os.fdopen(read_end, "rb"), "alpha", FullDisk())
    )
    pump.start()

    def crawl_output() -> None:  # far more than a pipe holds: blocks unless drained
        with os.fdopen(write_end, "wb") as out:
            out.write(b"x" * 1_000_000)

    child = threading.Thread(target=crawl_output, daemon=True)
    child.start()
    child.join(TIMEOUT)
    pump.join(TIMEOUT)
    assert not child.is_alive() and not pump.is_alive()
    assert [r.getMessage() for r in caplog.records] == [
        "alpha: log file full.log: [Errno 28] No space left on device; the rest of this "
        "crawl's log is lost"
    ]
