"""Watch parties on native Telegram polls, end to end: `reelbot telegram`'s own wiring
(bot.telegram_adapter.server.run) over a real App on SQLite and PostgreSQL, python-telegram-bot
against the local fake Bot API, the scheduler running beside the bot under a clock the test
moves. Members open a party in a group, vote in the poll, the deadline passes, the poll is
stopped, the winner announced, reminders sent; a restart in the middle changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import BadRequest

from bot.app import App, open_app
from bot.telegram_adapter.server import run
from tests.adapters.fake_telegram import GROUP_ID, FakeTelegram, FloodLimits, Sent
from tests.conftest import make_settings
from tests.party_support import FakeClock, only_party_id

MINA, JOON, SORA = 42, 7, 8
PASS = 0.05  # the scheduler's interval here: a pass every 50 ms
QUIET = 0.4  # long enough for several passes: what has not happened by then will not


@dataclass
class Running:
    """One `reelbot telegram` process, in-process: its App and the bot over it."""

    fake: FakeTelegram
    url: str
    tmp_path: Path
    clock: FakeClock
    app: App | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.fake.now = lambda: self.clock().timestamp()  # Telegram's clock moves with ours

    async def start(self) -> None:
        menus = len(self.fake.all("setMyCommands"))
        self.app = await open_app(make_settings(self.url, self.tmp_path), clock=self.clock)
        settings = replace(self.app.settings, telegram_token=self.fake.token)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(
            run(
                settings,
                self.app,
                self.stop,
                base_url=self.fake.base_url,
                poll_timeout=1,
                scheduler_interval=PASS,
            )
        )
        await self.fake.wait_for("setMyCommands", menus + 1)

    async def shutdown(self) -> None:
        if self.task is not None:
            self.stop.set()
            await asyncio.wait_for(self.task, 15)
            self.task = None
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def restart(self) -> None:
        """A new process over the same database: new App, new Application, new scheduler."""
        await self.shutdown()
        await self.start()


@pytest.fixture
async def bot(fake: FakeTelegram, db_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    # These tests ask the group for the party's state again and again, across restarts that
    # start each bot's flood limiter afresh; test_telegram_concurrency.py tests the limits.
    fake.limits = FloodLimits(per_chat=(1000, 1), per_group=(1000, 1))
    running = Running(fake, db_url, tmp_path, FakeClock())
    await running.start()
    yield running
    await running.shutdown()


async def say(fake: FakeTelegram, text: str, user_id: int = MINA, name: str = "Mina") -> Sent:
    """A member writes in the group; the bot's next message there."""
    seen = len(fake.all("sendMessage"))
    fake.send_text(text, user_id=user_id, chat_id=GROUP_ID, name=name)
    return (await fake.wait_for("sendMessage", seen + 1))[seen]


def vote(fake: FakeTelegram, poll: Sent, option: int | None, user_id: int, name: str) -> None:
    """A member taps an option of the native poll (None: retracts the vote)."""
    fake.vote(poll, [] if option is None else [option], user_id, name)


async def counts(fake: FakeTelegram, *expected: str) -> str:
    """/watchparty, once the votes have landed: what it says."""
    for _ in range(100):
        shown = (await say(fake, "/watchparty")).text
        if all(e in shown for e in expected):
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError(f"{expected} never shown; last: {shown}")


def in_chat(fake: FakeTelegram, chat_id: int, marker: str) -> list[Sent]:
    return [
        s
        for s in fake.all("sendMessage")
        if marker in s.text and s.params["chat_id"] in (chat_id, str(chat_id))
    ]


def in_group(fake: FakeTelegram, marker: str) -> list[Sent]:
    return in_chat(fake, GROUP_ID, marker)


async def open_party(fake: FakeTelegram) -> Sent:
    seen = len(fake.all("sendPoll"))
    opened = await say(fake, "/watchparty new 2026-11-27 20:00; Parasite; Okja")
    assert "opened a watch party" in opened.text, opened.text
    [poll] = (await fake.wait_for("sendPoll", seen + 1))[seen:]
    return poll


