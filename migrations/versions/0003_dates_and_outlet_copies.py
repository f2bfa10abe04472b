"""Published dates with their meaning kept; every outlet's copy of a story its own article.

Revision ID: 0003
Revises: 0012
Create Date: 2026-12-01

Dates: `articles.published_date` (the outlet's local calendar day, whenever a date is known) and
`articles.published_utc_offset_minutes` (the outlet's offset, to give the local time back) are
added; `published_at` now holds an instant only when the page states a time of day. Existing
rows get their day from `published_at` in WIB, the zone every earlier row was stored in, and
rows whose time was unknown lose their made-up midnight instant.

Copies: `articles.original_id` links a verbatim copy on another outlet to the earliest published
article of its text. Each old `syndication` URL becomes an article of its own site, a copy of
the article it was recorded under: same text, tags, cluster and near-duplicate signature; its
own title and date are unknown until the next crawl fetches it (a row without revisions takes
the page's fields then).

The views are rebuilt on the local day, and `v_stories` gives one row per story.

SQLite note: the columns are added with ALTER TABLE ADD COLUMN, never by copying the table:
with foreign keys on (they are, inside the migration's transaction), dropping the old
`articles` table would cascade-delete every URL, revision and tag. That is why `original_id`
carries no foreign-key constraint; the store keeps it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIB_OFFSET_MINUTES = 420

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
articles = sa.table(
    "articles",
    sa.column("id", Id),
    sa.column("site_id", Id),
    sa.column("canonical_url", sa.String),
    sa.column("title", sa.Text),
    sa.column("author", sa.String),
    sa.column("published_at", sa.DateTime(timezone=True)),
    sa.column("published_time_known", sa.Boolean),
    sa.column("published_date", sa.Date),
    sa.column("published_utc_offset_minutes", sa.SmallInteger),
    sa.column("language", sa.String),
    sa.column("text", sa.Text),
    sa.column("text_hash", sa.String),
    sa.column("word_count", sa.Integer),
    sa.column("cluster_id", Id),
    sa.column("original_id", Id),
    sa.column("taxonomy_version", sa.String),
    sa.column("first_fetched_at", sa.DateTime(timezone=True)),
    sa.column("last_fetched_at", sa.DateTime(timezone=True)),
    sa.column("last_changed_at", sa.DateTime(timezone=True)),
)
article_urls = sa.table(
    "article_urls",
    sa.column("id", Id),
    sa.column("article_id", Id),
    sa.column("site_id", Id),
    sa.column("url", sa.String),
    sa.column("kind", sa.String),
    sa.column("first_seen_at", sa.DateTime(timezone=True)),
    sa.column("last_seen_at", sa.DateTime(timezone=True)),
)
TAG_COLUMNS = ("tag", "match_count", "matched_terms", "in_title", "in_body", "score",
               "taxonomy_version")
article_tags = sa.table("article_tags", sa.column("article_id", Id),
                        *(sa.column(c) for c in TAG_COLUMNS))
minhashes = sa.table("article_minhashes", sa.column("article_id", Id), sa.column("signature"),
                     sa.column("scheme"))
buckets = sa.table("lsh_buckets", sa.column("band"), sa.column("bucket"),
                   sa.column("article_id", Id))

# --- views -----------------------------------------------------------------------------------------

# `published` as ISO 8601: the local time with its offset when the time is known, else the day.
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
STORY_SITES = {
    "sqlite": "(SELECT group_concat(name, ',') FROM (SELECT DISTINCT s2.name FROM articles x "
    "JOIN sites s2 ON s2.id = x.site_id WHERE x.cluster_id = r.cluster_id ORDER BY s2.name))",
    "postgresql": "(SELECT string_agg(DISTINCT s2.name, ',' ORDER BY s2.name) FROM articles x "
    "JOIN sites s2 ON s2.id = x.site_id WHERE x.cluster_id = r.cluster_id)",
}
# The local day as 'YYYY-MM-DD' text on both databases (a `date` on PostgreSQL would break the
# documented `substr(day, 1, 7)`; see migration 0012).
DAY_TEXT = {
    "sqlite": "{table}.published_date",
    "postgresql": "to_char({table}.published_date, 'YYYY-MM-DD')",
}
# Earliest published first, whatever the crawl order; a day without a time counts as the start
# of its day (archive/identity/copies.py sorts the same way).
FIRST_PUBLISHED = (
    "(a.published_date IS NULL), a.published_date, (a.published_at IS NOT NULL), a.published_at, "
    "a.canonical_url"
)


def _views(dialect: str) -> list[str]:
    published = PUBLISHED[dialect]
    day = DAY_TEXT[dialect].format(table="a")
    first_day = DAY_TEXT[dialect].format(table="r")
    return [
        f"""CREATE VIEW v_articles AS
        SELECT a.id AS article_id, a.canonical_url AS url, s.name AS site, s.province,
               s.regency, a.title, a.author, {published} AS published, a.published_at,
               {day} AS published_date, a.published_utc_offset_minutes, a.language,
               a.word_count,
               a.cluster_id, a.original_id, o.canonical_url AS original_url,
               {TAG_LIST[dialect]} AS tags, a.first_fetched_at, a.last_changed_at, a.text
        FROM articles a JOIN sites s ON s.id = a.site_id
        LEFT JOIN articles o ON o.id = a.original_id""",
        f"""CREATE VIEW v_daily_counts AS
        SELECT {day} AS day, t.tag AS tag, s.name AS site, s.province, s.regency,
               count(*) AS articles
        FROM articles a
        JOIN sites s ON s.id = a.site_id
        LEFT JOIN article_tags t ON t.article_id = a.id
        WHERE a.published_date IS NOT NULL
        GROUP BY a.published_date, t.tag, s.name, s.province, s.regency""",
        f"""CREATE VIEW v_stories AS
        WITH ranked AS (
            SELECT a.cluster_id, a.id, a.site_id, a.canonical_url, a.title, a.published_date,
                   {published} AS published,
                   row_number() OVER (PARTITION BY a.cluster_id ORDER BY {FIRST_PUBLISHED})
                       AS position
            FROM articles a WHERE a.cluster_id IS NOT NULL)
        SELECT r.cluster_id, r.published AS first_published,
               {first_day} AS first_published_date, s.name AS first_site,
               r.canonical_url AS first_url, r.title AS first_title,
               (SELECT count(DISTINCT x.site_id) FROM articles x
                WHERE x.cluster_id = r.cluster_id) AS outlets,
               (SELECT count(*) FROM articles x WHERE x.cluster_id = r.cluster_id) AS articles,
               (SELECT count(*) FROM articles x
                WHERE x.cluster_id = r.cluster_id AND x.original_id IS NOT NULL)
                   AS verbatim_copies,
               {STORY_SITES[dialect]} AS sites
        FROM ranked r JOIN sites s ON s.id = r.site_id
        WHERE r.position = 1""",
    ]


# The WIB day of a UTC instant, as a date (for the data migration).
WIB_DAY = {
    "sqlite": "date({col}, '+7 hours')",
    "postgresql": "(({col}) AT TIME ZONE 'Asia/Jakarta')::date",
}
# The views of migration 0012 (0002's, with text days on PostgreSQL), for downgrade.
WIB_DAY_TEXT = {
    "sqlite": "date({col}, '+7 hours')",
    "postgresql": "to_char(({col}) AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD')",
}


def _views_0002(dialect: str) -> list[str]:
    day = WIB_DAY_TEXT[dialect].format(col="a.published_at")
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


# --- upgrade ---------------------------------------------------------------------------------------


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.execute("DROP VIEW IF EXISTS v_daily_counts")
    op.execute("DROP VIEW IF EXISTS v_articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("published_utc_offset_minutes", sa.SmallInteger(), nullable=True)
        )
        batch_op.add_column(sa.Column("original_id", Id, nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_original_id"), ["original_id"])
        batch_op.create_index(batch_op.f("ix_articles_published_date"), ["published_date"])
    _migrate_dates(bind)
    _migrate_syndication(bind)
    for statement in _views(dialect):
        op.execute(statement)


def _migrate_dates(bind: sa.Connection) -> None:
    wib_day = WIB_DAY[bind.dialect.name].format(col="published_at")
    known = articles.c.published_time_known.is_(sa.true())
    bind.execute(
        articles.update()
        .where(articles.c.published_at.is_not(None))
        .values(published_date=sa.literal_column(wib_day))
    )
    bind.execute(
        articles.update()
        .where(articles.c.published_at.is_not(None), known)
        .values(published_utc_offset_minutes=WIB_OFFSET_MINUTES)
    )
    bind.execute(
        articles.update()
        .where(articles.c.published_at.is_not(None), ~known)
        .values(published_at=None, published_time_known=False)
    )


def _migrate_syndication(bind: sa.Connection) -> None:
    copies = bind.execute(
        sa.select(article_urls.c.id, article_urls.c.article_id, article_urls.c.site_id,
                  article_urls.c.url, article_urls.c.first_seen_at, article_urls.c.last_seen_at)
        .where(article_urls.c.kind == "syndication")
        .order_by(article_urls.c.id)
    ).all()
    for url_id, original_id, site_id, url, first_seen, last_seen in copies:
        original = bind.execute(
            sa.select(articles).where(articles.c.id == original_id)
        ).mappings().one()
        new_id = bind.execute(
            articles.insert().values(
                site_id=site_id,
                canonical_url=url,
                title=original["title"],
                author=None,
                published_at=None,
                published_time_known=False,
                published_date=None,
                published_utc_offset_minutes=None,
                language=original["language"],
                text=original["text"],
                text_hash=original["text_hash"],
                word_count=original["word_count"],
                cluster_id=original["cluster_id"],
                original_id=original_id,
                taxonomy_version=original["taxonomy_version"],
                first_fetched_at=first_seen,
                last_fetched_at=last_seen,
                last_changed_at=first_seen,
            ).returning(articles.c.id)
        ).scalar_one()
        bind.execute(
            article_urls.update()
            .where(article_urls.c.id == url_id)
            .values(article_id=new_id, kind="canonical")
        )
        _copy_rows(bind, article_tags, TAG_COLUMNS, original_id, new_id)
        _copy_rows(bind, minhashes, ("signature", "scheme"), original_id, new_id)
        _copy_rows(bind, buckets, ("band", "bucket"), original_id, new_id)


def _copy_rows(
    bind: sa.Connection, table: sa.TableClause, columns: Sequence[str], source: int, target: int
) -> None:
    """Give article `target` a copy of `source`'s rows of `table` (keyed by article_id)."""
    select = sa.select(sa.literal(target).label("article_id"), *(table.c[c] for c in columns))
    bind.execute(
        table.insert().from_select(
            ["article_id", *columns], select.where(table.c.article_id == source)
        )
    )


