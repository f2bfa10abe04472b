"""Near-duplicate detection: the same press release republished by several outlets, edited.

A text is reduced to its set of word shingles (SHINGLE_WORDS consecutive words, case and
punctuation folded: `words`), summarised by a MinHash signature of NUM_PERM minima. Two
signatures agree at a position with probability equal to the Jaccard similarity of the two
shingle sets, so the share of agreeing positions estimates it.

Lookup is LSH banding kept in the archive: the signature is cut into BANDS bands of ROWS values,
each band hashed to one 64-bit bucket and stored as an `lsh_buckets` row. Articles sharing any
(band, bucket) are candidates, fetched by one indexed query (a B-tree probe per band, so the cost
grows with log n); each candidate is then verified by the estimated Jaccard of the full signatures
(`article_minhashes`) against THRESHOLD. Because the index is in the archive, it survives restarts
and every crawler process sees the others' articles.

Parameters, tuned with bench/dedup_bench.py (synthetic archive; its JSON output has the figures):

- SHINGLE_WORDS = 5: 3- and 4-word shingles make edited copies hardly more similar (an edited
  sentence loses most of its shingles either way) but let unrelated articles on the same
  programme share far more ("percepatan penurunan stunting di"), which means false LSH
  candidates at a million articles. Real same-topic articles (/work/shared/seeds, three of them
  about a Rakerda) share at most 2.4% of their 5-word shingles.
- THRESHOLD = 0.4 (estimated Jaccard): copies with 25% of their sentences edited plus a new
  headline, dateline and "Sumber: …" line have J ≥ 0.55 (median 0.67), 30% edits J ≥ 0.50;
  two outlets' own reports of one event, sharing names, figures and up to four quoted
  sentences, have J ≈ 0.06 (at most 0.11). 0.4 sits in the gap with room for the estimate's
  spread (σ ≈ 0.044 at J = 0.5): recall 1.00 up to 30% edits, 0.83 at 50%, no false match. The
  bench's sweep: 0.35 would catch 96% of 50%-edited copies, 0.5 would start losing 25% ones.
- NUM_PERM = 128, BANDS = 42, ROWS = 3 (126 values banded, all 128 used for verification): a
  pair becomes a candidate with probability 1 − (1 − J³)⁴², 0.996 at J = 0.5 and 0.94 at
  J = 0.4, while unrelated pairs (J ≈ 0.001–0.02) almost never share a bucket: ~0.05 spurious
  candidates per lookup at a million articles. ROWS = 4 would need ~300 permutations for the
  same recall at J = 0.5; ROWS = 2 floods lookups with same-topic candidates; 32 bands would
  save a quarter of the index (and of its write cost) for 0.986 instead of 0.996 at J = 0.5.

Changing any of them changes the signatures' `scheme`; `NearDuplicateIndex.rebuild` recomputes
the index (rows of another scheme are ignored by lookups meanwhile).

Clusters: every article gets a cluster, its own when it has no near-duplicate, so
`articles.cluster_id` is never NULL once indexed and `COUNT(DISTINCT cluster_id)` or
`GROUP BY cluster_id` counts stories without a COALESCE. A new article joins the cluster of its
matches; when it bridges several clusters they are merged into the smallest id (deterministic
whichever process gets there first) and the emptied cluster rows are deleted.

Concurrency: `assign_cluster` must see every committed article and no one may commit a related
article between its lookup and its writes. On SQLite it writes before it reads, so it holds the
database write lock (taken at its first write and held to commit) while it looks up. On
PostgreSQL it takes a transaction-scoped advisory lock first: a row lock (SELECT … FOR UPDATE)
cannot protect the case that matters most, two new copies of one release that both find nothing
yet, since there is no row to lock. Either way clustering is serialised until the caller commits,
so call it late in the article's transaction and commit promptly.

SQLite caveat for callers: SQLAlchemy begins transactions with a plain (deferred) BEGIN, and a
SQLite transaction that has already read cannot wait for the write lock: its first write fails
at once with "database is locked" if another process holds it. A storing transaction should
therefore write first (insert the article, then look things up) or begin IMMEDIATE.
"""

