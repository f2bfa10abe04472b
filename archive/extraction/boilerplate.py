"""Remove the page furniture trafilatura leaves in article bodies on Indonesian (WordPress and
old government CMS) sites.

Every rule matches a whole line (after whitespace is collapsed), never a fragment of one: a sentence
that merely mentions "baca juga" or "pengunjung" mid-sentence is body text and stays. The rules are
data (`RULES`) so tests can check that each one is exercised and the README can list them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "RULES",
    "Rule",
    "byline_lines",
    "clean_text",
    "cleaned_and_bylines",
    "matching_rule",
    "normalize_whitespace",
]


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of boilerplate line."""

    name: str
    pattern: re.Pattern[str]
    takes_following_items: bool = False
    """The line is a bare heading ("Baca Juga:") whose link list follows it on the next lines."""
    following: re.Pattern[str] | None = None
    """The line is a bare heading whose entries, the next lines matching this, go with it."""
    max_chars: int | None = None
    """Longer lines are text that merely starts like the furniture."""
    about_article: bool = False
    """The line describes this article (byline, view count) and may carry its date."""

    def matches(self, line: str) -> bool:
        if self.max_chars is not None and len(line) > self.max_chars:
            return False
        return self.pattern.fullmatch(line) is not None


def _rule(
    name: str,
    regex: str,
    *,
    takes_following_items: bool = False,
    following: str | None = None,
    max_chars: int | None = None,
    about_article: bool = False,
) -> Rule:
    return Rule(
        name,
        re.compile(regex, re.IGNORECASE),
        takes_following_items,
        re.compile(following, re.IGNORECASE) if following else None,
        max_chars,
        about_article,
    )


_READ_ALSO = r"(?:baca|lihat|simak)\s+(?:juga|pula)"
_WEEKDAY = r"(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)"
_CLOCK = r"\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*(?:wib|wita|wit))?"
_STAMP = (
    rf"(?:{_WEEKDAY}\s*,?\s*)?"
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{1,2}}\s+[a-z]{{3,9}}\.?\s+\d{{4}})"
    rf"(?:\s*[,|–-]?\s*(?:pukul\s*)?{_CLOCK})?"
)
_COUNT = r"\d[\d.,]*"
# Visitor-counter modules of government CMSs: "Jumlah Pengunjung: 1.284.516", "Pengunjung Hari
# Ini: 312", "Pengunjung Online", "Total Hits". A count or nothing may follow the label, never
# words, so "Pengunjung hari ini mencapai 5.000 orang." stays.
_VISITORS = r"(?:pengunjung|kunjungan|visitors?|hits)"
_PERIOD = (r"(?:hari\s+ini|kemarin|minggu\s+ini|pekan\s+ini|bulan\s+ini|tahun\s+ini|online"
           r"|today|yesterday|this\s+(?:week|month|year))")
_COUNTER_LABEL = (
    rf"(?:(?:statistik|jumlah|total|counter)\s+{_VISITORS}(?:\s+{_PERIOD})?"
    rf"|{_VISITORS}\s+(?:{_PERIOD}|total)|(?:visitor|hit)\s+counter|statistik\s+situs)"
)
_COUNTER_ITEM = rf"{_COUNTER_LABEL}\s*:?\s*(?:{_COUNT}(?:\s*(?:orang|kali|x))?)?"

