"""The real discord.py bot from create_bot, over a real App (SQLite and PostgreSQL), driven
through simcord's in-process simulation of Discord: slash commands, autocomplete, buttons,
restarts, permissions and native polls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from simcord import Env
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle, UserHandle
from simcord.results import InteractionResult
from sqlalchemy import delete

from bot.app import App, open_app
from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.params import COUNT, Param
from bot.core.replies import Action, Field, Item, Poll, PollOption, Reply, TitleCard
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.messenger import DiscordMessenger
from bot.discord_adapter.render import native_poll, poll_hours, render
from db import models as m
from tests.support import rating_rows as rating_rows_of


@dataclass
class RecordedPolls:
    """Stands in for the core's watch parties (branch issue-5): what the adapter reported."""

    opened: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)
    answered: list[tuple[str, str, str, list[int]]] = field(default_factory=list)
    answer: Reply | None = None  # what the core says back to a voter, e.g. "voting has closed"

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
        return self.answer


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
    dispatcher.register(Command("whoami", "who am I", example="/whoami"), whoami)
    options = Param("n", COUNT, "How many options", max_value=20)
    dispatcher.register(Command("pollcmd", "a poll", (options,), example="/pollcmd 3"), pollcmd)
    dispatcher.register(Command("flood", "a long list", example="/flood"), flood)


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
    alice_user: UserHandle


@pytest.fixture
def server(simcord_env: Env) -> Server:
    guild = simcord_env.create_guild("K-drama club")
    channel = guild.create_text_channel("general")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    alice_user = simcord_env.create_user("alice")
    alice = guild.add_member(alice_user)
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    return Server(simcord_env, channel, alice, mod, alice_user)


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


def top_level(invocations: Sequence[str]) -> set[str]:
    """ "watchparty new", "watchparty join" → "watchparty"."""
    return {name.split()[0] for name in invocations}


async def test_every_dispatcher_command_is_a_slash_command(server: Server, app: App) -> None:
    available = top_level(server.mod.available_commands(server.channel))
    assert {c.name for c in app.dispatcher.commands} <= available
    for_members = top_level(server.alice.available_commands(server.channel))
    assert {c.name for c in app.dispatcher.commands if not c.admin_only} <= for_members


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
    commands = [i for i in ids if not i.startswith("rate:")]  # test_discord_rating.py: stars
    assert commands and all(len(i) <= 100 and i.startswith("/") for i in commands)


async def test_search_escapes_hostile_text_and_never_pings(server: Server) -> None:
    hostile = "@everyone **bold** <@123456789012345678> ||x|| [link](http://evil)"
    result = await server.alice.slash(server.channel, "search", query=hostile)

    shown = text_of(result)
    assert "@\u200beveryone" in shown
    assert "\\*\\*bold\\*\\*" in shown
    assert "<@\u200b123456789012345678>" in shown
    assert "\\|\\|x\\|\\|" in shown
    assert "**bold**" not in shown
    callbacks = [r for r in server.env.http_requests if r.path.endswith("/callback")]
    assert callbacks
    assert all(r.json["data"]["allowed_mentions"] == {"parse": []} for r in callbacks)


async def test_recommend_then_press_a_button(server: Server) -> None:
    choice = await pick_title(server, "recommend", "Miracle in Cell No. 7")
    result = await server.alice.slash(server.channel, "recommend", title=choice["value"], n=3)

    [embed] = embeds_of(result)
    assert embed.title == "If you liked Miracle in Cell No. 7 (2013), watch:"
    assert (embed.description or "").count("**") == 6  # three numbered, bold entries
    ids = button_ids(result)
    assert len(ids) == 6 and all(i.startswith("/title #") for i in ids[:3])
    assert [i.split("#")[1] for i in ids[3:]] == [i.split("#")[1] for i in ids[:3]]
    assert all(i.startswith("/watchlist add #") for i in ids[3:])

    assert result.response is not None
    pressed = await server.alice.click(result.response.message, custom_id=ids[0])
    [card] = embeds_of(pressed)
    assert f"/recommend #{ids[0].split('#')[1]}" in button_ids(pressed)
    assert card.title and card.title.split(" (")[0] in (embed.description or "")


