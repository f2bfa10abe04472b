"""The article's own headline, not the SEO title with the site name."""

from __future__ import annotations

import pytest

from archive.extraction import extract
from tests.extraction.pages import JOOMLA_CASES, NEUTRAL_URL, PELAYANAN, joomla_page


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        # The site name before the headline, and the WordPress / microdata heading markup.
        (f"BKKBN Sumsel :: {PELAYANAN}", f'<td><h2 class="entry-title">{PELAYANAN}</h2></td>'),
        (f"{PELAYANAN} | Berita | BKKBN Sumsel",
         f'<td><div itemprop="headline">{PELAYANAN}</div></td>'),
        # An SEO title cut short.
        ("Pelayanan KB Serentak di 17 Kabupaten... - BKKBN Sumsel", None),
        (f"{PELAYANAN} - BKKBN Sumsel", f"<td><h1>{PELAYANAN}</h1></td>"),
    ],
)
def test_the_heading_the_title_spells_out_is_the_title(title: str, heading: str | None) -> None:
    article = extract(joomla_page(title=title, heading=heading), JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.title == PELAYANAN


def test_a_sidebar_heading_the_title_does_not_spell_out_is_not_the_title() -> None:
    heading = f'<td class="contentheading">{PELAYANAN}</td><td><h2>Berita Terbaru</h2></td>'
    article = extract(joomla_page(heading=heading), JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.title == PELAYANAN


def test_a_lone_h1_beats_a_section_heading_a_generic_title_spells_out() -> None:
    heading = f'<td><h1>{PELAYANAN}</h1></td><td><h2 class="componentheading">Berita</h2></td>'
    body = joomla_page(title="Berita | Perwakilan BKKBN Provinsi Sumatera Selatan", heading=heading)
    article = extract(body, JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.title == PELAYANAN


@pytest.mark.parametrize(
    ("url", "head", "expected"),
    [
        # The suffix is the declared site name.
        (NEUTRAL_URL, '<meta property="og:site_name" content="BKKBN Sumsel">', PELAYANAN),
        # Every word of the suffix is in the host name.
        ("https://sumsel.bkkbn.go.id/berita/388-pelayanan-kb-serentak.html", "", PELAYANAN),
        # Nothing says what the suffix is: the whole <title>, never trafilatura's "BKKBN Sumsel".
        (NEUTRAL_URL, "", f"{PELAYANAN} - BKKBN Sumsel"),
    ],
)
def test_title_without_a_heading_loses_only_a_known_site_name(
    url: str, head: str, expected: str
) -> None:
    body = joomla_page(heading=f"<td>{PELAYANAN}</td>", head=head)
    article = extract(body, url).article
    assert article is not None
    assert article.title == expected


def test_site_name_inside_the_headline_stays() -> None:
    title = "Kampung KB Sehati Raih Juara – BKKBN Sumsel Beri Apresiasi"
    body = joomla_page(title=f"{title} - BKKBN Sumsel", heading="<td></td>",
                       head='<meta property="og:site_name" content="BKKBN Sumsel">')
    article = extract(body, JOOMLA_CASES[1].url).article
    assert article is not None
    assert article.title == title


def test_a_linked_section_label_h1_is_not_the_title() -> None:
    # republika: <h1> holds the channel link; the visible headline adds a prefix to og:title.
    body = (
        '<html><head><meta property="og:title" content="KPK Periksa Pejabat MA | Republika Online">'
        '<meta property="og:site_name" content="Republika Online"></head><body>'
        '<h1><a href="/kanal/inpicture">Inpicture</a></h1>'
        '<div class="jdl-pic">In Picture: KPK Periksa Pejabat MA</div>'
        '<div class="date-pic">Selasa, 23 Februari 2016, 17:15 WIB</div>'
        f"<div class='teaser'><p>{'Kasubdit Kasasi menjalani pemeriksaan di Gedung KPK. ' * 15}</p>"
        "</div></body></html>"
    ).encode()
    article = extract(body, "https://www.republika.example/berita/inpicture/16/02/23/kpk-periksa").article
    assert article is not None
    assert article.title == "In Picture: KPK Periksa Pejabat MA"
    assert article.published_at is not None and article.published_at.hour == 17
