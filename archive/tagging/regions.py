"""Region tagging: which kabupaten/kota of Sumatra an article is about. Pure: no Scrapy, no DB.

    tagger = RegionTagger(load_gazetteer())   # index once, reuse for every article
    for m in tagger.tag(title, text):          # only regions that pass the thresholds
        ArticleRegion(article_id=..., **dataclasses.asdict(m))

How it reads an article:

1. The dateline: the body's first words up to the dash or parenthesis ("BANYUASIN, SUMEKS.CO –",
   "Palembang(10/03/2022)", "MAKLUMATNEWS.com,OKUS –", "Bandarlampung, Lampung (ANTARA) -").
   It is a dateline only when every comma-separated part is a place, an outlet or a date; a
   part that is wholly a gazetteer form names the place the story was filed from. Datelines
   may use forms that mean the province elsewhere ("JAMBI, KOMPAS.com" is Kota Jambi).
2. Title and body are scanned word by word: at each capitalised word the longest gazetteer form
   starting there wins (so "Bengkulu Utara" beats "Bengkulu", "Bangka Belitung" the province
   beats "Bangka" the regency, "Sabang sampai Merauke" is an exclusion). A form in capitals
   ("OKU", "PALI") matches only in capitals; every other word of a match must begin with a
   capital ("padang rumput", "medan yang berat" are not places).
3. Context decides what a form names: after "Kota"/"Pemkot"/"Wali Kota" the kota, after
   "Kabupaten"/"Kab."/"Pemkab"/"Bupati" the kabupaten; forms marked `qualified` count only
   there ("Kabupaten Batubara", not the surname). A street ("Jalan Lampung", "Jl. Mesuji"), an
   outlet ("Tribun Medan", "Lampung Post"), or a person ("Pak Agam", "Agam (35)") is not a
   place mention. A province name is never a regency.
4. score = 4 for the dateline + 3 per title mention + 2 per mention in the lead (the first
   paragraph) + 1 per other body mention (at most BODY_MENTION_CAP). A region is kept when
   score >= MIN_SCORE: one mention deep in the body is a passing one, and so is a single mention
   anywhere in the body of an article whose dateline or title names a region. A region named
   only in the dateline is dropped when the title names another one (press releases filed from
   the provincial office: "Palembang – ... di Banyuasin"). Forms that are also common words
   ("Medan", "Padang", "Batu Bara") count in the title only when the body names the place too:
   titles are Title Case, so their capitals prove nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from archive.tagging.gazetteer import Gazetteer, Regency, bare_forms, load_gazetteer
from archive.tagging.placewords import (
    AGE_AFTER,
    CLUB_BEFORE,
    DATE_WORDS,
    DATELINE_END,
    DATELINE_MAX,
    DATELINE_PARAGRAPHS,
    KAB_PREFIXES,
    KOTA_PREFIXES,
    LOCAL_PLACE_BEFORE,
    OUTLET_AFTER,
    OUTLET_BEFORE,
    PERSON_BEFORE,
    SHORT_PARAGRAPH,
    STREET_BEFORE,
    Tokens,
    capitalised,
    form_words,
    key_of,
    word_key,
    words_of,
)

__all__ = ["Mention", "RegionMatch", "RegionTagger"]

DATELINE_WEIGHT = 4.0
TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
LEAD_WEIGHT = 2.0
"""A body mention in the lead (the first paragraph, at most LEAD_CHARS): where the news is."""
LEAD_CHARS = 400
BODY_MENTION_CAP = 6
MIN_SCORE = 2.0

Field = Literal["dateline", "title", "body"]
Status = Literal["counted", "province", "excluded", "street", "outlet", "person", "local-place",
                 "unqualified", "dateline-only-form", "common-word", "club"]

@dataclass(frozen=True, slots=True)
class RegionMatch:
    """One regency/city an article is about.

    Field names match `archive.store.models.ArticleRegion`.
    """

    region_code: str
    score: float
    matched_forms: list[str]
    """Distinct forms as the text wrote them, sorted."""
    in_dateline: bool
    in_title: bool
    in_body: bool
    gazetteer_version: str


@dataclass(frozen=True, slots=True)
class Mention:
    """One candidate place mention and its fate: what `RegionTagger.explain` shows."""

    field: Field
    text: str
    start: int
    end: int
    """Offsets into the field's text (NFKC-normalised)."""
    status: Status
    region_code: str | None = None


@dataclass(frozen=True, slots=True)
class _Target:
    kind: Literal["regency", "province", "exclusion"]
    code: str | None
    mode: Literal["bare", "qualified", "dateline", "province", "exclusion"]
    regency_kind: str | None = None


