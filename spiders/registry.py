"""The site registry: spiders/sites.toml loaded and validated into frozen `SiteEntry` values.

The format is documented in docs/registry-format.md. Every problem is reported as one
`RegistryError` whose message names the file, the entry and the field on one line, because the
registry is edited by hand and read by `scrapy list` / `scrapy crawl`, where a traceback would bury
the one fact that matters.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_LISTING_PAGE_PATTERN = "{url}page/{n}/"
DEFAULT_PORTS = {"http": 80, "https": 443}

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_SPIDER_RE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_RE = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*")
_CRON_FIELD_RE = re.compile(r"[\w*/,\-?#LW]+")


class RegistryError(Exception):
    """A registry file that cannot be used; the message is one line naming file, entry and field."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        entry: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.entry = entry
        self.field = field


def display_path(path: str | Path) -> str:
    """The path as a person would type it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def entry_label(index: int, name: object = None) -> str:
    """`site #3 'antara-sumsel'` — the 1-based position survives a missing or broken name."""
    if isinstance(name, str) and name:
        return f"site #{index} {name!r}"
    return f"site #{index}"


def field_error(
    path: str | Path, index: int, name: object, key: str, problem: str
) -> RegistryError:
    label = entry_label(index, name)
    return RegistryError(
        f"{display_path(path)}: {label}: field {key!r}: {problem}",
        path=str(path),
        entry=label,
        field=key,
    )


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """One `[[site]]` table, validated. Regexes are compiled and searched anywhere in the URL."""

    name: str
    home_url: str
    province: str
    regency: str | None = None
    language: str = "id"
    allowed_domains: tuple[str, ...] = ()
    sitemap_urls: tuple[str, ...] = ()
    feed_urls: tuple[str, ...] = ()
    listing_urls: tuple[str, ...] = ()
    listing_page_pattern: str = DEFAULT_LISTING_PAGE_PATTERN
    listing_depth: int | None = None
    article_url_pattern: re.Pattern[str] | None = None
    ignore_url_patterns: tuple[re.Pattern[str], ...] = ()
    strip_query_params: tuple[str, ...] = ()
    spider: str | None = None
    schedule: str | None = None
    timezone: str | None = None
    # Where the entry came from, so later checks (the loader importing `spider`) can still name it.
    source: str = field(default="", compare=False)
    index: int = field(default=0, compare=False)

    @property
    def has_hints(self) -> bool:
        """Configured sources replace auto-discovery entirely (see docs/registry-format.md)."""
        return bool(self.sitemap_urls or self.feed_urls or self.listing_urls)

    @property
    def home_scheme(self) -> str:
        return urlsplit(self.home_url).scheme

    @property
    def home_host(self) -> str:
        return urlsplit(self.home_url).hostname or ""

    @property
    def home_port(self) -> int:
        return _effective_port(self.home_url)

    @property
    def pinned_port(self) -> int | None:
        """The home URL's non-default port: a fixture or dev server owns only that port."""
        port = self.home_port
        return None if port == DEFAULT_PORTS[self.home_scheme] else port

    @property
    def hosts(self) -> tuple[str, ...]:
        """Host names the site owns (subdomains included): the home host plus allowed_domains."""
        return tuple(dict.fromkeys((self.home_host, *self.allowed_domains)))

    @property
    def origins(self) -> tuple[str, ...]:
        """scheme://host:port of the home URL, then of each allowed host on the home's scheme/port.

        Informational; `is_in_site` is the rule (it also accepts subdomains and, for sites on
        default ports, both http and https).
        """
        return tuple(
            f"{self.home_scheme}://{_bracket(host)}:{self.home_port}" for host in self.hosts
        )

    def is_in_site(self, url: str) -> bool:
        """Whether `url` belongs to this site.

        Host: the home host or an allowed domain, subdomains included. Port: when the home URL
        has an explicit non-default port, only that port (same host, other port = other site, as
        on a fixture web serving several sites from 127.0.0.1); otherwise only the default ports,
        http or https, since real sites move between the two.
        """
        try:
            parts = urlsplit(url)
            host = parts.hostname
            port = parts.port
        except ValueError:
            return False
        if parts.scheme not in DEFAULT_PORTS or not host:
            return False
        if not any(host == h or host.endswith("." + h) for h in self.hosts):
            return False
        effective = port if port is not None else DEFAULT_PORTS[parts.scheme]
        pinned = self.pinned_port
        if pinned is not None:
            return effective == pinned and parts.scheme == self.home_scheme
        return effective == DEFAULT_PORTS[parts.scheme]


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _effective_port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]


# --- loading -------------------------------------------------------------------------------------


