"""`warta export --format sqlite` (archive/reading/snapshot.py): a SQLite copy of an archive on
either backend holds the same rows, views and full-text index, read back by the same code."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from archive.reading.export import iter_records
from archive.reading.search import search
from archive.reading.snapshot import SourceNotAtHead, write_sqlite_snapshot
from archive.store.db import make_engine, session_factory
from archive.store.models import Base
from archive.store.writer import ArchiveStore, SiteInfo
from tests.conftest import REPO_ROOT
from tests.test_search_export import KB, ROAD, STUNTING
from tests.test_store import FakeTag, page
from warta.cli import WartaError, main
from warta.commands.browsing import sqlite_file


@pytest.fixture
def filled(writer, db_url: str) -> str:  # type: ignore[no-untyped-def]
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("banyuasin", "http://a.test/", "Sumatera Selatan", "Banyuasin"))
    store.ensure_site(SiteInfo("lampung", "http://b.test/", "Lampung", "Kota Bandar Lampung"))
    store.save(page("http://a.test/rembuk/", STUNTING, title="Rembuk Stunting Banyuasin",
                    tags=[FakeTag("stunting")], taxonomy_version="v1"))
    store.save(page("http://b.test/kb/", KB, site="lampung", title="Layanan KB Gratis",
                    tags=[FakeTag("kb")], taxonomy_version="v1"))
    store.save(page("http://a.test/jalan/", ROAD, title="Perbaikan Jalan", tags=[],
                    taxonomy_version="v1"))
    return db_url


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every model table's rows, as the models read them, in primary-key order."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return {table.name: [tuple(r) for r in conn.execute(
                        select(table).order_by(*table.primary_key.columns))]
                    for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_snapshot_holds_the_same_rows_views_and_search(filled: str, tmp_path: Path) -> None:
    target = tmp_path / "snapshot.db"
    result = write_sqlite_snapshot(filled, target, batch_size=2)
    snapshot_url = f"sqlite:///{target}"
    assert result.rows["articles"] == 3
    assert _rows(snapshot_url) == _rows(filled)
    assert not list(tmp_path.glob("*.part*")) and not Path(f"{target}-wal").exists()
    engine = make_engine(snapshot_url, read_only=True)
    try:
        with session_factory(engine)() as session:
            assert [h.title for h in search(session, "rembuk stunting")] == [
                "Rembuk Stunting Banyuasin"]
            records = list(iter_records(session))
            tags = dict(session.execute(text("SELECT url, tags FROM v_articles")).all())
    finally:
        engine.dispose()
    assert [r["url"] for r in records] == ["http://a.test/rembuk/", "http://b.test/kb/",
                                           "http://a.test/jalan/"]
    assert tags["http://b.test/kb/"] == "kb"
    # The FTS triggers are back: the snapshot stays searchable if someone writes to it.
    with sqlite3.connect(target) as conn:
        triggers = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"articles_fts_insert", "articles_fts_update", "articles_fts_delete"} <= triggers


def test_an_archive_at_another_revision_is_refused(sqlite_db_url: str, tmp_path: Path) -> None:
    with sqlite3.connect(sqlite_db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0002'")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SourceNotAtHead, match="warta db upgrade"):
        write_sqlite_snapshot(sqlite_db_url, out / "snapshot.db")
    assert list(out.iterdir()) == []


def test_cli_writes_the_snapshot(sqlite_db_url: str, tmp_path: Path) -> None:
    env = {"WARTA_DATABASE_URL": sqlite_db_url, "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-m", "warta.cli", "export", "--format", "sqlite",
                         "-o", str(tmp_path / "s.db")], cwd=REPO_ROOT, env=env,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "warta serve" in ok.stderr and (tmp_path / "s.db").is_file()


def test_cli_user_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    filtered = runner.invoke(main, ["export", "--format", "sqlite", "--tag", "kb",
                                    "-o", str(tmp_path / "t.db")])
    assert filtered.exit_code == 2 and "copies the whole archive" in filtered.output
    no_file = runner.invoke(main, ["export", "--format", "sqlite"])
    assert no_file.exit_code == 2 and "-o snapshot.db" in no_file.output
    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database\n")
    served = runner.invoke(main, ["serve", str(text_file)])
    assert served.exit_code == 2 and "is not a SQLite database" in served.output
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    served = runner.invoke(main, ["serve", str(empty)])
    assert served.exit_code == 2 and "is not a warta archive" in served.output
    with pytest.raises(WartaError, match="warta export --format sqlite"):
        sqlite_file("postgresql+psycopg://warta:secret@db.example/warta")
