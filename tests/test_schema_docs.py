"""docs/schema.md as data (archive/reading/schema_docs.py): the parser, and every table, view and
column of a migrated archive documented there (what `warta serve` shows as descriptions)."""

from __future__ import annotations

from sqlalchemy import inspect

from archive.reading.schema_docs import load_schema_doc, parse_schema_doc
from archive.store.db import make_engine
from warta.browse import HIDDEN_TABLES, datasette_metadata

SAMPLE = """# The archive schema
Intro text that belongs to no table.

## sites — one row per news outlet
Refreshed from the registry.

| column | type | meaning |
|---|---|---|
| id | int PK | |
| name | text unique | registry name (`scrapy crawl NAME`) |
| etag, last_modified | text null | validators |

### v_counts — articles per **day**
| column | meaning |
|---|---|
| day | the local day |

## Example queries
| not | a table |
"""


def test_headings_paragraphs_and_tables_become_descriptions() -> None:
    docs = parse_schema_doc(SAMPLE)
    assert list(docs) == ["sites", "v_counts"]
    assert docs["sites"].description == "one row per news outlet. Refreshed from the registry."
    assert docs["sites"].columns == {
        "id": "int PK",
        "name": "registry name (scrapy crawl NAME) (text unique)",
        "etag": "validators (text null)",
        "last_modified": "validators (text null)",
    }
    assert docs["v_counts"].description == "articles per day"
    assert docs["v_counts"].columns == {"day": "the local day"}


def test_every_table_view_and_column_of_the_archive_is_documented(sqlite_db_url: str) -> None:
    docs = load_schema_doc()
    engine = make_engine(sqlite_db_url)
    try:
        inspector = inspect(engine)
        names = inspector.get_table_names() + inspector.get_view_names()
        shown = [n for n in names
                 if n not in HIDDEN_TABLES and not n.startswith("articles_fts")]
        missing = [n for n in shown if n not in docs or not docs[n].description]
        missing += [f"{n}.{c['name']}" for n in shown if n in docs
                    for c in inspector.get_columns(n) if not docs[n].columns.get(c["name"])]
    finally:
        engine.dispose()
    assert {"articles", "v_articles", "v_stories", "crawl_runs"} <= set(shown)
    assert missing == []


def test_metadata_carries_the_docs_search_and_canned_queries() -> None:
    metadata = datasette_metadata("snapshot")["databases"]["snapshot"]
    articles = metadata["tables"]["v_articles"]
    assert articles["fts_table"] == "articles_fts" and articles["fts_pk"] == "article_id"
    assert articles["columns"]["tags"].startswith("the article's taxonomy tags")
    assert metadata["tables"]["alembic_version"] == {"hidden": True}
    assert "quiet_sites" in metadata["queries"]