from __future__ import annotations

import logging
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    Connection,
    CursorResult,
    Executable,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from tqdm import tqdm

from archive.store.models import Article, ArticleMinhash, Cluster, LshBucket

# Core tables: the hot path runs Core statements on the session's connection.
_ARTICLES = Article.__table__
_BUCKETS = LshBucket.__table__
_MINHASHES = ArticleMinhash.__table__
_CLUSTERS = Cluster.__table__

log = logging.getLogger(__name__)

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS = 42
ROWS = 3
THRESHOLD = 0.4
MIN_SHINGLES = 10
"""Texts with fewer distinct shingles (under ~15 words) are not indexed: their estimates are too
coarse, and captions or stubs would match each other on a few shared phrases."""

_SCHEME_VERSION = 1
# Any fixed value: the permutations are derived from it, so it is part of the on-disk format.
_SEED = 0x5741_5254_415F_4E44  # "WARTA_ND"
# An arbitrary constant naming the PostgreSQL advisory lock that serialises clustering.
_PG_LOCK_KEY = 0x7761_7274_614E_4431 & 0x7FFF_FFFF_FFFF_FFFF
_U64 = np.uint64
_MASK64 = (1 << 64) - 1


def _splitmix64(seed: int, count: int) -> list[int]:
    """Deterministic 64-bit values in pure Python: numpy's generators may change their streams
    between releases, and these constants must not, since signatures are stored."""
    out = []
    state = seed & _MASK64
    for _ in range(count):
        state = (state + 0x9E37_79B9_7F4A_7C15) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB) & _MASK64
        out.append(z ^ (z >> 31))
    return out


def _fmix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """MurmurHash3's finaliser, vectorised: spreads every input bit over the whole word."""
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xFF51_AFD7_ED55_8CCD)
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xC4CE_B9FE_1A85_EC53)
    return x ^ (x >> _U64(33))


_SHINGLE_MULT = _U64(_splitmix64(_SEED ^ 1, 1)[0] | 1)


@cache
def _permutations(num_perm: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """Hash functions h_i(x) = (a_i·x + b_i) mod 2³² with odd a_i, over the high half of a
    well-mixed 64-bit shingle hash. 32-bit lanes halve the signing time of 64-bit ones; on
    controlled-overlap sets the estimates' spread matches the binomial √(J(1−J)/n) either way."""
    raw = _splitmix64(_SEED, 2 * num_perm)
    a = np.array([(v | 1) & 0xFFFF_FFFF for v in raw[:num_perm]], dtype=np.uint32)
    b = np.array([v & 0xFFFF_FFFF for v in raw[num_perm:]], dtype=np.uint32)
    return a.reshape(-1, 1), b.reshape(-1, 1)


@cache
def _row_multipliers(rows: int) -> npt.NDArray[np.uint64]:
    return np.array([v | 1 for v in _splitmix64(_SEED ^ 3, rows)], dtype=_U64)


@cache
def _band_salts(bands: int) -> npt.NDArray[np.uint64]:
    return np.array(_splitmix64(_SEED ^ 2, bands), dtype=_U64)


def scheme_name(num_perm: int = NUM_PERM, shingle_words: int = SHINGLE_WORDS) -> str:
    return f"minhash-v{_SCHEME_VERSION}-w{shingle_words}-p{num_perm}"


# Bytes → words: ASCII letters and digits lower-cased, every other byte a separator.
_WORD_BYTES = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256)
)


def words(text: str) -> list[bytes]:
    """The text's words as compared: NFKC-normalised, lower-cased, split on anything that is not
    an ASCII letter or digit.

    Close to `fingerprint.normalise_text`, but a byte-table translation instead of a Unicode
    regex, which costs a third of a millisecond on a 4 kB article. The price: a non-ASCII letter
    (the rare accented loanword) splits its word, identically in every copy, so near-duplicates
    are unaffected; a text with no ASCII words at all is too short to index."""
    return unicodedata.normalize("NFKC", text).encode().translate(_WORD_BYTES).split()


