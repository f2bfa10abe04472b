"""Tagging: which taxonomy tags an article earns, and the evidence for each. Pure: no Scrapy, no DB.

    tagger = Tagger(load_taxonomy())          # compile once, reuse for every article
    for m in tagger.tag(title, text):         # only tags that pass their min_score
        ArticleTag(article_id=..., **dataclasses.asdict(m))

How matching works (the taxonomy file's header is the user-facing reference):

1. Title and body are normalised separately (`normalise_text`: NFKC, CamelCase split, no
   diacritics, casefolded, dashes/underscores as spaces, single spaces).
2. One scanner regex, the union of every term, pattern and exclusion of every tag, finds in a single
   pass each position where one of them can start (a zero-width lookahead, so overlapping matches
   of different tags are all seen).
3. At each such position every tag tries its own anchored alternation (patterns in file order, then
   literal terms longest first) and its exclusions. That is cheap — positions are few — and lets
   "Tim Percepatan Penurunan Stunting" count for `tpps` and, through its inner "Percepatan
   Penurunan Stunting", for `stunting`.
4. Per tag, left to right: a match overlapped by an earlier counted match of the same tag is
   dropped; a match overlapping one of the tag's exclusions is vetoed; a term under a context rule
   counts only with one of its `near` words within `window` words.
5. score = title_weight × title matches + body_weight × body matches; tags reaching min_score are
   returned, in taxonomy order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

# The regex parser of the standard library (re._parser, a stable name since Python 3.11): the
# scanner's first-character guard is read off the parsed sources, so it is right by construction.
from re import _constants as _sre
from re import _parser as _sre_parse
from typing import Any, Literal

from archive.tagging.taxonomy import (
    ContextRule,
    TagDef,
    Taxonomy,
    load_taxonomy,
    normalise_text,
)

__all__ = ["Hit", "TagMatch", "Tagger", "normalise_text"]

_WORD = re.compile(r"\w+")
# The words of a normalised phrase and the punctuation between them.
_PHRASE_TOKEN = re.compile(r"\w+|[^\w\s]")

HitStatus = Literal["counted", "overlapped", "excluded", "no-context"]


@dataclass(frozen=True, slots=True)
class TagMatch:
    """One tag an article earned. Field names match `archive.store.models.ArticleTag`."""

    tag: str
    score: float
    """title_weight × title matches + body_weight × body matches."""
    match_count: int
    """Matches counted, title and body together."""
    matched_terms: list[str]
    """Distinct canonical terms (as written in the taxonomy) that matched, sorted."""
    in_title: bool
    in_body: bool
    taxonomy_version: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One candidate match, counted or not and why: what `Tagger.explain` shows."""

    tag: str
    term: str
    field: Literal["title", "body"]
    start: int
    end: int
    """Offsets into the *normalised* field text."""
    text: str
    status: HitStatus


@dataclass(frozen=True, slots=True)
class _Entry:
    term: str
    context: _Context | None


@dataclass(frozen=True, slots=True)
class _Context:
    near: re.Pattern[str]
    window: int


@dataclass(frozen=True, slots=True)
class _CompiledTag:
    defn: TagDef
    matcher: re.Pattern[str]
    """Anchored use only: `matcher.match(text, pos)`; group i+1 is entries[i]."""
    entries: tuple[_Entry, ...]
    exclusion: re.Pattern[str] | None
    """Anchored use only, like `matcher`: the tag's exclusions as one alternation."""


def literal_regex(phrase: str) -> str:
    """Regex source for a literal phrase over normalised text: the words in order, each gap an
    optional space (so "BanggaKencana" matches), and punctuation written in the phrase optional."""
    tokens = _PHRASE_TOKEN.findall(normalise_text(phrase))
    out: list[str] = []
    gap_has_punct = False
    for tok in tokens:
        if _WORD.match(tok):
            if out:
                out.append(" ?(?:[^\\w ] ?)?" if gap_has_punct else " ?")
            out.append(re.escape(tok))
            gap_has_punct = False
        else:
            gap_has_punct = True
    return "".join(out)


def _suffix_regex(suffixes: tuple[str, ...]) -> str:
    if not suffixes:
        return ""
    return "(?:" + "|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True)) + ")?"


def _alternation(sources: list[str]) -> str:
    return "|".join(f"(?:{s})" for s in sources)


