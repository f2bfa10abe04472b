"""trafilatura without the work that cannot change warta's result (archive/extraction/lean.py)."""

from __future__ import annotations

import pytest
import trafilatura.core as trafilatura_core
import trafilatura.settings
from lxml.html import fromstring, tostring
from trafilatura.xpaths import (
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
)

import archive.extraction.lean as lean
from archive.extraction import extract
from archive.extraction.decode import read_page
from tests.extraction.pages import CASES, fixture


def _long_article(paragraphs: int) -> str:
    sentence = (
        "Penyuluh keluarga berencana di Kabupaten Banyuasin mendampingi keluarga berisiko "
        "stunting setiap pekan, mencatat berat dan tinggi badan anak di posyandu desa. "
    )
    # Numbered: trafilatura drops a paragraph that repeats one it has already kept.
    return "".join(f"<p>Laporan {n}. {sentence * 3}</p>" for n in range(paragraphs))


def _engaged() -> object:
    return lean._run.set(lean._Run(lean.RESCUE_BELOW_CHARS, frozenset()))  # no prune skipped


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
        lean._run.reset(token)
    assert "Banyuasin" in text and "menu" not in text
    assert "menu menu" in rescued_text and len(rescued_text) > len(text)


def test_outside_warta_trafilatura_keeps_its_own_cascade() -> None:
    # The benchmarks time plain trafilatura in the same process as warta's extractor: there,
    # readability's much longer reading still replaces a main text of a few paragraphs.
    options = trafilatura.settings.Extractor(precision=True)
    page = f"<html><body>{_long_article(3)}</body></html>"
    raw = fromstring(f"<html><body><article>{_long_article(12)}</article></body></html>")
    cleaned, backup = _prepared(page, options)
    assert not isinstance(backup, lean.DeferredBackup)
    _, longer = trafilatura_core._extract_and_compare(cleaned, backup, raw, options)
    token = _engaged()
    try:
        cleaned, backup = _prepared(page, options)
        _, kept = trafilatura_core._extract_and_compare(cleaned, backup, raw, options)
    finally:
        lean._run.reset(token)
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
            lean._run.reset(token)
        assert tostring(deferred.make()) == tostring(eager)


# The XPaths lean.GATES reads as "an id or class matching these regexes": a trafilatura release
# that changes one fails here.
GATED = {
    "raw": (RAW_TREE_PRUNE_XPATH[0], ".//*[self::div or self::section or self::aside][ re:test(@id,"
            " 'mvp-post-add-(?:box|wrap)|infinite-?scroll') or re:test(@class, 'mvp-post-add-"
            "(?:box|wrap)|infinite-?scroll')][ not(.//h1) or re:test(@id, 'mvp-post-add-(?:box|"
            "wrap)') or re:test(@class, 'mvp-post-add-(?:box|wrap)')]"),
    "comments and lists": (
        REMOVE_COMMENTS_AND_LISTS_XPATH[0],
        ".//*[self::div or self::list or self::section or self::details or self::ol or self::ul][ "
        "re:test(@id, '^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)') or "
        "re:test(@class, '^[Cc]omment(?!ary)|(?:article|post)-comments')][ not(self::ol or "
        "self::ul) or re:test(@id, '^(?:[Cc]omment(?!ary)|comol)') or re:test(@class, "
        "'^[Cc]omment(?!ary)|(?:article|post)-comments')]"),
    "comments": (
        REMOVE_COMMENTS_XPATH[0],
        ".//*[self::div or self::list or self::section or self::details][ re:test(@id, "
        "'^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)') or re:test(@class, "
        "'^[Cc]omment(?!ary)|(?:article|post)-comments')]"),
}


def test_the_gated_xpaths_are_trafilaturas() -> None:
    assert len(lean.GATES) == len(GATED)
    for gate, (expression, text) in zip(lean.GATES, GATED.values(), strict=True):
        assert gate.expression is expression
        assert " ".join(expression.path.split()) == " ".join(text.split())
        assert f"re:test(@id, '{gate.id_regex.pattern}')" in text
        assert f"re:test(@class, '{gate.class_regex.pattern}')" in text


# (markup, whether the comment prunes run): they run wherever their XPath may select something.
COMMENT_PAGES = [
    ('<div id="comments">x</div>', True),
    ('<section class="comment-list">x</section>', True),
    ('<div class="entry post-comments">x</div>', True),
    ('<div id="disqus_thread"></div>', True),
    ('<div class="commentary">x</div>', False),
    ('<div class="no-comments">x</div>', False),  # "comments" not at the start
    ('<p class="comment">x</p>', True),  # a class on any element counts
    ('<div class="a\ncomment">x</div>', True),  # selects nothing, but runs: the safe side
]


@pytest.mark.parametrize(("markup", "runs"), COMMENT_PAGES)
def test_a_comment_prune_is_skipped_only_where_it_selects_nothing(markup: str, runs: bool) -> None:
    tree = fromstring(f"<html><body><article><p>Teks.</p>{markup}</article></body></html>")
    idle = lean.idle_prunes(tree)
    for gate in lean.GATES[1:]:
        assert (gate.expression not in idle) is runs
        if gate.expression(tree):
            assert runs


def test_skipping_idle_prunes_changes_no_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fixture pages have comment sections and pages without: each gives the same record
    # with the idle prunes skipped as with every prune run.
    gated = [extract(fixture(case.file), case.url) for case in CASES]
    skipped = sum(len(lean.idle_prunes(read_page(fixture(case.file), None))) for case in CASES)
    monkeypatch.setattr(lean, "idle_prunes", lambda _tree: frozenset())
    assert [extract(fixture(case.file), case.url) for case in CASES] == gated
    assert skipped > 0
