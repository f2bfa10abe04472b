"""Alembic environment: the URL comes from warta's settings, the metadata from
archive.store.models."""

from __future__ import annotations

import warnings
from logging.config import fileConfig

from alembic import context

from archive.store.db import WRITE_OPTION, make_engine
from archive.store.models import ONLY_DIALECT, Base
from warta.config import database_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

# SQLite cannot reflect expression indexes; the one we declare is PostgreSQL-only anyway.
warnings.filterwarnings(
    "ignore", message="autogenerate skipping metadata-specified expression-based index"
)

# Tables that belong to libraries, not to our models (APScheduler's job store).
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    if type_ == "table" and name in FOREIGN_TABLES:
        return False
    # A model item declared for one dialect only (the PostgreSQL full-text index) is not missing
    # from the others.
    only_dialect = getattr(obj, "info", {}).get(ONLY_DIALECT)
    if only_dialect and only_dialect != context.get_bind().dialect.name:
        return False
    return not (type_ == "table" and name and name.startswith("articles_fts"))


def _url() -> str:
    return config.attributes.get("database_url") or database_url()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    # As a writer (on SQLite: BEGIN IMMEDIATE), so crawls starting at once on a new archive
    # migrate one after the other instead of failing with "database is locked".
    with engine.connect() as conn:
        _run(conn.execution_options(**{WRITE_OPTION: True}))
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
