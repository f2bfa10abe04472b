"""The tag taxonomy: which tags exist and what text earns them, kept as data (TOML), not code.

The shipped default is `archive/tagging/taxonomy.toml`; its header comment is the format's
reference. A user file replaces it wholesale, or adds to it with `include_default = true`.
Loading validates everything up front and reports the first problem on one line naming file, tag
and field:

    taxonomy.toml: tag 'stunting': field 'patterns': bad regex 'stunt(': missing ), ...

`Taxonomy.version` is a short hash of the effective content (defaults applied, comments and layout
ignored), stored with every tag so re-tagging can tell which taxonomy produced it.

The matching text model (`normalise_text`) lives here too: it is part of the taxonomy's contract,
since patterns are written against normalised text.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from archive.tagging.tomlfile import parse_document, read_text

DEFAULT_TAXONOMY_PATH = Path(__file__).with_name("taxonomy.toml")

# Part of every version hash: bump it when normalisation or matching semantics change, so tags
# stored by the old matcher read as stale even though the taxonomy file did not change.
MATCHING_REVISION = 1

TAG_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_TAG_NAME = 50  # article_tags.tag is String(50)
MAX_WINDOW = 50

_DEFAULTS: dict[str, Any] = {
    "title_weight": 3.0,
    "body_weight": 1.0,
    "min_score": 1.0,
    "suffixes": ["nya", "lah", "kah"],
    "window": 8,
}
_TOP_KEYS = {"defaults", "tags", "include_default"}
_TAG_KEYS = {
    "description",
    "terms",
    "patterns",
    "exclusions",
    "exclusion_patterns",
    "context",
    "suffixes",
    "title_weight",
    "body_weight",
    "min_score",
}
_PATTERN_KEYS = {"term", "regex"}
_CONTEXT_KEYS = {"terms", "near", "window"}


# --- text model ----------------------------------------------------------------------------------

# Dashes and underscores join words that are still the same words ("Bangga-Kencana", "ber-KB"):
# they become spaces, in the same pass that collapses whitespace. Invisible format characters (soft
# hyphen, zero-width space, BOM) sit inside words in copy-pasted CMS text, so they are deleted
# rather than spaced.
# Dashes and underscores become spaces, then whitespace runs collapse (a split in C). The dashes
# by a character class matching only them, not str.translate (which looks every character of
# the text up in a dict: a quarter of a millisecond on a 4 kB article, ten times this sub) nor
# a class that also matches the spaces (one match per space of a 6 kB article).
_DASHES = re.compile("[-_\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]+")
# A lowercase letter directly followed by a capital is a word joint in hashtags and CamelCase
# ("#CegahStunting", "BanggaKencana"); runs of capitals (BKKBN, TPPSnya) are left alone. The
# capital is matched first and the letter before it looked back at: a pattern that begins with
# a class lets the regex engine skip to the (few) capitals, a quarter of the cost of trying the
# joint at every character. Replace with _CAMEL_SPLIT.
_CAMEL_JOINT = re.compile("[A-Z\u00c0-\u00d6\u00d8-\u00de](?<=[a-z\u00df-\u00f6\u00f8-\u00ff].)")
_CAMEL_SPLIT = r" \g<0>"
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def normalise_text(text: str) -> str:
    """The form all matching sees: NFKC, CamelCase joints split, diacritics stripped, casefolded,
    dashes and underscores as spaces, whitespace collapsed to single spaces. Other punctuation
    stays, so a phrase does not match across a comma or full stop ("... di Bangka. Kencana ..." is
    not "bangka kencana")."""
    if text.isascii():
        text = _CAMEL_JOINT.sub(_CAMEL_SPLIT, text).lower()
    else:
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
        text = _CAMEL_JOINT.sub(_CAMEL_SPLIT, text).casefold()
        decomposed = _COMBINING.sub("", unicodedata.normalize("NFD", text))
        text = unicodedata.normalize("NFC", decomposed)
    return " ".join(_DASHES.sub(" ", text).split())


# --- model ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pattern:
    term: str
    """Canonical name reported in matched_terms."""
    regex: str
    """Python regex over normalised text; the matcher adds word boundaries and suffixes."""


@dataclass(frozen=True, slots=True)
class ContextRule:
    terms: tuple[str, ...]
    """Canonical terms (of this tag's terms or patterns) that count only with context."""
    near: tuple[str, ...]
    """Words or phrases, one of which must occur within `window` words of the match."""
    window: int


@dataclass(frozen=True, slots=True)
class TagDef:
    name: str
    description: str
    terms: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    exclusions: tuple[str, ...]
    exclusion_patterns: tuple[str, ...]
    context: tuple[ContextRule, ...]
    suffixes: tuple[str, ...]
    title_weight: float
    body_weight: float
    min_score: float

    @property
    def canonical_terms(self) -> tuple[str, ...]:
        return self.terms + tuple(p.term for p in self.patterns)


@dataclass(frozen=True, slots=True)
class Taxonomy:
    tags: tuple[TagDef, ...]
    source: str
    """Where it was loaded from, for messages."""
    version: str
    """12 hex digits: hash of the effective content and MATCHING_REVISION."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tags)

    def tag(self, name: str) -> TagDef:
        for t in self.tags:
            if t.name == name:
                return t
        raise KeyError(name)


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message is one line naming file, tag and field."""

    def __init__(
        self, source: str, message: str, *, tag: str | None = None, field: str | None = None
    ) -> None:
        self.source = source
        self.tag = tag
        self.field = field
        parts = [source]
        if tag is not None:
            parts.append(f"tag {tag!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        parts.append(message)
        super().__init__(": ".join(parts))


# --- loading -------------------------------------------------------------------------------------


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file; None means the shipped default."""
    path = DEFAULT_TAXONOMY_PATH if path is None else Path(path)
    source = str(path)
    return parse_taxonomy(read_text(path, source, TaxonomyError), source)


def parse_taxonomy(text: str, source: str = "<taxonomy>") -> Taxonomy:
    """Validate taxonomy TOML given as text; `source` names it in error messages."""
    doc = parse_document(text, source, _TOP_KEYS, TaxonomyError)
    include_default = doc.get("include_default", False)
    if not isinstance(include_default, bool):
        raise TaxonomyError(source, "'include_default' must be true or false")
    defaults = _parse_defaults(source, doc.get("defaults", {}))

    raw_tags = doc.get("tags", {})
    if not isinstance(raw_tags, Mapping):
        raise TaxonomyError(source, "'tags' must be a table of [tags.NAME] tables")
    tags: dict[str, TagDef] = {}
    if include_default:
        tags = {t.name: t for t in load_taxonomy(DEFAULT_TAXONOMY_PATH).tags}
    for name, body in raw_tags.items():
        # A user tag of the same name replaces the default one whole: merging term lists would
        # make it impossible to remove a default term.
        tags[name] = _parse_tag(source, name, body, defaults)
    if not tags:
        raise TaxonomyError(source, "no tags defined (add [tags.NAME] tables)")

    ordered = tuple(tags.values())
    return Taxonomy(tags=ordered, source=source, version=_version(ordered))


def _version(tags: tuple[TagDef, ...]) -> str:
    # Effective content only: comments, layout, key order and defaults-vs-explicit all hash alike.
    payload = {
        "matching_revision": MATCHING_REVISION,
        "tags": sorted((asdict(t) for t in tags), key=lambda d: d["name"]),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


def _known(keys: set[str]) -> str:
    return ", ".join(sorted(keys))


def _parse_defaults(source: str, raw: object) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise TaxonomyError(source, "'defaults' must be a table")
    out = dict(_DEFAULTS)
    for key, value in raw.items():
        if key not in _DEFAULTS:
            raise TaxonomyError(
                source, f"[defaults]: unknown key {key!r} (known: {_known(set(_DEFAULTS))})"
            )
        out[key] = value
    # Validated as if on a tag, so a bad default is reported once, with its key.
    err = _Checker(source, None)
    out["title_weight"] = err.weight("title_weight", out["title_weight"])
    out["body_weight"] = err.weight("body_weight", out["body_weight"])
    out["min_score"] = err.positive("min_score", out["min_score"])
    out["suffixes"] = err.suffixes("suffixes", out["suffixes"])
    out["window"] = err.window("window", out["window"])
    return out


def _parse_tag(source: str, name: object, body: object, defaults: dict[str, Any]) -> TagDef:
    if not isinstance(name, str) or not TAG_NAME.fullmatch(name) or len(name) > MAX_TAG_NAME:
        raise TaxonomyError(
            source,
            f"bad tag name {name!r}: use lowercase letters, digits and single hyphens, "
            f"at most {MAX_TAG_NAME} characters",
        )
    check = _Checker(source, name)
    if not isinstance(body, Mapping):
        raise check.error(None, "must be a table ([tags.NAME])")
    for key in body:
        if key not in _TAG_KEYS:
            raise check.error(None, f"unknown field {key!r} (known: {_known(_TAG_KEYS)})")

    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        raise check.error("description", "required: a non-empty string saying what the tag means")

    terms = check.phrases("terms", body.get("terms", []))
    patterns = check.patterns("patterns", body.get("patterns", []))
    if not terms and not patterns:
        raise check.error("terms", "a tag needs at least one term or pattern")
    canonical = [*terms, *(p.term for p in patterns)]
    seen: set[str] = set()
    for term in canonical:
        if term in seen:
            raise check.error("terms", f"duplicate term {term!r}")
        seen.add(term)

    exclusions = check.phrases("exclusions", body.get("exclusions", []))
    raw_exclusion_patterns = check.str_list(
        "exclusion_patterns", body.get("exclusion_patterns", [])
    )
    exclusion_patterns = tuple(
        check.regex("exclusion_patterns", r, i) for i, r in enumerate(raw_exclusion_patterns)
    )
    window = defaults["window"]
    context = check.context("context", body.get("context", []), seen, window)

    return TagDef(
        name=name,
        description=" ".join(description.split()),
        terms=terms,
        patterns=patterns,
        exclusions=exclusions,
        exclusion_patterns=exclusion_patterns,
        context=context,
        suffixes=check.suffixes("suffixes", _get(body, defaults, "suffixes")),
        title_weight=check.weight("title_weight", _get(body, defaults, "title_weight")),
        body_weight=check.weight("body_weight", _get(body, defaults, "body_weight")),
        min_score=check.positive("min_score", _get(body, defaults, "min_score")),
    )


def _get(body: Mapping[str, Any], defaults: dict[str, Any], key: str) -> Any:
    return body.get(key, defaults[key])


class _Checker:
    """Field validators for one tag (or [defaults]), raising errors that name file, tag, field."""

    def __init__(self, source: str, tag: str | None) -> None:
        self.source = source
        self.tag = tag

    def error(self, field: str | None, message: str) -> TaxonomyError:
        if self.tag is None and field is not None:
            return TaxonomyError(self.source, f"[defaults]: {field!r}: {message}")
        return TaxonomyError(self.source, message, tag=self.tag, field=field)

    def str_list(self, field: str, value: object) -> list[str]:
        # Tuples are already-validated defaults being applied to a tag.
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.error(field, "must be a list of strings")
        return list(value)

    def phrases(self, field: str, value: object) -> tuple[str, ...]:
        out = []
        for phrase in self.str_list(field, value):
            phrase = " ".join(phrase.split())
            norm = normalise_text(phrase)
            if not norm:
                raise self.error(field, "empty phrase")
            if not (norm[0].isalnum() and norm[-1].isalnum()):
                raise self.error(
                    field,
                    f"{phrase!r} must begin and end with a letter or digit (matches are "
                    "whole words)",
                )
            out.append(phrase)
        return tuple(out)

    def regex(self, field: str, regex: str, index: int) -> str:
        where = f"#{index + 1} "
        try:
            compiled = re.compile(regex)
        except re.error as e:
            raise self.error(field, f"bad regex {where}{regex!r}: {e}") from e
        if compiled.groups:
            raise self.error(
                field, f"regex {where}{regex!r} has a capturing group; use (?:...) instead"
            )
        # All patterns become alternatives of one scanner, where a global flag is a syntax error.
        if compiled.flags & ~re.UNICODE:
            raise self.error(
                field,
                f"regex {where}{regex!r} sets a global flag; scope it instead, as in (?i:...)",
            )
        if compiled.match(""):
            raise self.error(field, f"regex {where}{regex!r} matches the empty string")
        # Escapes like \S or \W are fine; a literal capital can never match normalised text.
        if any(c.isupper() for c in re.sub(r"\\.", "", regex)):
            raise self.error(
                field,
                f"regex {where}{regex!r} has capital letters, but patterns see lowercased text",
            )
        return regex

    def patterns(self, field: str, value: object) -> tuple[Pattern, ...]:
        if not isinstance(value, list):
            raise self.error(field, "must be a list of {term = ..., regex = ...} tables")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise self.error(
                    field, f"entry #{i + 1} must be a table {{term = ..., regex = ...}}"
                )
            extra = set(item) - _PATTERN_KEYS
            if extra:
                raise self.error(field, f"entry #{i + 1}: unknown key {sorted(extra)[0]!r}")
            term, regex = item.get("term"), item.get("regex")
            if not isinstance(term, str) or not term.strip():
                raise self.error(field, f"entry #{i + 1}: 'term' (the name reported) is required")
            if not isinstance(regex, str):
                raise self.error(field, f"entry #{i + 1}: 'regex' is required")
            out.append(Pattern(term=" ".join(term.split()), regex=self.regex(field, regex, i)))
        return tuple(out)

    def context(
        self, field: str, value: object, known_terms: set[str], default_window: int
    ) -> tuple[ContextRule, ...]:
        if not isinstance(value, list):
            raise self.error(field, "must be [[tags.NAME.context]] tables")
        rules = []
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise self.error(field, f"entry #{i + 1} must be a table")
            extra = set(item) - _CONTEXT_KEYS
            if extra:
                raise self.error(field, f"entry #{i + 1}: unknown key {sorted(extra)[0]!r}")
            terms = tuple(" ".join(t.split()) for t in self.str_list(field, item.get("terms", [])))
            if not terms:
                raise self.error(field, f"entry #{i + 1}: 'terms' must name at least one term")
            for term in terms:
                if term not in known_terms:
                    raise self.error(
                        field,
                        f"entry #{i + 1}: {term!r} is not one of this tag's terms or patterns",
                    )
            near = self.phrases(field, item.get("near", []))
            if not near:
                raise self.error(field, f"entry #{i + 1}: 'near' must list at least one word")
            window = self.window(field, item.get("window", default_window))
            rules.append(ContextRule(terms=terms, near=near, window=window))
        claimed: set[str] = set()
        for rule in rules:
            dup = claimed.intersection(rule.terms)
            if dup:
                raise self.error(field, f"term {sorted(dup)[0]!r} is in more than one context rule")
            claimed.update(rule.terms)
        return tuple(rules)

    def suffixes(self, field: str, value: object) -> tuple[str, ...]:
        out = []
        for s in self.str_list(field, value):
            if not s.isalpha() or s != normalise_text(s):
                raise self.error(field, f"suffix {s!r} must be lowercase letters")
            out.append(s)
        return tuple(out)

    def weight(self, field: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.error(field, f"must be a number >= 0, not {value!r}")
        return float(value)

    def positive(self, field: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(field, f"must be a number > 0, not {value!r}")
        return float(value)

    def window(self, field: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WINDOW:
            raise self.error(field, f"window must be a whole number of words, 1..{MAX_WINDOW}")
        return value
