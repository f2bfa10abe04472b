"""End-to-end crawl throughput against plain trafilatura on the same pages (not a test: prints).

Usage: python bench/throughput_bench.py [--copies 11] [--workers 0] [--realpages DIR] [--repo DIR]

Builds the perf site from ../shared/realpages/aeb: each of the 181 real pages served as `copies`
copies whose paragraph words are replaced by random words (markup and extraction cost stay real,
no two copies are near-duplicates), listed in a sitemap, on 127.0.0.1. Then, in one run:

1. `scrapy crawl` of the site into a fresh SQLite archive with politeness off (DOWNLOAD_DELAY=0,
   AutoThrottle off, 32 concurrent requests), sampling the resident memory of the crawl process
   and its extraction workers;
2. plain `trafilatura.extract(html, output_format="json", with_metadata=True)` over the same pages
   in this one process.

Prints both rates (pages/s), their ratio, peak RSS, CPU used by the crawl process and by its
workers, and the crawl's time split by stage (from the `warta/time/*` crawl stats).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lxml.html
import trafilatura

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archive.store.db import make_engine, session_factory  # noqa: E402
from archive.store.models import CrawlRun  # noqa: E402

DEFAULT_DIR = REPO_ROOT.parent / "shared" / "realpages"
WORD = re.compile(r"\w+", re.UNICODE)
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --- the perf site --------------------------------------------------------------------------------


def vocabulary(rnd: random.Random, size: int = 20_000) -> list[str]:
    letters = "abcdefghijklmnoprstuwy"
    return ["".join(rnd.choice(letters) for _ in range(rnd.randint(2, 10))) for _ in range(size)]


def scrambled(html: bytes, rnd: random.Random, words: list[str]) -> bytes:
    """The page with every word inside its <p> elements replaced by a random word."""
    tree = lxml.html.fromstring(html)

    def swap(text: str | None) -> str | None:
        return WORD.sub(lambda _: rnd.choice(words), text) if text else text

    for paragraph in tree.iter("p"):
        for element in paragraph.iter():
            element.text = swap(element.text)
            if element is not paragraph:
                element.tail = swap(element.tail)
    return lxml.html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>")


def build_site(realpages: Path, copies: int) -> dict[str, bytes]:
    rnd = random.Random(7)
    words = vocabulary(rnd)
    pages: dict[str, bytes] = {}
    for n, path in enumerate(sorted((realpages / "aeb" / "html").glob("*.html.gz"))):
        original = gzip.decompress(path.read_bytes())
        for copy in range(copies):
            pages[f"/berita/{n:03d}/salinan-{copy:02d}-halaman-uji-kinerja"] = scrambled(
                original, rnd, words
            )
    return pages


class PerfSite:
    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.base_url = ""
        self.server: ThreadingHTTPServer | None = None

    def sitemap(self) -> bytes:
        entries = "".join(f"<url><loc>{self.base_url.rstrip('/')}{path}</loc></url>"
                          for path in self.pages)
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>').encode()

    def __enter__(self) -> PerfSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path == "/sitemap.xml":
                    body, kind = site.sitemap(), "application/xml"
                elif self.path in site.pages:
                    body, kind = site.pages[self.path], "text/html; charset=utf-8"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


# --- measuring the crawl -------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue += _children(current)
    return pids


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_SIZE
    except (OSError, IndexError):
        return 0


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


class Sampler(threading.Thread):
    """Samples the crawl's process tree: peak total RSS, peak crawl-process RSS, last CPU times."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_total = self.peak_main = 0
        self.cpu: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            pids = _tree(self.pid)
            rss = {pid: _rss(pid) for pid in pids}
            self.peak_total = max(self.peak_total, sum(rss.values()))
            self.peak_main = max(self.peak_main, rss.get(self.pid, 0))
            for pid in pids:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu(pid))


