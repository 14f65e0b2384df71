"""The watch-party scheduler: closes polls whose deadline passed, sends results, reminders and
rating asks, and stops native polls. Everything it acts on is in the database, so a restart
picks up whatever fell due while the bot was down (once, late).

Several processes may run it against one PostgreSQL database (replicas, or one process per
platform). Each handles only the chats of the platforms it has a Messenger for, and claims work
with conditional UPDATEs (see db/watch_party_repository.py), so each poll is closed and
announced once. A job claimed by a process that died before finishing is taken over after
`lease`: that is the only window in which a message can go out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import NamedTuple

from bot.core.clock import Clock
from bot.core.outbox import Messenger
from bot.core.watchparty import WatchParties
from db.watch_party_repository import JobRecord

log = logging.getLogger(__name__)


class Tick(NamedTuple):
    """What one pass did, for logs and tests."""

    closed: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0


class Scheduler:
    def __init__(
        self,
        parties: WatchParties,
        messengers: Sequence[Messenger],
        *,
        clock: Clock | None = None,
        interval: float = 15.0,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 5,
        retry_after: timedelta = timedelta(minutes=1),
    ) -> None:
        if not messengers:
            raise ValueError("a scheduler needs at least one messenger")
        self.parties = parties
        self.messengers = {m.platform: m for m in messengers}
        self.clock = clock or parties.clock
        self.interval = interval
        self.lease = lease
        self.max_attempts = max_attempts
        self.retry_after = retry_after
        self._wake = asyncio.Event()
        parties.on_jobs = self._wake.set
        parties.messengers.update(self.messengers)

    @property
    def platforms(self) -> list[str]:
        return sorted(self.messengers)

    async def run_due(self) -> Tick:
        """One pass over everything due now."""
        now = self.clock()
        db = self.parties.db
        async with db.unit_of_work() as repos:
            due = await repos.parties.due_to_close(now, self.platforms)
        closed = 0
        for party_id in due:
            if await self.parties.decide(party_id, "deadline", now, announce=True) is not None:
                closed += 1
        async with db.unit_of_work(write=True) as repos:
            await repos.parties.end_started(now)
            jobs = await repos.parties.claim_jobs(now, self.platforms, self.lease)
        sent = skipped = failed = 0
        for job in jobs:
            outcome = await self._run(job)
            sent += outcome == "sent"
            skipped += outcome == "skipped"
            failed += outcome == "failed"
        return Tick(closed, sent, skipped, failed)

    async def _run(self, job: JobRecord) -> str:
        now = self.clock()
        db = self.parties.db
        messenger = self.messengers[job.platform]
        message_id: str | None = None
        try:
            party, reply = await self.parties.job_message(job, now)
            stop = job.kind in ("announce", "stop_poll")
            if party is not None and stop and party.poll_message_id:
                await messenger.stop_poll(party.platform_chat_id, party.poll_message_id)
            if party is not None and reply is not None:
                sent = await messenger.send(party.platform_chat_id, reply)
                message_id = sent.message_id if sent else None
            outcome = "sent" if reply is not None or job.kind == "stop_poll" else "skipped"
        except Exception:
            log.exception(
                "watch-party job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts
            )
            async with db.unit_of_work(write=True) as repos:
                if job.attempts >= self.max_attempts:
                    await repos.parties.finish_job(job.id, "failed", now)
                    return "failed"
                await repos.parties.retry_job(job.id, now + self.retry_after * job.attempts)
            return "retry"
        async with db.unit_of_work(write=True) as repos:
            await repos.parties.finish_job(job.id, outcome, now, message_id)
        return outcome

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Pass after pass until `stop` is set; new jobs (a host closing a vote) wake it early.
        Errors are logged and the next pass tries again."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.run_due()
            except Exception:
                log.exception("watch-party scheduler pass failed")
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait(
                    {waiter, stopper}, timeout=self.interval, return_when="FIRST_COMPLETED"
                )
            finally:
                for task in (waiter, stopper):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
