"""Writing pages into the archive: identity resolution, revisions, copies, tags and clusters.

Identity: within one site, one article under many URLs is one row with aliases (a known URL, or
the same text at a new URL). Across sites, every outlet's page is its own row; a verbatim copy
(the same text on another site) is linked to the text's earliest published row
(archive/identity/copies.py), and edited copies share the story's cluster
(archive/identity/neardup.py).

Every decision and write for one page happens in one writer transaction, so several crawler
processes can store into one archive without creating the same article twice.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from isal import igzip
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from archive.extraction.records import ArticleRecord
from archive.identity.copies import published_fields, relink_copies
from archive.identity.urlnorm import is_view_variant
from archive.store.db import serialise, transaction
from archive.store.models import (
    Article,
    ArticleRevision,
    ArticleTag,
    ArticleUrl,
    Site,
)
from archive.store.regions import INSERT_REGIONS, RegionResult, region_values, replace_regions

# The hot path (a new article) writes with Core statements on the session's connection: the
# ORM's unit of work (objects, flushes, identity map) cost more than the SQL itself, 14 ms an
# article of which the statements were a third (bench/throughput_bench.py pages, cProfile).
_ARTICLES = Article.__table__
_URLS = ArticleUrl.__table__
_REVISIONS = ArticleRevision.__table__
_TAGS = ArticleTag.__table__
# Built once: a statement made per call (`insert(t).values(...)`, a fresh `in_()` list) costs
# SQLAlchemy its argument coercion and a new cache key each time, ~1 ms a new article
# (bench/throughput_bench.py pages); a module-level statement's key is computed once and its
# compiled form comes from the cache. Values go in as execute() parameters.
_INSERT_ARTICLE = insert(_ARTICLES)
_INSERT_URLS = insert(_URLS)
_INSERT_REVISION = insert(_REVISIONS)
_INSERT_TAGS = insert(_TAGS)
_KNOWN_URL_IDS = select(_URLS.c.id).where(_URLS.c.url.in_(bindparam("urls", expanding=True)))
_SAME_TEXT = (
    select(_ARTICLES.c.id, _ARTICLES.c.site_id)
    .where(_ARTICLES.c.text_hash == bindparam("text_hash"))
    .order_by(_ARTICLES.c.id)
)


class TagResult(Protocol):
    tag: str
    match_count: int
    matched_terms: Sequence[str]
    in_title: bool
    in_body: bool
    score: float


class ClusterIndex(Protocol):
    def assign_cluster(
        self, session: Session, article_id: int, sig: Any, *, new_article: bool = False
    ) -> int | None: ...


@dataclass(slots=True)
class SiteInfo:
    name: str
    home_url: str
    province: str
    regency: str | None = None
    language: str = "id"


@dataclass(slots=True)
class Page:
    """One extracted, identified page, ready to store."""

    site: str
    fetched_url: str
    canonical_url: str
    record: ArticleRecord
    text_hash: str
    raw_html: bytes
    fetched_at: datetime
    http_encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    alias_urls: Sequence[str] = ()
    """Other normalised URLs this fetch answered to (the fetched URL, redirects)."""
    canonical_declared: bool = False
    """The page itself named `canonical_url` (a trusted rel=canonical or og:url), as opposed to
    `canonical_url` being its fetched URL for want of one."""
    tags: Sequence[TagResult] | None = None
    taxonomy_version: str | None = None
    regions: Sequence[RegionResult] | None = None
    """The regencies the article is about (archive/tagging/regions.py), when tagged."""
    gazetteer_version: str | None = None
    signature: Any = None
    """Near-duplicate signature, when the dedup stage computed one."""


@dataclass(slots=True)
class StoreResult:
    outcome: str
    """'new', 'updated', 'unchanged' or 'alias' (known article, new URL on the same site). A
    verbatim copy of another site's article is 'new': a row of its own, with `original_id`."""
    article_id: int
    cluster_id: int | None = None
    new_urls: list[str] = field(default_factory=list)
    original_id: int | None = None
    """The article this one is a verbatim copy of (the earliest published of its text)."""


