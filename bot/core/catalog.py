"""An in-memory snapshot of the catalog (search index + recommender), built off the event loop.

- Start-up: the snapshot is loaded from the on-disk cache when one matches the database, the
  catalog revision and the recommender's code/weights version; else it is built and saved.
- Builds and co-rating refits run in a separate process (`bot.core.build_process`), which
  reads the database itself and saves the snapshot through the `SnapshotStore`; this process
  only loads the result, so commands are answered at full speed while the work runs.
- This process's own catalog edits (`invalidate`) are applied to the current snapshot by the
  next `get`, in milliseconds: a new snapshot that shares everything else with the old one
  (`CatalogSnapshot.patched`). A full rebuild follows in the background and replaces it.
- Edits by other processes (a revision bump seen by the periodic check) and new ratings (a
  changed ratings fingerprint, from any process) are rebuilt in the background while the
  old snapshot keeps answering; a ratings-only change reuses the content index and refits only
  the collaborative part. A member's own ratings are read per command, so their picks change
  at once; this process's ratings also update the snapshot's popularity tally in place
  (`note_rating`), so cold-start picks reflect them at once without a query per command.
- Several processes on one database (bot/core/snapshot_sync.py): with a store, a snapshot is
  built by one process and loaded by the others; `follow_changes` hears of edits at once
  (PostgreSQL NOTIFY) and loads the new snapshot before the next command asks for it.
- A snapshot never gives way to one of an older revision.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import logging
import os
import re
import sys
import time
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from bot.core import build_process, heap, snapshot_file
from bot.core.notability import Notability
from bot.core.popularity import RatingTally
from bot.core.shared_values import share_values
from bot.core.snapshot_sync import CatalogListener, SnapshotSync
from bot.core.title_index import TitleIndex
from db.repositories import Repositories
from db.session import Database
from recommender import (
    ContentModel,
    ContentWeights,
    HybridWeights,
    Offer,
    RatingTriple,
    Recommender,
    Suggestion,
    TitleFacts,
    TitleFilter,
    load_weights,
)
from recommender.hybrid import rating_years
from recommender.weights import weights_version

log = logging.getLogger(__name__)
T = TypeVar("T")

# 2: snapshots carry notability; 3: and the popularity tally; 4: patches; 5: arrays mapped
# from the file (bot/core/snapshot_file.py)
CACHE_FORMAT = 5
# Titles read per query when edits are applied (both databases take this many parameters).
READ_CHUNK = 5000


@dataclass(frozen=True)
class NotabilityInputs:
    """What the notability score reads besides titles, offers and ratings."""

    sources: dict[int, set[str]] = field(default_factory=dict)
    dataset_users: set[str] = field(default_factory=set)
    tmdb: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogSnapshot:
    revision: int
    titles: dict[int, TitleFacts]
    offers: dict[int, list[Offer]]
    index: TitleIndex
    model: Recommender
    ratings_mark: tuple[int, str] = (0, "")
    notability: Notability = field(default_factory=Notability)
    # Every rating (imported data sets too: real opinions that help before members have rated).
    popularity: RatingTally = field(default_factory=RatingTally)
    # Edits were applied to a built snapshot (`patched`): a full build is still due. Only
    # built snapshots are saved.
    patched: bool = False

    @classmethod
    def build(
        cls,
        revision: int,
        titles: list[TitleFacts],
        offers: dict[int, list[Offer]],
        ratings: Sequence[RatingTriple] = (),
        ratings_mark: tuple[int, str] = (0, ""),
        weights: HybridWeights | None = None,
        extras: NotabilityInputs | None = None,
    ) -> CatalogSnapshot:
        """`weights`: the tuned ones in recommender/weights.json unless given (benchmarks)."""
        extras = extras or NotabilityInputs()
        titles, offers = share_values(titles, offers)  # each distinct value held once
        listings = {tid: set(names) for tid, names in extras.sources.items()}
        for tid, title_offers in offers.items():
            listings.setdefault(tid, set()).update(o.provider for o in title_offers)
        weights = weights or load_weights()
        # The co-rating model needs only the ratings and the content features: it is fitted
        # in a thread from the start (mostly LAPACK, BLAS and numpy, which let go of the
        # GIL) while the rest of the content model, the title index and the tallies are made.
        content_weights = ContentWeights.tuned()
        features = ContentModel.feature_matrices(titles, content_weights)
        row_of = {t.id: row for row, t in enumerate(titles)}
        with _beside(Recommender.fit_collab, row_of, features.matrix, ratings, weights) as collab:
            content = ContentModel.build(titles, content_weights, features)
            index = TitleIndex(titles)
            notability = Notability.build(
                ((r.user, r.title_id) for r in ratings),
                extras.dataset_users,
                listings,
                extras.tmdb,
            )
            popularity = RatingTally(ratings)
            model = Recommender.with_ratings(
                content, ratings, offers, weights, extras.dataset_users, collab=collab.result
            )
        return cls(
            revision=revision,
            titles={t.id: t for t in titles},
            offers=offers,
            index=index,
            model=model,
            ratings_mark=ratings_mark,
            notability=notability,
            popularity=popularity,
        )

    def patched_with(
        self,
        revision: int,
        changed: Iterable[TitleFacts],
        removed: Collection[int],
        offers: Mapping[int, list[Offer]],
    ) -> CatalogSnapshot:
        """This snapshot with catalog edits applied, as of `revision`: `changed` titles (edited
        or added) with their `offers` (a changed title missing there has none), `removed` ones
        gone. Everything else is shared with this snapshot, which stays as it is for the
        commands still holding it. Searches, cards, where-to-watch and the filters see the
        edits at once, and removed titles are never suggested; what is similar to an edited
        title is the last build's answer until the rebuild (`Recommender.with_facts`)."""
        facts = {t.id: t for t in changed}
        titles = {**self.titles, **facts}
        all_offers = dict(self.offers)
        for tid in removed:
            titles.pop(tid, None)
            all_offers.pop(tid, None)
        for tid in facts:
            if tid in offers:
                all_offers[tid] = offers[tid]
            else:
                all_offers.pop(tid, None)
        return replace(
            self,
            revision=revision,
            titles=titles,
            offers=all_offers,
            index=self.index.with_changes(facts.values(), removed),
            model=self.model.with_facts(facts, removed, all_offers),
            patched=True,
        )

    def seen_versions(self, rated: Mapping[int, float]) -> set[int]:
        """Other versions of the stories a member rated: not new to them either."""
        return {v for t in rated if t in self.model for v in self.model.versions_of(t)}

    def personal_picks(
        self,
        rated: Mapping[int, float],
        limit: int,
        filters: TitleFilter | None = None,
        rated_at: Sequence[float] = (),
        now: float | None = None,
        exclude: Iterable[int] = (),
    ) -> list[Suggestion]:
        """A member's picks from their ratings (title id -> stars), as /recommend asks for
        them; bench/movielens.py scores this same call. `rated_at`: when the member made those
        ratings (Unix seconds), so titles the community was rating at the same time count
        more (the trend part); `now`: titles released after this year are not out yet;
        `exclude`: titles not to suggest (the member's watchlist: they know about those)."""
        return self.model.personal(
            rated,
            k=limit,
            exclude=self.seen_versions(rated) | set(exclude),
            filters=filters,
            as_of=now,
            rated_at=rating_years(rated_at) if rated_at else None,
        )

    def watchlist_picks(
        self,
        rated: Mapping[int, float],
        watchlist: Iterable[int],
        limit: int,
        filters: TitleFilter | None = None,
        rated_at: Sequence[float] = (),
    ) -> list[Suggestion]:
        """The member's watchlist ranked by the score of `personal_picks`; without usable
        ratings, by the members' popularity tally like cold-start picks."""
        wanted = {t for t in watchlist if t in self.titles}
        years = rating_years(rated_at) if rated_at else None
        if any(t in self.model for t in rated):
            return self.model.personal_among(rated, wanted, limit, filters, years)
        if not wanted:
            return []
        others = set(self.titles) - wanted
        return self.model.popular(limit, self.popularity, exclude=others, filters=filters)

    def with_ratings(
        self,
        ratings: Sequence[RatingTriple],
        ratings_mark: tuple[int, str],
        dataset_users: set[str] | None = None,
    ) -> CatalogSnapshot:
        """The same catalog with the collaborative part refitted on new ratings."""
        content, weights = self.model.content, self.model.weights
        with _beside(
            Recommender.fit_collab, content.row, content.matrix, ratings, weights
        ) as collab:
            notability = self.notability.with_ratings(
                ((r.user, r.title_id) for r in ratings), dataset_users or set()
            )
            popularity = RatingTally(ratings)
            model = Recommender.with_ratings(
                content, ratings, self.offers, weights, dataset_users or (), collab=collab.result
            )
        return replace(
            self,
            model=model,
            ratings_mark=ratings_mark,
            notability=notability,
            popularity=popularity,
        )


