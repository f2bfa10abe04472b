"""Page bytes → a parsed tree: charset decoding and the sniffing of bytes that are no HTML page."""

from __future__ import annotations

import codecs
import re

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction, fromstring
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html
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
_SNIFF_BYTES = 4096


def read_page(body: bytes, http_encoding: str | None) -> HtmlElement | Extraction:
    """The decoded, parsed page, or the rejection of bytes that are no HTML page."""
    if not body or not body.strip():
        return Extraction.rejected(Reject.EMPTY)
    if kind := _binary_kind(body, http_encoding):
        return Extraction.rejected(Reject.NOT_HTML, kind=kind)
    html, encoding = _decoded(body, http_encoding)
    if kind := _not_html_kind(html):
        return Extraction.rejected(Reject.NOT_HTML, kind=kind)
    # Most pages are clean UTF-8 that needs none of the repairs: libxml2 then reads the bytes
    # themselves, which skips two scans of the text for characters to strip and the re-reading
    # of the decoded text as UCS-2/4 (read_page 2.9 → 1.5 ms a page on the perf pages).
    if encoding == "utf-8" and _clean_bytes(body) and not _needs_repair(html):
        tree = _parsed(body, html[:50].lower())
    else:
        tree = parse_html(html)
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
    """trafilatura's `load_html` for a decoded page, with warta's parser: the characters libxml2
    rejects or warta drops (C0 controls, DEL, U+FFFE/U+FFFF) removed, a faulty doctype or
    self-closing <html/> repaired (trafilatura's `repair_faulty_html`)."""
    html = _STRIPPED.sub("", html)
    beginning = html[:50].lower()
    if "doctype" in beginning:
        firstline, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    if _self_closing_html(html):
        html = FAULTY_HTML.sub(r"\1>", html, count=1)
    return _parsed(html, beginning)


def _parsed(html: str | bytes, beginning: str) -> HtmlElement | None:
    tree: HtmlElement | None = None
    try:
        tree = fromstring(html, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree = None
    except Exception:  # lxml gives up on some pages; the bytes get a second chance below
        tree = None
    if (tree is None or len(tree) < 1) and isinstance(html, str):
        try:
            tree = fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
        except Exception:
            return None
    if tree is None:
        return None
    if is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


# trafilatura's INVALID_XML_CHARS and warta's own (DEL), stripped in one pass.
_STRIPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_STRIPPED_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def _clean_bytes(body: bytes) -> bool:
    """Whether UTF-8 `body` holds none of `_STRIPPED`'s characters (U+FFFE/U+FFFF are
    EF BF BE/BF in UTF-8; the others are single bytes no multi-byte sequence contains)."""
    return len(body.translate(None, _STRIPPED_BYTES)) == len(body) and (
        # A one-byte search is a memchr: most pages have no EF byte at all.
        b"\xef" not in body or (b"\xef\xbf\xbe" not in body and b"\xef\xbf\xbf" not in body)
    )


def _needs_repair(html: str) -> bool:
    beginning = html[:50].lower()
    if "doctype" in beginning and DOCTYPE_TAG.match(html.partition("\n")[0]):
        return True
    return _self_closing_html(html)


def _self_closing_html(html: str) -> bool:
    return any(
        "<html" in line and line.endswith("/>") for line in html[:4096].splitlines()[:4]
    )


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
    return _decoded(body, http_encoding)[0]


def _decoded(body: bytes, http_encoding: str | None) -> tuple[str, str | None]:
    """`decode_html`'s text and the encoding that decoded all of it cleanly (None after a BOM
    or when no candidate did)."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom) :].decode(bom_encoding, "replace"), None
    candidates = _declared_encodings(body, http_encoding)
    if (
        (not candidates or _single_byte(candidates[0]))
        and not body.isascii()
        and (decoded := _clean_decode(body, "utf-8")) is not None
    ):
        return decoded
    for encoding in dict.fromkeys((*candidates, "utf-8", "cp1252")):
        if (decoded := _clean_decode(body, encoding)) is not None:
            return decoded
    return _decode(body, candidates[0] if candidates else "cp1252"), None


def _declared_encodings(body: bytes, http_encoding: str | None) -> list[str]:
    found: list[str] = []
    for raw in (http_encoding, html_body_declared_encoding(body[:_SNIFF_BYTES * 4])):
        encoding = resolve_encoding(raw) if raw else None
        if encoding and encoding not in found:
            found.append(encoding)
    return found


def _decode(body: bytes, encoding: str) -> str:
    return body.decode(encoding, "replace")


def _clean_decode(body: bytes, encoding: str) -> tuple[str, str | None] | None:
    """The text and `encoding` if the bytes are valid in it (a character cut off at the end
    allowed, then decoded as a replacement character), else None."""
    # One decode does for most encodings; UTF-16/32 without a BOM (none is left here) must go
    # through the incremental decoder, which refuses them where a plain decode guesses an order.
    if not encoding.startswith(("utf-16", "utf-32")):
        try:
            return body.decode(encoding), encoding
        except LookupError:
            return None
        except UnicodeError:
            pass
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(body, final=False)
    except (UnicodeError, LookupError):  # utf-16 raises UnicodeError itself
        return None
    # Valid, perhaps but for a cut-off last character: the fast path in read_page is not taken.
    return _decode(body, encoding), None


def _single_byte(encoding: str) -> bool:
    return encoding.startswith(("cp125", "iso8859", "latin", "windows-125", "ascii"))


