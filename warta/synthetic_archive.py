"""A synthetic archive of any size, for the report's benchmark and tests: sites across Sumatra's
provinces, articles over a few years with the programme's seasonal peaks, stories carried by
one to a dozen outlets (some verbatim), taxonomy tags with their matched terms, and a crawl run
per site per night, including a site that goes quiet and nights with errors.

Rows go in through SQLAlchemy Core `insert()` with many rows per statement, on SQLite or
PostgreSQL alike. The same seed gives the same archive.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select

from archive.store.models import Article, ArticleRegion, ArticleTag, Cluster, CrawlRun, Site
from archive.store.models import Regency as RegencyRow
from archive.tagging.taxonomy import load_taxonomy

PROVINCES = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi",
    "Sumatera Selatan", "Kepulauan Bangka Belitung", "Bengkulu", "Lampung",
)
# Months in which the programme's coverage peaks: Harganas (29 June), Hari Anak (23 July),
# national nutrition day (25 January), the stunting week of the regions (November).
PEAK_MONTHS = {1: 1.4, 6: 2.2, 7: 1.6, 11: 1.5}
WORDS = ("keluarga", "balita", "gizi", "pemerintah", "kabupaten", "program", "desa", "ibu",
         "anak", "kesehatan", "penyuluh", "kader", "pendampingan", "sosialisasi", "angka")
BATCH = 2000
MAX_OUTLETS = 12


@dataclass(slots=True, frozen=True)
class FillResult:
    sites: int
    articles: int
    stories: int
    tags: int
    regions: int
    runs: int


def _batched(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(slots=True, frozen=True)
class Regency:
    code: str
    name: str
    short_name: str
    province: str


def _regencies(engine: Engine) -> dict[str, list[Regency]]:
    """The gazetteer's reference rows (filled by the migrations), by province."""
    by_province: dict[str, list[Regency]] = {}
    with engine.connect() as conn:
        for row in conn.execute(
            select(RegencyRow.code, RegencyRow.name, RegencyRow.short_name, RegencyRow.province)
            .order_by(RegencyRow.code)
        ):
            by_province.setdefault(row.province, []).append(Regency(*row))
    return by_province


