"""`warta export --format sqlite`: a SQLite copy of any archive (PostgreSQL or SQLite) that
Datasette serves (`warta serve snapshot.db`).

The copy is made by the archive's own Alembic migrations (same tables, views, FTS table and
triggers as any SQLite archive), then filled table by table in foreign-key order, in batches
streamed from the source, with the FTS triggers off and the index rebuilt once at the end. The
file is written as FILE.part and renamed when complete, in rollback-journal mode (one file, no
-wal beside it), so a failed export never leaves a half snapshot under the name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import sqlite

from archive.store.db import make_engine
from archive.store.models import Base
from archive.store.schema import alembic_config, upgrade

FTS_TABLE = "articles_fts"
SQLITE = sqlite.dialect()


class SourceNotAtHead(RuntimeError):
    """The archive's schema is older (or newer) than this warta's: its rows would not fit."""


@dataclass
class SnapshotResult:
    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    """Rows copied per table."""


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _source_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def write_sqlite_snapshot(
    source_url: str, target: Path, *, batch_size: int = 1000,
    on_rows: Callable[[str, int], None] | None = None,
) -> SnapshotResult:
    """Copy the archive at `source_url` into a new SQLite file `target` (replaced if there)."""
    part = target.with_name(target.name + ".part")
    for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
        leftover.unlink(missing_ok=True)
    source = make_engine(source_url, read_only=True)
    result = SnapshotResult(target)
    try:
        with source.connect() as src:
            revision, head = _source_revision(src), head_revision()
            if revision != head:
                raise SourceNotAtHead(
                    f"the archive is at schema revision {revision}, this warta writes {head}: "
                    "run `warta db upgrade` on it first (or export with the warta that made it)"
                )
            upgrade(f"sqlite:///{part}")
            copy = sqlite3.connect(part, isolation_level=None)
            try:
                # A .part file is deleted on any failure: no WAL (one file, written once) and
                # no fsync per transaction.
                copy.execute("PRAGMA journal_mode=DELETE")
                copy.execute("PRAGMA synchronous=OFF")
                triggers = _drop_fts_triggers(copy)
                copy.execute("BEGIN")
                for table in Base.metadata.sorted_tables:
                    result.rows[table.name] = _copy_table(src, copy, table, batch_size, on_rows)
                for sql in triggers:
                    copy.execute(sql)
                copy.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
                copy.execute("COMMIT")
                copy.execute("ANALYZE")
            finally:
                copy.close()
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        source.dispose()
    part.replace(target)
    return result


def _drop_fts_triggers(copy: sqlite3.Connection) -> list[str]:
    """Drop the triggers that keep the FTS index in step row by row; returns their SQL."""
    rows = copy.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
        (f"{FTS_TABLE}%",),
    ).fetchall()
    for name, _ in rows:
        copy.execute(f'DROP TRIGGER "{name}"')
    return [sql for _, sql in rows]


def _copy_table(src: Connection, copy: sqlite3.Connection, table: Table, batch_size: int,
                on_rows: Callable[[str, int], None] | None) -> int:
    """Stream `table`'s rows from the source into the copy; returns how many."""
    # The model's column types convert on the way (UTC datetimes, dates, JSON) exactly as the
    # store writes SQLite, so the copy reads like an archive warta wrote itself.
    columns = list(table.columns)
    processors = [column.type.dialect_impl(SQLITE).bind_processor(SQLITE) for column in columns]
    names = ", ".join(f'"{column.name}"' for column in columns)
    marks = ", ".join("?" for _ in columns)
    insert = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    result = src.execution_options(yield_per=batch_size).execute(
        select(*columns).order_by(*table.primary_key.columns)
    )
    # The migrations fill reference tables (the gazetteer's regencies): the source's rows win.
    copy.execute(f'DELETE FROM "{table.name}"')
    count = 0
    for batch in result.partitions():
        copy.executemany(insert, [
            tuple(p(v) if p else v for p, v in zip(processors, row, strict=True))
            for row in batch
        ])
        count += len(batch)
        if on_rows:
            on_rows(table.name, len(batch))
    return count
