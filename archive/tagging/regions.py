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
4. score = 4 for the dateline + 3 per title mention + 1 per body mention (at most
   BODY_MENTION_CAP). A region is kept when score >= MIN_SCORE: one body mention is a passing
   one. A region named only in the dateline is dropped when the title names another one
   (press releases filed from the provincial office: "Palembang – ... di Banyuasin").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from archive.tagging.gazetteer import Gazetteer, Regency, bare_forms, load_gazetteer

__all__ = ["Mention", "RegionMatch", "RegionTagger"]

DATELINE_WEIGHT = 4.0
TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
BODY_MENTION_CAP = 6
MIN_SCORE = 2.0

Field = Literal["dateline", "title", "body"]
Status = Literal["counted", "province", "excluded", "street", "outlet", "person", "unqualified",
                 "dateline-only-form"]

_WORD = re.compile(r"[^\W_]+")
# What may separate the words of one place name: spaces, a hyphen ("Muko-Muko"), the full stop
# of an abbreviation ("Kab. Banyuasin").
_JOINER = re.compile(r"\.?[ \t\u00a0]{1,3}|-|\.")

# Context words, as word-key tuples (casefolded). The kind's prefixes choose between a kabupaten
# and a kota of the same name and admit `qualified` forms.
_KAB_PREFIXES = ("kabupaten", "kab", "pemkab", "pemerintah kabupaten", "bupati", "wakil bupati",
                 "wabup", "penjabat bupati", "pj bupati", "plt bupati")
_KOTA_PREFIXES = ("kota", "pemkot", "pemerintah kota", "wali kota", "walikota",
                  "wakil wali kota", "wakil walikota", "wawako", "penjabat wali kota",
                  "pj wali kota", "pemerintahan kota")
_STREET_BEFORE = ("jalan", "jl", "jln", "gang", "gg", "lorong", "jalur", "lr")
_OUTLET_BEFORE = ("tribun", "radar", "harian", "koran", "majalah")
_OUTLET_AFTER = ("pos", "post", "ekspres", "ekspress", "express", "independent", "today", "tv",
                 "news", "online", "terkini", "update", "bisnis", "times", "pagi", "ekspose")
_PERSON_BEFORE = ("bapak", "pak", "ibu", "bu", "sdr", "sdri", "saudara", "saudari", "tuan",
                  "nyonya", "ny", "kak", "mbak", "mas", "bang", "haji", "hj", "dr", "ir", "drs",
                  "dra", "prof", "bernama", "berinisial", "alias", "almarhum", "almarhumah")
# "Agam (35)": a person and their age, the Indonesian press's way of naming one.
_AGE_AFTER = re.compile(r"\s*\(\s*\d{1,3}\s*(?:th|tahun|thn)?\s*\)")

# Dateline: the segment before the first dash or opening parenthesis near the body's start.
_DATELINE_END = re.compile(r"\s*(?:[–—]|\s-\s|-(?=\S)|\s-$|\()")
_DATELINE_MAX = 90
_DATE_WORDS = {"senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad"}


@dataclass(frozen=True, slots=True)
class RegionMatch:
    """One regency/city an article is about. Field names match `archive.models.ArticleRegion`."""

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
    forms: set[str] = field(default_factory=set)


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def _key(words: list[str]) -> tuple[str, ...]:
    return tuple(w.casefold() for w in words)


