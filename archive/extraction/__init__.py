"""Extraction: fetched page bytes → an ArticleRecord, or the reason the page is no article.

The modules follow one page through the flow: `decode` → `signals` → `text` (trafilatura) →
`boilerplate` → `listing` / `titles` / `dates` → `decide` (the orchestrating `extract`).
"""

from archive.extraction.decide import extract, extract_body_text
from archive.extraction.records import ArticleRecord, Extraction, Reject
from archive.extraction.text import TRAFILATURA_OPTIONS

__all__ = [
    "TRAFILATURA_OPTIONS",
    "ArticleRecord",
    "Extraction",
    "Reject",
    "extract",
    "extract_body_text",
]