async def starts_at(bot: Running) -> datetime:
    assert bot.app is not None
    party_id = await only_party_id(bot.app)
    async with bot.app.db.unit_of_work() as repos:
        party = await repos.parties.get(party_id)
    assert party is not None and party.starts_at is not None
    return party.starts_at


async def test_a_party_runs_on_a_native_poll_from_vote_to_reminders(bot: Running) -> None:
    fake = bot.fake
    poll = await open_party(fake)

    # One native, non-anonymous, single-answer poll in the group, one option per candidate.
    assert poll.params["chat_id"] in (GROUP_ID, str(GROUP_ID))
    assert poll.params["is_anonymous"] is False
    assert not poll.params.get("allows_multiple_answers")
    options = [o if isinstance(o, str) else o["text"] for o in poll.params["options"]]
    assert [o.split(" (")[0] for o in options] == ["Parasite", "Okja"]

    # Votes in the poll are the votes: changed and withdrawn too, one per member.
    vote(fake, poll, 1, MINA, "Mina")
    vote(fake, poll, 1, JOON, "Joon")
    vote(fake, poll, 0, SORA, "Sora")
    vote(fake, poll, 0, JOON, "Joon")  # changes to Parasite
    vote(fake, poll, None, SORA, "Sora")  # withdraws
    shown = await counts(fake, "Parasite (2019) — 1 vote", "Okja (2017) — 1 vote", "2 vote(s)")
    assert "Going" in shown
    await say(fake, "/watchparty join", JOON, "Joon")
    vote(fake, poll, 0, SORA, "Sora")  # Parasite wins 2:1
    await counts(fake, "Parasite (2019) — 2 votes", "3 vote(s)")

    # Nothing happens before the deadline (24 h after opening)...
    bot.clock.advance(hours=23, minutes=59)
    await asyncio.sleep(QUIET)
    assert fake.all("stopPoll") == [] and in_group(fake, "Watch party pick") == []

    # ...then the scheduler stops the poll and announces the winner with where and when.
    bot.clock.advance(minutes=1)
    [stopped] = await fake.wait_for("stopPoll")
    assert int(stopped.params["message_id"]) == poll.result["message_id"]
    assert int(stopped.params["chat_id"]) == GROUP_ID
    [result] = await wait_in_group(fake, "Watch party pick")
    assert "Parasite" in result.text and "deadline reached" in result.text
    assert "2 of 3 votes" in result.text
    assert "Where to watch" in result.text
    assert "Starts Fri 27 Nov 2026 20:00 (UTC)" in result.text, result.text

    # A late vote is not counted; the voter is told privately.
    seen = len(fake.all("sendMessage"))
    vote(fake, poll, 1, 9, "Late")
    [late] = (await fake.wait_for("sendMessage", seen + 1))[seen:]
    assert late.params["chat_id"] in (9, "9") and "closed" in late.text

    # Reminders for those who joined, an hour before and at the start: in Joon's private chat
    # with the bot; the group is told only about Sora, who never started the bot.
    fake.unknown_chats.add(SORA)
    await say(fake, "/watchparty join", SORA, "Sora")
    start = await starts_at(bot)
    bot.clock.now = start - timedelta(minutes=61)
    await asyncio.sleep(QUIET)
    assert in_group(fake, "⏰") == [] and in_chat(fake, JOON, "⏰") == []
    bot.clock.now = start - timedelta(minutes=60)
    [hour_before] = await wait_in_chat(fake, JOON, "⏰")
    assert "Parasite" in hour_before.text and "starts in 1 hour" in hour_before.text
    [for_sora] = await wait_in_group(fake, "⏰")
    assert "For: Sora." in for_sora.text and "Joon" not in for_sora.text
    assert "tg://user" not in for_sora.text  # named, never mentioned
    bot.clock.now = start
    reminders = await wait_in_chat(fake, JOON, "⏰", 2)
    assert "starts now" in reminders[1].text
    await wait_in_group(fake, "⏰", 2)
    await asyncio.sleep(QUIET)
    assert len(fake.all("stopPoll")) == 1
    assert len(in_group(fake, "Watch party pick")) == 1
    assert len(in_group(fake, "⏰")) == 2 and len(in_chat(fake, JOON, "⏰")) == 2


