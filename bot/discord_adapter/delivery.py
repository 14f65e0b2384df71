"""Sending rendered replies: as the answer to an interaction (slash command or button) or into a
channel. Every message goes out with AllowedMentions.none(), so the bot can never ping anyone
whatever the text holds."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.core.outbox import PollEvents
from bot.core.replies import Reply
from bot.discord_adapter.render import OutgoingMessage, render, view_for

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
PLATFORM = "discord"


@dataclass(frozen=True)
class Posted:
    outgoing: OutgoingMessage
    message: discord.Message | None  # None when Discord did not hand the message back


Post = Callable[[OutgoingMessage, dict[str, Any]], Awaitable[discord.Message | None]]


def _kwargs(outgoing: OutgoingMessage) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if outgoing.embeds:
        kwargs["embeds"] = list(outgoing.embeds)
    if view := view_for(outgoing.actions, outgoing.rate_title, outgoing.links, outgoing.owner):
        kwargs["view"] = view
    if outgoing.poll is not None:
        kwargs["poll"] = outgoing.poll
    return kwargs


async def _deliver(reply: Reply, post: Post, owner: str | None = None) -> list[Posted]:
    posted = []
    for outgoing in render(reply, owner=owner):
        posted.append(Posted(outgoing, await post(outgoing, _kwargs(outgoing))))
    return posted


async def replace_message(interaction: discord.Interaction, reply: Reply) -> None:
    """The reply in place of the message whose button was pressed (a list's next page); more
    than one message's worth follows below it. An error goes to the presser alone instead."""
    if reply.is_error:
        await answer_interaction(interaction, reply)
        return
    first, *rest = render(reply, owner=str(interaction.user.id))
    kwargs = _kwargs(first)
    kwargs.setdefault("view", None)  # no buttons now: take the old ones off
    if interaction.response.is_done():  # deferred while the command ran
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.edit_message(**kwargs)
    for outgoing in rest:
        await interaction.followup.send(wait=True, **_kwargs(outgoing))


async def answer_interaction(
    interaction: discord.Interaction, reply: Reply, *, ephemeral: bool = False
) -> list[Posted]:
    """The reply as the interaction's response plus follow-ups (errors, and everything when
    `ephemeral`, only to the asker); the asker is the owner of its buttons."""

    async def post(outgoing: OutgoingMessage, kwargs: dict[str, Any]) -> discord.Message | None:
        if outgoing.ephemeral or ephemeral:
            kwargs["ephemeral"] = True
        if not interaction.response.is_done():
            await interaction.response.send_message(**kwargs)
            # Only a poll needs its message id (to match later votes): save the extra call.
            return await interaction.original_response() if outgoing.poll else None
        return await interaction.followup.send(wait=True, **kwargs)

    return await _deliver(reply, post, owner=str(interaction.user.id))


async def send_to_channel(channel: discord.abc.Messageable, reply: Reply) -> list[Posted]:
    async def post(outgoing: OutgoingMessage, kwargs: dict[str, Any]) -> discord.Message | None:
        return await channel.send(**kwargs)

    return await _deliver(reply, post)


async def report_polls(
    polls: PollEvents | None, chat_id: str, posted: list[Posted]
) -> discord.Message | None:
    """Tell the core which message holds each poll it asked for; the poll message, if any."""
    poll_message = None
    for item in posted:
        if item.outgoing.poll_key is None or item.message is None:
            continue
        poll_message = item.message
        if polls is None:
            log.warning("poll %s posted but nothing records its votes", item.outgoing.poll_key)
            continue
        message_id = str(item.message.id)
        await polls.poll_opened(item.outgoing.poll_key, PLATFORM, chat_id, message_id, message_id)
    return poll_message
