"""Handling updates concurrently, one chat at a time.

python-telegram-bot handles one update after another by default, so a reply waiting out a
group's flood limit holds up every chat; its `concurrent_updates(True)` keeps no order at all, so
a guided reply could overtake the question it answers. Here updates of one chat (one poll's
votes, one user's inline queries) run in the order they came, and different chats run side by
side."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates accepted at once: waiting for their chat's turn costs a little memory, no work.
MAX_WAITING = 10_000
# Handlers running at once: about what the PostgreSQL pool holds (10 + 20 overflow).
MAX_RUNNING = 32

Handled = Callable[[object], Awaitable[None]]


def ordering_key(update: object) -> str | None:
    """Updates with one key are handled in order; None: in no order with anything."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return f"chat:{update.effective_chat.id}"
    if update.poll_answer is not None:
        return f"poll:{update.poll_answer.poll_id}"
    if update.poll is not None:
        return f"poll:{update.poll.id}"
    if update.effective_user is not None:  # inline queries, buttons on shared cards
        return f"user:{update.effective_user.id}"
    return None


@dataclass
class _Turns:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """`handled` runs after each update's handlers finished (they catch their own errors), still
    in its chat's turn: the durable inbox marks it done there."""

    def __init__(
        self,
        max_running: int = MAX_RUNNING,
        max_waiting: int = MAX_WAITING,
        handled: Handled | None = None,
    ) -> None:
        super().__init__(max_waiting)
        self._running = asyncio.BoundedSemaphore(max_running)
        self._turns: dict[str, _Turns] = {}
        self._handled = handled

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            async with self._running:
                await coroutine
            if self._handled is not None:
                await self._handled(update)
            return
        turns = self._turns.get(key)
        if turns is None:
            turns = self._turns[key] = _Turns()
        turns.users += 1
        try:
            # asyncio.Lock wakes waiters first come, first served: the chat's order holds.
            async with turns.lock:
                async with self._running:
                    await coroutine
                if self._handled is not None:
                    await self._handled(update)
        finally:
            turns.users -= 1
            if turns.users == 0:
                del self._turns[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
