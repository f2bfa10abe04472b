"""Text fingerprints: the normal form two copies of one text share, and its hash."""

from __future__ import annotations

import hashlib
import unicodedata

# UTF-8 bytes → words: ASCII letters and digits kept, every other ASCII byte a space, bytes of
# multi-byte characters kept (normalise_text has made every such character a letter or digit).
_WORD_BYTES = bytes(
    c if 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c >= 128 else 32 for c in range(256)
)


def normalise_text(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: what "the same text" means for exact
    duplicate detection. The text's runs of letters and digits (`[^\\W_]+`), casefolded, joined
    by single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # What the regex `[\W_]+` → " " did, at a third of its cost: the few distinct non-ASCII
    # characters that are no letter or digit (quotes, dashes, ellipses) become spaces, then a
    # byte table does the ASCII ones and a split the spacing.
    if not folded.isascii():
        for ch in set(folded):
            if ch > "\x7f" and not ch.isalnum():
                folded = folded.replace(ch, " ")
    return b" ".join(folded.encode().translate(_WORD_BYTES).split()).decode()


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()