@contextmanager
def _beside(work: Callable[..., T], *args: Any) -> Iterator[Future[T]]:
    """`work(*args)` in a thread of its own while the body runs."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-build") as pool:
        yield pool.submit(work, *args)


@dataclass(frozen=True)
class _Read:
    revision: int
    titles: list[TitleFacts]
    offers: dict[int, list[Offer]]
    ratings: list[RatingTriple]
    mark: tuple[int, str]
    extras: NotabilityInputs


async def _read(db: Database, titles_too: bool) -> _Read:
    """What a build reads (`titles_too=False`: what a refit on new ratings reads)."""
    async with db.unit_of_work() as repos:
        revision = await repos.catalog.revision()
        titles = await repos.catalog.load_titles() if titles_too else []
        offers = await repos.catalog.load_offers() if titles_too else {}
        extras = NotabilityInputs(
            sources=await repos.catalog.source_names() if titles_too else {},
            dataset_users=await repos.users.imported_user_ids(),
            tmdb=await repos.catalog.tmdb_audience() if titles_too else {},
        )
        ratings = await repos.ratings.triples()
        mark = await repos.ratings.fingerprint()
    return _Read(revision, titles, offers, ratings, mark, extras)


async def _read_titles(
    repos: Repositories, ids: Collection[int]
) -> tuple[list[TitleFacts], dict[int, list[Offer]]]:
    """These titles' facts and offers (an edit applied); the ones not found were removed."""
    wanted = sorted(ids)
    titles: list[TitleFacts] = []
    offers: dict[int, list[Offer]] = {}
    for i in range(0, max(len(wanted), 1), READ_CHUNK):
        chunk = wanted[i : i + READ_CHUNK]
        titles += await repos.catalog.load_titles(chunk)
        offers.update(await repos.catalog.load_offers(chunk))
    return titles, offers


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Unpickling builds a million objects at once; the cyclic collector would rescan them
    many times over for nothing (nothing is garbage yet), so it waits until the load is done.
    They are then frozen (`gc.freeze`), out of its sight for good: a snapshot lives long and
    has no reference cycles (reference counting frees a dropped one), and every full
    collection rescanning it would pause the bot ~250 ms (33k titles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class SnapshotStore:
    """Snapshots on disk (bot/core/snapshot_file.py: a pickle, its arrays mapped on load), one
    file per (database, revision, recommender version)."""

    def __init__(self, directory: Path, database_url: str) -> None:
        self.directory = directory
        self.database = hashlib.sha256(database_url.encode()).hexdigest()[:12]

    def path(self, revision: int) -> Path:
        version = weights_version(load_weights())
        name = f"catalog-{self.database}-r{revision}-{version}-f{CACHE_FORMAT}.pickle"
        return self.directory / name

    def load(self, revision: int) -> CatalogSnapshot | None:
        path = self.path(revision)
        try:
            with _gc_paused():
                snapshot = snapshot_file.load(path)
        except FileNotFoundError:
            return None
        except Exception:  # a torn or outdated file is only a cache miss
            log.warning("ignoring unreadable index cache %s", path, exc_info=True)
            return None
        return snapshot if isinstance(snapshot, CatalogSnapshot) else None

    def ratings_mark(self, revision: int) -> tuple[int, str] | None:
        """The ratings mark of the published snapshot of `revision`, without unpickling it:
        whether another process has refitted it on newer ratings."""
        try:
            count, latest = json.loads(_mark_path(self.path(revision)).read_text())
        except (OSError, ValueError, TypeError):
            return None
        return int(count), str(latest)

    def save(self, snapshot: CatalogSnapshot) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(snapshot.revision)
        # Per process: two build processes (two bots on one data directory) may save at once.
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        snapshot_file.dump(snapshot, partial)
        partial.replace(path)  # atomic: readers see the old file or the whole new one
        mark = _mark_path(path)
        partial_mark = mark.with_name(f"{mark.name}.{os.getpid()}.partial")
        partial_mark.write_text(json.dumps(list(snapshot.ratings_mark)))
        partial_mark.replace(mark)
        for pattern in ("*.pickle", "*.pickle.ratings"):
            for old in self.directory.glob(f"catalog-{self.database}-{pattern}"):
                # Never a newer revision: another process sharing the directory may have
                # published it while this one refitted an older snapshot.
                if old not in (path, mark) and _revision_in(old.name) <= snapshot.revision:
                    old.unlink(missing_ok=True)


def _mark_path(snapshot_path: Path) -> Path:
    """Beside each published snapshot: its ratings mark, readable without loading it."""
    return snapshot_path.with_name(f"{snapshot_path.name}.ratings")


def _revision_in(name: str) -> int:
    """The revision in a snapshot file's name (`catalog-<db>-r<revision>-...`)."""
    match = re.search(r"-r(\d+)-", name)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True)
