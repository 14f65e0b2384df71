"""Title autocomplete before a useful query is typed: the real discord.py bot against the
loopback Discord, which sends autocomplete interactions as Discord does on every keystroke.
An empty field offers the titles members rate most (then the newest), one letter the popular
ones with that initial; from two letters on it is the fuzzy search."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App
from bot.core.context import CommandContext
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.server import serve
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.test_discord_user_install import user_install_interaction

# Ratings members give before anyone opens /title: the most rated comes first.
RATED = {"Parasite": 4, "Okja": 3, "The Host": 2, "Prison Playbook": 1}


def autocomplete(typed: str) -> dict[str, Any]:
    payload = user_install_interaction(
        "title", [{"name": "title", "type": 3, "value": typed, "focused": True}]
    )
    payload["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE
    return payload


async def choices(fake: FakeDiscord, typed: str) -> list[dict[str, str]]:
    answer = await fake.interact(autocomplete(typed))
    assert answer["type"] == 8, answer  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    return list(answer["data"]["choices"])


@pytest.fixture
async def bot(app: App, discord_fake: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    for title, raters in RATED.items():
        for member in range(raters):
            ctx = CommandContext("discord", str(100 + member), f"Member {member}", "chan")
            reply = await app.dispatcher.handle(ctx, f"/review {title} 4")
            assert reply.kind != "error", reply
    client = create_bot(app.settings, app.dispatcher, app.parties)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(client, discord_fake.token, stop))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 30)
        yield discord_fake
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)


def ids_of(app_titles: dict[int, Any], name: str) -> set[str]:
    return {f"#{tid}" for tid, t in app_titles.items() if t.name == name}


async def test_an_empty_field_offers_the_most_rated_titles_first(
    bot: FakeDiscord, app: App
) -> None:
    snap = await app.dispatcher.core.catalog.get()
    offered = await choices(bot, "")
    assert len(offered) == 25
    firsts = [c["value"] for c in offered[: len(RATED)]]
    for value, name in zip(firsts, RATED, strict=True):
        assert value in ids_of(snap.titles, name), (offered[: len(RATED)], name)
    # Then the newest titles, each offered once.
    rest = [snap.titles[int(c["value"][1:])] for c in offered[len(RATED) :]]
    newest_year = max(t.year or 0 for t in snap.titles.values())
    assert rest[0].year == newest_year
    assert len({c["value"] for c in offered}) == len(offered)


async def test_one_letter_offers_popular_titles_with_that_initial(
    bot: FakeDiscord, app: App
) -> None:
    snap = await app.dispatcher.core.catalog.get()
    offered = await choices(bot, "o")
    assert offered[0]["value"] in ids_of(snap.titles, "Okja")
    assert offered and all(c["name"].casefold().startswith("o") for c in offered), offered

    # "The Host" is under H (as people call it) as well as under T.
    for letter in ("h", "T"):
        first = (await choices(bot, letter))[0]
        assert first["value"] in ids_of(snap.titles, "The Host"), (letter, first)

    # Two letters on, the fuzzy search answers, typos welcome.
    assert (await choices(bot, "prasite"))[0]["value"] in ids_of(snap.titles, "Parasite")
