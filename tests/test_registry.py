"""spiders.registry and spiders.loader: the real registry loads, broken ones fail on one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from spiders.loader import RegistrySpiderLoader, RegistryUsageError, build_spider_class
from spiders.news import NewsSpider
from spiders.registry import RegistryError, SiteEntry, load_registry

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "spiders" / "sites.toml"

GOOD = """
[[site]]
name = "alpha"
home_url = "https://alpha.test/"
province = "Lampung"

[[site]]
name = "beta"
home_url = "http://127.0.0.1:8081"
province = "Bengkulu"
regency = "Kota Bengkulu"
"""


def write(tmp_path: Path, text: str, name: str = "sites.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def site_toml(**fields: str) -> str:
    """One [[site]] table; values are TOML literals, None-valued keys left out."""
    base = {"name": '"gamma"', "home_url": '"https://gamma.test/"', "province": '"Jambi"'}
    base.update(fields)
    body = "\n".join(f"{k} = {v}" for k, v in base.items() if v is not None)
    return GOOD + "\n[[site]]\n" + body + "\n"


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(RegistryError) as info:
        load_registry(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the real registry ----------------------------------------------------------------------------


def test_real_registry_loads_with_regions() -> None:
    entries = load_registry(SITES)
    assert len(entries) >= 12
    assert len({e.name for e in entries}) == len(entries)
    for entry in entries:
        assert entry.province, entry.name
        assert entry.language == "id"
        assert entry.home_url.startswith("https://"), entry.name
        assert entry.is_in_site(entry.home_url)


def test_real_registry_has_the_seed_outlets() -> None:
    by_name = {e.name: e for e in load_registry(SITES)}
    assert by_name["karyanasional"].province == "Lampung"
    assert by_name["maklumatnews"].regency == "Kabupaten Ogan Komering Ulu Selatan"
    assert by_name["sumexss"].regency == "Kabupaten Banyuasin"
    assert by_name["bkkbn-bengkulu"].province == "Bengkulu"
    assert by_name["bkkbn-sumsel"].province == "Sumatera Selatan"
    antara = by_name["antara-sumsel"]
    assert antara.article_url_pattern is not None
    assert antara.article_url_pattern.search("https://sumsel.antaranews.com/berita/745053/x")


def test_good_registry_values(tmp_path: Path) -> None:
    alpha, beta = load_registry(write(tmp_path, GOOD))
    assert alpha == SiteEntry(
        name="alpha",
        home_url="https://alpha.test/",
        province="Lampung",
        allowed_domains=("alpha.test",),
    )
    assert beta.home_url == "http://127.0.0.1:8081/"
    assert beta.regency == "Kota Bengkulu"
    assert beta.origins == ("http://127.0.0.1:8081",)
    assert beta.listing_depth is None
    assert beta.listing_page_pattern == "{url}page/{n}/"


def test_www_home_covers_the_bare_domain(tmp_path: Path) -> None:
    text = site_toml(home_url='"https://www.gamma.test/"')
    gamma = load_registry(write(tmp_path, text))[-1]
    assert gamma.allowed_domains == ("gamma.test",)
    assert gamma.is_in_site("https://gamma.test/x")
    assert gamma.origins == ("https://www.gamma.test:443", "https://gamma.test:443")


def test_all_optional_fields(tmp_path: Path) -> None:
    text = site_toml(
        allowed_domains='["gamma.test", "gamma-cdn.test"]',
        sitemap_urls='["https://gamma.test/news-sitemap.xml"]',
        feed_urls='["https://gamma.test/rss"]',
        listing_urls='["https://gamma.test/kategori/kb/"]',
        listing_page_pattern='"{url}?page={n}"',
        listing_depth="5",
        article_url_pattern="'/read/\\d+/'",
        ignore_url_patterns="['/video/', '/foto/']",
        strip_query_params='["src"]',
        spider='"spiders.news:NewsSpider"',
        schedule='"30 2 * * *"',
        timezone='"Asia/Jakarta"',
        language='"id"',
    )
    gamma = load_registry(write(tmp_path, text))[-1]
    assert gamma.has_hints
    assert gamma.listing_depth == 5
    assert gamma.article_url_pattern is not None
    assert gamma.article_url_pattern.pattern == r"/read/\d+/"
    assert [p.pattern for p in gamma.ignore_url_patterns] == ["/video/", "/foto/"]
    assert gamma.strip_query_params == ("src",)
    assert gamma.schedule == "30 2 * * *"
    assert gamma.timezone == "Asia/Jakarta"


# --- one failure per kind -------------------------------------------------------------------------


def test_missing_field(tmp_path: Path) -> None:
    message = error_for(tmp_path, site_toml(province=None))  # type: ignore[arg-type]
    assert message.endswith("sites.toml: site #3 'gamma': field 'province': missing (required)")


def test_missing_name_still_names_the_entry_by_position(tmp_path: Path) -> None:
    message = error_for(tmp_path, site_toml(name=None))  # type: ignore[arg-type]
    assert "sites.toml: site #3: field 'name': missing (required)" in message


def test_bad_url(tmp_path: Path) -> None:
    message = error_for(tmp_path, site_toml(name='"antara-sumsel"', home_url='"antara"'))
    assert message.endswith(
        "sites.toml: site #3 'antara-sumsel': field 'home_url': "
        "not an absolute http(s) URL: 'antara'"
    )


@pytest.mark.parametrize(
    "url", ['"ftp://gamma.test/"', '"https://gamma.test:99999/"', '"//gamma.test/"']
)
def test_bad_url_variants(tmp_path: Path, url: str) -> None:
    assert "field 'home_url'" in error_for(tmp_path, site_toml(home_url=url))


def test_source_url_outside_the_site(tmp_path: Path) -> None:
    message = error_for(tmp_path, site_toml(sitemap_urls='["https://elsewhere.test/s.xml"]'))
    assert "site #3 'gamma': field 'sitemap_urls': not inside the site" in message
    assert "'https://elsewhere.test/s.xml'" in message


def test_source_url_on_another_port(tmp_path: Path) -> None:
    text = site_toml(
        home_url='"http://127.0.0.1:8082/"', feed_urls='["http://127.0.0.1:8083/feed/"]'
    )
    assert "field 'feed_urls': not inside the site" in error_for(tmp_path, text)


def test_bad_regex(tmp_path: Path) -> None:
    message = error_for(tmp_path, site_toml(article_url_pattern="'/berita/(\\d+/'"))
    assert "site #3 'gamma': field 'article_url_pattern': bad regex '/berita/(\\\\d+/'" in message


def test_bad_regex_in_list(tmp_path: Path) -> None:
    message = error_for(tmp_path, site_toml(ignore_url_patterns="['ok', '[unclosed']"))
    assert "field 'ignore_url_patterns': bad regex '[unclosed'" in message


def test_duplicate_name(tmp_path: Path) -> None:
    message = error_for(tmp_path, site_toml(name='"alpha"'))
    assert message.endswith("site #3 'alpha': field 'name': duplicate of site #1")


def test_unknown_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, site_toml(homeurl='"https://gamma.test/"'))
    assert message.endswith(
        "site #3 'gamma': field 'homeurl': unknown key; did you mean 'home_url'?"
    )


def test_unknown_top_level_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, "version = 2\n" + GOOD)
    assert "unknown top-level key 'version'" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("listing_depth", '"3"', "expected an integer, got string '3'"),
        ("listing_depth", "true", "expected an integer, got boolean True"),
        ("sitemap_urls", '"https://gamma.test/s.xml"', "expected a list of strings, got string"),
        ("feed_urls", "[1]", "item 1: expected a non-empty string, got integer 1"),
        ("province", "7", "expected a string, got integer 7"),
        ("regency", '""', "must not be empty"),
    ],
)
def test_wrong_type(tmp_path: Path, field: str, value: str, expected: str) -> None:
    message = error_for(tmp_path, site_toml(**{field: value}))
    assert f"site #3 'gamma': field {field!r}: {expected}" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", '"Antara Sumsel"', "must match [a-z0-9][a-z0-9_-]*"),
        ("listing_depth", "0", "must be at least 1, got 0"),
        ("listing_page_pattern", '"{url}page/"', "must contain {url} and {n}"),
        ("listing_page_pattern", '"{url}{n}/{x}"', "only {url} and {n} may be used"),
        ("language", '"Indonesian"', "expected an ISO 639-1 code"),
        ("allowed_domains", '["https://gamma.test/"]', "not a lower-case host name"),
        ("allowed_domains", '["other.test"]', "does not cover the home_url host 'gamma.test'"),
        ("spider", '"spiders.news.NewsSpider"', "expected 'module:Class'"),
        ("schedule", '"every night"', "expected a 5-field cron expression"),
        ("schedule", '"99 1 * * *"', "bad cron expression"),
        ("timezone", '"Asia/Palembang"', "unknown IANA time zone"),
    ],
)
def test_bad_values(tmp_path: Path, field: str, value: str, expected: str) -> None:
    message = error_for(tmp_path, site_toml(**{field: value}))
    assert "site #3" in message and f"field {field!r}: {expected}" in message


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    text = GOOD + '\n[[site]]\nname = "gamma\n'
    bad_line = text.count("\n")  # the unterminated string is on the last line
    message = error_for(tmp_path, text)
    assert "sites.toml: invalid TOML:" in message
    assert f"(at line {bad_line}, column" in message


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as info:
        load_registry(tmp_path / "missing.toml")
    assert "missing.toml: cannot read registry: No such file or directory" in str(info.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_bytes(GOOD.encode() + b"\n# \xff\n")
    with pytest.raises(RegistryError, match="invalid TOML: not UTF-8"):
        load_registry(path)


def test_empty_registry(tmp_path: Path) -> None:
    assert "no [[site]] entries" in error_for(tmp_path, "# nothing yet\n")


def test_site_must_be_a_table_array(tmp_path: Path) -> None:
    assert "no [[site]] entries" in error_for(tmp_path, 'site = "alpha"\n')


def test_error_carries_structured_fields(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as info:
        load_registry(write(tmp_path, site_toml(listing_depth="0")))
    assert info.value.field == "listing_depth"
    assert info.value.entry == "site #3 'gamma'"
    assert info.value.path is not None and info.value.path.endswith("sites.toml")


# --- loader ---------------------------------------------------------------------------------------


def loader_for(path: Path) -> RegistrySpiderLoader:
    return RegistrySpiderLoader.from_settings(Settings({"WARTA_SITES_FILE": str(path)}))


def test_loader_builds_one_spider_per_real_entry() -> None:
    loader = loader_for(SITES)
    names = [e.name for e in load_registry(SITES)]
    assert loader.list() == names
    for name in names:
        cls = loader.load(name)
        assert issubclass(cls, NewsSpider)
        assert cls.name == name
        assert cls.site.name == name


def test_loader_unknown_spider_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="Spider not found: nope"):
        loader_for(SITES).load("nope")


def test_loader_find_by_request_uses_the_port_rule(tmp_path: Path) -> None:
    loader = loader_for(write(tmp_path, GOOD))
    assert loader.find_by_request(Request("http://127.0.0.1:8081/x")) == ["beta"]
    assert loader.find_by_request(Request("http://127.0.0.1:8082/x")) == []
    assert loader.find_by_request(Request("https://www.alpha.test/x")) == ["alpha"]


def test_loader_custom_spider_class(tmp_path: Path) -> None:
    text = site_toml(spider='"tests.test_registry:CustomSpider"')
    cls = loader_for(write(tmp_path, text)).load("gamma")
    assert issubclass(cls, CustomSpider)
    assert cls.site.name == "gamma"


class CustomSpider(NewsSpider):
    """A site that needs code (used by test_loader_custom_spider_class)."""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"no_such_module_xyz:Spider"', "cannot import 'no_such_module_xyz'"),
        ('"spiders.news:Nope"', "module 'spiders.news' has no 'Nope'"),
        ('"spiders.registry:SiteEntry"', "'spiders.registry:SiteEntry' is not a subclass of"),
    ],
)
def test_loader_bad_custom_spider(tmp_path: Path, value: str, expected: str) -> None:
    loader = loader_for(write(tmp_path, site_toml(spider=value)))
    with pytest.raises(RegistryError) as info:
        loader.list()
    assert "site #3 'gamma': field 'spider': " + expected in str(info.value)


def test_loader_is_lazy_and_raises_a_usage_error(tmp_path: Path) -> None:
    loader = loader_for(write(tmp_path, site_toml(home_url='"antara"')))  # constructing is fine
    with pytest.raises(RegistryUsageError) as info:
        loader.list()
    assert isinstance(info.value, UsageError) and isinstance(info.value, RegistryError)
    assert info.value.print_help is False
    assert info.value.field == "home_url"


def test_spider_class_for_entry_is_named_after_it() -> None:
    entry = load_registry(SITES)[0]
    cls = build_spider_class(entry)
    assert cls.__name__.endswith("Spider") and cls.name == entry.name


# --- command line ---------------------------------------------------------------------------------


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_scrapy_list_lists_every_real_site() -> None:
    result = scrapy("list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == sorted(e.name for e in load_registry(SITES))


@pytest.mark.parametrize("command", [["list"], ["crawl", "alpha"]])
def test_scrapy_with_broken_registry_prints_one_line(tmp_path: Path, command: list[str]) -> None:
    bad = write(tmp_path, site_toml(name='"antara-sumsel"', home_url='"antara"'))
    result = scrapy(*command, "-s", f"WARTA_SITES_FILE={bad}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        "site #3 'antara-sumsel': field 'home_url': not an absolute http(s) URL: 'antara'"
    )
    assert str(bad.name) in errors[0]
