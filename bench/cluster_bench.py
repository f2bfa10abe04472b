"""Cluster benchmark: the sample web grown to 20 sites, crawled by 1 and by 2 `warta worker`
processes into PostgreSQL (same machine), and by the local daemon into SQLite.

    .ci/with-services .venv/bin/python bench/cluster_bench.py          # PostgreSQL + Redis for it
    .venv/bin/python bench/cluster_bench.py --copies 4 --latency 0.05

Each copy of the sample web's five sites gets its own names and slightly different texts (so
the copies are new articles, not syndicated duplicates). Every run starts from an empty archive
and ends when every site has a finished crawl; the figures are sites per minute and stored
articles per second of wall time, and the 2-worker / 1-worker ratio. Needs WARTA_TEST_POSTGRES_URL
(a role that may create databases) and redis-server on the PATH; prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import func, select  # noqa: E402

from archive.store.db import make_engine, session_factory  # noqa: E402
from archive.store.models import Article, CrawlRun  # noqa: E402
from tests.databases import PostgresDatabases, postgres_admin_url  # noqa: E402
from tests.e2e.test_cluster import Cluster, free_port, wait_for  # noqa: E402
from warta.sampleweb import SampleWeb  # noqa: E402
from warta.sampleweb.content import load_sites  # noqa: E402


def grown_sites(copies: int) -> list:  # type: ignore[type-arg]
    sites = []
    for i in range(copies):
        for site in load_sites():
            articles = [
                dataclasses.replace(a, body=[*a.body, f"Laporan edisi {i + 1} dari {site.title}."])
                for a in site.articles
            ]
            sites.append(dataclasses.replace(site, name=f"{site.name}-{i + 1}", articles=articles))
    return sites


def finished(factory, n_sites: int) -> bool:  # type: ignore[no-untyped-def]
    with factory() as session:
        done = session.scalar(
            select(func.count(func.distinct(CrawlRun.site_id))).where(CrawlRun.status != "running")
        )
        running = session.scalar(
            select(func.count()).select_from(CrawlRun).where(CrawlRun.status == "running")
        )
    return done == n_sites and running == 0


def articles(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Article)) or 0)


def run_cluster(workers: int, web: SampleWeb, registry: Path, databases: PostgresDatabases,
                redis_url: str, logs: Path) -> tuple[float, int]:
    db_url = databases.create()
    factory = session_factory(make_engine(db_url))
    cluster = Cluster(redis_url, db_url, registry, logs)
    try:
        for _ in range(workers):
            cluster.start_worker()
        time.sleep(5)  # workers connected before the clock starts
        start = time.monotonic()
        cluster.enqueue()
        wait_for(lambda: finished(factory, len(web.base_urls)), 3600, "every site crawled")
        elapsed = time.monotonic() - start
    finally:
        cluster.stop()
    return elapsed, articles(factory)


def run_local(parallel: int, web: SampleWeb, registry: Path, tmp: Path) -> tuple[float, int]:
    db_url = f"sqlite:///{tmp / f'local{parallel}.db'}"
    subprocess.run([sys.executable, "-m", "warta.cli", "db", "upgrade"], check=True,
                   cwd=REPO_ROOT, env={**os.environ, "WARTA_DATABASE_URL": db_url},
                   capture_output=True)
    cluster = Cluster("", db_url, registry, tmp)  # for its crawl command and settings
    settings = {**cluster.settings, "WARTA_MAX_PARALLEL_CRAWLS": str(parallel)}
    del settings["WARTA_BROKER_URL"]
    argv = [sys.executable, "-m", "warta.cli", "daemon", "--once", "--log-level", "WARNING"]
    for key, value in settings.items():
        argv += ["-s", f"{key}={value}"]
    start = time.monotonic()
    subprocess.run(argv, cwd=REPO_ROOT, env=cluster.env, check=True, capture_output=True)
    elapsed = time.monotonic() - start
    return elapsed, articles(session_factory(make_engine(db_url)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4, help="copies of the 5 sample sites")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    args = parser.parse_args()
    admin_url, redis_server = postgres_admin_url(), shutil.which("redis-server")
    if not admin_url or not redis_server:
        sys.exit("needs WARTA_TEST_POSTGRES_URL and redis-server (run under .ci/with-services)")
    databases = PostgresDatabases(admin_url)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="warta-cluster-bench-") as tmp_name:
        tmp = Path(tmp_name)
        redis = subprocess.Popen([redis_server, "--bind", "127.0.0.1", "--port", str(port),
                                  "--save", "", "--appendonly", "no", "--dir", tmp_name],
                                 stdout=subprocess.DEVNULL)
        try:
            with SampleWeb(grown_sites(args.copies), latency=args.latency) as web:
                registry = web.registry_toml(tmp / "sites.toml")
                n = len(web.base_urls)
                print(f"{n} sites, {len(web.expected_articles())} articles, "
                      f"{args.latency * 1000:.0f} ms per response, {os.cpu_count()} cores")
                results = {}
                for workers in (1, 2):
                    results[f"PostgreSQL, {workers} worker(s)"] = run_cluster(
                        workers, web, registry, databases, f"redis://127.0.0.1:{port}/{workers}",
                        tmp)
                for parallel in (1, 2):
                    results[f"SQLite, local daemon, {parallel} parallel"] = run_local(
                        parallel, web, registry, tmp)
        finally:
            redis.kill()
            databases.close()
    print(f"{'run':<36} {'seconds':>8} {'sites/min':>10} {'articles':>9} {'articles/s':>11}")
    for name, (seconds, stored) in results.items():
        print(f"{name:<36} {seconds:8.1f} {n / seconds * 60:10.1f} {stored:9d} "
              f"{stored / seconds:11.2f}")
    one, two = results["PostgreSQL, 1 worker(s)"][0], results["PostgreSQL, 2 worker(s)"][0]
    print(f"2 workers / 1 worker speed-up: {one / two:.2f}x")


if __name__ == "__main__":
    main()
