"""Listing pages: pages whose text is teasers of other articles, whatever their markup claims."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from archive.extraction.signals import PageSignals, norm, one_line
from archive.extraction.urls import bare_host, looks_like_article_path, non_article_url_rule

__all__ = ["listing_evidence"]

# A listing links to at least a page of teasers; article pages with a "latest news" sidebar also
# link to many, which is why link counts alone never decide.
_MANY_ARTICLE_LINKS = 10
_TEASER_DEPTH = 5
_MIN_TEASER_LINES = 3
_TEASER_LINE_SHARE = 0.4
_EXCERPT_END = re.compile(r"(?:\[\s*(?:…|\.\.\.)\s*\]|…|\.\.\.|baca selengkapnya\W*|"
                          r"read more\W*|selengkapnya\W*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Link:
    element: HtmlElement
    target: str
    anchor: str
    """Normalised anchor text."""


def listing_evidence(
    tree: HtmlElement,
    signals: PageSignals,
    text: str,
    *,
    article_url_pattern: re.Pattern[str] | None = None,
    min_text_chars: int = 600,
) -> str | None:
    """Why this page is a listing rather than one article, or None.

    The text-shape tests apply to every page, because some themes stamp og:type=article on
    category pages too; the page's own "I am a collection" declaration only counts when nothing
    says it is an article.
    """
    links = _article_links(tree, signals.url, article_url_pattern)
    lines = [line for line in text.split("\n\n") if line]
    anchors = {link.anchor for link in links if len(link.anchor) >= 15}
    headlines = [norm(line.lstrip("-•* ")) in anchors for line in lines]
    if _most(sum(headlines), lines):
        return "headline-text"
    excerpts = [_EXCERPT_END.search(line) is not None for line in lines]
    if _most(sum(excerpts), lines):
        return "excerpt-text"
    # The last page of a category may hold two teasers: headline and excerpt lines together.
    teasers = [headline or excerpt for headline, excerpt in zip(headlines, excerpts, strict=True)]
    if any(headlines) and any(excerpts) and _most(sum(teasers), lines):
        return "teaser-text"
    if _most(_teaser_lines(tree, lines, links), lines):
        return "teaser-blocks"
    if signals.article_signal is None and (declared := signals.declared_listing):
        targets = {link.target for link in links}
        if len(targets) >= _MANY_ARTICLE_LINKS and len(text) < 2 * min_text_chars:
            return declared
    return None


def _most(count: int, lines: list[str]) -> bool:
    return count >= _MIN_TEASER_LINES and count >= _TEASER_LINE_SHARE * len(lines)


def _teaser_lines(tree: HtmlElement, lines: list[str], links: list[_Link]) -> int:
    """How many paragraphs sit in a teaser: a small block holding exactly one headline link.

    A listing's excerpts each sit a few levels below their own headline (h1–h4) link; an article's
    paragraphs share one body that holds no such link, or several (related posts).
    """
    headline_links = _headline_links(links)
    if not headline_links:
        return 0
    teaser_targets: list[str] = []
    for owner in _text_owners(tree, lines):
        for block in [owner, *owner.iterancestors()][:_TEASER_DEPTH]:
            inside = {link.target for link in headline_links if id(block) in link.ancestor_ids}
            if inside:
                if len(inside) == 1:
                    teaser_targets.append(inside.pop())
                break
    # Paragraphs of one article that happen to sit under one headline link are not teasers.
    return len(teaser_targets) if len(set(teaser_targets)) >= _MIN_TEASER_LINES else 0


@dataclass(frozen=True, slots=True)
class _HeadlineLink:
    target: str
    ancestors: tuple[HtmlElement, ...]
    """Held so that lxml keeps handing out the same proxy objects, making `ancestor_ids` valid."""
    ancestor_ids: frozenset[int]


def _headline_links(links: list[_Link]) -> list[_HeadlineLink]:
    """The links that are a headline: inside an h1–h4."""
    found: list[_HeadlineLink] = []
    for link in links:
        ancestors = tuple(link.element.iterancestors())
        if any(a.tag in ("h1", "h2", "h3", "h4") for a in ancestors):
            found.append(_HeadlineLink(link.target, ancestors, frozenset(map(id, ancestors))))
    return found


def _text_owners(tree: HtmlElement, lines: list[str]) -> list[HtmlElement]:
    """The elements whose own text starts each paragraph (first 40 characters), where found."""
    nodes: list[tuple[str, HtmlElement]] = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        if element.text and element.text.strip():
            nodes.append((one_line(element.text), element))
        parent = element.getparent()
        if element.tail and element.tail.strip() and parent is not None:
            nodes.append((one_line(element.tail), parent))
    owners: list[HtmlElement] = []
    for line in lines:
        probe = line.lstrip("-•* ")[:40]
        if len(probe) < 20:
            continue
        owner = next((element for text, element in nodes if probe in text), None)
        if owner is not None:
            owners.append(owner)
    return owners


def _article_links(
    tree: HtmlElement, url: str, article_url_pattern: re.Pattern[str] | None
) -> list[_Link]:
    """Links to other in-site pages that look like articles."""
    here = urlsplit(url)
    host = bare_host(here.netloc)
    own_path = here.path.rstrip("/")
    origin = f"{here.scheme}://{here.netloc}"
    links: list[_Link] = []
    for element in tree.iter("a"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "whatsapp:")):
            continue
        # Most links of a page point off-site (shares, ads, networks): skip those before the
        # costly URL parsing.
        if href.startswith(("http:", "https:", "//")) and host not in href.lower():
            continue
        if path := _plain_root_path(href):
            # Most in-site links are root-relative: joined by hand, as urljoin would (a third of
            # this function's time went to urljoin and urlsplit).
            target_url, target_path = origin + href, path
        else:
            target_url = urljoin(url, href)
            target = urlsplit(target_url)
            if bare_host(target.netloc) != host:
                continue
            target_path = target.path
        if target_path.rstrip("/") == own_path:
            continue
        if article_url_pattern is not None:
            if not article_url_pattern.search(target_url):
                continue
        elif not looks_like_article_path(target_path) or non_article_url_rule(target_url):
            continue
        links.append(_Link(element, target_url.split("#", 1)[0], norm(element.text_content())))
    return links


_QUERY_OR_FRAGMENT = re.compile(r"[?#]")


def _plain_root_path(href: str) -> str | None:
    """The path of a root-relative href that `urljoin` leaves as it is, else None.

    urljoin removes dot segments and empty segments ("/a//b"), drops an empty query or fragment
    ("/a?"), and reads ";" parameters; hrefs with any of those take the slow way."""
    if not href.startswith("/") or href.startswith("//"):
        return None
    path = _QUERY_OR_FRAGMENT.split(href, maxsplit=1)[0]
    if (
        "//" in path
        or "/." in path
        or ";" in href
        or "\\" in href
        or href.endswith(("?", "#"))
        or "?#" in href
        or not href.isprintable()
        or " " in href
    ):
        return None
    return path
