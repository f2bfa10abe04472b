"""The element showing the article's headline, the dateline printed beside it, and the page
furniture (sidebars, "Terpopuler" and related boxes) whose dates are never the article's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement

from archive.extraction.textnorm import norm, one_line

__all__ = ["datelines", "furniture_lines", "headline_element", "own_h1s"]

_TITLE_CLASS = re.compile(r"title|judul|jdl|headline|heading", re.IGNORECASE)
_HEADLINE_TAGS = frozenset({"h1", "h2", "h3"})
_MIN_HEADLINE_CHARS = 10
_MIN_HEADLINE_SHARE = 0.4
_TITLE_PARTS = re.compile(r"\s+[-|–—:»·•]+\s+")
_MIN_CORE_CHARS = 15
_MAX_PREFIX_CHARS = 30
# Page furniture whose dates are other articles' ("Terpopuler", "Baca Juga", related lists) or the
# day of the visit (top bars), never the article's.
# A class or id token names furniture when it starts or ends with one of these words
# ("sidebar-left", "widget_recent", "relateds--grid", "footer"), not when the word is inside it
# ("content-sidebar-wrap" holds the article).
_FURNITURE_WORDS = (
    r"(?:related|relateds|terkait|popular|populer|terpopuler|trending|sidebar|widget|footer"
    r"|copyright|nav|navbar|menu|topbar|top-bar|ticker|breaking|comments?|komentar|baca-juga"
    r"|bacajuga|lainnya|terbaru|latest|recent|indeks|agenda|samping|modul)"
)
_FURNITURE_NAME = re.compile(
    rf"{_FURNITURE_WORDS}(?:[-_].*)?|.*[-_]{_FURNITURE_WORDS}", re.IGNORECASE
)
_SKIPPED_TAGS = frozenset({"a", "script", "style", "nav", "aside", "footer", "noscript", "option"})
_DATELINE_MAX_CHARS = 150
_DATELINE_WINDOW_AFTER = 40
_DATELINE_WINDOW_BEFORE = 12
_BODY_TEXT_CHARS = 200


def headline_element(
    tree: HtmlElement, url: str, declared_titles: list[str]
) -> HtmlElement | None:
    titles = [norm(title) for title in declared_titles]
    # The declared titles minus their site names ("<headline> | Republika Online").
    cores = {part for title in titles for part in _TITLE_PARTS.split(title)
             if len(part) >= _MIN_CORE_CHARS}
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag == "a":
            continue
        if element.tag not in _HEADLINE_TAGS and not _TITLE_CLASS.search(
            element.get("class") or ""
        ):
            continue
        text = norm(element.text_content())
        if len(text) < _MIN_HEADLINE_CHARS or _in_link_or_furniture(element):
            continue
        if any(text in title and len(text) >= _MIN_HEADLINE_SHARE * len(title) for title in titles):
            return element
        # A visible headline may carry a prefix the declared title lacks ("In Picture: …").
        if any(text.endswith(core) and len(text) <= len(core) + _MAX_PREFIX_CHARS
               for core in cores):
            return element
    # Some templates print the headline in a plain <div>: the declared title, minus its site
    # name, spelled out exactly.
    if cores:
        for element in tree.iter("div", "span", "p", "strong", "td", "h4", "h5"):
            if norm(element.text_content()) in cores and not any(
                a.tag in ("a", "head") for a in element.iterancestors()
            ):
                return element
    h1s = own_h1s(tree, url)
    return h1s[0] if len(h1s) == 1 else None


def _in_link_or_furniture(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag == "a":
            return True
        names = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".split()
        if ancestor.tag not in ("body", "html") and any(
            _FURNITURE_NAME.fullmatch(name) for name in names
        ):
            return True
    return False


def own_h1s(tree: HtmlElement, url: str) -> list[HtmlElement]:
    """The <h1>s with text that are not a link to another page: a theme's logo or section label
    ("<h1><a href="/kanal/inpicture">Inpicture</a></h1>") is not the article's headline."""
    own: list[HtmlElement] = []
    for h1 in tree.iter("h1"):
        text = one_line(h1.text_content())
        if not text:
            continue
        links = [a for a in h1.iter("a") if one_line(a.text_content()) == text]
        here = url.split("#", 1)[0].rstrip("/")
        if any(urljoin(url, a.get("href") or "").split("#", 1)[0].rstrip("/") != here
               for a in links):
            continue
        own.append(h1)
    return own


