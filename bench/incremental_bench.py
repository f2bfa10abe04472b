"""Incremental crawling benchmark: what a second night costs against the first, on the sample web.

    .venv/bin/python bench/incremental_bench.py              # sample web + 40 extra posts a site
    .venv/bin/python bench/incremental_bench.py --extra 0    # the sample web as shipped
    .venv/bin/python bench/incremental_bench.py --json out.json

Each run serves warta.sampleweb on 127.0.0.1 (optionally grown by --extra older posts per site,
so the archive is more than a handful of pages), and crawls every site with real
`scrapy crawl` processes into one fresh archive:

1. night 1 — the first crawl, empty archive;
2. night 2a — nothing changed on any site;
3. night 2b — --change (default 5%) of night 1's articles are new or changed: half new posts
   (one per site at least, in a category the site's registry entry reaches), half edits of
   archived posts, spread over all sites.

Requests and bytes come from the sample web's own request log (body bytes as sent, so 304s
and headers count 0 bytes) and Scrapy's view (crawl_runs.bytes_received, headers included).
The capture check reads the archive: every new post stored once with its text, every edited
post with a second revision showing the new text, nothing else revised. Target: night 2a costs
at most 5% of night 1's bytes, and night 2b captures every new or changed article.

Everything is written under bench/out/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from archive.db import make_engine, session_factory  # noqa: E402
from archive.models import CrawlRun  # noqa: E402
from archive.reports import article_states  # noqa: E402
from archive.schema import upgrade  # noqa: E402
from archive.urlnorm import normalise_url  # noqa: E402
from warta.sampleweb import WIB, SampleWeb  # noqa: E402
from warta.sampleweb import Article as Post  # noqa: E402

OUT = ROOT / "bench" / "out"
# Categories each sample site's registry entry is sure to reach with a new post (sites with
# configured listings or a category sitemap see only part of the site).
REACHED_CATEGORY = {
    "sumeks-banyuasin": "banyuasin",
    "bkkbn-sumsel": "berita",
    "ipkb-bengkulu": "berita",
}


def reached_category(web: SampleWeb, name: str) -> str:
    site = web.sites[name]
    for suffix, category in REACHED_CATEGORY.items():
        if name == suffix or name.endswith("-" + suffix):
            return category
    return next(iter(site.categories))


_SENTENCES = (
    "Kepala Perwakilan BKKBN menyampaikan bahwa angka prevalensi stunting di {place} turun {n} "
    "persen dibanding tahun sebelumnya berkat pendampingan keluarga berisiko.",
    "Sebanyak {n} kader Tim Pendamping Keluarga di {place} mengikuti pelatihan pengukuran balita "
    "menggunakan antropometri standar.",
    "Program Bangga Kencana di {place} menyasar {n} keluarga dengan baduta melalui kunjungan rumah "
    "dan penyuluhan gizi seimbang.",
    "Camat {place} mengajak warga memanfaatkan posyandu setiap bulan agar tumbuh kembang anak "
    "terpantau sejak dini, kata dia di hadapan {n} peserta.",
    "Dinas Kesehatan mencatat {n} ibu hamil di {place} telah menerima tablet tambah darah dan "
    "pemeriksaan kehamilan lengkap tahun ini.",
    "Rembuk stunting tingkat desa di {place} menghasilkan {n} rencana aksi yang akan didanai dari "
    "dana desa dan anggaran daerah.",
)
_PLACES = ("Muara Dua", "Pangkalan Balai", "Talang Kelapa", "Banyuasin III", "Seluma", "Kaur")


def post(slug: str, category: str, published: datetime, rng: random.Random) -> Post:
    """An ordinary article with ~180 words of distinct text and one key sentence."""
    key = f"Rapat koordinasi {slug} mencatat capaian {rng.randint(100, 999)} keluarga terdampingi."
    body = []
    for _ in range(5):
        sentences = rng.sample(_SENTENCES, 2)
        body.append(
            " ".join(s.format(place=rng.choice(_PLACES), n=rng.randint(3, 950)) for s in sentences)
        )
    body.insert(2, key)
    title = " ".join(w.capitalize() for w in slug.split("-")[:8])
    return Post(
        slug=slug,
        title=title,
        published=published,
        modified=published,
        body=body,
        category=category,
        author="Redaksi",
        key_sentences=[key],
    )


def grow(web: SampleWeb, extra: int, rng: random.Random) -> None:
    """Add `extra` older posts to every site (published 2023, before every shipped post)."""
    start = datetime(2023, 1, 2, 9, 0, tzinfo=WIB)
    for name in web.sites:
        category = reached_category(web, name)
        for i in range(extra):
            when = start + timedelta(days=3 * i, hours=i % 7)
            web.add_article(name, post(f"arsip-{name}-{i:04d}", category, when, rng), at=when)


# --- crawling ----------------------------------------------------------------------------------


def crawl_all(sites: list[str], registry: Path, db_url: str, log_dir: Path, night: str) -> float:
    """Crawl every site at once (one process each, as the daemon does); seconds taken."""
    # Settings come from the command line only, not from a WARTA_* variable of this shell.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    began = time.monotonic()
    procs = []
    for name in sites:
        log = log_dir / f"{night}-{name}.log"
        cmd = [
            sys.executable, "-m", "scrapy", "crawl", name,
            "-s", f"WARTA_SITES_FILE={registry}",
            "-s", f"WARTA_DATABASE_URL={db_url}",
            "-s", "DOWNLOAD_DELAY=0",
            "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
            "-s", "TELNETCONSOLE_ENABLED=False",
            "-s", f"LOG_FILE={log}",
        ]  # fmt: skip
        procs.append((name, subprocess.Popen(cmd, cwd=ROOT, env=env)))
    for name, proc in procs:
        if proc.wait(timeout=600) != 0:
            raise SystemExit(f"{night}: crawl of {name} failed, see {log_dir}/{night}-{name}.log")
    return time.monotonic() - began


@dataclass
class Night:
    name: str
    seconds: float
    requests: int
    bytes: int
    not_modified: int
    conditional: int
    scrapy_bytes: int
    by_site: dict[str, dict[str, int]]


def measure(
    web: SampleWeb, db_url: str, name: str, seconds: float, *, verbose: bool = False
) -> Night:
    by_site: dict[str, dict[str, int]] = {}
    for site in web.sites:
        log = web.request_log(site)
        statuses = Counter(r.status for r in log)
        by_site[site] = {
            "requests": len(log),
            "bytes": sum(r.bytes_sent for r in log),
            "304": statuses[304],
            "conditional": sum(r.conditional for r in log),
        }
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        # The newest run of each site is this night's.
        latest = select(func.max(CrawlRun.id)).group_by(CrawlRun.site_id)
        runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(latest))).all()
        bad = [(r.site_id, r.status) for r in runs if r.status != "ok"]
        scrapy_bytes = sum(r.bytes_received for r in runs)
    engine.dispose()
    if bad:
        print(f"  note: {name}: runs not 'ok' (site id, status): {bad}")
    if verbose:
        print(f"\n{name}: request log")
        for r in web.request_log():
            flag = "C" if r.conditional else " "
            print(f"  {r.site:<24}{r.status:>4} {flag}{r.bytes_sent:>8}  {r.path}")
    return Night(
        name=name,
        seconds=round(seconds, 1),
        requests=sum(s["requests"] for s in by_site.values()),
        bytes=sum(s["bytes"] for s in by_site.values()),
        not_modified=sum(s["304"] for s in by_site.values()),
        conditional=sum(s["conditional"] for s in by_site.values()),
        scrapy_bytes=scrapy_bytes,
        by_site=by_site,
    )


# --- archive checks ----------------------------------------------------------------------------


def archived(db_url: str) -> dict[str, tuple[str, int, str]]:
    """canonical URL -> (site name, revision count, text) of every archived article."""
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        states = article_states(session)
    engine.dispose()
    return {url: (st.site, st.revisions, st.text) for url, st in states.items()}


def change_sites(
    web: SampleWeb,
    before: dict[str, tuple[str, int, str]],
    share: float,
    rng: random.Random,
    *,
    edit_scope: str,
) -> tuple[list[tuple[str, str]], list[tuple[str, str, bool]]]:
    """Publish and edit posts, `share` of night 1's articles in all, half each; returns
    (site, key sentence) of the new posts and (site, key sentence, dated) of the edited ones.

    New posts go round-robin over the sites (from a random one) into a category each site's
    registry entry reaches. Edited posts are drawn at random from night 1's archive: with
    edit_scope "recent" from each site's 10 newest archived posts (where corrections happen),
    with "any" from all of them.
    """
    total = max(2, math.ceil(len(before) * share))
    n_new = math.ceil(total / 2)
    n_edit = total - n_new
    now = datetime.now(UTC)
    sites = list(web.sites)
    offset = rng.randrange(len(sites))
    new: list[tuple[str, str]] = []
    for i in range(n_new):
        name = sites[(offset + i) % len(sites)]
        category = reached_category(web, name)
        fresh = post(f"kabar-baru-{name}-{i:03d}", category, now - timedelta(minutes=i), rng)
        web.add_article(name, fresh)
        new.append((name, fresh.key_sentences[0]))
    pool: list[tuple[str, str]] = []
    for name in sites:
        archived_posts = [
            a
            for a in web.sites[name].articles
            if normalise_url(web.url(name, a.path)) in before and not a.slug.startswith("kabar-")
        ]
        archived_posts.sort(key=lambda a: a.published, reverse=True)
        if edit_scope == "recent":
            archived_posts = archived_posts[:10]
        pool += [(name, a.slug) for a in archived_posts]
    edited: list[tuple[str, str, bool]] = []
    for name, slug in rng.sample(pool, min(n_edit, len(pool))):
        article = web.sites[name].article(slug)
        sentence = f"Pembaruan: data {slug} dikoreksi menjadi {rng.randint(1000, 9999)} keluarga."
        web.edit_article(name, slug, body=[*article.body, sentence], key_sentences=[sentence])
        edited.append((name, sentence, dated(web, name, article.path)))
    return new, edited


def dated(web: SampleWeb, site: str, path: str) -> bool:
    """Whether the site publishes a change date for the post: a sitemap <lastmod> or an Atom
    <updated> (RSS items, listings and news sitemaps carry none)."""
    origin = web.url(site, "")
    for expected in web.expected_articles(site):
        if expected.url == origin + path:
            for page in expected.listed_on:
                resource = web.resource(site, page.removeprefix(origin))
                if resource is not None and resource.kind in ("sitemap", "atom"):
                    return True
    return False


def check_capture(
    before: dict[str, tuple[str, int, str]],
    after: dict[str, tuple[str, int, str]],
    new: list[tuple[str, str]],
    edited: list[tuple[str, str, bool]],
) -> dict[str, Any]:
    def holders(sentence: str) -> list[str]:
        return [u for u, (_, _, text) in after.items() if sentence in text]

    new_missed = [(s, k, "new") for s, k in new if len(holders(k)) != 1]
    edit_missed = []
    for site, sentence, has_date in edited:
        found = holders(sentence)
        if len(found) != 1 or after[found[0]][1] != 2:
            edit_missed.append((site, sentence, "dated edit" if has_date else "undated edit"))
    edited_urls = {u for _, k, _ in edited for u in holders(k)}
    revised_wrongly = [
        u for u, (_, revs, _) in after.items() if u in before and u not in edited_urls and revs != 1
    ]
    return {
        "new": len(new),
        "new_captured": len(new) - len(new_missed),
        "edited": len(edited),
        "edited_dated": sum(d for _, _, d in edited),
        "edited_captured": len(edited) - len(edit_missed),
        "missed": new_missed + edit_missed,
        "unchanged_revised": revised_wrongly,
        "articles_before": len(before),
        "articles_after": len(after),
    }


# --- report ------------------------------------------------------------------------------------


def ratio(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "  n/a"


def report(first: Night, nights: list[Night], capture: dict[str, Any], extra: int) -> None:
    print(
        f"\nsample web: 5 sites, +{extra} older posts each; {capture['articles_before']} "
        "articles archived on night 1\n"
    )
    head = f"{'night':<26}{'requests':>9}{'req %':>8}{'bytes':>12}{'bytes %':>9}"
    head += f"{'304s':>6}{'cond.':>7}{'scrapy B':>11}{'B %':>8}{'secs':>6}"
    print(head)
    print("-" * len(head))
    for night in [first, *nights]:
        print(
            f"{night.name:<26}{night.requests:>9}{ratio(night.requests, first.requests):>8}"
            f"{night.bytes:>12}{ratio(night.bytes, first.bytes):>9}{night.not_modified:>6}"
            f"{night.conditional:>7}{night.scrapy_bytes:>11}"
            f"{ratio(night.scrapy_bytes, first.scrapy_bytes):>8}{night.seconds:>6}"
        )
    print("\nper site (requests / body bytes):")
    for site in first.by_site:
        cells = [
            f"{n.by_site[site]['requests']:>4} / {n.by_site[site]['bytes']:>8}"
            for n in [first, *nights]
        ]
        print(f"  {site:<18}" + "   ".join(cells))
    print(
        f"\nnight 2b changes: {capture['new']} new posts, {capture['edited']} edited posts "
        f"({capture['new'] + capture['edited']} = "
        f"{ratio(capture['new'] + capture['edited'], capture['articles_before']).strip()} of "
        "night 1's articles)"
    )
    print(f"  new captured:    {capture['new_captured']}/{capture['new']}")
    print(
        f"  edits captured:  {capture['edited_captured']}/{capture['edited']} (2 revisions; "
        f"{capture['edited_dated']} of the edited posts have a sitemap/Atom change date)"
    )
    print(f"  unchanged articles revised: {len(capture['unchanged_revised'])}")
    for site, sentence, what in capture["missed"]:
        print(f"  MISSED {what} on {site}: {sentence[:60]}")
    unchanged = nights[0]
    ok_bytes = unchanged.bytes <= 0.05 * first.bytes
    signalled_missed = [m for m in capture["missed"] if m[2] != "undated edit"]
    undated_missed = len(capture["missed"]) - len(signalled_missed)
    ok_capture = not signalled_missed and not capture["unchanged_revised"]
    print(
        f"\ntarget unchanged night <= 5% of night 1 bytes: {'met' if ok_bytes else 'NOT met'} "
        f"({ratio(unchanged.bytes, first.bytes).strip()})"
    )
    print(
        "target every new/changed article captured:    "
        f"{'met' if ok_capture else 'NOT met'} for new posts and dated edits"
        + (
            f"; {undated_missed} undated edit(s) missed (no change date, not on a listing page "
            "the crawl read)"
            if undated_missed
            else ""
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--extra", type=int, default=40, help="older posts added to each site")
    parser.add_argument("--change", type=float, default=0.05, help="share of articles new/changed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--edit-scope",
        choices=("recent", "any"),
        default="recent",
        help="edit among each site's 10 newest archived posts, or among all of them",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--verbose", action="store_true", help="print every night's request log")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    work = OUT / f"incremental-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    work.mkdir(parents=True)
    db_url = f"sqlite:///{work / 'archive.db'}"
    # Once up front: five first crawls upgrading one fresh SQLite file at once would race.
    upgrade(db_url)
    with SampleWeb() as web:
        grow(web, args.extra, rng)
        registry = web.registry_toml(work / "sites.toml")
        sites = list(web.sites)

        secs = crawl_all(sites, registry, db_url, work, "night1")
        first = measure(web, db_url, "night 1 (empty archive)", secs, verbose=args.verbose)
        before = archived(db_url)

        web.clear_request_log()
        secs = crawl_all(sites, registry, db_url, work, "night2a")
        unchanged = measure(web, db_url, "night 2a (nothing changed)", secs, verbose=args.verbose)

        new, edited = change_sites(web, before, args.change, rng, edit_scope=args.edit_scope)
        web.clear_request_log()
        secs = crawl_all(sites, registry, db_url, work, "night2b")
        changed = measure(
            web, db_url, f"night 2b ({args.change:.0%} new/changed)", secs, verbose=args.verbose
        )
        after = archived(db_url)

    capture = check_capture(before, after, new, edited)
    report(first, [unchanged, changed], capture, args.extra)
    print(f"\nlogs and archive: {work.relative_to(ROOT)}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"nights": [asdict(n) for n in (first, unchanged, changed)], "capture": capture},
                indent=2,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
