"""Errors a user can cause, as the one line that tells them what to fix.

Shared by the `warta` CLI and `scrapy crawl` (crawler/commands/crawl.py): a broken registry or
taxonomy, a database URL that is malformed, unreachable, read-only or at a schema this warta does
not know, a missing PostgreSQL driver. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from alembic.util.exc import CommandError
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from archive.store.db import error_kind
from archive.tagging.gazetteer import GazetteerError
from archive.tagging.taxonomy import TaxonomyError
from spiders.registry import RegistryError

UPGRADE_HINT = "run `warta db upgrade`"
POSTGRES_HINT = "pip install 'warta[postgres]'"
_POSTGRES_DRIVERS = {"psycopg", "psycopg2", "pg8000", "asyncpg"}

__all__ = ["POSTGRES_HINT", "UPGRADE_HINT", "describe"]


def describe(exc: BaseException) -> str | None:
    """The one-line message for a user error, or None when `exc` is not one."""
    if isinstance(exc, RegistryError | TaxonomyError | GazetteerError):
        return _one_line(str(exc))
    driver = (getattr(exc, "name", None) or "").split(".")[0]
    if isinstance(exc, ModuleNotFoundError) and driver in _POSTGRES_DRIVERS:
        if driver == "psycopg":
            return f"the PostgreSQL driver is not installed ({exc}): {POSTGRES_HINT}"
        return (
            f"the PostgreSQL driver {driver!r} is not installed ({exc}): {POSTGRES_HINT} and use "
            "a postgresql+psycopg:// URL"
        )
    if isinstance(exc, NoSuchModuleError):
        return f"WARTA_DATABASE_URL names an unknown database kind ({exc})"
    if isinstance(exc, ArgumentError):
        return (
            f"WARTA_DATABASE_URL is not a database URL ({exc}); "
            "e.g. sqlite:///archive.db or postgresql+psycopg://user@host/warta"
        )
    if isinstance(exc, FileNotFoundError):
        return f"{exc}: {UPGRADE_HINT} or crawl a site first"
    if isinstance(exc, CommandError):
        return _alembic(exc)
    if isinstance(exc, DBAPIError):
        return _database(exc)
    return None


def _alembic(exc: CommandError) -> str:
    message = _one_line(str(exc))
    if "Can't locate revision" in message or "No such revision" in message:
        return (
            f"the archive's schema is at a revision this warta does not know ({message}); "
            "was it made by a newer warta? Upgrade warta, or point WARTA_DATABASE_URL elsewhere"
        )
    if "not up to date" in message:
        return f"the archive's schema is out of date ({message}): {UPGRADE_HINT}"
    return f"schema migration failed: {message}"


def _database(exc: DBAPIError) -> str:
    orig = exc.orig
    detail = _one_line(str(orig))
    kind = error_kind(exc)
    if kind == "cannot-open":
        return (
            f"cannot open the archive database ({detail}): does its directory exist, and may "
            "this user write it? Check WARTA_DATABASE_URL"
        )
    if kind == "read-only":
        return f"the archive database is read-only ({detail}): a crawl must be able to write it"
    if kind == "disk-full":
        return f"the archive's disk is full ({detail}): free space, then crawl again"
    if "already exists" in detail:
        return (
            f"the database has tables but no migration record ({detail}): it was not made by "
            "`warta db upgrade`; point WARTA_DATABASE_URL at a warta archive or a new file"
        )
    return (
        f"database error ({type(orig).__name__}): {detail}. "
        f"Is WARTA_DATABASE_URL right? If the schema is missing or old, {UPGRADE_HINT}"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
