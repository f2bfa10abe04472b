"""The gazetteer: Sumatra's provinces, kabupaten and kota, kept as data (regions.toml), not code.

The shipped file's header comment is the format's reference. Loading validates every entry up
front and reports the first problem on one line naming file and entry:

    regions.toml: regency '16.07': field 'kind': must be 'kabupaten' or 'kota', not 'kab'

`Gazetteer.version` is a short hash of the effective content, stored with every region tag so a
retag can tell which gazetteer produced it (like the taxonomy's version).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from archive.tagging.tomlfile import parse_document, read_text

DEFAULT_GAZETTEER_PATH = Path(__file__).with_name("regions.toml")

# Part of the version hash: bump it when the region matcher's rules change (prefixes, dateline
# reading, weights), so region tags made by the old matcher read as stale.
MATCHING_REVISION = 1

PROVINCE_CODE = re.compile(r"\d{2}")
REGENCY_CODE = re.compile(r"(\d{2})\.(\d{2})")
KINDS = ("kabupaten", "kota")
# Kemendagri numbers kota from 71 up, kabupaten from 01: a code on the wrong side is a typo.
FIRST_KOTA_NUMBER = 71
KIND_PREFIX = {"kabupaten": "Kabupaten", "kota": "Kota"}

_TOP_KEYS = {"provinces", "regencies", "exclusions"}
_PROVINCE_KEYS = {"name", "aliases"}
_REGENCY_KEYS = {"kind", "name", "aliases", "qualified", "dateline"}
_EXCLUSION_KEYS = {"phrases", "common_words"}
_FORM = re.compile(r"[^\W_][\w.' -]*[\w.]", re.UNICODE)

Kind = Literal["kabupaten", "kota"]


class GazetteerError(ValueError):
    """A gazetteer file that cannot be used; the message is one line naming file and entry."""

    def __init__(self, source: str, message: str, *, entry: str | None = None,
                 field: str | None = None) -> None:
        self.source = source
        self.entry = entry
        parts = [source]
        if entry is not None:
            parts.append(entry)
        if field is not None:
            parts.append(f"field {field!r}")
        parts.append(message)
        super().__init__(": ".join(parts))


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Regency:
    code: str
    """Kemendagri code, "16.07"."""
    kind: Kind
    name: str
    """Official name without the kind: "Banyuasin"."""
    province_code: str
    province: str
    aliases: tuple[str, ...] = ()
    qualified: tuple[str, ...] = ()
    """Forms that count only right after a prefix of the kind ("Kabupaten Batubara")."""
    dateline: tuple[str, ...] = ()
    """Forms that name this regency only as a dateline ("JAMBI, KOMPAS.com –")."""

    @property
    def full_name(self) -> str:
        """ "Kabupaten Banyuasin", "Kota Palembang": the form `sites.regency` uses too."""
        return f"{KIND_PREFIX[self.kind]} {self.name}"


@dataclass(frozen=True, slots=True)
class Gazetteer:
    provinces: tuple[Province, ...]
    regencies: tuple[Regency, ...]
    exclusions: tuple[str, ...]
    common_words: tuple[str, ...]
    """Forms that are also ordinary words ("Medan": terrain); a Title Case title proves nothing."""
    source: str
    version: str

    def regency(self, code: str) -> Regency:
        for r in self.regencies:
            if r.code == code:
                return r
        raise KeyError(code)


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """Load and validate a gazetteer file; None means the shipped one."""
    path = DEFAULT_GAZETTEER_PATH if path is None else Path(path)
    source = path.name if path == DEFAULT_GAZETTEER_PATH else str(path)
    return parse_gazetteer(read_text(path, source, GazetteerError), source)


def parse_gazetteer(text: str, source: str = "<gazetteer>") -> Gazetteer:
    """Validate gazetteer TOML given as text; `source` names it in error messages."""
    doc = parse_document(text, source, _TOP_KEYS, GazetteerError)
    provinces = _provinces(source, doc.get("provinces"))
    by_code = {p.code: p for p in provinces}
    regencies = _regencies(source, doc.get("regencies"), by_code)
    exclusions, common_words = _exclusions(source, doc.get("exclusions", {}))
    _check_ambiguity(source, provinces, regencies)
    payload = {
        "matching_revision": MATCHING_REVISION,
        "provinces": [asdict(p) for p in provinces],
        "regencies": [asdict(r) for r in regencies],
        "exclusions": list(exclusions),
        "common_words": list(common_words),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    version = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]
    return Gazetteer(provinces, regencies, exclusions, common_words, source, version)


def _table(source: str, raw: object, what: str) -> Mapping[str, object]:
    if raw is None:
        raise GazetteerError(source, f"[{what}] is missing")
    if not isinstance(raw, Mapping) or not raw:
        raise GazetteerError(source, f"[{what}] must be a non-empty table of entries")
    return raw


def _provinces(source: str, raw: object) -> tuple[Province, ...]:
    out = []
    for code, body in _table(source, raw, "provinces").items():
        entry = f"province {code!r}"
        if not PROVINCE_CODE.fullmatch(code):
            raise GazetteerError(source, "code must be two digits, e.g. \"16\"", entry=entry)
        check = _Fields(source, entry, body, _PROVINCE_KEYS)
        out.append(Province(code, check.name(), check.forms("aliases")))
    return tuple(sorted(out, key=lambda p: p.code))


def _regencies(
    source: str, raw: object, provinces: dict[str, Province]
) -> tuple[Regency, ...]:
    out = []
    for code, body in _table(source, raw, "regencies").items():
        entry = f"regency {code!r}"
        m = REGENCY_CODE.fullmatch(code)
        if m is None:
            raise GazetteerError(source, "code must be Kemendagri's \"PP.RR\", e.g. \"16.07\"",
                                 entry=entry)
        province = provinces.get(m.group(1))
        if province is None:
            raise GazetteerError(source, f"province {m.group(1)!r} is not in [provinces]",
                                 entry=entry)
        check = _Fields(source, entry, body, _REGENCY_KEYS)
        kind = check.body.get("kind")
        if kind not in KINDS:
            raise check.error("kind", f"must be 'kabupaten' or 'kota', not {kind!r}")
        if (int(m.group(2)) >= FIRST_KOTA_NUMBER) != (kind == "kota"):
            raise check.error(
                "kind", f"{kind} does not fit the code: kota are numbered from "
                        f"{FIRST_KOTA_NUMBER}, kabupaten below")
        name = check.name()
        qualified = check.forms("qualified")
        dateline = check.forms("dateline")
        out.append(Regency(
            code=code, kind=kind, name=name, province_code=province.code, province=province.name,
            aliases=check.forms("aliases"), qualified=qualified, dateline=dateline,
        ))
    return tuple(sorted(out, key=lambda r: r.code))


def _exclusions(source: str, raw: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        raise GazetteerError(source, "[exclusions] must be a table")
    check = _Fields(source, "[exclusions]", raw, _EXCLUSION_KEYS)
    return check.forms("phrases"), check.forms("common_words")


def _check_ambiguity(
    source: str, provinces: tuple[Province, ...], regencies: tuple[Regency, ...]
) -> None:
    """A bare form may name one place only: two regencies (or a regency and a province) sharing
    one must mark it `qualified` on all but one, or the tagger would have to guess."""
    owners: dict[str, str] = {}
    for p in provinces:
        for form in (p.name, *p.aliases):
            owners.setdefault(form.casefold(), f"province {p.code!r}")
    for r in regencies:
        for form in bare_forms(r):
            key = form.casefold()
            other = owners.get(key)
            if other is not None and other != f"regency {r.code!r}":
                raise GazetteerError(
                    source,
                    f"form {form!r} also names {other}: list it under 'qualified' (it then "
                    "counts only after Kabupaten/Kota) or remove it",
                    entry=f"regency {r.code!r}",
                )
            owners[key] = f"regency {r.code!r}"


def bare_forms(regency: Regency) -> tuple[str, ...]:
    """The forms that count on their own, anywhere in the text."""
    qualified = {q.casefold() for q in regency.qualified}
    forms = (regency.name, *regency.aliases)
    return tuple(f for f in dict.fromkeys(forms) if f.casefold() not in qualified)


class _Fields:
    def __init__(self, source: str, entry: str, body: object, known: set[str]) -> None:
        self.source, self.entry = source, entry
        if not isinstance(body, Mapping):
            raise GazetteerError(source, "must be a table, e.g. { name = ... }", entry=entry)
        for key in body:
            if key not in known:
                raise GazetteerError(
                    source, f"unknown field {key!r} (known: {', '.join(sorted(known))})",
                    entry=entry)
        self.body = body

    def error(self, field: str, message: str) -> GazetteerError:
        return GazetteerError(self.source, message, entry=self.entry, field=field)

    def name(self) -> str:
        name = self.body.get("name")
        if not isinstance(name, str) or not _FORM.fullmatch(" ".join(name.split())):
            raise self.error("name", f"required: a place name, not {name!r}")
        return " ".join(name.split())

    def forms(self, field: str) -> tuple[str, ...]:
        value = self.body.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(field, "must be a list of strings")
        out = []
        for form in value:
            form = " ".join(form.split())
            if not _FORM.fullmatch(form):
                raise self.error(field, f"{form!r} must begin with a letter or digit and end "
                                        "with one (or a full stop)")
            out.append(form)
        if len({f.casefold() for f in out}) != len(out):
            raise self.error(field, "lists a form twice")
        return tuple(out)


def regency_rows(gazetteer: Gazetteer) -> list[dict[str, str]]:
    """The `regencies` table's rows for this gazetteer."""
    return [
        {"code": r.code, "name": r.full_name, "short_name": r.name, "kind": r.kind,
         "province_code": r.province_code, "province": r.province}
        for r in gazetteer.regencies
    ]
