"""Members' watchlists (table `watchlist`: one row per member and title, with how it got there)
and chats' shared watchlists (table `chat_watchlist`: one row per chat, title and member who
wants it, so "how many want it" is a count of rows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql

WATCHLIST_SOURCES = ("chat", "letterboxd", "notify")
# Rows per multi-row INSERT: 4 values each stays under SQLite's 999 bound parameters.
_ROWS_PER_INSERT = 200


@dataclass(frozen=True, slots=True)
class WatchlistRecord:
    title_id: int
    source: str  # one of WATCHLIST_SOURCES
    added_at: datetime


@dataclass(frozen=True, slots=True)
class ChatWatchlistRecord:
    title_id: int
    wanted_by: tuple[str, ...]  # display names, earliest first
    added_at: datetime  # when the first member asked for it


class WatchlistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- a member's own list ------------------------------------------------------------------

    async def add(self, user_id: int, title_id: int, source: str = "chat") -> bool:
        """Put the title on the member's list; False when it was already there (the first
        source and date are kept)."""
        return await self.add_many(user_id, [title_id], source) == 1

    async def add_many(
        self,
        user_id: int,
        title_ids: Iterable[int],
        source: str,
        added_at: dict[int, datetime] | None = None,
    ) -> int:
        """Add several titles at once (an import); how many were new. Re-adding is a no-op."""
        if source not in WATCHLIST_SOURCES:
            raise ValueError(f"unknown watchlist source {source!r}")
        now = m.utcnow()
        rows = [
            {
                "user_id": user_id,
                "title_id": tid,
                "source": source,
                "added_at": (added_at or {}).get(tid) or now,
            }
            for tid in dict.fromkeys(title_ids)
        ]
        added = 0
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            stmt = (
                sql.insert(self.session, m.WatchlistEntry)
                .values(rows[start : start + _ROWS_PER_INSERT])
                .on_conflict_do_nothing()
                .returning(m.WatchlistEntry.title_id)
            )
            added += len((await self.session.execute(stmt)).all())  # only the new rows return
        return added

    async def remove(self, user_id: int, title_id: int) -> bool:
        result = await self.session.execute(
            delete(m.WatchlistEntry).where(
                m.WatchlistEntry.user_id == user_id, m.WatchlistEntry.title_id == title_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def count(self, user_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(m.WatchlistEntry)
                .where(m.WatchlistEntry.user_id == user_id)
            )
            or 0
        )

    async def entries(self, user_id: int) -> list[WatchlistRecord]:
        """The member's list, latest additions first (as Letterboxd shows a watchlist)."""
        rows = await self.session.execute(
            select(m.WatchlistEntry.title_id, m.WatchlistEntry.source, m.WatchlistEntry.added_at)
            .where(m.WatchlistEntry.user_id == user_id)
            .order_by(m.WatchlistEntry.added_at.desc(), m.WatchlistEntry.title_id.desc())
        )
        return [WatchlistRecord(int(t), s, sql.as_utc(at)) for t, s, at in rows]

    async def title_ids(self, user_id: int) -> set[int]:
        """The titles on the member's list: the one small query /recommend makes."""
        rows = await self.session.scalars(
            select(m.WatchlistEntry.title_id).where(m.WatchlistEntry.user_id == user_id)
        )
        return {int(t) for t in rows}

    async def members_lists(self, chat_id: int) -> dict[int, set[int]]:
        """user id -> the titles on their own list, for every member of the chat with one."""
        rows = await self.session.execute(
            select(m.WatchlistEntry.user_id, m.WatchlistEntry.title_id)
            .join(m.ChatMember, m.ChatMember.user_id == m.WatchlistEntry.user_id)
            .where(m.ChatMember.chat_id == chat_id)
        )
        out: dict[int, set[int]] = defaultdict(set)
        for user_id, title_id in rows:
            out[int(user_id)].add(int(title_id))
        return dict(out)

    # -- a chat's shared list -----------------------------------------------------------------

    async def chat_add(self, chat_id: int, user_id: int, title_id: int) -> bool:
        """The member wants the title on the chat's list; False when they already asked."""
        stmt = (
            sql.insert(self.session, m.ChatWatchlistEntry)
            .values(chat_id=chat_id, title_id=title_id, user_id=user_id, added_at=m.utcnow())
            .on_conflict_do_nothing()
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def chat_remove(self, chat_id: int, user_id: int, title_id: int) -> bool:
        """Take back the member's own wish for the title (others who want it keep theirs)."""
        result = await self.session.execute(
            delete(m.ChatWatchlistEntry).where(
                m.ChatWatchlistEntry.chat_id == chat_id,
                m.ChatWatchlistEntry.user_id == user_id,
                m.ChatWatchlistEntry.title_id == title_id,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def chat_entries(self, chat_id: int) -> list[ChatWatchlistRecord]:
        """The chat's list: titles most members want first, then the longest wanted."""
        rows = await self.session.execute(
            select(
                m.ChatWatchlistEntry.title_id,
                m.User.display_name,
                m.ChatWatchlistEntry.added_at,
            )
            .join(m.User, m.User.id == m.ChatWatchlistEntry.user_id)
            .where(m.ChatWatchlistEntry.chat_id == chat_id)
            .order_by(m.ChatWatchlistEntry.added_at, m.User.id)
        )
        names: dict[int, list[str]] = defaultdict(list)
        first: dict[int, datetime] = {}
        for title_id, name, added_at in rows:
            names[int(title_id)].append(name)
            first.setdefault(int(title_id), sql.as_utc(added_at))
        records = [ChatWatchlistRecord(t, tuple(n), first[t]) for t, n in names.items()]
        return sorted(records, key=lambda r: (-len(r.wanted_by), r.added_at, r.title_id))
