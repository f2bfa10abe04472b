"""How long `warta report` takes on a big archive.

    python bench/report_scale.py [--articles 100000] [--database-url URL] [--keep] [--reuse]

Fills a fresh archive (a SQLite file under bench/out/ unless --database-url names an empty
database) with synthetic articles (warta/synthetic_archive.py: 30 sites across Sumatra, four
years of articles with seasonal peaks, stories carried by up to 12 outlets, tags with matched
terms, region tags, a crawl run per site for 120 nights), then times `warta report` as a user
runs it (a real process: wall time and its CPU time, which a busy machine inflates less) and
the CPU time of each chart's query and drawing in this process. Prints figures; asserts nothing
about speed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.reading import coverage  # noqa: E402
from archive.reading.charts import tag_colours  # noqa: E402
from archive.reading.report import CHARTS  # noqa: E402
from archive.store.db import make_engine, session_factory  # noqa: E402
from archive.store.schema import upgrade  # noqa: E402
from warta.synthetic_archive import fill_archive  # noqa: E402

OUT = REPO / "bench" / "out"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="time the report on the SQLite file a --keep run left")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"report-scale-{args.articles}.db"
    url = args.database_url or f"sqlite:///{path}"
    if not (args.reuse and path.exists()):
        if args.database_url is None:
            for leftover in OUT.glob(path.name + "*"):
                leftover.unlink()
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        filled = fill_archive(engine, args.articles)
        print(f"filled in {time.perf_counter() - started:.1f} s: {filled}")
        engine.dispose()

    report = OUT / f"report-scale-{args.articles}.html"
    env = {**os.environ, "WARTA_DATABASE_URL": url}
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "warta.cli", "report", "-o", str(report)],
                          cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    print(done.stdout.strip() or done.stderr.strip())
    print(f"`warta report`: {elapsed:.1f} s wall, {cpu:.1f} s CPU "
          f"({report.stat().st_size / 1e6:.2f} MB page)")

    engine = make_engine(url, read_only=True)
    with session_factory(engine)() as session:
        context = coverage.SqlContext(engine.dialect.name)
        colours = tag_colours(coverage.archive_tags(session))
        # CPU seconds of this process (SQLite runs in it; PostgreSQL's own work is not counted,
        # hence the query's wall time too).
        print(f"{'chart':<16} {'query wall s':>12} {'query CPU s':>11} {'draw CPU s':>10} "
              f"{'rows':>6}")
        for spec in CHARTS:
            w0, t0 = time.perf_counter(), time.process_time()
            result = coverage.run(session, spec.query(coverage.ReportFilter(), context))
            w1, t1 = time.perf_counter(), time.process_time()
            if result.rows:
                spec.draw(result, colours)
            t2 = time.process_time()
            print(f"{spec.key:<16} {w1 - w0:>12.2f} {t1 - t0:>11.2f} {t2 - t1:>10.2f} "
                  f"{len(result.rows):>6}")
    engine.dispose()
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.database_url is None and not args.keep:
        for leftover in OUT.glob(path.name + "*"):
            leftover.unlink()
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
