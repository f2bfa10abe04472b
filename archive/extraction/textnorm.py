"""Text normalisation for comparing titles, headings and names."""

from __future__ import annotations

import re

__all__ = ["norm", "one_line", "squash"]



def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def norm(text: str) -> str:
    return one_line(text).casefold()


def squash(text: str) -> str:
    """Site names compare without case, spaces or punctuation ("TheHill" is "The Hill")."""
    return re.sub(r"\W+", "", text.casefold())
