"""The README's screenshot: the sample archive's coverage report in headless Chromium.

    python bench/report_screenshot.py [--docs]

Crawls the bundled sample web (`warta demo`: real `scrapy crawl` processes against the sample
sites on 127.0.0.1) into a fresh archive under bench/out/, with WARTA_REPORT_PATH set so the
report is written by the daemon when the night's last crawl ends, then opens it in Debian's
headless chromium and saves the whole page to bench/out/report.png. `--docs` also copies the
PNG to docs/img/report.png (the README's image).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import browser  # noqa: E402

OUT = REPO / "bench" / "out"
DOCS_IMAGE = REPO / "docs" / "img" / "report.png"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", action="store_true", help=f"also copy the PNG to {DOCS_IMAGE}")
    args = parser.parse_args()
    reason = browser.missing_reason()
    if reason:
        print(f"cannot take the screenshot: {reason}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "sample-archive.db"
    for leftover in OUT.glob(database.name + "*"):
        leftover.unlink()
    report = OUT / "report.html"
    report.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    env |= {"WARTA_DATABASE_URL": f"sqlite:///{database}", "WARTA_REPORT_PATH": str(report)}
    started = time.perf_counter()
    demo = subprocess.run([sys.executable, "-m", "warta.cli", "demo"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    print(f"`warta demo` (crawl + nightly report): {time.perf_counter() - started:.1f} s, "
          f"exit {demo.returncode}")
    if demo.returncode != 0 or not report.exists():
        print(demo.stdout[-3000:], demo.stderr[-3000:], sep="\n", file=sys.stderr)
        return 1
    started = time.perf_counter()
    page = browser.render(report)
    shot = OUT / "report.png"
    shot.write_bytes(page.screenshot)
    loaded = sum(1 for image in page.images if image["complete"] and image["width"] > 0)
    print(f"rendered in {time.perf_counter() - started:.1f} s: {loaded}/{len(page.images)} "
          f"charts loaded; screenshot {shot} ({len(page.screenshot) / 1e3:.0f} kB)")
    if args.docs:
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_IMAGE)
        print(f"copied to {DOCS_IMAGE.relative_to(REPO)}")
    return 0 if loaded == len(page.images) else 1


if __name__ == "__main__":
    sys.exit(main())
