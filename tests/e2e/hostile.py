"""A hostile little web on 127.0.0.1 for the fault tests: pages that lie about their charset,
redirect off the site, are too big or bombs, sitemaps of thousands of dead URLs.

`HostileSite` serves a dict of routes (path → `Page`) from a thread; `article_html` makes a page
warta accepts as an article, with a unique text per seed.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_WORD_TEXT = """
keluarga berencana stunting posyandu balita desa kabupaten kader gizi ibu hamil penyuluhan
pemerintah daerah program kesehatan anak sekolah pelayanan masyarakat bidan puskesmas camat
bupati rapat koordinasi pendampingan remaja pernikahan data sasaran intervensi sensitif spesifik
air bersih sanitasi imunisasi timbang ukur
"""
WORDS = tuple(_WORD_TEXT.split())


@dataclass(slots=True)
class Page:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    body: bytes = b""
    stream: Callable[[], Iterator[bytes]] | None = None
    """Body sent in chunks without Content-Length (a page that never says how big it is)."""


def article_html(seed: int, *, title: str | None = None, charset_meta: str = "utf-8") -> str:
    rng = random.Random(seed)
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(6)
    ]
    title = title or f"Kabar keluarga berencana nomor {seed}: " + " ".join(
        rng.choice(WORDS) for _ in range(5)
    )
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="id"><head><meta charset="{charset_meta}">
<title>{title}</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2024-05-{1 + seed % 27:02d}T08:00:00+07:00">
</head><body><header><a href="/">Beranda</a></header>
<article><h1>{title}</h1>
{body}
</article><footer>Hak cipta redaksi</footer></body></html>"""


def rss(urls: list[str]) -> bytes:
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>x</title>'
        f"<link>http://x/</link><description>x</description>{items}</channel></rss>"
    ).encode()


def sitemap(urls: list[str]) -> bytes:
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    ).encode()


class HostileSite:
    """One site on its own port; `routes` may be changed while it runs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: dict[str, Page] = {}
        self.log: list[str] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with site._lock:
                    site.log.append(self.path)
                page = site.routes.get(self.path) or Page(404, body=b"not found")
                self.send_response(page.status)
                for key, value in page.headers.items():
                    self.send_header(key, value)
                if page.stream is not None:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        for chunk in page.stream():
                            self.wfile.write(chunk)
                    except OSError:  # the client gave up: that is the point
                        pass
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(page.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def fetched(self, path: str) -> int:
        with self._lock:
            return self.log.count(path)

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def registry_entry(self, **hints: list[str]) -> str:
        lines = ["[[site]]", f'name = "{self.name}"', f'home_url = "{self.base}/"',
                 'province = "Sumatera Selatan"']
        for key, paths in hints.items():
            urls = ", ".join(f'"{self.url(p)}"' for p in paths)
            lines.append(f"{key} = [{urls}]")
        return "\n".join(lines) + "\n"


def write_registry(path: Path, *entries: str) -> Path:
    path.write_text("\n".join(entries), encoding="utf-8")
    return path