def datelines(tree: HtmlElement, headline: HtmlElement) -> tuple[str, ...]:
    """The short dated texts in the windows of elements around the headline, in document order:
    the one after it, then the one before it (nearest first). The headline's own descendants
    and ancestors count in the windows but are not read."""
    descendants = sum(1 for _ in headline.iterdescendants(etree.Element))
    after: list[str] = []
    for element in islice(_following(headline), max(0, _DATELINE_WINDOW_AFTER - descendants)):
        own = one_line(element.text)
        if len(own) > _BODY_TEXT_CHARS:
            break  # the body has begun
        if text := _dateline_text(element):
            after.append(text)
    ancestors = set(headline.iterancestors())  # alive, so lxml hands out these same objects
    before = [
        text
        for element in islice(_preceding(headline), _DATELINE_WINDOW_BEFORE)
        if element not in ancestors and (text := _dateline_text(element))
    ]
    return tuple(dict.fromkeys([*after, *before]))


def _following(element: HtmlElement) -> Iterator[HtmlElement]:
    """The elements after `element` and its descendants, in document order, walked lazily (the
    window is a few dozen elements of a page of thousands)."""
    node: HtmlElement | None = element
    while node is not None:
        for sibling in node.itersiblings(etree.Element):
            yield from sibling.iter(etree.Element)
        node = node.getparent()


def _preceding(element: HtmlElement) -> Iterator[HtmlElement]:
    """The elements before `element` in document order, its ancestors among them, nearest
    first."""
    node = element
    while (parent := node.getparent()) is not None:
        for sibling in node.itersiblings(etree.Element, preceding=True):
            yield from reversed(list(sibling.iter(etree.Element)))
        yield parent
        node = parent


def furniture_lines(tree: HtmlElement) -> frozenset[str]:
    """The short dated texts inside elements named as page furniture (sidebars,
    "Terpopuler"/related boxes, agendas) that hold a small part of the page's text: lines of
    those are never the article's, even where trafilatura keeps them."""
    body = tree.find(".//body")
    total = len((body if body is not None else tree).text_content())
    found: set[str] = set()
    # The elements of the boxes read: a box inside one (widgets in a sidebar) is not read again.
    # The set keeps their objects alive, so lxml hands out the same ones below.
    inside: set[HtmlElement] = set()
    for element in tree.iter(*_BOX_TAGS):
        if element in inside:
            continue
        names = f"{element.get('class') or ''} {element.get('id') or ''}".split()
        if not any(_FURNITURE_NAME.fullmatch(name) for name in names):
            continue
        box_text = element.text_content()
        if len(box_text) >= _FURNITURE_SHARE * total:
            continue
        parts = list(element.iter())
        inside.update(parts)
        if not _MAYBE_DATE.search(box_text):
            # No date-like digits anywhere in the box, so none in its parts.
            continue
        for inner in parts:
            text = norm(inner.text_content()) if isinstance(inner.tag, str) else ""
            # Only dated lines: a box's dates are what would mislead, its other lines may be
            # shared with the article (a headline, a lead).
            if 0 < len(text) <= 200 and _DATE_LIKE.search(text):
                found.add(text)
    # A teaser box may quote the article's own lead: what the page also prints outside the
    # boxes is the article's.
    if found:
        found -= {norm(p.text_content()) for p in tree.iter("p") if p not in inside}
    return frozenset(found)


_BOX_TAGS = frozenset({"div", "aside", "section", "ul", "table", "td"})
_DATE_LIKE = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}[/.-]\d{1,2}\b")
# What any _DATE_LIKE match in a part leaves in the whole box's text, where the parts' texts run
# together ("Congress2020 Elections"): the same digits without the word boundaries.
_MAYBE_DATE = re.compile(r"(?:19|20)\d\d|\d[/.-]\d")


_FURNITURE_SHARE = 0.3


def _dateline_text(element: HtmlElement) -> str | None:
    if element.tag in _SKIPPED_TAGS:
        return None
    text = one_line(element.text_content())
    if not (6 <= len(text) <= _DATELINE_MAX_CHARS) or not any(c.isdigit() for c in text):
        return None
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            break
        if node.tag in _SKIPPED_TAGS:
            return None
        names = f"{node.get('class') or ''} {node.get('id') or ''}".split()
        if any(_FURNITURE_NAME.fullmatch(name) for name in names):
            return None
    return text