class Tagger:
    """All terms of all tags compiled once; `tag()` is then one scan per field plus a little work
    at each candidate position. Thread-safe: holds only compiled patterns."""

    def __init__(self, taxonomy: Taxonomy | None = None) -> None:
        self.taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self.version = self.taxonomy.version
        self._tags = tuple(self._compile_tag(t) for t in self.taxonomy.tags)

        sources: dict[str, None] = {}  # ordered set: one alternative per distinct source
        suffixes: set[str] = set()
        for tag in self.taxonomy.tags:
            for src in _entry_sources(tag) + _exclusion_sources(tag):
                sources[src] = None
            suffixes.update(tag.suffixes)
        # Zero-width, so the scan stops at every start position, overlapping or not. Exclusions are
        # in it too: one pass finds where every term and every exclusion starts. The class of
        # possible first characters turns most word boundaries away before the alternation is
        # tried there (a third of the scan on the bench pages).
        first = _first_chars(list(sources))
        guard = f"(?=[{first}])" if first else ""
        self._scanner = re.compile(
            rf"\b{guard}(?=(?:{_alternation(list(sources))}){_suffix_regex(tuple(suffixes))}\b)"
        )

    @staticmethod
    def _compile_tag(tag: TagDef) -> _CompiledTag:
        suffix = _suffix_regex(tag.suffixes)
        contexts: dict[str, _Context] = {}
        for rule in tag.context:
            ctx = _compile_context(rule, suffix)
            for term in rule.terms:
                contexts[term] = ctx

        # Patterns first, in file order (they are the specific forms); then literals longest first,
        # so at one position "Kampung KB" beats "KB".
        ordered: list[tuple[str, str]] = [(p.term, p.regex) for p in tag.patterns]
        literals = [(t, literal_regex(t)) for t in tag.terms]
        literals.sort(key=lambda tr: len(normalise_text(tr[0])), reverse=True)
        ordered += literals

        entries = tuple(_Entry(term, contexts.get(term)) for term, _ in ordered)
        groups = "|".join(f"({src})" for _, src in ordered)
        matcher = re.compile(rf"(?:{groups}){suffix}\b")

        excl_sources = _exclusion_sources(tag)
        exclusion = (
            re.compile(rf"(?:{_alternation(excl_sources)}){suffix}\b") if excl_sources else None
        )
        return _CompiledTag(defn=tag, matcher=matcher, entries=entries, exclusion=exclusion)

    # --- public API ------------------------------------------------------------------------------

    def tag(self, title: str | None, text: str | None) -> list[TagMatch]:
        """Tags whose score reaches their min_score, in taxonomy order."""
        title_hits = self._field_hits(normalise_text(title or ""), "title", explain=False)
        body_hits = self._field_hits(normalise_text(text or ""), "body", explain=False)
        out = []
        for i, ct in enumerate(self._tags):
            t_hits, b_hits = title_hits[i], body_hits[i]
            if not t_hits and not b_hits:
                continue
            d = ct.defn
            score = d.title_weight * len(t_hits) + d.body_weight * len(b_hits)
            if score < d.min_score:
                continue
            out.append(
                TagMatch(
                    tag=d.name,
                    score=score,
                    match_count=len(t_hits) + len(b_hits),
                    matched_terms=sorted({h.term for h in t_hits} | {h.term for h in b_hits}),
                    in_title=bool(t_hits),
                    in_body=bool(b_hits),
                    taxonomy_version=self.version,
                )
            )
        return out

    def explain(self, title: str | None, text: str | None) -> list[Hit]:
        """Every candidate match with its fate (counted, overlapped, excluded, no-context): for
        debugging a taxonomy. Slower than `tag()`; not for bulk use."""
        out: list[Hit] = []
        for field, raw in (("title", title), ("body", text)):
            per_tag = self._field_hits(normalise_text(raw or ""), field, explain=True)
            for hits in per_tag:
                out.extend(hits)
        return out

    # --- internals -------------------------------------------------------------------------------

    def _field_hits(
        self, norm: str, field: Literal["title", "body"], *, explain: bool
    ) -> list[list[Hit]]:
        """Per tag (taxonomy order): the counted hits, or with `explain` all candidates."""
        tags = self._tags
        candidates: list[list[tuple[int, int, _Entry]]] = [[] for _ in tags]
        exclusions: list[list[tuple[int, int]]] = [[] for _ in tags]
        if norm:
            for m in self._scanner.finditer(norm):
                pos = m.start()
                for i, ct in enumerate(tags):
                    hit = ct.matcher.match(norm, pos)
                    if hit is not None:
                        entry = ct.entries[hit.lastindex - 1]  # type: ignore[operator]
                        candidates[i].append((pos, hit.end(), entry))
                    if ct.exclusion is not None:
                        veto = ct.exclusion.match(norm, pos)
                        if veto is not None:
                            exclusions[i].append(veto.span())

        result: list[list[Hit]] = []
        for ct, cands, vetoes in zip(tags, candidates, exclusions, strict=True):
            hits: list[Hit] = []
            counted_end = -1
            for start, end, entry in cands:
                status: HitStatus
                if start < counted_end:
                    status = "overlapped"
                elif vetoes and any(a < end and b > start for a, b in vetoes):
                    status = "excluded"
                elif entry.context and not _has_context(entry.context, norm, start, end):
                    status = "no-context"
                else:
                    status = "counted"
                    counted_end = end
                if status == "counted" or explain:
                    hits.append(
                        Hit(ct.defn.name, entry.term, field, start, end, norm[start:end], status)
                    )
            result.append(hits)
        return result