RULES: tuple[Rule, ...] = (
    # "Baca Juga:" on its own: the related headlines are on the lines after it.
    _rule("read-also-heading", rf"{_READ_ALSO}\s*[:\-–—»>]*", takes_following_items=True),
    # "Baca Juga: <headline>" / "BACA JUGA - <headline>" / "Lihat juga <headline>". Without a
    # separator only a short line not ending like a sentence counts, so a paragraph that happens to
    # start with "Lihat juga bagaimana ..." and ends with a full stop survives.
    _rule("read-also-link", rf"{_READ_ALSO}\s*[:\-–—»>]+\s*\S.*"),
    _rule("read-also-link-bare", rf"{_READ_ALSO}\s+\S.{{0,200}}(?<![.;,])"),
    _rule("related-heading", r"(?:berita|artikel|postingan|tulisan)\s+(?:terkait|lainnya)\s*:?"
          r"|related\s+(?:posts?|articles?|stories)\s*:?", takes_following_items=True),
    _rule("comment-heading",
          r"(?:tinggalkan\s+(?:balasan|komentar)|leave\s+a\s+(?:reply|comment))"
          r"(?:\s+(?:batalkan\s+balasan|cancel\s+reply))?"),
    _rule("comment-email-notice",
          r"alamat\s+email\s+anda\s+tidak\s+akan\s+(?:dipublikasikan|ditampilkan)\b.*"
          r"|your\s+email\s+address\s+will\s+not\s+be\s+published\b.*"),
    _rule("comment-required-fields",
          r"(?:ruas|kolom)\s+yang\s+wajib\s+(?:ditandai|diisi)\b.*"
          r"|required\s+fields\s+are\s+marked\b.*"),
    _rule("comment-form-label",
          r"(?:\d+\s+)?(?:komentar|comments?|nama|name|e-?mail|situs\s*web|situs|website)"
          r"\s*(?:\(\d+\))?\s*\*?\s*:?"),
    _rule("comment-save-details",
          r"simpan\s+nama\s*,?\s*(?:e-?mail|surel).*|save\s+my\s+name\s*,?\s*email.*"),
    _rule("comment-submit",
          r"(?:kirim|posting)\s+komentar|post\s+comment|batalkan\s+balasan|cancel\s+reply|Δ"),
    _rule("back-to-top", r"(?:back\s+to\s+top|kembali\s+ke\s+atas)(?:\s+button)?"),
    # "oleh -215 Dilihat", "215 Dilihat", "Dibaca 1.234 kali", "1.234 views", "Hits: 3716",
    # "Dilihat: 123 kali", also at the end of a short post-info line ("Diposting oleh Admin –
    # Dibaca 1.234 kali").
    _rule("view-counter",
          rf"(?:.{{0,80}}\s[-–|•·]\s*)?"
          rf"(?:(?:oleh\s*-?\s*)?{_COUNT}\s*(?:kali\s+)?dilihat"
          rf"|(?:telah\s+)?dilihat\s*:?\s*{_COUNT}\s*(?:kali|x)?"
          rf"|dibaca\s*:?\s*{_COUNT}\s*(?:kali)?|{_COUNT}\s*(?:x\s+|kali\s+)?dibaca"
          rf"|{_COUNT}\s+views?|views?\s*:\s*{_COUNT}|hits\s*:\s*(?:{_COUNT})?|hits\s+{_COUNT})",
          about_article=True),
    # A heading such as "Statistik Pengunjung" or "Pengunjung" takes the "Hari ini: 128" /
    # "Total: 210.554" entries under it; one or more counters may also share a line.
    _rule("visitor-counter",
          rf"(?:{_COUNTER_ITEM}\s*[,|•·–-]?\s*)+|(?:pengunjung|visitors?)\s*:?",
          following=rf"(?:[^\W\d][\w ]{{0,30}}?\s*:?\s*{_COUNT}"
                    rf"(?:\s*(?:orang|kali|x|pengunjung|visitors?))?\s*[,|•·–-]?\s*)+",
          max_chars=160),
    _rule("posted-by",
          r"(?:diposting|dipos|ditulis|dipublikasikan|posted|written)\s+(?:oleh|by)\s*:?\s*[^.!?]{1,60}",
          about_article=True),
    _rule("no-more-posts", r"no\s+more\s+(?:posts\s+available|pages\s+to\s+load)\s*\.?"),
    _rule("share-prompt",
          r"(?:bagikan|berbagi|share)(?:\s+(?:ini|this|artikel\s+ini|this\s+article|berita\s+ini))?"
          r"\s*:?"),
    # A line of nothing but share buttons: "Share on Facebook Share on Twitter", "Facebook X".
    _rule("share-button",
          r"(?:(?:share\s+(?:on|to|via)\s+\w+|bagikan\s+(?:ke|di|via)\s+\w+|facebook|twitter|x"
          r"|whatsapp|telegram|linkedin|pinterest|tweet|line|e-?mail|copy\s+link|salin\s+tautan"
          r"|print|cetak)(?:\s*[,|•·]\s*|\s+|$))+"
          r"|(?:klik\s+untuk|click\s+to)\s+(?:berbagi|share|print|mencetak|email)\b.*"),
    _rule("like-prompt", r"(?:like\s+this|suka\s+ini|menyukai\s+ini)\s*:?"
          r"|(?:like|suka)\s+(?:loading|memuat)\s*(?:\.\.\.|…)?"),
    _rule("loading", r"(?:loading|memuat)\s*(?:\.\.\.|…)"),
    _rule("advertisement",
          r"advertisement|iklan|sponsored|scroll\s+(?:to\s+continue|untuk\s+melanjutkan).*"),
    _rule("stray-byline", r"(?:oleh|by)\s*:?"),
    # A line that is only a date and time: the entries of a related or "latest" list
    # ("- Rabu, 04/11/2015 23:45 WIB"), or the article's own dateline left alone on a line.
    _rule("timestamp", rf"[-•*–·]?\s*{_STAMP}", max_chars=60),
    # A breadcrumb trail: "Home > Berita > Daerah".
    _rule("breadcrumb", r"(?:home|beranda|index)\s*[>»›/].{0,80}", max_chars=100),
    # The bullets and page numbers of a list whose entries were links trafilatura dropped.
    _rule("list-marker", r"[-•*–·]|\d{1,2}"),
    # "Redaksi: redaksi[at]detikfinance.com", "hubungi : sales[at]detik.com".
    _rule("newsroom-contact",
          r"(?:redaksi|e-?mail|surel|hubungi|kontak|contact)\s*:?\s*\S*(?:\[at\]|\(at\)|@)\S*",
          max_chars=100),
    _rule("advertising-prompt",
          r"(?:informasi\s+)?pemasangan\s+iklan.*|pasang\s+iklan.*|advertise\s+with\s+us.*",
          max_chars=80),
    # Photo and video page chrome: the photographer credit, vote and rating widgets, channel
    # labels and slideshow buttons.
    _rule("photo-credit",
          r"(?:foto|fotografer|photographer|pewarta\s+foto|video|videografer)\s*:\s*[^.!?]{1,50}",
          max_chars=70),
    _rule("photo-chrome",
          r"vote\s+photo|rating\s*\(.*\)|must\s*read|close|tutup|foto\s*(?:bisnis|news|sport)"
          r"|next|prev(?:ious)?|lihat\s+(?:semua\s+)?foto|galeri\s+foto|slide\s+\d+.*"),
)

