"""Discord's slash commands are the core's declarations: the real bot syncs its command tree to
the loopback Discord, and every declared command, group, subcommand and parameter is there with
a type, its limits, choices or autocomplete and a description within Discord's rules. Typed
subcommands then reach the same handlers, with the same answers, as the typed-out text form
(simcord, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from simcord import Env
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle
from simcord.results import InteractionResult

from bot.app import App
from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.params import MAX_CHOICES, Param
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.render import render
from bot.discord_adapter.server import serve
from bot.discord_adapter.tree_text import tree_text
from tests.adapters.fake_discord import FakeDiscord
from tests.support import title_id

OPTION_TYPES = {"text": 3, "integer": 4, "boolean": 5, "file": 11}
SUBCOMMAND, GROUP = 1, 2
NAME = re.compile(r"^[-_\w]{1,32}$")
USER_INSTALLABLE = {"recommend", "where", "title", "search", "review"}


async def synced_payload(app: App, fake: FakeDiscord) -> list[dict[str, Any]]:
    """What `reelbot discord` syncs at start, as the loopback Discord received it."""
    client = create_bot(app.settings, app.dispatcher, app.parties)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(client, fake.token, stop))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 30)
        for _ in range(200):
            if fake.commands:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
    return fake.commands


def node_at(top: dict[str, Any], path: tuple[Command, ...]) -> dict[str, Any]:
    node = top
    for sub in path[1:]:
        [node] = [
            o
            for o in node.get("options") or []
            if o["name"] == sub.name and o["type"] in (SUBCOMMAND, GROUP)
        ]
    return node


def check_option(option: dict[str, Any], param: Param, where: str) -> None:
    assert option["type"] == OPTION_TYPES[param.kind.value_type], where
    assert NAME.match(option["name"]) and option["name"] == option["name"].lower(), where
    assert 0 < len(option["description"]) <= 100, where
    assert bool(option.get("required")) == param.required, where
    low, high, longest = param.limits
    choices = param.choices
    if option["type"] == 3 and choices and len(choices) <= MAX_CHOICES:
        assert [c["value"] for c in option["choices"]] == [c.value for c in choices], where
        assert all(0 < len(c["name"]) <= 100 for c in option["choices"]), where
    elif option["type"] == 3:
        assert option["min_length"] == 1 and option["max_length"] == longest, where
        assert longest is not None and longest <= 6000, where
        wants_completion = param.kind.suggest is not None or bool(choices)
        assert bool(option.get("autocomplete")) == wants_completion, where
    if option["type"] == 4:
        assert (option["min_value"], option["max_value"]) == (low, high), where


async def test_every_declared_option_is_synced_typed_limited_and_described(
    app: App, discord_fake: FakeDiscord
) -> None:
    payload = await synced_payload(app, discord_fake)
    by_name = {c["name"]: c for c in payload}
    declared = app.dispatcher.commands
    assert set(by_name) == {c.name for c in declared} and len(payload) <= 100
    for command in declared:
        top = by_name[command.name]
        admin = str(discord.Permissions(manage_guild=True).value)
        permissions = top.get("default_member_permissions")
        assert (str(permissions) == admin) == command.admin_only, command.name
        installs = sorted(top["integration_types"])
        assert installs == ([0, 1] if command.name in USER_INSTALLABLE else [0]), command.name
        assert (not command.needs_chat) == (command.name in USER_INSTALLABLE)
        for path, leaf in command.leaves():
            where = " ".join(c.name for c in path)
            node = node_at(top, path)
            assert 0 < len(node["description"]) <= 100, where
            assert NAME.match(node["name"]), where
            options = node.get("options") or []
            assert len(options) <= 25, where
            assert all(o["type"] not in (SUBCOMMAND, GROUP) for o in options), where
            assert {o["name"] for o in options} == {p.name for p in leaf.params}, where
            required = [bool(o.get("required")) for o in options]
            assert required == sorted(required, reverse=True), f"{where}: required first"
            params = {p.name: p for p in leaf.params}
            for option in options:
                check_option(option, params[option["name"]], f"{where} {option['name']}")
    assert '"arguments"' not in str(payload).replace("'", '"')
    printed = tree_text(payload)
    assert "/admin  [Manage Server, server install]" in printed
    assert "      title: string, required, length 1..300, autocomplete" in printed


# -- typed subcommands answer as the text form does ---------------------------------------------


@pytest.fixture
def simcord_bot(app: App) -> discord.Client:
    return create_bot(app.settings, app.dispatcher, app.parties)


@dataclass
class Server:
    env: Env
    general: ChannelHandle
    other: ChannelHandle
    alice: MemberActor
    mod: MemberActor
    guild_name: str


@pytest.fixture
def server(simcord_env: Env) -> Server:
    guild = simcord_env.create_guild("K-drama club")
    general = guild.create_text_channel("general")
    other = guild.create_text_channel("other")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    alice = guild.add_member(simcord_env.create_user("alice"))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    return Server(simcord_env, general, other, alice, mod, "K-drama club")


def shown(embeds: list[discord.Embed]) -> list[tuple[str, ...]]:
    return [
        (
            e.title or "",
            e.description or "",
            e.footer.text or "",
            *(f"{f.name}: {f.value}" for f in e.fields),
        )
        for e in embeds
    ]


def embeds_of(result: InteractionResult) -> list[discord.Embed]:
    messages = ([result.response] if result.response else []) + result.followups
    return [e for m in messages for e in m.embeds]


async def typed_out(
    app: App, server: Server, who: MemberActor, channel: ChannelHandle, line: str
) -> list[tuple[str, ...]]:
    """The text form, as the same member in another channel: the Discord rendering of what
    the dispatcher answers to `line`."""
    ctx = CommandContext(
        platform="discord",
        user_id=str(who.id),
        display_name=who.user.name,
        chat_id=str(channel.id),
        chat_name=server.guild_name,
        is_admin=who is server.mod,
        is_group=True,
    )
    reply = await app.dispatcher.handle(ctx, line)
    return shown([e for message in render(reply) for e in message.embeds])


async def test_watchparty_new_with_typed_options_opens_the_party_the_text_form_opens(
    app: App, server: Server
) -> None:
    typed = await server.alice.slash(
        server.general, "watchparty new", when="sat 8pm", titles="Parasite; Okja"
    )
    text = await typed_out(
        app, server, server.alice, server.other, "/watchparty new sat 8pm; Parasite; Okja"
    )
    assert shown(embeds_of(typed)) == text
    assert "opened a watch party" in str(text) and "Sat" in str(text)
    [poll] = [m.message.poll for m in typed.followups if m.message.poll is not None]
    assert [a.text.split(" (")[0] for a in poll.answers] == ["Parasite", "Okja"]
    # The party's status: the same, but that the typed one's native poll is its ballot.
    status = shown(embeds_of(await server.alice.slash(server.general, "watchparty status")))
    text_status = await typed_out(app, server, server.alice, server.other, "/watchparty status")
    assert [e[:2] for e in status] == [e[:2] for e in text_status]
    assert "Vote in the poll above." in str(status) and "/vote <n>" in str(text_status)


async def test_settings_region_value_sets_the_region_as_the_text_form_does(
    app: App, server: Server
) -> None:
    regions = await server.mod.autocomplete(server.general, "settings region", "value", "korea")
    assert {"KR", "KP"} <= {c["value"] for c in regions}
    typed = await server.mod.slash(server.general, "settings region", value="KR")
    text = await typed_out(app, server, server.mod, server.other, "/settings region KR")
    assert shown(embeds_of(typed)) == text
    assert "Region set to KR (South Korea)" in str(text)
    services = await server.mod.autocomplete(server.general, "settings services", "value", "netf")
    assert services and services[0]["value"] == "Netflix"
    mine = await server.alice.slash(server.general, "settings me region", value="JP")
    assert "Your region is now JP (Japan)" in str(shown(embeds_of(mine)))


async def test_admin_title_edit_with_typed_fields_edits_the_title(app: App, server: Server) -> None:
    okja = await title_id(app, "Okja", 2017)
    [choice] = [
        c
        for c in await server.mod.autocomplete(server.general, "admin title edit", "title", "okja")
        if c["value"] == f"#{okja}"
    ]
    edited = await server.mod.slash(
        server.general, "admin title edit", title=choice["value"], year=2018, kind="film"
    )
    assert "Updated Okja (2017): year." in str(shown(embeds_of(edited)))
    again = await server.mod.slash(
        server.general, "admin title edit", title=choice["value"], year=2018, kind="film"
    )
    text = await typed_out(
        app, server, server.mod, server.other, f"/admin title edit #{okja} year:2018 kind:film"
    )
    assert shown(embeds_of(again)) == text
    assert "Nothing changed: Okja (2018) already has those values." in str(text)


async def test_recommend_with_typed_filters_answers_as_the_text_form(
    app: App, server: Server
) -> None:
    miracle = await title_id(app, "Miracle in Cell No. 7", 2013)
    typed = await server.alice.slash(
        server.general, "recommend", title=f"#{miracle}", n=3, only="film", unrated=True
    )
    text = await typed_out(
        app, server, server.alice, server.other, f"/recommend #{miracle} 3 --film --unrated"
    )
    assert shown(embeds_of(typed)) == text
    assert "Filtered: films only; not rated by you." in str(text)


async def test_help_on_discord_is_the_declaration(app: App, server: Server) -> None:
    typed = await server.alice.slash(server.general, "help", command="admin")
    text = await typed_out(app, server, server.alice, server.other, "/help admin")
    assert shown(embeds_of(typed)) == text
    listed = "\n".join(line for embed in text for line in embed)
    assert "/admin where add <title> \\| <service> \\| <region>" in listed, listed


async def test_watchparty_titles_autocomplete_one_title_after_another(server: Server) -> None:
    offered = await server.alice.autocomplete(
        server.general, "watchparty new", "titles", "Parasite; okja"
    )
    assert offered, "no titles offered"
    picked = offered[0]["value"]
    assert picked.startswith("Parasite; Okja (2017") and offered[0]["name"] == picked
    opened = await server.alice.slash(server.general, "watchparty new", titles=picked)
    [poll] = [m.message.poll for m in opened.followups if m.message.poll is not None]
    assert [a.text.split(" (")[0] for a in poll.answers] == ["Parasite", "Okja"]
    assert await server.alice.autocomplete(server.general, "watchparty new", "titles", "x; ") == []
