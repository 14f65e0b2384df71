"""Slash commands, buttons and poll votes: each runs the same command line the console would
type through the core's dispatcher, so parsing and errors are identical on every platform.
The slash commands themselves are built from the core's declarations (slash.py)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.context import Attachment, CommandContext
from bot.core.dispatch import APOLOGY, Dispatcher
from bot.core.outbox import PollEvents
from bot.core.replies import Reply
from bot.discord_adapter.delivery import (
    NO_MENTIONS,
    PLATFORM,
    answer_interaction,
    replace_message,
    report_polls,
    send_to_channel,
)
from bot.discord_adapter.rating import RateButton
from bot.discord_adapter.render import parse_custom_id
from bot.discord_adapter.slash import build_commands
from bot.settings import Settings

log = logging.getLogger(__name__)

# Discord wants an answer within 3 seconds; a slower command shows "thinking…" first.
DEFER_AFTER = 2.0
# Files are read into memory, so the size Discord reports is checked before downloading.
MAX_FILE_BYTES = 20 * 1024 * 1024


def is_admin(user: discord.abc.User, settings: Settings) -> bool:
    """Manage Server in this guild (owners and Administrators have it too), or a configured
    bot owner ("discord:<id>" in REELBOT_OWNER_IDS)."""
    perms = getattr(user, "guild_permissions", None)
    return bool(perms and perms.manage_guild) or f"{PLATFORM}:{user.id}" in settings.owner_ids


def member_context(
    user: discord.abc.User,
    channel_id: int | None,
    guild: discord.Guild | None,
    settings: Settings,
    locale: discord.Locale | None = None,
) -> CommandContext:
    return CommandContext(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=user.display_name,
        chat_id=str(channel_id or user.id),
        chat_name=guild.name if guild else None,
        is_admin=is_admin(user, settings),
        is_group=guild is not None,
        language=str(locale) if locale else None,
    )


def context_for(interaction: discord.Interaction, settings: Settings) -> CommandContext:
    return member_context(
        interaction.user, interaction.channel_id, interaction.guild, settings, interaction.locale
    )


@dataclass
class _PollTurn:
    """One poll's votes wait here for their turn; dropped when none is waiting."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ReelbotCog(commands.Cog):
    def __init__(
        self,
        bot: commands.AutoShardedBot,
        dispatcher: Dispatcher,
        settings: Settings,
        polls: PollEvents | None = None,
        defer_after: float = DEFER_AFTER,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.settings = settings
        self.polls = polls
        self.defer_after = defer_after
        # A poll's votes are recorded one at a time, in the order Discord sent them, so a quick
        # "remove vote, vote again" cannot land the other way round; other polls go on meanwhile.
        self._votes: dict[int, _PollTurn] = {}

    # -- running a command line -------------------------------------------------------------

    async def run(
        self,
        interaction: discord.Interaction,
        line: str,
        file: discord.Attachment | None = None,
        *,
        in_place: bool = False,
    ) -> None:
        """Run `line` as the member behind the interaction; `file` (a slash command's
        attachment option) reaches the command as ctx.attachment. `in_place`: the answer
        replaces the message whose button was pressed."""
        ctx = context_for(interaction, self.settings)
        if file is not None and not ctx.is_admin and self._admin_only(line):
            file = None  # the core refuses anyway: don't download a file for nothing
        if file is not None and file.size > MAX_FILE_BYTES:
            reply = too_big(file.filename)
        else:
            reply = await self._reply(interaction, ctx, line, file, in_place)
        if in_place:
            try:
                await replace_message(interaction, reply)
            except discord.HTTPException:
                log.exception("could not edit for %s in discord channel %s", line[:40], ctx.chat_id)
            return
        try:
            posted = await answer_interaction(interaction, reply)
        except discord.HTTPException:
            log.exception("could not answer %s in discord channel %s", line[:40], ctx.chat_id)
            return
        try:
            await report_polls(self.polls, ctx.chat_id, posted)
        except Exception:
            log.exception("could not record the poll posted for %s", line[:40])

    async def _reply(
        self,
        interaction: discord.Interaction,
        ctx: CommandContext,
        line: str,
        file: discord.Attachment | None,
        ephemeral: bool = False,
        in_place: bool = False,
    ) -> Reply:
        task = asyncio.ensure_future(self._handle(ctx, line, file))
        # Downloading and importing a file is slow, and parsing it may hold the event loop
        # past the deadline: say "thinking…" at once.
        defer_after = 0 if file is not None else self.defer_after
        if defer_after > 0:
            await asyncio.wait({task}, timeout=defer_after)
        if not task.done():
            try:
                # A page being replaced keeps showing until the new one is there.
                await interaction.response.defer(thinking=not in_place, ephemeral=ephemeral)
            except discord.HTTPException:
                log.warning("could not defer %s; the answer may arrive too late", line[:40])
        return await task

    async def _handle(
        self, ctx: CommandContext, line: str, file: discord.Attachment | None
    ) -> Reply:
        if file is not None:
            try:
                content = await file.read()
            except discord.HTTPException as error:
                log.warning("could not download %s: %s", file.filename, error)
                return Reply(
                    text=f"I couldn't download {file.filename} from Discord. Please attach it "
                    "again.",
                    kind="error",
                )
            if len(content) > MAX_FILE_BYTES:
                return too_big(file.filename)
            ctx = replace(ctx, attachment=Attachment(file.filename, content, file.content_type))
        return await self.dispatcher.handle(ctx, line)

    def _admin_only(self, line: str) -> bool:
        words = line.removeprefix("/").split(maxsplit=1)
        name = words[0].lower() if words else ""
        return any(spec.name == name and spec.admin_only for spec in self.dispatcher.commands)

    # -- buttons ----------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Buttons: their custom_id is a command line, run as the member who pressed it. No
        state is needed, so buttons keep working after a restart."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = data.get("custom_id")
        pressed = parse_custom_id(custom_id) if isinstance(custom_id, str) else None
        if pressed is None:
            return
        owner, line, in_place = pressed
        if owner is not None and owner != str(interaction.user.id):
            await answer_interaction(
                interaction,
                Reply(
                    text="These buttons are for the person who asked. Use the command "
                    "yourself for your own.",
                    kind="error",
                ),
            )
            return
        await self.run(interaction, line, in_place=in_place)

    async def rate_pressed(
        self, interaction: discord.Interaction, title_id: int, stars: int
    ) -> None:
        """A 1★–5★ button under a title card (bot/discord_adapter/rating.py): the rating is the
        presser's, and so is the answer, which only they see."""
        line = f"/review #{title_id} {stars}"
        ctx = context_for(interaction, self.settings)
        reply = await self._reply(interaction, ctx, line, None, ephemeral=True)
        try:
            await answer_interaction(interaction, reply, ephemeral=True)
        except discord.HTTPException:
            log.exception("could not answer a rating of #%s in channel %s", title_id, ctx.chat_id)

    # -- native poll votes ------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._vote(payload, [payload.answer_id - 1])

    @commands.Cog.listener()
    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        # Polls the core opens are single-answer, so removing the answer withdraws the vote.
        await self._vote(payload, [])

    async def _vote(self, payload: discord.RawPollVoteActionEvent, indices: list[int]) -> None:
        if self.polls is None or (self.bot.user and payload.user_id == self.bot.user.id):
            return
        turn = self._votes.setdefault(payload.message_id, _PollTurn())
        turn.users += 1
        try:
            async with turn.lock:
                voter = await self._voter(payload)
                try:
                    reply = await self.polls.poll_answered(
                        PLATFORM, str(payload.message_id), voter.ctx, indices
                    )
                except Exception:
                    log.exception("poll vote on message %s not recorded", payload.message_id)
                    return
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._votes[payload.message_id]
        if reply is not None and voter.user is not None:
            try:  # only the voter should see it, and outside an interaction that is a DM
                await send_to_channel(voter.user, reply)
            except discord.HTTPException as error:
                log.info("could not DM the poll answer to %s: %s", payload.user_id, error)

    async def _voter(self, payload: discord.RawPollVoteActionEvent) -> _Voter:
        guild = self.bot.get_guild(payload.guild_id) if payload.guild_id else None
        user: discord.User | discord.Member | None = None
        try:
            if guild is not None:
                user = guild.get_member(payload.user_id) or await guild.fetch_member(
                    payload.user_id
                )
            else:
                user = self.bot.get_user(payload.user_id) or await self.bot.fetch_user(
                    payload.user_id
                )
        except discord.HTTPException as error:
            log.info("poll voter %s not found: %s", payload.user_id, error)
        if user is None:
            ctx = CommandContext(
                platform=PLATFORM,
                user_id=str(payload.user_id),
                display_name=str(payload.user_id),
                chat_id=str(payload.channel_id),
                is_admin=f"{PLATFORM}:{payload.user_id}" in self.settings.owner_ids,
                is_group=guild is not None,
            )
        else:
            ctx = member_context(user, payload.channel_id, guild, self.settings)
        return _Voter(user, ctx)


def too_big(filename: str) -> Reply:
    return Reply(
        text=f"{filename} is too big: I can take files up to {MAX_FILE_BYTES // (1024 * 1024)} MB.",
        notes=(
            "Split it into smaller files, or export less at a time. Admins can import bigger "
            "catalogs on the server with `reelbot seed import FILE`.",
        ),
        kind="error",
    )


@dataclass(frozen=True)
class _Voter:
    user: discord.User | discord.Member | None
    ctx: CommandContext


async def _on_tree_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """Anything a command callback let through: logged, and the member gets the apology."""
    log.error("discord command failed", exc_info=error)
    if interaction.response.is_done() or interaction.type is discord.InteractionType.autocomplete:
        return
    try:
        await interaction.response.send_message(
            APOLOGY, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
    except discord.HTTPException:
        log.warning("could not send the apology either")


def create_bot(
    settings: Settings,
    dispatcher: Dispatcher,
    polls: PollEvents | None = None,
    *,
    defer_after: float = DEFER_AFTER,
) -> commands.AutoShardedBot:
    """The bot, commands registered when it starts, not yet logged in (tests drive it without
    run()). `polls` (the core's watch parties) records native poll votes; a command still
    running after `defer_after` seconds (0: at once) shows "thinking…" first."""
    # A big deployment splits its servers over processes, each with some of the shards;
    # unset, discord.py asks Discord how many to run and runs them all here.
    shard_ids = settings.discord_shard_ids
    sharding: dict[str, Any] = {"shard_count": settings.discord_shard_count}
    if shard_ids is not None:
        sharding["shard_ids"] = list(shard_ids)
    bot = commands.AutoShardedBot(
        **sharding,
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),  # includes poll votes; no privileged intents
        help_command=None,
        allowed_mentions=NO_MENTIONS,
    )
    bot.tree.on_error = _on_tree_error  # type: ignore[method-assign]

    async def setup_hook() -> None:
        cog = ReelbotCog(bot, dispatcher, settings, polls, defer_after)
        await bot.add_cog(cog)
        bot.add_dynamic_items(RateButton)  # stars on title cards, matched by custom_id
        for command in build_commands(dispatcher.commands, cog.run, dispatcher.core):
            bot.tree.add_command(command)
        if shard_ids is not None and 0 not in shard_ids:
            return  # slash commands are global: the process with shard 0 syncs them, once
        try:
            await bot.tree.sync()
        except discord.HTTPException:
            log.exception("could not sync slash commands; the last synced set stays in use")

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot
