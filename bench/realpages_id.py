"""Score title, date and body extraction on real Indonesian pages (not a test: prints figures).

Usage: python bench/realpages_id.py [REALPAGES_ID_DIR]

REALPAGES_ID_DIR defaults to ../shared/realpages/id next to the repository: html/<id>.html.gz
and truth.json (title, published = local calendar day in Asia/Jakarta, published_datetime, body
or null).

Per system, over the 29 pages:
  kept      the page is kept as an article (warta: `extract` accepts it; trafilatura: it returns
            text; htmldate: it returns a date);
  title     exact match after collapsing whitespace;
  date      the local calendar day (Asia/Jakarta) is right;
  time      the time of day is within 10 minutes of the truth (a system giving no time misses);
  body      token precision / recall / F1 (multisets of \\w+ tokens, casefolded), macro means over
            the pages with a true body.
Systems: warta (`archive.extraction.extract`), plain trafilatura (`bare_extraction` with its
defaults and metadata), htmldate (`find_date(html, original_date=True)`, dates only). Failures are
listed under the table.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import trafilatura
from htmldate import find_date

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archive.extraction import extract  # noqa: E402

DEFAULT_DIR = REPO_ROOT.parent / "shared" / "realpages" / "id"
JAKARTA = ZoneInfo("Asia/Jakarta")
TOKEN = re.compile(r"\w+")
TIME_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    html: bytes
    title: str
    day: date
    moment: datetime
    body: str | None


@dataclass(frozen=True, slots=True)
class Output:
    """What one system made of one page; None where the system gives no such value."""

    kept: bool
    title: str | None = None
    day: date | None = None
    moment: datetime | None = None
    body: str | None = None


@dataclass(slots=True)
class Tally:
    kept: int = 0
    title: int = 0
    day: int = 0
    time: int = 0
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return sum(self.precisions) / len(self.precisions) if self.precisions else 0.0

    @property
    def recall(self) -> float:
        return sum(self.recalls) / len(self.recalls) if self.recalls else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_pages(directory: Path) -> list[Page]:
    truth = json.loads((directory / "truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            id=page_id,
            url=entry["url"],
            html=gzip.decompress((directory / "html" / f"{page_id}.html.gz").read_bytes()),
            title=entry["title"],
            day=date.fromisoformat(entry["published"]),
            moment=datetime.fromisoformat(entry["published_datetime"]),
            body=entry.get("body"),
        )
        for page_id, entry in sorted(truth.items())
    ]


def warta(page: Page) -> Output:
    result = extract(page.html, page.url)
    article = result.article
    if article is None:
        return Output(kept=False, body="")
    return Output(True, article.title, article.published_date, article.published_at, article.text)


def plain_trafilatura(page: Page) -> Output:
    document = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    if document is None:
        return Output(kept=False, body="")
    day = date.fromisoformat(document.date[:10]) if document.date else None
    return Output(bool(document.text), document.title, day, None, document.text or "")


def htmldate_only(page: Page) -> Output:
    found = find_date(page.html.decode("utf-8", "replace"), original_date=True)
    return Output(found is not None, day=date.fromisoformat(found) if found else None)


SYSTEMS: tuple[tuple[str, Callable[[Page], Output]], ...] = (
    ("warta", warta),
    ("trafilatura", plain_trafilatura),
    ("htmldate", htmldate_only),
)


def tokens(text: str) -> Counter[str]:
    return Counter(token.casefold() for token in TOKEN.findall(text))


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def score(pages: list[Page], system: Callable[[Page], Output]) -> Tally:
    tally = Tally()
    for page in pages:
        out = system(page)
        tally.kept += out.kept
        if not out.kept:
            tally.failures.append(f"{page.id}: not kept")
        if out.title is not None or system is not htmldate_only:
            if one_line(out.title) == one_line(page.title):
                tally.title += 1
            else:
                tally.failures.append(f"{page.id}: title {out.title!r} != {page.title!r}")
        if out.day == page.day:
            tally.day += 1
        else:
            tally.failures.append(f"{page.id}: date {out.day} != {page.day}")
        if out.moment is not None and abs(out.moment - page.moment) <= TIME_TOLERANCE:
            tally.time += 1
        elif system is warta:
            shown = out.moment.isoformat() if out.moment else None
            tally.failures.append(f"{page.id}: time {shown} != {page.moment.isoformat()}")
        if page.body is not None and out.body is not None:
            predicted, truth = tokens(out.body), tokens(page.body)
            common = sum((predicted & truth).values())
            tally.precisions.append(common / sum(predicted.values()) if predicted else 0.0)
            tally.recalls.append(common / sum(truth.values()) if truth else 0.0)
    return tally


def main(argv: list[str]) -> int:
    directory = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    pages = load_pages(directory)
    n = len(pages)
    print(f"{n} pages from {directory}")
    print(f"{'system':<12} {'kept':>6} {'title':>6} {'date':>6} {'time':>6}"
          f"  {'body P':>7} {'body R':>7} {'body F1':>7}")
    tallies = [(name, score(pages, system)) for name, system in SYSTEMS]
    for name, t in tallies:
        title = f"{t.title}/{n}" if name != "htmldate" else "-"
        time_ = f"{t.time}/{n}" if name == "warta" else "-"
        body = (f"{t.precision:7.3f} {t.recall:7.3f} {t.f1:7.3f}" if t.precisions
                else f"{'-':>7} {'-':>7} {'-':>7}")
        print(f"{name:<12} {t.kept:>3}/{n} {title:>6} {t.day:>3}/{n} {time_:>6}  {body}")
    for name, t in tallies:
        if t.failures:
            print(f"\nfailures, {name}:")
            for failure in t.failures:
                print(f"  {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
