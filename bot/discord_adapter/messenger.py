"""Messages nobody asked for (poll results, reminders): the Discord side of bot/core/outbox.py's
Messenger, posting into a channel by id and ending native polls; and its EventCalendar, watch
parties as the server's scheduled events."""

from __future__ import annotations

import logging

import discord

from bot.core.outbox import PartyEvent, PollEvents, PublishedEvent, SentMessage
from bot.core.replies import Reply
from bot.discord_adapter.delivery import PLATFORM, report_polls, send_to_channel
from bot.discord_adapter.render import cut

# https://discord.com/developers/docs/resources/guild-scheduled-event
EVENT_NAME = 100
EVENT_DESCRIPTION = 1000
EVENT_LOCATION = 100

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

    # -- EventCalendar: watch parties as the server's scheduled events ----------------------

    async def _guild(self, chat_id: str) -> discord.Guild | None:
        """The server the channel is in; None for a DM, or a channel the bot cannot see."""
        channel = self.client.get_channel(int(chat_id))
        if channel is None:
            try:
                channel = await self.client.fetch_channel(int(chat_id))
            except (discord.Forbidden, discord.NotFound) as error:
                log.info("discord channel %s not found for its event: %s", chat_id, error)
                return None
        return getattr(channel, "guild", None)

    async def _event(self, guild: discord.Guild, event_id: str) -> discord.ScheduledEvent | None:
        try:
            return await guild.fetch_scheduled_event(int(event_id), with_counts=False)
        except discord.NotFound:
            return None  # deleted by a member of the server

    async def publish_event(
        self, chat_id: str, event: PartyEvent, event_id: str | None
    ) -> PublishedEvent | None:
        """An external event whose location is the channel: created, or updated in place."""
        guild = await self._guild(chat_id)
        if guild is None:
            return None
        name = cut(event.name, EVENT_NAME)
        description = cut(event.description, EVENT_DESCRIPTION)
        location = cut(f"<#{chat_id}>", EVENT_LOCATION)
        try:
            existing = await self._event(guild, event_id) if event_id else None
            if existing is not None and existing.status is discord.EventStatus.scheduled:
                published = await existing.edit(
                    name=name,
                    description=description,
                    start_time=event.starts_at,
                    end_time=event.ends_at,
                    entity_type=discord.EntityType.external,
                    location=location,
                )
            else:
                published = await guild.create_scheduled_event(
                    name=name,
                    description=description,
                    start_time=event.starts_at,
                    end_time=event.ends_at,
                    entity_type=discord.EntityType.external,
                    location=location,
                    privacy_level=discord.PrivacyLevel.guild_only,
                )
        except discord.Forbidden as error:
            log.warning(
                "no event for the watch party in discord server %s (%s): give reelbot the "
                "Manage Events permission there to list watch parties as server events",
                guild.id,
                error,
            )
            return None
        return PublishedEvent(str(published.id), published.url)

    async def cancel_event(self, chat_id: str, event_id: str) -> None:
        guild = await self._guild(chat_id)
        if guild is None:
            return
        try:
            event = await self._event(guild, event_id)
            if event is not None and event.status is discord.EventStatus.scheduled:
                await event.cancel()
        except discord.Forbidden as error:
            log.warning(
                "could not cancel event %s in discord server %s (%s): it needs Manage Events",
                event_id,
                guild.id,
                error,
            )

    async def event_subscribers(self, chat_id: str, event_id: str) -> list[tuple[str, str]]:
        guild = await self._guild(chat_id)
        event = await self._event(guild, event_id) if guild is not None else None
        if event is None:
            return []
        return [(str(user.id), user.display_name) async for user in event.users() if not user.bot]