@dataclass(slots=True)
class _Evidence:
    dateline: bool = False
    title: int = 0
    body: int = 0
    lead: int = 0
    """Of `body`, the mentions in the lead."""
    forms: set[str] = field(default_factory=set)


def _prepare(text: str | None) -> str:
    if not text:
        return ""
    return unicodedata.normalize("NFKC", text)


class RegionTagger:
    """The gazetteer indexed by word sequence; `tag()` is one pass over each field's words.
    Thread-safe: holds only read-only tables."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer if gazetteer is not None else load_gazetteer()
        self.version = self.gazetteer.version
        self._regencies: dict[str, Regency] = {r.code: r for r in self.gazetteer.regencies}
        self._index: dict[tuple[str, ...], list[_Target]] = {}
        # Which words of a form must be in capitals in the text (the form wrote them so).
        self._caps: dict[tuple[str, ...], tuple[bool, ...]] = {}
        for r in self.gazetteer.regencies:
            for form in bare_forms(r):
                self._add(form, _Target("regency", r.code, "bare", r.kind))
            for form in r.qualified:
                self._add(form, _Target("regency", r.code, "qualified", r.kind))
            for form in r.dateline:
                self._add(form, _Target("regency", r.code, "dateline", r.kind))
        for p in self.gazetteer.provinces:
            for form in (p.name, *p.aliases):
                self._add(form, _Target("province", p.code, "province"))
        for phrase in self.gazetteer.exclusions:
            self._add(phrase, _Target("exclusion", None, "exclusion"))
        self._longest = max(len(k) for k in self._index)
        self._first_words = {k[0] for k in self._index}
        self._common = {word_key(form_words(w)) for w in self.gazetteer.common_words}
        self._prefixes = {
            "kabupaten": {word_key(p.split()) for p in KAB_PREFIXES},
            "kota": {word_key(p.split()) for p in KOTA_PREFIXES},
        }

    def _add(self, form: str, target: _Target) -> None:
        words = form_words(form)
        key = word_key(words)
        targets = self._index.setdefault(key, [])
        if target not in targets:
            targets.append(target)
        caps = tuple(len(w) > 1 and w.isupper() for w in words)
        old = self._caps.get(key)
        # Two forms with one key ("Oku" would be the only mixed-case spelling): the looser wins.
        self._caps[key] = caps if old is None else tuple(a and b for a, b in zip(old, caps,
                                                                                  strict=True))

    # --- public API ------------------------------------------------------------------------------

    def tag(self, title: str | None, text: str | None) -> list[RegionMatch]:
        """The regions the article is about, strongest first (ties by code)."""
        return self._decide(self._read(title, text))

    def explain(self, title: str | None, text: str | None) -> list[Mention]:
        """Every candidate mention with its fate, in reading order: for tuning the gazetteer."""
        return self._read(title, text).mentions

    # --- reading ---------------------------------------------------------------------------------

    def _read(self, title: str | None, text: str | None) -> _Reading:
        title_text, body_text = _prepare(title), _prepare(text)
        out: list[Mention] = []
        body_start = 0
        dateline = self._dateline(body_text)
        if dateline is not None:
            out.extend(dateline[0])
            body_start = dateline[1]
            lead = _paragraph(body_text, dateline[2])
        else:
            lead = _first_paragraph(body_text)
        out.extend(self._scan(title_text, "title"))
        out.extend(self._scan(body_text, "body", start=body_start))
        return _Reading(out, body_text, lead)

    def _dateline(self, body: str) -> tuple[list[Mention], int, int] | None:
        """The dateline's place mentions, where the body proper starts and where the dateline's
        paragraph does, or None when the body
        does not open with a dateline. Short opening paragraphs (a photo caption, a view counter
        the extractor kept) are looked past."""
        start = 0
        for _ in range(DATELINE_PARAGRAPHS):
            while start < len(body) and body[start].isspace():
                start += 1
            found = self._dateline_at(body, start)
            if found is not None:
                return (*found, start)
            newline = body.find("\n", start)
            if newline < 0 or newline - start > SHORT_PARAGRAPH:
                return None
            start = newline + 1
        return None

    def _dateline_at(self, body: str, at: int) -> tuple[list[Mention], int] | None:
        head = body[at: at + DATELINE_MAX]
        end = DATELINE_END.search(head)
        if end is None or end.start() == 0 or "\n" in head[: end.start()]:
            return None
        segment = head[: end.start()]
        mentions: list[Mention] = []
        offset = at
        for part in segment.split(","):
            start = offset + len(part) - len(part.lstrip())
            offset += len(part) + 1
            part = part.strip()
            if not part:
                continue
            found = self._dateline_part(part, start)
            if found is None:
                return None
            mentions.extend(found)
        return mentions, at + end.start()

    def _dateline_part(self, part: str, start: int) -> list[Mention] | None:
        """Mentions in one comma-separated part of a dateline; None when the part is not a place,
        an outlet or a date (then the segment is a sentence, not a dateline)."""
        words = words_of(part)
        if not words:
            return []
        if len(words) <= 4 and ("." in part or any(ch.isdigit() for ch in part)):
            return []  # an outlet (KOMPAS.com, REPUBLIKA.CO.ID) or a date (Kamis 25/11/2021)
        if len(words) <= 5 and words[0].group().casefold() in DATE_WORDS:
            return []
        if len(words) > 5 or not all(capitalised(w.group()) for w in words):
            return None
        found = self._scan(part, "dateline")
        if found and found[0].start == words[0].start() and found[-1].end == words[-1].end():
            return [
                Mention(m.field, m.text, m.start + start, m.end + start, m.status, m.region_code)
                for m in found
            ]
        # A place the gazetteer does not know (Mataram, Jakarta) or an outlet's name (IPKB).
        return []

    def _scan(self, text: str, field: Field, *, start: int = 0) -> list[Mention]:
        tokens = Tokens(text)
        out: list[Mention] = []
        folded, first_words = tokens.folded, self._first_words
        # Only words that can begin a form are looked at: a few in a hundred.
        candidates = [k for k, w in enumerate(folded) if w in first_words]
        skip_to = 0
        for i in candidates:
            if i < skip_to or tokens.start(i) < start:
                continue
            n, targets = self._longest_form(tokens, i)
            if not targets:
                continue
            mention = self._resolve(tokens, i, n, targets, field)
            if mention is not None:
                a, b = tokens.start(i), tokens.end(i + n - 1)
                out.append(Mention(field, text[a:b], a, b, *mention))
            skip_to = i + n
        return out

    def _longest_form(self, tokens: Tokens, i: int) -> tuple[int, list[_Target]]:
        limit = min(self._longest, len(tokens.folded) - i)
        n = 1
        while n < limit and tokens.joined(i + n - 1):
            n += 1
        for size in range(n, 0, -1):
            key = tuple(tokens.folded[i: i + size])
            targets = self._index.get(key)
            if targets is None:
                continue
            if any(t.kind == "exclusion" for t in targets) or self._cased(
                key, [tokens.word(k) for k in range(i, i + size)]
            ):
                return size, targets
        return 0, []

    def _cased(self, key: tuple[str, ...], chunk: list[str]) -> bool:
        caps = self._caps[key]
        return all(
            (w.isupper() if must_be_caps else capitalised(w))
            for w, must_be_caps in zip(chunk, caps, strict=True)
        )

    def _resolve(
        self, tokens: Tokens, i: int, n: int, targets: list[_Target], field: Field
    ) -> tuple[Status, str | None] | None:
        if any(t.kind == "exclusion" for t in targets):
            return ("excluded", None)
        before = tokens.before(i, 3)
        after_word = tokens.after(i + n)
        last = before[-1] if before else None
        if last in STREET_BEFORE:
            return ("street", None)
        if last in LOCAL_PLACE_BEFORE and capitalised(tokens.word(i - 1)):
            return ("local-place", None)
        if last in OUTLET_BEFORE or after_word in OUTLET_AFTER:
            return ("outlet", None)
        if before and CLUB_BEFORE.fullmatch(tokens.word(i - 1)):
            return ("club", None)
        if last in PERSON_BEFORE or AGE_AFTER.match(tokens.text, tokens.end(i + n - 1)):
            return ("person", None)
        prefix_kind = self._prefix_kind(before)
        regencies = [t for t in targets if t.kind == "regency"]
        chosen = _choose(regencies, prefix_kind, field)
        if chosen is not None:
            if field == "title" and prefix_kind is None and key_of(tokens, i, n) in self._common:
                return ("common-word", chosen.code)
            return ("counted", chosen.code)
        if any(t.kind == "province" for t in targets):
            return ("province", None)
        if any(t.mode == "dateline" for t in regencies):
            return ("dateline-only-form", None)
        if regencies:
            return ("unqualified", None)
        return None

    def _prefix_kind(self, before: list[str]) -> str | None:
        for size in (3, 2, 1):
            if len(before) >= size:
                key = tuple(before[-size:])
                for kind, keys in self._prefixes.items():
                    if key in keys:
                        return kind
        return None

    # --- deciding --------------------------------------------------------------------------------

    def _decide(self, reading: _Reading) -> list[RegionMatch]:
        mentions = reading.mentions
        listed = _listed(reading)
        lead_start, lead_end = reading.lead
        evidence: dict[str, _Evidence] = {}
        for m in mentions:
            if m.status == "counted" and m.region_code is not None and m.field != "title":
                evidence.setdefault(m.region_code, _Evidence())
        for m in mentions:
            if m.region_code is None or m.status not in ("counted", "common-word"):
                continue
            if m.status == "common-word" and m.region_code not in evidence:
                continue  # "Medan Berat Menuju Ladang": a Title Case word, unless the body agrees
            ev = evidence.setdefault(m.region_code, _Evidence())
            ev.forms.add(m.text)
            if m.field == "dateline":
                ev.dateline = True
            elif m.field == "title":
                ev.title += 1
            else:
                ev.body += 1
                ev.lead += lead_start <= m.start < lead_end and m.start not in listed
        titled = any(ev.title for ev in evidence.values())
        focused = titled or any(ev.dateline for ev in evidence.values())
        out = []
        for code, ev in evidence.items():
            if not (ev.dateline or ev.title or ev.body):
                continue
            if ev.dateline and not ev.title and not ev.body and titled:
                continue  # filed from here, about the place the title names
            if focused and not (ev.dateline or ev.title) and ev.body < 2:
                continue  # named once beside the place the story is about
            score = (
                DATELINE_WEIGHT * ev.dateline
                + TITLE_WEIGHT * ev.title
                + BODY_WEIGHT * min(ev.body - ev.lead, BODY_MENTION_CAP)
                + LEAD_WEIGHT * ev.lead
            )
            if score < MIN_SCORE:
                continue
            out.append(RegionMatch(
                region_code=code,
                score=score,
                matched_forms=sorted(ev.forms),
                in_dateline=ev.dateline,
                in_title=ev.title > 0,
                in_body=ev.body > 0,
                gazetteer_version=self.version,
            ))
        out.sort(key=lambda m: (-m.score, m.region_code))
        return out


@dataclass(frozen=True, slots=True)
class _Reading:
    mentions: list[Mention]
    body: str
    lead: tuple[int, int]
    """The lead paragraph's span in `body` (at most LEAD_CHARS)."""


