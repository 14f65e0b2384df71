"""Reply -> Discord embed, content and buttons. Pure: no network."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.core.replies import Action, Reply

EMBED_DESCRIPTION = 4096
FIELD_VALUE = 1024
CUSTOM_ID = 100
ERROR_COLOUR = discord.Colour.red()
INFO_COLOUR = discord.Colour.blurple()


def _plain(text: str) -> str:
    """Keep user and catalog text inert: no pings, no markdown tricks."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class OutgoingMessage:
    embed: discord.Embed
    actions: tuple[Action, ...]


def render(reply: Reply) -> OutgoingMessage:
    colour = ERROR_COLOUR if reply.is_error else INFO_COLOUR
    description: list[str] = []
    title: str | None = None
    if reply.card is not None:
        title = _cut(reply.card.heading, 256)
        description.append(f"*{_plain(reply.card.subheading)}*")
        if reply.card.body:
            description.append(_plain(reply.card.body))
    if reply.text:
        if title is None:
            title = _cut(reply.text, 256)
        else:
            description.insert(0, _plain(reply.text))
    for n, item in enumerate(reply.items, 1):
        line = f"**{n}. {_plain(item.text)}**"
        if item.detail:
            detail = _plain(item.detail)
            line += f"\n{'||' + detail + '||' if item.spoiler else detail}"
        if item.extra:
            line += f"\n{_plain(item.extra)}"
        description.append(line)
    embed = discord.Embed(
        title=title, description=_cut("\n".join(description), EMBED_DESCRIPTION), colour=colour
    )
    if reply.card is not None:
        for field in reply.card.fields[:25]:
            embed.add_field(
                name=_cut(field.name, 256), value=_cut(_plain(field.value) or "—", FIELD_VALUE)
            )
        if reply.card.poster_url:
            embed.set_thumbnail(url=reply.card.poster_url)
    if reply.notes:
        embed.set_footer(text=_cut("\n".join(reply.notes), 2048))
    actions = tuple(a for a in reply.actions if len(a.command) <= CUSTOM_ID)[:25]
    return OutgoingMessage(embed, actions)


def view_for(actions: tuple[Action, ...]) -> discord.ui.View | None:
    """Buttons whose custom_id is the command to run, handled by a global listener so they
    keep working after a restart."""
    if not actions:
        return None
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(
            discord.ui.Button(
                label=_cut(action.label, 80),
                custom_id=action.command,
                style=discord.ButtonStyle.secondary,
            )
        )
    return view
