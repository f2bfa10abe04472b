"""The questions the coverage report answers, as SQL: one query per chart, over the portable
views (`v_daily_counts`, `v_articles`, `v_stories`, `v_article_regions`) and `crawl_runs`.

Each query is a SQLAlchemy `select()` narrowed by a `ReportFilter`, compiled for the archive's
dialect with its values written in, and run as that text: the SQL the report shows under a chart
is exactly the SQL that drew it, and an analyst can paste it into `sqlite3` or `psql`. Every
aggregate is done by the database; Python only receives the grouped rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session

from archive.store.models import ArticleTag, CrawlRun, Site

# The analyst views of the migrations (docs/schema.md), as far as the report reads them.
V_DAILY_COUNTS = table(
    "v_daily_counts", column("day"), column("tag"), column("site"), column("province"),
    column("regency"), column("articles"),
)
V_ARTICLES = table(
    "v_articles", column("article_id"), column("site"), column("province"), column("regency"),
    column("published_date"), column("cluster_id"),
)
V_ARTICLE_REGIONS = table(
    "v_article_regions", column("article_id"), column("site"), column("published_date"),
    column("regency_code"), column("regency"), column("kind"), column("province"),
    column("score"),
)
V_STORIES = table(
    "v_stories", column("cluster_id"), column("first_published_date"), column("first_site"),
    column("first_title"), column("first_url"), column("outlets"), column("articles"),
    column("verbatim_copies"),
)

# Bars beyond these are summed up in the caption rather than drawn.
TOP_REGIONS = 30
TOP_TERMS_PER_TAG = 12


@dataclass(slots=True, frozen=True)
class ReportFilter:
    """What the report covers: articles published in [since, until] (the outlet's local day),
    carrying any of `tags`, from outlets in any of `provinces` (case-insensitive). In the
    where-it-happened charts `provinces` are those of the regencies the articles are about."""

    since: date | None = None
    until: date | None = None
    tags: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()

    def describe(self) -> str:
        """The filter in words, for the page's header."""
        parts = []
        if self.since or self.until:
            parts.append(
                f"published {self.since.isoformat() if self.since else '…'} to "
                f"{self.until.isoformat() if self.until else '…'}"
            )
        if self.tags:
            parts.append("tagged " + " or ".join(self.tags))
        if self.provinces:
            parts.append("from outlets in " + " or ".join(self.provinces))
        return "; ".join(parts) or "the whole archive"

    # --- the filter as SQL conditions, for each source ----------------------------------------
    def days(self, day: ColumnElement[Any]) -> list[ColumnElement[bool]]:
        """Conditions on a 'YYYY-MM-DD' text day (every view's days are text on both databases,
        so these compare as text and need no date literal)."""
        conditions = []
        if self.since:
            conditions.append(day >= self.since.isoformat())
        if self.until:
            conditions.append(day <= self.until.isoformat())
        return conditions

    def province_in(self, province: ColumnElement[Any]) -> list[ColumnElement[bool]]:
        if not self.provinces:
            return []
        return [func.lower(province).in_(sorted({p.casefold() for p in self.provinces}))]

    def tagged(self, article_id: ColumnElement[Any]) -> list[ColumnElement[bool]]:
        """The article carries one of the filter's tags."""
        if not self.tags:
            return []
        return [
            exists().where(ArticleTag.article_id == article_id, ArticleTag.tag.in_(self.tags))
        ]

    def articles(self) -> list[ColumnElement[bool]]:
        """The whole filter on `v_articles`."""
        va = V_ARTICLES.c
        return [
            *self.days(va.published_date),
            *self.province_in(va.province),
            *self.tagged(va.article_id),
        ]


@dataclass(slots=True)
class QueryResult:
    sql: str
    """The SQL as run, values written in."""
    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def run(session: Session, query: Select[Any]) -> QueryResult:
    """Run `query` as the literal SQL the report shows."""
    sql = str(
        query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    result = session.execute(text(sql))
    return QueryResult(sql, list(result.keys()), [tuple(row) for row in result])


# --- the charts' queries -------------------------------------------------------------------------
@dataclass(slots=True, frozen=True)
class SqlContext:
    """What a query needs to know about the archive besides the filter."""

    dialect: str = "sqlite"
    """The database's dialect name: JSON arrays and time zones are written differently."""
    timezone: str = "Asia/Jakarta"
    """The daemon's zone (WARTA_TIMEZONE): a crawl night is a local day in it."""


QueryBuilder = Callable[[ReportFilter, SqlContext], Select[Any]]


def monthly_by_tag(where: ReportFilter, _context: SqlContext) -> Select[Any]:
    """Articles per month per tag (an article with two tags counts for both)."""
    d = V_DAILY_COUNTS.c
    month = func.substr(d.day, literal_column("1"), literal_column("7")).label("month")
    conditions = [d.tag.is_not(None), *where.days(d.day), *where.province_in(d.province)]
    if where.tags:
        conditions.append(d.tag.in_(where.tags))
    return (
        select(month, d.tag, func.sum(d.articles).label("articles"))
        .where(*conditions)
        .group_by(month, d.tag)
        .order_by(month, d.tag)
    )


def by_province(where: ReportFilter, _context: SqlContext) -> Select[Any]:
    """Articles per province of their outlet."""
    va = V_ARTICLES.c
    articles = func.count().label("articles")
    return (
        select(va.province, articles)
        .where(*where.articles())
        .group_by(va.province)
        .order_by(articles.desc(), va.province)
    )


def by_story_province(where: ReportFilter, _context: SqlContext) -> Select[Any]:
    """Articles per province they are about (of the regencies tagged in them)."""
    vr = V_ARTICLE_REGIONS.c
    articles = func.count(vr.article_id.distinct()).label("articles")
    return (
        select(vr.province, articles)
        .where(*where.days(vr.published_date), *where.province_in(vr.province),
               *where.tagged(vr.article_id))
        .group_by(vr.province)
        .order_by(articles.desc(), vr.province)
    )


def by_regency(where: ReportFilter, _context: SqlContext) -> Select[Any]:
    """Articles per regency or city they are about."""
    vr = V_ARTICLE_REGIONS.c
    # A code the archive's reference rows do not know yet (a newer gazetteer) shows as itself.
    regency = func.coalesce(vr.regency, vr.regency_code).label("regency")
    articles = func.count().label("articles")
    return (
        select(regency, articles)
        .where(*where.days(vr.published_date), *where.province_in(vr.province),
               *where.tagged(vr.article_id))
        .group_by(regency)
        .order_by(articles.desc(), regency)
    )


def story_conditions(where: ReportFilter) -> list[ColumnElement[bool]]:
    """A story is in the report when its first publication is in the date range and any of its
    articles matches the tag and province filters."""
    st = V_STORIES.c
    conditions = where.days(st.first_published_date)
    if where.tags or where.provinces:
        member = V_ARTICLES.alias("member")
        conditions.append(
            exists().where(
                member.c.cluster_id == st.cluster_id,
                *where.province_in(member.c.province),
                *where.tagged(member.c.article_id),
            )
        )
    return conditions


def outlets_per_story(where: ReportFilter, _context: SqlContext) -> Select[Any]:
    """How many stories were carried by 1, 2, 3 … outlets."""
    st = V_STORIES.c
    stories = func.count().label("stories")
    return (
        select(st.outlets, stories)
        .where(*story_conditions(where))
        .group_by(st.outlets)
        .order_by(st.outlets)
    )


def crawl_night(started_at: ColumnElement[Any], dialect: str, zone: str) -> ColumnElement[Any]:
    """The local day ('YYYY-MM-DD' text) on which a run started, in the daemon's time zone."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone, started_at), "YYYY-MM-DD")
    # SQLite keeps UTC text; the zone's offset now (Indonesia has no daylight saving time).
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return func.date(started_at, f"{minutes:+d} minutes")


def site_health(where: ReportFilter, context: SqlContext) -> Select[Any]:
    """Per site and crawl night: runs, pages fetched, new articles, 304s and errors."""
    r = CrawlRun.__table__.c
    night = crawl_night(r.started_at, context.dialect, context.timezone).label("night")
    return (
        select(
            Site.name.label("site"), night,
            func.count().label("runs"),
            func.sum(r.pages_fetched).label("pages"),
            func.sum(r.articles_new).label("new_articles"),
            func.sum(r.not_modified).label("not_modified"),
            func.sum(r.errors).label("errors"),
        )
        .join(Site, Site.id == r.site_id)
        .where(*where.days(night), *where.province_in(Site.province))
        .group_by(Site.name, night)
        .order_by(Site.name, night)
    )


def matched_terms(where: ReportFilter, context: SqlContext) -> Select[Any]:
    """Per tag and matched term: the articles where that term matched (`matched_terms`)."""
    t = ArticleTag.__table__.c
    va = V_ARTICLES.c
    if context.dialect == "postgresql":
        terms = func.json_array_elements_text(t.matched_terms).table_valued("value")
        terms = terms.render_derived(name="term")
    else:
        terms = func.json_each(t.matched_terms).table_valued("value").alias("term")
    conditions = [*where.days(va.published_date), *where.province_in(va.province)]
    if where.tags:
        conditions.append(t.tag.in_(where.tags))
    articles = func.count().label("articles")
    return (
        select(t.tag, terms.c.value.label("term"), articles)
        .select_from(ArticleTag.__table__)
        .join(V_ARTICLES, va.article_id == t.article_id)
        .join(terms, true())
        .where(*conditions)
        .group_by(t.tag, terms.c.value)
        .order_by(t.tag, articles.desc(), terms.c.value)
    )


def archive_totals(where: ReportFilter, _context: SqlContext) -> Select[Any]:
    """The articles, outlets and days the filter covers, for the page's header."""
    va = V_ARTICLES.c
    return select(
        func.count().label("articles"),
        func.count(va.site.distinct()).label("outlets"),
        func.min(va.published_date).label("first_day"),
        func.max(va.published_date).label("last_day"),
    ).where(*where.articles())


def top_stories(where: ReportFilter, _context: SqlContext, limit: int = 10) -> Select[Any]:
    """The stories carried by the most outlets."""
    st = V_STORIES.c
    return (
        select(st.outlets, st.articles, st.verbatim_copies, st.first_published_date,
               st.first_site, st.first_title, st.first_url)
        .where(st.outlets > 1, *story_conditions(where))
        .order_by(st.outlets.desc(), st.first_published_date.desc(), st.first_url)
        .limit(limit)
    )


def archive_tags(session: Session) -> list[str]:
    """Every tag the archive holds (each gets one colour throughout a report)."""
    return sorted(session.scalars(select(ArticleTag.tag).distinct()))


def unmatched_filter_values(session: Session, where: ReportFilter) -> list[str]:
    """A line for each filter value no row of the archive has (a typo would otherwise give an
    empty report without a reason)."""
    notes = []
    if where.tags:
        known = set(session.scalars(select(ArticleTag.tag).distinct()))
        missing = [tag for tag in where.tags if tag not in known]
        if missing:
            notes.append(f"no article carries the tag {', '.join(missing)} (tags in this "
                         f"archive: {', '.join(sorted(known)) or 'none'})")
    if where.provinces:
        known = set(session.scalars(select(Site.province).distinct()))
        folded = {province.casefold() for province in known}
        missing = [p for p in where.provinces if p.casefold() not in folded]
        if missing:
            notes.append(f"no outlet is in the province {', '.join(missing)} (provinces in "
                         f"this archive: {', '.join(sorted(known)) or 'none'})")
    return notes


def pivot(rows: Sequence[tuple[Any, ...]]) -> tuple[list[Any], dict[Any, dict[Any, float]]]:
    """(x, series, value) rows → the x values in order and {series: {x: value}}."""
    xs: list[Any] = []
    series: dict[Any, dict[Any, float]] = {}
    for x, name, value in rows:
        if x not in xs:
            xs.append(x)
        series.setdefault(name, {})[x] = float(value or 0)
    return xs, series
