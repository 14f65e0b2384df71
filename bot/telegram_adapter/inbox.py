"""Updates survive a crash: each one is stored before Telegram learns that it arrived.

python-telegram-bot confirms a batch from getUpdates with its next call, made right after it
put the batch into the Application's update queue, so updates waiting for a handler when the
process dies are gone (Telegram does not send them again). The queue here stores every update
in the database as it is put in, and the update processor marks it handled after its handlers
ran; polling (the next getUpdates) and the webhook (the answer to Telegram's request) go on only
once the update is stored. After a crash, what is still unhandled is handled first.

Webhook workers scale out behind one proxy, each a process of its own on the same database: an
update Telegram delivers twice, to one worker or two, is stored once and handled by the worker
that stored it. That worker holds it under a lease it renews while it lives; when a worker dies,
another takes over its unhandled updates once their lease ran out, never sooner."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
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
# How long a worker's claim on its unhandled updates lasts without renewal: after a crash its
# updates wait this long for another worker (a worker started again under the same name takes
# them back at once). Renewed three times per lease, so a live worker never loses one.
DEFAULT_LEASE = timedelta(seconds=30)


def worker_name() -> str:
    """Unique among live processes: a host runs one process with a given pid at a time (each
    container is a host of its own), and a container restarted by Docker keeps both, so it
    takes back what it left."""
    return f"{socket.gethostname()[:150]}:{os.getpid()}"


class UpdateInbox:
    def __init__(
        self,
        db: Database,
        bot_id: int,
        worker: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.db = db
        self.bot_id = bot_id
        self.worker = worker or worker_name()
        self.lease = lease
        self._pruned_at = time.monotonic()

    async def receive(self, update: Update) -> bool:
        """Store `update`; False when it is stored already (a second delivery). A database
        error is a NetworkError to python-telegram-bot: polling backs off and fetches the
        same unconfirmed updates again; a webhook request fails and Telegram sends it again."""
        payload = update.to_dict()
        try:
            return await self.db.write(
                lambda repos: UpdateInboxRepository(repos.session).add(
                    self.bot_id, update.update_id, payload, self.worker, utcnow() + self.lease
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
        """At start: what an earlier run of this worker left, and what a dead worker's lapsed
        lease left, oldest first."""
        updates = await self._take_over(bot, own=True)
        if updates:
            log.info("handling %d updates left unhandled by the last run", len(updates))
        return updates

    async def keep_leases(
        self, bot: Bot, requeue: Callable[[Update], None], stop: asyncio.Event
    ) -> None:
        """Until `stop`: renew this worker's leases, and take over (requeue) the updates of
        workers whose leases ran out. `release` gives the leases up at the end."""
        every = self.lease.total_seconds() / 3
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), every)
                break
            except TimeoutError:
                pass
            try:
                await self.db.write(
                    lambda repos: UpdateInboxRepository(repos.session).renew(
                        self.bot_id, self.worker, utcnow() + self.lease
                    )
                )
                taken = await self._take_over(bot, own=False)
            except (SQLAlchemyError, OSError) as error:  # the next round tries again
                log.warning("could not renew the update leases: %s", error)
                continue
            if taken:
                log.info("taking over %d updates of a stopped worker", len(taken))
            for update in taken:
                requeue(update)

    async def release(self) -> None:
        """This worker stops: a sibling takes over at once whatever it leaves unhandled."""
        try:
            await self.db.write(
                lambda repos: UpdateInboxRepository(repos.session).release(
                    self.bot_id, self.worker, utcnow()
                )
            )
        except (SQLAlchemyError, OSError) as error:  # they are taken once the lease runs out
            log.warning("could not give up the update leases: %s", error)

    async def _take_over(self, bot: Bot, *, own: bool) -> list[Update]:
        now = utcnow()
        pending = await self.db.write(
            lambda repos: UpdateInboxRepository(repos.session).take_over(
                self.bot_id, self.worker, now, now + self.lease, own=own
            )
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
        """An update already in the inbox, from the last run or a stopped sibling worker."""
        super().put_nowait(update)


def bot_id_of(token: str) -> int:
    """The bot's id is the token's part before the colon (updates are numbered per bot)."""
    return int(token.split(":", 1)[0])
