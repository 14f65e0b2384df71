"""Files on Discord, end to end: the real bot from create_bot over a real App (SQLite and
PostgreSQL) in simcord's simulation of Discord. Members attach files to slash commands the way
the Discord client does (an attachment option, uploaded to the CDN, downloaded by the bot):
/admin import with a streaming catalog, /admin review with an article, /import letterboxd with
a ratings.csv. Admin commands are hidden from members, and refused by the core when a server
admin lets members see them anyway."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import discord
import pytest
from simcord import Env
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle, GuildHandle
from simcord.results import InteractionResult
from sqlalchemy import func, select

from bot.app import App
from bot.discord_adapter.cog import MAX_FILE_BYTES, create_bot
from db import models as m
from tests import articles

CATALOG = (
    b"show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
    b"listed_in,description\n"
    b"s1,Movie,A Discord Import,,,France,,2022,,95 min,Dramas,New.\n"
    b"s2,Movie,Okja,,,,,2017,,120 min,Dramas,A pig.\n"
)
LETTERBOXD = (
    b"Date,Name,Year,Letterboxd URI,Rating\n"
    b"2024-03-01,Okja,2017,https://boxd.it/a,4\n"
    b"2024-03-02,Parasite,2019,https://boxd.it/b,4.5\n"
    b"2024-03-03,A Film Nobody Has,1999,https://boxd.it/c,2\n"
)


@pytest.fixture
def simcord_bot(app: App) -> discord.Client:
    return create_bot(app.settings, app.dispatcher)


@dataclass
class Server:
    env: Env
    guild: GuildHandle
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
    return Server(simcord_env, guild, channel, alice, mod)


def text_of(result: InteractionResult) -> str:
    messages = ([result.response] if result.response else []) + result.followups
    parts = []
    for message in messages:
        for e in message.embeds:
            parts += [e.title or "", e.description or "", e.footer.text or ""]
            parts += [f"{f.name}: {f.value}" for f in e.fields]
    return "\n".join(parts)


def buttons(result: InteractionResult) -> dict[str, str]:
    messages = ([result.response] if result.response else []) + result.followups
    return {
        c["label"]: c["custom_id"]
        for message in messages
        for row in message.components
        for c in row.get("components", [])
        if "custom_id" in c
    }


def leaf_options(
    node: discord.app_commands.AppCommand | discord.app_commands.AppCommandGroup, path: str = ""
) -> list[tuple[str, list[discord.app_commands.Argument]]]:
    """("admin review article", its options) for every invocable command of a synced tree."""
    path = f"{path} {node.name}".strip()
    groups = [o for o in node.options if isinstance(o, discord.app_commands.AppCommandGroup)]
    if not groups:
        return [(path, [o for o in node.options if isinstance(o, discord.app_commands.Argument)])]
    return [leaf for group in groups for leaf in leaf_options(group, path)]


def callback_types(env: Env) -> list[int]:
    return [r.json["type"] for r in env.http_requests if r.path.endswith("/callback")]


def record_downloads(env: Env) -> list[str]:
    """The CDN URLs the bot downloads, by wrapping simcord's fake CDN (not our code)."""
    downloads: list[str] = []
    cdn = env.backend.cdn
    original: Callable[[str], bytes | None] = cdn.get

    def get(url: str) -> bytes | None:
        downloads.append(url)
        return original(url)

    cdn.get = get  # type: ignore[method-assign]
    return downloads


async def count(app: App, statement: object) -> int:
    async with app.db.unit_of_work() as repos:
        return int((await repos.catalog.session.execute(statement)).scalar_one())  # type: ignore[call-overload]


def titles_named(name: str) -> object:
    return select(func.count()).select_from(m.Title).where(m.Title.name == name)


async def test_admin_commands_carry_manage_server_and_are_hidden_from_members(
    server: Server, app: App
) -> None:
    synced = {c.name: c for c in await server.env.bot.tree.fetch_commands()}
    assert synced["admin"].default_member_permissions == discord.Permissions(manage_guild=True)
    assert synced["search"].default_member_permissions is None
    assert synced["import"].default_member_permissions is None

    alice_sees = {n.split()[0] for n in server.alice.available_commands(server.channel)}
    mod_sees = {n.split()[0] for n in server.mod.available_commands(server.channel)}
    names = {c.name for c in app.dispatcher.commands}
    admin_only = {c.name for c in app.dispatcher.commands if c.admin_only}
    assert admin_only == {"admin"}
    assert names <= mod_sees
    assert alice_sees & names == names - admin_only
    with pytest.raises(Exception, match="default-member-permissions"):
        await server.alice.slash(server.channel, "admin stats")