# --- downgrade -------------------------------------------------------------------------------------


def downgrade() -> None:
    """Back to one row per text: copies become 'syndication' URLs of their original again, and
    day-only dates a midnight WIB instant."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.execute("DROP VIEW IF EXISTS v_stories")
    op.execute("DROP VIEW IF EXISTS v_daily_counts")
    op.execute("DROP VIEW IF EXISTS v_articles")
    copies = bind.execute(
        sa.select(articles.c.id, articles.c.original_id).where(articles.c.original_id.is_not(None))
    ).all()
    for copy_id, original_id in copies:
        bind.execute(
            article_urls.update()
            .where(article_urls.c.article_id == copy_id)
            .values(article_id=original_id, kind="syndication")
        )
        bind.execute(articles.delete().where(articles.c.id == copy_id))
    midnight = {
        "sqlite": "datetime(published_date, '-7 hours')",
        "postgresql": "(published_date::timestamp AT TIME ZONE 'Asia/Jakarta')",
    }[dialect]
    bind.execute(
        articles.update()
        .where(articles.c.published_at.is_(None), articles.c.published_date.is_not(None))
        .values(published_at=sa.literal_column(midnight), published_time_known=False)
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_published_date"))
        batch_op.drop_index(batch_op.f("ix_articles_original_id"))
    # ALTER TABLE DROP COLUMN (SQLite >= 3.35), never a table copy: see the module docstring.
    for column in ("original_id", "published_utc_offset_minutes", "published_date"):
        op.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    for statement in _views_0002(dialect):
        op.execute(statement)
