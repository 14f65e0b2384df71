"""Watch parties on native Discord polls, end to end: the bot `reelbot discord` runs
(create_bot over a real App with its watch parties, SQLite and PostgreSQL) in simcord's
simulation of Discord, and the watch-party scheduler with the DiscordMessenger, under a clock the
test moves. Members open a party with /watchparty, vote in the poll, the deadline passes, the
poll is ended, the winner announced, reminders posted; a restart in the middle changes nothing."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest
from simcord import Env
from simcord.actors import MemberActor
from simcord.backend.models import ScheduledEvent as ScheduledEventModel
from simcord.builders import ChannelHandle

from bot.app import App, open_app
from bot.core.scheduler import Scheduler
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.messenger import DiscordMessenger
from bot.discord_adapter.server import run, run_when_ready, serve
from tests.adapters.fake_discord import FakeDiscord
from tests.conftest import make_settings
from tests.party_support import FakeClock, member, only_party_id, party_rows


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def party_app(db_url: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[App]:
    app = await open_app(make_settings(db_url, tmp_path), clock=clock)
    yield app
    await app.close()


@pytest.fixture
def simcord_bot(party_app: App) -> discord.Client:
    return create_bot(party_app.settings, party_app.dispatcher, party_app.parties)


@dataclass
class Club:
    env: Env
    channel: ChannelHandle
    host: MemberActor
    joon: MemberActor
    sora: MemberActor
    app: App
    scheduler: Scheduler

    async def tick(self) -> None:
        """One scheduler pass (as `reelbot discord` runs them), and Discord catching up."""
        await self.scheduler.run_due()
        await self.env.settle()

    async def restart(self, tmp_path: Path, clock: FakeClock) -> App:
        """A new process over the same database: App, bot and scheduler."""
        fresh = await open_app(make_settings(self.app.settings.database_url, tmp_path), clock=clock)
        await self.env.restart_bot(create_bot(fresh.settings, fresh.dispatcher, fresh.parties))
        self.app = fresh
        self.scheduler = scheduler_for(self.env, fresh)
        return fresh


def scheduler_for(env: Env, app: App) -> Scheduler:
    return Scheduler(app.parties, [DiscordMessenger(env.bot, app.parties)])


@pytest.fixture
def club(simcord_env: Env, party_app: App) -> Club:
    guild = simcord_env.create_guild("K-drama club")
    channel = guild.create_text_channel("movie-night")
    host = guild.add_member(simcord_env.create_user("mina"))
    joon = guild.add_member(simcord_env.create_user("joon"))
    sora = guild.add_member(simcord_env.create_user("sora"))
    return Club(
        simcord_env, channel, host, joon, sora, party_app, scheduler_for(simcord_env, party_app)
    )


def shown(message: discord.Message) -> str:
    parts = [message.content or ""]
    for e in message.embeds:
        parts += [e.title or "", e.description or "", e.footer.text or ""]
        parts += [f"{f.name}: {f.value}" for f in e.fields]
    return "\n".join(parts)


def posted(club: Club, marker: str) -> list[discord.Message]:
    return [m for m in club.channel.history() if marker in shown(m)]


async def say(club: Club, who: MemberActor, line: str) -> str:
    name, _, arguments = line.removeprefix("/").partition(" ")
    options = {"arguments": arguments} if arguments else {}
    result = await who.slash(club.channel, name, **options)
    messages = ([result.response] if result.response else []) + result.followups
    return "\n".join(shown(m.message) for m in messages if m is not None)


async def open_party(club: Club) -> discord.Message:
    opened = await say(club, club.host, "/watchparty new 2026-11-27 20:00; Parasite; Okja")
    assert "opened a watch party" in opened, opened
    [poll_message] = [m for m in club.channel.history() if m.poll is not None]
    return poll_message


async def test_a_party_runs_on_a_native_poll_from_vote_to_reminders(
    club: Club, clock: FakeClock
) -> None:
    poll_message = await open_party(club)
    poll = poll_message.poll
    assert poll is not None and not poll.multiple
    assert [a.text.split(" (")[0] for a in poll.answers] == ["Parasite", "Okja"]

    await club.host.vote(poll_message, answer=2)
    await club.joon.vote(poll_message, answer=2)
    await club.joon.vote(poll_message, answer=1)  # moves the vote to Parasite
    await club.sora.vote(poll_message, answer=1)
    await club.sora.remove_vote(poll_message, answer=1)  # withdraws
    status = await say(club, club.host, "/watchparty")
    assert "Parasite (2019) — 1 vote" in status and "Okja (2017) — 1 vote" in status
    assert "2 vote(s)" in status
    assert "You joined" in await say(club, club.joon, "/watchparty join")
    await club.sora.vote(poll_message, answer=1)

    clock.advance(hours=23, minutes=59)
    await club.tick()
    assert posted(club, "Watch party pick") == []

    clock.advance(minutes=1)
    await club.tick()
    [result] = posted(club, "Watch party pick")
    text = shown(result)
    assert "Parasite" in text and "deadline reached" in text and "2 of 3 votes" in text
    assert "Where to watch" in text and "Starts Fri 27 Nov 2026 20:00 (UTC)" in text
    [poll_now] = [m for m in club.channel.history() if m.id == poll_message.id]
    assert poll_now.poll is not None and poll_now.poll.is_finalised()

    async with club.app.db.unit_of_work() as repos:
        party = await repos.parties.get(await only_party_id(club.app))
    assert party is not None and party.starts_at is not None

    # Reminders go to joon, who joined, by DM; the channel is not pinged for them.
    def dms() -> list[discord.Message]:
        return [m for m in club.joon.user.dm_channel.history() if "⏰" in shown(m)]

    clock.now = party.starts_at - timedelta(minutes=61)
    await club.tick()
    assert dms() == []
    clock.now = party.starts_at - timedelta(minutes=60)
    await club.tick()
    [hour_before] = dms()
    assert "starts in 1 hour" in shown(hour_before) and "joon" in shown(hour_before)
    clock.now = party.starts_at
    await club.tick()
    assert "starts now" in shown(dms()[-1])
    await club.tick()
    assert len(dms()) == 2 and posted(club, "⏰") == []
    assert len(posted(club, "Watch party pick")) == 1


async def test_a_restart_mid_vote_keeps_the_poll_and_ends_it_once(
    club: Club, clock: FakeClock, tmp_path: Path
) -> None:
    poll_message = await open_party(club)
    await club.host.vote(poll_message, answer=2)

    old = club.app
    await club.restart(tmp_path, clock)
    try:
        await club.joon.vote(poll_message, answer=2)
        await club.sora.vote(poll_message, answer=1)
        status = await say(club, club.host, "/watchparty")
        assert "Okja (2017) — 2 votes" in status and "Parasite (2019) — 1 vote" in status

        clock.advance(hours=30)  # the deadline passed while nobody looked
        await club.tick()
        [result] = posted(club, "Watch party pick")
        assert "Okja" in shown(result) and "2 of 3 votes" in shown(result)
        [poll_now] = [m for m in club.channel.history() if m.id == poll_message.id]
        assert poll_now.poll is not None and poll_now.poll.is_finalised()

        # The old process's scheduler, still around, finds nothing left to do.
        await scheduler_for(club.env, old).run_due()
        await club.tick()
        await club.env.settle()
        assert len(posted(club, "Watch party pick")) == 1
    finally:
        await club.app.close()
        club.app = old


async def test_the_host_closing_ends_the_poll_through_the_running_scheduler(
    club: Club,
) -> None:
    poll_message = await open_party(club)
    await club.joon.vote(poll_message, answer=1)

    stop = asyncio.Event()
    scheduler = Scheduler(club.app.parties, [DiscordMessenger(club.env.bot, club.app.parties)])
    beside = asyncio.create_task(run_when_ready(club.env.bot, stop, [scheduler.run_forever]))
    try:
        closed = await say(club, club.host, "/watchparty close")
        assert "Watch party pick: Parasite" in closed and "closed by mina" in closed
        for _ in range(100):  # the scheduler wakes for the new job at once
            await club.env.settle()
            [poll_now] = [m for m in club.channel.history() if m.id == poll_message.id]
            if poll_now.poll is not None and poll_now.poll.is_finalised():
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the poll was not ended")
    finally:
        stop.set()
        await asyncio.wait_for(beside, 10)
    assert len(posted(club, "Watch party pick")) == 1  # the command's answer only


async def test_more_candidates_than_a_vote_takes_is_a_clear_message(club: Club) -> None:
    titles = "; ".join(f"Film {n}" for n in range(1, 12))
    answer = await say(club, club.host, f"/watchparty new {titles}")
    assert "That is 11 titles; a vote takes at most 10." in answer
    assert [m for m in club.channel.history() if m.poll is not None] == []


async def test_a_failed_login_stops_the_companions_and_is_raised(
    party_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reelbot discord` with Discord unreachable: the scheduler never starts, nothing hangs."""
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    started = []

    async def companion(stop: asyncio.Event) -> None:
        started.append(True)

    stop = asyncio.Event()
    client = create_bot(party_app.settings, party_app.dispatcher, party_app.parties)
    with pytest.raises((discord.HTTPException, OSError)):
        await asyncio.wait_for(serve(client, "bad-token", stop, [companion]), 30)
    assert started == [] and stop.is_set() and client.is_closed()


