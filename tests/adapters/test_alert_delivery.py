"""Watchlist alerts through the real client libraries: `reelbot telegram`'s wiring against the
fake Bot API (a private message to a member who started the bot; nobody named in the group;
`/settings me alerts off` stops them), and discord.py in simcord (a DM)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from simcord import Env

from bot.app import App, open_app
from bot.core.scheduler import Scheduler
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.messenger import DiscordMessenger
from db import models as m
from db.imports.importer import ImportOptions, import_file
from tests.adapters.fake_telegram import GROUP_ID, FakeTelegram, FloodLimits
from tests.adapters.test_telegram_watchparty import QUIET, Running, in_chat, say
from tests.conftest import make_settings
from tests.party_support import FakeClock
from tests.test_alerts import netflix_file, titles_without_netflix_in

MINA, SORA = 42, 8
MARKER = "on your watchlist"


@pytest.fixture
async def telegram_bot(fake: FakeTelegram, db_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    fake.limits = FloodLimits(per_chat=(1000, 1), per_group=(1000, 1))
    running = Running(fake, db_url, tmp_path, FakeClock())
    await running.start()
    yield running
    await running.shutdown()


async def private(fake: FakeTelegram, text: str, user_id: int, name: str) -> str:
    seen = len(fake.all("sendMessage"))
    fake.send_text(text, user_id=user_id, chat_id=user_id, name=name)
    return (await fake.wait_for("sendMessage", seen + 1))[seen].text


async def put_on_watchlist(app: App, platform: str, user: str, title_id: int) -> None:
    async with app.db.unit_of_work(write=True) as repos:
        uid = await repos.users.ensure(platform, user, user)
        repos.session.add(m.WatchlistEntry(user_id=uid, title_id=title_id))


async def test_telegram_member_gets_one_private_alert(
    telegram_bot: Running, tmp_path: Path
) -> None:
    fake, app = telegram_bot.fake, telegram_bot.app
    assert app is not None
    first, second = await titles_without_netflix_in(app, "KR", 2)
    for user_id, name in ((MINA, "Mina"), (SORA, "Sora")):
        await private(fake, "/settings me region KR", user_id, name)
        await private(fake, "/settings me services netflix", user_id, name)
        await put_on_watchlist(app, "telegram", str(user_id), first.id)
    await say(fake, "/help")  # both are members of the group too
    await say(fake, "/help", SORA, "Sora")
    fake.unknown_chats.add(SORA)  # Sora blocked the bot since: no private chat

    await import_file(app.db, netflix_file(tmp_path, [first]), ImportOptions(region="KR"))
    [alert] = await wait_for_alert(fake, MINA)
    assert f"{first.name}" in alert.text and "Netflix in South Korea (KR)" in alert.text
    assert "/settings me alerts off" in alert.text
    await asyncio.sleep(QUIET)
    assert in_chat(fake, GROUP_ID, MARKER) == [] and in_chat(fake, SORA, MARKER) == []
    assert len(in_chat(fake, MINA, MARKER)) == 1

    assert "No more watchlist alerts" in await private(
        fake, "/settings me alerts off", MINA, "Mina"
    )
    await put_on_watchlist(app, "telegram", str(MINA), second.id)
    await import_file(
        app.db,
        netflix_file(tmp_path, [second], "netflix_titles_more.csv"),
        ImportOptions(region="KR"),
    )
    await asyncio.sleep(QUIET)
    assert len(in_chat(fake, MINA, MARKER)) == 1


async def wait_for_alert(fake: FakeTelegram, chat_id: int) -> list[object]:
    for _ in range(200):
        found = in_chat(fake, chat_id, MARKER)
        if found:
            return list(found)
        await asyncio.sleep(0.05)
    raise AssertionError("no alert arrived")


@pytest.fixture
async def discord_app(db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    app = await open_app(make_settings(db_url, tmp_path))
    yield app
    await app.close()


@pytest.fixture
def simcord_bot(discord_app: App) -> discord.Client:
    return create_bot(discord_app.settings, discord_app.dispatcher, discord_app.parties)


async def test_discord_member_gets_a_dm_alert(
    simcord_env: Env, discord_app: App, tmp_path: Path
) -> None:
    guild = simcord_env.create_guild("K-drama club")
    guild.create_text_channel("movie-night")
    mina = guild.add_member(simcord_env.create_user("mina"))
    [first] = await titles_without_netflix_in(discord_app, "KR", 1)
    platform_id = str(mina.user.id)
    async with discord_app.db.unit_of_work(write=True) as repos:
        uid = await repos.users.ensure("discord", platform_id, "mina")
        await repos.users.set_region(uid, "KR")
        await repos.users.set_services(uid, ["Netflix"])
    await put_on_watchlist(discord_app, "discord", platform_id, first.id)
    scheduler = Scheduler(
        discord_app.parties, [DiscordMessenger(simcord_env.bot, discord_app.parties)]
    )

    await import_file(discord_app.db, netflix_file(tmp_path, [first]), ImportOptions(region="KR"))
    await scheduler.run_due()
    await simcord_env.settle()
    dm = mina.user.dm_channel
    assert dm is not None
    alerts = [msg for msg in dm.history() if MARKER in _shown(msg)]
    assert len(alerts) == 1 and first.name in _shown(alerts[0])
    await scheduler.run_due()
    await simcord_env.settle()
    assert len([msg for msg in dm.history() if MARKER in _shown(msg)]) == 1


def _shown(message: discord.Message) -> str:
    parts = [message.content or ""]
    for e in message.embeds:
        parts += [e.title or "", e.description or "", e.footer.text or ""]
        parts += [f"{f.name}: {f.value}" for f in e.fields]
    return "\n".join(parts)