class BuildReport:
    """What the build process did, for the log (and tests: which process did it)."""

    revision: int
    refit: bool  # only the ratings part was refitted
    titles: int
    ratings: int
    seconds: float
    pid: int


@dataclass(frozen=True)
class _BuildJob:
    database_url: str
    store: SnapshotStore | None
    refit: int | None  # the saved revision to refit on the current ratings; None: build anew


@dataclass(frozen=True)
class _Built:
    report: BuildReport
    snapshot: CatalogSnapshot | None  # None: saved in the job's store, to be loaded from there


# How long a thread of the build process may hold the GIL while another waits for it. The
# co-rating thread makes many short calls that need the GIL (sparse products, indexing)
# between long ones that do not; at Python's 5 ms each of them waited for the title index's
# thread: 130k titles built in 55 s, at 0.5 ms in 49 s.
BUILD_SWITCH_INTERVAL = 0.0005


def _build_in_process(job: _BuildJob) -> _Built:
    """Runs in the build process: reads the database, builds (or refits) and saves. A build
    makes millions of objects that all live until it ends: the cyclic collector's full passes
    over them found nothing to free and were ~8 s of a 90 s build at 130k titles, so it waits
    until the build is done."""
    enabled = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(BUILD_SWITCH_INTERVAL)
    try:
        return asyncio.run(_build(job))
    finally:
        sys.setswitchinterval(interval)
        if enabled:
            gc.enable()


