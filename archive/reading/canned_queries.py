"""The canned queries `warta serve` offers in Datasette: named SQL an analyst runs from the
browser (`/archive/QUERY_NAME`) or the JSON API (`/archive/QUERY_NAME.json?_shape=array`).

SQLite SQL (Datasette reads SQLite; a PostgreSQL archive is served through its snapshot,
`warta export --format sqlite`). Parameters are `:name`; Datasette passes an empty string for a
parameter the URL leaves out, so each one states its default with `coalesce(nullif(:p, ''), …)`,
and numbers are CAST (a text '2' sorts after every integer in SQLite).
docs/browse.md lists them with examples.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    description: str
    sql: str


QUIET_DAYS_DEFAULT = 30


def _latest_tagged(tag: str) -> str:
    return f"""SELECT a.published, a.site, a.regencies, a.title, a.url, a.tags,
       a.province AS outlet_province, a.word_count, a.article_id
FROM v_articles a
WHERE EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.article_id AND t.tag = '{tag}')
  AND (:province = '' OR a.province = :province OR EXISTS (
       SELECT 1 FROM v_article_regions r WHERE r.article_id = a.article_id
       AND r.province = :province))
ORDER BY a.published_date IS NULL, a.published_date DESC, a.published_at DESC, a.article_id DESC
LIMIT CAST(coalesce(nullif(:limit, ''), 50) AS INTEGER)"""


CANNED_QUERIES: tuple[CannedQuery, ...] = (
    CannedQuery(
        "coverage_by_province_month",
        "Coverage per province and month, per tag",
        "Articles, stories and outlets per tag, province (of the outlet) and month of "
        "publication (the outlet's local day). Leave tag empty for every tag.",
        """SELECT t.tag, s.province, substr(a.published_date, 1, 7) AS month,
       count(*) AS articles, count(DISTINCT a.cluster_id) AS stories,
       count(DISTINCT a.site_id) AS outlets
FROM articles a
JOIN sites s ON s.id = a.site_id
JOIN article_tags t ON t.article_id = a.id
WHERE a.published_date IS NOT NULL AND (:tag = '' OR t.tag = :tag)
GROUP BY t.tag, s.province, month
ORDER BY month DESC, t.tag, articles DESC, s.province""",
    ),
    CannedQuery(
        "coverage_by_regency_month",
        "Coverage per regency/city and month, per tag: where the story happened",
        "Articles per tag, regency or city the article is about (v_article_regions: its "
        "dateline, title and text, not its outlet's region) and month of publication. An "
        "article about two regencies counts for each. Leave tag or province empty for all.",
        """SELECT t.tag, r.province, r.regency, r.regency_code,
       substr(r.published_date, 1, 7) AS month,
       count(DISTINCT r.article_id) AS articles, count(DISTINCT r.site) AS outlets
FROM v_article_regions r
JOIN article_tags t ON t.article_id = r.article_id
WHERE r.published_date IS NOT NULL AND (:tag = '' OR t.tag = :tag)
  AND (:province = '' OR r.province = :province)
GROUP BY t.tag, r.province, r.regency, r.regency_code, month
ORDER BY month DESC, t.tag, articles DESC, r.regency""",
    ),
    CannedQuery(
        "latest_bangga_kencana",
        "The latest Bangga Kencana articles",
        "Articles tagged bangga-kencana, newest first, with the regencies they are about "
        "(optionally of one province: from its outlets or about one of its regencies).",
        _latest_tagged("bangga-kencana"),
    ),
    CannedQuery(
        "latest_stunting",
        "The latest stunting articles",
        "Articles tagged stunting, newest first, with the regencies they are about "
        "(optionally of one province: from its outlets or about one of its regencies).",
        _latest_tagged("stunting"),
    ),
    CannedQuery(
        "stories_by_outlets",
        "Stories by number of outlets",
        "One row per story (as in v_stories), the most widely carried first: how many outlets "
        "carried it, how many of them word for word, and who published it first.",
        # The stories are ranked from a GROUP BY over articles first and only the `limit` shown
        # get their first article: v_stories computes that for every story, too slow to sort
        # 100k stories within Datasette's time limit. "First" sorts as in v_stories.
        """WITH sized AS (
  SELECT cluster_id, count(DISTINCT site_id) AS outlets, count(*) AS articles,
         count(original_id) AS verbatim_copies
  FROM articles WHERE cluster_id IS NOT NULL
  GROUP BY cluster_id
  HAVING count(DISTINCT site_id) >= CAST(coalesce(nullif(:min_outlets, ''), 1) AS INTEGER)
  ORDER BY outlets DESC, articles DESC, cluster_id
  LIMIT CAST(coalesce(nullif(:limit, ''), 100) AS INTEGER))
SELECT z.cluster_id, z.outlets, z.articles, z.verbatim_copies,
       f.published AS first_published, f.site AS first_site, f.title AS first_title,
       f.url AS first_url,
       (SELECT group_concat(name, ',') FROM (SELECT DISTINCT s.name FROM articles x
        JOIN sites s ON s.id = x.site_id WHERE x.cluster_id = z.cluster_id ORDER BY s.name))
           AS sites
FROM sized z
JOIN v_articles f ON f.article_id = (
  SELECT x.id FROM articles x WHERE x.cluster_id = z.cluster_id
  ORDER BY (x.published_date IS NULL), x.published_date, (x.published_at IS NOT NULL),
           x.published_at, x.canonical_url
  LIMIT 1)
ORDER BY z.outlets DESC, z.articles DESC, z.cluster_id""",
    ),
    CannedQuery(
        "quiet_sites",
        "Sites that went quiet",
        f"Sites with no article published in the last N days (default {QUIET_DAYS_DEFAULT}), "
        "the longest quiet first, with their last crawl run: a site that stopped publishing, "
        "or one warta stopped reading.",
        f"""WITH latest AS (
  SELECT s.id AS site_id, s.name AS site, s.province, s.regency,
         max(a.published_date) AS last_published_date,
         max(a.first_fetched_at) AS last_article_stored_at,
         count(a.id) AS articles
  FROM sites s LEFT JOIN articles a ON a.site_id = s.id
  GROUP BY s.id, s.name, s.province, s.regency)
SELECT l.site, l.province, l.regency, l.last_published_date,
       CAST(julianday('now') - julianday(l.last_published_date) AS INTEGER) AS days_quiet,
       l.last_article_stored_at, l.articles,
       r.started_at AS last_run_started_at, r.status AS last_run_status
FROM latest l
LEFT JOIN crawl_runs r ON r.id = (SELECT max(x.id) FROM crawl_runs x WHERE x.site_id = l.site_id)
WHERE l.last_published_date IS NULL
   OR l.last_published_date
      < date('now', '-' || coalesce(nullif(:days, ''), {QUIET_DAYS_DEFAULT}) || ' days')
ORDER BY l.last_published_date IS NOT NULL, l.last_published_date, l.site""",
    ),
    CannedQuery(
        "failed_runs",
        "Runs that failed",
        "Crawl runs with status failed (nothing fetched, crashed, or could not start), "
        "newest first, with why and their errors by kind. Give a site to see one.",
        """SELECT r.id AS run_id, s.name AS site, r.started_at, r.finished_at, r.status,
       r.finish_reason, r.pages_fetched, r.errors, r.errors_by_kind
FROM crawl_runs r JOIN sites s ON s.id = r.site_id
WHERE r.status = 'failed' AND (:site = '' OR s.name = :site)
ORDER BY r.started_at DESC, r.id DESC""",
    ),
)