def _shingles(text: str, shingle_words: int) -> npt.NDArray[np.uint64]:
    tokens = words(text)
    n = len(tokens) - shingle_words + 1
    if n <= 0:
        return np.empty(0, dtype=_U64)
    # crc32 is stable across processes (unlike hash()) and runs in C; the word loop is the only
    # per-word Python work, the shingles are combined vectorised.
    word_hashes = np.fromiter(map(zlib.crc32, tokens), dtype=_U64, count=len(tokens))
    acc = word_hashes[:n].copy()
    for j in range(1, shingle_words):
        acc *= _SHINGLE_MULT
        acc += word_hashes[j : j + n]
    return _fmix64(acc)


def shingle_hashes(text: str, shingle_words: int = SHINGLE_WORDS) -> npt.NDArray[np.uint64]:
    """The distinct 64-bit hashes of the text's word shingles (empty when the text is shorter
    than one shingle): the set whose Jaccard similarity signatures estimate."""
    return np.unique(_shingles(text, shingle_words))


# Shingles per chunk when signing: bounds the (num_perm × chunk) temporary for very long texts.
_CHUNK = 2048


@dataclass(frozen=True, slots=True, eq=False)
class Signature:
    """A text's MinHash signature: `values[i]` is the minimum of hash function i over the text's
    shingles."""

    values: npt.NDArray[np.uint32]
    shingles: int
    """Shingles in the text (repeats included); 0 when it is shorter than one shingle, −1 when
    unknown (read back with `from_bytes`)."""
    scheme: str

    def similarity(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two texts' shingle sets."""
        return _estimate(self.values, other.values)

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4", copy=False).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, *, scheme: str, shingles: int = -1) -> Signature:
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32), shingles, scheme)


def _estimate(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    if a.shape != b.shape:
        return 0.0
    return float(np.count_nonzero(a == b)) / a.shape[0]


def signature(
    text: str, *, num_perm: int = NUM_PERM, shingle_words: int = SHINGLE_WORDS
) -> Signature:
    """The MinHash signature of `text` (an article's body; leave the headline out, republishers
    change it). Pure and deterministic across processes and runs."""
    # Repeated shingles are kept: they cannot change a minimum, and np.unique would sort.
    hashes = (_shingles(text, shingle_words) >> _U64(32)).astype(np.uint32)
    a, b = _permutations(num_perm)
    values = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, hashes.shape[0], _CHUNK):
        hashed = a * hashes[start : start + _CHUNK]
        hashed += b
        np.minimum(values, hashed.min(axis=1), out=values)
    return Signature(values, int(hashes.shape[0]), scheme_name(num_perm, shingle_words))


@dataclass(frozen=True, slots=True)
class Match:
    article_id: int
    cluster_id: int | None
    similarity: float
    """Estimated Jaccard similarity of the two texts' shingle sets."""


@dataclass(slots=True)
class RebuildStats:
    articles: int = 0
    indexed: int = 0
    too_short: int = 0
    """Articles with fewer than MIN_SHINGLES shingles: own cluster, not indexed."""
    clusters: int = 0
    multi_article_clusters: int = 0
    articles_in_multi_clusters: int = 0
    seconds: float = 0.0