async def test_reelbot_discord_posts_due_results_once_connected_and_stops_cleanly(
    db_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bot.discord_adapter.server.run, as `reelbot discord` calls it, against a loopback
    Discord: logs in, connects, and the scheduler announces what fell due while it was down."""
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", fake.gateway)
    app = await open_app(make_settings(db_url, tmp_path), clock=clock)
    try:
        host = member("mina", chat="555", platform="discord")
        opened = await app.dispatcher.handle(host, "/watchparty new Parasite; Okja")
        assert opened.poll is not None
        clock.advance(hours=25)

        stop = asyncio.Event()
        running = asyncio.create_task(run(app.settings, app, fake.token, stop))
        announced = asyncio.create_task(fake.wait_for_message("Watch party pick"))
        await asyncio.wait({running, announced}, return_when=asyncio.FIRST_COMPLETED)
        assert not running.done(), running.exception()
        result = await announced
        assert fake.identified.is_set()
        assert "deadline reached" in json.dumps(result, ensure_ascii=False)
        assert [channel for channel, _body in fake.messages] == ["555"]

        stop.set()  # what SIGTERM does
        await asyncio.wait_for(running, 15)
        await asyncio.wait_for(fake.gateway_closed.wait(), 5)
        [(_id, state, winner)] = await party_rows(app)
        assert state == "done" and winner is not None
    finally:
        await app.close()
        await fake.stop()


def cast_unseen(club: Club, poll_message: discord.Message, who: MemberActor, answer: int) -> None:
    """A vote Discord counts but the bot never heard of (it was offline): no gateway event."""
    stored = club.env.backend.get_message(club.channel.id, poll_message.id)
    assert stored.poll is not None
    stored.poll.votes.setdefault(answer, set()).add(who.id)


async def test_the_poll_is_the_only_ballot_and_the_result_counts_what_it_shows(
    club: Club, clock: FakeClock
) -> None:
    """Every way of voting at once: the poll, a vote while the bot was offline, /vote typed.
    The announced counts are the ended poll's."""
    poll_message = await open_party(club)
    await club.host.vote(poll_message, answer=2)
    await club.joon.vote(poll_message, answer=2)
    cast_unseen(club, poll_message, club.sora, 1)
    typed = await say(club, club.sora, "/vote 1")
    assert "Vote in the poll above" in typed, typed
    result = await club.host.slash(club.channel, "watchparty")
    assert result.response is not None
    labels = [
        getattr(child, "label", "")
        for row in result.response.message.components
        for child in getattr(row, "children", [])
    ]
    assert "Join" in labels and not any(str(label).startswith("Vote") for label in labels)

    clock.advance(hours=24)
    await club.tick()
    [poll_now] = [m for m in club.channel.history() if m.id == poll_message.id]
    assert poll_now.poll is not None and poll_now.poll.is_finalised()
    final = [answer.vote_count for answer in poll_now.poll.answers]
    assert final == [1, 2]
    [announced] = posted(club, "Watch party pick")
    text = shown(announced)
    assert "Parasite (2019) — 1 vote" in text and "Okja (2017) — 2 votes" in text, text
    assert "2 of 3 votes" in text


# -- the party as a server event (Discord Scheduled Events) ------------------------------------


def server_events(club: Club) -> list[ScheduledEventModel]:
    assert club.channel.guild is not None
    return list(club.env.backend.get_guild(club.channel.guild.id).scheduled_events.values())


def link_buttons(message: discord.Message) -> dict[str, str]:
    return {
        child.label or "": child.url
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button) and child.url
    }


