"""Native poll answers survive a database outage. Telegram and Discord show members their vote
the moment they tap it and never send it again, so an answer the database cannot take now is
kept and stored when the database is back, in arrival order per poll (a member's later change
must not be overwritten by their earlier vote), for a bounded time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.context import CommandContext
from bot.core.replies import Reply
from db.connection_errors import is_connection_error

log = logging.getLogger(__name__)

# Waits between tries while the database is away (each try also waits a few seconds for a
# connection, see db/session.py); the last one repeats until the answer is stored or too old.
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)
GIVE_UP_AFTER = 15 * 60.0  # seconds: an outage longer than this needs an operator anyway
MAX_KEPT = 10_000  # answers kept across every poll; past it new ones are refused (logged)


@dataclass(frozen=True, slots=True)
class PollAnswer:
    platform: str
    platform_poll_id: str
    voter: CommandContext
    option_indices: tuple[int, ...]
    answered_at: datetime  # when it arrived: a vote cast before the poll closed still counts


StoreAnswer = Callable[[PollAnswer], Awaitable[Reply | None]]


@dataclass(eq=False)
class _Waiting:
    answer: PollAnswer
    arrived: float = field(default_factory=time.monotonic)
    # Settles with the store's reply, or with None as soon as the answer has to wait.
    settled: asyncio.Future[Reply | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass(eq=False)
class _Lane:
    """One poll's answers, stored one after another by one task."""

    waiting: deque[_Waiting] = field(default_factory=deque)
    stalled: bool = False
    worker: asyncio.Task[None] | None = None


class PollAnswerQueue:
    def __init__(
        self,
        store: StoreAnswer,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        give_up_after: float = GIVE_UP_AFTER,
        max_kept: int = MAX_KEPT,
    ) -> None:
        self._store = store
        self._delays = tuple(retry_delays)
        self._give_up_after = give_up_after
        self._max_kept = max_kept
        self._lanes: dict[tuple[str, str], _Lane] = {}

    @property
    def waiting(self) -> int:
        """Answers received but not stored yet."""
        return sum(len(lane.waiting) for lane in self._lanes.values())

    async def submit(self, answer: PollAnswer) -> Reply | None:
        """Store `answer` after the poll's earlier ones. Returns the store's reply, or None at
        once when the database is away (the answer is kept and stored later). Errors other
        than a lost database are raised, as a direct store would."""
        if self.waiting >= self._max_kept:
            log.error(
                "answer to poll %s dropped: %d answers wait already",
                answer.platform_poll_id,
                self.waiting,
            )
            return None
        key = (answer.platform, answer.platform_poll_id)
        lane = self._lanes.setdefault(key, _Lane())
        entry = _Waiting(answer)
        lane.waiting.append(entry)
        if lane.stalled:
            entry.settled.set_result(None)
        if lane.worker is None:
            lane.worker = asyncio.create_task(self._drain(key, lane))
        # Shielded: a caller that stops waiting does not take the answer with it.
        return await asyncio.shield(entry.settled)

    async def _drain(self, key: tuple[str, str], lane: _Lane) -> None:
        tries = 0
        try:
            while lane.waiting:
                entry = lane.waiting[0]
                try:
                    reply = await self._store(entry.answer)
                except Exception as error:
                    too_old = time.monotonic() - entry.arrived > self._give_up_after
                    if is_connection_error(error) and not too_old:
                        if not lane.stalled:
                            log.warning("database away; keeping answers to poll %s", key[1])
                        self._stall(lane)
                        await asyncio.sleep(self._delays[min(tries, len(self._delays) - 1)])
                        tries += 1
                        continue
                    lane.waiting.popleft()
                    self._fail(entry, error)
                    continue
                lane.waiting.popleft()
                if lane.stalled and not lane.waiting:
                    log.info("stored the answers kept for poll %s", key[1])
                lane.stalled, tries = False, 0
                if not entry.settled.done():
                    entry.settled.set_result(reply)
                elif reply is not None:  # its voter has moved on; nobody to show it to
                    log.info("kept poll answer stored with a reply: %s", reply.text)
        finally:  # done, or stopped by close(): no caller is left waiting
            del self._lanes[key]
            self._stall(lane)

    @staticmethod
    def _stall(lane: _Lane) -> None:
        lane.stalled = True
        for entry in lane.waiting:
            if not entry.settled.done():
                entry.settled.set_result(None)

    @staticmethod
    def _fail(entry: _Waiting, error: Exception) -> None:
        if not entry.settled.done():
            entry.settled.set_exception(error)
        else:
            log.error(
                "kept answer to poll %s not stored",
                entry.answer.platform_poll_id,
                exc_info=error,
            )

    async def wait_stored(self) -> None:
        """Until every answer received so far is stored (or given up on)."""
        while workers := [lane.worker for lane in self._lanes.values() if lane.worker]:
            await asyncio.gather(*workers, return_exceptions=True)

    async def close(self) -> None:
        """Stop retrying; answers still kept are lost, and counted in the log."""
        lanes = list(self._lanes.values())
        if lanes:
            log.warning("%d poll answers not stored at shutdown", self.waiting)
        for lane in lanes:
            if lane.worker is not None:
                lane.worker.cancel()
        await asyncio.gather(
            *(lane.worker for lane in lanes if lane.worker), return_exceptions=True
        )
