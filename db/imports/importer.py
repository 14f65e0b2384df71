"""Merging imported rows into the catalog.

Rules:
- A row is the same title as one already there when this source recorded it before (its own
  id), when it shares an external id (IMDb, TMDB, ...), or when the normalised name (or an
  alias, or the original-language name), the year and the kind all match. Same name with a
  different year stays a separate title (remakes).
- A merged row adds its source, its spelling as an alias, its availability, and fills facts
  the title lacks; it never overwrites what is there (admins may have edited it).
- Re-running an import changes nothing: sources, aliases and links are written with
  ON CONFLICT DO NOTHING, and availability only moves to a newer date.
- All or nothing by default: the import is one transaction, and a bad row rolls it back.
  With `skip_bad` the good rows are kept and the bad ones listed. `dry_run` does all the work
  inside the transaction and rolls it back, so the summary is exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql
from db.alert_repository import AlertRepository
from db.catalog_repository import CatalogRepository
from db.curation_repository import CurationRepository
from db.imports.bulk import NAME_CHARS, BulkWriter
from db.imports.formats import (
    MAX_FILE_BYTES,
    BadRow,
    Bundle,
    ImportFileError,
    Input,
    RatingRow,
    TitleRow,
    WatchlistRow,
    open_bundle,
    read_ratings,
    read_titles,
    read_watchlist,
    reelbot,
)
from db.imports.formats.base import TitleRef as RatedTitle
from db.imports.formats.values import credit_key, title_key
from db.imports.index import (
    DOCUMENTARY,
    FILLABLE,
    IDENTITY_SOURCES,
    CatalogIndex,
    Pending,
    TitleRef,
    load_index,
)
from db.models import MAX_REVIEW_CHARS
from db.records import OfferSpec, TitleSpec
from db.session import Database
from db.watchlist_repository import WatchlistRepository

BATCH = 1000
RATING_BATCH = 5000
MAX_LISTED_BAD = 50
ROLES = {"director": "directors", "writer": "writers", "cast": "cast"}  # role -> TitleSpec list
# A series found under another year (another season's) must share this many credits...
SHARED_CREDITS = 2
# ...and be at most this many years apart.
SERIES_YEARS = 6
# Where a service streams when --region is not given.
HOME_REGIONS = {"Tving": "KR", "Wavve": "KR", "Coupang Play": "KR", "Watcha": "KR"}

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Member:
    """The chat user a Letterboxd import belongs to."""

    platform: str
    user_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class ImportOptions:
    format: str | None = None
    provider: str | None = None
    region: str | None = None
    offer_kind: str = "stream"
    as_of: date | None = None
    skip_bad: bool = False
    dry_run: bool = False
    encoding: str | None = None
    max_bytes: int | None = MAX_FILE_BYTES
    member: Member | None = None
    by: str = "cli"  # who, as the audit log and import_runs name them: "cli:ana", "telegram:42"
    by_name: str | None = None  # their display name (default: `by`)
    # Write an audit row with the import_runs row. Catalog imports are admin actions; a member
    # bringing their own Letterboxd history is not.
    audit: bool = True
    # Where members with no region of their own (nor their chats) watch: for watchlist alerts.
    default_region: str | None = None


@dataclass(slots=True)
class ImportSummary:
    file: str
    format: str
    dry_run: bool = False
    added: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: int = 0
    offers: int = 0
    alerts: int = 0  # watchlist alerts this import made due
    ratings_added: int = 0
    ratings_updated: int = 0
    ratings_kept: int = 0
    users_added: int = 0
    unmatched: list[str] = field(default_factory=list)
    unmatched_count: int = 0
    # Letterboxd's watchlist.csv: new on the member's watchlist, already on it, already rated
    # (left off), and films not in the catalog.
    watchlist_added: int = 0
    watchlist_kept: int = 0
    watchlist_rated: int = 0
    watchlist_unmatched: list[str] = field(default_factory=list)
    watchlist_unmatched_count: int = 0
    bad: list[BadRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ratings(self) -> int:
        return self.ratings_added + self.ratings_updated

    def lines(self) -> list[str]:
        """The summary as short lines for the CLI and the chat."""
        head = "Dry run (nothing written)" if self.dry_run else "Imported"
        out = [f"{head}: {self.file} as {self.format}"]
        if self.format != "letterboxd":
            out.append(
                f"titles: {self.added:,} added, {self.merged:,} merged into existing titles, "
                f"{self.unchanged:,} already imported, {self.skipped:,} skipped"
            )
        if self.offers:
            out.append(f"availability: {self.offers:,} entries written or confirmed")
        if self.alerts:
            out.append(f"watchlist alerts: {self.alerts:,} members' titles newly available")
        if self.ratings_added or self.ratings_updated or self.ratings_kept or self.users_added:
            out.append(
                f"ratings: {self.ratings_added:,} added, {self.ratings_updated:,} updated, "
                f"{self.ratings_kept:,} kept as they were"
                + (f"; {self.users_added:,} imported users" if self.users_added else "")
            )
        if self.watchlist_added or self.watchlist_kept or self.watchlist_unmatched_count:
            out.append(
                f"watchlist: {self.watchlist_added:,} added, {self.watchlist_kept:,} already on it"
                + (f", {self.watchlist_rated:,} already rated" if self.watchlist_rated else "")
            )
        if self.watchlist_unmatched_count:
            sample = ", ".join(self.watchlist_unmatched[:5])
            extra = self.watchlist_unmatched_count - min(5, len(self.watchlist_unmatched))
            more = f" and {extra:,} more" if extra > 0 else ""
            out.append(f"watchlist films not in the catalog: {sample}{more}")
        if self.format == "letterboxd" and self.skipped:
            out.append(f"skipped rows: {self.skipped:,}")
        if self.unmatched_count:
            sample = ", ".join(self.unmatched[:5])
            more = "" if self.unmatched_count <= 5 else f" and {self.unmatched_count - 5:,} more"
            out.append(f"not in the catalog: {sample}{more}")
        out.extend(self.notes)
        for bad in self.bad:
            out.append(f"  bad row: {bad}")
        if self.skipped > len(self.bad):
            out.append(f"  ... and {self.skipped - len(self.bad):,} more bad rows")
        out.append(f"took {self.seconds:.1f} s")
        return out


class ImportRejected(Exception):
    """Bad rows in an all-or-nothing import: nothing was written."""

    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        count = summary.skipped
        super().__init__(
            f"{count:,} bad row{'s' if count != 1 else ''} in {summary.file}; nothing was "
            "written. Fix the file, or re-run with --skip-bad to import the good rows."
        )

    def lines(self) -> list[str]:
        out = [str(self)]
        out.extend(f"  {bad}" for bad in self.summary.bad)
        if self.summary.skipped > len(self.summary.bad):
            out.append(f"  ... and {self.summary.skipped - len(self.summary.bad):,} more")
        return out


class _DryRun(Exception):
    pass


async def import_file(
    db: Database,
    target: Path | Input,
    options: ImportOptions = ImportOptions(),
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one file, folder or archive. Raises ImportFileError for a file that cannot be read
    and ImportRejected for bad rows without `skip_bad`; in both cases nothing is written."""
    bundle = open_bundle(
        target, options.format, encoding=options.encoding, max_bytes=options.max_bytes
    )
    if bundle.format == "letterboxd" and options.member is None:
        raise ImportFileError(
            bundle.main.name,
            "a Letterboxd export belongs to one member: say whose it is, e.g. "
            "--user telegram:123456",
        )
    name = target.name if isinstance(target, (Path, Input)) else str(target)
    summary = ImportSummary(file=name, format=bundle.format, dry_run=options.dry_run)
    started = time.perf_counter()
    try:
        async with db.unit_of_work(write=True) as repos:
            run = _Run(repos.session, bundle, options, summary, progress)
            await run.execute()
            if options.dry_run:
                raise _DryRun
    except _DryRun:
        pass
    summary.seconds = time.perf_counter() - started
    return summary


