"""Engine and sessions: the one dialect-aware place of the archive.

The database is chosen by one URL (setting WARTA_DATABASE_URL, from the environment variable of the
same name); SQLite is the default, PostgreSQL works through the same code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///archive.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "warta_writer"


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: Any) -> Engine:
    """An engine for `url`; on SQLite with WAL, foreign keys and a busy timeout, so several
    crawler processes can write one archive file."""
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_on_begin(conn: Any) -> None:
    # pysqlite starts transactions lazily, at the first write, so a read-then-write transaction
    # can interleave with another process's. Writers take the write lock up front instead.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_on_begin, not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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


def redacted_url(url: str) -> str:
    """`url` fit to print or log: the password, if any, as `***`."""
    return make_url(url).render_as_string(hide_password=True)