def _site_rows(count: int, regencies: dict[str, list[Regency]]) -> list[dict[str, Any]]:
    """Outlets across the provinces; two in three are local (a regency's), one provincial."""
    rows = []
    for i in range(count):
        province = PROVINCES[i % len(PROVINCES)]
        local = regencies.get(province, [])
        regency = local[(i // len(PROVINCES)) % len(local)].name if local and i % 3 else None
        rows.append({
            "name": f"synthetic-{i:02d}",
            "home_url": f"https://berita{i:02d}.example.id/",
            "province": province,
            "regency": regency,
            "language": "id",
        })
    return rows


def _publication_days(start: date, days: int) -> tuple[list[date], list[float]]:
    """The days and their weights: a growing trend and the programme's peak months."""
    calendar = [start + timedelta(d) for d in range(days)]
    weights = [(1 + 1.5 * d / days) * PEAK_MONTHS.get(day.month, 1.0)
               for d, day in enumerate(calendar)]
    return calendar, weights


def fill_archive(
    engine: Engine,
    articles: int = 100_000,
    *,
    sites: int = 30,
    start: date = date(2022, 1, 1),
    days: int = 4 * 365,
    nights: int = 120,
    seed: int = 13,
) -> FillResult:
    """Add `articles` synthetic articles (and their sites, stories, tags and crawl runs) to the
    migrated, empty archive behind `engine`."""
    rng = random.Random(seed)
    taxonomy = load_taxonomy()
    tag_terms = {tag.name: list(tag.canonical_terms) for tag in taxonomy.tags}
    tag_names = sorted(tag_terms)
    all_days, day_weights = _publication_days(start, days)
    regencies = _regencies(engine)
    everywhere = [regency for local in regencies.values() for regency in local]
    now = datetime.now(UTC)
    with engine.begin() as conn:
        site_rows = _site_rows(sites, regencies)
        conn.execute(insert(Site), site_rows)
        site_places = {
            site_id: (province, regency) for site_id, province, regency in conn.execute(
                select(Site.id, Site.province, Site.regency)
                .where(Site.name.in_([row["name"] for row in site_rows])).order_by(Site.id))
        }
        site_ids = list(site_places)
        first_article = (conn.scalar(select(func.max(Article.id))) or 0) + 1
        first_cluster = (conn.scalar(select(func.max(Cluster.id))) or 0) + 1

    # Stories: most reach one outlet, a long tail is syndicated (verbatim or edited).
    stories: list[tuple[int, date, list[str], int]] = []  # (outlets, day, tags, story number)
    planned = 0
    while planned < articles:
        outlets = int(rng.paretovariate(1.6))
        while outlets > min(sites, MAX_OUTLETS):  # a truncated tail, not a heap at the cap
            outlets = int(rng.paretovariate(1.6))
        outlets = min(outlets, articles - planned)
        day = rng.choices(all_days, day_weights)[0]
        roll = rng.random()
        tags = ([] if roll < 0.15 else
                rng.sample(tag_names, 1 if roll < 0.75 else 2))
        stories.append((outlets, day, tags, len(stories)))
        planned += outlets

    article_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    region_rows: list[dict[str, Any]] = []
    article_id = first_article
    for outlets, day, tags, number in stories:
        cluster_id = first_cluster + number
        original_id = article_id
        verbatim = rng.random() < 0.5
        for position, site_id in enumerate(rng.sample(site_ids, outlets)):
            published = day + timedelta(days=0 if position == 0 else rng.randint(0, 2))
            copy = position > 0 and verbatim
            # A verbatim copy has its original's text; an edited one a text of its own.
            text_key = f"{number}" if position == 0 or copy else f"{number}/{position}"
            text = " ".join(random.Random(text_key).choices(WORDS, k=40))
            digest = hashlib.sha256(text_key.encode()).hexdigest()
            with_time = rng.random() < 0.6
            article_rows.append({
                "id": article_id,
                "site_id": site_id,
                "canonical_url": f"https://berita.example.id/{site_id}/{number}/{position}",
                "title": f"Berita {number}: {' '.join(tags) or 'umum'}",
                "published_date": published,
                "published_at": (datetime.combine(published, time(rng.randint(1, 16)), UTC)
                                 if with_time else None),
                "published_time_known": with_time,
                "published_utc_offset_minutes": 420 if with_time else None,
                "language": "id",
                "text": text,
                "text_hash": digest,
                "word_count": 40,
                "cluster_id": cluster_id,
                "original_id": original_id if copy else None,
                "taxonomy_version": taxonomy.version,
                "first_fetched_at": now,
                "last_fetched_at": now,
                "last_changed_at": now,
            })
            for tag in tags:
                terms = tag_terms[tag]
                matched = rng.sample(terms, min(len(terms), rng.choice((1, 1, 1, 2, 3))))
                tag_rows.append({
                    "article_id": article_id, "tag": tag, "match_count": len(matched) + 1,
                    "matched_terms": matched, "in_title": True, "in_body": True,
                    "score": 4.0, "taxonomy_version": taxonomy.version,
                })
            region_rows += _region_rows(rng, article_id, site_places[site_id], regencies,
                                        everywhere)
            article_id += 1

    with engine.begin() as conn:
        for batch in _batched(iter(
            {"id": first_cluster + n, "created_at": now} for n in range(len(stories))
        )):
            conn.execute(insert(Cluster), batch)
        for batch in _batched(iter(article_rows)):
            conn.execute(insert(Article), batch)
        for batch in _batched(iter(tag_rows)):
            conn.execute(insert(ArticleTag), batch)
        for batch in _batched(iter(region_rows)):
            conn.execute(insert(ArticleRegion), batch)
        runs = list(_run_rows(rng, site_ids, now, nights))
        for batch in _batched(iter(runs)):
            conn.execute(insert(CrawlRun), batch)
        if conn.dialect.name == "postgresql":
            # Explicit ids leave the sequences behind; a later crawl must not collide.
            for name in ("articles", "clusters"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
    return FillResult(sites, len(article_rows), len(stories), len(tag_rows), len(region_rows),
                      len(runs))


def _region_rows(
    rng: random.Random, article_id: int, place: tuple[str, str | None],
    regencies: dict[str, list[Regency]], everywhere: list[Regency],
) -> list[dict[str, Any]]:
    """The regencies an article is about: a local outlet's own mostly, another of its province
    or, now and then, one elsewhere in Sumatra; a fifth of the articles name none."""
    province, own = place
    local = regencies.get(province) or everywhere
    roll = rng.random()
    if roll < 0.2:
        return []
    home = next((r for r in local if r.name == own), None)
    chosen = {home if home and roll < 0.7 else rng.choice(local if roll < 0.9 else everywhere)}
    if rng.random() < 0.15:
        chosen.add(rng.choice(local))
    return [
        {"article_id": article_id, "region_code": regency.code, "score": 3.0,
         "matched_forms": [regency.short_name], "in_dateline": rng.random() < 0.5,
         "in_title": rng.random() < 0.3, "in_body": True, "gazetteer_version": "synthetic"}
        for regency in sorted(chosen, key=lambda r: r.code)
    ]


def _run_rows(
    rng: random.Random, site_ids: list[int], now: datetime, nights: int
) -> Iterator[dict[str, Any]]:
    """One run per site per night at 01:00 WIB (18:00 UTC); the last site stops publishing
    for the last three weeks, and one night in twenty a site has errors."""
    quiet_site = site_ids[-1]
    last_night = datetime.combine(now.date() - timedelta(days=1), time(18), UTC)
    for site_id in site_ids:
        for n in range(nights):
            started = last_night - timedelta(days=nights - 1 - n)
            pages = rng.randint(40, 400)
            quiet = site_id == quiet_site and n >= nights - 21
            new = 0 if quiet else rng.randint(0, 25)
            errors = rng.randint(1, 30) if rng.random() < 0.05 else 0
            yield {
                "site_id": site_id,
                "started_at": started,
                "finished_at": started + timedelta(minutes=rng.randint(3, 40)),
                "status": "partial" if errors else "ok",
                "finish_reason": "finished",
                "pages_fetched": pages,
                "not_modified": rng.randint(0, pages // 2),
                "articles_new": new,
                "articles_updated": rng.randint(0, 3),
                "articles_unchanged": rng.randint(0, 20),
                "duplicates": rng.randint(0, 5),
                "rejected": rng.randint(0, 40),
                "errors": errors,
                "errors_by_kind": {"http_500": errors} if errors else {},
                "rejected_by_reason": {},
                "bytes_received": pages * 40_000,
            }
