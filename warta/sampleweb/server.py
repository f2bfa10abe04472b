"""SampleWeb: the sample sites served over HTTP on 127.0.0.1, one port per site.

    with SampleWeb() as web:
        web.base_urls            # {"demo-karyanasional": "http://127.0.0.1:40213/", ...}
        web.registry_toml(path)  # a site registry for these ports
        web.expected_articles()  # the ground truth
        web.request_log()        # what was fetched, with status and bytes

`SampleWeb(dedup=True)` adds the deduplication scenario (warta.sampleweb.dedup: URL variants,
a syndicated press release) and `dedup_expectations()` says what the archive must then hold;
`SampleWeb(aggregator=True)` adds a site republishing the others' articles
(warta.sampleweb.aggregator), checked by `aggregator_expectations()`.

Pages are rendered lazily for the bound port and cached until the site changes. Responses carry
ETag and Last-Modified and honour If-None-Match / If-Modified-Since with 304, so incremental
crawling can be measured; `add_article`, `edit_article` and `remove_article` change a running site.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from warta.sampleweb import aggregator as aggregator_scenario
from warta.sampleweb import dedup as dedup_scenario
from warta.sampleweb.content import Article, Site, load_sites
from warta.sampleweb.foreign import load_foreign_sites
from warta.sampleweb.pages import Resource, build_routes, render_search, view_path
from warta.sampleweb.serving import Response, ServedWeb, SiteHandler, SiteServer
from warta.sampleweb.truth import ExpectedArticle, GroundTruth, NonArticle, site_truth

HOST = "127.0.0.1"
_HINT_URL_KEYS = ("sitemap_urls", "feed_urls", "listing_urls")


@dataclass(frozen=True, slots=True)
class RequestRecord:
    site: str
    method: str
    path: str
    """Request target as sent (path and query)."""
    status: int
    bytes_sent: int
    """Body bytes written (0 for HEAD, 304 and redirects without body)."""
    conditional: bool
    """The request carried If-None-Match or If-Modified-Since."""
    user_agent: str
    at: datetime


class _Handler(SiteHandler):
    """SampleWeb's answers (after its `latency`) and request log."""

    server: SiteServer

    @property
    def web(self) -> SampleWeb:
        web: SampleWeb = self.server.web
        return web

    def respond(self) -> Response:
        if self.web.latency:
            time.sleep(self.web.latency)
        return self.web.respond(self.server.site_name, self.command, self.path, self.headers)

    def record(self, response: Response) -> None:
        self.web._record(RequestRecord(**self.seen(response), bytes_sent=len(response.body)))


