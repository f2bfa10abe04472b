"""trafilatura's author search (`trafilatura.metadata.extract_author`) without its deep copy.

trafilatura deep-copies the whole page, deletes the subtrees its discard XPaths match (comments,
sidebars, dates, figures …) and then searches the copy with its author XPaths. The copy and the
deletions cost about 5 ms a page that has author-like markup, 8% of warta's extraction. Both
discard XPaths test attributes and tag names only, so what they match does not depend on what was
deleted before: the search below reads the original tree, skips candidates inside a discarded
subtree and reads a candidate's text as the pruned copy would hold it — discarded parts left out,
their tails kept and joined to the text before them, as `trafilatura.xml.delete_element` does.
tests/extraction/test_author.py holds it equal to trafilatura's on every real page.
"""

from __future__ import annotations

from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

__all__ = ["find_author"]

_LEN_LIMIT = 120  # extract_author's


def find_author(tree: HtmlElement) -> str | None:
    discarded: set[HtmlElement] = set()
    for expression in AUTHOR_DISCARD_XPATHS:
        discarded.update(element for element in expression(tree) if element.getparent() is not None)
    for expression in AUTHOR_XPATHS:
        for element in expression(tree):
            if element in discarded or any(a in discarded for a in element.iterancestors()):
                continue
            content = trim(" ".join(_pruned_text(element, discarded)))
            if content and 2 < len(content) < _LEN_LIMIT:
                return normalize_authors(None, content)
    return None


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
