"""RegionalWeb: a benchmark web that behaves like real Indonesian regional news sites.

    from warta.sampleweb.regional import RegionalWeb

    with RegionalWeb(sites=6, articles_per_site=200, seed=1) as web:
        web.registry_toml(path)          # registry entries for its sites (auto-discovery)
        web.base_urls                    # {site name: "http://127.0.0.1:PORT"}
        web.features(site)               # {"rest_api": …, "sitemap": …, "feed": …, "make": …}
        web.next_night()                 # the site clock moves a day: sidebars, top-bar dates
        web.add_post(site, backdated_days=12)   # -> RegionalPost (.url .title .text .published)
        web.edit_post(site, url_or_slug)        # -> RegionalPost, its text and modified changed
        web.request_log(site)            # records: .site .path .status .bytes .conditional
        web.expected_articles(site)      # the current truth
        web.listing_pages_of(site, url)  # {listing root: page number} showing the post

For tests a small web: `RegionalWeb(sites=2, articles_per_site=30, categories=1)` (the REST
WordPress site and the listings-only portal; one category so a listing reaches page 3), or pick
makes by key: `RegionalWeb(makes=["custom-cms", "goid-joomla"], articles_per_site=30)`.

Unlike `SampleWeb`, whose pages are byte-identical from one request to the next, every HTML page
here carries a top-bar date and a "popular articles" box that change every night, so bodies and
ETags change while the article text does not; one make also changes on every request. Sites of
different makes (regional_site.MAKES): WordPress with the REST API open, WordPress with core
sitemaps, WordPress with a feed only, a custom CMS, a Joomla-era ``*.go.id`` site, and a portal
with listings only (no sitemap, no feed). Paths a site does not have (``/wp-sitemap.xml``,
``/feed/``, ``/category/…``, ``…/page/2/`` on a CMS) answer 404. Listings are paginated newest
first, `per_page` a page, so a post backdated by a few weeks lands on page 3 or later
(`add_post(min_page=3)` picks the date).

Change stamps are real time: a post edited now has modified = now, as the crawler compares them
with its own fetch times; the site clock (`today`) only drives the noise.

`python -m warta.sampleweb.regional` serves it until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from warta.sampleweb.content import WIB
from warta.sampleweb.regional_feeds import Document, feed_routes, rest, robots, sitemap_routes
from warta.sampleweb.regional_http import Answer, Handler, RegionalRequest, not_modified
from warta.sampleweb.regional_pages import Noise, Renderer
from warta.sampleweb.regional_site import (
    MAKES,
    MAKES_BY_KEY,
    RegionalPost,
    RegionalSite,
    add_generated,
    build_site,
)
from warta.sampleweb.regional_text import correction
from warta.sampleweb.serving import ServedWeb

HOST = "127.0.0.1"
POPULAR_COUNT = 5

__all__ = ["MAKES", "RegionalPost", "RegionalRequest", "RegionalWeb"]


class RegionalWeb(ServedWeb):
    """`sites` sites (makes in regional_site.MAKES order, or the given `makes` keys) of
    `articles_per_site` posts each, in `categories` categories (1–4; a small web needs few for
    a category listing to reach page 3), served on 127.0.0.1 until `stop()`."""

    handler = Handler
    thread_prefix = "regionalweb"

    def __init__(
        self,
        sites: int = 6,
        articles_per_site: int = 200,
        seed: int = 1,
        *,
        makes: list[str] | tuple[str, ...] | None = None,
        per_page: int = 10,
        categories: int = 4,
        host: str = HOST,
    ) -> None:
        if makes is not None:
            unknown = [m for m in makes if m not in MAKES_BY_KEY]
            if unknown:
                raise ValueError(f"unknown makes {unknown}; known: {list(MAKES_BY_KEY)}")
            chosen = [MAKES_BY_KEY[m] for m in makes]
        else:
            chosen = [MAKES[i % len(MAKES)] for i in range(sites)]
        self.started_at = datetime.now(UTC).replace(microsecond=0)
        self.seed = seed
        self.sites: dict[str, RegionalSite] = {}
        for index, make in enumerate(chosen):
            site = build_site(
                index, make, articles_per_site, seed, self.started_at, per_page, categories
            )
            self.sites[site.name] = site
        self._init_serving(host)
        self.night = 1
        self.night_started_at = self.started_at
        self._first_day: date = self.started_at.astimezone(WIB).date()
        self._rng = random.Random(f"{seed}-mutations")
        self._lock = threading.RLock()
        self._log: list[RegionalRequest] = []
        self._hits: dict[str, int] = dict.fromkeys(self.sites, 0)

    # --- serving (warta.sampleweb.serving) -----------------------------------------------------

    def _site_ports(self) -> dict[str, int]:
        return dict.fromkeys(self.sites, 0)

    def _started(self) -> None:
        for name, site in self.sites.items():
            for post in site.posts:
                post.url = self.base_urls[name] + post.path

    # --- addresses and description ---------------------------------------------------------------

    @property
    def base_urls(self) -> dict[str, str]:
        """{site name: "http://127.0.0.1:PORT"} (no trailing slash) of the running servers."""
        ports = self._bound_ports("use it as a context manager")
        return {name: f"http://{self.host}:{port}" for name, port in ports.items()}

    @property
    def site_names(self) -> list[str]:
        return list(self.sites)

    def url(self, site: str, path: str = "/") -> str:
        return self.base_urls[site] + path

    def features(self, site: str) -> dict[str, Any]:
        make = self.sites[site].make
        return {
            "make": make.key,
            "family": make.family,
            "rest_api": make.rest_api,
            "sitemap": bool(make.sitemap),
            "sitemap_lastmod": make.sitemap in ("yoast", "core", "cms"),
            "feed": bool(make.feed),
            "feed_updated": make.family == "wordpress",  # /feed/atom/ on every WordPress
            "per_request_noise": make.per_request_noise,
            "robots": make.robots,
            "listings": list(self.sites[site].listings()),
        }

    @property
    def today(self) -> date:
        """The site clock's day (WIB): the day the web started, plus one per `next_night()`."""
        return self._first_day + timedelta(days=self.night - 1)

    def registry_toml(self, path: str | Path) -> Path:
        """Write registry entries (spiders/registry.py format) for the running sites: no hints,
        as a new user would start; sites without a sitemap get a listing depth that reaches their
        oldest post."""
        lines = ["# Site registry for warta's regional benchmark web (warta.sampleweb.regional)."]
        for name, site in self.sites.items():
            lines += [
                "",
                "[[site]]",
                f'name = "{name}"',
                f'home_url = "{self.url(name, "/")}"',
                f'province = "{site.province}"',
            ]
            if site.regency:
                lines.append(f'regency = "{site.regency}"')
            if not site.make.sitemap:
                # Without a sitemap only the listings reach old posts: deep enough for all.
                lines.append(f"listing_depth = {site.page_count(site.posts) + 2}")
        target = Path(path)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target

    # --- the site clock and mutations ------------------------------------------------------------

    def next_night(self) -> int:
        """Move the site clock one day on: every page's top-bar date and popular box change,
        and pages rebuilt tonight carry tonight's Last-Modified. Returns the night number."""
        with self._lock:
            self.night += 1
            self.night_started_at = max(
                datetime.now(UTC).replace(microsecond=0),
                self.night_started_at + timedelta(seconds=1),
            )
            return self.night

    def add_post(
        self,
        site: str,
        backdated_days: float = 0,
        *,
        min_page: int | None = None,
        category: str | None = None,
    ) -> RegionalPost:
        """Publish a new post now, dated `backdated_days` ago (its modified date is now, as
        WordPress records a backdated post). `min_page`: backdate it far enough that it lands on
        that listing page or later in every listing showing it."""
        with self._lock:
            data = self.sites[site]
            deep = [
                c
                for c in data.categories
                if len(data.in_category(c)) >= ((min_page or 1) - 1) * data.per_page
            ]
            # A category able to hold the post that deep, when one is asked for.
            category = category or self._rng.choice(deep or list(data.categories))
            now = _stamp(datetime.now(UTC), self._latest_modified(data))
            days = backdated_days
            if min_page is not None and min_page > 1:
                days = max(days, self._days_for_page(data, category, min_page, now))
            published = (now - timedelta(days=days)).replace(second=0, microsecond=0)
            post = add_generated(data, self._rng, published, now, category=category)
            post.backdated = days > 0
            if self._servers:
                post.url = self.base_urls[site] + post.path
            return replace(post)

    def edit_post(self, site: str, url_or_slug: str) -> RegionalPost:
        """Correct a post: a new sentence is added to its text and its modified date moves to
        now (sitemap <lastmod>, Atom <updated>, REST `modified` follow, as the make has them).
        The new sentence becomes the post's key_sentence."""
        with self._lock:
            data = self.sites[site]
            post = data.post_by(url_or_slug)
            post.edits += 1
            sentence = correction(self._rng, f"{post.post_id}-{post.edits}")
            post.paragraphs = (*post.paragraphs, sentence)
            post.key_sentence = sentence
            # Past every stamp of the site: the site's clock only moves forward.
            post.modified = _stamp(datetime.now(UTC), self._latest_modified(data))
            return replace(post)

    def _latest_modified(self, site: RegionalSite) -> datetime:
        return max((p.modified for p in site.posts), default=self.started_at)

    def _days_for_page(self, site: RegionalSite, category: str, page: int, now: datetime) -> float:
        """Days back that put a new post of `category` after (page-1)·per_page newer posts in
        every listing showing it (the category's own is the shortest)."""
        shown = [p for p in site.posts if p.category == category]
        if site.make.family == "goid":
            shown = site.posts
        needed = (page - 1) * site.per_page
        if len(shown) < needed:
            raise ValueError(
                f"{site.name}: category {category!r} has {len(shown)} posts, too few to reach "
                f"listing page {page} (more articles_per_site or fewer categories)"
            )
        newer = shown[needed - 1]
        return (now - newer.published).total_seconds() / 86400 + 0.05

    # --- truth -----------------------------------------------------------------------------------

    def expected_articles(self, site: str | None = None) -> list[RegionalPost]:
        """Every post a correct crawl stores now (copies: later mutations do not change them)."""
        with self._lock:
            names = [site] if site else list(self.sites)
            return [replace(p) for name in names for p in self.sites[name].posts]

    def post(self, site: str, url_or_slug: str) -> RegionalPost:
        with self._lock:
            return replace(self.sites[site].post_by(url_or_slug))

    def listing_pages_of(self, site: str, url_or_slug: str) -> dict[str, int]:
        """{listing root path: page number} of every listing showing the post."""
        with self._lock:
            data = self.sites[site]
            return data.listing_pages_of(data.post_by(url_or_slug))

    # --- request log -----------------------------------------------------------------------------

    def request_log(self, site: str | None = None) -> list[RegionalRequest]:
        with self._lock:
            return [r for r in self._log if site is None or r.site == site]

    def clear_request_log(self) -> None:
        with self._lock:
            self._log.clear()

    def record(self, record: RegionalRequest) -> None:
        with self._lock:
            self._log.append(record)

    # --- serving ---------------------------------------------------------------------------------

    def noise(self, site: str) -> Noise:
        data = self.sites[site]
        rng = random.Random(f"{self.seed}-{site}-night-{self.night}")
        popular = tuple(rng.sample(data.posts, min(POPULAR_COUNT, len(data.posts))))
        hits = None
        if data.make.per_request_noise:
            self._hits[site] += 1
            hits = self._hits[site]
        return Noise(self.today, popular, hits)

    def respond(
        self, site: str, method: str, target: str, headers: Mapping[str, str] | Message
    ) -> Answer:
        """The full answer to one request (testable without sockets)."""
        with self._lock:
            doc = self._document(site, target)
        if doc is None:
            body = self._not_found(site)
            return Answer(404, [("Content-Type", "text/html; charset=UTF-8")], body)
        if doc.status != 200:
            return Answer(doc.status, [("Content-Type", doc.content_type), *doc.headers], doc.body)
        out = [("Content-Type", doc.content_type), *doc.headers]
        validators = self._validators(site, doc)
        out += validators
        if not_modified(dict(validators), headers):
            return Answer(304, validators, b"")
        return Answer(200, out, b"" if method == "HEAD" else doc.body)

    def _validators(self, site: str, doc: Document) -> list[tuple[str, str]]:
        if doc.content_type.startswith("application/json"):
            return []  # WordPress sends none on REST answers
        html = doc.content_type.startswith("text/html")
        make = self.sites[site].make
        if html and make.validators == "last-modified":
            return [("Last-Modified", format_datetime(self.night_started_at, usegmt=True))]
        tag = hashlib.sha1(doc.body).hexdigest()[:16]
        out = [("ETag", f'W/"{tag}"' if html else f'"{tag}"')]
        if not html and doc.last_modified is not None:
            out.append(("Last-Modified", format_datetime(_second(doc.last_modified), usegmt=True)))
        return out

    def _document(self, site: str, target: str) -> Document | None:
        data = self.sites[site]
        origin = self.base_urls[site]
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
        if data.make.family == "wordpress":
            answer = rest(data, origin, path, query)
            if answer is not None:
                return answer
        if path == "/robots.txt":
            return robots(data, origin)
        xml = {**sitemap_routes(data, origin), **feed_routes(data, origin)}
        built = xml.get(target) or (xml.get(path) if not query else None)
        if built is not None:
            return built()
        html = self._html(data, origin, path, query)
        return None if html is None else Document(200, _html_type(data), html)

    def _html(self, data: RegionalSite, origin: str, path: str, query: str) -> bytes | None:
        renderer = Renderer(data, origin, self.noise(data.name))
        for post in data.posts:
            if post.path == path:
                return renderer.article(post)
        if path in (renderer.redaksi_path,):
            return renderer.redaksi()
        params = parse_qs(query)
        family = data.make.family
        if path == "/" and family != "wordpress":
            return renderer.home()
        for root, posts in data.listings().items():
            page = _listing_page(data, root, path, params)
            if page is not None and page <= data.page_count(posts):
                return renderer.listing(root, page, posts)
        return None

    def _not_found(self, site: str) -> bytes:
        return (
            "<!DOCTYPE html><html><head><title>Halaman tidak ditemukan</title></head><body>"
            "<h1>404</h1><p>Maaf, halaman yang Anda cari tidak ditemukan.</p>"
            f'<p><a href="{self.url(site)}">Kembali ke beranda</a></p></body></html>'
        ).encode()


