"""What a nightly crawl does with what the archive remembers about a site
(archive.crawls.site_memory): which remembered-missing sources it skips, whether it trusts the
site's validators, how many archived articles it may revalidate, whether tonight is a deep pass.
Pure rules, no Scrapy.

The rules (issue 11):
- A source found is read every night; a guess that answered 404 (or was not a sitemap / feed /
  API) is re-probed only after `reprobe_missing` (WARTA_REPROBE_MISSING_DAYS).
- Validators are judged by a crawl's evidence: more article pages answered a conditional
  request with a 200 and the same text than answered 304 means noisy. On a noisy site articles
  are not requested conditionally and a listing that changed (it always does there) makes only
  its newest articles refetched, half the night's budget on top of the rolling share; the
  judgement is re-examined once a revalidation cycle.
- Revalidation (refetching an archived article without a change signal) is budgeted per night
  as a share of the site's archive, so the whole archive is re-checked about once per
  `revalidate_cycle` (WARTA_REVALIDATE_CYCLE_DAYS), within a floor and a ceiling: that share
  goes to the rolling revalidation of the articles checked longest ago, and the newest listed
  articles a noisy site's changed listing makes refetched come on top (half the budget).
- Every `deep_pass` days (and on a site's first crawl) listings are paged to full depth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from archive.crawls.site_memory import CrawlLessons, SiteMemory, SourceCheck

DEFAULT_REPROBE_MISSING = timedelta(days=7)
DEFAULT_DEEP_PASS = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class NightlyPolicy:
    reprobe_missing: timedelta = DEFAULT_REPROBE_MISSING
    revalidate_cycle_days: float = 30.0
    revalidate_min: int = 2
    revalidate_max: int = 200
    deep_pass: timedelta = DEFAULT_DEEP_PASS


def revalidation_budget(article_count: int, policy: NightlyPolicy) -> int:
    """Archived articles a night may refetch without a change signal: the archive's share of
    one night in the cycle, at least the floor (never more than the archive), at most the
    ceiling."""
    if article_count <= 0:
        return 0
    share = math.ceil(article_count / max(policy.revalidate_cycle_days, 1e-9))
    budget = min(max(share, policy.revalidate_min), policy.revalidate_max)
    return min(budget, article_count)


MIN_EVIDENCE_PAGES = 2


def judge_validators(noisy_pages: int, not_modified_pages: int) -> bool | None:
    """True: the validators follow the articles; False: they change when the text does not
    (sidebars, the date in the top bar); None: too little evidence this crawl (one page whose
    "latest posts" box showed tonight's new post says little about the site)."""
    if noisy_pages + not_modified_pages < MIN_EVIDENCE_PAGES:
        return None
    return noisy_pages <= not_modified_pages


@dataclass(slots=True)
class NightPlan:
    """One crawl's view of the site's memory, and what it learns for the next night."""

    memory: SiteMemory
    policy: NightlyPolicy
    started_at: datetime
    checks: dict[str, SourceCheck] = field(default_factory=dict)
    revalidated: int = 0
    """Archived articles a changed listing made refetched so far (the listed revalidation)."""

    @property
    def first_crawl(self) -> bool:
        return self.memory.last_complete_crawl_at is None

    @property
    def validators_trusted(self) -> bool | None:
        """Tonight's trust: a noisy judgement older than a revalidation cycle is re-examined
        (None: conditional requests are sent again, to gather evidence)."""
        trusted = self.memory.validators_trusted
        checked = self.memory.validators_checked_at
        cycle = timedelta(days=self.policy.revalidate_cycle_days)
        if trusted is False and checked is not None and self.started_at - checked >= cycle:
            return None
        return trusted

    @property
    def deep_pass(self) -> bool:
        last = self.memory.last_deep_pass_at
        return last is None or self.started_at - last >= self.policy.deep_pass

    def skip_source(self, url: str) -> bool:
        """Whether a source remembered as missing is not due for a re-probe tonight."""
        state = self.memory.sources.get(url)
        if state is None or state.found:
            return False
        return self.started_at - state.last_checked_at < self.policy.reprobe_missing

    def source_found(self, url: str, kind: str | None = None) -> bool:
        state = self.memory.sources.get(url)
        return state is not None and state.found and (kind is None or state.kind == kind)

    def found_sources(self, kind: str) -> list[str]:
        return [s.url for s in self.memory.sources.values() if s.found and s.kind == kind]

    def check(self, url: str, kind: str, found: bool, at: datetime) -> None:
        """Note what a source turned out to be tonight (a found answer wins over a miss)."""
        earlier = self.checks.get(url)
        if earlier is not None and earlier.found and not found:
            return
        self.checks[url] = SourceCheck(url, kind, found, at)

    def may_revalidate_listed(self, budget: int) -> bool:
        """Whether an archived article listed by a changed page may be refetched: always where
        validators are trusted (a 304 costs nothing); within the night's budget while the
        crawl does not know yet; where they are noisy (every listing "changes" nightly), within
        half the budget, so the newest listed articles (the likeliest to be edited, listings
        being newest first) share it with the rolling revalidation of the rest."""
        trusted = self.validators_trusted
        if trusted is True:
            return True
        if trusted is False:
            return self.revalidated < budget // 2
        return self.revalidated < budget

    def rolling_count(self, budget: int) -> int:
        """Articles tonight's rolling revalidation refetches: the night's whole budget once the
        site's validators are judged, whatever listings took. The listed revalidation refetches
        the newest articles, the same ones night after night until newer ones are posted; taken
        out of the rolling share, it slowed the cycle on a noisy site to what half the budget
        covers (4 of 7 a night on a 200-article site: 50 nights, not 30) and on a trusted one
        (listed 304s being free) to nothing on a night with news. While the validators are
        not judged yet (a site's second night, a re-examination), both share one budget."""
        if self.validators_trusted is None:
            return max(budget - self.revalidated, 0)
        return budget

    def lessons(
        self,
        *,
        finished: bool,
        complete: bool,
        noisy_pages: int,
        not_modified_pages: int,
        now: datetime,
    ) -> CrawlLessons:
        """What to write back. Source checks and validator evidence hold whatever the finish;
        the deep pass only for a crawl that finished; the crawl's start (the REST API's next
        `modified_after`) only for one that also lost no page (`complete`)."""
        return CrawlLessons(
            sources=tuple(self.checks.values()),
            validators_trusted=judge_validators(noisy_pages, not_modified_pages),
            noisy_pages=noisy_pages,
            not_modified_pages=not_modified_pages,
            checked_at=now,
            deep_pass_at=self.started_at if finished and self.deep_pass else None,
            complete_crawl_at=self.started_at if finished and complete else None,
        )