class _Run:
    def __init__(
        self,
        session: AsyncSession,
        bundle: Bundle,
        options: ImportOptions,
        summary: ImportSummary,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.bundle = bundle
        self.options = options
        self.summary = summary
        self.progress = progress
        self.writer = BulkWriter(session)
        self.index = CatalogIndex()
        self.failed = False
        self.as_of = options.as_of or date.today()
        self.started = m.utcnow()
        self.titles_before = 0
        self.rows_read = 0
        # (source, external id) of each row -> its title, for links between rows
        self.refs_by_key: dict[tuple[str, str], TitleRef | None] = {}
        # reelbot files: title -> the key of the row that stands for it
        self.claimed: dict[TitleRef, str] = {}
        # (source, external id) -> (remake_of, compares_with), resolved once all rows are in
        self.links: dict[tuple[str, str], tuple[str | None, tuple[str, ...]]] = {}

    async def execute(self) -> None:
        alerts = AlertRepository(self.session)
        watched_before = await alerts.watched_offers()
        self.index = await load_index(self.session)
        self.titles_before = await self._title_count()
        titles = read_titles(self.bundle, provider=self.options.provider, default_as_of=self.as_of)
        await self._titles(titles)
        if self.bundle.format == "letterboxd":
            await self._member_ratings(read_ratings(self.bundle))
            await self._member_watchlist(read_watchlist(self.bundle))
            # The member now watches titles whose offers are old news: no alert for those.
            watched_before = await alerts.watched_offers()
        else:
            await self._dataset_ratings(read_ratings(self.bundle))
        if self.failed:
            raise ImportRejected(self.summary)
        changed = self.summary.added or self.summary.merged or self.summary.offers
        if changed:
            await _bump_revision(self.session)
        run_id = await self._record()
        # In the import's own transaction: the alerts exist exactly when its offers do.
        added = await alerts.watched_offers() - watched_before
        self.summary.alerts = await alerts.queue(
            added, f"import:{run_id}", self.options.default_region
        )

    # -- titles ------------------------------------------------------------------------------

    async def _titles(self, rows: Iterator[TitleRow | RatingRow | BadRow]) -> None:
        for row in rows:
            self._tick()
            if isinstance(row, BadRow):
                self._bad(row)
                continue
            if not isinstance(row, TitleRow):
                continue
            problem = _check(row)
            if problem:
                self._bad(BadRow(row.where, problem))
                continue
            if self.failed:
                continue  # keep reading, to list every bad row, but write nothing
            self._merge(row)
            if self.writer.pending() >= BATCH:
                await self.writer.flush()
        if not self.failed:
            await self.writer.flush()
            await self._links_between_rows()

    def _offers(self, row: TitleRow) -> list[OfferSpec]:
        providers = list(row.providers)
        if self.options.provider and self.options.provider not in providers:
            providers.append(self.options.provider)
        offers = list(row.spec.offers)
        for provider in providers:
            region = (self.options.region or HOME_REGIONS.get(provider, "US")).upper()
            offers.append(OfferSpec(provider, region, self.options.offer_kind, self.as_of))
        return offers

    def _merge(self, row: TitleRow) -> None:
        spec = row.spec
        index = self.index
        keys = _recorded_under(row)
        refs = [index.by_source.get(k) for k in keys]
        # This source's own title: its own id (a backup's row: all its ids) already points at it.
        own = refs[0]
        if keys[0][0] != row.source and not all(r == own for r in refs):
            own = None
        found = next((r for r in refs if r is not None), None)
        names = [spec.name, *spec.aliases, spec.original_name or ""]
        if found is None:
            found = self._find(row, names, keys)
        spec.offers = self._offers(row)
        self.refs_by_key[(row.source, row.external_id)] = found
        self.links[(row.source, row.external_id)] = (row.remake_of, tuple(row.compares_with))
        if found is None:
            pending = Pending(spec, keys)
            self.writer.add_title(pending)
            for key in keys:
                index.add_source(pending, key)
            index.add_keys(pending, names, spec.year, spec.kind)
            index.countries[pending] = spec.countries
            if _is_documentary(spec):
                index.documentaries.add(pending)
            self.refs_by_key[(row.source, row.external_id)] = pending
            self._claim(row, pending)
            self.summary.added += 1
            self.summary.offers += len(spec.offers)
            return
        self._claim(row, found)
        if own is not None:
            self.summary.unchanged += 1
        else:
            self.summary.merged += 1
        new_sources = [k for k in keys if k not in index.by_source]
        for key in new_sources:
            index.add_source(found, key)
        index.add_keys(found, names, spec.year, spec.kind)
        if _is_documentary(spec):
            index.documentaries.add(found)
        self.summary.offers += len(spec.offers)
        if isinstance(found, Pending):
            if found.id is None:
                _merge_into_pending(found, spec, new_sources)
                return
            index.names.setdefault(found.id, found.spec.name)
            for role, attr in ROLES.items():  # what it was written with
                listed: list[str] = getattr(found.spec, attr)
                index.people.setdefault((found.id, role), len(listed))
                index.credits.setdefault((found.id, role), {credit_key(n) for n in listed})
            found = found.id  # added by this import, already written
        w = self.writer
        w.sources.extend((found, s, e) for s, e in new_sources)
        w.offers.extend(
            (found, o.provider, o.region, o.kind, o.as_of, o.link, row.source) for o in spec.offers
        )
        if own is not None:
            return  # this source's own title: keep it as it is now
        known = index.names.get(found)
        w.aliases.extend((found, a) for a in [spec.name, *spec.aliases] if a and a != known)
        self._fill(found, row)

    def _find(
        self, row: TitleRow, names: list[str], keys: list[tuple[str, str]]
    ) -> TitleRef | None:
        """The catalog title this row names by name, year and kind, leaving out titles that
        are other works: one with another IMDb/TMDB id, and one another row of this same
        reelbot file already stands for (a file lists each of its titles once)."""
        spec, index = row.spec, self.index
        own_file = row.source == reelbot.SOURCE

        def accept(ref: TitleRef) -> bool:
            if index.conflicts(ref, keys):
                return False
            return not own_file or self.claimed.get(ref, row.external_id) == row.external_id

        found = index.find(names, spec.year, spec.kind, spec.countries, accept)
        if found is None and _is_documentary(spec):
            # One documentary, listed as a film by one source and as a series by another
            # (Planet Earth II): same name and year, and a documentary on both sides.
            other = "series" if spec.kind == "film" else "film"
            found = index.find(
                names,
                spec.year,
                other,
                spec.countries,
                lambda ref: ref in index.documentaries and accept(ref),
            )
        if found is None and spec.kind == "series" and spec.year is not None:
            found = self._same_series_other_year(spec, names, accept)
        return found

    def _same_series_other_year(
        self, spec: TitleSpec, names: list[str], accept: Callable[[TitleRef], bool]
    ) -> TitleRef | None:
        """A series dated by another season: Netflix gives the latest season's year, where
        MyDramaList gives the first (Stranger: 2020 and 2017). The same name a few years apart
        is the same series when at least SHARED_CREDITS people are credited on both."""
        if spec.year is None or not any(
            (title_key(n), "series") in self.index.named for n in names if n
        ):
            return None
        mine = {credit_key(n) for n in (*spec.directors, *spec.writers, *spec.cast)}
        mine.discard("")
        if len(mine) < SHARED_CREDITS:
            return None
        for offset in sorted(range(-SERIES_YEARS, SERIES_YEARS + 1), key=abs)[1:]:
            year = spec.year + offset
            found = self.index.find(
                names,
                year,
                "series",
                spec.countries,
                lambda ref: accept(ref) and len(mine & self._credit_keys(ref)) >= SHARED_CREDITS,
            )
            if found is not None:
                return found
        return None

    def _credit_keys(self, ref: TitleRef) -> set[str]:
        if isinstance(ref, Pending):
            s = ref.spec
            return {credit_key(n) for n in (*s.directors, *s.writers, *s.cast)}
        return set().union(*(self.index.credited(ref, role) for role in ROLES))

    def _claim(self, row: TitleRow, ref: TitleRef) -> None:
        if row.source == reelbot.SOURCE:
            self.claimed.setdefault(ref, row.external_id)

    def _fill(self, tid: int, row: TitleRow) -> None:
        """Scalar facts fill what the title lacks; genres, themes and people are added to what
        it has (the writer folds spellings of one name together)."""
        empty = self.index.empty.get(tid, set())
        spec = row.spec
        values = {
            "original_name": spec.original_name,
            "synopsis": spec.synopsis,
            "runtime_minutes": spec.runtime_minutes,
            "episodes": spec.episodes,
            "poster_url": spec.poster_url,
            "popularity": spec.popularity,
            "vote_count": spec.vote_count,
            "countries": spec.countries or None,
            "languages": spec.languages or None,
        }
        fill = {k: v for k, v in values.items() if k in empty and v is not None}
        if fill:
            self.writer.fills.setdefault(tid, {}).update(fill)
            empty.difference_update(fill)
        people = self.index.people
        start = {role: people.get((tid, role), 0) for role in ROLES}
        new: dict[str, list[str]] = {}
        for role, attr in ROLES.items():
            listed = self.index.credited(tid, role)
            new[role] = _new_credits(listed, getattr(spec, attr))
            people[(tid, role)] = start[role] + len(new[role])
        unseen = replace(spec, directors=new["director"], writers=new["writer"], cast=new["cast"])
        self.writer.add_facts(tid, unseen, ("genres", "themes", "people"), start)

    async def _links_between_rows(self) -> None:
        """remake_of / compares_with name other rows of the same file (reelbot schema)."""
        refs = self.refs_by_key
        for (source, external_id), (remake_of, compares) in self.links.items():
            if not remake_of and not compares:
                continue
            tid = _real(refs.get((source, external_id)))
            if tid is None:
                continue
            original = _real(refs.get((source, remake_of))) if remake_of else None
            if original is not None and original != tid:
                await self.session.execute(
                    update(m.Title)
                    .where(m.Title.id == tid, m.Title.original_id.is_(None))
                    .values(original_id=original)
                )
            related = [_real(refs.get((source, c))) for c in compares]
            rows = [
                {"title_id": tid, "related_id": r, "kind": "compares_with", "source": source}
                for r in dict.fromkeys(related)
                if r is not None and r != tid
            ]
            if rows:
                table: Table = m.TitleRelation.__table__  # type: ignore[assignment]
                await self.session.execute(
                    sql.insert(self.session, table).on_conflict_do_nothing(), rows
                )

    # -- ratings -----------------------------------------------------------------------------

    async def _dataset_ratings(self, rows: Iterator[RatingRow | BadRow]) -> None:
        """MovieLens: ratings from anonymous data-set users, kept apart from chat members."""
        platform = "movielens"
        before = await self._rating_count(platform)
        users_before = await self._user_count(platform)
        users: dict[str, int] = {}
        batch: dict[tuple[str, int], RatingRow] = {}
        for row in rows:
            self._tick()
            if isinstance(row, BadRow):
                self._bad(row)
                continue
            ref = row.title
            tid = _real(self.index.by_source.get((ref.source or "", ref.external_id or "")))
            if tid is None:
                self._bad(BadRow(row.where, f"movieId {ref.external_id} is not in movies.csv"))
                continue
            if self.failed:
                continue
            batch[(row.user, tid)] = row
            if len(batch) >= RATING_BATCH:
                await self._write_dataset_ratings(platform, users, batch)
                batch = {}
        if self.failed:
            return
        await self._write_dataset_ratings(platform, users, batch)
        self.summary.users_added = await self._user_count(platform) - users_before
        added = await self._rating_count(platform) - before
        self.summary.ratings_added = added

    async def _write_dataset_ratings(
        self, platform: str, users: dict[str, int], batch: dict[tuple[str, int], RatingRow]
    ) -> None:
        if not batch:
            return
        new_users = sorted({u for u, _ in batch} - users.keys())
        if new_users:
            table: Table = m.User.__table__  # type: ignore[assignment]
            now = m.utcnow()
            await self.session.execute(
                sql.insert(self.session, table).on_conflict_do_nothing(),
                [
                    {
                        "platform": platform,
                        "platform_user_id": u,
                        "display_name": f"MovieLens user {u}",
                        "created_at": now,
                    }
                    for u in new_users
                ],
            )
            for start in range(0, len(new_users), 500):
                chunk = new_users[start : start + 500]
                found = await self.session.execute(
                    select(m.User.platform_user_id, m.User.id).where(
                        m.User.platform == platform, m.User.platform_user_id.in_(chunk)
                    )
                )
                users.update({u: i for u, i in found})
        await _upsert_ratings(
            self.session,
            [(users[u], tid, row) for (u, tid), row in batch.items()],
        )

    async def _member_ratings(self, rows: Iterator[RatingRow | BadRow]) -> None:
        """Letterboxd: one member's history, matched to the catalog by name and year."""
        member = self.options.member
        assert member is not None
        user_id = await _ensure_user(self.session, member)
        existing = {
            tid: (when, day)
            for tid, when, day in await self.session.execute(
                select(m.Rating.title_id, m.Rating.updated_at, m.Rating.watched_on).where(
                    m.Rating.user_id == user_id
                )
            )
        }
        chosen: dict[int, RatingRow] = {}
        no_stars = 0
        for row in rows:
            self._tick()
            if isinstance(row, BadRow):
                self._bad(row)
                continue
            tid = self._match(row)
            if tid is None:
                self.summary.unmatched_count += 1
                _name_some(self.summary.unmatched, row.title)
                continue
            if row.stars is None:
                no_stars += 1
                continue
            chosen[tid] = row
        if no_stars:
            self.summary.notes.append(
                f"{no_stars:,} review(s) without a star rating were left out (a rating needs "
                "stars here)"
            )
        if self.failed:
            return
        write: list[tuple[int, int, RatingRow]] = []
        undated: dict[int, date] = {}  # kept ratings without a diary date the export has
        for tid, row in chosen.items():
            when = sql.as_utc_or_none(row.rated_at)
            previous, previous_day = existing.get(tid, (None, None))
            if previous is None:
                self.summary.ratings_added += 1
            elif when is not None and when > sql.as_utc(previous):
                self.summary.ratings_updated += 1
            else:
                self.summary.ratings_kept += 1  # rated here since: the chat rating wins
                if previous_day is None and row.watched_on is not None:
                    undated[tid] = row.watched_on
                continue
            write.append((user_id, tid, row))
        for tid, day in undated.items():  # few: ratings imported before diary dates existed
            await self.session.execute(
                update(m.Rating)
                .where(m.Rating.user_id == user_id, m.Rating.title_id == tid)
                .values(watched_on=day)
            )
        if undated:
            self.summary.notes.append(f"{len(undated):,} diary date(s) filled in")
        long_reviews = sum(1 for _, _, r in write if r.review and len(r.review) > MAX_REVIEW_CHARS)
        if long_reviews:
            self.summary.notes.append(
                f"{long_reviews:,} review(s) were longer than {MAX_REVIEW_CHARS:,} characters "
                "and were shortened"
            )
        for start in range(0, len(write), RATING_BATCH):
            await _upsert_ratings(self.session, write[start : start + RATING_BATCH])

    async def _member_watchlist(self, rows: Iterator[WatchlistRow | BadRow]) -> None:
        """Letterboxd's watchlist.csv onto the member's watchlist, matched like their ratings
        (name and year). Films they have rated are left off (Letterboxd drops a film from the
        watchlist once it is logged); re-importing adds nothing twice."""
        member = self.options.member
        assert member is not None
        user_id = await _ensure_user(self.session, member)
        rated = set(
            await self.session.scalars(select(m.Rating.title_id).where(m.Rating.user_id == user_id))
        )
        wanted: dict[int, WatchlistRow] = {}
        for row in rows:
            self._tick()
            if isinstance(row, BadRow):
                self._bad(row)
                continue
            tid = self._match(row)
            if tid is None:
                self.summary.watchlist_unmatched_count += 1
                _name_some(self.summary.watchlist_unmatched, row.title)
            elif tid in rated:
                self.summary.watchlist_rated += 1
            else:
                wanted.setdefault(tid, row)
        if self.failed or not wanted:
            return
        added_at = {
            tid: when
            for tid, row in wanted.items()
            if (when := sql.as_utc_or_none(row.added_at)) is not None
        }
        watchlist = WatchlistRepository(self.session)
        added = await watchlist.add_many(user_id, list(wanted), "letterboxd", added_at)
        self.summary.watchlist_added = added
        self.summary.watchlist_kept = len(wanted) - added

    def _match(self, row: RatingRow | WatchlistRow) -> int | None:
        ref = row.title
        names = [ref.name or ""]
        for kind in ("film", "series"):
            if (found := _real(self.index.find(names, ref.year, kind))) is not None:
                return found
        if ref.year is not None:  # release years differ by one between sites now and then
            for year in (ref.year - 1, ref.year + 1):
                if (found := _real(self.index.find(names, year, "film"))) is not None:
                    return found
        return None

    # -- bookkeeping -------------------------------------------------------------------------

    def _tick(self) -> None:
        self.rows_read += 1
        if self.progress is not None and self.rows_read % 200 == 0:
            self.progress(200)

    def _bad(self, bad: BadRow) -> None:
        self.summary.skipped += 1
        if len(self.summary.bad) < MAX_LISTED_BAD:
            self.summary.bad.append(bad)
        if not self.options.skip_bad:
            self.failed = True

    async def _rating_count(self, platform: str) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(m.Rating)
                .join(m.User, m.User.id == m.Rating.user_id)
                .where(m.User.platform == platform)
            )
            or 0
        )

    async def _user_count(self, platform: str) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).select_from(m.User).where(m.User.platform == platform)
            )
            or 0
        )

    async def _title_count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(m.Title)) or 0)

    async def _record(self) -> int:
        """The import_runs row and, for catalog imports, the audit row (who, what, when,
        before/after), in the import's own transaction: both exist exactly when it was written."""
        s, options = self.summary, self.options
        run = m.ImportRun(
            format=s.format,
            file_name=s.file[:300],
            by=options.by[:100],
            added=s.added,
            merged=s.merged,
            unchanged=s.unchanged,
            skipped=s.skipped,
            ratings=s.ratings,
            started_at=self.started,
            finished_at=m.utcnow(),
        )
        self.session.add(run)
        await self.session.flush()
        if not options.audit:
            return run.id
        after: dict[str, object] = {
            "titles": await self._title_count(),
            "format": s.format,
            "added": s.added,
            "merged": s.merged,
            "already_imported": s.unchanged,
            "skipped": s.skipped,
            "availability": s.offers,
            "ratings": s.ratings,
            "import_run": run.id,
        }
        for key, value in (("provider", options.provider), ("region", options.region)):
            if value:
                after[key] = value
        curation = CurationRepository(self.session, CatalogRepository(self.session))
        await curation.audit(
            options.by,
            options.by_name or options.by,
            "import",
            f"{s.file} ({s.format})",
            {"titles": self.titles_before},
            after,
        )
        return run.id


