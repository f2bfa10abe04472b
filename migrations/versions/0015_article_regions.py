"""Where the story happened: the regencies and cities each article is about.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01

`regencies` holds the gazetteer's kabupaten and kota (reference data, filled here from
archive/tagging/regions.toml and refreshed by `warta retag`); `article_regions` the region tags
with their evidence, like `article_tags`; `articles.gazetteer_version` says which gazetteer last
tagged an article's regions, so a retag finds the stale ones (an article about no regency has no
row to carry it). `v_articles` gains `regencies`, and `v_article_regions` gives one row per
article and regency, for facets and charts.

SQLite: the column is added with ALTER TABLE ADD COLUMN, never by copying `articles` (see 0003).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIB_OFFSET_MINUTES = 420

regencies = sa.table(
    "regencies",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("short_name", sa.String),
    sa.column("kind", sa.String),
    sa.column("province_code", sa.String),
    sa.column("province", sa.String),
)

# --- views -----------------------------------------------------------------------------------------
# v_articles as migration 0003 made it, plus `regencies`.

OFFSET = f"coalesce(a.published_utc_offset_minutes, {WIB_OFFSET_MINUTES})"
PUBLISHED = {
    "sqlite": f"""CASE WHEN a.published_at IS NOT NULL THEN
        strftime('%Y-%m-%dT%H:%M:%S', a.published_at, {OFFSET} || ' minutes')
        || CASE WHEN {OFFSET} < 0 THEN '-' ELSE '+' END
        || printf('%02d:%02d', abs({OFFSET}) / 60, abs({OFFSET}) % 60)
        ELSE a.published_date END""",
    "postgresql": f"""CASE WHEN a.published_at IS NOT NULL THEN
        to_char((a.published_at AT TIME ZONE 'UTC') + make_interval(mins => {OFFSET}),
                'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN {OFFSET} < 0 THEN '-' ELSE '+' END
        || lpad((abs({OFFSET}) / 60)::text, 2, '0') || ':'
        || lpad((abs({OFFSET}) % 60)::text, 2, '0')
        ELSE to_char(a.published_date, 'YYYY-MM-DD') END""",
}
TAG_LIST = {
    "sqlite": "(SELECT group_concat(tag, ',') FROM "
    "(SELECT tag FROM article_tags t WHERE t.article_id = a.id ORDER BY tag))",
    "postgresql": "(SELECT string_agg(tag, ',' ORDER BY tag) FROM article_tags t "
    "WHERE t.article_id = a.id)",
}
# The article's regencies by name, the strongest first (ties by code), comma-separated.
REGENCY_LIST = {
    "sqlite": "(SELECT group_concat(name, ',') FROM "
    "(SELECT coalesce(g.name, r.region_code) AS name FROM article_regions r "
    "LEFT JOIN regencies g ON g.code = r.region_code WHERE r.article_id = a.id "
    "ORDER BY r.score DESC, r.region_code))",
    "postgresql": "(SELECT string_agg(coalesce(g.name, r.region_code), ',' "
    "ORDER BY r.score DESC, r.region_code) FROM article_regions r "
    "LEFT JOIN regencies g ON g.code = r.region_code WHERE r.article_id = a.id)",
}
DAY_TEXT = {
    "sqlite": "a.published_date",
    "postgresql": "to_char(a.published_date, 'YYYY-MM-DD')",
}


def _v_articles(dialect: str, *, with_regencies: bool) -> str:
    regencies_column = f"{REGENCY_LIST[dialect]} AS regencies, " if with_regencies else ""
    return f"""CREATE VIEW v_articles AS
        SELECT a.id AS article_id, a.canonical_url AS url, s.name AS site, s.province,
               s.regency, a.title, a.author, {PUBLISHED[dialect]} AS published, a.published_at,
               {DAY_TEXT[dialect]} AS published_date, a.published_utc_offset_minutes,
               a.language, a.word_count,
               a.cluster_id, a.original_id, o.canonical_url AS original_url,
               {TAG_LIST[dialect]} AS tags, {regencies_column}a.first_fetched_at,
               a.last_changed_at, a.text
        FROM articles a JOIN sites s ON s.id = a.site_id
        LEFT JOIN articles o ON o.id = a.original_id"""


def _v_article_regions(dialect: str) -> str:
    return f"""CREATE VIEW v_article_regions AS
        SELECT r.article_id, s.name AS site, {DAY_TEXT[dialect]} AS published_date,
               r.region_code AS regency_code, g.name AS regency, g.kind, g.province,
               r.score, r.in_dateline, r.in_title, r.in_body, {TAG_LIST[dialect]} AS tags
        FROM article_regions r
        JOIN articles a ON a.id = r.article_id
        JOIN sites s ON s.id = a.site_id
        LEFT JOIN regencies g ON g.code = r.region_code"""


# --- upgrade / downgrade ---------------------------------------------------------------------------


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS v_articles")
    op.create_table(
        "regencies",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("short_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regencies")),
    )
    op.create_table(
        "article_regions",
        sa.Column("article_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched_forms", sa.JSON(), nullable=False),
        sa.Column("in_dateline", sa.Boolean(), nullable=False),
        sa.Column("in_title", sa.Boolean(), nullable=False),
        sa.Column("in_body", sa.Boolean(), nullable=False),
        sa.Column("gazetteer_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"],
            name=op.f("fk_article_regions_article_id_articles"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "region_code", name=op.f("pk_article_regions")),
    )
    op.create_index("ix_article_regions_region_code", "article_regions", ["region_code"])
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gazetteer_version", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_gazetteer_version"), ["gazetteer_version"])
    _fill_regencies()
    op.execute(_v_articles(dialect, with_regencies=True))
    op.execute(_v_article_regions(dialect))


def _fill_regencies() -> None:
    # The gazetteer as this checkout ships it: reference data, not history (`warta retag`
    # refreshes the rows when the gazetteer changes).
    from archive.tagging.gazetteer import load_gazetteer, regency_rows

    rows = regency_rows(load_gazetteer())
    if rows:
        op.get_bind().execute(regencies.insert(), rows)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS v_article_regions")
    op.execute("DROP VIEW IF EXISTS v_articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_gazetteer_version"))
    # ALTER TABLE DROP COLUMN (SQLite >= 3.35), never a table copy: see 0003.
    op.execute("ALTER TABLE articles DROP COLUMN gazetteer_version")
    op.drop_index("ix_article_regions_region_code", table_name="article_regions")
    op.drop_table("article_regions")
    op.drop_table("regencies")
    op.execute(_v_articles(dialect, with_regencies=False))
