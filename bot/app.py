"""Wiring: one Database, one Core, one Dispatcher per process, shared by every front end."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.core.catalog import CatalogCache, SnapshotStore
from bot.core.clock import Clock, system_clock
from bot.core.dispatch import Dispatcher
from bot.core.kernel import Core
from bot.features.admin.commands import register_admin
from bot.features.library import watchlist
from bot.features.library.letterboxd import register_import_commands
from bot.features.recommend import commands as recommend
from bot.features.reviews import commands as reviews
from bot.features.watchparty import parties as watchparty
from bot.settings import Settings
from db import migrate
from db.repositories import Repositories
from db.session import Database
from db.starter import seed_starter
from db.startup_lock import exclusive_start

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    db: Database
    core: Core
    dispatcher: Dispatcher
    recommend: recommend.RecommendCommands
    reviews: reviews.ReviewCommands
    parties: watchparty.WatchParties

    @asynccontextmanager
    async def publishing(self) -> AsyncIterator[None]:
        """Around a command-line action: when it changed the catalog, publish the new
        snapshot before exiting, so bots started afterwards load it instead of building it."""
        before = await self._catalog_revision()
        yield
        if await self._catalog_revision() != before:
            await self.core.catalog.publish()

    async def _catalog_revision(self) -> int:
        async with self.db.unit_of_work() as repos:
            return await repos.catalog.revision()

    async def close(self) -> None:
        await self.core.catalog.close()
        await self.parties.answers.close()
        await self.db.dispose()


async def open_app(
    settings: Settings,
    *,
    upgrade: bool = True,
    seed: bool = True,
    clock: Clock = system_clock,
    follow_catalog: bool = False,
) -> App:
    """Connect, migrate to the latest schema, and load the starter catalog into an empty one.
    `follow_catalog` (the long-running bots): load the catalog snapshot at once and keep it
    current as any process changes the catalog."""
    db = Database.from_url(settings.database_url)
    if upgrade or seed:
        await _prepare(db, upgrade=upgrade, seed=seed)
    store = SnapshotStore(settings.cache_dir, settings.database_url)
    core = Core(db, settings, CatalogCache(db, store=store), clock)
    dispatcher = Dispatcher(core)
    # Registration order is the /help, menu and Discord tree order: the member commands first.
    recommendations = recommend.register(dispatcher, core)
    ratings = reviews.register(dispatcher, core)
    parties = watchparty.register(dispatcher, core, clock)
    watchlist.register(dispatcher, core)
    register_admin(dispatcher)
    register_import_commands(dispatcher, db)
    if follow_catalog:
        await core.catalog.follow_changes()
    return App(settings, db, core, dispatcher, recommendations, ratings, parties)


async def _prepare(db: Database, *, upgrade: bool, seed: bool) -> None:
    """Migrate and seed an empty catalog in one locked transaction: of processes starting
    together, one does it and the others then find it done."""
    async with exclusive_start(db.engine) as conn:
        if upgrade:
            await migrate.upgrade_on(conn)
        if not seed:
            return
        async with db.sessions(bind=conn) as session:
            repos = Repositories(session)
            if await repos.catalog.count_titles() == 0:
                summary = await seed_starter(repos)
                await session.flush()
                log.info("loaded the starter catalog: %d titles", summary.added)
