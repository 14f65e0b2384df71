"""Test databases. Every database test runs on SQLite and on the real PostgreSQL.

A template per backend is migrated and seeded with the starter catalog once per session; each
test then gets its own copy (a file copy for SQLite, CREATE DATABASE ... TEMPLATE for
PostgreSQL), so tests are isolated and can use real concurrent connections.

PostgreSQL comes from REELBOT_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432/test). When it
is unreachable the PostgreSQL half is skipped with a message, unless REELBOT_REQUIRE_POSTGRES=1
(as in CI), where it fails instead. Tests that only make sense on PostgreSQL use `@postgres_only`,
so they are not collected on SQLite at all (a skipped SQLite twin would hide them in CI).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app import App, open_app
from bot.settings import Settings
from db import migrate
from db.session import Database
from db.starter import seed_starter

PG_URL = os.environ.get(
    "REELBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("REELBOT_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]
TestFunction = Callable[..., object]


def postgres_only(test: TestFunction) -> TestFunction:
    """Run a test that needs PostgreSQL (two processes on one database, ...) on PostgreSQL only:
    the `backend` fixture gets that one param instead of both."""
    on_postgres = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
    return pytest.mark.postgres(on_postgres(test))  # type: ignore[no-any-return]


def sqlite_only(test: TestFunction) -> TestFunction:
    """Run a test of SQLite-only behaviour (its single writer) on SQLite only."""
    return pytest.mark.parametrize("backend", ["sqlite"], indirect=True)(test)  # type: ignore[no-any-return]


def _pg_dsn(database: str | None = None) -> str:
    url = make_url(PG_URL)
    if database is not None:
        url = url.set(database=database)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_url(database: str) -> str:
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


async def _pg_admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(_pg_dsn(), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL test server unreachable at {PG_URL}: {error}"
        if REQUIRE_PG:
            pytest.fail(message + " (REELBOT_REQUIRE_POSTGRES=1)")
        pytest.skip(message)


class Backend:
    """Makes fresh databases of one kind: empty ones, and copies of the seeded template."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir
        self.template: str | None = None
        self.created: list[str] = []

    async def empty(self) -> str:
        name = f"reelbot_t_{uuid.uuid4().hex[:12]}"
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.workdir / (name + '.sqlite3')}"
        admin = await _pg_admin()
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        self.created.append(name)
        return _pg_url(name)

    async def seeded(self) -> str:
        if self.template is None:
            self.template = await self.empty()
            db = Database.from_url(self.template)
            await migrate.upgrade(db.engine)
            async with db.unit_of_work(write=True) as repos:
                await seed_starter(repos)
            await db.dispose()
        if self.kind == "sqlite":
            source = Path(make_url(self.template).database or "")
            target = self.workdir / f"reelbot_c_{uuid.uuid4().hex[:12]}.sqlite3"
            shutil.copyfile(source, target)
            return f"sqlite+aiosqlite:///{target}"
        name = f"reelbot_c_{uuid.uuid4().hex[:12]}"
        template = make_url(self.template).database
        admin = await _pg_admin()
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await admin.close()
        self.created.append(name)
        return _pg_url(name)

    async def drop_all(self) -> None:
        if self.kind != "postgresql" or not self.created:
            return
        admin = await _pg_admin()
        try:
            for name in reversed(self.created):
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("reelbot-db")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session", params=BACKENDS)
async def backend(request: pytest.FixtureRequest, workdir: Path) -> AsyncIterator[Backend]:
    kind = request.param
    if kind == "postgresql":
        admin = await _pg_admin()
        await admin.close()
    b = Backend(kind, workdir)
    yield b
    await b.drop_all()


@pytest.fixture
async def db_url(backend: Backend) -> str:
    """A migrated database with the starter catalog, private to this test."""
    return await backend.seeded()


@pytest.fixture
async def empty_db_url(backend: Backend) -> str:
    """A database with no tables at all."""
    return await backend.empty()


def make_settings(url: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": url, "data_dir": tmp_path}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def app(db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    application = await open_app(make_settings(db_url, tmp_path))
    yield application
    await application.close()