class SampleWeb(ServedWeb):
    """The bundled sample web (or any list of `Site`s), served until `stop()`.

    `ports` maps site names to fixed ports (0 or missing: the OS picks one). `latency` delays
    every response, in seconds, to imitate a slow network in benchmarks. `dedup` adds the
    deduplication scenario (`enable_dedup_scenario`), `aggregator` the aggregator site
    (warta.sampleweb.aggregator). `foreign` adds the foreign sites (`warta.sampleweb.foreign`),
    built to look like pages warta was not made for.
    """

    handler = _Handler
    thread_prefix = "sampleweb"

    def __init__(
        self,
        sites: Sequence[Site] | None = None,
        *,
        ports: Mapping[str, int] | None = None,
        host: str = HOST,
        latency: float = 0.0,
        dedup: bool = False,
        aggregator: bool = False,
        foreign: bool = False,
    ) -> None:
        chosen = list(sites) if sites is not None else load_sites()
        if foreign:
            chosen += load_foreign_sites()
        self.sites: dict[str, Site] = {s.name: s for s in chosen}
        if len(self.sites) != len(chosen):
            raise ValueError("site names must be unique")
        # Before the servers start: the aggregator is one more site to serve.
        self._aggregator = aggregator_scenario.apply(self.sites) if aggregator else None
        self._init_serving(host)
        self.latency = latency
        self._ports = dict(ports or {})
        self._lock = threading.RLock()
        self._versions: dict[str, int] = dict.fromkeys(self.sites, 0)
        self._cache: dict[str, tuple[int, dict[str, Resource]]] = {}
        self._truth_cache: dict[
            str, tuple[int, tuple[list[ExpectedArticle], list[NonArticle]]]
        ] = {}
        self._log: list[RequestRecord] = []
        self._dedup: dedup_scenario.DedupScenario | None = None
        if dedup:
            self.enable_dedup_scenario()

    # --- serving (warta.sampleweb.serving) -----------------------------------------------------

    def _site_ports(self) -> dict[str, int]:
        return {name: self._ports.get(name, 0) for name in self.sites}

    # --- addresses -------------------------------------------------------------------------------

    @property
    def base_urls(self) -> dict[str, str]:
        """{site name: "http://127.0.0.1:PORT/"} of the running servers."""
        ports = self._bound_ports("use it as a context manager or start()")
        return {name: f"http://{self.host}:{port}/" for name, port in ports.items()}

    def url(self, site: str, path: str = "/") -> str:
        return self.base_urls[site].rstrip("/") + path

    def site(self, name: str) -> Site:
        return self.sites[name]

    # --- rendering -------------------------------------------------------------------------------

    def routes(self, site: str) -> dict[str, Resource]:
        """Every static route of `site` rendered for its running port (path[?query] -> Resource)."""
        with self._lock:
            version = self._versions[site]
            cached = self._cache.get(site)
            if cached is None or cached[0] != version:
                cached = (version, build_routes(self.sites[site], self.base_urls[site]))
                self._cache[site] = cached
            return cached[1]

    def resource(self, site: str, target: str) -> Resource | None:
        """What `target` (path and query) serves, following WordPress rules; None for 404."""
        with self._lock:
            routes = self.routes(site)
            found = routes.get(target)
            if found is not None:
                return found
            path, _, query = target.partition("?")
            data = self.sites[site]
            if data.style.theme == "wordpress" and path == "/" and query:
                params = parse_qs(query)
                if "s" in params:
                    return render_search(data, self.base_urls[site], params["s"][0])
                if "p" in params:
                    post = next(
                        (a for a in data.articles if str(a.post_id) == params["p"][0]), None
                    )
                    if post is not None:
                        return _redirect(self.url(site, post.path))
            if data.style.theme == "wordpress" and query and path in routes:
                # The AMP and print plugins answer ?amp=1 / ?print=1 with their view, if the
                # post has one.
                params = parse_qs(query, keep_blank_values=True)
                for view in ("amp", "print"):
                    if view in params and view_path(path, view) in routes:
                        return routes[view_path(path, view)]
            if query and path in routes:
                # WordPress and old CMSs ignore query variables they do not know.
                return routes[path]
            if not path.endswith("/") and path + "/" in routes:
                return _redirect(self.url(site, path + "/"))
            return None

    def respond(
        self, site: str, method: str, target: str, headers: Mapping[str, str] | Message
    ) -> Response:
        """The full HTTP answer to one request (used by the handler; testable without sockets)."""
        resource = self.resource(site, target)
        if resource is None:
            return self._not_found(site)
        if resource.redirect is not None:
            return Response(301, [("Location", resource.redirect), ("Content-Length", "0")])
        validators = [
            ("ETag", resource.etag),
            ("Last-Modified", format_datetime(_second(resource.last_modified), usegmt=True)),
        ]
        if _not_modified(resource, headers):
            return Response(304, validators)
        return Response(
            200,
            [
                ("Content-Type", resource.content_type),
                ("Content-Length", str(len(resource.body))),
                *validators,
            ],
            b"" if method == "HEAD" else resource.body,
        )

    def _not_found(self, site: str) -> Response:
        data = self.sites[site]
        charset = "" if data.style.theme == "goid" else "; charset=UTF-8"
        body = (
            "<!DOCTYPE html><html><head><title>Halaman tidak ditemukan</title></head><body>"
            "<h1>404</h1><p>Maaf, halaman yang Anda cari tidak ditemukan.</p>"
            f'<p><a href="{self.url(site)}">Kembali ke beranda</a></p></body></html>'
        ).encode(data.style.encoding)
        return Response(
            404,
            [("Content-Type", "text/html" + charset), ("Content-Length", str(len(body)))],
            body,
        )

    # --- request log -----------------------------------------------------------------------------

    def request_log(self, site: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self._log if site is None or r.site == site]

    def clear_request_log(self) -> None:
        with self._lock:
            self._log.clear()

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    # --- mutation --------------------------------------------------------------------------------

    def add_article(self, site: str, article: Article, *, at: datetime | None = None) -> Article:
        """Publish `article` on `site` (its path follows the site's permalink pattern)."""
        with self._lock:
            data = self.sites[site]
            data.add(article)
            data.changed_at = _stamp(at, data.changed_at)
            self._versions[site] += 1
            return article

    def edit_article(
        self,
        site: str,
        slug: str,
        *,
        title: str | None = None,
        body: Sequence[str] | None = None,
        key_sentences: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> Article:
        """Change a published article; its Last-Modified (and that of every page listing it)
        moves to `at` (default now), always at least one second past the previous value."""
        with self._lock:
            article = self.sites[site].article(slug)
            if title is not None:
                article.title = title
            if body is not None:
                article.body = list(body)
                if key_sentences is None:
                    text = article.text()
                    article.key_sentences = [k for k in article.key_sentences if k in text]
            if key_sentences is not None:
                article.key_sentences = list(key_sentences)
            article.modified = _stamp(at, article.last_modified)
            self._versions[site] += 1
            return article

    def remove_article(self, site: str, slug: str, *, at: datetime | None = None) -> None:
        with self._lock:
            data = self.sites[site]
            data.articles.remove(data.article(slug))
            data.changed_at = _stamp(at, data.changed_at)
            self._versions[site] += 1

    def add_alias(self, site: str, slug: str, path: str) -> None:
        """Serve `slug`'s page under another path too (same bytes, same rel=canonical)."""
        with self._lock:
            self.sites[site].article(slug).aliases.append(path)
            self._versions[site] += 1

    def enable_dedup_scenario(self) -> dedup_scenario.DedupScenario:
        """Add the deduplication scenario (warta.sampleweb.dedup) to the bundled sites; once."""
        with self._lock:
            if self._dedup is None:
                self._dedup = dedup_scenario.apply(self.sites)
                for name in dedup_scenario.SITES:
                    self._versions[name] += 1
            return self._dedup

    @property
    def dedup_scenario(self) -> dedup_scenario.DedupScenario | None:
        return self._dedup

    @property
    def aggregator_scenario(self) -> aggregator_scenario.AggregatorScenario | None:
        return self._aggregator

    # --- ground truth ----------------------------------------------------------------------------

    def _truth(self, site: str) -> tuple[list[ExpectedArticle], list[NonArticle]]:
        with self._lock:
            version = self._versions[site]
            cached = self._truth_cache.get(site)
            if cached is None or cached[0] != version:
                truth = site_truth(self.sites[site], self.routes(site), self.base_urls[site])
                cached = (version, truth)
                self._truth_cache[site] = cached
            return cached[1]

    def expected_articles(self, site: str | None = None) -> list[ExpectedArticle]:
        names = [site] if site else list(self.sites)
        return [a for name in names for a in self._truth(name)[0]]

    def non_articles(self, site: str | None = None) -> list[NonArticle]:
        names = [site] if site else list(self.sites)
        return [n for name in names for n in self._truth(name)[1]]

    def non_article_urls(self, site: str | None = None) -> list[str]:
        return [n.url for n in self.non_articles(site)]

    def ground_truth(self) -> GroundTruth:
        return GroundTruth(tuple(self.expected_articles()), tuple(self.non_articles()))

    def dedup_expectations(self) -> dedup_scenario.DedupExpectations:
        """What the archive holds after a crawl of every site of the scenario web (its current
        content: edits and additions count)."""
        with self._lock:
            if self._dedup is None:
                raise RuntimeError("the dedup scenario is not enabled (SampleWeb(dedup=True))")
            return dedup_scenario.expectations(
                self._dedup, self.sites, self.url, [a.url for a in self.expected_articles()]
            )

    def aggregator_expectations(self) -> aggregator_scenario.AggregatorExpectations:
        """What the archive holds after a crawl of the aggregator and the sites it copies."""
        if self._aggregator is None:
            raise RuntimeError("the aggregator is not enabled (SampleWeb(aggregator=True))")
        return aggregator_scenario.expectations(self._aggregator, self.sites, self.url)

    # --- registry --------------------------------------------------------------------------------

    def registry_toml(self, path: str | Path) -> Path:
        """Write a site registry (docs/registry-format.md) for the running sites to `path`."""
        lines = [
            "# Site registry for the warta sample web (warta.sampleweb), written for this run's",
            "# ports. Entries without sitemap_urls/feed_urls/listing_urls use auto-discovery.",
        ]
        for name, data in self.sites.items():
            base = self.base_urls[name]
            entry: dict[str, Any] = {
                "name": name,
                "home_url": base,
                "province": data.province,
            }
            if data.regency:
                entry["regency"] = data.regency
            entry["language"] = data.language
            for key, value in data.registry.items():
                if key in _HINT_URL_KEYS:
                    entry[key] = [base.rstrip("/") + p for p in value]
                else:
                    entry[key] = value
            lines += ["", "[[site]]"]
            lines += [f"{key} = {_toml_value(value)}" for key, value in entry.items()]
        target = Path(path)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target


# --- helpers -------------------------------------------------------------------------------------


def _redirect(location: str) -> Resource:
    return Resource(
        "redirect", "text/html", b"", datetime(2024, 1, 1, tzinfo=UTC), redirect=location
    )


def _second(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(microsecond=0)


def _not_modified(resource: Resource, headers: Mapping[str, str] | Message) -> bool:
    if_none_match = headers.get("If-None-Match")
    if if_none_match:
        # RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison.
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or resource.etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return _second(resource.last_modified) <= since
    return False


def _stamp(at: datetime | None, previous: datetime) -> datetime:
    """A modification time: `at` (default now), but always a whole second past `previous` so the
    HTTP Last-Modified (second resolution) visibly moves."""
    when = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    floor = _second(previous) + timedelta(seconds=1)
    return max(when, floor)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")
