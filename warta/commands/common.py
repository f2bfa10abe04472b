"""What the `warta` commands share: the user-facing error, the friendly-error wrapper and the
settings and sessions they open."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from warta.config import project_settings

F = TypeVar("F", bound=Callable[..., Any])


class WartaError(click.ClickException):
    """A user-facing failure: printed as one line, exit status 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def friendly_errors(func: F) -> F:
    """Turn the errors a user can cause (bad config, a database URL that is malformed,
    unreachable, read-only or at an unknown schema, a missing driver) into one clear line with
    the fix (warta/user_errors.py); exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from warta.user_errors import describe

        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as exc:
            message = describe(exc)
            if message is None:
                raise
            raise WartaError(message) from exc

    return wrapper  # type: ignore[return-value]


def warta_settings() -> Any:
    return project_settings()


def archive_url() -> str:
    return str(warta_settings().get("WARTA_DATABASE_URL"))


def read_sessions(database_url: str | None = None) -> Any:
    """Sessions for the read-only commands: the archive opened read-only (SQLite `mode=ro`), so
    a copy the user cannot write (mode 0444, another user's file) still reads."""
    from archive.store.db import make_engine, session_factory

    return session_factory(make_engine(database_url or archive_url(), read_only=True))


def redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database URL (as written, not resolved); None for other databases."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def write_sessions() -> Any:
    from archive.store.db import make_engine, session_factory

    return session_factory(make_engine(archive_url()), writer=True)


def print_summaries(names: list[str] | None = None, database_url: str | None = None) -> None:
    from archive.reading.reports import format_site_summaries, site_summaries

    with read_sessions(database_url)() as session:
        click.echo(format_site_summaries(site_summaries(session, names)))