def load_registry(path: str | Path) -> list[SiteEntry]:
    """Read and validate a registry file; raise RegistryError on the first problem."""
    document = _read_toml(path)
    unknown = sorted(set(document) - {"site"})
    if unknown:
        raise RegistryError(
            f"{display_path(path)}: unknown top-level key {unknown[0]!r}"
            " (a registry holds only [[site]] tables)",
            path=str(path),
            field=unknown[0],
        )
    tables = document.get("site")
    if not isinstance(tables, list) or not tables:
        raise RegistryError(
            f"{display_path(path)}: no [[site]] entries", path=str(path), field="site"
        )
    entries: list[SiteEntry] = []
    first_index: dict[str, int] = {}
    for index, table in enumerate(tables, start=1):
        entry = _build_entry(path, index, table)
        if entry.name in first_index:
            raise field_error(
                path, index, entry.name, "name", f"duplicate of site #{first_index[entry.name]}"
            )
        first_index[entry.name] = index
        entries.append(entry)
    return entries


def _read_toml(path: str | Path) -> dict[str, Any]:
    # Not archive/tagging/tomlfile.py's reader: the registry's messages differ ("cannot read
    # registry:", "not UTF-8 (byte N)", the [[site]] hint for unknown keys; tests and users rely
    # on them), and the crawler's registry should not depend on the tagging stage.
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RegistryError(
            f"{display_path(path)}: cannot read registry: {exc.strerror or exc}", path=str(path)
        ) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RegistryError(
            f"{display_path(path)}: invalid TOML: not UTF-8 (byte {exc.start})", path=str(path)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line N, column M)".
        raise RegistryError(f"{display_path(path)}: invalid TOML: {exc}", path=str(path)) from None


class _Fields:
    """Typed access to one table's fields, turning every problem into a one-line RegistryError."""

    def __init__(self, path: str | Path, index: int, table: Mapping[str, Any]) -> None:
        self.path = path
        self.index = index
        self.table = table
        name = table.get("name")
        self.name = name if isinstance(name, str) and _NAME_RE.fullmatch(name) else None

    def error(self, key: str, problem: str) -> RegistryError:
        return field_error(self.path, self.index, self.name, key, problem)

    def _typed(self, key: str, kind: type, kind_name: str, *, required: bool = False) -> Any:
        if key not in self.table:
            if required:
                raise self.error(key, "missing (required)")
            return None
        value = self.table[key]
        # bool is an int subclass; `listing_depth = true` is a mistake, not 1.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"expected {kind_name}, got {_describe(value)}")
        return value

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self._typed(key, str, "a string", required=required)
        if value is not None and not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def integer(self, key: str) -> int | None:
        return self._typed(key, int, "an integer")

    def strings(self, key: str) -> tuple[str, ...]:
        values = self._typed(key, list, "a list of strings")
        if values is None:
            return ()
        for position, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.error(
                    key, f"item {position + 1}: expected a non-empty string, got {_describe(value)}"
                )
        return tuple(values)

    def checked(
        self, key: str, values: tuple[str, ...], check: Callable[[str], str | None]
    ) -> tuple[str, ...]:
        """Apply `check` (returns a problem or None) to each item, naming the bad one."""
        for value in values:
            problem = check(value)
            if problem:
                raise self.error(key, f"{problem}: {value!r}")
        return values


_KNOWN_KEYS = (
    "name",
    "home_url",
    "province",
    "regency",
    "language",
    "allowed_domains",
    "sitemap_urls",
    "feed_urls",
    "listing_urls",
    "listing_page_pattern",
    "listing_depth",
    "article_url_pattern",
    "ignore_url_patterns",
    "strip_query_params",
    "spider",
    "schedule",
    "timezone",
)


def _describe(value: object) -> str:
    kind = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array"}.get(
        type(value), "table" if isinstance(value, dict) else type(value).__name__
    )
    shown = repr(value)
    return f"{kind} {shown if len(shown) <= 40 else shown[:37] + '...'}"


def _build_entry(path: str | Path, index: int, table: object) -> SiteEntry:
    if not isinstance(table, dict):
        raise RegistryError(
            f"{display_path(path)}: {entry_label(index)}: expected a [[site]] table, "
            f"got {_describe(table)}",
            path=str(path),
            entry=entry_label(index),
        )
    f = _Fields(path, index, table)
    _reject_unknown_keys(f)

    name = f.string("name", required=True)
    assert name is not None
    if not _NAME_RE.fullmatch(name):
        raise f.error("name", f"must match [a-z0-9][a-z0-9_-]*: {name!r}")
    home_url = _home_url(f)
    province = f.string("province", required=True)
    assert province is not None
    language = f.string("language") or "id"
    if not _LANGUAGE_RE.fullmatch(language):
        raise f.error("language", f"expected an ISO 639-1 code like 'id': {language!r}")
    allowed = _allowed_domains(f, home_url)
    entry = SiteEntry(
        name=name,
        home_url=home_url,
        province=province.strip(),
        regency=(f.string("regency") or "").strip() or None,
        language=language,
        allowed_domains=allowed,
        listing_page_pattern=_listing_page_pattern(f),
        listing_depth=_listing_depth(f),
        article_url_pattern=_regex(f, "article_url_pattern"),
        ignore_url_patterns=tuple(
            _compile(f, "ignore_url_patterns", p) for p in f.strings("ignore_url_patterns")
        ),
        strip_query_params=f.strings("strip_query_params"),
        spider=_spider(f),
        schedule=_schedule(f),
        timezone=_timezone(f),
        source=str(path),
        index=index,
    )
    # Source URLs need the finished entry: each must lie inside the site it configures.
    return _with_source_urls(f, entry)


