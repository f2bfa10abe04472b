"""The article's language: what the page declares, else a vote on its words."""

from __future__ import annotations

import re

from archive.extraction.signals import PageSignals

__all__ = ["page_language"]

_LANG_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")
_INDONESIAN_WORDS = frozenset(
    {
        *("yang", "dan", "di", "dengan", "untuk", "dari", "ini", "itu", "dalam", "pada", "tidak"),
        *("akan", "juga", "adalah", "oleh", "ke", "kepada", "bahwa", "telah", "sebagai"),
    }
)
_ENGLISH_WORDS = frozenset(
    {
        *("the", "and", "of", "to", "in", "is", "that", "for", "with", "on", "was", "as", "by"),
        *("are", "this", "from", "it", "be", "have", "at"),
    }
)


def page_language(signals: PageSignals, text: str) -> str | None:
    """ISO 639-1 code: the page's declaration (html lang, og:locale, Content-Language), else a
    common-word vote between Indonesian and English on the text."""
    for value in signals.declared_languages:
        if match := _LANG_CODE.match(value):
            return match.group(1).lower()
    return _vote_language(text)


def _vote_language(text: str) -> str | None:
    words = re.findall(r"[a-z]+", text.lower())[:2000]
    indonesian = sum(word in _INDONESIAN_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    if max(indonesian, english) < 10:
        return None
    if indonesian >= 2 * english:
        return "id"
    if english >= 2 * indonesian:
        return "en"
    return None
