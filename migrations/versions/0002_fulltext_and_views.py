"""Full-text index on articles and the analyst views v_articles and v_daily_counts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

SQLite: an FTS5 external-content table kept in sync with `articles` by triggers.
PostgreSQL: a GIN index on a 'simple' tsvector of title and text.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]
SQLITE_FTS_DOWN = [
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TABLE IF EXISTS articles_fts",
]
POSTGRES_FTS = [
    """CREATE INDEX ix_articles_fulltext ON articles USING gin (
        to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, '')))""",
]
POSTGRES_FTS_DOWN = ["DROP INDEX IF EXISTS ix_articles_fulltext"]

# The WIB (UTC+7) calendar day of a UTC timestamp, and a sorted tag list, per dialect.
WIB_DAY = {
    "sqlite": "date({col}, '+7 hours')",
    "postgresql": "(({col}) AT TIME ZONE 'Asia/Jakarta')::date",
}
TAG_LIST = {
    "sqlite": "(SELECT group_concat(tag, ',') FROM "
    "(SELECT tag FROM article_tags t WHERE t.article_id = a.id ORDER BY tag))",
    "postgresql": "(SELECT string_agg(tag, ',' ORDER BY tag) FROM article_tags t "
    "WHERE t.article_id = a.id)",
}


def _views(dialect: str) -> list[str]:
    day = WIB_DAY[dialect].format(col="a.published_at")
    return [
        f"""CREATE VIEW v_articles AS
        SELECT a.id AS article_id, a.canonical_url AS url, s.name AS site, s.province,
               s.regency, a.title, a.author, a.published_at, {day} AS published_day_wib,
               a.language, a.word_count, a.cluster_id, {TAG_LIST[dialect]} AS tags,
               a.first_fetched_at, a.last_changed_at, a.text
        FROM articles a JOIN sites s ON s.id = a.site_id""",
        f"""CREATE VIEW v_daily_counts AS
        SELECT {day} AS day, t.tag AS tag, s.name AS site, s.province, s.regency,
               count(*) AS articles
        FROM articles a
        JOIN sites s ON s.id = a.site_id
        LEFT JOIN article_tags t ON t.article_id = a.id
        WHERE a.published_at IS NOT NULL
        GROUP BY {day}, t.tag, s.name, s.province, s.regency""",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_FTS, "postgresql": POSTGRES_FTS}.get(dialect, [])
    for statement in [*statements, *_views(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS v_daily_counts")
    op.execute("DROP VIEW IF EXISTS v_articles")
    for statement in {"sqlite": SQLITE_FTS_DOWN, "postgresql": POSTGRES_FTS_DOWN}.get(dialect, []):
        op.execute(statement)
