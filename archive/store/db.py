"""Engine and sessions: the one dialect-aware place of the archive.

The database is chosen by one URL (setting WARTA_DATABASE_URL, from the environment variable of the
same name); SQLite is the default, PostgreSQL works through the same code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

DEFAULT_DATABASE_URL = "sqlite:///archive.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "warta_writer"
# PostgreSQL SQLSTATEs worth retrying: serialization_failure, deadlock_detected.
_PG_TRANSIENT = {"40001": "serialization-failure", "40P01": "deadlock"}
# SQLite messages (sqlite3 gives no codes before 3.11's sqlite_errorname) and their kinds.
_SQLITE_KINDS = (
    ("database is locked", "database-locked"),
    ("database table is locked", "database-locked"),
    ("database is busy", "database-busy"),
    ("database or disk is full", "disk-full"),
    ("readonly database", "read-only"),
    ("disk i/o error", "disk-io-error"),
    ("unable to open database file", "cannot-open"),
)
_TRANSIENT_KINDS = {"database-locked", "database-busy", *_PG_TRANSIENT.values()}


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(
    url: str = DEFAULT_DATABASE_URL,
    *,
    read_only: bool = False,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    **kwargs: Any,
) -> Engine:
    """An engine for `url`; on SQLite with WAL, foreign keys and a busy timeout, so several
    crawler processes can write one archive file.

    `read_only`: for commands that only read. On SQLite the file is opened with `mode=ro` and no
    pragma that writes (journal_mode), so a copy the user cannot write (mode 0444, another
    user's file, a read-only mount) still reads. On PostgreSQL the session is read-only."""
    if is_sqlite(url):
        if read_only:
            return _sqlite_read_only_engine(url, busy_timeout_ms, **kwargs)
        kwargs.setdefault("connect_args", {"timeout": busy_timeout_ms / 1000})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_connect_hook(busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if read_only:
        kwargs.setdefault("execution_options", {"postgresql_readonly": True})
    return create_engine(url, **kwargs)


def _sqlite_read_only_engine(url: str, busy_timeout_ms: int, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if not database or database == ":memory:":
        return create_engine(url, **kwargs)
    path = Path(database).resolve()
    if not path.exists():
        # sqlite would create nothing in mode=ro either, but say it plainly.
        raise FileNotFoundError(f"no archive at {path}")
    uri = f"file:{quote(str(path))}?mode=ro"

    def connect() -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000,
                                   check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # A WAL archive in a directory we cannot write has no -shm file to share: read it
            # as an immutable snapshot instead (fine for a copy nobody writes).
            conn = sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False)
        conn.isolation_level = None
        conn.execute("PRAGMA query_only=ON")
        return conn

    engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool, **kwargs)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_begin(conn: Any) -> None:
    # pysqlite starts transactions lazily, at the first write, so a read-then-write transaction
    # can interleave with another process's. Writers take the write lock up front instead.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_connect_hook(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by _sqlite_on_begin, not by the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def session_factory(engine: Engine, *, writer: bool = False) -> sessionmaker[Session]:
    """Sessions on `engine`. A writer's transactions read and write under one lock, so
    check-then-insert logic (identity, dedup, clusters) is safe across processes."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if writer else engine
    return sessionmaker(bind, expire_on_commit=False)


def serialise(session: Session, key: str) -> None:
    """Hold a transaction-scoped lock named `key` until commit. SQLite writers already hold the
    database write lock (BEGIN IMMEDIATE); PostgreSQL takes an advisory lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with factory() as session, session.begin():
        yield session


# --- errors ------------------------------------------------------------------------------------


def error_kind(exc: BaseException) -> str:
    """A short name for a database error, for run records: 'database-locked', 'disk-full',
    'read-only', 'serialization-failure', 'deadlock' … or the exception's class name."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _PG_TRANSIENT:
        return _PG_TRANSIENT[code]
    message = str(orig).lower()
    for needle, kind in _SQLITE_KINDS:
        if needle in message:
            return kind
    return type(orig).__name__


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the transaction later may succeed (a lock or a serialization conflict)."""
    return isinstance(exc, DBAPIError) and error_kind(exc) in _TRANSIENT_KINDS


def redacted_url(url: str) -> str:
    """`url` fit to print or log: the password, if any, as `***`."""
    return make_url(url).render_as_string(hide_password=True)
