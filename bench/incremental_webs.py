"""The two webs bench/incremental_bench.py crawls, behind one small interface (`BenchWeb`).

- `RegionalBench`: warta.sampleweb.regional, sites of six makes whose pages change every night
  (sidebars, top-bar dates) while their articles do not;
- `SampleBench`: warta.sampleweb's five bundled sites grown by older posts, byte-identical from
  one request to the next (the web the benchmark used before issue 11).

A change is a `Change`: which site, what kind (new, edit, backdated) and the sentence only the
new version of the article has, which the capture check looks for in the archive.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from archive.identity.urlnorm import normalise_url
from warta.sampleweb import WIB, SampleWeb
from warta.sampleweb import Article as Post
from warta.sampleweb.regional import RegionalWeb

ChangeKind = Literal["new", "edit", "backdated"]


@dataclass(frozen=True, slots=True)
class Change:
    site: str
    kind: ChangeKind
    sentence: str
    url: str
    listing_page: int = 1
    """Backdated posts: the shallowest listing page showing them."""


@dataclass(frozen=True, slots=True)
class Request:
    site: str
    path: str
    status: int
    bytes: int
    conditional: bool


class BenchWeb(Protocol):
    label: str

    @property
    def sites(self) -> list[str]: ...
    def registry_toml(self, path: Path) -> Path: ...
    def requests(self) -> list[Request]: ...
    def clear_requests(self) -> None: ...
    def next_night(self) -> None: ...
    def article_count(self) -> int: ...
    def add(self, site: str, rng: random.Random, *, backdated: bool = False) -> Change: ...
    def recent_urls(self, site: str, count: int) -> list[str]: ...
    def edit(self, site: str, url: str, rng: random.Random) -> Change: ...
    def close(self) -> None: ...


def five_percent(
    web: BenchWeb, share: float, rng: random.Random, edit_scope: str, archived: set[str]
) -> list[Change]:
    """`share` of the `archived` articles (canonical URLs) new or edited, half each, spread
    round-robin over the sites (from a random one); edits among each site's 10 newest archived
    posts ("recent", where corrections happen) or among all of them ("any")."""
    total = max(2, math.ceil(len(archived) * share))
    n_new = math.ceil(total / 2)
    sites = web.sites
    offset = rng.randrange(len(sites))
    changes = [web.add(sites[(offset + i) % len(sites)], rng) for i in range(n_new)]
    pool = []
    for site in sites:
        known = [u for u in web.recent_urls(site, 10**6) if normalise_url(u) in archived]
        pool += [(site, u) for u in known[: 10 if edit_scope == "recent" else None]]
    for site, url in rng.sample(pool, min(total - n_new, len(pool))):
        changes.append(web.edit(site, url, rng))
    return changes


# --- the regional web ----------------------------------------------------------------------------


class RegionalBench:
    label = "regional web"

    def __init__(self, sites: int, articles: int, seed: int) -> None:
        # A category listing must reach page 3 for the backdated night: ~30 posts a category.
        categories = min(4, max(1, articles // 30))
        self.web = RegionalWeb(
            sites=sites, articles_per_site=articles, seed=seed, categories=categories
        ).start()
        self.label = f"regional web: {sites} sites x {articles} articles"
        self._new: set[str] = set()

    @property
    def sites(self) -> list[str]:
        return self.web.site_names

    def registry_toml(self, path: Path) -> Path:
        return self.web.registry_toml(path)

    def requests(self) -> list[Request]:
        return [
            Request(r.site, r.path, r.status, r.bytes, r.conditional)
            for r in self.web.request_log()
        ]

    def clear_requests(self) -> None:
        self.web.clear_request_log()

    def next_night(self) -> None:
        self.web.next_night()

    def article_count(self) -> int:
        return len(self.web.expected_articles())

    def add(self, site: str, rng: random.Random, *, backdated: bool = False) -> Change:
        post = self.web.add_post(site, min_page=3 if backdated else None)
        self._new.add(post.url)
        page = min(self.web.listing_pages_of(site, post.url).values())
        return Change(site, "backdated" if backdated else "new", post.key_sentence, post.url, page)

    def recent_urls(self, site: str, count: int) -> list[str]:
        posts = [p for p in self.web.expected_articles(site) if p.url not in self._new]
        return [p.url for p in posts[:count]]

    def edit(self, site: str, url: str, rng: random.Random) -> Change:
        post = self.web.edit_post(site, url)
        return Change(site, "edit", post.key_sentence, post.url)

    def close(self) -> None:
        self.web.stop()


# --- the sample web ------------------------------------------------------------------------------

# Categories each sample site's registry entry is sure to reach with a new post (sites with
# configured listings or a category sitemap see only part of the site).
REACHED_CATEGORY = {
    "sumeks-banyuasin": "banyuasin",
    "bkkbn-sumsel": "berita",
    "ipkb-bengkulu": "berita",
}
_SENTENCES = (
    "Kepala Perwakilan BKKBN menyampaikan bahwa angka prevalensi stunting di {place} turun {n} "
    "persen dibanding tahun sebelumnya berkat pendampingan keluarga berisiko.",
    "Sebanyak {n} kader Tim Pendamping Keluarga di {place} mengikuti pelatihan pengukuran balita "
    "menggunakan antropometri standar.",
    "Program Bangga Kencana di {place} menyasar {n} keluarga dengan baduta melalui kunjungan rumah "
    "dan penyuluhan gizi seimbang.",
    "Camat {place} mengajak warga memanfaatkan posyandu setiap bulan agar tumbuh kembang anak "
    "terpantau sejak dini, kata dia di hadapan {n} peserta.",
    "Dinas Kesehatan mencatat {n} ibu hamil di {place} telah menerima tablet tambah darah dan "
    "pemeriksaan kehamilan lengkap tahun ini.",
    "Rembuk stunting tingkat desa di {place} menghasilkan {n} rencana aksi yang akan didanai dari "
    "dana desa dan anggaran daerah.",
)
_PLACES = ("Muara Dua", "Pangkalan Balai", "Talang Kelapa", "Banyuasin III", "Seluma", "Kaur")


def sample_post(slug: str, category: str, published: datetime, rng: random.Random) -> Post:
    """An ordinary article with ~180 words of distinct text and one key sentence."""
    key = f"Rapat koordinasi {slug} mencatat capaian {rng.randint(100, 999)} keluarga terdampingi."
    body = []
    for _ in range(5):
        sentences = rng.sample(_SENTENCES, 2)
        body.append(
            " ".join(s.format(place=rng.choice(_PLACES), n=rng.randint(3, 950)) for s in sentences)
        )
    body.insert(2, key)
    title = " ".join(w.capitalize() for w in slug.split("-")[:8])
    return Post(slug=slug, title=title, published=published, modified=published, body=body,
                category=category, author="Redaksi", key_sentences=[key])  # fmt: skip


class SampleBench:
    def __init__(self, extra: int, rng: random.Random) -> None:
        self.web = SampleWeb().start()
        self.label = f"sample web: 5 sites, +{extra} older posts each"
        self._serial = 0
        start = datetime(2023, 1, 2, 9, 0, tzinfo=WIB)
        for name in self.web.sites:
            category = self.category(name)
            for i in range(extra):
                when = start + timedelta(days=3 * i, hours=i % 7)
                post = sample_post(f"arsip-{name}-{i:04d}", category, when, rng)
                self.web.add_article(name, post, at=when)

    def category(self, name: str) -> str:
        for suffix, category in REACHED_CATEGORY.items():
            if name == suffix or name.endswith("-" + suffix):
                return category
        return next(iter(self.web.sites[name].categories))

    @property
    def sites(self) -> list[str]:
        return list(self.web.sites)

    def registry_toml(self, path: Path) -> Path:
        return self.web.registry_toml(path)

    def requests(self) -> list[Request]:
        return [
            Request(r.site, r.path, r.status, r.bytes_sent, r.conditional)
            for r in self.web.request_log()
        ]

    def clear_requests(self) -> None:
        self.web.clear_request_log()

    def next_night(self) -> None:
        pass  # its pages do not change unless a post does

    def article_count(self) -> int:
        return len(self.web.expected_articles())

    def add(self, site: str, rng: random.Random, *, backdated: bool = False) -> Change:
        self._serial += 1
        category = self.category(site)
        now = datetime.now(UTC)
        published = now - timedelta(minutes=self._serial)
        per_page = self.web.sites[site].style.per_page
        shown = self.web.sites[site].posts(category=category)
        if backdated and len(shown) >= 2 * per_page:
            published = shown[2 * per_page - 1].published - timedelta(hours=1)
        kind: ChangeKind = "backdated" if backdated else "new"
        fresh = sample_post(f"kabar-{kind}-{site}-{self._serial:03d}", category, published, rng)
        fresh.modified = now
        self.web.add_article(site, fresh, at=now)
        posts = self.web.sites[site].posts(category=category)
        page = posts.index(fresh) // per_page + 1
        return Change(site, kind, fresh.key_sentences[0], self.web.url(site, fresh.path), page)

    def recent_urls(self, site: str, count: int) -> list[str]:
        posts = [a for a in self.web.sites[site].real_articles() if not a.slug.startswith("kabar-")]
        return [self.web.url(site, a.path) for a in posts[:count]]

    def edit(self, site: str, url: str, rng: random.Random) -> Change:
        origin = self.web.url(site, "")
        article = next(a for a in self.web.sites[site].articles if origin + a.path == url)
        sentence = (
            f"Pembaruan: data {article.slug} dikoreksi menjadi {rng.randint(1000, 9999)} keluarga."
        )
        self.web.edit_article(site, article.slug, body=[*article.body, sentence],
                              key_sentences=[sentence])  # fmt: skip
        return Change(site, "edit", sentence, url)

    def close(self) -> None:
        self.web.stop()
