"""Region tagging quality on the labelled set: precision / recall / F1, overall and per kind.

    .venv/bin/python bench/regions_eval.py [--labels FILE] [--realpages DIR] [--min-f1 0.9]

The labelled set (tests/fixtures/regions_labelled.toml, its header gives the labelling rules)
names, for each article, the kabupaten/kota it is about. Items come from the sample web's
content, the dedup and foreign sample sites, the real pages of ../shared/realpages/id (title and
body from truth.json; left out when the directory is missing), traps written in the file, and a
held-out part: the keyword-tagging evaluation set, labelled before the tagger first saw it.

Per kind, a predicted region counts under the strongest place it was found (dateline, else
title, else body only) and a labelled region under the strongest place the text names it (or
"unnamed" when no field does), so "body" recall says how many regions named only in the body
were found. Prints every wrong item with the candidate mentions, how many of the 181 pages of
../shared/realpages/aeb (news from outside Sumatra) get a region (each one a false positive),
then throughput. Exits 1 when
the overall F1 is below --min-f1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archive.tagging.regions import RegionMatch, RegionTagger  # noqa: E402

DEFAULT_LABELS = REPO_ROOT / "tests" / "fixtures" / "regions_labelled.toml"
DEFAULT_REALPAGES = REPO_ROOT.parent / "shared" / "realpages" / "id"
TAGGING_EVAL = REPO_ROOT / "tests" / "fixtures" / "tagging_eval.jsonl"
KINDS = ("dateline", "title", "body")


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    title: str
    text: str
    regions: frozenset[str]


def _sampleweb_texts() -> dict[str, tuple[str, str]]:
    from warta.sampleweb.content import load_sites
    from warta.sampleweb.dedup import load_scenario_posts
    from warta.sampleweb.foreign import load_foreign_sites

    out = {}
    for site in load_sites():
        for a in site.real_articles():
            out[f"sampleweb:{site.name}/{a.slug}"] = (a.title, a.text())
    for post, a in load_scenario_posts():
        out[f"dedup:{post.site}/{a.slug}"] = (a.title, a.text())
    for site in load_foreign_sites():
        for a in site.real_articles():
            out[f"foreign:{site.name}/{a.slug}"] = (a.title, a.text())
    return out


def load_items(labels: Path = DEFAULT_LABELS, realpages: Path | None = DEFAULT_REALPAGES
               ) -> list[Item]:
    """The labelled items whose text is available (real pages only when `realpages` exists)."""
    doc = tomllib.loads(labels.read_text(encoding="utf-8"))
    sampleweb = _sampleweb_texts()
    truth_file = realpages / "truth.json" if realpages is not None else None
    truth = (json.loads(truth_file.read_text(encoding="utf-8"))
             if truth_file is not None and truth_file.exists() else None)
    with TAGGING_EVAL.open(encoding="utf-8") as f:
        tagging_eval = {d["id"]: (d["title"], d["text"]) for d in map(json.loads, f)}
    items = []
    for raw in doc["item"]:
        source, _, name = raw["id"].partition(":")
        if source == "tagging_eval":
            title, text = tagging_eval[name]
        elif source == "trap":
            title, text = raw["title"], raw["text"]
        elif source == "realpages":
            if truth is None:
                continue
            page = truth[name]
            title, text = page.get("title") or "", page.get("body") or ""
        else:
            title, text = sampleweb[raw["id"]]
        items.append(Item(raw["id"], title, text, frozenset(raw["regions"])))
    return items


def kind_of_match(m: RegionMatch) -> str:
    return "dateline" if m.in_dateline else "title" if m.in_title else "body"


def kind_named(tagger: RegionTagger, item: Item, code: str) -> str:
    """Where the text names `code` at its strongest, counted mentions only."""
    fields = {m.field for m in tagger.explain(item.title, item.text)
              if m.region_code == code and m.status == "counted"}
    for kind in KINDS:
        if kind in fields:
            return kind
    return "unnamed"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass(slots=True)
class Scores:
    tp: int
    fp: int
    fn: int
    by_kind: dict[str, Counter[str]]
    by_source: dict[str, Counter[str]]
    exact: int
    errors: list[str]

    @property
    def overall(self) -> tuple[float, float, float]:
        return prf(self.tp, self.fp, self.fn)


def evaluate(tagger: RegionTagger, items: list[Item]) -> Scores:
    by_kind: dict[str, Counter[str]] = {k: Counter() for k in (*KINDS, "unnamed")}
    by_source: dict[str, Counter[str]] = {}
    tp = fp = fn = exact = 0
    errors: list[str] = []
    for item in items:
        matches = {m.region_code: m for m in tagger.tag(item.title, item.text)}
        got, want = set(matches), set(item.regions)
        source = by_source.setdefault(item.id.split(":")[0], Counter())
        for code in got & want:
            by_kind[kind_of_match(matches[code])]["tp_pred"] += 1
            by_kind[kind_named(tagger, item, code)]["tp_gold"] += 1
        for code in got - want:
            by_kind[kind_of_match(matches[code])]["fp"] += 1
        for code in want - got:
            by_kind[kind_named(tagger, item, code)]["fn"] += 1
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
        source.update(tp=len(got & want), fp=len(got - want), fn=len(want - got), items=1)
        if got == want:
            exact += 1
            continue
        seen = sorted({f"{m.field[0]}:{m.text}:{m.status}"
                       for m in tagger.explain(item.title, item.text)})
        scored = {c: matches[c].score for c in sorted(got)}
        errors.append(f"{item.id}\n      want {sorted(want)} got {scored}\n      mentions {seen}")
    return Scores(tp, fp, fn, by_kind, by_source, exact, errors)


def throughput(tagger: RegionTagger, items: list[Item], target_bytes: int = 1_000_000
               ) -> tuple[int, int, float]:
    one_pass = sum(len((i.title + i.text).encode("utf-8")) for i in items) or 1
    corpus = [(i.title, i.text) for i in items] * max(1, round(target_bytes / one_pass))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for title, text in corpus:
            tagger.tag(title, text)
        best = min(best, time.perf_counter() - start)
    return len(corpus), one_pass * len(corpus) // len(items), best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--realpages", type=Path, default=DEFAULT_REALPAGES)
    parser.add_argument("--min-f1", type=float, default=0.9)
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)

    tagger = RegionTagger()
    items = load_items(args.labels, args.realpages)
    scores = evaluate(tagger, items)
    sources = Counter(i.id.split(":")[0] for i in items)
    print(f"gazetteer {tagger.version}: {len(tagger.gazetteer.regencies)} regencies; "
          f"{len(items)} items ({', '.join(f'{n} {s}' for s, n in sorted(sources.items()))}), "
          f"{sum(len(i.regions) for i in items)} labelled regions, "
          f"{sum(1 for i in items if not i.regions)} items with none\n")
    p, r, f = scores.overall
    print(f"overall   tp={scores.tp} fp={scores.fp} fn={scores.fn}  precision {p:.3f}  "
          f"recall {r:.3f}  F1 {f:.3f}  items exactly right {scores.exact}/{len(items)}\n")
    print("per kind (a prediction by its strongest evidence; a label by where the text names it)")
    print(f"{'kind':9} {'tp':>4} {'fp':>4} {'precision':>9} | {'tp':>4} {'fn':>4} {'recall':>7}")
    for kind, c in scores.by_kind.items():
        kp = c["tp_pred"] / (c["tp_pred"] + c["fp"]) if c["tp_pred"] + c["fp"] else float("nan")
        kr = c["tp_gold"] / (c["tp_gold"] + c["fn"]) if c["tp_gold"] + c["fn"] else float("nan")
        print(f"{kind:9} {c['tp_pred']:4d} {c['fp']:4d} {kp:9.3f} | {c['tp_gold']:4d} "
              f"{c['fn']:4d} {kr:7.3f}")
    print("\nper source")
    for source, c in sorted(scores.by_source.items()):
        sp, sr, sf = prf(c["tp"], c["fp"], c["fn"])
        print(f"{source:10} {c['items']:3d} items  tp={c['tp']} fp={c['fp']} fn={c['fn']}  "
              f"P {sp:.3f}  R {sr:.3f}  F1 {sf:.3f}")
    print("\nwrong items:" if scores.errors else "\nwrong items: none")
    for line in scores.errors:
        print("  " + line)
    aeb = args.realpages.parent / "aeb" / "ground-truth.json"
    if aeb.exists():
        # News from outside Sumatra, mostly in English: every region found there is a false one.
        pages = json.loads(aeb.read_text(encoding="utf-8")).values()
        wrong = [(p.get("title"), [m.region_code for m in tagger.tag(p.get("title"), body)])
                 for p in pages if (body := p.get("articleBody"))]
        wrong = [w for w in wrong if w[1]]
        print(f"\naeb negatives: {len(pages)} pages from outside Sumatra, {len(wrong)} given a "
              f"region{': ' + repr(wrong) if wrong else ''}")
    if not args.no_speed:
        n, size, secs = throughput(tagger, items)
        print(f"\nthroughput: {n} articles, {size / 1e6:.2f} MB in {secs:.3f} s = "
              f"{n / secs:,.0f} articles/s")
    if f < args.min_f1:
        print(f"\nF1 {f:.3f} below {args.min_f1}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
