"""Chats are independent: the real python-telegram-bot Application against the fake Bot API,
which enforces Telegram's flood limits (429 with retry_after). A group flooded with commands,
or waiting out a 429, must not delay a private chat; one chat's updates keep their order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.app import App
from bot.telegram_adapter.handlers import build_application
from bot.telegram_adapter.ratelimit import ChatRateLimiter
from bot.telegram_adapter.server import serve
from tests.adapters.fake_telegram import GROUP_ID, FakeTelegram, FloodLimits, Sent

PRIVATE = 42
# Telegram's limits sped up ten times, so a flooded group drains in seconds: the fake
# enforces them, the bot's limiter keeps a little inside them.
FAST_TELEGRAM = FloodLimits(overall=(30, 1), per_chat=(4, 1), per_group=(20, 6))
FAST_LIMITER = ChatRateLimiter(per_chat=(3, 1), per_group=(18, 6))


async def running_bot(
    app: App, fake: FakeTelegram, limiter: ChatRateLimiter | None = None
) -> AsyncIterator[None]:
    settings = replace(app.settings, telegram_token=fake.token)
    application = build_application(settings, app.dispatcher, fake.base_url, None, limiter)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, stop, poll_timeout=1))
    await fake.wait_for("setMyCommands", 2)
    yield
    stop.set()
    await asyncio.wait_for(task, 60)


@pytest.fixture
async def fast_telegram(app: App, fake: FakeTelegram) -> AsyncIterator[FakeTelegram]:
    fake.limits = FAST_TELEGRAM
    async for _ in running_bot(app, fake, FAST_LIMITER):
        yield fake


@pytest.fixture
async def telegram(app: App, fake: FakeTelegram) -> AsyncIterator[FakeTelegram]:
    async for _ in running_bot(app, fake):
        yield fake


def replies_to(fake: FakeTelegram, chat_id: int) -> list[Sent]:
    return [s for s in fake.all("sendMessage") if int(s.params["chat_id"]) == chat_id]


async def private_reply_seconds(fake: FakeTelegram, command: str) -> float:
    seen = len(replies_to(fake, PRIVATE))
    asked = time.monotonic()
    fake.send_text(command, user_id=PRIVATE)
    for _ in range(600):
        answered = replies_to(fake, PRIVATE)
        if len(answered) > seen:
            return answered[seen].at - asked
        await asyncio.sleep(0.01)
    raise AssertionError("the private chat got no answer in 6 s")


async def test_a_flooded_group_does_not_delay_a_private_chat(fast_telegram: FakeTelegram) -> None:
    fake = fast_telegram
    members = 30
    for member in range(members):
        fake.send_text("/title Okja", user_id=1000 + member, chat_id=GROUP_ID, name=f"M{member}")
    await fake.wait_for("sendMessage", 3)  # the group's replies have started to go out
    seconds = await private_reply_seconds(fake, "/title Miracle in Cell No. 7")
    assert seconds < 1.0, f"the private /title waited {seconds:.2f} s behind the group"
    assert len(replies_to(fake, GROUP_ID)) < members  # the group was still being throttled
    assert "Miracle in Cell No. 7" in replies_to(fake, PRIVATE)[-1].text

    # Every member is answered in the end, within the group's limit and without a 429.
    await fake.wait_for("sendMessage", members + 1, seconds=30)
    assert all("Okja" in s.text for s in replies_to(fake, GROUP_ID))
    assert fake.flood_waits == []


async def test_a_flood_wait_holds_back_only_its_own_chat(telegram: FakeTelegram) -> None:
    fake = telegram
    fake.limits = FloodLimits(per_group=(1, 3))  # the second group message: 429 retry after 3
    fake.send_text("/title Okja", chat_id=GROUP_ID)
    fake.send_text("/title Parasite", chat_id=GROUP_ID)
    for _ in range(500):
        if fake.flood_waits:
            break
        await asyncio.sleep(0.01)
    assert fake.flood_waits == [(GROUP_ID, 3)]
    flooded_at = time.monotonic()

    seconds = await private_reply_seconds(fake, "/title Miracle in Cell No. 7")
    assert seconds < 1.0, f"the private /title waited {seconds:.2f} s for the group's flood"

    # The group's reply went out once its wait was over, not dropped.
    [_, second] = (await fake.wait_for("sendMessage", 3, seconds=15))[0:3:2]
    assert "Parasite" in second.text and int(second.params["chat_id"]) == GROUP_ID
    assert second.at - flooded_at >= 2.5


async def test_one_chat_is_answered_in_the_order_it_asked(telegram: FakeTelegram) -> None:
    fake = telegram
    titles = ["Okja", "Parasite", "The Host", "Mother", "Memories of Murder", "Burning"]
    for name in titles:  # quick ones and slow ones, all in one batch
        fake.send_text(f"/search {name}")
    sent = await fake.wait_for("sendMessage", len(titles), seconds=30)
    for name, reply in zip(titles, sent, strict=True):
        assert name in reply.text, (name, reply.text[:80])


async def test_a_guided_answer_waits_for_its_question(telegram: FakeTelegram) -> None:
    """/review without a title asks for one; the title typed right after it is the answer (not
    a search), though both come in one batch of updates."""
    fake = telegram
    fake.send_text("/review")
    fake.send_text("Okja")
    question, answer = await fake.wait_for("sendMessage", 2)
    assert question.params["reply_markup"]["force_reply"] is True
    assert "Okja" in answer.text and "stars" in answer.text.lower(), answer.text
