"""1★–5★ buttons under Discord title cards, through discord.py in simcord's Discord: the rating is
the presser's, the answer only theirs, and the buttons work on cards sent before a restart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import discord
import pytest
from simcord import Env
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle
from simcord.results import InteractionResult

from bot.app import App, open_app
from bot.discord_adapter.cog import create_bot


@pytest.fixture
def simcord_bot(app: App) -> discord.Client:
    return create_bot(app.settings, app.dispatcher)


def custom_ids(result: InteractionResult) -> list[str]:
    assert result.response is not None
    return [
        c["custom_id"]
        for row in result.response.components
        for c in row.get("components", [])
        if "custom_id" in c
    ]


def rows(result: InteractionResult) -> list[list[str]]:
    assert result.response is not None
    return [
        [c.get("label", "") for c in row.get("components", [])]
        for row in result.response.components
    ]


def text_of(result: InteractionResult) -> str:
    messages = ([result.response] if result.response else []) + result.followups
    return "\n".join(
        f"{e.title or ''}\n{e.description or ''}\n{e.footer.text or ''}\n"
        + "\n".join(f"{f.name}: {f.value}" for f in e.fields)
        for m in messages
        for e in m.embeds
    )


async def title_card(who: MemberActor, channel: ChannelHandle, typed: str) -> InteractionResult:
    [choice, *_] = await who.autocomplete(channel, "title", "title", typed)
    return await who.slash(channel, "title", title=choice["value"])


@pytest.fixture
def members(simcord_env: Env) -> tuple[ChannelHandle, MemberActor, MemberActor]:
    guild = simcord_env.create_guild("K-drama club")
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    bob = guild.add_member(simcord_env.create_user("bob"))
    return channel, alice, bob


async def test_a_title_card_has_a_row_of_stars_and_a_press_rates_for_the_presser(
    members: tuple[ChannelHandle, MemberActor, MemberActor],
) -> None:
    channel, alice, bob = members
    card = await title_card(alice, channel, "parasite")
    ids = custom_ids(card)
    stars = [i for i in ids if i.startswith("rate:")]
    title_id = stars[0].split(":")[1]
    assert stars == [f"rate:{title_id}:{n}" for n in range(1, 6)]
    assert rows(card)[-1] == ["1★", "2★", "3★", "4★", "5★"]  # their own row, last
    assert any(i == f"/where #{title_id}" for i in ids)  # the other buttons stay

    assert card.response is not None
    pressed = await bob.click(card.response.message, custom_id=f"rate:{title_id}:4")
    assert pressed.ephemeral  # only Bob sees the answer
    assert "Parasite" in text_of(pressed)

    bobs = await bob.slash(channel, "myratings")
    assert "Parasite (2019) — ★★★★ 4★" in text_of(bobs)
    alices = await alice.slash(channel, "myratings")
    assert "Parasite" not in text_of(alices)  # the card was hers, the rating is not

    again = await bob.click(card.response.message, custom_id=f"rate:{title_id}:2")
    assert again.ephemeral  # a second press changes Bob's rating
    assert "Parasite (2019) — ★★ 2★" in text_of(await bob.slash(channel, "myratings"))


async def test_cards_from_where_have_stars_and_lists_do_not(
    members: tuple[ChannelHandle, MemberActor, MemberActor],
) -> None:
    channel, alice, _bob = members
    [choice, *_] = await alice.autocomplete(channel, "where", "title", "okja")
    where = await alice.slash(channel, "where", title=choice["value"])
    assert len([i for i in custom_ids(where) if i.startswith("rate:")]) == 5

    [choice, *_] = await alice.autocomplete(channel, "recommend", "title", "okja")
    picks = await alice.slash(channel, "recommend", title=choice["value"], n=3)
    assert not [i for i in custom_ids(picks) if i.startswith("rate:")]  # a list, not a card
    first = next(i for i in custom_ids(picks) if i.startswith("/title #"))
    assert picks.response is not None
    opened = await alice.click(picks.response.message, custom_id=first)
    assert len([i for i in custom_ids(opened) if i.startswith("rate:")]) == 5


async def test_stars_keep_working_after_a_restart(
    members: tuple[ChannelHandle, MemberActor, MemberActor],
    simcord_env: Env,
    app: App,
    tmp_path: Path,
) -> None:
    channel, alice, bob = members
    card = await title_card(alice, channel, "okja")
    assert card.response is not None
    message = card.response.message
    star = next(i for i in custom_ids(card) if i.startswith("rate:") and i.endswith(":5"))

    fresh = await open_app(replace(app.settings, data_dir=tmp_path))
    try:
        await simcord_env.restart_bot(create_bot(fresh.settings, fresh.dispatcher))
        pressed = await bob.click(message, custom_id=star)
        assert pressed.ephemeral and "Okja" in text_of(pressed)
        assert "Okja (2017) — ★★★★★ 5★" in text_of(await bob.slash(channel, "myratings"))
    finally:
        await fresh.close()


async def test_error_replies_and_admin_stats_have_no_stars(simcord_env: Env) -> None:
    guild = simcord_env.create_guild("Film club")
    channel = guild.create_text_channel("general")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])

    stats = await mod.slash(channel, "admin", arguments="stats")
    assert "Titles" in text_of(stats) or "titles" in text_of(stats)
    assert stats.response is not None and stats.response.embeds  # a card, about no title
    assert not [i for i in custom_ids(stats) if i.startswith("rate:")]

    unknown = await mod.slash(channel, "title", title="zzzz no such film qqq")
    assert not [i for i in custom_ids(unknown) if i.startswith("rate:")]
