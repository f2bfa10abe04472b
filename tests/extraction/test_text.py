"""trafilatura's text: layout tables unwrapped, one-cell boxes as plain paragraphs."""

from __future__ import annotations

from lxml.html import fromstring, tostring
from trafilatura.metadata import extract_metadata

from archive.extraction import extract_body_text
from archive.extraction.decode import read_page
from archive.extraction.text import _metadata, unwrap_layout_tables
from tests.extraction.pages import CASES, article_of, fixture


def test_extract_body_text_ignores_the_verdict() -> None:
    case = CASES[2]
    text = extract_body_text(fixture(case.file), case.url)
    assert text == article_of(case).text
    assert extract_body_text(b"%PDF-1.4", case.url) == ""


def test_layout_tables_become_divs_but_data_tables_and_boxes_stay() -> None:
    tree = fromstring(
        "<html><body>"
        '<table id="module"><tr><th>Statistik Pengunjung</th></tr><tr><td>312</td></tr></table>'
        '<table id="heading"><tr><td>Judul</td><td>Cetak</td></tr></table>'
        '<table id="data"><tr><th>Kabupaten</th><th>Akseptor</th></tr>'
        "<tr><td>Palembang</td><td>1.204</td></tr></table>"
        '<table id="box"><tr><td>“Kutipan dari narasumber.”</td></tr></table>'
        "</body></html>"
    )
    unwrap_layout_tables(tree)
    tags = {element.get("id"): element.tag for element in tree.iter() if element.get("id")}
    assert tags == {"module": "div", "heading": "div", "data": "table", "box": "table"}
    assert not tree.xpath("//div[@id='module']//td | //div[@id='heading']//td")


def test_one_cell_table_reads_as_a_plain_paragraph() -> None:
    paragraph = "<p>" + "Kader posyandu mendampingi keluarga berisiko stunting. " * 8 + "</p>"
    quote = "“Kampung KB yang hidup adalah yang kelompok kegiatannya berjalan,” tegasnya."
    body = (
        f"<html><body><article><h1>Judul</h1>{paragraph}"
        f"<table><tr><td>{quote}</td></tr></table>{paragraph}</article></body></html>"
    ).encode()
    text = extract_body_text(body, "https://x.example/berita/kampung-kb-yang-hidup/")
    assert f"\n\n{quote}\n\n" in text
    assert "|" not in text


def test_metadata_pass_reads_what_trafilatura_extract_metadata_reads() -> None:
    # warta runs trafilatura's metadata steps itself, leaving out the fields it never reads;
    # an upgrade of trafilatura that changes its sequence shows here.
    params = {"extensive_search": False, "original_date": True, "min_date": "1995-01-01"}
    for case in CASES:
        tree = read_page(fixture(case.file), None)
        before = tostring(tree)
        ours = _metadata(tree, case.url, params)
        assert tostring(tree) == before  # the tree is left as it was
        theirs = extract_metadata(tree, case.url, params)
        fields = ("title", "author", "description", "sitename", "date", "url")
        assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
