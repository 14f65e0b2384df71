"""Slash commands: each builds the same command line the console would type and hands it to the
core's dispatcher, so parsing and errors are identical on every platform."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.context import CommandContext
from bot.core.dispatch import Dispatcher
from bot.core.replies import Reply
from bot.discord_adapter.render import render, view_for
from bot.settings import Settings

log = logging.getLogger(__name__)


def context_for(interaction: discord.Interaction, settings: Settings) -> CommandContext:
    user = interaction.user
    guild = interaction.guild
    perms = getattr(user, "guild_permissions", None)
    return CommandContext(
        platform="discord",
        user_id=str(user.id),
        display_name=user.display_name,
        chat_id=str(interaction.channel_id or user.id),
        chat_name=guild.name if guild else None,
        is_admin=bool(perms and perms.manage_guild) or f"discord:{user.id}" in settings.owner_ids,
        is_group=guild is not None,
        language=str(interaction.locale) if interaction.locale else None,
    )


class ReelbotCog(commands.Cog):
    def __init__(self, bot: commands.Bot, dispatcher: Dispatcher, settings: Settings) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.settings = settings

    async def run(self, interaction: discord.Interaction, line: str) -> None:
        reply = await self.dispatcher.handle(context_for(interaction, self.settings), line)
        await send(interaction, reply)

    @app_commands.command(name="help", description="Every command, with an example")
    async def help(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "/help")

    @app_commands.command(name="search", description="Find titles, typos welcome")
    async def search(self, interaction: discord.Interaction, query: str) -> None:
        await self.run(interaction, f"/search {query}")

    @app_commands.command(name="title", description="A title card: facts, rating, where to watch")
    async def title(self, interaction: discord.Interaction, title: str) -> None:
        await self.run(interaction, f"/title {title}")

    @app_commands.command(
        name="recommend", description="Similar titles, or picks from your ratings"
    )
    @app_commands.describe(title="Leave empty for picks from your own ratings", n="How many")
    async def recommend(
        self,
        interaction: discord.Interaction,
        title: str | None = None,
        n: app_commands.Range[int, 1, 20] = 5,
    ) -> None:
        # "#id" resolves a title by id; otherwise the dispatcher reads a trailing number as n.
        await self.run(interaction, f"/recommend {title or ''} {n}".replace("  ", " "))

    @app_commands.command(name="where", description="Where to stream, rent or buy a title")
    @app_commands.describe(region="Two-letter country code, e.g. US or KR")
    async def where(
        self, interaction: discord.Interaction, title: str, region: str | None = None
    ) -> None:
        await self.run(interaction, f"/where {title}{' ' + region if region else ''}")

    @app_commands.command(name="review", description="Rate 0.5-5 stars and optionally review")
    @app_commands.describe(rating="4.5, 8/10, ★★★★ or A-", spoiler="Hide the text as a spoiler")
    async def review(
        self,
        interaction: discord.Interaction,
        title: str,
        rating: str,
        text: str | None = None,
        spoiler: bool = False,
    ) -> None:
        line = f"/review {title} | {rating} | {text or ''}{' --spoiler' if spoiler else ''}"
        await self.run(interaction, line)

    @app_commands.command(name="reviews", description="The community verdict on a title")
    async def reviews(self, interaction: discord.Interaction, title: str) -> None:
        await self.run(interaction, f"/reviews {title}")

    @app_commands.command(name="myratings", description="Everything you have rated")
    async def myratings(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "/myratings")

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Buttons: their custom_id is a command line, run as the member who pressed it."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, object] = dict(interaction.data or {})
        custom_id = data.get("custom_id", "")
        if isinstance(custom_id, str) and custom_id.startswith("/"):
            await self.run(interaction, custom_id)


async def send(interaction: discord.Interaction, reply: Reply) -> None:
    outgoing = render(reply)
    view = view_for(outgoing.actions) or discord.utils.MISSING
    mentions = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(embed=outgoing.embed, view=view, allowed_mentions=mentions)
    else:
        await interaction.response.send_message(
            embed=outgoing.embed, view=view, allowed_mentions=mentions
        )


def create_bot(settings: Settings, dispatcher: Dispatcher) -> commands.Bot:
    """The bot, with commands registered, not yet logged in (tests drive it without run())."""
    intents = discord.Intents.default()
    bot = commands.Bot(command_prefix=commands.when_mentioned, intents=intents, help_command=None)

    async def setup_hook() -> None:
        await bot.add_cog(ReelbotCog(bot, dispatcher, settings))
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot
