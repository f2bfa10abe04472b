"""The foreign sample sites: built like the pages warta failed on, served by the same machinery."""

from __future__ import annotations

from warta.sampleweb import SampleWeb
from warta.sampleweb.content import load_sites
from warta.sampleweb.foreign import load_foreign_sites


def test_the_flag_adds_the_foreign_sites_and_keeps_the_default_web() -> None:
    default = {site.name for site in load_sites()}
    assert set(SampleWeb().sites) == default
    assert set(SampleWeb(foreign=True).sites) == default | {"foreign-kabarkota",
                                                              "foreign-diskominfo"}


def test_foreign_pages_look_like_the_failures() -> None:
    with SampleWeb(load_foreign_sites()) as web:
        cms = web.routes("foreign-kabarkota")
        portal = web.routes("foreign-diskominfo")
        truth = {a.url: a for a in web.expected_articles()}
        # Only /indeks?page=N lists the custom CMS's articles; no sitemap, no feed.
        assert "/indeks?page=2" in cms and "/sitemap.xml" not in cms and "/feed/" not in cms
        article = cms["/baca/4101/rembuk-stunting-kota-palembang-sepakati-delapan-aksi-konvergensi"]
        html = article.body.decode("utf-8")
        assert "Rabu, 12/06/2024 14:30 WIB" in html and "og:type" not in html
        # The portal: windows-1252 bytes, no charset anywhere, a sidebar of other dates first.
        page = portal[
            "/berita/768/pelayanan-kb-serentak-di-14-kecamatan-layani-1-320-akseptor.html"
        ]
        assert page.content_type == "text/html" and b"charset" not in page.body
        text = page.body.decode("cp1252")
        assert text.index("Berita Terpopuler") < text.index("Muara Beliti, Rabu (5/6/2024)")
        # Truth: a time only where the page states one.
        timed = {url: a.published_at is not None for url, a in truth.items()}
        assert sum(timed.values()) == 6 and len(timed) == 10
