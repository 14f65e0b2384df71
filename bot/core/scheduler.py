"""The watch-party scheduler: closes polls whose deadline passed, sends results, reminders and
rating asks, and stops native polls. Everything it acts on is in the database, so a restart
picks up whatever fell due while the bot was down (once, late).

Several processes may run it against one PostgreSQL database (replicas, or one process per
platform). Each handles only the chats of the platforms it has a Messenger for, and claims work
with conditional UPDATEs (see db/watch_party_repository.py), so each poll is closed and
announced once.

A crash costs little: a scheduler claims one job at a time, just before sending it, under a
short lease that a heartbeat renews while the send lasts (a flood wait, say), and records the
outcome with the sent message's id as soon as the send returns. A process killed mid-send
leaves only that job behind, taken over once its lease runs out (another process wakes up for
that moment); every other due job is still pending for whoever runs next. So a crash delays
results by about one lease at worst and can repeat only the message that was in flight. A clean
shutdown finishes the job in hand and gives back anything still held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Sequence
from datetime import timedelta
from typing import NamedTuple

from bot.core.alerts import AlertSender
from bot.core.clock import Clock
from bot.core.outbox import Messenger
from bot.core.party_events import EVENT_JOBS
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
        lease: timedelta = timedelta(seconds=15),
        renew_every: float | None = None,
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
        # Three renewals per lease: one slow or failed renewal does not lose the job.
        self.renew_every = renew_every or lease.total_seconds() / 3
        self.max_attempts = max_attempts
        self.retry_after = retry_after
        self.holder = holder_name()
        self._wake = asyncio.Event()
        parties.on_jobs = self._wake.set
        parties.messengers.update(self.messengers)
        # Watchlist alerts go out from the same passes, under the same holder name.
        self.alerts = AlertSender(parties.db, messengers, self.clock, self.holder, lease)

    @property
    def platforms(self) -> list[str]:
        return sorted(self.messengers)

    async def run_due(self, stop: asyncio.Event | None = None) -> Tick:
        """One pass over everything due now; once `stop` is set, no new job is started."""
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
        sent = skipped = failed = 0
        while stop is None or not stop.is_set():
            async with db.unit_of_work(write=True) as repos:
                claimed = await repos.parties.claim_jobs(
                    self.clock(), self.platforms, self.holder, self.lease
                )
            if not claimed:
                break
            [job] = claimed
            outcome = await self._run_leased(job)
            sent += outcome == "sent"
            skipped += outcome == "skipped"
            failed += outcome == "failed"
        if stop is None or not stop.is_set():
            await self.alerts.run_due()
        return Tick(closed, sent, skipped, failed)

    async def _run_leased(self, job: JobRecord) -> str:
        heartbeat = asyncio.create_task(self._keep_lease(job))
        try:
            return await self._run(job)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _keep_lease(self, job: JobRecord) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                async with self.parties.db.unit_of_work(write=True) as repos:
                    held = await repos.parties.renew_jobs(
                        [job.id], self.holder, self.clock() + self.lease
                    )
            except Exception:
                log.warning(
                    "could not renew the lease of watch-party job %s", job.id, exc_info=True
                )
                continue
            if not held:
                log.warning("watch-party job %s was taken over by another process", job.id)
                return

    async def _run(self, job: JobRecord) -> str:
        db = self.parties.db
        messenger = self.messengers[job.platform]
        message_id: str | None = None
        try:
            if job.kind in EVENT_JOBS:  # the platform's scheduled event, not a message
                outcome = await self.parties.run_event_job(job)
            else:
                outcome, message_id = await self._send(job, messenger)
        except Exception:
            log.exception(
                "watch-party job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts
            )
            now = self.clock()
            async with db.unit_of_work(write=True) as repos:
                if job.attempts >= self.max_attempts:
                    await repos.parties.finish_job(job.id, self.holder, "failed", now)
                    return "failed"
                await repos.parties.retry_job(
                    job.id, self.holder, now + self.retry_after * job.attempts
                )
            return "retry"
        # Straight after the send: a crash from here on can repeat only this one message.
        return await self._finish(job, outcome, message_id)

    async def _send(self, job: JobRecord, messenger: Messenger) -> tuple[str, str | None]:
        """What the job says, sent (and the party's poll stopped first for a result): the
        outcome and the sent message's id."""
        message_id: str | None = None
        party, reply = await self.parties.job_message(job, self.clock())
        stops_poll = job.kind in ("announce", "stop_poll")
        if party is not None and stops_poll and party.poll_message_id:
            await messenger.stop_poll(party.platform_chat_id, party.poll_message_id)
        if party is not None and reply is not None:
            sent = await messenger.send(party.platform_chat_id, reply)
            message_id = sent.message_id if sent else None
        outcome = "sent" if reply is not None or job.kind == "stop_poll" else "skipped"
        return outcome, message_id

    async def _finish(self, job: JobRecord, outcome: str, message_id: str | None) -> str:
        async with self.parties.db.unit_of_work(write=True) as repos:
            kept = await repos.parties.finish_job(
                job.id, self.holder, outcome, self.clock(), message_id
            )
        if not kept:
            log.warning("watch-party job %s was taken over while it was being sent", job.id)
        return outcome

    async def release(self) -> None:
        """Give back whatever this scheduler still holds (after a cancelled send)."""
        async with self.parties.db.unit_of_work(write=True) as repos:
            released = await repos.parties.release_jobs(self.holder)
            await repos.alerts.release(self.holder)
        if released:
            log.info("released %d watch-party job(s) for another process", released)

    async def _pause(self) -> float:
        """Seconds until the next pass: the interval, or sooner when a job falls due, a dead
        holder's lease runs out or a vote closes before then."""
        async with self.parties.db.unit_of_work() as repos:
            moment = await repos.parties.next_wakeup(self.platforms)
        if moment is None:
            return self.interval
        until = (moment - self.clock()).total_seconds() + _CLOCK_SLACK
        return min(self.interval, max(until, _MIN_PAUSE))

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Pass after pass until `stop` is set; new jobs (a host closing a vote) wake it early.
        Errors are logged and the next pass tries again after the interval."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self.run_due(stop)
                    pause = await self._pause()
                except Exception:
                    log.exception("watch-party scheduler pass failed")
                    pause = self.interval
                await self._sleep(pause, stop)
        finally:
            try:
                await self.release()
            except Exception:
                log.exception("could not release the watch-party jobs of %s", self.holder)

    async def _sleep(self, seconds: float, stop: asyncio.Event) -> None:
        waiter = asyncio.ensure_future(self._wake.wait())
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({waiter, stopper}, timeout=seconds, return_when="FIRST_COMPLETED")
        finally:
            for task in (waiter, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


# The database's clock and this process's timer may disagree by a few milliseconds.
_CLOCK_SLACK = 0.05
# However busy: never a tight loop if something due cannot be claimed yet.
_MIN_PAUSE = 1.0


def holder_name() -> str:
    """Who holds a job, for the database and for an operator reading it: host, pid, and a
    random part (two schedulers in one process, a reused pid)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
