"""Shared fixtures: a fresh archive per test, created by the Alembic migrations, on SQLite (a real
file) and on PostgreSQL (a database of its own; skipped when no server is configured, see
tests/databases.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from archive.store.db import make_engine, session_factory
from tests.databases import (
    BACKENDS,
    SKIP_POSTGRES_REASON,
    PostgresDatabases,
    postgres_admin_url,
    sqlite_url,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"

ArchiveFactory = Callable[..., str]


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        yield None
        return
    databases = PostgresDatabases(admin_url)
    yield databases
    databases.close()


def _archive_factory(
    backend: str, databases: PostgresDatabases | None, tmp: pytest.TempPathFactory
) -> tuple[ArchiveFactory, list[str]]:
    created: list[str] = []

    def new_archive(*, migrated: bool = True) -> str:
        if backend == "postgresql":
            if databases is None:
                pytest.skip(SKIP_POSTGRES_REASON)
            url = databases.create(migrated=migrated)
        else:
            url = sqlite_url(tmp.mktemp("archive"), migrated=migrated)
        created.append(url)
        return url

    return new_archive, created


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and postgres_admin_url() is None:
        pytest.skip(SKIP_POSTGRES_REASON)
    return str(request.param)


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request: pytest.FixtureRequest) -> str:
    """`backend` for module-scoped fixtures (a crawl shared by a module's tests)."""
    if request.param == "postgresql" and postgres_admin_url() is None:
        pytest.skip(SKIP_POSTGRES_REASON)
    return str(request.param)


@pytest.fixture
def new_archive(
    backend: str,
    postgres_databases: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ArchiveFactory]:
    """Makes fresh archives on this test's backend: `new_archive()` (migrated) or
    `new_archive(migrated=False)` (an empty database, as a first crawl finds it)."""
    factory, created = _archive_factory(backend, postgres_databases, tmp_path_factory)
    yield factory
    if postgres_databases is not None and backend == "postgresql":
        for url in created:
            postgres_databases.drop(url)


@pytest.fixture(scope="module")
def module_archive(
    module_backend: str,
    postgres_databases: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ArchiveFactory]:
    """`new_archive` for module-scoped fixtures."""
    factory, created = _archive_factory(module_backend, postgres_databases, tmp_path_factory)
    yield factory
    if postgres_databases is not None and module_backend == "postgresql":
        for url in created:
            postgres_databases.drop(url)


@pytest.fixture
def db_url(new_archive: ArchiveFactory) -> str:
    """A fresh, migrated archive on each backend."""
    return new_archive()


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite archive, for what only SQLite has (WAL, its file)."""
    return sqlite_url(tmp_path)


@pytest.fixture
def postgres_url(
    postgres_databases: PostgresDatabases | None,
) -> Iterator[str]:
    """A fresh, migrated PostgreSQL archive, for what only PostgreSQL has."""
    if postgres_databases is None:
        pytest.skip(SKIP_POSTGRES_REASON)
    url = postgres_databases.create()
    yield url
    postgres_databases.drop(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def writer(engine: Engine):  # type: ignore[no-untyped-def]
    return session_factory(engine, writer=True)


# --- per-backend figures at the end of a run (CI reports both) ---------------------------------
_BACKEND_RESULTS: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))


def _backend_of(item: pytest.Item) -> str | None:
    if "postgres_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker(
        "postgresql"
    ):
        return "postgresql"
    if "sqlite_db_url" in getattr(item, "fixturenames", ()):
        return "sqlite"
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for name in ("backend", "module_backend"):
        if name in callspec.params:
            return str(callspec.params[name])
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        backend = _backend_of(item)
        if backend is not None:
            item.add_marker(getattr(pytest.mark, backend))


def _backend_of_report(report: pytest.TestReport) -> str:
    # The markers added above are in the report's keywords; reports (unlike items) reach the
    # controlling process when pytest-xdist runs the tests in workers.
    for backend in ("postgresql", "sqlite"):
        if backend in report.keywords:
            return backend
    return "no database"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    figures = _BACKEND_RESULTS[_backend_of_report(report)]
    figures["seconds"] += report.duration
    if report.when == "call" and report.passed:
        figures["passed"] += 1
    elif report.failed:
        figures["failed"] += 1
    elif report.skipped and report.when in ("setup", "call"):
        figures["skipped"] += 1


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not _BACKEND_RESULTS:
        return
    terminalreporter.section("per database backend")
    for backend in ("sqlite", "postgresql", "no database"):
        if backend in _BACKEND_RESULTS:
            f = _BACKEND_RESULTS[backend]
            terminalreporter.write_line(
                f"{backend:<12} {int(f['passed'])} passed, {int(f['failed'])} failed, "
                f"{int(f['skipped'])} skipped, {f['seconds']:.1f}s in setup+call+teardown"
            )
