"""Near-duplicate index: signatures, clustering, persistence, concurrency and rebuild, on a real
SQLite archive file."""

from __future__ import annotations

import multiprocessing as mp
import random
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.identity.fingerprint import text_hash
from archive.identity.neardup import (
    BANDS,
    MIN_SHINGLES,
    NearDuplicateIndex,
    Signature,
    shingle_hashes,
    signature,
    words,
)
from archive.store.db import make_engine, session_factory
from archive.store.models import Article, ArticleMinhash, Base, Cluster, LshBucket, Site

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# --- synthetic Indonesian-ish articles ------------------------------------------------------------

_SYLLABLES = [c + v for c in "bdgjklmnprstw" for v in "aiueo"]
_AFFIXES = ["", "", "me", "ber", "di", "ter", "pe", "ke"]
_COMMON = [
    *("dan", "yang", "di", "dalam", "ini", "untuk", "dari", "dengan", "pada", "kita", "akan"),
    *("program", "stunting", "keluarga", "kabupaten", "provinsi", "kegiatan", "penurunan"),
    *("percepatan", "bkkbn", "kerja", "daerah", "tahun", "angka"),
]
_PHRASES = [
    "percepatan penurunan stunting",
    "Badan Kependudukan dan Keluarga Berencana Nasional (BKKBN)",
    "program Bangga Kencana",
    "Tim Pendamping Keluarga",
    "ibu hamil dan balita",
]


class Writer:
    """Deterministic article text: sentences of common words, made-up words and programme
    phrases, as unrelated reports on one programme look to a shingle index."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        vocab_rng = random.Random(99)
        self.vocab = _COMMON * 20 + [
            vocab_rng.choice(_AFFIXES)
            + "".join(vocab_rng.choice(_SYLLABLES) for _ in range(vocab_rng.randint(2, 3)))
            for _ in range(4000)
        ]

    def sentence(self, facts: list[str] | None = None) -> str:
        ws = self.rng.choices(self.vocab, k=self.rng.randint(12, 22))
        if self.rng.random() < 0.4:
            ws.insert(self.rng.randrange(len(ws)), self.rng.choice(_PHRASES))
        if facts and self.rng.random() < 0.6:
            ws.insert(self.rng.randrange(len(ws)), self.rng.choice(facts))
        return " ".join(ws).capitalize() + "."

    def article(
        self, sentences: int = 22, facts: list[str] | None = None, quote: list[str] = ()
    ) -> str:
        body = [self.sentence(facts) for _ in range(sentences)]
        body[3:3] = quote
        body[0] = "PALEMBANG, WARTA – " + body[0]
        return "\n\n".join(" ".join(body[i : i + 3]) for i in range(0, len(body), 3))

    def event(self) -> tuple[list[str], list[str]]:
        """An event's facts (names, place, figures) and the official's quote, for several
        outlets' own reports of it."""
        facts = [
            "Bupati Banyuasin Askolani",
            "Kepala Perwakilan BKKBN Sumsel Mediheryanto",
            "turun dari 24 persen menjadi 20 persen",
            "di Ruang Rapat Sekda Banyuasin",
            "Selasa (28/5)",
        ]
        quote = [
            "“" + self.sentence(facts)[:-1] + ",” kata Askolani.",
            "“" + self.sentence()[:-1] + ",” tambahnya.",
        ]
        return facts, quote

    def edited(self, text: str, fraction: float) -> str:
        """A republished copy: `fraction` of the sentences reworded, rewritten, dropped or
        followed by a new one; a new dateline and a "Sumber: …" line."""
        sentences = [s for s in re.split(r"(?<=[.”])\s+", text) if s]
        sentences[0] = sentences[0].replace("PALEMBANG, WARTA –", "Palembang (KORAN) -")
        chosen = set(self.rng.sample(range(len(sentences)), round(fraction * len(sentences))))
        out: list[str] = []
        for i, s in enumerate(sentences):
            if i not in chosen:
                out.append(s)
                continue
            kind = i % 4
            if kind == 0:
                ws = s.split()
                for _ in range(3):
                    ws[self.rng.randrange(len(ws))] = self.rng.choice(self.vocab)
                out.append(" ".join(ws))
            elif kind == 1:
                out.append(self.sentence())
            elif kind == 2:
                continue
            else:
                out += [s, self.sentence()]
        out.append("Sumber: Humas BKKBN Sumatera Selatan")
        return "\n\n".join(" ".join(out[i : i + 3]) for i in range(0, len(out), 3))


def seed_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    if not texts:
        pytest.skip(f"no seed articles in {SEEDS}")
    return texts


# --- archive fixtures -----------------------------------------------------------------------------


