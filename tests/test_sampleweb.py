"""warta.sampleweb: the bundled sample web serves what it promises, over real HTTP."""

from __future__ import annotations

import email.utils
import gzip
import html
import http.client
import re
import tomllib
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from warta.sampleweb import BOILERPLATE_LINES, WIB, Article, SampleWeb, dedup, load_sites
from warta.sampleweb.content import HARI, indonesian_date

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def web() -> Iterator[SampleWeb]:
    with SampleWeb() as running:
        yield running


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def page_text(headers: dict[str, str], body: bytes) -> str:
    """Decode as a browser would: HTTP charset, else the <meta> declaration, else UTF-8."""
    match = re.search(r"charset=([\w-]+)", headers.get("Content-Type", ""))
    if match is None:
        match = re.search(rb'charset=["\']?([\w-]+)', body[:1024])
        charset = match.group(1).decode() if match else "utf-8"
    else:
        charset = match.group(1)
    return html.unescape(body.decode(charset))


# --- content -------------------------------------------------------------------------------------


def test_sites_articles_and_seeds() -> None:
    sites = load_sites()
    themes = [s.style.theme for s in sites]
    assert themes.count("wordpress") >= 3
    assert themes.count("goid") == 1
    articles = [a for s in sites for a in s.real_articles()]
    assert len(articles) >= 30
    seeds = {a.seed: s.name for s in sites for a in s.real_articles() if a.seed}
    assert seeds == {
        "000_6104ce18899a4392": "demo-bkkbn-sumsel",
        "001_bdd9f609f2ce8db4": "demo-ipkb-bengkulu",
        "002_849f139b831a94ac": "demo-karyanasional",
        "003_a278296975319cc1": "demo-maklumatnews",
        "004_78d45e166ef4a858": "demo-sumeks-banyuasin",
    }
    titles = {a.title for a in articles}
    assert any("Penurunanan" in t for t in titles)
    text = "\n".join(a.text() for a in articles)
    assert "Bangka Kencana" in text
    assert "Bangka Belitung" in text and "Hotel Kencana" in text


def test_article_bodies_are_realistic_and_clean() -> None:
    for site in load_sites():
        for article in site.real_articles():
            where = f"{site.name}/{article.slug}"
            assert 150 <= article.word_count() <= 600, where
            assert len(article.key_sentences) >= 2, where
            for sentence in article.key_sentences:
                assert any(sentence in p for p in article.paragraphs()), (where, sentence)
            for line in BOILERPLATE_LINES:
                assert line not in article.text() and line not in article.title, (where, line)
        for notice in (a for a in site.articles if a.kind == "notice"):
            assert len(notice.text()) < 250  # too short for an article even with og:article


def test_weekdays_in_datelines_match_the_dates() -> None:
    # Seed 002 keeps its published "Selasa (23/2/2020)" (the event was in 2021): seeds are exempt.
    pattern = re.compile(rf"({'|'.join(HARI)})\W{{0,3}}\(?(\d{{1,2}})/(\d{{1,2}})/(\d{{2,4}})\)?")
    checked = 0
    for site in load_sites():
        for article in site.real_articles():
            if article.seed:
                continue
            for day, d, m, y in pattern.findall(article.text()):
                year = int(y) + (2000 if len(y) == 2 else 0)
                assert HARI[datetime(year, int(m), int(d)).weekday()] == day, (article.slug, day)
                checked += 1
    assert checked >= 15


# --- discovery surfaces --------------------------------------------------------------------------


def test_robots_sitemap_index_gzip_and_news_sitemap(web: SampleWeb) -> None:
    base = web.base_urls["demo-karyanasional"]
    status, headers, body = fetch(base + "robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    sitemaps = [
        ln.split(":", 1)[1].strip()
        for ln in body.decode().splitlines()
        if ln.startswith("Sitemap:")
    ]
    assert sitemaps == [base + "sitemap_index.xml", base + "news-sitemap.xml"]

    status, _, body = fetch(sitemaps[0])
    index = ElementTree.fromstring(body)
    assert index.tag == SM + "sitemapindex"
    children = [loc.text or "" for loc in index.iter(SM + "loc")]
    assert base + "post-sitemap2.xml.gz" in children

    status, headers, body = fetch(base + "post-sitemap2.xml.gz")
    assert status == 200 and headers["Content-Type"] == "application/x-gzip"
    assert "Content-Encoding" not in headers
    urlset = ElementTree.fromstring(gzip.decompress(body))
    locs = [u.findtext(SM + "loc") for u in urlset.iter(SM + "url")]
    gz_only = [a for a in web.expected_articles("demo-karyanasional") if a.only_via]
    assert [a.url for a in gz_only] and all(a.url in locs for a in gz_only)

    status, _, body = fetch(sitemaps[1])
    news = ElementTree.fromstring(body)
    dates = [d.text or "" for d in news.iter(NEWS + "publication_date")]
    assert len(dates) == 2 and all(datetime.fromisoformat(d).tzinfo for d in dates)


