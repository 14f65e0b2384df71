"""How the core sends messages nobody asked for (poll results, reminders, "rate it now"): each
front end implements `Messenger` for its platform and hands it to the scheduler.

    class Messenger(Protocol):
        platform: str                      # "console" | "telegram" | "discord"
        async def send(self, chat_id: str, reply: Reply) -> SentMessage | None
        async def stop_poll(self, chat_id: str, message_id: str) -> Sequence[int] | None
        async def send_private(self, user_id: str, reply: Reply) -> bool

`chat_id` is the platform's chat id (CommandContext.chat_id). `send` renders the Reply the way
the adapter renders command replies; a Reply with `poll` is posted as the platform's native poll,
after which the adapter reports it with `WatchParties.poll_opened(...)`. `stop_poll` closes a
native poll the adapter posted (Telegram stopPoll, Discord end_poll) and returns the platform's
final count per option, in poll order (None: no native polls, or the poll was already closed or
is gone). Those counts are the result, so the announced counts are the poll's. Raising from
either method makes the scheduler retry the job later. `send_private` writes to one member
(their platform user id) in private: True when delivered, False when the platform cannot (the
member never opened a chat with the bot, closed their DMs, or there are no private chats).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.context import CommandContext
from bot.core.replies import Reply


@dataclass(frozen=True, slots=True)
class SentMessage:
    message_id: str
    platform_poll_id: str | None = None  # set when the message was a native poll


class Messenger(Protocol):
    platform: str

    async def send(self, chat_id: str, reply: Reply) -> SentMessage | None: ...

    async def stop_poll(self, chat_id: str, message_id: str) -> Sequence[int] | None: ...

    async def send_private(self, user_id: str, reply: Reply) -> bool: ...


class PollEvents(Protocol):
    """The core's side of native polls (bot/core/watchparty.py `WatchParties`), which both chat
    front ends call: told which platform poll stands for which vote, and of every answer."""

    async def poll_opened(
        self,
        key: str,
        platform: str,
        chat_id: str,
        platform_poll_id: str,
        message_id: str | None,
    ) -> None: ...

    async def poll_answered(
        self,
        platform: str,
        platform_poll_id: str,
        voter: CommandContext,
        option_indices: Sequence[int],
    ) -> Reply | None: ...