async def test_personal_picks_without_a_title(server: Server) -> None:
    result = await server.alice.slash(server.channel, "recommend", n=2)
    assert "alice" in text_of(result) or "popular" in text_of(result).lower()
    assert len(button_ids(result)) == 4  # ℹ and + Watchlist for each


async def test_where_with_region_autocomplete(server: Server) -> None:
    regions = await server.alice.autocomplete(server.channel, "where", "region", "korea")
    assert {r["value"] for r in regions} == {"KR", "KP"}
    codes = await server.alice.autocomplete(server.channel, "where", "region", "us")
    assert codes[0]["value"] == "US"
    choice = await pick_title(server, "where", "prison playbook")

    result = await server.alice.slash(server.channel, "where", title=choice["value"], region="KR")

    assert not result.ephemeral
    assert "Prison Playbook" in text_of(result)


async def test_review_with_a_spoiler_then_reviews_and_myratings(server: Server) -> None:
    choice = await pick_title(server, "review", "okja")
    ratings = await server.alice.autocomplete(
        server.channel, "review", "rating", "8/10", title=choice["value"]
    )
    assert ratings[0]["value"] == "8/10" and "★★★★" in ratings[0]["name"]
    stars = await server.alice.autocomplete(server.channel, "review", "rating", "")
    assert [c["value"] for c in stars][:2] == ["5", "4.5"]

    result = await server.alice.slash(
        server.channel,
        "review",
        title=choice["value"],
        rating="8/10",
        text="The pig *survives* | @here",
        spoiler=True,
    )
    assert not result.ephemeral, text_of(result)

    verdict = await server.mod.slash(server.channel, "reviews", title=choice["value"])
    shown = text_of(verdict)
    assert "||The pig \\*survives\\* \\| @\u200bhere||" in shown

    mine = await server.alice.slash(server.channel, "myratings")
    assert "Okja" in text_of(mine)


async def test_the_rating_option_offers_remove_and_it_takes_the_rating_back(
    server: Server,
) -> None:
    choice = await pick_title(server, "review", "okja")
    await server.alice.slash(server.channel, "review", title=choice["value"], rating="4")
    options = await server.alice.autocomplete(server.channel, "review", "rating", "")
    assert options[-1]["value"] == "remove"
    result = await server.alice.slash(
        server.channel, "review", title=choice["value"], rating="remove"
    )
    assert "Removed your rating of Okja (2017)" in text_of(result)
    mine = await server.alice.slash(server.channel, "myratings")
    assert "Okja" not in text_of(mine)


async def test_a_bad_rating_is_an_ephemeral_error(server: Server) -> None:
    choice = await pick_title(server, "review", "okja")
    result = await server.alice.slash(server.channel, "review", title=choice["value"], rating="11")
    assert result.ephemeral
    [embed] = embeds_of(result)
    assert embed.colour == discord.Colour.red()


async def test_help_lists_commands_registered_by_feature_modules(server: Server) -> None:
    result = await server.alice.slash(server.channel, "help")
    shown = text_of(result)
    assert "/review" in shown and "/whoami" in shown


async def test_admin_is_manage_server_or_a_configured_owner(server: Server, app: App) -> None:
    plain = await server.alice.slash(server.channel, "whoami")
    assert "alice admin=False group=True" in text_of(plain)
    mod = await server.mod.slash(server.channel, "whoami")
    assert "mod admin=True" in text_of(mod)

    owners = frozenset({f"discord:{server.alice.id}"})
    settings = replace(app.settings, owner_ids=owners)
    await server.env.restart_bot(create_bot(settings, app.dispatcher))
    owner = await server.alice.slash(server.channel, "whoami")
    assert "alice admin=True" in text_of(owner)


