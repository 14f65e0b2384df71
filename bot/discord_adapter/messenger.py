"""Messages nobody asked for (poll results, reminders): the Discord side of bot/core/outbox.py's
Messenger, posting into a channel by id and ending native polls."""

from __future__ import annotations

import logging

import discord

from bot.core.outbox import PollEvents, SentMessage
from bot.core.replies import Reply
from bot.discord_adapter.delivery import PLATFORM, report_polls, send_to_channel

log = logging.getLogger(__name__)


class DiscordMessenger:
    platform = PLATFORM

    def __init__(self, client: discord.Client, polls: PollEvents | None = None) -> None:
        self.client = client
        self.polls = polls

    def _channel(self, chat_id: str) -> discord.PartialMessageable:
        # A partial channel sends without a fetch and without the channel being cached.
        return self.client.get_partial_messageable(int(chat_id))

    async def send(self, chat_id: str, reply: Reply) -> SentMessage | None:
        """Post `reply`; a poll in it is posted natively and reported to the core. Server
        errors raise (the scheduler retries); a channel the bot may no longer post in or that
        is gone gives None, since retrying cannot help."""
        try:
            posted = await send_to_channel(self._channel(chat_id), reply)
        except (discord.Forbidden, discord.NotFound) as error:
            log.warning("cannot post in discord channel %s: %s", chat_id, error)
            return None
        poll_message = await report_polls(self.polls, chat_id, posted)
        if poll_message is not None:
            return SentMessage(str(poll_message.id), platform_poll_id=str(poll_message.id))
        last = next((p.message for p in reversed(posted) if p.message is not None), None)
        return SentMessage(str(last.id)) if last is not None else None

    async def stop_poll(self, chat_id: str, message_id: str) -> list[int] | None:
        """End a poll early; its final vote count per answer, from the ended poll Discord
        returns. A poll already ended, deleted or out of reach is left alone (None)."""
        message = self._channel(chat_id).get_partial_message(int(message_id))
        try:
            ended = await message.end_poll()
        except discord.HTTPException as error:
            if error.status >= 500:
                raise
            log.info("poll %s in channel %s not ended: %s", message_id, chat_id, error)
            return None
        if ended.poll is None:
            return None
        return [answer.vote_count for answer in ended.poll.answers]

    async def send_private(self, user_id: str, reply: Reply) -> bool:
        """A DM; members who closed DMs from server members, or left, are not reached."""
        try:
            channel = await self.client.create_dm(discord.Object(int(user_id)))
            await send_to_channel(channel, reply)
        except (discord.Forbidden, discord.NotFound) as error:
            log.info("cannot DM discord user %s: %s", user_id, error)
            return False
        return True