_LIST_ITEM = re.compile(r"[-•*–·]\s*\S.*")
# A headline under a bare "Baca Juga:" is short and does not end like a sentence.
_HEADLINE = re.compile(r".{5,180}(?<![.;,:])")
_MAX_ENTRY_CHARS = 80
_SPACE = re.compile(r"[^\S\n]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def matching_rule(line: str) -> Rule | None:
    """The first rule that matches the whole (whitespace-collapsed) line, if any."""
    return _first_rule(_collapse(line))


def _first_rule(collapsed: str) -> Rule | None:
    for rule in RULES:
        if rule.matches(collapsed):
            return rule
    return None


def clean_text(text: str) -> str:
    """Drop boilerplate lines and return paragraphs separated by exactly one blank line."""
    return cleaned_and_bylines(text)[0]


def byline_lines(text: str) -> list[str]:
    """The lines `clean_text` drops that describe the article itself ("Ditulis oleh Admin Rabu,
    09 Maret 2022", "Selasa, 10 Mei 2022 – Dibaca 12 kali"), and a lone timestamp above the
    first kept line, in order: the article's date is often only there."""
    return cleaned_and_bylines(text)[1]


def cleaned_and_bylines(text: str) -> tuple[str, list[str]]:
    """`clean_text` and `byline_lines` of one text, its lines read once."""
    kept, dropped = _split(text)
    bylines = [
        line
        for line, rule, before_text in dropped
        if rule.about_article or (rule.name == "timestamp" and before_text)
    ]
    return "\n\n".join(kept), bylines


def _split(text: str) -> tuple[list[str], list[tuple[str, Rule, bool]]]:
    """The kept lines, and the dropped lines that matched a rule themselves with that rule and
    whether they came before the first kept line."""
    lines = [_collapse(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    kept: list[str] = []
    dropped: list[tuple[str, Rule, bool]] = []
    i = 0
    while i < len(lines):
        rule = _first_rule(lines[i])
        if rule is None:
            kept.append(lines[i])
            i += 1
            continue
        dropped.append((lines[i], rule, not kept))
        i += 1
        if rule.takes_following_items:
            i = _skip_related_items(lines, i)
        if rule.following is not None:
            while i < len(lines) and _is_entry(rule.following, lines[i]):
                i += 1
    return kept, dropped


def normalize_whitespace(text: str) -> str:
    """Collapse spaces inside lines and separate non-empty lines by one blank line."""
    return "\n\n".join(line for line in (_collapse(raw) for raw in text.splitlines()) if line)


def _skip_related_items(lines: list[str], i: int) -> int:
    """Index after the links that follow a bare related-articles heading.

    A bulleted list goes whole; without bullets only one headline-like line is taken, because
    a heading left bare by the extractor is usually followed by exactly the one linked title.
    """
    if i < len(lines) and _LIST_ITEM.fullmatch(lines[i]):
        while i < len(lines) and _LIST_ITEM.fullmatch(lines[i]):
            i += 1
        return i
    if i < len(lines) and _HEADLINE.fullmatch(lines[i]):
        return i + 1
    return i


def _is_entry(pattern: re.Pattern[str], line: str) -> bool:
    return len(line) <= _MAX_ENTRY_CHARS and pattern.fullmatch(line) is not None


def _collapse(line: str) -> str:
    return _SPACE.sub(" ", _INVISIBLE.sub("", line)).strip()
