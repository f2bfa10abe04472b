"""Per-site crawl locks in the archive database, so the daemon and a manual `scrapy crawl` (or two
daemons, or two hosts sharing one PostgreSQL archive) never crawl one site at the same time.

A lock is a `site_locks` row: the site, who holds it ("hostname:pid") and when it expires. The
holder keeps it alive with `refresh_site_lock` (a heartbeat well inside the TTL); a holder that was
killed stops refreshing, and once `expires_at` has passed anyone may take the lock over. Expiry is
judged on the acquiring process's clock, so hosts sharing a database need roughly synchronised
clocks (NTP).

Every change is one conditional statement whose rowcount says whether it won: the database's own
row locking (PostgreSQL) or its single writer (SQLite WAL) makes it atomic, with no
read-then-write window between processes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from archive.store.db import transaction
from archive.store.models import SiteLock, utcnow

logger = logging.getLogger(__name__)

__all__ = [
    "LockHeartbeat",
    "acquire_site_lock",
    "acquire_site_lock_freeing_dead",
    "holder_id",
    "holder_is_dead_local",
    "lock_holder",
    "refresh_site_lock",
    "release_site_lock",
]


def holder_id() -> str:
    """This process as a lock holder: "hostname:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire_site_lock(
    factory: sessionmaker[Session],
    site_name: str,
    holder: str,
    ttl: timedelta,
    *,
    now: datetime | None = None,
) -> bool:
    """Take the lock on `site_name` for `holder` until now + `ttl`; False if someone else holds it.

    Succeeds when the site is unlocked, when its lock has expired (a stale lock left by a killed
    process) or when `holder` already holds it (then it is renewed).
    """
    now = now or utcnow()
    expires_at = now + ttl
    # Take over first: an expired or own row. Doing the UPDATE before the INSERT means a stale row
    # never makes the INSERT fail, and two processes racing for a stale row serialise on it — the
    # loser's WHERE no longer matches once the winner has committed a fresh expires_at.
    with transaction(factory) as session:
        taken = session.execute(
            update(SiteLock)
            .where(
                SiteLock.site_name == site_name,
                (SiteLock.expires_at < now) | (SiteLock.holder == holder),
            )
            .values(holder=holder, acquired_at=now, expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            return True
    try:
        with transaction(factory) as session:
            session.execute(
                insert(SiteLock).values(
                    site_name=site_name, holder=holder, acquired_at=now, expires_at=expires_at
                )
            )
    except IntegrityError:
        # A live lock exists, or another process inserted between our UPDATE and INSERT.
        return False
    return True


def acquire_site_lock_freeing_dead(
    factory: sessionmaker[Session], site_name: str, holder: str, ttl: timedelta
) -> tuple[bool, str | None]:
    """acquire_site_lock, but a lock whose holder is a dead process on this host (a crawl killed
    with SIGKILL) is released first rather than waited out. Returns (acquired, the live holder
    that keeps us out, or None)."""
    if acquire_site_lock(factory, site_name, holder, ttl):
        return True, None
    other = lock_holder(factory, site_name)
    if other is not None and holder_is_dead_local(other):
        logger.warning("site %s: releasing the lock of dead process %s", site_name, other)
        release_site_lock(factory, site_name, other)
        if acquire_site_lock(factory, site_name, holder, ttl):
            return True, None
        other = lock_holder(factory, site_name)
    return False, other


def refresh_site_lock(
    factory: sessionmaker[Session],
    site_name: str,
    holder: str,
    ttl: timedelta,
    *,
    now: datetime | None = None,
) -> bool:
    """Heartbeat: push the lock's expiry to now + `ttl`. False if `holder` no longer holds it (it
    expired and was taken over), in which case the caller should stop crawling."""
    now = now or utcnow()
    with transaction(factory) as session:
        result = session.execute(
            update(SiteLock)
            .where(SiteLock.site_name == site_name, SiteLock.holder == holder)
            .values(expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


def release_site_lock(factory: sessionmaker[Session], site_name: str, holder: str) -> bool:
    """Drop the lock if `holder` still holds it; False if it did not (never a foreign lock)."""
    with transaction(factory) as session:
        result = session.execute(
            delete(SiteLock)
            .where(SiteLock.site_name == site_name, SiteLock.holder == holder)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


def lock_holder(
    factory: sessionmaker[Session], site_name: str, *, now: datetime | None = None
) -> str | None:
    """Who holds a live (unexpired) lock on `site_name`, or None."""
    now = now or utcnow()
    with factory() as session:
        return session.scalar(
            select(SiteLock.holder).where(
                SiteLock.site_name == site_name, SiteLock.expires_at >= now
            )
        )


def holder_is_dead_local(holder: str) -> bool:
    """True if `holder` names a process on this host that no longer exists.

    Such a lock need not wait for its TTL: its owner was killed (SIGKILL, OOM, power loss of a
    child) and can never release it. A holder on another host is never judged dead here.
    """
    host, sep, pid_text = holder.rpartition(":")
    if not sep or host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, owned by another user
    return False


class LockHeartbeat:
    """Keeps a held lock alive from a thread of its own, every ttl/3.

    Not on the crawl's event loop: a page that keeps the reactor busy longer than the TTL must not
    let the lock expire under a live holder. A refresh that fails on a database error (locked,
    busy) is tried again at the next beat; a refresh that finds the lock taken over calls
    `on_lost` once (from this thread) and stops.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        site_name: str,
        holder: str,
        ttl: timedelta,
        on_lost: Callable[[], None],
    ) -> None:
        self.factory, self.site_name, self.holder, self.ttl = factory, site_name, holder, ttl
        self.on_lost = on_lost
        self.interval = max(ttl.total_seconds() / 3, 0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"lock-heartbeat-{site_name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.interval + 35)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                held = refresh_site_lock(self.factory, self.site_name, self.holder, self.ttl)
            except Exception as exc:  # the database is busy or gone: try again next beat
                logger.warning("site %s: could not refresh the lock: %s", self.site_name, exc)
                continue
            if not held:
                self.on_lost()
                return
