"""Datasette facets for the archive's shapes, registered by `warta serve` (warta/browse.py).

- `month`: a `YYYY-MM-DD` day column counted per month (`published_date` → `2024-06`);
  choosing a month filters with Datasette's own `COLUMN__startswith=2024-06`.
- `list`: a comma-separated list column (`v_articles.tags`: `bangga-kencana,stunting`) counted
  per item, so each tag gets its articles; choosing one filters with `COLUMN__listcontains=TAG`,
  an exact item match added by `filters_from_request` below (Datasette's `contains` is a LIKE
  that would also match a longer tag holding the name).

Both are Datasette's documented plugin hooks (`register_facet_classes`, `filters_from_request`).
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

LIST_LOOKUP = "listcontains"


class _ValueFacet(Facet):  # type: ignore[misc]
    """A facet whose values come from `value_sql` and whose choice adds `COLUMN__lookup`."""

    lookup = ""

    def value_sql(self, column: str, limit: int) -> str:
        raise NotImplementedError

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        qs_pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            try:
                rows = await self.ds.execute(
                    self.database, self.value_sql(column, size + 1), self.params,
                    truncate=False, custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            key = f"{column}__{self.lookup}"
            values = []
            for row in rows.rows[:size]:
                selected = (key, str(row["value"])) in qs_pairs
                path = (path_with_removed_args(self.request, {key: str(row["value"])})
                        if selected else path_with_added_args(self.request, {key: row["value"]}))
                values.append({
                    "value": row["value"], "label": row["value"], "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                    "selected": selected,
                })
            results.append({
                "name": column,
                "type": self.type,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {f"_facet_{self.type}": column})),
                "results": values,
                "truncated": len(rows.rows) > size,
            })
        return results, timed_out


class MonthFacet(_ValueFacet):
    type = "month"
    lookup = "startswith"

    def value_sql(self, column: str, limit: int) -> str:
        col = escape_sqlite(column)
        return (f"select substr({col}, 1, 7) as value, count(*) as count from ({self.sql}) "
                f"where {col} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' "
                f"group by value order by value desc limit {limit}")


class ListFacet(_ValueFacet):
    type = "list"
    lookup = LIST_LOOKUP

    def value_sql(self, column: str, limit: int) -> str:
        col = escape_sqlite(column)
        # The list as a JSON array, so json_each yields its items.
        quoted = f"""replace(rows.{col}, '"', '\\"')"""
        items = f"""json_each('["' || replace({quoted}, ',', '","') || '"]')"""
        return (f"select item.value as value, count(*) as count from ({self.sql}) as rows, "
                f"{items} as item where rows.{col} is not null and rows.{col} != '' "
                f"group by item.value order by count desc, value limit {limit}")


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [MonthFacet, ListFacet]


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """`COLUMN__listcontains=ITEM`: rows whose comma-separated COLUMN holds ITEM exactly."""
    clauses, params, descriptions = [], {}, []
    pairs = [(key, value) for key in request.args for value in request.args.getlist(key)]
    for number, (key, value) in enumerate(pairs):
        column, _, lookup = key.rpartition("__")
        if lookup != LIST_LOOKUP or not column:
            continue
        name = f"listcontains_{number}"
        clauses.append(f"instr(',' || {escape_sqlite(column)} || ',', ',' || :{name} || ',') > 0")
        params[name] = value
        descriptions.append(f'{column} lists "{value}"')
    return FilterArguments(clauses, params, descriptions)