async def test_buttons_work_after_a_restart_over_the_same_database(
    server: Server, app: App, tmp_path: Path
) -> None:
    choice = await pick_title(server, "title", "parasite")
    card = await server.alice.slash(server.channel, "title", title=choice["value"])
    assert card.response is not None
    message = card.response.message
    where = next(i for i in button_ids(card) if i.startswith("/where"))

    fresh = await open_app(replace(app.settings, data_dir=tmp_path))
    try:
        await server.env.restart_bot(create_bot(fresh.settings, fresh.dispatcher))
        pressed = await server.mod.click(message, custom_id=where)
    finally:
        await fresh.close()

    assert not pressed.ephemeral
    assert "Parasite" in text_of(pressed)


async def test_the_watchlist_button_on_a_card_adds_for_whoever_pressed(
    server: Server, app: App
) -> None:
    choice = await pick_title(server, "title", "okja")
    card = await server.alice.slash(server.channel, "title", title=choice["value"])
    assert card.response is not None
    add = next(i for i in button_ids(card) if i.startswith("/watchlist add #"))
    okja = int(add.split("#")[1])
    rows = card.response.components
    assert all(len(row.get("components", [])) <= 5 for row in rows)

    pressed = await server.mod.click(card.response.message, custom_id=add)
    assert "Added Okja (2017) to mod's watchlist." in text_of(pressed)  # the presser
    async with app.db.unit_of_work() as repos:
        mod = await repos.users.find("discord", str(server.mod.user.id))
        alice = await repos.users.find("discord", str(server.alice_user.id))
        assert mod is not None and await repos.watchlist.title_ids(mod) == {okja}
        assert alice is None or await repos.watchlist.title_ids(alice) == set()

    again = await server.mod.click(card.response.message, custom_id=add)
    assert "already on mod's watchlist" in text_of(again)
    # Remove is the mod's own: bound to them, so nobody else's press takes it off their list.
    assert f"me:{server.mod.user.id}:/watchlist remove #{okja}" in button_ids(again)


async def test_a_button_for_a_deleted_title_answers_politely(server: Server, app: App) -> None:
    choice = await pick_title(server, "title", "okja")
    card = await server.alice.slash(server.channel, "title", title=choice["value"])
    assert card.response is not None
    title_id = int(choice["value"][1:])
    async with app.db.unit_of_work(write=True) as repos:
        await repos.catalog.session.execute(delete(m.Title).where(m.Title.id == title_id))
        await repos.catalog.bump_revision()
    app.core.catalog.invalidate()

    pressed = await server.alice.click(card.response.message, custom_id=f"/reviews #{title_id}")

    assert pressed.ephemeral
    assert "no longer in the catalog" in text_of(pressed)


async def test_long_replies_are_split_into_follow_ups(server: Server) -> None:
    result = await server.alice.slash(server.channel, "flood")

    assert result.response is not None and result.followups
    messages = [result.response, *result.followups]
    for message in messages:
        assert sum(len(e) for e in message.embeds) <= 6000
        assert len(message.embeds) <= 10
        assert all(len(e.description or "") <= 4096 for e in message.embeds)
    shown = text_of(result)
    assert all(f"**{n + 1}. title {n} " in shown for n in range(150))
    assert messages[-1].embeds[-1].footer.text == "the end"


async def test_a_poll_reply_is_a_native_poll_and_votes_are_forwarded(
    server: Server, polls: RecordedPolls
) -> None:
    result = await server.alice.slash(server.channel, "pollcmd", n=3)

    assert result.response is not None
    assert embeds_of(result)[0].title == "Vote below"
    [poll_message] = result.followups
    poll = poll_message.message.poll
    assert poll is not None
    assert poll.question == "What do we watch?"
    assert [a.text for a in poll.answers] == ["Option 1", "Option 2", "Option 3"]
    assert not poll.multiple
    message_id = str(poll_message.id)
    assert polls.opened == [("party:1", "discord", str(server.channel.id), message_id, message_id)]

    await server.alice.vote(poll_message, answer=2)
    await server.alice.vote(poll_message, answer=3)  # moves the vote: remove, then add
    await server.mod.vote(poll_message, answer=1)
    await server.mod.remove_vote(poll_message, answer=1)

    alice, mod = str(server.alice.id), str(server.mod.id)
    assert polls.answered == [
        ("discord", message_id, alice, [1]),
        ("discord", message_id, alice, []),
        ("discord", message_id, alice, [2]),
        ("discord", message_id, mod, [0]),
        ("discord", message_id, mod, []),
    ]


