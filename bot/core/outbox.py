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

A platform with scheduled events (Discord) also implements `EventCalendar`: a watch party with
a start time and a winner is published as one (bot/core/party_events.py), and members who mark
themselves interested there are reminded like those who joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

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


@dataclass(frozen=True, slots=True)
class PartyEvent:
    """What a platform's scheduled event for a watch party says."""

    name: str  # the winner's title
    description: str  # where to watch it
    starts_at: datetime  # aware UTC
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    event_id: str
    url: str  # a link members can open


@runtime_checkable
class EventCalendar(Protocol):
    """Scheduled events in the chat's community (a Discord guild), kept by the platform's
    Messenger. `publish_event` creates the event for `chat_id`, or brings the one with
    `event_id` up to date; None when the platform refuses (the bot may not manage events
    there; the adapter logs why for the admins). `cancel_event` cancels one; one already gone
    is fine. `event_subscribers` lists who marked themselves interested: (platform user id,
    display name). Raising makes the scheduler retry."""

    async def publish_event(
        self, chat_id: str, event: PartyEvent, event_id: str | None
    ) -> PublishedEvent | None: ...

    async def cancel_event(self, chat_id: str, event_id: str) -> None: ...

    async def event_subscribers(self, chat_id: str, event_id: str) -> list[tuple[str, str]]: ...