UNMATCHED_NAMED = 20  # films the summary names; the rest are only counted


def _name_some(names: list[str], title: RatedTitle) -> None:
    """Name an unmatched film in the summary, up to UNMATCHED_NAMED of them."""
    if len(names) < UNMATCHED_NAMED:
        year = f" ({title.year})" if title.year else ""
        names.append(f"{title.name}{year}")


def _merge_into_pending(
    pending: Pending, spec: TitleSpec, new_sources: list[tuple[str, str]]
) -> None:
    """A second row for a title this import adds: fold it in before the title is written
    (scalars fill gaps, lists are joined; the writer folds spellings of one name together)."""
    target = pending.spec
    pending.sources.extend(new_sources)
    for name in [spec.name, *spec.aliases]:
        if name and name != target.name and name not in target.aliases:
            target.aliases.append(name)
    for attr in FILLABLE:
        if getattr(target, attr) is None:
            setattr(target, attr, getattr(spec, attr))
    for attr in ("countries", "languages"):
        if not getattr(target, attr):
            setattr(target, attr, list(getattr(spec, attr)))
    for attr in ("genres", "themes"):
        have: list[str] = getattr(target, attr)
        have.extend(v for v in getattr(spec, attr) if v not in have)
    for attr in ROLES.values():
        names: list[str] = getattr(target, attr)
        names.extend(_new_credits({credit_key(n) for n in names}, getattr(spec, attr)))
    seen = {(o.provider, o.region, o.kind) for o in target.offers}
    target.offers.extend(o for o in spec.offers if (o.provider, o.region, o.kind) not in seen)


