"""Discord sharding: each `reelbot discord` process runs the shards its environment names
(REELBOT_DISCORD_SHARDS of REELBOT_DISCORD_SHARD_COUNT), so a big deployment splits its servers
over several processes. Run the way `reelbot discord` runs (server.run) against a loopback
Discord, which records every IDENTIFY."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.discord_adapter.server import run
from bot.settings import Settings, SettingsError
from tests.adapters.fake_discord import FakeDiscord
from tests.conftest import make_settings


async def identified_shards(fake: FakeDiscord, count: int) -> list[list[int]]:
    """The shards of the first `count` IDENTIFYs (discord.py waits ~5 s between a process's)."""
    async with asyncio.timeout(60):
        while len(fake.identifies) < count:
            fake.identified.clear()  # no await since the check: no IDENTIFY can slip between
            await fake.identified.wait()
    return sorted(d["shard"] for d in fake.identifies)


async def test_two_processes_with_disjoint_shards_identify_with_them_and_both_connect(
    db_url: str, tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    groups = [(0, 1), (2, 3)]
    apps: list[App] = []
    for n, shard_ids in enumerate(groups):
        settings = make_settings(
            db_url, tmp_path / f"process-{n}", discord_shard_ids=shard_ids, discord_shard_count=4
        )
        apps.append(await open_app(settings))
    stops = [asyncio.Event() for _ in apps]
    first = asyncio.create_task(run(apps[0].settings, apps[0], discord_fake.token, stops[0]))
    try:
        # One process alone: its two shards, of four, and no other.
        assert await identified_shards(discord_fake, 2) == [[0, 4], [1, 4]]
        second = asyncio.create_task(run(apps[1].settings, apps[1], discord_fake.token, stops[1]))
        try:
            assert await identified_shards(discord_fake, 4) == [[0, 4], [1, 4], [2, 4], [3, 4]]
            await asyncio.sleep(0.5)
            assert len(discord_fake._sockets) == 4  # every shard of both stays connected
            assert not first.done() and not second.done()
        finally:
            stops[1].set()
            await second
    finally:
        stops[0].set()
        await first
        for app in apps:
            await app.close()


async def test_without_shard_settings_discord_py_asks_discord(
    db_url: str, tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    app = await open_app(make_settings(db_url, tmp_path))
    stop = asyncio.Event()
    running = asyncio.create_task(run(app.settings, app, discord_fake.token, stop))
    try:
        assert await identified_shards(discord_fake, 1) == [[0, 1]]  # the fake recommends 1
    finally:
        stop.set()
        await running
        await app.close()


def test_shard_settings_from_the_environment(tmp_path: Path) -> None:
    base = {"REELBOT_DATA_DIR": str(tmp_path)}
    settings = Settings.from_env(
        base | {"REELBOT_DISCORD_SHARDS": " 1, 0", "REELBOT_DISCORD_SHARD_COUNT": "4"}
    )
    assert (settings.discord_shard_ids, settings.discord_shard_count) == ((0, 1), 4)
    only_count = Settings.from_env(base | {"REELBOT_DISCORD_SHARD_COUNT": "2"})
    assert (only_count.discord_shard_ids, only_count.discord_shard_count) == (None, 2)
    unset = Settings.from_env(base)
    assert (unset.discord_shard_ids, unset.discord_shard_count) == (None, None)
    for bad, variable in [
        ({"REELBOT_DISCORD_SHARDS": "0,1"}, "REELBOT_DISCORD_SHARD_COUNT"),
        ({"REELBOT_DISCORD_SHARDS": "0,4", "REELBOT_DISCORD_SHARD_COUNT": "4"}, "0 to 3"),
        ({"REELBOT_DISCORD_SHARDS": "0,0", "REELBOT_DISCORD_SHARD_COUNT": "4"}, "twice"),
        ({"REELBOT_DISCORD_SHARDS": "a", "REELBOT_DISCORD_SHARD_COUNT": "4"}, "0 to 3"),
        ({"REELBOT_DISCORD_SHARD_COUNT": "0"}, "REELBOT_DISCORD_SHARD_COUNT"),
    ]:
        with pytest.raises(SettingsError, match=variable):
            Settings.from_env(base | bad)
