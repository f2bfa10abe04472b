"""The `warta` command as a user runs it: a real process, a real archive file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.store.writer import ArchiveStore, SiteInfo
from tests.test_store import FakeTag, page
from warta.cli import main

COMMANDS = ["crawl", "daemon", "db", "demo", "dedup", "export", "reextract", "rejects", "report",
            "retag", "runs", "search", "serve", "sites", "stats", "status", "worker"]


def warta(*args: str, db_url: str | None = None, cwd: Path | None = None,
          **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    if db_url:
        environ["WARTA_DATABASE_URL"] = db_url
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "warta.cli", *args], capture_output=True,
                          text=True, env=environ, cwd=cwd, timeout=120)


def test_every_command_has_help() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for command in COMMANDS:
        assert command in top.output
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage:" in result.output


def test_a_broken_registry_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "sites.toml"
    bad.write_text('[[site]]\nname = "x"\nhome_url = "antara"\nprovince = "Jambi"\n')
    result = warta("sites", WARTA_SITES_FILE=str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: {bad}: site #1 'x': field 'home_url': not an absolute http(s) URL: 'antara'"
    ]


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    result = warta("stats", db_url=f"sqlite:///{tmp_path / 'missing' / 'archive.db'}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "no archive at" in result.stderr


def test_the_shipped_registry_lists_real_sites() -> None:
    result = warta("sites")
    assert result.returncode == 0, result.stderr
    assert "antara-sumsel" in result.stdout and "Sumatera Selatan" in result.stdout


@pytest.fixture
def filled(db_url: str, writer) -> str:  # type: ignore[no-untyped-def]
    store = ArchiveStore(writer)
    store.ensure_site(SiteInfo("banyuasin", "http://a.test/", "Sumatera Selatan", "Banyuasin"))
    text = "Pemkab Banyuasin menggelar rembuk stunting tingkat kabupaten tahun ini. " * 8
    store.save(page("http://a.test/rembuk/", text, tags=[FakeTag("stunting")],
                    taxonomy_version="v1"))
    return db_url


def test_search_and_export_through_the_cli(filled: str, tmp_path: Path) -> None:
    hits = warta("search", "rembuk stunting", "--tag", "stunting", "--region",
                 "Sumatera Selatan", "--since", "2024-01-01", db_url=filled)
    assert hits.returncode == 0, hits.stderr
    assert "Rembuk Stunting" in hits.stdout and "[rembuk]" in hits.stdout.lower()
    out = tmp_path / "out.jsonl"
    exported = warta("export", "--tag", "stunting", "-o", str(out), db_url=filled)
    assert exported.returncode == 0, exported.stderr
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["url"] == "http://a.test/rembuk/" and record["tags"] == ["stunting"]
    assert warta("export", "--since", "tomorrow", db_url=filled).returncode == 2


def test_db_check_reports_no_drift(db_url: str) -> None:
    result = warta("db", "check", db_url=db_url)
    assert result.returncode == 0, result.stderr
    assert "no drift" in result.stdout
