"""The per-site lock in the archive: exclusion across processes, heartbeat, stale takeover."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from archive.crawls.locks import (
    LockHeartbeat,
    acquire_site_lock,
    acquire_site_lock_freeing_dead,
    holder_id,
    holder_is_dead_local,
    lock_holder,
    refresh_site_lock,
    release_site_lock,
)
from archive.store.db import make_engine, session_factory, transaction
from archive.store.models import Base, SiteLock, utcnow

TTL = timedelta(minutes=15)
SPAWN = multiprocessing.get_context("spawn")
# Forked contenders start in milliseconds, so they really do race; each opens its own engine.
FORK = multiprocessing.get_context("fork")


@pytest.fixture
def lock_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def factory(lock_db: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(lock_db)
    yield session_factory(engine, writer=True)
    engine.dispose()


def _row(factory: sessionmaker[Session], site: str) -> SiteLock | None:
    with factory() as session:
        return session.scalar(select(SiteLock).where(SiteLock.site_name == site))


def test_one_holder_at_a_time(factory: sessionmaker[Session]) -> None:
    assert acquire_site_lock(factory, "alpha", "host:1", TTL)
    assert not acquire_site_lock(factory, "alpha", "host:2", TTL)
    assert lock_holder(factory, "alpha") == "host:1"
    # Other sites are independent.
    assert acquire_site_lock(factory, "beta", "host:2", TTL)

    assert not release_site_lock(factory, "alpha", "host:2")  # never someone else's lock
    assert lock_holder(factory, "alpha") == "host:1"
    assert release_site_lock(factory, "alpha", "host:1")
    assert lock_holder(factory, "alpha") is None
    assert acquire_site_lock(factory, "alpha", "host:2", TTL)
    assert lock_holder(factory, "alpha") == "host:2"


def test_holder_reacquires_and_heartbeat_extends(factory: sessionmaker[Session]) -> None:
    t0 = utcnow()
    assert acquire_site_lock(factory, "alpha", "host:1", TTL, now=t0)
    assert acquire_site_lock(factory, "alpha", "host:1", TTL, now=t0)  # renewal, not a conflict

    later = t0 + timedelta(minutes=10)
    assert refresh_site_lock(factory, "alpha", "host:1", TTL, now=later)
    row = _row(factory, "alpha")
    assert row is not None and row.expires_at == later + TTL
    # Past the original expiry the lock is still live thanks to the heartbeat.
    assert not acquire_site_lock(
        factory, "alpha", "host:2", TTL, now=t0 + TTL + timedelta(minutes=1)
    )
    assert not refresh_site_lock(factory, "alpha", "host:2", TTL)


def test_stale_lock_is_taken_over(factory: sessionmaker[Session]) -> None:
    # A crawl killed an hour ago: its lock expired 45 minutes ago.
    t_dead = utcnow() - timedelta(hours=1)
    assert acquire_site_lock(factory, "alpha", "host:dead", TTL, now=t_dead)
    assert lock_holder(factory, "alpha") is None  # expired locks are not reported as held

    assert acquire_site_lock(factory, "alpha", "host:new", TTL)
    row = _row(factory, "alpha")
    assert row is not None and row.holder == "host:new" and row.expires_at > utcnow()
    # The old holder finds out it lost the lock, and cannot release the new one.
    assert not refresh_site_lock(factory, "alpha", "host:dead", TTL)
    assert not release_site_lock(factory, "alpha", "host:dead")
    assert lock_holder(factory, "alpha") == "host:new"


def _hold_lock(url: str, site: str, held, release) -> None:  # type: ignore[no-untyped-def]
    factory = session_factory(make_engine(url), writer=True)
    assert acquire_site_lock(factory, site, holder_id(), TTL)
    held.set()
    release.wait(20)
    release_site_lock(factory, site, holder_id())


def test_lock_held_by_another_process(lock_db: str, factory: sessionmaker[Session]) -> None:
    held, release = SPAWN.Event(), SPAWN.Event()
    proc = SPAWN.Process(target=_hold_lock, args=(lock_db, "alpha", held, release))
    proc.start()
    try:
        assert held.wait(20)
        assert lock_holder(factory, "alpha") == f"{socket.gethostname()}:{proc.pid}"
        assert not acquire_site_lock(factory, "alpha", holder_id(), TTL)
        assert not holder_is_dead_local(f"{socket.gethostname()}:{proc.pid}")
    finally:
        release.set()
        proc.join(20)
    assert proc.exitcode == 0
    assert acquire_site_lock(factory, "alpha", holder_id(), TTL)


def _contend(url: str, site: str, holder: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    factory = session_factory(make_engine(url))
    barrier.wait(20)
    results.put((holder, acquire_site_lock(factory, site, holder, TTL)))


@pytest.mark.parametrize("stale", [False, True], ids=["free", "stale"])
def test_racing_processes_exactly_one_wins(
    lock_db: str, factory: sessionmaker[Session], stale: bool
) -> None:
    if stale:
        with transaction(factory) as session:
            session.execute(
                insert(SiteLock).values(
                    site_name="alpha",
                    holder="host:dead",
                    acquired_at=utcnow() - timedelta(hours=2),
                    expires_at=utcnow() - timedelta(hours=1),
                )
            )
    n = 6
    barrier, results = FORK.Barrier(n), FORK.Queue()
    procs = [
        FORK.Process(target=_contend, args=(lock_db, "alpha", f"host:{i}", barrier, results))
        for i in range(n)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=30) for _ in procs]
    for proc in procs:
        proc.join(20)
        assert proc.exitcode == 0
    winners = [holder for holder, won in outcomes if won]
    assert len(winners) == 1
    assert lock_holder(factory, "alpha") == winners[0]


def test_holder_is_dead_local() -> None:
    assert holder_id() == f"{socket.gethostname()}:{os.getpid()}"
    assert not holder_is_dead_local(holder_id())
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert holder_is_dead_local(f"{socket.gethostname()}:{finished.stdout.strip()}")
    # Another host's process cannot be checked, so it is never presumed dead.
    assert not holder_is_dead_local("some-other-host:999999")
    assert not holder_is_dead_local("garbage")


def _dead_local_holder() -> str:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return f"{socket.gethostname()}:{proc.stdout.strip()}"


def test_a_dead_local_holder_is_freed_by_the_next_acquirer(
    factory: sessionmaker[Session],
) -> None:
    dead = _dead_local_holder()
    assert acquire_site_lock(factory, "alpha", dead, TTL)
    assert acquire_site_lock_freeing_dead(factory, "alpha", "host:2", TTL) == (True, None)
    assert lock_holder(factory, "alpha") == "host:2"
    # A live holder (on another host: never judged dead here) keeps it.
    assert acquire_site_lock(factory, "beta", "elsewhere:1", TTL)
    assert acquire_site_lock_freeing_dead(factory, "beta", "host:2", TTL) == (False, "elsewhere:1")


def test_the_heartbeat_thread_keeps_the_lock_while_the_caller_is_blocked(
    factory: sessionmaker[Session],
) -> None:
    ttl = timedelta(seconds=0.6)
    assert acquire_site_lock(factory, "alpha", "host:1", ttl)
    lost = threading.Event()
    beat = LockHeartbeat(factory, "alpha", "host:1", ttl, on_lost=lost.set)
    beat.start()
    try:
        time.sleep(2.0)  # a blocked event loop: more than three TTLs without a chance to run
        assert not acquire_site_lock(factory, "alpha", "host:2", TTL)
        assert not lost.is_set()
        # Taken over behind its back (expired and stolen): the heartbeat says so and stops.
        with transaction(factory) as session:
            session.execute(SiteLock.__table__.update().values(holder="host:3"))
        assert lost.wait(5)
    finally:
        beat.stop()
