"""HeadMetaRefreshMiddleware decides as Scrapy's MetaRefreshMiddleware does, from the page's
head only: same redirects, same pages left alone, and the body is not decoded whole."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.middlewares import HeadMetaRefreshMiddleware

REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages" / "aeb" / "html"
URL = "http://127.0.0.1:8000/berita/satu"
UTF8 = {"Content-Type": "text/html; charset=utf-8"}
FILLER = "<p>" + "Isi berita tentang posyandu dan stunting. " * 40 + "</p>\n"


def _page(head: str, body_blocks: int = 200, encoding: str = "utf-8") -> bytes:
    return (f"<!DOCTYPE html><html><head>{head}</head><body>"
            + FILLER * body_blocks + "</body></html>").encode(encoding)


def _outcome(mw: MetaRefreshMiddleware, body: bytes, headers: dict[str, str] | None = None,
             ) -> str | None:
    response = HtmlResponse(URL, body=body, headers=headers or {})
    result = mw.process_response(Request(URL), response)
    return result.url if isinstance(result, Request) else None


@pytest.fixture(scope="module")
def pair() -> tuple[MetaRefreshMiddleware, HeadMetaRefreshMiddleware]:
    crawler = get_crawler(settings_dict={"METAREFRESH_MAXDELAY": 100})
    return (MetaRefreshMiddleware.from_crawler(crawler),
            HeadMetaRefreshMiddleware.from_crawler(crawler))


PAGES = {
    "refresh": _page('<meta http-equiv="refresh" content="0; url=/berita/dua">'),
    "relative to base": _page('<base href="http://127.0.0.1:8000/arsip/">'
                              '<meta http-equiv="refresh" content="5;URL=\'tiga\'">'),
    "too slow": _page('<meta http-equiv="refresh" content="600; url=/berita/dua">'),
    "in noscript": _page('<noscript><meta http-equiv="refresh" content="0;url=/x"></noscript>'),
    "none": _page("<title>Berita</title>"),
    # Past the 4,096 characters Scrapy reads: not followed by either.
    "late": _page("<title>Berita</title>" + "<!-- ruang -->" * 400
                  + '<meta http-equiv="refresh" content="0; url=/berita/dua">'),
    "utf-16 with BOM": b"\xff\xfe" + _page(
        '<meta http-equiv="refresh" content="0; url=/berita/empat">', encoding="utf-16-le"),
    "small": b'<html><head><meta http-equiv="refresh" content="0;url=/kecil"></head></html>',
}


@pytest.mark.parametrize("name", PAGES)
def test_decides_as_scrapy_does(pair: tuple[MetaRefreshMiddleware, HeadMetaRefreshMiddleware],
                                name: str) -> None:
    scrapy_mw, head_mw = pair
    assert _outcome(head_mw, PAGES[name]) == _outcome(scrapy_mw, PAGES[name])


def test_redirects_and_leaves_the_body_undecoded(
    pair: tuple[MetaRefreshMiddleware, HeadMetaRefreshMiddleware],
) -> None:
    _scrapy_mw, head_mw = pair
    response = HtmlResponse(URL, body=PAGES["refresh"], headers=UTF8)
    result = head_mw.process_response(Request(URL), response)
    assert isinstance(result, Request) and result.url == "http://127.0.0.1:8000/berita/dua"
    plain = HtmlResponse(URL, body=PAGES["none"], headers=UTF8)
    assert head_mw.process_response(Request(URL), plain) is plain
    assert plain._cached_ubody is None  # the whole page was never decoded
    # Not HTML, or a HEAD request: untouched, as by Scrapy's.
    other = Response(URL, body=PAGES["refresh"])
    assert head_mw.process_response(Request(URL), other) is other
    head = HtmlResponse(URL, body=PAGES["refresh"])
    assert head_mw.process_response(Request(URL, method="HEAD"), head) is head


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="needs ../shared/realpages")
def test_real_pages_decode_their_head_as_scrapy_does(
    pair: tuple[MetaRefreshMiddleware, HeadMetaRefreshMiddleware],
) -> None:
    from crawler.middlewares import _head_text

    for path in sorted(REALPAGES.glob("*.html.gz"))[:60]:
        body = gzip.decompress(path.read_bytes())
        assert _head_text(HtmlResponse(URL, body=body)) == HtmlResponse(URL, body=body).text[:4096]
