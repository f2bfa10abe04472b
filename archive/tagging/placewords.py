"""The words region matching reads: how a field is split into words, which words around a
place name change what it names (prefixes, streets, outlets, clubs, people, local places), and
what a dateline looks like. Data for archive/tagging/regions.py, kept apart so the tagger's module
holds the rules and this one the Indonesian vocabulary they use."""

from __future__ import annotations

import re
from itertools import accumulate

WORD = re.compile(r"[^\W_]+")
_WORD_PIECES = re.compile(r"([^\W_]+)")
# What may separate the words of one place name: spaces, a hyphen ("Muko-Muko"), the full stop
# of an abbreviation ("Kab. Banyuasin").
JOINER = re.compile(r"\.?[ \t\u00a0]{1,3}|-|\.")

# Context words, as word-key tuples (casefolded). The kind's prefixes choose between a kabupaten
# and a kota of the same name and admit `qualified` forms.
KAB_PREFIXES = ("kabupaten", "kab", "pemkab", "pemerintah kabupaten", "bupati", "wakil bupati",
                "wabup", "penjabat bupati", "pj bupati", "plt bupati")
KOTA_PREFIXES = ("kota", "pemkot", "pemerintah kota", "wali kota", "walikota",
                 "wakil wali kota", "wakil walikota", "wawako", "penjabat wali kota",
                 "pj wali kota", "pemerintahan kota")
STREET_BEFORE = ("jalan", "jl", "jln", "gang", "gg", "lorong", "jalur", "lr")
OUTLET_BEFORE = ("tribun", "radar", "harian", "koran", "majalah")
OUTLET_AFTER = ("pos", "post", "ekspres", "ekspress", "express", "independent", "today", "tv",
                "news", "online", "terkini", "update", "bisnis", "times", "pagi", "ekspose")
PERSON_BEFORE = ("bapak", "pak", "ibu", "bu", "sdr", "sdri", "saudara", "saudari", "tuan",
                 "nyonya", "ny", "kak", "mbak", "mas", "bang", "haji", "hj", "dr", "ir", "drs",
                 "dra", "prof", "bernama", "berinisial", "alias", "almarhum", "almarhumah")
# A capitalised generic word directly before a form makes another, local place of it: "Muara
# Padang" is a kecamatan of Banyuasin, not Kota Padang. (Forms that begin so, "Muara Enim",
# "Tanjung Pinang", are matched whole before this is asked.)
LOCAL_PLACE_BEFORE = ("muara", "sungai", "tanjung", "teluk", "pulau", "bukit", "gunung",
                      "danau", "air", "lubuk", "talang", "kuala", "pangkalan", "pasar",
                      "kampung", "dusun", "batang", "simpang", "tanah", "padang")
# A football club named after its town ("PSPS Pekanbaru", "Persikomet Metro", "Semen Padang"):
# the other team's name says nothing about where the match was.
CLUB_BEFORE = re.compile(r"PS[A-Z]{1,5}|Persi[a-z]+|PERSI[A-Z]+|Semen|SEMEN")
# "Agam (35)": a person and their age, the Indonesian press's way of naming one.
AGE_AFTER = re.compile(r"\s*\(\s*\d{1,3}\s*(?:th|tahun|thn)?\s*\)")

# Dateline: the segment before the first dash or opening parenthesis near the body's start.
DATELINE_END = re.compile(r"\s*(?:[–—]|\s-\s|-(?=\S)|\s-$|\()")
DATELINE_MAX = 90
DATELINE_PARAGRAPHS = 3
SHORT_PARAGRAPH = 160
DATE_WORDS = {"senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad"}


def words_of(text: str) -> list[re.Match[str]]:
    return list(WORD.finditer(text))


def word_key(words: list[str]) -> tuple[str, ...]:
    return tuple(w.casefold() for w in words)


def form_words(form: str) -> list[str]:
    return [m.group() for m in WORD.finditer(form)]


def capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def joins(gap: str) -> bool:
    # Most gaps are one space: answered without the regex.
    return gap == " " or (len(gap) <= 4 and JOINER.fullmatch(gap) is not None)


def key_of(tokens: Tokens, i: int, n: int) -> tuple[str, ...]:
    return tuple(tokens.folded[i: i + n])


class Tokens:
    """A field's words: their spans and casefolded forms, computed once per field; which
    neighbours are joined by spacing only (so may belong to one name) is asked lazily."""

    __slots__ = ("_joined", "ends", "folded", "starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # Spans without a Python step per word (a match object and a tuple each cost more than
        # the rest of reading a field): a split keeping the words alternates gap, word, gap …,
        # so the running sum of the pieces' lengths gives every word's start and end.
        pieces = _WORD_PIECES.split(text)
        bounds = list(accumulate(map(len, pieces)))
        self.starts = bounds[0:-1:2]
        self.ends = bounds[1::2]
        # Each word casefolded, in one call: casefolding maps character by character.
        self.folded = "\0".join(pieces[1::2]).casefold().split("\0") if self.ends else []
        self._joined: dict[int, bool] = {}

    def start(self, k: int) -> int:
        return self.starts[k]

    def end(self, k: int) -> int:
        return self.ends[k]

    def word(self, k: int) -> str:
        return self.text[self.starts[k]: self.ends[k]]

    def joined(self, k: int) -> bool:
        """Whether word k and word k+1 are separated by spacing only."""
        found = self._joined.get(k)
        if found is None:
            found = self._joined[k] = joins(self.text[self.ends[k]: self.starts[k + 1]])
        return found

    def before(self, i: int, count: int) -> list[str]:
        """Up to `count` casefolded words directly before word i, joined to it by spacing."""
        out: list[str] = []
        j = i
        while j > 0 and len(out) < count and self.joined(j - 1):
            out.append(self.folded[j - 1])
            j -= 1
        return out[::-1]

    def after(self, j: int) -> str | None:
        if j >= len(self.folded) or not self.joined(j - 1):
            return None
        return self.folded[j]
