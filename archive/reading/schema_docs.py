"""docs/schema.md as data: every table's and view's description and its columns' meanings.

docs/schema.md is the one source of the schema's documentation. `warta serve` shows it in
Datasette (archive/reading/datasette.py) and tests check that every table, view and column an
analyst sees there has its line, so a new column without documentation fails a test.

The format read is the one docs/schema.md uses: a heading `## name — what a row is` (`###` for
views), optional paragraphs, then a Markdown table whose first column names the column (several
names may share a row: `etag, last_modified`) and whose last column holds its meaning; a middle
`type` column, when present, is kept too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"

_HEADING = re.compile(r"^#{2,3}\s+(?P<name>[a-z_][a-z0-9_]*)\s+—\s+(?P<summary>.+?)\s*$")
_OTHER_HEADING = re.compile(r"^#{1,6}\s")
_DIVIDER = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


@dataclass
class TableDoc:
    """One documented table or view."""

    name: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)


def plain(markdown: str) -> str:
    """Markdown inline text as plain text (Datasette shows descriptions as text)."""
    return re.sub(r"\*\*|`", "", markdown).strip()


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_schema_doc(markdown: str) -> dict[str, TableDoc]:
    """{table or view name: its documentation}, in the order of the document."""
    docs: dict[str, TableDoc] = {}
    current: TableDoc | None = None
    paragraph: list[str] = []
    header: list[str] | None = None
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = TableDoc(heading["name"], plain(heading["summary"]))
            docs[current.name] = current
            paragraph, header = [], None
            continue
        if _OTHER_HEADING.match(line):
            current, header = None, None
            continue
        if current is None:
            continue
        if line.startswith("|"):
            if header is None:
                header = [cell.lower() for cell in _cells(line)]
            elif not _DIVIDER.match(line):
                _add_columns(current, header, _cells(line))
            continue
        header = None
        if line.strip() and not current.columns and not line.startswith("```"):
            paragraph.append(line.strip())
        elif paragraph and not current.columns:
            current.description = f"{current.description}. {plain(' '.join(paragraph))}"
            paragraph = []
    if current is not None and paragraph and not current.columns:
        current.description = f"{current.description}. {plain(' '.join(paragraph))}"
    return docs


def _add_columns(table: TableDoc, header: list[str], cells: list[str]) -> None:
    meaning = plain(cells[-1]) if len(cells) > 1 else ""
    kind = plain(cells[header.index("type")]) if "type" in header[1:-1] else ""
    description = f"{meaning} ({kind})" if meaning and kind else meaning or kind
    for name in cells[0].split(","):
        table.columns[plain(name)] = description


def load_schema_doc(path: Path = SCHEMA_DOC) -> dict[str, TableDoc]:
    return parse_schema_doc(path.read_text(encoding="utf-8"))
