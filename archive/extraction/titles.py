"""The article's title (its own headline, not the SEO title with the site name) and author."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from archive.extraction.signals import PageSignals, norm, one_line, squash
from archive.extraction.text import Extracted
from archive.extraction.urls import bare_host

__all__ = ["clean_author", "pick_title"]

_TITLE_SEPARATORS = re.compile(r"\s+[-|–—:»·•]+\s+")
_SEPARATOR_BEFORE = re.compile(r"\s[-|–—:»·•]+\s$")
_SEPARATOR_AFTER = re.compile(r"^\s[-|–—:»·•]+\s")
_TRUNCATED = ("...", "…")
def pick_title(
    signals: PageSignals, extracted: Extracted | None, url: str | None = None
) -> str | None:
    """The article's own title, without the " - Site Name" suffixes of <title> and og:title.

    The JSON-LD headline and the page's own heading are what the author typed; <title>/og:title
    often carry the SEO title with the site name appended. The heading is known by the title
    spelling it out between separators ("<heading> - BKKBN Sumsel"), which also tells it from
    the sidebar's headings and from a title that mentions the site name inside the headline.
    """
    site_names = _site_names(signals, extracted)
    host = bare_host(urlsplit(url).netloc) if url else ""
    if signals.jsonld_headline:
        return _strip_site_name(signals.jsonld_headline, site_names, host)
    meta_titles = [t for t in (signals.og_title, signals.twitter_title, signals.title_element) if t]
    headings = [h for h in signals.headings if squash(h) not in site_names]
    spelled_out = [h for h in headings if any(_title_spells(t, h) for t in meta_titles)]
    heading = max(spelled_out, key=len, default=None)
    h1s = [t for t in signals.h1s if squash(t) not in site_names]
    # A lone <h1> still beats a section heading that a generic title happens to spell out
    # ("Berita | BKKBN Sumsel"); the article's heading is most of its title.
    if heading and (len(h1s) != 1 or any(
        2 * len(heading) >= len(t) and _title_spells(t, heading) for t in meta_titles
    )):
        return heading
    if len(h1s) == 1:
        return h1s[0]
    for h1 in h1s:
        if any(norm(h1) in norm(title) for title in meta_titles):
            return h1
    stripped_titles = [t for t in (_strip_site_name(t, site_names, host) for t in meta_titles) if t]
    # The visible headline may say more than the declared title ("In Picture: <og:title>").
    if signals.headline and any(
        norm(signals.headline).endswith(norm(t)) and len(signals.headline) <= len(t) + 30
        for t in stripped_titles
    ):
        return signals.headline
    if stripped_titles:
        return stripped_titles[0]
    if extracted and extracted.title:
        return _strip_site_name(extracted.title, site_names, host)
    return h1s[0] if h1s else None


def _title_spells(title: str, heading: str) -> bool:
    """Whether `title` is `heading`, alone or between separators ("Site :: <heading> | Berita"),
    or cut short with an ellipsis ("<start of heading>... - Site")."""
    title, heading = norm(title), norm(heading)
    start = title.find(heading)
    while start >= 0:
        before, after = title[:start], title[start + len(heading) :]
        if (not before or _SEPARATOR_BEFORE.search(before)) and (
            not after or _SEPARATOR_AFTER.match(after)
        ):
            return True
        start = title.find(heading, start + 1)
    parts = [title, *(title[: m.start()] for m in _TITLE_SEPARATORS.finditer(title))]
    for part in parts:
        if part.endswith(_TRUNCATED):
            stem = part.rstrip(" .…")
            if len(stem) >= _MIN_TRUNCATED_TITLE and heading.startswith(stem):
                return True
    return False


_MIN_TRUNCATED_TITLE = 20


def _site_names(signals: PageSignals, extracted: Extracted | None) -> set[str]:
    names = set(signals.site_names)
    # Without a declared name trafilatura takes whichever part of <title> holds a dot, which is
    # as often the headline ("… Layani 12.460 Akseptor - BKKBN Sumsel") as the site.
    if extracted and extracted.sitename and norm(extracted.sitename) not in norm(
        signals.title_element
    ):
        names.add(squash(extracted.sitename))
    names.discard("")
    return names


def _strip_site_name(title: str, site_names: set[str], host: str = "") -> str:
    """Drop a leading or trailing site name ("Judul - Sumeks", "Sumeks | Judul")."""
    title = one_line(title)
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    last, first = separators[-1], separators[0]
    if _is_site_name(title[last.end() :], site_names, host):
        return title[: last.start()].strip()
    if _is_site_name(title[: first.start()], site_names, host):
        return title[first.end() :].strip()
    return title


def _is_site_name(text: str, site_names: set[str], host: str = "") -> bool:
    return squash(text) in site_names or _looks_like_host(text) or _named_after_host(text, host)


def _looks_like_host(text: str) -> bool:
    return re.fullmatch(r"[\w-]+(?:\.[\w-]+)*\.(?:com|co\.id|id|net|org|go\.id|news)", text.strip(),
                        re.IGNORECASE) is not None


_MAX_SITE_NAME_WORDS = 4


def _named_after_host(text: str, host: str) -> bool:
    """Whether every word of a short title part is in the host name: "BKKBN Sumsel" on
    sumsel.bkkbn.go.id, "Tribun Sumsel" on sumsel.tribunnews.com."""
    words = re.findall(r"[^\W_]+", text.casefold())
    if not host or not words or len(words) > _MAX_SITE_NAME_WORDS or sum(map(len, words)) < 4:
        return False
    return all(len(word) >= 2 and word in host for word in words)


_BYLINE_PREFIX = re.compile(r"^(?:oleh|by|penulis|reporter|editor)\s*[:\-–]?\s*", re.IGNORECASE)


def clean_author(author: str | None) -> str | None:
    if not author:
        return None
    author = _BYLINE_PREFIX.sub("", one_line(author))
    if not author or "://" in author or len(author) > 120:
        return None
    return author
