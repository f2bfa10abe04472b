"""PageSignals: the page's declarations read once — headline, dateline next to it, media pages."""

from __future__ import annotations

from lxml.html import fromstring

from archive.extraction.signals import PageSignals, read_signals

URL = "https://kabar.example/baca/4101/rembuk-stunting"


def signals(body: str, head: str = "") -> PageSignals:
    html = f"<html><head><title>Rembuk Stunting Kota - KabarKota</title>{head}</head>"
    return read_signals(fromstring(f"{html}<body>{body}</body></html>"), URL)


LONG = "<p>" + "Pemerintah kota menggelar rembuk stunting bersama kader posyandu. " * 5 + "</p>"


def test_the_dateline_under_the_headline_whatever_its_class() -> None:
    found = signals(
        '<div class="bar-atas">Jumat, 14/06/2024</div>'
        '<h1 class="judul">Rembuk Stunting Kota</h1>'
        '<div class="info"><span class="x">Redaksi</span> '
        f'<span class="y">Rabu, 12/06/2024 14:30 WIB</span></div>{LONG}'
        '<div class="box-populer"><span>Senin, 10/06/2024 09:00 WIB</span></div>'
    )
    assert found.headline == "Rembuk Stunting Kota"
    assert "Rabu, 12/06/2024 14:30 WIB" in found.datelines
    assert "Senin, 10/06/2024 09:00 WIB" not in found.datelines


def test_sidebar_and_related_boxes_are_never_datelines() -> None:
    found = signals(
        '<h1>Rembuk Stunting Kota</h1><div class="related-posts"><span>Senin, 10/06/2024</span>'
        f'</div><div class="widget_recent"><span>Selasa, 11/06/2024</span></div>{LONG}'
    )
    assert found.datelines == ()


def test_a_linked_section_label_h1_is_not_the_headline() -> None:
    found = signals('<h1><a href="/kanal/inpicture">Inpicture</a></h1>'
                    '<div class="jdl">Rembuk Stunting Kota</div>')
    assert found.h1s == ()
    assert found.headline == "Rembuk Stunting Kota"


def test_a_plain_div_spelling_out_the_declared_title_is_the_headline() -> None:
    found = signals('<div class="h5">Rembuk Stunting Kota</div>'
                    '<div class="date-detail">Jumat , 17 February 2017, 13:16 WIB</div>')
    assert found.headline == "Rembuk Stunting Kota"
    assert found.datelines == ("Jumat , 17 February 2017, 13:16 WIB",)


def test_photo_pages_and_their_captions() -> None:
    found = read_signals(
        fromstring("<html><body><h1>Senam Bersama</h1><figure><img src='a.png'><figcaption>"
                   "Ribuan warga mengikuti senam bersama di Benteng Kuto Besak.</figcaption>"
                   "</figure></body></html>"),
        "https://kabar.example/foto/4106/senam-bersama",
    )
    assert found.media_page
    assert found.captions == ("Ribuan warga mengikuti senam bersama di Benteng Kuto Besak.",)
    assert not signals(LONG).media_page
