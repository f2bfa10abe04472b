"""trafilatura's author search (`trafilatura.metadata.extract_author`), in one walk of the page.

trafilatura deep-copies the whole page, deletes the subtrees its discard XPaths match (comments,
sidebars, dates, figures …) and then searches the copy with its three author XPaths in turn. Each
of those five XPaths walks the whole page, and their `re:test` calls back into Python for every
element with the attribute: about 7 ms on a page with author-like markup, a fifth of warta's
extraction. Here one walk tests every element against all five, as Python conditions that are the
XPaths' own (an XPath 1.0 `@a='v'` is equality, `contains(@a, 'v')` a substring, lxml's
`re:test(@a, p)` is `re.search(p, value)`, `''` for an absent attribute). The discard XPaths test
attributes and tag names only, so what they match does not depend on what was deleted before:
candidates inside a discarded subtree are skipped and a candidate's text is read as the pruned
copy would hold it — discarded parts left out, their tails kept and joined to the text before
them, as `trafilatura.xml.delete_element` does.

tests/extraction/test_author.py holds the conditions to the XPaths' text (a trafilatura release
that changes them fails there) and the result to trafilatura's on every fixture page.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.utils import trim

__all__ = ["find_author"]

_LEN_LIMIT = 120  # extract_author's

# AUTHOR_XPATHS[0]: //*[self::a or self::address or self::div or self::link or self::p or
# self::span or self::strong][@rel='author' or @id='author' or @class='author' or
# @itemprop='author name' or rel='me' or @data-testid='AuthorCard' or @data-testid='AuthorURL'
# or re:test(@class, 'author-?name|AuthorName|authorName')] | //author
_FIRST_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_FIRST_CLASS = re.compile(r"author-?name|AuthorName|authorName")
# AUTHOR_XPATHS[1]: //*[self::a or self::div or self::h3 or self::h4 or self::p or self::span][
# @class='byline' or @class='username' or @class='byl' or @class='BBL' or
# contains(@itemprop, 'author') or re:test(@id, 'author|zuozhe|bianji|xiaobian') or
# re:test(@class, 'author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|
# journalist-name')]
_SECOND_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_SECOND_CLASSES = frozenset({"byline", "username", "byl", "BBL"})
_SECOND_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_SECOND_CLASS = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
# AUTHOR_XPATHS[2]: //*[contains(@data-component, 'Byline') or contains(@itemprop, 'author') or
# re:test(@id, '[Aa]uthor') or re:test(@class, '[Aa]uthor|screenname|writer|[Bb]yline')]
_THIRD_ID = re.compile(r"[Aa]uthor")
_THIRD_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
# AUTHOR_DISCARD_XPATHS[0]: .//*[self::a or self::div or self::section or self::span][
# @id='comments' or @class='comments' or @class='title' or @class='date' or
# re:test(@id, '^comments|comment-?list|ProductReviews') or re:test(@class, '^[Cc]omments|
# commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)|
# print|category|meta-date|meta-reviewer') or contains(@data-component, 'Figure')]
# AUTHOR_DISCARD_XPATHS[1]: //time|//figure
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_CLASSES = frozenset({"comments", "title", "date"})
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    r"|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_DISCARD_ALWAYS = frozenset({"time", "figure"})
# Each author pattern's match contains one of these: no match here, no match there.
_ANY_CLASS = re.compile(
    r"uthor|screenname|writer|yline|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by"
    r"|journalist-name"
)
_ANY_ID = re.compile(r"uthor|zuozhe|bianji|xiaobian")


def find_author(tree: HtmlElement) -> str | None:
    root = tree.getroottree().getroot()
    discarded: set[HtmlElement] = set()
    candidates: tuple[list[HtmlElement], list[HtmlElement], list[HtmlElement]] = ([], [], [])
    has_rel = root.find(".//rel") is not None  # `rel='me'` tests child elements named rel
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if not element.attrib:
            # No attribute: only the tag-name tests can hold.
            if tag in _DISCARD_ALWAYS and element is not root:
                discarded.add(element)
            if tag == "author" or (has_rel and tag in _FIRST_TAGS and _rel_me(element)):
                candidates[0].append(element)
            continue
        get = element.get
        klass, ident, itemprop = get("class"), get("id"), get("itemprop")
        klass_s, ident_s = klass or "", ident or ""
        if element is not root and (
            tag in _DISCARD_ALWAYS
            or (
                tag in _DISCARD_TAGS
                and (
                    ident == "comments"
                    or klass in _DISCARD_CLASSES
                    or (ident is not None and _DISCARD_ID.search(ident))
                    or (klass is not None and _DISCARD_CLASS.search(klass))
                    or "Figure" in (get("data-component") or "")
                )
            )
        ):
            discarded.add(element)
        # What every author pattern on a class or id shares: most elements have none of it.
        authorish = (klass is not None and _ANY_CLASS.search(klass) is not None) or (
            ident is not None and _ANY_ID.search(ident) is not None
        )
        by_itemprop = itemprop is not None and "author" in itemprop
        if tag == "author" or (
            tag in _FIRST_TAGS
            and (
                get("rel") == "author"
                or ident == "author"
                or klass == "author"
                or itemprop == "author name"
                or (has_rel and _rel_me(element))
                or get("data-testid") in ("AuthorCard", "AuthorURL")
                or (authorish and _FIRST_CLASS.search(klass_s))
            )
        ):
            candidates[0].append(element)
        if tag in _SECOND_TAGS and (
            klass in _SECOND_CLASSES
            or by_itemprop
            or (authorish and (_SECOND_ID.search(ident_s) or _SECOND_CLASS.search(klass_s)))
        ):
            candidates[1].append(element)
        if (
            by_itemprop
            or (authorish and (_THIRD_ID.search(ident_s) or _THIRD_CLASS.search(klass_s)))
            or "Byline" in (get("data-component") or "")
        ):
            candidates[2].append(element)
    for found in candidates:
        for element in found:
            if element in discarded or any(a in discarded for a in element.iterancestors()):
                continue
            content = trim(" ".join(_pruned_text(element, discarded)))
            if content and 2 < len(content) < _LEN_LIMIT:
                return normalize_authors(None, content)
    return None


def _rel_me(element: HtmlElement) -> bool:
    return any(child.text_content() == "me" for child in element.iterchildren("rel"))


def _pruned_text(element: HtmlElement, discarded: set[HtmlElement]) -> list[str]:
    """`element.itertext()` as it reads once the discarded subtrees are deleted, tails kept."""
    pieces: list[str] = []

    def walk(node: HtmlElement) -> None:
        # `joinable`: the last piece is the text a deleted child's tail is appended to (the
        # parent's text or the previous kept sibling's tail), not text inside that sibling.
        joinable = node.text is not None
        if node.text is not None:
            pieces.append(node.text)
        for child in node:
            if child in discarded:
                if child.tail:
                    if joinable:
                        pieces[-1] += child.tail
                    else:
                        pieces.append(child.tail)
                        joinable = True
                continue
            if isinstance(child.tag, str):
                walk(child)
            joinable = child.tail is not None
            if child.tail is not None:
                pieces.append(child.tail)

    walk(element)
    return pieces