class ArchiveStore:
    """The archive as the pipelines see it."""

    def __init__(
        self,
        writer_sessions: sessionmaker[Session],
        *,
        cluster_index: ClusterIndex | None = None,
    ) -> None:
        self._sessions = writer_sessions
        self._cluster_index = cluster_index
        self._site_ids: dict[str, int] = {}

    def ensure_site(self, info: SiteInfo) -> int:
        """The site's id, creating or refreshing its row from the registry entry."""
        with transaction(self._sessions) as session:
            site = session.scalar(select(Site).where(Site.name == info.name))
            if site is None:
                site = Site(name=info.name, home_url=info.home_url, province=info.province,
                            regency=info.regency, language=info.language)
                session.add(site)
            else:
                site.home_url, site.province = info.home_url, info.province
                site.regency, site.language = info.regency, info.language
            session.flush()
            self._site_ids[info.name] = site.id
            return site.id

    def site_id(self, name: str) -> int:
        if name not in self._site_ids:
            with self._sessions() as session:
                site_id = session.scalar(select(Site.id).where(Site.name == name))
            if site_id is None:
                raise LookupError(f"site {name!r} is not in the archive; call ensure_site first")
            self._site_ids[name] = site_id
        return self._site_ids[name]

    def save(self, page: Page) -> StoreResult:
        try:
            return self._save_once(page)
        except IntegrityError:
            # Another process stored the same URL between our read and our write: our second
            # look finds its row and treats this page as a re-fetch of it.
            return self._save_once(page)

    def _save_once(self, page: Page) -> StoreResult:
        site_id = self.site_id(page.site)
        with transaction(self._sessions) as session:
            serialise(session, f"text:{page.text_hash}")
            conn = session.connection()
            urls = _unique([page.canonical_url, *page.alias_urls])
            known_ids = conn.execute(_KNOWN_URL_IDS, {"urls": urls}).scalars()
            if known_ids := list(known_ids):
                # Objects only now: a re-fetch edits what it finds.
                known = session.scalars(
                    select(ArticleUrl).where(ArticleUrl.id.in_(known_ids))
                ).all()
                article = session.get_one(Article, known[0].article_id)
                return self._refetch(session, article, page, site_id, urls, known)
            # Every article with this text: the same text at a new URL of the same site is that
            # article's alias; on another site it is that outlet's own article, a copy.
            same_text = conn.execute(_SAME_TEXT, {"text_hash": page.text_hash}).all()
            twin_id = next((row.id for row in same_text if row.site_id == site_id), None)
            if twin_id is not None:
                twin = session.get_one(Article, twin_id)
                new = _record_urls(session, twin.id, site_id, urls, page, kind="alias")
                if page.canonical_declared:
                    # The site names this URL as the text's own: the twin was stored first under
                    # a URL that named none (an old slug from a stale cache), or named another.
                    _make_canonical(session, twin, page.canonical_url)
                return StoreResult("alias", twin.id, twin.cluster_id, new, twin.original_id)
            return self._insert(session, page, site_id, urls, copies=bool(same_text))

    def _insert(
        self, session: Session, page: Page, site_id: int, urls: list[str], *, copies: bool
    ) -> StoreResult:
        """A new article: `copies` says whether other sites' articles have its text."""
        conn = session.connection()
        versions: dict[str, Any] = {}
        if page.tags is not None:
            versions["taxonomy_version"] = page.taxonomy_version or ""
        if page.regions is not None:
            versions["gazetteer_version"] = page.gazetteer_version or ""
        article_id: int = conn.execute(
            _INSERT_ARTICLE,
            {
                "site_id": site_id,
                "canonical_url": page.canonical_url,
                "first_fetched_at": page.fetched_at,
                "last_fetched_at": page.fetched_at,
                "last_changed_at": page.fetched_at,
                **_article_fields(page.record, page.text_hash),
                **versions,
            },
        ).inserted_primary_key[0]
        conn.execute(
            _INSERT_URLS,
            [
                _url_values(article_id, site_id, url, page, "canonical" if n == 0 else "alias")
                for n, url in enumerate(urls)
            ],
        )
        conn.execute(_INSERT_REVISION, _revision_values(article_id, page))
        if page.tags:
            rows = tag_values(article_id, page.tags, versions["taxonomy_version"])
            conn.execute(_INSERT_TAGS, rows)
        if page.regions:
            conn.execute(
                INSERT_REGIONS,
                region_values(article_id, page.regions, versions["gazetteer_version"]),
            )
        cluster_id = None
        if self._cluster_index is not None and page.signature is not None:
            # new_article: the row was inserted just now, so it has no index entry to remove
            # and no cluster yet: two statements fewer.
            cluster_id = self._cluster_index.assign_cluster(
                session, article_id, page.signature, new_article=True
            )
        # With no other article of this text (looked up under this transaction's lock) the new
        # one is its own original and there is nothing to relink.
        original = relink_copies(session, page.text_hash) if copies else article_id
        return StoreResult("new", article_id, cluster_id, urls, _copy_of(article_id, original))

    def _refetch(
        self,
        session: Session,
        article: Article,
        page: Page,
        site_id: int,
        urls: list[str],
        known: Sequence[ArticleUrl],
    ) -> StoreResult:
        for url_row in known:
            url_row.last_seen_at = page.fetched_at
            if url_row.url in (page.canonical_url, *page.alias_urls):
                url_row.etag = page.etag or url_row.etag
                url_row.last_modified = page.last_modified or url_row.last_modified
        known_urls = {row.url for row in known}
        new = _record_urls(
            session, article.id, site_id, [u for u in urls if u not in known_urls], page,
            kind="alias",
        )
        article.last_fetched_at = max(article.last_fetched_at, page.fetched_at)
        # A row without revisions was made by migration 0003 from a 'syndication' URL: its
        # title and date are its original's until its own page is read, now.
        unread = article.text_hash == page.text_hash and not _has_revision(session, article.id)
        if (article.text_hash == page.text_hash and not unread) or article.site_id != site_id:
            if _tagged_by_other_versions(article, page):
                self._apply_tags(session, article.id, page)
            return StoreResult(
                "unchanged", article.id, article.cluster_id, new, article.original_id
            )
        if (
            not unread
            and is_view_variant(page.fetched_url)
            and not _text_read_from_view(session, article.id)
        ):
            # A print or AMP view of a page already read from the page itself: its text differs
            # by the view's furniture ("Artikel dicetak dari …"), not by an edit. Revising on it
            # would swap the article's text at every crawl that fetches both.
            return StoreResult(
                "unchanged", article.id, article.cluster_id, new, article.original_id
            )
        old_hash = article.text_hash
        if old_hash != page.text_hash:
            serialise(session, f"text:{old_hash}")
        for name, value in _article_fields(page.record, page.text_hash).items():
            setattr(article, name, value)
        article.last_changed_at = page.fetched_at
        session.add(_revision(article.id, page))
        self._apply_tags(session, article.id, page)
        if self._cluster_index is not None and page.signature is not None:
            # The index must hold the text the article now shows, or copies of the new text
            # would be compared with the old one; an edit never splits the story's cluster.
            article.cluster_id = self._cluster_index.assign_cluster(
                session, article.id, page.signature
            )
        # The article leaves its old text's copy group and joins the new one's.
        relink_copies(session, old_hash)
        original = relink_copies(session, page.text_hash)
        return StoreResult(
            "updated", article.id, article.cluster_id, new, _copy_of(article.id, original)
        )

    @staticmethod
    def _apply_tags(session: Session, article_id: int, page: Page) -> None:
        if page.tags is not None:
            replace_tags(session, article_id, page.tags, page.taxonomy_version or "")
        if page.regions is not None:
            replace_regions(session, article_id, page.regions, page.gazetteer_version or "")