def _reject_unknown_keys(f: _Fields) -> None:
    for key in f.table:
        if key not in _KNOWN_KEYS:
            close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise f.error(key, f"unknown key{hint}")


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or url != url.strip():
        return "not an absolute http(s) URL"
    return None


def _home_url(f: _Fields) -> str:
    url = f.string("home_url", required=True)
    assert url is not None
    problem = _url_problem(url)
    if problem:
        raise f.error("home_url", f"{problem}: {url!r}")
    parts = urlsplit(url)
    # A bare origin means its root page; keep everything else exactly as written.
    return url + "/" if not parts.path and not parts.query else url


def _default_domain(home_url: str) -> str:
    host = urlsplit(home_url).hostname or ""
    # www.example.com and example.com are one site; owning the parent covers both.
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def _host_problem(host: str) -> str | None:
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if host != host.lower() or not _HOST_RE.fullmatch(host):
        return "not a lower-case host name (no scheme, port or path)"
    return None


def _allowed_domains(f: _Fields, home_url: str) -> tuple[str, ...]:
    given = f.checked("allowed_domains", f.strings("allowed_domains"), _host_problem)
    default = _default_domain(home_url)
    if not given:
        return (default,)
    home_host = urlsplit(home_url).hostname or ""
    if not any(home_host == d or home_host.endswith("." + d) for d in given):
        raise f.error("allowed_domains", f"does not cover the home_url host {home_host!r}")
    return tuple(dict.fromkeys(given))


def _listing_page_pattern(f: _Fields) -> str:
    pattern = f.string("listing_page_pattern")
    if pattern is None:
        return DEFAULT_LISTING_PAGE_PATTERN
    if "{url}" not in pattern or "{n}" not in pattern:
        raise f.error("listing_page_pattern", f"must contain {{url}} and {{n}}: {pattern!r}")
    try:
        pattern.format(url="http://x/", n=2)
    except (KeyError, IndexError, ValueError) as exc:
        raise f.error(
            "listing_page_pattern", f"only {{url}} and {{n}} may be used ({exc}): {pattern!r}"
        ) from None
    return pattern


def _listing_depth(f: _Fields) -> int | None:
    depth = f.integer("listing_depth")
    if depth is not None and depth < 1:
        raise f.error("listing_depth", f"must be at least 1, got {depth}")
    return depth


def _compile(f: _Fields, key: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise f.error(key, f"bad regex {pattern!r}: {exc}") from None


def _regex(f: _Fields, key: str) -> re.Pattern[str] | None:
    pattern = f.string(key)
    return None if pattern is None else _compile(f, key, pattern)


def _spider(f: _Fields) -> str | None:
    value = f.string("spider")
    if value is not None and not _SPIDER_RE.fullmatch(value):
        raise f.error("spider", f"expected 'module:Class': {value!r}")
    return value


def _schedule(f: _Fields) -> str | None:
    value = f.string("schedule")
    if value is None:
        return None
    fields = value.split()
    if len(fields) != 5 or not all(_CRON_FIELD_RE.fullmatch(part) for part in fields):
        raise f.error("schedule", f"expected a 5-field cron expression: {value!r}")
    try:
        # Imported only for entries that schedule; most registry loads never need it.
        from apscheduler.triggers.cron import CronTrigger
    except ImportError:  # pragma: no cover - apscheduler is a declared dependency
        return value
    try:
        CronTrigger.from_crontab(value, timezone="UTC")
    except ValueError as exc:
        raise f.error("schedule", f"bad cron expression {value!r}: {exc}") from None
    return value


def _timezone(f: _Fields) -> str | None:
    value = f.string("timezone")
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise f.error("timezone", f"unknown IANA time zone: {value!r}") from None
    return value


def _with_source_urls(f: _Fields, entry: SiteEntry) -> SiteEntry:
    def problem(url: str) -> str | None:
        base = _url_problem(url)
        if base:
            return base
        if not entry.is_in_site(url):
            return f"not inside the site (origins {', '.join(entry.origins)})"
        return None

    sources = {
        key: f.checked(key, f.strings(key), problem)
        for key in ("sitemap_urls", "feed_urls", "listing_urls")
    }
    return replace(entry, **sources)