async def decide_at_deadline(club: Club, clock: FakeClock) -> discord.Message:
    poll_message = await open_party(club)
    await club.host.vote(poll_message, answer=1)
    await club.joon.vote(poll_message, answer=1)
    clock.advance(hours=24)
    await club.tick()
    [result] = posted(club, "Watch party pick")
    return result


async def test_the_winner_becomes_a_server_event_and_interested_members_are_reminded(
    club: Club, clock: FakeClock, tmp_path: Path
) -> None:
    result = await decide_at_deadline(club, clock)

    # One external event in the channel, for the winner, from the start for its runtime.
    [event] = server_events(club)
    snap = await club.app.core.catalog.get()
    [parasite] = [t for t in snap.titles.values() if t.name == "Parasite" and t.year == 2019]
    assert parasite.runtime_minutes  # the title's own runtime, not the two-hour default
    start = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    assert event.name == "Parasite (2019)" and event.entity_type == 3 and event.status == 1
    assert datetime.fromisoformat(event.scheduled_start_time) == start
    assert event.scheduled_end_time is not None
    ends = datetime.fromisoformat(event.scheduled_end_time)
    assert ends == start + timedelta(minutes=parasite.runtime_minutes)
    assert event.entity_metadata == {"location": club.channel.mention}
    assert event.description is not None and "Where to watch" in event.description

    # The announcement links it.
    url = f"https://discord.com/events/{event.guild_id}/{event.id}"
    assert link_buttons(result) == {"Event": url}
    assert "mark it Interested" in shown(result)

    # Sora only pressed Interested; Joon joined; Mina did both. After a restart (the event's
    # id is in the database), each of them gets the reminder once, in private.
    await club.sora.subscribe_event(event.id)
    await club.host.subscribe_event(event.id)
    assert "You joined" in await say(club, club.joon, "/watchparty join")
    assert "You joined" in await say(club, club.host, "/watchparty join")
    old = club.app
    await club.restart(tmp_path, clock)
    try:
        clock.now = start - timedelta(minutes=60)
        await club.tick()
        for who in (club.joon, club.host, club.sora):
            reminders = [m for m in who.user.dm_channel.history() if "⏰" in shown(m)]
            assert len(reminders) == 1, who
        [for_sora] = [m for m in club.sora.user.dm_channel.history() if "⏰" in shown(m)]
        assert "starts in 1 hour" in shown(for_sora)
        going = shown(for_sora).split("Going: ")[1].rstrip(".").split(", ")
        assert sorted(going) == ["joon", "mina", "sora"]  # the interested one too, once each
        assert posted(club, "⏰") == []
    finally:
        await club.app.close()
        club.app = old


