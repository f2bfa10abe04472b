"""warta.sampleweb.regional: the regional benchmark web serves what it claims, over real HTTP."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from scrapy.http import HtmlResponse

from archive.extraction.decide import extract
from spiders.discovery import canonicalize
from spiders.listing_dates import shown_change_dates
from spiders.registry import load_registry
from warta.sampleweb.content import WIB, indonesian_date
from warta.sampleweb.regional import MAKES, RegionalWeb, main

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def web() -> Iterator[RegionalWeb]:
    # One site of every make; 100 posts so a category reaches listing page 3.
    with RegionalWeb(sites=len(MAKES), articles_per_site=100, seed=3) as running:
        yield running


def by_make(web: RegionalWeb, make: str) -> str:
    return next(n for n in web.site_names if web.features(n)["make"] == make)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def charset(headers: dict[str, str]) -> str | None:
    match = re.search(r"charset=([\w-]+)", headers.get("Content-Type", ""))
    return match.group(1) if match else None


def rest_get(web: RegionalWeb, site: str, query: str) -> tuple[int, dict[str, str], object]:
    status, headers, body = fetch(web.url(site, "/wp-json/wp/v2/posts?" + query))
    return status, headers, json.loads(body)


# --- sites and truth -----------------------------------------------------------------------------


def test_every_make_once_with_its_features_and_registry(web: RegionalWeb, tmp_path: Path) -> None:
    assert [web.features(n)["make"] for n in web.site_names] == [m.key for m in MAKES]
    features = {web.features(n)["make"]: web.features(n) for n in web.site_names}
    assert [k for k, f in features.items() if f["rest_api"]] == ["wordpress-rest"]
    assert [k for k, f in features.items() if not f["sitemap"] and not f["feed"]] == [
        "portal-listings"
    ]
    assert all(len(web.expected_articles(n)) == 100 for n in web.site_names)
    entries = {e.name: e for e in load_registry(web.registry_toml(tmp_path / "sites.toml"))}
    assert list(entries) == web.site_names
    for name, entry in entries.items():
        assert entry.home_url.rstrip("/") == web.base_urls[name]
        assert not entry.has_hints  # auto-discovery, as a new user starts
    for make in ("portal-listings", "wordpress-feed"):  # no sitemap: listings reach it all
        depth = entries[by_make(web, make)].listing_depth
        assert depth is not None and depth >= 10
    assert entries[by_make(web, "wordpress-rest")].listing_depth is None


def test_article_pages_are_kept_by_warta_with_the_true_text_title_and_date(
    web: RegionalWeb,
) -> None:
    for name in web.site_names:
        for post in web.expected_articles(name)[::37]:
            status, headers, body = fetch(post.url)
            assert status == 200
            record = extract(body, post.url, http_encoding=charset(headers)).article
            assert record is not None, (name, post.url)
            assert record.text == post.text
            assert record.title == post.title
            assert record.published_date == post.published.astimezone(WIB).date()
            assert len(post.text) > 1200


def test_listings_paginate_newest_first_and_are_not_articles(web: RegionalWeb) -> None:
    for name in web.site_names:
        site = web.sites[name]
        root, posts = next(iter(site.listings().items()))
        assert posts == sorted(posts, key=lambda p: p.published, reverse=True)
        url = web.url(name, site.listing_path(root, 2))
        status, headers, body = fetch(url)
        assert status == 200
        page = body.decode(charset(headers) or "windows-1252")
        # The page's own items, in order (sidebars repeat other posts around them).
        offsets = [page.find(f'"{web.url(name, p.path)}"') for p in posts[10:20]]
        if site.make.family == "goid":
            offsets = [page.rfind(f'"{p.path}"') for p in posts[10:20]]  # popular box first
        assert -1 not in offsets and offsets == sorted(offsets), name
        assert extract(body, url, http_encoding=charset(headers)).article is None
        last = site.page_count(posts)
        assert fetch(web.url(name, site.listing_path(root, last + 1)))[0] == 404


# --- what a site does not have -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "missing", "present"),
    [
        ("wordpress-rest", ["/news-sitemap.xml", "/rss"], ["/sitemap_index.xml", "/feed/"]),
        ("wordpress-core", ["/sitemap_index.xml", "/news-sitemap.xml"], ["/wp-sitemap.xml"]),
        ("wordpress-feed", ["/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml"], ["/feed/"]),
        ("custom-cms", ["/wp-sitemap.xml", "/sitemap_index.xml", "/feed/", "/category/daerah/",
                        "/indeks/page/2/"], ["/sitemap.xml", "/rss", "/indeks?page=2"]),
        ("goid-joomla", ["/robots.txt", "/feed/", "/berita/page/2/", "/category/daerah/"],
         ["/sitemap.xml", "/berita?start=10", "/berita?format=feed&type=rss"]),
        ("portal-listings", ["/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml",
                             "/news-sitemap.xml", "/feed/", "/wp-json/wp/v2/posts",
                             "/terkini/page/2/"], ["/robots.txt", "/terkini?page=2"]),
    ],
)  # fmt: skip
def test_guessed_paths_404_where_the_site_has_none(
    web: RegionalWeb, make: str, missing: list[str], present: list[str]
) -> None:
    site = by_make(web, make)
    assert {p: fetch(web.url(site, p))[0] for p in missing} == dict.fromkeys(missing, 404)
    assert {p: fetch(web.url(site, p))[0] for p in present} == dict.fromkeys(present, 200)


def test_wordpress_redirects_and_closed_rest_api(web: RegionalWeb) -> None:
    yoast = by_make(web, "wordpress-rest")
    request = urllib.request.Request(web.url(yoast, "/wp-sitemap.xml"), method="HEAD")
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=5)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"] == web.url(yoast, "/sitemap_index.xml")
    closed = by_make(web, "wordpress-core")
    status, _, body = fetch(web.url(closed, "/wp-json/wp/v2/posts"))
    assert status == 401 and json.loads(body)["code"] == "rest_cannot_access"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# --- the REST API --------------------------------------------------------------------------------


def test_rest_api_pages_with_wordpress_headers_and_400_past_the_end(web: RegionalWeb) -> None:
    site = by_make(web, "wordpress-rest")
    total = len(web.expected_articles(site))
    status, headers, posts = rest_get(web, site, "per_page=30&page=1&_fields=id,link,modified,date")
    assert status == 200
    assert headers["X-WP-Total"] == str(total)
    assert headers["X-WP-TotalPages"] == str(-(-total // 30))
    assert 'rel="next"' in headers["Link"]
    assert isinstance(posts, list) and len(posts) == 30
    assert all(set(p) == {"id", "link", "modified", "date"} for p in posts)
    newest = web.expected_articles(site)[0]
    assert posts[0]["link"] == newest.url
    assert posts[0]["date"] == newest.published.astimezone(WIB).replace(tzinfo=None).isoformat()
    last = int(headers["X-WP-TotalPages"])
    assert len(rest_get(web, site, f"per_page=30&page={last}")[2]) == total - 30 * (last - 1)  # type: ignore[arg-type]
    status, _, error = rest_get(web, site, f"per_page=30&page={last + 1}")
    assert status == 400 and error["code"] == "rest_post_invalid_page_number"  # type: ignore[index]
    assert rest_get(web, site, "per_page=101")[0] == 400
    assert rest_get(web, site, "orderby=popularity")[0] == 400
    assert rest_get(web, site, "after=yesterday")[0] == 400


def test_rest_api_filters_by_date_and_modified_date(web: RegionalWeb) -> None:
    site = by_make(web, "wordpress-rest")
    truth = web.expected_articles(site)
    cut = truth[9].published
    status, headers, posts = rest_get(
        web, site, "after=" + cut.isoformat().replace("+", "%2B") + "&_fields=id"
    )
    assert status == 200 and headers["X-WP-Total"] == "9"
    assert [p["id"] for p in posts] == [p.post_id for p in truth[:9]]  # type: ignore[index, union-attr]
    naive = cut.astimezone(WIB).replace(tzinfo=None).isoformat()  # the site's zone
    assert rest_get(web, site, f"after={naive}")[1]["X-WP-Total"] == "9"
    by_modified = sorted(truth, key=lambda p: (p.modified, p.post_id), reverse=True)
    status, _, posts = rest_get(web, site, "orderby=modified&per_page=5&_fields=id,modified")
    assert [p["id"] for p in posts] == [p.post_id for p in by_modified[:5]]  # type: ignore[index, union-attr]
    since = by_modified[3].modified.isoformat().replace("+", "%2B")
    assert rest_get(web, site, f"modified_after={since}")[1]["X-WP-Total"] == "3"


# --- noise ---------------------------------------------------------------------------------------


def test_noise_changes_bodies_and_etags_nightly_but_not_the_article_text(web: RegionalWeb) -> None:
    site = by_make(web, "wordpress-core")
    post = web.expected_articles(site)[5]
    status, headers, first = fetch(post.url)
    etag = headers["ETag"]
    assert fetch(post.url, {"If-None-Match": etag})[0] == 304  # same night, same page
    assert web.request_log(site)[-1].conditional
    home_before = fetch(web.url(site, "/"))[2]
    sitemap_before = fetch(web.url(site, "/wp-sitemap-posts-post-1.xml"))[1]["ETag"]
    web.next_night()
    status, headers, second = fetch(post.url, {"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag and second != first
    assert fetch(web.url(site, "/"))[2] != home_before
    assert fetch(web.url(site, "/wp-sitemap-posts-post-1.xml"))[1]["ETag"] == sitemap_before
    texts = {extract(body, post.url).article.text for body in (first, second)}  # type: ignore[union-attr]
    assert texts == {post.text}
    top_bar = indonesian_date(web.today).encode()  # the top-bar date is tonight's
    assert top_bar in second and top_bar not in first


def test_per_request_noise_and_last_modified_only_makes(web: RegionalWeb) -> None:
    cms = by_make(web, "custom-cms")
    url = web.expected_articles(cms)[0].url
    tags = {fetch(url)[1]["ETag"] for _ in range(3)}
    assert len(tags) == 3
    goid = by_make(web, "goid-joomla")
    url = web.expected_articles(goid)[0].url
    _, headers, _ = fetch(url)
    assert "ETag" not in headers
    since = {"If-Modified-Since": headers["Last-Modified"]}
    assert fetch(url, since)[0] == 304
    web.next_night()
    assert fetch(url, since)[0] == 200


# --- mutations -----------------------------------------------------------------------------------


def test_backdated_post_lands_on_listing_page_3_with_a_fresh_modified_date(
    web: RegionalWeb,
) -> None:
    for make in ("portal-listings", "wordpress-rest"):
        site = by_make(web, make)
        data = web.sites[site]
        post = web.add_post(site, min_page=3)
        assert post.backdated and post.published < post.modified - timedelta(days=3)
        pages = web.listing_pages_of(site, post.url)
        assert pages and min(pages.values()) >= 3
        assert post in web.expected_articles(site)
        for root, page in pages.items():
            status, _, body = fetch(web.url(site, data.listing_path(root, page)))
            assert status == 200 and post.path.encode() in body
    # WordPress: `after` (publication date) misses it, `modified_after` finds it.
    site = by_make(web, "wordpress-rest")
    since = (post.modified - timedelta(minutes=1)).isoformat().replace("+", "%2B")
    assert rest_get(web, site, f"after={since}")[1]["X-WP-Total"] == "0"
    _, _, found = rest_get(web, site, f"modified_after={since}&_fields=link")
    assert found == [{"link": post.url}]


def test_edit_moves_the_modified_date_everywhere_the_make_shows_it(web: RegionalWeb) -> None:
    site = by_make(web, "wordpress-rest")
    before = web.expected_articles(site)[2]
    edited = web.edit_post(site, before.url)
    assert edited.modified > before.modified and edited.key_sentence not in before.text
    assert edited.text.startswith(before.text)
    assert web.expected_articles(site)[2].text == edited.text
    assert before.text != edited.text  # the earlier snapshot kept its text
    record = extract(fetch(edited.url)[2], edited.url).article
    assert record is not None and record.text == edited.text
    sitemap = ElementTree.fromstring(fetch(web.url(site, "/post-sitemap.xml"))[2])
    lastmod = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in sitemap.iter(f"{SM}url")}
    stamp = edited.modified.astimezone(UTC).isoformat(timespec="seconds")
    assert lastmod[edited.url] == stamp
    _, _, posts = rest_get(web, site, "orderby=modified&per_page=1&_fields=link,modified_gmt")
    assert posts[0]["link"] == edited.url  # type: ignore[index]
    atom = ElementTree.fromstring(fetch(web.url(site, "/feed/atom/"))[2])
    updated = {
        e.find(f"{ATOM}link").get("href"): e.findtext(f"{ATOM}updated")  # type: ignore[union-attr]
        for e in atom.iter(f"{ATOM}entry")
    }
    assert updated[edited.url] == stamp


def test_request_log_records_site_path_status_bytes_and_conditional(web: RegionalWeb) -> None:
    web.clear_request_log()
    site = by_make(web, "portal-listings")
    _, _, body = fetch(web.url(site, "/terkini?page=2"))
    fetch(web.url(site, "/feed/"), {"If-None-Match": '"x"'})
    log = web.request_log(site)
    assert [(r.path, r.status, r.bytes, r.conditional) for r in log] == [
        ("/terkini?page=2", 200, len(body), False),
        ("/feed/", 404, log[1].bytes, True),
    ]
    assert all(r.site == site and r.night == web.night for r in log)
    assert web.request_log(by_make(web, "custom-cms")) == []
    web.clear_request_log()
    assert web.request_log() == []


def test_module_entry_point_serves_and_writes_a_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = tmp_path / "sites.toml"
    assert (
        main(["--sites", "2", "--articles", "12", "--registry", str(registry)], wait=lambda: None)
        == 0
    )
    out = capsys.readouterr().out
    assert "kabarsriwijaya" in out and "wartarafflesia" in out and "Serving" in out
    assert [e.name for e in load_registry(registry)] == ["kabarsriwijaya", "wartarafflesia"]


def test_a_small_web_with_one_category_still_takes_a_post_backdated_to_page_3() -> None:
    with RegionalWeb(sites=2, articles_per_site=30, categories=1, seed=5) as small:
        assert [small.features(n)["make"] for n in small.site_names] == [
            "wordpress-rest",
            "portal-listings",
        ]
        for name in small.site_names:
            post = small.add_post(name, min_page=3)
            assert min(small.listing_pages_of(name, post.url).values()) == 3
        with pytest.raises(ValueError, match="too few to reach listing page 5"):
            small.add_post(small.site_names[0], min_page=5)


def test_wordpress_atom_by_modified_date_and_joomla_listing_modify_dates(web: RegionalWeb) -> None:
    def links(body: bytes) -> list[str]:
        root = ElementTree.fromstring(body)
        return [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]  # type: ignore[union-attr]

    for make in ("wordpress-rest", "wordpress-core", "wordpress-feed"):
        site = by_make(web, make)
        edited = web.edit_post(site, web.expected_articles(site)[60].url)
        status, headers, body = fetch(web.url(site, "/feed/atom/?orderby=modified"))
        assert status == 200 and "atom" in headers["Content-Type"], make
        first = links(body)
        assert len(first) == 10 and first[0] == edited.url, make
        second = links(fetch(web.url(site, "/feed/atom/?orderby=modified&paged=2"))[2])
        assert len(second) == 10 and not set(first) & set(second), make
        assert fetch(web.url(site, "/feed/atom/?orderby=modified&paged=99"))[0] == 404
    goid = by_make(web, "goid-joomla")
    edited = web.edit_post(goid, web.expected_articles(goid)[4].url)
    status, _, body = fetch(web.url(goid, "/berita"))
    local = edited.modified.astimezone(WIB)
    shown = f"Terakhir diperbarui: {indonesian_date(local)} {local:%H:%M} WIB"
    assert status == 200 and shown in body.decode("windows-1252")
    page = HtmlResponse(web.url(goid, "/berita"), body=body, encoding="windows-1252")
    own = {p.url for p in web.expected_articles(goid)[:10]}
    dates = shown_change_dates(page, own, canonicalize)
    assert set(dates) == own
    assert dates[edited.url] == local.replace(second=0).astimezone(UTC)
