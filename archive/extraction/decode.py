"""Page bytes → a parsed tree: charset decoding and the sniffing of bytes that are no HTML page."""

from __future__ import annotations

import codecs
import re

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction, fromstring
from trafilatura.utils import is_dubious_html, repair_faulty_html
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

from archive.extraction.records import Extraction, Reject

__all__ = ["decode_html", "parse_html", "read_page"]

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"\xd0\xcf\x11\xe0", "ms-office"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
    (b"ID3", "mp3"),
    (b"OggS", "ogg"),
    (b"wOFF", "font"),
    (b"wOF2", "font"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_NOT_HTML_ROOTS = frozenset({"rss", "feed", "urlset", "sitemapindex", "rdf:rdf", "svg", "kml"})
_HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|title|meta|div|p|article|main|section|h[1-6]|table|br)\b",
    re.IGNORECASE,
)
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)*\s*<([A-Za-z][\w:.-]*)",
                     re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SNIFF_BYTES = 4096


def read_page(body: bytes, http_encoding: str | None) -> HtmlElement | Extraction:
    """The decoded, parsed page, or the rejection of bytes that are no HTML page."""
    if not body or not body.strip():
        return Extraction.rejected(Reject.EMPTY)
    if kind := _binary_kind(body, http_encoding):
        return Extraction.rejected(Reject.NOT_HTML, kind=kind)
    html = decode_html(body, http_encoding)
    if kind := _not_html_kind(html):
        return Extraction.rejected(Reject.NOT_HTML, kind=kind)
    tree = parse_html(_CONTROL.sub("", html))
    if tree is None:
        return Extraction.rejected(Reject.NOT_HTML, kind="unparsable")
    return tree


# trafilatura's parser settings, with a class lookup done in C. lxml.html's own lookup is a Python
# callback run for every element object lxml creates (2.4 million on 362 perf-site pages, about
# 12 % of extraction's CPU); it only adds form-field classes (InputElement…) nobody here uses.
# Copies of the tree (trafilatura's, htmldate's) keep the document's parser and so this lookup.
_PARSER = etree.HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def parse_html(html: str) -> HtmlElement | None:
    """trafilatura's `load_html` for a decoded page, with warta's parser."""
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    tree: HtmlElement | None = None
    try:
        tree = fromstring(html, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree = None
    except Exception:  # lxml gives up on some pages; the bytes get a second chance below
        tree = None
    if tree is None or len(tree) < 1:
        try:
            tree = fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
        except Exception:
            return None
    if is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _binary_kind(body: bytes, http_encoding: str | None) -> str | None:
    head = body[:_SNIFF_BYTES]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"AVI ", b"WAVE"):
        return "riff"
    if head[4:8] == b"ftyp":
        return "mp4"
    # UTF-16/32 text is full of NULs, so NULs mean "binary" only when no such encoding applies.
    encodings = (read_bom(body)[0], resolve_encoding(http_encoding) if http_encoding else None)
    wide = any(enc and enc.startswith(("utf-16", "utf-32")) for enc in encodings)
    if not wide and b"\x00" in head:
        return "binary"
    return None


def _not_html_kind(html: str) -> str | None:
    head = html[:_SNIFF_BYTES].lstrip("\ufeff \t\r\n")
    if head[:1] in ("{", "["):
        return "json"
    root = _PROLOG.match(head)
    if root and root.group(1).lower() in _NOT_HTML_ROOTS:
        return root.group(1).lower()
    if _HTML_TAG.search(html, 0, 262144) is None:
        return "text"
    return None


def decode_html(body: bytes, http_encoding: str | None = None) -> str:
    """Decode page bytes: BOM, then HTTP charset, then <meta> charset, then UTF-8 or windows-1252.

    A declared charset is used only if the bytes decode cleanly with it: misdeclared pages (a
    windows-1252 .go.id page served as UTF-8) are common, and a clean decode under another
    candidate is the better evidence. Valid UTF-8 with non-ASCII text wins over a declared
    single-byte charset for the same reason.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom) :].decode(bom_encoding, "replace")
    candidates = _declared_encodings(body, http_encoding)
    if (not candidates or _single_byte(candidates[0])) and _is_multibyte_utf8(body):
        return _decode(body, "utf-8")
    for encoding in candidates:
        if _decodes_cleanly(body, encoding):
            return _decode(body, encoding)
    for encoding in ("utf-8", "cp1252"):
        if _decodes_cleanly(body, encoding):
            return _decode(body, encoding)
    return _decode(body, candidates[0] if candidates else "cp1252")


def _declared_encodings(body: bytes, http_encoding: str | None) -> list[str]:
    found: list[str] = []
    for raw in (http_encoding, html_body_declared_encoding(body[:_SNIFF_BYTES * 4])):
        encoding = resolve_encoding(raw) if raw else None
        if encoding and encoding not in found:
            found.append(encoding)
    return found


def _decode(body: bytes, encoding: str) -> str:
    return body.decode(encoding, "replace")


def _decodes_cleanly(body: bytes, encoding: str) -> bool:
    """True if the bytes are valid in `encoding`, allowing a character cut off at the end."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        decoder.decode(body, final=False)
    except (UnicodeError, LookupError):  # utf-16 raises UnicodeError itself
        return False
    return True


def _is_multibyte_utf8(body: bytes) -> bool:
    return not body.isascii() and _decodes_cleanly(body, "utf-8")


def _single_byte(encoding: str) -> bool:
    return encoding.startswith(("cp125", "iso8859", "latin", "windows-125", "ascii"))