async def test_the_hosts_close_links_the_event_and_cancel_cancels_it(
    club: Club, clock: FakeClock
) -> None:
    await open_party(club)
    result = await club.host.slash(club.channel, "watchparty", arguments="close")
    assert result.response is not None
    [event] = server_events(club)
    assert link_buttons(result.response.message) == {
        "Event": f"https://discord.com/events/{event.guild_id}/{event.id}"
    }

    assert "cancelled" in await say(club, club.host, "/watchparty cancel")
    await club.tick()
    [event] = server_events(club)
    assert event.status == 4  # cancelled, so members who were interested see it


async def test_no_event_without_a_start_time(club: Club, clock: FakeClock) -> None:
    opened = await say(club, club.host, "/watchparty new Parasite; Okja")
    assert "opened a watch party" in opened
    closed = await say(club, club.host, "/watchparty close")
    assert "Watch party pick" in closed
    clock.advance(hours=25)
    await club.tick()
    assert server_events(club) == []


async def test_without_manage_events_the_result_still_goes_out_and_admins_are_told(
    club: Club, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    assert club.channel.guild is not None
    guild = club.env.backend.get_guild(club.channel.guild.id)
    bot_id = club.env.backend.bot_user.id
    for role_id in guild.members[bot_id].role_ids:
        role = guild.roles[role_id]
        no_events = discord.Permissions(role.permissions)
        no_events.manage_events = False
        no_events.create_events = False
        club.env.backend.edit_role(guild.id, role_id, {"permissions": no_events.value})
    await club.env.settle()

    with caplog.at_level(logging.WARNING, logger="bot.discord_adapter.messenger"):
        result = await decide_at_deadline(club, clock)
    assert "Parasite" in shown(result) and link_buttons(result) == {}
    assert server_events(club) == []
    assert any("Manage Events" in r.getMessage() for r in caplog.records)
    async with club.app.db.unit_of_work() as repos:
        jobs = await repos.parties.jobs_of(await only_party_id(club.app))
    assert ("event", 0, "skipped") in jobs and ("announce", 0, "sent") in jobs


async def test_moving_the_party_moves_its_event_and_its_reminders(
    club: Club, clock: FakeClock
) -> None:
    await decide_at_deadline(club, clock)
    [before] = server_events(club)
    assert "You joined" in await say(club, club.joon, "/watchparty join")

    moved = await say(club, club.host, "/watchparty move 2026-11-28 21:30")
    assert "now starts Sat 28 Nov 2026 21:30 (UTC)" in moved, moved
    await club.tick()
    [event] = server_events(club)
    assert event.id == before.id and event.status == 1  # the same event, edited
    start = datetime(2026, 11, 28, 21, 30, tzinfo=UTC)
    assert datetime.fromisoformat(event.scheduled_start_time) == start
    assert event.scheduled_end_time is not None
    length = datetime.fromisoformat(before.scheduled_end_time or "") - datetime.fromisoformat(
        before.scheduled_start_time
    )
    assert datetime.fromisoformat(event.scheduled_end_time) == start + length

    def dms() -> list[discord.Message]:
        return [m for m in club.joon.user.dm_channel.history() if "⏰" in shown(m)]

    clock.now = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)  # an hour before the old start
    await club.tick()
    assert dms() == []
    clock.now = start - timedelta(minutes=60)
    await club.tick()
    [reminder] = dms()
    assert "starts in 1 hour (Sat 28 Nov 2026 21:30 (UTC))" in shown(reminder)

    assert "Only the host" in await say(club, club.sora, "/watchparty move sun 8pm")
