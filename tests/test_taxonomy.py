"""The taxonomy file: loading, validation messages, version hash, user files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.tagging import Tagger
from archive.tagging.taxonomy import (
    DEFAULT_TAXONOMY_PATH,
    Taxonomy,
    TaxonomyError,
    load_taxonomy,
    normalise_text,
    parse_taxonomy,
)

MINIMAL = """
[tags.imunisasi]
description = "Child immunisation."
terms = ["imunisasi"]
"""


def write(tmp_path: Path, text: str, name: str = "taxonomy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped default -------------------------------------------------------------------------


def test_default_loads_with_the_issue_tags() -> None:
    tax = load_taxonomy()
    assert isinstance(tax, Taxonomy)
    assert set(tax.names) >= {"bangga-kencana", "stunting", "kb", "tpps", "posyandu"}
    for tag in tax.tags:
        assert tag.description
        assert tag.min_score > 0
        assert tag.title_weight > tag.body_weight
    assert tax.source == str(DEFAULT_TAXONOMY_PATH)


def test_default_is_the_same_as_none() -> None:
    assert load_taxonomy(DEFAULT_TAXONOMY_PATH).version == load_taxonomy(None).version


def test_context_rules_are_loaded() -> None:
    stunting = load_taxonomy().tag("stunting")
    rules = {term: rule for rule in stunting.context for term in rule.terms}
    assert "anak" in rules["gagal tumbuh"].near
    assert rules["gagal tumbuh"].window == 8


def test_tag_lookup_by_unknown_name_raises() -> None:
    with pytest.raises(KeyError):
        load_taxonomy().tag("nope")


# --- version -----------------------------------------------------------------------------------


def test_version_is_short_hex_and_stable() -> None:
    a, b = load_taxonomy(), load_taxonomy()
    assert re.fullmatch(r"[0-9a-f]{12}", a.version)
    assert a.version == b.version


def test_version_ignores_comments_layout_order_and_spelled_out_defaults() -> None:
    base = parse_taxonomy(
        """
[tags.a]
description = "A."
terms = ["alpha", "beta"]

[tags.b]
description = "B."
terms = ["gamma"]
"""
    )
    same = parse_taxonomy(
        """
# a comment
[tags.b]
terms = [ "gamma" ]     # trailing comment
description = "B."

[tags.a]
title_weight = 3.0
terms = ["alpha",
         "beta"]
description = "A."
min_score = 1
"""
    )
    assert base.version == same.version


@pytest.mark.parametrize(
    "changed",
    [
        'terms = ["alpha", "beta", "delta"]',
        'terms = ["Alpha", "beta"]',  # canonical spelling is stored evidence
        'terms = ["alpha", "beta"]\nmin_score = 2',
        'terms = ["alpha", "beta"]\nexclusions = ["alpha centauri"]',
    ],
)
def test_version_changes_with_content(changed: str) -> None:
    template = '[tags.a]\ndescription = "A."\n{}\n'
    base = parse_taxonomy(template.format('terms = ["alpha", "beta"]'))
    assert parse_taxonomy(template.format(changed)).version != base.version


# --- user files ----------------------------------------------------------------------------------


def test_user_file_replaces_default(tmp_path: Path) -> None:
    tax = load_taxonomy(write(tmp_path, MINIMAL))
    assert tax.names == ("imunisasi",)


def test_user_file_adds_a_tag_to_the_default(tmp_path: Path) -> None:
    tax = load_taxonomy(write(tmp_path, "include_default = true\n" + MINIMAL))
    default = load_taxonomy()
    assert tax.names == (*default.names, "imunisasi")
    assert tax.version != default.version

    tagger = Tagger(tax)
    tags = {m.tag for m in tagger.tag("Imunisasi Campak di Posyandu", "Cegah stunting.")}
    assert tags == {"imunisasi", "posyandu", "stunting"}


def test_user_file_overrides_a_default_tag_whole(tmp_path: Path) -> None:
    text = """include_default = true
