"""The update inbox: chat-platform updates stored on receipt and marked once handled, so a
crash between the two is followed by handling them again instead of losing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql


@dataclass(frozen=True)
class PendingUpdate:
    update_id: int
    payload: dict[str, Any]
    attempts: int  # handlings started before this one (each restart that found it unhandled)


class UpdateInboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, bot_id: int, update_id: int, payload: dict[str, Any]) -> bool:
        """False when the update is already there (Telegram delivered it again)."""
        statement = (
            sql.insert(self.session, m.UpdateInbox)
            .values(bot_id=bot_id, update_id=update_id, payload=payload, attempts=0)
            .on_conflict_do_nothing(index_elements=["bot_id", "update_id"])
        )
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def mark_handled(self, bot_id: int, update_id: int, now: datetime) -> None:
        """Only the ids stay: enough to recognise a second delivery."""
        await self.session.execute(
            update(m.UpdateInbox)
            .where(m.UpdateInbox.bot_id == bot_id, m.UpdateInbox.update_id == update_id)
            .values(handled_at=now, payload=None)
        )

    async def take_unhandled(self, bot_id: int) -> list[PendingUpdate]:
        """The unhandled updates, oldest first, each counted as one more attempt."""
        rows = (
            await self.session.execute(
                select(m.UpdateInbox.update_id, m.UpdateInbox.payload, m.UpdateInbox.attempts)
                .where(m.UpdateInbox.bot_id == bot_id, m.UpdateInbox.handled_at.is_(None))
                .order_by(m.UpdateInbox.update_id)
            )
        ).all()
        if rows:
            await self.session.execute(
                update(m.UpdateInbox)
                .where(m.UpdateInbox.bot_id == bot_id, m.UpdateInbox.handled_at.is_(None))
                .values(attempts=m.UpdateInbox.attempts + 1)
            )
        return [PendingUpdate(row[0], row[1] or {}, row[2]) for row in rows]

    async def forget_handled(self, bot_id: int, before: datetime) -> int:
        """Drop handled updates received before `before` (Telegram keeps none past a day)."""
        result = await self.session.execute(
            delete(m.UpdateInbox).where(
                m.UpdateInbox.bot_id == bot_id,
                m.UpdateInbox.handled_at.is_not(None),
                m.UpdateInbox.received_at < before,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
