"""archive/store/schema.py: first migrations that start together on an empty archive."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from archive.store.db import make_engine
from tests.conftest import REPO_ROOT

MIGRATE = "import sys; from archive.store.schema import upgrade; upgrade(sys.argv[1])"


def test_concurrent_first_migrations_all_succeed(new_archive) -> None:  # type: ignore[no-untyped-def]
    # Without the advisory lock, 4 in 10 such pairs failed on PostgreSQL (UniqueViolation on
    # alembic_version); SQLite migrates under BEGIN IMMEDIATE.
    for _ in range(3):
        url = new_archive(migrated=False)
        procs = [subprocess.Popen([sys.executable, "-c", MIGRATE, url], cwd=REPO_ROOT,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], errors
        engine = make_engine(url)
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        engine.dispose()
        assert len(versions) == 1
