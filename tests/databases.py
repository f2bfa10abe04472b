"""Fresh archives for the tests, on SQLite (a file per test) and on PostgreSQL.

PostgreSQL is used when WARTA_TEST_POSTGRES_URL names a role that may create databases (CI sets
it; `make test-postgres` does the same locally). Each test gets a database of its own, copied from
a template that the Alembic migrations built once per test session; only databases created here
are ever dropped, so pointing the variable at a server that holds a real archive harms nothing.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from archive.store.schema import upgrade

POSTGRES_URL_VARIABLE = "WARTA_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")
SKIP_POSTGRES_REASON = (
    f"PostgreSQL variant: set {POSTGRES_URL_VARIABLE} (or run `make test-postgres`) to run it"
)


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


class PostgresDatabases:
    """Creates (and later drops) uniquely named databases on one PostgreSQL server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.prefix = f"warta_t{os.getpid()}_"
        self._admin: Engine | None = None
        self._template: str | None = None
        self._created: list[str] = []

    @property
    def admin(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT",
                                        poolclass=NullPool)
        return self._admin

    def url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create(self, *, migrated: bool = True) -> str:
        """A new database: migrated to head (a copy of the template), or empty."""
        template = self._migrated_template() if migrated else "template0"
        name = self._new_name()
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self.url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        if name not in self._created:
            raise ValueError(f"refusing to drop {name!r}: not created by the tests")
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._created.remove(name)

    def close(self) -> None:
        for name in list(self._created):
            self.drop(self.url(name))
        if self._admin is not None:
            self._admin.dispose()

    def _new_name(self) -> str:
        name = f"{self.prefix}{uuid.uuid4().hex[:12]}"
        self._created.append(name)
        return name

    def _migrated_template(self) -> str:
        if self._template is None:
            name = self._new_name()
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
            upgrade(self.url(name))  # disposes its engine: no connection blocks the copies
            self._template = name
        return self._template


def sqlite_url(directory: Path, migrated: bool = True) -> str:
    url = f"sqlite:///{directory / 'archive.db'}"
    if migrated:
        upgrade(url)
    return url
