"""Engine creation and the unit of work that wraps every command."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.repositories import Repositories


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        return create_async_engine(url, **kwargs)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


class Database:
    """One per process: owns the engine and hands out units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.is_sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time; queueing writers here avoids "database is locked"
        # failures when a deferred transaction tries to upgrade to a write lock.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        # (platform, platform user id, display name) -> user id. Users are never deleted, so a
        # committed id stays valid; one cache per database, never shared between databases.
        self.user_ids: dict[tuple[str, str, str], int] = {}

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs))

    @asynccontextmanager
    async def unit_of_work(self, *, write: bool = False) -> AsyncIterator[Repositories]:
        """A transaction: committed when the block ends, rolled back (nothing written) on error."""
        if write and self._write_lock is not None:
            async with self._write_lock, self._transaction() as repos:
                yield repos
        else:
            async with self._transaction() as repos:
                yield repos

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Repositories]:
        session: AsyncSession
        async with self.sessions() as session, session.begin():
            yield Repositories(session)

    async def dispose(self) -> None:
        await self.engine.dispose()