async def test_file_options_are_offered_where_the_command_reads_a_file(server: Server) -> None:
    leaves = {
        path: options
        for command in await server.env.bot.tree.fetch_commands()
        for path, options in leaf_options(command)
    }
    attachment = discord.AppCommandOptionType.attachment

    def file_options(name: str) -> list[str]:
        return [o.name for o in leaves[name] if o.type is attachment]

    assert {name for name in leaves if file_options(name)} == {
        "admin import",
        "admin review article",
        "import",
    }
    assert file_options("admin import") == file_options("import") == ["file"]


async def test_an_admin_imports_a_streaming_catalog_and_it_becomes_searchable(
    server: Server, app: App
) -> None:
    asked = await server.mod.slash(server.channel, "admin import")
    assert "Attach the catalog file" in text_of(asked) and "file option" in text_of(asked)

    downloads = record_downloads(server.env)
    result = await server.mod.slash(
        server.channel,
        "admin import",
        provider="Netflix",
        region="US",
        file=("netflix.csv", CATALOG),
    )

    assert [url.rsplit("/", 1)[-1] for url in downloads] == ["netflix.csv"]

    # "thinking…" at once for the file (after the plain reply to the first command)
    assert callback_types(server.env)[-1] == 5
    shown = text_of(result)
    assert not result.ephemeral, shown
    assert "Imported netflix.csv (streaming)" in shown
    assert "1 added" in shown and "1 merged" in shown
    found = await server.alice.slash(server.channel, "search", query="a discord import")
    assert "A Discord Import" in text_of(found)
    where = await server.alice.slash(server.channel, "where", title="Okja", region="US")
    assert "Netflix" in text_of(where)


async def test_a_member_allowed_to_see_admin_is_still_refused_and_nothing_is_written(
    server: Server, app: App
) -> None:
    # A server admin grants /admin to everyone in Integrations settings: Discord shows it,
    # the core still says no, and the file is not even downloaded.
    synced = {c.name: c for c in await server.env.bot.tree.fetch_commands()}
    server.guild.set_command_permissions(synced["admin"], {server.alice: True})
    downloads = record_downloads(server.env)

    result = await server.alice.slash(
        server.channel,
        "admin import",
        provider="Netflix",
        file=("netflix.csv", CATALOG),
    )

    assert result.ephemeral
    assert "Admins only" in text_of(result)
    assert downloads == []
    assert await count(app, titles_named("A Discord Import")) == 0
    assert await count(app, select(func.count()).select_from(m.ImportRun)) == 0


async def test_a_file_over_the_limit_is_refused_before_it_is_downloaded(
    server: Server, app: App
) -> None:
    downloads = record_downloads(server.env)
    huge = CATALOG + b"x" * (MAX_FILE_BYTES + 1 - len(CATALOG))

    result = await server.mod.slash(server.channel, "admin import", file=("huge.csv", huge))

    assert result.ephemeral
    assert "huge.csv is too big" in text_of(result) and "20 MB" in text_of(result)
    assert downloads == []
    assert await count(app, titles_named("A Discord Import")) == 0

    letterboxd = await server.alice.slash(server.channel, "import", file=("ratings.csv", huge))
    assert "too big" in text_of(letterboxd) and downloads == []


async def test_a_member_imports_letterboxd_ratings(server: Server, app: App) -> None:
    how = await server.alice.slash(server.channel, "import")
    assert "Settings → Import & Export" in text_of(how)

    result = await server.alice.slash(server.channel, "import", file=("ratings.csv", LETTERBOXD))

    shown = text_of(result)
    assert "Imported your Letterboxd history" in shown
    assert "2 new ratings" in shown and "A Film Nobody Has" in shown
    assert {"My ratings", "Picks for me"} <= set(buttons(result))
    mine = await server.alice.slash(server.channel, "myratings")
    assert "Okja" in text_of(mine) and "Parasite" in text_of(mine)
    theirs = await server.mod.slash(server.channel, "myratings")
    assert "Okja" not in text_of(theirs)


async def test_an_admin_reviews_an_attached_article_then_confirms(server: Server, app: App) -> None:
    result = await server.mod.slash(
        server.channel,
        "admin review article",
        region="US",
        file=("miracle.txt", articles.MIRACLE.encode("cp1252", "replace")),
    )

    shown = text_of(result)
    assert "Miracle in Cell No. 7" in shown and "A+" in shown
    assert "SECRET" not in shown
    actions = buttons(result)
    assert {"Confirm", "Cancel"} <= set(actions)
    assert await count(app, select(func.count()).select_from(m.EditorialReview)) == 0

    assert result.response is not None
    saved = await server.mod.click(result.response.message, custom_id=actions["Confirm"])
    assert not saved.ephemeral, text_of(saved)
    assert await count(app, select(func.count()).select_from(m.EditorialReview)) == 1


async def test_an_article_that_is_not_text_is_explained(server: Server, app: App) -> None:
    result = await server.mod.slash(
        server.channel, "admin review article", file=("poster.png", b"\x89PNG\x00\x00\x00")
    )
    assert "poster.png is not a text file" in text_of(result)
    assert await count(app, select(func.count()).select_from(m.ReviewDraft)) == 0
