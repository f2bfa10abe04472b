"""URL identity: one canonical form for every URL a site serves an article under.

`normalise_url` folds the variants of one page's URL into one string:

- scheme and host lower-cased, IDN hosts in punycode, a trailing dot dropped, user info dropped;
- the scheme's default port dropped (http :80, https :443), any other port kept;
- mobile and AMP hosts folded into the main one: a leading ``amp.``, ``m.`` or ``mobile.`` label
  is removed (``m.antaranews.com`` → ``antaranews.com``; not on IP addresses, and never when
  only a public suffix would remain);
- AMP and print views folded into the article: path segments ``amp`` and ``print`` removed
  (``/berita/123/slug/amp/``, ``/amp/berita/…``, ``/print/123``), and the parameters that ask
  for them (``amp``, ``print``, ``noamp``, ``output=amp|print``, ``outputType=amp``,
  ``view=print``, …);
- tracking parameters removed: ``utm_*``, ``mtm_*``, ``pk_*``, ``hsa_*``, ``fbclid``, ``gclid``,
  ``dclid``, ``gbraid``, ``wbraid``, ``msclkid``, ``yclid``, ``ysclid``, ``twclid``, ``ttclid``,
  ``igshid``, ``igsh``, ``mc_cid``, ``mc_eid``, ``_ga``, ``_gl``, ``_hsenc``, ``_hsmi``,
  ``mkt_tok``, ``ref``, ``ref_src``, ``ref_url``, ``amp_js_v``, ``usqp``; plus the site's own
  (registry ``strip_query_params``; a trailing ``*`` makes a name a prefix); names compare
  case-insensitively. Every other parameter is kept (``?p=123``, ``?id=…``, ``?page=2``), with
  the query sorted and percent-encoding normalised (w3lib's ``canonicalize_url``);
- the fragment removed;
- dot segments resolved, and ONE trailing-slash rule: a trailing slash is removed, except on the
  root path. WordPress serves ``/slug/`` and redirects ``/slug`` to it, other CMSs do the
  reverse; either way both spellings are one article, and the stripped form is the identity
  (``https://site.id/`` keeps its slash).

`canonical_url` decides what an article is called: the page's declared canonical (rel=canonical
or og:url) when it points inside the site, else the fetched URL; normalised either way.

The result is an identity key. It is a working URL for every real site we know (sites redirect
``/slug`` ↔ ``/slug/`` and ``m.`` → main host), but the crawler should fetch the URLs it
discovered, not rebuild requests from identities.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable
from functools import lru_cache
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Exact parameter names (lower-case) that never change which article a URL shows.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "ysclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref",
        "ref_src",
        "ref_url",
        "amp_js_v",
        "amp_gsa",
        "usqp",
        "__twitter_impression",
    }
)
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_")
# Parameters that select the AMP or print rendering of the same article, whatever their value.
VIEW_PARAMS = frozenset({"amp", "print", "noamp"})
# Parameters that select a rendering only with these values (`output=json` may be an API).
VIEW_PARAM_VALUES = {
    "output": frozenset({"amp", "print"}),
    "outputtype": frozenset({"amp", "print"}),
    "format": frozenset({"amp", "print"}),
    "view": frozenset({"amp", "print"}),
    "mode": frozenset({"amp", "print"}),
}
VIEW_PATH_SEGMENTS = frozenset({"amp", "print"})
MOBILE_HOST_LABELS = ("amp", "m", "mobile")
# Second-level labels under which a registrable name has three labels (sumsel.go.id, x.co.id):
# "m.co.id" must not be shortened to "co.id".
_SECOND_LEVEL = frozenset({"co", "go", "ac", "or", "sch", "web", "my", "net", "com", "org", "biz"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str, *, strip_params: Iterable[str] = ()) -> str:
    """The identity form of an absolute http(s) URL (see the module docstring for the rules).

    `strip_params`: the site's own parameter names to drop (registry `strip_query_params`);
    ``name*`` drops every parameter starting with ``name``. Raises ValueError for a URL that is
    not absolute http(s)."""
    return _normalise_url(url, tuple(strip_params))


# A crawl normalises each page's URL five or six times (the spider's bookkeeping, identity's
# canonical and aliases, the store's key): remembering the last few thousand answers saves
# those repeats (w3lib's canonicalize_url is most of it), 0.1 ms a page. The function is pure.
@lru_cache(maxsize=8192)
def _normalise_url(url: str, strip_params: tuple[str, ...]) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    # w3lib: IDNA host, sorted query, percent-encoding and dot segments normalised, no fragment.
    canon = urlsplit(canonicalize_url(url.strip(), keep_fragments=False))
    host = _fold_host(canon.hostname or "")
    netloc = _netloc(host, canon.port, scheme)
    path = _fold_path(canon.path)
    query = _filter_query(canon.query, _param_matcher(strip_params))
    return urlunsplit((scheme, netloc, path, query, ""))


def canonical_url(
    fetched_url: str,
    declared: str | None,
    *,
    site_hosts: Collection[str],
    strip_params: Iterable[str] = (),
) -> str:
    """The URL an article is stored under.

    The page's declared canonical (rel=canonical or og:url, possibly relative) is trusted only
    when it points inside the site: its host is one of `site_hosts` or a subdomain of one, where
    the mobile/AMP host variants (``m.``, ``amp.``, ``mobile.``) and ``www.`` count as the same
    host. It is also ignored when it names the site's home page for a page that is not the home
    page: themes that set every page's canonical to the home page would otherwise make the whole
    site one article. Otherwise the fetched URL is used. The result is always normalised.

    `site_hosts` entries are host names ("antaranews.com", "www.antaranews.com"), "host:port"
    ("127.0.0.1:8081"), or URLs (a site's home_url). An entry with a port matches only that port
    (the scheme's default port when the URL has none); an entry without one matches any port.
    The local fixture web serves every site on 127.0.0.1 under its own port, so there the entries
    must carry the port, as the registry's home_url does, or one fixture site would trust another
    one's canonical links."""
    strip = tuple(strip_params)
    trusted = declared_canonical(fetched_url, declared, site_hosts=site_hosts, strip_params=strip)
    if trusted is not None:
        return trusted
    return _prefer_listed_host(normalise_url(fetched_url, strip_params=strip), site_hosts)


def declared_canonical(
    fetched_url: str,
    declared: str | None,
    *,
    site_hosts: Collection[str],
    strip_params: Iterable[str] = (),
) -> str | None:
    """The page's declared canonical when `canonical_url` trusts it (normalised), else None:
    whether the site itself named the URL an article is stored under."""
    if not declared or not declared.strip():
        return None
    strip = tuple(strip_params)
    fetched = normalise_url(fetched_url, strip_params=strip)
    try:
        absolute = urljoin(fetched_url.strip(), declared.strip())
        candidate = normalise_url(absolute, strip_params=strip)
    except ValueError:
        return None
    if not _inside(absolute, site_hosts) or (_is_home(candidate) and not _is_home(fetched)):
        return None
    return _prefer_listed_host(candidate, site_hosts)


def is_view_variant(url: str) -> bool:
    """Whether `url` asks for another rendering of a page — its AMP, print or mobile view — that
    `normalise_url` folds into the page's identity.

    Such a view serves the page's text inside its own furniture (a print plugin's header and
    "printed from" lines, an AMP template), so what is extracted from it may differ from the page
    itself without the article having changed. ``noamp`` asks for the page itself: not a view."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if host and _fold_host(host) != host:
        return True
    if any(s.lower() in VIEW_PATH_SEGMENTS for s in parts.path.split("/")):
        return True
    for pair in parts.query.split("&") if parts.query else ():
        raw_name, _, raw_value = pair.partition("=")
        name = unquote_plus(raw_name).lower()
        if name in VIEW_PARAMS - {"noamp"}:
            return True
        if unquote_plus(raw_value).lower() in VIEW_PARAM_VALUES.get(name, ()):
            return True
    return False


def hosts_for_site(home_url: str, allowed_domains: Iterable[str] = ()) -> list[str]:
    """`site_hosts` for a registry entry: its home_url's host and its allowed_domains. When
    home_url names a non-default port (a fixture or dev server), every entry is pinned to it, as
    the registry's in-site rule does: the same host on another port is another site."""
    parts = urlsplit(home_url)
    scheme = parts.scheme.lower()
    port = parts.port
    pinned = port is not None and port != _DEFAULT_PORTS.get(scheme)
    hosts = list(dict.fromkeys([(parts.hostname or "").lower(), *allowed_domains]))
    shown = [f"[{h}]" if ":" in h else h for h in hosts if h]
    return [f"{h}:{port}" for h in shown] if pinned else shown


# --- helpers --------------------------------------------------------------------------------------


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _fold_host(host: str) -> str:
    host = host.lower().rstrip(".")
    if _is_ip(host):
        return host
    labels = host.split(".")
    if labels[0] in MOBILE_HOST_LABELS and len(labels) > 2:
        rest = labels[1:]
        # Keep "m.detik.com" → "detik.com", but not "m.co.id" → "co.id".
        if not (len(rest) == 2 and rest[0] in _SECOND_LEVEL):
            return ".".join(rest)
    return host


def _netloc(host: str, port: int | None, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host  # IPv6 literal
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return shown
    return f"{shown}:{port}"


def _fold_path(path: str) -> str:
    segments = [s for s in path.split("/") if s.lower() not in VIEW_PATH_SEGMENTS]
    folded = "/".join(segments)
    if not folded.startswith("/"):
        folded = "/" + folded
    if len(folded) > 1:
        folded = folded.rstrip("/") or "/"
    return folded


def _param_matcher(strip_params: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    exact, prefixes = set(TRACKING_PARAMS | VIEW_PARAMS), list(TRACKING_PREFIXES)
    for name in strip_params:
        name = name.strip().lower()
        if name.endswith("*"):
            prefixes.append(name[:-1])
        elif name:
            exact.add(name)
    return frozenset(exact), tuple(p for p in prefixes if p)


def _filter_query(query: str, matcher: tuple[frozenset[str], tuple[str, ...]]) -> str:
    if not query:
        return ""
    exact, prefixes = matcher
    kept = []
    # Pairs are filtered as w3lib encoded them, so the kept ones keep its canonical encoding.
    for pair in query.split("&"):
        raw_name, _, raw_value = pair.partition("=")
        name = unquote_plus(raw_name).lower()
        if name in exact or name.startswith(prefixes):
            continue
        if unquote_plus(raw_value).lower() in VIEW_PARAM_VALUES.get(name, ()):
            continue
        kept.append(pair)
    return "&".join(kept)


def _host_port(entry: str) -> tuple[str, int | None] | None:
    """(host, port or None) of a site_hosts entry: host, host:port or URL."""
    entry = entry.strip()
    if not entry:
        return None
    parts = urlsplit(entry if "://" in entry else "//" + entry)
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower().rstrip("."), port


def _base_host(host: str) -> str:
    """The host without a www/mobile/AMP label: the name variants of one site share it."""
    if _is_ip(host):
        return host
    labels = host.split(".")
    if labels[0] in ("www", *MOBILE_HOST_LABELS) and len(labels) > 2:
        return ".".join(labels[1:])
    return host


def _inside(url: str, site_hosts: Collection[str]) -> bool:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return False
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return False
    for entry in site_hosts:
        parsed = _host_port(entry)
        if parsed is None:
            continue
        entry_host, entry_port = parsed
        if entry_port is not None and entry_port != port:
            continue
        if _base_host(host) == _base_host(entry_host):
            return True
        # Subdomains of the entry as written: "antaranews.com" covers sumsel.antaranews.com,
        # "www.antaranews.com" does not (the registry's allowed_domains semantics).
        if not _is_ip(host) and _fold_host(host).endswith("." + entry_host):
            return True
    return False


def _is_home(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def _prefer_listed_host(url: str, site_hosts: Collection[str]) -> str:
    """Give a folded mobile host the www form when that is how the site is listed:
    m.example.id → example.id → www.example.id if the registry names www.example.id."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or host.startswith("www.") or _is_ip(host):
        return url
    listed = {p[0] for p in map(_host_port, site_hosts) if p is not None}
    if host not in listed and f"www.{host}" in listed:
        return urlunsplit(parts._replace(netloc="www." + parts.netloc))
    return url
