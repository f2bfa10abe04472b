"""A sitemap of 200,000 URLs (all 404) crawled for a fixed time: peak RSS and requests served.

    .venv/bin/python bench/huge_sitemap.py                      # WARTA_SITEMAP_BATCH default
    .venv/bin/python bench/huge_sitemap.py --batch 100000000    # everything at once (the old way)

Serves the sitemap from 127.0.0.1, runs one real `scrapy crawl` stopped by CLOSESPIDER_TIMEOUT
and prints its wall time, peak RSS and how many requests the server saw. With the whole sitemap
in the scheduler at once the reactor is busy queueing for minutes (the timeout cannot even fire)
and memory grows with the sitemap; fed in batches, fetching starts at once and memory stays flat.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.crawling import LOCAL_WEB_SETTINGS  # noqa: E402
from tests.e2e.hostile import HostileSite, Page, sitemap, write_registry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, HostileSite("huge") as site:
        site.routes["/sitemap.xml"] = Page(
            headers={"Content-Type": "application/xml"},
            body=sitemap([site.url(f"/p/{i}") for i in range(args.urls)]),
        )
        registry = write_registry(Path(tmp) / "sites.toml",
                                  site.registry_entry(sitemap_urls=["/sitemap.xml"]))
        argv = [sys.executable, "-m", "scrapy", "crawl", "huge",
                "-s", f"WARTA_SITES_FILE={registry}",
                "-s", f"WARTA_DATABASE_URL=sqlite:///{tmp}/archive.db",
                "-s", f"WARTA_SITEMAP_BATCH={args.batch}",
                "-s", f"CLOSESPIDER_TIMEOUT={args.seconds}",
                # The sitemap itself is over the 10 MB default cap.
                "-s", "DOWNLOAD_MAXSIZE=67108864", "-s", "LOG_LEVEL=ERROR"]
        for key, value in LOCAL_WEB_SETTINGS.items():
            if key != "LOG_LEVEL":
                argv += ["-s", f"{key}={value}"]
        started = time.monotonic()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"urls={args.urls} batch={args.batch} exit={done.returncode} wall={wall:.0f}s "
              f"peak_rss={peak:.0f}MB requests_served={len(site.log)}")


if __name__ == "__main__":
    main()
