"""Slash commands, buttons and poll votes: each builds the same command line the console would
type and hands it to the core's dispatcher, so parsing and errors are identical on every
platform."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.commands import MAX_QUERY_CHARS, MAX_RECOMMENDATIONS
from bot.core.context import Attachment, CommandContext
from bot.core.dispatch import APOLOGY, Dispatcher
from bot.core.errors import UserError
from bot.core.myratings import RatingsView
from bot.core.outbox import PollEvents
from bot.core.ratings import parse_rating, stars
from bot.core.replies import Reply
from bot.core.text import ISO_REGIONS, country_name
from bot.discord_adapter.delivery import (
    NO_MENTIONS,
    PLATFORM,
    answer_interaction,
    replace_message,
    report_polls,
    send_to_channel,
)
from bot.discord_adapter.generic import install_commands
from bot.discord_adapter.installs import user_installable
from bot.discord_adapter.rating import RateButton
from bot.discord_adapter.render import cut, parse_custom_id
from bot.settings import Settings
from db.models import MAX_REVIEW_CHARS

log = logging.getLogger(__name__)

# Discord wants an answer within 3 seconds; a slower command shows "thinking…" first.
DEFER_AFTER = 2.0
# Files are read into memory, so the size Discord reports is checked before downloading.
MAX_FILE_BYTES = 20 * 1024 * 1024
CHOICES = 25
CHOICE_NAME = 100
_TITLE_ID = re.compile(r"^#\d+$")


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

    # -- autocomplete -----------------------------------------------------------------------

    async def title_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Titles matching what has been typed, typos welcome; the value is the title's id so
        the command gets exactly the title that was picked."""
        core = self.dispatcher.core
        snap = await core.catalog.get()
        text = current.strip()[:MAX_QUERY_CHARS]
        if _TITLE_ID.match(text) and int(text[1:]) in snap.titles:
            ids = [int(text[1:])]
        elif text:
            ids = [m.title_id for m in snap.index.search(text, limit=CHOICES)]
        else:  # nothing typed yet: the newest titles
            newest = sorted(snap.titles.values(), key=lambda t: (t.year or 0, t.id), reverse=True)
            ids = [t.id for t in newest[:CHOICES]]
        return [
            app_commands.Choice(
                name=cut(core.label(snap.titles[t], with_country=True), CHOICE_NAME), value=f"#{t}"
            )
            for t in ids
        ]

    async def rating_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Half-star steps to pick from; anything else the core reads (8/10, A-) is offered
        back as typed once it parses."""
        choices: list[app_commands.Choice[str]] = []
        typed = current.strip()
        if typed:
            try:
                half = parse_rating(typed)
            except UserError:
                pass
            else:
                shown = f"{typed} = {stars(half)} {half / 2:g}"
                choices.append(app_commands.Choice(name=cut(shown, CHOICE_NAME), value=typed[:100]))
        for half in range(10, 0, -1):
            value = f"{half / 2:g}"
            if value != typed:
                choices.append(app_commands.Choice(name=f"{stars(half)} {value}", value=value))
        # "/review <title> remove" takes a rating back; the core reads "Title | remove".
        choices.append(app_commands.Choice(name="Remove my rating and review", value="remove"))
        return choices[:CHOICES]

    async def region_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().lower()
        found = sorted(
            (
                code
                for code in ISO_REGIONS
                if not typed or code.lower() == typed or typed in country_name(code).lower()
            ),
            key=lambda code: (code.lower() != typed, country_name(code)),
        )
        return [
            app_commands.Choice(name=f"{country_name(code)} ({code})", value=code)
            for code in found[:CHOICES]
        ]

    # -- the core commands, typed -----------------------------------------------------------
    # Descriptions are replaced by the dispatcher's CommandSpec summaries at start-up.

    @app_commands.command(name="help", description="Every command, with an example")
    async def help(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "/help")

    @user_installable
    @app_commands.command(name="search", description="Find titles, typos welcome")
    @app_commands.describe(query="Part of a title, an original title or an alias")
    async def search(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, MAX_QUERY_CHARS]
    ) -> None:
        await self.run(interaction, f"/search {query}")

    @user_installable
    @app_commands.command(name="title", description="A title card: facts, rating, where to watch")
    @app_commands.describe(title="Start typing and pick one; typos are fine")
    @app_commands.autocomplete(title=title_choices)
    async def title(self, interaction: discord.Interaction, title: str) -> None:
        await self.run(interaction, f"/title {title}")

    @user_installable
    @app_commands.command(name="recommend", description="Similar titles, or your own picks")
    @app_commands.describe(title="Leave empty for picks from your own ratings", n="How many")
    @app_commands.autocomplete(title=title_choices)
    async def recommend(
        self,
        interaction: discord.Interaction,
        title: str | None = None,
        n: app_commands.Range[int, 1, MAX_RECOMMENDATIONS] = 5,
    ) -> None:
        # The dispatcher reads a trailing number as n; autocompleted titles are "#id".
        await self.run(interaction, f"/recommend {title} {n}" if title else f"/recommend {n}")

    @user_installable
    @app_commands.command(name="where", description="Where to stream, rent or buy a title")
    @app_commands.describe(title="Start typing and pick one", region="Country, e.g. US or KR")
    @app_commands.autocomplete(title=title_choices, region=region_choices)
    async def where(
        self, interaction: discord.Interaction, title: str, region: str | None = None
    ) -> None:
        await self.run(interaction, f"/where {title} {region}" if region else f"/where {title}")

    @user_installable
    @app_commands.command(name="review", description="Rate 0.5-5 stars and optionally review")
    @app_commands.describe(
        title="Start typing and pick one",
        rating="4.5, ★★★★, 8/10, 85% or a grade such as A- (or remove, to take yours back)",
        text="Your review (optional)",
        spoiler="Hide the review text behind a spoiler",
        on="The day you watched it: 2026-11-30, yesterday, 30 nov (default today)",
    )
    @app_commands.autocomplete(title=title_choices, rating=rating_choices)
    async def review(
        self,
        interaction: discord.Interaction,
        title: str,
        rating: str,
        text: app_commands.Range[str, 1, MAX_REVIEW_CHARS] | None = None,
        spoiler: bool = False,
        on: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        line = f"/review {title} | {rating}" + (f" | {text}" if text else "")
        line += (" --spoiler" if spoiler else "") + (f" --on {on}" if on else "")
        await self.run(interaction, line)

    @app_commands.command(name="reviews", description="The community verdict on a title")
    @app_commands.describe(title="Start typing and pick one")
    @app_commands.autocomplete(title=title_choices)
    async def reviews(self, interaction: discord.Interaction, title: str) -> None:
        await self.run(interaction, f"/reviews {title}")

    @app_commands.command(name="myratings", description="Everything you have rated")
    @app_commands.describe(
        page="Which page (10 ratings a page)",
        sort="Newest diary date first, highest rating first, or by title",
        spoilers="Show your own spoiler reviews (only outside a server)",
    )
    async def myratings(
        self,
        interaction: discord.Interaction,
        page: app_commands.Range[int, 1, 10_000] = 1,
        sort: Literal["date", "rating", "title"] = "date",
        spoilers: bool = False,
    ) -> None:
        view = RatingsView(page, sort, spoilers)
        await self.run(interaction, view.command())

    @app_commands.command(name="import", description="Bring your Letterboxd ratings and reviews")
    @app_commands.describe(
        file="Your Letterboxd export: the zip, or its ratings.csv / diary.csv / watchlist.csv",
        source="Where the export comes from",
    )
    async def import_history(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        source: Literal["letterboxd"] = "letterboxd",
    ) -> None:
        # Without a file the core explains how to export one.
        await self.run(interaction, f"/import {source}", file)

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
        install_commands(bot.tree, dispatcher.commands, cog.run, cog.title_choices)
        if shard_ids is not None and 0 not in shard_ids:
            return  # slash commands are global: the process with shard 0 syncs them, once
        try:
            await bot.tree.sync()
        except discord.HTTPException:
            log.exception("could not sync slash commands; the last synced set stays in use")

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot
