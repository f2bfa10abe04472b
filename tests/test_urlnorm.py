"""URL identity: every variant rule of normalise_url, and when a declared canonical is trusted."""

from __future__ import annotations

import pytest

from archive.identity.urlnorm import (
    canonical_url,
    declared_canonical,
    hosts_for_site,
    is_view_variant,
    normalise_url,
)

ARTICLE = "https://www.sumselnews.id/2024/05/rakerda-bangga-kencana"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host case; the path keeps its case
        ("HTTPS://WWW.SumselNews.ID/2024/05/Rakerda", "https://www.sumselnews.id/2024/05/Rakerda"),
        # default ports dropped, other ports kept
        ("https://www.sumselnews.id:443/a", "https://www.sumselnews.id/a"),
        ("http://www.sumselnews.id:80/a", "http://www.sumselnews.id/a"),
        ("http://127.0.0.1:8081/berita/1/", "http://127.0.0.1:8081/berita/1"),
        ("https://www.sumselnews.id:8443/a", "https://www.sumselnews.id:8443/a"),
        # fragments
        (ARTICLE + "#komentar", ARTICLE),
        # trailing slash: one rule, stripped except on the root
        (ARTICLE + "/", ARTICLE),
        ("https://www.sumselnews.id", "https://www.sumselnews.id/"),
        ("https://www.sumselnews.id/", "https://www.sumselnews.id/"),
        # dot segments, trailing dot of the host, user info
        ("https://www.sumselnews.id/a/../2024/./05/x", "https://www.sumselnews.id/2024/05/x"),
        ("https://user:pw@www.sumselnews.id./a", "https://www.sumselnews.id/a"),
        # tracking parameters (names compare case-insensitively)
        (ARTICLE + "/?utm_source=fb&utm_medium=social&UTM_Campaign=x", ARTICLE),
        (ARTICLE + "?fbclid=IwAR0abc&gclid=1&yclid=2&msclkid=3", ARTICLE),
        (ARTICLE + "?mc_cid=1&mc_eid=2&_ga=2.1&_gl=1*x&igshid=z", ARTICLE),
        (ARTICLE + "?ref=twitter&ref_src=twsrc", ARTICLE),
        # meaningful parameters kept, and the query sorted
        ("https://www.sumselnews.id/?p=123&utm_source=x", "https://www.sumselnews.id/?p=123"),
        ("https://x.id/index.php?page=2&id=55", "https://x.id/index.php?id=55&page=2"),
        ("https://x.id/berita?gallery=3", "https://x.id/berita?gallery=3"),
        ("https://x.id/a?output=json", "https://x.id/a?output=json"),
        # AMP: path segment (suffix or prefix), parameters, hosts
        (ARTICLE + "/amp/", ARTICLE),
        (ARTICLE + "/amp", ARTICLE),
        (
            "https://www.tribunnews.com/amp/regional/2024/05/x",
            "https://www.tribunnews.com/regional/2024/05/x",
        ),
        (ARTICLE + "?amp=1", ARTICLE),
        (ARTICLE + "/?amp", ARTICLE),
        (ARTICLE + "?output=amp", ARTICLE),
        (ARTICLE + "?outputType=amp", ARTICLE),
        ("https://amp.kompas.com/regional/read/1/x", "https://kompas.com/regional/read/1/x"),
        ("https://m.detik.com/news/d-1/x", "https://detik.com/news/d-1/x"),
        ("https://mobile.sumselnews.id/a", "https://sumselnews.id/a"),
        # print views
        (ARTICLE + "/print/", ARTICLE),
        ("https://x.id/print/2024/123", "https://x.id/2024/123"),
        (ARTICLE + "?print=1", ARTICLE),
        (ARTICLE + "?output=print&view=print", ARTICLE),
        # what must not be folded
        ("https://m.co.id/x", "https://m.co.id/x"),
        ("http://127.0.0.1:8081/m/x", "http://127.0.0.1:8081/m/x"),
        ("https://x.id/ampera/printer", "https://x.id/ampera/printer"),
        # percent-encoding normalised
        ("https://x.id/%7euser/caf%c3%a9", "https://x.id/~user/caf%C3%A9"),
        ("https://x.id/berita/tanpa judul", "https://x.id/berita/tanpa%20judul"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_normalise_url_is_idempotent() -> None:
    url = "https://M.Example.ID:443/amp/Berita/1/?utm_source=x&b=2&a=1#top"
    once = normalise_url(url)
    assert once == "https://example.id/Berita/1?a=1&b=2"
    assert normalise_url(once) == once


def test_site_strip_params_exact_and_prefix() -> None:
    url = "https://news.detik.com/berita/d-1/x?tag_from=wp_nhl&src_a=1&src_b=2&id=9&single=1"
    assert normalise_url(url) == (
        "https://news.detik.com/berita/d-1/x?id=9&single=1&src_a=1&src_b=2&tag_from=wp_nhl"
    )
    assert (
        normalise_url(url, strip_params=["tag_from", "SRC_*", "single"])
        == "https://news.detik.com/berita/d-1/x?id=9"
    )


@pytest.mark.parametrize("url", ["/berita/1", "ftp://x.id/a", "mailto:a@x.id", "https://", ""])
def test_normalise_url_rejects_non_http(url: str) -> None:
    with pytest.raises(ValueError):
        normalise_url(url)


# --- canonical_url: when the declared canonical is trusted ----------------------------------------

SITE = ["www.sumselnews.id"]


def test_no_declared_canonical_uses_the_fetched_url() -> None:
    fetched = ARTICLE + "/?utm_source=fb"
    assert canonical_url(fetched, None, site_hosts=SITE) == ARTICLE
    assert canonical_url(fetched, "  ", site_hosts=SITE) == ARTICLE


def test_declared_canonical_inside_the_site_is_trusted_and_normalised() -> None:
    declared = "https://www.sumselnews.id/2024/05/rakerda-bangga-kencana-2/"
    got = canonical_url(ARTICLE + "/amp/", declared, site_hosts=SITE)
    assert got == "https://www.sumselnews.id/2024/05/rakerda-bangga-kencana-2"


def test_relative_declared_canonical_is_resolved() -> None:
    got = canonical_url(ARTICLE + "/amp/", "/2024/05/rakerda#x", site_hosts=SITE)
    assert got == "https://www.sumselnews.id/2024/05/rakerda"


def test_off_site_canonical_is_ignored() -> None:
    # A syndicated copy pointing at the original outlet stays its own article here.
    got = canonical_url(ARTICLE, "https://www.antaranews.com/berita/1", site_hosts=SITE)
    assert got == ARTICLE


def test_lookalike_host_is_off_site() -> None:
    for declared in (
        "https://www.sumselnews.id.evil.com/x",
        "https://notsumselnews.id/x",
        "https://sumselnews.io/x",
    ):
        assert canonical_url(ARTICLE, declared, site_hosts=SITE) == ARTICLE


def test_mobile_amp_and_www_variants_count_as_the_site() -> None:
    for declared_host in ("sumselnews.id", "m.sumselnews.id", "amp.sumselnews.id"):
        got = canonical_url(ARTICLE, f"https://{declared_host}/kanal/x/", site_hosts=SITE)
        # folded to the site's listed www host
        assert got == "https://www.sumselnews.id/kanal/x"


def test_mobile_fetch_without_canonical_gets_the_listed_host() -> None:
    got = canonical_url("https://m.sumselnews.id/2024/05/x/", None, site_hosts=SITE)
    assert got == "https://www.sumselnews.id/2024/05/x"


def test_subdomains_follow_the_registry_semantics() -> None:
    declared = "https://sumsel.antaranews.com/berita/1"
    # "antaranews.com" owns its subdomains ...
    assert (
        canonical_url(
            "https://www.antaranews.com/berita/1", declared, site_hosts=["antaranews.com"]
        )
        == declared
    )
    # ... "www.antaranews.com" does not own its sibling sumsel.antaranews.com.
    assert (
        canonical_url(
            "https://www.antaranews.com/berita/1", declared, site_hosts=["www.antaranews.com"]
        )
        == "https://www.antaranews.com/berita/1"
    )


def test_port_aware_hosts_on_the_fixture_web() -> None:
    fetched = "http://127.0.0.1:8081/berita/1/amp/"
    here = ["127.0.0.1:8081"]
    assert canonical_url(fetched, "/berita/1/", site_hosts=here) == "http://127.0.0.1:8081/berita/1"
    # another fixture site on the same address, another port: off-site
    other = "http://127.0.0.1:8082/berita/9/"
    assert canonical_url(fetched, other, site_hosts=here) == "http://127.0.0.1:8081/berita/1"
    # an entry without a port matches any port of that host
    assert (
        canonical_url(fetched, other, site_hosts=["127.0.0.1"]) == "http://127.0.0.1:8082/berita/9"
    )
    # default ports: an entry "host:443" matches an https URL without a port
    assert (
        canonical_url("https://x.id/a", "https://x.id/b", site_hosts=["x.id:443"])
        == "https://x.id/b"
    )
    assert canonical_url("https://x.id/a", "https://x.id/b", site_hosts=["x.id:8443"]) == (
        "https://x.id/a"
    )


def test_home_url_entries_and_hosts_for_site() -> None:
    hosts = hosts_for_site("http://127.0.0.1:8081/", ["localhost"])
    assert hosts == ["127.0.0.1:8081", "localhost:8081"]
    assert hosts_for_site("https://www.x.id:443/", ["x.id"]) == ["www.x.id", "x.id"]
    assert hosts_for_site("http://[::1]:9000/") == ["[::1]:9000"]
    got = canonical_url(
        "http://127.0.0.1:8081/a", "http://127.0.0.1:8081/b/", site_hosts=["http://127.0.0.1:8081/"]
    )
    assert got == "http://127.0.0.1:8081/b"


def test_canonical_to_the_home_page_is_ignored_for_an_article() -> None:
    # Themes that put the home page in every page's canonical would collapse the site.
    assert canonical_url(ARTICLE, "https://www.sumselnews.id/", site_hosts=SITE) == ARTICLE
    # ... but the home page itself may say so.
    assert (
        canonical_url("https://www.sumselnews.id/?utm_source=x", "/", site_hosts=SITE)
        == "https://www.sumselnews.id/"
    )


def test_unusable_declared_canonical_is_ignored() -> None:
    for declared in ("javascript:void(0)", "mailto:redaksi@sumselnews.id", "http://", "//"):
        assert canonical_url(ARTICLE, declared, site_hosts=SITE) == ARTICLE


def test_declared_canonical_gets_the_site_strip_params() -> None:
    got = canonical_url(
        ARTICLE,
        ARTICLE + "?tag_from=wp_hl&id=3",
        site_hosts=SITE,
        strip_params=["tag_from"],
    )
    assert got == ARTICLE + "?id=3"


@pytest.mark.parametrize(
    ("url", "view"),
    [
        (ARTICLE + "/amp/", True),
        ("https://www.sumselnews.id/amp/2024/05/rakerda-bangga-kencana", True),
        (ARTICLE + "/?amp=1", True),
        (ARTICLE + "?amp", True),
        (ARTICLE + "/print/", True),
        (ARTICLE + "?print=1", True),
        (ARTICLE + "?output=amp", True),
        ("https://m.sumselnews.id/2024/05/rakerda-bangga-kencana", True),
        ("https://amp.sumselnews.id/2024/05/rakerda-bangga-kencana", True),
        # the page itself, however it is spelt
        (ARTICLE, False),
        (ARTICLE + "/?utm_source=fb&fbclid=x#komentar", False),
        (ARTICLE + "?noamp=mobile", False),
        (ARTICLE + "?output=json", False),
        ("https://www.sumselnews.id/?p=123", False),
        ("https://m.co.id/berita/1", False),
        ("http://127.0.0.1:8081/2024/05/amplop-bansos/", False),
    ],
)
def test_view_variants_are_recognised(url: str, view: bool) -> None:
    """A URL is a view variant exactly when normalising folds a view away."""
    assert is_view_variant(url) is view


def test_declared_canonical_says_whether_the_site_named_the_url() -> None:
    # Self-canonical: the same URL as the fetched one, but named by the page.
    assert declared_canonical(ARTICLE + "/", ARTICLE + "/", site_hosts=SITE) == ARTICLE
    assert declared_canonical(ARTICLE + "/amp/", "../", site_hosts=SITE) == ARTICLE
    # Nothing declared, or a declaration canonical_url does not trust.
    assert declared_canonical(ARTICLE, None, site_hosts=SITE) is None
    assert declared_canonical(ARTICLE, "  ", site_hosts=SITE) is None
    assert declared_canonical(ARTICLE, "https://www.sumselnews.id/", site_hosts=SITE) is None
    assert declared_canonical(ARTICLE, "https://other.id/a", site_hosts=SITE) is None
    assert declared_canonical(ARTICLE, "javascript:void(0)", site_hosts=SITE) is None
