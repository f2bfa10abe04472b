"""User errors as one line with their fix; database errors by kind, transient or not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from archive.store.db import error_kind, is_transient, make_engine
from warta.user_errors import describe


def _operational(message: str) -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    ("message", "kind", "transient"),
    [
        ("database is locked", "database-locked", True),
        ("database or disk is full", "disk-full", False),
        ("attempt to write a readonly database", "read-only", False),
        ("unable to open database file", "cannot-open", False),
        ("no such table: sites", "OperationalError", False),
    ],
)
def test_sqlite_errors_by_kind(message: str, kind: str, transient: bool) -> None:
    exc = _operational(message)
    assert (error_kind(exc), is_transient(exc)) == (kind, transient)


def test_postgres_serialization_failures_are_transient() -> None:
    class PgError(Exception):
        sqlstate = "40001"

    exc = OperationalError("UPDATE ...", {}, PgError("could not serialize access"))
    assert (error_kind(exc), is_transient(exc)) == ("serialization-failure", True)


def test_messages_name_the_fix(tmp_path: Path) -> None:
    missing = ModuleNotFoundError("No module named 'psycopg'", name="psycopg")
    assert describe(missing).endswith("pip install 'warta[postgres]'")  # type: ignore[union-attr]
    assert "warta db upgrade" in describe(_operational("no such table: sites"))  # type: ignore[operator]
    assert "directory" in describe(_operational("unable to open database file"))  # type: ignore[operator]
    assert describe(ValueError("a bug")) is None
    with pytest.raises(Exception) as caught:
        make_engine("notaurl")
    assert "is not a database URL" in describe(caught.value)  # type: ignore[operator]
    assert "\n" not in describe(_operational("line one\nline two"))  # type: ignore[operator]


def test_a_read_only_engine_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    engine = make_engine(f"sqlite:///{path}", read_only=True)
    with engine.connect() as c:
        assert c.execute(text("SELECT x FROM t")).scalar() == 1
        with pytest.raises(OperationalError) as caught:
            c.execute(text("INSERT INTO t VALUES (2)"))
    assert error_kind(caught.value) == "read-only"
    engine.dispose()
    with pytest.raises(FileNotFoundError):
        make_engine(f"sqlite:///{tmp_path / 'none.db'}", read_only=True)
