"""Score article-body extraction on the real-pages benchmark (not a test: prints figures).

Usage: python bench/realpages_f1.py [REALPAGES_DIR]

REALPAGES_DIR defaults to ../shared/realpages next to the repository; its aeb/ subdirectory holds
html/<id>.html.gz and ground-truth.json. Scoring follows aeb's README exactly: tokens are \\w+ runs,
texts become multisets of 4-token shingles, per page TP/FP/FN are normalised to sum to 1,
precision and recall are macro means (a page with nothing on a side is skipped for that mean, two
empty texts count as perfect), F1 = 2PR/(P+R), accuracy = share of pages whose token sequences are
identical.

Systems scored:
  (a) trafilatura.extract with default settings (the published baseline);
  (b) trafilatura with warta's options, before cleaning (only when they differ from the defaults);
  (c) warta: archive.extraction's cleaned body, whatever its article-or-not verdict would be.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archive.extraction import TRAFILATURA_OPTIONS, extract_body_text  # noqa: E402

DEFAULT_DIR = REPO_ROOT.parent / "shared" / "realpages"
TOKEN = re.compile(r"\w+")
SHINGLE = 4

Extractor = Callable[[bytes, str], str]


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    html: bytes
    truth: str


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    accuracy: float
    seconds: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load_pages(realpages_dir: Path) -> list[Page]:
    aeb = realpages_dir / "aeb"
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            id=page_id,
            url=entry["url"],
            html=gzip.decompress((aeb / "html" / f"{page_id}.html.gz").read_bytes()),
            truth=entry["articleBody"],
        )
        for page_id, entry in sorted(truth.items())
    ]


def shingles(tokens: list[str]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def score(pages: Iterable[Page], extractor: Extractor) -> Score:
    precisions: list[float] = []
    recalls: list[float] = []
    identical = 0
    count = 0
    started = time.perf_counter()
    for page in pages:
        count += 1
        predicted_tokens = TOKEN.findall(extractor(page.html, page.url) or "")
        truth_tokens = TOKEN.findall(page.truth)
        identical += predicted_tokens == truth_tokens
        predicted, truth = shingles(predicted_tokens), shingles(truth_tokens)
        tp = sum((predicted & truth).values())
        fp = sum((predicted - truth).values())
        fn = sum((truth - predicted).values())
        total = tp + fp + fn
        if total == 0:  # two empty texts: perfect
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        # Normalising TP/FP/FN per page leaves the ratios unchanged; kept to follow the method.
        tp_n, fp_n, fn_n = tp / total, fp / total, fn / total
        if tp_n + fp_n > 0:
            precisions.append(tp_n / (tp_n + fp_n))
        if tp_n + fn_n > 0:
            recalls.append(tp_n / (tp_n + fn_n))
    elapsed = time.perf_counter() - started
    return Score(
        precision=sum(precisions) / len(precisions) if precisions else 0.0,
        recall=sum(recalls) / len(recalls) if recalls else 0.0,
        accuracy=identical / count if count else 0.0,
        seconds=elapsed,
    )


def plain_trafilatura(html: bytes, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def trafilatura_with_our_options(html: bytes, url: str) -> str:
    return trafilatura.extract(html, url=url, **TRAFILATURA_OPTIONS) or ""


def warta_cleaned(html: bytes, url: str) -> str:
    return extract_body_text(html, url)


def _differs_from_defaults() -> bool:
    defaults = {"favor_precision": False, "favor_recall": False, "include_comments": True,
                "include_tables": True}
    return any(defaults.get(key) != value for key, value in TRAFILATURA_OPTIONS.items())


def main(argv: list[str]) -> int:
    realpages_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    pages = load_pages(realpages_dir)
    systems: list[tuple[str, Extractor]] = [("trafilatura (defaults)", plain_trafilatura)]
    if _differs_from_defaults():
        options = ", ".join(f"{k}={v}" for k, v in TRAFILATURA_OPTIONS.items())
        systems.append((f"trafilatura ({options})", trafilatura_with_our_options))
    systems.append(("warta extract, cleaned body", warta_cleaned))

    started = time.perf_counter()
    print(f"{len(pages)} pages from {realpages_dir / 'aeb'}")
    width = max(len(name) for name, _ in systems)
    print(f"{'system':<{width}}  precision  recall      F1  accuracy     time")
    for name, extractor in systems:
        result = score(pages, extractor)
        print(
            f"{name:<{width}}  {result.precision:9.4f} {result.recall:7.4f} {result.f1:7.4f} "
            f"{result.accuracy:9.4f} {result.seconds:7.1f}s"
        )
    print(f"total run time {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