def _recorded_under(row: TitleRow) -> list[tuple[str, str]]:
    """The (source, id) pairs a row's title is recorded under: its own id first, then the other
    catalogs' ids. A reelbot row whose ids name where the title came from (a source other
    than IMDb/TMDB, as `seed export` writes them) is a backup of that provenance: it is
    recorded under those ids alone, so restoring a backup adds no `reelbot` row."""
    if row.source == reelbot.SOURCE and any(s not in IDENTITY_SOURCES for s, _ in row.ids):
        return list(dict.fromkeys(row.ids))
    return list(dict.fromkeys([(row.source, row.external_id), *row.ids]))


def _new_credits(listed: set[str], names: list[str]) -> list[str]:
    """The names not credited yet (in any word order), noting them in `listed`."""
    new = []
    for name in names:
        key = credit_key(name)
        if key and key not in listed:
            listed.add(key)
            new.append(name)
    return new


def _is_documentary(spec: TitleSpec) -> bool:
    return any(g.casefold() == DOCUMENTARY.casefold() for g in spec.genres)


def _check(row: TitleRow) -> str | None:
    """What PostgreSQL would refuse, said before it does."""
    spec = row.spec
    if len(spec.name) > NAME_CHARS:
        return f"the title is longer than {NAME_CHARS} characters"
    if spec.year is not None and not 1870 <= spec.year <= 2100:
        return f"year {spec.year} is not between 1870 and 2100"
    for offer in spec.offers:
        if len(offer.region) != 2:
            return f"region {offer.region!r} is not a two-letter code"
    spec.aliases = [a for a in spec.aliases if len(a) <= NAME_CHARS]
    spec.countries = [c for c in spec.countries if len(c) == 2]
    return None


