"""Admin curation storage: catalog edits beyond imports (edit, alias, merge, where), editorial
reviews and their drafts, review moderation, and the audit log. Never commits: the unit of work
does, so an action and its audit row are written together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql

if TYPE_CHECKING:
    from db.repositories import CatalogRepository

TITLE_COLUMNS = (
    "name",
    "original_name",
    "year",
    "kind",
    "synopsis",
    "countries",
    "languages",
    "runtime_minutes",
    "episodes",
    "poster_url",
)


# Every column that references titles.id, and what merge_titles does with its rows before the
# duplicate is deleted (anything left would go with it: the foreign keys cascade). A test fails
# when db/models.py gains a reference that is not listed here.
TITLE_REFERENCES: dict[str, str] = {
    "titles.original_id": "versions of the duplicate point at the kept title",
    "title_aliases.title_id": "copied; the duplicate's name and original name become aliases",
    "title_genres.title_id": "copied",
    "title_themes.title_id": "copied",
    "title_people.title_id": "copied",
    "title_relations.title_id": "re-linked from the kept title",
    "title_relations.related_id": "re-linked to the kept title",
    "title_sources.title_id": "moved (re-imports then match the kept title)",
    "availability.title_id": "moved; the same service, region and kind keeps the newer date",
    "ratings.title_id": "moved; a member who rated both keeps the newer rating and a review",
    "editorial_reviews.title_id": "moved",
    "review_moderations.title_id": "moved",
    "watch_party_candidates.title_id": "moved (polls and votes stay as they were)",
    "watchlist.title_id": "moved; already on the member's list: kept once",
    "chat_watchlist.title_id": "moved; already wanted by that member in that chat: kept once",
    "availability_alerts.title_id": "moved; an alert already owed for the kept title: kept once",
}


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    actor: str
    actor_name: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EditorialRecord:
    id: int
    title_id: int
    reviewer: str | None
    site: str | None
    source_url: str | None
    grade_text: str | None
    half_stars: int | None
    verdict: str | None
    where_to_watch: tuple[str, ...]
    compares_with: tuple[str, ...]
    added_by: str
    created_at: datetime
    removed_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title_id": self.title_id,
            "reviewer": self.reviewer,
            "site": self.site,
            "grade": self.grade_text,
            "half_stars": self.half_stars,
            "verdict": self.verdict,
            "removed": self.removed_at is not None,
        }


@dataclass(frozen=True, slots=True)
class MemberReview:
    rating_id: int
    title_id: int
    user_id: int
    author: str
    half_stars: int
    review: str | None
    spoiler: bool


@dataclass(frozen=True, slots=True)
class DraftRecord:
    id: int
    created_by: str
    payload: dict[str, Any]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CatalogStats:
    titles: int
    sources: dict[str, int]  # source -> titles from it
    users: int
    ratings: int
    reviews: int
    editorial_reviews: int
    moderated_reviews: int
    last_import: LastImport | None


@dataclass(frozen=True, slots=True)
class LastImport:
    """The newest catalog import or starter seeding, from import_runs or the audit log."""

    what: str  # "netflix_titles.csv (streaming)", "starter catalog"
    counts: str  # "12 added, 3 merged, 0 skipped"
    at: datetime
    by: str  # a display name, or "cli:ana" / "telegram:42" for runs with no audit row


# How import counts read, in the order they are shown (audit "after" keys and import_runs columns).
_COUNT_WORDS = (
    ("added", "added"),
    ("merged", "merged"),
    ("already_imported", "already imported"),
    ("unchanged", "already imported"),
    ("already_there", "already there"),
    ("skipped", "skipped"),
    ("ratings", "ratings"),
)


def _counts(values: dict[str, Any]) -> str:
    shown = [
        f"{values[key]:,} {words}"
        for key, words in _COUNT_WORDS
        if isinstance(values.get(key), int) and (values[key] or key in {"added", "merged"})
    ]
    return ", ".join(shown)


def _editorial(row: m.EditorialReview) -> EditorialRecord:
    return EditorialRecord(
        row.id,
        row.title_id,
        row.reviewer,
        row.site,
        row.source_url,
        row.grade_text,
        row.half_stars,
        row.verdict,
        tuple(row.where_to_watch or ()),
        tuple(row.compares_with or ()),
        row.added_by,
        row.created_at,
        row.removed_at,
    )


def _audit(row: m.AuditEntry) -> AuditRecord:
    return AuditRecord(
        row.id,
        row.actor,
        row.actor_name,
        row.action,
        row.target,
        row.before,
        row.after,
        row.created_at,
    )


class CurationRepository:
    def __init__(self, session: AsyncSession, catalog: CatalogRepository) -> None:
        self.session = session
        self.catalog = catalog

    # -- audit log -----------------------------------------------------------------------------

    async def audit(
        self,
        actor: str,
        actor_name: str,
        action: str,
        target: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self.session.add(
            m.AuditEntry(
                actor=actor[:100],
                actor_name=actor_name[:100],
                action=action,
                target=target[:300],
                before=before,
                after=after,
            )
        )
        await self.session.flush()

    async def latest_audit(self, limit: int) -> list[AuditRecord]:
        rows = await self.session.scalars(
            select(m.AuditEntry)
            .order_by(m.AuditEntry.created_at.desc(), m.AuditEntry.id.desc())
            .limit(limit)
        )
        return [_audit(r) for r in rows]

    async def last_import(self) -> LastImport | None:
        """The newest of: the audit log's imports and seedings, and import_runs (which also
        holds imports written without an audit row). Members' own Letterboxd histories are not
        catalog imports and are left out."""
        entry = await self.session.scalar(
            select(m.AuditEntry)
            .where(or_(m.AuditEntry.action.like("seed.%"), m.AuditEntry.action == "import"))
            .order_by(m.AuditEntry.created_at.desc(), m.AuditEntry.id.desc())
            .limit(1)
        )
        run = await self.session.scalar(
            select(m.ImportRun)
            .where(m.ImportRun.format != "letterboxd")
            .order_by(m.ImportRun.finished_at.desc(), m.ImportRun.id.desc())
            .limit(1)
        )
        found: list[LastImport] = []
        if entry is not None:  # written in the same transaction as its run, just after it
            found.append(
                LastImport(
                    entry.target,
                    _counts(entry.after or {}),
                    sql.as_utc(entry.created_at),
                    entry.actor_name,
                )
            )
        if run is not None:
            counts = {
                "added": run.added,
                "merged": run.merged,
                "unchanged": run.unchanged,
                "skipped": run.skipped,
                "ratings": run.ratings,
            }
            found.append(
                LastImport(
                    f"{run.file_name} ({run.format})",
                    _counts(counts),
                    sql.as_utc(run.finished_at),
                    run.by,
                )
            )
        return max(found, key=lambda last: last.at, default=None)

    # -- titles --------------------------------------------------------------------------------

    async def title_row(self, title_id: int) -> dict[str, Any] | None:
        """A title's own columns plus its aliases and genres, as the audit log records them."""
        title = await self.session.get(m.Title, title_id)
        if title is None:
            return None
        row: dict[str, Any] = {"id": title.id}
        row.update({c: getattr(title, c) for c in TITLE_COLUMNS})
        row["countries"] = list(title.countries or [])
        row["languages"] = list(title.languages or [])
        row["aliases"] = list(
            await self.session.scalars(
                select(m.TitleAlias.alias)
                .where(m.TitleAlias.title_id == title_id)
                .order_by(m.TitleAlias.id)
            )
        )
        row["genres"] = list(
            await self.session.scalars(
                select(m.Genre.name)
                .join(m.TitleGenre, m.TitleGenre.genre_id == m.Genre.id)
                .where(m.TitleGenre.title_id == title_id)
                .order_by(m.Genre.name)
            )
        )
        return row

    async def find_titles(self, name: str, year: int | None, kind: str) -> list[int]:
        stmt = select(m.Title.id).where(func.lower(m.Title.name) == name.casefold())
        stmt = stmt.where(m.Title.kind == kind)
        if year is not None:
            stmt = stmt.where(m.Title.year == year)
        return list(await self.session.scalars(stmt))

    async def update_title(self, title_id: int, values: dict[str, Any]) -> None:
        if values:
            await self.session.execute(
                update(m.Title).where(m.Title.id == title_id).values(**values)
            )

    async def set_genres(self, title_id: int, names: list[str]) -> None:
        await self.session.execute(delete(m.TitleGenre).where(m.TitleGenre.title_id == title_id))
        for name in dict.fromkeys(names):
            genre_id = await self.catalog._id(m.Genre, name)
            self.session.add(m.TitleGenre(title_id=title_id, genre_id=genre_id))
        await self.session.flush()

    async def add_alias(self, title_id: int, alias: str) -> bool:
        result = await self.session.execute(
            sql.insert(self.session, m.TitleAlias)
            .values(title_id=title_id, alias=alias)
            .on_conflict_do_nothing()
        )
        return bool(getattr(result, "rowcount", 0))

    async def add_people(self, title_id: int, role: str, names: list[str]) -> list[str]:
        """Credit people the title does not list yet, after the ones it has; returns the new."""
        existing = set(
            await self.session.scalars(
                select(m.Person.name)
                .join(m.TitlePerson, m.TitlePerson.person_id == m.Person.id)
                .where(m.TitlePerson.title_id == title_id, m.TitlePerson.role == role)
            )
        )
        position = len(existing)
        added = []
        for name in dict.fromkeys(names):
            if name in existing:
                continue
            person = await self.catalog._id(m.Person, name)
            await self.session.execute(
                sql.insert(self.session, m.TitlePerson)
                .values(title_id=title_id, person_id=person, role=role, position=position)
                .on_conflict_do_nothing()
            )
            position += 1
            added.append(name)
        return added

    async def remove_offers(
        self, title_id: int, provider: str, region: str | None, kind: str | None
    ) -> list[dict[str, Any]]:
        """Delete a title's availability at a provider (optionally one region/kind)."""
        stmt = (
            select(m.Availability, m.Provider.name)
            .join(m.Provider, m.Provider.id == m.Availability.provider_id)
            .where(
                m.Availability.title_id == title_id,
                func.lower(m.Provider.name) == provider.casefold(),
            )
        )
        if region:
            stmt = stmt.where(m.Availability.region == region)
        if kind:
            stmt = stmt.where(m.Availability.kind == kind)
        removed = []
        for offer, name in (await self.session.execute(stmt)).all():
            removed.append(
                {"provider": name, "region": offer.region, "kind": offer.kind, "link": offer.link}
            )
            await self.session.delete(offer)
        await self.session.flush()
        return removed

    async def usage(self, title_id: int) -> dict[str, int]:
        """What hangs off a title, so removing it can say what goes with it."""

        async def count(model: Any, *where: Any) -> int:
            return int(
                await self.session.scalar(select(func.count()).select_from(model).where(*where))
                or 0
            )

        return {
            "ratings": await count(m.Rating, m.Rating.title_id == title_id),
            "reviews": await count(
                m.Rating, m.Rating.title_id == title_id, m.Rating.review.is_not(None)
            ),
            "editorial_reviews": await count(
                m.EditorialReview, m.EditorialReview.title_id == title_id
            ),
            "offers": await count(m.Availability, m.Availability.title_id == title_id),
            "watch_party_candidates": await count(
                m.WatchPartyCandidate, m.WatchPartyCandidate.title_id == title_id
            ),
        }

    async def merge_titles(self, duplicate: int, keep: int) -> dict[str, int]:
        """Fold `duplicate` into `keep`, then delete it. Every row that references the duplicate
        (see TITLE_REFERENCES) moves to the kept title or is folded into a row it already has,
        so deleting the duplicate cascades into nothing. Names become aliases; a member who
        rated both keeps the newer rating (and a review from either)."""
        dup = await self.session.get(m.Title, duplicate)
        kept = await self.session.get(m.Title, keep)
        assert dup is not None and kept is not None
        moved: dict[str, int] = {"aliases": await self._merge_names(dup, kept)}
        moved["genres"] = await self._copy_links(m.TitleGenre, duplicate, keep)
        moved["themes"] = await self._copy_links(m.TitleTheme, duplicate, keep)
        moved["people"] = await self._copy_links(m.TitlePerson, duplicate, keep)
        moved["relations"] = await self._merge_relations(duplicate, keep)
        moved["sources"] = await self._repoint(m.TitleSource, duplicate, keep)
        moved["offers"] = await self._merge_offers(duplicate, keep)
        moved["ratings"] = await self._merge_ratings(duplicate, keep)
        moved["editorial_reviews"] = await self._repoint(m.EditorialReview, duplicate, keep)
        moved["moderated_reviews"] = await self._repoint(m.ReviewModeration, duplicate, keep)
        moved["watch_party_candidates"] = await self._repoint(
            m.WatchPartyCandidate, duplicate, keep
        )
        moved["review_drafts"] = await self._merge_drafts(duplicate, keep)
        moved["watchlist"] = await self._repoint_once(m.WatchlistEntry, duplicate, keep)
        moved["chat_watchlist"] = await self._repoint_once(m.ChatWatchlistEntry, duplicate, keep)
        moved["availability_alerts"] = await self._repoint_once(
            m.AvailabilityAlert, duplicate, keep
        )
        await self.session.execute(
            update(m.Title)
            .where(m.Title.original_id == duplicate, m.Title.id != keep)
            .values(original_id=keep)
        )
        if kept.original_id == duplicate:
            kept.original_id = dup.original_id if dup.original_id != keep else None
        await self.session.flush()
        await self.catalog.remove_title(duplicate)
        return moved

    async def _merge_names(self, dup: m.Title, kept: m.Title) -> int:
        names = [dup.name, dup.original_name or ""]
        names += list(
            await self.session.scalars(
                select(m.TitleAlias.alias).where(m.TitleAlias.title_id == dup.id)
            )
        )
        added = 0
        for name in dict.fromkeys(n for n in names if n and n != kept.name):
            added += int(await self.add_alias(kept.id, name))
        return added

    async def _copy_links(self, link: Any, duplicate: int, keep: int) -> int:
        """Genres, themes, people: link rows whose key includes title_id are copied to the kept
        title (skipping the ones it has); the duplicate's copies go with it."""
        table = link.__table__
        columns = [c.name for c in table.columns if c.name != "title_id"]
        rows = (
            await self.session.execute(
                select(*(table.c[c] for c in columns)).where(table.c.title_id == duplicate)
            )
        ).all()
        added = 0
        for row in rows:
            result = await self.session.execute(
                sql.insert(self.session, link)
                .values({"title_id": keep, **dict(zip(columns, row, strict=True))})
                .on_conflict_do_nothing()
            )
            added += int(bool(getattr(result, "rowcount", 0)))
        return added

    async def _merge_relations(self, duplicate: int, keep: int) -> int:
        rows = (
            await self.session.execute(
                select(
                    m.TitleRelation.title_id,
                    m.TitleRelation.related_id,
                    m.TitleRelation.kind,
                    m.TitleRelation.source,
                ).where(
                    or_(
                        m.TitleRelation.title_id == duplicate,
                        m.TitleRelation.related_id == duplicate,
                    )
                )
            )
        ).all()
        moved = 0
        for tid, rid, kind, source in rows:
            tid, rid = (keep if tid == duplicate else tid), (keep if rid == duplicate else rid)
            if tid != rid:  # "keep compares with duplicate" means nothing once they are one
                await self.catalog.link(tid, rid, kind, source)
                moved += 1
        return moved

    async def _merge_offers(self, duplicate: int, keep: int) -> int:
        """Availability moves over; where both list the same service, region and kind, the
        newer entry's date and link win."""
        moved = 0
        for offer in (
            await self.session.scalars(
                select(m.Availability).where(m.Availability.title_id == duplicate)
            )
        ).all():
            mine = await self.session.scalar(
                select(m.Availability).where(
                    m.Availability.title_id == keep,
                    m.Availability.provider_id == offer.provider_id,
                    m.Availability.region == offer.region,
                    m.Availability.kind == offer.kind,
                )
            )
            if mine is None:
                offer.title_id = keep
                moved += 1
            elif offer.as_of > mine.as_of:
                mine.as_of, mine.source = offer.as_of, offer.source
                mine.link = offer.link or mine.link
                moved += 1
            elif mine.link is None and offer.link:
                mine.link = offer.link
        await self.session.flush()
        return moved

    async def _merge_ratings(self, duplicate: int, keep: int) -> int:
        moved = 0
        for rating in (
            await self.session.scalars(select(m.Rating).where(m.Rating.title_id == duplicate))
        ).all():
            mine = await self.session.scalar(
                select(m.Rating).where(
                    m.Rating.user_id == rating.user_id, m.Rating.title_id == keep
                )
            )
            if mine is None:
                rating.title_id = keep
                moved += 1
                continue
            if rating.updated_at > mine.updated_at:
                mine.half_stars, mine.updated_at = rating.half_stars, rating.updated_at
                if rating.review is not None:
                    mine.review, mine.spoiler = rating.review, rating.spoiler
                moved += 1
            elif mine.review is None and rating.review is not None:
                mine.review, mine.spoiler = rating.review, rating.spoiler  # keep their words
            # A moderation record of the folded rating now belongs to the one that stays.
            await self.session.execute(
                update(m.ReviewModeration)
                .where(m.ReviewModeration.rating_id == rating.id)
                .values(rating_id=mine.id)
            )
        await self.session.flush()
        return moved

    async def _merge_drafts(self, duplicate: int, keep: int) -> int:
        """Review drafts waiting for Confirm name titles inside their JSON payload."""
        changed = 0
        for draft in (await self.session.scalars(select(m.ReviewDraft))).all():
            payload = dict(draft.payload)
            touched = False
            if payload.get("title_id") == duplicate:
                payload["title_id"], touched = keep, True
            for key in ("choices", "compares"):
                ids = payload.get(key)
                if isinstance(ids, list) and duplicate in ids:
                    swapped = [keep if i == duplicate else i for i in ids]
                    payload[key] = [
                        i for i in dict.fromkeys(swapped) if i != payload.get("title_id")
                    ]
                    touched = True
            if touched:
                draft.payload = payload
                changed += 1
        await self.session.flush()
        return changed

    async def _repoint_once(self, model: Any, old: int, new: int) -> int:
        """Move rows keyed by title and others (member, chat, …) unless the kept title already
        has that row; those left behind go with the duplicate."""
        table = model.__table__
        others = [c for c in table.primary_key.columns if c.name != "title_id"]
        taken = select(*others).where(table.c.title_id == new)
        result = await self.session.execute(
            update(table)
            .where(table.c.title_id == old, tuple_(*others).not_in(taken))
            .values(title_id=new)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _repoint(self, model: Any, old: int, new: int) -> int:
        result = await self.session.execute(
            update(model).where(model.title_id == old).values(title_id=new)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # -- editorial reviews ---------------------------------------------------------------------

    async def add_editorial(
        self,
        title_id: int,
        *,
        reviewer: str | None,
        site: str | None,
        source_url: str | None,
        grade_text: str | None,
        half_stars: int | None,
        verdict: str | None,
        where_to_watch: list[str],
        compares_with: list[str],
        added_by: str,
    ) -> int:
        row = m.EditorialReview(
            title_id=title_id,
            reviewer=reviewer,
            site=site,
            source_url=source_url,
            grade_text=grade_text,
            half_stars=half_stars,
            verdict=verdict,
            where_to_watch=where_to_watch,
            compares_with=compares_with,
            added_by=added_by,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def editorial_for(self, title_id: int, limit: int = 3) -> list[EditorialRecord]:
        rows = await self.session.scalars(
            select(m.EditorialReview)
            .where(m.EditorialReview.title_id == title_id, m.EditorialReview.removed_at.is_(None))
            .order_by(m.EditorialReview.created_at.desc(), m.EditorialReview.id.desc())
            .limit(limit)
        )
        return [_editorial(r) for r in rows]

    async def get_editorial(self, review_id: int) -> EditorialRecord | None:
        row = await self.session.get(m.EditorialReview, review_id)
        return None if row is None else _editorial(row)

    async def remove_editorial(self, review_id: int, by: str, reason: str) -> None:
        await self.session.execute(
            update(m.EditorialReview)
            .where(m.EditorialReview.id == review_id)
            .values(removed_at=m.utcnow(), removed_by=by, removed_reason=reason[:300])
        )
        # Links this review added go with it; links another source also made stay.
        await self.session.execute(
            delete(m.TitleRelation).where(m.TitleRelation.source == f"editorial:{review_id}")
        )

    # -- member reviews ------------------------------------------------------------------------

    async def member_review(self, rating_id: int) -> MemberReview | None:
        row = (
            await self.session.execute(
                select(m.Rating, m.User.display_name)
                .join(m.User, m.User.id == m.Rating.user_id)
                .where(m.Rating.id == rating_id)
            )
        ).one_or_none()
        if row is None:
            return None
        r, name = row
        return MemberReview(r.id, r.title_id, r.user_id, name, r.half_stars, r.review, r.spoiler)

    async def moderate_review(self, review: MemberReview, reason: str, moderator: str) -> int:
        """Take the text down (the star rating stays) and keep it with the reason."""
        assert review.review is not None
        row = m.ReviewModeration(
            rating_id=review.rating_id,
            title_id=review.title_id,
            user_id=review.user_id,
            review=review.review,
            spoiler=review.spoiler,
            reason=reason[:300],
            moderator=moderator,
        )
        self.session.add(row)
        await self.session.execute(
            update(m.Rating)
            .where(m.Rating.id == review.rating_id)
            .values(review=None, spoiler=False)
        )
        await self.session.flush()
        return row.id

    # -- drafts --------------------------------------------------------------------------------

    async def add_draft(
        self, created_by: str, payload: dict[str, Any], expires_at: datetime
    ) -> int:
        row = m.ReviewDraft(created_by=created_by, payload=payload, expires_at=expires_at)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def get_draft(self, draft_id: int) -> DraftRecord | None:
        row = await self.session.get(m.ReviewDraft, draft_id)
        if row is None:
            return None
        return DraftRecord(row.id, row.created_by, dict(row.payload), row.expires_at)

    async def drafts_by(self, created_by: str, now: datetime) -> list[DraftRecord]:
        """One person's unexpired drafts, newest first."""
        rows = await self.session.scalars(
            select(m.ReviewDraft)
            .where(m.ReviewDraft.created_by == created_by, m.ReviewDraft.expires_at >= now)
            .order_by(m.ReviewDraft.id.desc())
        )
        return [DraftRecord(r.id, r.created_by, dict(r.payload), r.expires_at) for r in rows]

    async def update_draft(self, draft_id: int, payload: dict[str, Any]) -> None:
        await self.session.execute(
            update(m.ReviewDraft).where(m.ReviewDraft.id == draft_id).values(payload=payload)
        )

    async def delete_draft(self, draft_id: int) -> bool:
        result = await self.session.execute(
            delete(m.ReviewDraft).where(m.ReviewDraft.id == draft_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def purge_drafts(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(m.ReviewDraft).where(m.ReviewDraft.expires_at < now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # -- numbers -------------------------------------------------------------------------------

    async def stats(self) -> CatalogStats:
        async def count(model: Any, *where: Any) -> int:
            return int(
                await self.session.scalar(select(func.count()).select_from(model).where(*where))
                or 0
            )

        sources = {
            str(source): int(n)
            for source, n in await self.session.execute(
                select(m.TitleSource.source, func.count(func.distinct(m.TitleSource.title_id)))
                .group_by(m.TitleSource.source)
                .order_by(m.TitleSource.source)
            )
        }
        return CatalogStats(
            titles=await count(m.Title),
            sources=sources,
            users=await count(m.User),
            ratings=await count(m.Rating),
            reviews=await count(m.Rating, m.Rating.review.is_not(None)),
            editorial_reviews=await count(
                m.EditorialReview, m.EditorialReview.removed_at.is_(None)
            ),
            moderated_reviews=await count(m.ReviewModeration),
            last_import=await self.last_import(),
        )


def today() -> date:
    return m.utcnow().date()
