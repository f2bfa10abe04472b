"""Analyst views with the same column types on every database.

Revision ID: 0012
Revises: 0002
Create Date: 2026-12-01

On PostgreSQL, v_articles.published_day_wib and v_daily_counts.day were `date` columns while
SQLite gives 'YYYY-MM-DD' text, so the documented queries (`substr(day, 1, 7)`) failed there.
Both are now 'YYYY-MM-DD' text on both databases; SQLite's views are unchanged.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The WIB (UTC+7) calendar day of a UTC timestamp on PostgreSQL: as a date (0002), as text (here).
DAY_AS_DATE = "(({col}) AT TIME ZONE 'Asia/Jakarta')::date"
DAY_AS_TEXT = "to_char(({col}) AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD')"
TAG_LIST = (
    "(SELECT string_agg(tag, ',' ORDER BY tag) FROM article_tags t WHERE t.article_id = a.id)"
)


def _postgres_views(wib_day: str) -> list[str]:
    day = wib_day.format(col="a.published_at")
    return [
        "DROP VIEW IF EXISTS v_daily_counts",
        "DROP VIEW IF EXISTS v_articles",
        f"""CREATE VIEW v_articles AS
        SELECT a.id AS article_id, a.canonical_url AS url, s.name AS site, s.province,
               s.regency, a.title, a.author, a.published_at, {day} AS published_day_wib,
               a.language, a.word_count, a.cluster_id, {TAG_LIST} AS tags,
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
    if op.get_bind().dialect.name == "postgresql":
        for statement in _postgres_views(DAY_AS_TEXT):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _postgres_views(DAY_AS_DATE):
            op.execute(statement)
