"""`warta serve` at scale: the sample web's archive grown to N articles, then each canned query,
the v_articles page with its facets and a full-text search timed through Datasette's JSON API,
and `warta export --format sqlite` timed on it.

    .venv/bin/python bench/browse_bench.py                 # 100,000 articles
    .venv/bin/python bench/browse_bench.py --articles 20000 --keep /tmp/big.db
    .venv/bin/python bench/browse_bench.py --reuse /tmp/big.db     # serve it again

The sample web is crawled once (`warta demo`); its 32 articles are then copied with shifted
days over two years (each copy its own story), with their tags and regions, by SQL. Prints
figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archive.reading.canned_queries import CANNED_QUERIES  # noqa: E402

ARTICLE_COLUMNS = (
    "site_id, title, author, published_at, published_time_known, published_date, "
    "published_utc_offset_minutes, language, text, text_hash, word_count, original_id, "
    "taxonomy_version, gazetteer_version, first_fetched_at, last_fetched_at, last_changed_at"
)


def crawl_sample(db: Path) -> None:
    env = {**os.environ, "WARTA_DATABASE_URL": f"sqlite:///{db}"}
    subprocess.run([sys.executable, "-m", "warta.cli", "demo"], cwd=REPO_ROOT, env=env,
                   check=True, capture_output=True, text=True, timeout=900)


def grow(db: Path, articles: int) -> int:
    """Copy the crawled articles (with tags and regions) until the archive holds `articles`."""
    conn = sqlite3.connect(db, isolation_level=None)
    base = [row[0] for row in conn.execute("SELECT id FROM articles ORDER BY id")]
    copies = max(0, (articles - len(base)) // len(base))
    conn.execute("BEGIN")
    for copy in range(1, copies + 1):
        shift = f"'+{copy % 730} days'"
        for article_id in base:
            cur = conn.execute(
                f"""INSERT INTO articles (canonical_url, cluster_id, {ARTICLE_COLUMNS})
                SELECT canonical_url || '?copy={copy}', NULL,
                       {ARTICLE_COLUMNS.replace('published_date', f'date(published_date, {shift})')}
                FROM articles WHERE id = ?""", (article_id,))
            new_id = cur.lastrowid
            conn.execute("INSERT INTO clusters (id, created_at) VALUES (?, datetime('now'))",
                         (new_id,))
            conn.execute("UPDATE articles SET cluster_id = ? WHERE id = ?", (new_id, new_id))
            conn.execute("""INSERT INTO article_tags (article_id, tag, match_count,
                            matched_terms, in_title, in_body, score, taxonomy_version)
                            SELECT ?, tag, match_count, matched_terms,
                            in_title, in_body, score, taxonomy_version
                            FROM article_tags WHERE article_id = ?""", (new_id, article_id))
            conn.execute("""INSERT INTO article_regions (article_id, region_code, score,
                            matched_forms, in_dateline, in_title, in_body, gazetteer_version)
                            SELECT ?, region_code, score,
                            matched_forms, in_dateline, in_title, in_body, gazetteer_version
                            FROM article_regions WHERE article_id = ?""", (new_id, article_id))
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    return int(total)


def timed_get(url: str) -> tuple[float, object]:
    """Seconds to answer `url` and its JSON (a failure's JSON too: a query over the time
    limit is a 400 saying so)."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            data = json.load(response)
    except urllib.error.HTTPError as exc:
        data = {"error": f"HTTP {exc.code}: {json.load(exc).get('error')}"}
    return time.perf_counter() - start, data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Keep the grown archive at this path.")
    parser.add_argument("--reuse", type=Path,
                        help="Serve this archive (one --keep wrote) instead of growing one.")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="warta-browse-bench-"))
    db = tmp / "archive.db"
    try:
        if args.reuse:
            shutil.copy(args.reuse, db)
        else:
            start = time.perf_counter()
            crawl_sample(db)
            print(f"sample web crawled in {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            total = grow(db, args.articles)
            print(f"grown to {total} articles in {time.perf_counter() - start:.1f} s "
                  f"({db.stat().st_size / 1e6:.0f} MB)")
            if args.keep:
                shutil.copy(db, args.keep)
            start = time.perf_counter()
            env = {**os.environ, "WARTA_DATABASE_URL": f"sqlite:///{db}"}
            subprocess.run([sys.executable, "-m", "warta.cli", "export", "--format", "sqlite",
                            "-o", str(tmp / "snapshot.db")], cwd=REPO_ROOT, env=env,
                           check=True, capture_output=True, timeout=3600)
            print(f"warta export --format sqlite: {time.perf_counter() - start:.1f} s")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "warta.cli", "serve", str(db),
                                 "--port", str(port)], cwd=tmp, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}/archive"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=5)
                    break
                except OSError:
                    time.sleep(0.2)
            pages = {q.name: f"{base}/{q.name}.json?_shape=array" for q in CANNED_QUERIES}
            pages["v_articles + 6 facets"] = f"{base}/v_articles.json?_size=50"
            pages["v_articles, tag chosen"] = (f"{base}/v_articles.json?_size=50"
                                               "&tags__listcontains=stunting")
            pages["search 'rembuk stunting'"] = (f"{base}/v_articles.json?_size=50"
                                                 "&_search=rembuk+stunting")
            pages["v_article_regions + facets"] = f"{base}/v_article_regions.json?_size=50"
            for name, url in pages.items():
                seconds, data = timed_get(url)
                timed_out = data.get("facets_timed_out") if isinstance(data, dict) else None
                error = data.get("error") if isinstance(data, dict) else None
                note = f"  facets timed out: {timed_out}" if timed_out else ""
                note += f"  {error}" if error else ""
                print(f"{name:<32} {seconds * 1000:8.0f} ms{note}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