def _form_words(form: str) -> list[str]:
    return [m.group() for m in _WORD.finditer(form)]


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
        self._prefixes = {
            "kabupaten": {_key(p.split()) for p in _KAB_PREFIXES},
            "kota": {_key(p.split()) for p in _KOTA_PREFIXES},
        }

    def _add(self, form: str, target: _Target) -> None:
        words = _form_words(form)
        key = _key(words)
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
        return self._decide(self._mentions(title, text))

    def explain(self, title: str | None, text: str | None) -> list[Mention]:
        """Every candidate mention with its fate, in reading order: for tuning the gazetteer."""
        return self._mentions(title, text)

    # --- reading ---------------------------------------------------------------------------------

    def _mentions(self, title: str | None, text: str | None) -> list[Mention]:
        title_text, body_text = _prepare(title), _prepare(text)
        out: list[Mention] = []
        body_start = 0
        dateline = self._dateline(body_text)
        if dateline is not None:
            out.extend(dateline[0])
            body_start = dateline[1]
        out.extend(self._scan(title_text, "title"))
        out.extend(self._scan(body_text, "body", start=body_start))
        return out

    def _dateline(self, body: str) -> tuple[list[Mention], int] | None:
        """The dateline's place mentions and where the body proper starts, or None when the body
        does not open with a dateline."""
        head = body[:_DATELINE_MAX]
        end = _DATELINE_END.search(head)
        if end is None or end.start() == 0:
            return None
        segment = head[: end.start()]
        mentions: list[Mention] = []
        offset = 0
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
        return mentions, end.start()

    def _dateline_part(self, part: str, start: int) -> list[Mention] | None:
        """Mentions in one comma-separated part of a dateline; None when the part is not a place,
        an outlet or a date (then the segment is a sentence, not a dateline)."""
        words = _words(part)
        if not words:
            return []
        if "." in part or any(ch.isdigit() for ch in part):
            return []  # an outlet (KOMPAS.com, REPUBLIKA.CO.ID) or a date (Kamis 25/11/2021)
        if words[0].group().casefold() in _DATE_WORDS:
            return []
        if len(words) > 5 or not all(_capitalised(w.group()) for w in words):
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
        words = _words(text)
        out: list[Mention] = []
        i = 0
        if start:
            while i < len(words) and words[i].start() < start:
                i += 1
        while i < len(words):
            n, targets = self._longest_form(text, words, i)
            if not targets:
                i += 1
                continue
            first, last = words[i], words[i + n - 1]
            mention = self._resolve(text, words, i, n, targets, field)
            if mention is not None:
                out.append(Mention(field, text[first.start():last.end()], first.start(),
                                   last.end(), *mention))
            i += n
        return out

    def _longest_form(
        self, text: str, words: list[re.Match[str]], i: int
    ) -> tuple[int, list[_Target]]:
        limit = min(self._longest, len(words) - i)
        n = 1
        while n < limit and _JOINER.fullmatch(text, words[i + n - 1].end(), words[i + n].start()):
            n += 1
        for size in range(n, 0, -1):
            chunk = [w.group() for w in words[i: i + size]]
            key = _key(chunk)
            targets = self._index.get(key)
            if targets is None:
                continue
            is_exclusion = any(t.kind == "exclusion" for t in targets)
            if is_exclusion or self._cased(key, chunk):
                return size, targets
        return 0, []

    def _cased(self, key: tuple[str, ...], chunk: list[str]) -> bool:
        caps = self._caps[key]
        return all(
            (w.isupper() if must_be_caps else _capitalised(w))
            for w, must_be_caps in zip(chunk, caps, strict=True)
        )

    def _resolve(
        self,
        text: str,
        words: list[re.Match[str]],
        i: int,
        n: int,
        targets: list[_Target],
        field: Field,
    ) -> tuple[Status, str | None] | None:
        if any(t.kind == "exclusion" for t in targets):
            return ("excluded", None)
        before = _words_before(text, words, i, 3)
        after_word = _word_after(text, words, i + n)
        if before[-1:] and before[-1] in _STREET_BEFORE:
            return ("street", None)
        if (before[-1:] and before[-1] in _OUTLET_BEFORE) or after_word in _OUTLET_AFTER:
            return ("outlet", None)
        if (before[-1:] and before[-1] in _PERSON_BEFORE) or _AGE_AFTER.match(
            text, words[i + n - 1].end()
        ):
            return ("person", None)
        prefix_kind = self._prefix_kind(before)
        regencies = [t for t in targets if t.kind == "regency"]
        chosen = _choose(regencies, prefix_kind, field)
        if chosen is not None:
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

    def _decide(self, mentions: list[Mention]) -> list[RegionMatch]:
        evidence: dict[str, _Evidence] = {}
        for m in mentions:
            if m.status != "counted" or m.region_code is None:
                continue
            ev = evidence.setdefault(m.region_code, _Evidence())
            ev.forms.add(m.text)
            if m.field == "dateline":
                ev.dateline = True
            elif m.field == "title":
                ev.title += 1
            else:
                ev.body += 1
        titled = any(ev.title for ev in evidence.values())
        out = []
        for code, ev in evidence.items():
            if ev.dateline and not ev.title and not ev.body and titled:
                continue  # filed from here, about the place the title names
            score = (
                DATELINE_WEIGHT * ev.dateline
                + TITLE_WEIGHT * ev.title
                + BODY_WEIGHT * min(ev.body, BODY_MENTION_CAP)
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


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def _words_before(text: str, words: list[re.Match[str]], i: int, count: int) -> list[str]:
    """Up to `count` casefolded words directly before word i, each joined to the next by
    spacing (or an abbreviation's full stop) only."""
    out: list[str] = []
    j = i
    while j > 0 and len(out) < count:
        prev = words[j - 1]
        if not _JOINER.fullmatch(text, prev.end(), words[j].start()):
            break
        out.append(prev.group().casefold())
        j -= 1
    return out[::-1]


def _word_after(text: str, words: list[re.Match[str]], j: int) -> str | None:
    if j >= len(words):
        return None
    prev_end = words[j - 1].end()
    if not _JOINER.fullmatch(text, prev_end, words[j].start()):
        return None
    return words[j].group().casefold()
