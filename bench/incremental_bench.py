"""Incremental crawling benchmark: what a night costs against the first, and whether it captures
what changed (issue 11).

    .venv/bin/python bench/incremental_bench.py                        # regional web, 6 x 200
    .venv/bin/python bench/incremental_bench.py --sites 2 --articles 40
    .venv/bin/python bench/incremental_bench.py --web sample           # the old sample web
    .venv/bin/python bench/incremental_bench.py --json out.json --verbose

`--web regional` (the default) serves warta.sampleweb.regional: sites of six makes (WordPress
with the REST API open, WordPress core sitemaps, WordPress with a feed only, a custom CMS, a
``*.go.id`` Joomla site, a portal with listings only) whose every page carries a top-bar date and
a "popular" box that change nightly, so bodies and ETags change while articles do not.
`--web sample` serves warta.sampleweb grown by --extra older posts a site, byte-identical from one
request to the next. Every site is crawled by a real `scrapy crawl` process (all at once, as the
daemon does) into one fresh archive, four nights, the site clock moving a day before each:

1. night 1 — the first crawl, empty archive;
2. night 2 — nothing changed;
3. night 3 — --change (default 5%) of night 1's articles new or edited, half each;
4. night 4 — one backdated post per site, landing on listing page 3 or later;
5. night 5 — a week on, nothing new: the weekly deep pass is due (run with
   `-s WARTA_DEEP_PASS_DAYS=0`, the nights being minutes apart), so sites without a sitemap or
   REST API page their listings to full depth; its capture check is night 4's backdated posts
   again (those a sitemap or the REST API could not reveal on night 4 itself);
6. the cycle (`--cycle`, on by default for `--web regional`): ordinary nights, crawling only the
   sites with an edit of night 3 still missing, until the rolling revalidation has caught every
   one, at most WARTA_REVALIDATE_CYCLE_DAYS + 1 nights (bench/incremental_cycle.py).

Per night: requests and body bytes from the web's own request log (304s carry 0 bytes), the
share of night 1's bytes, 304s, conditional requests, 404s and *repeated* 404s (a path that
answered 404 on an earlier night, all of which lie within a weekly re-probe cycle), Scrapy's
bytes (crawl_runs.bytes_received, headers included), and the capture check against the archive:
every new and backdated post stored once with its text, every edit as one more revision with the
new text, no other article revised. Targets (issue 11): the unchanged night <= 5% of night 1's
bytes, the 5% night <= 15%, everything captured, zero repeated 404s.

Everything is written under bench/out/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from archive.reading.reports import article_states  # noqa: E402
from archive.store.db import make_engine, session_factory  # noqa: E402
from archive.store.models import CrawlRun  # noqa: E402
from archive.store.schema import upgrade  # noqa: E402
from bench.incremental_cycle import EditWatch, is_captured, report_cycle, run_cycle  # noqa: E402
from bench.incremental_webs import (  # noqa: E402
    BenchWeb,
    Change,
    RegionalBench,
    SampleBench,
    five_percent,
)
from crawler.settings import WARTA_REVALIDATE_CYCLE_DAYS  # noqa: E402

OUT = ROOT / "bench" / "out"


# --- crawling ------------------------------------------------------------------------------------


def crawl_all(
    sites: list[str], registry: Path, db_url: str, log_dir: Path, night: str, *extra: str
) -> float:
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
            *extra,
        ]  # fmt: skip
        procs.append((name, subprocess.Popen(cmd, cwd=ROOT, env=env)))
    for name, proc in procs:
        if proc.wait(timeout=1800) != 0:
            raise SystemExit(f"{night}: crawl of {name} failed, see {log_dir}/{night}-{name}.log")
    return time.monotonic() - began


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Night:
    name: str
    seconds: float
    requests: int
    bytes: int
    not_modified: int
    conditional: int
    not_found: int
    repeated_404: int
    repeated_404_paths: dict[str, int]
    """Repeated 404 paths -> number of sites that were asked for them again."""
    scrapy_bytes: int
    by_site: dict[str, dict[str, int]]
    capture: dict[str, Any] = field(default_factory=dict)


def measure(
    web: BenchWeb,
    db_url: str,
    name: str,
    seconds: float,
    missing_before: set[tuple[str, str]],
    *,
    verbose: bool = False,
) -> Night:
    """The night's figures; `missing_before` (site, path) that 404'd on earlier nights, updated."""
    log = web.requests()
    by_site: dict[str, dict[str, int]] = {}
    repeated = 0
    again_paths: Counter[str] = Counter()
    for site in web.sites:
        mine = [r for r in log if r.site == site]
        statuses = Counter(r.status for r in mine)
        again_here = {r.path for r in mine if r.status == 404 and (site, r.path) in missing_before}
        again_paths.update(again_here)
        again = sum(1 for r in mine if r.status == 404 and r.path in again_here)
        repeated += again
        by_site[site] = {
            "requests": len(mine),
            "bytes": sum(r.bytes for r in mine),
            "304": statuses[304],
            "404": statuses[404],
            "repeated_404": again,
            "conditional": sum(r.conditional for r in mine),
        }
    missing_before.update((r.site, r.path) for r in log if r.status == 404)
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
        for r in log:
            flag = "C" if r.conditional else " "
            print(f"  {r.site:<18}{r.status:>4} {flag}{r.bytes:>8}  {r.path}")
    return Night(
        name=name,
        seconds=round(seconds, 1),
        requests=len(log),
        bytes=sum(s["bytes"] for s in by_site.values()),
        not_modified=sum(s["304"] for s in by_site.values()),
        conditional=sum(s["conditional"] for s in by_site.values()),
        not_found=sum(s["404"] for s in by_site.values()),
        repeated_404=repeated,
        repeated_404_paths=dict(again_paths.most_common()),
        scrapy_bytes=scrapy_bytes,
        by_site=by_site,
    )


def archived(db_url: str) -> dict[str, tuple[str, int, str]]:
    """canonical URL -> (site name, revision count, text) of every archived article."""
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        states = article_states(session)
    engine.dispose()
    return {url: (st.site, st.revisions, st.text) for url, st in states.items()}


def check_capture(
    before: dict[str, tuple[str, int, str]],
    after: dict[str, tuple[str, int, str]],
    changes: list[Change],
) -> dict[str, Any]:
    """Which changes the archive holds: a new or backdated post stored once with its sentence,
    an edit as exactly one more revision of its article showing the new sentence."""
    expected = Counter(c.kind for c in changes)
    captured: Counter[str] = Counter()
    missed = []
    changed_urls = set()
    for change in changes:
        holders = [u for u, (_, _, text) in after.items() if change.sentence in text]
        changed_urls.update(holders)
        if is_captured(before, after, change):
            captured[change.kind] += 1
        else:
            missed.append(asdict(change) | {"holders": len(holders)})
    revised_wrongly = [
        u
        for u, (_, revisions, _) in after.items()
        if u in before and u not in changed_urls and revisions != before[u][1]
    ]
    return {
        "expected": dict(expected),
        "captured": {k: captured[k] for k in expected},
        "missed": missed,
        "unchanged_revised": revised_wrongly,
        "articles": len(after),
    }


# --- report --------------------------------------------------------------------------------------


def ratio(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "  n/a"


def report(web: BenchWeb, nights: list[Night], first_capture: tuple[int, int]) -> dict[str, Any]:
    first = nights[0]
    stored, expected = first_capture
    note = ""
    if stored < expected:
        note = " (on the sample web some registry entries reach only part of a site, by design)"
    print(f"\n{web.label}; night 1 archived {stored} articles of the {expected} served{note}\n")
    head = f"{'night':<30}{'requests':>9}{'bytes':>12}{'bytes %':>9}{'304s':>6}{'cond.':>7}"
    head += f"{'404s':>6}{'rep.404':>8}{'scrapy B':>11}{'B %':>8}{'secs':>7}"
    print(head)
    print("-" * len(head))
    for n in nights:
        print(
            f"{n.name:<30}{n.requests:>9}{n.bytes:>12}{ratio(n.bytes, first.bytes):>9}"
            f"{n.not_modified:>6}{n.conditional:>7}{n.not_found:>6}{n.repeated_404:>8}"
            f"{n.scrapy_bytes:>11}{ratio(n.scrapy_bytes, first.scrapy_bytes):>8}{n.seconds:>7}"
        )
    print("\nper site (requests / body bytes / 404s):")
    for site in first.by_site:
        cells = [
            f"{n.by_site[site]['requests']:>5} /{n.by_site[site]['bytes']:>9} /"
            f"{n.by_site[site]['404']:>3}"
            for n in nights
        ]
        print(f"  {site:<18}" + "  ".join(cells))
    print("\nrepeated 404 probes after night 1 (path: sites asking again, summed over nights):")
    paths: Counter[str] = Counter()
    for n in nights[1:]:
        paths.update(n.repeated_404_paths)
    for path, count in paths.most_common(12):
        print(f"  {path:<50}{count:>3}")
    print("\ncaptured (archive holds the new version) vs expected:")
    for n in nights[1:]:
        cap = n.capture
        cells = [f"{k} {cap['captured'][k]}/{cap['expected'][k]}" for k in cap["expected"]]
        print(
            f"  {n.name:<30}{', '.join(cells) or 'nothing to capture':<40}"
            f"unchanged articles revised: {len(cap['unchanged_revised'])}"
        )
        for m in cap["missed"]:
            page = f" (listing page {m['listing_page']})" if m["kind"] == "backdated" else ""
            print(f"    MISSED {m['kind']} on {m['site']}{page}: {m['url']}")
    unchanged, five = nights[1], nights[2]
    # Night 4's backdated posts count as captured when night 5's deep pass has them: that pass
    # is how a site without a sitemap or REST API reveals them, once a week.
    judged = nights[1:3] + nights[-1:] if len(nights) > 4 else nights[1:]
    complete = all(
        not n.capture["missed"] and not n.capture["unchanged_revised"] for n in judged
    )
    repeated = sum(n.repeated_404 for n in nights[1:])
    targets = {
        "unchanged night <= 5% of night 1 bytes": (
            unchanged.bytes <= 0.05 * first.bytes, ratio(unchanged.bytes, first.bytes).strip()
        ),
        "5% night <= 15% of night 1 bytes": (
            five.bytes <= 0.15 * first.bytes, ratio(five.bytes, first.bytes).strip()
        ),
        "everything captured (by the deep pass at the latest)": (complete, ""),
        "zero repeated 404 probes": (repeated == 0, f"{repeated} repeated"),
    }  # fmt: skip
    print()
    for label, (met, figure) in targets.items():
        print(f"target {label:<44}{'met' if met else 'NOT met':<9}{figure}")
    return {label: met for label, (met, _) in targets.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--web", choices=("regional", "sample"), default="regional")
    parser.add_argument("--sites", type=int, default=6, help="regional: sites (default 6)")
    parser.add_argument("--articles", type=int, default=200, help="regional: posts per site")
    parser.add_argument("--extra", type=int, default=40, help="sample: older posts added a site")
    parser.add_argument("--change", type=float, default=0.05, help="share of articles new/changed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--edit-scope",
        choices=("recent", "any"),
        default="recent",
        help="edit among each site's 10 newest posts, or among all of them",
    )
    parser.add_argument(
        "--cycle",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="after the five nights, ordinary nights until the rolling revalidation has caught "
        "every edit night 3 missed (default: on for --web regional)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--verbose", action="store_true", help="print every night's request log")
    args = parser.parse_args()
    if args.sites < 1 or args.articles < 30:
        parser.error("--sites must be at least 1 and --articles at least 30 (listing page 3)")
    rng = random.Random(args.seed)
    cycle = args.web == "regional" if args.cycle is None else args.cycle

    work = OUT / f"incremental-{args.web}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    work.mkdir(parents=True)
    db_url = f"sqlite:///{work / 'archive.db'}"
    # Once up front: first crawls upgrading one fresh SQLite file at once would race.
    upgrade(db_url)
    web: BenchWeb = (
        RegionalBench(args.sites, args.articles, args.seed)
        if args.web == "regional"
        else SampleBench(args.extra, rng)
    )
    missing: set[tuple[str, str]] = set()
    nights: list[Night] = []
    watch: EditWatch | None = None
    phase = None
    try:
        registry = web.registry_toml(work / "sites.toml")
        expected_first = web.article_count()
        plan: list[tuple[str, Any, tuple[str, ...]]] = [
            ("night 1 (empty archive)", None, ()),
            ("night 2 (nothing changed)", lambda: [], ()),
            (
                f"night 3 ({args.change:.0%} new/changed)",
                lambda: five_percent(web, args.change, rng, args.edit_scope, set(before)),
                (),
            ),
            (
                "night 4 (backdated posts)",
                lambda: [web.add(site, rng, backdated=True) for site in web.sites],
                (),
            ),
            ("night 5 (a week on: deep pass)", "again", ("-s", "WARTA_DEEP_PASS_DAYS=0")),
        ]
        first_capture = (0, expected_first)
        changes: list[Change] = []
        for index, (name, make_changes, extra) in enumerate(plan, start=1):
            if make_changes != "again":
                # "again": the previous night's changes, checked against the archive before it.
                before = archived(db_url)
            if index > 1:
                web.next_night()
            if make_changes != "again":
                changes = make_changes() if make_changes else []
            web.clear_requests()
            secs = crawl_all(web.sites, registry, db_url, work, f"night{index}", *extra)
            night = measure(web, db_url, name, secs, missing, verbose=args.verbose)
            after = archived(db_url)
            if index == 1:
                first_capture = (len(after), expected_first)
            else:
                night.capture = check_capture(before, after, changes)
            if index == 3:
                watch = EditWatch(before, [c for c in changes if c.kind == "edit"])
            if watch is not None:
                watch.update(index, after)
            nights.append(night)
            print(f"{name}: {night.requests} requests, {night.bytes} bytes, {secs:.0f} s")
        if cycle and watch is not None:
            phase = run_cycle(
                web, watch, int(WARTA_REVALIDATE_CYCLE_DAYS) + 1, len(plan) + 1,
                lambda sites, night: crawl_all(sites, registry, db_url, work, night),
                lambda: archived(db_url),
            )  # fmt: skip
    finally:
        web.close()
    targets = report(web, nights, first_capture)
    cycle_figures = None
    if watch is not None and phase is not None:
        cycle_figures = report_cycle(watch, phase, nights[0].bytes, WARTA_REVALIDATE_CYCLE_DAYS)
    print(f"\nlogs and archive: {work.relative_to(ROOT)}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"web": web.label, "nights": [asdict(n) for n in nights], "targets": targets,
                 "night1_archived": first_capture, "cycle": cycle_figures},
                indent=2,
                default=str,
            )
        )  # fmt: skip


if __name__ == "__main__":
    main()
