"""Every SQL example in the README and docs/schema.md runs unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import REPO_ROOT
from tests.test_search_export import store  # noqa: F401  (the fixture: three stored articles)

DOCUMENTS = [REPO_ROOT / "README.md", REPO_ROOT / "docs" / "schema.md"]
_SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)


def documented_queries(path: Path) -> list[str]:
    queries = []
    for block in _SQL_BLOCK.findall(path.read_text(encoding="utf-8")):
        lines = [line for line in block.splitlines() if not line.lstrip().startswith("--")]
        queries += [q.strip() for q in "\n".join(lines).split(";") if q.strip()]
    return queries


QUERIES = [(path.name, query) for path in DOCUMENTS for query in documented_queries(path)]


def test_the_docs_have_example_queries() -> None:
    assert {name for name, _ in QUERIES} == {"README.md", "schema.md"}


@pytest.mark.parametrize(("document", "query"), QUERIES,
                         ids=[f"{name}-{i}" for i, (name, _) in enumerate(QUERIES)])
def test_documented_query_runs(document: str, query: str, store, writer) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with writer() as session:
        rows = session.execute(text(query)).all()
    assert isinstance(rows, list)


def test_month_of_a_day_is_the_same_text_on_both(store, writer) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with writer() as session:
        months = session.execute(text(
            "SELECT substr(day, 1, 7) AS month, sum(articles) FROM v_daily_counts "
            "WHERE tag = 'stunting' GROUP BY month"
        )).all()
        days = session.execute(text("SELECT published_date FROM v_articles")).scalars().all()
    assert [(m, int(n)) for m, n in months] == [("2024-05", 1)]
    assert all(isinstance(day, str) for day in days)
