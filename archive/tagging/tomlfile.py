"""Reading the tagging stage's TOML data files (taxonomy, gazetteer) with one-line errors.

Both loaders read a file, parse it and refuse unknown top-level keys in the same words; each
raises its own error class (TaxonomyError, GazetteerError), given here as `error`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

ErrorFactory = Callable[[str, str], Exception]


def read_text(path: Path, source: str, error: ErrorFactory) -> str:
    """The file's text; `error(source, message)` if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise error(source, f"cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise error(source, f"not UTF-8 text (byte {e.start})") from e


def parse_document(
    text: str, source: str, top_keys: Collection[str], error: ErrorFactory
) -> dict[str, Any]:
    """The parsed TOML document, whose top-level keys must all be in `top_keys`."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise error(source, f"invalid TOML: {e}") from e
    for key in doc:
        if key not in top_keys:
            raise error(source, f"unknown top-level key {key!r} "
                                f"(known: {', '.join(sorted(top_keys))})")
    return doc
