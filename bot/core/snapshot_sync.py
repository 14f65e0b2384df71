"""One catalog snapshot for many processes on one database.

- Hearing of changes: on PostgreSQL every catalog revision bump is a NOTIFY on
  `CATALOG_CHANNEL` (sent in the bump's own transaction, db/catalog_repository.py), which
  `CatalogListener` hears within milliseconds of the commit on a dedicated connection; a lost
  connection is reconnected (with backoff, never giving up), and each (re)connection reports a
  possible change, for what was missed while away. While it is not connected, and on SQLite
  (one machine), the catalog cache polls the revision as it always did.
- One builder, the others load: the snapshot of a revision is built by the one process that
  holds the builder lock (a PostgreSQL advisory lock, or a file lock beside the snapshots on
  SQLite) and published as a file in the shared snapshot directory (`REELBOT_CACHE_DIR`).
  Every process looks for the file first, and again once it holds the lock, so a process that
  waited for another's build loads it instead of building too. A builder that dies releases the
  lock with its connection (or its file descriptor), and the next waiter builds.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.catalog_repository import CATALOG_CHANNEL
from db.connection_errors import is_connection_error
from db.session import Database

log = logging.getLogger(__name__)

# The builder lock's key, the same in every process and every version of reelbot.
BUILDER_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"reelbot catalog snapshot builder").digest()[:8], "big", signed=True
)
# Waits between attempts to reach the database again after the listener lost it.
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
# How often a quiet listener connection is checked, to find a link that died silently.
PING_EVERY = 10.0
PING_TIMEOUT = 5.0
# How often a process waiting for the file lock tries it again.
FILE_LOCK_POLL = 0.05


class Revisioned(Protocol):
    @property
    def revision(self) -> int: ...


S = TypeVar("S", bound=Revisioned)


class Store(Protocol[S]):
    """bot/core/catalog.py's SnapshotStore, as far as publishing needs it."""

    directory: Path
    database: str

    def path(self, revision: int) -> Path: ...
    def load(self, revision: int) -> S | None: ...
    def save(self, snapshot: S) -> None: ...


@contextlib.asynccontextmanager
async def _advisory_lock(db: Database) -> AsyncIterator[None]:
    """Held until the transaction ends: released by the commit, or by the server when this
    process or its connection dies."""
    async with db.engine.connect() as conn, conn.begin():
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUILDER_LOCK_KEY})
        yield


@contextlib.asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    """flock on a file beside the snapshots (every process of a SQLite database is on one
    machine); the kernel releases it when the holder exits, however it exits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(FILE_LOCK_POLL)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class SnapshotSync(Generic[S]):
    """Loads the published snapshot of the current revision, or builds and publishes it when no
    other process is doing so."""

    def __init__(self, db: Database, store: Store[S]) -> None:
        self.db = db
        self.store = store
        self._local = asyncio.Lock()  # one at a time in this process: the second finds the first's
        self._last: weakref.ref[S] | None = None

    def builder_lock(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Held by the one process building or refitting a snapshot for every process."""
        if self.db.is_sqlite:
            return _file_lock(self.store.directory / f"catalog-{self.store.database}.lock")
        return _advisory_lock(self.db)

    async def _revision(self) -> int:
        async with self.db.unit_of_work() as repos:
            return await repos.catalog.revision()

    async def _published(self, revision: int) -> S | None:
        last = self._last() if self._last is not None else None
        if last is not None and last.revision == revision:
            return last
        started = time.perf_counter()
        snapshot = await asyncio.to_thread(self.store.load, revision)
        if snapshot is not None:
            log.info(
                "catalog revision %s: loaded the published snapshot in %.0f ms",
                revision,
                (time.perf_counter() - started) * 1000,
            )
            self._last = weakref.ref(snapshot)
        return snapshot

    async def load_or_build(self, build: Callable[[], Awaitable[S]]) -> S:
        """The snapshot of the catalog's current revision."""
        async with self._local:
            published = await self._published(await self._revision())
            if published is not None:
                return published
            async with self.builder_lock():
                # Whoever held the lock before us may have just published this revision.
                published = await self._published(await self._revision())
                if published is not None:
                    return published
                return await self._build_and_publish(build)

    async def ensure_published(self, build: Callable[[], Awaitable[S]]) -> None:
        """Make sure the current revision's snapshot is published, without loading it when it
        is (`reelbot seed import` and other catalog edits from the command line)."""
        async with self._local:
            if self.store.path(await self._revision()).exists():
                return
            async with self.builder_lock():
                if self.store.path(await self._revision()).exists():
                    return
                await self._build_and_publish(build)

    async def _build_and_publish(self, build: Callable[[], Awaitable[S]]) -> S:
        snapshot = await build()
        try:
            # The build process saves what it builds in the store already: publish once.
            if not self.store.path(snapshot.revision).exists():
                await asyncio.to_thread(self.store.save, snapshot)
            log.info(
                "catalog revision %s: published the snapshot to %s",
                snapshot.revision,
                self.store.directory,
            )
        except OSError:
            log.warning("could not publish the catalog snapshot", exc_info=True)
        self._last = weakref.ref(snapshot)
        return snapshot


class CatalogListener:
    """LISTEN on `CATALOG_CHANNEL` over its own connection, for as long as the process runs.

    `on_change(revision)` runs on the event loop for every notice (the new revision), and with
    None whenever the connection is (re)established: changes may have been missed before."""

    def __init__(
        self,
        database_url: str,
        on_change: Callable[[int | None], None],
        reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS,
        ping_every: float = PING_EVERY,
    ) -> None:
        self._dsn = make_url(database_url).set(drivername="postgresql")
        self.on_change = on_change
        self.reconnect_delays = reconnect_delays
        self.ping_every = ping_every
        self.live = False  # connected and listening: no need to poll the revision
        self.connections = 0  # how many times it (re)connected (tests, logs)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="catalog-listener")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        log.info("catalog change notice: revision %s", payload)
        self.on_change(int(payload) if payload.isdigit() else None)

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
                failures = 0  # it had been up: start the backoff over
            except Exception as error:  # never let the listener die: the process relies on it
                if is_connection_error(error):
                    log.warning("catalog change listener lost the database (%s)", error)
                else:
                    log.exception("catalog change listener failed")
            delay = self.reconnect_delays[min(failures, len(self.reconnect_delays) - 1)]
            failures += 1
            await asyncio.sleep(delay)

    async def _listen(self) -> None:
        dsn = self._dsn.render_as_string(hide_password=False)
        conn: asyncpg.Connection = await asyncpg.connect(dsn, timeout=10)
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            await conn.add_listener(CATALOG_CHANNEL, self._notified)
            self.live = True
            self.connections += 1
            if self.connections > 1:
                log.info("catalog change listener reconnected")
            self.on_change(None)
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self.ping_every)
                if not lost.is_set():
                    await conn.execute("SELECT 1", timeout=PING_TIMEOUT)
            raise ConnectionResetError("the listening connection was closed")
        finally:
            self.live = False
            conn.terminate()