async def test_a_poll_with_more_options_than_discord_allows_is_a_list(
    server: Server, polls: RecordedPolls
) -> None:
    result = await server.alice.slash(server.channel, "pollcmd", n=12)

    messages = [result.response, *result.followups]
    assert all(msg is not None and msg.message.poll is None for msg in messages)
    shown = text_of(result)
    assert "**12. Option 12**" in shown
    assert "at most 10 answers" in shown
    assert polls.opened == []


async def test_discord_errors_are_logged_and_survived(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    server.env.inject_error("POST", "/interactions/*/callback", status=500)
    failed = await server.alice.slash(server.channel, "help")
    assert not failed.acknowledged
    assert "could not answer /help" in caplog.text

    after = await server.alice.slash(server.channel, "help")
    assert after.acknowledged and "/search" in text_of(after)


async def test_a_slow_command_shows_thinking_first(server: Server, app: App) -> None:
    await server.env.restart_bot(create_bot(app.settings, app.dispatcher, defer_after=0))
    result = await server.alice.slash(server.channel, "myratings")
    callbacks = [r.json["type"] for r in server.env.http_requests if r.path.endswith("/callback")]
    assert callbacks == [5]  # "thinking…", then the answer replaces it
    assert not result.deferred
    assert "rated" in text_of(result).lower()


async def test_a_late_vote_is_answered_by_direct_message(
    server: Server, polls: RecordedPolls
) -> None:
    result = await server.alice.slash(server.channel, "pollcmd", n=2)
    [poll_message] = result.followups
    polls.answer = Reply(text="Voting has closed for this party.", kind="error")

    await server.alice.vote(poll_message, answer=1)

    dm = server.alice_user.dm_channel.last_message
    assert dm is not None and dm.embeds[0].title == "Voting has closed for this party."


async def test_the_messenger_posts_polls_and_ends_them(
    server: Server, app: App, polls: RecordedPolls
) -> None:
    messenger = DiscordMessenger(server.env.bot, polls)
    chat_id = str(server.channel.id)
    closes = datetime.now(UTC) + timedelta(hours=5, minutes=10)
    options = (PollOption("Okja (2017)", 1), PollOption("Parasite (2019)", 2))
    reply = Reply(text="Pick tonight's film", poll=Poll("party:7", "Tonight?", options, closes))

    sent = await messenger.send(chat_id, reply)
    await server.env.settle()

    assert sent is not None and sent.platform_poll_id == sent.message_id
    assert polls.opened == [("party:7", "discord", chat_id, sent.message_id, sent.message_id)]
    posted = server.channel.last_message
    assert posted is not None and posted.poll is not None
    assert posted.poll.duration == timedelta(hours=6)
    assert server.channel.history()[-2].embeds[0].title == "Pick tonight's film"

    await messenger.stop_poll(chat_id, sent.message_id)
    await server.env.settle()
    ended = server.channel.last_message
    assert ended is not None and ended.poll is not None and ended.poll.is_finalised()
    await messenger.stop_poll(chat_id, sent.message_id)  # already ended: left alone

    plain = await messenger.send(chat_id, Reply(text="Reminder: tonight at 8"))
    assert plain is not None and plain.platform_poll_id is None
    assert await messenger.send("1", Reply(text="nowhere")) is None


def test_a_card_within_every_embed_limit() -> None:
    fields = tuple(Field(f"Field {n}", "v" * 1500) for n in range(30))
    card = TitleCard(
        1,
        "H" * 300,
        "Korean film",
        fields=fields,
        body="s " * 3000,
        poster_url="https://img.example/p.jpg",
    )
    actions = (
        Action("More", "/recommend #1"),
        Action("Again", "/recommend #1"),
        Action("Too long", "/title " + "x" * 100),
    )
    messages = render(Reply(card=card, notes=("note",), actions=actions))

    embeds = [e for msg in messages for e in msg.embeds]
    first = embeds[0]
    assert first.title is not None and len(first.title) == 256 and first.title.endswith("…")
    assert first.image.url == "https://img.example/p.jpg"
    for msg in messages:
        assert len(msg.embeds) <= 10 and sum(len(e) for e in msg.embeds) <= 6000
    for embed in embeds:
        assert len(embed.fields) <= 25 and len(embed.description or "") <= 4096
        assert all(len(f.value or "") <= 1024 for f in embed.fields)
    values = [f for e in embeds for f in e.fields]
    assert len(values) == 60  # each 1500-character value became two fields
    assert sum(len(f.value or "") for f in values) == 30 * 1500
    assert [a.command for a in messages[-1].actions] == ["/recommend #1"]
    assert all(not msg.actions for msg in messages[:-1])


def test_a_huge_spoiler_stays_hidden_in_every_piece() -> None:
    words = " ".join(f"secret{n}" for n in range(2000))
    messages = render(Reply(items=(Item("Okja", words, spoiler=True),)))
    description = "\n".join(e.description or "" for msg in messages for e in msg.embeds)
    hidden = [line for line in description.splitlines() if line.startswith("||")]
    assert len(hidden) > 2 and all(line.endswith("||") for line in hidden)
    assert description.count("secret") == 2000


def test_poll_durations_are_whole_hours_within_discord_bounds() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert poll_hours(None, now) == 768
    assert poll_hours(now + timedelta(minutes=10), now) == 1
    assert poll_hours(now + timedelta(hours=2, seconds=1), now) == 3
    assert poll_hours(now - timedelta(hours=1), now) == 1
    assert poll_hours(now + timedelta(days=60), now) == 768
    options = tuple(PollOption("x" * 80) for _ in range(10))
    poll = native_poll(Poll("party:1", "q" * 400, options, multiple=True), now)
    assert poll is not None and poll.multiple
    assert len(poll.question or "") == 300 and all(len(a.text) == 55 for a in poll.answers)


USER_INSTALLABLE = {"recommend", "where", "title", "search", "review"}


def synced_commands(server: Server) -> dict[str, dict[str, Any]]:
    [sync] = [
        r for r in server.env.http_requests if r.method == "PUT" and r.path.endswith("/commands")
    ]
    return {c["name"]: c for c in sync.json or []}


async def test_lookups_are_user_installable_and_chat_commands_stay_with_the_server(
    server: Server,
) -> None:
    synced = synced_commands(server)
    for name in USER_INSTALLABLE:
        assert sorted(synced[name]["integration_types"]) == [0, 1], name  # guild, user install
        assert sorted(synced[name]["contexts"]) == [0, 1, 2], name  # guild, bot DM, group DM
    for name in set(synced) - USER_INSTALLABLE:
        assert synced[name]["integration_types"] == [0], name


async def test_recommend_and_title_answer_in_a_direct_message(server: Server) -> None:
    assert set(server.alice_user.available_commands()) >= USER_INSTALLABLE
    picks = await server.alice_user.slash("recommend", n=2)
    assert len(button_ids(picks)) == 4

    found = await server.alice_user.slash("title", title="Miracle in Cell No. 7")
    [card] = embeds_of(found)
    assert card.title == "Miracle in Cell No. 7 (2013)"


# -- /myratings: pages in place, the asker's own buttons ------------------------------------


async def rate_as(app: App, server: Server, who: MemberActor, line: str) -> None:
    ctx = CommandContext("discord", str(who.id), who.name, str(server.channel.id), is_group=True)
    reply = await app.dispatcher.handle(ctx, line)
    assert not reply.is_error, reply.text


def labels_of(message: Any) -> list[str]:
    return [c.get("label", "") for row in message.components for c in row.get("components", [])]


async def test_myratings_pages_edit_the_message_and_remove_takes_only_the_askers(
    server: Server, app: App
) -> None:
    snap = await app.core.catalog.get()
    ids = sorted(snap.titles)[:13]
    for n, tid in enumerate(ids):
        await rate_as(app, server, server.alice, f"/review #{tid} 4 --on 2026-10-{n + 1:02d}")
    newest = ids[-1]
    await rate_as(app, server, server.mod, f"/review #{newest} 2")

    listed = await server.alice.slash(server.channel, "myratings")
    assert listed.response is not None and not listed.ephemeral
    assert "Page 1 of 2" in text_of(listed) and "13 Oct 2026" in text_of(listed)
    assert all(len(c) <= 100 for c in button_ids(listed))
    turned = await server.alice.click(listed.response.message, label="Next ▶")
    assert turned.response is not None and turned.response.id == listed.response.id
    page_two = text_of(turned)
    assert "**11. " in page_two and "Page 2 of 2" in page_two
    assert labels_of(turned.response) == ["✕ 11", "✕ 12", "✕ 13", "◀ Previous"]

    # The mod can neither turn alice's pages nor remove from her list.
    back = await server.alice.click(turned.response.message, label="◀ Previous")
    assert back.response is not None
    for label in ("Next ▶", "✕ 1"):
        refused = await server.mod.click(back.response.message, label=label)
        assert refused.ephemeral and "for the person who asked" in text_of(refused)
    assert len(await rating_rows_of(app)) == 14

    removed = await server.alice.click(back.response.message, label="✕ 1")
    assert not removed.ephemeral and "Removed your rating of" in text_of(removed)
    rows = await rating_rows_of(app)
    assert (str(server.alice.id), newest) not in [(u, t) for u, t, *_ in rows]
    assert (str(server.mod.id), newest) in [(u, t) for u, t, *_ in rows]
    assert removed.response is not None
    undone = await server.alice.click(removed.response.message, label="Undo")
    assert "Restored your rating of" in text_of(undone)
    assert len(await rating_rows_of(app)) == 14


async def test_watchlist_pages_edit_the_message_mine_for_me_the_chats_for_anyone(
    server: Server, app: App
) -> None:
    snap = await app.core.catalog.get()
    ids = sorted(snap.titles)[:13]
    for tid in ids:
        await rate_as(app, server, server.alice, f"/watchlist add #{tid}")
        await rate_as(app, server, server.alice, f"/watchlist chat add #{tid}")

    listed = await server.alice.slash(server.channel, "watchlist show")
    assert listed.response is not None and "Page 1 of 2" in text_of(listed)
    # The mod can neither turn alice's pages nor remove from her list; nothing changes.
    for label in ("Next ▶", "✕ 1"):
        refused = await server.mod.click(listed.response.message, label=label)
        assert refused.ephemeral and "for the person who asked" in text_of(refused)
    assert "Page 1 of 2" in text_of(listed)
    turned = await server.alice.click(listed.response.message, label="Next ▶")
    assert turned.response is not None and turned.response.id == listed.response.id
    assert "Page 2 of 2" in text_of(turned)

    shared = await server.alice.slash(server.channel, "watchlist chat show")
    assert shared.response is not None and "Page 1 of 2" in text_of(shared)
    paged = await server.mod.click(shared.response.message, label="Next ▶")
    assert paged.response is not None and paged.response.id == shared.response.id
    assert "Page 2 of 2" in text_of(paged)


async def test_myratings_options_and_own_spoilers_stay_hidden_in_a_server(
    server: Server, app: App
) -> None:
    await rate_as(app, server, server.alice, "/review Okja 4 the pig lives --spoiler")
    await rate_as(app, server, server.alice, "/review Parasite 5 --on 2026-11-01")
    result = await server.alice.slash(server.channel, "myratings", sort="title", spoilers=True)
    shown = text_of(result)
    assert shown.index("Okja") < shown.index("Parasite") and "by title" in shown
    assert "||the pig lives||" in shown and "stay hidden in a group" in shown