def _real(ref: TitleRef | None) -> int | None:
    if isinstance(ref, Pending):
        return ref.id
    return ref


async def _ensure_user(session: AsyncSession, member: Member) -> int:
    table: Table = m.User.__table__  # type: ignore[assignment]
    stmt = sql.insert(session, table).values(
        platform=member.platform,
        platform_user_id=member.user_id,
        display_name=member.display_name[:100],
        created_at=m.utcnow(),
    )
    await session.execute(stmt.on_conflict_do_nothing())
    found = await session.scalar(
        select(m.User.id).where(
            m.User.platform == member.platform, m.User.platform_user_id == member.user_id
        )
    )
    assert found is not None
    return int(found)


async def _upsert_ratings(
    session: AsyncSession, rows: Iterable[tuple[int, int, RatingRow]]
) -> None:
    """Insert or refresh ratings; an older rating never replaces a newer one."""
    now = m.utcnow()
    params = []
    for user_id, title_id, row in rows:
        when = sql.as_utc_or_none(row.rated_at) or now
        review = row.review
        if review and len(review) > MAX_REVIEW_CHARS:
            review = review[: MAX_REVIEW_CHARS - 1].rstrip() + "…"
        params.append(
            {
                "user_id": user_id,
                "title_id": title_id,
                "half_stars": round((row.stars or 0) * 2),
                "review": review,
                "spoiler": row.spoiler,
                "watched_on": row.watched_on,
                "created_at": when,
                "updated_at": when,
            }
        )
    if not params:
        return
    table: Table = m.Rating.__table__  # type: ignore[assignment]
    stmt = sql.insert(session, table)
    new = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "title_id"],
        set_={
            "half_stars": new.half_stars,
            "review": func.coalesce(new.review, table.c.review),
            "spoiler": new.spoiler,
            "watched_on": func.coalesce(new.watched_on, table.c.watched_on),
            "updated_at": new.updated_at,
        },
        where=new.updated_at > table.c.updated_at,
    )
    await session.execute(stmt, params)


async def _bump_revision(session: AsyncSession) -> None:
    await CatalogRepository(session).bump_revision()