def crawl(site: PerfSite, workdir: Path, workers: int, repo: Path = REPO_ROOT) -> dict[str, object]:
    db_url = f"sqlite:///{workdir / 'archive.db'}"
    # The crawl creates the schema itself (WARTA_AUTO_UPGRADE), with the migrations of the code
    # it runs: another checkout's may be older than ours.
    registry = workdir / "sites.toml"
    registry.write_text(
        f'[[site]]\nname = "perf-site"\nhome_url = "{site.base_url}"\n'
        f'province = "Sumatera Selatan"\nsitemap_urls = ["{site.base_url}sitemap.xml"]\n',
        encoding="utf-8",
    )
    settings = {
        "WARTA_SITES_FILE": registry, "WARTA_DATABASE_URL": db_url,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "TELNETCONSOLE_ENABLED": False,
        # INFO: the end-of-crawl stats dump is read from the log.
        "LOG_LEVEL": "INFO", "WARTA_EXTRACT_WORKERS": workers, "ROBOTSTXT_OBEY": False,
    }
    argv = [sys.executable, "-m", "scrapy", "crawl", "perf-site"]
    for key, value in settings.items():
        argv += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    started = time.monotonic()
    # This process serves the site: its CPU during the crawl is the fixture server's (plus the
    # sampler's), taken from the same two cores the crawl runs on.
    server_cpu = time.process_time()
    proc = subprocess.Popen(argv, cwd=repo, env=env, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    _, stderr = proc.communicate()
    elapsed = time.monotonic() - started
    server_cpu = time.process_time() - server_cpu
    sampler.done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"scrapy crawl failed ({proc.returncode}):\n{stderr[-3000:]}")
    stats = _stats_from_log(stderr)
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        [run] = session.query(CrawlRun).all()
        run_seconds = (run.finished_at - run.started_at).total_seconds()
        stored = run.articles_new
    engine.dispose()
    main_cpu = sampler.cpu.get(proc.pid, 0.0)
    return {
        "stored": stored, "elapsed": elapsed, "run_seconds": run_seconds, "stats": stats,
        "peak_total": sampler.peak_total, "peak_main": sampler.peak_main,
        "main_cpu": main_cpu, "worker_cpu": sum(sampler.cpu.values()) - main_cpu,
        "server_cpu": server_cpu,
        "pages": int(stats.get("warta/extracted", 0) + stats.get("warta/rejected", 0)),
    }


_STAT_LINE = re.compile(r"^[{\s]*'([^']+)':\s*([0-9.e+-]+)[,}]?$")


def _stats_from_log(stderr: str) -> dict[str, float]:
    """The numeric values of Scrapy's end-of-crawl stats dump (pprint of a dict, one per line)."""
    stats: dict[str, float] = {}
    for line in stderr.splitlines():
        if match := _STAT_LINE.match(line):
            stats[match.group(1)] = float(match.group(2))
    return stats


def plain_trafilatura(pages: dict[str, bytes], base_url: str) -> tuple[int, float]:
    started = time.perf_counter()
    extracted = 0
    for path, html in pages.items():
        result = trafilatura.extract(html, url=base_url.rstrip("/") + path,
                                     output_format="json", with_metadata=True)
        extracted += result is not None
    return extracted, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=11)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--realpages", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--repo", type=Path, default=REPO_ROOT,
                        help="crawl with this checkout's code (e.g. an older commit's worktree)")
    args = parser.parse_args()

    pages = build_site(args.realpages, args.copies)
    total_bytes = sum(map(len, pages.values()))
    print(f"perf site: {len(pages):,} pages, {total_bytes / 2**20:.1f} MB, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    with PerfSite(pages) as site, tempfile.TemporaryDirectory() as tmp:
        result = crawl(site, Path(tmp), args.workers, args.repo)
        extracted, plain_seconds = plain_trafilatura(pages, site.base_url)

    crawl_rate = result["pages"] / result["run_seconds"]  # type: ignore[operator]
    plain_rate = len(pages) / plain_seconds
    stats: dict[str, float] = result["stats"]  # type: ignore[assignment]
    print(f"scrapy crawl: {result['stored']:,} articles stored, {result['pages']:,} pages "
          f"extracted in {result['run_seconds']:.1f} s (process {result['elapsed']:.1f} s): "
          f"{crawl_rate:.1f} pages/s")
    print(f"plain trafilatura, one process: {len(pages):,} pages ({extracted:,} with text) in "
          f"{plain_seconds:.1f} s: {plain_rate:.1f} pages/s")
    print(f"ratio crawl / plain: {crawl_rate / plain_rate:.2f}")
    print(f"peak RSS: {result['peak_total'] / 2**20:.0f} MB for the crawl and its workers "
          f"({result['peak_main'] / 2**20:.0f} MB the crawl process)")
    print(f"CPU: crawl process {result['main_cpu']:.1f} s "
          f"({result['main_cpu'] / result['run_seconds']:.0%} of a core), "  # type: ignore[operator]
          f"workers {result['worker_cpu']:.1f} s, fixture server {result['server_cpu']:.1f} s")
    print("time by stage (crawl stats, seconds summed over pages):")
    for key in ("extract_cpu", "extract_wait", "identify", "tag", "store"):
        value = stats.get(f"warta/time/{key}")
        if value is not None:
            print(f"  {key:<13} {value:8.1f}")


if __name__ == "__main__":
    main()