async def _build(job: _BuildJob) -> _Built:
    started = time.perf_counter()
    base = None
    if job.refit is not None and job.store is not None:
        base = job.store.load(job.refit)  # None (replaced meanwhile): build anew
    db = Database.from_url(job.database_url)
    try:
        read = await _read(db, titles_too=base is None)
    finally:
        await db.dispose()
    if base is not None:
        snapshot = base.with_ratings(read.ratings, read.mark, read.extras.dataset_users)
    else:
        snapshot = CatalogSnapshot.build(
            read.revision, read.titles, read.offers, read.ratings, read.mark, extras=read.extras
        )
    report = BuildReport(
        snapshot.revision,
        base is not None,
        len(snapshot.titles),
        len(read.ratings),
        time.perf_counter() - started,
        os.getpid(),
    )
    if job.store is None:
        return _Built(report, snapshot)  # sent back through the pool's pipe
    job.store.save(snapshot)
    return _Built(report, None)


class CatalogCache:
    """Hands out the current snapshot. Checks the database at most every `check_every`
    seconds; refits on new ratings at most every `ratings_every` seconds."""

    def __init__(
        self,
        db: Database,
        check_every: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        store: SnapshotStore | None = None,
        ratings_every: float = 30.0,
    ) -> None:
        self.db = db
        self.check_every = check_every
        self.ratings_every = ratings_every
        self.clock = clock
        self.store = store
        self.last_build: BuildReport | None = None
        self._snapshot: CatalogSnapshot | None = None
        self._checked_at = float("-inf")
        self._ratings_built_at = float("-inf")
        # This process's edits not applied yet: the titles they changed; or a change that did
        # not say which, so the next `get` waits for a full build.
        self._edited: set[int] = set()
        self._must_wait = False
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None
        # Ratings noted while a background rebuild runs (member, title, half stars, previous):
        # its read may or may not have seen them, so they are checked against what it read.
        self._noted: list[tuple[int, int, int, int | None]] = []
        # -- snapshot_sync hooks: shared snapshots and change notices -----------------------
        self._sync = SnapshotSync[CatalogSnapshot](db, store) if store is not None else None
        heap.map_big_allocations()
        self._listener: CatalogListener | None = None
        self._catching_up: asyncio.Task[None] | None = None
        self._notice_pending = False

    async def follow_changes(self) -> None:
        """Load the snapshot now, in the background, and keep it current as the catalog changes
        in any process (the long-running bots). On SQLite there are no notices: the revision is
        still checked on commands, every `check_every` seconds."""
        if not self.db.is_sqlite and self._listener is None:
            url = self.db.engine.url.render_as_string(hide_password=False)
            self._listener = CatalogListener(url, self._catalog_changed)
            self._listener.start()  # its first connection reports a possible change
        else:
            self._catalog_changed(None)

    async def publish(self) -> None:
        """Make sure the current revision's snapshot is in the shared store, built here if no
        other process has published it (the command line, after it changed the catalog)."""
        if self._sync is not None:
            await self._sync.ensure_published(self._build)

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        if self._catching_up is not None:
            self._catching_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catching_up

    def _catalog_changed(self, revision: int | None) -> None:
        current = self._snapshot
        if current is not None and revision is not None and revision <= current.revision:
            return  # this process is there already
        self._notice_pending = True
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = asyncio.create_task(self._catch_up())

    async def _catch_up(self) -> None:
        """Until no notice is left: read the revision, load or build a new one (in the
        background when a snapshot is there), and wait for that to finish."""
        while self._notice_pending:
            self._notice_pending = False
            self._checked_at = float("-inf")
            try:
                await self.get()
                await self.wait_for_refresh()
            except Exception:
                log.warning("could not check the catalog after a change notice", exc_info=True)

    def _check_interval(self) -> float:
        """With a live listener the revision need not be polled; the ratings still are."""
        if self._listener is not None and self._listener.live and not self._must_wait:
            return max(self.check_every, self.ratings_every)
        return self.check_every

    # -- end of snapshot_sync hooks ---------------------------------------------------------

    def note_rating(
        self, user_id: int, title_id: int, half_stars: int, previous_half_stars: int | None
    ) -> None:
        """This process committed a rating: the snapshot's popularity changes at once, in
        place."""
        if self._snapshot is not None:
            self._snapshot.popularity.rated(title_id, half_stars, previous_half_stars)
        if self._refresh is not None and not self._refresh.done():
            self._noted.append((user_id, title_id, half_stars, previous_half_stars))

    def invalidate(self, title_ids: Iterable[int] | None = None) -> None:
        """This process committed a catalog change. `title_ids`, the titles it edited, added
        or removed: the next `get` applies it to the snapshot, reading only those titles, and
        a full rebuild follows in the background. None (a change that does not say where):
        the next `get` waits for a full build."""
        if title_ids is None:
            self._must_wait = True
        else:
            self._edited.update(title_ids)
        self._checked_at = float("-inf")

    async def wait_for_refresh(self) -> None:
        """Wait for a background rebuild, if one is running (tests, benchmarks, shutdown)."""
        if self._refresh is not None:
            await asyncio.shield(self._refresh)

    @property
    def refreshing(self) -> bool:
        """A background rebuild or refit is running."""
        return self._refresh is not None and not self._refresh.done()

    async def get(self) -> CatalogSnapshot:
        snapshot = self._snapshot
        if snapshot is not None and self.clock() - self._checked_at < self._check_interval():
            return snapshot
        async with self._lock:
            if (
                self._snapshot is not None
                and self.clock() - self._checked_at < self._check_interval()
            ):
                return self._snapshot
            current = self._snapshot
            # The ratings fingerprint scans the ratings table: read it only when a refit is
            # allowed, not on every check of the catalog revision.
            refit_due = (
                current is not None and self.clock() - self._ratings_built_at >= self.ratings_every
            )
            async with self.db.unit_of_work() as repos:
                revision = await repos.catalog.revision()
                mark = await repos.ratings.fingerprint() if refit_due else None
                rebuild_now = current is None or (self._must_wait and current.revision != revision)
                if current is not None and self._edited and not rebuild_now:
                    current = self._snapshot = await self._apply_edits(repos, current, revision)
            if current is None or rebuild_now:
                # The build reads every edit so far; later ones stay pending.
                self._edited, self._must_wait = set(), False
                self._install(await self._load_or_build(revision))
                self._ratings_built_at = self.clock()
                if current is None:
                    await self._warm_up()
            elif current.patched or current.revision != revision:
                self._start_refresh(full=True)
            elif refit_due and current.ratings_mark != mark:
                self._start_refresh(full=False)
            self._must_wait = False
            self._checked_at = self.clock()
            assert self._snapshot is not None
            return self._snapshot

    def _install(self, snapshot: CatalogSnapshot) -> None:
        old, self._snapshot = self._snapshot, snapshot
        gc.freeze()  # as `_gc_paused` does, for one that came through the pool's pipe
        if old is not None and old is not snapshot:
            # When the last command holding the old one is done, its memory goes back to the
            # system: the next load must not pile up on top of it (bot/core/heap.py).
            weakref.finalize(old, heap.trim)

    async def _apply_edits(
        self, repos: Repositories, current: CatalogSnapshot, revision: int
    ) -> CatalogSnapshot:
        """The current snapshot with this process's pending edits applied, read in `repos`
        (whose revision, read before, is `revision`)."""
        ids, self._edited = self._edited, set()
        # A built snapshot of this revision read the database after the edits committed
        # (`invalidate` comes after the commit): they are in it already.
        if not current.patched and current.revision >= revision:
            return current
        started = time.perf_counter()
        try:
            titles, offers = await _read_titles(repos, ids)
        except BaseException:
            self._edited |= ids  # applied by a later `get`
            raise
        removed = ids - {t.id for t in titles}
        patched = current.patched_with(revision, titles, removed, offers)
        log.info(
            "catalog revision %s: %d edited and %d removed titles applied in %.0f ms",
            revision,
            len(titles),
            len(removed),
            (time.perf_counter() - started) * 1000,
        )
        return patched

    async def _warm_up(self) -> None:
        """The queries that apply an edit, run once for no titles: SQLAlchemy compiles and
        caches each on its first run (~250 ms in all), which would otherwise be the first
        command after an admin's edit."""
        async with self.db.unit_of_work() as repos:
            await _read_titles(repos, set())

    async def _load_or_build(self, revision: int) -> CatalogSnapshot:
        if self._sync is not None:  # snapshot_sync: the published one, or built and published
            return await self._sync.load_or_build(self._build)
        return await self._build()

    async def _build(self) -> CatalogSnapshot:
        """Built in the build process (bot/core/build_process.py), loaded here."""
        return await self._built(refit=None)

    async def _built(self, refit: int | None) -> CatalogSnapshot:
        """A snapshot built (or, `refit`: that saved revision refitted on the current ratings)
        in the build process, and loaded here."""
        url = self.db.engine.url.render_as_string(hide_password=False)
        # In the background task, commands are answered from the current snapshot meanwhile.
        background = self._refresh is not None and asyncio.current_task() is self._refresh
        job = _BuildJob(url, self.store, refit)
        built = await build_process.run(_build_in_process, job, background=background)
        started = time.perf_counter()
        snapshot = built.snapshot
        if snapshot is None:
            assert self.store is not None
            snapshot = await asyncio.to_thread(self.store.load, built.report.revision)
            if snapshot is None:
                raise RuntimeError(
                    f"the snapshot built for revision {built.report.revision} "
                    "was not found in the index cache"
                )
        r = self.last_build = built.report
        log.info(
            "catalog revision %s: %d titles, %d ratings %s in %.0f ms by process %d, "
            "loaded in %.0f ms",
            r.revision,
            r.titles,
            r.ratings,
            "refitted" if r.refit else "indexed",
            r.seconds * 1000,
            r.pid,
            (time.perf_counter() - started) * 1000,
        )
        return snapshot

    async def _refit_or_load(self, revision: int, ours: tuple[int, str]) -> CatalogSnapshot:
        """`revision` refitted on the current ratings by one process for all: under the
        builder lock, a published snapshot refitted since ours (its ratings mark moved on) is
        loaded instead of refitting again. Ratings after its read reach the next refit."""
        if self._sync is None or self.store is None:
            return await self._built(revision)
        async with self._sync.builder_lock():
            published = self.store.ratings_mark(revision)
            if published is not None and published != ours:
                loaded = await asyncio.to_thread(self.store.load, revision)
                if loaded is not None and loaded.ratings_mark != ours:
                    log.info(
                        "catalog revision %s: loaded the refit another process published", revision
                    )
                    return loaded
                del loaded  # not held while the refit's own snapshot loads
            return await self._built(revision)

    def _start_refresh(self, full: bool) -> None:
        if self._refresh is not None and not self._refresh.done():
            return
        self._noted = []
        self._refresh = asyncio.create_task(self._background(full))

    def _replay_noted(self, snapshot: CatalogSnapshot) -> None:
        """Add the ratings noted during the rebuild that its read missed. The member's rating
        of that title in the new model says which: a note whose previous value is still there
        came after the read (a rating the read saw leaves its new value there instead)."""
        current: dict[tuple[int, int], int | None] = {}  # as counted so far
        for user_id, title_id, half_stars, previous in self._noted:
            if (user_id, title_id) not in current:
                stars = snapshot.model.histories.get(str(user_id), {}).get(title_id)
                current[user_id, title_id] = None if stars is None else round(stars * 2)
            if current[user_id, title_id] == previous:
                snapshot.popularity.rated(title_id, half_stars, previous)
                current[user_id, title_id] = half_stars
        self._noted = []

    async def _background(self, full: bool) -> None:
        try:
            while True:
                current = self._snapshot
                assert current is not None
                # A refit starts from the saved build of the current revision: there is none
                # for a patched snapshot, nor without a store.
                refit = None if full or current.patched or self.store is None else current.revision
                if refit is None:  # a new revision: one process builds it, the others load it
                    async with self.db.unit_of_work() as repos:
                        revision = await repos.catalog.revision()
                    snapshot = await self._load_or_build(revision)
                else:
                    snapshot = await self._refit_or_load(refit, current.ratings_mark)
                # Edits applied meanwhile (a patched snapshot of a later revision) are not in
                # this build: never go back to an older revision; build again instead.
                if self._snapshot is None or snapshot.revision >= self._snapshot.revision:
                    self._replay_noted(snapshot)
                    self._install(snapshot)
                    break
                # Dropped before the next one loads: else three snapshots are in memory at once.
                del snapshot, current
                full = True
            self._ratings_built_at = self.clock()
        except Exception:
            log.exception("background catalog refresh failed; keeping the previous snapshot")