# Between two places of one enumeration: "Bangka Tengah, Bangka Barat dan Bangka Selatan".
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:dan|serta|atau)?|dan|serta|atau|/)\s*")


def _listed(reading: _Reading) -> set[int]:
    """Starts of body mentions that are items of an enumeration of different regions: in the
    lead they weigh as much as anywhere else (one of a list is not what the news is about)."""
    body = [m for m in reading.mentions if m.field == "body" and m.status == "counted"]
    out: set[int] = set()
    for a, b in pairwise(body):
        if a.region_code != b.region_code and _LIST_GAP.fullmatch(reading.body, a.end, b.start):
            out.update((a.start, b.start))
    return out


def _paragraph(body: str, start: int) -> tuple[int, int]:
    newline = body.find("\n", start)
    end = len(body) if newline < 0 else newline
    return start, min(end, start + LEAD_CHARS)


def _first_paragraph(body: str) -> tuple[int, int]:
    """The first paragraph that is not a caption or a view counter (short, no full stop at its
    end), else the first."""
    start = 0
    while start < len(body):
        newline = body.find("\n", start)
        end = len(body) if newline < 0 else newline
        paragraph = body[start:end].strip()
        if paragraph and (len(paragraph) >= SHORT_PARAGRAPH or paragraph.endswith((".", '"'))):
            return _paragraph(body, start)
        if newline < 0:
            break
        start = newline + 1
    return _paragraph(body, 0)


def _choose(regencies: list[_Target], prefix_kind: str | None, field: Field) -> _Target | None:
    """The regency a form names here, if any: the prefix's kind first (admitting qualified
    forms), then a bare form; dateline forms only in the dateline."""
    if prefix_kind is not None:
        for t in regencies:
            if t.regency_kind == prefix_kind and t.mode in ("bare", "qualified", "dateline"):
                return t
        # "kota Sekayu": the town, seat of its kabupaten.
        for t in regencies:
            if t.mode == "bare":
                return t
    if field == "dateline":
        for t in regencies:
            if t.mode == "dateline":
                return t
    for t in regencies:
        if t.mode == "bare":
            return t
    return None
