"""Tagging quality and speed on the labelled evaluation set.

    .venv/bin/python bench/tagging_eval.py [--taxonomy FILE] [--eval FILE] [--min-f1 0.97]

Prints precision / recall / F1 per tag, every misclassified item (with the terms that fired, or
the candidates that were vetoed), then throughput: the evaluation set repeated to ~1 MB of text,
tagged with one compiled Tagger. Exits 1 when a tag's F1 is below --min-f1.

Labelling rules of tests/fixtures/tagging_eval.jsonl — what an analyst wants, not what the matcher
does:
- bangga-kencana: the programme is named, in any spelling (misspellings, full name, KKBPK).
- stunting: the text is about child stunting or the effort against it (TPPS included).
- tpps: the stunting-reduction teams (TPPS) are mentioned.
- posyandu: posyandu as a health post, its activities or cadres (not a street name).
- kb: family planning is a subject — contraception, KB services, acceptors, Kampung KB,
  counselling — not an agency's name (BKKBN, DPPKB), the programme's full name, a single passing
  mention, or KB meaning Kelompok Bermain, a bank or kilobytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.tagging import Tagger
from archive.tagging.taxonomy import load_taxonomy

DEFAULT_EVAL = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "tagging_eval.jsonl"
TARGET_BYTES = 1_000_000


def load_items(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(tagger: Tagger, items: list[dict]) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Per-tag metrics and a line per misclassified (item, tag)."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in tagger.taxonomy.names}
    errors: list[str] = []
    for item in items:
        matches = {m.tag: m for m in tagger.tag(item["title"], item["text"])}
        expected = set(item["tags"])
        for name in tagger.taxonomy.names:
            got, want = name in matches, name in expected
            if got and want:
                counts[name]["tp"] += 1
            elif got:
                counts[name]["fp"] += 1
                m = matches[name]
                errors.append(
                    f"FP {name:15} {item['id']:24} score={m.score:g} terms={m.matched_terms}"
                )
            elif want:
                counts[name]["fn"] += 1
                vetoed = sorted(
                    {
                        f"{h.term}:{h.status}"
                        for h in tagger.explain(item["title"], item["text"])
                        if h.tag == name
                    }
                )
                errors.append(f"FN {name:15} {item['id']:24} candidates={vetoed}")
    metrics = {}
    for name, c in counts.items():
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        metrics[name] = {"tp": tp, "fp": fp, "fn": fn, "p": precision, "r": recall, "f1": f1}
    return metrics, errors


def throughput(tagger: Tagger, items: list[dict]) -> tuple[int, int, float]:
    """(articles, bytes, best seconds of 3) for the set repeated to ~TARGET_BYTES of text."""
    one_pass = sum(len((i["title"] + i["text"]).encode("utf-8")) for i in items)
    repeats = max(1, round(TARGET_BYTES / one_pass))
    corpus = [(i["title"], i["text"]) for i in items] * repeats
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for title, text in corpus:
            tagger.tag(title, text)
        best = min(best, time.perf_counter() - start)
    return len(corpus), one_pass * repeats, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taxonomy", type=Path, help="taxonomy TOML (default: the shipped one)")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="labelled JSONL")
    parser.add_argument("--min-f1", type=float, default=0.97)
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput run")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    tagger = Tagger(load_taxonomy(args.taxonomy))
    compile_ms = (time.perf_counter() - start) * 1000
    items = load_items(args.eval)
    metrics, errors = evaluate(tagger, items)

    label_counts = Counter(t for i in items for t in i["tags"])
    untagged = sum(1 for i in items if not i["tags"])
    print(f"taxonomy {tagger.version}; {len(items)} items, {untagged} with no tag\n")
    print(
        f"{'tag':15} {'items':>5} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7} "
        f"{'f1':>6}"
    )
    failing = []
    for name, m in metrics.items():
        print(
            f"{name:15} {label_counts[name]:5d} {m['tp']:4d} {m['fp']:4d} {m['fn']:4d} "
            f"{m['p']:9.3f} {m['r']:7.3f} {m['f1']:6.3f}"
        )
        if m["f1"] < args.min_f1:
            failing.append(name)
    print("\nmisclassified:" if errors else "\nmisclassified: none")
    for line in errors:
        print("  " + line)

    if not args.no_speed:
        n, size, secs = throughput(tagger, items)
        print(
            f"\nthroughput: {n} articles, {size / 1e6:.2f} MB in {secs:.3f} s = "
            f"{n / secs:,.0f} articles/s, {size / 1e6 / secs:.2f} MB/s "
            f"(compile {compile_ms:.0f} ms)"
        )
    if failing:
        print(f"\nF1 below {args.min_f1}: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
