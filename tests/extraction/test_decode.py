"""Decoding page bytes whatever the charset, and the sniffing of bytes that are no HTML page."""

from __future__ import annotations

from copy import deepcopy

import pytest
from lxml.html import HtmlElement

from archive.extraction import extract
from archive.extraction.decode import decode_html, parse_html
from tests.extraction.pages import CASES, CP1252, article_of, fixture


@pytest.mark.parametrize("http_encoding", [None, "windows-1252", "ISO-8859-1", "utf-8"])
def test_windows_1252_page_decodes_whatever_the_http_header_says(http_encoding: str | None) -> None:
    article = article_of(CP1252, http_encoding=http_encoding)
    assert "\ufffd" not in article.text
    assert "Café Pempek" in article.text
    assert "UPPKA – mulai" in article.text
    assert "“Penguatan Program Bangga Kencana" in article.text
    assert article.title == CP1252.title


def test_utf16_and_bom_pages() -> None:
    case = CASES[2]
    html = fixture(case.file).decode("utf-8")
    for body in (html.encode("utf-16"), b"\xef\xbb\xbf" + html.encode("utf-8")):
        result = extract(body, case.url)
        assert result.article is not None
        assert result.article.title == case.title


def test_decode_prefers_a_clean_decode_over_a_wrong_declaration() -> None:
    body = '<html><head><meta charset="utf-8"></head><body>Café – ok</body></html>'
    assert "Café – ok" in decode_html(body.encode("cp1252"))
    # Real UTF-8 declared as latin-1 by a misconfigured server.
    assert "Café – ok" in decode_html(body.encode("utf-8"), "iso-8859-1")
    # A UTF-8 page cut off in the middle of a character still decodes as UTF-8.
    assert "Café – ok" in decode_html(body.encode("utf-8")[:-3] + "é".encode()[:1])
    # UTF-8 declared as UTF-16, in the header or the page, of an even length that a plain
    # UTF-16 decode would accept as garbage.
    utf16 = body.replace("utf-8", "utf-16").encode("utf-8")
    for page in (utf16, utf16 + b" "):
        assert "Café – ok" in decode_html(page[: len(page) // 2 * 2], "utf-16")
        assert "Café – ok" in decode_html(page[: len(page) // 2 * 2])


@pytest.mark.parametrize(
    ("body", "reason", "kind"),
    [
        (b"", "empty", None),
        (b"  \r\n ", "empty", None),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>", "not-html", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "not-html", "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "not-html", "jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "not-html", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "not-html", "riff"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not-html", "zip"),
        (b"\x00\x01\x02binary\x00data", "not-html", "binary"),
        (b'{"status": "ok", "data": []}', "not-html", "json"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><item><description>'
         b"<![CDATA[<p>Berita</p>]]></description></item></channel></rss>", "not-html", "rss"),
        (b'<?xml version="1.0"?><urlset><url><loc>https://x.example/a</loc></url></urlset>',
         "not-html", "urlset"),
        (b"Hanya teks biasa tanpa tag apa pun.", "not-html", "text"),
    ],
)
def test_non_html_bodies(body: bytes, reason: str, kind: str | None) -> None:
    result = extract(body, "https://x.example/berita/rakerda-bangga-kencana-2022/")
    assert result.article is None
    assert result.reject_reason == reason
    assert result.details.get("kind") == kind


def test_parse_html_gives_html_elements_without_the_python_class_lookup() -> None:
    tree = parse_html("<html><body><form><input name='q'></form><p>Teks <b>tebal</b></p></html>")
    assert tree is not None
    # lxml.html's Python lookup would make it an InputElement; the C lookup gives every element
    # the one class, in copies too.
    assert {type(element) for element in tree.iter()} == {HtmlElement}
    assert {type(element) for element in deepcopy(tree).iter()} == {HtmlElement}
    assert tree.find(".//p").text_content() == "Teks tebal"
    assert parse_html("just words, no markup") is None