async def test_a_party_votes_for_three_days_on_one_poll(bot: Running) -> None:
    fake = bot.fake
    opened_at = bot.clock()
    opened = await say(fake, "/watchparty new 2026-11-30 20:00; Parasite; Okja --for 3d")
    assert "opened a watch party" in opened.text, opened.text
    [poll] = await fake.wait_for("sendPoll")
    # Telegram closes it by itself only after the deadline (3 days), so the bot stops it first.
    closes = int(poll.params["close_date"]) - opened_at.timestamp()
    assert timedelta(days=3) < timedelta(seconds=closes) <= timedelta(days=3, minutes=10)
    assert "open_period" not in poll.params

    vote(fake, poll, 1, MINA, "Mina")
    await counts(fake, "Okja (2017) — 1 vote")
    bot.clock.advance(days=2)
    vote(fake, poll, 1, JOON, "Joon")  # two days in, the poll still takes votes
    vote(fake, poll, 0, SORA, "Sora")
    await counts(fake, "Okja (2017) — 2 votes", "Parasite (2019) — 1 vote")
    bot.clock.advance(hours=23, minutes=59)
    await asyncio.sleep(QUIET)
    assert fake.all("stopPoll") == [] and in_group(fake, "Watch party pick") == []

    bot.clock.advance(minutes=1)
    [stopped] = await fake.wait_for("stopPoll")
    assert stopped.result["is_closed"] is True  # stopped by the bot, with the final counts
    assert [o["voter_count"] for o in stopped.result["options"]] == [1, 2]
    [result] = await wait_in_group(fake, "Watch party pick")
    assert "Okja" in result.text and "2 of 3 votes" in result.text


async def test_the_fake_refuses_poll_periods_telegram_refuses(bot: Running) -> None:
    """The fake keeps Telegram's bounds, so a poll the bot asks too much of fails here too."""
    assert bot.app is not None
    telegram = Bot(bot.fake.token, base_url=f"{bot.fake.base_url}/bot")
    async with telegram:
        now = bot.clock()
        for kwargs in (
            {"close_date": now + timedelta(days=31)},
            {"close_date": now + timedelta(seconds=2)},
            {"open_period": 2_628_001},
            {"open_period": 60, "close_date": now + timedelta(hours=1)},
        ):
            with pytest.raises(BadRequest):
                await telegram.send_poll(GROUP_ID, "Which?", ["A", "B"], **kwargs)
        sent = await telegram.send_poll(
            GROUP_ID, "Which?", ["A", "B"], close_date=now + timedelta(days=30)
        )
        assert sent.poll is not None and not sent.poll.is_closed


async def test_a_restart_mid_vote_keeps_the_poll_and_closes_it_once(bot: Running) -> None:
    fake = bot.fake
    poll = await open_party(fake)
    vote(fake, poll, 1, MINA, "Mina")
    await counts(fake, "Okja (2017) — 1 vote")

    # Poll answers carry no chat: the new process finds the party from the poll id in the DB.
    await bot.restart()
    vote(fake, poll, 1, JOON, "Joon")
    vote(fake, poll, 0, SORA, "Sora")
    await counts(fake, "Okja (2017) — 2 votes", "Parasite (2019) — 1 vote")

    # The deadline passes while the bot is down, and Telegram closes the poll by itself 10
    # minutes later: the next process closes the vote, once, late, on the votes it recorded.
    await bot.shutdown()
    bot.clock.advance(hours=30)
    await bot.start()
    [result] = await wait_in_group(fake, "Watch party pick")
    assert "Okja" in result.text and "2 of 3 votes" in result.text
    assert fake.calls["stopPoll"] == 1 and fake.all("stopPoll") == []  # "already closed"

    await bot.restart()
    await asyncio.sleep(QUIET)
    assert fake.calls["stopPoll"] == 1
    assert len(in_group(fake, "Watch party pick")) == 1
    planned = (await say(fake, "/watchparty")).text
    assert "The watch party for Okja (2017)" in planned and "Okja (2017) — 2 votes 🏆" in planned


