"""URL rules: URLs that never hold an article, the site's home page, article-like paths."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

__all__ = ["bare_host", "is_home_url", "looks_like_article_path", "non_article_url_rule"]

_NON_ARTICLE_SEGMENTS: dict[str, str] = {
    **dict.fromkeys(("category", "kategori", "categories"), "category"),
    **dict.fromkeys(("tag", "tags", "topik", "topic", "label"), "tag"),
    **dict.fromkeys(("author", "penulis"), "author"),
    **dict.fromkeys(("search", "cari", "pencarian"), "search"),
    **dict.fromkeys(("feed", "rss"), "feed"),
    **dict.fromkeys(
        (
            "about", "about-us", "contact", "contact-us", "kontak", "kontak-kami", "hubungi-kami",
            "tentang-kami", "redaksi", "susunan-redaksi", "pedoman-media-siber",
            "pedoman-pemberitaan-media-siber", "pedoman-siber", "privacy", "privacy-policy",
            "kebijakan-privasi", "disclaimer", "syarat-dan-ketentuan", "terms", "terms-of-service",
            "karir", "iklan", "info-iklan",
        ),
        "static-page",
    ),
    **dict.fromkeys(
        ("wp-login.php", "wp-login", "wp-admin", "wp-json", "xmlrpc.php", "login", "register"),
        "login",
    ),
    **dict.fromkeys(("attachment", "wp-content"), "attachment"),
}
_NON_ARTICLE_QUERY: dict[str, str] = {
    "s": "search",
    "paged": "pagination",
    "attachment_id": "attachment",
    "cat": "category",
    "tag": "tag",
    "author": "author",
    "feed": "feed",
}
_FILE_EXTENSIONS = frozenset(
    {
        *("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "csv", "txt"),
        *("jpg", "jpeg", "png", "gif", "webp", "svg", "bmp", "ico", "tif", "tiff", "avif", "heic"),
        *("mp3", "mp4", "m4a", "wav", "ogg", "webm", "avi", "mov", "wmv", "flv"),
        *("zip", "rar", "7z", "gz", "tgz", "apk", "exe"),
        *("xml", "json", "rss", "atom", "css", "js"),
    }
)
_ROOT_PATHS = frozenset({"", "/", "/index.php", "/index.html", "/index.htm", "/home", "/beranda"})


def non_article_url_rule(url: str) -> str | None:
    """The kind of page this URL always is when that is never an article ('category', 'tag',
    'author', 'pagination', 'search', 'feed', 'static-page', 'login', 'attachment', 'file')."""
    parts = urlsplit(url)
    segments = [s.lower() for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments):
        if segment == "page" and i + 1 < len(segments) and segments[i + 1].isdigit():
            return "pagination"
        if segment in _NON_ARTICLE_SEGMENTS:
            return _NON_ARTICLE_SEGMENTS[segment]
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _NON_ARTICLE_QUERY:
            return _NON_ARTICLE_QUERY[key.lower()]
    if segments and "." in segments[-1]:
        extension = segments[-1].rsplit(".", 1)[-1]
        if extension in _FILE_EXTENSIONS:
            return "file"
    return None


def is_home_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.path.lower() not in _ROOT_PATHS:
        return False
    # "/?p=123" is a WordPress post; only tracking parameters leave a root URL the home page.
    return all(key.lower().startswith("utm_") for key, _ in parse_qsl(parts.query))



_SLUG_WORD = re.compile(r"[a-z0-9]+", re.IGNORECASE)
_DATED_PATH = re.compile(r"/(?:19|20)\d\d/\d{1,2}/")
_NUMERIC_ID = re.compile(r"(?:^|/|-)\d{5,}(?:$|/|-|\.)")


def looks_like_article_path(path: str) -> bool:
    """A slug of three or more words, a dated path or a numeric id: how article URLs look."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    slug = re.sub(r"\.(?:html?|php|aspx?)$", "", last)
    words = _SLUG_WORD.findall(slug)
    return (
        (len(words) >= 3 and "-" in slug)
        or _DATED_PATH.search(path) is not None
        or (_NUMERIC_ID.search(path) is not None and len(words) >= 1)
    )


def bare_host(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1].split(":", 1)[0]
    return host.removeprefix("www.")
