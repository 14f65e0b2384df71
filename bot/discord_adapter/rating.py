"""1★–5★ buttons under a title's card, as Telegram has them: pressing one rates the title for the
member who pressed it (not the one who asked for the card) and answers only that member.

The button's custom_id ("rate:<title id>:<stars>") is all it needs, and discord.py matches it to
`RateButton` by its template (a DynamicItem registered with the bot), so the buttons keep
working on messages sent before a restart."""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

import discord

STARS = range(1, 6)
RATE_TEMPLATE = r"rate:(?P<title>[0-9]{1,19}):(?P<stars>[1-5])"
STAR_ROW = 4  # the last of Discord's five button rows


def rate_id(title_id: int, stars: int) -> str:
    return f"rate:{title_id}:{stars}"


@runtime_checkable
class RatingHandler(Protocol):
    """What runs a press (the cog): rate `title_id` with `stars` as the member who pressed."""

    async def rate_pressed(
        self, interaction: discord.Interaction, title_id: int, stars: int
    ) -> None: ...


class RateButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=RATE_TEMPLATE
):
    def __init__(self, title_id: int, stars: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{stars}★",
                custom_id=rate_id(title_id, stars),
                style=discord.ButtonStyle.secondary,
                row=STAR_ROW,
            )
        )
        self.title_id = title_id
        self.stars = stars

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[discord.ui.View],
        match: re.Match[str],
    ) -> RateButton:
        return cls(int(match["title"]), int(match["stars"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        cogs = getattr(client, "cogs", {}).values()
        handler = next((c for c in cogs if isinstance(c, RatingHandler)), None)
        if handler is None:  # a bot without the reelbot cog: nothing can take the rating
            await interaction.response.send_message(
                "Rating is not available right now.", ephemeral=True
            )
            return
        await handler.rate_pressed(interaction, self.title_id, self.stars)


def star_buttons(title_id: int) -> list[RateButton]:
    return [RateButton(title_id, n) for n in STARS]
