"""A one-site web on 127.0.0.1 with pages that are costly to extract, for the bounds tests.

The site has an index page linking to ordinary articles and to photo-gallery pages made of
thousands of small blocks: the page shape that sent trafilatura's jusText fallback into quadratic
work for 14 minutes on a real portal. Extraction cost grows with the number of blocks (about a
millisecond each here), so a gallery's size says how long it keeps a worker busy.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_WORDS = [
    *("foto", "kegiatan", "posyandu", "balita", "kader", "desa", "stunting", "keluarga"),
    *("berencana", "sosialisasi", "penyuluhan", "gizi", "ibu", "hamil", "pelayanan"),
    *("kontrasepsi", "kampung", "kb", "rembuk", "camat", "bupati"),
]


def article_page(n: int) -> bytes:
    """An ordinary news article: headline, dateline, six paragraphs (about 1,500 characters)."""
    rnd = random.Random(n)
    paragraphs = "".join(
        "<p>" + " ".join(rnd.choice(_WORDS) for _ in range(40)).capitalize() + ".</p>"
        for _ in range(6)
    )
    title = f"Kader Posyandu Desa {n} Ikuti Pelatihan Pencegahan Stunting"
    return (
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>{title} - Warta Uji</title>"
        "<meta property='og:type' content='article'>"
        "<meta property='article:published_time' "
        f"content='2024-06-{n % 28 + 1:02d}T09:00:00+07:00'>"
        f"</head><body><header><a href='/'>Warta Uji</a></header><article><h1>{title}</h1>"
        f"<div class='entry'>{paragraphs}</div></article></body></html>"
    ).encode()


def gallery_page(blocks: int, seed: int = 1) -> bytes:
    """A photo gallery of `blocks` captioned thumbnails."""
    rnd = random.Random(seed)
    items = "".join(
        f"<div class='item'><a href='/foto/{i}'><img src='/img/{i}.jpg'></a>"
        f"<p>{' '.join(rnd.choice(_WORDS) for _ in range(rnd.randint(2, 7)))}</p></div>"
        for i in range(blocks)
    )
    return (
        "<!doctype html><html lang='id'><head><meta charset='utf-8'><title>Galeri Foto</title>"
        f"</head><body><h1>Galeri Foto Kegiatan</h1><div class='gallery'>{items}</div>"
        "</body></html>"
    ).encode()


@dataclass
class HeavyWeb:
    """Serves `pages` (path → HTML bytes) plus an index linking to all of them."""

    pages: dict[str, bytes]
    requests: list[str] = field(default_factory=list)
    base_url: str = ""

    def index(self) -> bytes:
        links = "".join(f"<li><a href='{path}'>{path}</a></li>" for path in self.pages)
        return f"<html><body><h1>Indeks</h1><ul>{links}</ul></body></html>".encode()

    def registry_toml(self, path: Path, name: str = "heavy-web") -> Path:
        path.write_text(
            f'[[site]]\nname = "{name}"\nhome_url = "{self.base_url}"\n'
            f'province = "Sumatera Selatan"\nlisting_urls = ["{self.base_url}indeks"]\n'
            "listing_depth = 1\n",
            encoding="utf-8",
        )
        return path

    def fetched(self, path: str) -> int:
        return self.requests.count(path)


@contextmanager
def serve(pages: dict[str, bytes]) -> Iterator[HeavyWeb]:
    web = HeavyWeb(pages)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            web.requests.append(self.path)
            body = web.index() if self.path == "/indeks" else web.pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    web.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield web
    finally:
        server.shutdown()
        server.server_close()