def _tagged_by_other_versions(article: Article, page: Page) -> bool:
    return (page.tags is not None and article.taxonomy_version != page.taxonomy_version) or (
        page.regions is not None and article.gazetteer_version != page.gazetteer_version
    )


def replace_tags(
    session: Session, article_id: int, tags: Iterable[TagResult], version: str
) -> None:
    """Make `tags` the article's tags, produced by taxonomy `version`."""
    session.execute(delete(ArticleTag).where(ArticleTag.article_id == article_id))
    if rows := tag_values(article_id, tags, version):
        session.connection().execute(_INSERT_TAGS, rows)
    session.execute(
        update(Article).where(Article.id == article_id).values(taxonomy_version=version)
    )


def tag_values(
    article_id: int, tags: Iterable[TagResult], version: str
) -> list[dict[str, Any]]:
    """`article_tags` rows for a Core insert."""
    return [
        {
            "article_id": article_id,
            "tag": t.tag,
            "match_count": t.match_count,
            "matched_terms": list(t.matched_terms),
            "in_title": t.in_title,
            "in_body": t.in_body,
            "score": t.score,
            "taxonomy_version": version,
        }
        for t in tags
    ]


def _article_fields(record: ArticleRecord, text_hash: str) -> dict[str, Any]:
    return {
        "title": record.title,
        "author": record.author,
        **published_fields(record),
        "language": record.language,
        "text": record.text,
        "text_hash": text_hash,
        "word_count": len(record.text.split()),
    }


