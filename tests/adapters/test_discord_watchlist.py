"""The "+ Watchlist" button as Discord delivers it: the real bot over the loopback Discord gets a
component interaction carrying only the button's custom_id (no state kept since the card was
posted) from a member other than the one who asked for the card, and adds for that member."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.app import App
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.server import serve
from tests.adapters.fake_discord import APP_ID, BOT, FakeDiscord
from tests.adapters.test_discord_user_install import CHANNEL, user_install_interaction
from tests.support import title_id

PRESSER = {"id": "555000000000000009", "username": "jun", "discriminator": "0", "avatar": None}


def button_press(card: dict[str, Any], custom_id: str, user: dict[str, Any]) -> dict[str, Any]:
    """A component interaction on the message the bot answered with, pressed by `user`."""
    payload = user_install_interaction("title", [])
    payload["member"] = {**payload["member"], "user": user}
    payload["authorizing_integration_owners"] = {"1": user["id"]}
    payload.update(
        type=3,
        data={"custom_id": custom_id, "component_type": 2},
        message={
            "id": "777000000000000099",
            "channel_id": CHANNEL,
            "type": 0,
            "content": "",
            "author": BOT,
            "embeds": card["data"].get("embeds") or [],
            "components": card["data"].get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": 0,
            "application_id": APP_ID,
        },
    )
    return payload


def custom_ids(answer: dict[str, Any]) -> dict[str, str]:
    """label -> custom_id of every button in an interaction answer."""
    return {
        c["label"]: c["custom_id"]
        for row in answer["data"].get("components") or []
        for c in row.get("components", [])
        if "custom_id" in c
    }


async def watchlist_of(app: App, user: dict[str, Any]) -> set[int]:
    async with app.db.unit_of_work() as repos:
        found = await repos.users.find("discord", user["id"])
        return await repos.watchlist.title_ids(found) if found is not None else set()


async def test_the_watchlist_button_adds_for_the_member_who_pressed(
    app: App, discord_fake: FakeDiscord
) -> None:
    client = create_bot(app.settings, app.dispatcher, app.parties)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(client, discord_fake.token, stop))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 30)
        card = await discord_fake.interact(
            user_install_interaction("title", [{"name": "title", "type": 3, "value": "Okja"}])
        )
        buttons = custom_ids(card)
        add = buttons["+ Watchlist"]
        pressed = await discord_fake.interact(button_press(card, add, PRESSER))
        again = await discord_fake.interact(button_press(card, add, PRESSER))
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)

    okja = await title_id(app, "Okja", 2017)
    assert add == f"/watchlist add #{okja}"  # the command itself: it survives a restart
    rows = card["data"]["components"]
    assert all(len(row["components"]) <= 5 for row in rows)
    assert pressed["type"] == 4, pressed
    assert "Added Okja (2017) to jun's watchlist." in str(pressed["data"]["embeds"])
    assert await watchlist_of(app, PRESSER) == {okja}
    asker = user_install_interaction("title", [])["member"]["user"]
    assert await watchlist_of(app, asker) == set()
    assert "already on jun's watchlist" in str(again["data"]["embeds"])
    assert custom_ids(again)["Remove"] == f"me:{PRESSER['id']}:/watchlist remove #{okja}"
