"""The app installed to a member's account, used in a server the bot is not in: Discord sends the
interaction with the server's id but no guild the bot knows, and the answer goes back through the
interaction alone. simcord cannot place a member in a server without the bot, so this runs the
real bot against the loopback Discord, which delivers the interaction as Discord would."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from bot.app import App
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.server import serve
from tests.adapters.fake_discord import APP_ID, FakeDiscord

FOREIGN_GUILD = "777000000000000001"
CHANNEL = "777000000000000002"
MEMBER = {"id": "555000000000000001", "username": "hana", "discriminator": "0", "avatar": None}
_ids = itertools.count(900_000_000_000_000_001)


def user_install_interaction(name: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    """A slash command in a server where only the member installed the app (context 0,
    authorised by the user's install, key "1")."""
    return {
        "id": str(next(_ids)),
        "application_id": APP_ID,
        "type": 2,
        "token": "interaction-token",
        "version": 1,
        "data": {"id": "1", "name": name, "type": 1, "options": options},
        "guild_id": FOREIGN_GUILD,
        "guild": {"id": FOREIGN_GUILD, "locale": "en-US", "features": []},
        "channel_id": CHANNEL,
        "channel": {
            "id": CHANNEL,
            "type": 0,
            "guild_id": FOREIGN_GUILD,
            "name": "lounge",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        },
        "member": {
            "user": MEMBER,
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": "2248473465835073",
        },
        "app_permissions": "0",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"1": MEMBER["id"]},
        "context": 0,
        "attachment_size_limit": 26214400,
    }


async def test_title_and_recommend_answer_in_a_server_without_the_bot(
    app: App, discord_fake: FakeDiscord
) -> None:
    client = create_bot(app.settings, app.dispatcher, app.parties)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(client, discord_fake.token, stop))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 30)
        title = await discord_fake.interact(
            user_install_interaction(
                "title", [{"name": "title", "type": 3, "value": "Miracle in Cell No. 7"}]
            )
        )
        picks = await discord_fake.interact(
            user_install_interaction("recommend", [{"name": "n", "type": 4, "value": 2}])
        )
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)

    assert title["type"] == 4, title  # a message, not the apology
    [card] = title["data"]["embeds"]
    assert card["title"] == "Miracle in Cell No. 7 (2013)"
    assert picks["type"] == 4 and picks["data"]["embeds"], picks
    synced = {c["name"]: c for c in discord_fake.commands}
    assert 1 in synced["title"]["integration_types"]
