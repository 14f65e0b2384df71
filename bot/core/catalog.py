"""An in-memory snapshot of the catalog (search index + recommender), rebuilt off the event loop
when the catalog revision in the database changes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.title_index import TitleIndex
from db.session import Database
from recommender import ContentModel, Offer, TitleFacts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogSnapshot:
    revision: int
    titles: dict[int, TitleFacts]
    offers: dict[int, list[Offer]]
    index: TitleIndex
    model: ContentModel

    @classmethod
    def build(
        cls, revision: int, titles: list[TitleFacts], offers: dict[int, list[Offer]]
    ) -> CatalogSnapshot:
        return cls(
            revision=revision,
            titles={t.id: t for t in titles},
            offers=offers,
            index=TitleIndex(titles),
            model=ContentModel.build(titles),
        )


class CatalogCache:
    """Hands out the current snapshot. Checks the database revision at most every
    `check_every` seconds, so other processes' catalog edits show up within that time, and
    this process's own edits show up at once (`invalidate`)."""

    def __init__(
        self,
        db: Database,
        check_every: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.check_every = check_every
        self.clock = clock
        self._snapshot: CatalogSnapshot | None = None
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._checked_at = float("-inf")

    async def get(self) -> CatalogSnapshot:
        snapshot = self._snapshot
        if snapshot is not None and self.clock() - self._checked_at < self.check_every:
            return snapshot
        async with self._lock:
            if self._snapshot is not None and self.clock() - self._checked_at < self.check_every:
                return self._snapshot
            async with self.db.unit_of_work() as repos:
                revision = await repos.catalog.revision()
                stale = self._snapshot is None or self._snapshot.revision != revision
                if stale:
                    titles = await repos.catalog.load_titles()
                    offers = await repos.catalog.load_offers()
            if stale:
                started = time.perf_counter()
                self._snapshot = await asyncio.to_thread(
                    CatalogSnapshot.build, revision, titles, offers
                )
                log.info(
                    "catalog revision %s: %d titles indexed in %.0f ms",
                    revision,
                    len(titles),
                    (time.perf_counter() - started) * 1000,
                )
            self._checked_at = self.clock()
            assert self._snapshot is not None
            return self._snapshot
