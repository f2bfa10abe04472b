"""Machine-readable surfaces of the regional benchmark web: robots.txt, sitemaps, RSS/Atom feeds
and the WordPress REST API (``/wp-json/wp/v2/posts``), each as the site's make serves it.

None of these carry the nightly noise: a sitemap or feed changes only when a post does.
Every WordPress make serves ``/feed/atom/`` (entries carry ``<updated>``, the post's modified
time) and ``/feed/atom/?orderby=modified`` (``&paged=N``), newest modified first, 10 a page.
The REST API follows WordPress's WP_REST_Posts_Controller where a crawler can tell: `per_page`
(1–100), `page` (400 ``rest_post_invalid_page_number`` past the end), `after`/`before` on the
publication date and `modified_after`/`modified_before` on the modification date (ISO 8601;
without an offset in the site's zone), `orderby` (date, modified, id, title, slug), `order`,
`categories`, `_fields`, and the ``X-WP-Total`` / ``X-WP-TotalPages`` / ``Link`` headers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

from warta.sampleweb.content import WIB
from warta.sampleweb.regional_site import CATEGORIES, RegionalPost, RegionalSite

XML = "application/xml; charset=UTF-8"
JSON = "application/json; charset=UTF-8"
CATEGORY_IDS = {slug: i for i, slug in enumerate(CATEGORIES, start=2)}
_REST_SORT_KEYS: dict[str, Callable[[RegionalPost], Any]] = {
    "date": lambda p: (p.published, p.post_id),
    "modified": lambda p: (p.modified, p.post_id),
    "id": lambda p: p.post_id,
    "title": lambda p: p.title,
    "slug": lambda p: p.slug,
}
REST_ORDERBY = tuple(_REST_SORT_KEYS)


@dataclass(slots=True)
class Document:
    status: int
    content_type: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    last_modified: datetime | None = None


def _x(text: str) -> str:
    return escape(text, quote=False)


def _w3c(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _latest(posts: list[RegionalPost]) -> datetime | None:
    return max((p.modified for p in posts), default=None)


# --- robots.txt ----------------------------------------------------------------------------------


def robots(site: RegionalSite, origin: str) -> Document | None:
    make = site.make
    if not make.robots:
        return None
    lines = ["User-agent: *"]
    if make.family == "wordpress":
        lines += ["Disallow: /wp-admin/", "Allow: /wp-admin/admin-ajax.php"]
    else:
        lines += ["Disallow: /admin/", "Disallow: /langganan"]
    sitemaps = {
        "yoast": ["/sitemap_index.xml"],
        "core": ["/wp-sitemap.xml"],
        "cms": ["/sitemap.xml", "/sitemap/news.xml"],
    }.get(make.sitemap, [])
    if sitemaps:
        lines.append("")
        lines += [f"Sitemap: {origin}{path}" for path in sitemaps]
    return Document(200, "text/plain; charset=UTF-8", ("\n".join(lines) + "\n").encode())


# --- sitemaps ------------------------------------------------------------------------------------


def sitemap_routes(site: RegionalSite, origin: str) -> dict[str, Callable[[], Document]]:
    """Path → builder of every sitemap the site has (redirects included, as 301 documents)."""
    kind = site.make.sitemap
    posts = site.posts
    out: dict[str, Callable[[], Document]] = {}
    if kind == "yoast":
        children = {
            "/post-sitemap.xml": lambda: urlset(origin, posts),
            "/page-sitemap.xml": lambda: urlset(origin, [], extra=["/redaksi/"]),
            "/category-sitemap.xml": lambda: urlset(
                origin, [], extra=[f"/category/{c}/" for c in site.categories]
            ),
        }
        out["/sitemap_index.xml"] = lambda: sitemap_index(origin, children, lastmod=True)
        out.update(children)
        # Yoast turns WordPress's own sitemap and the usual name into redirects to its index.
        out["/wp-sitemap.xml"] = lambda: redirect(origin + "/sitemap_index.xml")
        out["/sitemap.xml"] = lambda: redirect(origin + "/sitemap_index.xml")
    elif kind == "core":
        children = {
            "/wp-sitemap-posts-post-1.xml": lambda: urlset(origin, posts),
            "/wp-sitemap-posts-page-1.xml": lambda: urlset(origin, [], extra=["/redaksi/"]),
            "/wp-sitemap-taxonomies-category-1.xml": lambda: urlset(
                origin, [], extra=[f"/category/{c}/" for c in site.categories]
            ),
        }
        out["/wp-sitemap.xml"] = lambda: sitemap_index(origin, children, lastmod=False)
        out.update(children)
        out["/sitemap.xml"] = lambda: redirect(origin + "/wp-sitemap.xml")
    elif kind == "cms":
        months: dict[str, list[RegionalPost]] = {}
        for post in posts:
            months.setdefault(f"{post.published.astimezone(WIB):%Y-%m}", []).append(post)
        children = {
            f"/sitemap/posts-{month}.xml": (lambda chunk=chunk: urlset(origin, chunk))
            for month, chunk in months.items()
        }
        out["/sitemap.xml"] = lambda: sitemap_index(origin, children, lastmod=True)
        out.update(children)
        out["/sitemap/news.xml"] = lambda: news_sitemap(site, origin, posts[:20])
    elif kind == "plain":
        out["/sitemap.xml"] = lambda: urlset(origin, posts, lastmod=False)
    return out


def urlset(
    origin: str, posts: list[RegionalPost], *, extra: list[str] | None = None, lastmod: bool = True
) -> Document:
    rows = []
    for post in posts:
        stamp = f"<lastmod>{_w3c(post.modified)}</lastmod>" if lastmod else ""
        rows.append(f"<url><loc>{_x(post.url or origin + post.path)}</loc>{stamp}</url>")
    rows += [f"<url><loc>{_x(origin + path)}</loc></url>" for path in extra or []]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    )
    return Document(200, XML, xml.encode(), last_modified=_latest(posts))


def sitemap_index(
    origin: str, children: dict[str, Callable[[], Document]], *, lastmod: bool
) -> Document:
    rows = []
    latest: datetime | None = None
    for path, build in children.items():
        stamp = ""
        child = build().last_modified
        if child is not None:
            latest = max(latest or child, child)
            if lastmod:
                stamp = f"<lastmod>{_w3c(child)}</lastmod>"
        rows.append(f"<sitemap><loc>{_x(origin + path)}</loc>{stamp}</sitemap>")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + "\n</sitemapindex>\n"
    )
    return Document(200, XML, xml.encode(), last_modified=latest)


def news_sitemap(site: RegionalSite, origin: str, posts: list[RegionalPost]) -> Document:
    rows = [
        f"<url><loc>{_x(origin + p.path)}</loc><news:news><news:publication>"
        f"<news:name>{_x(site.title)}</news:name><news:language>id</news:language>"
        f"</news:publication><news:publication_date>{p.published.astimezone(WIB).isoformat()}"
        f"</news:publication_date><news:title>{_x(p.title)}</news:title></news:news></url>"
        for p in posts
    ]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    )
    return Document(200, XML, xml.encode(), last_modified=_latest(posts))


def redirect(location: str) -> Document:
    return Document(301, "text/html; charset=UTF-8", b"", [("Location", location)])


# --- feeds ---------------------------------------------------------------------------------------


def feed_routes(site: RegionalSite, origin: str) -> dict[str, Callable[[], Document]]:
    kind = site.make.feed
    out: dict[str, Callable[[], Document]] = {}
    if kind == "wordpress":
        out["/feed/"] = lambda: rss(site, origin, site.posts[:10], origin + "/feed/")
    if site.make.family == "wordpress":
        # Every WordPress serves /feed/atom/ (announced in <head> or not), and honours the
        # public query var orderby=modified on feeds: the 10 posts modified last, then paged.
        out["/feed/atom/"] = lambda: atom(site, origin, site.posts[:10])
        out.update(modified_atom_routes(site, origin))
    if kind == "cms":
        out["/rss"] = lambda: rss(site, origin, site.posts[:20], origin + "/rss")
    if kind == "joomla":
        out["/berita?format=feed&type=rss"] = lambda: rss(
            site, origin, site.posts[:10], origin + "/berita?format=feed&type=rss"
        )
    return out


MODIFIED_FEED = "/feed/atom/?orderby=modified"
FEED_PER_PAGE = 10


def modified_atom_routes(site: RegionalSite, origin: str) -> dict[str, Callable[[], Document]]:
    """``/feed/atom/?orderby=modified`` and its pages (``&paged=N``): posts newest modified
    first, FEED_PER_PAGE an entry page, as WordPress answers them."""
    pages = max(1, -(-len(site.posts) // FEED_PER_PAGE))

    def page(number: int) -> Document:
        posts = sorted(site.posts, key=lambda p: (p.modified, p.post_id), reverse=True)
        chunk = posts[(number - 1) * FEED_PER_PAGE : number * FEED_PER_PAGE]
        return atom(site, origin, chunk)

    out: dict[str, Callable[[], Document]] = {MODIFIED_FEED: lambda: page(1)}
    for number in range(2, pages + 1):
        out[f"{MODIFIED_FEED}&paged={number}"] = lambda number=number: page(number)
    return out


def rss(site: RegionalSite, origin: str, posts: list[RegionalPost], self_url: str) -> Document:
    items = []
    for p in posts:
        excerpt = " ".join(p.text.split()[:40])
        items.append(
            f"<item><title>{_x(p.title)}</title><link>{_x(origin + p.path)}</link>"
            f"<pubDate>{format_datetime(p.published.astimezone(UTC))}</pubDate>"
            f'<guid isPermaLink="false">{_x(origin)}/?p={p.post_id}</guid>'
            f"<category>{_x(CATEGORIES[p.category])}</category>"
            f"<description>{_x(excerpt)} […]</description></item>"
        )
    built = _latest(posts) or datetime(2024, 1, 1, tzinfo=UTC)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{_x(site.title)}</title><link>{_x(origin)}/</link>"
        f'<atom:link href="{_x(self_url)}" rel="self" type="application/rss+xml"/>'
        f"<description>Berita {_x(site.place)}</description><language>id</language>"
        f"<lastBuildDate>{format_datetime(built.astimezone(UTC))}</lastBuildDate>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )
    return Document(200, "application/rss+xml; charset=UTF-8", xml.encode(), last_modified=built)


def atom(site: RegionalSite, origin: str, posts: list[RegionalPost]) -> Document:
    entries = [
        f'<entry><title>{_x(p.title)}</title><link rel="alternate" href="{_x(origin + p.path)}"/>'
        f"<id>{_x(origin)}/?p={p.post_id}</id><published>{_w3c(p.published)}</published>"
        f"<updated>{_w3c(p.modified)}</updated><author><name>{_x(p.author)}</name></author></entry>"
        for p in posts
    ]
    updated = _latest(posts) or datetime(2024, 1, 1, tzinfo=UTC)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{_x(site.title)}</title><id>{_x(origin)}/feed/atom/</id>"
        f"<updated>{_w3c(updated)}</updated>\n" + "\n".join(entries) + "\n</feed>\n"
    )
    return Document(200, "application/atom+xml; charset=UTF-8", xml.encode(), last_modified=updated)


# --- WordPress REST API --------------------------------------------------------------------------


def rest(site: RegionalSite, origin: str, path: str, query: str) -> Document | None:
    """The answer to `/wp-json/<route>` (or `/?rest_route=<route>`), None if not a REST path."""
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if path in ("/", "") and "rest_route" in params:
        route = params.pop("rest_route")
    elif path.startswith("/wp-json"):
        route = path.removeprefix("/wp-json") or "/"
    else:
        return None
    if not site.make.rest_api:
        # A "disable REST API" plugin: the route exists, anonymous callers are refused.
        return _rest_error(
            401, "rest_cannot_access", "Only authenticated users can access the REST API."
        )
    route = route.rstrip("/") or "/"
    if route == "/":
        return _json(
            {
                "name": site.title,
                "url": origin,
                "namespaces": ["wp/v2"],
                "routes": {"/wp/v2/posts": {}, "/wp/v2/categories": {}},
            }
        )
    if route == "/wp/v2/categories":
        return _json(
            [
                {"id": i, "slug": s, "name": CATEGORIES[s], "link": f"{origin}/category/{s}/"}
                for s, i in CATEGORY_IDS.items()
            ]
        )
    if route.startswith("/wp/v2/posts/"):
        wanted = route.rsplit("/", 1)[1]
        post = next((p for p in site.posts if str(p.post_id) == wanted), None)
        if post is None:
            return _rest_error(404, "rest_post_invalid_id", "Invalid post ID.")
        return _json(_fields(rest_post(post, origin), params.get("_fields")))
    if route == "/wp/v2/posts":
        return rest_posts(site, origin, params)
    return _rest_error(
        404, "rest_no_route", "No route was found matching the URL and request method."
    )


def rest_posts(site: RegionalSite, origin: str, params: dict[str, str]) -> Document:
    try:
        per_page = int(params.get("per_page", "10"))
        page = int(params.get("page", "1"))
    except ValueError:
        return _invalid("per_page" if not params.get("per_page", "1").isdigit() else "page")
    if not 1 <= per_page <= 100:
        return _invalid("per_page")
    if page < 1:
        return _invalid("page")
    posts = list(site.posts)
    for key, attr, later in (
        ("after", "published", True),
        ("before", "published", False),
        ("modified_after", "modified", True),
        ("modified_before", "modified", False),
    ):
        if key in params:
            bound = _parse_date(params[key])
            if bound is None:
                return _invalid(key)
            posts = [p for p in posts if _beyond(getattr(p, attr), bound, later)]
    if "categories" in params:
        ids = {int(c) for c in params["categories"].split(",") if c.strip().isdigit()}
        posts = [p for p in posts if CATEGORY_IDS[p.category] in ids]
    orderby = params.get("orderby", "date")
    order = params.get("order", "desc")
    if orderby not in _REST_SORT_KEYS:
        return _invalid("orderby")
    if order not in ("asc", "desc"):
        return _invalid("order")
    posts.sort(key=_REST_SORT_KEYS[orderby], reverse=order == "desc")
    total = len(posts)
    pages = -(-total // per_page)
    if page > max(pages, 1):
        return _rest_error(
            400,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        )
    chunk = posts[(page - 1) * per_page : page * per_page]
    body = [_fields(rest_post(p, origin), params.get("_fields")) for p in chunk]
    doc = _json(body)
    doc.headers += [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
    links = []
    base = f"{origin}/wp-json/wp/v2/posts"
    for rel, n in (("prev", page - 1), ("next", page + 1)):
        if 1 <= n <= pages:
            links.append(f'<{base}?{urlencode({**params, "page": n})}>; rel="{rel}"')
    if links:
        doc.headers.append(("Link", ", ".join(links)))
    return doc


def rest_post(post: RegionalPost, origin: str) -> dict[str, object]:
    local = post.published.astimezone(WIB).replace(tzinfo=None)
    modified = post.modified.astimezone(WIB).replace(tzinfo=None)
    content = "".join(f"<p>{escape(p)}</p>\n" for p in post.paragraphs)
    return {
        "id": post.post_id,
        "date": local.isoformat(timespec="seconds"),
        "date_gmt": _gmt(post.published),
        "guid": {"rendered": f"{origin}/?p={post.post_id}"},
        "modified": modified.isoformat(timespec="seconds"),
        "modified_gmt": _gmt(post.modified),
        "slug": post.slug,
        "status": "publish",
        "type": "post",
        "link": origin + post.path,
        "title": {"rendered": escape(post.title, quote=False)},
        "content": {"rendered": content, "protected": False},
        "excerpt": {
            "rendered": f"<p>{escape(' '.join(post.text.split()[:55]))} […]</p>\n",
            "protected": False,
        },
        "author": 1,
        "categories": [CATEGORY_IDS[post.category]],
        "tags": [],
    }


def _gmt(when: datetime) -> str:
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _beyond(value: datetime, bound: datetime, later: bool) -> bool:
    """`after`/`modified_after` (later) or `before`/`modified_before`: exclusive, as WordPress."""
    return value > bound if later else value < bound


def _fields(data: dict[str, object], wanted: str | None) -> dict[str, object]:
    if not wanted:
        return data
    names = [f.strip() for f in wanted.split(",") if f.strip()]
    out: dict[str, object] = {}
    for name in names:
        top, _, sub = name.partition(".")
        if top not in data:
            continue
        value = data[top]
        if sub and isinstance(value, dict):
            if sub in value:
                merged = out.setdefault(top, {})
                if isinstance(merged, dict):
                    merged[sub] = value[sub]
        else:
            out[top] = value
    return out


def _parse_date(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        return None
    # WordPress reads a date without an offset in the site's zone.
    return value if value.tzinfo is not None else value.replace(tzinfo=WIB)


def _json(data: object, status: int = 200) -> Document:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Document(status, JSON, body)


def _rest_error(status: int, code: str, message: str, **data: object) -> Document:
    return _json({"code": code, "message": message, "data": {"status": status, **data}}, status)


def _invalid(param: str) -> Document:
    return _rest_error(
        400,
        "rest_invalid_param",
        f"Invalid parameter(s): {param}",
        params={param: f"{param} is not valid."},
    )