def test_wp_sitemap_is_not_announced_in_robots(web: SampleWeb) -> None:
    base = web.base_urls["demo-maklumatnews"]
    _, _, robots = fetch(base + "robots.txt")
    assert b"Sitemap:" not in robots
    status, _, body = fetch(base + "wp-sitemap.xml")
    assert status == 200
    assert ElementTree.fromstring(body).tag == SM + "sitemapindex"
    for path in ("sitemap_index.xml", "sitemap.xml", "news-sitemap.xml"):
        assert fetch(base + path)[0] == 404


def test_feeds_parse_and_are_announced(web: SampleWeb) -> None:
    base = web.base_urls["demo-maklumatnews"]
    _, headers, home = fetch(base)
    assert (
        f'type="application/rss+xml" title="Maklumat News &raquo; Feed" href="{base}feed/"'
        in home.decode()
    )
    assert f'href="{base}feed/atom/"' in home.decode()

    status, headers, body = fetch(base + "feed/")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    items = ElementTree.fromstring(body).findall("./channel/item")
    assert len(items) == 5
    for item in items:
        assert (item.findtext("link") or "").startswith(base)
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate") or "").tzinfo

    status, headers, body = fetch(base + "feed/atom/")
    assert headers["Content-Type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(body).findall(ATOM + "entry")
    assert [e.find(ATOM + "link").get("href") for e in entries] == [  # type: ignore[union-attr]
        i.findtext("link") for i in items
    ]


def test_exclusive_discovery_paths_hold(web: SampleWeb) -> None:
    """The promises the e2e tests rely on: some articles are linked from exactly one page."""
    exclusive = {a.url: a for a in web.expected_articles() if a.only_via}
    for article in exclusive.values():
        assert article.listed_on == article.only_via, article.url
    kinds = {
        urlsplit(u).path + ("?" + urlsplit(u).query if urlsplit(u).query else "")
        for a in exclusive.values()
        for u in a.only_via
    }
    assert kinds == {
        "/post-sitemap2.xml.gz",
        "/wp-sitemap-posts-post-1.xml",
        "/category/banyuasin/page/2/",
        "/category/banyuasin/page/3/",
        "/feed/",
        "/berita/?hal=2",
    }
    for article in web.expected_articles():
        assert article.listed_on, f"{article.url} is not discoverable"


def test_listing_pagination_and_custom_page_pattern(web: SampleWeb) -> None:
    base = web.base_urls["demo-sumeks-banyuasin"]
    _, _, page1 = fetch(base + "category/banyuasin/")
    assert f'<link rel="next" href="{base}category/banyuasin/page/2/">' in page1.decode()
    assert fetch(base + "category/banyuasin/page/3/")[0] == 200
    assert fetch(base + "category/banyuasin/page/4/")[0] == 404
    gov = web.base_urls["demo-bkkbn-sumsel"]
    _, _, listing = fetch(gov + "berita/")
    assert b'href="/berita/?hal=2"' in listing
    assert fetch(gov + "robots.txt")[0] == 404


# --- HTTP behaviour ------------------------------------------------------------------------------


def test_conditional_requests_answer_304_and_are_logged(web: SampleWeb) -> None:
    url = web.url("demo-karyanasional", "/feed/")
    status, headers, body = fetch(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    web.clear_request_log()
    assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, {"If-None-Match": '"other", W/' + headers["ETag"]})[0] == 304
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    earlier = email.utils.parsedate_to_datetime(headers["Last-Modified"]) - timedelta(seconds=1)
    assert (
        fetch(url, {"If-Modified-Since": email.utils.format_datetime(earlier, usegmt=True)})[0]
        == 200
    )
    assert (
        fetch(url, {"If-None-Match": '"stale"', "If-Modified-Since": headers["Last-Modified"]})[0]
        == 200
    )
    log = web.request_log("demo-karyanasional")
    assert [(r.status, r.conditional) for r in log] == [(304, True)] * 3 + [(200, True)] * 2
    assert [r.bytes_sent for r in log] == [0, 0, 0, len(body), len(body)]
    assert all(r.path == "/feed/" and r.method == "GET" for r in log)

    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.read() == b""
        assert int(response.headers["Content-Length"]) == len(body)


def test_windows_1252_site_decodes_as_declared(web: SampleWeb) -> None:
    article = next(
        a for a in web.expected_articles("demo-bkkbn-sumsel") if "André" in " ".join(a.paragraphs)
    )
    status, headers, body = fetch(article.url)
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("cp1252")
    assert "dr. André Siagian" in text and "–" in text
    sehati = next(a for a in web.expected_articles("demo-bkkbn-sumsel") if "“Sehati”" in a.title)
    assert html.escape(sehati.title, quote=False).encode("cp1252") in fetch(sehati.url)[2]


def test_redirects_and_404(web: SampleWeb) -> None:
    base = web.base_urls["demo-karyanasional"]
    host, port = urlsplit(base).hostname, urlsplit(base).port
    connection = http.client.HTTPConnection(host or "", port, timeout=5)
    connection.request("GET", "/tentang-kami")
    response = connection.getresponse()
    response.read()
    assert response.status == 301 and response.headers["Location"] == base + "tentang-kami/"
    connection.request("GET", "/?p=4121")
    response = connection.getresponse()
    response.read()
    assert response.status == 301 and "/2024/10/14/" in response.headers["Location"]
    connection.close()
    status, headers, _ = fetch(base + "no/such/page/")
    assert status == 404 and headers["Content-Type"].startswith("text/html")


# --- ground truth over HTTP ----------------------------------------------------------------------


def test_every_expected_article_answers_with_its_title_and_date(web: SampleWeb) -> None:
    truth = web.expected_articles()
    assert len(truth) >= 30 and len({a.url for a in truth}) == len(truth)
    for article in truth:
        status, headers, body = fetch(article.url)
        assert status == 200, article.url
        text = page_text(headers, body)
        assert f">{article.title}<" in text, article.url
        for sentence in article.key_sentences:
            assert sentence in text, (article.url, sentence)
        if article.date_source == "metadata":
            assert article.published_at is not None
            assert article.published_at.isoformat() in text, article.url
        else:
            # No machine-readable date anywhere on the page: only Indonesian text dates it.
            assert article.published_at is None
            assert article.published_date.isoformat() not in text, article.url
        if article.date_source == "byline-text":
            assert indonesian_date(article.published_date) in text, article.url


def test_non_articles_answer_with_their_types(web: SampleWeb) -> None:
    kinds = set()
    for item in web.non_articles():
        status, headers, body = fetch(item.url)
        assert status == 200, item.url
        assert headers["Content-Type"] == item.content_type
        kinds.add(item.kind)
        if item.kind == "file" and item.url.endswith(".pdf"):
            assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
        if item.kind == "file" and item.url.endswith(".png"):
            assert body.startswith(b"\x89PNG\r\n\x1a\n")
    assert {
        "home",
        "category",
        "tag",
        "author",
        "search",
        "page",
        "notice",
        "listing",
        "file",
    } <= kinds
    article_urls = {a.url for a in web.expected_articles()}
    assert not article_urls & set(web.non_article_urls())


def test_boilerplate_lines_are_really_injected(web: SampleWeb) -> None:
    pages = []
    for name in web.sites:
        for resource in web.routes(name).values():
            if resource.content_type.startswith("text/html"):
                pages.append(html.unescape(resource.body.decode(web.sites[name].style.encoding)))
    served = "\n".join(pages)
    missing = [line for line in BOILERPLATE_LINES if line not in served]
    assert not missing


# --- registry ------------------------------------------------------------------------------------


def test_registry_toml_loads_with_required_fields(web: SampleWeb, tmp_path: Path) -> None:
    path = web.registry_toml(tmp_path / "sites.toml")
    entries = tomllib.loads(path.read_text("utf-8"))["site"]
    assert [e["name"] for e in entries] == list(web.sites)
    hint_keys = ("sitemap_urls", "feed_urls", "listing_urls")
    for entry in entries:
        assert entry["home_url"] == web.base_urls[entry["name"]]
        assert entry["province"]
        for key in hint_keys:
            assert all(u.startswith(entry["home_url"]) for u in entry.get(key, []))
    assert any(not any(k in e for k in hint_keys) for e in entries)
    for key in (*hint_keys, "article_url_pattern", "listing_page_pattern", "listing_depth"):
        assert any(key in e for e in entries), key
    gov = next(e for e in entries if e["name"] == "demo-bkkbn-sumsel")
    assert re.search(
        gov["article_url_pattern"], next(a.url for a in web.expected_articles("demo-bkkbn-sumsel"))
    )

    registry = pytest.importorskip("spiders.registry")
    assert len(registry.load_registry(path)) == len(entries)


# --- mutation ------------------------------------------------------------------------------------


def test_mutations_bump_validators_and_ground_truth() -> None:
    with SampleWeb(latency=0.0) as web:
        home = web.url("demo-sumeks-banyuasin", "/")
        _, before, _ = fetch(home)
        article = Article(
            slug="posyandu-remaja-pertama-di-banyuasin-resmi-dibuka",
            title="Posyandu Remaja Pertama di Banyuasin Resmi Dibuka",
            published=datetime(2024, 10, 2, 9, 0, tzinfo=WIB),
            body=[
                "Kalimat pertama tentang posyandu remaja. " * 20,
                "Kalimat kedua yang khas sekali.",
            ],
            category="banyuasin",
            key_sentences=["Kalimat kedua yang khas sekali."],
        )
        web.add_article("demo-sumeks-banyuasin", article, at=datetime(2030, 1, 1, tzinfo=UTC))
        assert fetch(home, {"If-None-Match": before["ETag"]})[0] == 200
        assert fetch(home, {"If-Modified-Since": before["Last-Modified"]})[0] == 200
        status, _, body = fetch(web.url("demo-sumeks-banyuasin", article.path))
        assert status == 200 and article.title.encode() in body
        assert article.title.encode() in fetch(web.url("demo-sumeks-banyuasin", "/feed/"))[2]
        expected = web.expected_articles("demo-sumeks-banyuasin")
        assert any(a.url.endswith(article.path) for a in expected)

        url = web.url("demo-sumeks-banyuasin", article.path)
        _, first, _ = fetch(url)
        web.edit_article("demo-sumeks-banyuasin", article.slug, title="Judul Baru")
        status, second, body = fetch(url, {"If-Modified-Since": first["Last-Modified"]})
        assert status == 200 and b">Judul Baru<" in body
        assert email.utils.parsedate_to_datetime(second["Last-Modified"]) > (
            email.utils.parsedate_to_datetime(first["Last-Modified"])
        )
        assert "Judul Baru" in {a.title for a in web.expected_articles("demo-sumeks-banyuasin")}

        web.add_alias("demo-sumeks-banyuasin", article.slug, "/amp/posyandu-remaja/")
        assert fetch(web.url("demo-sumeks-banyuasin", "/amp/posyandu-remaja/"))[2] == body

        web.remove_article("demo-sumeks-banyuasin", article.slug)
        assert fetch(url)[0] == 404


# --- the dedup scenario (warta.sampleweb.dedup) --------------------------------------------------


@pytest.fixture(scope="module")
def dedup_web() -> Iterator[SampleWeb]:
    with SampleWeb(dedup=True) as running:
        yield running


def raw_get(url: str) -> tuple[int, str | None, bytes]:
    """One request, redirects not followed: (status, Location, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        return response.status, response.headers["Location"], response.read()
    finally:
        connection.close()


def test_dedup_scenario_is_off_by_default(web: SampleWeb) -> None:
    assert web.dedup_scenario is None
    with pytest.raises(RuntimeError):
        web.dedup_expectations()
    assert len(web.expected_articles()) == 32
    for name, site in web.sites.items():
        assert not site.style.trending
        assert not any(r.kind in ("amp", "print") for r in web.routes(name).values())
    assert b"Sedang Ramai" not in fetch(web.base_urls["demo-karyanasional"])[2]


def test_dedup_posts_are_realistic_clean_and_dated_right() -> None:
    posts = dedup.load_scenario_posts()
    assert Counter(p.role for p, _ in posts) == {
        "release": 1,
        "verbatim": 1,
        "edited": 2,
        "independent": 2,
    }
    dateline = re.compile(rf"({'|'.join(HARI)})\W{{0,3}}\(?(\d{{1,2}})/(\d{{1,2}})/(\d{{2,4}})\)?")
    for post, article in posts:
        assert 150 <= article.word_count() <= 600, post.slug
        assert len(article.key_sentences) >= 2, post.slug
        for sentence in article.key_sentences:
            assert any(sentence in p for p in article.paragraphs()), (post.slug, sentence)
        for line in (*BOILERPLATE_LINES, *dedup.VARIANT_BOILERPLATE_LINES):
            assert line not in article.text() and line not in article.title, (post.slug, line)
        for day, d, m, y in dateline.findall(article.text()):
            year = int(y) + (2000 if len(y) == 2 else 0)
            assert HARI[datetime(year, int(m), int(d)).weekday()] == day, (post.slug, day)


def test_dedup_copies_are_copies_and_reports_are_not() -> None:
    posts = {p.slug: (p, a) for p, a in dedup.load_scenario_posts()}
    (release,) = [a for p, a in posts.values() if p.role == "release"]
    ours = dedup.sentences(release.paragraphs())
    assert len(ours) == 14
    for post, article in posts.values():
        if post.role == "verbatim":
            assert article.body == release.body and article.title != release.title
        if post.role == "edited":
            assert article.title != release.title
            theirs = dedup.sentences(article.paragraphs())
            rewritten = [s for s in ours[1:] if s not in theirs]
            # The first sentence's dateline changes too; what counts is what was reworded.
            assert len(rewritten) == post.edited_sentences, (post.slug, rewritten)
            assert 0.1 <= post.edited_sentences / len(ours) <= 0.3
    ipkb = next(a for p, a in posts.values() if p.site == "demo-ipkb-bengkulu")
    assert ipkb.paragraphs()[-1].startswith("Sumber: ")
    reports = [a for p, a in posts.values() if p.role == "independent"]
    quote = "“Angka stunting nasional baru turun 0,1 persen dalam setahun terakhir."
    for fact in (quote, "Drs. Rahmat Hidayat", "Hotel Novotel Bandar Lampung", "14,9 persen"):
        assert all(fact in a.text() for a in reports), fact
    assert reports[0].paragraphs()[0] != reports[1].paragraphs()[0]


def test_dedup_near_duplicate_design_holds(dedup_web: SampleWeb) -> None:
    """Edited copies well above the clustering threshold, independent reports and every other
    pair of the web well below it (so the release's is the only multi-article story)."""
    neardup = pytest.importorskip("archive.identity.neardup")
    texts = {a.url: "\n\n".join(a.paragraphs) for a in dedup_web.expected_articles()}
    sigs = {url: neardup.signature(text) for url, text in texts.items()}
    expected = dedup_web.dedup_expectations()
    (story,) = expected.clusters
    for a in sigs:
        for b in sigs:
            if a < b:
                similarity = sigs[a].similarity(sigs[b])
                if a in story and b in story:
                    assert similarity >= 0.45, (a, b, similarity)
                else:
                    assert similarity < 0.2, (a, b, similarity)


def test_dedup_expectations_match_the_ground_truth(dedup_web: SampleWeb) -> None:
    expected = dedup_web.dedup_expectations()
    pages = {a.url for a in dedup_web.expected_articles()}
    assert len(pages) == 38
    assert set(expected.articles) == pages
    assert expected.url_kinds == {"canonical": 38, "alias": 2}
    (release,) = expected.outlets
    (copy,) = expected.copies
    assert expected.copies[copy] == release
    assert copy.startswith(dedup_web.base_urls["demo-maklumatnews"])
    assert release.startswith(dedup_web.base_urls["demo-bkkbn-sumsel"])
    assert expected.outlets[release] == set(dedup.SITES)
    (cluster,) = expected.clusters
    assert {release, copy} <= cluster and len(cluster) == 4
    (reports,) = expected.independent
    assert len(reports) == 2 and not reports & cluster
    assert {v.kind for v in expected.variants} == set(get_args(dedup.VariantKind))
    assert all(v.article_url in pages for v in expected.variants)


def test_dedup_variants_are_served_and_linked(dedup_web: SampleWeb) -> None:
    expected = dedup_web.dedup_expectations()
    for site in dedup.VARIANT_POSTS:
        home = fetch(dedup_web.base_urls[site])[2].decode()
        assert "Sedang Ramai" in home
    for variant in expected.variants:
        status, location, body = raw_get(variant.url)
        assert status == variant.status, variant
        if status == 301:
            assert location == variant.article_url, variant
            continue
        page = body.decode()
        _, _, own = raw_get(variant.article_url)
        canonical = f'<link rel="canonical" href="{html.escape(variant.article_url)}">'
        assert (canonical in page) is variant.declares_canonical, variant
        if variant.kind in ("tracking", "click-id", "fragment", "alias"):
            assert body == own, variant
        if variant.kind == "legacy":
            # The post's page from a cache of an older theme: no canonical, og:url or amphtml.
            head = [ln for ln in own.decode().split("\n") if "canonical" in ln or "og:url" in ln]
            head += [ln for ln in own.decode().split("\n") if 'rel="amphtml"' in ln]
            assert len(head) == 3
            assert page == "\n".join(ln for ln in own.decode().split("\n") if ln not in head)
        if variant.kind.startswith("amp"):
            assert "<html amp" in page
        if variant.kind.startswith("print"):
            assert "Artikel dicetak dari" in page
        # The post's text is on every variant page.
        article = next(a for a in dedup_web.expected_articles() if a.url == variant.article_url)
        for sentence in article.key_sentences:
            assert html.escape(sentence, quote=False) in page or sentence in page, variant
        # Linked where the scenario says: the trending block of every page, or the post itself.
        post = variant.linked_from == "post"
        linked_on = variant.article_url if post else dedup_web.base_urls[variant.site]
        href = f'href="{html.escape(variant.url)}"'
        assert href in fetch(linked_on)[2].decode(), variant


def test_dedup_scenario_keeps_every_article_discoverable(dedup_web: SampleWeb) -> None:
    for article in dedup_web.expected_articles():
        assert article.listed_on, f"{article.url} is not discoverable"
        if article.only_via:
            assert article.listed_on == article.only_via, article.url
    # The registry reads only the feed and a Berita sitemap on this site: the feed keeps all.
    base = dedup_web.base_urls["demo-ipkb-bengkulu"]
    items = ElementTree.fromstring(fetch(base + "feed/")[2]).findall("./channel/item")
    assert len(items) == len(dedup_web.site("demo-ipkb-bengkulu").articles)


def test_enabling_the_dedup_scenario_changes_running_pages_once() -> None:
    with SampleWeb() as running:
        home = running.url("demo-karyanasional", "/")
        _, before, _ = fetch(home)
        scenario = running.enable_dedup_scenario()
        assert running.enable_dedup_scenario() is scenario
        assert fetch(home, {"If-None-Match": before["ETag"]})[0] == 200
        assert len(running.expected_articles()) == 38
        assert len(running.site("demo-karyanasional").articles) == 10


# --- the aggregator scenario ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def aggregator_web() -> Iterator[SampleWeb]:
    with SampleWeb(aggregator=True) as running:
        yield running


def test_aggregator_is_off_by_default(web: SampleWeb) -> None:
    assert "demo-kabarsumbagsel" not in web.sites
    with pytest.raises(RuntimeError, match="aggregator is not enabled"):
        web.aggregator_expectations()


def test_aggregator_copies_are_published_after_their_sources(aggregator_web: SampleWeb) -> None:
    expected = aggregator_web.aggregator_expectations()
    truth = {a.url: a for a in aggregator_web.expected_articles()}
    assert len(expected.verbatim) == 3 and len(expected.edited) == 1
    for copy, source in expected.copies.items():
        assert copy.startswith(aggregator_web.base_urls[expected.site])
        assert truth[copy].published_date >= truth[source].published_date
        if copy in expected.verbatim:
            assert truth[copy].paragraphs == truth[source].paragraphs
        else:
            assert truth[copy].paragraphs != truth[source].paragraphs
        assert expected.outlets[source] == {expected.site, truth[source].site}
    # One of each: a day-only source copied the same day, a copy under a headline of its own.
    days = [truth[s].published_date == truth[c].published_date for c, s in expected.copies.items()]
    assert any(days)
    assert any(truth[c].title != truth[s].title for c, s in expected.verbatim.items())


def test_aggregator_near_duplicate_design_holds(aggregator_web: SampleWeb) -> None:
    """The edited copy well above the clustering threshold, every unrelated pair well below."""
    neardup = pytest.importorskip("archive.identity.neardup")
    expected = aggregator_web.aggregator_expectations()
    sigs = {
        a.url: neardup.signature("\n\n".join(a.paragraphs))
        for a in aggregator_web.expected_articles()
    }
    pairs = {frozenset(p) for p in expected.copies.items()}
    for a in sigs:
        for b in sigs:
            if a < b:
                similarity = sigs[a].similarity(sigs[b])
                if frozenset((a, b)) in pairs:
                    assert similarity >= 0.6, (a, b, similarity)
                else:
                    assert similarity < 0.2, (a, b, similarity)