async def test_the_host_closing_the_vote_stops_the_poll_at_once(bot: Running) -> None:
    fake = bot.fake
    poll = await open_party(fake)
    vote(fake, poll, 0, JOON, "Joon")
    await counts(fake, "Parasite (2019) — 1 vote")

    denied = await say(fake, "/watchparty close", JOON, "Joon")
    assert "Only the host (Mina) or an admin can close" in denied.text

    closed = await say(fake, "/watchparty close")
    assert "Watch party pick: Parasite" in closed.text and "closed by Mina" in closed.text
    [stopped] = await fake.wait_for("stopPoll")  # the scheduler, woken by the new job
    assert int(stopped.params["message_id"]) == poll.result["message_id"]
    await asyncio.sleep(QUIET)
    assert len(fake.all("stopPoll")) == 1
    assert len(in_group(fake, "Watch party pick")) == 1  # the command's answer; no second one


async def test_cancelling_stops_the_poll_without_a_winner(bot: Running) -> None:
    fake = bot.fake
    poll = await open_party(fake)
    cancelled = await say(fake, "/watchparty cancel")
    assert "cancelled by Mina" in cancelled.text
    [stopped] = await fake.wait_for("stopPoll")
    assert int(stopped.params["message_id"]) == poll.result["message_id"]
    bot.clock.advance(days=3)
    await asyncio.sleep(QUIET)
    assert in_group(fake, "Watch party pick") == [] and in_group(fake, "⏰") == []


async def test_more_candidates_than_a_vote_takes_is_a_clear_message(bot: Running) -> None:
    titles = "; ".join(f"Film {n}" for n in range(1, 12))
    answer = await say(bot.fake, f"/watchparty new {titles}")
    assert "That is 11 titles; a vote takes at most 10." in answer.text
    assert bot.fake.all("sendPoll") == []
    assert "No watch party is planned" in (await say(bot.fake, "/watchparty")).text


async def wait_in_group(fake: FakeTelegram, marker: str, count: int = 1) -> list[Sent]:
    for _ in range(200):
        found = in_group(fake, marker)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {marker!r} message in the group")


async def test_the_poll_is_the_only_ballot_and_the_result_counts_what_it_shows(
    bot: Running,
) -> None:
    """Members vote every way they can: in the poll, once while the bot heard nothing, by
    typing /vote. The announced counts are the stopped poll's, offline vote included."""
    fake = bot.fake
    poll = await open_party(fake)
    vote(fake, poll, 1, MINA, "Mina")
    vote(fake, poll, 1, JOON, "Joon")
    fake.vote_unseen(poll, [0], SORA)  # counted by Telegram, never reported to the bot
    fake.vote_unseen(poll, [0], 9)
    await counts(fake, "Okja (2017) — 2 votes")
    typed = await say(fake, "/vote 1", 10, "Typist")
    assert "Vote in the poll above" in typed.text, typed.text
    status = await say(fake, "/watchparty")
    buttons = [
        b["text"]
        for row in (status.params.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]
    assert not any(b.startswith("Vote") for b in buttons), buttons
    assert "Vote in the poll above" in status.text

    bot.clock.advance(hours=24)
    [stopped] = await fake.wait_for("stopPoll")
    final = [o["voter_count"] for o in stopped.result["options"]]
    assert final == [2, 2]
    [result] = await wait_in_group(fake, "Watch party pick")
    assert "Parasite (2019) — 2 votes" in result.text, result.text
    assert "Okja (2017) — 2 votes" in result.text and "of 4 votes" in result.text


async def wait_in_chat(fake: FakeTelegram, chat_id: int, marker: str, count: int = 1) -> list[Sent]:
    for _ in range(200):
        found = in_chat(fake, chat_id, marker)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {marker!r} message in chat {chat_id}")
