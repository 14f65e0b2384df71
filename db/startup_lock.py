"""One starting process at a time: migrations and first seeding run under a database-wide lock,
so any number of processes (the compose file's bots, a `reelbot db upgrade` beside them) can
start together on a fresh database. Imports nothing else from db/."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from filelock import AsyncFileLock, Timeout
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# Any fixed 64-bit key works; advisory locks are per database, so one key serves every database
# on a server. The hex spells "reelbot".
ADVISORY_LOCK_KEY = 0x7265656C626F74
WAITING = "another process is migrating or seeding the database; waiting for it"


@asynccontextmanager
async def exclusive_start(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction on one connection that no other process is inside at the same time.

    PostgreSQL: a transaction-level advisory lock, released by the commit itself, so the
    schema, the starter catalog and the lock's release are one step and a crashed holder
    leaves nothing behind. SQLite: a lock file next to the database file (SQLite runs DDL
    outside its write lock, so its single writer alone does not keep two migrations apart)."""
    if engine.dialect.name == "sqlite":
        async with _sqlite_file_lock(engine.url.database), engine.begin() as conn:
            yield conn
        return
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            params = {"key": ADVISORY_LOCK_KEY}
            if not await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), params):
                log.info(WAITING)
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), params)
        yield conn


@asynccontextmanager
async def _sqlite_file_lock(database: str | None) -> AsyncIterator[None]:
    if not database or database == ":memory:":
        yield  # a private in-memory database: no other process can open it
        return
    lock = AsyncFileLock(Path(f"{database}-start.lock"))
    try:
        await lock.acquire(timeout=0)
    except Timeout:
        log.info(WAITING)
        await lock.acquire()
    try:
        yield
    finally:
        await lock.release()