def _revision(article_id: int, page: Page) -> ArticleRevision:
    return ArticleRevision(**_revision_values(article_id, page))


def _revision_values(article_id: int, page: Page) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "fetched_at": page.fetched_at,
        "fetched_url": page.fetched_url,
        "title": page.record.title,
        "text": page.record.text,
        "text_hash": page.text_hash,
        "raw_html_gz": compress_html(page.raw_html),
        "http_encoding": page.http_encoding,
    }


def _make_canonical(session: Session, article: Article, url: str) -> None:
    """Make `url` (already one of the article's URLs) its canonical URL; the old one stays an
    alias. Done only when the URL is first seen, so two pages that each name themselves for one
    text settle on the later one instead of swapping at every crawl."""
    rows = session.scalars(
        select(ArticleUrl).where(
            ArticleUrl.article_id == article.id,
            (ArticleUrl.kind == "canonical") | (ArticleUrl.url == url),
        )
    )
    for row in rows:
        row.kind = "canonical" if row.url == url else "alias"
    article.canonical_url = url


def _copy_of(article_id: int, original: int | None) -> int | None:
    return None if original == article_id else original


def _has_revision(session: Session, article_id: int) -> bool:
    return session.scalar(
        select(ArticleRevision.id).where(ArticleRevision.article_id == article_id).limit(1)
    ) is not None


def _text_read_from_view(session: Session, article_id: int) -> bool:
    """Whether the article's current text came from a view variant (its latest revision was
    fetched from one): then a view is all the archive has read, and its changes are edits."""
    latest = session.scalar(
        select(ArticleRevision.fetched_url)
        .where(ArticleRevision.article_id == article_id)
        .order_by(ArticleRevision.id.desc())
        .limit(1)
    )
    return latest is not None and is_view_variant(latest)


def _record_urls(
    session: Session, article_id: int, site_id: int, urls: Iterable[str], page: Page, *, kind: str
) -> list[str]:
    added = list(urls)
    if added:
        session.flush()  # an ORM change to the article must not follow its URL rows
        session.connection().execute(
            _INSERT_URLS, [_url_values(article_id, site_id, url, page, kind) for url in added]
        )
    return added


def _url_values(article_id: int, site_id: int, url: str, page: Page, kind: str) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "site_id": site_id,
        "url": url,
        "kind": kind,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "first_seen_at": page.fetched_at,
        "last_seen_at": page.fetched_at,
    }


def _unique(urls: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(u for u in urls if u))


def compress_html(raw: bytes) -> bytes:
    # mtime=0 keeps the bytes reproducible: the same page compresses to the same blob. Gzip by
    # ISA-L (isal), whose level 3 makes blobs no larger than zlib's level 3 (22.9% vs 23.1% of
    # the raw page on the pages of bench/throughput_bench.py) in under half its CPU (0.57 vs
    # 1.4 ms a page, the store's largest single cost); any gzip reader reads them.
    return igzip.compress(raw, compresslevel=3, mtime=0)


def decompress_html(blob: bytes) -> bytes:
    return gzip.decompress(blob)