[tags.kb]
description = "Only vasectomy news."
terms = ["vasektomi"]
"""
    tax = load_taxonomy(write(tmp_path, text))
    assert tax.tag("kb").terms == ("vasektomi",)
    assert tax.names == load_taxonomy().names  # order kept


# --- validation ----------------------------------------------------------------------------------

TAG = '[tags.stunting]\ndescription = "S."\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            TAG + "patterns = [{ term = \"x\", regex = 'stunt(' }]",
            "taxonomy.toml: tag 'stunting': field 'patterns': bad regex #1 'stunt(': ",
        ),
        (
            TAG + "terms = ['a']\nexclusion_patterns = ['ok', '[a-']",
            "taxonomy.toml: tag 'stunting': field 'exclusion_patterns': bad regex #2 '[a-'",
        ),
        (
            TAG + "patterns = [{ term = \"x\", regex = '(stunt)ing' }]",
            "field 'patterns': regex #1 '(stunt)ing' has a capturing group; use (?:...) instead",
        ),
        (
            TAG + "patterns = [{ term = \"x\", regex = 'TPPS' }]",
            "field 'patterns': regex #1 'TPPS' has capital letters, but patterns see lowercased",
        ),
        (
            TAG + "patterns = [{ term = \"x\", regex = '(?i)tpps' }]",
            "field 'patterns': regex #1 '(?i)tpps' sets a global flag",
        ),
        (
            TAG + "patterns = [{ term = \"x\", regex = 'a*' }]",
            "field 'patterns': regex #1 'a*' matches the empty string",
        ),
        (
            TAG + "patterns = [{ regex = 'tpps' }]",
            "field 'patterns': entry #1: 'term' (the name reported) is required",
        ),
        (TAG + "terms = ['x']\ncolour = 'red'", "tag 'stunting': unknown field 'colour'"),
        ("[tags.stunting]\nterms = ['x']", "tag 'stunting': field 'description': required"),
        (TAG, "tag 'stunting': field 'terms': a tag needs at least one term or pattern"),
        (TAG + "terms = 'stunting'", "field 'terms': must be a list of strings"),
        (TAG + "terms = ['stunting', 'stunting']", "field 'terms': duplicate term 'stunting'"),
        (TAG + "terms = ['#stunting']", "field 'terms': '#stunting' must begin and end with"),
        (TAG + "terms = ['x']\nmin_score = 0", "field 'min_score': must be a number > 0"),
        (TAG + "terms = ['x']\ntitle_weight = -1", "field 'title_weight': must be a number >= 0"),
        (TAG + "terms = ['x']\nsuffixes = ['NYA']", "field 'suffixes': suffix 'NYA' must be"),
        (
            TAG + "terms = ['x']\n[[tags.stunting.context]]\nterms = ['y']\nnear = ['anak']",
            "field 'context': entry #1: 'y' is not one of this tag's terms or patterns",
        ),
        (
            TAG + "terms = ['x']\n[[tags.stunting.context]]\nterms = ['x']\nnear = []",
            "field 'context': entry #1: 'near' must list at least one word",
        ),
        (
            TAG + "terms = ['x']\n[[tags.stunting.context]]\nterms = ['x']\nnear = ['a']\n"
            "window = 0",
            "field 'context': window must be a whole number of words, 1..50",
        ),
        (
            '[tags."Stunting Anak"]\ndescription = "S."\nterms = ["x"]',
            "bad tag name 'Stunting Anak'",
        ),
        ("version = 2\n" + TAG + "terms = ['x']", "unknown top-level key 'version'"),
        (
            "[defaults]\nmin_scor = 2\n" + TAG + "terms = ['x']",
            "[defaults]: unknown key 'min_scor'",
        ),
        ("[defaults]\nwindow = 99\n" + TAG + "terms = ['x']", "[defaults]: 'window': window must"),
        ("include_default = 'yes'", "'include_default' must be true or false"),
        ("", "no tags defined"),
        ("[tags.stunting\n", "taxonomy.toml: invalid TOML: "),
    ],
)
def test_errors_name_file_tag_and_field_on_one_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path) + ": ")
    assert expected in message.replace(str(path), "taxonomy.toml")


def test_error_carries_structured_fields(tmp_path: Path) -> None:
    path = write(tmp_path, TAG + "patterns = [{ term = \"x\", regex = 'stunt(' }]")
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(path)
    assert (err.value.tag, err.value.field) == ("stunting", "patterns")


def test_missing_file_is_a_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "absent.toml")


def test_a_file_that_is_not_utf8_is_a_taxonomy_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[tag.stunting]\ndescription = "gizi buruk \u2013 balita"\n'.encode("cp1252"))
    with pytest.raises(TaxonomyError, match=r"latin1\.toml: not UTF-8 text \(byte \d+\)"):
        load_taxonomy(path)


def test_parse_names_the_source_given() -> None:
    with pytest.raises(TaxonomyError, match=r"^user\.toml: tag 'x': field 'description'"):
        parse_taxonomy("[tags.x]\nterms = ['y']", "user.toml")


# --- text model ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("BANGGA  KENCANA", "bangga kencana"),
        ("Bangga-Kencana", "bangga kencana"),
        ("Bangga_Kencana", "bangga kencana"),
        ("BanggaKencana", "bangga kencana"),
        ("#CegahStunting", "#cegah stunting"),
        ("BKKBN TPPSnya", "bkkbn tppsnya"),
        ("Bangga\u00a0Kencana\n\n", "bangga kencana"),
        ("Bang\u00adga Ken\u200bcana", "bangga kencana"),
        ("Bánggá Kéncanà", "bangga kencana"),
        ("ＢＡＮＧＧＡ ＫＥＮＣＡＮＡ", "bangga kencana"),
        ("anak\u2013anak", "anak anak"),
        ("Bangka. Kencana", "bangka. kencana"),
    ],
)
def test_normalise_text(raw: str, normal: str) -> None:
    assert normalise_text(raw) == normal