def _entry_sources(tag: TagDef) -> list[str]:
    return [p.regex for p in tag.patterns] + [literal_regex(t) for t in tag.terms]


def _exclusion_sources(tag: TagDef) -> list[str]:
    return [literal_regex(x) for x in tag.exclusions] + list(tag.exclusion_patterns)


# Class escapes a first character may be written with, by the parser's category code.
_CATEGORY_CLASS = {
    _sre.CATEGORY_DIGIT: r"\d",
    _sre.CATEGORY_WORD: r"\w",
    _sre.CATEGORY_SPACE: r"\s",
}


def _first_chars(sources: list[str]) -> str | None:
    """A regex character class body holding every character a match of any of `sources` can
    begin with, or None when one of them is not simple enough to tell (then no guard)."""
    pieces: set[str] = set()
    for src in sources:
        found = _first_of(_sre_parse.parse(src).data)
        if found is None or found[1]:
            return None  # unknown, or the source can match the empty string
        pieces |= found[0]
    return "".join(sorted(pieces))


def _first_of(items: Any) -> tuple[set[str], bool] | None:
    """(class pieces of the first character, whether the sequence can match empty) of a parsed
    regex sequence; None when some construct is not understood."""
    out: set[str] = set()
    for op, av in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # zero-width: the next item gives the first character
        if op is _sre.LITERAL:
            out.add(re.escape(chr(av)))
            return out, False
        if op is _sre.IN:
            for kind, value in av:
                if kind is _sre.LITERAL:
                    out.add(re.escape(chr(value)))
                elif kind is _sre.RANGE:
                    out.add(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
                elif kind is _sre.CATEGORY and value in _CATEGORY_CLASS:
                    out.add(_CATEGORY_CLASS[value])
                else:
                    return None  # a negated class, a category without an escape
            return out, False
        if op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return None  # (?i:…) and friends change what a character matches
            found = _first_of(sub.data)
        elif op is _sre.BRANCH:
            found = (set(), False)
            for alternative in av[1]:
                one = _first_of(alternative.data)
                if one is None:
                    return None
                found = (found[0] | one[0], found[1] or one[1])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _high, sub = av
            one = _first_of(sub.data)
            if one is None:
                return None
            found = (one[0], one[1] or low == 0)
        else:
            return None
        if found is None:
            return None
        out |= found[0]
        if not found[1]:
            return out, False
    return out, True


def _compile_context(rule: ContextRule, suffix: str) -> _Context:
    near = _alternation([literal_regex(w) for w in rule.near])
    return _Context(near=re.compile(rf"\b(?:{near}){suffix}\b"), window=rule.window)


def _has_context(ctx: _Context, norm: str, start: int, end: int) -> bool:
    n = ctx.window
    # Generous character bounds (long Indonesian words are ~15 letters), then exact word counts.
    reach = 24 * n
    before = [w.start() for w in _WORD.finditer(norm, max(0, start - reach), start)]
    lo = before[-n] if len(before) >= n else (before[0] if before else start)
    after = [w.end() for w in islice(_WORD.finditer(norm, end, min(len(norm), end + reach)), n)]
    hi = after[-1] if after else end
    # The match's own words are not its context ("anak" in "anak kerdil" proves nothing more).
    return any(m.end() <= start or m.start() >= end for m in ctx.near.finditer(norm, lo, hi))