# --- helpers -------------------------------------------------------------------------------------


def _listing_page(
    site: RegionalSite, root: str, path: str, params: Mapping[str, list[str]]
) -> int | None:
    """Which page of the listing at `root` the request asks for, or None if not this listing."""
    family = site.make.family
    if family == "wordpress":
        if path == root:
            return 1
        rest_of = path.removeprefix(root)
        if path.startswith(root) and rest_of.startswith("page/"):
            number = rest_of.removeprefix("page/").rstrip("/")
            return int(number) if number.isdigit() and int(number) >= 2 else None
        return None
    if path.rstrip("/") != root:
        return None
    if family == "goid":
        start = params.get("start", ["0"])[0]
        if not start.isdigit() or int(start) % site.per_page:
            return None
        return int(start) // site.per_page + 1
    number = params.get("page", ["1"])[0]
    return int(number) if number.isdigit() and int(number) >= 1 else None


def _html_type(site: RegionalSite) -> str:
    # Old government servers send no charset; the page's <meta> says windows-1252.
    return "text/html" if site.make.family == "goid" else "text/html; charset=UTF-8"


def _second(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(microsecond=0)


def _stamp(when: datetime, previous: datetime) -> datetime:
    """A change time at `when`, but a whole second past `previous` so Last-Modified moves."""
    return max(_second(when), _second(previous) + timedelta(seconds=1))


# --- python -m warta.sampleweb.regional ----------------------------------------------------------


def main(argv: list[str] | None = None, *, wait: Callable[[], object] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warta.sampleweb.regional",
        description="Serve warta's regional benchmark web on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--sites", type=int, default=6, help="number of sites (default 6)")
    parser.add_argument("--articles", type=int, default=200, help="posts per site (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--registry", type=Path, help="also write a site registry TOML here")
    args = parser.parse_args(argv)
    if args.sites < 1 or args.articles < 1:
        parser.error("--sites and --articles must be at least 1")
    with RegionalWeb(args.sites, args.articles, args.seed) as web:
        for name, url in web.base_urls.items():
            print(f"{name:18} {url}/  {json.dumps(web.features(name)['make'])}")
        if args.registry:
            print(f"registry: {web.registry_toml(args.registry)}")
        print("Serving; Ctrl-C stops.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            (wait or threading.Event().wait)()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
