"""A removed rating, kept for its Undo button. It waits in the drafts table (in the database, so
the button still works after a restart, on any replica) under the member who removed it, and
is purged when it expires like any draft."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from db.records import StoredRating
from db.repositories import Repositories

UNDO_TTL = timedelta(days=7)
KIND = "removed_rating"


def _payload(rating: StoredRating) -> dict[str, Any]:
    return {
        "kind": KIND,
        "title_id": rating.title_id,  # the key title merges rewrite in every draft
        "half_stars": rating.half_stars,
        "review": rating.review,
        "spoiler": rating.spoiler,
        "watched_on": rating.watched_on.isoformat() if rating.watched_on else None,
        "created_at": rating.created_at.isoformat() if rating.created_at else None,
        "updated_at": rating.updated_at.isoformat(),
    }


def _rating(payload: dict[str, Any]) -> StoredRating:
    watched, created = payload.get("watched_on"), payload.get("created_at")
    return StoredRating(
        title_id=int(payload["title_id"]),
        half_stars=int(payload["half_stars"]),
        review=payload.get("review"),
        spoiler=bool(payload.get("spoiler")),
        updated_at=datetime.fromisoformat(payload["updated_at"]),
        watched_on=date.fromisoformat(watched) if watched else None,
        created_at=datetime.fromisoformat(created) if created else None,
    )


async def keep(repos: Repositories, owner: str, rating: StoredRating, now: datetime) -> None:
    """Keep what `owner` ("telegram:42") just removed, for UNDO_TTL."""
    await repos.curation.purge_drafts(now)
    await repos.curation.add_draft(owner, _payload(rating), now + UNDO_TTL)


async def kept_titles(repos: Repositories, owner: str, now: datetime) -> set[int]:
    """The titles `owner` removed a rating of and can still undo."""
    return {
        int(d.payload["title_id"])
        for d in await repos.curation.drafts_by(owner, now)
        if d.payload.get("kind") == KIND
    }


async def take(
    repos: Repositories, owner: str, title_id: int, now: datetime
) -> StoredRating | None:
    """The latest rating of `title_id` that `owner` removed and can still undo, no longer kept
    (one Undo restores it once); None when there is none."""
    found = None
    for draft in await repos.curation.drafts_by(owner, now):
        payload = draft.payload
        if payload.get("kind") != KIND or payload.get("title_id") != title_id:
            continue
        if found is None:
            found = _rating(payload)
        await repos.curation.delete_draft(draft.id)
    return found
