"""Engine creation and the unit of work that wraps every command."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.connection_errors import is_connection_error
from db.repositories import Repositories

log = logging.getLogger(__name__)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        # A pooled connection the server dropped (restart, failover, idle timeout) is found
        # and replaced at checkout instead of failing the command that drew it.
        kwargs.setdefault("pool_pre_ping", True)
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


T = TypeVar("T")
# At most this many queued writes share one SQLite transaction.
MAX_GROUP_COMMIT = 64
# Waits between attempts to get a connection while the database is unreachable: about 4 s in
# all, enough for a restart or a failover, short enough that a command is not left hanging.
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0)


@dataclass(eq=False)
class _QueuedWrite:
    work: Callable[[Repositories], Awaitable[Any]]
    done: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


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
        self._queued: list[_QueuedWrite] = []
        self.reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS

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

    async def write(self, work: Callable[[Repositories], Awaitable[T]]) -> T:
        """Run `work` in a write transaction and return its result.

        On SQLite, writes queued behind the single writer are committed together (group
        commit): whoever gets the writer runs every queued write in one transaction, saving a
        BEGIN/COMMIT and a connection round per write. If any of them fails, the batch is rolled
        back and each write is retried in its own transaction, so one bad write never takes
        others with it. `work` may therefore run twice and must only touch the database.
        PostgreSQL has no single writer: there each write is its own unit of work, run once
        more if the connection is lost before its commit began."""
        if self._write_lock is None:
            return await self._write_retrying(work)
        queued = _QueuedWrite(work)
        self._queued.append(queued)
        try:
            async with self._write_lock:
                if not queued.done.done():  # nobody took it along: commit what is waiting
                    batch = self._queued[:MAX_GROUP_COMMIT]
                    del self._queued[: len(batch)]
                    await self._commit_together(batch)
        except asyncio.CancelledError:
            if queued in self._queued:
                self._queued.remove(queued)
            raise
        result: T = await queued.done
        return result

    async def _commit_together(self, batch: list[_QueuedWrite]) -> None:
        try:
            async with self._transaction() as repos:
                results = [await queued.work(repos) for queued in batch]
        except Exception as error:
            if len(batch) == 1:
                batch[0].done.set_exception(error)
                return
            for queued in batch:  # find the bad one; the others still commit
                try:
                    async with self._transaction() as repos:
                        queued.done.set_result(await queued.work(repos))
                except Exception as single_error:
                    queued.done.set_exception(single_error)
            return
        for queued, result in zip(batch, results, strict=True):
            queued.done.set_result(result)

    async def _write_retrying(self, work: Callable[[Repositories], Awaitable[T]]) -> T:
        for again in (True, False):
            committing = False
            try:
                async with self._transaction() as repos:
                    result = await work(repos)
                    committing = True  # from here on it may have committed: never run it twice
                return result
            except Exception as error:
                if committing or not again or not is_connection_error(error):
                    raise
                log.warning("database connection lost during a write; running it again")
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Repositories]:
        """A session whose connection is already drawn, so a database that is briefly away is
        waited for here, before the caller has done anything that could not be repeated."""
        session = await self._connected_session()
        async with session:
            try:
                yield Repositories(session)
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    async def _connected_session(self) -> AsyncSession:
        for delay in (*self.reconnect_delays, None):
            session = self.sessions()
            try:
                await session.connection()  # checkout (with pre-ping) and BEGIN
                return session
            except Exception as error:
                await session.close()
                if delay is None or not is_connection_error(error):
                    raise
                log.warning("database unreachable (%s); trying again in %.1f s", error, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def dispose(self) -> None:
        await self.engine.dispose()
