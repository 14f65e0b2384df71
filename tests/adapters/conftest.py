"""Fixtures shared by the front-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.fake_telegram import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API server on loopback, for the real python-telegram-bot client."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def discord_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A loopback Discord (REST and gateway) that the real discord.py client is pointed at."""
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", fake.gateway)
    yield fake
    await fake.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Discord bot is an AutoShardedBot, whose shard count discord.py would ask Discord
    for; simcord simulates one shard of it unless a test asks for more."""
    for item in items:
        if "simcord_env" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "simcord"
        ):
            item.add_marker(pytest.mark.simcord(shard_count=1))
