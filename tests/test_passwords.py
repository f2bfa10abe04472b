"""No command prints the database password (the URL is shown with `***`)."""

from __future__ import annotations

import socket

from sqlalchemy.engine import make_url

from archive.store.db import redacted_url
from tests.test_cli import warta


def test_redacted_url_hides_only_the_password() -> None:
    url = "postgresql+psycopg://warta:s3cret-pw@db.example:5432/warta"
    assert redacted_url(url) == "postgresql+psycopg://warta:***@db.example:5432/warta"
    assert redacted_url("sqlite:///archive.db") == "sqlite:///archive.db"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_postgresql_error_shows_no_password() -> None:
    url = f"postgresql+psycopg://warta:s3cret-pw@127.0.0.1:{closed_port()}/warta"
    for command in (["stats"], ["db", "upgrade"], ["db", "check"], ["search", "stunting"]):
        result = warta(*command, db_url=url)
        assert result.returncode == 2, (command, result.stderr)
        assert "s3cret-pw" not in result.stdout + result.stderr, command


def test_demo_and_db_commands_show_no_password(postgres_url: str) -> None:
    password = make_url(postgres_url).password
    assert password
    for command in (["db", "upgrade"], ["db", "check"], ["stats"], ["demo"]):
        result = warta(*command, db_url=postgres_url)
        assert result.returncode == 0, (command, result.stderr[-3000:])
        assert password not in result.stdout + result.stderr, command
        if command == ["demo"]:
            assert redacted_url(postgres_url) in result.stdout
