"""The incremental benchmark's last phase (`--cycle`): ordinary nights after the five, until the
rolling revalidation has caught every edit night 3 missed (issue 11, items 2 and 3).

An edit on a site that publishes no change date anywhere (the regional web's listings-only
portal) raises no signal: only the rolling revalidation, which refetches each night the share of
a site's archive checked longest ago, ever sees it. This phase shows it does so within
`WARTA_REVALIDATE_CYCLE_DAYS` nights: it runs nights in which nothing changes (the web's
`next_night()` moves its clock and sidebars as on the other nights) and, to stay cheap, crawls
only the sites that still have an edit missing, for at most the cycle plus one night.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bench.incremental_webs import BenchWeb, Change

Archive = Mapping[str, tuple[str, int, str]]
"""canonical URL -> (site name, revision count, text), as incremental_bench.archived gives."""


def is_captured(before: Archive, after: Archive, change: Change) -> bool:
    """Whether the archive holds a change: a new or backdated post stored once with its
    sentence, an edit as exactly one more revision of its article (than `before`, the archive
    before the night the edit was made) showing the new sentence."""
    holders = [u for u, (_, _, text) in after.items() if change.sentence in text]
    if len(holders) != 1:
        return False
    if change.kind != "edit":
        return True
    return after[holders[0]][1] == before.get(holders[0], ("", 0, ""))[1] + 1


@dataclass
class EditWatch:
    """Night 3's edits and the night each was first seen captured."""

    before: Archive
    """The archive before night 3."""
    edits: list[Change]
    captured_on: dict[str, int] = field(default_factory=dict)
    """Edit URL -> number of the night after which the archive first held it."""

    def update(self, night: int, after: Archive) -> None:
        for edit in self.edits:
            if edit.url not in self.captured_on and is_captured(self.before, after, edit):
                self.captured_on[edit.url] = night

    def missing_sites(self) -> list[str]:
        return sorted({e.site for e in self.edits if e.url not in self.captured_on})


@dataclass
class CyclePhase:
    first_night: int
    """Number of the phase's first night (the nights before it are the benchmark's five)."""
    limit: int
    nights: list[dict[str, int]] = field(default_factory=list)
    """Per phase night: sites crawled, requests, body bytes (the web's request log)."""

    @property
    def mean_bytes(self) -> float:
        return sum(n["bytes"] for n in self.nights) / len(self.nights) if self.nights else 0.0


def run_cycle(
    web: BenchWeb,
    watch: EditWatch,
    limit: int,
    first_night: int,
    crawl: Callable[[list[str], str], object],
    archived: Callable[[], Archive],
) -> CyclePhase:
    """Ordinary nights, numbered from `first_night`, crawling only the sites with a night-3 edit
    still missing (`crawl(sites, night label)`), until none is or `limit` nights have run."""
    phase = CyclePhase(first_night, limit)
    for number in range(first_night, first_night + limit):
        sites = watch.missing_sites()
        if not sites:
            break
        web.next_night()
        web.clear_requests()
        crawl(sites, f"night{number}")
        log = web.requests()
        phase.nights.append(
            {"sites": len(sites), "requests": len(log), "bytes": sum(r.bytes for r in log)}
        )
        watch.update(number, archived())
        print(f"night {number} (cycle, {', '.join(sites)}): {len(log)} requests")
    return phase


def report_cycle(
    watch: EditWatch, phase: CyclePhase, first_bytes: int, cycle_days: float
) -> dict[str, object]:
    """Print, per site, the night each edit night 3 missed was captured, the nights needed and
    what the phase cost a night; the figures, for --json."""
    missed = [e for e in watch.edits if watch.captured_on.get(e.url) != 3]
    print(
        f"\ncycle phase: edits night 3 missed, caught by the rolling revalidation "
        f"(at most {phase.limit} ordinary nights after night {phase.first_night - 1}, "
        f"only sites with an edit still missing crawled):"
    )
    needed: list[int] = []
    by_site: dict[str, list[dict[str, object]]] = {}
    for edit in sorted(missed, key=lambda e: (e.site, e.url)):
        night = watch.captured_on.get(edit.url)
        after = night - 3 if night is not None else None
        if after is not None:
            needed.append(after)
        when = f"night {night} ({after} nights after night 3)" if night else "NOT captured"
        print(f"  {edit.site:<18}{when:<36}{edit.url}")
        by_site.setdefault(edit.site, []).append({"url": edit.url, "night": night})
    if not missed:
        print("  none: night 3 captured every edit")
    complete = all(e.url in watch.captured_on for e in watch.edits)
    worst = max(needed, default=0)
    mean = phase.mean_bytes
    share = f"{100 * mean / first_bytes:.2f}%" if first_bytes else "n/a"
    print(
        f"  nights needed: {worst if complete else 'more than ' + str(phase.limit)}; phase: "
        f"{len(phase.nights)} nights, mean {mean:,.0f} bytes a night ({share} of night 1)"
    )
    met = complete and worst <= cycle_days
    print(
        f"target every night-3 edit captured within the cycle ({cycle_days:g} nights)  "
        f"{'met' if met else 'NOT met'}"
    )
    return {
        "missed_on_night3": by_site,
        "nights_needed": worst if complete else None,
        "phase_nights": phase.nights,
        "mean_bytes": round(mean),
        "mean_share_of_night1": mean / first_bytes if first_bytes else None,
        "within_cycle": met,
    }