class _Prepared:
    """A Core statement compiled once per dialect and run as driver SQL. Only for statements
    whose parameters need no type processing (ints, bytes, str) and whose results need none."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, list[str] | None]] = {}

    def _sql(self, conn: Connection) -> tuple[str, list[str] | None]:
        key = conn.dialect.name
        if key not in self._compiled:
            compiled = self.statement.compile(dialect=conn.dialect)
            order = list(compiled.positiontup or []) if compiled.positional else None
            self._compiled[key] = (compiled.string, order)
        return self._compiled[key]

    def run(self, conn: Connection, params: dict[str, Any]) -> CursorResult[Any]:
        sql, order = self._sql(conn)
        if order is None:
            return conn.exec_driver_sql(sql, params)
        return conn.exec_driver_sql(sql, tuple(params[k] for k in order))

    def run_many(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        sql, order = self._sql(conn)
        if order is None:
            conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]
        else:
            conn.exec_driver_sql(sql, [tuple(row[k] for k in order) for row in rows])


@dataclass(frozen=True, slots=True)
class _Statements:
    lookup: _Prepared
    cluster_of: _Prepared
    delete_buckets: _Prepared
    delete_minhash: _Prepared
    insert_minhash: _Prepared
    insert_buckets: _Prepared
    new_cluster: _Prepared
    set_cluster: _Prepared


class NearDuplicateIndex:
    """The archive's near-duplicate index. Sessions come from the caller, who owns the
    transaction: `assign_cluster` (or `add`) belongs in the transaction that stores the article,
    so an article and its index rows are committed together or not at all."""

    def __init__(
        self,
        *,
        threshold: float = THRESHOLD,
        num_perm: int = NUM_PERM,
        bands: int = BANDS,
        rows: int | None = None,
        shingle_words: int = SHINGLE_WORDS,
    ) -> None:
        rows = rows if rows is not None else num_perm // bands
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1]: {threshold}")
        if bands < 1 or rows < 1 or bands * rows > num_perm:
            raise ValueError(f"{bands} bands × {rows} rows do not fit {num_perm} permutations")
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands = bands
        self.rows = rows
        self.shingle_words = shingle_words
        self.scheme = scheme_name(num_perm, shingle_words)

    def __repr__(self) -> str:
        return (
            f"NearDuplicateIndex(threshold={self.threshold}, num_perm={self.num_perm}, "
            f"bands={self.bands}, rows={self.rows}, shingle_words={self.shingle_words})"
        )

    # --- pure helpers ---------------------------------------------------------------------------

    def signature(self, text: str) -> Signature:
        """`signature(text)` with this index's parameters."""
        return signature(text, num_perm=self.num_perm, shingle_words=self.shingle_words)

    def candidate_probability(self, jaccard: float) -> float:
        """Chance that a pair with this Jaccard similarity shares at least one bucket."""
        return float(1.0 - (1.0 - jaccard**self.rows) ** self.bands)

    def buckets(self, sig: Signature) -> list[tuple[int, int]]:
        """(band, bucket) pairs of a signature; buckets are signed 64-bit for BIGINT columns."""
        self._check(sig)
        return list(enumerate(self.bucket_matrix(sig.values[np.newaxis, :])[0].tolist()))

    def bucket_matrix(self, values: npt.NDArray[np.uint32]) -> npt.NDArray[np.int64]:
        """Buckets of many signatures at once: (n, num_perm) signature values → (n, bands)
        buckets, for bulk loads. Row i equals `buckets` of signature i."""
        n = values.shape[0]
        banded = values[:, : self.bands * self.rows].astype(_U64)
        banded = banded.reshape(n, self.bands, self.rows)
        # A salted linear combination, then one mixing pass: distinct bands colliding only adds
        # a candidate that verification drops.
        mixed = _fmix64(banded @ _row_multipliers(self.rows) + _band_salts(self.bands))
        return mixed.view(np.int64)

    def indexable(self, sig: Signature) -> bool:
        """Long enough to compare (a signature read back from storage, shingles −1, was)."""
        return sig.shingles >= MIN_SHINGLES or sig.shingles < 0

    def _check(self, sig: Signature) -> None:
        if sig.scheme != self.scheme:
            raise ValueError(f"signature scheme {sig.scheme!r}, index expects {self.scheme!r}")

    # --- database -------------------------------------------------------------------------------
    # The per-article statements are built once, compiled once per dialect by SQLAlchemy and run
    # as driver SQL on the session's connection: on a 4 kB article SQLAlchemy's per-execution
    # work (bind processing, executemany of 42 bucket rows) cost three times the queries.

    @cached_property
    def _sql(self) -> _Statements:
        b, m, a, c = _BUCKETS.c, _MINHASHES.c, _ARTICLES.c, _CLUSTERS.c
        # One (band = i AND bucket = :ki) term per band: SQLite runs it as a MULTI-INDEX OR of
        # primary-key searches, PostgreSQL as a BitmapOr; a row-value IN (VALUES …) made SQLite
        # scan the whole table.
        probe = or_(
            *(
                and_(b.band == literal_column(str(band)), b.bucket == bindparam(f"k{band}"))
                for band in range(self.bands)
            )
        )
        candidates = select(b.article_id).where(probe, b.article_id != bindparam("exclude"))
        return _Statements(
            lookup=_Prepared(
                select(m.article_id, m.signature, a.cluster_id)
                .join(_ARTICLES, a.id == m.article_id)
                .where(m.article_id.in_(candidates), m.scheme == bindparam("scheme"))
            ),
            cluster_of=_Prepared(select(a.cluster_id).where(a.id == bindparam("id"))),
            delete_buckets=_Prepared(delete(_BUCKETS).where(b.article_id == bindparam("id"))),
            delete_minhash=_Prepared(
                delete(_MINHASHES).where(m.article_id == bindparam("id")).returning(m.article_id)
            ),
            insert_minhash=_Prepared(insert(_MINHASHES)),
            insert_buckets=_Prepared(insert(_BUCKETS)),
            # The database's clock, not a bound datetime: driver SQL skips SQLAlchemy's type
            # processing, and CURRENT_TIMESTAMP is UTC on SQLite and zone-aware on PostgreSQL.
            new_cluster=_Prepared(
                insert(_CLUSTERS).values(created_at=func.current_timestamp()).returning(c.id)
            ),
            set_cluster=_Prepared(
                update(_ARTICLES)
                .where(a.id == bindparam("id"))
                .values(cluster_id=bindparam("target"))
            ),
        )

    def find(
        self, session: Session, sig: Signature, *, exclude_article_id: int | None = None
    ) -> list[Match]:
        """Indexed articles whose estimated similarity to `sig` reaches the threshold, most
        similar first. One query: a B-tree probe per band, then the candidates' signatures."""
        self._check(sig)
        if not self.indexable(sig):
            return []
        session.flush()
        return self._find(session.connection(), sig, self.buckets(sig), exclude_article_id)

    def _find(
        self,
        conn: Connection,
        sig: Signature,
        buckets: list[tuple[int, int]],
        exclude_article_id: int | None,
    ) -> list[Match]:
        params: dict[str, Any] = {f"k{band}": bucket for band, bucket in buckets}
        # Ids are positive, so -1 excludes nothing and the statement keeps one shape.
        params["exclude"] = -1 if exclude_article_id is None else exclude_article_id
        params["scheme"] = self.scheme
        matches = []
        for article_id, blob, cluster_id in self._sql.lookup.run(conn, params):
            similarity = _estimate(sig.values, np.frombuffer(blob, dtype="<u4"))
            if similarity >= self.threshold:
                matches.append(Match(article_id, cluster_id, similarity))
        matches.sort(key=lambda m: (-m.similarity, m.article_id))
        return matches

    def add(self, session: Session, article_id: int, sig: Signature) -> None:
        """Index an article, replacing its previous entry if any. Texts too short to compare
        (`indexable`) are left out. Pending ORM changes are flushed first: the article row must
        exist."""
        self._check(sig)
        session.flush()
        conn = session.connection()
        self._remove(conn, article_id)
        if self.indexable(sig):
            self._add(conn, article_id, sig, self.buckets(sig))

    def _add(
        self, conn: Connection, article_id: int, sig: Signature, buckets: list[tuple[int, int]]
    ) -> None:
        self._sql.insert_minhash.run(
            conn, {"article_id": article_id, "signature": sig.to_bytes(), "scheme": self.scheme}
        )
        self._sql.insert_buckets.run_many(
            conn,
            [
                {"band": band, "bucket": bucket, "article_id": article_id}
                for band, bucket in buckets
            ],
        )

    def remove(self, session: Session, article_id: int) -> None:
        """Take an article out of the index (its cluster membership is left alone)."""
        session.flush()
        self._remove(session.connection(), article_id)

    def _remove(self, conn: Connection, article_id: int) -> None:
        # An article has bucket rows only if it has a signature row: a new article costs one
        # statement here, not two.
        if self._sql.delete_minhash.run(conn, {"id": article_id}).first() is not None:
            self._sql.delete_buckets.run(conn, {"id": article_id})

    def assign_cluster(
        self, session: Session, article_id: int, sig: Signature, *, new_article: bool = False
    ) -> int:
        """Index the article and put it in its story cluster; returns the cluster id.

        The article joins the cluster of its near-duplicates, merging theirs (and its own, when
        it already had one) into the smallest id. With no near-duplicate it keeps its cluster or
        gets a new one of its own: every article has a cluster, so GROUP BY cluster_id counts
        stories. Re-assigning an article whose text changed never splits its old cluster; an
        edited article is still the same story. `rebuild` recomputes clusters from scratch.

        Pending ORM changes are flushed first (the article row must exist), and loaded Article
        objects are kept in step with the cluster ids written.

        `new_article`: the caller inserted the article's row in this transaction (so it has no
        index entry and no cluster, and on SQLite the write lock is already held): the removal
        and the cluster lookup are skipped, two statements of the store's hot path."""
        return self._assign(session, article_id, sig, keep_current=True, new_article=new_article)

    def _assign(
        self,
        session: Session,
        article_id: int,
        sig: Signature,
        *,
        keep_current: bool,
        new_article: bool = False,
    ) -> int:
        self._check(sig)
        session.flush()
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        # Writes come first. On SQLite the first write takes the database write lock, waiting
        # for it (busy timeout) only when this transaction has not read yet; from then on the
        # lookup below sees every committed article, and nobody commits another until this
        # transaction ends. Removing a previous entry is that write (a DELETE takes the lock
        # even when it deletes nothing); for a `new_article` its own INSERT already was.
        if new_article:
            state: Any = (None,)
        else:
            self._remove(conn, article_id)
            state = self._sql.cluster_of.run(conn, {"id": article_id}).one_or_none()
            if state is None:
                raise LookupError(f"article {article_id} is not in the archive")
        # A rebuild ignores the old cluster: only the articles already re-indexed count.
        current = state[0] if keep_current else None
        matches: list[Match] = []
        if self.indexable(sig):
            buckets = self.buckets(sig)
            self._add(conn, article_id, sig, buckets)
            matches = self._find(conn, sig, buckets, article_id)
        cluster_ids = {m.cluster_id for m in matches if m.cluster_id is not None}
        if current is not None:
            cluster_ids.add(current)
        absorbed: list[int] = []
        if cluster_ids:
            target = min(cluster_ids)
            absorbed = sorted(cluster_ids - {target})
        else:
            target = self._sql.new_cluster.run(conn, {}).scalar_one()
        if absorbed:
            conn.execute(
                update(_ARTICLES)
                .where(_ARTICLES.c.cluster_id.in_(absorbed))
                .values(cluster_id=target)
            )
            conn.execute(delete(_CLUSTERS).where(_CLUSTERS.c.id.in_(absorbed)))
        joined = [article_id] if state[0] != target else []
        joined += [m.article_id for m in matches if m.cluster_id is None]
        if joined:
            self._sql.set_cluster.run_many(conn, [{"id": i, "target": target} for i in joined])
        _sync_identity_map(session, target, {article_id, *joined}, set(absorbed))
        return target

    # --- maintenance ----------------------------------------------------------------------------

    def rebuild(
        self,
        session_factory: Callable[[], Session],
        *,
        batch_size: int = 1000,
        progress: bool = True,
    ) -> RebuildStats:
        """Recompute every signature, bucket and cluster from the archive's texts.

        Articles are processed in id order, `batch_size` per transaction, so memory stays bounded
        whatever the archive's size. Since matching is symmetric, the clusters come out as the
        connected components of the near-duplicate relation whatever order the crawl stored the
        articles in: the same partition as incremental indexing (cluster ids are new). Run it
        with the crawlers stopped; they would see a half-built index."""
        stats = RebuildStats()
        started = time.monotonic()
        with session_factory() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("TRUNCATE lsh_buckets, article_minhashes"))
            else:
                session.execute(delete(LshBucket.__table__))
                session.execute(delete(ArticleMinhash.__table__))
            total = session.scalar(select(func.count()).select_from(Article)) or 0
        # Articles keep their old cluster ids until their turn: nulling a million rows first
        # would rewrite the whole articles table once more. New clusters get new ids, and the
        # old ones are dropped at the end.
        last_id = 0
        with tqdm(total=total, disable=not progress, unit="article", desc="near-dup index") as bar:
            while True:
                # Read and sign outside the writing transaction, which then starts with a write
                # and holds the SQLite write lock only while it stores.
                with session_factory() as session:
                    batch = session.execute(
                        select(Article.id, Article.text)
                        .where(Article.id > last_id)
                        .order_by(Article.id)
                        .limit(batch_size)
                    ).all()
                if not batch:
                    break
                signed = [(article_id, self.signature(body)) for article_id, body in batch]
                with session_factory() as session, session.begin():
                    for article_id, sig in signed:
                        self._assign(session, article_id, sig, keep_current=False)
                indexed = sum(1 for _id, sig in signed if self.indexable(sig))
                stats.indexed += indexed
                stats.too_short += len(batch) - indexed
                stats.articles += len(batch)
                last_id = batch[-1][0]
                bar.update(len(batch))
        with session_factory() as session, session.begin():
            used = select(Article.id).where(Article.cluster_id == Cluster.id).exists()
            session.execute(delete(Cluster).where(~used))
            sizes = (
                select(func.count().label("n"))
                .select_from(Article)
                .group_by(Article.cluster_id)
                .subquery()
            )
            stats.clusters = session.scalar(select(func.count()).select_from(sizes)) or 0
            stats.multi_article_clusters = (
                session.scalar(select(func.count()).select_from(sizes).where(sizes.c.n > 1)) or 0
            )
            stats.articles_in_multi_clusters = (
                session.scalar(select(func.sum(sizes.c.n)).where(sizes.c.n > 1)) or 0
            )
        stats.seconds = time.monotonic() - started
        log.info("near-duplicate index rebuilt: %s", stats)
        return stats


def _sync_identity_map(
    session: Session, target: int, articles: set[int], absorbed: set[int]
) -> None:
    """Core statements bypass the ORM: give loaded Article objects the cluster ids just written,
    as committed state, so the caller's objects neither go stale nor write old ids back."""
    for obj in list(session.identity_map.values()):
        if not isinstance(obj, Article):
            continue
        loaded = obj.__dict__
        if loaded.get("id") in articles or (
            "cluster_id" in loaded and loaded["cluster_id"] in absorbed
        ):
            set_committed_value(obj, "cluster_id", target)


def clusters_of(session: Session, article_ids: Iterable[int]) -> dict[int, int | None]:
    """Cluster id of each given article (a convenience for callers and tests)."""
    ids: Sequence[int] = list(article_ids)
    rows = session.execute(select(Article.id, Article.cluster_id).where(Article.id.in_(ids)))
    return {article_id: cluster_id for article_id, cluster_id in rows}
