"""Updates survive a crash: each one is stored before Telegram learns that it arrived.

python-telegram-bot confirms a batch from getUpdates with its next call, made right after it
put the batch into the Application's update queue, so updates waiting for a handler when the
process dies are gone (Telegram does not send them again). The queue here stores every update
in the database as it is put in, and the update processor marks it handled after its handlers
ran; polling (the next getUpdates) and the webhook (the answer to Telegram's request) go on only
once the update is stored. After a crash, what is still unhandled is handled first."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import NetworkError

from db.models import utcnow
from db.session import Database
from db.update_inbox_repository import UpdateInboxRepository

log = logging.getLogger(__name__)

# An update whose handling was cut short this often is dropped: it may be what kills us.
MAX_ATTEMPTS = 3
KEEP_HANDLED = timedelta(days=1)  # Telegram keeps unconfirmed updates for a day at most
PRUNE_EVERY_SECONDS = 3600.0


class UpdateInbox:
    def __init__(self, db: Database, bot_id: int) -> None:
        self.db = db
        self.bot_id = bot_id
        self._pruned_at = time.monotonic()

    async def receive(self, update: Update) -> bool:
        """Store `update`; False when it is stored already (a second delivery). A database
        error is a NetworkError to python-telegram-bot: polling backs off and fetches the
        same unconfirmed updates again; a webhook request fails and Telegram sends it again."""
        payload = update.to_dict()
        try:
            return await self.db.write(
                lambda repos: UpdateInboxRepository(repos.session).add(
                    self.bot_id, update.update_id, payload
                )
            )
        except (SQLAlchemyError, OSError) as error:
            raise NetworkError(f"could not store update {update.update_id}: {error}") from error

    async def handled(self, update: object) -> None:
        if not isinstance(update, Update):
            return
        try:
            await self.db.write(
                lambda repos: UpdateInboxRepository(repos.session).mark_handled(
                    self.bot_id, update.update_id, utcnow()
                )
            )
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
                await self.prune()
        except (SQLAlchemyError, OSError) as error:  # handled again after a restart: harmless
            log.warning("could not mark update %s handled: %s", update.update_id, error)

    async def prune(self) -> None:
        self._pruned_at = time.monotonic()
        before = utcnow() - KEEP_HANDLED
        await self.db.write(
            lambda repos: UpdateInboxRepository(repos.session).forget_handled(self.bot_id, before)
        )

    async def unhandled(self, bot: Bot) -> list[Update]:
        """What a previous run received and did not finish, oldest first."""
        pending = await self.db.write(
            lambda repos: UpdateInboxRepository(repos.session).take_unhandled(self.bot_id)
        )
        updates = []
        for item in pending:
            if item.attempts >= MAX_ATTEMPTS:
                log.error("update %s dropped after %d attempts", item.update_id, item.attempts)
                await self.handled_id(item.update_id)
                continue
            update = Update.de_json(item.payload, bot)
            if update is not None:
                updates.append(update)
        if updates:
            log.info("handling %d updates left unhandled by the last run", len(updates))
        return updates

    async def handled_id(self, update_id: int) -> None:
        await self.db.write(
            lambda repos: UpdateInboxRepository(repos.session).mark_handled(
                self.bot_id, update_id, utcnow()
            )
        )


class DurableUpdateQueue(asyncio.Queue[object]):
    """The Application's update queue (shared with the Updater), storing updates as they come.
    A second delivery of a stored update is not queued again."""

    def __init__(self, inbox: UpdateInbox) -> None:
        super().__init__()
        self.inbox = inbox

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await self.inbox.receive(item):
            return
        await super().put(item)

    def requeue(self, update: Update) -> None:
        """An update already in the inbox, from the last run."""
        super().put_nowait(update)


def bot_id_of(token: str) -> int:
    """The bot's id is the token's part before the colon (updates are numbered per bot)."""
    return int(token.split(":", 1)[0])
