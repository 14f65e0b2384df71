"""The real discord.py bot from create_bot, over a real App (SQLite and PostgreSQL), driven
through simcord's in-process simulation of Discord: slash commands, autocomplete, buttons,
restarts, permissions and native polls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
from simcord import Env
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle
from simcord.results import InteractionResult
from sqlalchemy import delete

from bot.app import App, open_app
from bot.core.context import CommandContext
from bot.core.dispatch import CommandSpec
from bot.core.replies import Item, Poll, PollOption, Reply
from bot.discord_adapter.cog import create_bot
from db import models as m


@dataclass
class RecordedPolls:
    """Stands in for the core's watch parties (branch issue-5): what the adapter reported."""

    opened: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)
    answered: list[tuple[str, str, str, list[int]]] = field(default_factory=list)

    async def poll_opened(
        self, key: str, platform: str, chat_id: str, platform_poll_id: str, message_id: str | None
    ) -> None:
        self.opened.append((key, platform, chat_id, platform_poll_id, message_id))

    async def poll_answered(
        self,
        platform: str,
        platform_poll_id: str,
        voter: CommandContext,
        option_indices: Sequence[int],
    ) -> Reply | None:
        self.answered.append((platform, platform_poll_id, voter.user_id, list(option_indices)))
        return None


def register_feature_commands(app: App) -> None:
    """Commands a feature module could register later: they must reach Discord too."""

    async def whoami(ctx: CommandContext, args: str) -> Reply:
        return Reply(text=f"{ctx.display_name} admin={ctx.is_admin} group={ctx.is_group}")

    async def pollcmd(ctx: CommandContext, args: str) -> Reply:
        count = int(args or "3")
        options = tuple(PollOption(f"Option {n}") for n in range(1, count + 1))
        poll = Poll("party:1", "What do we watch?", options)
        return Reply(text="Vote below", poll=poll)

    async def flood(ctx: CommandContext, args: str) -> Reply:
        items = tuple(Item(f"title {n} " + "x" * 80, "reason " * 20) for n in range(150))
        return Reply(text="many", items=items, notes=("the end",))

    dispatcher = app.dispatcher
    dispatcher.register(CommandSpec("whoami", "/whoami", "who am I", "/whoami"), whoami)
    dispatcher.register(CommandSpec("pollcmd", "/pollcmd [n]", "a poll", "/pollcmd 3"), pollcmd)
    dispatcher.register(CommandSpec("flood", "/flood", "a long list", "/flood"), flood)


@pytest.fixture
def polls() -> RecordedPolls:
    return RecordedPolls()


@pytest.fixture
def simcord_bot(app: App, polls: RecordedPolls) -> discord.Client:
    register_feature_commands(app)
    return create_bot(app.settings, app.dispatcher, polls)


@dataclass
class Server:
    env: Env
    channel: ChannelHandle
    alice: MemberActor
    mod: MemberActor


@pytest.fixture
def server(simcord_env: Env) -> Server:
    guild = simcord_env.create_guild("K-drama club")
    channel = guild.create_text_channel("general")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    alice = guild.add_member(simcord_env.create_user("alice"))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    return Server(simcord_env, channel, alice, mod)


def embeds_of(result: InteractionResult) -> list[discord.Embed]:
    messages = ([result.response] if result.response else []) + result.followups
    return [e for msg in messages for e in msg.embeds]


def text_of(result: InteractionResult) -> str:
    parts = []
    for e in embeds_of(result):
        parts += [e.title or "", e.description or "", e.footer.text or ""]
        parts += [f"{f.name}: {f.value}" for f in e.fields]
    return "\n".join(parts)


def button_ids(result: InteractionResult) -> list[str]:
    assert result.response is not None
    return [
        c["custom_id"]
        for row in result.response.components
        for c in row.get("components", [])
        if "custom_id" in c
    ]


async def pick_title(server: Server, command: str, typed: str) -> dict[str, Any]:
    choices = await server.alice.autocomplete(server.channel, command, "title", typed)
    assert choices, f"no autocomplete for {typed!r}"
    return choices[0]


async def test_every_dispatcher_command_is_a_slash_command(server: Server, app: App) -> None:
    available = set(server.alice.available_commands(server.channel))
    assert {c.name for c in app.dispatcher.commands} <= available


async def test_title_from_autocomplete_shows_a_card_with_buttons(server: Server) -> None:
    choice = await pick_title(server, "title", "miracle cel 7")
    assert choice["name"].startswith("Miracle in Cell No. 7 (2013")
    assert choice["value"].startswith("#")

    result = await server.alice.slash(server.channel, "title", title=choice["value"])

    assert not result.ephemeral
    [card] = embeds_of(result)
    assert card.title == "Miracle in Cell No. 7 (2013)"
    assert any(f.name == "Members' rating" for f in card.fields)
    ids = button_ids(result)
    assert ids and all(len(i) <= 100 and i.startswith("/") for i in ids)
