"""Full-text search over the archive: SQLite FTS5, PostgreSQL tsvector (see migration 0002)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from archive.reading.filters import ArticleFilter
from archive.store.models import FULLTEXT_DOCUMENT_SQL, Article, Site

# The FTS5 table of migration 0002 (not a model: it is SQLite-only and kept in sync by triggers).
FTS_TABLE = table("articles_fts", column("rowid"))
_PHRASE_OR_WORD = re.compile(r'"([^"]+)"|(\w+)', re.UNICODE)


@dataclass(slots=True)
class SearchHit:
    article_id: int
    site: str
    title: str
    url: str
    published_at: datetime | None
    """The instant, only when the page states a time."""
    published_date: date | None
    """The outlet's local day of publication."""
    snippet: str
    rank: float


def query_terms(user_query: str) -> list[str]:
    """The terms of a user's query: each "quoted phrase" and each other word. Both backends
    require every term, a phrase as consecutive words; nothing else is an operator."""
    return [phrase or word for phrase, word in _PHRASE_OR_WORD.findall(user_query)]


def fts5_query(user_query: str) -> str:
    """The user's words as an FTS5 query: every word (or "quoted phrase") must occur.
    Quoting each term keeps FTS5 operators and punctuation from being a syntax error."""
    return " ".join('"' + term.replace('"', "") + '"' for term in query_terms(user_query))


def postgres_tsquery(user_query: str) -> ColumnElement[Any]:
    """The same query as `fts5_query` for PostgreSQL: every term, a phrase's words adjacent
    (phraseto_tsquery; plainto_tsquery would drop the quotes, websearch_to_tsquery would read
    "or" and "-" as operators)."""
    parts = [func.phraseto_tsquery("simple", term) for term in query_terms(user_query)]
    return functools.reduce(lambda left, right: left.op("&&")(right), parts)


def search(
    session: Session, query: str, where: ArticleFilter | None = None, *, limit: int = 20
) -> list[SearchHit]:
    """Articles matching `query`, best first, with a highlighted snippet."""
    if not fts5_query(query):
        return []
    where = where or ArticleFilter()
    if session.get_bind().dialect.name == "sqlite":
        return _search_sqlite(session, query, where, limit)
    return _search_postgres(session, query, where, limit)


def _search_sqlite(
    session: Session, query: str, where: ArticleFilter, limit: int
) -> list[SearchHit]:
    # bm25 is lower-is-better; the title column weighs five times the body.
    rank = literal_column("bm25(articles_fts, 5.0, 1.0)")
    snippet = literal_column("snippet(articles_fts, 1, '[', ']', '…', 16)")
    stmt = (
        select(Article.id, Site.name, Article.title, Article.canonical_url, Article.published_at,
               Article.published_date, snippet, rank)
        .select_from(FTS_TABLE)
        .join(Article, Article.id == FTS_TABLE.c.rowid)
        .join(Site, Site.id == Article.site_id)
        .where(literal_column("articles_fts").op("MATCH")(fts5_query(query)))
        .order_by(rank)
        .limit(limit)
    )
    rows = session.execute(where.apply(stmt)).all()
    return [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], -float(r[7])) for r in rows]


def _search_postgres(
    session: Session, query: str, where: ArticleFilter, limit: int
) -> list[SearchHit]:
    # The expression of the GIN index (archive/store/models.py), so the index is used.
    document = func.to_tsvector("simple", literal_column(FULLTEXT_DOCUMENT_SQL))
    tsquery = postgres_tsquery(query)
    rank = func.ts_rank(document, tsquery)
    snippet = func.ts_headline(
        "simple", Article.text, tsquery, "StartSel=[,StopSel=],MaxWords=30,MinWords=12"
    )
    stmt = (
        select(Article.id, Site.name, Article.title, Article.canonical_url, Article.published_at,
               Article.published_date, snippet, rank)
        .join(Site, Site.id == Article.site_id)
        .where(document.op("@@")(tsquery))
        .order_by(rank.desc())
        .limit(limit)
    )
    rows = session.execute(where.apply(stmt)).all()
    return [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], float(r[7])) for r in rows]
