"""`warta serve`: the archive in a browser, with Datasette.

Datasette reads the archive file read-only (`mode=ro`, or `immutable=1` for a file nobody
writes) and shows what docs/schema.md says about every table, view and column
(archive/reading/schema_docs.py), full-text search over articles, facets and the canned queries
of archive/reading/canned_queries.py. A PostgreSQL archive is served through its SQLite snapshot
(`warta export --format sqlite -o snapshot.db`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archive.reading.canned_queries import CANNED_QUERIES
from archive.reading.schema_docs import TableDoc, load_schema_doc

TITLE = "warta: Bangga Kencana and stunting in Sumatra's regional news"
# Tables of tools and of the near-duplicate index (docs/schema.md): nothing an analyst reads.
HIDDEN_TABLES = (
    "alembic_version", "apscheduler_jobs", "lsh_buckets", "article_minhashes",
)
# The facets each table or view opens with (Datasette's own, and warta/browse_facets.py's
# `month` and `list`).
FACETS: dict[str, list[Any]] = {
    "v_articles": [{"list": "tags"}, "site", "province", {"list": "regencies"},
                   {"month": "published_date"}, "regency"],
    # Where the story happened (article_regions), not the outlet's region.
    "v_article_regions": ["province", "regency", {"list": "tags"}, {"month": "published_date"},
                          "site", "kind"],
    "regencies": ["province", "kind"],
    "articles": ["site_id", {"month": "published_date"}, "language"],
    "article_tags": ["tag"],
    "v_daily_counts": ["tag", "site", "province", "regency", {"month": "day"}],
    "v_stories": ["first_site", "outlets"],
    "crawl_runs": ["status", "site_id", "finish_reason"],
    "sites": ["province"],
}
# Full-text search: the FTS5 table of migration 0002 indexes articles (rowid = articles.id),
# so the views keyed by an article id search it too.
FULL_TEXT = {
    "articles": {"fts_table": "articles_fts", "fts_pk": "id"},
    "v_articles": {"fts_table": "articles_fts", "fts_pk": "article_id"},
    "v_article_regions": {"fts_table": "articles_fts", "fts_pk": "article_id"},
}
# Newest first. Not v_stories: its rows cost a window over every article (8 s for 50 rows at
# 100k articles); the stories_by_outlets canned query ranks stories faster.
SORT_DESC = {"v_articles": "published_date", "articles": "published_date",
             "crawl_runs": "started_at"}
# Over 100k articles a facet takes seconds and a coverage query up to 10 s on a busy 2-core
# machine (bench/browse_bench.py), past Datasette's defaults (200 ms, 1 s). A local server for
# analysts can wait; a facet over its limit is left out of the page, not an error.
# Suggested facets are off: they try every column at each page load.
SETTINGS = {"facet_time_limit_ms": "5000", "sql_time_limit_ms": "30000",
            "suggest_facets": "off", "default_page_size": "50"}


class NotServable(ValueError):
    """The file cannot be served (not there, not SQLite, not a warta archive)."""


def database_name(db_file: Path) -> str:
    """Datasette names a database after its file's stem: `/archive/...` for archive.db."""
    return db_file.stem


def table_metadata(doc: TableDoc) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": doc.description, "columns": dict(doc.columns)}
    if doc.name in FACETS:
        entry["facets"] = FACETS[doc.name]
    entry.update(FULL_TEXT.get(doc.name, {}))
    if doc.name in SORT_DESC:
        entry["sort_desc"] = SORT_DESC[doc.name]
    return entry


def datasette_metadata(db_name: str, docs: dict[str, TableDoc] | None = None) -> dict[str, Any]:
    """Datasette's metadata for an archive served as `db_name`: descriptions from
    docs/schema.md, search, facets and the canned queries."""
    docs = load_schema_doc() if docs is None else docs
    tables = {name: table_metadata(doc) for name, doc in docs.items()}
    tables.update({name: {"hidden": True} for name in HIDDEN_TABLES})
    queries = {q.name: {"title": q.title, "description": q.description, "sql": q.sql}
               for q in CANNED_QUERIES}
    return {
        "title": TITLE,
        "description": "The warta archive: one row per outlet's article, its tags, stories "
                       "across outlets and every crawl run. Column meanings: docs/schema.md.",
        "databases": {db_name: {
            "description": "Articles, stories, tags and crawl runs (docs/schema.md).",
            "tables": tables,
            "queries": queries,
        }},
    }


def check_archive(db_file: Path) -> str | None:
    """Raise NotServable unless `db_file` is a SQLite file holding a warta archive; returns its
    schema revision."""
    if not db_file.is_file():
        raise NotServable(f"no archive at {db_file}: crawl into it first (`warta demo`) or "
                          "give the path of an archive file")
    try:
        conn = sqlite3.connect(f"file:{db_file.resolve()}?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone()
                        if "alembic_version" in names else None)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotServable(f"{db_file} is not a SQLite database ({exc})") from exc
    if "articles" not in names or "v_articles" not in names:
        raise NotServable(f"{db_file} is not a warta archive (no articles table or v_articles "
                          "view): run `warta db upgrade` on it, or give another file")
    return revision[0] if revision else None


def check_port_free(host: str, port: int) -> None:
    """Raise NotServable when `host:port` cannot be listened on (another server has it), before
    Datasette's startup prints a traceback-like log for it."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise NotServable(f"cannot listen on {host}:{port} ({reason}): choose another with "
                          "--port") from exc


def must_be_immutable(db_file: Path) -> bool:
    """A file in a directory we cannot write is read as an immutable snapshot: `mode=ro` on a
    WAL archive needs to create its -shm file beside it."""
    return not os.access(db_file.resolve().parent, os.W_OK)


def serve_argv(db_file: Path, metadata_file: Path, *, host: str, port: int,
               immutable: bool, open_browser: bool = False) -> list[str]:
    """The `datasette serve` arguments."""
    # -i FILE: immutable; a plain FILE is opened mode=ro, so a live crawl's rows show up.
    argv = ["serve", "-i", str(db_file)] if immutable else ["serve", str(db_file)]
    argv += ["--metadata", str(metadata_file), "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        argv += ["--setting", name, value]
    if open_browser:
        argv.append("--open")
    return argv


def serve(db_file: Path, *, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False,
          open_browser: bool = False, warn: Callable[[str], None] = print) -> None:
    """Run Datasette on `db_file` until interrupted."""
    from datasette import cli as datasette_cli
    from datasette.plugins import pm

    from archive.reading.snapshot import head_revision
    from warta import browse_facets

    revision, head = check_archive(db_file), head_revision()
    if revision != head:
        # Served all the same (read-only, nothing to migrate), but newer views may be missing.
        warn(f"warning: {db_file} is at schema revision {revision}, this warta's is {head}: "
             "some views and canned queries may fail; `warta db upgrade` brings it up to date")
    check_port_free(host, port)
    if not pm.is_registered(browse_facets):
        pm.register(browse_facets, name="warta-facets")
    immutable = immutable or must_be_immutable(db_file)
    with tempfile.TemporaryDirectory(prefix="warta-serve-") as tmp:
        metadata_file = Path(tmp) / "metadata.json"
        metadata_file.write_text(
            json.dumps(datasette_metadata(database_name(db_file)), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        argv = serve_argv(db_file, metadata_file, host=host, port=port, immutable=immutable,
                          open_browser=open_browser)
        datasette_cli.cli.main(argv, prog_name="warta serve", standalone_mode=False)
