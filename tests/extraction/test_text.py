"""trafilatura's text: layout tables unwrapped, one-cell boxes as plain paragraphs."""

from __future__ import annotations

import trafilatura
import trafilatura.core as trafilatura_core
import trafilatura.settings
from lxml.html import fromstring, tostring
from trafilatura.metadata import extract_metadata

import archive.extraction.text as text_module
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



def _long_article(paragraphs: int) -> str:
    sentence = (
        "Penyuluh keluarga berencana di Kabupaten Banyuasin mendampingi keluarga berisiko "
        "stunting setiap pekan, mencatat berat dan tinggi badan anak di posyandu desa. "
    )
    # Numbered: trafilatura drops a paragraph that repeats one it has already kept.
    return "".join(f"<p>Laporan {n}. {sentence * 3}</p>" for n in range(paragraphs))


def _engaged() -> object:
    return text_module._rescue_below.set(text_module.RESCUE_BELOW_CHARS)


def _prepared(page: str, options: trafilatura.settings.Extractor) -> tuple[object, object]:
    return trafilatura_core._prepare_tree(fromstring(page), options, None)


def test_the_fallback_cascade_runs_only_for_a_short_or_deficient_main_text() -> None:
    # A main text of several paragraphs is kept as it is: readability never runs, so its
    # different reading of the raw tree (the whole page here) cannot replace it.
    options = trafilatura.settings.Extractor(precision=True)
    raw = fromstring(f"<html><body><div>{'menu ' * 2000}</div>{_long_article(4)}</body></html>")
    token = _engaged()
    try:
        cleaned, backup = _prepared(f"<html><body>{_long_article(4)}</body></html>", options)
        _, text = trafilatura_core._extract_and_compare(cleaned, backup, raw, options)
        # The same text without paragraphs is deficient: trafilatura's cascade decides.
        words = fromstring(_long_article(4)).text_content()
        cleaned, backup = _prepared(f"<html><body><div>{words}</div></body></html>", options)
        _, rescued_text = trafilatura_core._extract_and_compare(cleaned, backup, raw, options)
    finally:
        text_module._rescue_below.reset(token)
    assert "Banyuasin" in text and "menu" not in text
    assert "menu menu" in rescued_text and len(rescued_text) > len(text)


def test_outside_warta_trafilatura_keeps_its_own_cascade() -> None:
    # The benchmarks time plain trafilatura in the same process as warta's extractor: there,
    # readability's much longer reading still replaces a main text of a few paragraphs.
    options = trafilatura.settings.Extractor(precision=True)
    page = f"<html><body>{_long_article(3)}</body></html>"
    raw = fromstring(f"<html><body><article>{_long_article(12)}</article></body></html>")
    cleaned, backup = _prepared(page, options)
    assert not isinstance(backup, text_module._DeferredBackup)
    _, longer = trafilatura_core._extract_and_compare(cleaned, backup, raw, options)
    token = _engaged()
    try:
        cleaned, backup = _prepared(page, options)
        _, kept = trafilatura_core._extract_and_compare(cleaned, backup, raw, options)
    finally:
        text_module._rescue_below.reset(token)
    assert len(longer) > 2 * len(kept) > 0


def test_the_deferred_backup_is_the_tree_trafilatura_would_have_copied() -> None:
    options = trafilatura.settings.Extractor(precision=True, tables=True, comments=False)
    for case in CASES:
        tree = read_page(fixture(case.file), None)
        assert not isinstance(tree, type(None))
        _, eager = trafilatura_core._prepare_tree(tree, options, case.url)
        token = _engaged()
        try:
            _, deferred = trafilatura_core._prepare_tree(tree, options, case.url)
        finally:
            text_module._rescue_below.reset(token)
        assert tostring(deferred.make()) == tostring(eager)
