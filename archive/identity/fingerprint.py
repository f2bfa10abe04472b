"""Text fingerprints: the normal form two copies of one text share, and its hash."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: what "the same text" means for exact
    duplicate detection."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()