def new_archive(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session, session.begin():
        session.add(
            Site(name="s", home_url="http://127.0.0.1:8081/", province="Sumsel", language="id")
        )
    return engine


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    # A fresh migrated archive on each backend (tests/conftest.py), with the one site.
    engine = make_engine(db_url)
    with session_factory(engine)() as session, session.begin():
        session.add(
            Site(name="s", home_url="http://127.0.0.1:8081/", province="Sumsel", language="id")
        )
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def add_article(session: Session, body: str, title: str = "Judul") -> Article:
    article = Article(
        site_id=1,
        canonical_url=f"http://127.0.0.1:8081/berita/{uuid.uuid4().hex}",
        title=title,
        text=body,
        text_hash=text_hash(body),
        word_count=len(body.split()),
    )
    session.add(article)
    session.flush()
    return article


def store(factory: sessionmaker[Session], index: NearDuplicateIndex, body: str) -> tuple[int, int]:
    """Store one article in its own transaction, as the pipeline does: (article id, cluster)."""
    with factory() as session, session.begin():
        article = add_article(session, body)
        cluster_id = index.assign_cluster(session, article.id, index.signature(body))
        return article.id, cluster_id


def partition(factory: sessionmaker[Session]) -> set[frozenset[int]]:
    with factory() as session:
        groups: dict[int | None, set[int]] = {}
        for article_id, cluster_id in session.execute(select(Article.id, Article.cluster_id)):
            groups.setdefault(cluster_id, set()).add(article_id)
    return {frozenset(g) for g in groups.values()}


# --- signatures -----------------------------------------------------------------------------------


def test_signature_is_deterministic_and_estimates_jaccard() -> None:
    w = Writer(1)
    text = w.article()
    assert signature(text).to_bytes() == signature(text).to_bytes()
    assert signature(text).similarity(signature(text)) == 1.0
    for fraction in (0.1, 0.3, 0.5):
        copy = w.edited(text, fraction)
        a, b = set(shingle_hashes(text).tolist()), set(shingle_hashes(copy).tolist())
        exact = len(a & b) / len(a | b)
        # 128 permutations: σ ≤ 0.045; 4σ keeps the test deterministic in spirit and in fact
        assert abs(signature(text).similarity(signature(copy)) - exact) < 0.18
    assert signature(text).similarity(signature(w.article())) < 0.1


def test_signature_round_trips_through_bytes() -> None:
    sig = signature(Writer(2).article())
    back = Signature.from_bytes(sig.to_bytes(), scheme=sig.scheme)
    assert np.array_equal(back.values, sig.values)
    assert len(sig.to_bytes()) == 4 * sig.values.shape[0]


def test_words_fold_case_punctuation_and_typography() -> None:
    assert words("“Stunting,” KATA Bupati—Rp 1.000/bulan") == [
        b"stunting",
        b"kata",
        b"bupati",
        b"rp",
        b"1",
        b"000",
        b"bulan",
    ]
    # Formatting never changes a signature: paragraphs, case, quotes, spacing.
    text = Writer(3).article()
    assert signature(text).to_bytes() == signature(text.upper().replace("\n\n", "  ")).to_bytes()


def test_short_texts_are_not_indexed() -> None:
    sig = signature("Berita foto: rakerda bangga kencana di Palembang.")
    assert sig.shingles < MIN_SHINGLES
    assert not NearDuplicateIndex().indexable(sig)
    assert signature("").shingles == 0


def test_index_rejects_signatures_of_another_scheme() -> None:
    with pytest.raises(ValueError, match="scheme"):
        NearDuplicateIndex().buckets(signature("a b c d e f", num_perm=64))


def test_bands_cover_the_tuned_curve() -> None:
    index = NearDuplicateIndex()
    assert index.bands * index.rows <= index.num_perm
    assert index.candidate_probability(0.5) > 0.99
    assert index.candidate_probability(0.1) < 0.05
    assert len(index.buckets(signature(Writer(4).article()))) == BANDS


# --- clustering -----------------------------------------------------------------------------------


def test_edited_copies_join_the_original_cluster(factory: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex()
    w = Writer(10)
    original = w.article(26)
    original_id, cluster = store(factory, index, original)
    for fraction in (0.1, 0.2, 0.3):
        _copy_id, copy_cluster = store(factory, index, w.edited(original, fraction))
        assert copy_cluster == cluster, f"{fraction:.0%} edited copy not clustered"
    with factory() as session:
        matches = index.find(session, index.signature(w.edited(original, 0.15)))
        assert original_id in {m.article_id for m in matches}
        assert all(m.cluster_id == cluster and m.similarity >= index.threshold for m in matches)


def test_real_articles_edited_copies_cluster_and_originals_stay_apart(
    factory: sessionmaker[Session],
) -> None:
    index = NearDuplicateIndex()
    w = Writer(11)
    seeds = seed_texts()
    stored = [store(factory, index, text) for text in seeds]
    # Five real reports on the same programme (three about a Rakerda) are five stories.
    assert len({cluster for _id, cluster in stored}) == len(seeds)
    for (_id, cluster), text in zip(stored, seeds, strict=True):
        _copy_id, copy_cluster = store(factory, index, w.edited(text, 0.2))
        assert copy_cluster == cluster


def test_same_event_reports_by_different_outlets_do_not_merge(
    factory: sessionmaker[Session],
) -> None:
    index = NearDuplicateIndex()
    w = Writer(12)
    facts, quote = w.event()
    reports = [w.article(22, facts, quote) for _ in range(4)]
    clusters = [store(factory, index, r)[1] for r in reports]
    assert len(set(clusters)) == 4
    with factory() as session:
        assert index.find(session, index.signature(w.article(22, facts, quote))) == []


def test_every_article_gets_a_cluster(factory: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex()
    w = Writer(13)
    first = w.article()
    ids = [store(factory, index, t)[0] for t in (first, w.article(), w.edited(first, 0.1))]
    ids.append(store(factory, index, "Foto: rapat koordinasi.")[0])  # too short to index
    with factory() as session:
        rows = dict(session.execute(select(Article.id, Article.cluster_id)).all())
        assert all(rows[i] is not None for i in ids)
        assert rows[ids[0]] == rows[ids[2]] != rows[ids[1]]
        # GROUP BY cluster_id counts stories; clusters holds exactly the used ids
        stories = session.scalar(select(func.count(func.distinct(Article.cluster_id))))
        assert stories == 3 == session.scalar(select(func.count()).select_from(Cluster))
        short_buckets = session.scalar(
            select(func.count()).select_from(LshBucket).where(LshBucket.article_id == ids[3])
        )
        assert short_buckets == 0


def test_bridging_article_merges_clusters_into_the_smallest_id(
    factory: sessionmaker[Session],
) -> None:
    # A low threshold and many narrow bands make "shares 75% of A and 75% of B" a sure match.
    index = NearDuplicateIndex(threshold=0.3, bands=64, rows=2)
    w = Writer(14)
    a_text, b_text = w.article(24), w.article(24)
    a_id, a_cluster = store(factory, index, a_text)
    b_id, b_cluster = store(factory, index, b_text)
    assert a_cluster != b_cluster
    b_copy_id, _ = store(factory, index, w.edited(b_text, 0.1))
    a_sents = re.split(r"(?<=\.)\s+", a_text)
    b_sents = re.split(r"(?<=\.)\s+", b_text)
    bridge = " ".join(a_sents[: len(a_sents) * 3 // 4] + b_sents[: len(b_sents) * 3 // 4])
    with factory() as session, session.begin():
        loaded_b = session.get(Article, b_copy_id)  # an ORM object the caller holds
        assert loaded_b is not None
        article = add_article(session, bridge)
        merged = index.assign_cluster(session, article.id, index.signature(bridge))
        assert merged == min(a_cluster, b_cluster)
        assert article.cluster_id == merged and loaded_b.cluster_id == merged
    with factory() as session:
        rows = dict(session.execute(select(Article.id, Article.cluster_id)).all())
        assert {rows[a_id], rows[b_id], rows[b_copy_id]} == {merged}
        assert session.scalar(select(func.count()).select_from(Cluster)) == 1


def test_reindexing_changed_text_replaces_the_entry(factory: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex()
    w = Writer(15)
    article_id, cluster = store(factory, index, w.article())
    revised = w.article()
    with factory() as session, session.begin():
        article = session.get(Article, article_id)
        assert article is not None
        article.text = revised
        # still the same story: it keeps its cluster
        assert index.assign_cluster(session, article_id, index.signature(revised)) == cluster
    with factory() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(LshBucket)
                .where(LshBucket.article_id == article_id)
            )
            == index.bands
        )
        found = index.find(session, index.signature(revised))
        assert [m.article_id for m in found] == [article_id]


def test_deleting_an_article_cascades_to_its_index_rows(factory: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex()
    article_id, _ = store(factory, index, Writer(16).article())
    with factory() as session, session.begin():
        session.execute(delete(Article).where(Article.id == article_id))
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(LshBucket)) == 0
        assert session.scalar(select(func.count()).select_from(ArticleMinhash)) == 0


def test_find_can_exclude_the_article_itself(factory: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex()
    text = Writer(17).article()
    article_id, _ = store(factory, index, text)
    with factory() as session:
        sig = index.signature(text)
        assert [m.article_id for m in index.find(session, sig)] == [article_id]
        assert index.find(session, sig, exclude_article_id=article_id) == []


# --- persistence, concurrency, rebuild ------------------------------------------------------------


def test_index_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    w = Writer(20)
    original = w.article()
    engine = new_archive(path)
    original_id, cluster = store(session_factory(engine), NearDuplicateIndex(), original)
    engine.dispose()

    engine = make_engine(f"sqlite:///{path}")  # a new process would do exactly this
    factory = session_factory(engine)
    index = NearDuplicateIndex()
    with factory() as session:
        found = index.find(session, index.signature(w.edited(original, 0.2)))
        assert [m.article_id for m in found] == [original_id]
    assert store(factory, index, w.edited(original, 0.25))[1] == cluster
    engine.dispose()


def _store_copies(url: str, seed: int, originals: list[str], barrier: object) -> None:
    """A crawler process: its own engine; in each round, once every process is ready, one edited
    copy of that round's original, in a transaction that lingers after clustering (as the
    pipeline's later stages would) to widen the window for races."""
    engine = make_engine(url)
    factory = session_factory(engine)
    index = NearDuplicateIndex()
    w = Writer(seed)
    for original in originals:
        body = w.edited(original, 0.15)
        barrier.wait()  # type: ignore[attr-defined]
        with factory() as session, session.begin():
            article = add_article(session, body)
            index.assign_cluster(session, article.id, index.signature(body))
            time.sleep(0.05)
    engine.dispose()


def run_concurrent_copies(url: str, processes: int, rounds: int) -> list[list[int | None]]:
    """Copies of `rounds` originals stored concurrently by `processes` processes; the cluster
    ids of each round's copies."""
    w = Writer(30)
    originals = [w.article(26) for _ in range(rounds)]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes)
    workers = [
        ctx.Process(target=_store_copies, args=(url, 31 + i, originals, barrier))
        for i in range(processes)
    ]
    for p in workers:
        p.start()
    for p in workers:
        p.join(180)
        assert p.exitcode == 0
    index = NearDuplicateIndex()
    engine = make_engine(url)
    clusters = []
    with session_factory(engine)() as session:
        for original in originals:
            found = index.find(session, index.signature(original))
            assert len(found) == processes
            clusters.append([m.cluster_id for m in found])
    engine.dispose()
    return clusters


def test_concurrent_processes_adding_near_duplicates_end_in_one_cluster(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    new_archive(path).dispose()
    rounds = run_concurrent_copies(f"sqlite:///{path}", processes=3, rounds=5)
    # Every round: copies stored at the same moment by three processes, one cluster.
    assert all(len(set(r)) == 1 for r in rounds)
    assert len({r[0] for r in rounds}) == 5
    factory = session_factory(make_engine(f"sqlite:///{path}"))
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Cluster)) == 5


def test_rebuild_reproduces_the_clustering(factory: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex()
    w = Writer(40)
    facts, quote = w.event()
    texts = []
    for _ in range(6):
        original = w.article()
        texts += [original, w.edited(original, 0.1), w.edited(original, 0.25)]
    texts += [w.article(20, facts, quote) for _ in range(3)]
    texts += ["Foto: rapat koordinasi."]
    w.rng.shuffle(texts)
    for text in texts:
        store(factory, index, text)
    before = partition(factory)
    assert sorted(len(g) for g in before) == [1] * 4 + [3] * 6

    stats = index.rebuild(factory, batch_size=7, progress=False)
    assert partition(factory) == before
    assert stats.articles == len(texts)
    assert stats.too_short == 1 and stats.indexed == len(texts) - 1
    assert stats.clusters == len(before) and stats.multi_article_clusters == 6
    assert stats.articles_in_multi_clusters == 18
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Cluster)) == len(before)
        assert session.scalar(select(func.count()).select_from(LshBucket)) == index.bands * (
            len(texts) - 1
        )


def test_postgresql_clustering_and_concurrency(postgres_url: str) -> None:
    # A fresh database of its own, built by the migrations (tests/conftest.py).
    url = postgres_url
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        session.add(Site(name="s", home_url="http://x/", province="p", language="id"))
    index = NearDuplicateIndex()
    w = Writer(50)
    original = w.article(26)
    _id, cluster = store(factory, index, original)
    assert store(factory, index, w.edited(original, 0.2))[1] == cluster
    assert store(factory, index, w.article())[1] != cluster

    engine.dispose()
    rounds = run_concurrent_copies(url, processes=2, rounds=5)
    assert all(len(set(r)) == 1 for r in rounds)
    engine = make_engine(url)
    stats = index.rebuild(session_factory(engine), progress=False)
    assert stats.multi_article_clusters == 6  # the first pair and the five rounds
    engine.dispose()
