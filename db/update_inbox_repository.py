"""The update inbox: chat-platform updates stored on receipt and marked once handled, so a
crash between the two is followed by handling them again instead of losing them.

Several workers (webhook processes behind one proxy) share the inbox. A row belongs to the
worker that stored it, under a lease the worker keeps renewing; a row whose lease ran out (its
worker died) is taken over by another, and a live worker's rows are never taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
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

    async def add(
        self,
        bot_id: int,
        update_id: int,
        payload: dict[str, Any],
        worker: str,
        lease_until: datetime,
    ) -> bool:
        """False when the update is already there (Telegram delivered it again, maybe to
        another worker): whoever stored it first handles it."""
        statement = (
            sql.insert(self.session, m.UpdateInbox)
            .values(
                bot_id=bot_id,
                update_id=update_id,
                payload=payload,
                attempts=0,
                worker_id=worker,
                lease_until=lease_until,
            )
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

    async def renew(self, bot_id: int, worker: str, lease_until: datetime) -> None:
        """Extend the lease on every unhandled update `worker` holds."""
        await self.session.execute(
            update(m.UpdateInbox)
            .where(
                m.UpdateInbox.bot_id == bot_id,
                m.UpdateInbox.worker_id == worker,
                m.UpdateInbox.handled_at.is_(None),
            )
            .values(lease_until=lease_until)
        )

    async def release(self, bot_id: int, worker: str, now: datetime) -> None:
        """End `worker`'s leases now (it stops): another worker takes its rows at once."""
        await self.renew(bot_id, worker, now)

    async def take_over(
        self, bot_id: int, worker: str, now: datetime, lease_until: datetime, *, own: bool
    ) -> list[PendingUpdate]:
        """The unhandled updates whose lease ran out (and, with `own`, those held under
        `worker`'s name: an earlier run of the same worker), oldest first, now leased to
        `worker` and counted as one more attempt. One UPDATE claims them, so two workers
        taking over at once never get the same row."""
        free = or_(m.UpdateInbox.lease_until.is_(None), m.UpdateInbox.lease_until < now)
        claimable = or_(free, m.UpdateInbox.worker_id == worker) if own else free
        rows = (
            await self.session.execute(
                update(m.UpdateInbox)
                .where(
                    m.UpdateInbox.bot_id == bot_id,
                    m.UpdateInbox.handled_at.is_(None),
                    claimable,
                )
                .values(
                    worker_id=worker,
                    lease_until=lease_until,
                    attempts=m.UpdateInbox.attempts + 1,
                )
                .returning(m.UpdateInbox.update_id, m.UpdateInbox.payload, m.UpdateInbox.attempts)
            )
        ).all()
        pending = [PendingUpdate(row[0], row[1] or {}, row[2] - 1) for row in rows]
        return sorted(pending, key=lambda item: item.update_id)

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
